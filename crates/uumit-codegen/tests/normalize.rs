//! Document-level rewrites and rejections of the normalizer, one construct per test.

use serde_json::{Value, json};
use uumit_codegen::{DataShape, Paging, ParameterLocation, Success, normalize};

/// A FastAPI-style document with one operation; `operation` replaces its body.
fn document(path: &str, method: &str, operation: Value, schemas: Value) -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {path: {method: operation}},
        "components": {"schemas": schemas},
    })
}

fn envelope(title: &str, data: Value) -> Value {
    json!({
        "title": title,
        "type": "object",
        "properties": {
            "code": {"type": "integer", "default": 0},
            "message": {"type": "string"},
            "data": data,
            "timestamp": {"type": "integer"},
        },
        "required": ["timestamp"],
    })
}

fn ok(schema: &str) -> Value {
    json!({"description": "ok", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

fn widget() -> Value {
    json!({"title": "Widget", "type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]})
}

fn simple(operation: Value) -> Value {
    let schemas = json!({
        "ApiResponse_Widget_": envelope("ApiResponse[Widget]", json!({"anyOf": [{"$ref": "#/components/schemas/Widget"}, {"type": "null"}]})),
        "Widget": widget(),
    });
    document("/api/v1/widgets", "get", operation, schemas)
}

fn rejection_pointers(spec: &Value) -> Vec<String> {
    normalize(spec)
        .unwrap_err()
        .errors
        .into_iter()
        .map(|e| e.pointer)
        .collect()
}

#[test]
fn fastapi_document_normalizes() {
    let spec = simple(
        json!({"operationId": "list_widgets_api_v1_widgets_get", "responses": {"200": ok("ApiResponse_Widget_")}}),
    );
    let normalized = normalize(&spec).unwrap();
    assert_eq!(normalized.document["openapi"], "3.0.3");
    let operation = &normalized.operations[0];
    assert_eq!(operation.name, "list_widgets");
    assert_eq!(
        operation.success,
        Success::Envelope {
            envelope: "WidgetResponse".into(),
            data: DataShape::Named("Widget".into())
        }
    );
    let data =
        &normalized.document["components"]["schemas"]["WidgetResponse"]["properties"]["data"];
    assert_eq!(data, &json!({"$ref": "#/components/schemas/Widget"}));
}

#[test]
fn cookie_parameter_is_rejected() {
    let spec = simple(json!({
        "operationId": "x",
        "parameters": [{"name": "session", "in": "cookie", "schema": {"type": "string"}}],
        "responses": {"200": ok("ApiResponse_Widget_")},
    }));
    let errors = normalize(&spec).unwrap_err().errors;
    assert_eq!(
        errors[0].pointer,
        "/paths/~1api~1v1~1widgets/get/parameters"
    );
    assert!(
        errors[0].message.contains("cookie parameter `session`"),
        "{}",
        errors[0].message
    );
}

#[test]
fn unsupported_style_is_rejected() {
    let spec = simple(json!({
        "operationId": "x",
        "parameters": [{"name": "filter", "in": "query", "style": "deepObject", "schema": {"type": "object"}}],
        "responses": {"200": ok("ApiResponse_Widget_")},
    }));
    assert_eq!(
        rejection_pointers(&spec),
        ["/paths/~1api~1v1~1widgets/get/parameters/0/style"]
    );
}

#[test]
fn parameter_content_is_rejected() {
    let spec = simple(json!({
        "operationId": "x",
        "parameters": [{"name": "q", "in": "query", "content": {"application/json": {"schema": {}}}}],
        "responses": {"200": ok("ApiResponse_Widget_")},
    }));
    assert_eq!(
        rejection_pointers(&spec),
        ["/paths/~1api~1v1~1widgets/get/parameters/0/content"]
    );
}

#[test]
fn several_success_bodies_are_rejected() {
    let spec = simple(json!({
        "operationId": "x",
        "responses": {"200": ok("ApiResponse_Widget_"), "201": ok("Widget")},
    }));
    let errors = normalize(&spec).unwrap_err().errors;
    assert!(
        errors[0].message.contains("200, 201"),
        "{}",
        errors[0].message
    );
}

#[test]
fn identical_success_bodies_are_accepted() {
    let spec = simple(json!({
        "operationId": "x",
        "responses": {"200": ok("ApiResponse_Widget_"), "201": ok("ApiResponse_Widget_")},
    }));
    assert!(normalize(&spec).is_ok());
}

#[test]
fn inline_response_schema_is_rejected() {
    let spec = simple(json!({
        "operationId": "x",
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}},
    }));
    assert_eq!(
        rejection_pointers(&spec),
        ["/paths/~1api~1v1~1widgets/get/responses/200/content/application~1json/schema"]
    );
}

#[test]
fn references_to_parameters_and_responses_are_rejected() {
    let spec = simple(json!({
        "operationId": "x",
        "parameters": [{"$ref": "#/components/parameters/Page"}],
        "responses": {"200": {"$ref": "#/components/responses/Ok"}},
    }));
    let pointers = rejection_pointers(&spec);
    assert!(
        pointers.contains(&"/paths/~1api~1v1~1widgets/get/parameters/0".to_owned()),
        "{pointers:?}"
    );
    assert!(
        pointers.contains(&"/paths/~1api~1v1~1widgets/get/responses/200".to_owned()),
        "{pointers:?}"
    );
}

#[test]
fn missing_operation_id_is_rejected() {
    let spec = simple(json!({"responses": {"200": ok("ApiResponse_Widget_")}}));
    assert_eq!(
        rejection_pointers(&spec),
        ["/paths/~1api~1v1~1widgets/get/operationId"]
    );
}

#[test]
fn clean_name_collision_is_rejected() {
    let mut spec = simple(
        json!({"operationId": "list_widgets_api_v1_widgets_get", "responses": {"200": ok("ApiResponse_Widget_")}}),
    );
    spec["paths"]["/api/v2/widgets"] = json!({"get": {"operationId": "list_widgets_api_v2_widgets_get", "responses": {"200": ok("ApiResponse_Widget_")}}});
    let errors = normalize(&spec).unwrap_err().errors;
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].message.contains("clean name `list_widgets`"),
        "{}",
        errors[0].message
    );
}

#[test]
fn schema_name_collision_is_rejected() {
    let schemas = json!({
        "Widget": widget(),
        "widget": widget(),
        "ApiResponse_Widget_": envelope("ApiResponse[Widget]", json!({"$ref": "#/components/schemas/Widget"})),
    });
    let spec = document(
        "/w",
        "get",
        json!({"operationId": "x", "responses": {"200": ok("ApiResponse_Widget_")}}),
        schemas,
    );
    let errors = normalize(&spec).unwrap_err().errors;
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("readable name Widget")),
        "{errors:?}"
    );
}

