//! One file per subcommand.

pub mod catalog;
pub mod chat;
pub mod eval;
pub mod import;
pub mod recommend;
pub mod serve;
