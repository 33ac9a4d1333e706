//! Document-level normalization: names, operations, parameters, bodies and responses.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::diagnostic::{Diagnostic, Rejected, child};
use crate::names::{clean_operation_name, readable_schema_name};
use crate::operations::{DataShape, Operation, Paging, Parameter, ParameterLocation, Success};
use crate::schema::{self, Findings};

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// The result of [`normalize`]: a document progenitor accepts, what was rewritten on the
/// way, and the operation table.
#[derive(Clone, Debug)]
pub struct Normalized {
    /// OpenAPI 3.0.3 document with clean operation ids and type names.
    pub document: Value,
    /// Every lossy rewrite, to be shown as a build warning.
    pub warnings: Vec<Diagnostic>,
    /// Operations in document order.
    pub operations: Vec<Operation>,
    /// String enums among the components, by type name, with their values. The build step
    /// replaces typify's closed enums with open ones that keep unknown values.
    pub open_enums: BTreeMap<String, Vec<String>>,
}

/// Normalizes a FastAPI-style OpenAPI 3.0 or 3.1 document for progenitor.
///
/// # Errors
///
/// Returns [`Rejected`] listing, by JSON pointer, every construct that cannot be
/// generated, each with the change to the spec that fixes it.
pub fn normalize(source: &Value) -> Result<Normalized, Rejected> {
    let mut document = source.clone();
    let mut findings = Findings::default();
    convert_header(&mut document, &mut findings);
    rename_schemas(&mut document, &mut findings);
    convert_components(&mut document, &mut findings);
    add_money_component(&mut document);
    let open_enums = hoist_enums(&mut document, &mut findings);
    let mut operations = convert_paths(&mut document, &mut findings);
    let components = document.get("components").cloned().unwrap_or(Value::Null);
    classify_bare(&mut operations, &components);
    if findings.errors.is_empty() {
        Ok(Normalized {
            document,
            warnings: sorted(findings.warnings),
            operations,
            open_enums,
        })
    } else {
        Err(Rejected {
            errors: sorted(findings.errors),
        })
    }
}

fn sorted(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostics.sort();
    diagnostics.dedup();
    diagnostics
}

fn convert_header(document: &mut Value, findings: &mut Findings) {
    let Some(root) = document.as_object_mut() else {
        findings.reject("", "the document must be a JSON object");
        return;
    };
    match root.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") || v.starts_with("3.1.") => {}
        Some(v) => findings.reject(
            "/openapi",
            format!("OpenAPI version {v:?} is not supported: use 3.0.x or 3.1.x"),
        ),
        None => findings.reject(
            "/openapi",
            "missing `openapi` version: is this an OpenAPI document?",
        ),
    }
    root.insert("openapi".into(), json!("3.0.3"));
    root.remove("jsonSchemaDialect");
    root.remove("$schema");
    if let Some(webhooks) = root.remove("webhooks")
        && webhooks.as_object().is_some_and(|w| !w.is_empty())
    {
        findings.warn(
            "/webhooks",
            "dropped `webhooks`: the client does not serve callbacks",
        );
    }
    if !root.contains_key("paths") {
        findings.reject("/paths", "missing `paths`");
    }
    if let Some(Value::Object(info)) = root.get_mut("info") {
        info.remove("summary");
        if info.remove("license").is_some() {
            findings.warn(
                "/info/license",
                "dropped `license`, whose 3.1 form OpenAPI 3.0 readers reject",
            );
        }
    }
}

