//! `uumit mcp tools|call`: the platform's MCP tools over the HTTP+SSE transport.

use serde_json::{Map, Value, json};

use crate::failure::{Failure, Outcome};
use crate::output::{View, print_json};
use crate::session::Session;

/// `uumit mcp` subcommands.
#[derive(clap::Subcommand, Debug)]
pub(crate) enum McpCommand {
    /// Lists the MCP server's tools with their descriptions
    Tools,
    /// Calls one tool and prints its result; write tools spend UT
    Call(CallArgs),
}

/// Options of `uumit mcp call`.
#[derive(clap::Args, Debug)]
pub(crate) struct CallArgs {
    /// The tool's name, for example uuagent_search
    tool: String,
    /// The arguments as a JSON object, for example '{"query": "ocr"}'
    #[arg(long, value_name = "JSON", default_value = "{}")]
    args: String,
}

pub(crate) async fn mcp(session: &Session, command: McpCommand) -> Outcome {
    let client = session.client()?;
    let connection = uumit::mcp::connect(&client).await?;
    let outcome = match command {
        McpCommand::Tools => tools(session, &connection).await,
        McpCommand::Call(args) => call(&connection, args).await,
    };
    connection.close().await;
    outcome
}

async fn tools(session: &Session, connection: &uumit::mcp::McpClient) -> Outcome {
    let tools = connection.list_tools().await?;
    let rows: Vec<Value> = tools
        .iter()
        .map(|tool| json!({"name": tool.name, "description": tool.description.as_deref().unwrap_or_default()}))
        .collect();
    session.out.show(
        &json!({"items": rows}),
        View::Table(&["name", "description"]),
    )
}

async fn call(connection: &uumit::mcp::McpClient, args: CallArgs) -> Outcome {
    let arguments: Map<String, Value> = serde_json::from_str(&args.args).map_err(|e| {
        Failure::usage(format!("invalid --args {:?}: {e}", args.args))
            .hint("pass a JSON object, for example --args '{\"query\": \"ocr\"}'")
    })?;
    let result = connection
        .call_tool_json::<Value>(&args.tool, Value::Object(arguments))
        .await?;
    print_json(&result)
}
