//! The `moodtune` binary end to end, as a person uses it: the console chat over stdin/stdout, the
//! one-shot `recommend`, `eval text`, `eval photos`, `import playlists` and `catalog stats`, on a fresh SQLite
//! file each time. (Declared in bot/Cargo.toml so that Cargo builds the binary first.)

use std::io::Write;
use std::process::{Command, Output, Stdio};

struct Run {
    dir: tempfile::TempDir,
}

impl Run {
    fn new() -> Run {
        Run {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_moodtune"));
        c.current_dir(self.dir.path())
            .env_remove("RUST_LOG")
            .env_remove("MOODTUNE_LEXICON")
            .env_remove("TELOXIDE_TOKEN")
            .env_remove("DISCORD_TOKEN")
            .env(
                "DATABASE_URL",
                format!(
                    "sqlite://{}?mode=rwc",
                    self.dir.path().join("m.db").display()
                ),
            )
            .env("MOODTUNE_LANG", "en");
        c
    }

    fn chat(&self, input: &[u8]) -> Output {
        let mut child = self
            .cmd()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().unwrap()
    }
}

/// Runs a command that must succeed; its stderr is the failure message.
trait Succeed {
    fn succeed(&mut self) -> Output;
}

impl Succeed for Command {
    fn succeed(&mut self) -> Output {
        let out = self.output().expect("the binary runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn console_chat_answers_every_kind_of_input() {
    let run = Run::new();
    let mut input = Vec::new();
    input.extend_from_slice("下雨天一个人，有点难过\n".as_bytes());
    input.extend_from_slice(b"/more\n");
    input.extend_from_slice(b"/cheer\n");
    input.extend_from_slice("🚗🚗🚗\n".as_bytes());
    input.extend_from_slice("早上好\n".as_bytes());
    input.extend_from_slice(b"/mood    \n");
    input.extend(std::iter::repeat_n(b'a', 1 << 20));
    input.push(b'\n');
    input.extend_from_slice(&"很".repeat(5000).into_bytes());
    input.push(b'\n');
    input.extend_from_slice(&[0xff, 0xfe, 0xfd, b'\n']);
    input.extend_from_slice(b"/help\n/nonsense\n/quit\nthis line is never read\n");
    let out = run.chat(&input);
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // (expected fragment, in order)
    let expected = [
        "Hi, I'm moodtune",
        "Your mood: 悲伤 sad",
        " 1. ",
        "10. ",
        "11. ",
        "20. ",
        "Songs to cheer you up. Your mood: 悲伤 sad",
        " 1. ",
        "10. ",
        "I couldn't read a mood from that",
        // Small talk is greeted back (in English: these runs choose it).
        "Hi! Tell me how you feel",
        "Tell me how you feel in a few words",
        "Please keep it under 4000 characters",
        "Please keep it under 4000 characters",
        "wasn't valid UTF-8 text",
        "/mood TEXT",
        "I don't know that command",
        "Bye!",
    ];
    let mut at = 0;
    for frag in expected {
        match text[at..].find(frag) {
            Some(i) => at += i + frag.len(),
            None => panic!("missing {frag:?} after byte {at} in:\n{text}"),
        }
    }
    assert!(!text.contains("never read"));
    let links = text.matches("https://music.163.com/song?id=").count();
    assert_eq!(links, 30, "{text}");
}

/// The NetEase song ids linked in console output, in order.
fn song_ids(text: &str) -> Vec<String> {
    text.split("song?id=")
        .skip(1)
        .map(|rest| rest.chars().take_while(char::is_ascii_digit).collect())
        .collect()
}

#[test]
fn the_console_remembers_ratings_and_moods_across_runs_until_forgotten() {
    let run = Run::new();
    let sad = "下雨天一个人，有点难过\n";
    let first = run.chat(format!("{sad}/dislike 1\n/like 2\n/like 99\n/history\n").as_bytes());
    let text = stdout(&first);
    assert!(first.status.success(), "{text}");
    let songs = song_ids(&text);
    assert!(
        text.contains("Rate a song: /like N or /dislike N."),
        "{text}"
    );
    assert!(text.contains("you won't get"), "{text}");
    assert!(text.contains("👍 Noted"), "{text}");
    assert!(text.contains("Use /like N or /dislike N"), "{text}");
    assert!(
        text.contains("Your last moods:") && text.contains("(message)"),
        "{text}"
    );
    // The salt that keys the person is kept privately beside the database.
    let salt = run.dir.path().join("m.db.salt");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&salt).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }

