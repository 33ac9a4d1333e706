//! The emulator's in-memory state and the rules that change it: wallets, listings and
//! the transaction state machine.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;
use uumit_api::Money;

use crate::seed::{LISTINGS, SELLERS, SeedRng};

/// A failure a handler turns into an error envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fail {
    pub(crate) status: u16,
    pub(crate) code: i64,
    pub(crate) message: String,
}

impl Fail {
    pub(crate) fn new(status: u16, code: i64, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn not_found(what: &str, id: impl std::fmt::Display) -> Self {
        Self::new(404, 1004, format!("{what} {id} not found"))
    }

    /// A business error the platform reports over HTTP 200 with a non-zero code.
    pub(crate) fn business(code: i64, message: impl Into<String>) -> Self {
        Self::new(200, code, message)
    }
}

/// Result of a store operation.
pub(crate) type Outcome<T> = Result<T, Fail>;

/// A balance in one currency.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub(crate) struct Balance {
    pub(crate) available: Money,
    pub(crate) frozen: Money,
}

impl Balance {
    pub(crate) fn view(&self) -> serde_json::Value {
        serde_json::json!({
            "available": self.available,
            "frozen": self.frozen,
            "total": self.available + self.frozen,
        })
    }
}

/// A platform user with an API key and a wallet.
#[derive(Clone, Debug)]
pub(crate) struct User {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) api_key: String,
    pub(crate) ut: Balance,
    pub(crate) cash: Balance,
}

/// A capability listing.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Capability {
    pub(crate) id: Uuid,
    pub(crate) agent_id: Uuid,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) category: String,
    pub(crate) capability_type: String,
    pub(crate) pricing_model: String,
    pub(crate) price_ut: Money,
    pub(crate) tags: Vec<String>,
    pub(crate) delivery_mode: String,
    pub(crate) status: String,
    pub(crate) created_at: DateTime<Utc>,
}

/// A purchase of a capability, moving through the transaction state machine.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Transaction {
    pub(crate) id: Uuid,
    pub(crate) buyer_user_id: Uuid,
    pub(crate) seller_user_id: Uuid,
    pub(crate) capability_id: Uuid,
    pub(crate) transaction_type: String,
    pub(crate) price_ut: Money,
    pub(crate) status: &'static str,
    pub(crate) booked_hours: Option<u32>,
    pub(crate) result_payload: Option<serde_json::Value>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

/// A stored response for an idempotency key.
#[derive(Clone, Debug)]
pub(crate) struct StoredResponse {
    pub(crate) status: u16,
    pub(crate) body: bytes::Bytes,
}

/// Everything the emulator knows.
pub struct Store {
    seed: u64,
    rng: SeedRng,
    pub(crate) users: BTreeMap<Uuid, User>,
    keys: HashMap<String, Uuid>,
    demo: Uuid,
    pub(crate) capabilities: Vec<Capability>,
    pub(crate) transactions: BTreeMap<Uuid, Transaction>,
    pub(crate) idempotency: HashMap<(Uuid, String), StoredResponse>,
    started: DateTime<Utc>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("seed", &self.seed)
            .field("users", &self.users.len())
            .field("capabilities", &self.capabilities.len())
            .field("transactions", &self.transactions.len())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// A store filled with the data of `seed`.
    pub fn seeded(seed: u64) -> Self {
        let mut rng = SeedRng::new(seed);
        let started = Utc::now();
        let mut store = Self {
            seed,
            demo: Uuid::nil(),
            users: BTreeMap::new(),
            keys: HashMap::new(),
            capabilities: Vec::new(),
            transactions: BTreeMap::new(),
            idempotency: HashMap::new(),
            started,
            rng: SeedRng::new(0),
        };
        store.demo = store.add_user(&mut rng, "demo-buyer", Money::from_units(1500));
        let sellers: Vec<Uuid> = SELLERS
            .iter()
            .map(|name| store.add_user(&mut rng, name, Money::from_units(200)))
            .collect();
        for (index, listing) in LISTINGS.iter().enumerate() {
            let created_at = started - chrono::Duration::hours((LISTINGS.len() - index) as i64);
            store.capabilities.push(Capability {
                id: rng.uuid(),
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
                delivery_mode: if listing.pricing_model == "per_query" {
                    "instant"
                } else {
                    "async"
                }
                .to_owned(),
                status: "active".to_owned(),
                created_at,
            });
        }
        // Newest first, as the platform lists them.
        store.capabilities.reverse();
        store.rng = rng;
        store
    }

