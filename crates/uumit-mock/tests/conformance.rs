//! Every REST operation of the spec, called through the typed facade client, so a
//! response that does not match its schema fails to decode. Operations that stream
//! (`ai_create_task`, `connect_agent_runtime`) and the runtime's `submit_runtime_action`
//! are served by other modules and checked in their own tests.

use std::collections::BTreeSet;
use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use uuid::Uuid;
use uumit::prelude::*;
use uumit::{Client, types};

/// Operations this file does not call, with the reason above.
const ELSEWHERE: &[&str] = &[
    "ai_create_task",
    "connect_agent_runtime",
    "submit_runtime_action",
];

/// Records which operations ran, and fails with the operation's name on any error.
#[derive(Default)]
struct Calls(BTreeSet<&'static str>);

impl Calls {
    async fn ok<'a, O: Call<'a>>(&mut self, operation: O) -> O::Data {
        self.0.insert(O::NAME);
        match operation.call().await {
            Ok(data) => data,
            Err(error) => panic!("{} failed: {error}", O::NAME),
        }
    }

    async fn code<'a, O: Call<'a>>(&mut self, operation: O) -> i64
    where
        O::Data: Debug,
    {
        self.0.insert(O::NAME);
        let error = operation.call().await.expect_err(O::NAME);
        error
            .code()
            .unwrap_or_else(|| panic!("{} failed without a code: {error}", O::NAME))
    }
}

fn body<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap()
}

fn client(base_url: &str, api_key: &str, user_id: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .credentials(api_key, user_id)
        .build()
        .unwrap()
}

struct World {
    server: uumit_mock::MockServer,
    demo: Client,
    users: Vec<uumit_mock::DemoUser>,
}

impl World {
    async fn start() -> Self {
        let config = uumit_mock::MockConfig::default();
        let users = uumit_mock::Store::seeded(config.seed).seeded_users();
        let server = uumit_mock::start(config).await.unwrap();
        let demo = server.demo_user();
        let demo = client(&server.base_url(), &demo.api_key, &demo.user_id);
        Self {
            server,
            demo,
            users,
        }
    }

    /// A client acting as the seeded user `id`.
    fn as_user(&self, id: Uuid) -> Client {
        let user = self
            .users
            .iter()
            .find(|u| u.user_id == id.to_string())
            .expect("a seeded user");
        client(&self.server.base_url(), &user.api_key, &user.user_id)
    }
}

#[tokio::test]
async fn every_operation_decodes() {
    let world = World::start().await;
    let mut calls = Calls::default();
    public_and_device(&world, &mut calls).await;
    wallet_and_profile(&world, &mut calls).await;
    capabilities(&world, &mut calls).await;
    transactions(&world, &mut calls).await;
    tasks_and_skills(&world, &mut calls).await;
    marketplace(&world, &mut calls).await;
    external_agents(&world, &mut calls).await;

    let expected: BTreeSet<&str> = uumit_api::OPERATIONS
        .iter()
        .map(|op| op.name)
        .filter(|name| !ELSEWHERE.contains(name))
        .collect();
    let missing: Vec<_> = expected.difference(&calls.0).collect();
    assert!(missing.is_empty(), "operations never called: {missing:?}");
    assert_eq!(calls.0.len(), uumit_api::OPERATIONS.len() - ELSEWHERE.len());
}