/// Gives every schema component its readable name and rewrites every `$ref` to match.
fn rename_schemas(document: &mut Value, findings: &mut Findings) {
    let Some(Value::Object(schemas)) = document.pointer_mut("/components/schemas") else {
        return;
    };
    let mut renames = BTreeMap::new();
    let mut taken: BTreeMap<String, String> = BTreeMap::new();
    for (key, schema) in schemas.iter() {
        let title = schema.get("title").and_then(Value::as_str);
        let name = readable_schema_name(key, title);
        if let Some(other) = taken.insert(name.clone(), key.clone()) {
            findings.reject(
                &child("/components/schemas", key),
                format!("its readable name {name} is also the name of `{other}`: rename one of the two models"),
            );
        }
        renames.insert(format!("{SCHEMA_PREFIX}{key}"), name);
    }
    let renamed: Map<String, Value> = std::mem::take(schemas)
        .into_iter()
        .map(|(key, schema)| (renames[&format!("{SCHEMA_PREFIX}{key}")].clone(), schema))
        .collect();
    *schemas = renamed;
    rewrite_refs(document, &renames, "", findings);
}

fn rewrite_refs(
    value: &mut Value,
    renames: &BTreeMap<String, String>,
    pointer: &str,
    findings: &mut Findings,
) {
    match value {
        Value::Object(object) => {
            for (key, child_value) in object.iter_mut() {
                let here = child(pointer, key);
                if key == "$ref" {
                    if let Value::String(reference) = child_value {
                        rewrite_one_ref(reference, renames, &here, findings);
                    }
                } else {
                    rewrite_refs(child_value, renames, &here, findings);
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                rewrite_refs(item, renames, &child(pointer, &index.to_string()), findings);
            }
        }
        _ => {}
    }
}

fn rewrite_one_ref(
    reference: &mut String,
    renames: &BTreeMap<String, String>,
    pointer: &str,
    findings: &mut Findings,
) {
    if let Some(name) = renames.get(reference.as_str()) {
        *reference = format!("{SCHEMA_PREFIX}{name}");
    } else if reference.starts_with(SCHEMA_PREFIX) {
        findings.reject(
            pointer,
            format!("`{reference}` names no schema in components/schemas: add it or fix the name"),
        );
    } else if !reference.starts_with("#/components/") {
        findings.reject(
            pointer,
            format!("`{reference}` points outside this document: inline it under components"),
        );
    }
}

fn convert_components(document: &mut Value, findings: &mut Findings) {
    let Some(Value::Object(schemas)) = document.pointer_mut("/components/schemas") else {
        return;
    };
    for (name, schema) in schemas.iter_mut() {
        let pointer = child("/components/schemas", name);
        schema::convert(schema, &pointer, findings);
        unwrap_envelope_data(schema);
    }
}

/// Adds the `Money` component that decimal amounts were rewritten to refer to.
fn add_money_component(document: &mut Value) {
    let text = document.to_string();
    if !text.contains(&format!("{SCHEMA_PREFIX}{}", schema::MONEY)) {
        return;
    }
    if let Some(Value::Object(schemas)) = document.pointer_mut("/components/schemas") {
        schemas.entry(schema::MONEY).or_insert_with(|| {
            json!({
                "type": "string",
                "format": "decimal",
                "title": "Money",
                "description": "A decimal amount with two places, sent as a string (\"1500.00\").",
            })
        });
    }
}

/// Whether a schema is the platform's response envelope.
pub(crate) fn is_envelope(schema: &Value) -> bool {
    let Some(Value::Object(properties)) = schema.get("properties") else {
        return false;
    };
    let mut keys: Vec<&str> = properties.keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys == ["code", "data", "message", "timestamp"] || keys == ["code", "message", "timestamp"]
}

/// Makes an envelope's `data` optional and drops its null branch, so the generated field
/// is always `Option<T>`; null data on success is a facade-level error, and an error
/// envelope's data is read by the facade from the raw body, not through this type.
fn unwrap_envelope_data(schema: &mut Value) {
    if !is_envelope(schema) {
        return;
    }
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.retain(|r| r != "data");
    }
    let Some(data) = schema
        .pointer_mut("/properties/data")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    data.remove("nullable");
    if data.get("enum") == Some(&json!([null])) {
        if let Some(Value::Object(properties)) = schema.get_mut("properties") {
            properties.remove("data");
        }
        return;
    }
    if let Some(Value::Array(all_of)) = data.get("allOf")
        && all_of.len() == 1
        && data.len() <= 3
    {
        let reference = all_of[0].clone();
        data.clear();
        data.extend(reference.as_object().cloned().unwrap_or_default());
    }
}

