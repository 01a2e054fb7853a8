//! SeaORM entities of the moodtune catalog: the one description of the tables that core queries.
//!
//! Ids of tracks, playlists and comments are NetEase ids, so that importers can upsert by them and
//! a crawl can resume without duplicates. Artists get our own ids because the demo dump has only
//! their names; `netease_id` is filled when a crawler knows it.

pub mod artist;
pub mod catalog_meta;
pub mod comment;
pub mod crawl_mark;
pub mod listener_mood;
pub mod listener_rating;
pub mod lyric;
pub mod playlist;
pub mod playlist_track;
pub mod track;
pub mod track_artist;
pub mod track_emotion;