async fn public_and_device(world: &World, calls: &mut Calls) {
    let demo = &world.demo;
    let stats = calls.ok(demo.get_community_stats()).await;
    assert!(stats.total_agents > 0);
    let card = calls.ok(demo.get_platform_agent_card()).await;
    assert!(card.url.ends_with("/a2a"));
    let capabilities = calls.ok(demo.list_capabilities().page_size(100)).await;
    let seller = capabilities.items[0].agent_id;
    let agent_card = calls.ok(demo.get_agent_card().agent_id(seller)).await;
    assert!(!agent_card.skills.is_empty());

    let start = body::<types::DeviceAuthRequest>(json!({"agent_platform_type": "cursor"}));
    let grant = calls.ok(demo.start_device_auth().body(start)).await;
    assert_eq!(grant.user_code.len(), 8);
    assert_eq!(
        grant.verification_url,
        format!("{}/link", world.server.base_url())
    );
    let poll = || body::<types::DeviceAuthPollRequest>(json!({"device_code": grant.device_code}));
    let pending = calls.ok(demo.poll_device_auth().body(poll())).await;
    assert_eq!(pending.status.as_str(), "pending");
    world.server.approve_device(&grant.user_code).unwrap();
    let approved = calls.ok(demo.poll_device_auth().body(poll())).await;
    assert_eq!(approved.status.as_str(), "approved");
    let new_user = client(
        &world.server.base_url(),
        approved.api_key.as_deref().unwrap(),
        &approved.user_id.unwrap().to_string(),
    );
    let wallet = calls.ok(new_user.get_wallet()).await;
    assert_eq!(wallet.ut.available.to_string(), "1000.00");
}

async fn wallet_and_profile(world: &World, calls: &mut Calls) {
    let demo = &world.demo;
    let me = calls.ok(demo.get_current_user()).await;
    assert_eq!(Some(me.id.to_string().as_str()), demo.user_id());
    let wallet = calls.ok(demo.get_wallet()).await;
    assert_eq!(wallet.ut.available.to_string(), "1500.00");
    let ledger = calls
        .ok(demo.list_wallet_transactions().type_("recharge"))
        .await;
    assert_eq!(ledger.total, 1);
    calls.ok(demo.get_wallet_stats()).await;
    let rates = calls.ok(demo.get_wallet_rates()).await;
    assert_eq!(rates.cash_to_ut_rate.to_string(), "10.00");
    let first = calls.ok(demo.get_recommendation_feed().page_size(3)).await;
    assert!(first.has_more);
    let cursor = first.next_cursor.clone().unwrap();
    let second = calls
        .ok(demo.get_recommendation_feed().cursor(cursor).page_size(3))
        .await;
    assert_ne!(first.items[0].id, second.items[0].id);
    let top = calls.ok(demo.list_recommendations().page_size(5)).await;
    assert_eq!(top.len(), 5);
    let cruise = calls.ok(demo.get_cruise_snapshot().include("all")).await;
    assert!(cruise.wallet.is_some());
}

async fn capabilities(world: &World, calls: &mut Calls) {
    let demo = &world.demo;
    let create = json!({
        "title": "Emulated summary", "description": "Summarises a text.",
        "category": "document", "capability_type": "tool", "pricing_model": "per_use",
        "price_ut": "12.50", "tags": ["text"],
    });
    let created = calls
        .ok(demo
            .create_capability()
            .body(body::<types::CapabilityCreate>(create.clone())))
        .await;
    assert_eq!(created.price_ut.to_string(), "12.50");
    let mine = calls.ok(demo.list_my_capabilities()).await;
    assert_eq!(mine.items[0].id, created.id);
    calls.ok(demo.get_capability().cap_id(created.id)).await;
    let update = body::<types::CapabilityUpdate>(json!({"price_ut": 15}));
    let updated = calls
        .ok(demo.update_capability().cap_id(created.id).body(update))
        .await;
    assert_eq!(updated.price_ut.to_string(), "15.00");
    let no_callback = json!({
        "title": "Sync lookup", "description": "Needs a callback.", "category": "document",
        "capability_type": "api", "pricing_model": "per_query", "price_ut": 1,
    });
    let batch = body::<types::CapabilityBatchCreate>(json!({"items": [create, no_callback]}));
    let results = calls.ok(demo.batch_create_capabilities().body(batch)).await;
    assert!(results[0].ok);
    assert!(!results[1].ok);
    let request = body::<types::CapabilityMatchRequest>(json!({"query": "translate documents"}));
    let matches = calls.ok(demo.match_capabilities().body(request)).await;
    assert!(!matches.is_empty());
    let suggestion = calls
        .ok(demo.get_pricing_suggestion().category("translation"))
        .await;
    assert!(suggestion.sample_count > 0);
    let listed = calls.ok(demo.list_capabilities().page_size(100)).await;
    let per_query = listed
        .items
        .iter()
        .find(|c| c.pricing_model.as_str() == "per_query")
        .unwrap();
    let invoke = body::<types::CapabilityInvoke>(json!({"input": {"q": "hello"}}));
    let invoked = calls
        .ok(demo.invoke_capability().cap_id(per_query.id).body(invoke))
        .await;
    assert_eq!(invoked.status.as_str(), "settled");
    assert_eq!(invoked.charged_ut, per_query.price_ut);
    calls.ok(demo.delete_capability().cap_id(created.id)).await;
}

