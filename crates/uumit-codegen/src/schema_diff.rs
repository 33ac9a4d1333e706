//! Schema-by-schema comparison for the breaking-change report: parameters, request
//! bodies and response types of one operation, following references into components.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::Value;

use crate::diff::{Collector, Side};

const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// Walks the schemas of one operation in the old and the new document side by side.
pub(crate) struct SchemaWalk<'d, 'c> {
    old_schemas: &'d Value,
    new_schemas: &'d Value,
    operation: &'d str,
    out: &'c mut Collector,
    visited: HashSet<(String, String, Side)>,
}

impl<'d, 'c> SchemaWalk<'d, 'c> {
    pub(crate) fn new(
        old_document: &'d Value,
        new_document: &'d Value,
        operation: &'d str,
        out: &'c mut Collector,
    ) -> Self {
        let schemas = |d: &'d Value| d.pointer("/components/schemas").unwrap_or(&Value::Null);
        Self {
            old_schemas: schemas(old_document),
            new_schemas: schemas(new_document),
            operation,
            out,
            visited: HashSet::new(),
        }
    }

    /// Clean name of the operation being walked.
    pub(crate) fn operation(&self) -> &'d str {
        self.operation
    }

    /// Records a change reached from this operation.
    pub(crate) fn report(
        &mut self,
        breaking: bool,
        kind: &'static str,
        side: Side,
        location: String,
        message: String,
    ) {
        self.out.add(
            (breaking, kind, side, location, message),
            Some(self.operation),
        );
    }

    /// Compares the path, query and header parameters of the operation.
    pub(crate) fn parameters(&mut self, old_op: &Value, new_op: &Value) {
        let (before, after) = (parameters_of(old_op), parameters_of(new_op));
        for ((place, name), old) in &before {
            let location = format!("{} {place} parameter `{name}`", self.operation);
            match after.get(&(place.clone(), name.clone())) {
                None => self.report(
                    true,
                    "parameter-removed",
                    Side::Request,
                    location,
                    "parameter removed: its builder setter is gone".to_owned(),
                ),
                Some(new) => self.parameter_pair(old, new, location),
            }
        }
        for ((place, name), new) in &after {
            if before.contains_key(&(place.clone(), name.clone())) {
                continue;
            }
            let location = format!("{} {place} parameter `{name}`", self.operation);
            if is_true(new.get("required")) {
                self.report(
                    true,
                    "parameter-added",
                    Side::Request,
                    location,
                    "new required parameter: callers must set it".to_owned(),
                );
            } else {
                self.report(
                    false,
                    "parameter-added",
                    Side::Request,
                    location,
                    "new optional parameter".to_owned(),
                );
            }
        }
    }

    fn parameter_pair(&mut self, old: &Value, new: &Value, location: String) {
        match (is_true(old.get("required")), is_true(new.get("required"))) {
            (false, true) => self.report(
                true,
                "parameter-required",
                Side::Request,
                location.clone(),
                "parameter became required: callers must set it".to_owned(),
            ),
            (true, false) => self.report(
                false,
                "parameter-optional",
                Side::Request,
                location.clone(),
                "parameter became optional".to_owned(),
            ),
            _ => {}
        }
        let (old_schema, new_schema) = (schema_of(old), schema_of(new));
        self.compare(old_schema, new_schema, Side::Request, &location);
    }

    /// Compares the JSON request bodies of the operation.
    pub(crate) fn request_body(&mut self, old_op: &Value, new_op: &Value) {
        let location = format!("{} request body", self.operation);
        let (before, after) = (old_op.get("requestBody"), new_op.get("requestBody"));
        match (before, after) {
            (Some(_), None) => self.report(
                true,
                "body-removed",
                Side::Request,
                location,
                "request body removed: its builder setter is gone".to_owned(),
            ),
            (None, Some(body)) => {
                let required = is_true(body.get("required"));
                let message = if required {
                    "new required request body: callers must send it"
                } else {
                    "new optional request body"
                };
                self.report(
                    required,
                    "body-added",
                    Side::Request,
                    location,
                    message.to_owned(),
                );
            }
            (Some(old), Some(new)) => {
                if !is_true(old.get("required")) && is_true(new.get("required")) {
                    self.report(
                        true,
                        "body-required",
                        Side::Request,
                        location.clone(),
                        "request body became required: callers must send it".to_owned(),
                    );
                }
                self.compare(body_schema(old), body_schema(new), Side::Request, &location);
            }
            (None, None) => {}
        }
    }

    /// Compares two schema components once per side and operation.
    pub(crate) fn component(&mut self, old_name: &str, new_name: &str, side: Side) {
        let key = (old_name.to_owned(), new_name.to_owned(), side);
        if !self.visited.insert(key) {
            return;
        }
        let (Some(old), Some(new)) = (
            self.old_schemas.get(old_name),
            self.new_schemas.get(new_name),
        ) else {
            // A component missing on one side is listed as a removed or added type.
            return;
        };
        self.compare(old, new, side, new_name);
    }

    fn compare(&mut self, old: &Value, new: &Value, side: Side, location: &str) {
        let (before, after) = (describe(old), describe(new));
        if before != after {
            let message = format!("type changed from {before} to {after}");
            self.report(true, "type-changed", side, location.to_owned(), message);
            return;
        }
        if let Some(name) = reference(new) {
            self.component(name, name, side);
            return;
        }
        self.enum_values(old, new, side, location);
        self.properties(old, new, side, location);
        if let (Some(o), Some(n)) = (old.get("items"), new.get("items")) {
            self.compare(o, n, side, &format!("{location}[]"));
        }
        if let (Some(o @ Value::Object(_)), Some(n @ Value::Object(_))) = (
            old.get("additionalProperties"),
            new.get("additionalProperties"),
        ) {
            self.compare(o, n, side, &format!("{location}{{}}"));
        }
        for (index, (o, n)) in variants(old).iter().zip(variants(new)).enumerate() {
            self.compare(o, n, side, &format!("{location} variant {}", index + 1));
        }
    }

    fn enum_values(&mut self, old: &Value, new: &Value, side: Side, location: &str) {
        let (before, after) = (enum_of(old), enum_of(new));
        for removed in before.difference(&after) {
            let message = match side {
                Side::Request => format!("enum value {removed:?} removed: the server rejects it"),
                _ => format!("enum value {removed:?} removed: its generated variant is gone"),
            };
            let location = location.to_owned();
            self.report(true, "enum-value-removed", side, location, message);
        }
        for added in after.difference(&before) {
            let message = match side {
                Side::Request => format!("enum value {added:?} added"),
                _ => format!(
                    "enum value {added:?} added: the generated enums are open, so a client built on the old spec reads it as `Unknown({added:?})`"
                ),
            };
            let location = location.to_owned();
            self.report(false, "enum-value-added", side, location, message);
        }
    }

    fn properties(&mut self, old: &Value, new: &Value, side: Side, location: &str) {
        let (before, after) = (properties_of(old), properties_of(new));
        let (old_required, new_required) = (required_of(old), required_of(new));
        for (name, old_field) in &before {
            let field = format!("{location}.{name}");
            let Some(new_field) = after.get(name) else {
                let message = match side {
                    Side::Request => "field removed: callers that set it no longer compile",
                    _ => "field removed: code that reads it no longer compiles",
                };
                self.report(true, "field-removed", side, field, message.to_owned());
                continue;
            };
            let required = (old_required.contains(name), new_required.contains(name));
            self.required_change(required, side, &field);
            self.compare(old_field, new_field, side, &field);
        }
        for name in after.keys().filter(|n| !before.contains_key(*n)) {
            let field = format!("{location}.{name}");
            let breaking = side == Side::Request && new_required.contains(name);
            let message = match (side, breaking) {
                (Side::Request, true) => "new required field: callers must set it",
                (Side::Request, false) => "new optional field",
                _ => "field added",
            };
            self.report(breaking, "field-added", side, field, message.to_owned());
        }
    }

    fn required_change(&mut self, required: (bool, bool), side: Side, field: &str) {
        let (breaking, kind, message) = match (required, side) {
            ((false, true), Side::Request) => (
                true,
                "field-required",
                "field became required: callers must set it",
            ),
            ((false, true), _) => (
                true,
                "field-required",
                "field became required: its generated type can lose the `Option`",
            ),
            ((true, false), Side::Request) => (false, "field-optional", "field became optional"),
            ((true, false), _) => (
                true,
                "field-optional",
                "field became optional: readers must handle its absence",
            ),
            _ => return,
        };
        self.report(breaking, kind, side, field.to_owned(), message.to_owned());
    }
}

