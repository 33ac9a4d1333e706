//! The on-disk form of `openapi.json`: the form Python's
//! `json.dumps(doc, indent=2, ensure_ascii=False) + "\n"` writes, so that storing an
//! unchanged document changes no byte.

use std::io;

use serde::Serialize;
use serde_json::Value;
use serde_json::ser::{Formatter, PrettyFormatter, Serializer};

/// Serializes `document` as 2-space indented JSON with a trailing newline, keys in the
/// document's own order, non-ASCII characters written as UTF-8 and floats spelled as
/// Python's `repr` spells them (`1e-05`, `1e+16`, `2.0`).
///
/// NOTE: serde_json reads integers beyond the `u64`/`i64` range as floats, so such a
/// number is written as a float where Python keeps the integer.
///
/// ```
/// let doc = serde_json::json!({"b": [1, 0.00001], "a": "é"});
/// let text = uumit_codegen::to_canonical_json(&doc);
/// assert_eq!(text, "{\n  \"b\": [\n    1,\n    1e-05\n  ],\n  \"a\": \"é\"\n}\n");
/// ```
pub fn to_canonical_json(document: &Value) -> String {
    let mut out = Vec::new();
    let formatter = PythonFormatter(PrettyFormatter::with_indent(b"  "));
    let mut serializer = Serializer::with_formatter(&mut out, formatter);
    // Serializing a `Value` into a `Vec` cannot fail: its keys are strings and the
    // writer never returns an I/O error.
    if document.serialize(&mut serializer).is_err() {
        unreachable!("serializing a serde_json::Value into memory failed");
    }
    let mut text = String::from_utf8(out).unwrap_or_else(|e| {
        // serde_json writes only UTF-8.
        String::from_utf8_lossy(e.as_bytes()).into_owned()
    });
    text.push('\n');
    text
}

/// Python's `repr` of a finite float: the shortest digits that read back to the same
/// value, in positional form for decimal exponents from -4 to 15 and in scientific form
/// with a signed, at least two-digit exponent otherwise.
pub(crate) fn python_float(value: f64) -> String {
    let sign = if value.is_sign_negative() { "-" } else { "" };
    if value == 0.0 {
        return format!("{sign}0.0");
    }
    let scientific = format!("{:e}", value.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let body = if (-4..16).contains(&exponent) {
        positional(&digits, exponent)
    } else {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        format!("{first}{fraction}e{exponent_sign}{:02}", exponent.abs())
    };
    format!("{sign}{body}")
}

/// `digits` (d.ddd × 10^exponent) written without an exponent, always with a fraction.
fn positional(digits: &str, exponent: i32) -> String {
    if exponent < 0 {
        let zeros = "0".repeat((-exponent - 1) as usize);
        return format!("0.{zeros}{digits}");
    }
    let integer_len = exponent as usize + 1;
    if digits.len() <= integer_len {
        let zeros = "0".repeat(integer_len - digits.len());
        format!("{digits}{zeros}.0")
    } else {
        let (integer, fraction) = digits.split_at(integer_len);
        format!("{integer}.{fraction}")
    }
}

/// serde_json's pretty printer with Python's float spelling.
struct PythonFormatter(PrettyFormatter<'static>);

impl Formatter for PythonFormatter {
    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(python_float(value).as_bytes())
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::{python_float, to_canonical_json};

    #[test]
    fn canonical_json_matches_python_dumps() {
        let document = serde_json::json!({
            "a": "\u{1b}\t\u{2028}é\"\\/",
            "b": [],
            "c": {},
            "d": [1.5, -0.0, 1000],
        });
        // Output of Python 3's json.dumps(document, indent=2, ensure_ascii=False) + "\n".
        let expected = "{\n  \"a\": \"\\u001b\\t\u{2028}é\\\"\\\\/\",\n  \"b\": [],\n  \"c\": {},\n  \"d\": [\n    1.5,\n    -0.0,\n    1000\n  ]\n}\n";
        assert_eq!(to_canonical_json(&document), expected);
    }

    #[test]
    fn python_float_matches_repr() {
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (0.01, "0.01"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (123.456, "123.456"),
            (1234567890123456.0, "1234567890123456.0"),
            (1e16, "1e+16"),
            (1.25e22, "1.25e+22"),
            (-2.5, "-2.5"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ];
        for (value, expected) in cases {
            assert_eq!(python_float(value), expected, "repr of {value:?}");
        }
    }
}