async fn transactions(world: &World, calls: &mut Calls) {
    let demo = &world.demo;
    let listed = calls.ok(demo.list_capabilities().page_size(100)).await;
    let me = demo.user_id().unwrap().to_owned();
    let capability = listed
        .items
        .iter()
        .find(|c| c.pricing_model.as_str() == "per_use" && c.agent_id.to_string() != me)
        .unwrap();
    let seller = world.as_user(capability.agent_id);
    let order = || body::<types::TransactionCreate>(json!({"capability_id": capability.id}));

    let tx = calls.ok(demo.create_transaction().body(order())).await;
    calls.ok(demo.get_transaction().tx_id(tx.id)).await;
    calls.ok(demo.freeze_transaction().tx_id(tx.id)).await;
    calls.ok(seller.accept_transaction().tx_id(tx.id)).await;
    let delivery = body::<types::TransactionDeliver>(json!({"result_payload": {"ok": true}}));
    calls
        .ok(seller.deliver_transaction().tx_id(tx.id).body(delivery))
        .await;
    let settled = calls.ok(demo.confirm_transaction().tx_id(tx.id)).await;
    assert_eq!(settled.status.as_str(), "settled");

    let rejected = calls.ok(demo.create_transaction().body(order())).await;
    calls.ok(demo.freeze_transaction().tx_id(rejected.id)).await;
    let rejected = calls
        .ok(seller.reject_transaction().tx_id(rejected.id))
        .await;
    assert_eq!(rejected.status.as_str(), "rejected_by_seller");
    let cancelled = calls.ok(demo.create_transaction().body(order())).await;
    let cancelled = calls
        .ok(demo.cancel_transaction().tx_id(cancelled.id))
        .await;
    assert_eq!(cancelled.status.as_str(), "cancelled_by_buyer");
    let sold = calls
        .ok(seller.list_transactions().role("seller").status("settled"))
        .await;
    assert_eq!(sold.total, 1);
}

