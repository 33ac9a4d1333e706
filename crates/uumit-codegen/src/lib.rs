//! Build-time support for the UUMit SDK: turns the platform's FastAPI-style OpenAPI 3.1
//! document into the OpenAPI 3.0 subset that progenitor accepts, and derives from it the
//! operation table that the facade's glue code is generated from.
//!
//! The entry point is [`normalize`]. It never drops information silently: every lossy
//! rewrite is reported as a [`Diagnostic`] in [`Normalized::warnings`], and anything it
//! cannot express is rejected with the JSON pointer of the offending value and a fix.
//!
//! ```
//! let spec = serde_json::json!({
//!     "openapi": "3.1.0",
//!     "info": {"title": "t", "version": "1"},
//!     "paths": {},
//! });
//! let normalized = uumit_codegen::normalize(&spec).unwrap();
//! assert_eq!(normalized.document["openapi"], "3.0.3");
//! ```

mod canonical;
mod diagnostic;
mod diff;
mod glue;
mod names;
mod normalize;
mod operations;
mod schema;
mod schema_diff;

pub use canonical::to_canonical_json;
pub use diagnostic::{Diagnostic, Rejected};
pub use diff::{Change, DiffReport, Side, diff};
pub use glue::{render_glue, render_open_enums, variant_name};
pub use names::{clean_operation_name, readable_schema_name};
pub use normalize::{Normalized, normalize};
pub use operations::{DataShape, Operation, Paging, Parameter, ParameterLocation, Success};
