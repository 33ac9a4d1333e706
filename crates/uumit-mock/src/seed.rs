//! Deterministic seed data: the same seed gives the same users, ids and listings.

use uuid::Uuid;
use uumit_api::Money;

use crate::store::{Capability, Store};

mod market;

/// Largest UT amount the emulator accepts in a price or bounty, so sums never overflow.
pub(crate) const MAX_AMOUNT: Money = Money::from_units(1_000_000_000);

/// Fills an empty store: the demo user first, then the sellers and their listings.
pub(crate) fn fill(store: &mut Store) {
    let demo = store.add_user("demo-buyer", Money::from_units(1500));
    let sellers: Vec<Uuid> = SELLERS
        .iter()
        .map(|name| store.add_user(name, Money::from_units(200)))
        .collect();
    fill_capabilities(store, &sellers);
    market::fill(store, demo, &sellers);
}

fn fill_capabilities(store: &mut Store, sellers: &[Uuid]) {
    let started = store.started();
    for (index, listing) in LISTINGS.iter().enumerate() {
        let created_at = started - chrono::Duration::hours((LISTINGS.len() - index) as i64);
        let instant = listing.pricing_model == "per_query";
        let capability = Capability {
            id: store.rng().uuid(),
            agent_id: sellers[index % sellers.len()],
            title: listing.title.to_owned(),
            description: listing.description.to_owned(),
            category: listing.category.to_owned(),
            capability_type: listing.capability_type.to_owned(),
            pricing_model: listing.pricing_model.to_owned(),
            price_ut: listing.price,
            tags: vec![
                listing.category.to_owned(),
                listing.capability_type.to_owned(),
            ],
            delivery_mode: if instant { "instant" } else { "async" }.to_owned(),
            status: "active".to_owned(),
            created_at,
            input_schema: None,
            callback_url: instant.then(|| format!("https://agents.example.com/{index}")),
            json: Default::default(),
        };
        // Inserting at the front keeps the list newest first.
        store.insert_capability(capability);
    }
}

/// SplitMix64: a tiny generator whose output depends only on the seed, unlike the
/// `rand` crate's `StdRng`, whose algorithm may change between versions.
pub(crate) struct SeedRng(u64);

impl SeedRng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A version-4 UUID from the generator.
    pub(crate) fn uuid(&mut self) -> Uuid {
        let high = self.next_u64().to_be_bytes();
        let low = self.next_u64().to_be_bytes();
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&high);
        bytes[8..].copy_from_slice(&low);
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// A number in `0..bound`.
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }

    /// A string of `len` characters from the URL-safe base64 alphabet.
    pub(crate) fn token(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        (0..len)
            .map(|_| ALPHABET[self.below(64) as usize] as char)
            .collect()
    }
}

/// One seeded listing: category, type, pricing model, title, description and price.
pub(crate) struct ListingSeed {
    pub(crate) category: &'static str,
    pub(crate) capability_type: &'static str,
    pub(crate) pricing_model: &'static str,
    pub(crate) title: &'static str,
    pub(crate) description: &'static str,
    pub(crate) price: Money,
}

const fn listing(
    category: &'static str,
    capability_type: &'static str,
    pricing_model: &'static str,
    title: &'static str,
    description: &'static str,
    price_hundredths: i64,
) -> ListingSeed {
    ListingSeed {
        category,
        capability_type,
        pricing_model,
        title,
        description,
        price: Money::from_hundredths(price_hundredths),
    }
}

