//! The spec workflow end to end: fetching over loopback from the emulator and from
//! misbehaving servers, the breaking-change report on fixture pairs, the check output,
//! and the exit statuses of `cargo xtask spec …` and `cargo xtask regenerate`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::spec::{self, Source};

const CASES: &[&str] = &[
    "added-operation",
    "removed-operation",
    "removed-field",
    "field-required",
    "enum-value-removed",
    "openapi-31",
    "fastapi",
];

fn root() -> PathBuf {
    xtask::workspace_root()
}

fn fixture(path: &str) -> PathBuf {
    root().join("tests/spec-fixtures").join(path)
}

/// Creates an empty directory under the test target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("spec-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn fetch_from_emulator_matches_workspace_spec() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(uumit_mock::start(uumit_mock::MockConfig::default()))
        .unwrap();
    let destination = scratch("emulator").join("openapi.json");
    let url = format!("{}/openapi.json", server.base_url());

    let document = spec::fetch(&Source::Url(url), &destination).unwrap();

    let written = std::fs::read(&destination).unwrap();
    let expected = std::fs::read(root().join("openapi.json")).unwrap();
    assert!(
        written == expected,
        "the fetched spec differs from openapi.json"
    );
    assert_eq!(document["openapi"], "3.1.0");
}

#[test]
fn fetch_from_file_keeps_bytes() {
    let destination = scratch("file").join("openapi.json");

    spec::fetch(&Source::File(root().join("openapi.json")), &destination).unwrap();

    let written = std::fs::read(&destination).unwrap();
    let expected = std::fs::read(root().join("openapi.json")).unwrap();
    assert!(
        written == expected,
        "storing openapi.json changed its bytes"
    );
}

/// Serves one HTTP response on a loopback port and returns the URL to fetch.
fn serve_once(status: &str, content_type: &str, body: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/openapi.json", listener.local_addr().unwrap());
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request);
        stream.write_all(response.as_bytes()).unwrap();
    });
    url
}

/// Fetches `url` over an existing file and checks the error and that the file is intact.
fn assert_fetch_fails(name: &str, url: &str, expected: &[&str]) {
    let dir = scratch(name);
    let destination = dir.join("openapi.json");
    std::fs::write(&destination, "{\"old\": true}\n").unwrap();

    let error = spec::fetch(&Source::Url(url.to_owned()), &destination).unwrap_err();

    assert!(error.contains(url), "error does not name the URL: {error}");
    for phrase in expected {
        assert!(error.contains(phrase), "error lacks {phrase:?}: {error}");
    }
    let kept = std::fs::read_to_string(&destination).unwrap();
    assert_eq!(kept, "{\"old\": true}\n");
    assert_eq!(files_in(&dir), ["openapi.json"]);
}

#[test]
fn fetch_rejects_html_page() {
    let body = "<!DOCTYPE html><html><body><form>Sign in</form></body></html>";
    let url = serve_once("200 OK", "text/html", body);
    assert_fetch_fails("html", &url, &["HTML page", "Sign in"]);
}

#[test]
fn fetch_rejects_enveloped_document() {
    let document = std::fs::read_to_string(fixture("base.json")).unwrap();
    let body = format!(
        "{{\"code\": 0, \"message\": \"success\", \"data\": {document}, \"timestamp\": 1764806400}}"
    );
    let url = serve_once("200 OK", "application/json", &body);
    assert_fetch_fails("envelope", &url, &["envelope", "`data`", "--file PATH"]);
}

#[test]
fn fetch_rejects_non_json() {
    let url = serve_once("200 OK", "text/plain", "openapi: 3.1.0\ninfo: {}\n");
    assert_fetch_fails("non-json", &url, &["not valid JSON", "openapi: 3.1.0"]);
}

#[test]
fn fetch_rejects_json_that_is_not_openapi() {
    let url = serve_once("200 OK", "application/json", "{\"swagger\": \"2.0\"}");
    assert_fetch_fails("not-openapi", &url, &["no `openapi` version"]);
}

#[test]
fn fetch_rejects_error_status() {
    let url = serve_once(
        "503 Service Unavailable",
        "text/plain",
        "down for maintenance",
    );
    assert_fetch_fails("status", &url, &["HTTP 503", "down for maintenance"]);
}

#[test]
fn fetch_reports_connection_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/openapi.json", listener.local_addr().unwrap());
    drop(listener);
    assert_fetch_fails("refused", &url, &["cannot connect", "--file PATH"]);
}

fn diff_case(case: &str) -> uumit_codegen::DiffReport {
    let new = fixture(&format!("{case}/new.json"));
    spec::diff_files(&fixture("base.json"), &new).unwrap()
}

