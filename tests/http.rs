//! The HTTP API over real TCP on 127.0.0.1, with the real engine on the demo catalog.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use moodtune_adapters::http::{self, HttpOptions};
use moodtune_core::Engine;
use moodtune_tests::TestDb;
use serde_json::{json, Value};

/// Everything logged at info level by this test binary, as JSON lines.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

fn logs() -> Logs {
    static LOGS: OnceLock<Logs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::INFO)
            .with_writer(logs.clone())
            .init();
        logs
    })
    .clone()
}

async fn start(burst: u32) -> (String, tokio::sync::oneshot::Sender<()>, TestDb) {
    let db = TestDb::sqlite();
    let engine = db.engine().await;
    engine.wait_for_index().await;
    let (base, stop) = serve(engine, burst).await;
    (base, stop, db)
}

async fn serve(engine: Arc<Engine>, burst: u32) -> (String, tokio::sync::oneshot::Sender<()>) {
    logs();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}").parse().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(http::run(
        engine,
        HttpOptions {
            listen,
            burst,
            every: Duration::from_secs(60),
            metrics: Default::default(),
        },
        async move {
            let _ = stopped.await;
        },
    ));
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (base, stop)
}

async fn status_of(c: &reqwest::Client, url: &str) -> u16 {
    c.get(url).send().await.unwrap().status().as_u16()
}

async fn get_json(c: &reqwest::Client, url: &str) -> Value {
    c.get(url).send().await.unwrap().json().await.unwrap()
}

