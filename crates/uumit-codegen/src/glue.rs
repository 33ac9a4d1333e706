//! Renders the Rust glue between progenitor's builders and the facade: one
//! `Operation` impl per JSON operation, paging impls, and the static operation table.

use std::fmt::Write as _;

use crate::operations::{DataShape, Operation, Paging, Success};

/// Renders the glue module's source for `operations`.
///
/// The output is included into the raw client crate next to progenitor's output, so it
/// refers to `types::`, `builder::` and the crate-level traits `Operation`,
/// `PagedOperation` and `CursorOperation`.
pub fn render_glue(operations: &[Operation]) -> String {
    let mut out = String::new();
    out.push_str("// Generated from openapi.json by build.rs; do not edit.\n\n");
    render_table(&mut out, operations);
    for operation in operations {
        render_operation(&mut out, operation);
    }
    out
}

fn render_table(out: &mut String, operations: &[Operation]) {
    out.push_str("/// Every operation of the spec, in document order.\n");
    out.push_str("pub static OPERATIONS: &[OperationMeta] = &[\n");
    for operation in operations {
        let parameters: String = operation
            .parameters
            .iter()
            .map(|p| {
                format!(
                    "ParameterMeta {{ name: {:?}, location: ParameterLocation::{}, required: {} }}, ",
                    p.name,
                    capitalize(&p.location.to_string()),
                    p.required
                )
            })
            .collect();
        let paging = match &operation.paging {
            Some(Paging::Page { .. }) => "Some(PagingKind::Page)",
            Some(Paging::Cursor { .. }) => "Some(PagingKind::Cursor)",
            None => "None",
        };
        let response = match &operation.success {
            Success::Envelope { .. } => "ResponseKind::Envelope",
            Success::Json { .. } => "ResponseKind::Json",
            Success::EventStream => "ResponseKind::EventStream",
            Success::Raw => "ResponseKind::Raw",
            Success::Empty => "ResponseKind::Empty",
        };
        let _ = writeln!(
            out,
            "    OperationMeta {{ name: {:?}, method: {:?}, path: {:?}, parameters: &[{parameters}], \
             has_body: {}, body_idempotency_key: {}, requires_auth: {}, response: {response}, paging: {paging} }},",
            operation.name,
            operation.method,
            operation.path,
            operation.body.is_some(),
            operation.body_idempotency_key,
            operation.requires_auth,
        );
    }
    out.push_str("];\n\n");
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn render_operation(out: &mut String, operation: &Operation) {
    let (response, data, into_data) = match &operation.success {
        Success::Envelope {
            envelope,
            data: DataShape::Null,
        } => (
            format!("types::{envelope}"),
            "()".to_owned(),
            "Some(())".to_owned(),
        ),
        // typify reads a missing array as empty, so a list's field is not an Option.
        Success::Envelope {
            envelope,
            data: data @ DataShape::ListOf(_),
        } => (
            format!("types::{envelope}"),
            data.rust_type(),
            "Some(response.data)".to_owned(),
        ),
        Success::Envelope { envelope, data } => (
            format!("types::{envelope}"),
            data.rust_type(),
            "response.data".to_owned(),
        ),
        Success::Json { type_name } => (
            format!("types::{type_name}"),
            format!("types::{type_name}"),
            "Some(response)".to_owned(),
        ),
        Success::Empty => (
            "()".to_owned(),
            "()".to_owned(),
            "Some(response)".to_owned(),
        ),
        Success::EventStream | Success::Raw => return,
    };
    let builder = operation.builder_name();
    let code = if matches!(operation.success, Success::Envelope { .. }) {
        "    fn envelope_code(response: &Self::Response) -> Option<i64> {\n        Some(response.code)\n    }\n"
    } else {
        ""
    };
    let unused = if into_data.contains("response") {
        "response"
    } else {
        "_response"
    };
    let _ = write!(
        out,
        "impl<'a> Operation<'a> for builder::{builder}<'a> {{\n\
         \x20   const NAME: &'static str = {name:?};\n\
         \x20   type Response = {response};\n\
         \x20   type Data = {data};\n\
         \x20   fn execute(self) -> OperationFuture<'a, Self::Response> {{\n\
         \x20       Box::pin(async move {{ self.send().await.map(progenitor_client::ResponseValue::into_inner).map_err(RawError::from) }})\n\
         \x20   }}\n\
         \x20   fn into_data({unused}: Self::Response) -> Option<Self::Data> {{\n\
         \x20       {into_data}\n\
         \x20   }}\n\
         {code}\
         }}\n\n",
        name = operation.name,
    );
    match &operation.paging {
        Some(Paging::Page { item }) => {
            let _ = write!(
                out,
                "impl<'a> PagedOperation<'a> for builder::{builder}<'a> {{\n\
                 \x20   type Item = types::{item};\n\
                 \x20   fn with_page(self, page: u64) -> Self {{ self.page(page) }}\n\
                 \x20   fn page_info(data: &Self::Data) -> (usize, bool) {{ (data.items.len(), data.has_more) }}\n\
                 \x20   fn into_items(data: Self::Data) -> Vec<Self::Item> {{ data.items }}\n\
                 }}\n\n"
            );
        }
        Some(Paging::Cursor { item }) => {
            let _ = write!(
                out,
                "impl<'a> CursorOperation<'a> for builder::{builder}<'a> {{\n\
                 \x20   type Item = types::{item};\n\
                 \x20   fn with_cursor(self, cursor: String) -> Self {{ self.cursor(cursor) }}\n\
                 \x20   fn next_cursor(data: &Self::Data) -> Option<String> {{ data.next_cursor.clone().filter(|_| data.has_more) }}\n\
                 \x20   fn into_items(data: Self::Data) -> Vec<Self::Item> {{ data.items }}\n\
                 }}\n\n"
            );
        }
        None => {}
    }
}

/// Renders one `open_enum!` invocation per string enum of the spec; the raw client crate
/// defines the macro.
pub fn render_open_enums(enums: &std::collections::BTreeMap<String, Vec<String>>) -> String {
    let mut out = String::from("// Generated from openapi.json by build.rs; do not edit.\n\n");
    for (name, values) in enums {
        let _ = writeln!(out, "open_enum! {{\n    {name};");
        for value in values {
            let _ = writeln!(out, "    {} => {value:?},", variant_name(value));
        }
        out.push_str("}\n\n");
    }
    out
}

/// The Rust variant name of an enum value: Pascal case, prefixed with `V` where the
/// value starts with a digit.
pub fn variant_name(value: &str) -> String {
    let name = heck::ToPascalCase::to_pascal_case(value);
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{name}")
    } else {
        name
    }
}
