//! `uumit demo`: the platform's main flows, step by step, with checks that they did what
//! they should.

use std::fmt::Display;

use futures::StreamExt;
use uumit::prelude::*;
use uumit::{CallOptions, Client, Money, types};

use crate::failure::{Failure, Outcome};
use crate::session::Session;

/// Options of `uumit demo`.
#[derive(clap::Args, Debug)]
pub(crate) struct DemoArgs {
    /// Run the steps that spend UT against the server in UUMIT_BASE_URL too. Against
    /// the embedded emulator they always run.
    #[arg(long)]
    spend: bool,
    /// Seed of the embedded emulator's data; the same seed gives the same ids
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// Server the demo runs against, whether it may spend, and the sellers it can act as.
struct Target {
    client: Client,
    spend: bool,
    /// The sellers' credentials, known only on the embedded emulator. Without them the
    /// purchase is cancelled after the freeze instead of delivered.
    sellers: Vec<uumit_mock::DemoUser>,
    _server: Option<uumit_mock::MockServer>,
}

impl Target {
    /// Steps the tour will take.
    fn plan(&self) -> usize {
        match (self.spend, self.sellers.is_empty()) {
            (false, _) => READ_STEPS,
            (true, false) => READ_STEPS + BUY_STEPS + SETTLE_STEPS + 1 + PROTOCOL_STEPS,
            (true, true) => READ_STEPS + BUY_STEPS + 2 + PROTOCOL_STEPS - 1,
        }
    }

    /// Builds a client acting as a transaction's seller, if the demo has the seller's
    /// credentials.
    fn seller(&self, user_id: uuid::Uuid) -> Result<Option<Client>, String> {
        let id = user_id.to_string();
        let Some(seller) = self.sellers.iter().find(|u| u.user_id == id) else {
            return Ok(None);
        };
        Client::builder()
            .base_url(self.client.base_url().as_str())
            .credentials(&seller.api_key, &seller.user_id)
            .build()
            .map(Some)
            .map_err(|e| format!("cannot configure the seller's client: {e}"))
    }
}

const READ_STEPS: usize = 4;
const BUY_STEPS: usize = 4;
const SETTLE_STEPS: usize = 3;
/// An A2A task watched to completion (on the embedded emulator only, where the
/// emulator plays the seller), one cancelled, a streamed draft, and MCP.
const PROTOCOL_STEPS: usize = 5;

pub(crate) async fn run(session: &Session, args: DemoArgs) -> Outcome {
    let target = connect(session, &args).await?;
    tour(target).await.map_err(Failure::call)
}

async fn tour(target: Target) -> Result<(), String> {
    let mut steps = Steps::new(target.plan());
    let page = browse(&target.client, &mut steps).await?;
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
    let transaction = buy(&target.client, &mut steps, capability).await?;
    let mut spent = match target.seller(transaction.seller_user_id)? {
        Some(seller) => {
            settle(&target.client, &seller, &mut steps, &transaction).await?;
            transaction.price_ut
        }
        None => {
            cancel(&target.client, &mut steps, &transaction).await?;
            Money::default()
        }
    };
    spent = spent + invoke(&target.client, &mut steps, &page).await?;
    check_wallet(&target.client, &mut steps, &before, spent).await?;
    let watch = !target.sellers.is_empty();
    protocols(&target.client, &mut steps, capability, watch).await?;
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
            sellers: Vec::new(),
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
        sellers: uumit_mock::Store::seeded(args.seed).seeded_users(),
        _server: Some(server),
    })
}

/// Shows the community stats and the first page of capabilities.
async fn browse(client: &Client, steps: &mut Steps) -> Result<types::CapabilityOutPage, String> {
    let stats = steps
        .run("Community stats", client.get_community_stats().call())
        .await?;
    println!(
        "      {} agents, {} users, {} UT earned in all",
        stats.total_agents, stats.total_users, stats.total_income_ut
    );

    let list = client.list_capabilities().page(1).page_size(5).call();
    let page = steps.run("Capabilities, first page", list).await?;
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
    feed(client, steps).await?;
    Ok(page)
}

