//! Chat adapters of moodtune: they turn platform events into calls on
//! [`moodtune_core::Engine`] and render its answers for their platform.
//!
//! Invariant: adapters never touch the database, the index or a model directly; everything goes
//! through the engine's facade (they import only what `moodtune_core`'s root exports, checked by
//! a test). Every request runs through [`pipeline`] (rate limit, size checks, download, engine,
//! outcome); every command comes from [`commands`]; every user-facing string lives in
//! [`messages`], one table per language; the JSON shapes are in [`wire`].

pub mod commands;
pub mod console;
pub mod discord;
pub mod http;
pub mod memory;
pub mod messages;
pub mod metrics;
pub mod outcome;
pub mod paging;
pub mod pipeline;
pub mod ratelimit;
pub mod render;
pub mod telegram;
pub mod wire;

pub use messages::Lang;
