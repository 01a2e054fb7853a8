//! Writes the seed corpora of the fuzz targets into `fuzz/seeds/<target>/` (run from the repository
//! root: `cargo run --release -p moodtune-tests --bin fuzz_seeds`). Seeds come from the test
//! fixtures (posts, the demo dump) and from the product's own writers (button data, a snapshot),
//! so they are valid inputs the fuzzer can damage in interesting ways. The photo pipeline's seeds
//! are the photo fixtures themselves (`tests/fixtures/images`).

use std::path::Path;

use moodtune_adapters::memory::{encode_history, encode_rate};
use moodtune_adapters::paging::{encode_lift, encode_more};
use moodtune_core::text::lexicon::Lexicon;
use moodtune_core::{Method, TextAnalyzer, Verdict};
use moodtune_tests::fuzzing::snapshot;

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new("fuzz/seeds").join(target);
    std::fs::create_dir_all(&dir).expect("seed folder");
    std::fs::write(dir.join(name), bytes).expect("seed written");
}

fn main() {
    // Text: fixture posts, everyday messages, commands, and catalog strings with markup, line
    // breaks and terminal escapes in them (pieces are separated by \x01).
    let posts = std::fs::read_to_string("tests/fixtures/posts.txt").expect("posts fixture");
    for (i, line) in posts
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(24)
        .enumerate()
    {
        write("text", &format!("post-{i:02}"), line.as_bytes());
    }
    let messages = [
        "不开心",
        "好累啊",
        "emo了 😭",
        "today is a great day!",
        "I just got dumped and I feel awful",
        "/mood@moodtunebot 下雨天有点想家",
        "/cheer 好累",
        "/history 2",
        "hey @MoodTuneBot 好难过 (╥﹏╥)",
        "难过\u{1}<b>遗憾</b>\u{1}A|B&C\u{1}深夜\n伤感",
        "开心\u{1}title\n 2. fake — x  https://evil.example\u{1}\u{1b}[31mred\u{1}\u{202e}lanif",
        "sad\u{1}[x](https://evil.example) *bold* `code` @everyone\u{1}<i>\u{1}```",
    ];
    for (i, m) in messages.iter().enumerate() {
        write("text", &format!("message-{i:02}"), m.as_bytes());
    }
    // Buttons: what the writers write, and near misses.
    let analyzer = TextAnalyzer::new(Lexicon::embedded().0, Method::default());
    let sad = analyzer.mood("下雨天一个人，有点难过").expect("a mood");
    for (i, data) in [
        encode_more(&sad, 0),
        encode_more(&sad, 10),
        encode_lift(&sad, 20),
        encode_rate(307018, Verdict::Like),
        encode_rate(307018, Verdict::Dislike),
        encode_history(3),
        "vibe".to_string(),
        "again".to_string(),
        "m:100:0880".to_string(),
        "r+:99999999999999999999".to_string(),
    ]
    .iter()
    .enumerate()
    {
        write("buttons", &format!("data-{i:02}"), data.as_bytes());
    }
    let mut mood_bytes: Vec<u8> = (0..21u8).map(|i| i * 7 % 13).collect();
    mood_bytes.extend_from_slice(&[10, 0]);
    write("buttons", "writer-mood", &mood_bytes);
    // Images: tiny pictures in every format read, for the decoder (small inputs: a million of
    // them in minutes); the whole photo pipeline takes its seeds from tests/fixtures/images.
    let rgba = image::RgbaImage::from_fn(16, 16, |x, y| {
        image::Rgba([(x * 16) as u8, (y * 16) as u8, 128, 255])
    });
    for (name, format) in [
        ("tiny.png", image::ImageFormat::Png),
        ("tiny.jpg", image::ImageFormat::Jpeg),
        ("tiny.gif", image::ImageFormat::Gif),
        ("tiny.webp", image::ImageFormat::WebP),
    ] {
        let picture = if format == image::ImageFormat::Jpeg {
            image::DynamicImage::ImageRgb8(image::DynamicImage::ImageRgba8(rgba.clone()).to_rgb8())
        } else {
            image::DynamicImage::ImageRgba8(rgba.clone())
        };
        let mut bytes = std::io::Cursor::new(Vec::new());
        picture.write_to(&mut bytes, format).expect("encoded");
        write("image", name, bytes.get_ref());
    }
    // After the networks: a 640 x 480 photo with faces where the detector might put them (two
    // overlapping anchors of the 640 look, one of the 320 look; scores as probabilities and as
    // logits), the views' readings cycling through the same bytes.
    let record = |tag: u16, loc: [f32; 4], conf: [f32; 2]| -> Vec<u8> {
        let mut r = tag.to_le_bytes().to_vec();
        for v in loc.iter().chain(&conf) {
            r.extend_from_slice(&v.to_le_bytes());
        }
        r
    };
    let photo = |w: u16, h: u16, records: &[Vec<u8>]| -> Vec<u8> {
        let mut bytes = [w.to_le_bytes(), h.to_le_bytes()].concat();
        records.iter().for_each(|r| bytes.extend_from_slice(r));
        bytes
    };
    write(
        "faces",
        "two-overlapping",
        &photo(
            640,
            480,
            &[
                record(2 * 9_000, [0.1, -0.2, 0.3, 0.1], [0.02, 0.98]),
                record(2 * 9_001, [0.0, 0.0, 0.2, 0.2], [0.1, 0.9]),
            ],
        ),
    );
    write(
        "faces",
        "close-logits",
        &photo(
            300,
            400,
            &[record(2 * 500 + 1, [0.5, 0.5, 1.0, 1.0], [-3.0, 4.0])],
        ),
    );
    write("faces", "no-face", &photo(1024, 1024, &[]));
    // The dump: the first playlists of the demo catalog.
    let demo: Vec<&str> = moodtune_core::ingest::dump::EMBEDDED_DEMO
        .lines()
        .take(3)
        .collect();
    for (i, line) in demo.iter().enumerate() {
        let cut: String = line.chars().take(2000).collect();
        write("dump", &format!("playlist-{i}"), cut.as_bytes());
    }
    write(
        "dump",
        "edge-cases",
        "# comment\n1\tname\t5\t1::a::b::5\t2::ネプトリュード(Class::NEPTLUDE=>x)::Foo::5\n\tx\n3\tn\tnan\n"
            .as_bytes(),
    );
    // Crawler answers, shaped as NeteaseCloudMusicApi's.
    let answers = [
        r#"{"code":200,"more":true,"playlists":[{"id":1,"name":"深夜伤感","subscribedCount":10,"trackCount":2}]}"#,
        r#"{"code":200,"songs":[{"id":5,"name":"遗憾","ar":[{"name":"许美静"}],"al":{"name":"x"},"pop":95.0}]}"#,
        r#"{"code":200,"lrc":{"version":1,"lyric":"[00:00.000] 作词 : 黄家驹\n[00:18.990]今天我 寒夜里看雪飘过\n[ar:Beyond]\n"}}"#,
        r#"{"code":200,"nolyric":true}"#,
        r#"{"code":200,"hotComments":[{"commentId":1,"content":"哭了","likedCount":3}]}"#,
        r#"{"code":405,"message":"操作频繁，请稍候再试"}"#,
        "<html>502 Bad Gateway</html>",
    ];
    for (i, a) in answers.iter().enumerate() {
        write("crawl_answer", &format!("answer-{i}"), a.as_bytes());
    }
    // Config files.
    write(
        "config",
        "full",
        b"database_url = \"sqlite://moodtune.db?mode=rwc\"\nmemory_days = 30\nlang = \"zh\"\n",
    );
    write(
        "config",
        "bad-type",
        b"memory_days = [1, 2]\n[table]\nx = 1\n",
    );
    // Snapshots: a valid one, with the CRC kept (mode 0) and recomputed (mode 1).
    let valid = snapshot::valid_snapshot();
    for mode in [0u8, 1] {
        let mut seed = vec![mode];
        seed.extend_from_slice(&valid);
        write("snapshot", &format!("valid-mode{mode}"), &seed);
    }
    println!("seeds written under fuzz/seeds/");
}