    fn add_user(&mut self, rng: &mut SeedRng, name: &str, ut: Money) -> Uuid {
        let id = rng.uuid();
        let api_key = rng.token(64);
        self.keys.insert(api_key.clone(), id);
        self.users.insert(
            id,
            User {
                id,
                name: name.to_owned(),
                api_key,
                ut: Balance {
                    available: ut,
                    frozen: Money::ZERO,
                },
                cash: Balance::default(),
            },
        );
        id
    }

    /// Credentials of the seeded demo user.
    pub fn demo_user(&self) -> crate::DemoUser {
        let user = &self.users[&self.demo];
        crate::DemoUser {
            api_key: user.api_key.clone(),
            user_id: user.id.to_string(),
        }
    }

    /// Credentials of every seeded user, demo user first, then the sellers.
    pub fn seeded_users(&self) -> Vec<crate::DemoUser> {
        let mut users: Vec<_> = self.users.values().collect();
        users.sort_by_key(|u| (u.id != self.demo, u.name.clone()));
        users
            .into_iter()
            .map(|u| crate::DemoUser {
                api_key: u.api_key.clone(),
                user_id: u.id.to_string(),
            })
            .collect()
    }

    /// A fresh id from the store's generator, so ids stay deterministic per seed.
    pub(crate) fn new_id(&mut self) -> Uuid {
        self.rng.uuid()
    }

    /// Finds the user an API key and user id stand for.
    pub(crate) fn authenticate(
        &self,
        api_key: Option<&str>,
        user_id: Option<&str>,
    ) -> Outcome<Uuid> {
        let (Some(api_key), Some(user_id)) = (api_key, user_id) else {
            return Err(Fail::new(
                401,
                1002,
                "missing credentials: send X-Api-Key and X-Platform-User-Id",
            ));
        };
        let Some(owner) = self.keys.get(api_key) else {
            return Err(Fail::new(401, 1006, "invalid API key"));
        };
        let Ok(user_id) = Uuid::parse_str(user_id) else {
            return Err(Fail::new(
                401,
                1002,
                format!("X-Platform-User-Id {user_id:?} is not a UUID"),
            ));
        };
        if *owner != user_id {
            return Err(Fail::new(
                403,
                1007,
                "the user is not linked to this key's platform",
            ));
        }
        Ok(user_id)
    }

    pub(crate) fn user(&self, id: Uuid) -> Outcome<&User> {
        self.users
            .get(&id)
            .ok_or_else(|| Fail::not_found("user", id))
    }

    fn user_mut(&mut self, id: Uuid) -> Outcome<&mut User> {
        self.users
            .get_mut(&id)
            .ok_or_else(|| Fail::not_found("user", id))
    }

