//! Checks of request values the way FastAPI reports them: enumerations, string
//! lengths, number ranges and amounts, each failing with a `detail` entry at its `loc`.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};
use uumit_api::Money;

use crate::http::{Invalid, typed_error};
use crate::seed::MAX_AMOUNT;

/// Defines a string enumeration of the spec that rejects other values FastAPI-style.
macro_rules! one_of {
    ($(#[$doc:meta])* $name:ident [$($value:literal),+ $(,)?]) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
        pub(crate) struct $name(pub(crate) String);

        impl $name {
            /// Every value the spec allows.
            pub(crate) const VALUES: &'static [&'static str] = &[$($value),+];

            /// The value as sent.
            #[allow(dead_code, reason = "not every enumeration is read back as text")]
            pub(crate) fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                if Self::VALUES.contains(&text.as_str()) {
                    return Ok(Self(text));
                }
                Err(typed_error("enum", expected(Self::VALUES)))
            }
        }
    };
}

/// FastAPI's message for a value outside an enumeration.
pub(crate) fn expected(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
    match quoted.split_last() {
        Some((last, [])) => format!("Input should be {last}"),
        Some((last, rest)) => format!("Input should be {} or {last}", rest.join(", ")),
        None => "Input should be a known value".to_owned(),
    }
}

one_of!(
    /// `CapabilityType`.
    CapabilityType ["data", "compute", "service", "tool", "api", "workflow", "knowledge", "account_sharing"]
);
one_of!(
    /// `PricingModel` of a capability.
    PricingModel ["per_use", "per_query", "per_hour", "per_day", "subscription"]
);
one_of!(
    /// `CapabilityStatus`.
    CapabilityStatus ["draft", "pending_review", "active", "rejected", "offline"]
);
one_of!(
    /// A capability's `delivery_mode`.
    DeliveryMode ["instant", "async"]
);
one_of!(
    /// `WorkMode` of tasks and skills.
    WorkMode ["online", "offline"]
);
one_of!(
    /// `SkillPricingModel`.
    SkillPricingModel ["fixed", "per_hour", "per_day", "per_use", "negotiable"]
);
one_of!(
    /// `SkillStatus`.
    SkillStatus ["active", "inactive"]
);
one_of!(
    /// `TaskBillingModel`.
    TaskBillingModel ["fixed_deadline", "fixed_no_deadline", "schedule_hourly"]
);
one_of!(
    /// `TaskApplicationStatus`.
    ApplicationStatus ["pending", "accepted", "rejected"]
);
one_of!(
    /// `AgentPlatformType` of device authorization.
    AgentPlatformType ["openclaw", "claude_desktop", "cursor", "hermes_agent", "custom_mcp"]
);

/// Reads a field that may be absent but not null: FastAPI rejects an explicit null for a
/// field typed without `null`, even when the field has a default.
pub(crate) fn not_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// Reads a field as absent (`None`), null (`Some(None)`) or a value, for bodies shared by
/// create (where null is invalid) and update (where null changes nothing).
pub(crate) fn null_or<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Reads a query-string boolean the way FastAPI does.
pub(crate) fn query_bool<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<bool>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "t" | "y" => Ok(Some(true)),
        "false" | "0" | "no" | "off" | "f" | "n" => Ok(Some(false)),
        _ => Err(D::Error::custom(format!(
            "bool_parsing{}Input should be a valid boolean, unable to interpret input",
            crate::http::TYPE_SEPARATOR
        ))),
    }
}

/// Reads a query-string number the way FastAPI does.
pub(crate) fn query_f64<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<f64>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or_else(|| {
            typed_error(
                "float_parsing",
                "Input should be a valid number, unable to parse string as a number",
            )
        })
}

/// Reads a query-string integer the way FastAPI does.
pub(crate) fn query_i64<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    text.trim().parse::<i64>().map(Some).map_err(|_| {
        typed_error(
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer",
        )
    })
}

/// Collects FastAPI `detail` entries for values under one location, such as the body.
pub(crate) struct Check {
    root: Vec<Value>,
    errors: Vec<Value>,
}