/// Moves every inline string enum of a component's properties into a component of its
/// own, named after the parent and the property, and returns all string-enum components.
fn hoist_enums(document: &mut Value, findings: &mut Findings) -> BTreeMap<String, Vec<String>> {
    let Some(Value::Object(schemas)) = document.pointer_mut("/components/schemas") else {
        return BTreeMap::new();
    };
    let mut hoisted = Vec::new();
    for (parent, schema) in schemas.iter_mut() {
        let Some(Value::Object(properties)) = schema.get_mut("properties") else {
            continue;
        };
        for (property, value) in properties.iter_mut() {
            if string_enum(value).is_none() {
                continue;
            }
            let name = format!(
                "{parent}{}",
                heck::ToPascalCase::to_pascal_case(property.as_str())
            );
            let mut extracted = value.take();
            let nullable = extracted
                .as_object_mut()
                .and_then(|o| o.remove("nullable"))
                .is_some();
            let mut reference = Map::new();
            for keyword in ["description", "default", "title"] {
                if let Some(kept) = extracted.as_object_mut().and_then(|o| o.remove(keyword)) {
                    reference.insert(keyword.into(), kept);
                }
            }
            reference.remove("title");
            if nullable {
                reference.insert("nullable".into(), Value::Bool(true));
            }
            if reference.is_empty() {
                reference.insert("$ref".into(), json!(format!("{SCHEMA_PREFIX}{name}")));
            } else {
                reference.insert(
                    "allOf".into(),
                    json!([{"$ref": format!("{SCHEMA_PREFIX}{name}")}]),
                );
            }
            *value = Value::Object(reference);
            hoisted.push((
                name,
                extracted,
                child(&child("/components/schemas", parent), property),
            ));
        }
    }
    for (name, schema, pointer) in hoisted {
        if schemas.contains_key(&name) {
            findings.reject(&pointer, format!("the inline enum would be named {name}, which a component already uses: give the enum a model of its own"));
            continue;
        }
        schemas.insert(name, schema);
    }
    let enums: BTreeMap<String, Vec<String>> = schemas
        .iter()
        .filter_map(|(name, schema)| string_enum(schema).map(|values| (name.clone(), values)))
        .collect();
    for (name, values) in &enums {
        let mut seen = BTreeMap::new();
        for value in values {
            let variant = crate::glue::variant_name(value);
            if let Some(other) = seen.insert(variant.clone(), value) {
                findings.reject(
                    &child("/components/schemas", name),
                    format!("values {other:?} and {value:?} both become variant {variant}: rename one of them"),
                );
            }
        }
    }
    enums
}

fn string_enum(schema: &Value) -> Option<Vec<String>> {
    let values = schema.get("enum")?.as_array()?;
    if schema.get("type").and_then(Value::as_str) != Some("string") {
        return None;
    }
    values
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

fn convert_paths(document: &mut Value, findings: &mut Findings) -> Vec<Operation> {
    let components = document.get("components").cloned().unwrap_or(Value::Null);
    let Some(Value::Object(paths)) = document.get_mut("paths") else {
        return Vec::new();
    };
    let mut operations = Vec::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for (path, item) in paths.iter_mut() {
        let item_pointer = child("/paths", path);
        let shared = item.get("parameters").cloned();
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        item.remove("parameters");
        for method in METHODS {
            let Some(operation) = item.get_mut(*method) else {
                continue;
            };
            let pointer = child(&item_pointer, method);
            if let Some(shared) = &shared {
                merge_shared_parameters(operation, shared);
            }
            let context = OperationContext {
                path,
                method,
                pointer: &pointer,
                components: &components,
            };
            let converted = convert_operation(operation, &context, findings);
            if let Some(other) = names.insert(converted.name.clone(), pointer.clone()) {
                findings.reject(
                    &child(&pointer, "operationId"),
                    format!("clean name `{}` is also the name of {other}: give one of the two functions another name", converted.name),
                );
            }
            operations.push(converted);
        }
    }
    operations
}

fn merge_shared_parameters(operation: &mut Value, shared: &Value) {
    let own = operation
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut merged = shared.as_array().cloned().unwrap_or_default();
    merged.retain(|p| {
        !own.iter()
            .any(|o| o.get("name") == p.get("name") && o.get("in") == p.get("in"))
    });
    merged.extend(own);
    operation["parameters"] = Value::Array(merged);
}

struct OperationContext<'a> {
    path: &'a str,
    method: &'a str,
    pointer: &'a str,
    components: &'a Value,
}