fn is_true(value: Option<&Value>) -> bool {
    value.and_then(Value::as_bool).unwrap_or(false)
}

fn parameters_of(operation: &Value) -> BTreeMap<(String, String), &Value> {
    let Some(list) = operation.get("parameters").and_then(Value::as_array) else {
        return BTreeMap::new();
    };
    list.iter()
        .filter_map(|p| {
            let place = p.get("in")?.as_str()?.to_owned();
            let name = p.get("name")?.as_str()?.to_owned();
            Some(((place, name), p))
        })
        .collect()
}

fn schema_of(parameter: &Value) -> &Value {
    parameter.get("schema").unwrap_or(&Value::Null)
}

/// Returns the JSON schema of a request body: `application/json`, else the first media
/// type.
fn body_schema(body: &Value) -> &Value {
    let content = body.get("content").and_then(Value::as_object);
    let media = content.and_then(|c| c.get("application/json").or_else(|| c.values().next()));
    media.and_then(|m| m.get("schema")).unwrap_or(&Value::Null)
}

/// Returns the component a schema refers to: a `$ref`, or an `allOf` of one `$ref`, which is
/// how FastAPI attaches a description to a reference.
fn reference(schema: &Value) -> Option<&str> {
    let direct = schema.get("$ref").and_then(Value::as_str);
    let wrapped = || match schema.get("allOf").and_then(Value::as_array) {
        Some(list) if list.len() == 1 => list[0].get("$ref").and_then(Value::as_str),
        _ => None,
    };
    direct
        .or_else(wrapped)
        .and_then(|r| r.strip_prefix(SCHEMA_PREFIX))
}

