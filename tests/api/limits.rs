//! What the service refuses before any work is done: deep, complex, large or batched queries,
//! introspection when it is off, too many changes a minute, oversized bodies; and the headers
//! every response carries.

use serde_json::{Value, json};

use crate::helpers::{Db, TestApp, error_code};

async fn post(app: &TestApp, body: Value) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&app.admin_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn deep_and_complex_queries_are_refused() {
    let app = TestApp::spawn_with(Db::Sqlite, |s| s.graphql.max_complexity = 60)
        .await
        .unwrap();
    let mut deep = "id".to_owned();
    for _ in 0..9 {
        deep = format!("chapters {{ plan {{ {deep} }} }}");
    }
    let response = app.gql(&format!("{{ plans {{ {deep} }} }}"), json!({})).await;
    assert_eq!(error_code(&response), Some("QUERY_TOO_DEEP"), "{response}");
    let wide: Vec<String> = (0..25).map(|i| format!("a{i}: me {{ email name }}")).collect();
    let response = app.gql(&format!("{{ {} }}", wide.join(" ")), json!({})).await;
    assert_eq!(error_code(&response), Some("QUERY_TOO_COMPLEX"), "{response}");
    // An ordinary query passes within the default budget, with lists asked for by page.
    let ordinary = TestApp::spawn(Db::Sqlite).await.unwrap();
    let response = ordinary
        .gql(
            "{ plans(first: 20) { chapters { actions { number history(first: 20) { kind } } } } }",
            json!({}),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response}");
}

#[tokio::test]
async fn large_queries_and_batches_are_refused() {
    let app = TestApp::spawn(Db::Sqlite).await.unwrap();
    let padding = " ".repeat(20_001);
    let (status, body) = post(&app, json!({ "query": format!("{{ me {{ email }} }}{padding}") })).await;
    assert_eq!((status, error_code(&body)), (400, Some("QUERY_TOO_LARGE")), "{body}");
    let batch: Vec<Value> = (0..11).map(|_| json!({ "query": "{ me { email } }" })).collect();
    let (status, body) = post(&app, Value::Array(batch)).await;
    assert_eq!((status, error_code(&body)), (400, Some("BATCH_TOO_LARGE")), "{body}");
    let batch: Vec<Value> = (0..10).map(|_| json!({ "query": "{ me { email } }" })).collect();
    let (status, body) = post(&app, Value::Array(batch)).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn introspection_can_be_turned_off() {
    let query = json!({ "query": "{ __schema { queryType { name } } }" });
    let open = TestApp::spawn(Db::Sqlite).await.unwrap();
    let (_, body) = post(&open, query.clone()).await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
    let closed = TestApp::spawn_with(Db::Sqlite, |s| {
        s.graphql.introspection = tiltak::config::Introspection::Off
    })
    .await
    .unwrap();
    let (status, body) = post(&closed, query).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, Some("INTROSPECTION_DISABLED")),
        "{body}"
    );
    let (_, body) = post(
        &closed,
        json!({ "query": "query Q { __type(name: \"Plan\") { name } }", "operationName": "Q" }),
    )
    .await;
    assert_eq!(error_code(&body), Some("INTROSPECTION_DISABLED"));
    assert!(
        post(&closed, json!({ "query": "{ me { email } }" }))
            .await
            .1
            .get("errors")
            .is_none()
    );
}

