//! Typed helpers for the platform's nine `uuagent_*` tools, on top of
//! [`McpClient::call_tool`]. Inputs derive `serde` and `schemars`, so their schema can be
//! checked against the one the server lists; outputs decode the tool's JSON text.

use rmcp::model::CallToolResult;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::McpClient;
use crate::error::{Error, ErrorKind, Result};
use crate::types::{
    CapabilityInvokeResult, CapabilityMatch, CapabilityOutPage, PricingSuggestion, TransactionOut,
    WalletOut,
};

/// Arguments of `uuagent_discover`; unset fields take the server's defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DiscoverInput {
    /// Category code to keep.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Capability type to keep.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capability_type: Option<String>,
    /// Page number from 1; the server's default is 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Items per page, 1 to 100; the server's default is 20.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
}

/// Arguments of `uuagent_search`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SearchInput {
    /// Words to search for.
    pub query: String,
    /// Category code to keep.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Page number from 1; the server's default is 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Items per page, 1 to 50; the server's default is 10.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
}

impl SearchInput {
    /// A search for `query` with the server's defaults.
    pub fn new(query: impl Into<String>) -> Self {
        Self {
            query: query.into(),
            ..Self::default()
        }
    }
}

/// Arguments of `uuagent_match_capability`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MatchInput {
    /// The need, in words.
    pub query: String,
    /// Category code to keep.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Most matches returned; the server's default is 10.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Arguments of `uuagent_wallet`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WalletInput {
    /// The caller's own user id; the platform refuses any other.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// Arguments of `uuagent_query_credit`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CreditInput {
    /// The caller's own user id.
    pub user_id: String,
}

/// Arguments of `uuagent_price_suggestion`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PriceSuggestionInput {
    /// Category code.
    pub category: String,
    /// Capability type.
    pub capability_type: String,
}

/// Arguments of `uuagent_invoke`, a call that spends UT.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InvokeInput {
    /// The capability to call.
    pub capability_id: Uuid,
    /// The input handed to the provider.
    pub input: Value,
    /// Reuse it when retrying, so the call is paid once.
    pub idempotency_key: String,
}

impl InvokeInput {
    /// A call of `capability_id` with `input` and a fresh idempotency key.
    pub fn new(capability_id: Uuid, input: Value) -> Self {
        Self {
            capability_id,
            input,
            idempotency_key: Uuid::new_v4().to_string(),
        }
    }
}

/// Arguments of `uuagent_create_transaction`, which freezes the price.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CreateTransactionInput {
    /// The capability to buy.
    pub capability_id: Uuid,
    /// Hours booked; required for `per_hour` capabilities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub booked_hours: Option<u32>,
    /// Reuse it when retrying, so the order is placed once.
    pub idempotency_key: String,
}

impl CreateTransactionInput {
    /// An order of `capability_id` with a fresh idempotency key.
    pub fn new(capability_id: Uuid) -> Self {
        Self {
            capability_id,
            booked_hours: None,
            idempotency_key: Uuid::new_v4().to_string(),
        }
    }
}

/// Arguments of `uuagent_settle_transaction`, which pays the seller.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SettleTransactionInput {
    /// The transaction to settle.
    pub transaction_id: Uuid,
    /// Reuse it when retrying, so the seller is paid once.
    pub idempotency_key: String,
}

impl SettleTransactionInput {
    /// A settlement of `transaction_id` with a fresh idempotency key.
    pub fn new(transaction_id: Uuid) -> Self {
        Self {
            transaction_id,
            idempotency_key: Uuid::new_v4().to_string(),
        }
    }
}

/// Result of `uuagent_match_capability`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CapabilityMatches {
    /// The best matches, best first.
    pub items: Vec<CapabilityMatch>,
    /// How many listings matched in all.
    pub total: u64,
}

impl McpClient {
    /// `uuagent_discover`: active capabilities, one page.
    ///
    /// # Errors
    ///
    /// As [`call_tool_json`](Self::call_tool_json).
    pub async fn discover(&self, input: DiscoverInput) -> Result<CapabilityOutPage> {
        self.call_tool_json("uuagent_discover", input).await
    }

