//! Getting tracks and their emotions into the store: playlist dumps (`dump`), the NetEase
//! crawler (`crawl`) and labelling (`label`: a track's emotion from its texts).
//!
//! Invariant: ingest reads and writes the database only through [`crate::store`], and analyses
//! text only through [`crate::text`]; it never serves a request.

pub mod crawl;
pub mod dump;
pub mod label;

pub use label::{label_tracks, LabelSummary};
