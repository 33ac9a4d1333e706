//! The MCP client against the emulator's MCP server, and against small hand-written
//! HTTP+SSE servers for the failures the emulator never produces, over loopback.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use uumit::mcp::{
    CreateTransactionInput, CreditInput, DiscoverInput, InvokeInput, MatchInput, McpClient,
    McpOptions, PriceSuggestionInput, SearchInput, SettleTransactionInput, WalletInput,
};
use uumit::prelude::*;
use uumit::{Client, ErrorKind, Money, types};

const TOOLS: [&str; 9] = [
    "uuagent_discover",
    "uuagent_search",
    "uuagent_match_capability",
    "uuagent_wallet",
    "uuagent_query_credit",
    "uuagent_price_suggestion",
    "uuagent_invoke",
    "uuagent_create_transaction",
    "uuagent_settle_transaction",
];

async fn emulator() -> (uumit_mock::MockServer, Client) {
    let server = uumit_mock::start(uumit_mock::MockConfig::default())
        .await
        .unwrap();
    let demo = server.demo_user();
    let client = Client::builder()
        .base_url(server.base_url())
        .credentials(demo.api_key, demo.user_id)
        .build()
        .unwrap();
    (server, client)
}

async fn capability(mcp: &McpClient, pricing_model: &str) -> types::CapabilityOut {
    let page = mcp
        .discover(DiscoverInput {
            page_size: Some(100),
            ..DiscoverInput::default()
        })
        .await
        .unwrap();
    page.items
        .into_iter()
        .find(|c| c.pricing_model.as_str() == pricing_model)
        .unwrap()
}

async fn available(mcp: &McpClient) -> Money {
    mcp.wallet(WalletInput::default())
        .await
        .unwrap()
        .ut
        .available
}

#[tokio::test]
async fn list_tools_returns_all_nine() {
    let (_server, client) = emulator().await;
    let mcp = uumit::mcp::connect(&client).await.unwrap();

    let tools = mcp.list_tools().await.unwrap();

    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    names.sort_unstable();
    let mut expected = TOOLS.to_vec();
    expected.sort_unstable();
    assert_eq!(names, expected);
    let search = tools.iter().find(|t| t.name == "uuagent_search").unwrap();
    assert_eq!(search.input_schema["required"], json!(["query"]));
    let info = mcp.server_info().unwrap();
    assert_eq!(info.protocol_version.as_str(), "2024-11-05");
}

#[tokio::test]
async fn read_tools_return_typed_results() {
    let (_server, client) = emulator().await;
    let mcp = uumit::mcp::connect(&client).await.unwrap();

    let page = mcp.discover(DiscoverInput::default()).await.unwrap();
    assert!(page.total > 0);
    assert_eq!(page.page_size, 20);
    let first = &page.items[0];

    let found = mcp
        .search(SearchInput::new(first.title.clone()))
        .await
        .unwrap();
    assert_eq!(found.items[0].id, first.id);
    assert_eq!(found.page_size, 10);

    let matches = mcp
        .match_capability(MatchInput {
            query: first.title.clone(),
            limit: Some(3),
            ..MatchInput::default()
        })
        .await
        .unwrap();
    assert!(matches.items.len() <= 3);
    assert_eq!(matches.items[0].capability.id, first.id);

    let wallet = mcp.wallet(WalletInput::default()).await.unwrap();
    assert_eq!(wallet.ut.available, Money::from_units(1500));

    let user_id = client.user_id().unwrap().to_owned();
    let credit = mcp.query_credit(CreditInput { user_id }).await.unwrap();
    assert!(credit["credit_score"].as_u64().unwrap() >= 600);

    let price = mcp
        .price_suggestion(PriceSuggestionInput {
            category: first.category.clone(),
            capability_type: first.capability_type.as_str().to_owned(),
        })
        .await
        .unwrap();
    assert!(price.sample_count >= 1);
    assert!(price.suggested_range_low <= price.median_price_ut);
    assert!(price.median_price_ut <= price.suggested_range_high);
}

/// Accepts and delivers `transaction` over REST as its seller.
async fn deliver_as_seller(server: &uumit_mock::MockServer, transaction: &types::TransactionOut) {
    let seller_id = transaction.seller_user_id.to_string();
    let seller = uumit_mock::Store::seeded(42)
        .seeded_users()
        .into_iter()
        .find(|u| u.user_id == seller_id)
        .unwrap();
    let seller = Client::builder()
        .base_url(server.base_url())
        .credentials(seller.api_key, seller.user_id)
        .build()
        .unwrap();
    seller
        .accept_transaction()
        .tx_id(transaction.id)
        .call()
        .await
        .unwrap();
    let mut result = serde_json::Map::new();
    result.insert("report".into(), json!("done"));
    seller
        .deliver_transaction()
        .tx_id(transaction.id)
        .body(types::TransactionDeliver {
            result_payload: result,
        })
        .call()
        .await
        .unwrap();
}

