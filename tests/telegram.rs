//! The real teloxide dispatcher of the Telegram adapter against a fake Bot API on 127.0.0.1,
//! with the real engine on a fresh SQLite file holding the demo catalog.

use std::time::Duration;

use moodtune_adapters::telegram::{self, TelegramOptions};
use moodtune_tests::fake_telegram::{
    message, photo_update, text_update, FakeTelegram, BOT_USERNAME,
};
use moodtune_tests::TestDb;
use serde_json::{json, Value};

const TOKEN: &str = "123456:TEST-token-abcdefghijk";
const WAIT: Duration = Duration::from_secs(20);

struct Bot {
    fake: FakeTelegram,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    _db: TestDb,
}

async fn start(burst: u32) -> Bot {
    start_with(burst, None).await
}

async fn start_with(burst: u32, webhook: Option<telegram::Webhook>) -> Bot {
    let fake = FakeTelegram::start(TOKEN).await;
    let mut opts = TelegramOptions::new(TOKEN.to_string());
    opts.api_url = Some(fake.url.parse().unwrap());
    opts.burst = burst;
    opts.webhook = webhook;
    launch(fake, opts).await
}

/// The bot with `opts` on a fresh SQLite file, `fake` being the Bot API it talks to.
async fn launch(fake: FakeTelegram, opts: TelegramOptions) -> Bot {
    let db = TestDb::sqlite();
    let engine = db.engine().await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        telegram::run(engine, opts, async move {
            let _ = stopped.await;
        })
        .await
        .unwrap()
    });
    Bot {
        fake,
        stop: Some(stop),
        task,
        _db: db,
    }
}

impl Bot {
    async fn shutdown(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        tokio::time::timeout(WAIT, self.task)
            .await
            .expect("the bot stops on request")
            .unwrap();
    }
}

fn links(text: &str) -> usize {
    text.matches("https://music.163.com/song?id=").count()
}

/// Ann (user 42, English) pressing a button with `data` under the bot's message `message_id`
/// in her private chat.
/// A press of a button with `data` under our reply `under` (its text picks the next page's language).
fn button_press(id: &str, message_id: i64, under: &str, data: &str) -> Value {
    json!({"callback_query": {
        "id": id, "chat_instance": "ci",
        "from": {"id": 42, "is_bot": false, "first_name": "Ann", "language_code": "en"},
        "message": {"message_id": message_id, "date": 1_700_000_000, "chat": {"id": 42, "type": "private", "first_name": "Ann"},
                    "from": {"id": 777, "is_bot": true, "first_name": "moodtune"}, "text": under},
        "data": data
    }})
}

/// The NetEase song ids linked in a reply, in order.
fn song_ids(text: &str) -> Vec<String> {
    text.split("song?id=")
        .skip(1)
        .map(|rest| rest.chars().take_while(char::is_ascii_digit).collect())
        .collect()
}

