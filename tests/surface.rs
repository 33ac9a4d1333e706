//! Snapshots of the generated API surface: a spec change shows up here as a reviewable
//! diff, and an unreviewed drift fails the test.

use uumit_codegen::{Operation, Success};

fn operations() -> Vec<Operation> {
    let spec: serde_json::Value = serde_json::from_str(uumit_api::OPENAPI_JSON).unwrap();
    uumit_codegen::normalize(&spec).unwrap().operations
}

fn data_type(operation: &Operation) -> String {
    match &operation.success {
        Success::Envelope { data, .. } => data
            .rust_type()
            .replace("types::", "")
            .replace("::std::vec::", "")
            .replace("::serde_json::", ""),
        Success::Json { type_name } => format!("{type_name} (bare JSON)"),
        Success::EventStream => "event stream".to_owned(),
        Success::Raw => "bytes".to_owned(),
        Success::Empty => "()".to_owned(),
    }
}

#[test]
fn api_surface() {
    let lines: Vec<String> = operations()
        .iter()
        .map(|o| {
            let parameters: Vec<String> = o
                .parameters
                .iter()
                .map(|p| {
                    format!(
                        "{}{}:{}",
                        p.name,
                        if p.required { "" } else { "?" },
                        p.location
                    )
                })
                .collect();
            let body = o
                .body
                .as_deref()
                .map(|b| format!(" body={b}"))
                .unwrap_or_default();
            let auth = if o.requires_auth { "" } else { " public" };
            format!(
                "{:<6} {:<52} {:<32} ({}){body}{auth} -> {}",
                o.method,
                o.path,
                o.name,
                parameters.join(", "),
                data_type(o)
            )
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn operation_table_matches_spec() {
    let names: Vec<&str> = uumit_api::OPERATIONS.iter().map(|o| o.name).collect();
    let expected: Vec<String> = operations().into_iter().map(|o| o.name).collect();
    assert_eq!(names, expected);
}

#[test]
fn normalized_spec() {
    let spec: serde_json::Value = serde_json::from_str(uumit_api::OPENAPI_JSON).unwrap();
    let normalized = uumit_codegen::normalize(&spec).unwrap();
    insta::assert_json_snapshot!(normalized.document);
}

#[test]
fn normalizer_warnings() {
    let spec: serde_json::Value = serde_json::from_str(uumit_api::OPENAPI_JSON).unwrap();
    let warnings: Vec<String> = uumit_codegen::normalize(&spec)
        .unwrap()
        .warnings
        .iter()
        .map(ToString::to_string)
        .collect();
    insta::assert_snapshot!(warnings.join("\n"));
}

#[test]
fn generated_source() {
    insta::assert_snapshot!(
        "generated_client",
        include_str!(concat!(env!("OUT_DIR"), "/client.rs"))
    );
    insta::assert_snapshot!(
        "generated_glue",
        include_str!(concat!(env!("OUT_DIR"), "/glue.rs"))
    );
    insta::assert_snapshot!(
        "generated_open_enums",
        include_str!(concat!(env!("OUT_DIR"), "/open_enums.rs"))
    );
}
