//! [`Session`]: the global options of a command and the client they resolve to.

use uumit::Client;

use crate::failure::{Failure, Outcome};
use crate::output::Output;
use crate::profile;

/// Options every command takes.
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct GlobalArgs {
    /// Server to call [default: the stored profile's, else https://api.uumit.com]
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "UUMIT_BASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub(crate) base_url: Option<String>,
    /// API key; needs --user-id too [default: the stored profile's]
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "UUMIT_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub(crate) api_key: Option<String>,
    /// Platform user id (a UUID) the key acts for [default: the stored profile's]
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "UUMIT_USER_ID",
        hide_env_values = true,
        value_name = "UUID"
    )]
    pub(crate) user_id: Option<String>,
    /// Stored profile that `login` writes and other commands read
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "UUMIT_PROFILE",
        hide_env_values = true,
        default_value = "default",
        value_name = "NAME"
    )]
    pub(crate) profile: String,
    /// Print the envelope's data as JSON instead of text
    #[arg(long, global = true, help_heading = "Global options")]
    pub(crate) json: bool,
}

/// The resolved settings of one command.
pub(crate) struct Session {
    pub(crate) args: GlobalArgs,
    pub(crate) out: Output,
}

impl Session {
    pub(crate) fn new(args: GlobalArgs) -> Self {
        let out = Output::new(args.json);
        Self { args, out }
    }

    /// Resolves the base URL: --base-url or UUMIT_BASE_URL, else the profile's, else production.
    pub(crate) fn base_url(&self) -> Outcome<String> {
        if let Some(url) = &self.args.base_url {
            return Ok(url.clone());
        }
        let stored = profile::load(&self.args.profile)?;
        Ok(stored.map_or_else(|| uumit::DEFAULT_BASE_URL.to_owned(), |p| p.base_url))
    }

    /// Builds a client with no credentials, for public operations and login.
    pub(crate) fn public_client(&self) -> Outcome<Client> {
        Ok(Client::builder().base_url(self.base_url()?).build()?)
    }

    /// Builds a client with credentials: flags or environment first, then the stored
    /// profile when it belongs to the same server.
    pub(crate) fn client(&self) -> Outcome<Client> {
        let base_url = self.base_url()?;
        let builder = Client::builder().base_url(&base_url);
        let builder = match (&self.args.api_key, &self.args.user_id) {
            (None, None) => match self.stored_credentials(&base_url)? {
                Some(p) => builder.credentials(p.api_key, p.user_id),
                None => return Err(no_credentials(&self.args.profile)),
            },
            (Some(key), Some(user)) => builder.credentials(key, user),
            (Some(_), None) => return Err(half_pair("an API key", "a user id")),
            (None, Some(_)) => return Err(half_pair("a user id", "an API key")),
        };
        Ok(builder.build()?)
    }

    fn stored_credentials(&self, base_url: &str) -> Outcome<Option<profile::Profile>> {
        let stored = profile::load(&self.args.profile)?;
        let same = |p: &profile::Profile| {
            p.base_url.trim_end_matches('/') == base_url.trim_end_matches('/')
        };
        Ok(stored.filter(same))
    }
}

fn no_credentials(profile: &str) -> Failure {
    Failure::auth(format!(
        "no credentials: profile {profile:?} is not logged in to this server and neither UUMIT_API_KEY nor --api-key is set"
    ))
    .hint("run `uumit login`, or set UUMIT_API_KEY and UUMIT_USER_ID")
}

fn half_pair(given: &str, missing: &str) -> Failure {
    Failure::auth(format!(
        "{given} was given without {missing} (--api-key or UUMIT_API_KEY, --user-id or UUMIT_USER_ID)"
    ))
    .hint("give both, or neither to use the stored profile")
}
