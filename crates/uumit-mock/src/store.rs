//! The emulator's in-memory state and the rules that change it: wallets and their
//! ledger, listings and the transaction state machine.
//!
//! Every method runs under the store's lock, so each one is atomic: a check and the
//! write it guards can never interleave with another request's.
//!
//! The transaction state machine:
//!
//! ```text
//! pending_freeze ──freeze──▶ frozen ──accept──▶ accepted ──deliver──▶ delivered ──confirm──▶ settled
//!       │                      │  │                 │
//!       └──cancel──┐  ┌─cancel─┘  └─────reject───────┴──▶ rejected_by_seller (refund)
//!                  ▼  ▼
//!           cancelled_by_buyer (refund when frozen)
//! ```
//!
//! Freezing moves the price from the buyer's available UT to frozen UT; settling takes
//! it out of the buyer's frozen UT and credits the seller's available UT; rejecting or
//! cancelling after the freeze moves it back. Every movement writes a ledger entry.

mod catalog;
mod device;
mod market;
mod tasks;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;
use uumit_api::Money;

pub(crate) use catalog::{Capability, JsonCache};
pub(crate) use device::{DeviceGrant, PollStatus};
pub(crate) use market::{DataApi, DigitalAsset, ExternalAgent, Purchase};
pub(crate) use tasks::{Application, CODE_DRAFT_SAVED, Skill, Task};

use crate::seed::SeedRng;

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

    /// HTTP 403 with code 1003: the caller may not do this to someone else's resource.
    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, 1003, message)
    }

    /// HTTP 400 with code 1001: a value the schema allows but the rules do not.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, 1001, message)
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
    pub(crate) fn view(&self) -> Value {
        serde_json::json!({
            "available": self.available,
            "frozen": self.frozen,
            "total": self.available + self.frozen,
        })
    }
}

/// One movement of a user's UT, as `GET /api/v1/wallet/transactions` lists it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct WalletEntry {
    pub(crate) id: Uuid,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    /// Signed change of the available balance's side of the movement: negative when UT
    /// leaves the user's available or frozen balance.
    pub(crate) amount: Money,
    pub(crate) currency: &'static str,
    /// Available UT after the movement.
    pub(crate) balance_after: Money,
    pub(crate) description: String,
    pub(crate) biz_ref_id: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
}

/// A platform user with an API key, a wallet and its ledger.
#[derive(Clone, Debug)]
pub(crate) struct User {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) api_key: String,
    pub(crate) ut: Balance,
    pub(crate) cash: Balance,
    pub(crate) ledger: Vec<WalletEntry>,
    pub(crate) bio: String,
    pub(crate) city: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
}

/// Status of a transaction; see the module docs for the transitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TxStatus {
    /// Created; no UT has moved.
    PendingFreeze,
    /// The price is frozen in the buyer's wallet.
    Frozen,
    /// The seller took the job.
    Accepted,
    /// The seller delivered; the buyer must confirm.
    Delivered,
    /// The buyer confirmed and the seller was paid.
    Settled,
    /// The seller rejected after the freeze; the buyer was refunded.
    RejectedBySeller,
    /// The buyer cancelled; refunded when it was frozen.
    CancelledByBuyer,
}

impl TxStatus {
    /// The wire name, for example `pending_freeze`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::PendingFreeze => "pending_freeze",
            Self::Frozen => "frozen",
            Self::Accepted => "accepted",
            Self::Delivered => "delivered",
            Self::Settled => "settled",
            Self::RejectedBySeller => "rejected_by_seller",
            Self::CancelledByBuyer => "cancelled_by_buyer",
        }
    }

    /// Whether no transition leaves this status.
    pub(crate) fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Settled | Self::RejectedBySeller | Self::CancelledByBuyer
        )
    }
}

/// The side of a transaction a user is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Role {
    /// The user pays.
    Buyer,
    /// The user is paid.
    Seller,
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
    pub(crate) status: TxStatus,
    pub(crate) booked_hours: Option<u32>,
    pub(crate) result_payload: Option<Value>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

