//! Server-Sent Events: the [`Decoder`] of the `text/event-stream` format.

mod decoder;

pub use decoder::{DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_LINE_BYTES, DecodeError, Decoder, Event};
