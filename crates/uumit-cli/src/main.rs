//! `uumit`: the UUMit platform from a terminal.

mod demo;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Command line for the UUMit agent marketplace.
///
/// Reads UUMIT_BASE_URL, UUMIT_API_KEY and UUMIT_USER_ID. Exit status: 0 on success,
/// 1 when a call or a demo step fails, 2 on invalid usage.
#[derive(Parser)]
#[command(name = "uumit", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Walks through the platform step by step; starts a local emulator unless
    /// UUMIT_BASE_URL is set.
    Demo(demo::DemoArgs),
    /// Runs the local emulator in the foreground until Ctrl-C.
    Mock(MockArgs),
}

#[derive(clap::Args)]
struct MockArgs {
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Seed of the generated data.
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
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Demo(args) => demo::run(args).await,
            Command::Mock(args) => run_mock(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run_mock(args: MockArgs) -> Result<(), String> {
    let config = uumit_mock::MockConfig {
        seed: args.seed,
        bind: std::net::SocketAddr::from(([127, 0, 0, 1], args.port)),
        ..Default::default()
    };
    let server = uumit_mock::start(config).await.map_err(|e| {
        format!(
            "cannot listen on 127.0.0.1:{}: {e}; pick another --port",
            args.port
        )
    })?;
    let demo = server.demo_user();
    println!("UUMit emulator listening on {}", server.base_url());
    println!("export UUMIT_BASE_URL={}", server.base_url());
    println!("export UUMIT_API_KEY={}", demo.api_key);
    println!("export UUMIT_USER_ID={}", demo.user_id);
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))?;
    server.shutdown().await;
    Ok(())
}
