//! Store operations only the MCP tools use: credit and the one-shot invoke.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::store::{Fail, Outcome, Store, TxStatus};

impl Store {
    /// Computes the caller's credit: 600 plus 10 per settled purchase or sale, at most 850.
    pub(crate) fn credit_view(&self, user: Uuid) -> Value {
        let settled = self
            .transactions
            .values()
            .filter(|t| t.status == TxStatus::Settled)
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

    /// Buys one call of a `per_query` capability through the whole state machine:
    /// the buyer freezes the price, the emulated provider accepts and delivers a
    /// result built from `input`, and the buyer confirms, paying the seller.
    pub(crate) fn invoke_capability(
        &mut self,
        caller: Uuid,
        capability_id: Uuid,
        input: &Value,
    ) -> Outcome<Value> {
        let capability = self.capability(capability_id)?.clone();
        if capability.pricing_model != "per_query" {
            return Err(Fail::invalid(format!(
                "capability {capability_id} is priced {}; invoke takes per_query capabilities, use uuagent_create_transaction",
                capability.pricing_model
            )));
        }
        let created = self.create_transaction(caller, capability_id, None)?;
        if let Err(fail) = self.freeze(caller, created.id) {
            // Nothing moved; the order would only clutter the buyer's list.
            let _ = self.cancel(caller, created.id);
            return Err(fail);
        }

        let seller = created.seller_user_id;
        let result = json!({"capability": capability.title, "input": input});
        self.accept(seller, created.id)?;
        self.deliver(seller, created.id, result.clone())?;
        let settled = self.confirm(caller, created.id)?;
        Ok(json!({
            "transaction_id": settled.id,
            "status": settled.status,
            "charged_ut": settled.price_ut,
            "result": result,
            "latency_ms": 0,
        }))
    }
}
