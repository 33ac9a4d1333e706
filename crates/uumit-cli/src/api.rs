//! `uumit api`: any operation of the spec by name, with parameters and body checked
//! against the operation table generated from the spec.

use std::collections::BTreeMap;

use uumit::Request;
use uumit_api::{OPERATIONS, OperationMeta, ParameterLocation, ResponseKind};

use crate::failure::{Failure, Outcome, method};
use crate::output::{self, View};
use crate::rest::{options, read_json};
use crate::session::Session;

/// Options of `uumit api`.
#[derive(clap::Args, Debug)]
pub(crate) struct ApiArgs {
    /// The operation, as `uumit api --list` names it (for example get_wallet)
    #[arg(required_unless_present = "list", value_name = "OPERATION")]
    operation: Option<String>,
    /// List every operation with its method, path and parameters, then exit
    #[arg(long, conflicts_with_all = ["param", "body"])]
    list: bool,
    /// A path, query or header parameter of the operation; repeat for each
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    param: Vec<String>,
    /// The JSON body, or @FILE to read it from a file
    #[arg(long, value_name = "JSON|@FILE")]
    body: Option<String>,
    /// Key that makes a retry of a mutating call free [default: a new UUID]
    #[arg(long, value_name = "KEY")]
    idempotency_key: Option<String>,
}

pub(crate) async fn api(session: &Session, args: ApiArgs) -> Outcome {
    let Some(name) = args.operation.as_deref().filter(|_| !args.list) else {
        return list(session);
    };
    let meta = find(name)?;
    let request = build(meta, &args)?;
    let client = if meta.requires_auth {
        session.client()?
    } else {
        session.public_client()?
    };
    let mut options = options(&args.idempotency_key);
    if let Some(key) = idempotency_param(&args) {
        options = options.idempotency_key(key);
    }
    let reply = client.send(request, options).await?;
    if let Some(key) = &reply.idempotency_key {
        session.out.keep(crate::rest::key_notice(key));
    }
    if reply.data.is_object() && reply.data.get("items").is_some() {
        return session.out.show(&reply.data, View::Table(&[]));
    }
    if session.out.is_json() || !reply.data.is_object() {
        return output::print_json(&reply.data);
    }
    session.out.show(&reply.data, View::Fields(&[]))
}

fn list(session: &Session) -> Outcome {
    if session.out.is_json() {
        let rows: Vec<serde_json::Value> = OPERATIONS.iter().map(describe).collect();
        return output::print_json(&serde_json::Value::Array(rows));
    }
    let rows: Vec<serde_json::Value> = OPERATIONS
        .iter()
        .map(|op| {
            serde_json::json!({
                "operation": op.name,
                "method": op.method,
                "path": op.path,
                "parameters": signature(op),
            })
        })
        .collect();
    session.out.show(
        &rows,
        View::Table(&["operation", "method", "path", "parameters"]),
    )?;
    session.out.note(
        "\nPass each parameter as -p NAME=VALUE and a body as --body JSON or --body @FILE, as in\n`uumit api get_transaction -p tx_id=UUID`.",
    );
    Ok(())
}

/// Formats the parameters of an operation the way `--param` takes them: `name=` when required,
/// `[name=]` when optional, `--body` when it takes one.
fn signature(op: &OperationMeta) -> String {
    let mut parts: Vec<String> = op
        .parameters
        .iter()
        .filter(|p| !is_idempotency_header(p.name))
        .map(|p| match p.required {
            true => format!("{}=", p.name),
            false => format!("[{}=]", p.name),
        })
        .collect();
    if op.has_body {
        parts.push("--body".to_owned());
    }
    parts.join(" ")
}

fn describe(op: &OperationMeta) -> serde_json::Value {
    let parameters: Vec<serde_json::Value> = op
        .parameters
        .iter()
        .map(|p| {
            serde_json::json!({
                "name": p.name,
                "in": location(p.location),
                "required": p.required,
            })
        })
        .collect();
    serde_json::json!({
        "operation": op.name,
        "method": op.method,
        "path": op.path,
        "parameters": parameters,
        "has_body": op.has_body,
        "requires_auth": op.requires_auth,
    })
}

