//! NeteaseCloudMusicApi's answers as serde types, and its LRC lyrics turned into plain text.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(super) struct TopPlaylists {
    #[serde(default)]
    pub(super) playlists: Vec<ApiPlaylist>,
    #[serde(default)]
    pub(super) more: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ApiPlaylist {
    pub(super) id: i64,
    #[serde(default)]
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) subscribed_count: i64,
    #[serde(default)]
    pub(super) track_count: i64,
}

#[derive(Debug, Deserialize)]
pub(super) struct Songs {
    #[serde(default)]
    pub(super) songs: Vec<ApiSong>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ApiSong {
    pub(super) id: i64,
    #[serde(default)]
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) ar: Vec<ApiName>,
    #[serde(default)]
    pub(super) al: Option<ApiName>,
    #[serde(default)]
    pub(super) pop: f64,
}

#[derive(Debug, Deserialize)]
pub(super) struct ApiName {
    #[serde(default)]
    pub(super) name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Lyric {
    #[serde(default)]
    pub(super) nolyric: bool,
    #[serde(default)]
    pub(super) uncollected: bool,
    #[serde(default)]
    pub(super) lrc: Option<LrcPart>,
}

#[derive(Debug, Deserialize)]
pub(super) struct LrcPart {
    #[serde(default)]
    pub(super) lyric: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct HotComments {
    #[serde(default)]
    pub(super) hot_comments: Vec<ApiComment>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ApiComment {
    pub(super) comment_id: i64,
    #[serde(default)]
    pub(super) content: Option<String>,
    #[serde(default)]
    pub(super) liked_count: i64,
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
