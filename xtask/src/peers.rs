//! Checks against real third-party peers (schemathesis, the Python `mcp` package), which
//! the test command installs itself, pinned, into a virtual environment in cargo's target
//! directory (`target/peers/venv` unless `CARGO_TARGET_DIR` moves it).
//!
//! Every `tests/peers/*.sh` script is a check. It runs with the workspace root as its
//! working directory and these variables set:
//! - `PEERS_PYTHON`: the virtual environment's Python, with `tests/peers/requirements.txt`
//!   installed; its `bin` folder is first on `PATH`.
//! - `UUMIT_BASE_URL`, `UUMIT_API_KEY`, `UUMIT_USER_ID`: a fresh emulator started for that
//!   script alone, and its demo user.
//! - `UUMIT_MOCK_BIN`: the emulator binary, for a script that needs more instances.
//!
//! A script exits non-zero when the check fails, and also when it checked nothing.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use crate::{root, run};

/// Installs the peers if their pins changed, then runs every peer check.
pub(crate) fn run_all(cargo: &str) -> Result<(), String> {
    let scripts = scripts()?;
    if scripts.is_empty() {
        return Ok(());
    }
    let target = crate::target_dir(cargo)?;
    let python = install(&target)?;
    run(
        cargo,
        &[
            "build",
            "--locked",
            "-p",
            "uumit-mock",
            "--bin",
            "uumit-mock",
        ],
    )?;
    let mock = target.join("debug/uumit-mock");
    for script in scripts {
        let emulator = Emulator::start(&mock)?;
        eprintln!("xtask: peer check {}", script.display());
        let bin = python.parent().map(Path::to_path_buf).unwrap_or_default();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let status = crate::command("bash")
            .arg(&script)
            .env("PEERS_PYTHON", &python)
            .env("PATH", path)
            .env("UUMIT_BASE_URL", &emulator.base_url)
            .env("UUMIT_API_KEY", &emulator.api_key)
            .env("UUMIT_USER_ID", &emulator.user_id)
            .env("UUMIT_MOCK_BIN", &mock)
            .status()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        drop(emulator);
        if !status.success() {
            return Err(format!(
                "peer check {} failed with {status}",
                script.display()
            ));
        }
    }
    Ok(())
}

fn scripts() -> Result<Vec<PathBuf>, String> {
    let dir = root().join("tests/peers");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut scripts: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect();
    scripts.sort();
    Ok(scripts)
}

/// Creates `peers/venv` in the target directory and installs the pinned requirements
/// into it, unless the same requirements were installed already. Returns the venv's Python.
fn install(target: &Path) -> Result<PathBuf, String> {
    let requirements = root().join("tests/peers/requirements.txt");
    let pins = std::fs::read_to_string(&requirements)
        .map_err(|e| format!("cannot read {}: {e}", requirements.display()))?;
    let venv = target.join("peers/venv");
    let python = venv.join("bin/python");
    let stamp = venv.join("installed-requirements.txt");
    if std::fs::read_to_string(&stamp).is_ok_and(|installed| installed == pins) && python.exists() {
        return Ok(python);
    }
    let system_python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    run(
        &system_python,
        &["-m", "venv", "--clear", &venv.to_string_lossy()],
    )?;
    let python_text = python.to_string_lossy().into_owned();
    run(
        &python_text,
        &[
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            &requirements.to_string_lossy(),
        ],
    )?;
    std::fs::write(&stamp, pins).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok(python)
}

/// An emulator process on an ephemeral loopback port, killed on drop.
struct Emulator {
    child: Child,
    base_url: String,
    api_key: String,
    user_id: String,
}

impl Emulator {
    fn start(binary: &Path) -> Result<Self, String> {
        let mut child = crate::command(binary)
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("the emulator has no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        // The emulator prints a banner, then one `export NAME=value` line per variable.
        let mut read = |name: &str| -> Result<String, String> {
            let prefix = format!("export {name}=");
            for line in lines.by_ref() {
                let line = line.map_err(|e| format!("cannot read the emulator's output: {e}"))?;
                if let Some(value) = line.strip_prefix(&prefix) {
                    return Ok(value.to_owned());
                }
            }
            Err(format!("the emulator exited before printing {name}"))
        };
        let base_url = read("UUMIT_BASE_URL")?;
        let api_key = read("UUMIT_API_KEY")?;
        let user_id = read("UUMIT_USER_ID")?;
        Ok(Self {
            child,
            base_url,
            api_key,
            user_id,
        })
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
