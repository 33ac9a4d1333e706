//! Breaking-change report between two versions of the platform's spec, computed on the
//! normalized form so that FastAPI's generated names compare as the SDK spells them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Value, json};

use crate::diagnostic::child;
use crate::normalize::Normalized;
use crate::operations::{DataShape, Operation, Success};
use crate::schema_diff::SchemaWalk;

/// Which side of the exchange a change affects. A change means different things for
/// what callers send and for what they read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// The operation or type as a whole: its method, path or name.
    Surface,
    /// What callers send: parameters and request bodies.
    Request,
    /// What callers read: response bodies.
    Response,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Surface => "surface",
            Self::Request => "request",
            Self::Response => "response",
        })
    }
}

/// One difference between the old and the new document.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// Whether code written against the old client can stop compiling or working.
    pub breaking: bool,
    /// Stable identifier of the kind of change, such as `field-removed`, for tools.
    pub kind: &'static str,
    /// The side of the exchange the change affects.
    pub side: Side,
    /// What changed: `GET /api/v1/wallet (get_wallet)`, `CapabilityOut.price`, or
    /// `create_transaction query parameter page`.
    pub location: String,
    /// What happened, and for a breaking change what it means for callers.
    pub message: String,
    /// Clean names of the operations whose requests or responses reach the location.
    pub operations: BTreeSet<String>,
}

/// Every change between two documents, breaking changes first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiffReport {
    /// The changes, breaking first, then by side and location.
    pub changes: Vec<Change>,
}

impl DiffReport {
    /// Whether any change breaks code written against the old client.
    pub fn is_breaking(&self) -> bool {
        self.changes.iter().any(|c| c.breaking)
    }

    /// Counts the breaking and the non-breaking changes.
    pub fn counts(&self) -> (usize, usize) {
        let breaking = self.changes.iter().filter(|c| c.breaking).count();
        (breaking, self.changes.len() - breaking)
    }