async fn post_json(c: &reqwest::Client, url: &str, body: Value) -> (u16, Value) {
    let r = c.post(url).json(&body).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn image(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/fixtures/images/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recommend_errors_and_probes() {
    let (base, _stop, _db) = start(100).await;
    let c = reqwest::Client::new();
    assert_eq!(status_of(&c, &format!("{base}/healthz")).await, 200);
    let ready = get_json(&c, &format!("{base}/readyz")).await;
    assert_eq!(ready["ready"], true, "{ready}");

    let r = c
        .post(format!("{base}/v1/recommend"))
        .json(&json!({"text": "下雨天一个人，有点难过", "k": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["tracks"].as_array().unwrap().len(), 5);
    assert!(v["emotion"]["NB"].as_f64().unwrap() > 0.5);

    let form = reqwest::multipart::Form::new().part(
        "img",
        reqwest::multipart::Part::bytes(image("justin.jpg")).file_name("justin.jpg"),
    );
    let r = c
        .post(format!("{base}/v1/recommend/photo"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["faces"].as_array().unwrap().len(), 1);
    assert_eq!(v["tracks"].as_array().unwrap().len(), 10);
    assert!(v["emotion"]["PA"].as_f64().unwrap() > 0.5, "{v}");

    // (body, expected status, expected code)
    let table: Vec<(Value, u16, &str)> = vec![
        (json!({"text": ""}), 400, "empty_text"),
        (json!({"nothing": 1}), 400, "bad_request"),
        (json!({"text": "难过", "k": 0}), 400, "bad_request"),
        (json!({"text": "很".repeat(5000)}), 413, "text_too_long"),
        (json!({"text": "🚗🚗"}), 422, "no_emotion"),
    ];
    for (body, status, code) in table {
        let r = c
            .post(format!("{base}/v1/recommend"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{body}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], code, "{body}: {v}");
        assert!(v["error"]["message"].as_str().unwrap().len() > 5);
    }
    let r = c
        .post(format!("{base}/v1/recommend"))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    for (bytes, status, code) in [
        (b"plain text".to_vec(), 415, "not_an_image"),
        (image("justin.jpg")[..4000].to_vec(), 400, "image_damaged"),
        (
            moodtune_tests::png_bomb(30_000, 30_000),
            413,
            "image_too_large",
        ),
    ] {
        let form = reqwest::multipart::Form::new().part(
            "img",
            reqwest::multipart::Part::bytes(bytes).file_name("x.jpg"),
        );
        let r = c
            .post(format!("{base}/v1/recommend/photo"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], code, "{v}");
    }

    let metrics = c
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "moodtune_requests_total{adapter=\"http\",endpoint=\"text\",outcome=\"ok\"} 1"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("endpoint=\"text\",outcome=\"no_emotion\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("moodtune_request_seconds_count{adapter=\"http\",endpoint=\"photo\"} 4"),
        "{metrics}"
    );
    assert!(
        metrics.contains("moodtune_index_vectors{kind=\"graph\"}"),
        "{metrics}"
    );

    // One span per request, carrying the adapter, the endpoint, a hashed client and the outcome;
    // never the text at info level.
    let logs = String::from_utf8(logs().0.lock().unwrap().clone()).unwrap();
    let answered: Vec<Value> = logs
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .filter(|v| v["fields"]["message"] == "answered" && v["span"]["adapter"] == "http")
        .collect();
    let span_of = |endpoint: &str, outcome: &str| {
        answered
            .iter()
            .find(|v| v["span"]["endpoint"] == endpoint && v["span"]["outcome"] == outcome)
            .map(|v| v["span"].clone())
    };
    let ok = span_of("text", "ok").unwrap_or_else(|| panic!("no text/ok span in {logs}"));
    assert_eq!(ok["name"], "request");
    let user = ok["user"].as_str().unwrap();
    assert!(
        user.len() == 16 && user.chars().all(|c| c.is_ascii_hexdigit()),
        "{ok}"
    );
    for (endpoint, outcome) in [
        ("text", "no_emotion"),
        ("text", "text_too_long"),
        ("photo", "ok"),
        ("photo", "not_an_image"),
        ("photo", "image_too_large"),
    ] {
        assert!(
            span_of(endpoint, outcome).is_some(),
            "no {endpoint}/{outcome} span in {logs}"
        );
    }
    assert!(
        !logs.contains("下雨天一个人"),
        "the message text reached the logs"
    );
}

/// Not ready (503, on probe and on recommend) until the catalog has tracks and the index is built.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_index() {
    let db = TestDb::sqlite();
    let config = moodtune_core::EngineConfig {
        database_url: db.url.clone(),
        load_demo: false,
        ..Default::default()
    };
    let engine = Arc::new(Engine::open(config).await.unwrap());
    let (base, _stop) = serve(engine.clone(), 100).await;
    let c = reqwest::Client::new();
    let r = c.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["ready"].clone(), v["database"].clone()),
        (json!(false), json!(true)),
        "{v}"
    );
    let (status, v) = post_json(&c, &format!("{base}/v1/recommend"), json!({"text": "开心"})).await;
    assert_eq!(status, 503);
    assert_eq!(v["error"]["code"], "empty_catalog", "{v}");
    assert_eq!(status_of(&c, &format!("{base}/healthz")).await, 200);

    let (playlists, _) =
        moodtune_core::ingest::dump::parse(moodtune_core::ingest::dump::EMBEDDED_DEMO);
    moodtune_tests::import_and_follow(&engine, &playlists).await;
    let r = c.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["index"]["complete"], true, "{v}");
    assert!(v["index"]["vectors"].as_u64().unwrap() > 1000, "{v}");
    let (status, v) = post_json(&c, &format!("{base}/v1/recommend"), json!({"text": "开心"})).await;
    assert_eq!(status, 200, "{v}");
}

/// Checks `value` against an OpenAPI 3.1 schema strictly: every required property present, no
/// property the schema does not name, types as declared.
fn conforms(value: &Value, schema: &Value, doc: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap();
        return conforms(value, &doc["components"]["schemas"][name], doc, at);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema[key].as_array() {
            return if options.iter().any(|o| conforms(value, o, doc, at).is_ok()) {
                Ok(())
            } else {
                Err(format!("{at}: {value} matches none of {key}"))
            };
        }
    }
    if let Some(all) = schema["allOf"].as_array() {
        return all.iter().try_for_each(|o| conforms(value, o, doc, at));
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return Ok(()), // any value
    };
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let integer_as_number = kind == "integer" && types.contains(&"number");
    if !(types.contains(&kind) || integer_as_number) {
        return Err(format!("{at}: {value} is {kind}, schema says {types:?}"));
    }
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                conforms(item, &schema["items"], doc, &format!("{at}[{i}]"))?;
            }
        }
        Value::Object(map) => {
            let props = schema["properties"].as_object();
            for req in schema["required"].as_array().into_iter().flatten() {
                let req = req.as_str().unwrap();
                if !map.contains_key(req) {
                    return Err(format!("{at}: required `{req}` missing"));
                }
            }
            for (k, v) in map {
                match props.and_then(|p| p.get(k)) {
                    Some(s) => conforms(v, s, doc, &format!("{at}.{k}"))?,
                    None => match &schema["additionalProperties"] {
                        Value::Object(_) => conforms(
                            v,
                            &schema["additionalProperties"],
                            doc,
                            &format!("{at}.{k}"),
                        )?,
                        _ => return Err(format!("{at}: `{k}` is not in the schema")),
                    },
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// The OpenAPI document names every route served, and what the handlers send conforms to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_matches_the_handlers() {
    let (base, _stop, _db) = start(100).await;
    let c = reqwest::Client::new();
    let doc = get_json(&c, &format!("{base}/v1/openapi.json")).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    let paths = doc["paths"].as_object().unwrap();
    let mut documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), p.clone()))
        })
        .collect();
    documented.sort();
    let expected = [
        ("GET", "/healthz"),
        ("GET", "/metrics"),
        ("GET", "/readyz"),
        ("GET", "/v1/openapi.json"),
        ("POST", "/v1/recommend"),
        ("POST", "/v1/recommend/photo"),
    ];
    assert_eq!(
        documented,
        expected
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect::<Vec<_>>()
    );

    // Each answer: its status is documented for its route and its body conforms to that schema.
    let photo = || {
        reqwest::multipart::Form::new().part(
            "img",
            reqwest::multipart::Part::bytes(image("justin.jpg")).file_name("justin.jpg"),
        )
    };
    let calls: Vec<(&str, reqwest::RequestBuilder)> = vec![
        ("/readyz", c.get(format!("{base}/readyz"))),
        (
            "/v1/recommend",
            c.post(format!("{base}/v1/recommend"))
                .json(&json!({"text": "开心", "k": 3})),
        ),
        (
            "/v1/recommend",
            c.post(format!("{base}/v1/recommend"))
                .json(&json!({"text": "🚗"})),
        ),
        (
            "/v1/recommend",
            c.post(format!("{base}/v1/recommend")).body("{"),
        ),
        (
            "/v1/recommend/photo",
            c.post(format!("{base}/v1/recommend/photo"))
                .multipart(photo()),
        ),
        (
            "/v1/recommend/photo",
            c.post(format!("{base}/v1/recommend/photo")).body("x"),
        ),
    ];
    for (path, call) in calls {
        let r = call.send().await.unwrap();
        let status = r.status().as_u16().to_string();
        let body: Value = r.json().await.unwrap();
        let op = paths[path].as_object().unwrap().values().next().unwrap();
        let response = &op["responses"][&status];
        assert!(
            response.is_object(),
            "{path} answered {status}, not documented"
        );
        let schema = &response["content"]["application/json"]["schema"];
        conforms(&body, schema, &doc, path).unwrap_or_else(|e| panic!("{e}\n{body}"));
    }
    // The checker itself rejects what it should.
    let view = json!({"$ref": "#/components/schemas/RecommendationView"});
    assert!(conforms(
        &json!({"emotion": {}, "tracks": [], "extra": 1}),
        &view,
        &doc,
        "x"
    )
    .is_err());
    assert!(conforms(&json!({"emotion": {}}), &view, &doc, "x").is_err());
    assert!(conforms(
        &json!({"emotion": {}, "tracks": [{"id": "1"}]}),
        &view,
        &doc,
        "x"
    )
    .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_are_rate_limited() {
    let (base, _stop, _db) = start(2).await;
    let c = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let r = c
            .post(format!("{base}/v1/recommend"))
            .json(&json!({"text": "开心"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, vec![200, 200, 429]);
}
