//! NeteaseCloudMusicApi's answers as serde types, and its LRC lyrics turned into plain text.
//!
//! Public so that the fuzz harness decodes answers exactly as the crawler does: an answer is
//! a stranger's bytes (any server can pose as the API).

use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Longest answer body read (the largest real answers, a playlist's 1,000 songs, are about
/// 1 MB): a server that sends more is refused rather than held in memory.
pub const MAX_ANSWER_BYTES: usize = 16 << 20;

/// Why an answer body was not taken; the client adds the URL.
#[derive(Debug)]
pub enum AnswerError {
    /// Not JSON: the first bytes, for the log.
    NotJson(String),
    /// JSON with a `code` other than 200, and its message.
    Api(i64, String),
    /// JSON of another shape than asked.
    Shape(serde_json::Error),
}

/// Decodes one answer body: JSON, whose `code` (when present) is 200, of the shape `T`.
pub fn decode_answer<T: DeserializeOwned>(body: &[u8]) -> Result<T, AnswerError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| {
        AnswerError::NotJson(String::from_utf8_lossy(&body[..body.len().min(80)]).into_owned())
    })?;
    let code = value.get("code").and_then(|c| c.as_i64()).unwrap_or(200);
    if code != 200 {
        let message = value
            .get("message")
            .or_else(|| value.get("msg"))
            .and_then(|m| m.as_str())
            .unwrap_or("")
            .to_string();
        return Err(AnswerError::Api(code, message));
    }
    serde_json::from_value(value).map_err(AnswerError::Shape)
}

/// `/top/playlist`: a page of the most collected playlists.
#[derive(Debug, Deserialize)]
pub struct TopPlaylists {
    /// The page.
    #[serde(default)]
    pub playlists: Vec<ApiPlaylist>,
    /// Whether more pages follow.
    #[serde(default)]
    pub more: bool,
}

/// A playlist as listed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiPlaylist {
    /// NetEase id.
    pub id: i64,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// How many collected it.
    #[serde(default)]
    pub subscribed_count: i64,
    /// Songs it holds.
    #[serde(default)]
    pub track_count: i64,
}

/// `/playlist/track/all`: a playlist's songs.
#[derive(Debug, Deserialize)]
pub struct Songs {
    /// The songs.
    #[serde(default)]
    pub songs: Vec<ApiSong>,
}

/// A song: id, title, artists, album, popularity.
#[derive(Debug, Deserialize)]
pub struct ApiSong {
    /// NetEase id.
    pub id: i64,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// Artists.
    #[serde(default)]
    pub ar: Vec<ApiName>,
    /// Album.
    #[serde(default)]
    pub al: Option<ApiName>,
    /// Popularity, 0..100.
    #[serde(default)]
    pub pop: f64,
}

/// Anything NetEase names (an artist, an album).
#[derive(Debug, Deserialize)]
pub struct ApiName {
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
}

/// `/lyric`: a song's LRC lyrics, or why there are none.
#[derive(Debug, Deserialize)]
pub struct Lyric {
    /// Instrumental.
    #[serde(default)]
    pub nolyric: bool,
    /// No lyrics collected yet.
    #[serde(default)]
    pub uncollected: bool,
    /// The original lyrics.
    #[serde(default)]
    pub lrc: Option<LrcPart>,
}

/// The LRC text of one lyric version.
#[derive(Debug, Deserialize)]
pub struct LrcPart {
    /// LRC text.
    #[serde(default)]
    pub lyric: Option<String>,
}

/// `/comment/hot`: a song's most liked comments.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HotComments {
    /// The comments.
    #[serde(default)]
    pub hot_comments: Vec<ApiComment>,
}

/// One comment.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiComment {
    /// NetEase id.
    pub comment_id: i64,
    /// The text.
    #[serde(default)]
    pub content: Option<String>,
    /// Likes.
    #[serde(default)]
    pub liked_count: i64,
}

/// Credit lines at the top of NetEase lyrics ("作词 : 黄家驹"): names, not feelings.
const CREDIT_WORDS: &[&str] = &[
    "作词",
    "作曲",
    "编曲",
    "制作人",
    "制作",
    "监制",
    "混音",
    "录音",
    "母带",
    "和声",
    "配唱",
    "吉他",
    "贝斯",
    "鼓",
    "弦乐",
    "键盘",
    "出品",
    "发行",
    "统筹",
    "策划",
    "词",
    "曲",
    "原唱",
    "lyricist",
    "lyrics",
    "composer",
    "arranger",
    "producer",
    "mixing",
    "mastering",
];

/// Turns NetEase LRC into plain lyric text: time tags (`[00:18.990]`) and metadata lines
/// (`[ar:Beyond]`) go, credit lines (`作词 : 黄家驹`) and NetEase's JSON credit lines go, blank
/// lines go.
pub fn clean_lrc(lrc: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    'lines: for line in lrc.lines() {
        let mut rest = line.trim();
        while let Some(tagged) = rest.strip_prefix('[') {
            let Some(end) = tagged.find(']') else { break };
            let tag = &tagged[..end];
            let is_time = tag.chars().next().is_some_and(|c| c.is_ascii_digit())
                && tag
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, ':' | '.'));
            if !is_time {
                continue 'lines; // [ar:...], [ti:...], [by:...]
            }
            rest = tagged[end + 1..].trim_start();
        }
        let rest = rest.trim();
        if rest.is_empty() || rest.starts_with('{') {
            continue;
        }
        if let Some((head, _)) = rest.split_once([':', '：']) {
            let head = head.trim().to_lowercase();
            if CREDIT_WORDS.iter().any(|w| head == *w) {
                continue;
            }
        }
        out.push(rest);
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lrc_is_cleaned() {
        let table = [
            (
                "[00:00.000] 作词 : 黄家驹\n[00:01.000] 作曲 : 黄家驹\n[00:18.990]今天我 寒夜里看雪飘过\n",
                "今天我 寒夜里看雪飘过",
            ),
            ("[ar:Beyond]\n[ti:海阔天空]\n[00:01.00][00:30.00]原谅我这一生", "原谅我这一生"),
            ("[00:02.00]\n\n[00:03.00]  \n", ""),
            (
                "{\"t\":0,\"c\":[{\"tx\":\"作词: \"},{\"tx\":\"x\"}]}\n[00:05.1]我的心：你不懂",
                "我的心：你不懂",
            ),
            ("[00:01.00]Composer: Someone\n[00:02.00]I miss you", "I miss you"),
            ("no tags at all\nsecond line", "no tags at all\nsecond line"),
            ("[00:01.00 broken tag", "[00:01.00 broken tag"),
        ];
        for (lrc, want) in table {
            assert_eq!(clean_lrc(lrc), want, "{lrc:?}");
        }
    }
}
