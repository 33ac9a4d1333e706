//! The `open_enum!` macro behind [`crate::open_enums`].

/// Defines a string enum that keeps unknown values in an `Unknown(String)` variant.
macro_rules! open_enum {
    ($name:ident; $($variant:ident => $value:literal,)*) => {
        #[doc = concat!("The spec's `", stringify!($name), "` values; `Unknown` keeps any other.")]
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(
                #[doc = concat!("`", $value, "`")]
                $variant,
            )*
            /// A value this version of the spec does not list.
            Unknown(String),
        }

        impl $name {
            /// Every value the spec lists, in its order.
            pub const KNOWN: &'static [&'static str] = &[$($value),*];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(other) => other,
                }
            }

            /// Whether the value is one the spec lists.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(match value {
                    $($value => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                })
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value.parse() {
                    Ok(parsed) => parsed,
                    Err(never) => match never {},
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        // A visitor rather than a `String` or `Cow<str>`: a known value is matched on the
        // borrowed text, so only an unknown one allocates.
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;

                impl ::serde::de::Visitor<'_> for Visitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str("a string")
                    }

                    fn visit_str<E: ::serde::de::Error>(self, value: &str) -> Result<$name, E> {
                        Ok($name::from(value))
                    }

                    fn visit_string<E: ::serde::de::Error>(self, value: String) -> Result<$name, E> {
                        Ok(match value.as_str() {
                            $($value => $name::$variant,)*
                            _ => $name::Unknown(value),
                        })
                    }
                }

                deserializer.deserialize_str(Visitor)
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({
                    "type": "string",
                    "description": "Known values are listed in `enum`; others are kept as they are.",
                    "enum": [$($value),*],
                })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::open_enums::AgentPlatformType;

    #[test]
    fn decodes_borrowed_escaped_and_owned_text() {
        let borrowed: AgentPlatformType = serde_json::from_str(r#""cursor""#).unwrap();
        assert_eq!(borrowed, AgentPlatformType::Cursor);
        // An escape makes serde_json hand over a decoded copy instead of a borrow.
        let escaped: AgentPlatformType = serde_json::from_str(r#""curs\u006fr""#).unwrap();
        assert_eq!(escaped, AgentPlatformType::Cursor);
        let owned: AgentPlatformType = serde_json::from_value("cursor".into()).unwrap();
        assert_eq!(owned, AgentPlatformType::Cursor);
        let newer: AgentPlatformType = serde_json::from_value("zed".into()).unwrap();
        assert_eq!(newer, AgentPlatformType::Unknown("zed".into()));
    }

    #[test]
    fn rejects_a_non_string_value() {
        let error = serde_json::from_str::<AgentPlatformType>("7").unwrap_err();
        assert!(error.to_string().contains("expected a string"), "{error}");
    }
}
