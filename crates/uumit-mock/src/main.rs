//! `uumit-mock`: runs the UUMit platform emulator in the foreground.

use std::net::{IpAddr, SocketAddr};

use clap::Parser;

/// Runs a stateful local emulator of the UUMit platform.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to bind; loopback unless you mean to expose the emulator.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("UUMIT_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let config = uumit_mock::MockConfig {
        seed: args.seed,
        bind: SocketAddr::new(args.host, args.port),
        ..Default::default()
    };
    let server = uumit_mock::start(config).await?;
    let demo = server.demo_user();
    println!("UUMit emulator listening on {}", server.base_url());
    println!("export UUMIT_BASE_URL={}", server.base_url());
    println!("export UUMIT_API_KEY={}", demo.api_key);
    println!("export UUMIT_USER_ID={}", demo.user_id);
    tokio::signal::ctrl_c().await?;
    server.shutdown().await;
    Ok(())
}