    /// Renders the report as plain text for a terminal, ending with a summary line.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let (breaking, additive) = self.counts();
        for (title, wanted, count) in [
            ("Breaking changes", true, breaking),
            ("Non-breaking changes", false, additive),
        ] {
            if count == 0 {
                continue;
            }
            out.push_str(&format!("{title} ({count}):\n"));
            for change in self.changes.iter().filter(|c| c.breaking == wanted) {
                out.push_str(&render_change(change));
            }
            out.push('\n');
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// Returns one line saying how many changes break and how many do not.
    pub fn summary(&self) -> String {
        match self.counts() {
            (0, 0) => "No changes to operations or types.".to_owned(),
            (0, additive) => format!("Nothing breaks; {additive} non-breaking change(s)."),
            (breaking, additive) => {
                format!("{breaking} breaking and {additive} non-breaking change(s).")
            }
        }
    }

    /// Returns the report as JSON for tools: counts and every change with its fields.
    pub fn to_json(&self) -> Value {
        let (breaking, additive) = self.counts();
        let changes: Vec<Value> = self
            .changes
            .iter()
            .map(|c| {
                json!({
                    "breaking": c.breaking,
                    "kind": c.kind,
                    "side": c.side.to_string(),
                    "location": c.location,
                    "message": c.message,
                    "operations": c.operations,
                })
            })
            .collect();
        json!({"breaking": breaking, "non_breaking": additive, "changes": changes})
    }
}

fn render_change(change: &Change) -> String {
    let mut line = format!(
        "  [{}] {}: {}\n",
        change.side, change.location, change.message
    );
    let own = change.operations.len() == 1
        && change
            .operations
            .iter()
            .all(|name| change.location.contains(name.as_str()));
    if !change.operations.is_empty() && !own {
        let names: Vec<&str> = change.operations.iter().map(String::as_str).collect();
        line.push_str(&format!("      used by: {}\n", names.join(", ")));
    }
    line
}

/// Compares two normalized documents and lists what changed for the SDK's callers.
///
/// Operations are matched by method and path, and then by clean name to find moved
/// ones. Request bodies, parameters and response data are compared schema by schema,
/// following references, each on its own side: a new required request field breaks
/// callers, a new response field does not, and a new enum value in a response does not
/// either, because the generated enums keep unknown values in `Unknown(String)`.
pub fn diff(old: &Normalized, new: &Normalized) -> DiffReport {
    let mut collector = Collector::default();
    compare_operations(old, new, &mut collector);
    compare_type_names(old, new, &mut collector);
    collector.finish()
}

/// Changes keyed by everything but the operations, so that one schema change reached
/// from several operations is listed once.
#[derive(Default)]
pub(crate) struct Collector {
    changes: BTreeMap<(bool, Side, String, &'static str, String), BTreeSet<String>>,
}

impl Collector {
    pub(crate) fn add(
        &mut self,
        change: (bool, &'static str, Side, String, String),
        operation: Option<&str>,
    ) {
        let (breaking, kind, side, location, message) = change;
        let key = (!breaking, side, location, kind, message);
        let operations = self.changes.entry(key).or_default();
        operations.extend(operation.map(str::to_owned));
    }

    fn finish(self) -> DiffReport {
        let changes = self
            .changes
            .into_iter()
            .map(
                |((not_breaking, side, location, kind, message), operations)| Change {
                    breaking: !not_breaking,
                    kind,
                    side,
                    location,
                    message,
                    operations,
                },
            )
            .collect();
        DiffReport { changes }
    }
}

fn operation_label(operation: &Operation) -> String {
    format!(
        "{} {} ({})",
        operation.method, operation.path, operation.name
    )
}

fn compare_operations(old: &Normalized, new: &Normalized, out: &mut Collector) {
    let key = |o: &Operation| (o.method.clone(), o.path.clone());
    let new_by_key: BTreeMap<_, &Operation> = new.operations.iter().map(|o| (key(o), o)).collect();
    let old_keys: BTreeSet<_> = old.operations.iter().map(key).collect();
    let mut unmatched_new: Vec<&Operation> = new
        .operations
        .iter()
        .filter(|o| !old_keys.contains(&key(o)))
        .collect();
    for before in &old.operations {
        if let Some(after) = new_by_key.get(&key(before)) {
            compare_identity(before, after, out);
            compare_pair(before, after, old, new, out);
        } else if let Some(index) = unmatched_new.iter().position(|o| o.name == before.name) {
            let after = unmatched_new.remove(index);
            report_moved(before, after, out);
            compare_pair(before, after, old, new, out);
        } else {
            out.add(
                (
                    true,
                    "operation-removed",
                    Side::Surface,
                    operation_label(before),
                    format!("operation removed: the `{}` method is gone", before.name),
                ),
                Some(&before.name),
            );
        }
    }
    for added in unmatched_new {
        out.add(
            (
                false,
                "operation-added",
                Side::Surface,
                operation_label(added),
                format!("operation added as the `{}` method", added.name),
            ),
            Some(&added.name),
        );
    }
}

fn compare_identity(before: &Operation, after: &Operation, out: &mut Collector) {
    if before.name != after.name {
        out.add(
            (
                true,
                "operation-renamed",
                Side::Surface,
                operation_label(after),
                format!(
                    "operation renamed: the method `{}` is now `{}` (operationId {:?} was {:?})",
                    before.name, after.name, after.original_id, before.original_id
                ),
            ),
            Some(&after.name),
        );
    } else if before.original_id != after.original_id {
        out.add(
            (
                false,
                "operation-id-changed",
                Side::Surface,
                operation_label(after),
                format!(
                    "operationId changed from {:?} to {:?}; the method name stays `{}`",
                    before.original_id, after.original_id, after.name
                ),
            ),
            Some(&after.name),
        );
    }
}

fn report_moved(before: &Operation, after: &Operation, out: &mut Collector) {
    out.add(
        (
            true,
            "operation-renamed",
            Side::Surface,
            operation_label(after),
            format!(
                "operation moved from {} {}: the method keeps its name, but clients built on the old spec call a path the server no longer serves",
                before.method, before.path
            ),
        ),
        Some(&after.name),
    );
}

/// Compares parameters, request body and success response of one matched operation.
fn compare_pair(
    before: &Operation,
    after: &Operation,
    old: &Normalized,
    new: &Normalized,
    out: &mut Collector,
) {
    let old_op = operation_object(&old.document, before);
    let new_op = operation_object(&new.document, after);
    let mut walk = SchemaWalk::new(&old.document, &new.document, &after.name, out);
    walk.parameters(old_op, new_op);
    walk.request_body(old_op, new_op);
    compare_success(&before.success, &after.success, &mut walk);
}

fn operation_object<'a>(document: &'a Value, operation: &Operation) -> &'a Value {
    let pointer = child(
        &child("/paths", &operation.path),
        &operation.method.to_ascii_lowercase(),
    );
    document.pointer(&pointer).unwrap_or(&Value::Null)
}

fn compare_success(before: &Success, after: &Success, walk: &mut SchemaWalk<'_, '_>) {
    match (before, after) {
        (Success::Envelope { data: old, .. }, Success::Envelope { data: new, .. }) => {
            if old != new {
                walk.report(
                    true,
                    "envelope-changed",
                    Side::Response,
                    format!("{} response data", walk.operation()),
                    format!(
                        "the envelope's `data` changed from {} to {}: `call()` returns a different type",
                        shape_name(old),
                        shape_name(new)
                    ),
                );
            } else if let DataShape::Named(name) | DataShape::ListOf(name) = new {
                walk.component(name, name, Side::Response);
            }
        }
        (Success::Json { type_name: old }, Success::Json { type_name: new }) if old == new => {
            walk.component(old, new, Side::Response);
        }
        _ if before != after => walk.report(
            true,
            "response-changed",
            Side::Response,
            format!("{} response", walk.operation()),
            format!(
                "the success response changed from {} to {}",
                success_name(before),
                success_name(after)
            ),
        ),
        _ => {}
    }
}

fn shape_name(shape: &DataShape) -> String {
    match shape {
        DataShape::Named(name) => format!("`{name}`"),
        DataShape::ListOf(name) => format!("a list of `{name}`"),
        DataShape::Any => "any JSON value".to_owned(),
        DataShape::Null => "null".to_owned(),
    }
}

fn success_name(success: &Success) -> String {
    match success {
        Success::Envelope { data, .. } => format!("an envelope of {}", shape_name(data)),
        Success::Json { type_name } => format!("bare JSON `{type_name}`"),
        Success::EventStream => "an event stream".to_owned(),
        Success::Raw => "raw bytes".to_owned(),
        Success::Empty => "no body".to_owned(),
    }
}

/// Lists schema components that appeared or disappeared: each is a type of the
/// generated `types` module.
fn compare_type_names(old: &Normalized, new: &Normalized, out: &mut Collector) {
    let names = |n: &Normalized| -> BTreeSet<String> {
        n.document
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|s| s.keys().cloned().collect())
            .unwrap_or_default()
    };
    let (before, after) = (names(old), names(new));
    for removed in before.difference(&after) {
        out.add(
            (
                true,
                "type-removed",
                Side::Surface,
                format!("types::{removed}"),
                "type removed from the generated `types` module".to_owned(),
            ),
            None,
        );
    }
    for added in after.difference(&before) {
        out.add(
            (
                false,
                "type-added",
                Side::Surface,
                format!("types::{added}"),
                "type added to the generated `types` module".to_owned(),
            ),
            None,
        );
    }
}
