//! Rewrites one JSON Schema from the OpenAPI 3.1 dialect into the OpenAPI 3.0 subset
//! that progenitor (through typify and the `openapiv3` crate) reads.

use serde_json::{Map, Value, json};

use crate::diagnostic::{Diagnostic, child};

/// Collects what a rewrite changed lossily and what it could not take.
#[derive(Default)]
pub(crate) struct Findings {
    pub(crate) warnings: Vec<Diagnostic>,
    pub(crate) errors: Vec<Diagnostic>,
}

impl Findings {
    pub(crate) fn warn(&mut self, pointer: &str, message: impl Into<String>) {
        self.warnings.push(Diagnostic::new(pointer, message));
    }

    pub(crate) fn reject(&mut self, pointer: &str, message: impl Into<String>) {
        self.errors.push(Diagnostic::new(pointer, message));
    }
}

/// Keywords of JSON Schema 2020-12 that have no OpenAPI 3.0 form and change what the
/// generated types accept, so dropping them would be wrong.
const UNSUPPORTED: &[(&str, &str)] = &[
    (
        "prefixItems",
        "describe the tuple as an array of one item schema",
    ),
    ("if", "express the condition with oneOf"),
    (
        "dependentSchemas",
        "move the dependent properties into oneOf branches",
    ),
    (
        "dependentRequired",
        "list the fields in `required` or split the schema",
    ),
    ("unevaluatedProperties", "use additionalProperties"),
    ("unevaluatedItems", "use items"),
    (
        "patternProperties",
        "use additionalProperties with one value schema",
    ),
    (
        "$defs",
        "move the definitions to components/schemas and refer to them there",
    ),
    ("$dynamicRef", "refer to a component with $ref"),
];

/// Keywords that only annotate and can be dropped; dropping them is still reported.
const ANNOTATIONS: &[&str] = &[
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
    "$comment",
];

/// Converts `schema` in place; `pointer` locates it in the source document.
pub(crate) fn convert(schema: &mut Value, pointer: &str, findings: &mut Findings) {
    let Some(object) = schema.as_object_mut() else {
        if schema.is_boolean() {
            findings.reject(
                pointer,
                "boolean schemas have no OpenAPI 3.0 form; write `{}` for true",
            );
        }
        return;
    };
    convert_keywords(object, pointer, findings);
    if is_decimal(object) {
        replace_with_money(object);
    } else {
        convert_children(object, pointer, findings);
        drop_string_limits(object, pointer, findings);
    }
    fold_ref_siblings(object, pointer);
}

/// Name of the component that stands for every decimal amount of the spec; the build
/// step maps it onto the raw client's exact `Money` type.
pub(crate) const MONEY: &str = "Money";

/// Whether a schema is a decimal amount: a string with `format: decimal` or a
/// digits-and-point `pattern`, or Pydantic's input form of `Decimal`, a number or such a
/// string.
fn is_decimal(object: &Map<String, Value>) -> bool {
    let decimal_string = |o: &Map<String, Value>| {
        o.get("type").and_then(Value::as_str) == Some("string")
            && (o.get("format").and_then(Value::as_str) == Some("decimal")
                || o.get("pattern").and_then(Value::as_str).is_some_and(|p| {
                    p.contains("\\d")
                        && p.contains("\\.")
                        && !p.chars().any(|c| c.is_ascii_alphabetic() && c != 'd')
                }))
    };
    if decimal_string(object) {
        return true;
    }
    let Some(Value::Array(branches)) = object.get("anyOf") else {
        return false;
    };
    let kinds: Vec<Option<&Map<String, Value>>> = branches.iter().map(Value::as_object).collect();
    kinds.len() == 2
        && kinds.iter().all(Option::is_some)
        && kinds.iter().flatten().any(|o| decimal_string(o))
        && kinds
            .iter()
            .flatten()
            .any(|o| o.get("type").and_then(Value::as_str) == Some("number"))
}

