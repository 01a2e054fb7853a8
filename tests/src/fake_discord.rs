//! A fake Discord on 127.0.0.1 for end-to-end tests of the real serenity client: REST (axum) and
//! a gateway (WebSocket, tokio-tungstenite as serenity uses it).
//!
//! REST answers `GET /api/v10/gateway` with the fake gateway's `ws://` URL, fabricates messages
//! for `POST .../messages` and `PATCH .../messages/@original`, accepts interaction callbacks,
//! typing and command registration, serves attachment files under `/files/`, and records every
//! call. The gateway says HELLO, waits for IDENTIFY, sends READY, acknowledges heartbeats and
//! then dispatches whatever events the test queues.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// The bot's user id (also its application id).
pub const BOT_ID: u64 = 900_000_000_000_000_001;
/// A guild the bot is in.
pub const GUILD_ID: u64 = 500_000_000_000_000_001;

/// One recorded REST call.
#[derive(Debug, Clone)]
pub struct Call {
    /// HTTP method.
    pub method: String,
    /// Path, e.g. `/api/v10/channels/1/messages`.
    pub path: String,
    /// JSON body (or `Null`).
    pub body: Value,
    /// When it arrived (for latency figures under load).
    pub at: std::time::Instant,
}

struct Inner {
    calls: Mutex<Vec<Call>>,
    call_made: Notify,
    events: tokio::sync::Mutex<mpsc::UnboundedReceiver<Value>>,
    ws_url: String,
    next_id: AtomicU64,
    files: Mutex<HashMap<String, (String, Vec<u8>)>>,
    identified: AtomicU64,
    resumed: AtomicU64,
}

/// A running fake Discord.
#[derive(Clone)]
pub struct FakeDiscord {
    /// REST base to give serenity as its proxy (`http://127.0.0.1:PORT`).
    pub url: String,
    inner: Arc<Inner>,
    events: mpsc::UnboundedSender<Value>,
}

impl FakeDiscord {
    /// Starts REST and gateway on free loopback ports.
    pub async fn start() -> FakeDiscord {
        let ws = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ws_url = format!("ws://{}", ws.local_addr().unwrap());
        let (tx, rx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            calls: Mutex::new(Vec::new()),
            call_made: Notify::new(),
            events: tokio::sync::Mutex::new(rx),
            ws_url,
            next_id: AtomicU64::new(1_000_000),
            files: Mutex::new(HashMap::new()),
            identified: AtomicU64::new(0),
            resumed: AtomicU64::new(0),
        });
        let gw = Arc::clone(&inner);
        tokio::spawn(async move {
            while let Ok((stream, _)) = ws.accept().await {
                let gw = Arc::clone(&gw);
                tokio::spawn(async move {
                    let _ = gateway(stream, gw).await;
                });
            }
        });
        let app = Router::new()
            .route("/files/{name}", axum::routing::get(file))
            .fallback(rest)
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeDiscord {
            url: format!("http://{addr}"),
            inner,
            events: tx,
        }
    }

    /// Queues a gateway dispatch (`t` = event name such as `MESSAGE_CREATE`).
    pub fn dispatch(&self, t: &str, d: Value) {
        let _ = self.events.send(json!({"t": t, "d": d}));
    }

    /// Closes the gateway connection with close `code` (4000: "unknown error", which a client
    /// resumes from), after the events queued before it; the bot must reconnect on its own.
    pub fn close_gateway(&self, code: u16) {
        let _ = self.events.send(json!({"close": code}));
    }

    /// How many sessions were resumed (op 6) rather than identified anew.
    pub fn resumed(&self) -> u64 {
        self.inner.resumed.load(Ordering::SeqCst)
    }

    /// A fresh snowflake.
    pub fn id(&self) -> u64 {
        self.inner.next_id.fetch_add(1, Ordering::SeqCst)
    }

    /// Serves `bytes` at `/files/NAME` and returns an attachment object pointing there.
    pub fn attachment(&self, name: &str, content_type: Option<&str>, bytes: Vec<u8>) -> Value {
        let size = bytes.len();
        self.inner.files.lock().unwrap().insert(
            name.to_string(),
            (
                content_type
                    .unwrap_or("application/octet-stream")
                    .to_string(),
                bytes,
            ),
        );
        let url = format!("{}/files/{name}", self.url);
        let mut a = json!({
            "id": self.id().to_string(), "filename": name, "size": size,
            "url": url, "proxy_url": url,
        });
        if let Some(t) = content_type {
            a["content_type"] = json!(t);
        }
        a
    }

    /// Whether the bot identified on the gateway (it is ready for events).
    pub fn identified(&self) -> bool {
        self.inner.identified.load(Ordering::SeqCst) > 0
    }

    /// Every REST call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.inner.calls.lock().unwrap().clone()
    }

    /// Waits until `n` calls match `pred`, and returns the matching calls.
    pub async fn wait_for(
        &self,
        what: &str,
        n: usize,
        timeout: Duration,
        pred: impl Fn(&Call) -> bool,
    ) -> Vec<Call> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.call_made.notified();
            let got: Vec<Call> = self.calls().into_iter().filter(|c| pred(c)).collect();
            if got.len() >= n {
                return got;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "timed out waiting for {n} x {what}; calls: {:#?}",
                    self.calls()
                );
            }
        }
    }
}