/// Listings every seed starts with, spread over categories and capability types.
pub(crate) const LISTINGS: &[ListingSeed] = &[
    listing(
        "data_analysis",
        "service",
        "per_use",
        "Sales data analysis",
        "Cleans a sales table and reports trends, outliers and a forecast.",
        12_000,
    ),
    listing(
        "document",
        "tool",
        "per_query",
        "Invoice OCR",
        "Reads an invoice image and returns the fields as JSON.",
        500,
    ),
    listing(
        "translation",
        "service",
        "per_use",
        "Chinese-English translation",
        "Translates documents up to 5,000 words, with a glossary.",
        8_000,
    ),
    listing(
        "development",
        "service",
        "per_hour",
        "Rust code review",
        "Reviews a pull request for safety, errors and performance.",
        20_000,
    ),
    listing(
        "data_analysis",
        "data",
        "per_query",
        "A-share daily quotes",
        "Daily open, high, low and close for listed companies.",
        200,
    ),
    listing(
        "marketing",
        "service",
        "per_use",
        "Product launch copy",
        "Writes a launch post, three headlines and a tweet thread.",
        6_000,
    ),
    listing(
        "design",
        "service",
        "per_use",
        "Logo concepts",
        "Three logo concepts in SVG with a colour palette.",
        15_000,
    ),
    listing(
        "research",
        "knowledge",
        "per_use",
        "Market sizing brief",
        "A two-page sizing of a market from public sources.",
        9_000,
    ),
    listing(
        "development",
        "api",
        "per_query",
        "Geocoding API",
        "Turns an address into coordinates.",
        100,
    ),
    listing(
        "automation",
        "workflow",
        "per_use",
        "Weekly report pipeline",
        "Collects metrics, drafts the weekly report and emails it.",
        4_000,
    ),
    listing(
        "document",
        "tool",
        "per_query",
        "PDF to Markdown",
        "Converts a PDF into clean Markdown with tables.",
        300,
    ),
    listing(
        "compute",
        "compute",
        "per_hour",
        "GPU hour (24 GB)",
        "One hour of a 24 GB GPU with CUDA 12.",
        3_500,
    ),
    listing(
        "research",
        "service",
        "per_day",
        "Literature review assistant",
        "Finds, reads and summarises papers for a day.",
        30_000,
    ),
    listing(
        "translation",
        "tool",
        "per_query",
        "Subtitle translation",
        "Translates an SRT file and keeps its timing.",
        800,
    ),
    listing(
        "data_analysis",
        "service",
        "per_use",
        "A/B test readout",
        "Checks an experiment's data and states the result with intervals.",
        7_500,
    ),
    listing(
        "marketing",
        "data",
        "subscription",
        "Competitor price feed",
        "Daily prices of 200 competitor products.",
        50_000,
    ),
    listing(
        "development",
        "service",
        "per_use",
        "API integration",
        "Connects your service to a REST API and writes the tests.",
        25_000,
    ),
    listing(
        "design",
        "tool",
        "per_query",
        "Background removal",
        "Removes the background of a product photo.",
        150,
    ),
    listing(
        "automation",
        "account_sharing",
        "per_day",
        "Shared SEO tool seat",
        "A day on a shared SEO suite account.",
        2_000,
    ),
    listing(
        "research",
        "knowledge",
        "per_query",
        "Patent search",
        "Finds related patents for a claim.",
        1_200,
    ),
    listing(
        "education",
        "service",
        "per_hour",
        "Python tutoring",
        "One-to-one Python lessons for beginners.",
        10_000,
    ),
    listing(
        "legal",
        "service",
        "per_use",
        "Contract clause check",
        "Flags risky clauses in an English or Chinese contract.",
        18_000,
    ),
    listing(
        "finance",
        "data",
        "per_query",
        "Company financials",
        "Income statement and balance sheet of a listed company.",
        400,
    ),
    listing(
        "education",
        "knowledge",
        "per_use",
        "Interview question bank",
        "200 backend interview questions with model answers.",
        3_000,
    ),
    listing(
        "finance",
        "service",
        "per_use",
        "Budget model",
        "A monthly budget model for a small team in a spreadsheet.",
        11_000,
    ),
];

/// Names of the seeded sellers.
pub(crate) const SELLERS: &[&str] = &[
    "DataSmith",
    "DocBot",
    "PolyglotAI",
    "CrabReviewer",
    "QuantFeed",
];
