//! A stateful local emulator of the UUMit platform.
//!
//! [`app`] returns the axum [`Router`](axum::Router) of the emulated platform; [`start`]
//! serves it on a loopback port and returns a [`MockServer`] that knows its address. The
//! state is in memory and seeded deterministically from [`MockConfig::seed`], so tests,
//! examples and the CLI's `demo` run with no network and no account.
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

mod http;
mod mcp;
mod routes;
mod seed;
mod server;
mod store;

pub use server::{DemoUser, MockConfig, MockServer, app, start};
pub use store::Store;