/// A stored response for an idempotency key.
#[derive(Clone, Debug)]
pub(crate) struct StoredResponse {
    /// HTTP status, or 0 while the first request with the key is still running.
    pub(crate) status: u16,
    pub(crate) body: bytes::Bytes,
    pub(crate) stored_at: std::time::Instant,
}

/// How long a stored response is replayed, as the platform does.
pub(crate) const IDEMPOTENCY_TTL: std::time::Duration =
    std::time::Duration::from_secs(24 * 60 * 60);

/// Most stored responses kept; past it, expired ones go first, then the oldest.
pub(crate) const IDEMPOTENCY_CAPACITY: usize = 100_000;

impl StoredResponse {
    /// Whether the response is past its replay window; a running request never is.
    pub(crate) fn is_expired(&self) -> bool {
        self.status != 0 && self.stored_at.elapsed() > IDEMPOTENCY_TTL
    }
}

impl Store {
    /// Keeps the idempotency store within [`IDEMPOTENCY_CAPACITY`]: drops expired
    /// responses, then the oldest finished ones, and never a request still running.
    pub(crate) fn prune_idempotency(&mut self) {
        if self.idempotency.len() <= IDEMPOTENCY_CAPACITY {
            return;
        }
        self.idempotency.retain(|_, stored| !stored.is_expired());
        let excess = self
            .idempotency
            .len()
            .saturating_sub(IDEMPOTENCY_CAPACITY * 9 / 10);
        if excess == 0 {
            return;
        }
        let mut finished: Vec<_> = self
            .idempotency
            .iter()
            .filter(|(_, stored)| stored.status != 0)
            .map(|(slot, stored)| (stored.stored_at, slot.clone()))
            .collect();
        finished.sort_unstable_by_key(|(stored_at, _)| *stored_at);
        for (_, slot) in finished.into_iter().take(excess) {
            self.idempotency.remove(&slot);
        }
    }
}

/// The emulator's whole state.
pub struct Store {
    seed: u64,
    rng: SeedRng,
    pub(crate) users: BTreeMap<Uuid, User>,
    keys: HashMap<String, Uuid>,
    demo: Uuid,
    pub(crate) capabilities: Vec<Capability>,
    pub(crate) transactions: BTreeMap<Uuid, Transaction>,
    /// Buyers and sellers of the transactions changed since the last
    /// [`take_changed_users`](Self::take_changed_users); their open event streams wake.
    changed_users: Vec<Uuid>,
    /// Ids of the transactions in the `frozen` status, the ones that wait for a seller.
    frozen: BTreeSet<Uuid>,
    /// The sum of the prices of the settled transactions, kept by `set_status` so that
    /// community-stats need not scan every transaction.
    settled_income: Money,
    /// Transaction ids, oldest first, so lists come out newest first.
    transaction_order: Vec<Uuid>,
    pub(crate) tasks: Vec<Task>,
    pub(crate) applications: Vec<Application>,
    pub(crate) skills: Vec<Skill>,
    pub(crate) data_apis: Vec<DataApi>,
    pub(crate) assets: Vec<DigitalAsset>,
    pub(crate) purchases: Vec<Purchase>,
    pub(crate) external_agents: Vec<ExternalAgent>,
    pub(crate) devices: Vec<DeviceGrant>,
    /// How long a device code stays valid.
    pub(crate) device_ttl: chrono::Duration,
    pub(crate) idempotency: HashMap<(Uuid, String), StoredResponse>,
    /// CNY to UT rate that `GET /api/v1/wallet/rates` reports.
    pub(crate) cash_to_ut_rate: Money,
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
        let mut store = Self {
            seed,
            demo: Uuid::nil(),
            users: BTreeMap::new(),
            keys: HashMap::new(),
            capabilities: Vec::new(),
            transactions: BTreeMap::new(),
            changed_users: Vec::new(),
            frozen: BTreeSet::new(),
            settled_income: Money::ZERO,
            transaction_order: Vec::new(),
            tasks: Vec::new(),
            applications: Vec::new(),
            skills: Vec::new(),
            data_apis: Vec::new(),
            assets: Vec::new(),
            purchases: Vec::new(),
            external_agents: Vec::new(),
            devices: Vec::new(),
            device_ttl: chrono::Duration::seconds(600),
            idempotency: HashMap::new(),
            cash_to_ut_rate: Money::from_units(10),
            started: Utc::now(),
            rng: SeedRng::new(seed),
        };
        crate::seed::fill(&mut store);
        store
    }

    /// When the store was created; seeded times count back from it.
    pub(crate) fn started(&self) -> DateTime<Utc> {
        self.started
    }

    /// The seeded generator, for seed data and new ids.
    pub(crate) fn rng(&mut self) -> &mut SeedRng {
        &mut self.rng
    }

    /// Adds a user with `ut` available and returns its id; the first user added is the
    /// demo user.
    pub(crate) fn add_user(&mut self, name: &str, ut: Money) -> Uuid {
        let id = self.rng.uuid();
        let api_key = self.rng.token(64);
        self.keys.insert(api_key.clone(), id);
        let created_at = self.started - chrono::Duration::days(30);
        self.users.insert(
            id,
            User {
                id,
                name: name.to_owned(),
                api_key,
                ut: Balance::default(),
                cash: Balance::default(),
                ledger: Vec::new(),
                bio: format!("{name} on the UUMit marketplace."),
                city: None,
                created_at,
            },
        );
        if self.demo.is_nil() {
            self.demo = id;
        }
        if ut > Money::ZERO {
            self.record(id, "recharge", ut, "opening balance", None);
        }
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

    /// Credentials of every seeded user, demo user first, then the others by name.
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

    /// Finds the user an API key and user id belong to.
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

    pub(crate) fn community_stats(&self) -> Value {
        let income = Money::from_units(1_234_567) + self.settled_income;
        let sellers: std::collections::BTreeSet<Uuid> =
            self.capabilities.iter().map(|c| c.agent_id).collect();
        serde_json::json!({
            "total_agents": sellers.len() as u64 + 1_000,
            "total_users": self.users.len() as u64 + 5_000,
            "total_income_ut": income,
            "active_agents": sellers.len(),
        })
    }
}