    pub(crate) fn capability(&self, id: Uuid) -> Outcome<&Capability> {
        self.capabilities
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| Fail::not_found("capability", id))
    }

    pub(crate) fn community_stats(&self) -> serde_json::Value {
        let income: Money = self
            .transactions
            .values()
            .filter(|t| t.status == "settled")
            .fold(Money::from_units(1_234_567), |sum, t| sum + t.price_ut);
        let sellers: std::collections::BTreeSet<Uuid> =
            self.capabilities.iter().map(|c| c.agent_id).collect();
        serde_json::json!({
            "total_agents": sellers.len() as u64 + 1_000,
            "total_users": self.users.len() as u64 + 5_000,
            "total_income_ut": income,
            "active_agents": sellers.len(),
        })
    }

    /// Creates a transaction in `pending_freeze`; no UT moves yet.
    pub(crate) fn create_transaction(
        &mut self,
        buyer: Uuid,
        capability_id: Uuid,
        booked_hours: Option<u32>,
    ) -> Outcome<Transaction> {
        let capability = self.capability(capability_id)?.clone();
        if capability.status != "active" {
            return Err(Fail::business(
                4501,
                format!(
                    "capability {capability_id} is {} and cannot be bought",
                    capability.status
                ),
            ));
        }
        if capability.agent_id == buyer {
            return Err(Fail::new(
                400,
                1001,
                "a seller cannot buy their own capability",
            ));
        }
        let hours = match (capability.pricing_model.as_str(), booked_hours) {
            ("per_hour", None) => {
                return Err(Fail::new(
                    400,
                    1001,
                    "booked_hours is required for per_hour capabilities",
                ));
            }
            ("per_hour", Some(hours)) => Some(hours),
            (_, _) => None,
        };
        let price = capability
            .price_ut
            .checked_mul(i64::from(hours.unwrap_or(1)))
            .ok_or_else(|| Fail::new(400, 1001, "booked_hours is too large"))?;
        let now = Utc::now();
        let transaction = Transaction {
            id: self.new_id(),
            buyer_user_id: buyer,
            seller_user_id: capability.agent_id,
            capability_id,
            transaction_type: capability.pricing_model.clone(),
            price_ut: price,
            status: "pending_freeze",
            booked_hours: hours,
            result_payload: None,
            created_at: now,
            updated_at: now,
        };
        self.transactions
            .insert(transaction.id, transaction.clone());
        Ok(transaction)
    }

    /// A transaction as its buyer or seller sees it.
    pub(crate) fn transaction(&self, caller: Uuid, id: Uuid) -> Outcome<&Transaction> {
        let transaction = self
            .transactions
            .get(&id)
            .ok_or_else(|| Fail::not_found("transaction", id))?;
        if transaction.buyer_user_id != caller && transaction.seller_user_id != caller {
            return Err(Fail::new(
                403,
                1003,
                "only the buyer or the seller may see this transaction",
            ));
        }
        Ok(transaction)
    }

    /// `pending_freeze → frozen`: moves the price from the buyer's available to frozen UT.
    pub(crate) fn freeze(&mut self, caller: Uuid, id: Uuid) -> Outcome<Transaction> {
        let transaction = self.transaction(caller, id)?.clone();
        if transaction.buyer_user_id != caller {
            return Err(Fail::new(
                403,
                1003,
                "only the buyer may freeze a transaction",
            ));
        }
        if transaction.status != "pending_freeze" {
            return Err(Fail::business(
                4501,
                format!(
                    "transaction {id} is {}, not pending_freeze",
                    transaction.status
                ),
            ));
        }
        let price = transaction.price_ut;
        let buyer = self.user_mut(caller)?;
        if buyer.ut.available < price {
            return Err(Fail::business(
                3001,
                format!(
                    "insufficient balance: {} UT available, {price} UT needed",
                    buyer.ut.available
                ),
            ));
        }
        buyer.ut.available = buyer.ut.available - price;
        buyer.ut.frozen = buyer.ut.frozen + price;
        self.set_status(id, "frozen")
    }

    fn set_status(&mut self, id: Uuid, status: &'static str) -> Outcome<Transaction> {
        let transaction = self
            .transactions
            .get_mut(&id)
            .ok_or_else(|| Fail::not_found("transaction", id))?;
        transaction.status = status;
        transaction.updated_at = Utc::now().max(self.started);
        Ok(transaction.clone())
    }
}
