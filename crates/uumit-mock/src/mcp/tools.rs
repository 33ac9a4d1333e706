//! The nine `uuagent_*` tools: their arguments, their JSON schemas and what each does to
//! the store. Results are one text content block holding JSON; a platform error is a
//! tool result with `isError` and `{code, message}`, while an unknown tool or arguments
//! that do not match the schema are JSON-RPC errors (-32602).

use std::collections::HashMap;
use std::sync::{Arc, PoisonError};
use std::time::Instant;

use rmcp::handler::server::common::schema_for_type;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ProtocolVersion, ServerCapabilities, ServerConfig,
    Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::routes::paged::Page;
use crate::server::AppState;
use crate::store::{Fail, IDEMPOTENCY_CAPACITY, IDEMPOTENCY_TTL, Outcome, Store};

/// The first outcome of each write tool per (user, idempotency key), with the tool it
/// came from. Kept as long as the REST idempotency store keeps a response, and as many:
/// past [`IDEMPOTENCY_CAPACITY`], expired outcomes go first, then the oldest.
#[derive(Debug, Default)]
pub(super) struct Replays(HashMap<(Uuid, String), Replay>);

/// One stored outcome of a write tool.
#[derive(Debug)]
struct Replay {
    tool: &'static str,
    outcome: Outcome<Value>,
    stored_at: Instant,
}

impl Replays {
    /// Returns the tool and outcome stored for `slot`, unless they are past the replay
    /// window.
    fn get(&self, slot: &(Uuid, String)) -> Option<(&'static str, &Outcome<Value>)> {
        self.0
            .get(slot)
            .filter(|replay| replay.stored_at.elapsed() <= IDEMPOTENCY_TTL)
            .map(|replay| (replay.tool, &replay.outcome))
    }

    /// Stores the outcome of `tool` for `slot`, first making room if the map is full.
    fn insert(&mut self, slot: (Uuid, String), tool: &'static str, outcome: Outcome<Value>) {
        self.prune();
        let stored_at = Instant::now();
        self.0.insert(
            slot,
            Replay {
                tool,
                outcome,
                stored_at,
            },
        );
    }

    /// Keeps the map under [`IDEMPOTENCY_CAPACITY`]: drops expired outcomes, then the
    /// oldest, down to nine tenths of it.
    fn prune(&mut self) {
        if self.0.len() < IDEMPOTENCY_CAPACITY {
            return;
        }
        self.0
            .retain(|_, replay| replay.stored_at.elapsed() <= IDEMPOTENCY_TTL);
        let excess = self.0.len().saturating_sub(IDEMPOTENCY_CAPACITY * 9 / 10);
        if excess == 0 {
            return;
        }
        let mut ages: Vec<_> = self
            .0
            .iter()
            .map(|(slot, replay)| (replay.stored_at, slot.clone()))
            .collect();
        ages.sort_unstable_by_key(|(stored_at, _)| *stored_at);
        for (_, slot) in ages.into_iter().take(excess) {
            self.0.remove(&slot);
        }
    }
}

/// The tools as one session's user sees them.
pub(super) struct Tools {
    state: AppState,
    caller: Uuid,
}

impl Tools {
    pub(super) fn new(state: AppState, caller: Uuid) -> Self {
        Self { state, caller }
    }
}

/// `uuagent_discover`: active listings, filtered, one page at a time.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct DiscoverArgs {
    /// Category code to keep, for example `data_analysis`.
    category: Option<String>,
    /// Capability type to keep.
    capability_type: Option<String>,
    /// Page number, from 1.
    #[serde(default = "first_page")]
    page: i64,
    /// Items per page, 1 to 100.
    #[serde(default = "twenty")]
    page_size: i64,
}

/// `uuagent_search`: listings ranked by how well they match the query.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SearchArgs {
    /// Words to look for in titles, descriptions, tags and categories.
    query: String,
    /// Category code to keep.
    category: Option<String>,
    /// Page number, from 1.
    #[serde(default = "first_page")]
    page: i64,
    /// Items per page, 1 to 50.
    #[serde(default = "ten")]
    page_size: i64,
}

/// `uuagent_match_capability`: the best listings for a need, with their scores.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct MatchArgs {
    /// The need, in words.
    query: String,
    /// Category code to keep.
    category: Option<String>,
    /// Most matches returned, 1 to 50.
    #[serde(default = "ten")]
    limit: i64,
}

