//! Load through the real clients: a crowd arriving at once through the fake Bot API (teloxide's
//! real dispatcher) and the fake Discord gateway (serenity's real client), on the real engine.
//!
//! What is checked, not timed: every update and interaction is answered exactly once (no loss,
//! no duplicate); per-user limits hold back the flooding users and nobody else; photos all get an
//! answer through the engine's photo slots. What is printed (for RELIABILITY.md): reply latency
//! p50/p99/max, the slowest Discord acknowledgement, and the process's peak RSS.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use moodtune_adapters::discord::{self, DiscordOptions};
use moodtune_adapters::memory::encode_rate;
use moodtune_adapters::paging::encode_more;
use moodtune_adapters::telegram::{self, TelegramOptions};
use moodtune_core::{Category, EmotionScores, Verdict};
use moodtune_tests::fake_discord::{button_press, interaction, user, FakeDiscord};
use moodtune_tests::fake_telegram::{message, photo_update, text_update, FakeTelegram};
use moodtune_tests::{peak_rss_mb, TestDb};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(240);
const TOKEN: &str = "123456:LOAD-token-abcdefghijk";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn summary(name: &str, mut latencies: Vec<Duration>) -> String {
    latencies.sort();
    format!(
        "{name}: n {} p50 {:.0} ms p99 {:.0} ms max {:.0} ms",
        latencies.len(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    )
}

/// What one update must be answered by: the call's method and the id it names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Reply(i64),
    Callback(String),
    Inline(String),
}

fn key_of(method: &str, call: &Value) -> Option<Key> {
    match method {
        "sendmessage" => call["reply_parameters"]["message_id"]
            .as_i64()
            .map(Key::Reply),
        "answercallbackquery" => call["callback_query_id"]
            .as_str()
            .map(|s| Key::Callback(s.into())),
        "answerinlinequery" => call["inline_query_id"]
            .as_str()
            .map(|s| Key::Inline(s.into())),
        _ => None,
    }
}

fn is_slow_down(text: &str) -> bool {
    text.contains("going fast") || text.contains("太快啦")
}

/// Messages each flooding user sends at once.
const FLOOD: usize = 24;

/// 1,000 updates from 200 people at once: 10 of them flood (24 messages each), the other 190
/// send three messages and one more thing each (50 photos, 35 "More like this" presses, 35 👍
/// presses, 70 inline queries). Everyone is answered exactly once; only the flooders are slowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_crowd_is_answered_exactly_once() {
    let db = TestDb::sqlite();
    let engine = db.engine().await;
    let fake = FakeTelegram::start(TOKEN).await;
    let photo = std::fs::read(format!(
        "{}/fixtures/images/justin.jpg",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    fake.add_file("selfie", photo.clone());
    let mut opts = TelegramOptions::new(TOKEN.to_string());
    opts.api_url = Some(fake.url.parse().unwrap());
    let burst = opts.burst as usize;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        telegram::run(engine, opts, async move {
            let _ = stopped.await;
        })
        .await
        .unwrap()
    });
    // Ready when the command menu is registered.
    fake.wait_for("setmycommands", 1, Duration::from_secs(60))
        .await;

    let mut s = EmotionScores::default();
    s.add(Category::NB, 1.0);
    let more = encode_more(&s.finish().unwrap(), 10);
    let moods = [
        "下雨天一个人，有点难过",
        "今天好开心",
        "好累啊",
        "I feel awful today",
        "想你了",
    ];
    let flooders: Vec<i64> = (1001..1011).collect();
    let mut expected: Vec<(Key, i64)> = Vec::new();
    let mut pushes: Vec<Value> = Vec::new();
    for (n, user) in (1001..1201i64).enumerate() {
        let sends = if flooders.contains(&user) { FLOOD } else { 3 };
        for i in 0..sends {
            let m = fake.message_id();
            pushes.push(text_update(m, user, user, moods[(n + i) % moods.len()]));
            expected.push((Key::Reply(m), user));
        }
        if flooders.contains(&user) {
            continue;
        }
        // The 190 others: 50 photos, 70 presses, 70 inline queries.
        match n - flooders.len() {
            0..50 => {
                let m = fake.message_id();
                pushes.push(photo_update(m, user, user, "selfie", photo.len()));
                expected.push((Key::Reply(m), user));
            }
            // Presses: "More like this", and 👍 on a song of the demo catalog (the memory's
            // button data).
            j @ 50..120 => {
                let id = format!("cb-{user}");
                let data = if j < 85 {
                    more.clone()
                } else {
                    encode_rate(60163, Verdict::Like)
                };
                pushes.push(json!({"callback_query": {
                    "id": id, "chat_instance": "ci",
                    "from": {"id": user, "is_bot": false, "first_name": "Ann", "language_code": "en"},
                    "message": message(900_000 + user, user, 777, "Your mood: 悲伤 sad 100%"),
                    "data": data
                }}));
                expected.push((Key::Callback(id), user));
            }
            _ => {
                let id = format!("iq-{user}");
                pushes.push(json!({"inline_query": {"id": id, "query": "失恋了", "offset": "",
                    "from": {"id": user, "is_bot": false, "first_name": "Ann", "language_code": "zh-hans"}}}));
                expected.push((Key::Inline(id), user));
            }
        }
    }
    let photos = pushes
        .iter()
        .filter(|u| u["message"].get("photo").is_some())
        .count();
    assert_eq!((pushes.len(), photos), (1000, 50));

    let rss_before = peak_rss_mb();
    let started = Instant::now();
    for u in pushes {
        fake.push(u);
    }
    let deadline = Instant::now() + WAIT;
    loop {
        let answered = fake
            .timed_calls()
            .into_iter()
            .filter_map(|(m, v, _)| key_of(&m, &v))
            .filter(|k| expected.iter().any(|(e, _)| e == k))
            .count();
        if answered >= expected.len() || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Anything late or doubled would show now.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let answered: Vec<(Key, Value, Instant)> = fake
        .timed_calls()
        .into_iter()
        .filter_map(|(m, v, at)| key_of(&m, &v).map(|k| (k, v, at)))
        .filter(|(k, _, _)| expected.iter().any(|(e, _)| e == k))
        .collect();
    let mut count: HashMap<&Key, usize> = HashMap::new();
    for (k, _, _) in &answered {
        *count.entry(k).or_default() += 1;
    }
    let lost: Vec<&Key> = expected
        .iter()
        .map(|(k, _)| k)
        .filter(|k| !count.contains_key(k))
        .collect();
    let doubled: Vec<(&&Key, &usize)> = count.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        lost.is_empty(),
        "{} updates never answered: {:?}",
        lost.len(),
        &lost[..lost.len().min(10)]
    );
    assert!(doubled.is_empty(), "answered twice: {doubled:?}");

    // Limits: the flooders were slowed after their burst, nobody else ever was.
    let owner: HashMap<&Key, i64> = expected.iter().map(|(k, u)| (k, *u)).collect();
    let mut slowed: HashMap<i64, usize> = HashMap::new();
    for (k, v, _) in &answered {
        if v["text"].as_str().is_some_and(is_slow_down) {
            *slowed.entry(owner[k]).or_default() += 1;
        }
    }
    for user in 1001..1201i64 {
        let n = slowed.get(&user).copied().unwrap_or(0);
        if flooders.contains(&user) {
            // `burst` served at once, at most a few more as the bucket refills.
            assert!(
                n + burst + 5 >= FLOOD && n + burst <= FLOOD,
                "flooder {user} slowed {n} times"
            );
        } else {
            assert_eq!(n, 0, "user {user} was slowed without flooding");
        }
    }
    // Photos: each answered with songs or a friendly word, never lost.
    let latencies: Vec<Duration> = answered.iter().map(|(_, _, at)| *at - started).collect();
    let photo_replies = answered
        .iter()
        .filter(|(_, v, _)| v["text"].as_str().is_some_and(|t| t.contains("face")))
        .count();
    eprintln!(
        "{}",
        summary("telegram, 1000 updates from 200 users", latencies)
    );
    eprintln!(
        "telegram: all answered in {:.1} s; {} photo replies name faces; peak RSS {:.0} MB (before the crowd {:.0} MB)",
        started.elapsed().as_secs_f64(),
        photo_replies,
        peak_rss_mb(),
        rss_before
    );
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(60), task)
        .await
        .expect("the bot stops")
        .unwrap();
}