#[tokio::test]
async fn changes_are_rate_limited_per_token() {
    let app = TestApp::spawn_with(Db::Sqlite, |s| s.graphql.mutations_per_minute = 4)
        .await
        .unwrap();
    // Creating the second person is the admin's first change of the minute.
    let other = app.token_for("koordinator@kommune.no", "COORDINATOR", None).await;
    let create =
        |n: i32| json!({ "query": format!("mutation {{ createPlan(input: {{ title: \"Plan {n}\" }}) {{ id }} }}") });
    for n in 0..3 {
        assert_eq!(post(&app, create(n)).await.0, 200);
    }
    let (status, body) = post(&app, create(3)).await;
    assert_eq!((status, error_code(&body)), (429, Some("RATE_LIMITED")), "{body}");
    let plans = app.ok("{ plans { title } }", json!({})).await;
    assert_eq!(
        plans["plans"].as_array().unwrap().len(),
        3,
        "the refused change wrote nothing; reads still work"
    );
    let response = app
        .gql_as(
            Some(&other),
            "mutation { createPlan(input: { title: \"Annen\" }) { id } }",
            json!({}),
        )
        .await;
    assert!(
        response.get("errors").is_none(),
        "another token has its own allowance: {response}"
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = TestApp::spawn_with(Db::Sqlite, |s| s.http.max_body_bytes = 2_000)
        .await
        .unwrap();
    let (status, _) = post(
        &app,
        json!({ "query": "{ me { email } }", "variables": { "x": "x".repeat(5_000) } }),
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(post(&app, json!({ "query": "{ me { email } }" })).await.0, 200);
}

#[tokio::test]
async fn responses_carry_security_headers_and_no_cors_unless_configured() {
    let app = TestApp::spawn(Db::Sqlite).await.unwrap();
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("Origin", "https://evil.example")
        .json(&json!({ "query": "{ me { email } }" }))
        .send()
        .await
        .unwrap();
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
    assert!(headers.get("access-control-allow-origin").is_none());
    // The explorer works offline: its script is the service's own, and nothing comes from a CDN.
    let explorer = app.client.get(format!("{}/graphql", app.address)).send().await.unwrap();
    let policy = explorer.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("script-src 'self'") && !policy.contains("https:"),
        "{policy}"
    );
    let page = explorer.text().await.unwrap();
    assert!(page.contains(r#"<script src="/assets/explorer.js" defer>"#), "{page}");
    let script = app
        .client
        .get(format!("{}/assets/explorer.js", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);

    let open = TestApp::spawn_with(Db::Sqlite, |s| {
        s.http.cors_origins = vec!["https://intranett.kommune.no".into()]
    })
    .await
    .unwrap();
    let preflight = open
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", open.address))
        .header("Origin", "https://intranett.kommune.no")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://intranett.kommune.no"
    );
}

#[tokio::test]
async fn slow_requests_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A client that sends the headers and then only part of its body holds the request open
    // until the timeout answers it: whatever the machine's load, never sooner and never not.
    let app = TestApp::spawn_with(Db::Sqlite, |s| s.http.request_timeout_seconds = 1)
        .await
        .unwrap();
    let host = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"query\":",
        app.admin_token
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 64];
    let read = tokio::time::timeout(std::time::Duration::from_secs(30), stream.read(&mut answer))
        .await
        .expect("answered within 30 s")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test]
async fn aliased_changes_each_count_and_fragments_do_not_hide_introspection() {
    let app = TestApp::spawn_with(Db::Sqlite, |s| {
        s.graphql.mutations_per_minute = 4;
        s.graphql.introspection = tiltak::config::Introspection::Off;
    })
    .await
    .unwrap();
    let many: Vec<String> = (0..5)
        .map(|i| format!("p{i}: createPlan(input: {{ title: \"Plan {i}\" }}) {{ id }}"))
        .collect();
    let (status, body) = post(&app, json!({ "query": format!("mutation {{ {} }}", many.join(" ")) })).await;
    assert_eq!(
        (status, error_code(&body)),
        (429, Some("RATE_LIMITED")),
        "five changes in one request: {body}"
    );
    assert_eq!(
        app.ok("{ plans { id } }", json!({})).await["plans"],
        json!([]),
        "nothing was written"
    );
    for query in [
        "{ ... on Query { __schema { queryType { name } } } }",
        "query { ...Peek } fragment Peek on Query { __type(name: \"Plan\") { name } }",
    ] {
        let (status, body) = post(&app, json!({ "query": query })).await;
        assert_eq!(
            (status, error_code(&body)),
            (400, Some("INTROSPECTION_DISABLED")),
            "{query}: {body}"
        );
    }
}

/// A query document is validated once: the same text again, with other variables, is not
/// validated again, and a variable of the wrong type is still refused, then as the field that
/// reads it. A document with a mutation is validated every time: a bad value in its second
/// field keeps the first from running, however often it is sent.
#[tokio::test]
async fn a_query_is_validated_once_and_bad_variables_are_still_refused() {
    use std::sync::atomic::Ordering;
    let app = TestApp::spawn(Db::Sqlite).await.unwrap();
    app.with_example_plan().await;
    let validations = || app.state.validations.load(Ordering::SeqCst);
    let query = "query($first: Int) { actions(first: $first) { id } }";
    let before = validations();
    let five = app.ok(query, json!({ "first": 5 })).await;
    assert_eq!(validations(), before + 1);
    let one = app.ok(query, json!({ "first": 1 })).await;
    assert_eq!(validations(), before + 1, "the same query text was validated again");
    assert_eq!(one["actions"].as_array().map(Vec::len), Some(1), "{one}");
    assert_eq!(five["actions"].as_array().map(Vec::len), Some(5), "{five}");
    for _ in 0..2 {
        let response = app.gql(query, json!({ "first": "many" })).await;
        assert_eq!(error_code(&response), Some("VALIDATION"), "{response}");
        assert!(response["data"]["actions"].is_null(), "{response}");
    }

    let units = || async {
        app.ok("{ units { name } }", json!({})).await["units"]
            .as_array()
            .unwrap()
            .len()
    };
    let count = units().await;
    let mutation = "mutation($a: CreateUnitInput!, $b: CreateUnitInput!) { a: createUnit(input: $a) { id } b: createUnit(input: $b) { id } }";
    let good = json!({ "name": "Nye enhet", "leaderName": "Kari Nordmann", "leaderEmail": "kari@example.no" });
    let validated = validations();
    for round in 1..=2 {
        let response = app.gql(mutation, json!({ "a": good, "b": { "name": 7 } })).await;
        assert_eq!(error_code(&response), Some("VALIDATION"), "{response}");
        assert_eq!(validations(), validated + round, "a mutation is validated every time");
        assert_eq!(
            units().await,
            count,
            "a unit was created by a mutation with a bad variable"
        );
    }
}

/// A body that is not a GraphQL request is refused with 400 whatever its content type says,
/// and a request is read from JSON as one or as a batch.
#[tokio::test]
async fn bodies_that_are_not_requests_are_refused() {
    let app = TestApp::spawn(Db::Sqlite).await.unwrap();
    let send = |content_type: Option<&'static str>, body: &'static str| {
        let mut request = app
            .client
            .post(format!("{}/graphql", app.address))
            .bearer_auth(&app.admin_token)
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    for content_type in [Some("application/json"), None, Some("text/plain")] {
        let (status, text) = send(content_type, "{\"query\": ").await;
        assert_eq!(status, 400, "{content_type:?}: {text}");
        let (status, text) = send(content_type, "\"{ me { email } }\"").await;
        assert_eq!(status, 400, "{content_type:?}: {text}");
    }
    let (status, text) = send(
        Some("application/json; charset=utf-8"),
        r#"{"query": "{ me { email } }"}"#,
    )
    .await;
    assert_eq!((status, text.contains("\"email\"")), (200, true), "{text}");
    let (status, text) = send(
        None,
        r#" [{"query": "{ me { email } }"}, {"query": "{ me { name } }"}]"#,
    )
    .await;
    let batch: Value = serde_json::from_str(&text).unwrap();
    assert_eq!((status, batch.as_array().map(Vec::len)), (200, Some(2)), "{text}");
}