/// `uuagent_wallet`: UT and cash balances.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct WalletArgs {
    /// Must be the caller's own id when given.
    user_id: Option<String>,
}

/// `uuagent_query_credit`: a user's credit score and restrictions.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CreditArgs {
    /// The caller's own id.
    user_id: String,
}

/// `uuagent_price_suggestion`: what similar listings charge.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PriceArgs {
    /// Category code.
    category: String,
    /// Capability type.
    capability_type: String,
}

/// `uuagent_invoke`: buys one call of a per-query capability and returns its result.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct InvokeArgs {
    /// The capability to call.
    capability_id: Uuid,
    /// The input handed to the provider.
    input: Value,
    /// Makes a retry return the first call's result instead of paying again.
    idempotency_key: String,
}

/// `uuagent_create_transaction`: orders a capability and freezes its price.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CreateArgs {
    /// The capability to order.
    capability_id: Uuid,
    /// Hours booked; required for `per_hour` capabilities.
    booked_hours: Option<u32>,
    /// Makes a retry return the first order instead of ordering again.
    idempotency_key: String,
}

/// `uuagent_settle_transaction`: the buyer confirms a delivered transaction, paying the
/// seller.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SettleArgs {
    /// The transaction to settle.
    transaction_id: Uuid,
    /// Makes a retry return the first settlement instead of failing.
    idempotency_key: String,
}

fn first_page() -> i64 {
    1
}

fn ten() -> i64 {
    10
}

fn twenty() -> i64 {
    20
}

/// Describes one tool: name, description, argument schema.
fn tool<T: JsonSchema + 'static>(name: &'static str, description: &'static str) -> Tool {
    Tool::new(name, description, schema_for_type::<T>())
}

/// Lists every tool of the server.
fn catalog() -> Vec<Tool> {
    vec![
        tool::<DiscoverArgs>(
            "uuagent_discover",
            "List active capabilities, optionally by category and type (free).",
        ),
        tool::<SearchArgs>(
            "uuagent_search",
            "Search capabilities by keywords, best matches first (free).",
        ),
        tool::<MatchArgs>(
            "uuagent_match_capability",
            "Find the capabilities that best fit a need, with match scores (free).",
        ),
        tool::<WalletArgs>(
            "uuagent_wallet",
            "Show the caller's UT and cash balances, available and frozen (free).",
        ),
        tool::<CreditArgs>(
            "uuagent_query_credit",
            "Show the caller's credit score, restrictions and risk summary (free).",
        ),
        tool::<PriceArgs>(
            "uuagent_price_suggestion",
            "Suggest a UT price from similar listings; creates nothing (free).",
        ),
        tool::<InvokeArgs>(
            "uuagent_invoke",
            "Call a per-query capability and pay its price (spends UT).",
        ),
        tool::<CreateArgs>(
            "uuagent_create_transaction",
            "Order a capability and freeze its price (spends UT).",
        ),
        tool::<SettleArgs>(
            "uuagent_settle_transaction",
            "Confirm a delivered transaction, paying the seller its frozen price (spends UT).",
        ),
    ]
}

impl ServerHandler for Tools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_protocol_version(ProtocolVersion::V_2024_11_05)
            .with_server_info(Implementation::new("uumit-mock", env!("CARGO_PKG_VERSION")))
    }

    /// Lists the versions that open with `initialize`, as the HTTP+SSE transport does.
    fn supported_protocol_versions(&self) -> std::borrow::Cow<'static, [ProtocolVersion]> {
        std::borrow::Cow::Owned(vec![
            ProtocolVersion::V_2024_11_05,
            ProtocolVersion::V_2025_03_26,
            ProtocolVersion::V_2025_06_18,
            ProtocolVersion::V_2025_11_25,
        ])
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(catalog()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        catalog().into_iter().find(|tool| tool.name == name)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        let outcome = self.dispatch(&request.name, arguments)?;
        Ok(CallToolResponse::Complete(into_result(outcome)))
    }
}

