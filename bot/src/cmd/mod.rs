//! One file per subcommand.

pub mod bench;
pub mod catalog;
pub mod chat;
pub mod crawl;
pub mod eval;
pub mod eval_photos;
pub mod import;
pub mod label;
pub mod recommend;
pub mod serve;