#[test]
fn dangling_and_external_refs_are_rejected() {
    let schemas = json!({
        "Widget": {"title": "Widget", "type": "object", "properties": {
            "a": {"$ref": "#/components/schemas/Missing"},
            "b": {"$ref": "https://example.test/schema.json"},
        }},
        "ApiResponse_Widget_": envelope("ApiResponse[Widget]", json!({"$ref": "#/components/schemas/Widget"})),
    });
    let spec = document(
        "/w",
        "get",
        json!({"operationId": "x", "responses": {"200": ok("ApiResponse_Widget_")}}),
        schemas,
    );
    let errors = normalize(&spec).unwrap_err().errors;
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().any(|e| e.message.contains("names no schema")));
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("points outside this document"))
    );
}

#[test]
fn unsupported_version_is_rejected() {
    let mut spec =
        simple(json!({"operationId": "x", "responses": {"200": ok("ApiResponse_Widget_")}}));
    spec["openapi"] = json!("2.0");
    assert_eq!(rejection_pointers(&spec), ["/openapi"]);
}

#[test]
fn colliding_parameter_names_keep_first_with_warning() {
    let spec = simple(json!({
        "operationId": "x",
        "parameters": [
            {"name": "last_event_id", "in": "query", "schema": {"type": "string"}},
            {"name": "Last-Event-ID", "in": "header", "schema": {"type": "string"}},
        ],
        "responses": {"200": ok("ApiResponse_Widget_")},
    }));
    let normalized = normalize(&spec).unwrap();
    assert_eq!(normalized.operations[0].parameters.len(), 1);
    assert_eq!(
        normalized.operations[0].parameters[0].location,
        ParameterLocation::Query
    );
    assert!(
        normalized
            .warnings
            .iter()
            .any(|w| w.message.contains("Last-Event-ID"))
    );
}

#[test]
fn extra_media_types_are_dropped_with_warning() {
    let spec = simple(json!({
        "operationId": "x",
        "requestBody": {"content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Widget"}},
            "application/xml": {"schema": {"$ref": "#/components/schemas/Widget"}},
        }},
        "responses": {"200": ok("ApiResponse_Widget_")},
    }));
    let normalized = normalize(&spec).unwrap();
    assert_eq!(normalized.operations[0].body.as_deref(), Some("Widget"));
    assert!(
        normalized
            .warnings
            .iter()
            .any(|w| w.message.contains("application/xml"))
    );
}