fn replace_with_money(object: &mut Map<String, Value>) {
    for keyword in [
        "type",
        "format",
        "pattern",
        "anyOf",
        "maxLength",
        "minLength",
    ] {
        object.remove(keyword);
    }
    object.insert(
        "$ref".into(),
        json!(format!("#/components/schemas/{MONEY}")),
    );
}

/// Drops length and pattern limits from strings: the server validates what it receives,
/// and a response that breaks a limit must still decode.
fn drop_string_limits(object: &mut Map<String, Value>, pointer: &str, findings: &mut Findings) {
    if object.get("type").and_then(Value::as_str) != Some("string") {
        return;
    }
    for keyword in ["maxLength", "minLength", "pattern"] {
        if let Some(limit) = object.remove(keyword) {
            findings.warn(
                &child(pointer, keyword),
                format!("dropped string limit {keyword} = {limit}; the server enforces it"),
            );
        }
    }
}

fn convert_keywords(object: &mut Map<String, Value>, pointer: &str, findings: &mut Findings) {
    for (keyword, fix) in UNSUPPORTED {
        if object.contains_key(*keyword) {
            findings.reject(
                &child(pointer, keyword),
                format!("`{keyword}` is not supported: {fix}"),
            );
        }
    }
    for keyword in ANNOTATIONS {
        if object.remove(*keyword).is_some() {
            findings.warn(
                &child(pointer, keyword),
                format!("dropped `{keyword}`, which OpenAPI 3.0 lacks"),
            );
        }
    }
    object.remove("$schema");
    object.remove("$id");
    if let Some(value) = object.remove("const") {
        object.insert("enum".into(), json!([value]));
    }
    if let Some(examples) = object.remove("examples") {
        convert_examples(object, examples, pointer, findings);
    }
    for (exclusive, inclusive) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(bound) = object.get(exclusive).filter(|v| v.is_number()).cloned() {
            object.insert(inclusive.into(), bound);
            object.insert(exclusive.into(), Value::Bool(true));
        }
    }
    convert_type_array(object, pointer, findings);
    fold_null_branches(object, "anyOf");
    fold_null_branches(object, "oneOf");
    if object.get("type").and_then(Value::as_str) == Some("null") {
        object.remove("type");
        object.insert("nullable".into(), Value::Bool(true));
        object.insert("enum".into(), json!([null]));
    }
}

fn convert_examples(
    object: &mut Map<String, Value>,
    examples: Value,
    pointer: &str,
    findings: &mut Findings,
) {
    let mut values = match examples {
        Value::Array(values) => values,
        other => vec![other],
    };
    if values.len() > 1 {
        findings.warn(
            &child(pointer, "examples"),
            format!("kept the first of {} examples as `example`", values.len()),
        );
    }
    if !values.is_empty() && !object.contains_key("example") {
        object.insert("example".into(), values.swap_remove(0));
    }
}

/// `type: ["string", "null"]` becomes `type: string, nullable: true`; several non-null
/// types become an `anyOf` of single-type schemas.
fn convert_type_array(object: &mut Map<String, Value>, pointer: &str, findings: &mut Findings) {
    let Some(Value::Array(types)) = object.get("type").cloned() else {
        return;
    };
    let mut names: Vec<String> = types
        .iter()
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    if names.len() != types.len() {
        findings.reject(
            &child(pointer, "type"),
            "every entry of a type array must be a string",
        );
        return;
    }
    let nullable = names.iter().any(|t| t == "null");
    names.retain(|t| t != "null");
    object.remove("type");
    match names.as_slice() {
        [] => {}
        [single] => {
            object.insert("type".into(), Value::String(single.clone()));
        }
        several => {
            let branches = several.iter().map(|t| json!({"type": t})).collect();
            object.insert("anyOf".into(), Value::Array(branches));
        }
    }
    if nullable {
        object.insert("nullable".into(), Value::Bool(true));
    }
}