/// The wallet: every movement of UT, each with a ledger entry.
impl Store {
    /// Appends a ledger entry for `user` after its balance changed.
    fn record(
        &mut self,
        user: Uuid,
        kind: &'static str,
        amount: Money,
        description: &str,
        biz_ref_id: Option<Uuid>,
    ) {
        let id = self.rng.uuid();
        let Some(user) = self.users.get_mut(&user) else {
            return;
        };
        if kind == "recharge" {
            user.ut.available = user.ut.available + amount;
        }
        user.ledger.push(WalletEntry {
            id,
            kind,
            amount,
            currency: "UT",
            balance_after: user.ut.available,
            description: description.to_owned(),
            biz_ref_id: biz_ref_id.map(|id| id.to_string()),
            created_at: Utc::now(),
        });
    }

    /// Fails with code 3001 unless `user` has `amount` available.
    fn ensure_available(&self, user: Uuid, amount: Money) -> Outcome<()> {
        let available = self.user(user)?.ut.available;
        if available < amount {
            return Err(Fail::business(
                3001,
                format!("insufficient balance: {available} UT available, {amount} UT needed"),
            ));
        }
        Ok(())
    }

    /// Moves `amount` from `user`'s available to frozen UT; code 3001 when short.
    pub(crate) fn hold(
        &mut self,
        user: Uuid,
        amount: Money,
        description: &str,
        biz_ref: Uuid,
    ) -> Outcome<()> {
        self.ensure_available(user, amount)?;
        let wallet = &mut self.user_mut(user)?.ut;
        wallet.available = wallet.available - amount;
        wallet.frozen = wallet.frozen + amount;
        self.record(
            user,
            "freeze",
            Money::ZERO - amount,
            description,
            Some(biz_ref),
        );
        Ok(())
    }

