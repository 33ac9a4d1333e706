//! `POST /api/v1/tasks/ai-create`: a task draft written by the platform's AI, streamed.

use serde::Deserialize;

use crate::error::{Error, ErrorKind, Result};
use crate::sse::{EventStream, StreamOptions, StreamRequest};
use crate::types::TaskCreate;

/// Path of the drafting stream.
const AI_CREATE_PATH: &str = "/api/v1/tasks/ai-create";

/// An event of the drafting stream.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum DraftEvent {
    /// `delta`: the next piece of the draft text.
    Delta(String),
    /// `done`: the draft, a body ready for `create_task`. The stream ends after it.
    Done(Box<TaskCreate>),
}

/// The stream of [`Client::ai_create_task_stream`](crate::Client::ai_create_task_stream).
#[derive(Debug)]
pub struct DraftStream {
    events: EventStream,
    done: bool,
}

impl DraftStream {
    /// The next event; `Ok(None)` after `done`.
    ///
    /// # Errors
    ///
    /// An [`Api`](ErrorKind::Api) error with the platform's code (5001 for an AI
    /// service error) for an `error` event; a [`StreamEnded`](ErrorKind::StreamEnded)
    /// error when the stream ends before `done`; a [`Decode`](ErrorKind::Decode) error
    /// for an event whose data does not match its type.
    pub async fn next(&mut self) -> Result<Option<DraftEvent>> {
        while !self.done {
            let Some(event) = self.events.next().await else {
                return Err(Error::new(
                    ErrorKind::StreamEnded,
                    "the task draft stream ended before its `done` event",
                ));
            };
            let event = event?;
            match event.event.as_str() {
                "delta" => {
                    let delta: Delta = parse(&event.data, "delta")?;
                    return Ok(Some(DraftEvent::Delta(delta.content)));
                }
                "done" => {
                    self.done = true;
                    let done: Done = parse(&event.data, "done")?;
                    return Ok(Some(DraftEvent::Done(Box::new(done.draft))));
                }
                "error" => {
                    self.done = true;
                    let failure: Failure = parse(&event.data, "error")?;
                    return Err(Error::new(ErrorKind::Api, failure.message).with_code(failure.code));
                }
                other => tracing::debug!(event = other, "skipped an unknown draft event"),
            }
        }
        Ok(None)
    }

    /// Reads to the end and returns the draft.
    ///
    /// # Errors
    ///
    /// As [`next`](Self::next).
    pub async fn draft(mut self) -> Result<TaskCreate> {
        loop {
            match self.next().await? {
                Some(DraftEvent::Done(draft)) => return Ok(*draft),
                Some(DraftEvent::Delta(_)) => {}
                None => {
                    return Err(Error::new(
                        ErrorKind::StreamEnded,
                        "the task draft stream has already ended",
                    ));
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct Delta {
    content: String,
}

#[derive(Deserialize)]
struct Done {
    draft: TaskCreate,
}

#[derive(Deserialize)]
struct Failure {
    code: i64,
    message: String,
}

fn parse<T: serde::de::DeserializeOwned>(data: &str, event: &str) -> Result<T> {
    let mut deserializer = serde_json::Deserializer::from_str(data);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        Error::new(
            ErrorKind::Decode,
            format!("the `{event}` event's data does not match its shape"),
        )
        .with_decode_path(e.path().to_string())
        .with_body(data.as_bytes())
        .with_source(e.into_inner())
    })
}

impl crate::Client {
    /// Streams a task draft for `description`. Nothing is saved: create the task from
    /// the draft with `create_task`.
    ///
    /// ```no_run
    /// # async fn run(client: uumit::Client) -> uumit::Result<()> {
    /// use uumit::tasks_stream::DraftEvent;
    ///
    /// let mut stream = client.ai_create_task_stream("Translate a 10-page manual to German").await?;
    /// while let Some(event) = stream.next().await? {
    ///     match event {
    ///         DraftEvent::Delta(text) => print!("{text}"),
    ///         DraftEvent::Done(draft) => println!("\ndraft: {}", draft.title),
    ///         _ => {}
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// The platform's error when the request is refused (HTTP 401, 422, ...).
    pub async fn ai_create_task_stream(&self, description: &str) -> Result<DraftStream> {
        let body = serde_json::json!({ "description": description });
        let request = StreamRequest::post_json(AI_CREATE_PATH, &body)?;
        let options = StreamOptions::new().reconnect(false);
        let events = EventStream::open(self, request, options).await?;
        Ok(DraftStream {
            events,
            done: false,
        })
    }
}