/// 300 Discord interactions within a couple of seconds (slash `/mood`, "More like this" and
/// "Different vibe" presses from 100 people): each is acknowledged exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discord_burst_of_interactions_is_acknowledged_once_each() {
    let db = TestDb::sqlite();
    let engine = db.engine().await;
    let fake = FakeDiscord::start().await;
    let mut opts = DiscordOptions::new("discord-load-token.SECRET".to_string());
    opts.proxy_url = Some(fake.url.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        discord::run(engine, opts, async move {
            let _ = stopped.await;
        })
        .await
        .unwrap()
    });
    fake.wait_for("command registration", 1, Duration::from_secs(60), |c| {
        c.method == "PUT" && c.path.ends_with("/commands")
    })
    .await;
    let mut s = EmotionScores::default();
    s.add(Category::PA, 1.0);
    let more = encode_more(&s.finish().unwrap(), 10);
    let mut sent: Vec<(u64, Instant)> = Vec::new();
    let started = Instant::now();
    for i in 0..300u64 {
        let id = fake.id();
        let who = user(2000 + i % 100, "crowd");
        let event = match i % 3 {
            0 => interaction(
                id,
                2,
                7001,
                who,
                "en-US",
                json!({"id": "1", "name": "mood", "type": 1,
                       "options": [{"name": "text", "type": 3, "value": "今天好开心"}]}),
            ),
            1 => button_press(id, 880_000 + i, 7001, who, "en-US", &more),
            _ => button_press(id, 880_000 + i, 7001, who, "zh-CN", "vibe"),
        };
        fake.dispatch("INTERACTION_CREATE", event);
        sent.push((id, Instant::now()));
        if i % 50 == 49 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let dispatched = started.elapsed();
    let callbacks = |fake: &FakeDiscord| -> HashMap<u64, Vec<Instant>> {
        let mut out: HashMap<u64, Vec<Instant>> = HashMap::new();
        for c in fake.calls() {
            let parts: Vec<&str> = c.path.trim_start_matches("/api/v10/").split('/').collect();
            if let ["interactions", id, _, "callback"] = parts[..] {
                out.entry(id.parse().unwrap()).or_default().push(c.at);
            }
        }
        out
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while callbacks(&fake).len() < sent.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let got = callbacks(&fake);
    let mut acks = Vec::new();
    for (id, at) in &sent {
        let times = got
            .get(id)
            .unwrap_or_else(|| panic!("interaction {id} never acknowledged"));
        assert_eq!(
            times.len(),
            1,
            "interaction {id} acknowledged {} times",
            times.len()
        );
        acks.push(times[0] - *at);
    }
    eprintln!(
        "discord: 300 interactions dispatched in {:.2} s; {}; peak RSS {:.0} MB",
        dispatched.as_secs_f64(),
        summary("acknowledgements", acks),
        peak_rss_mb()
    );
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(60), task)
        .await
        .expect("the bot stops")
        .unwrap();
}