fn convert_operation(
    operation: &mut Value,
    context: &OperationContext<'_>,
    findings: &mut Findings,
) -> Operation {
    let original_id = operation
        .get("operationId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let original_id = original_id.unwrap_or_else(|| {
        findings.reject(
            &child(context.pointer, "operationId"),
            "missing operationId: FastAPI always emits one; add it",
        );
        format!("{}_{}", context.method, context.path)
    });
    let name = clean_operation_name(&original_id, context.path, context.method);
    operation["operationId"] = json!(name);
    let parameters = convert_parameters(operation, context, findings);
    let body = convert_body(operation, context, findings);
    let success = convert_responses(operation, context, findings);
    let paging = detect_paging(&parameters, &success, context.components);
    let body_idempotency_key = body
        .as_deref()
        .and_then(|b| {
            context
                .components
                .pointer(&format!("/schemas/{b}/properties/idempotency_key"))
        })
        .is_some();
    let requires_auth = operation
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .any(|r| r.as_object().is_some_and(|r| !r.is_empty()))
        });
    Operation {
        name,
        original_id,
        method: context.method.to_ascii_uppercase(),
        path: context.path.to_owned(),
        parameters,
        body,
        body_idempotency_key,
        requires_auth,
        success,
        paging,
    }
}

fn convert_parameters(
    operation: &mut Value,
    context: &OperationContext<'_>,
    findings: &mut Findings,
) -> Vec<Parameter> {
    let mut result = Vec::new();
    let Some(Value::Array(parameters)) = operation.get_mut("parameters") else {
        return result;
    };
    let base = child(context.pointer, "parameters");
    parameters.retain(|p| p.get("in").and_then(Value::as_str) != Some("cookie") || {
        let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
        findings.reject(&base, format!("cookie parameter `{name}` is not supported by the generator: send it as a header or query parameter"));
        false
    });
    let mut rust_names: BTreeMap<String, String> = BTreeMap::new();
    let mut index = 0;
    parameters.retain_mut(|parameter| {
        let pointer = child(&base, &index.to_string());
        index += 1;
        let Some(converted) = convert_parameter(parameter, &pointer, findings) else {
            return true;
        };
        let rust_name = heck::ToSnakeCase::to_snake_case(converted.name.as_str());
        if let Some(first) = rust_names.get(&rust_name) {
            findings.warn(
                &pointer,
                format!("dropped {} parameter `{}`: its Rust name `{rust_name}` is taken by `{first}`, which the builder sets instead", converted.location, converted.name),
            );
            return false;
        }
        rust_names.insert(rust_name, converted.name.clone());
        result.push(converted);
        true
    });
    result
}