    /// Moves `amount` from `user`'s frozen back to available UT, as `kind` (`unfreeze`
    /// or `refund`).
    pub(crate) fn release(
        &mut self,
        user: Uuid,
        amount: Money,
        kind: &'static str,
        description: &str,
        biz_ref: Uuid,
    ) -> Outcome<()> {
        let wallet = &mut self.user_mut(user)?.ut;
        wallet.frozen = wallet.frozen - amount;
        wallet.available = wallet.available + amount;
        self.record(user, kind, amount, description, Some(biz_ref));
        Ok(())
    }

    /// Pays `amount` out of `payer`'s frozen UT into `payee`'s available UT.
    pub(crate) fn pay_from_frozen(
        &mut self,
        payer: Uuid,
        payee: Uuid,
        amount: Money,
        description: &str,
        biz_ref: Uuid,
    ) -> Outcome<()> {
        self.user(payee)?;
        let wallet = &mut self.user_mut(payer)?.ut;
        wallet.frozen = wallet.frozen - amount;
        self.record(
            payer,
            "expense",
            Money::ZERO - amount,
            description,
            Some(biz_ref),
        );
        self.credit(payee, amount, description, biz_ref)
    }

    /// Pays `amount` straight from `payer`'s available UT to `payee`; code 3001 when
    /// short. Data-API calls and digital-asset purchases use it.
    pub(crate) fn pay(
        &mut self,
        payer: Uuid,
        payee: Uuid,
        amount: Money,
        description: &str,
        biz_ref: Uuid,
    ) -> Outcome<()> {
        self.ensure_available(payer, amount)?;
        self.user(payee)?;
        let wallet = &mut self.user_mut(payer)?.ut;
        wallet.available = wallet.available - amount;
        self.record(
            payer,
            "expense",
            Money::ZERO - amount,
            description,
            Some(biz_ref),
        );
        self.credit(payee, amount, description, biz_ref)
    }

    fn credit(
        &mut self,
        payee: Uuid,
        amount: Money,
        description: &str,
        biz_ref: Uuid,
    ) -> Outcome<()> {
        let wallet = &mut self.user_mut(payee)?.ut;
        wallet.available = wallet.available + amount;
        self.record(payee, "income", amount, description, Some(biz_ref));
        Ok(())
    }

    /// Ledger entries of `user`, newest first, optionally of one `kind`.
    pub(crate) fn ledger(&self, user: Uuid, kind: Option<&str>) -> Outcome<Vec<WalletEntry>> {
        Ok(self
            .user(user)?
            .ledger
            .iter()
            .rev()
            .filter(|e| kind.is_none_or(|k| e.kind == k))
            .cloned()
            .collect())
    }
}

