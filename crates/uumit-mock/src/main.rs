//! `uumit-mock`: runs the UUMit platform emulator in the foreground.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

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
    /// Requests a minute allowed per API key; over it, HTTP 429 with code 1009.
    #[arg(long, value_name = "N")]
    rate_limit: Option<u32>,
    /// A fault for every request, in the X-Mock-Fault syntax, for example
    /// "status=503; retry_after=2; times=1".
    #[arg(long, value_name = "SPEC", value_parser = parse_fault)]
    fault: Option<uumit_mock::Fault>,
    /// Share of requests, from 0 to 1, that get a random fault.
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate)]
    fault_rate: f64,
    /// Seed of the random faults.
    #[arg(long, value_name = "SEED", default_value_t = 0)]
    fault_seed: u64,
    /// Seconds a device-authorization code stays valid.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    device_code_ttl: u64,
    /// UT per CNY reported by the wallet rates operation, for example 10 or 12.5.
    #[arg(long, value_name = "UT", default_value = "10")]
    cash_to_ut_rate: uumit_api::Money,
}

fn parse_fault(text: &str) -> Result<uumit_mock::Fault, String> {
    text.parse()
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number; give a share from 0 to 1"))?;
    if !(0.0..=1.0).contains(&rate) {
        return Err(format!("{rate} is outside 0 to 1"));
    }
    Ok(rate)
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
        rate_limit_per_minute: args.rate_limit,
        fault: args.fault,
        fault_rate: args.fault_rate,
        fault_seed: args.fault_seed,
        device_code_ttl: Duration::from_secs(args.device_code_ttl),
        cash_to_ut_rate: args.cash_to_ut_rate,
        ..uumit_mock::MockConfig::default()
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
