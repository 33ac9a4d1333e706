//! Terminal output: aligned text for people, `--json` for scripts, and
//! progress on stderr only when stderr is a terminal.

use std::io::{IsTerminal, Write};

use serde::Serialize;
use serde_json::Value;

use crate::failure::{Failure, Outcome};

/// How to lay out a value for people.
#[derive(Clone, Copy, Debug)]
pub(crate) enum View<'a> {
    /// One `name  value` line per field; the paths may be dotted (`ut.available`).
    /// Empty: every field.
    Fields(&'a [&'a str]),
    /// A table of the list's items (the value itself, or its `items`), one column per
    /// path. Empty: the scalar fields of the first item.
    Table(&'a [&'a str]),
}

/// Destination and format of a command's result.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Output {
    json: bool,
}

impl Output {
    pub(crate) fn new(json: bool) -> Self {
        Self { json }
    }

    /// Returns whether the result is printed as JSON.
    pub(crate) fn is_json(self) -> bool {
        self.json
    }

    /// Prints `data` as JSON, or laid out as `view` specifies.
    pub(crate) fn show<T: Serialize>(self, data: &T, view: View<'_>) -> Outcome {
        let value = to_value(data)?;
        if self.json {
            return print_json(&value);
        }
        let text = match view {
            View::Fields(paths) => fields(&value, paths),
            View::Table(paths) => table(items(&value), paths),
        };
        print!("{text}");
        Ok(())
    }

    /// Prints a line for people. It prints nothing in JSON mode, so scripts read only data.
    pub(crate) fn note(self, text: impl std::fmt::Display) {
        if !self.json {
            println!("{text}");
        }
    }

    /// Prints a line that scripts need too, such as an idempotency key: on stdout, or on
    /// stderr in JSON mode so that stdout keeps only the JSON document.
    pub(crate) fn keep(self, text: impl std::fmt::Display) {
        if self.json {
            eprintln!("{text}");
        } else {
            println!("{text}");
        }
    }
}

/// Serializes a generated type into JSON.
pub(crate) fn to_value<T: Serialize>(data: &T) -> Outcome<Value> {
    serde_json::to_value(data)
        .map_err(|e| Failure::call(format!("cannot encode the response as JSON: {e}")))
}

/// Prints one JSON document on stdout.
pub(crate) fn print_json(value: &Value) -> Outcome {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::call(format!("cannot encode the response as JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// Returns the list inside a value: the value itself or its `items`.
pub(crate) fn items(value: &Value) -> &[Value] {
    match value {
        Value::Array(items) => items,
        Value::Object(map) => match map.get("items") {
            Some(Value::Array(items)) => items,
            _ => std::slice::from_ref(value),
        },
        _ => std::slice::from_ref(value),
    }
}

fn fields(value: &Value, paths: &[&str]) -> String {
    let owned: Vec<String>;
    let paths: Vec<&str> = if paths.is_empty() {
        owned = leaf_paths(value, "");
        owned.iter().map(String::as_str).collect()
    } else {
        paths.to_vec()
    };
    let width = paths.iter().map(|p| p.len()).max().unwrap_or(0);
    let mut text = String::new();
    for path in paths {
        let cell = cell(lookup(value, path));
        text.push_str(&format!("{path:<width$}  {cell}\n"));
    }
    text
}

fn table(rows: &[Value], paths: &[&str]) -> String {
    if rows.is_empty() {
        return "(none)\n".to_owned();
    }
    let owned: Vec<String>;
    let paths: Vec<&str> = if paths.is_empty() {
        owned = scalar_keys(&rows[0]);
        owned.iter().map(String::as_str).collect()
    } else {
        paths.to_vec()
    };
    let header: Vec<String> = paths.iter().map(|p| p.to_uppercase()).collect();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|row| paths.iter().map(|p| cell(lookup(row, p))).collect())
        .collect();
    aligned(&header, &body)
}

fn aligned(header: &[String], body: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in body {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut text = line(header);
    for row in body {
        text.push_str(&line(row));
    }
    text
}

/// Follows a dotted path into a value.
fn lookup<'a>(value: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .try_fold(value, |v, key| v.get(key))
        .unwrap_or(&Value::Null)
}

/// Dotted paths of every leaf of an object; arrays count as leaves.
fn leaf_paths(value: &Value, prefix: &str) -> Vec<String> {
    let Value::Object(map) = value else {
        return vec![prefix.to_owned()];
    };
    map.iter()
        .flat_map(|(key, child)| {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match child {
                Value::Object(_) => leaf_paths(child, &path),
                _ => vec![path],
            }
        })
        .collect()
}

fn scalar_keys(value: &Value) -> Vec<String> {
    match value {
        Value::Object(map) => map
            .iter()
            .filter(|(_, v)| !v.is_object())
            .map(|(k, _)| k.clone())
            .collect(),
        _ => Vec::new(),
    }
}

/// Formats a value as one table cell: strings bare, null as `-`, lists joined with commas.
pub(crate) fn cell(value: &Value) -> String {
    match value {
        Value::Null => "-".to_owned(),
        Value::String(s) => s.replace('\n', " "),
        Value::Array(list) if list.iter().all(|v| !v.is_object() && !v.is_array()) => {
            list.iter().map(cell).collect::<Vec<_>>().join(",")
        }
        other => other.to_string(),
    }
}

/// A status line on stderr while long work runs, shown only when stderr is a terminal.
pub(crate) struct Progress {
    enabled: bool,
    shown: bool,
}

impl Progress {
    pub(crate) fn new() -> Self {
        Self {
            enabled: std::io::stderr().is_terminal(),
            shown: false,
        }
    }

    /// Replaces the status line.
    pub(crate) fn update(&mut self, text: impl std::fmt::Display) {
        if self.enabled {
            eprint!("\r\x1b[2K{text}");
            let _ = std::io::stderr().flush();
            self.shown = true;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.shown {
            eprint!("\r\x1b[2K");
        }
    }
}
