//! The real serenity client of the Discord adapter against a fake Discord REST + gateway on
//! 127.0.0.1, with the real engine on a fresh SQLite file holding the demo catalog.

use std::time::{Duration, Instant};

use moodtune_adapters::discord::{self, DiscordOptions, CONTEXT_MENU};
use moodtune_tests::fake_discord::{
    button_press, interaction, message, user, Call, FakeDiscord, BOT_ID, GUILD_ID,
};
use moodtune_tests::TestDb;
use serde_json::{json, Value};

const TOKEN: &str = "discord-test-token.SECRET";
const WAIT: Duration = Duration::from_secs(30);

struct Bot {
    fake: FakeDiscord,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    _db: TestDb,
}

async fn start() -> Bot {
    let db = TestDb::sqlite();
    let engine = db.engine().await;
    let fake = FakeDiscord::start().await;
    let mut opts = DiscordOptions::new(TOKEN.to_string());
    opts.proxy_url = Some(fake.url.clone());
    opts.burst = 50;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        discord::run(engine, opts, async move {
            let _ = stopped.await;
        })
        .await
        .unwrap()
    });
    // Ready when the commands are registered (done on READY).
    fake.wait_for("command registration", 1, WAIT, |c| {
        c.method == "PUT" && c.path.ends_with("/commands")
    })
    .await;
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
    text.matches("](https://music.163.com/song?id=").count()
}