fn variants(schema: &Value) -> &[Value] {
    ["anyOf", "oneOf", "allOf"]
        .iter()
        .find_map(|k| schema.get(*k).and_then(Value::as_array))
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Describes a schema's type in one line, without the contents of objects and
/// components. Two schemas with different descriptions have different Rust types.
fn describe(schema: &Value) -> String {
    let base = describe_base(schema);
    if is_true(schema.get("nullable")) {
        format!("{base} or null")
    } else {
        base
    }
}

fn describe_base(schema: &Value) -> String {
    if let Some(name) = reference(schema) {
        return format!("`{name}`");
    }
    for (key, word) in [
        ("anyOf", "any of"),
        ("oneOf", "one of"),
        ("allOf", "all of"),
    ] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            let parts: Vec<String> = list.iter().map(describe).collect();
            return format!("{word} ({})", parts.join(", "));
        }
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("array") => {
            let items = schema.get("items").map(describe);
            format!("array of {}", items.unwrap_or_else(|| "any".to_owned()))
        }
        Some("object") | None if is_map(schema) => "map".to_owned(),
        Some("object") => "object".to_owned(),
        None if schema.get("properties").is_some() => "object".to_owned(),
        None => enum_type(schema).unwrap_or("any").to_owned(),
        Some(scalar) => match schema.get("format").and_then(Value::as_str) {
            Some(format) => format!("{scalar} ({format})"),
            None => scalar.to_owned(),
        },
    }
}

/// Returns the JSON type of an untyped enum's values, such as a `const` the normalizer turned
/// into a one-value enum.
fn enum_type(schema: &Value) -> Option<&'static str> {
    let first = schema.get("enum")?.as_array()?.first()?;
    match first {
        Value::String(_) => Some("string"),
        Value::Number(_) => Some("number"),
        Value::Bool(_) => Some("boolean"),
        _ => None,
    }
}

fn is_map(schema: &Value) -> bool {
    schema.get("properties").is_none()
        && matches!(schema.get("additionalProperties"), Some(Value::Object(_)))
}

fn properties_of(schema: &Value) -> BTreeMap<String, &Value> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.iter().map(|(k, v)| (k.clone(), v)).collect())
        .unwrap_or_default()
}

fn required_of(schema: &Value) -> BTreeSet<String> {
    strings(schema.get("required"))
}

fn enum_of(schema: &Value) -> BTreeSet<String> {
    strings(schema.get("enum"))
}

fn strings(value: Option<&Value>) -> BTreeSet<String> {
    value
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}
