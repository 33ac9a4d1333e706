//! Under random injected faults (errors, dropped connections after the charge, truncated
//! bodies, slow responses), idempotent retries never charge twice.

use std::time::Duration;

use futures::StreamExt;
use uumit::prelude::*;
use uumit::{CallOptions, Client, Money, RetryPolicy, types};

const CALLS: usize = 1_000;
const CONCURRENCY: usize = 32;

fn client(server: &uumit_mock::MockServer) -> Client {
    let demo = server.demo_user();
    let policy = RetryPolicy {
        max_retries: 10,
        initial_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(5),
    };
    Client::builder()
        .base_url(server.base_url())
        .credentials(demo.api_key, demo.user_id)
        .retry_policy(policy)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// One logical call: what it is, and the key every attempt of it carries.
#[derive(Clone, Copy, Debug)]
enum Intent {
    Invoke(usize),
    Create(usize),
}

/// Sends an intent until it succeeds, always with the same idempotency key, as a careful
/// caller does when even the client's own retries ran out. Returns the transaction id.
async fn settle(
    client: &Client,
    intent: Intent,
    invoked: uuid::Uuid,
    bought: uuid::Uuid,
) -> uuid::Uuid {
    for _ in 0..20 {
        let outcome = match intent {
            Intent::Invoke(n) => {
                let body = types::CapabilityInvoke::builder().input(serde_json::Map::new());
                let options = CallOptions::new().idempotency_key(format!("invoke-{n}"));
                client
                    .invoke_capability()
                    .cap_id(invoked)
                    .body(body)
                    .call_with(options)
                    .await
                    .map(|r| r.data.transaction_id)
            }
            Intent::Create(n) => {
                let body = types::TransactionCreate::builder().capability_id(bought);
                let options = CallOptions::new().idempotency_key(format!("create-{n}"));
                client
                    .create_transaction()
                    .body(body)
                    .call_with(options)
                    .await
                    .map(|r| r.data.id)
            }
        };
        match outcome {
            Ok(id) => return id,
            Err(error) => assert!(error.is_retryable(), "{intent:?} failed for good: {error}"),
        }
    }
    panic!("{intent:?} did not succeed in 20 logical attempts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_faults_never_charge_twice() {
    let config = uumit_mock::MockConfig {
        fault_rate: 0.3,
        fault_seed: 7,
        ..Default::default()
    };
    let server = uumit_mock::start(config).await.unwrap();
    let client = client(&server);
    let capabilities: Vec<types::CapabilityOut> = client
        .list_capabilities()
        .page_size(100)
        .items()
        .map(|c| c.unwrap())
        .collect()
        .await;
    let cheapest = |model: &str| {
        capabilities
            .iter()
            .filter(|c| c.pricing_model.as_str() == model)
            .min_by_key(|c| c.price_ut)
            .unwrap()
            .clone()
    };
    let invoked = cheapest("per_query");
    let bought = cheapest("per_use");
    let before = client.get_wallet().call().await.unwrap().ut;

    let intents: Vec<Intent> = (0..CALLS)
        .map(|n| {
            if n % 2 == 0 {
                Intent::Invoke(n)
            } else {
                Intent::Create(n)
            }
        })
        .collect();
    let ids: Vec<uuid::Uuid> = futures::stream::iter(intents.clone())
        .map(|intent| settle(&client, intent, invoked.id, bought.id))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        CALLS,
        "two logical calls got the same transaction"
    );

    // Replaying every key again returns the same transactions and moves nothing.
    let replayed: Vec<uuid::Uuid> = futures::stream::iter(intents)
        .map(|intent| settle(&client, intent, invoked.id, bought.id))
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut replayed_sorted = replayed.clone();
    replayed_sorted.sort();
    assert_eq!(
        replayed_sorted, unique,
        "a replay created a new transaction"
    );

    let invokes = CALLS / 2;
    let after = client.get_wallet().call().await.unwrap().ut;
    let spent = invoked.price_ut.checked_mul(invokes as i64).unwrap();
    assert_eq!(
        after.available,
        before.available - spent,
        "available UT moved more or less than {invokes} charges of {}",
        invoked.price_ut
    );
    assert_eq!(after.frozen, before.frozen);
    let bought_total = client
        .list_transactions()
        .role(uumit::enums::TransactionRole::Buyer)
        .page_size(1)
        .call()
        .await
        .unwrap()
        .total;
    assert_eq!(
        bought_total as usize, CALLS,
        "the ledger holds a different number of purchases"
    );
    let _: Money = spent;
}