async fn gateway(stream: tokio::net::TcpStream, inner: Arc<Inner>) -> anyhow_free::Result {
    let mut ws = tokio_tungstenite::accept_async(stream).await?;
    ws.send(WsMessage::Text(
        json!({"op": 10, "d": {"heartbeat_interval": 41250}}).to_string(),
    ))
    .await?;
    // Wait for IDENTIFY or RESUME (answering heartbeats meanwhile).
    let resume = loop {
        let Some(msg) = ws.next().await else {
            return Ok(());
        };
        let v: Value = match msg? {
            WsMessage::Text(t) => serde_json::from_str(&t).unwrap_or(Value::Null),
            WsMessage::Close(_) => return Ok(()),
            _ => continue,
        };
        match v["op"].as_i64() {
            Some(1) => {
                ws.send(WsMessage::Text(json!({"op": 11}).to_string()))
                    .await?
            }
            Some(2) => break false,
            Some(6) => break true,
            _ => {}
        }
    };
    let mut seq = 1;
    let ready = json!({
        "v": 10,
        "user": {"id": BOT_ID.to_string(), "username": "moodtune", "discriminator": "0",
                 "global_name": null, "avatar": null, "bot": true},
        "guilds": [{"id": GUILD_ID.to_string(), "unavailable": true}],
        "session_id": "fake-session",
        "resume_gateway_url": inner.ws_url,
        "application": {"id": BOT_ID.to_string(), "flags": 0},
    });
    if resume {
        ws.send(WsMessage::Text(
            json!({"op": 0, "t": "RESUMED", "s": seq, "d": {}}).to_string(),
        ))
        .await?;
        inner.resumed.fetch_add(1, Ordering::SeqCst);
    } else {
        ws.send(WsMessage::Text(
            json!({"op": 0, "t": "READY", "s": seq, "d": ready}).to_string(),
        ))
        .await?;
        inner.identified.fetch_add(1, Ordering::SeqCst);
    }
    let mut events = inner.events.lock().await;
    loop {
        tokio::select! {
            msg = ws.next() => {
                let Some(msg) = msg else { return Ok(()) };
                match msg? {
                    WsMessage::Text(t) => {
                        let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                        if v["op"].as_i64() == Some(1) {
                            ws.send(WsMessage::Text(json!({"op": 11}).to_string())).await?;
                        }
                    }
                    WsMessage::Close(_) => return Ok(()),
                    _ => {}
                }
            }
            ev = events.recv() => {
                let Some(ev) = ev else { return Ok(()) };
                if let Some(code) = ev["close"].as_u64() {
                    let frame = tokio_tungstenite::tungstenite::protocol::CloseFrame {
                        code: (code as u16).into(),
                        reason: "fake gateway closing".into(),
                    };
                    let _ = ws.send(WsMessage::Close(Some(frame))).await;
                    return Ok(());
                }
                seq += 1;
                ws.send(WsMessage::Text(
                    json!({"op": 0, "t": ev["t"], "s": seq, "d": ev["d"]}).to_string(),
                ))
                .await?;
            }
        }
    }
}

/// A tiny error plumbing for the gateway task (its errors only end the connection).
mod anyhow_free {
    pub type Result = std::result::Result<(), Box<dyn std::error::Error + Send + Sync>>;
}

