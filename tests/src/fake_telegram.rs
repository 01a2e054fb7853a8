//! A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests of the real teloxide client.
//!
//! It serves `/bot<token>/<Method>` (method names matched case-insensitively), holds `getUpdates`
//! until an update is queued (at most one second, to keep shutdown quick), answers `getMe` with the
//! fields teloxide requires, fabricates plausible `Message` objects for `sendMessage` and
//! `editMessageText`, and records every call for assertions.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::routing::any;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::Notify;

/// Username the fake bot reports in getMe.
pub const BOT_USERNAME: &str = "moodtune_bot";

#[derive(Default)]
struct Inner {
    token: String,
    updates: Mutex<Vec<Value>>,
    calls: Mutex<Vec<(String, Value, std::time::Instant)>>,
    update_arrived: Notify,
    call_made: Notify,
    next_update: AtomicI64,
    next_message: AtomicI64,
    files: Mutex<std::collections::HashMap<String, Vec<u8>>>,
    failures: Mutex<Vec<(String, Value)>>,
    /// Until when every call (or only calls of one method) gets a 502 page, unrecorded.
    outage: Mutex<Option<(Option<String>, tokio::time::Instant)>>,
}

/// A running fake Bot API.
#[derive(Clone)]
pub struct FakeTelegram {
    /// Base URL to give the bot (`http://127.0.0.1:PORT/`).
    pub url: String,
    inner: Arc<Inner>,
}

impl FakeTelegram {
    /// Starts the server for `token` on a free loopback port.
    pub async fn start(token: &str) -> FakeTelegram {
        let inner = Arc::new(Inner {
            token: token.to_string(),
            next_update: AtomicI64::new(1),
            next_message: AtomicI64::new(1000),
            ..Default::default()
        });
        let app = Router::new()
            .route("/{bot}/{method}", any(handle))
            .route("/file/{bot}/{*path}", axum::routing::get(file))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeTelegram {
            url: format!("http://{addr}/"),
            inner,
        }
    }

    /// Queues an update (its `update_id` is assigned here) and returns the id.
    pub fn push(&self, mut update: Value) -> i64 {
        let id = self.inner.next_update.fetch_add(1, Ordering::SeqCst);
        update["update_id"] = json!(id);
        self.inner.updates.lock().unwrap().push(update);
        self.inner.update_arrived.notify_waiters();
        id
    }

    /// Answers the next call of `method` with `answer` instead (e.g. a 429); queue several to fail
    /// several times.
    pub fn fail_next(&self, method: &str, answer: Value) {
        self.inner
            .failures
            .lock()
            .unwrap()
            .push((method.to_ascii_lowercase(), answer));
    }

    /// For `duration`, every call (or, with `method`, only that method's) is answered with a
    /// proxy's HTTP 502 page and not recorded: the Bot API down, as a bot sees it.
    pub fn outage(&self, method: Option<&str>, duration: Duration) {
        *self.inner.outage.lock().unwrap() = Some((
            method.map(|m| m.to_ascii_lowercase()),
            tokio::time::Instant::now() + duration,
        ));
    }

    /// A 429 answer asking to retry after `secs`.
    pub fn too_many_requests(secs: u64) -> Value {
        json!({"ok": false, "error_code": 429, "description": format!("Too Many Requests: retry after {secs}"),
               "parameters": {"retry_after": secs}})
    }

    /// Makes a file downloadable through getFile + /file/bot<token>/<path>.
    pub fn add_file(&self, file_id: &str, bytes: Vec<u8>) {
        self.inner
            .files
            .lock()
            .unwrap()
            .insert(file_id.to_string(), bytes);
    }

    /// A fresh message id for fabricated incoming messages.
    pub fn message_id(&self) -> i64 {
        self.inner.next_message.fetch_add(1, Ordering::SeqCst)
    }

    /// Every call so far: (lower-case method, parameters).
    pub fn calls(&self) -> Vec<(String, Value)> {
        self.timed_calls()
            .into_iter()
            .map(|(m, v, _)| (m, v))
            .collect()
    }

    /// Every call made so far with when it arrived (for latency figures under load).
    pub fn timed_calls(&self) -> Vec<(String, Value, std::time::Instant)> {
        self.inner.calls.lock().unwrap().clone()
    }

    /// Waits until the `n`-th call (1-based, counting all calls) of `method` has been made.
    pub async fn wait_for(&self, method: &str, n: usize, timeout: Duration) -> Vec<Value> {
        let method = method.to_ascii_lowercase();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.call_made.notified();
            let got: Vec<Value> = self
                .calls()
                .into_iter()
                .filter(|(m, _)| *m == method)
                .map(|(_, v)| v)
                .collect();
            if got.len() >= n {
                return got;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "timed out waiting for call #{n} of {method}; calls: {:?}",
                    self.calls()
                );
            }
        }
    }
}

fn chat(id: i64) -> Value {
    if id > 0 {
        json!({"id": id, "type": "private", "first_name": "Ann"})
    } else {
        json!({"id": id, "type": "supergroup", "title": "Music fans"})
    }
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    Path((bot, method)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let down = inner
        .outage
        .lock()
        .unwrap()
        .as_ref()
        .filter(|(m, until)| {
            tokio::time::Instant::now() < *until
                && m.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(&method))
        })
        .is_some();
    if down {
        return (
            axum::http::StatusCode::BAD_GATEWAY,
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        )
            .into_response();
    }
    answer(inner, bot, method, headers, body)
        .await
        .into_response()
}

