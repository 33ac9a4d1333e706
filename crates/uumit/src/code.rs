//! [`ApiCode`], the platform's business codes.

macro_rules! api_codes {
    ($($variant:ident = $value:literal, $text:literal;)*) => {
        /// A business `code` of the platform's envelope. Codes this version does not know
        /// are kept in [`ApiCode::Other`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ApiCode {
            $(
                #[doc = concat!("`", stringify!($value), "`: ", $text, ".")]
                $variant,
            )*
            /// A code this version of the SDK does not know.
            Other(i64),
        }

        impl ApiCode {
            /// The numeric code as sent.
            pub fn value(self) -> i64 {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Other(value) => value,
                }
            }

            /// A short description in English.
            pub fn description(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Other(_) => "unknown code",
                }
            }
        }

        impl From<i64> for ApiCode {
            fn from(value: i64) -> Self {
                match value {
                    $($value => Self::$variant,)*
                    other => Self::Other(other),
                }
            }
        }
    };
}

api_codes! {
    Success = 0, "success";
    InvalidParameter = 1001, "invalid parameter";
    AuthenticationFailed = 1002, "authentication failed";
    PermissionDenied = 1003, "permission denied";
    NotFound = 1004, "not found";
    AlreadyExists = 1005, "already exists";
    InvalidApiKey = 1006, "invalid API key";
    UserNotLinked = 1007, "user not linked to the key's platform";
    ValidationFailed = 1008, "validation failed";
    RateLimited = 1009, "rate limited";
    DailyQuotaExceeded = 1010, "daily quota exceeded";
    InsufficientBalance = 3001, "insufficient balance";
    WalletOperationFailed = 3002, "wallet operation failed";
    TaskSavedAsDraft = 3004, "task saved as draft for lack of balance";
    TaskStatusConflict = 4001, "task status does not allow the operation";
    AlreadyClaimed = 4091, "already claimed";
    OrderStatusConflict = 4501, "order status does not allow the operation";
    OrderTimedOut = 4502, "order timed out";
    AiServiceError = 5001, "AI service error";
    SystemError = 9999, "system error";
}

impl std::fmt::Display for ApiCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.value(), self.description())
    }
}

#[cfg(test)]
mod tests {
    use super::ApiCode;

    #[test]
    fn code_round_trips_known_and_unknown() {
        assert_eq!(ApiCode::from(3001), ApiCode::InsufficientBalance);
        assert_eq!(ApiCode::from(3001).value(), 3001);
        assert_eq!(ApiCode::from(7003), ApiCode::Other(7003));
        assert_eq!(ApiCode::from(7003).value(), 7003);
        assert_eq!(ApiCode::Other(7003).description(), "unknown code");
    }
}