async fn tasks_and_skills(world: &World, calls: &mut Calls) {
    let demo = &world.demo;
    let task =
        json!({"title": "Label 100 images", "description": "Bounding boxes.", "bounty_amount": 30});
    let task = calls
        .ok(demo.create_task().body(body::<types::TaskCreate>(task)))
        .await;
    assert_eq!(task.status.as_str(), "open");
    let huge = json!({"title": "Big job", "description": "Too big.", "bounty_amount": "99999"});
    let code = calls
        .code(demo.create_task().body(body::<types::TaskCreate>(huge)))
        .await;
    assert_eq!(code, 3004);
    let drafts = calls.ok(demo.list_my_tasks().status("draft")).await;
    let draft = drafts.items[0].id;
    assert_eq!(
        calls.code(demo.publish_task_draft().task_id(draft)).await,
        3004
    );
    let closed = calls.ok(demo.close_task().task_id(draft)).await;
    assert_eq!(closed.status.as_str(), "closed");
    let hall = calls.ok(demo.list_task_hall().keyword("label")).await;
    assert_eq!(hall.items[0].id, task.id);
    calls.ok(demo.get_task().task_id(task.id)).await;

    let skill = json!({
        "name": "Image labelling", "description": "Boxes and polygons.", "category": "data",
        "pricing_model": "per_use", "ut_price": 3, "deliverables": ["a COCO file"],
    });
    let hall = calls.ok(demo.list_skill_hall()).await;
    let applicants: Vec<Uuid> = hall.items.iter().filter_map(|s| s.user_id).collect();
    let mut applications = Vec::new();
    for applicant in applicants.iter().take(2) {
        let applicant = world.as_user(*applicant);
        let own = calls
            .ok(applicant
                .create_skill()
                .body(body::<types::SkillCreate>(skill.clone())))
            .await;
        let apply =
            body::<types::TaskApplicationCreate>(json!({"skill_id": own.id, "message": "Me"}));
        applications.push(
            calls
                .ok(applicant
                    .create_task_application()
                    .task_id(task.id)
                    .body(apply))
                .await,
        );
        let mine = calls.ok(applicant.list_my_task_applications()).await;
        assert_eq!(
            mine.items[0].task_title.as_deref(),
            Some("Label 100 images")
        );
    }
    let listed = calls
        .ok(demo.list_task_applications().task_id(task.id))
        .await;
    assert_eq!(listed.total, 2);
    let rejected = calls
        .ok(demo
            .reject_task_application()
            .task_id(task.id)
            .app_id(applications[1].id))
        .await;
    assert_eq!(rejected.status.as_str(), "rejected");
    let accepted = calls
        .ok(demo
            .accept_task_application()
            .task_id(task.id)
            .app_id(applications[0].id))
        .await;
    assert!(accepted.order_id.is_some());

    let created = calls
        .ok(demo.create_skill().body(body::<types::SkillCreate>(skill)))
        .await;
    let mine = calls.ok(demo.list_my_skills()).await;
    assert_eq!(mine.items[0].id, created.id);
    calls.ok(demo.get_skill().skill_id(created.id)).await;
    let update = body::<types::SkillUpdate>(json!({"status": "inactive"}));
    let updated = calls
        .ok(demo.update_skill().skill_id(created.id).body(update))
        .await;
    assert_eq!(updated.status.as_str(), "inactive");
    calls.ok(demo.delete_skill().skill_id(created.id)).await;
}

async fn marketplace(world: &World, calls: &mut Calls) {
    let demo = &world.demo;
    let found = calls.ok(demo.search_marketplace().keyword("rust")).await;
    assert!(!found.knowledge_store.items.is_empty());
    let apis = calls.ok(demo.list_data_apis()).await;
    let paid = apis
        .items
        .iter()
        .find(|a| a.price_ut.hundredths() > 0)
        .unwrap();
    calls.ok(demo.get_data_api().api_id(paid.id)).await;
    let params = body::<types::DataApiCall>(json!({"params": {"q": "AAPL"}}));
    let called = calls
        .ok(demo.call_data_api().api_id(paid.id).body(params))
        .await;
    assert_eq!(called.charged_ut, paid.price_ut);
    let assets = calls.ok(demo.list_market_assets()).await;
    let asset = &assets.items[0];
    calls.ok(demo.get_market_asset().asset_id(asset.id)).await;
    let purchase = body::<types::AssetPurchase>(json!({}));
    let bought = calls
        .ok(demo.purchase_asset().asset_id(asset.id).body(purchase))
        .await;
    let owned = calls.ok(demo.list_purchased_assets()).await;
    assert_eq!(
        owned.items[0].access_token.as_deref(),
        Some(bought.access_token.as_str())
    );
}

async fn external_agents(world: &World, calls: &mut Calls) {
    let demo = &world.demo;
    let created = calls
        .ok(demo
            .create_external_agent()
            .platform_url("https://agent.example.com")
            .agent_name("Helper"))
        .await;
    let listed = calls.ok(demo.list_external_agents()).await;
    assert_eq!(listed[0].id, created.id);
    calls
        .ok(demo.get_external_agent().agent_id(created.id))
        .await;
    let hook = body::<types::ExternalAgentWebhookUpdate>(json!({
        "webhook_url": "https://hooks.example.com/uumit", "webhook_events": ["task.completed"],
    }));
    let updated = calls
        .ok(demo
            .update_external_agent_webhook()
            .agent_id(created.id)
            .body(hook))
        .await;
    assert_eq!(updated.webhook_events, ["task.completed"]);
}
