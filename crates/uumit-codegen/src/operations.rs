//! The operation table derived from a normalized document: what the facade's glue, the
//! API-surface snapshot and the CLI's generic `api` command are built from.

use std::fmt;

/// One HTTP operation of the platform, as the generated client exposes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// Clean snake-case name; the generated client's method and builder are named after it.
    pub name: String,
    /// The operation id the source document gives.
    pub original_id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template, for example `/api/v1/transactions/{tx_id}`.
    pub path: String,
    /// Path, query and header parameters in document order.
    pub parameters: Vec<Parameter>,
    /// Type name of the JSON request body, if the operation takes one.
    pub body: Option<String>,
    /// Whether the body has an `idempotency_key` field that must carry the same key as
    /// the `Idempotency-Key` header.
    pub body_idempotency_key: bool,
    /// Whether the operation declares a security requirement.
    pub requires_auth: bool,
    /// What a successful response carries.
    pub success: Success,
    /// How the operation pages, if it returns a page of items.
    pub paging: Option<Paging>,
}

impl Operation {
    /// Whether the method changes state, so the call gets an idempotency key.
    pub fn is_mutating(&self) -> bool {
        matches!(self.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
    }

    /// Pascal-case name of the progenitor builder struct for this operation.
    pub fn builder_name(&self) -> String {
        heck::ToPascalCase::to_pascal_case(self.name.as_str())
    }
}

/// One parameter of an operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parameter {
    /// Name on the wire.
    pub name: String,
    /// Where the parameter goes.
    pub location: ParameterLocation,
    /// Whether the request is invalid without it.
    pub required: bool,
}

/// Where a parameter is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParameterLocation {
    /// A segment of the path template.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
}

impl fmt::Display for ParameterLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Path => "path",
            Self::Query => "query",
            Self::Header => "header",
        })
    }
}

/// The body of a successful response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Success {
    /// The platform's `{code, message, data, timestamp}` envelope.
    Envelope {
        /// Type name of the envelope component.
        envelope: String,
        /// What `data` holds.
        data: DataShape,
    },
    /// JSON that is not enveloped, such as an agent card.
    Json {
        /// Type name of the body.
        type_name: String,
    },
    /// A `text/event-stream` body, read by the facade's stream helpers.
    EventStream,
    /// Any other body, handed over as bytes.
    Raw,
    /// No body at all.
    Empty,
}

/// What an envelope's `data` holds on success.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataShape {
    /// A named component.
    Named(String),
    /// An array of a named component.
    ListOf(String),
    /// Any JSON value.
    Any,
    /// Always null.
    Null,
}

impl DataShape {
    /// The Rust type of the data as the generated `types` module spells it.
    pub fn rust_type(&self) -> String {
        match self {
            Self::Named(name) => format!("types::{name}"),
            Self::ListOf(name) => format!("::std::vec::Vec<types::{name}>"),
            Self::Any => "::serde_json::Value".to_owned(),
            Self::Null => "()".to_owned(),
        }
    }
}

/// How a list operation walks through its items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Paging {
    /// `page`/`page_size` query parameters and `PagedData {items, has_more, ...}`.
    Page {
        /// Type name of one item.
        item: String,
    },
    /// `cursor`/`page_size` query parameters and `{items, next_cursor, has_more}`.
    Cursor {
        /// Type name of one item.
        item: String,
    },
}
