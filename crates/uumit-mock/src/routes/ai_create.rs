//! `POST /api/v1/tasks/ai-create`: a task draft streamed as `delta` events, then `done`.

use std::time::Duration;

use axum::Router;
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::{Body422, Caller, Invalid};
use crate::protocols::sse;
use crate::server::AppState;

/// A description containing this text gets an `error` event (code 5001) instead of a
/// draft, so clients can test their error path.
const AI_ERROR_TRIGGER: &str = "[ai-error]";
/// Pause between deltas.
const DELTA_PAUSE: Duration = Duration::from_millis(5);

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/tasks/ai-create", post(ai_create))
}

#[derive(Deserialize)]
struct AiCreateBody {
    description: String,
}

async fn ai_create(
    Caller(_caller): Caller,
    Body422(body): Body422<AiCreateBody>,
) -> Result<axum::response::Response, axum::response::Response> {
    let description = body.description.trim().to_owned();
    if description.is_empty() {
        let loc = vec![json!("body"), json!("description")];
        return Err(Invalid::one(
            loc,
            "string_too_short",
            "String should have at least 1 character",
        )
        .into());
    }
    let frames = draft_frames(&description);
    let paced = futures::stream::unfold(frames.into_iter(), |mut frames| async move {
        let frame = frames.next()?;
        tokio::time::sleep(DELTA_PAUSE).await;
        Some((frame, frames))
    });
    Ok(sse::response(paced))
}

/// The events of one draft: the draft text word by word, then `done` or `error`.
fn draft_frames(description: &str) -> Vec<axum::body::Bytes> {
    let draft = draft(description);
    let text = format!(
        "{}\n\n{}",
        draft["title"].as_str().unwrap_or_default(),
        description
    );
    let mut frames: Vec<_> = text
        .split_inclusive(' ')
        .map(|word| sse::frame("delta", None, &json!({ "content": word })))
        .collect();
    if description.contains(AI_ERROR_TRIGGER) {
        let error = json!({"code": 5001, "message": "the AI service failed to draft the task"});
        frames.push(sse::frame("error", None, &error));
    } else {
        frames.push(sse::frame("done", None, &json!({ "draft": draft })));
    }
    frames
}

/// A task-create body built from the description: its first words as the title.
fn draft(description: &str) -> Value {
    let title: String = description
        .split_whitespace()
        .take(8)
        .collect::<Vec<_>>()
        .join(" ");
    let category = if description.to_lowercase().contains("translat") {
        "translation"
    } else {
        "general"
    };
    json!({
        "title": title,
        "description": description,
        "mode": "online",
        "billing_model": "fixed_deadline",
        "bounty_amount": "50.00",
        "bounty_currency": "UT",
        "delivery_hours": 24,
        "category": category,
        "tags": [category],
    })
}
