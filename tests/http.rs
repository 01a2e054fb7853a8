//! The HTTP API over real TCP on 127.0.0.1, with the real engine on the demo catalog.

use std::time::Duration;

use moodtune_adapters::http::{self, HttpOptions};
use moodtune_tests::TestDb;
use serde_json::{json, Value};

async fn start(burst: u32) -> (String, tokio::sync::oneshot::Sender<()>, TestDb) {
    let db = TestDb::sqlite();
    let engine = db.engine().await;
    engine.wait_for_index().await;
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
    (base, stop, db)
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
    assert_eq!(
        c.get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let ready: Value = c
        .get(format!("{base}/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
        metrics.contains("moodtune_request_seconds_count{endpoint=\"photo\"} 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("moodtune_index_vectors{kind=\"hnsw\"}"),
        "{metrics}"
    );
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
