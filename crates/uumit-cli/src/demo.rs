//! `uumit demo`: the platform's main flows, step by step, with checks that they did what
//! they should.

use std::fmt::Display;

use uumit::prelude::*;
use uumit::{CallOptions, Client, types};

use crate::failure::{Failure, Outcome};
use crate::session::Session;

/// Options of `uumit demo`.
#[derive(clap::Args)]
pub(crate) struct DemoArgs {
    /// Run the steps that spend UT against the server in UUMIT_BASE_URL too. Against
    /// the embedded emulator they always run.
    #[arg(long)]
    spend: bool,
    /// Seed of the embedded emulator's data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// Where the demo runs and whether it may spend.
struct Target {
    client: Client,
    spend: bool,
    _server: Option<uumit_mock::MockServer>,
}

pub(crate) async fn run(session: &Session, args: DemoArgs) -> Outcome {
    let target = connect(session, &args).await?;
    tour(target).await.map_err(Failure::call)
}

async fn tour(target: Target) -> Result<(), String> {
    let mut steps = Steps::new(if target.spend { 7 } else { 3 });

    let stats = steps
        .run(
            "Community stats",
            target.client.get_community_stats().call(),
        )
        .await?;
    println!(
        "      {} agents, {} users, {} UT earned in all",
        stats.total_agents, stats.total_users, stats.total_income_ut
    );

    let page = steps
        .run(
            "Capabilities, first page",
            target
                .client
                .list_capabilities()
                .page(1)
                .page_size(5)
                .call(),
        )
        .await?;
    println!(
        "      {} listed in all; the first {}:",
        page.total,
        page.items.len()
    );
    for capability in &page.items {
        println!(
            "      {:<32} {:>10} UT  {}",
            capability.title, capability.price_ut, capability.pricing_model
        );
    }

    let before = steps
        .run("Wallet", target.client.get_wallet().call())
        .await?;
    println!(
        "      available {} UT, frozen {} UT",
        before.ut.available, before.ut.frozen
    );

    if !target.spend {
        println!(
            "\nSkipped the steps that spend UT; pass --spend to run them against this server."
        );
        return Ok(());
    }
    let Some(capability) = page
        .items
        .iter()
        .find(|c| c.pricing_model.as_str() == "per_use")
    else {
        return Err("step 4 failed: the first page has no per_use capability to buy".into());
    };
    spend(&target.client, &mut steps, capability, &before).await?;
    println!("\nDemo finished: every step succeeded.");
    Ok(())
}

async fn connect(session: &Session, args: &DemoArgs) -> Outcome<Target> {
    if session.args.base_url.is_some() {
        let client = session.client().map_err(|f| {
            f.hint("set UUMIT_API_KEY and UUMIT_USER_ID, or unset UUMIT_BASE_URL to use the embedded emulator")
        })?;
        println!("UUMit demo against {}\n", client.base_url());
        return Ok(Target {
            client,
            spend: args.spend,
            _server: None,
        });
    }
    let config = uumit_mock::MockConfig {
        seed: args.seed,
        ..Default::default()
    };
    let server = uumit_mock::start(config)
        .await
        .map_err(|e| Failure::call(format!("cannot start the local emulator: {e}")))?;
    let demo = server.demo_user();
    let client = Client::builder()
        .base_url(server.base_url())
        .credentials(demo.api_key, demo.user_id)
        .build()?;
    println!(
        "UUMit demo against the local emulator at {} (seed {})\n",
        server.base_url(),
        args.seed
    );
    Ok(Target {
        client,
        spend: true,
        _server: Some(server),
    })
}

/// Buys a capability: create, replay the create, freeze, replay the freeze, and check
/// that the wallet moved exactly once.
async fn spend(
    client: &Client,
    steps: &mut Steps,
    capability: &types::CapabilityOut,
    before: &types::WalletOut,
) -> Result<(), String> {
    let body = types::TransactionCreate::builder().capability_id(capability.id);
    let key = format!("demo-{}", uuid::Uuid::new_v4());
    let created = steps
        .run(
            "Create a transaction",
            client
                .create_transaction()
                .body(body.clone())
                .call_with(CallOptions::new().idempotency_key(&key)),
        )
        .await?;
    println!(
        "      {} for \"{}\": {} UT, {} (Idempotency-Key {key})",
        created.data.id, capability.title, created.data.price_ut, created.data.status
    );

    let replayed = steps
        .run(
            "Replay the same create",
            client
                .create_transaction()
                .body(body)
                .call_with(CallOptions::new().idempotency_key(&key)),
        )
        .await?;
    steps.check(
        replayed.data.id == created.data.id,
        format!(
            "the replay created another transaction, {}",
            replayed.data.id
        ),
    )?;
    println!(
        "      same transaction {}: the platform replayed the first response",
        replayed.data.id
    );

    let freeze_key = format!("freeze-{}", created.data.id);
    let options = || CallOptions::new().idempotency_key(&freeze_key);
    let frozen = steps
        .run(
            "Freeze the price",
            client
                .freeze_transaction()
                .tx_id(created.data.id)
                .call_with(options()),
        )
        .await?;
    client
        .freeze_transaction()
        .tx_id(created.data.id)
        .call_with(options())
        .await
        .map_err(|e| format!("step {} failed: replaying the freeze: {e}", steps.current))?;
    println!(
        "      {} is {}; the freeze was sent twice with key {freeze_key}",
        frozen.data.id, frozen.data.status
    );

    let after = steps
        .run("Wallet after", client.get_wallet().call())
        .await?;
    let price = created.data.price_ut;
    let expected = before.ut.available - price;
    println!(
        "      available {} UT (was {}), frozen {} UT",
        after.ut.available, before.ut.available, after.ut.frozen
    );
    steps.check(
        after.ut.available == expected,
        format!(
            "available UT is {}, expected {expected}: the price moved more than once",
            after.ut.available
        ),
    )?;
    steps.check(
        after.ut.frozen == before.ut.frozen + price,
        format!(
            "frozen UT is {}, expected {}",
            after.ut.frozen,
            before.ut.frozen + price
        ),
    )?;
    println!("      debited once: {price} UT moved from available to frozen");
    Ok(())
}

/// Numbers the steps and names the failing one.
struct Steps {
    total: usize,
    current: usize,
}

impl Steps {
    fn new(total: usize) -> Self {
        Self { total, current: 0 }
    }

    async fn run<T, E: Display>(
        &mut self,
        title: &str,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, String> {
        self.current += 1;
        println!("[{}/{}] {title}", self.current, self.total);
        call.await
            .map_err(|e| format!("step {} ({title}) failed: {e}", self.current))
    }

    fn check(&self, holds: bool, message: String) -> Result<(), String> {
        if holds {
            Ok(())
        } else {
            Err(format!("step {} failed: {message}", self.current))
        }
    }
}