/// `anyOf: [X, {type: null}]`, as Pydantic writes `Optional[X]`, becomes X marked
/// `nullable`. A `$ref` X is wrapped in `allOf`, since OpenAPI 3.0 ignores keywords
/// beside `$ref`.
fn fold_null_branches(object: &mut Map<String, Value>, keyword: &str) {
    let Some(Value::Array(branches)) = object.get(keyword) else {
        return;
    };
    let is_null = |b: &Value| b.get("type").and_then(Value::as_str) == Some("null");
    if !branches.iter().any(is_null) {
        return;
    }
    let mut rest: Vec<Value> = branches.iter().filter(|b| !is_null(b)).cloned().collect();
    object.remove(keyword);
    object.insert("nullable".into(), Value::Bool(true));
    if rest.len() != 1 {
        object.insert(keyword.into(), Value::Array(rest));
        return;
    }
    match rest.swap_remove(0) {
        Value::Object(single) if single.contains_key("$ref") => {
            object.insert("allOf".into(), json!([Value::Object(single)]));
        }
        Value::Object(single) => {
            for (key, value) in single {
                object.entry(key).or_insert(value);
            }
        }
        other => {
            object.insert(keyword.into(), json!([other]));
        }
    }
}

fn convert_children(object: &mut Map<String, Value>, pointer: &str, findings: &mut Findings) {
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        let base = child(pointer, "properties");
        for (name, property) in properties.iter_mut() {
            convert(property, &child(&base, name), findings);
        }
    }
    for keyword in ["items", "additionalProperties", "not"] {
        if let Some(value) = object.get_mut(keyword).filter(|v| v.is_object()) {
            convert(value, &child(pointer, keyword), findings);
        }
    }
    for keyword in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = object.get_mut(keyword) {
            let base = child(pointer, keyword);
            for (index, branch) in branches.iter_mut().enumerate() {
                convert(branch, &child(&base, &index.to_string()), findings);
            }
        }
    }
}