/// Follows the recommendation feed's cursor and prints items as they arrive.
async fn feed(client: &Client, steps: &mut Steps) -> Result<(), String> {
    steps.start("Recommendation feed, streamed");
    let builder = client.get_recommendation_feed().page_size(2);
    let mut items = std::pin::pin!(Follow::items(builder).take(FEED_ITEMS));
    while let Some(item) = items.next().await {
        let item = item.map_err(|e| steps.failed(e))?;
        let price = item
            .price_ut
            .map_or_else(|| "-".to_owned(), |p| format!("{p} UT"));
        println!(
            "      {:<10} {:<28} {:>10}",
            item.item_type, item.title, price
        );
    }
    Ok(())
}

/// Items of the feed the demo shows, fetched two to a page to show the cursor at work.
const FEED_ITEMS: usize = 5;

/// Invokes the first per-query capability of the page once, which charges its price
/// right away, and returns the charge.
async fn invoke(
    client: &Client,
    steps: &mut Steps,
    page: &types::CapabilityOutPage,
) -> Result<Money, String> {
    let Some(capability) = page
        .items
        .iter()
        .find(|c| c.pricing_model.as_str() == "per_query")
    else {
        return Err(format!(
            "step {} failed: the first page has no per_query capability to invoke",
            steps.current + 1
        ));
    };
    let mut input = serde_json::Map::new();
    input.insert("company".into(), "ACME Ltd".into());
    let body = types::CapabilityInvoke::builder().input(input);
    let call = client.invoke_capability().cap_id(capability.id).body(body);
    let title = format!("Invoke \"{}\" once", capability.title);
    let result = steps.run(&title, call.call()).await?;
    println!(
        "      {} charged {} UT, transaction {} is {}",
        capability.title, result.charged_ut, result.transaction_id, result.status
    );
    Ok(result.charged_ut)
}

/// Buys a capability: creates, replays the create, and freezes twice with one key, so
/// one transaction is frozen once.
async fn buy(
    client: &Client,
    steps: &mut Steps,
    capability: &types::CapabilityOut,
) -> Result<types::TransactionOut, String> {
    let body = types::TransactionCreate::builder().capability_id(capability.id);
    let key = format!("demo-{}", uuid::Uuid::new_v4());
    let create = || {
        client
            .create_transaction()
            .body(body.clone())
            .call_with(CallOptions::new().idempotency_key(&key))
    };
    let created = steps.run("Create a transaction", create()).await?;
    println!(
        "      {} for \"{}\": {} UT, {} (Idempotency-Key {key})",
        created.data.id, capability.title, created.data.price_ut, created.data.status
    );

    let replayed = steps.run("Replay the same create", create()).await?;
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

    let id = created.data.id;
    let freeze_key = format!("freeze-{id}");
    let freeze = || {
        client
            .freeze_transaction()
            .tx_id(id)
            .call_with(CallOptions::new().idempotency_key(&freeze_key))
    };
    let frozen = steps.run("Freeze the price", freeze()).await?;
    freeze()
        .await
        .map_err(|e| format!("step {} failed: replaying the freeze: {e}", steps.current))?;
    println!(
        "      {} is {}; the freeze was sent twice with key {freeze_key}",
        frozen.data.id, frozen.data.status
    );
    Ok(frozen.data)
}

