//! The `--help` of every command, snapshotted so that a missing or placeholder text shows
//! up in review. The commands are found by walking the help output itself.

mod support;

use support::{run, uumit};

/// Returns the subcommand names listed under `Commands:` in a help text.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn help_of_every_command_matches_snapshot() {
    let config = tempfile::tempdir().unwrap();
    let mut pending = vec![Vec::<String>::new()];
    let mut seen = 0;
    while let Some(path) = pending.pop() {
        let out = run(uumit(config.path()).args(&path).arg("--help"));
        assert_eq!(out.code, Some(0), "{path:?} --help failed: {}", out.stderr);
        assert!(out.stderr.is_empty(), "{path:?} wrote to stderr");
        let name = format!("help_uumit_{}", path.join("_"))
            .trim_end_matches('_')
            .to_owned();
        insta::assert_snapshot!(name, out.stdout);
        for child in subcommands(&out.stdout) {
            let mut next = path.clone();
            next.push(child);
            pending.push(next);
        }
        seen += 1;
    }
    assert!(seen > 30, "only {seen} commands found");
}

#[test]
fn bash_completion_names_the_commands() {
    let config = tempfile::tempdir().unwrap();
    let out = run(uumit(config.path()).args(["completions", "bash"]));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    for word in ["login", "capabilities", "tx", "api", "demo", "--json"] {
        assert!(out.stdout.contains(word), "completion lacks {word}");
    }
}

#[test]
fn unknown_flag_is_usage_error() {
    let config = tempfile::tempdir().unwrap();
    let out = run(uumit(config.path()).args(["wallet", "--nope"]));
    assert_eq!(out.code, Some(2));
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("--nope"), "{}", out.stderr);
}