/// The transaction state machine.
impl Store {
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
            return Err(Fail::invalid("a seller cannot buy their own capability"));
        }
        let hours = match (capability.pricing_model.as_str(), booked_hours) {
            ("per_hour", None) => {
                return Err(Fail::invalid(
                    "booked_hours is required for per_hour capabilities; send booked_hours >= 1",
                ));
            }
            ("per_hour", Some(hours)) => Some(hours),
            (_, _) => None,
        };
        let price = capability
            .price_ut
            .checked_mul(i64::from(hours.unwrap_or(1)))
            .filter(|p| *p <= crate::seed::MAX_AMOUNT)
            .ok_or_else(|| Fail::invalid("booked_hours is too large for this price"))?;
        let now = Utc::now();
        let transaction = Transaction {
            id: self.new_id(),
            buyer_user_id: buyer,
            seller_user_id: capability.agent_id,
            capability_id,
            transaction_type: capability.pricing_model.clone(),
            price_ut: price,
            status: TxStatus::PendingFreeze,
            booked_hours: hours,
            result_payload: None,
            created_at: now,
            updated_at: now,
        };
        // No stream acts on a new transaction, so its creation wakes none.
        self.transactions
            .insert(transaction.id, transaction.clone());
        self.transaction_order.push(transaction.id);
        Ok(transaction)
    }

    /// Returns the users whose transactions changed since the last call and clears the
    /// list.
    pub(crate) fn take_changed_users(&mut self) -> Vec<Uuid> {
        std::mem::take(&mut self.changed_users)
    }

    /// Returns the frozen transactions of `seller`, the ones that wait for it to accept.
    pub(crate) fn frozen_for(&self, seller: Uuid) -> impl Iterator<Item = &Transaction> {
        self.frozen
            .iter()
            .filter_map(|id| self.transactions.get(id))
            .filter(move |t| t.seller_user_id == seller)
    }

    /// A transaction as its buyer or seller sees it; code 1003 for anyone else.
    pub(crate) fn transaction(&self, caller: Uuid, id: Uuid) -> Outcome<&Transaction> {
        let transaction = self
            .transactions
            .get(&id)
            .ok_or_else(|| Fail::not_found("transaction", id))?;
        if transaction.buyer_user_id != caller && transaction.seller_user_id != caller {
            return Err(Fail::forbidden(
                "only the buyer or the seller may see this transaction",
            ));
        }
        Ok(transaction)
    }

    /// Transactions where `user` is buyer or seller, newest first, filtered by `role`
    /// and `status` when given.
    pub(crate) fn transactions_for(
        &self,
        user: Uuid,
        role: Option<Role>,
        status: Option<TxStatus>,
    ) -> Vec<Transaction> {
        self.transaction_order
            .iter()
            .rev()
            .filter_map(|id| self.transactions.get(id))
            .filter(|t| match role {
                Some(Role::Buyer) => t.buyer_user_id == user,
                Some(Role::Seller) => t.seller_user_id == user,
                None => t.buyer_user_id == user || t.seller_user_id == user,
            })
            .filter(|t| status.is_none_or(|s| t.status == s))
            .cloned()
            .collect()
    }

    /// Checks that `caller` plays `role` in transaction `id` and that its status is one
    /// of `from`; returns the transaction.
    fn transition(
        &self,
        caller: Uuid,
        id: Uuid,
        role: Role,
        action: &str,
        from: &[TxStatus],
    ) -> Outcome<Transaction> {
        let transaction = self.transaction(caller, id)?;
        let party = match role {
            Role::Buyer => transaction.buyer_user_id,
            Role::Seller => transaction.seller_user_id,
        };
        if party != caller {
            let who = if role == Role::Buyer {
                "buyer"
            } else {
                "seller"
            };
            return Err(Fail::forbidden(format!(
                "only the {who} may {action} a transaction"
            )));
        }
        if !from.contains(&transaction.status) {
            let allowed: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
            return Err(Fail::business(
                4501,
                format!(
                    "cannot {action} transaction {id}: it is {}, and {action} needs {}",
                    transaction.status.as_str(),
                    allowed.join(" or ")
                ),
            ));
        }
        Ok(transaction.clone())
    }

    fn set_status(&mut self, id: Uuid, status: TxStatus) -> Outcome<Transaction> {
        let transaction = self
            .transactions
            .get_mut(&id)
            .ok_or_else(|| Fail::not_found("transaction", id))?;
        let was_settled = transaction.status == TxStatus::Settled;
        transaction.status = status;
        transaction.updated_at = Utc::now();
        let transaction = transaction.clone();
        match (was_settled, status == TxStatus::Settled) {
            (false, true) => self.settled_income = self.settled_income + transaction.price_ut,
            (true, false) => self.settled_income = self.settled_income - transaction.price_ut,
            _ => {}
        }
        if status == TxStatus::Frozen {
            self.frozen.insert(id);
        } else {
            self.frozen.remove(&id);
        }
        self.changed_users
            .extend([transaction.buyer_user_id, transaction.seller_user_id]);
        Ok(transaction)
    }

    /// `pending_freeze → frozen` by the buyer: moves the price from available to
    /// frozen UT. Code 3001 when the available UT is short, 4501 from another status.
    pub(crate) fn freeze(&mut self, caller: Uuid, id: Uuid) -> Outcome<Transaction> {
        let tx = self.transition(
            caller,
            id,
            Role::Buyer,
            "freeze",
            &[TxStatus::PendingFreeze],
        )?;
        let description = format!("freeze for transaction {id}");
        self.hold(caller, tx.price_ut, &description, id)?;
        self.set_status(id, TxStatus::Frozen)
    }

    /// `frozen → accepted` by the seller.
    pub(crate) fn accept(&mut self, caller: Uuid, id: Uuid) -> Outcome<Transaction> {
        self.transition(caller, id, Role::Seller, "accept", &[TxStatus::Frozen])?;
        self.set_status(id, TxStatus::Accepted)
    }

    /// `frozen | accepted → rejected_by_seller` by the seller; refunds the buyer.
    pub(crate) fn reject(&mut self, caller: Uuid, id: Uuid) -> Outcome<Transaction> {
        let from = [TxStatus::Frozen, TxStatus::Accepted];
        let tx = self.transition(caller, id, Role::Seller, "reject", &from)?;
        let description = format!("refund: seller rejected transaction {id}");
        self.release(tx.buyer_user_id, tx.price_ut, "refund", &description, id)?;
        self.set_status(id, TxStatus::RejectedBySeller)
    }

    /// `accepted → delivered` by the seller, storing `result_payload`.
    pub(crate) fn deliver(
        &mut self,
        caller: Uuid,
        id: Uuid,
        result_payload: Value,
    ) -> Outcome<Transaction> {
        self.transition(caller, id, Role::Seller, "deliver", &[TxStatus::Accepted])?;
        if let Some(transaction) = self.transactions.get_mut(&id) {
            transaction.result_payload = Some(result_payload);
        }
        self.set_status(id, TxStatus::Delivered)
    }

    /// `delivered → settled` by the buyer: the frozen price goes to the seller.
    pub(crate) fn confirm(&mut self, caller: Uuid, id: Uuid) -> Outcome<Transaction> {
        let tx = self.transition(caller, id, Role::Buyer, "confirm", &[TxStatus::Delivered])?;
        let description = format!("settlement of transaction {id}");
        self.pay_from_frozen(caller, tx.seller_user_id, tx.price_ut, &description, id)?;
        self.set_status(id, TxStatus::Settled)
    }

    /// `pending_freeze | frozen → cancelled_by_buyer` by the buyer; refunds a frozen
    /// price.
    pub(crate) fn cancel(&mut self, caller: Uuid, id: Uuid) -> Outcome<Transaction> {
        let from = [TxStatus::PendingFreeze, TxStatus::Frozen];
        let tx = self.transition(caller, id, Role::Buyer, "cancel", &from)?;
        if tx.status == TxStatus::Frozen {
            let description = format!("refund: buyer cancelled transaction {id}");
            self.release(caller, tx.price_ut, "unfreeze", &description, id)?;
        }
        self.set_status(id, TxStatus::CancelledByBuyer)
    }
}

