//! Store operations only the MCP tools use: keyword search, match scores, credit, price
//! suggestions, the one-shot invoke and settlement.

use chrono::Utc;
use serde_json::{Value, json};
use uuid::Uuid;
use uumit_api::Money;

use crate::store::{Capability, Fail, Outcome, Store, Transaction};

impl Store {
    /// Active listings that contain at least one word of `query` (case-insensitive) in
    /// the title, description, tags or category, best first, with the share of words
    /// found as the score.
    pub(crate) fn search_capabilities(
        &self,
        query: &str,
        category: Option<&str>,
    ) -> Vec<(&Capability, f64)> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        let mut scored: Vec<(&Capability, f64)> = self
            .capabilities
            .iter()
            .filter(|c| c.status == "active")
            .filter(|c| category.is_none_or(|v| c.category == v))
            .filter_map(|c| score(c, &words).map(|s| (c, s)))
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        scored
    }

    /// Up to `limit` matches of `query` as `{items: [{capability, match_score}], total}`.
    pub(crate) fn match_capabilities_view(
        &self,
        query: &str,
        category: Option<&str>,
        limit: usize,
    ) -> Value {
        let matches = self.search_capabilities(query, category);
        let total = matches.len();
        let items: Vec<Value> = matches
            .into_iter()
            .take(limit)
            .map(|(capability, score)| json!({"capability": capability, "match_score": score}))
            .collect();
        json!({"items": items, "total": total})
    }

    /// The caller's credit: 600 plus 10 per settled purchase or sale, at most 850.
    pub(crate) fn credit_view(&self, user: Uuid) -> Value {
        let settled = self
            .transactions
            .values()
            .filter(|t| t.status == "settled")
            .filter(|t| t.buyer_user_id == user || t.seller_user_id == user)
            .count();
        let score = (600 + 10 * settled).min(850);
        json!({
            "user_id": user,
            "credit_score": score,
            "level": if score >= 700 { "good" } else { "normal" },
            "restrictions": [],
            "risk_summary": {"settled_transactions": settled, "disputes": 0},
        })
    }

    /// Median, lowest and highest price of the active listings of that category and
    /// type, or of the category alone when none has that type; zero with no sample.
    pub(crate) fn price_suggestion_view(&self, category: &str, capability_type: &str) -> Value {
        let in_category = |c: &&Capability| c.status == "active" && c.category == category;
        let mut prices: Vec<Money> = self
            .capabilities
            .iter()
            .filter(in_category)
            .filter(|c| c.capability_type == capability_type)
            .map(|c| c.price_ut)
            .collect();
        if prices.is_empty() {
            prices = self
                .capabilities
                .iter()
                .filter(in_category)
                .map(|c| c.price_ut)
                .collect();
        }
        prices.sort();
        let at = |index: usize| prices.get(index).copied().unwrap_or(Money::ZERO);
        json!({
            "category": category,
            "capability_type": capability_type,
            "median_price_ut": at(prices.len() / 2),
            "suggested_range_low": at(0),
            "suggested_range_high": at(prices.len().saturating_sub(1)),
            "sample_count": prices.len(),
        })
    }

    /// Buys one call of a `per_query` capability: creates and freezes the transaction,
    /// runs the emulated provider on `input` and settles, paying the seller.
    pub(crate) fn invoke_capability(
        &mut self,
        caller: Uuid,
        capability_id: Uuid,
        input: &Value,
    ) -> Outcome<Value> {
        let capability = self.capability(capability_id)?.clone();
        if capability.pricing_model != "per_query" {
            return Err(Fail::new(
                400,
                1001,
                format!(
                    "capability {capability_id} is priced {}; invoke takes per_query capabilities, use uuagent_create_transaction",
                    capability.pricing_model
                ),
            ));
        }
        let created = self.create_transaction(caller, capability_id, None)?;
        self.freeze(caller, created.id)?;
        let output = json!({"capability": capability.title, "input": input});
        if let Some(transaction) = self.transactions.get_mut(&created.id) {
            transaction.result_payload = Some(output.clone());
        }
        let settled = self.settle(caller, created.id)?;
        Ok(json!({
            "transaction_id": settled.id,
            "status": settled.status,
            "charged_ut": settled.price_ut,
            "result": output,
            "latency_ms": 0,
        }))
    }

    /// The buyer releases a transaction's frozen price to the seller: from `frozen`,
    /// `accepted` or `delivered` to `settled`.
    pub(crate) fn settle(&mut self, caller: Uuid, id: Uuid) -> Outcome<Transaction> {
        let transaction = self.transaction(caller, id)?.clone();
        if transaction.buyer_user_id != caller {
            return Err(Fail::new(
                403,
                1003,
                "only the buyer may settle a transaction",
            ));
        }
        if !matches!(transaction.status, "frozen" | "accepted" | "delivered") {
            return Err(Fail::business(
                4501,
                format!(
                    "transaction {id} is {}; only a frozen, accepted or delivered transaction can be settled",
                    transaction.status
                ),
            ));
        }
        let price = transaction.price_ut;
        let buyer = self
            .users
            .get_mut(&caller)
            .ok_or_else(|| Fail::not_found("user", caller))?;
        buyer.ut.frozen = buyer.ut.frozen - price;
        let seller = self
            .users
            .get_mut(&transaction.seller_user_id)
            .ok_or_else(|| Fail::not_found("user", transaction.seller_user_id))?;
        seller.ut.available = seller.ut.available + price;
        let stored = self
            .transactions
            .get_mut(&id)
            .ok_or_else(|| Fail::not_found("transaction", id))?;
        stored.status = "settled";
        stored.updated_at = Utc::now();
        Ok(stored.clone())
    }
}

/// The share of `words` found in the listing, or `None` when none is.
fn score(capability: &Capability, words: &[String]) -> Option<f64> {
    if words.is_empty() {
        return Some(0.0);
    }
    let text = format!(
        "{} {} {} {} {}",
        capability.title,
        capability.description,
        capability.category,
        capability.capability_type,
        capability.tags.join(" ")
    )
    .to_lowercase();
    let found = words.iter().filter(|w| text.contains(w.as_str())).count();
    (found > 0).then(|| found as f64 / words.len() as f64)
}
