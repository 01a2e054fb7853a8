//! The JSON a reply is sent as, by `moodtune recommend --json` and by the HTTP API alike: one set
//! of types, so the two cannot drift apart, and the API's OpenAPI schema is derived from what is
//! really sent. Wire shapes belong to the adapters; core knows none of them.

use moodtune_core::{Face, Recommendation};

/// The JSON a reply is sent as, by `moodtune recommend --json` and by the HTTP API alike: one type,
/// so the two cannot drift apart and the API's OpenAPI schema is derived from what is really sent.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct RecommendationView {
    /// Weight of each of the 21 DLUT categories by code (`PA` 快乐, `NB` 悲伤, ...), summing to 1.
    #[schema(value_type = std::collections::BTreeMap<String, f32>)]
    pub emotion: serde_json::Map<String, serde_json::Value>,
    /// For a text: the words and symbols that carried the mood (symbols first, then words).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cues: Vec<String>,
    /// Songs, closest to the mood first.
    pub tracks: Vec<TrackView>,
    /// For a photo: every face read (absent for text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faces: Option<Vec<FaceView>>,
}

/// One song of a reply on the wire.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct TrackView {
    /// NetEase song id.
    pub id: i64,
    /// Title.
    pub name: String,
    /// Artist names in credit order.
    pub artists: Vec<String>,
    /// Link to the song.
    pub url: String,
    /// Euclidean distance between the mood and the song's emotion (smaller is closer).
    pub distance: f32,
    /// Why it was chosen, when short: the name of a playlist holding it whose mood agrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One face of a photo on the wire.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct FaceView {
    /// Box in the (EXIF-oriented) photo's pixels: x1, y1, x2, y2.
    pub bbox: [f32; 4],
    /// Detector confidence.
    pub score: f32,
    /// This face's emotion alone, by category code.
    #[schema(value_type = std::collections::BTreeMap<String, f32>)]
    pub emotion: serde_json::Map<String, serde_json::Value>,
}

impl RecommendationView {
    /// The wire shape of `rec` (with the faces of a photo, when there was one).
    pub fn new(rec: &Recommendation, faces: Option<&[Face]>) -> RecommendationView {
        RecommendationView {
            emotion: rec.emotion.to_map(),
            cues: rec.cues.clone(),
            tracks: rec
                .tracks
                .iter()
                .map(|t| TrackView {
                    id: t.info.id,
                    name: t.info.name.clone(),
                    artists: t.info.artists.clone(),
                    url: t.url.clone(),
                    distance: t.distance,
                    reason: t.reason.clone(),
                })
                .collect(),
            faces: faces.map(|faces| {
                faces
                    .iter()
                    .map(|f| FaceView {
                        bbox: f.bbox,
                        score: f.score,
                        emotion: f.emotion.to_map(),
                    })
                    .collect()
            }),
        }
    }

    /// This reply as a JSON value (what `moodtune recommend --json` prints).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}