fn image(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/fixtures/images/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn posted_to(channel: u64) -> impl Fn(&Call) -> bool {
    let path = format!("/api/v10/channels/{channel}/messages");
    move |c: &Call| c.method == "POST" && c.path == path
}

/// A slash command's data with its `text` option.
fn text_command(id: &str, name: &str, text: &str) -> Value {
    json!({
        "id": id, "name": name, "type": 1,
        "options": [{"name": "text", "type": 3, "value": text}]
    })
}

fn callback_of(id: u64) -> impl Fn(&Call) -> bool {
    let path = format!("/api/v10/interactions/{id}/itoken-{id}/callback");
    move |c: &Call| c.path == path
}

fn custom_ids(components: &Value) -> Vec<String> {
    components
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|b| b["custom_id"].as_str().map(String::from))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_in_dms_and_guilds() {
    let bot = start().await;
    let f = &bot.fake;
    let ann = user(42, "ann");

    // Commands: /mood with text and image options, and the message context menu.
    let reg = f
        .wait_for("registration", 1, WAIT, |c| c.path.ends_with("/commands"))
        .await;
    let cmds = reg[0].body.as_array().unwrap();
    assert_eq!(cmds[0]["name"], "mood");
    let opts: Vec<(&str, i64)> = cmds[0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["name"].as_str().unwrap(), o["type"].as_i64().unwrap()))
        .collect();
    assert_eq!(opts, [("text", 3), ("image", 11)]);
    let names: Vec<&str> = cmds.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["mood", "cheer", "history", "forget", CONTEXT_MENU]);
    assert_eq!(cmds[4]["type"], 3);
    assert_eq!(cmds[1]["options"][0]["name"], "text");
    assert_eq!(cmds[1]["options"][0]["required"], true);
    assert_eq!(cmds[2]["options"][0]["name"], "page");

    // DM text: an embed with the mood and ten linked songs, replying to the message, with buttons.
    let dm = 7001;
    let m1 = f.id();
    let t = Instant::now();
    f.dispatch(
        "MESSAGE_CREATE",
        message(
            m1,
            dm,
            None,
            ann.clone(),
            "下雨天一个人，有点难过",
            vec![],
            vec![],
        ),
    );
    let sent = f.wait_for("DM reply", 1, WAIT, posted_to(dm)).await;
    eprintln!("discord DM text: event -> reply {:?}", t.elapsed());
    let body = &sent[0].body;
    let e = &body["embeds"][0];
    assert!(e["title"].as_str().unwrap().contains("悲伤"), "{e}");
    assert_eq!(links(e["description"].as_str().unwrap()), 10, "{e}");
    assert!(
        e["description"].as_str().unwrap().contains('█'),
        "bar chart: {e}"
    );
    assert_eq!(body["message_reference"]["message_id"], m1.to_string());
    let ids = custom_ids(&body["components"]);
    assert!(
        ids[0].starts_with("m:10:") && ids[1].starts_with("l:0:") && ids[2] == "vibe",
        "{ids:?}"
    );

    // DM selfie: the attachment is downloaded from its URL and read.
    let m2 = f.id();
    let att = f.attachment("justin.jpg", Some("image/jpeg"), image("justin.jpg"));
    let t = Instant::now();
    f.dispatch(
        "MESSAGE_CREATE",
        message(m2, dm, None, ann.clone(), "", vec![], vec![att]),
    );
    let sent = f.wait_for("DM selfie reply", 2, WAIT, posted_to(dm)).await;
    eprintln!("discord DM selfie: event -> reply {:?}", t.elapsed());
    let e = &sent[1].body["embeds"][0];
    assert_eq!(links(e["description"].as_str().unwrap()), 10, "{e}");
    assert!(
        e["title"].as_str().unwrap().contains("快乐"),
        "a smiling face: {e}"
    );
    // Photos show the typing indicator while they are read.
    assert!(f
        .calls()
        .iter()
        .any(|c| c.path == format!("/api/v10/channels/{dm}/typing")));

    // An attachment that is not an image: a clear reply, nothing downloaded.
    let m3 = f.id();
    let att = f.attachment("notes.txt", Some("text/plain"), b"hello".to_vec());
    f.dispatch(
        "MESSAGE_CREATE",
        message(m3, dm, None, ann.clone(), "", vec![], vec![att]),
    );
    let sent = f.wait_for("non-image reply", 3, WAIT, posted_to(dm)).await;
    let content = sent[2].body["content"].as_str().unwrap();
    assert!(content.contains("doesn't look like a photo"), "{content}");
    assert!(sent[2].body["embeds"]
        .as_array()
        .is_none_or(|e| e.is_empty()));

    // An attachment over the size limit: refused from its declared size, before any download.
    let m4 = f.id();
    let mut att = f.attachment("huge.jpg", Some("image/jpeg"), b"not really".to_vec());
    att["size"] = json!(50 * 1024 * 1024);
    f.dispatch(
        "MESSAGE_CREATE",
        message(m4, dm, None, ann.clone(), "", vec![], vec![att]),
    );
    let sent = f.wait_for("oversized reply", 4, WAIT, posted_to(dm)).await;
    let content = sent[3].body["content"].as_str().unwrap();
    assert!(content.contains("too big"), "{content}");

    // Guild: chatter is ignored; a mention is answered (and the mention is not read as mood).
    let ch = 8001;
    let chatter = f.id();
    f.dispatch(
        "MESSAGE_CREATE",
        message(
            chatter,
            ch,
            Some(GUILD_ID),
            ann.clone(),
            "今天好开心",
            vec![],
            vec![],
        ),
    );
    let mention = f.id();
    f.dispatch(
        "MESSAGE_CREATE",
        message(
            mention,
            ch,
            Some(GUILD_ID),
            ann.clone(),
            &format!("<@{BOT_ID}> 今天好开心"),
            vec![user(BOT_ID, "moodtune")],
            vec![],
        ),
    );
    let sent = f
        .wait_for("guild mention reply", 1, WAIT, posted_to(ch))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent_all: Vec<Call> = f.calls().into_iter().filter(posted_to(ch)).collect();
    assert_eq!(sent_all.len(), 1, "chatter must stay unanswered");
    assert_eq!(
        sent[0].body["message_reference"]["message_id"],
        mention.to_string()
    );
    assert!(sent[0].body["embeds"][0]["title"]
        .as_str()
        .unwrap()
        .contains("快乐"));
    // Replies never ping anyone.
    assert_eq!(sent[0].body["allowed_mentions"]["parse"], json!([]));

    // The token never shows in requests' bodies or paths.
    assert!(f
        .calls()
        .iter()
        .all(|c| !c.path.contains(TOKEN) && !c.body.to_string().contains(TOKEN)));
    bot.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_commands_context_menu_and_buttons() {
    let bot = start().await;
    let f = &bot.fake;
    let ann = user(42, "ann");
    let ch = 9001;

    // /mood text: answered at once with the embed and buttons.
    let i1 = f.id();
    let t = Instant::now();
    f.dispatch(
        "INTERACTION_CREATE",
        interaction(
            i1,
            2,
            ch,
            ann.clone(),
            "en-US",
            text_command("1", "mood", "失恋了，好难过"),
        ),
    );
    let cb = f.wait_for("/mood text", 1, WAIT, callback_of(i1)).await;
    eprintln!("discord /mood text: event -> response {:?}", t.elapsed());
    assert_eq!(cb[0].body["type"], 4);
    let data = &cb[0].body["data"];
    assert_eq!(
        links(data["embeds"][0]["description"].as_str().unwrap()),
        10
    );
    let more = custom_ids(&data["components"])[0].clone();
    assert!(more.starts_with("m:10:"), "{more}");
    let cheer = custom_ids(&data["components"])[1].clone();
    assert!(cheer.starts_with("l:0:"), "{cheer}");

    // /mood image: deferred first, then the original response is edited with the songs.
    let i2 = f.id();
    let att = f.attachment("astronaut.png", Some("image/png"), image("astronaut.png"));
    let att_id = att["id"].as_str().unwrap().to_string();
    let t = Instant::now();
    f.dispatch(
        "INTERACTION_CREATE",
        interaction(
            i2,
            2,
            ch,
            ann.clone(),
            "zh-CN",
            json!({
                "id": "1", "name": "mood", "type": 1,
                "options": [{"name": "image", "type": 11, "value": att_id}],
                "resolved": {"attachments": {att_id.clone(): att}}
            }),
        ),
    );
    let cb = f
        .wait_for("/mood image defer", 1, WAIT, callback_of(i2))
        .await;
    assert_eq!(cb[0].body["type"], 5, "deferred");
    let edit_path = format!("/api/v10/webhooks/{BOT_ID}/itoken-{i2}/messages/@original");
    let edit = f
        .wait_for("/mood image follow-up", 1, WAIT, |c| {
            c.method == "PATCH" && c.path == edit_path
        })
        .await;
    eprintln!("discord /mood image: event -> follow-up {:?}", t.elapsed());
    let e = &edit[0].body["embeds"][0];
    assert!(
        e["title"].as_str().unwrap().starts_with("你的心情："),
        "zh-CN locale: {e}"
    );
    assert_eq!(links(e["description"].as_str().unwrap()), 10);

    // Context menu on someone's message: the mood of that message.
    let i3 = f.id();
    let target = f.id();
    let target_msg = message(
        target,
        ch,
        Some(GUILD_ID),
        user(43, "bo"),
        "终于放假了，太开心了",
        vec![],
        vec![],
    );
    f.dispatch(
        "INTERACTION_CREATE",
        interaction(
            i3,
            2,
            ch,
            ann.clone(),
            "en-GB",
            json!({
                "id": "2", "name": CONTEXT_MENU, "type": 3, "target_id": target.to_string(),
                "resolved": {"messages": {target.to_string(): target_msg.clone()}}
            }),
        ),
    );
    let cb = f.wait_for("context menu", 1, WAIT, callback_of(i3)).await;
    assert_eq!(cb[0].body["type"], 4);
    assert!(cb[0].body["data"]["embeds"][0]["title"]
        .as_str()
        .unwrap()
        .contains("快乐"));

    // "More like this": the message is updated with songs 11-20.
    let i4 = f.id();
    let press = button_press(i4, f.id(), ch, ann.clone(), "en-US", &more);
    f.dispatch("INTERACTION_CREATE", press);
    let cb = f.wait_for("more button", 1, WAIT, callback_of(i4)).await;
    assert_eq!(cb[0].body["type"], 7, "update message");
    let d = cb[0].body["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap();
    assert_eq!(links(d), 10);
    assert!(d.contains("\n11. ["), "{d}");

    // "Cheer me up": the message is updated with songs that lift the mood, and says so.
    let i6 = f.id();
    let press = button_press(i6, f.id(), ch, ann.clone(), "en-US", &cheer);
    f.dispatch("INTERACTION_CREATE", press);
    let cb = f.wait_for("cheer button", 1, WAIT, callback_of(i6)).await;
    assert_eq!(cb[0].body["type"], 7, "update message");
    let embed = &cb[0].body["data"]["embeds"][0];
    let title = embed["title"].as_str().unwrap();
    assert!(title.starts_with("Songs to cheer you up"), "{title}");
    assert_eq!(links(embed["description"].as_str().unwrap()), 10);

    // /cheer text: songs that lift the mood of the words, answered at once and saying so,
    // in the language of the words (Chinese here, though the locale is English).
    let i7 = f.id();
    f.dispatch(
        "INTERACTION_CREATE",
        interaction(
            i7,
            2,
            ch,
            ann.clone(),
            "en-US",
            text_command("2", "cheer", "失恋了，好难过"),
        ),
    );
    let cb = f.wait_for("/cheer text", 1, WAIT, callback_of(i7)).await;
    assert_eq!(cb[0].body["type"], 4);
    let embed = &cb[0].body["data"]["embeds"][0];
    let title = embed["title"].as_str().unwrap();
    assert!(title.starts_with("给你打打气的歌"), "{title}");
    assert_eq!(links(embed["description"].as_str().unwrap()), 10);

    // "Different vibe": a private hint.
    let i5 = f.id();
    let press = button_press(i5, f.id(), ch, ann.clone(), "en-US", "vibe");
    f.dispatch("INTERACTION_CREATE", press);
    let cb = f.wait_for("vibe button", 1, WAIT, callback_of(i5)).await;
    assert_eq!(cb[0].body["data"]["flags"], 64, "ephemeral");

    // /mood with nothing: a private usage note. /mood with an emoji only: a friendly nudge.
    let i6 = f.id();
    f.dispatch(
        "INTERACTION_CREATE",
        interaction(
            i6,
            2,
            ch,
            ann.clone(),
            "en-US",
            json!({"id": "1", "name": "mood", "type": 1}),
        ),
    );
    let cb = f.wait_for("empty /mood", 1, WAIT, callback_of(i6)).await;
    assert_eq!(cb[0].body["data"]["flags"], 64);
    assert!(cb[0].body["data"]["content"]
        .as_str()
        .unwrap()
        .contains("/mood"));
    let i7 = f.id();
    f.dispatch(
        "INTERACTION_CREATE",
        interaction(
            i7,
            2,
            ch,
            ann.clone(),
            "en-US",
            text_command("1", "mood", "🚗🚗"),
        ),
    );
    let cb = f.wait_for("emoji /mood", 1, WAIT, callback_of(i7)).await;
    assert!(cb[0].body["data"]["content"]
        .as_str()
        .unwrap()
        .contains("couldn't read a mood"));

    // Everyday messages, answered in their own language: a negated joy reads as sorrow, a
    // plain fact gets the friendly question.
    let ask = |id: u64, text: &str| {
        interaction(
            id,
            2,
            ch,
            ann.clone(),
            "en-US",
            text_command("1", "mood", text),
        )
    };
    let i8 = f.id();
    f.dispatch("INTERACTION_CREATE", ask(i8, "不开心"));
    let cb = f.wait_for("不开心", 1, WAIT, callback_of(i8)).await;
    let title = cb[0].body["data"]["embeds"][0]["title"].as_str().unwrap();
    assert!(
        title.starts_with("你的心情") && (title.contains("悲伤") || title.contains("失望")),
        "{title}"
    );
    let i9 = f.id();
    f.dispatch("INTERACTION_CREATE", ask(i9, "明天几点开会"));
    let cb = f.wait_for("明天几点开会", 1, WAIT, callback_of(i9)).await;
    assert!(
        cb[0].body["data"]["content"]
            .as_str()
            .unwrap()
            .contains("我没读出这段话的心情"),
        "{}",
        cb[0].body
    );

    bot.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ratings_history_and_forget_stay_private() {
    let bot = start().await;
    let f = &bot.fake;
    let (ann, bob) = (user(42, "ann"), user(43, "bob"));
    let ch = 9002;
    let command = |who: &Value, data: Value| {
        let id = f.id();
        f.dispatch(
            "INTERACTION_CREATE",
            interaction(id, 2, ch, who.clone(), "en-US", data),
        );
        id
    };
    let press = |who: &Value, custom_id: &str| {
        let id = f.id();
        f.dispatch(
            "INTERACTION_CREATE",
            button_press(id, f.id(), ch, who.clone(), "en-US", custom_id),
        );
        id
    };

    // A list has a page row and four rows of 👍 / 👎 (Discord's five rows).
    let i = command(&ann, text_command("1", "mood", "失恋了，好难过"));
    let cb = f.wait_for("/mood", 1, WAIT, callback_of(i)).await;
    let data = &cb[0].body["data"];
    let rows = data["components"].as_array().unwrap();
    assert_eq!(rows.len(), 5, "{data}");
    assert_eq!(rows[1]["components"][0]["label"], "👍 1");
    let ids = custom_ids(&data["components"]);
    let rated: Vec<&String> = ids.iter().filter(|c| c.starts_with("r")).collect();
    assert_eq!(rated.len(), 20, "{ids:?}");
    let song = |n: usize| {
        rated[n]
            .split_once(':')
            .map(|(_, id)| id.to_string())
            .unwrap()
    };

    // Ann rates two songs, Bob one: each hears back privately.
    let i = press(&ann, &format!("r-:{}", song(0)));
    let cb = f.wait_for("👎", 1, WAIT, callback_of(i)).await;
    assert_eq!(cb[0].body["data"]["flags"], 64, "ephemeral");
    assert!(cb[0].body["data"]["content"]
        .as_str()
        .unwrap()
        .contains("won't get"));
    let i = press(&ann, &format!("r+:{}", song(1)));
    f.wait_for("👍", 1, WAIT, callback_of(i)).await;
    let i = press(&bob, &format!("r+:{}", song(2)));
    f.wait_for("Bob's 👍", 1, WAIT, callback_of(i)).await;

    // /history: only Ann sees it (ephemeral), with her liked song and not Bob's.
    let i = command(&ann, json!({"id": "2", "name": "history", "type": 1}));
    let cb = f.wait_for("/history", 1, WAIT, callback_of(i)).await;
    let data = &cb[0].body["data"];
    assert_eq!(data["flags"], 64, "ephemeral: {data}");
    let d = data["embeds"][0]["description"].as_str().unwrap();
    assert!(
        d.contains("Your last moods:") && d.contains("Songs you liked:"),
        "{d}"
    );
    assert!(d.contains(&song(1)) && !d.contains(&song(2)), "{d}");

    // /forget: Ann's mood and two ratings go; she is told privately.
    let i = command(&ann, json!({"id": "3", "name": "forget", "type": 1}));
    let cb = f.wait_for("/forget", 1, WAIT, callback_of(i)).await;
    assert_eq!(cb[0].body["data"]["flags"], 64);
    let said = cb[0].body["data"]["content"].as_str().unwrap();
    assert!(said.contains("(1 moods, 2 ratings)"), "{said}");
    bot.shutdown().await;
}

/// The gateway closing under the bot (Discord restarting a server: close code 4000) is resumed
/// from, and an event sent after it is still answered, by the same process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_gateway_is_resumed() {
    let bot = start().await;
    let f = &bot.fake;
    let ask = |id: u64| {
        interaction(
            id,
            2,
            7001,
            user(42, "ann"),
            "en-US",
            text_command("1", "mood", "今天好开心"),
        )
    };
    let i1 = f.id();
    f.dispatch("INTERACTION_CREATE", ask(i1));
    f.wait_for("before the close", 1, WAIT, callback_of(i1))
        .await;
    f.close_gateway(4000);
    let i2 = f.id();
    f.dispatch("INTERACTION_CREATE", ask(i2));
    let cb = f
        .wait_for("after the close", 1, WAIT, callback_of(i2))
        .await;
    assert_eq!(
        links(
            cb[0].body["data"]["embeds"][0]["description"]
                .as_str()
                .unwrap()
        ),
        10
    );
    assert_eq!(f.resumed(), 1, "the session was resumed, not started anew");
    bot.shutdown().await;
}