impl Tools {
    /// Runs the tool `name`. `Err` is a protocol error; `Ok(Err(_))` a platform error.
    fn dispatch(&self, name: &str, arguments: Value) -> Result<Outcome<Value>, ErrorData> {
        let caller = self.caller;
        Ok(match name {
            "uuagent_discover" => {
                let args: DiscoverArgs = parse(name, arguments)?;
                let page = page(args.page, args.page_size, 100)?;
                self.read(|s| Ok(discover(s, &args, page)))
            }
            "uuagent_search" => {
                let args: SearchArgs = parse(name, arguments)?;
                let page = page(args.page, args.page_size, 50)?;
                self.read(|s| Ok(search(s, &args, page)))
            }
            "uuagent_match_capability" => {
                let args: MatchArgs = parse(name, arguments)?;
                let limit = bounded("limit", args.limit, 50)?;
                self.read(|s| Ok(matches(s, &args, limit)))
            }
            "uuagent_wallet" => {
                let args: WalletArgs = parse(name, arguments)?;
                self.read(|s| wallet(s, caller, args.user_id.as_deref()))
            }
            "uuagent_query_credit" => {
                let args: CreditArgs = parse(name, arguments)?;
                self.read(|s| {
                    own_user(caller, &args.user_id)?;
                    Ok(s.credit_view(caller))
                })
            }
            "uuagent_price_suggestion" => {
                let args: PriceArgs = parse(name, arguments)?;
                self.read(|s| {
                    let capability_type = Some(args.capability_type.as_str());
                    Ok(s.pricing_suggestion(&args.category, capability_type, None))
                })
            }
            "uuagent_invoke" => {
                let args: InvokeArgs = parse(name, arguments)?;
                self.write("uuagent_invoke", &args.idempotency_key, |s| {
                    s.invoke_capability(caller, args.capability_id, &args.input)
                })?
            }
            "uuagent_create_transaction" => {
                let args: CreateArgs = parse(name, arguments)?;
                self.write("uuagent_create_transaction", &args.idempotency_key, |s| {
                    let created =
                        s.create_transaction(caller, args.capability_id, args.booked_hours)?;
                    let frozen = s.freeze(caller, created.id)?;
                    Ok(json!(frozen))
                })?
            }
            "uuagent_settle_transaction" => {
                let args: SettleArgs = parse(name, arguments)?;
                self.write("uuagent_settle_transaction", &args.idempotency_key, |s| {
                    Ok(json!(s.confirm(caller, args.transaction_id)?))
                })?
            }
            other => {
                return Err(ErrorData::invalid_params(
                    format!("unknown tool {other:?}; call tools/list for the tool names"),
                    None,
                ));
            }
        })
    }

    fn read(&self, f: impl FnOnce(&mut Store) -> Outcome<Value>) -> Outcome<Value> {
        self.state.with(f)
    }

    /// Runs a write tool once per (caller, idempotency key); a later call with the same
    /// key gets the first outcome back, so UT moves once.
    fn write(
        &self,
        tool: &'static str,
        key: &str,
        f: impl FnOnce(&mut Store) -> Outcome<Value>,
    ) -> Result<Outcome<Value>, ErrorData> {
        if key.trim().is_empty() {
            return Err(ErrorData::invalid_params(
                format!("invalid arguments for {tool}: idempotency_key must not be empty"),
                None,
            ));
        }
        // The replay map stays locked while the store runs the write, so a concurrent
        // call with the same key waits and then replays. Lock order: replays, then store.
        let replays: &Arc<_> = &self.state.mcp.replays;
        let mut replays = replays.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = (self.caller, key.to_owned());
        if let Some((first_tool, outcome)) = replays.get(&slot) {
            if first_tool != tool {
                return Ok(Err(Fail::new(
                    409,
                    1005,
                    format!(
                        "idempotency_key {key:?} was already used for {first_tool}; use a new key"
                    ),
                )));
            }
            return Ok(outcome.clone());
        }
        let outcome = self.state.with(f);
        replays.insert(slot, tool, outcome.clone());
        Ok(outcome)
    }
}

/// Decodes a tool's arguments; a mismatch is JSON-RPC error -32602 naming the tool.
fn parse<T: DeserializeOwned>(tool: &str, arguments: Value) -> Result<T, ErrorData> {
    serde_json::from_value(arguments).map_err(|error| {
        ErrorData::invalid_params(format!("invalid arguments for {tool}: {error}"), None)
    })
}