/// Settles a transaction: the seller accepts and delivers, the buyer confirms, and the
/// seller is paid.
async fn settle(
    buyer: &Client,
    seller: &Client,
    steps: &mut Steps,
    transaction: &types::TransactionOut,
) -> Result<(), String> {
    let id = transaction.id;
    let seller_before = seller
        .get_wallet()
        .call()
        .await
        .map_err(|e| format!("reading the seller's wallet failed: {e}"))?;
    let accepted = steps
        .run(
            "Seller accepts",
            seller.accept_transaction().tx_id(id).call(),
        )
        .await?;
    println!("      {} is {}", accepted.id, accepted.status);

    let mut result = serde_json::Map::new();
    result.insert("report".into(), "budget.xlsx".into());
    let deliver = seller
        .deliver_transaction()
        .tx_id(id)
        .body(types::TransactionDeliver::builder().result_payload(result));
    let delivered = steps.run("Seller delivers", deliver.call()).await?;
    println!("      {} is {}", delivered.id, delivered.status);

    let confirm = buyer.confirm_transaction().tx_id(id).call();
    let confirmed = steps.run("Buyer confirms", confirm).await?;
    let seller_after = seller
        .get_wallet()
        .call()
        .await
        .map_err(|e| format!("reading the seller's wallet failed: {e}"))?;
    println!(
        "      {} is {}; the seller's available UT went from {} to {}",
        confirmed.id, confirmed.status, seller_before.ut.available, seller_after.ut.available
    );
    steps.check(
        seller_after.ut.available == seller_before.ut.available + transaction.price_ut,
        format!(
            "the seller has {} UT available, expected {} more than {}",
            seller_after.ut.available, transaction.price_ut, seller_before.ut.available
        ),
    )
}

/// Cancels a transaction, which refunds the frozen price, when the demo cannot act as
/// its seller.
async fn cancel(
    client: &Client,
    steps: &mut Steps,
    transaction: &types::TransactionOut,
) -> Result<(), String> {
    let call = client.cancel_transaction().tx_id(transaction.id).call();
    let cancelled = steps
        .run(
            "Cancel the purchase (the seller is not ours to act as)",
            call,
        )
        .await?;
    println!(
        "      {} is {}; the frozen {} UT go back",
        cancelled.id, cancelled.status, transaction.price_ut
    );
    Ok(())
}

/// The agent protocols: an A2A task followed over `tasks/sendSubscribe` until it
/// completes (when `watch`, because only the embedded emulator plays the seller), one
/// cancelled, a streamed AI task draft, and the MCP tools.
async fn protocols(
    client: &Client,
    steps: &mut Steps,
    capability: &types::CapabilityOut,
    watch: bool,
) -> Result<(), String> {
    if watch {
        watch_a2a_task(client, steps, capability).await?;
    }
    let a2a = client.a2a();
    let params = uumit::a2a::SendParams::new(capability.id.to_string());
    let other = a2a.send(params).await.map_err(|e| steps.failed(e))?;
    let cancelled = steps
        .run("Cancel an A2A task", a2a.cancel(&other.id))
        .await?;
    let state = cancelled.status.state.as_str();
    println!("      task {} is {state}", cancelled.id);
    steps.check(
        state == "canceled",
        format!("the task is {state}, not canceled"),
    )?;
    draft(client, steps).await?;
    mcp(client, steps).await
}

/// Sends an A2A task and follows it over `tasks/sendSubscribe` until it completes.
async fn watch_a2a_task(
    client: &Client,
    steps: &mut Steps,
    capability: &types::CapabilityOut,
) -> Result<(), String> {
    let a2a = client.a2a();
    let params = uumit::a2a::SendParams::new(capability.id.to_string()).text("Demo order over A2A");
    let task = steps.run("Send an A2A task", a2a.send(params)).await?;
    println!("      task {} is {}", task.id, task.status.state.as_str());

    steps.start("Watch it over tasks/sendSubscribe");
    let mut updates = a2a.subscribe(&task.id).await.map_err(|e| steps.failed(e))?;
    let mut states = Vec::new();
    while let Some(update) = updates.next().await.map_err(|e| steps.failed(e))? {
        states.push(update.status.state.as_str().to_owned());
    }
    println!("      states: {}", states.join(" -> "));
    let completed = states.last().map(String::as_str) == Some("completed");
    steps.check(
        completed,
        format!("the task ended {states:?}, not completed"),
    )
}

