//! The data marketplace, the digital-asset store and external agent connections.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;
use uumit_api::Money;

use super::{Fail, Outcome, Store};

/// A data API for sale; serializes as `DataApiOut`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct DataApi {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) category: String,
    pub(crate) custom_category: Option<String>,
    pub(crate) owner_nickname: String,
    pub(crate) price_ut: Money,
    pub(crate) request_schema: Value,
    pub(crate) response_schema: Value,
    pub(crate) example_request: Value,
    pub(crate) example_response: Value,
    pub(crate) test_params: Value,
    pub(crate) status: String,
    #[serde(skip)]
    pub(crate) owner_id: Uuid,
    #[serde(skip)]
    pub(crate) rating: f64,
}

/// A digital asset for sale; serializes as `DigitalAssetOut`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct DigitalAsset {
    pub(crate) id: Uuid,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) seller_id: Uuid,
    pub(crate) price_ut: Money,
    pub(crate) actual_price_ut: Money,
    pub(crate) suggested_price_ut: Money,
    pub(crate) status: String,
    pub(crate) content_review_status: String,
    pub(crate) delivery_mode: String,
    pub(crate) cover_image_url: Option<String>,
    pub(crate) preview_images: Vec<String>,
}

/// A bought digital asset; serializes as `PurchasedAssetOut`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Purchase {
    #[serde(skip)]
    pub(crate) buyer: Uuid,
    pub(crate) asset_id: Uuid,
    pub(crate) access_id: String,
    pub(crate) title: String,
    pub(crate) delivery_mode: String,
    pub(crate) access_token: String,
    pub(crate) external_url: Option<String>,
    pub(crate) transaction_id: Uuid,
    pub(crate) purchased_at: DateTime<Utc>,
}

/// An external agent connected by a user; serializes as `ExternalAgentOut`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ExternalAgent {
    pub(crate) id: Uuid,
    #[serde(skip)]
    pub(crate) owner: Uuid,
    pub(crate) agent_name: Option<String>,
    pub(crate) platform_url: String,
    pub(crate) description: Option<String>,
    pub(crate) auth_type: Option<String>,
    pub(crate) status: String,
    pub(crate) webhook_url: Option<String>,
    pub(crate) webhook_events: Vec<String>,
    #[serde(skip)]
    pub(crate) webhook_secret: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
}

/// What one data-API call returned and cost.
pub(crate) struct DataCall {
    pub(crate) call_id: String,
    pub(crate) charged: Money,
    pub(crate) result: Value,
}

/// Data APIs and digital assets.
impl Store {
    /// The data API `id`.
    pub(crate) fn data_api(&self, id: Uuid) -> Outcome<&DataApi> {
        self.data_apis
            .iter()
            .find(|a| a.id == id)
            .ok_or_else(|| Fail::not_found("data API", id))
    }

    /// Calls the data API `id` with `params`, charging its price unless it is free or
    /// the caller owns it. Code 3001 when the available UT is short.
    pub(crate) fn call_data_api(
        &mut self,
        caller: Uuid,
        id: Uuid,
        params: Value,
    ) -> Outcome<DataCall> {
        let api = self.data_api(id)?.clone();
        if api.status != "online" {
            return Err(Fail::business(
                4501,
                format!("data API {id} is {}", api.status),
            ));
        }
        let call = self.new_id();
        let free = api.price_ut == Money::ZERO || api.owner_id == caller;
        if !free {
            let description = format!("call of data API {}", api.name);
            self.pay(caller, api.owner_id, api.price_ut, &description, call)?;
        }
        let result = json!({"api": api.name, "params": params, "rows": api.example_response});
        Ok(DataCall {
            call_id: call.to_string(),
            charged: if free { Money::ZERO } else { api.price_ut },
            result,
        })
    }

    /// The digital asset `id`.
    pub(crate) fn asset(&self, id: Uuid) -> Outcome<&DigitalAsset> {
        self.assets
            .iter()
            .find(|a| a.id == id)
            .ok_or_else(|| Fail::not_found("digital asset", id))
    }

    /// Buys the asset `id`. A second purchase by the same user returns the first one
    /// and charges nothing. Code 3001 when the available UT is short.
    pub(crate) fn purchase_asset(&mut self, caller: Uuid, id: Uuid) -> Outcome<Purchase> {
        let asset = self.asset(id)?.clone();
        if let Some(bought) = self
            .purchases
            .iter()
            .find(|p| p.buyer == caller && p.asset_id == id)
        {
            return Ok(bought.clone());
        }
        if asset.seller_id == caller {
            return Err(Fail::invalid(format!(
                "digital asset {id} is your own; you cannot buy it"
            )));
        }
        let transaction_id = self.new_id();
        let description = format!("purchase of digital asset {}", asset.title);
        self.pay(
            caller,
            asset.seller_id,
            asset.actual_price_ut,
            &description,
            transaction_id,
        )?;
        let purchase = Purchase {
            buyer: caller,
            asset_id: id,
            access_id: self.rng().token(16),
            title: asset.title,
            delivery_mode: asset.delivery_mode,
            access_token: self.rng().token(40),
            external_url: None,
            transaction_id,
            purchased_at: Utc::now(),
        };
        self.purchases.insert(0, purchase.clone());
        Ok(purchase)
    }
}

/// External agents.
impl Store {
    /// Connects an external agent for `agent.owner`, newest first.
    pub(crate) fn add_external_agent(&mut self, agent: ExternalAgent) -> ExternalAgent {
        self.external_agents.insert(0, agent.clone());
        agent
    }

    /// The external agent `id` of `caller`; code 1003 for another user's agent.
    pub(crate) fn external_agent(&mut self, caller: Uuid, id: Uuid) -> Outcome<&mut ExternalAgent> {
        let agent = self
            .external_agents
            .iter_mut()
            .find(|a| a.id == id)
            .ok_or_else(|| Fail::not_found("external agent", id))?;
        if agent.owner != caller {
            return Err(Fail::forbidden(format!(
                "external agent {id} was connected by another user"
            )));
        }
        Ok(agent)
    }
}