fn bounded(name: &str, value: i64, max: i64) -> Result<usize, ErrorData> {
    if !(1..=max).contains(&value) {
        return Err(ErrorData::invalid_params(
            format!("{name} must be from 1 to {max}, got {value}"),
            None,
        ));
    }
    Ok(value as usize)
}

fn page(page: i64, page_size: i64, max_size: i64) -> Result<Page, ErrorData> {
    let size = bounded("page_size", page_size, max_size)?;
    let page = bounded("page", page, i64::MAX)?;
    Ok(Page { page, size })
}

fn into_result(outcome: Outcome<Value>) -> CallToolResult {
    match outcome {
        Ok(value) => CallToolResult::success(vec![ContentBlock::text(value.to_string())]),
        Err(fail) => {
            let body = json!({"code": fail.code, "message": fail.message});
            CallToolResult::error(vec![ContentBlock::text(body.to_string())])
        }
    }
}

fn discover(store: &Store, args: &DiscoverArgs, page: Page) -> Value {
    let items: Vec<_> = store
        .capabilities
        .iter()
        .filter(|c| c.status == "active")
        .filter(|c| args.category.as_ref().is_none_or(|v| &c.category == v))
        .filter(|c| {
            args.capability_type
                .as_ref()
                .is_none_or(|v| &c.capability_type == v)
        })
        .collect();
    json!(page.slice(items))
}

fn search(store: &Store, args: &SearchArgs, page: Page) -> Value {
    let items: Vec<_> = store
        .match_capabilities(&args.query, args.category.as_deref(), usize::MAX)
        .into_iter()
        .map(|(capability, _, _)| capability)
        .collect();
    json!(page.slice(items))
}

fn matches(store: &Store, args: &MatchArgs, limit: usize) -> Value {
    let ranked = store.match_capabilities(&args.query, args.category.as_deref(), usize::MAX);
    let total = ranked.len();
    let items: Vec<Value> = ranked
        .into_iter()
        .take(limit)
        .map(|(capability, score, reason)| {
            json!({"capability": capability, "match_score": score, "match_reason": reason})
        })
        .collect();
    json!({"items": items, "total": total})
}

fn wallet(store: &Store, caller: Uuid, user_id: Option<&str>) -> Outcome<Value> {
    if let Some(user_id) = user_id {
        own_user(caller, user_id)?;
    }
    let user = store.user(caller)?;
    Ok(json!({"user_id": caller, "ut": user.ut.view(), "cash": user.cash.view()}))
}

/// A user id in the arguments must be the caller's: no acting for another user.
fn own_user(caller: Uuid, user_id: &str) -> Outcome<()> {
    if Uuid::parse_str(user_id).ok() != Some(caller) {
        return Err(Fail::new(
            403,
            1003,
            format!("user_id {user_id:?} is not the caller's; omit it or pass X-Platform-User-Id"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod replay_tests {
    use std::time::Duration;

    use super::*;

    fn slot(n: usize) -> (Uuid, String) {
        (Uuid::nil(), format!("key-{n}"))
    }

    #[test]
    fn replays_stay_under_capacity() {
        let mut replays = Replays::default();
        for n in 0..=IDEMPOTENCY_CAPACITY {
            replays.insert(slot(n), "uuagent_buy", Ok(json!(n)));
        }
        assert!(replays.0.len() <= IDEMPOTENCY_CAPACITY);
        // The oldest went first; the newest is still replayed.
        assert!(replays.get(&slot(0)).is_none());
        let newest = replays.get(&slot(IDEMPOTENCY_CAPACITY));
        assert_eq!(
            newest.map(|(_, outcome)| outcome.clone()),
            Some(Ok(json!(IDEMPOTENCY_CAPACITY)))
        );
    }

    #[test]
    fn expired_replay_is_not_returned() {
        let mut replays = Replays::default();
        replays.insert(slot(1), "uuagent_buy", Ok(json!(1)));
        // An instant a day and a minute ago, where the clock allows one.
        let Some(long_ago) = Instant::now().checked_sub(IDEMPOTENCY_TTL + Duration::from_secs(60))
        else {
            return;
        };
        if let Some(replay) = replays.0.get_mut(&slot(1)) {
            replay.stored_at = long_ago;
        }
        assert!(replays.get(&slot(1)).is_none());
    }
}