async fn answer(
    inner: Arc<Inner>,
    bot: String,
    method: String,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Json<Value> {
    if bot != format!("bot{}", inner.token) {
        return Json(json!({"ok": false, "error_code": 401, "description": "Unauthorized"}));
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let params: Value =
        serde_json::from_slice(&body).unwrap_or_else(|_| multipart_fields(content_type, &body));
    let method = method.to_ascii_lowercase();
    if method != "getupdates" {
        inner.calls.lock().unwrap().push((
            method.clone(),
            params.clone(),
            std::time::Instant::now(),
        ));
        inner.call_made.notify_waiters();
    }
    let failure = {
        let mut f = inner.failures.lock().unwrap();
        f.iter()
            .position(|(m, _)| *m == method)
            .map(|i| f.remove(i).1)
    };
    if let Some(answer) = failure {
        return Json(answer);
    }
    let me = json!({"id": 777, "is_bot": true, "first_name": "moodtune", "username": BOT_USERNAME});
    let result = match method.as_str() {
        "getme" => json!({
            "id": 777, "is_bot": true, "first_name": "moodtune", "username": BOT_USERNAME,
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": true, "has_main_web_app": false
        }),
        "getupdates" => {
            let offset = params.get("offset").and_then(Value::as_i64).unwrap_or(0);
            let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
            loop {
                let notified = inner.update_arrived.notified();
                let pending: Vec<Value> = {
                    let mut q = inner.updates.lock().unwrap();
                    q.retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
                    q.clone()
                };
                if !pending.is_empty() {
                    break json!(pending);
                }
                if tokio::time::timeout_at(deadline, notified).await.is_err() {
                    break json!([]);
                }
            }
        }
        "sendmessage" | "editmessagetext" => {
            let chat_id = params.get("chat_id").and_then(Value::as_i64).unwrap_or(1);
            let id = params
                .get("message_id")
                .and_then(Value::as_i64)
                .unwrap_or_else(|| inner.next_message.fetch_add(1, Ordering::SeqCst));
            json!({
                "message_id": id, "date": 1_700_000_000, "chat": chat(chat_id), "from": me,
                "text": params.get("text").cloned().unwrap_or(json!(""))
            })
        }
        "getfile" => {
            let id = params
                .get("file_id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let size = inner.files.lock().unwrap().get(&id).map(|b| b.len());
            match size {
                Some(size) => {
                    json!({"file_id": id, "file_unique_id": format!("u{id}"), "file_size": size, "file_path": format!("photos/{id}.jpg")})
                }
                None => {
                    return Json(
                        json!({"ok": false, "error_code": 400, "description": "Bad Request: invalid file_id"}),
                    )
                }
            }
        }
        _ => json!(true),
    };
    Json(json!({"ok": true, "result": result}))
}

/// The text fields of a multipart/form-data body (teloxide sends setWebhook and file uploads so).
fn multipart_fields(content_type: &str, body: &[u8]) -> Value {
    let Some(boundary) = content_type.split("boundary=").nth(1) else {
        return json!({});
    };
    let body = String::from_utf8_lossy(body);
    let mut out = serde_json::Map::new();
    for part in body.split(&format!("--{}", boundary.trim_matches('"'))) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|n| n.split('"').next())
        else {
            continue;
        };
        out.insert(name.to_string(), json!(value.trim_end_matches("\r\n")));
    }
    Value::Object(out)
}

async fn file(
    State(inner): State<Arc<Inner>>,
    Path((bot, path)): Path<(String, String)>,
) -> Result<Vec<u8>, axum::http::StatusCode> {
    if bot != format!("bot{}", inner.token) {
        return Err(axum::http::StatusCode::UNAUTHORIZED);
    }
    let id = path.trim_start_matches("photos/").trim_end_matches(".jpg");
    inner.calls.lock().unwrap().push((
        "download".into(),
        json!({"path": path}),
        std::time::Instant::now(),
    ));
    inner.call_made.notify_waiters();
    inner
        .files
        .lock()
        .unwrap()
        .get(id)
        .cloned()
        .ok_or(axum::http::StatusCode::NOT_FOUND)
}

/// A photo message update: Telegram's size ladder, the largest being `file_id` of `size` bytes.
pub fn photo_update(message_id: i64, chat_id: i64, user: i64, file_id: &str, size: usize) -> Value {
    let mut m = message(message_id, chat_id, user, "");
    m.as_object_mut().unwrap().remove("text");
    m["photo"] = json!([
        {"file_id": format!("{file_id}-small"), "file_unique_id": "s", "file_size": 1000, "width": 90, "height": 90},
        {"file_id": file_id, "file_unique_id": "l", "file_size": size, "width": 800, "height": 800}
    ]);
    json!({"message": m})
}

/// A text message update from user `user` in chat `chat_id` (negative for a group).
pub fn text_update(message_id: i64, chat_id: i64, user: i64, text: &str) -> Value {
    json!({"message": message(message_id, chat_id, user, text)})
}

/// A message object as Telegram sends it.
pub fn message(message_id: i64, chat_id: i64, user: i64, text: &str) -> Value {
    json!({
        "message_id": message_id, "date": 1_700_000_000, "chat": chat(chat_id),
        "from": {"id": user, "is_bot": false, "first_name": "Ann", "language_code": "en"},
        "text": text
    })
}