fn location(location: ParameterLocation) -> &'static str {
    match location {
        ParameterLocation::Path => "path",
        ParameterLocation::Query => "query",
        ParameterLocation::Header => "header",
    }
}

fn find(name: &str) -> Outcome<&'static OperationMeta> {
    if let Some(meta) = OperationMeta::find(name) {
        return Ok(meta);
    }
    let mut close: Vec<(usize, &str)> = OPERATIONS
        .iter()
        .map(|op| (distance(name, op.name), op.name))
        .filter(|(d, _)| *d <= 3)
        .collect();
    close.sort();
    let failure = Failure::usage(format!("no operation named {name:?}"));
    Err(match close.first() {
        Some((_, best)) => failure.hint(format!(
            "did you mean {best}? `uumit api --list` shows every operation"
        )),
        None => failure.hint("`uumit api --list` shows every operation"),
    })
}

/// Levenshtein distance, to suggest the operation a typo meant.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// Builds the request for `meta` from the parameters and body in `args`.
fn build(meta: &'static OperationMeta, args: &ApiArgs) -> Outcome<Request> {
    if matches!(meta.response, ResponseKind::EventStream) {
        return Err(Failure::usage(format!(
            "{} answers a text/event-stream, and `uumit api` reads JSON replies",
            meta.name
        )));
    }
    let params = parse_params(meta, &args.param)?;
    let mut path = meta.path.to_owned();
    let mut request_params = Vec::new();
    for parameter in meta.parameters {
        let value = params.get(parameter.name);
        match (value, parameter.location) {
            (None, _) if parameter.required && !is_idempotency_header(parameter.name) => {
                return Err(missing(meta, parameter.name));
            }
            (None, _) => {}
            (Some(value), ParameterLocation::Path) => {
                path = path.replace(&format!("{{{}}}", parameter.name), &encode_segment(value));
            }
            (Some(_), _) if is_idempotency_header(parameter.name) => {}
            (Some(value), location) => request_params.push((parameter.name, location, value)),
        }
    }

    let mut request = Request::new(method(meta.method)?, path)
        .operation(meta.name)
        .envelope(matches!(meta.response, ResponseKind::Envelope));
    for (name, location, value) in request_params {
        request = match location {
            ParameterLocation::Header => request.header(name, value.as_str()),
            _ => request.query(name, value.as_str()),
        };
    }
    with_body(request, meta, args.body.as_deref())
}

fn with_body(request: Request, meta: &OperationMeta, body: Option<&str>) -> Outcome<Request> {
    match (body, meta.has_body) {
        (Some(body), true) => Ok(request.json(read_json(body, "--body")?)),
        (None, false) => Ok(request),
        (Some(_), false) => Err(Failure::usage(format!("{} takes no body", meta.name))),
        (None, true) => Err(Failure::usage(format!(
            "{} takes a JSON body: pass --body JSON or --body @FILE",
            meta.name
        ))),
    }
}

fn parse_params(meta: &OperationMeta, given: &[String]) -> Outcome<BTreeMap<String, String>> {
    let mut params = BTreeMap::new();
    for pair in given {
        let Some((name, value)) = pair.split_once('=') else {
            return Err(Failure::usage(format!(
                "--param {pair:?} has no `=`: write NAME=VALUE"
            )));
        };
        let known = meta
            .parameters
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name));
        let Some(known) = known else {
            let takes = match signature(meta) {
                text if text.is_empty() => "none".to_owned(),
                text => text,
            };
            return Err(Failure::usage(format!(
                "{} has no parameter {name:?}; it takes: {takes}",
                meta.name
            )));
        };
        params.insert(known.name.to_owned(), value.to_owned());
    }
    Ok(params)
}

/// Returns an `Idempotency-Key` given with `--param`, which counts as --idempotency-key.
fn idempotency_param(args: &ApiArgs) -> Option<String> {
    args.param.iter().find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        is_idempotency_header(key).then(|| value.to_owned())
    })
}

fn is_idempotency_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("Idempotency-Key")
}

fn missing(meta: &OperationMeta, name: &str) -> Failure {
    Failure::usage(format!("{} needs --param {name}=VALUE", meta.name))
        .hint(format!("it takes: {}", signature(meta)))
}

/// Percent-encodes a path segment, keeping RFC 3986's unreserved characters.
fn encode_segment(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
