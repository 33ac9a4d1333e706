//! [`Failure`]: what went wrong, the exit status it maps to, and what to do next.

use std::process::ExitCode;

use uumit::{ErrorKind, Method};

/// Exit statuses, documented in `uumit --help`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// A call or a demo step failed.
    Call = 1,
    /// The command line was invalid.
    Usage = 2,
    /// Credentials or configuration are missing or rejected.
    Auth = 3,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// A failed command: one line saying what failed, one saying what to do.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) exit: Exit,
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
}

/// Result of a command.
pub(crate) type Outcome<T = ()> = Result<T, Failure>;

impl Failure {
    pub(crate) fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
            hint: None,
        }
    }

    /// Creates a call failure (exit 1).
    pub(crate) fn call(message: impl Into<String>) -> Self {
        Self::new(Exit::Call, message)
    }

    /// Creates a failure for invalid input on the command line (exit 2).
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    /// Creates a failure for missing or rejected credentials or configuration (exit 3).
    pub(crate) fn auth(message: impl Into<String>) -> Self {
        Self::new(Exit::Auth, message)
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Prints the failure on stderr.
    pub(crate) fn report(&self) {
        eprintln!("error: {}", self.message);
        if let Some(hint) = &self.hint {
            eprintln!("hint: {hint}");
        }
    }
}

impl From<uumit::Error> for Failure {
    fn from(error: uumit::Error) -> Self {
        let message = describe(&error);
        let exit = match (error.kind(), error.code()) {
            (ErrorKind::Config, _) | (_, Some(1002 | 1006 | 1007)) => Exit::Auth,
            _ => Exit::Call,
        };
        Failure {
            exit,
            message,
            hint: with_key_hint(&error, hint(&error)),
        }
    }
}

/// Quotes `text` for a POSIX shell unless it is made only of characters that need no
/// quoting, so that a key printed in a hint can be pasted back as it is.
pub(crate) fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.:/@+=,".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Adds the call's idempotency key to the hint when the platform may have acted on the
/// call, so that running the command again cannot pay twice.
fn with_key_hint(error: &uumit::Error, hint: Option<String>) -> Option<String> {
    let unknown_outcome =
        error.is_retryable() || matches!(error.kind(), ErrorKind::Transport | ErrorKind::Timeout);
    let Some(key) = error.idempotency_key().filter(|_| unknown_outcome) else {
        return hint;
    };
    let word = shell_word(key);
    let retry = format!(
        "the call may have gone through: to retry without paying twice, run the same command with --idempotency-key {word}"
    );
    Some(match hint {
        Some(hint) => format!("{hint}; {retry}"),
        None => retry,
    })
}

/// Formats the error's message on one line, with its code, the fields a validation
/// error names, and the cause.
fn describe(error: &uumit::Error) -> String {
    let mut text = error.to_string();
    if error.kind() == ErrorKind::JsonRpc
        && let Some(code) = error.code()
    {
        let message = error.message().trim_end_matches('.');
        text = format!("{message} (JSON-RPC code {code})");
    } else if let Some(code) = error.api_code() {
        let message = error.message().trim_end_matches('.');
        text = format!("{message} (code {}, {})", code.value(), code.description());
    }
    let fields: Vec<String> = error
        .validation_errors()
        .iter()
        .map(|d| format!("{}: {}", d.field_path(), d.msg))
        .collect();
    if !fields.is_empty() {
        text = format!("invalid input: {}", fields.join("; "));
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

/// Suggests what to do next, by platform code or failure kind.
fn hint(error: &uumit::Error) -> Option<String> {
    let Some(code) = error.code() else {
        return without_code(error.kind());
    };
    let by_code = match code {
        1002 | 1006 => "run `uumit login`, or set UUMIT_API_KEY and UUMIT_USER_ID",
        1007 => "the key belongs to another platform: run `uumit login` again",
        1003 => "this account may not do that; check you act as the right user",
        1004 => "check the id; the list commands show the ones that exist",
        1009 => return Some(rate_limited(error)),
        1010 => "the daily quota is used up; try again tomorrow",
        3001 => "not enough UT available: `uumit wallet` shows the balance",
        4001 | 4501 => "its status does not allow this now; `get` shows the current status",
        5001 | 9999 => return error.request_id().map(server_side),
        _ => return None,
    };
    Some(by_code.to_owned())
}

fn without_code(kind: ErrorKind) -> Option<String> {
    let hint = match kind {
        ErrorKind::Transport | ErrorKind::Timeout => {
            "check that the server in --base-url or UUMIT_BASE_URL is up, or run `uumit mock`"
        }
        ErrorKind::Config => "check --base-url, UUMIT_BASE_URL and the stored profile",
        _ => return None,
    };
    Some(hint.to_owned())
}

fn rate_limited(error: &uumit::Error) -> String {
    match error.retry_after() {
        Some(delay) if delay.as_secs() > 86_400 => {
            "rate limited: the server asks for a wait of more than a day".to_owned()
        }
        Some(delay) => format!("rate limited: wait {} s and try again", delay.as_secs()),
        None => "rate limited: wait a minute and try again".to_owned(),
    }
}

fn server_side(request_id: &str) -> String {
    format!(
        "a server-side failure; try again later, and quote request id {request_id} if it persists"
    )
}

/// Parses an HTTP method name from the operation table.
pub(crate) fn method(name: &str) -> Outcome<Method> {
    name.parse::<Method>()
        .map_err(|_| Failure::call(format!("the spec names an unknown HTTP method {name:?}")))
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn shell_word_quotes_only_when_needed() {
        assert_eq!(shell_word("order-42"), "order-42");
        assert_eq!(shell_word("my order; rm -rf x"), "'my order; rm -rf x'");
        assert_eq!(shell_word("it's $HOME"), r"'it'\''s $HOME'");
        assert_eq!(shell_word(""), "''");
    }
}
