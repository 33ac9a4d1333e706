//! Seed tasks, skills, data APIs, digital assets and external agents.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use uuid::Uuid;
use uumit_api::Money;

use crate::store::{DataApi, DigitalAsset, ExternalAgent, Skill, Store, Task};

/// Seed tasks: category, title, description, bounty in whole UT, and city of offline
/// work.
const TASKS: &[(&str, &str, &str, i64, Option<&str>)] = &[
    (
        "data_analysis",
        "Clean a CRM export",
        "Deduplicate 20,000 contacts and normalise the phone numbers.",
        120,
        None,
    ),
    (
        "translation",
        "Translate a product page",
        "English to Japanese, about 800 words, keep the HTML tags.",
        60,
        None,
    ),
    (
        "development",
        "Fix a flaky CI job",
        "A Rust test fails one run in ten on the CI; find out why and fix it.",
        200,
        None,
    ),
    (
        "design",
        "Poster for a meetup",
        "An A3 poster for a developer meetup, print-ready PDF.",
        80,
        Some("Shanghai"),
    ),
    (
        "research",
        "Competitor feature table",
        "Compare five note-taking apps feature by feature.",
        50,
        None,
    ),
    (
        "marketing",
        "Write three tweets",
        "Three tweets announcing a new API version.",
        15,
        None,
    ),
];

/// Seed skills: category, name, description, pricing model, price in whole UT.
const SKILLS: &[(&str, &str, &str, &str, i64)] = &[
    (
        "data_analysis",
        "Spreadsheet clean-up",
        "Cleans and reshapes spreadsheets of any size.",
        "fixed",
        40,
    ),
    (
        "translation",
        "Technical translation",
        "Translates docs between English, Chinese and Japanese.",
        "per_use",
        30,
    ),
    (
        "development",
        "Rust debugging",
        "Finds and fixes bugs in Rust services.",
        "per_hour",
        90,
    ),
    (
        "design",
        "Posters and banners",
        "Print and web posters in your brand colours.",
        "fixed",
        70,
    ),
    (
        "research",
        "Desk research",
        "Structured research reports from public sources.",
        "per_day",
        150,
    ),
    (
        "marketing",
        "Social copy",
        "Short posts for X, LinkedIn and WeChat.",
        "negotiable",
        10,
    ),
];

/// Seed data APIs: category, name, description, price in hundredths of UT, rating.
const DATA_APIS: &[(&str, &str, &str, i64, f64)] = &[
    (
        "finance",
        "Stock quotes",
        "Latest price and daily change of a listed stock.",
        50,
        4.6,
    ),
    (
        "weather",
        "City weather",
        "Current weather and a three-day forecast for a city.",
        0,
        4.2,
    ),
    (
        "geo",
        "IP geolocation",
        "Country, region and city of an IP address.",
        20,
        3.9,
    ),
    (
        "finance",
        "Exchange rates",
        "Daily reference rates of 30 currencies.",
        10,
        4.8,
    ),
    (
        "text",
        "Sentiment score",
        "Sentiment of a short text from -1 to 1.",
        30,
        4.0,
    ),
];

/// Seed digital assets: title, description, price in whole UT, delivery mode.
const ASSETS: &[(&str, &str, i64, &str)] = &[
    (
        "Prompt pack for code review",
        "120 prompts that make an LLM review code well.",
        25,
        "download",
    ),
    (
        "SaaS pricing dataset",
        "Pricing pages of 500 SaaS products as CSV.",
        60,
        "download",
    ),
    (
        "Rust async cheat sheet",
        "Four pages on futures, pinning and cancellation.",
        8,
        "download",
    ),
    (
        "Market map: AI agents",
        "A map of 300 agent startups by category.",
        40,
        "external",
    ),
    (
        "Interview notes: data teams",
        "Notes from 40 interviews with data leads.",
        35,
        "download",
    ),
];

/// Fills the tasks, skills, data APIs, digital assets and external agents.
pub(crate) fn fill(store: &mut Store, demo: Uuid, sellers: &[Uuid]) {
    let started = store.started();
    fill_tasks(store, sellers, started);
    fill_skills(store, demo, sellers, started);
    fill_data_apis(store, sellers);
    fill_assets(store, sellers);
    fill_external_agent(store, demo, started);
}