#[test]
fn inline_enums_are_hoisted_and_open() {
    let schemas = json!({
        "Widget": {"title": "Widget", "type": "object", "properties": {
            "state": {"type": "string", "enum": ["on", "off"], "title": "State", "default": "on"},
        }},
        "ApiResponse_Widget_": envelope("ApiResponse[Widget]", json!({"$ref": "#/components/schemas/Widget"})),
    });
    let spec = document(
        "/w",
        "get",
        json!({"operationId": "x", "responses": {"200": ok("ApiResponse_Widget_")}}),
        schemas,
    );
    let normalized = normalize(&spec).unwrap();
    assert_eq!(normalized.open_enums["WidgetState"], ["on", "off"]);
    let property = &normalized.document["components"]["schemas"]["Widget"]["properties"]["state"];
    assert_eq!(
        property["allOf"][0]["$ref"],
        "#/components/schemas/WidgetState"
    );
    assert_eq!(property["default"], "on");
}

#[test]
fn enum_values_with_same_variant_are_rejected() {
    let schemas = json!({
        "Mode": {"title": "Mode", "type": "string", "enum": ["in-progress", "in_progress"]},
        "ApiResponse_Mode_": envelope("ApiResponse[Mode]", json!({"$ref": "#/components/schemas/Mode"})),
    });
    let spec = document(
        "/w",
        "get",
        json!({"operationId": "x", "responses": {"200": ok("ApiResponse_Mode_")}}),
        schemas,
    );
    let errors = normalize(&spec).unwrap_err().errors;
    assert!(errors[0].message.contains("InProgress"), "{errors:?}");
}

#[test]
fn paging_is_detected_for_page_and_cursor_lists() {
    let page = json!({"title": "PagedData[Widget]", "type": "object", "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Widget"}},
        "total": {"type": "integer"}, "page": {"type": "integer"}, "page_size": {"type": "integer"}, "has_more": {"type": "boolean"},
    }});
    let cursor = json!({"title": "CursorPage[Widget]", "type": "object", "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Widget"}},
        "next_cursor": {"anyOf": [{"type": "string"}, {"type": "null"}]}, "has_more": {"type": "boolean"},
    }});
    let schemas = json!({
        "Widget": widget(),
        "PagedData_Widget_": page,
        "CursorPage_Widget_": cursor,
        "ApiResponse_PagedData_Widget__": envelope("ApiResponse[PagedData[Widget]]", json!({"$ref": "#/components/schemas/PagedData_Widget_"})),
        "ApiResponse_CursorPage_Widget__": envelope("ApiResponse[CursorPage[Widget]]", json!({"$ref": "#/components/schemas/CursorPage_Widget_"})),
    });
    let query = |name: &str| json!({"name": name, "in": "query", "schema": {"type": "string"}});
    let mut spec = document(
        "/pages",
        "get",
        json!({
            "operationId": "pages", "parameters": [query("page"), query("page_size")],
            "responses": {"200": ok("ApiResponse_PagedData_Widget__")},
        }),
        schemas,
    );
    spec["paths"]["/feed"] = json!({"get": {
        "operationId": "feed", "parameters": [query("cursor"), query("page_size")],
        "responses": {"200": ok("ApiResponse_CursorPage_Widget__")},
    }});
    let operations = normalize(&spec).unwrap().operations;
    assert_eq!(
        operations[0].paging,
        Some(Paging::Page {
            item: "Widget".into()
        })
    );
    assert_eq!(
        operations[1].paging,
        Some(Paging::Cursor {
            item: "Widget".into()
        })
    );
}

#[test]
fn null_data_envelope_has_no_data_field() {
    let schemas = json!({"ApiResponse_NoneType_": envelope("ApiResponse[NoneType]", json!({"type": "null"}))});
    let spec = document(
        "/w/{id}",
        "delete",
        json!({
            "operationId": "x",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": {"200": ok("ApiResponse_NoneType_")},
        }),
        schemas,
    );
    let normalized = normalize(&spec).unwrap();
    assert_eq!(
        normalized.operations[0].success,
        Success::Envelope {
            envelope: "EmptyResponse".into(),
            data: DataShape::Null
        }
    );
    assert!(
        normalized.document["components"]["schemas"]["EmptyResponse"]["properties"]
            .get("data")
            .is_none()
    );
}
