//! [`Money`], the exact decimal type of every UT and cash amount.

use std::fmt;
use std::str::FromStr;

/// An amount with two decimal places, held exactly as a count of hundredths.
///
/// The platform sends amounts as strings (`"1500.00"`) and accepts strings or numbers.
/// `Money` serializes as a two-place string and reads either form; it never goes through
/// binary floating point except to read a JSON number, which it reads from its shortest
/// decimal form.
///
/// ```
/// use uumit_api::Money;
/// let price: Money = "12.5".parse().unwrap();
/// assert_eq!(price.to_string(), "12.50");
/// assert_eq!(price.hundredths(), 1250);
/// assert_eq!((price + Money::from_hundredths(50)).to_string(), "13.00");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// An amount of `hundredths` hundredths (cents).
    pub const fn from_hundredths(hundredths: i64) -> Self {
        Self(hundredths)
    }

    /// A whole amount.
    pub const fn from_units(units: i64) -> Self {
        Self(units * 100)
    }

    /// The amount in hundredths.
    pub const fn hundredths(self) -> i64 {
        self.0
    }

    /// Whether the amount is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The sum, or `None` on overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// The difference, or `None` on overflow.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// The amount times `factor`, or `None` on overflow.
    pub fn checked_mul(self, factor: i64) -> Option<Money> {
        self.0.checked_mul(factor).map(Money)
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        Money(self.0 + other.0)
    }
}

impl std::ops::Sub for Money {
    type Output = Money;
    fn sub(self, other: Money) -> Money {
        Money(self.0 - other.0)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        // `pad` honours width and alignment, so amounts line up in tables.
        f.pad(&format!("{sign}{}.{:02}", magnitude / 100, magnitude % 100))
    }
}

/// A string that is not an amount with at most two decimal places.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoneyError {
    input: String,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid amount {:?}: expected digits with at most two decimal places, such as \"12.50\"",
            self.input
        )
    }
}

impl std::error::Error for MoneyError {}

impl FromStr for Money {
    type Err = MoneyError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = || MoneyError {
            input: input.to_owned(),
        };
        let trimmed = input.trim();
        let (negative, digits) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let fraction = fraction.trim_end_matches('0');
        let valid = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty()
            || !valid(whole)
            || !valid(fraction)
            || fraction.len() > 2
        {
            return Err(error());
        }
        let units: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| error())?
        };
        // At most two digits, checked above: "5" is 50 cents, "05" is 5.
        let cents = fraction
            .bytes()
            .chain(std::iter::repeat(b'0'))
            .take(2)
            .fold(0, |cents, digit| cents * 10 + i64::from(digit - b'0'));
        let value = units
            .checked_mul(100)
            .and_then(|v| v.checked_add(cents))
            .ok_or_else(error)?;
        Ok(Money(if negative { -value } else { value }))
    }
}

impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount as a string or number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Money, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Money, E> {
                v.checked_mul(100)
                    .map(Money)
                    .ok_or_else(|| E::custom(format!("amount {v} is out of range")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Money, E> {
                i64::try_from(v)
                    .map_err(E::custom)
                    .and_then(|v| self.visit_i64(v))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Money, E> {
                // The shortest decimal form of the double is what the sender wrote.
                v.to_string().parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl schemars::JsonSchema for Money {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Money".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^-?\\d+(\\.\\d{1,2})?$",
            "description": "A decimal amount with two places, such as \"12.50\".",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_parses_and_formats() {
        let cases = [
            ("0", "0.00"),
            ("1500.00", "1500.00"),
            ("12.5", "12.50"),
            ("-3.07", "-3.07"),
            (".5", "0.50"),
            ("1.05", "1.05"),
            ("2.0", "2.00"),
            ("7.", "7.00"),
            ("1.230", "1.23"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                input.parse::<Money>().unwrap().to_string(),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn money_rejects_bad_input() {
        for input in [
            "",
            "-",
            ".",
            "1.234",
            "abc",
            "1e5",
            "1,5",
            "99999999999999999999",
        ] {
            let error = input.parse::<Money>().unwrap_err();
            assert!(error.to_string().contains("invalid amount"), "{input}");
        }
    }

    #[test]
    fn money_reads_json_numbers_and_strings() {
        let values: Vec<Money> = serde_json::from_str(r#"["1.10", 2, 0.1, 19.99]"#).unwrap();
        let text: Vec<String> = values.iter().map(Money::to_string).collect();
        assert_eq!(text, ["1.10", "2.00", "0.10", "19.99"]);
        assert_eq!(serde_json::to_string(&values[0]).unwrap(), r#""1.10""#);
    }
}