fn convert_parameter(
    parameter: &mut Value,
    pointer: &str,
    findings: &mut Findings,
) -> Option<Parameter> {
    if parameter.get("$ref").is_some() {
        findings.reject(
            pointer,
            "parameter references are not supported: inline the parameter",
        );
        return None;
    }
    let name = parameter.get("name").and_then(Value::as_str)?.to_owned();
    let location = match parameter.get("in").and_then(Value::as_str) {
        Some("path") => ParameterLocation::Path,
        Some("query") => ParameterLocation::Query,
        Some("header") => ParameterLocation::Header,
        other => {
            findings.reject(
                pointer,
                format!("parameter `{name}` has unknown location {other:?}"),
            );
            return None;
        }
    };
    let style = parameter.get("style").and_then(Value::as_str);
    let allowed = matches!(
        (location, style),
        (_, None) | (ParameterLocation::Query, Some("form")) | (_, Some("simple"))
    );
    if !allowed {
        findings.reject(
            &child(pointer, "style"),
            format!(
                "style {:?} of `{name}` is not supported: use the default style",
                style.unwrap_or_default()
            ),
        );
    }
    if parameter.get("content").is_some() {
        findings.reject(
            &child(pointer, "content"),
            format!("parameter `{name}` uses `content`: give it a `schema` instead"),
        );
    }
    if let Some(schema) = parameter.get_mut("schema") {
        schema::convert(schema, &child(pointer, "schema"), findings);
        if let Some(object) = schema.as_object_mut() {
            // A query or header parameter is either sent or not; null has no wire form.
            object.remove("nullable");
        }
    }
    let required = parameter
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Some(Parameter {
        name,
        location,
        required,
    })
}

/// Keeps only `application/json` where a body offers it among other media types, since
/// the generated client sends and reads JSON; the dropped types are reported.
fn keep_json_only(content: &mut Map<String, Value>, pointer: &str, findings: &mut Findings) {
    if !content.contains_key("application/json") || content.len() < 2 {
        return;
    }
    let dropped: Vec<String> = content
        .keys()
        .filter(|k| *k != "application/json")
        .cloned()
        .collect();
    content.retain(|k, _| k == "application/json");
    findings.warn(
        pointer,
        format!("kept application/json and dropped {}", dropped.join(", ")),
    );
}

fn convert_body(
    operation: &mut Value,
    context: &OperationContext<'_>,
    findings: &mut Findings,
) -> Option<String> {
    let pointer = child(context.pointer, "requestBody");
    let content = operation
        .pointer_mut("/requestBody/content")?
        .as_object_mut()?;
    keep_json_only(content, &child(&pointer, "content"), findings);
    let mut body_type = None;
    for (media, value) in content.iter_mut() {
        let here = child(&child(&child(&pointer, "content"), media), "schema");
        if let Some(schema) = value.get_mut("schema") {
            schema::convert(schema, &here, findings);
            body_type = schema
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(SCHEMA_PREFIX))
                .map(str::to_owned);
        }
    }
    body_type
}

fn convert_responses(
    operation: &mut Value,
    context: &OperationContext<'_>,
    findings: &mut Findings,
) -> Success {
    let pointer = child(context.pointer, "responses");
    let Some(Value::Object(responses)) = operation.get_mut("responses") else {
        findings.reject(
            &pointer,
            "the operation declares no responses: add the 200 response",
        );
        return Success::Empty;
    };
    let success_codes: Vec<String> = responses
        .keys()
        .filter(|c| c.starts_with('2') || *c == "2XX")
        .cloned()
        .collect();
    if success_codes.len() > 1 {
        let bodies: Vec<Option<Value>> = success_codes
            .iter()
            .map(|c| responses[c].pointer("/content").cloned())
            .collect();
        if bodies.windows(2).any(|w| w[0] != w[1]) {
            findings.reject(&pointer, format!("success responses {} have different bodies: declare one success response per operation", success_codes.join(", ")));
        }
    }
    let mut success = Success::Empty;
    for (code, response) in responses.iter_mut() {
        let here = child(&pointer, code);
        let shape = convert_response(response, &here, findings);
        if success_codes.first() == Some(code) {
            success = shape;
        }
    }
    if let Success::Envelope { envelope, .. } = &success {
        let data = envelope_data(envelope, context.components);
        return Success::Envelope {
            envelope: envelope.clone(),
            data,
        };
    }
    success
}