#[tokio::test]
async fn create_and_settle_move_ut_once_per_key() {
    let (server, client) = emulator().await;
    let mcp = uumit::mcp::connect(&client).await.unwrap();
    let bought = capability(&mcp, "per_use").await;
    let before = available(&mcp).await;

    let order = CreateTransactionInput::new(bought.id);
    let first = mcp.create_transaction(order.clone()).await.unwrap();
    let replayed = mcp.create_transaction(order).await.unwrap();

    assert_eq!(first.id, replayed.id);
    assert_eq!(first.status.as_str(), "frozen");
    assert_eq!(available(&mcp).await, before - bought.price_ut);

    deliver_as_seller(&server, &first).await;
    let settle = SettleTransactionInput::new(first.id);
    let settled = mcp.settle_transaction(settle.clone()).await.unwrap();
    let again = mcp.settle_transaction(settle).await.unwrap();

    assert_eq!(settled.status.as_str(), "settled");
    assert_eq!(again.updated_at, settled.updated_at);
    let wallet = mcp.wallet(WalletInput::default()).await.unwrap();
    assert_eq!(wallet.ut.available, before - bought.price_ut);
    assert_eq!(wallet.ut.frozen, Money::ZERO);
}

#[tokio::test]
async fn settle_before_delivery_is_api_error() {
    let (_server, client) = emulator().await;
    let mcp = uumit::mcp::connect(&client).await.unwrap();
    let bought = capability(&mcp, "per_use").await;
    let created = mcp
        .create_transaction(CreateTransactionInput::new(bought.id))
        .await
        .unwrap();

    let error = mcp
        .settle_transaction(SettleTransactionInput::new(created.id))
        .await
        .unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Api);
    assert_eq!(error.code(), Some(4501));
}

#[tokio::test]
async fn transaction_created_over_mcp_shows_over_rest() {
    let (_server, client) = emulator().await;
    let mcp = uumit::mcp::connect(&client).await.unwrap();
    let bought = capability(&mcp, "per_use").await;

    let created = mcp
        .create_transaction(CreateTransactionInput::new(bought.id))
        .await
        .unwrap();

    let over_rest = client
        .get_transaction()
        .tx_id(created.id)
        .call()
        .await
        .unwrap();
    assert_eq!(over_rest.status.as_str(), "frozen");
    assert_eq!(over_rest.price_ut, bought.price_ut);
    let wallet = client.get_wallet().call().await.unwrap();
    assert_eq!(wallet.ut.frozen, bought.price_ut);
}

#[tokio::test]
async fn invoke_charges_once_per_key() {
    let (_server, client) = emulator().await;
    let mcp = uumit::mcp::connect(&client).await.unwrap();
    let called = capability(&mcp, "per_query").await;
    let before = available(&mcp).await;

    let call = InvokeInput::new(called.id, json!({"text": "hello"}));
    let first = mcp.invoke(call.clone()).await.unwrap();
    let replayed = mcp.invoke(call).await.unwrap();

    assert_eq!(first.transaction_id, replayed.transaction_id);
    assert_eq!(first.charged_ut, called.price_ut);
    assert_eq!(first.result.unwrap()["input"]["text"], "hello");
    assert_eq!(available(&mcp).await, before - called.price_ut);
}

#[tokio::test]
async fn unknown_tool_is_rpc_error() {
    let (_server, client) = emulator().await;
    let mcp = uumit::mcp::connect(&client).await.unwrap();

    let error = mcp
        .call_tool("uuagent_teleport", json!({}))
        .await
        .unwrap_err();

    assert_eq!(error.kind(), ErrorKind::JsonRpc);
    assert_eq!(error.code(), Some(-32602));
    assert!(error.message().contains("uuagent_teleport"), "{error}");
}

#[tokio::test]
async fn bad_arguments_are_rpc_error() {
    let (_server, client) = emulator().await;
    let mcp = uumit::mcp::connect(&client).await.unwrap();

    let missing = mcp
        .call_tool("uuagent_search", json!({}))
        .await
        .unwrap_err();
    let mistyped = mcp
        .call_tool("uuagent_discover", json!({"page": "first"}))
        .await
        .unwrap_err();
    let not_object = mcp
        .call_tool("uuagent_wallet", json!([1]))
        .await
        .unwrap_err();

    assert_eq!(missing.kind(), ErrorKind::JsonRpc);
    assert_eq!(missing.code(), Some(-32602));
    assert!(missing.message().contains("query"), "{missing}");
    assert_eq!(mistyped.code(), Some(-32602));
    assert_eq!(not_object.kind(), ErrorKind::InvalidRequest);
}

#[tokio::test]
async fn platform_failure_is_api_error() {
    let (_server, client) = emulator().await;
    let mcp = uumit::mcp::connect(&client).await.unwrap();

    let error = mcp
        .wallet(WalletInput {
            user_id: Some("6f1c7a9e-0000-4000-8000-000000000000".into()),
        })
        .await
        .unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Api);
    assert_eq!(error.code(), Some(1003));
}

#[tokio::test]
async fn bad_credentials_fail_connect() {
    let (server, _) = emulator().await;
    let client = Client::builder()
        .base_url(server.base_url())
        .credentials("not-a-key", server.demo_user().user_id)
        .build()
        .unwrap();

    let error = uumit::mcp::connect(&client).await.unwrap_err();

    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(error.code(), Some(1006));
}