fn fill_tasks(store: &mut Store, sellers: &[Uuid], started: DateTime<Utc>) {
    for (index, (category, title, description, bounty, city)) in TASKS.iter().enumerate() {
        let created_at = started - Duration::minutes(90 * (TASKS.len() - index) as i64);
        let task = Task {
            id: store.rng().uuid(),
            publisher_id: sellers[index % sellers.len()],
            title: (*title).to_owned(),
            description: (*description).to_owned(),
            mode: if city.is_some() { "offline" } else { "online" }.to_owned(),
            billing_model: "fixed_deadline".to_owned(),
            status: "open".to_owned(),
            owner_type: "agent".to_owned(),
            bounty_amount: Money::from_units(*bounty),
            bounty_currency: "UT".to_owned(),
            category: Some((*category).to_owned()),
            tags: vec![(*category).to_owned()],
            deliverables: json!(["a short report"]),
            approval_mode: "manual".to_owned(),
            completion_mode: "manual".to_owned(),
            delivery_hours: 24,
            deadline: Some(started + Duration::days(7)),
            city: city.map(str::to_owned),
            created_at,
            updated_at: created_at,
        };
        store.publish_task(task);
    }
}

fn fill_skills(store: &mut Store, demo: Uuid, sellers: &[Uuid], started: DateTime<Utc>) {
    let owners = std::iter::once(demo).chain(sellers.iter().copied()).cycle();
    for (index, ((category, name, description, pricing, price), owner)) in
        SKILLS.iter().zip(owners).enumerate()
    {
        let skill = Skill {
            id: store.rng().uuid(),
            user_id: owner,
            name: (*name).to_owned(),
            description: (*description).to_owned(),
            mode: "online".to_owned(),
            category: (*category).to_owned(),
            pricing_model: (*pricing).to_owned(),
            ut_price: Money::from_units(*price),
            tags: vec![(*category).to_owned()],
            deliverables: vec!["a delivered file".to_owned()],
            status: "active".to_owned(),
            city: None,
            input_schema: Some(vec![
                json!({"name": "brief", "type": "string", "required": true}),
            ]),
            created_at: started - Duration::hours(index as i64 + 1),
        };
        store.skills.push(skill);
    }
}

fn fill_data_apis(store: &mut Store, sellers: &[Uuid]) {
    for (index, (category, name, description, price, rating)) in DATA_APIS.iter().enumerate() {
        let owner = sellers[(index + 1) % sellers.len()];
        let owner_nickname = store.users[&owner].name.clone();
        let api = DataApi {
            id: store.rng().uuid(),
            name: (*name).to_owned(),
            description: (*description).to_owned(),
            category: (*category).to_owned(),
            custom_category: None,
            owner_nickname,
            price_ut: Money::from_hundredths(*price),
            request_schema: json!({"type": "object", "properties": {"q": {"type": "string"}}}),
            response_schema: json!({"type": "object"}),
            example_request: json!({"q": "example"}),
            example_response: json!([{"value": index + 1}]),
            test_params: json!({"q": "test"}),
            status: "online".to_owned(),
            owner_id: owner,
            rating: *rating,
        };
        store.data_apis.push(api);
    }
}

fn fill_assets(store: &mut Store, sellers: &[Uuid]) {
    for (index, (title, description, price, delivery)) in ASSETS.iter().enumerate() {
        let price = Money::from_units(*price);
        let asset = DigitalAsset {
            id: store.rng().uuid(),
            title: (*title).to_owned(),
            description: (*description).to_owned(),
            seller_id: sellers[(index + 2) % sellers.len()],
            price_ut: price,
            actual_price_ut: price,
            suggested_price_ut: price,
            status: "on_sale".to_owned(),
            content_review_status: "approved".to_owned(),
            delivery_mode: (*delivery).to_owned(),
            cover_image_url: None,
            preview_images: Vec::new(),
        };
        store.assets.push(asset);
    }
}

fn fill_external_agent(store: &mut Store, demo: Uuid, started: DateTime<Utc>) {
    let agent = ExternalAgent {
        id: store.rng().uuid(),
        owner: demo,
        agent_name: Some("Report writer".to_owned()),
        platform_url: "https://agents.example.com/report-writer".to_owned(),
        description: Some("Writes weekly reports from metrics.".to_owned()),
        auth_type: Some("none".to_owned()),
        status: "active".to_owned(),
        webhook_url: None,
        webhook_events: Vec::new(),
        webhook_secret: None,
        created_at: started - Duration::days(2),
    };
    store.add_external_agent(agent);
}