fn convert_response(response: &mut Value, pointer: &str, findings: &mut Findings) -> Success {
    if response.get("$ref").is_some() {
        findings.reject(
            pointer,
            "response references are not supported: inline the response",
        );
        return Success::Empty;
    }
    let Some(Value::Object(content)) = response.get_mut("content") else {
        return Success::Empty;
    };
    keep_json_only(content, &child(pointer, "content"), findings);
    let Some((media, value)) = content.iter_mut().next() else {
        return Success::Empty;
    };
    let media = media.clone();
    let here = child(&child(&child(pointer, "content"), &media), "schema");
    match value.get_mut("schema") {
        Some(schema) => schema::convert(schema, &here, findings),
        None => {
            value
                .as_object_mut()
                .map(|v| v.insert("schema".into(), json!({})));
        }
    }
    if media == "text/event-stream" {
        return Success::EventStream;
    }
    if !media.starts_with("application/json") {
        return Success::Raw;
    }
    match value
        .pointer("/schema/$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(SCHEMA_PREFIX))
    {
        Some(name) => Success::Envelope {
            envelope: name.to_owned(),
            data: DataShape::Any,
        },
        None => {
            findings.reject(&here, "an inline JSON response schema gets no stable type name: move it to components/schemas");
            Success::Empty
        }
    }
}

/// Classifies a referenced response: an envelope with its data shape, or bare JSON.
fn envelope_data(name: &str, components: &Value) -> DataShape {
    let Some(schema) = components.pointer(&format!("/schemas/{name}")) else {
        return DataShape::Any;
    };
    let Some(data) = schema.pointer("/properties/data") else {
        return DataShape::Null;
    };
    data_shape(data)
}

fn data_shape(data: &Value) -> DataShape {
    let reference = |v: &Value| {
        v.get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix(SCHEMA_PREFIX))
            .map(str::to_owned)
    };
    let branches: Vec<&Value> = match data.get("anyOf").and_then(Value::as_array) {
        Some(branches) => branches
            .iter()
            .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"))
            .collect(),
        None => vec![data],
    };
    let [single] = branches.as_slice() else {
        return DataShape::Any;
    };
    if let Some(name) = reference(single) {
        return DataShape::Named(name);
    }
    if single.get("type").and_then(Value::as_str) == Some("array")
        && let Some(name) = single.get("items").and_then(reference)
    {
        return DataShape::ListOf(name);
    }
    if single.get("type").and_then(Value::as_str) == Some("null") {
        return DataShape::Null;
    }
    DataShape::Any
}

fn detect_paging(
    parameters: &[Parameter],
    success: &Success,
    components: &Value,
) -> Option<Paging> {
    let Success::Envelope {
        data: DataShape::Named(page),
        ..
    } = success
    else {
        return None;
    };
    let has = |name: &str| {
        parameters
            .iter()
            .any(|p| p.name == name && p.location == ParameterLocation::Query)
    };
    let properties = components.pointer(&format!("/schemas/{page}/properties"))?;
    let item = properties
        .pointer("/items/items/$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(SCHEMA_PREFIX))?
        .to_owned();
    if has("page") && properties.get("has_more").is_some() {
        Some(Paging::Page { item })
    } else if has("cursor") && properties.get("next_cursor").is_some() {
        Some(Paging::Cursor { item })
    } else {
        None
    }
}

/// Marks which envelopes are bare JSON, once the operation table is known.
pub(crate) fn classify_bare(operations: &mut [Operation], components: &Value) {
    for operation in operations {
        if let Success::Envelope { envelope, .. } = &operation.success {
            let schema = components
                .pointer(&format!("/schemas/{envelope}"))
                .unwrap_or(&Value::Null);
            if !is_envelope(schema) {
                operation.success = Success::Json {
                    type_name: envelope.clone(),
                };
            }
        }
    }
}
