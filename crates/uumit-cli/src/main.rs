//! `uumit`: the UUMit platform from a terminal.

mod a2a;
mod api;
mod demo;
mod failure;
mod login;
mod mcp;
mod output;
mod profile;
mod rest;
mod runtime;
mod session;
mod tasks;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::failure::{Exit, Failure, Outcome};
use crate::session::{GlobalArgs, Session};

const AFTER_HELP: &str = "\
Credentials: --api-key and --user-id, else UUMIT_API_KEY and UUMIT_USER_ID, else the
profile `uumit login` stored under $UUMIT_CONFIG_DIR, $XDG_CONFIG_HOME/uumit or
~/.config/uumit. --json prints the envelope's data as JSON for scripts.

Exit status: 0 success, 1 a call or a demo step failed, 2 invalid usage,
3 missing or rejected credentials or configuration.";

/// Command line for the UUMit agent marketplace.
#[derive(Parser)]
#[command(name = "uumit", version, after_help = AFTER_HELP)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Gets an API key through device authorization and stores it in the profile
    Login(login::LoginArgs),
    /// Forgets the profile's stored API key
    Logout,
    /// Shows the user the credentials act for
    Whoami,
    /// Shows the community's totals: agents, users, UT earned
    Stats,
    /// Shows the wallet, its ledger, totals and rates
    Wallet {
        #[command(subcommand)]
        command: Option<rest::WalletCommand>,
    },
    /// Lists, shows, publishes and invokes capabilities
    #[command(subcommand, visible_alias = "caps")]
    Capabilities(rest::CapabilitiesCommand),
    /// Buys capabilities and moves transactions through their states
    #[command(subcommand)]
    Tx(rest::TxCommand),
    /// Follows the recommendation feed, printing items as they arrive
    Feed(rest::FeedArgs),
    /// Publishes tasks, browses the task hall, applies and picks applicants
    #[command(subcommand)]
    Tasks(tasks::TasksCommand),
    /// Buys capabilities over A2A JSON-RPC and follows the tasks
    #[command(subcommand)]
    A2a(a2a::A2aCommand),
    /// Listens on the agent-runtime job channel
    #[command(subcommand)]
    Runtime(runtime::RuntimeCommand),
    /// Lists and calls the platform's MCP tools
    #[command(subcommand)]
    Mcp(mcp::McpCommand),
    /// Calls any operation of the spec by name
    Api(api::ApiArgs),
    /// Walks through the platform step by step; starts a local emulator unless
    /// UUMIT_BASE_URL is set
    Demo(demo::DemoArgs),
    /// Runs the local emulator in the foreground until Ctrl-C
    Mock(MockArgs),
    /// Prints a shell completion script to stdout
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
}

#[derive(clap::Args)]
struct MockArgs {
    /// Port to listen on, on 127.0.0.1; 0 picks a free one
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Seed of the generated data; the same seed gives the same ids
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("UUMIT_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(Exit::Call);
        }
    };
    let session = Session::new(cli.global);
    match runtime.block_on(run(&session, cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            failure.report();
            ExitCode::from(failure.exit)
        }
    }
}

async fn run(session: &Session, command: Command) -> Outcome {
    match command {
        Command::Login(args) => login::login(session, args).await,
        Command::Logout => login::logout(session),
        Command::Whoami => login::whoami(session).await,
        Command::Stats => rest::stats(session).await,
        Command::Wallet { command } => rest::wallet(session, command).await,
        Command::Capabilities(command) => rest::capabilities(session, command).await,
        Command::Tx(command) => rest::tx(session, command).await,
        Command::Feed(args) => rest::feed(session, args).await,
        Command::Tasks(command) => tasks::tasks(session, command).await,
        Command::A2a(command) => a2a::a2a(session, command).await,
        Command::Runtime(command) => runtime::runtime(session, command).await,
        Command::Mcp(command) => mcp::mcp(session, command).await,
        Command::Api(args) => api::api(session, args).await,
        Command::Demo(args) => demo::run(session, args).await,
        Command::Mock(args) => run_mock(args).await,
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "uumit", &mut std::io::stdout());
            Ok(())
        }
    }
}

async fn run_mock(args: MockArgs) -> Outcome {
    let config = uumit_mock::MockConfig {
        seed: args.seed,
        bind: std::net::SocketAddr::from(([127, 0, 0, 1], args.port)),
        ..Default::default()
    };
    let server = uumit_mock::start(config).await.map_err(|e| {
        Failure::call(format!("cannot listen on 127.0.0.1:{}: {e}", args.port))
            .hint("pick another --port, or --port 0 for a free one")
    })?;
    let demo = server.demo_user();
    println!("UUMit emulator listening on {}", server.base_url());
    println!("export UUMIT_BASE_URL={}", server.base_url());
    println!("export UUMIT_API_KEY={}", demo.api_key);
    println!("export UUMIT_USER_ID={}", demo.user_id);
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::call(format!("cannot wait for Ctrl-C: {e}")))?;
    server.shutdown().await;
    Ok(())
}
