//! The blocking client, for programs without an async runtime.
//!
//! `cargo run -p uumit --features blocking --example blocking`

fn main() -> uumit::Result<()> {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime for the local emulator");
    let emulator = runtime.block_on(uumit_mock::start(uumit_mock::MockConfig::default()));
    let emulator = emulator.expect("the local emulator should bind a loopback port");
    let demo = emulator.demo_user();
    let inner = uumit::Client::builder()
        .base_url(emulator.base_url())
        .credentials(demo.api_key, demo.user_id)
        .build()?;

    let client = uumit::blocking::Client::new(inner)?;
    let wallet = client.call(client.get_wallet())?;
    println!("{} UT available", wallet.ut.available);
    let titles: Vec<String> = client
        .items(client.list_capabilities().page_size(10))
        .map(|c| c.map(|c| c.title))
        .collect::<Result<_, _>>()?;
    println!(
        "{} capabilities, first: {}",
        titles.len(),
        titles.first().map(String::as_str).unwrap_or("none")
    );
    Ok(())
}