#[test]
fn diff_reports_fixture_pairs() {
    for case in CASES {
        let report = diff_case(case);
        insta::assert_snapshot!(format!("diff_{case}"), report.render_text());
    }
}

#[test]
fn diff_marks_breaking_cases() {
    for case in CASES {
        let expected = *case != "added-operation";
        assert_eq!(diff_case(case).is_breaking(), expected, "case {case}");
    }
}

#[test]
fn diff_of_same_spec_is_empty() {
    let spec = root().join("openapi.json");
    let report = spec::diff_files(&spec, &spec).unwrap();
    assert!(report.changes.is_empty(), "{}", report.render_text());
}

#[test]
fn diff_json_lists_changes() {
    insta::assert_json_snapshot!("diff_fastapi_json", diff_case("fastapi").to_json());
}

#[test]
fn diff_rejects_ungeneratable_input() {
    let rejected = fixture("rejected/new.json");
    let error = spec::diff_files(&fixture("base.json"), &rejected).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("cannot be generated"), "{message}");
    assert!(
        message.contains("points outside this document"),
        "{message}"
    );
}

fn check_case(case: &str) -> spec::CheckReport {
    let source = Source::File(fixture(&format!("{case}/new.json")));
    spec::check(&spec::read_document(&source).unwrap())
}

#[test]
fn check_lists_rewrites_of_openapi_31() {
    let report = check_case("openapi-31");
    assert!(report.is_ok());
    insta::assert_snapshot!(report.render_text("openapi-31/new.json"));
}

#[test]
fn check_lists_rejections() {
    let report = check_case("rejected");
    assert!(!report.is_ok());
    insta::assert_snapshot!(report.render_text("rejected/new.json"));
    insta::assert_json_snapshot!(report.to_json());
}

/// Runs the xtask binary in the workspace root and returns its exit code and output.
fn xtask(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap_or(-1), stdout, stderr)
}

#[test]
fn diff_command_exit_statuses() {
    let base = "tests/spec-fixtures/base.json";
    let cases = [
        (vec!["spec", "diff", base, base], 0),
        (
            vec![
                "spec",
                "diff",
                base,
                "tests/spec-fixtures/added-operation/new.json",
            ],
            0,
        ),
        (
            vec![
                "spec",
                "diff",
                base,
                "tests/spec-fixtures/removed-field/new.json",
            ],
            1,
        ),
        (
            vec![
                "spec",
                "diff",
                base,
                "tests/spec-fixtures/rejected/new.json",
            ],
            2,
        ),
        (
            vec!["spec", "diff", base, "tests/spec-fixtures/no-such.json"],
            2,
        ),
        (vec!["spec", "diff", base], 2),
    ];
    for (args, expected) in cases {
        let (code, _, stderr) = xtask(&args);
        assert_eq!(code, expected, "xtask {args:?}: {stderr}");
    }
}

#[test]
fn diff_command_prints_json() {
    let new = "tests/spec-fixtures/removed-field/new.json";
    let (code, stdout, _) = xtask(&[
        "spec",
        "diff",
        "tests/spec-fixtures/base.json",
        new,
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(code, 1);
    assert_eq!(report["breaking"], 3);
}

#[test]
fn check_command_exit_statuses() {
    let cases = [
        (vec!["spec", "check"], 0),
        (
            vec![
                "spec",
                "check",
                "tests/spec-fixtures/openapi-31/new.json",
                "--json",
            ],
            0,
        ),
        (
            vec!["spec", "check", "tests/spec-fixtures/rejected/new.json"],
            1,
        ),
        (vec!["spec", "check", "README.md"], 2),
    ];
    for (args, expected) in cases {
        let (code, _, stderr) = xtask(&args);
        assert_eq!(code, expected, "xtask {args:?}: {stderr}");
    }
}

#[test]
fn regenerate_keeps_spec_on_rejected_document() {
    let before = std::fs::read(root().join("openapi.json")).unwrap();

    let (code, stdout, stderr) = xtask(&[
        "regenerate",
        "--file",
        "tests/spec-fixtures/rejected/new.json",
    ]);

    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.contains("Rejected (2)"), "{stdout}");
    assert!(stderr.contains("left unchanged"), "{stderr}");
    let after = std::fs::read(root().join("openapi.json")).unwrap();
    assert!(before == after, "regenerate changed openapi.json");
}

#[test]
fn regenerate_with_unchanged_spec_does_nothing() {
    let (code, stdout, stderr) = xtask(&["regenerate", "--file", "openapi.json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("No changes to operations or types."),
        "{stdout}"
    );
    assert!(stdout.contains("nothing to regenerate"), "{stdout}");
}