async fn file(State(inner): State<Arc<Inner>>, Path(name): Path<String>) -> Response {
    match inner.files.lock().unwrap().get(&name) {
        Some((t, bytes)) => ([("content-type", t.clone())], bytes.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn fake_message(inner: &Inner, channel: &str, body: &Value) -> Value {
    let id = inner.next_id.fetch_add(1, Ordering::SeqCst);
    json!({
        "id": id.to_string(), "channel_id": channel,
        "author": {"id": BOT_ID.to_string(), "username": "moodtune", "discriminator": "0", "avatar": null, "bot": true},
        "content": body.get("content").cloned().unwrap_or(json!("")),
        "timestamp": "2026-11-25T10:00:00.000000+00:00", "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": [], "pinned": false, "type": 0,
    })
}

async fn rest(State(inner): State<Arc<Inner>>, method: Method, uri: Uri, body: Bytes) -> Response {
    let path = uri.path().to_string();
    let body_json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    inner.calls.lock().unwrap().push(Call {
        method: method.to_string(),
        path: path.clone(),
        body: body_json.clone(),
        at: std::time::Instant::now(),
    });
    inner.call_made.notify_waiters();
    let parts: Vec<&str> = path.trim_start_matches("/api/v10/").split('/').collect();
    let json_ok = |v: Value| (StatusCode::OK, axum::Json(v)).into_response();
    match (method.as_str(), parts.as_slice()) {
        ("GET", ["gateway"]) => json_ok(json!({"url": inner.ws_url})),
        ("GET", ["gateway", "bot"]) => json_ok(json!({
            "url": inner.ws_url, "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        })),
        ("PUT", ["applications", _, "commands"])
        | ("PUT", ["applications", _, "guilds", _, "commands"]) => json_ok(json!([])),
        ("POST", ["channels", channel, "messages"]) => {
            json_ok(fake_message(&inner, channel, &body_json))
        }
        ("POST", ["channels", _, "typing"]) => StatusCode::NO_CONTENT.into_response(),
        ("POST", ["interactions", _, _, "callback"]) => StatusCode::NO_CONTENT.into_response(),
        ("PATCH", ["webhooks", _, _, "messages", _]) | ("POST", ["webhooks", _, _]) => {
            json_ok(fake_message(&inner, "1", &body_json))
        }
        _ => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"message": "Unknown", "code": 0})),
        )
            .into_response(),
    }
}

/// A user object.
pub fn user(id: u64, name: &str) -> Value {
    json!({"id": id.to_string(), "username": name, "discriminator": "0", "global_name": name, "avatar": null})
}

/// A MESSAGE_CREATE payload; `guild` `None` is a DM.
pub fn message(
    id: u64,
    channel: u64,
    guild: Option<u64>,
    author: Value,
    content: &str,
    mentions: Vec<Value>,
    attachments: Vec<Value>,
) -> Value {
    let mut m = json!({
        "id": id.to_string(), "channel_id": channel.to_string(), "author": author,
        "content": content, "timestamp": "2026-11-25T10:00:00.000000+00:00",
        "edited_timestamp": null, "tts": false, "mention_everyone": false,
        "mentions": mentions, "mention_roles": [], "attachments": attachments,
        "embeds": [], "pinned": false, "type": 0,
    });
    if let Some(g) = guild {
        m["guild_id"] = json!(g.to_string());
    }
    m
}

/// An INTERACTION_CREATE payload of `kind` (2 command, 3 component) with `data`.
/// A press of button `custom_id` under one of the bot's messages (`message_id`) in `channel`.
pub fn button_press(
    id: u64,
    message_id: u64,
    channel: u64,
    who: Value,
    locale: &str,
    custom_id: &str,
) -> Value {
    let mut press = interaction(
        id,
        3,
        channel,
        who,
        locale,
        json!({"custom_id": custom_id, "component_type": 2}),
    );
    press["message"] = message(
        message_id,
        channel,
        Some(GUILD_ID),
        user(BOT_ID, "moodtune"),
        "",
        vec![],
        vec![],
    );
    press
}

pub fn interaction(
    id: u64,
    kind: u8,
    channel: u64,
    who: Value,
    locale: &str,
    data: Value,
) -> Value {
    json!({
        "id": id.to_string(), "application_id": BOT_ID.to_string(), "type": kind,
        "data": data, "guild_id": GUILD_ID.to_string(), "channel_id": channel.to_string(),
        "user": who, "token": format!("itoken-{id}"), "version": 1, "locale": locale,
        "entitlements": [], "attachment_size_limit": 10_485_760,
    })
}