    // A new run knows the person: the history is there, the disliked song stays away.
    let second = run.chat(format!("/history\n{sad}/forget\n/history\n").as_bytes());
    let text = stdout(&second);
    assert!(second.status.success(), "{text}");
    let (history, rest) = text.split_once("Page 1 of 1").expect("a history page");
    assert!(
        history.contains("♥ ") && history.contains(&songs[1]),
        "{history}"
    );
    let again = song_ids(rest);
    assert_eq!(again.len(), 10, "{rest}");
    assert!(
        !again.contains(&songs[0]),
        "the disliked song came back: {rest}"
    );
    assert!(rest.contains("(2 moods, 2 ratings)"), "{rest}");
    assert!(rest.contains("Nothing here yet"), "{rest}");
}

#[test]
fn each_listener_gets_an_own_list_that_stays_for_the_day() {
    let run = Run::new();
    let songs = |user: &str, day: &str| -> Vec<(i64, Vec<String>)> {
        let out = run
            .cmd()
            .args(["recommend", "--json", "--user", user, "--day", day])
            .arg("今天升职加薪了，太开心了")
            .succeed();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let artists = t["artists"].as_array().unwrap();
                let artists = artists.iter().map(|a| a.as_str().unwrap().to_string());
                (t["id"].as_i64().unwrap(), artists.collect())
            })
            .collect()
    };
    let one = songs("1", "20425");
    assert_eq!(one.len(), 10);
    assert_eq!(one, songs("1", "20425"), "the same person, the same day");
    assert_ne!(one, songs("2", "20425"), "another person");
    assert_ne!(one, songs("1", "20426"), "another day");
    let mut artists: Vec<&String> = one.iter().flat_map(|(_, a)| a).collect();
    let n = artists.len();
    artists.sort();
    artists.dedup();
    assert_eq!(artists.len(), n, "one song per artist: {one:?}");
}