/// Streams an AI task draft and prints it as it arrives.
async fn draft(client: &Client, steps: &mut Steps) -> Result<(), String> {
    steps.start("Stream an AI task draft");
    let mut stream = client
        .ai_create_task_stream("Translate a 2,000-word product page into English by Friday")
        .await
        .map_err(|e| steps.failed(e))?;
    let mut deltas = 0;
    while let Some(event) = stream.next().await.map_err(|e| steps.failed(e))? {
        match event {
            uumit::tasks_stream::DraftEvent::Delta(_) => deltas += 1,
            uumit::tasks_stream::DraftEvent::Done(draft) => {
                println!(
                    "      {deltas} deltas, then the draft \"{}\" with a bounty of {} UT",
                    draft.title, draft.bounty_amount
                );
            }
            _ => {}
        }
    }
    Ok(())
}

/// Lists the MCP tools and searches the marketplace through them.
async fn mcp(client: &Client, steps: &mut Steps) -> Result<(), String> {
    let session = steps
        .run(
            "Connect to MCP and list its tools",
            uumit::mcp::connect(client),
        )
        .await?;
    let tools = session.list_tools().await.map_err(|e| steps.failed(e))?;
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    println!("      {} tools: {}", names.len(), names.join(", "));
    let search = uumit::mcp::SearchInput {
        query: "translation".into(),
        category: None,
        page: None,
        page_size: Some(3),
    };
    let found = session.search(search).await.map_err(|e| steps.failed(e))?;
    let titles: Vec<&str> = found.items.iter().map(|c| c.title.as_str()).collect();
    println!(
        "      uuagent_search \"translation\": {}",
        titles.join("; ")
    );
    session.close().await;
    Ok(())
}

/// Checks that the buyer's wallet moved by exactly `spent` and nothing stays frozen.
async fn check_wallet(
    client: &Client,
    steps: &mut Steps,
    before: &types::WalletOut,
    spent: Money,
) -> Result<(), String> {
    let after = steps
        .run("Wallet after", client.get_wallet().call())
        .await?;
    println!(
        "      available {} UT (was {}), frozen {} UT",
        after.ut.available, before.ut.available, after.ut.frozen
    );
    let expected = before.ut.available - spent;
    steps.check(
        after.ut.available == expected,
        format!(
            "available UT is {}, expected {expected}: the price moved more than once",
            after.ut.available
        ),
    )?;
    steps.check(
        after.ut.frozen == before.ut.frozen,
        format!(
            "frozen UT is {}, expected {}",
            after.ut.frozen, before.ut.frozen
        ),
    )?;
    println!("      debited once for each purchase: {spent} UT in all, nothing left frozen");
    Ok(())
}

/// Numbers the steps and names the failing one.
struct Steps {
    total: usize,
    current: usize,
    title: String,
}

impl Steps {
    fn new(total: usize) -> Self {
        Self {
            total,
            current: 0,
            title: String::new(),
        }
    }

    async fn run<T, E: Display>(
        &mut self,
        title: &str,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, String> {
        self.start(title);
        call.await.map_err(|e| self.failed(e))
    }

    /// Prints the next step's heading, for steps that print as they go.
    fn start(&mut self, title: &str) {
        self.current += 1;
        self.title = title.to_owned();
        println!("[{}/{}] {title}", self.current, self.total);
    }

    /// Names the current step in a failure.
    fn failed(&self, error: impl Display) -> String {
        format!("step {} ({}) failed: {error}", self.current, self.title)
    }

    fn check(&self, holds: bool, message: String) -> Result<(), String> {
        if holds {
            Ok(())
        } else {
            Err(format!("step {} failed: {message}", self.current))
        }
    }
}
