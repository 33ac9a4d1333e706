//! Shared by the examples: a client for `UUMIT_BASE_URL` when it is set, otherwise for a
//! local emulator started in-process.

/// The client, and the emulator it talks to when one was started (keep it alive).
pub async fn connect() -> uumit::Result<(uumit::Client, Option<uumit_mock::MockServer>)> {
    if std::env::var_os("UUMIT_BASE_URL").is_some() {
        return Ok((uumit::Client::from_env()?, None));
    }
    let server = uumit_mock::start(uumit_mock::MockConfig::default())
        .await
        .expect("the local emulator should bind a loopback port");
    let demo = server.demo_user();
    let client = uumit::Client::builder()
        .base_url(server.base_url())
        .credentials(demo.api_key, demo.user_id)
        .build()?;
    Ok((client, Some(server)))
}