/// A hand-written HTTP+SSE server. It sends `preamble` on the event stream of a GET
/// and replies to every POST with `post_status`. With `reply_error` set, it then sends
/// a JSON-RPC error for the POSTed request's id on the stream.
struct FakeServer {
    base_url: String,
    posts: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct Script {
    preamble: String,
    post_status: &'static str,
    reply_error: bool,
    close_after_preamble: bool,
}

impl FakeServer {
    async fn start(script: Script) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let posts = Arc::new(AtomicUsize::new(0));
        let counter = posts.clone();
        tokio::spawn(async move {
            let mut stream_socket: Option<TcpStream> = None;
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                let (head, body) = read_request(&mut socket).await;
                if head.starts_with("GET") {
                    let header = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-store\r\n\r\n";
                    socket.write_all(header.as_bytes()).await.unwrap();
                    socket.write_all(script.preamble.as_bytes()).await.unwrap();
                    if !script.close_after_preamble {
                        stream_socket = Some(socket);
                    }
                    continue;
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let text = script.post_status;
                let reply = format!(
                    "HTTP/1.1 {text}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
                    text.len() - 4,
                    &text[4..]
                );
                socket.write_all(reply.as_bytes()).await.unwrap();
                if let (true, Some(stream)) = (script.reply_error, stream_socket.as_mut()) {
                    let id =
                        serde_json::from_slice::<serde_json::Value>(&body).unwrap()["id"].clone();
                    let error = json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32600, "message": "initialize is refused here"}});
                    let event = format!("event: message\r\ndata: {error}\r\n\r\n");
                    stream.write_all(event.as_bytes()).await.unwrap();
                }
            }
        });
        Self { base_url, posts }
    }

    fn client(&self) -> Client {
        Client::builder()
            .base_url(&self.base_url)
            .credentials("key", "6f1c7a9e-0000-4000-8000-000000000000")
            .build()
            .unwrap()
    }
}

async fn read_request(socket: &mut TcpStream) -> (String, Vec<u8>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let read = socket.read(&mut chunk).await.unwrap();
        buffer.extend_from_slice(&chunk[..read]);
        let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
        let length = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>().unwrap())
            })
            .unwrap_or(0);
        while buffer.len() < end + 4 + length {
            let read = socket.read(&mut chunk).await.unwrap();
            buffer.extend_from_slice(&chunk[..read]);
        }
        return (head, buffer[end + 4..end + 4 + length].to_vec());
    }
}

fn script(preamble: &str) -> Script {
    Script {
        preamble: preamble.to_owned(),
        post_status: "202 Accepted",
        reply_error: false,
        close_after_preamble: false,
    }
}

fn quick() -> McpOptions {
    McpOptions::new()
        .endpoint_timeout(Duration::from_millis(500))
        .request_timeout(Duration::from_secs(5))
}

#[tokio::test]
async fn cross_origin_endpoint_is_refused() {
    let server = FakeServer::start(script(
        "event: endpoint\r\ndata: http://localhost:9/mcp/messages/?session_id=abc\r\n\r\n",
    ))
    .await;

    let error = McpClient::connect_with(&server.client(), quick())
        .await
        .unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Transport);
    assert!(error.message().contains("another origin"), "{error}");
    assert!(!error.message().contains("session_id"), "{error}");
}

#[tokio::test]
async fn missing_endpoint_event_times_out() {
    let server = FakeServer::start(script(": ping - keep waiting\r\n\r\n")).await;

    let error = McpClient::connect_with(&server.client(), quick())
        .await
        .unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(error.message().contains("no endpoint event"), "{error}");
    assert_eq!(server.posts.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn stream_closed_before_endpoint_fails() {
    let mut closing = script("event: message\r\ndata: {}\r\n\r\n");
    closing.close_after_preamble = true;
    let server = FakeServer::start(closing).await;

    let error = McpClient::connect_with(&server.client(), quick())
        .await
        .unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Transport);
    assert!(
        error.message().contains("before sending its endpoint"),
        "{error}"
    );
}

#[tokio::test]
async fn unknown_session_post_is_http_404() {
    let mut session_gone =
        script("event: endpoint\r\ndata: /mcp/messages/?session_id=0123\r\n\r\n");
    session_gone.post_status = "404 Could not find session";
    let server = FakeServer::start(session_gone).await;

    let error = McpClient::connect_with(&server.client(), quick())
        .await
        .unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Http);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    assert!(
        error.message().contains("Could not find session"),
        "{error}"
    );
}

#[tokio::test]
async fn initialize_error_fails_fast() {
    let mut rejecting = script("event: endpoint\r\ndata: /mcp/messages/?session_id=0123\r\n\r\n");
    rejecting.reply_error = true;
    let server = FakeServer::start(rejecting).await;
    let started = Instant::now();

    let error = McpClient::connect_with(&server.client(), quick())
        .await
        .unwrap_err();

    assert_eq!(error.kind(), ErrorKind::JsonRpc);
    assert_eq!(error.code(), Some(-32600));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}