#[cfg(test)]
mod idempotency_tests {
    use super::*;

    fn stored(status: u16) -> StoredResponse {
        StoredResponse {
            status,
            body: bytes::Bytes::from_static(b"{}"),
            stored_at: std::time::Instant::now(),
        }
    }

    #[test]
    fn prune_keeps_store_bounded_and_running_requests() {
        let mut store = Store::seeded(42);
        let user = Uuid::nil();
        for index in 0..5 {
            store
                .idempotency
                .insert((user, format!("running-{index}")), stored(0));
        }
        for index in 0..IDEMPOTENCY_CAPACITY + 10 {
            store
                .idempotency
                .insert((user, format!("done-{index}")), stored(200));
        }
        store.prune_idempotency();
        assert!(
            store.idempotency.len() <= IDEMPOTENCY_CAPACITY * 9 / 10 + 5,
            "{}",
            store.idempotency.len()
        );
        for index in 0..5 {
            assert!(
                store
                    .idempotency
                    .contains_key(&(user, format!("running-{index}"))),
                "a running request was dropped"
            );
        }
    }

    #[test]
    fn prune_below_capacity_keeps_everything() {
        let mut store = Store::seeded(42);
        for index in 0..100 {
            store
                .idempotency
                .insert((Uuid::nil(), index.to_string()), stored(200));
        }
        store.prune_idempotency();
        assert_eq!(store.idempotency.len(), 100);
    }
}