    /// `uuagent_search`: capabilities matching keywords, best first.
    ///
    /// # Errors
    ///
    /// As [`call_tool_json`](Self::call_tool_json).
    pub async fn search(&self, input: SearchInput) -> Result<CapabilityOutPage> {
        self.call_tool_json("uuagent_search", input).await
    }

    /// `uuagent_match_capability`: the capabilities that fit a need, with scores.
    ///
    /// # Errors
    ///
    /// As [`call_tool_json`](Self::call_tool_json).
    pub async fn match_capability(&self, input: MatchInput) -> Result<CapabilityMatches> {
        self.call_tool_json("uuagent_match_capability", input).await
    }

    /// `uuagent_wallet`: the caller's UT and cash balances.
    ///
    /// # Errors
    ///
    /// As [`call_tool_json`](Self::call_tool_json).
    pub async fn wallet(&self, input: WalletInput) -> Result<WalletOut> {
        self.call_tool_json("uuagent_wallet", input).await
    }

    /// `uuagent_query_credit`: credit score, restrictions and risk summary. The
    /// platform does not document the shape, so it stays JSON.
    ///
    /// # Errors
    ///
    /// As [`call_tool_json`](Self::call_tool_json).
    pub async fn query_credit(&self, input: CreditInput) -> Result<Value> {
        self.call_tool_json("uuagent_query_credit", input).await
    }

    /// `uuagent_price_suggestion`: what similar listings charge.
    ///
    /// # Errors
    ///
    /// As [`call_tool_json`](Self::call_tool_json).
    pub async fn price_suggestion(&self, input: PriceSuggestionInput) -> Result<PricingSuggestion> {
        self.call_tool_json("uuagent_price_suggestion", input).await
    }

    /// `uuagent_invoke`: calls a per-query capability and pays for it once per
    /// idempotency key.
    ///
    /// # Errors
    ///
    /// As [`call_tool_json`](Self::call_tool_json).
    pub async fn invoke(&self, input: InvokeInput) -> Result<CapabilityInvokeResult> {
        self.call_tool_json("uuagent_invoke", input).await
    }

    /// `uuagent_create_transaction`: orders a capability and freezes its price, once per
    /// idempotency key.
    ///
    /// # Errors
    ///
    /// As [`call_tool_json`](Self::call_tool_json).
    pub async fn create_transaction(
        &self,
        input: CreateTransactionInput,
    ) -> Result<TransactionOut> {
        self.call_tool_json("uuagent_create_transaction", input)
            .await
    }

    /// `uuagent_settle_transaction`: pays the seller the frozen price, once per
    /// idempotency key.
    ///
    /// # Errors
    ///
    /// As [`call_tool_json`](Self::call_tool_json).
    pub async fn settle_transaction(
        &self,
        input: SettleTransactionInput,
    ) -> Result<TransactionOut> {
        self.call_tool_json("uuagent_settle_transaction", input)
            .await
    }
}

/// The JSON text of a tool result decoded as `T`, or the platform error it reports.
pub(super) fn decode_result<T: DeserializeOwned>(tool: &str, result: &CallToolResult) -> Result<T> {
    let text = result
        .content
        .iter()
        .find_map(|block| block.as_text())
        .map(|text| text.text.as_str());
    if result.is_error == Some(true) {
        return Err(tool_error(tool, text.unwrap_or_default()));
    }
    let Some(text) = text else {
        return Err(Error::new(
            ErrorKind::Decode,
            format!("tool {tool} returned no text content to decode"),
        ));
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        Error::new(
            ErrorKind::Decode,
            format!("the result of tool {tool} does not decode: {}", e.inner()),
        )
        .with_decode_path(e.path().to_string())
        .with_body(text.as_bytes())
    })
}

/// A tool result with `isError`: an [`Api`](ErrorKind::Api) error when the text is the
/// platform's `{code, message}`, else the text as the message.
fn tool_error(tool: &str, text: &str) -> Error {
    #[derive(Deserialize)]
    struct Failure {
        code: i64,
        #[serde(default)]
        message: String,
    }
    match serde_json::from_str::<Failure>(text) {
        Ok(failure) => Error::new(ErrorKind::Api, format!("tool {tool}: {}", failure.message))
            .with_code(failure.code),
        Err(_) => Error::new(ErrorKind::Api, format!("tool {tool} failed: {text}")),
    }
}