fn reply_to(call: &Value) -> i64 {
    call["reply_parameters"]["message_id"]
        .as_i64()
        .unwrap_or(-1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_chat_groups_and_buttons() {
    let bot = start(50).await;
    let f = &bot.fake;

    // Private text: ten linked songs in HTML, quoting the message, with a "More like this" button,
    // in the language of the message (Chinese here, although the user's app speaks English).
    let m1 = f.message_id();
    let t = std::time::Instant::now();
    f.push(text_update(m1, 42, 42, "下雨天一个人，有点难过"));
    let sent = f.wait_for("sendMessage", 1, WAIT).await;
    eprintln!(
        "latency text: update in -> sendMessage out {:?}",
        t.elapsed()
    );
    let first = &sent[0];
    assert_eq!(first["chat_id"], 42);
    assert_eq!(first["parse_mode"], "HTML");
    assert_eq!(reply_to(first), m1);
    let text = first["text"].as_str().unwrap();
    assert!(text.contains("悲伤 sad"), "{text}");
    assert!(
        text.contains("(读自: ") && text.contains("难过"),
        "the words that carried the mood: {text}"
    );
    assert!(
        text.contains(" · <i>来自歌单 「"),
        "a song's reason: {text}"
    );
    assert_eq!(links(text), 10, "{text}");
    assert!(
        text.contains("<a href=\"https://music.163.com/song?id="),
        "{text}"
    );
    let buttons = &first["reply_markup"]["inline_keyboard"][0];
    assert_eq!(buttons[0]["text"], "再来几首");
    let more = buttons[0]["callback_data"].as_str().unwrap().to_string();
    assert!(more.starts_with("m:10:"), "{more}");
    assert_eq!(buttons[1]["text"], "给我打打气");
    let cheer = buttons[1]["callback_data"].as_str().unwrap().to_string();
    assert!(cheer.starts_with("l:0:"), "{cheer}");
    let first_songs = song_ids(text);
    let first_text = text.to_string();
    let chat_actions = f
        .calls()
        .iter()
        .filter(|(m, _)| m == "sendchataction")
        .count();
    assert!(chat_actions >= 1, "typing is shown");

    // Group chatter is ignored; the next reply answers the addressed /mood@bot message.
    f.push(text_update(f.message_id(), -100, 7, "今天好开心啊，大家好"));
    f.push(text_update(
        f.message_id(),
        -100,
        7,
        "/mood@someotherbot 开心",
    ));
    let m4 = f.message_id();
    f.push(text_update(
        m4,
        -100,
        7,
        &format!("/mood@{BOT_USERNAME} 今天好开心啊"),
    ));
    let sent = f.wait_for("sendMessage", 2, WAIT).await;
    assert_eq!(
        reply_to(&sent[1]),
        m4,
        "only the addressed message is answered: {:?}",
        sent[1]
    );
    assert_eq!(sent[1]["chat_id"], -100);
    assert!(
        sent[1]["text"].as_str().unwrap().contains("快乐 happy"),
        "{}",
        sent[1]["text"]
    );

    // /mood as a reply: the mood of the replied-to message.
    let m5 = f.message_id();
    let mut update = text_update(m5, -100, 8, "/mood");
    update["message"]["reply_to_message"] =
        message(f.message_id(), -100, 9, "气死我了，排了两个小时的队");
    f.push(update);
    let sent = f.wait_for("sendMessage", 3, WAIT).await;
    assert_eq!(reply_to(&sent[2]), m5);
    assert!(
        sent[2]["text"].as_str().unwrap().contains("愤怒 angry"),
        "{}",
        sent[2]["text"]
    );

    // A mention in a group addresses the bot.
    let m6 = f.message_id();
    f.push(text_update(m6, -100, 7, &format!("@{BOT_USERNAME} 好想家")));
    let sent = f.wait_for("sendMessage", 4, WAIT).await;
    assert_eq!(reply_to(&sent[3]), m6);
    assert_eq!(links(sent[3]["text"].as_str().unwrap()), 10);

    // "More like this": the same message is edited with songs 11-20.
    f.push(button_press("cb1", 5000, &first_text, &more));
    let edits = f.wait_for("editMessageText", 1, WAIT).await;
    assert_eq!(edits[0]["message_id"], 5000);
    let edited = edits[0]["text"].as_str().unwrap();
    assert!(
        edited.contains("\n11. ") && edited.contains("\n20. "),
        "{edited}"
    );
    assert!(
        song_ids(edited).iter().all(|id| !first_songs.contains(id)),
        "a page repeats a song: {edited}"
    );
    f.wait_for("answerCallbackQuery", 1, WAIT).await;

    // "Cheer me up": the same message is edited with songs that lift the mood, saying so.
    f.push(button_press("cb2", 5001, &first_text, &cheer));
    let edits = f.wait_for("editMessageText", 2, WAIT).await;
    let lifted = edits[1]["text"].as_str().unwrap();
    assert!(
        lifted.contains("给你打打气的歌") && lifted.contains("悲伤 sad"),
        "{lifted}"
    );
    assert_eq!(links(lifted), 10, "{lifted}");
    assert!(
        song_ids(lifted)
            .iter()
            .filter(|id| first_songs.contains(id))
            .count()
            <= 2,
        "cheering up is not matching: {lifted}"
    );
    let next = &edits[1]["reply_markup"]["inline_keyboard"][0][0];
    assert!(
        next["callback_data"].as_str().unwrap().starts_with("l:10:"),
        "its next page lifts too: {next}"
    );

    // Text without emotion and plain commands get short answers; HTML from users is escaped.
    f.push(text_update(f.message_id(), 42, 42, "🚗 <b>car</b>"));
    let sent = f.wait_for("sendMessage", 5, WAIT).await;
    assert!(
        sent[4]["text"]
            .as_str()
            .unwrap()
            .contains("couldn't read a mood"),
        "{}",
        sent[4]["text"]
    );
    f.push(text_update(f.message_id(), 42, 42, "/start"));
    let sent = f.wait_for("sendMessage", 6, WAIT).await;
    assert!(sent[5]["text"].as_str().unwrap().starts_with("Hi!"));

    // English is answered in English, whatever the app's language.
    let mut update = text_update(f.message_id(), 42, 43, "I just got dumped and I feel awful");
    update["message"]["from"]["language_code"] = json!("zh-hans");
    f.push(update);
    let sent = f.wait_for("sendMessage", 7, WAIT).await;
    let text = sent[6]["text"].as_str().unwrap();
    assert!(
        text.contains("Your mood:") && text.contains("(read from: ") && links(text) == 10,
        "{text}"
    );

    // Everyday messages in a group: a negated joy is read as sorrow, a plain fact as no feeling.
    f.push(text_update(f.message_id(), -100, 11, "/mood 不开心"));
    let sent = f.wait_for("sendMessage", 8, WAIT).await;
    let text = sent[7]["text"].as_str().unwrap();
    assert!(
        text.contains("失望 disappointed") && links(text) == 10,
        "{text}"
    );
    assert!(text.contains("读自: 不开心)"), "{text}");
    f.push(text_update(f.message_id(), -100, 12, "/mood 明天几点开会"));
    let sent = f.wait_for("sendMessage", 9, WAIT).await;
    assert!(
        sent[8]["text"]
            .as_str()
            .unwrap()
            .contains("我没读出这段话的心情"),
        "{}",
        sent[8]["text"]
    );

    // The token never appears in a reply.
    assert!(f
        .calls()
        .iter()
        .all(|(_, v)| !v.to_string().contains("TEST-token")));
    bot.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_answers_politely() {
    let bot = start(2).await;
    let f = &bot.fake;
    for _ in 0..3 {
        f.push(text_update(f.message_id(), 42, 42, "好难过"));
    }
    let sent = f.wait_for("sendMessage", 3, WAIT).await;
    assert_eq!(links(sent[0]["text"].as_str().unwrap()), 10);
    assert_eq!(links(sent[1]["text"].as_str().unwrap()), 10);
    assert!(
        sent[2]["text"].as_str().unwrap().contains("太快啦"),
        "{}",
        sent[2]["text"]
    );
    bot.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_are_read_for_their_mood() {
    let bot = start(50).await;
    let f = &bot.fake;
    let justin = std::fs::read(format!(
        "{}/fixtures/images/justin.jpg",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    f.add_file("justin", justin.clone());
    f.add_file("notes", b"this is a text file, not a photo".to_vec());

    // A selfie in private: downloaded through getFile, read as happy, ten songs.
    let m1 = f.message_id();
    let t = std::time::Instant::now();
    f.push(photo_update(m1, 42, 42, "justin", justin.len()));
    let sent = f.wait_for("sendMessage", 1, WAIT).await;
    eprintln!(
        "latency photo (first, loads the models): update in -> sendMessage out {:?}",
        t.elapsed()
    );
    assert_eq!(reply_to(&sent[0]), m1);
    let text = sent[0]["text"].as_str().unwrap();
    assert!(text.contains("快乐 happy"), "{text}");
    assert_eq!(links(text), 10);
    let downloads: Vec<_> = f
        .calls()
        .into_iter()
        .filter(|(m, _)| m == "download")
        .collect();
    assert_eq!(downloads.len(), 1, "only the largest size is fetched");
    assert_eq!(downloads[0].1["path"], "photos/justin.jpg");

    // /mood as a reply to someone's photo in a group.
    let m2 = f.message_id();
    let t = std::time::Instant::now();
    let mut update = text_update(m2, -100, 8, "/mood");
    update["message"]["reply_to_message"] =
        photo_update(f.message_id(), -100, 9, "justin", justin.len())["message"].clone();
    f.push(update);
    let sent = f.wait_for("sendMessage", 2, WAIT).await;
    eprintln!(
        "latency photo (warm): update in -> sendMessage out {:?}",
        t.elapsed()
    );
    assert_eq!(reply_to(&sent[1]), m2);
    assert!(sent[1]["text"].as_str().unwrap().contains("快乐 happy"));

    // A "photo" that is not an image, and one over the size cap (refused before download).
    f.push(photo_update(f.message_id(), 42, 42, "notes", 32));
    let sent = f.wait_for("sendMessage", 3, WAIT).await;
    assert!(
        sent[2]["text"]
            .as_str()
            .unwrap()
            .contains("doesn't look like a photo"),
        "{}",
        sent[2]["text"]
    );
    f.push(photo_update(
        f.message_id(),
        42,
        42,
        "huge",
        50 * 1024 * 1024,
    ));
    let sent = f.wait_for("sendMessage", 4, WAIT).await;
    assert!(
        sent[3]["text"].as_str().unwrap().contains("too big"),
        "{}",
        sent[3]["text"]
    );
    assert!(!f
        .calls()
        .iter()
        .any(|(m, v)| m == "getfile" && v["file_id"] == "huge"));

    // Group photos without /mood are chatter.
    f.push(photo_update(
        f.message_id(),
        -100,
        7,
        "justin",
        justin.len(),
    ));
    let m6 = f.message_id();
    f.push(text_update(m6, -100, 7, "/mood 开心"));
    let sent = f.wait_for("sendMessage", 5, WAIT).await;
    assert_eq!(reply_to(&sent[4]), m6);
    bot.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_429_is_retried_and_inline_queries_answered() {
    let bot = start(50).await;
    let f = &bot.fake;
    // The first two sendMessage calls are refused with 429; the reply still arrives.
    f.fail_next("sendMessage", FakeTelegram::too_many_requests(1));
    f.fail_next("sendMessage", FakeTelegram::too_many_requests(1));
    let started = std::time::Instant::now();
    let m1 = f.message_id();
    f.push(text_update(m1, 42, 42, "好难过"));
    let sent = f.wait_for("sendMessage", 3, WAIT).await;
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Telegram's retry_after was honoured"
    );
    assert_eq!(reply_to(&sent[2]), m1);
    assert_eq!(links(sent[2]["text"].as_str().unwrap()), 10);

    // A 5xx passed on as JSON (Bad Gateway) is retried with backoff too.
    f.fail_next(
        "sendMessage",
        json!({"ok": false, "error_code": 502, "description": "Bad Gateway"}),
    );
    let m2 = f.message_id();
    f.push(text_update(m2, 42, 42, "好开心"));
    let sent = f.wait_for("sendMessage", 5, WAIT).await;
    assert_eq!(reply_to(&sent[4]), m2);
    assert_eq!(links(sent[4]["text"].as_str().unwrap()), 10);

    // The command menu was registered from the same command list /help prints.
    let menus = f.wait_for("setMyCommands", 2, WAIT).await;
    let names: Vec<&str> = menus[0]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["mood", "cheer", "history", "forget", "lang", "help", "start"]
    );
    assert_eq!(menus[1]["language_code"], "zh");
    f.push(text_update(f.message_id(), 42, 42, "/help"));
    let sent = f.wait_for("sendMessage", 6, WAIT).await;
    let help = sent[5]["text"].as_str().unwrap();
    for n in names {
        assert!(help.contains(&format!("/{n}")), "{help}");
    }

    // Inline mode: `@bot 失恋了` offers a shareable list.
    f.push(
        json!({"inline_query": {"id": "iq1", "query": "失恋了", "offset": "",
        "from": {"id": 42, "is_bot": false, "first_name": "Ann", "language_code": "zh-hans"}}}),
    );
    let answers = f.wait_for("answerInlineQuery", 1, WAIT).await;
    assert_eq!(answers[0]["inline_query_id"], "iq1");
    let result = &answers[0]["results"][0];
    assert!(
        result["title"].as_str().unwrap().contains("失恋了"),
        "{result}"
    );
    let content = result["input_message_content"]["message_text"]
        .as_str()
        .unwrap();
    assert_eq!(links(content), 10, "{content}");
    assert!(
        content.contains("你的心情"),
        "the query's language picks Chinese: {content}"
    );
    bot.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_mode_receives_updates_by_post() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let hook = telegram::Webhook {
        url: "https://bot.example.org/tg/hook"
            .to_string()
            .parse()
            .unwrap(),
        listen: format!("127.0.0.1:{port}").parse().unwrap(),
        secret: Some("s3cret-token".into()),
    };
    let bot = start_with(50, Some(hook)).await;
    let f = &bot.fake;
    let set = f.wait_for("setWebhook", 1, WAIT).await;
    assert_eq!(set[0]["url"], "https://bot.example.org/tg/hook");
    assert_eq!(set[0]["secret_token"], "s3cret-token");

    let m = f.message_id();
    let mut update = text_update(m, 42, 42, "今天好开心啊");
    update["update_id"] = json!(1);
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/tg/hook");
    // Without the secret, the update is refused.
    let denied = client.post(&url).json(&update).send().await.unwrap();
    assert!(denied.status().is_client_error(), "{}", denied.status());
    let ok = client
        .post(&url)
        .header("X-Telegram-Bot-Api-Secret-Token", "s3cret-token")
        .json(&update)
        .send()
        .await
        .unwrap();
    assert!(ok.status().is_success(), "{}", ok.status());
    let sent = f.wait_for("sendMessage", 1, WAIT).await;
    assert_eq!(reply_to(&sent[0]), m);
    assert!(sent[0]["text"].as_str().unwrap().contains("快乐 happy"));
    bot.shutdown().await;
}

/// An update already taken when shutdown is asked is still answered before the bot stops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_update_in_hand() {
    let bot = start(50).await;
    let f = bot.fake.clone();
    let justin = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/images/justin.jpg"
    ))
    .unwrap();
    f.add_file("justin", justin.clone());
    let m = f.message_id();
    f.push(photo_update(m, 42, 42, "justin", justin.len()));
    // The photo is being worked on (downloaded, then hundreds of ms of inference) ...
    f.wait_for("getFile", 1, WAIT).await;
    // ... when the stop arrives.
    bot.shutdown().await;
    let sent: Vec<Value> = f
        .calls()
        .into_iter()
        .filter(|(m, _)| m == "sendmessage")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(
        sent.len(),
        1,
        "the photo in hand was answered before stopping"
    );
    assert_eq!(reply_to(&sent[0]), m);
    assert_eq!(links(sent[0]["text"].as_str().unwrap()), 10);
}

/// A press of `data` by user `who` under the bot's message `message_id` in `who`'s private chat.
fn press_by(who: i64, id: &str, message_id: i64, data: &str) -> Value {
    let mut press = button_press(id, message_id, "Your mood:", data);
    press["callback_query"]["from"]["id"] = json!(who);
    press["callback_query"]["message"]["chat"]["id"] = json!(who);
    press
}

/// The callback data of the button labelled `label` in a reply's keyboard.
fn button(call: &Value, label: &str) -> String {
    call["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter())
        .find(|b| b["text"] == label)
        .and_then(|b| b["callback_data"].as_str())
        .unwrap_or_else(|| panic!("no button {label}: {call}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn songs_are_rated_remembered_and_forgotten() {
    let bot = start(50).await;
    let f = &bot.fake;
    let answers = |n: usize| f.wait_for("answerCallbackQuery", n, WAIT);

    // Every list has 👍 and 👎 for each of its songs, numbered as shown.
    f.push(text_update(
        f.message_id(),
        42,
        42,
        "I failed my exam and I feel awful",
    ));
    let sent = f.wait_for("sendMessage", 1, WAIT).await;
    let list = &sent[0];
    let rows = list["reply_markup"]["inline_keyboard"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        5,
        "page row + two 👍 rows + two 👎 rows: {list}"
    );
    assert_eq!(rows[1][0]["text"], "👍 1");
    assert_eq!(rows[4][4]["text"], "👎 10");
    let songs = song_ids(list["text"].as_str().unwrap());
    let (dislike, like) = (button(list, "👎 1"), button(list, "👍 2"));
    assert_eq!(dislike, format!("r-:{}", songs[0]));
    assert_eq!(like, format!("r+:{}", songs[1]));

    // Ann rates: each press is answered with a short note naming the song.
    let msg = f.message_id();
    f.push(press_by(42, "p1", msg, &dislike));
    f.push(press_by(42, "p2", msg, &like));
    answers(2).await;
    // The same button pressed by Bob rates it for Bob, never for Ann; a forged id is refused.
    f.push(press_by(43, "p3", msg, &button(list, "👍 3")));
    f.push(press_by(42, "p4", msg, "r+:1"));
    let notes = answers(4).await;
    let note = |id: &str| {
        let n = notes.iter().find(|n| n["callback_query_id"] == id).unwrap();
        n["text"].as_str().unwrap().to_string()
    };
    assert!(note("p1").contains("won't get"), "{notes:?}");
    assert!(note("p2").starts_with("👍 Noted"), "{notes:?}");
    assert!(note("p3").starts_with("👍 Noted"), "{notes:?}");
    assert!(note("p4").contains("can't find"), "{notes:?}");

    // The same message again: the disliked song never comes back.
    f.push(text_update(
        f.message_id(),
        42,
        42,
        "I failed my exam and I feel awful",
    ));
    let sent = f.wait_for("sendMessage", 2, WAIT).await;
    let again = song_ids(sent[1]["text"].as_str().unwrap());
    assert_eq!(again.len(), 10);
    assert!(!again.contains(&songs[0]), "{again:?}");

    // /history: two moods, one liked song (Ann's, not Bob's).
    f.push(text_update(f.message_id(), 42, 42, "/history"));
    let sent = f.wait_for("sendMessage", 3, WAIT).await;
    let h = sent[2]["text"].as_str().unwrap();
    assert!(
        h.contains("Your last moods:") && h.contains("Songs you liked:"),
        "{h}"
    );
    assert_eq!(h.matches("(message)").count(), 2, "{h}");
    assert_eq!(h.matches('♥').count(), 1, "{h}");
    assert!(h.contains(&songs[1]) && !h.contains(&songs[2]), "{h}");
    // In a group it stays private.
    f.push(text_update(f.message_id(), -100, 42, "/history"));
    let sent = f.wait_for("sendMessage", 4, WAIT).await;
    assert!(
        sent[3]["text"].as_str().unwrap().contains("private chat"),
        "{}",
        sent[3]
    );

    // /forget: everything about Ann goes, and she is told how much.
    f.push(text_update(f.message_id(), 42, 42, "/forget"));
    let sent = f.wait_for("sendMessage", 5, WAIT).await;
    let said = sent[4]["text"].as_str().unwrap();
    assert!(said.contains("(2 moods, 2 ratings)"), "{said}");
    f.push(text_update(f.message_id(), 42, 42, "/history"));
    let sent = f.wait_for("sendMessage", 6, WAIT).await;
    assert!(
        sent[5]["text"]
            .as_str()
            .unwrap()
            .starts_with("Nothing here yet"),
        "{}",
        sent[5]
    );
    bot.shutdown().await;
}

/// The Bot API down for about half a minute loses nothing: 12 s of 502 pages for every call, then
/// 12 s in which connections are cut and refused (a gate in front of it), then 6 s in which only
/// sendMessage fails.
/// Messages sent meanwhile are each answered exactly once when it is back, by the same process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_api_outage_loses_nothing() {
    use moodtune_tests::TcpGate;
    let fake = FakeTelegram::start(TOKEN).await;
    let upstream = fake.url.trim_start_matches("http://").trim_end_matches('/');
    let mut gate = TcpGate::shut(upstream.parse().unwrap());
    gate.open().await;
    let mut opts = TelegramOptions::new(TOKEN.to_string());
    opts.api_url = Some(
        format!("http://127.0.0.1:{}/", gate.port())
            .parse()
            .unwrap(),
    );
    let bot = launch(fake, opts).await;
    let f = &bot.fake;
    let m1 = f.message_id();
    f.push(text_update(m1, 42, 42, "好难过"));
    f.wait_for("sendMessage", 1, WAIT).await;

    f.outage(None, Duration::from_secs(12));
    let m2 = f.message_id();
    f.push(text_update(m2, 42, 42, "今天好开心"));
    tokio::time::sleep(Duration::from_secs(12)).await;
    gate.shut_now();
    let m3 = f.message_id();
    f.push(text_update(m3, 43, 43, "好累啊"));
    tokio::time::sleep(Duration::from_secs(12)).await;
    f.outage(Some("sendMessage"), Duration::from_secs(6));
    gate.open().await;
    let back = std::time::Instant::now();
    f.wait_for("sendMessage", 3, Duration::from_secs(60)).await;
    eprintln!("answered {:?} after the API came back", back.elapsed());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut replies: Vec<i64> = f
        .calls()
        .iter()
        .filter(|(m, _)| m == "sendmessage")
        .map(|(_, v)| reply_to(v))
        .collect();
    replies.sort();
    assert_eq!(replies, [m1, m2, m3], "each message answered exactly once");
    bot.shutdown().await;
}
