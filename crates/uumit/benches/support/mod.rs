//! Helpers the benches share: pinning to a CPU, the release emulator in a child process,
//! medians, resident memory, socket counts and process CPU time.

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Reports whether the bench runs under `cargo bench`. `cargo test --all-targets` runs
/// bench binaries without `--bench` as a smoke test; these need a release emulator and
/// minutes, so they print a note and return.
pub fn under_cargo_bench(name: &str) -> bool {
    let under = std::env::args().any(|arg| arg == "--bench");
    if !under {
        println!("{name}: skipped outside `cargo bench`");
    }
    under
}

/// Pins the process `pid` to `cpu` with `taskset`, or prints why it could not.
pub fn pin_to_cpu(pid: u32, cpu: usize) {
    let pinned = Command::new("taskset")
        .args(["-cp", &cpu.to_string(), &pid.to_string()])
        .stdout(Stdio::null())
        .status();
    if !pinned.is_ok_and(|s| s.success()) {
        eprintln!("note: taskset is missing or failed; client and server are not pinned");
    }
}

/// The release emulator in a child process pinned to CPU 1.
pub struct Emulator {
    /// The child process.
    pub child: Child,
    /// `http://127.0.0.1:port`.
    pub base_url: String,
    /// The demo user's API key.
    pub api_key: String,
    /// The demo user's id.
    pub user_id: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the release emulator (`UUMIT_MOCK_BIN`, default `target/release/uumit-mock`)
/// on a free port, pinned to CPU 1.
pub fn start_emulator() -> Emulator {
    let binary = std::env::var("UUMIT_MOCK_BIN").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/release/uumit-mock"
        )
        .into()
    });
    let mut child = Command::new(&binary)
        .args(["--port", "0"])
        .env("UUMIT_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {binary}: {e}; build it with `cargo build --release -p uumit-mock`"
            )
        });
    pin_to_cpu(child.id(), 1);
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let mut exported = |name: &str| {
        let prefix = format!("export {name}=");
        lines
            .find_map(|line| line.ok()?.strip_prefix(&prefix).map(str::to_owned))
            .unwrap_or_else(|| panic!("the emulator prints {name}"))
    };
    let base_url = exported("UUMIT_BASE_URL");
    let api_key = exported("UUMIT_API_KEY");
    let user_id = exported("UUMIT_USER_ID");
    std::thread::sleep(Duration::from_millis(100));
    Emulator {
        child,
        base_url,
        api_key,
        user_id,
    }
}

/// Returns the two runtimes the CPU benches measure on. On the current-thread runtime
/// the calls and the connections share one thread, as in Python's asyncio. On the
/// multi-thread runtime with one worker, `block_on` runs the calls on the main thread
/// and the connections run on the worker, so each exchange crosses threads.
pub fn runtimes() -> [(&'static str, tokio::runtime::Runtime); 2] {
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("current-thread runtime");
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("multi-thread runtime");
    [("current-thread", current), ("multi-thread", multi)]
}

/// Sorts the values and returns their median.
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Median, minimum and maximum of the values, sorted in place.
pub fn summary(values: &mut [f64]) -> (f64, f64, f64) {
    let mid = median(values);
    (mid, values[0], values[values.len() - 1])
}

/// Resident memory of this process in KiB (`VmRSS` in `/proc/self/status`).
pub fn rss_kib() -> u64 {
    status_kib("/proc/self/status", "VmRSS:")
}

/// Reads a `/proc/<pid>/status` field in KiB, 0 when it is missing.
pub fn status_kib(path: &str, field: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix(field)?
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse()
                    .ok()
            })
        })
        .unwrap_or(0)
}

/// Established TCP connections on this machine whose remote end is `port`: the client
/// side of the connections to a local server on that port.
pub fn established_to(port: u16) -> usize {
    let suffix = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .map(|table| {
            table
                .lines()
                .skip(1)
                .filter(|line| {
                    let fields: Vec<&str> = line.split_whitespace().collect();
                    fields.len() > 3 && fields[2].ends_with(&suffix) && fields[3] == "01"
                })
                .count()
        })
        .sum()
}

/// Returns the port of an `http://host:port` base URL.
pub fn port_of(base_url: &str) -> u16 {
    base_url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port in the base URL")
}

/// CPU time a process has used so far, in seconds (`utime` + `stime` of
/// `/proc/<pid>/stat`, at the usual 100 ticks a second).
pub fn process_cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) as f64 / 100.0
}

/// Builds the bare reqwest client of the comparisons, with the facade's default timeouts
/// so that both pay for reqwest's timer.
pub fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .build()
        .expect("bare client")
}

/// Makes the bare client's community-stats call, as a careful hand-written client does:
/// GET, read the body, decode the typed envelope, check the code.
pub async fn bare_stats_call(client: &reqwest::Client, url: &str) {
    let bytes = client
        .get(url)
        .send()
        .await
        .expect("send")
        .bytes()
        .await
        .expect("body");
    let envelope: uumit::types::CommunityStatsResponse =
        serde_json::from_slice(&bytes).expect("decode");
    assert_eq!(envelope.code, 0);
    std::hint::black_box(envelope.data);
}
