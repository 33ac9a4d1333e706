//! A stateful local emulator of the UUMit platform.
//!
//! [`app`] returns the axum [`Router`](axum::Router) of the emulated platform; [`start`]
//! serves it on a loopback port and returns a [`MockServer`] that knows its address. The
//! state is in memory and seeded deterministically from [`MockConfig::seed`], so tests,
//! examples and the CLI's `demo` run with no network and no account.
//!
//! Every REST operation of the platform's spec is served with the platform's conventions:
//! the `{code, message, data, timestamp}` envelope, FastAPI's 422 bodies, the auth codes,
//! idempotency-key replay, and the transaction state machine with a wallet ledger.
//! Off by default and set in [`MockConfig`]: per-key rate limits, and injected faults
//! (see [`Fault`] and the `X-Mock-Fault` request header).
//!
//! Emulator-only routes, not in the spec: `GET|POST /link`, the page where a person
//! approves a device-authorization user code, and `POST /_mock/device-auth/approve` and
//! `POST /_mock/device-auth/deny` with the body `{"user_code": "..."}`, which do the same
//! for tests, as [`MockServer::approve_device`] does in-process.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let server = uumit_mock::start(uumit_mock::MockConfig::default()).await?;
//! println!("emulator at {}", server.base_url());
//! let demo = server.demo_user();
//! println!("key {} for user {}", demo.api_key, demo.user_id);
//! # Ok(())
//! # }
//! ```

mod faults;
mod http;
mod limits;
mod mcp;
mod protocols;
mod routes;
mod seed;
mod server;
mod store;

pub use faults::{FAULT_HEADER, Fault, FaultAction, RetryAfter};
pub use protocols::{AutoSeller, ProtocolConfig, StreamFaults};
pub use server::{DemoUser, MockConfig, MockServer, app, start};
pub use store::Store;