impl Check {
    /// Checks of fields under `root`, for example `["body"]` or `["body", "items", 3]`.
    pub(crate) fn under(root: Vec<Value>) -> Self {
        Self {
            root,
            errors: Vec::new(),
        }
    }

    /// Checks of the request body's fields.
    pub(crate) fn body() -> Self {
        Self::under(vec![json!("body")])
    }

    fn fail(&mut self, field: &str, kind: &str, message: String) {
        let mut loc = self.root.clone();
        loc.push(json!(field));
        self.errors
            .push(json!({"type": kind, "loc": loc, "msg": message, "input": null}));
    }

    /// `value` is not an explicit null; for create bodies whose field has no `null` type.
    pub(crate) fn not_null<T>(&mut self, field: &str, value: &Option<Option<T>>) -> &mut Self {
        if matches!(value, Some(None)) {
            self.fail(field, "type_error", "Input should not be null".to_owned());
        }
        self
    }

    /// A required field is absent.
    pub(crate) fn missing(&mut self, field: &str) -> &mut Self {
        self.fail(field, "missing", "Field required".to_owned());
        self
    }

    /// A field that must equal `expected`.
    pub(crate) fn literal(&mut self, field: &str, expected: &str) -> &mut Self {
        self.fail(
            field,
            "literal_error",
            format!("Input should be '{expected}'"),
        );
        self
    }

    /// `value` has at most `max` characters.
    pub(crate) fn max_chars(&mut self, field: &str, value: Option<&str>, max: usize) -> &mut Self {
        if value.is_some_and(|v| v.chars().count() > max) {
            let message = format!("String should have at most {max} characters");
            self.fail(field, "string_too_long", message);
        }
        self
    }

    /// `value` has at least `min` characters.
    pub(crate) fn min_chars(&mut self, field: &str, value: Option<&str>, min: usize) -> &mut Self {
        if value.is_some_and(|v| v.chars().count() < min) {
            let plural = if min == 1 { "" } else { "s" };
            let message = format!("String should have at least {min} character{plural}");
            self.fail(field, "string_too_short", message);
        }
        self
    }

    /// `value` is at least `min`.
    pub(crate) fn at_least(&mut self, field: &str, value: Option<i64>, min: i64) -> &mut Self {
        if value.is_some_and(|v| v < min) {
            let message = format!("Input should be greater than or equal to {min}");
            self.fail(field, "greater_than_equal", message);
        }
        self
    }

    /// `value` is at most `max`.
    pub(crate) fn at_most(&mut self, field: &str, value: Option<i64>, max: i64) -> &mut Self {
        if value.is_some_and(|v| v > max) {
            let message = format!("Input should be less than or equal to {max}");
            self.fail(field, "less_than_equal", message);
        }
        self
    }

    /// `value` is a UT amount from 0 up to the emulator's maximum.
    pub(crate) fn amount(&mut self, field: &str, value: Option<Money>) -> &mut Self {
        if value.is_some_and(|v| v.is_negative()) {
            self.fail(
                field,
                "greater_than_equal",
                "Input should be greater than or equal to 0".to_owned(),
            );
        }
        if value.is_some_and(|v| v > MAX_AMOUNT) {
            let message = format!("Input should be less than or equal to {MAX_AMOUNT}");
            self.fail(field, "less_than_equal", message);
        }
        self
    }

    /// `value`, when present, is an absolute `http` or `https` URL.
    pub(crate) fn url(&mut self, field: &str, value: Option<&str>) -> &mut Self {
        let valid = |text: &str| {
            url::Url::parse(text)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        };
        if value.is_some_and(|v| !valid(v)) {
            self.fail(
                field,
                "url_parsing",
                "Input should be a valid URL".to_owned(),
            );
        }
        self
    }

    /// The collected errors as one 422 response, or nothing when every check passed.
    pub(crate) fn finish(&mut self) -> Result<(), Invalid> {
        if self.errors.is_empty() {
            return Ok(());
        }
        Err(Invalid::many(std::mem::take(&mut self.errors)))
    }
}
