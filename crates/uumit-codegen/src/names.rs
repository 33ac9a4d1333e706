//! Readable Rust names for FastAPI's generated operation ids and Pydantic's generic
//! schema names.

use heck::{ToPascalCase, ToSnakeCase};

/// Strips the path-and-method tail that FastAPI appends to a function name to build its
/// default operation id, and returns the function name in snake case.
///
/// FastAPI builds `{function}{path}_{method}` and replaces every non-word character
/// with `_`, so `list_capabilities` on `GET /api/v1/capabilities` becomes
/// `list_capabilities_api_v1_capabilities_get`. An id that does not end in that tail
/// (one a developer chose) is kept, converted to snake case.
///
/// ```
/// use uumit_codegen::clean_operation_name;
/// assert_eq!(
///     clean_operation_name("get_transaction_api_v1_transactions__tx_id__get", "/api/v1/transactions/{tx_id}", "get"),
///     "get_transaction",
/// );
/// assert_eq!(clean_operation_name("listWidgets", "/widgets", "get"), "list_widgets");
/// ```
pub fn clean_operation_name(operation_id: &str, path: &str, method: &str) -> String {
    let tail: String = path
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let suffix = format!("{tail}_{}", method.to_ascii_lowercase());
    match operation_id.strip_suffix(&suffix) {
        Some(function) if !function.is_empty() => function.to_snake_case(),
        _ => operation_id.to_snake_case(),
    }
}

/// Returns a readable type name for a schema component.
///
/// Pydantic names a generic model instance like `ApiResponse_PagedData_CapabilityOut__`
/// and puts the readable form, `ApiResponse[PagedData[CapabilityOut]]`, in its `title`.
/// The title is parsed and the generic wrappers become suffixes:
/// `CapabilityOutPageResponse`. Names without generics are converted to Pascal case, so
/// typify keeps them as they are.
///
/// ```
/// use uumit_codegen::readable_schema_name;
/// let name = readable_schema_name("ApiResponse_PagedData_CapabilityOut__", Some("ApiResponse[PagedData[CapabilityOut]]"));
/// assert_eq!(name, "CapabilityOutPageResponse");
/// assert_eq!(readable_schema_name("HTTPValidationError", Some("HTTPValidationError")), "HttpValidationError");
/// ```
pub fn readable_schema_name(key: &str, title: Option<&str>) -> String {
    match title.filter(|t| t.contains('[')).and_then(parse_generic) {
        Some(node) => render(&node).to_pascal_case(),
        None => key.to_pascal_case(),
    }
}

struct Node {
    name: String,
    args: Vec<Node>,
}

fn parse_generic(title: &str) -> Option<Node> {
    let mut chars = title.chars().filter(|c| !c.is_whitespace()).peekable();
    let node = parse_node(&mut chars)?;
    chars.next().is_none().then_some(node)
}

fn parse_node(chars: &mut std::iter::Peekable<impl Iterator<Item = char>>) -> Option<Node> {
    let mut name = String::new();
    while let Some(&c) = chars.peek() {
        if c == '[' || c == ']' || c == ',' {
            break;
        }
        name.push(c);
        chars.next();
    }
    if name.is_empty() {
        return None;
    }
    let mut args = Vec::new();
    if chars.peek() == Some(&'[') {
        chars.next();
        loop {
            args.push(parse_node(chars)?);
            match chars.next()? {
                ',' => continue,
                ']' => break,
                _ => return None,
            }
        }
    }
    Some(Node { name, args })
}

fn render(node: &Node) -> String {
    let inner = || node.args.iter().map(render).collect::<Vec<_>>().join("And");
    match node.name.as_str() {
        "NoneType" | "None" => "Empty".to_owned(),
        "Any" => "Value".to_owned(),
        "ApiResponse" | "APIResponse" => format!("{}Response", inner()),
        "PagedData" => format!("{}Page", inner()),
        "CursorPage" | "CursorPagedData" => format!("{}CursorPage", inner()),
        "list" | "List" | "Sequence" => format!("{}List", inner()),
        "dict" | "Dict" | "Mapping" => "Map".to_owned(),
        "Optional" => inner(),
        other if node.args.is_empty() => other.to_owned(),
        other => format!("{}{other}", inner()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_name_strips_fastapi_tail() {
        let cases = [
            (
                "list_capabilities_api_v1_capabilities_get",
                "/api/v1/capabilities",
                "get",
                "list_capabilities",
            ),
            (
                "freeze_transaction_api_v1_transactions__tx_id__freeze_post",
                "/api/v1/transactions/{tx_id}/freeze",
                "post",
                "freeze_transaction",
            ),
            (
                "list_data_apis_api_v1_data_marketplace__get",
                "/api/v1/data-marketplace/",
                "get",
                "list_data_apis",
            ),
            (
                "get_agent_card__well_known_agent_json_get",
                "/.well-known/agent.json",
                "get",
                "get_agent_card",
            ),
            ("CustomId", "/x", "get", "custom_id"),
            ("_api_v1_x_get", "/api/v1/x", "get", "api_v1_x_get"),
        ];
        for (id, path, method, expected) in cases {
            assert_eq!(clean_operation_name(id, path, method), expected, "{id}");
        }
    }

    #[test]
    fn schema_name_reads_pydantic_generics() {
        let cases = [
            (
                "ApiResponse_WalletOut_",
                "ApiResponse[WalletOut]",
                "WalletOutResponse",
            ),
            (
                "ApiResponse_NoneType_",
                "ApiResponse[NoneType]",
                "EmptyResponse",
            ),
            (
                "ApiResponse_list_SkillOut__",
                "ApiResponse[list[SkillOut]]",
                "SkillOutListResponse",
            ),
            (
                "ApiResponse_CursorPage_FeedItem__",
                "ApiResponse[CursorPage[FeedItem]]",
                "FeedItemCursorPageResponse",
            ),
            (
                "ApiResponse_dict_str__Any__",
                "ApiResponse[dict[str, Any]]",
                "MapResponse",
            ),
            ("Pair_A_B_", "Pair[A, B]", "AAndBPair"),
        ];
        for (key, title, expected) in cases {
            assert_eq!(readable_schema_name(key, Some(title)), expected, "{title}");
        }
    }

    #[test]
    fn schema_name_without_generic_title() {
        assert_eq!(
            readable_schema_name("WalletOut", Some("WalletOut")),
            "WalletOut"
        );
        assert_eq!(
            readable_schema_name("Body_upload_file", None),
            "BodyUploadFile"
        );
        assert_eq!(readable_schema_name("Broken_", Some("Broken[")), "Broken");
    }
}
