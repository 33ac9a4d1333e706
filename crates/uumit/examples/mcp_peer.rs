//! Our MCP client against a third-party MCP server, over HTTP+SSE and over streamable
//! HTTP. `tests/peers/mcp_python_server.sh` runs it against a server built with the
//! Python `mcp` package, passing its URLs in `MCP_PEER_SSE_URL` and `MCP_PEER_HTTP_URL`.
//!
//! Prints `mcp_peer: N passed, 0 failed` after the last check and exits non-zero on the
//! first failed one.

use std::process::ExitCode;

use serde_json::json;
use uumit::mcp::{McpClient, McpOptions, McpTransport};

const USER_ID: &str = "5b0f3c1e-8d4a-4b6e-9f2a-7c1d0e3b4a59";

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("mcp_peer: cannot start a runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(checks) => {
            println!("mcp_peer: {checks} passed, 0 failed");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("mcp_peer: FAILED: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<usize, String> {
    let mut checks = 0;
    for (variable, transport) in [
        ("MCP_PEER_SSE_URL", McpTransport::Sse),
        ("MCP_PEER_HTTP_URL", McpTransport::StreamableHttp),
    ] {
        let url = std::env::var(variable).map_err(|_| {
            format!("{variable} is not set; run tests/peers/mcp_python_server.sh, which starts the server and sets it")
        })?;
        checks += check_server(&url, transport).await?;
    }
    Ok(checks)
}

/// Connects to `url` (the transport picked from the URL must be `expected`), lists
/// the tools and calls both.
async fn check_server(url: &str, expected: McpTransport) -> Result<usize, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
    let client = uumit::Client::builder()
        .base_url(parsed.origin().ascii_serialization())
        .credentials("peer-check-key", USER_ID)
        .build()
        .map_err(|e| e.to_string())?;
    let options = McpOptions::new().url(url).transport(expected);
    let mcp = McpClient::connect_with(&client, options)
        .await
        .map_err(|e| format!("connect to {url}: {e}"))?;
    let mut checks = 0;
    let mut check = |ok: bool, what: String| -> Result<(), String> {
        checks += 1;
        if ok {
            Ok(())
        } else {
            Err(format!("{url} ({expected:?}): {what}"))
        }
    };

    let info = mcp.server_info().ok_or("no server info after initialize")?;
    let name = info
        .server_info
        .as_ref()
        .map(|i| i.name.clone())
        .unwrap_or_default();
    check(name == "uumit-peer", format!("server name {name:?}"))?;

    let tools = mcp.list_tools().await.map_err(|e| e.to_string())?;
    let mut names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    check(
        names == ["add", "caller_user_id"],
        format!("tools listed: {names:?}"),
    )?;

    let sum: serde_json::Value = mcp
        .call_tool_json("add", json!({"a": 2, "b": 40}))
        .await
        .map_err(|e| format!("add: {e}"))?;
    check(sum == json!(42), format!("add returned {sum}"))?;

    let caller = mcp
        .call_tool("caller_user_id", json!({}))
        .await
        .map_err(|e| format!("caller_user_id: {e}"))?;
    let text = caller
        .content
        .first()
        .and_then(|c| c.as_text())
        .map(|t| t.text.clone());
    check(
        text.as_deref() == Some(USER_ID),
        format!("the server saw user id {text:?}"),
    )?;

    let unknown = mcp.call_tool("subtract", json!({})).await;
    let failed = match &unknown {
        Err(_) => true,
        Ok(result) => result.is_error == Some(true),
    };
    check(failed, format!("an unknown tool succeeded: {unknown:?}"))?;

    mcp.close().await;
    Ok(checks)
}