#[test]
fn one_shot_recommend_prints_json() {
    let run = Run::new();
    let out = run
        .cmd()
        .args(["recommend", "-k", "5", "--json", "下雨天一个人，有点难过"])
        .succeed();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let emotion = v["emotion"].as_object().unwrap();
    assert_eq!(emotion.len(), 21);
    let sum: f64 = emotion.values().map(|x| x.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-4, "{sum}");
    assert!(emotion["NB"].as_f64().unwrap() > 0.5);
    let cues = v["cues"].as_array().unwrap();
    assert!(cues.iter().any(|c| c == "难过"), "{cues:?}");
    let tracks = v["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 5);
    assert!(
        tracks.iter().any(|t| t["reason"].is_string()),
        "a song's reason: {tracks:?}"
    );
    for t in tracks {
        let id = t["id"].as_i64().unwrap();
        assert_eq!(t["url"], format!("https://music.163.com/song?id={id}"));
        assert!(
            t["name"].is_string() && t["artists"].is_array() && t["distance"].is_number(),
            "{t}"
        );
    }
}

#[test]
fn one_shot_without_emotion_exits_with_a_clear_message() {
    let run = Run::new();
    let out = run.cmd().args(["recommend", "1234 5678"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("couldn't read a mood"));
    let out = run
        .cmd()
        .args(["recommend", "--json", "明天几点开会"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "no_emotion");
    // Small talk is greeted back (the one-shot CLI answers in English; the chat adapters
    // translate, see `messages::tests`).
    for (text, says) in [
        ("早上好", "Hi! Tell me how you feel"),
        ("play something", "Hi! Tell me how you feel"),
    ] {
        let out = run
            .cmd()
            .args(["recommend", "--json", text])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["error"]["code"], "small_talk", "{text}: {v}");
        let out = run.cmd().args(["recommend", text]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(says),
            "{text}: {out:?}"
        );
    }
}

#[test]
fn eval_text_ends_with_the_summary_line() {
    let run = Run::new();
    let file = run.dir.path().join("posts.jsonl");
    std::fs::write(
        &file,
        "{\"content\": \"今天真开心，快乐极了\", \"label\": \"happiness\"}\n\
         {\"content\": \"好伤心，想哭\", \"label\": \"sadness\"}\n\
         {\"content\": \"明天几点开会\", \"label\": \"happiness\"}\n\
         not json\n",
    )
    .unwrap();
    let out = run.cmd().args(["eval", "text"]).arg(&file).succeed();
    let text = stdout(&out);
    let last = text.lines().last().unwrap();
    // The class models read the plain fact as "no feeling": wrong against its (odd) gold label.
    // joy: p=1 r=1/2 f1=2/3; sadness f1=1; five classes 0 -> (5/3)/7.
    assert_eq!(
        last, "accuracy=0.6667 macro_f1=0.2381 coverage=0.6667 n=3",
        "{text}"
    );
    assert!(
        text.contains("gold\\pred"),
        "confusion matrix first:\n{text}"
    );
    // The rules alone find no emotion word in it: the same figures.
    let out = run
        .cmd()
        .args(["eval", "text", "--method", "tuned-without-model"])
        .arg(&file)
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(
        text.lines().last().unwrap(),
        "accuracy=0.6667 macro_f1=0.2381 coverage=0.6667 n=3",
        "{text}"
    );
}

/// `eval photos` reads photos the way the bot does and scores them against labels taken from file
/// or folder names, or from an `image,emotion` list: a wrong label is counted wrong, a photo
/// without a face is counted as "no face", an unlabelled photo is skipped.
#[test]
fn eval_photos_scores_labelled_faces() {
    let run = Run::new();
    let fixture = |name: &str| {
        format!(
            "{}/../tests/fixtures/images/{name}",
            env!("CARGO_MANIFEST_DIR")
        )
    };
    let faces = run.dir.path().join("faces");
    std::fs::create_dir_all(faces.join("happy")).unwrap();
    std::fs::copy(fixture("justin.jpg"), faces.join("happy_justin.jpg")).unwrap();
    std::fs::copy(fixture("astronaut.png"), faces.join("happy/astronaut.png")).unwrap();
    // A smiling face labelled sad: the reader must not agree with a wrong label.
    std::fs::copy(fixture("justin_grey.png"), faces.join("sad_justin.png")).unwrap();
    std::fs::copy(fixture("justin.webp"), faces.join("unlabelled.webp")).unwrap();
    std::fs::write(faces.join("anger_blank.png"), BLANK_PNG).unwrap();
    let dump = run.dir.path().join("dump.tsv");
    let out = run
        .cmd()
        .args(["eval", "photos"])
        .arg(&faces)
        .arg("--dump")
        .arg(&dump)
        .succeed();
    let text = stdout(&out);
    // joy: read 3, right 2 -> f1 0.8; sorrow and anger 0 -> macro-F1 0.2667.
    assert_eq!(
        text.lines().last().unwrap(),
        "accuracy=0.5000 macro_f1=0.2667 no_face=0.2500 n=4",
        "{text}"
    );
    assert!(text.contains("joy recall=1.0000 n=2"), "{text}");
    assert!(text.contains("sorrow recall=0.0000 n=1"), "{text}");
    // The dump: one line per photo; a face's box, then FER's 4 views x (7 probabilities + 128
    // channels), then the second network's 6 views x 7 probabilities.
    let dumped = std::fs::read_to_string(&dump).unwrap();
    assert_eq!(dumped.lines().count(), 4, "{dumped}");
    let fields: Vec<usize> = dumped.lines().map(|l| l.split('\t').count()).collect();
    assert_eq!(
        fields
            .iter()
            .filter(|n| **n == 3 + 4 + 4 * 135 + 6 * 7)
            .count(),
        3
    );
    // The same photos from a list beside them (paths relative to the list).
    std::fs::write(
        faces.join("legend.csv"),
        "image,emotion\nhappy_justin.jpg,happiness\nsad_justin.png,neutral\n",
    )
    .unwrap();
    let text = stdout(&run.cmd().args(["eval", "photos"]).arg(&faces).succeed());
    assert_eq!(
        text.lines().last().unwrap(),
        "accuracy=1.0000 macro_f1=1.0000 no_face=0.0000 n=1",
        "{text}"
    );
    assert!(text.contains("neutral calm=0.0000 no_face=0 n=1"), "{text}");
    // Nothing labelled: a clear error, not a table of zeros.
    let empty = run.dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = run
        .cmd()
        .args(["eval", "photos"])
        .arg(&empty)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no labelled photos"));
}

/// A valid 1x1 PNG: a photo with no face in it.
const BLANK_PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0,
    0, 0, 31, 21, 196, 137, 0, 0, 0, 13, 73, 68, 65, 84, 120, 218, 99, 252, 207, 192, 80, 15, 0, 4,
    133, 1, 128, 132, 169, 140, 33, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

/// A file with `phenomenon` fields gets one accuracy line per phenomenon and per language before
/// the summary line, which stays last; a `none` label is a class of its own.
#[test]
fn eval_text_reports_phenomena_and_languages() {
    let run = Run::new();
    let file = run.dir.path().join("chat.jsonl");
    std::fs::write(
        &file,
        "{\"content\": \"今天真开心\", \"label\": \"happiness\", \"phenomenon\": \"plain\"}\n\
         {\"content\": \"明天几点开会\", \"label\": \"none\", \"phenomenon\": \"none\"}\n\
         {\"content\": \"I am so happy\", \"label\": \"happiness\", \"phenomenon\": \"english_plain\"}\n",
    )
    .unwrap();
    let out = run
        .cmd()
        .args(["eval", "text", "--method", "tuned-without-model"])
        .arg(&file)
        .succeed();
    let text = stdout(&out);
    let tail: Vec<&str> = text.lines().rev().take(6).collect();
    assert_eq!(
        tail,
        [
            // joy f1 1, none f1 1, six classes 0 -> 2/8.
            "accuracy=1.0000 macro_f1=0.2500 coverage=0.6667 n=3",
            "phenomenon=plain accuracy=1.0000 n=1",
            "phenomenon=none accuracy=1.0000 n=1",
            "phenomenon=english_plain accuracy=1.0000 n=1",
            "lang=zh accuracy=1.0000 n=2",
            "lang=en accuracy=1.0000 n=1",
        ],
        "{text}"
    );
}

/// `eval fit` reports cross-validated figures and writes a model; `eval text` on the very posts
/// a model was fitted on cross-validates instead of scoring them with the model that saw them.
#[test]
fn fitting_reports_cross_validated_figures() {
    let run = Run::new();
    let file = run.dir.path().join("posts.jsonl");
    let mut lines = String::new();
    for i in 0..40 {
        let (text, label) = match i % 4 {
            0 => ("今天真开心", "happiness"),
            1 => ("好伤心，想哭", "sadness"),
            2 => ("气死我了", "anger"),
            _ => ("太恶心了", "disgust"),
        };
        lines.push_str(&format!(
            "{{\"content\": \"{text}{i}\", \"label\": \"{label}\"}}\n"
        ));
    }
    std::fs::write(&file, lines).unwrap();
    let model = run.dir.path().join("model.json");
    let out = run
        .cmd()
        .args(["eval", "fit", "--folds", "5", "--out"])
        .arg(&model)
        .arg(&file)
        .succeed();
    let text = stdout(&out);
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("accuracy=1.0000 macro_f1=0.5714"),
        "{text}"
    );
    let fitted: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(fitted["trained_on"]["n"], 40);
    assert_eq!(fitted["cross_validated"]["folds"], 5);
    assert!(fitted["grams"].as_object().unwrap().len() > 4);
    assert!(String::from_utf8_lossy(&out.stderr).contains("5-fold cross-validated"));

    // A training file whose sources label by rules of their own (`:own`): recorded as such,
    // and none of the private copies of its features is stored (every stored name is a real
    // feature's, never a bare key in hex as an unnamed key would be written).
    let extra = run.dir.path().join("extra.jsonl");
    let mut lines = String::new();
    for i in 0..20 {
        let source = ["a", "b"][i % 2];
        lines.push_str(&format!(
            "{{\"content\": \"今天真开心{i}\", \"label\": \"sadness\", \"source\": \"{source}\"}}\n"
        ));
    }
    std::fs::write(&extra, lines).unwrap();
    let own = run.dir.path().join("own.json");
    run.cmd()
        .args(["eval", "fit", "--folds", "2", "--out"])
        .arg(&own)
        .arg(&file)
        .arg("--extra")
        .arg(format!("{}:0.5:own", extra.display()))
        .args(["--nb", "0.3"])
        .succeed();
    let fitted: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&own).unwrap()).unwrap();
    assert_eq!(fitted["trained_on"]["extra"][0], "extra.jsonl:0.5:own:20");
    // Naive-Bayes scaling is recorded with the options (the stored weights already carry it).
    assert!((fitted["fitted_with"]["nb"].as_f64().unwrap() - 0.3).abs() < 1e-6);
    let names = fitted["grams"].as_object().unwrap();
    assert!(names.keys().any(|n| n == "c开心"), "{names:?}");
    let unnamed = |n: &str| n.len() >= 12 && n.chars().all(|c| c.is_ascii_hexdigit());
    assert!(!names.keys().any(|n| unnamed(n)), "{names:?}");

    // A refit is measured before it ships: `eval text --model-zh` decides with it, and
    // `--misread` lists the posts it got wrong (this model never saw fear, so the second is).
    let check = run.dir.path().join("check.jsonl");
    std::fs::write(
        &check,
        "{\"content\": \"今天真开心\", \"label\": \"happiness\"}\n\
         {\"content\": \"我好害怕\", \"label\": \"fear\"}\n",
    )
    .unwrap();
    let misread = run.dir.path().join("misread.tsv");
    run.cmd()
        .args(["eval", "text", "--model-zh"])
        .arg(&model)
        .arg("--misread")
        .arg(&misread)
        .arg(&check)
        .succeed();
    let wrong = std::fs::read_to_string(&misread).unwrap();
    assert!(
        wrong.starts_with("Fear\t") && wrong.ends_with("\t-\t我好害怕\n"),
        "{wrong}"
    );
    assert_eq!(wrong.lines().count(), 1, "{wrong}");
}

