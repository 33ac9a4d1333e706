//! Capability listings and the rules around them: ownership, pricing statistics and
//! matching a demand.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;
use uuid::Uuid;
use uumit_api::Money;

use super::{Fail, Outcome, Store};

/// A capability listing; serializes as `CapabilityOut`.
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
    pub(crate) input_schema: Option<Value>,
    #[serde(skip)]
    pub(crate) callback_url: Option<String>,
    /// The listing as JSON, made on first use by [`Capability::json`]. A clone starts
    /// empty, and [`Store::own_capability`] empties it before handing out the listing
    /// to change, so it never outlives the fields it was made from.
    #[serde(skip)]
    pub(crate) json: JsonCache,
}

/// The JSON of a value, kept once made; see [`Capability::json`].
#[derive(Debug, Default)]
pub(crate) struct JsonCache(OnceLock<RawJson>);

impl Clone for JsonCache {
    fn clone(&self) -> Self {
        Self::default()
    }
}

/// JSON text serialized as is, shared between the replies that carry it.
#[derive(Clone, Debug)]
pub(crate) struct RawJson(Arc<RawValue>);

impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl Capability {
    /// Returns the listing as `CapabilityOut` JSON, serialized once and then reused by
    /// every page that lists it until the listing changes.
    pub(crate) fn json(&self) -> RawJson {
        self.json
            .0
            .get_or_init(|| {
                // Strings, numbers, ids, timestamps and a JSON value: nothing here can
                // fail to serialize.
                let raw = serde_json::value::to_raw_value(self)
                    .expect("a capability always serializes to JSON");
                RawJson(Arc::from(raw))
            })
            .clone()
    }
}

impl Store {
    /// The capability `id`, in any status.
    pub(crate) fn capability(&self, id: Uuid) -> Outcome<&Capability> {
        self.capabilities
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| Fail::not_found("capability", id))
    }

    /// The capability `id` for its owner to change; code 1003 for anyone else.
    pub(crate) fn own_capability(&mut self, caller: Uuid, id: Uuid) -> Outcome<&mut Capability> {
        let capability = self
            .capabilities
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or_else(|| Fail::not_found("capability", id))?;
        if capability.agent_id != caller {
            return Err(Fail::forbidden(format!(
                "capability {id} belongs to another agent; only its owner may change it"
            )));
        }
        capability.json = JsonCache::default();
        Ok(capability)
    }

    /// Lists a new capability, newest first.
    pub(crate) fn insert_capability(&mut self, capability: Capability) -> Capability {
        self.capabilities.insert(0, capability.clone());
        capability
    }

    /// Removes the capability `id` of `caller`.
    pub(crate) fn delete_capability(&mut self, caller: Uuid, id: Uuid) -> Outcome<()> {
        self.own_capability(caller, id)?;
        self.capabilities.retain(|c| c.id != id);
        Ok(())
    }

    /// Active capabilities of `category` (and `capability_type`, `pricing_model` when
    /// given): their median price and the range between the quartiles.
    pub(crate) fn pricing_suggestion(
        &self,
        category: &str,
        capability_type: Option<&str>,
        pricing_model: Option<&str>,
    ) -> Value {
        let mut prices: Vec<Money> = self
            .capabilities
            .iter()
            .filter(|c| c.status == "active" && c.category == category)
            .filter(|c| capability_type.is_none_or(|t| c.capability_type == t))
            .filter(|c| pricing_model.is_none_or(|m| c.pricing_model == m))
            .map(|c| c.price_ut)
            .collect();
        prices.sort();
        let at = |fraction_num: usize, fraction_den: usize| {
            if prices.is_empty() {
                Money::ZERO
            } else {
                prices[(prices.len() - 1) * fraction_num / fraction_den]
            }
        };
        serde_json::json!({
            "median_price_ut": at(1, 2),
            "suggested_range_low": at(1, 4),
            "suggested_range_high": at(3, 4),
            "sample_count": prices.len(),
        })
    }

    /// Active capabilities ranked by how many words of `query` they contain, best
    /// first, at most `top_k`, each with a score in 0..=1 and the matched words.
    pub(crate) fn match_capabilities(
        &self,
        query: &str,
        category: Option<&str>,
        top_k: usize,
    ) -> Vec<(Capability, f64, String)> {
        let words: Vec<String> = query
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 1)
            .map(str::to_lowercase)
            .collect();
        let mut ranked: Vec<(Capability, f64, String)> = self
            .capabilities
            .iter()
            .filter(|c| c.status == "active")
            .filter(|c| category.is_none_or(|v| c.category == v))
            .filter_map(|c| {
                let text = format!("{} {} {}", c.title, c.description, c.category).to_lowercase();
                let hits: Vec<&str> = words
                    .iter()
                    .filter(|w| text.contains(w.as_str()))
                    .map(String::as_str)
                    .collect();
                if hits.is_empty() && !words.is_empty() {
                    return None;
                }
                let score = if words.is_empty() {
                    0.5
                } else {
                    hits.len() as f64 / words.len() as f64
                };
                Some((c.clone(), score, format!("matches: {}", hits.join(", "))))
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked.truncate(top_k);
        ranked
    }
}
