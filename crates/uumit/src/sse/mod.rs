//! Server-Sent Events: the [`Decoder`] of the `text/event-stream` format, and
//! [`EventStream`], which reads one over HTTP and reconnects.

mod decoder;
mod stream;

pub use decoder::{DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_LINE_BYTES, DecodeError, Decoder, Event};
pub use stream::{EventStream, Resume, StreamOptions, StreamRequest};
pub(crate) use stream::{connect_error, is_event_stream, read_limited, refused};
