//! The engine's two error types. `RecommendError`'s Display is the English text a user may read;
//! adapters translate by [`RecommendError::code`], so each text is written once per language.

use crate::store::CatalogError;
use crate::text::LexiconError;
use crate::vision::VisionError;

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The EMOTIC model named in the configuration could not be used (what is wrong with it).
    #[error("cannot use the EMOTIC model: {0}")]
    Emotic(String),
    /// The operator's lexicon file could not be used.
    #[error(transparent)]
    Lexicon(#[from] LexiconError),
    /// The database could not be opened, migrated or read.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// Why a recommendation could not be made. The Display text is what a user may read.
#[derive(Debug, thiserror::Error)]
pub enum RecommendError {
    /// Nothing but whitespace was sent.
    #[error("Tell me how you feel in a few words and I'll find songs for it.")]
    Empty,
    /// The text is longer than the limit.
    #[error("That's a lot to take in. Please keep it under {max} characters.")]
    TooLong {
        /// The limit, in characters.
        max: usize,
    },
    /// The text carried no emotion the analyser recognises.
    #[error("I couldn't read a mood from that. Try a few words about how you feel, like \"a bit down\" or \"so happy today\".")]
    NoEmotion,
    /// The text was small talk: a greeting, a thanks or a bare request for songs
    /// ([`crate::text::small_talk`]). Nothing went wrong, so the answer greets back and asks.
    #[error("Hi! Tell me how you feel in a few words (\"a bit tired\", \"so happy today\") and I'll find songs for it.")]
    SmallTalk,
    /// The catalog has no labelled tracks yet.
    #[error("I have no songs to recommend yet. Please try again later.")]
    EmptyCatalog,
    /// The photo could not be read (too big, not an image, damaged, no face, models unavailable).
    #[error("{0}")]
    Photo(#[from] VisionError),
    /// A rating named a song the catalog does not hold (an old or forged button).
    #[error("I can't find that song any more, so I couldn't note it.")]
    UnknownSong,
    /// The operator turned memory off (`memory_days = 0`): nothing is kept, so there is nothing
    /// to rate, show or forget.
    #[error("I don't keep any history here: nothing about you is stored.")]
    MemoryOff,
    /// The database failed while fetching the songs.
    #[error("Sorry, my music library is unavailable right now. Please try again in a minute.")]
    Storage(#[source] CatalogError),
}

impl RecommendError {
    /// A stable machine-readable code (JSON answers of the CLI and the HTTP API).
    pub fn code(&self) -> &'static str {
        use VisionError as V;
        match self {
            RecommendError::Empty => "empty_text",
            RecommendError::TooLong { .. } => "text_too_long",
            RecommendError::NoEmotion => "no_emotion",
            RecommendError::SmallTalk => "small_talk",
            RecommendError::EmptyCatalog => "empty_catalog",
            RecommendError::UnknownSong => "unknown_song",
            RecommendError::MemoryOff => "memory_off",
            RecommendError::Storage(_) => "storage_unavailable",
            RecommendError::Photo(V::TooLarge { .. } | V::TooManyPixels { .. }) => {
                "image_too_large"
            }
            RecommendError::Photo(V::NotAnImage) => "not_an_image",
            RecommendError::Photo(V::Damaged(_)) => "image_damaged",
            RecommendError::Photo(V::NoFace) => "no_face",
            RecommendError::Photo(V::NoMood) => "no_emotion",
            RecommendError::Photo(V::Model(_)) => "vision_unavailable",
        }
    }
}
