//! `uumit login`, `logout` and `whoami`: the device-authorization flow and the stored
//! profile it fills.

use std::time::{Duration, Instant};

use uumit::prelude::*;
use uumit::types;

use crate::failure::{Failure, Outcome};
use crate::output::{Progress, View};
use crate::profile::{self, Profile};
use crate::session::Session;

/// Options of `uumit login`.
#[derive(clap::Args, Debug)]
pub(crate) struct LoginArgs {
    /// Agent platform the key is for: openclaw, claude_desktop, cursor, hermes_agent or
    /// custom_mcp
    #[arg(long, default_value = "custom_mcp", value_name = "TYPE")]
    platform_type: String,
}

/// Starts a device authorization, waits for the user to approve it in the web app, and
/// stores the key in the profile.
pub(crate) async fn login(session: &Session, args: LoginArgs) -> Outcome {
    let base_url = session.base_url()?;
    let client = session.public_client()?;
    let request = types::DeviceAuthRequest::builder().agent_platform_type(&*args.platform_type);
    let started = client.start_device_auth().body(request).call().await?;
    eprintln!(
        "Open {} and enter the code {}",
        started.verification_url, started.user_code
    );
    eprintln!(
        "Waiting for approval (the code expires in {} s)...",
        started.expires_in
    );

    let approved = wait_for_approval(&client, &started).await?;
    let (Some(api_key), Some(user_id)) = (approved.api_key, approved.user_id) else {
        return Err(Failure::call(
            "the server approved the login but sent no api_key or user_id",
        ));
    };
    let user_id = user_id.to_string();
    let stored = Profile {
        base_url,
        api_key,
        user_id: user_id.clone(),
    };
    let path = profile::save(&session.args.profile, stored)?;
    session.out.note(format!(
        "Logged in as {user_id}; profile {:?} saved in {}",
        session.args.profile,
        path.display()
    ));
    if session.out.is_json() {
        let data = serde_json::json!({"user_id": user_id, "profile": session.args.profile});
        crate::output::print_json(&data)?;
    }
    Ok(())
}

/// Polls at the server's interval until the code is approved, denied or expired.
async fn wait_for_approval(
    client: &uumit::Client,
    started: &types::DeviceAuthResponse,
) -> Outcome<types::DeviceAuthPollResponse> {
    let interval = Duration::from_secs(started.interval.max(0).unsigned_abs());
    let deadline = Instant::now() + Duration::from_secs(started.expires_in.max(0).unsigned_abs());
    let mut progress = Progress::new();
    loop {
        let poll = types::DeviceAuthPollRequest::builder().device_code(&started.device_code);
        let reply = client.poll_device_auth().body(poll).call().await?;
        match reply.status.as_str() {
            "approved" => return Ok(reply),
            "denied" => return Err(ended("was denied in the web app")),
            "expired" => return Err(ended("expired before it was approved")),
            _ if Instant::now() >= deadline => return Err(ended("expired before it was approved")),
            _ => {}
        }
        let left = deadline.saturating_duration_since(Instant::now()).as_secs();
        progress.update(format!("waiting for approval, {left} s left"));
        tokio::time::sleep(interval).await;
    }
}

fn ended(how: &str) -> Failure {
    Failure::auth(format!("the login {how}")).hint("run `uumit login` again")
}

/// Forgets the stored credentials of the profile.
pub(crate) fn logout(session: &Session) -> Outcome {
    let name = &session.args.profile;
    if profile::remove(name)? {
        session
            .out
            .note(format!("Logged out: profile {name:?} removed"));
    } else {
        session
            .out
            .note(format!("Profile {name:?} was not logged in"));
    }
    Ok(())
}

/// Shows the user the credentials act for.
pub(crate) async fn whoami(session: &Session) -> Outcome {
    let client = session.client()?;
    let user = client.get_current_user().call().await?;
    let fields = ["id", "nickname", "city", "tags", "created_at"];
    session.out.show(&user, View::Fields(&fields))
}
