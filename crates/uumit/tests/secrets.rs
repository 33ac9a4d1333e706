//! The API key never shows: not in logs at TRACE, not in `Debug` of public types, not in
//! error messages.

use std::io::Write;
use std::sync::{Arc, Mutex};

use uumit::prelude::*;
use uumit::{CallOptions, Client, types};

const KEY: &str = "sk-very-secret-key-0123456789";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn key_never_in_logs_debug_or_errors() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = uumit_mock::start(uumit_mock::MockConfig::default())
        .await
        .unwrap();
    let demo = server.demo_user();
    let good = Client::builder()
        .base_url(server.base_url())
        .credentials(&demo.api_key, &demo.user_id)
        .build()
        .unwrap();
    let bad = Client::builder()
        .base_url(server.base_url())
        .credentials(KEY, &demo.user_id)
        .build()
        .unwrap();

    let mut texts = vec![format!("{good:?}"), format!("{bad:?}")];
    let wallet = good
        .get_wallet()
        .call_with(CallOptions::new())
        .await
        .unwrap();
    texts.push(format!("{wallet:?}"));
    let error = bad.get_wallet().call().await.unwrap_err();
    texts.push(format!("{error} {error:?}"));
    let body = types::TransactionCreate::builder().capability_id(uuid::Uuid::nil());
    let error = bad
        .create_transaction()
        .body(body)
        .call()
        .await
        .unwrap_err();
    texts.push(format!("{error} {error:?}"));
    let error = Client::builder()
        .base_url("http://example.test")
        .credentials(KEY, "u")
        .build()
        .unwrap_err();
    texts.push(format!("{error} {error:?}"));
    let key = uumit::ApiKey::new(KEY);
    texts.push(format!("{key} {key:?}"));
    let builder = Client::builder().credentials(KEY, "u");
    texts.push(format!("{builder:?}"));

    let logs = captured.text();
    assert!(
        logs.contains("http exchange"),
        "no exchange was logged:\n{logs}"
    );
    assert!(!logs.contains(KEY), "the key is in the logs:\n{logs}");
    assert!(!logs.contains(&demo.api_key), "the demo key is in the logs");
    for text in texts {
        assert!(!text.contains(KEY), "the key is in {text}");
        assert!(!text.contains(&demo.api_key), "the demo key is in {text}");
    }
}
