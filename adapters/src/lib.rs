//! Chat adapters of moodtune: they turn platform events into calls on
//! [`moodtune_core::Engine`] and render its answers for their platform.
//!
//! Invariant: adapters never touch the database, the index or a model directly; everything goes
//! through the engine's facade. Every user-facing string lives in [`messages`], one table per
//! language.

pub mod console;
pub mod discord;
pub mod http;
pub mod messages;
pub mod metrics;
pub mod outcome;
pub mod paging;
pub mod ratelimit;
pub mod render;
pub mod telegram;

pub use messages::Lang;