#[test]
fn import_then_stats_on_an_empty_database() {
    let run = Run::new();
    let file = run.dir.path().join("dump.tsv");
    std::fs::write(
        &file,
        "1\t伤心情歌\t100\t11::离别::阿杜::90\t12::晴天::周杰伦::99\n",
    )
    .unwrap();
    let out = run
        .cmd()
        .args(["--no-demo", "import", "playlists"])
        .arg(&file)
        .succeed();
    assert!(
        stdout(&out).contains("playlists=1 tracks=2"),
        "{}",
        stdout(&out)
    );
    let out = run
        .cmd()
        .args(["--no-demo", "catalog", "stats", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            v["playlists"].as_u64(),
            v["tracks"].as_u64(),
            v["artists"].as_u64()
        ),
        (Some(1), Some(2), Some(2))
    );
    assert_eq!(v["labelled"].as_u64(), Some(2), "{v}");
}

/// Commands that need only the database open only the database: `catalog stats` on a fresh one
/// imports, labels and indexes nothing (the bot's start, or `import demo`, loads the demo).
#[test]
fn catalog_stats_on_a_fresh_database_imports_nothing() {
    let run = Run::new();
    let stats = |run: &Run| -> serde_json::Value {
        let out = run.cmd().args(["catalog", "stats", "--json"]).succeed();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let fresh = stats(&run);
    assert_eq!(
        (fresh["playlists"].as_u64(), fresh["tracks"].as_u64()),
        (Some(0), Some(0)),
        "{fresh}"
    );
    assert_eq!(fresh["labelled"].as_u64(), Some(0), "{fresh}");
    let files: Vec<String> = std::fs::read_dir(run.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !files.iter().any(|f| f.ends_with(".graph")),
        "no index was built: {files:?}"
    );

    let out = run.cmd().args(["import", "demo"]).succeed();
    assert!(
        stdout(&out).contains("imported playlists=634"),
        "{}",
        stdout(&out)
    );
    let loaded = stats(&run);
    assert_eq!(loaded["playlists"].as_u64(), Some(634), "{loaded}");
    assert!(loaded["labelled"].as_u64().unwrap() > 20_000, "{loaded}");
    // Importing it again changes nothing.
    run.cmd().args(["import", "demo"]).succeed();
    assert_eq!(stats(&run), loaded);
}

#[test]
fn bad_configuration_fails_fast_and_clearly() {
    let run = Run::new();
    let missing = run
        .cmd()
        .env("MOODTUNE_LEXICON", "/nonexistent/lexicon.csv")
        .args(["recommend", "难过"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read the lexicon file"));

    let junk = run.dir.path().join("junk.csv");
    std::fs::write(&junk, "this,is\nnot,a,lexicon\n").unwrap();
    let out = run
        .cmd()
        .env("MOODTUNE_LEXICON", &junk)
        .args(["recommend", "难过"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no usable rows"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let down = run
        .cmd()
        .env(
            "DATABASE_URL",
            "postgres://moodtune:hunter2@127.0.0.1:1/none",
        )
        .env("MOODTUNE_DB_TIMEOUT_SECS", "2")
        .args(["recommend", "难过"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&down.stderr);
    assert_eq!(down.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot open the database"), "{err}");
    assert!(
        !err.contains("hunter2") && !err.contains("panicked"),
        "{err}"
    );
}

/// The binary serves Telegram when TELOXIDE_TOKEN is set, answers through the Bot API at
/// TELEGRAM_API_URL, and stops cleanly on SIGTERM.
#[test]
fn the_binary_serves_telegram_and_stops_on_sigterm() {
    use moodtune_tests::fake_telegram::{text_update, FakeTelegram};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let token = "4242:binary-test-token-xyz";
    let fake = rt.block_on(FakeTelegram::start(token));
    let run = Run::new();
    let mut child = run
        .cmd()
        .env("TELOXIDE_TOKEN", token)
        .env("TELEGRAM_API_URL", &fake.url)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let m = fake.message_id();
    let started = std::time::Instant::now();
    fake.push(text_update(m, 42, 42, "下雨天一个人，有点难过"));
    let sent = rt.block_on(fake.wait_for("sendMessage", 1, std::time::Duration::from_secs(60)));
    eprintln!(
        "update in -> sendMessage out, including start-up: {:?}",
        started.elapsed()
    );
    assert_eq!(sent[0]["reply_parameters"]["message_id"], m);
    assert_eq!(
        sent[0]["text"]
            .as_str()
            .unwrap()
            .matches("https://music.163.com/song?id=")
            .count(),
        10
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "did not stop on SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let out = child.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(exit.success(), "{exit:?}\n{logs}");
    assert!(logs.contains("telegram bot stopped"), "{logs}");
    assert!(
        !logs.contains("binary-test-token"),
        "the token leaked into the logs:\n{logs}"
    );
}

/// Telegram and Discord in one process: both answer, one SIGTERM stops both, and neither token
/// shows in the logs at any level (trace included: dependencies print URLs and headers there),
/// which carry no terminal colour codes when piped.
#[test]
fn the_binary_serves_telegram_and_discord_together() {
    use moodtune_tests::fake_discord::{message, user, FakeDiscord};
    use moodtune_tests::fake_telegram::{text_update, FakeTelegram};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let wait = std::time::Duration::from_secs(60);
    let tg_token = "4343:telegram-secret-token";
    let dc_token = "discord-secret-token.abc";
    let tg = rt.block_on(FakeTelegram::start(tg_token));
    let dc = rt.block_on(FakeDiscord::start());
    let run = Run::new();
    let mut child = run
        .cmd()
        .env("TELOXIDE_TOKEN", tg_token)
        .env("TELEGRAM_API_URL", &tg.url)
        .env("DISCORD_TOKEN", dc_token)
        .env("DISCORD_PROXY_URL", &dc.url)
        .env("RUST_LOG", "trace")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Trace logs are large: read them while the bot runs, or it blocks on a full pipe.
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut logs = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut logs).unwrap();
        String::from_utf8_lossy(&logs).into_owned()
    });
    tg.push(text_update(
        tg.message_id(),
        42,
        42,
        "下雨天一个人，有点难过",
    ));
    rt.block_on(tg.wait_for("sendMessage", 1, wait));
    rt.block_on(dc.wait_for("command registration", 1, wait, |c| {
        c.path.ends_with("/commands")
    }));
    let m = dc.id();
    dc.dispatch(
        "MESSAGE_CREATE",
        message(m, 7001, None, user(42, "ann"), "今天好开心", vec![], vec![]),
    );
    let sent = rt.block_on(dc.wait_for("discord reply", 1, wait, |c| {
        c.method == "POST" && c.path == "/api/v10/channels/7001/messages"
    }));
    assert_eq!(
        sent[0].body["message_reference"]["message_id"],
        m.to_string()
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "did not stop on SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let logs = reader.join().unwrap();
    let tail = |logs: &str| {
        let mut at = logs.len().saturating_sub(4000);
        while !logs.is_char_boundary(at) {
            at += 1;
        }
        logs[at..].to_string()
    };
    assert!(exit.success(), "{exit:?}\n{}", tail(&logs));
    assert!(
        logs.contains("telegram bot stopped") && logs.contains("discord bot stopped"),
        "{}",
        tail(&logs)
    );
    assert!(
        logs.contains("TRACE"),
        "not a trace-level log: {}",
        tail(&logs)
    );
    if let Some(line) = logs.lines().find(|l| l.contains("secret-token")) {
        panic!("a token leaked into the logs: {line}");
    }
    assert!(!logs.contains('\u{1b}'), "colour codes in piped logs");
}

/// Two `moodtune serve` processes on one PostgreSQL database both serve, and a catalog change made
/// by a third process (an import) reaches both indexes without a restart.
#[test]
fn a_fleet_on_postgres_follows_catalog_changes() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let Some(db) = rt.block_on(moodtune_tests::TestDb::postgres("fleet")) else {
        return; // MOODTUNE_TEST_SKIP_PG=1
    };
    two_servers_follow_catalog_changes(&rt, &db.url);
}

/// A second `moodtune serve` on the same SQLite file, both started at once on a file that does not
/// exist yet (migrations, demo import and labelling race): both come up, serve the same catalog
/// and follow a change made by a third process.
#[test]
fn two_servers_on_one_sqlite_file_both_serve() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("shared.db").display()
    );
    two_servers_follow_catalog_changes(&rt, &url);
}

fn two_servers_follow_catalog_changes(rt: &tokio::runtime::Runtime, url: &str) {
    let run = Run::new();
    let port = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let mut servers = Vec::new();
    for p in [port(), port()] {
        let child = run
            .cmd()
            .env("DATABASE_URL", url)
            .env("MOODTUNE_RELOAD_EVERY", "200ms")
            .args(["serve", "--http", &format!("127.0.0.1:{p}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        servers.push((p, child));
    }
    let tracks = |p: u16| -> Option<u64> {
        rt.block_on(async {
            let text = reqwest::get(format!("http://127.0.0.1:{p}/metrics"))
                .await
                .ok()?
                .text()
                .await
                .ok()?;
            text.lines()
                .find_map(|l| l.strip_prefix("moodtune_index_tracks "))
                .and_then(|n| n.trim().parse().ok())
        })
    };
    let wait_for = |p: u16, want: &dyn Fn(u64) -> bool| -> u64 {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
        loop {
            if let Some(n) = tracks(p).filter(|n| want(*n)) {
                return n;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "server on port {p} never got there"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    // Both started on an empty database: one loads and labels the demo catalog while the other
    // waits for the labelling lease and serves what is labelled so far; it catches up when the
    // catalog version moves. Wait until both serve the same, settled catalog.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    let before = loop {
        let a = wait_for(servers[0].0, &|n| n > 0);
        let b = wait_for(servers[1].0, &|n| n > 0);
        std::thread::sleep(std::time::Duration::from_millis(600));
        if a == b && tracks(servers[0].0) == Some(a) && tracks(servers[1].0) == Some(b) {
            break vec![a, b];
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the two servers never agreed: {a} vs {b}"
        );
    };

    // A third process imports a new playlist of three new songs.
    let dump = run.dir.path().join("new.tsv");
    std::fs::write(
        &dump,
        "9900000001\t下雨天听的伤心歌\t500\t9900000101::眼泪的雨::新歌手::50\t9900000102::心碎的夜晚::新歌手::40\t9900000103::一个人的难过::新歌手|另一位::30\n",
    )
    .unwrap();
    run.cmd()
        .env("DATABASE_URL", url)
        .args(["import", "playlists", dump.to_str().unwrap()])
        .succeed();

    let want = before[0] + 3;
    for (p, _) in &servers {
        assert_eq!(wait_for(*p, &|n| n == want), want);
    }
    for (_, mut child) in servers {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let _ = child.wait();
    }
}

/// `moodtune.toml` (or `--config`) fills settings, the environment overrides it, secrets need a
/// private file, and `--log-format json` writes one JSON object per log line.
#[test]
fn config_file_environment_and_json_logs() {
    use std::os::unix::fs::PermissionsExt;
    let run = Run::new();
    let dir = run.dir.path();
    let from_file = dir.join("fromfile.db");
    std::fs::write(
        dir.join("moodtune.toml"),
        format!(
            "database_url = \"sqlite://{}?mode=rwc\"\nno_demo = true\n",
            from_file.display()
        ),
    )
    .unwrap();
    // The file's database is used when DATABASE_URL is not set ...
    let out = run
        .cmd()
        .env_remove("DATABASE_URL")
        .args(["catalog", "stats", "--json"])
        .succeed();
    assert!(from_file.exists());
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["tracks"], 0, "no_demo = true from the file");
    // ... and the environment wins when it is.
    let other = dir.join("other.toml");
    std::fs::write(
        &other,
        "database_url = \"sqlite:///nonexistent/dir/x.db?mode=rwc\"\n",
    )
    .unwrap();
    run.cmd()
        .args(["--config", other.to_str().unwrap(), "catalog", "stats"])
        .succeed();

    // A token in a file others can read is refused, with the fix in the message.
    let secret = dir.join("secret.toml");
    std::fs::write(&secret, "telegram_token = \"1:abcdefghijkl\"\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = run
        .cmd()
        .args(["--config", secret.to_str().unwrap(), "catalog", "stats"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("chmod 600"), "{err}");
    assert!(!err.contains("abcdefghijkl"), "{err}");
    // An unknown key is named.
    std::fs::write(&secret, "databse_url = \"x\"\n").unwrap();
    let out = run
        .cmd()
        .args(["--config", secret.to_str().unwrap(), "catalog", "stats"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown key `databse_url`"));

    // JSON logs (with `other.toml`, which leaves the demo on: this database is still empty).
    let out = run
        .cmd()
        .env("RUST_LOG", "info")
        .args(["--config", other.to_str().unwrap()])
        .args(["--log-format", "json", "recommend", "有点难过"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let logs = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = logs.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty());
    for l in lines {
        let v: serde_json::Value =
            serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}"));
        assert!(v["level"].is_string() && v["fields"].is_object(), "{l}");
    }
}

/// `serve` on a PostgreSQL that is down at start-up waits for it (a log line per attempt, with
/// backoff), starts when it comes up, keeps answering from memory when it goes away, says so in
/// the log and in /readyz, and follows the catalog again once it is back.
#[test]
fn serve_rides_out_a_database_outage() {
    use moodtune_tests::{url_host_port, url_with_host_port, TcpGate};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let Some(db) = rt.block_on(moodtune_tests::TestDb::postgres("outage")) else {
        return; // MOODTUNE_TEST_SKIP_PG=1
    };
    let mut gate = TcpGate::shut(url_host_port(&db.url));
    let via_gate = url_with_host_port(&db.url, &format!("127.0.0.1:{}", gate.port()));
    let run = Run::new();
    let log_path = run.dir.path().join("serve.log");
    let http = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = run
        .cmd()
        .env("DATABASE_URL", &via_gate)
        .env("MOODTUNE_DB_TIMEOUT_SECS", "1")
        .env("MOODTUNE_RELOAD_EVERY", "300ms")
        .args(["serve", "--http", &format!("127.0.0.1:{http}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let wait_until = |what: &str, cond: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while !cond() {
            assert!(
                std::time::Instant::now() < deadline,
                "never: {what}\n{}",
                log()
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap();
    let status = |path: &str| -> Option<u16> {
        rt.block_on(async {
            let r = client
                .get(format!("http://127.0.0.1:{http}{path}"))
                .send()
                .await
                .ok()?;
            Some(r.status().as_u16())
        })
    };
    let recommend = || -> (u16, serde_json::Value) {
        rt.block_on(async {
            let r = client
                .post(format!("http://127.0.0.1:{http}/v1/recommend"))
                .json(&serde_json::json!({"text": "下雨天一个人，有点难过"}))
                .send()
                .await
                .expect("the server answers");
            let code = r.status().as_u16();
            (code, r.json().await.unwrap_or_default())
        })
    };

    // Down at start-up: retried, each attempt logged, nothing served yet.
    wait_until("two logged attempts", &|| {
        log().matches("database unavailable at start-up").count() >= 2
    });
    assert_eq!(
        status("/healthz"),
        None,
        "not serving before the engine is up"
    );
    assert!(child.try_wait().unwrap().is_none(), "still running");

    // Up: it starts, loads the demo catalog and serves.
    rt.block_on(gate.open());
    wait_until("ready", &|| status("/readyz") == Some(200));
    assert!(
        log().contains("the database answers: starting"),
        "{}",
        log()
    );
    let (code, body) = recommend();
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["tracks"].as_array().map(Vec::len), Some(10), "{body}");

    // Gone while serving: replies keep coming (from memory) and quickly, readiness says why.
    gate.shut_now();
    let t = std::time::Instant::now();
    let (code, body) = recommend();
    assert_eq!(code, 200, "{body}");
    assert!(
        t.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        t.elapsed()
    );
    wait_until("not ready without a database", &|| {
        status("/readyz") == Some(503)
    });
    wait_until("the outage logged", &|| {
        log().contains("cannot check the catalog for changes")
    });

    // Back: it notices and follows the catalog again.
    rt.block_on(gate.open());
    wait_until("ready again", &|| status("/readyz") == Some(200));
    wait_until("recovery logged", &|| {
        log().contains("the database answers again")
    });
    let (code, _) = recommend();
    assert_eq!(code, 200);

    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}\n{}", log());
    assert!(!log().contains("panicked"), "{}", log());
}

/// `moodtune bench` measures every figure of BENCHMARKS.md in one run (here on a tiny catalog):
/// text, import, labelling, the index against the exact scan at each size, the engine started
/// from the snapshot the index stage wrote, and recommend_text end to end; it cleans up after
/// itself.
#[test]
fn bench_measures_everything_in_one_run() {
    let run = Run::new();
    let tmp = run.dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let out = run
        .cmd()
        .env("TMPDIR", &tmp)
        .args([
            "bench",
            "--tracks",
            "3000",
            "--index-sizes",
            "1000,3000",
            "--queries",
            "60",
            "--calls",
            "100",
        ])
        .succeed();
    let table = stdout(&out);
    for row in [
        "| text analysis",
        "| import",
        "| labelling",
        "| exact scan, 1000 tracks",
        "| graph index, 1000 tracks",
        "| exact scan, 3000 tracks",
        "| graph index, 3000 tracks",
        "| index snapshot written",
        "| engine start-up",
        "| recommend_text end to end",
    ] {
        assert!(table.contains(row), "no {row:?} in\n{table}");
    }
    let recalls: Vec<f64> = table
        .split("recall@10 ")
        .skip(1)
        .map(|rest| rest[..6].parse().unwrap())
        .collect();
    assert_eq!(recalls.len(), 2, "{table}");
    assert!(recalls.iter().all(|r| *r >= 0.9), "{recalls:?}");
    // The engine indexed what the index stage did, over every labelled track: the graph the
    // stage saved once there are enough distinct vectors (`EngineConfig::exact_below`, 1,000),
    // else the exact scan (the flush of `dedup` leaves few distinct moods in a small catalog).
    let distinct: usize = table
        .split("| graph index, 3000 tracks (")
        .nth(1)
        .and_then(|rest| rest.split(" labelled, ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("distinct vectors of the full catalog");
    let expected = if distinct >= 1_000 {
        format!("index graph over {distinct} vectors")
    } else {
        format!("index exact over {distinct} vectors")
    };
    assert!(table.contains(&expected), "no {expected:?} in\n{table}");
    assert!(table.contains("MB |"), "peak memory per row: {table}");
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "temporary files left"
    );
    // A size larger than the catalog is refused with the reason.
    let out = run
        .cmd()
        .args(["bench", "--tracks", "100", "--index-sizes", "1000"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--index-sizes"));
}