/// OpenAPI 3.0 ignores every keyword beside `$ref`. A `title` there is noise; anything
/// else (a description, a default) is kept by wrapping the reference in `allOf`.
fn fold_ref_siblings(object: &mut Map<String, Value>, _pointer: &str) {
    if !object.contains_key("$ref") {
        return;
    }
    object.remove("title");
    if object.len() == 1 {
        return;
    }
    let reference = object.remove("$ref").unwrap_or_default();
    object.insert("allOf".into(), json!([{"$ref": reference}]));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(mut schema: Value) -> (Value, Findings) {
        let mut findings = Findings::default();
        convert(&mut schema, "#", &mut findings);
        (schema, findings)
    }

    #[test]
    fn optional_scalar_becomes_nullable() {
        let (out, findings) = run(
            json!({"anyOf": [{"type": "string", "format": "uuid"}, {"type": "null"}], "title": "X"}),
        );
        assert_eq!(
            out,
            json!({"type": "string", "format": "uuid", "nullable": true, "title": "X"})
        );
        assert!(findings.warnings.is_empty());
    }

    #[test]
    fn optional_reference_wraps_in_all_of() {
        let (out, _) = run(
            json!({"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}], "description": "d"}),
        );
        assert_eq!(
            out,
            json!({"description": "d", "nullable": true, "allOf": [{"$ref": "#/components/schemas/A"}]})
        );
    }

    #[test]
    fn one_of_with_null_keeps_other_branches() {
        let (out, _) =
            run(json!({"oneOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]}));
        assert_eq!(
            out,
            json!({"nullable": true, "oneOf": [{"type": "integer"}, {"type": "string"}]})
        );
    }

    #[test]
    fn type_array_becomes_nullable_type() {
        let (out, _) = run(json!({"type": ["integer", "null"]}));
        assert_eq!(out, json!({"type": "integer", "nullable": true}));
        let (out, _) = run(json!({"type": ["integer", "string"]}));
        assert_eq!(
            out,
            json!({"anyOf": [{"type": "integer"}, {"type": "string"}]})
        );
    }

    #[test]
    fn type_array_of_non_strings_is_rejected() {
        let (_, findings) = run(json!({"type": ["integer", 3]}));
        assert_eq!(findings.errors.len(), 1);
        assert_eq!(findings.errors[0].pointer, "#/type");
    }

    #[test]
    fn const_becomes_single_enum() {
        let (out, _) = run(json!({"const": "delta"}));
        assert_eq!(out, json!({"enum": ["delta"]}));
    }

    #[test]
    fn examples_keep_first_and_warn() {
        let (out, findings) = run(json!({"type": "string", "examples": ["a", "b"]}));
        assert_eq!(out, json!({"type": "string", "example": "a"}));
        assert_eq!(findings.warnings.len(), 1);
        assert_eq!(findings.warnings[0].pointer, "#/examples");
        let (out, findings) = run(json!({"type": "string", "examples": ["only"]}));
        assert_eq!(out["example"], "only");
        assert!(findings.warnings.is_empty());
    }

    #[test]
    fn numeric_exclusive_bounds_become_booleans() {
        let (out, _) =
            run(json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10}));
        assert_eq!(
            out,
            json!({"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 10, "exclusiveMaximum": true})
        );
    }

    #[test]
    fn dialect_keywords_are_dropped() {
        let (out, findings) = run(
            json!({"$schema": "x", "$id": "y", "type": "string", "contentMediaType": "image/png"}),
        );
        assert_eq!(out, json!({"type": "string"}));
        assert_eq!(findings.warnings.len(), 1);
    }

    #[test]
    fn unsupported_keywords_are_rejected_with_pointer() {
        let (_, findings) =
            run(json!({"properties": {"p": {"prefixItems": [{"type": "string"}]}}}));
        assert_eq!(findings.errors.len(), 1);
        assert_eq!(findings.errors[0].pointer, "#/properties/p/prefixItems");
        assert!(
            findings.errors[0]
                .message
                .contains("array of one item schema")
        );
    }

    #[test]
    fn boolean_schema_is_rejected() {
        let (_, findings) = run(json!({"properties": {"p": true}}));
        assert_eq!(findings.errors[0].pointer, "#/properties/p");
    }

    #[test]
    fn reference_siblings_fold_into_all_of() {
        let (out, _) = run(json!({"$ref": "#/components/schemas/A", "title": "T"}));
        assert_eq!(out, json!({"$ref": "#/components/schemas/A"}));
        let (out, _) = run(json!({"$ref": "#/components/schemas/A", "default": "x"}));
        assert_eq!(
            out,
            json!({"default": "x", "allOf": [{"$ref": "#/components/schemas/A"}]})
        );
    }

    #[test]
    fn nested_schemas_are_converted() {
        let (out, _) = run(
            json!({"type": "object", "properties": {"a": {"items": {"type": ["string", "null"]}, "type": "array"}}}),
        );
        assert_eq!(
            out["properties"]["a"]["items"],
            json!({"type": "string", "nullable": true})
        );
    }

    #[test]
    fn decimal_strings_become_money() {
        let (out, findings) =
            run(json!({"type": "string", "pattern": "^-?\\d+\\.\\d{2}$", "description": "d"}));
        assert_eq!(
            out,
            json!({"description": "d", "allOf": [{"$ref": "#/components/schemas/Money"}]})
        );
        assert!(findings.warnings.is_empty());
        let (out, _) = run(
            json!({"anyOf": [{"type": "number"}, {"type": "string", "pattern": "^-?\\d+(\\.\\d+)?$"}], "title": "Price"}),
        );
        assert_eq!(out, json!({"$ref": "#/components/schemas/Money"}));
        let (out, _) = run(json!({"type": "string", "format": "decimal"}));
        assert_eq!(out, json!({"$ref": "#/components/schemas/Money"}));
    }

    #[test]
    fn string_limits_are_dropped_with_warning() {
        let (out, findings) =
            run(json!({"type": "string", "maxLength": 200, "pattern": "^[a-z]+$"}));
        assert_eq!(out, json!({"type": "string"}));
        assert_eq!(findings.warnings.len(), 2);
    }

    #[test]
    fn bare_null_type_becomes_null_enum() {
        let (out, _) = run(json!({"type": "null"}));
        assert_eq!(out, json!({"nullable": true, "enum": [null]}));
    }
}
