//! Hostile requests: each is refused by the gate before authentication, parsing by the schema
//! or any SQL, and the service stays up. Statement counts come from the app's own connection.

use serde_json::{Value, json};

use crate::helpers::{Db, TestApp, error_code, error_field};

async fn post(app: &TestApp, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = app.client.post(format!("{}/graphql", app.address)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Sends `body` with and without a token; each time it is refused with `code`, no SQL runs,
/// and the service still answers.
async fn refused_without_sql(app: &TestApp, body: Value, code: &str) -> Value {
    let mut last = Value::Null;
    for token in [None, Some(app.admin_token.as_str())] {
        let before = app.statements_run().await;
        let (status, answer) = post(app, token, body.clone()).await;
        assert_eq!(error_code(&answer), Some(code), "{status}: {answer}");
        assert!((400..500).contains(&status), "{status}: {answer}");
        assert_eq!(app.statements_run().await, before, "no SQL ran for the refused request");
        last = answer;
    }
    let health = app.client.get(format!("{}/health", app.address)).send().await.unwrap();
    assert_eq!(health.status(), 200, "the service is still up");
    last
}

/// The next answer (`next` or `error`) to a subscription whose id starts with `id`.
async fn answer_to(socket: &mut crate::helpers::Ws, id: &str) -> Value {
    loop {
        let message = socket.next_within(5).await.unwrap().expect("an answer");
        if message["id"].as_str().is_some_and(|i| i.starts_with(id)) && message["type"] != "complete" {
            return message;
        }
    }
}

/// The code of a WebSocket error message (graphql-transport-ws `error`, or `next` with errors).
fn ws_code(message: &Value) -> &str {
    message["payload"][0]["extensions"]["code"]
        .as_str()
        .or_else(|| message["payload"]["errors"][0]["extensions"]["code"].as_str())
        .unwrap_or_default()
}

fn nested(open: &str, inner: &str, close: &str, levels: usize) -> String {
    format!("{}{inner}{}", open.repeat(levels), close.repeat(levels))
}

#[tokio::test]
async fn deeply_nested_values_and_selections_never_reach_the_parser() {
    let app = TestApp::spawn(Db::Sqlite).await.unwrap();
    for query in [
        format!("{{ action(id: {}) {{ id }} }}", nested("[", "1", "]", 2000)),
        format!("{{ {} }}", nested("me { ", "id", " }", 2000)),
        format!("query($v: [Int] = {}) {{ me {{ id }} }}", nested("[", "1", "]", 3000)),
        format!(
            "mutation {{ createPlan(input: {{ title: \"x\", decisionRef: {} }}) {{ id }} }}",
            nested("{a:", "1", "}", 3000)
        ),
    ] {
        let body = refused_without_sql(&app, json!({ "query": query }), "QUERY_TOO_DEEP").await;
        assert!(body.to_string().len() < 1000, "the refusal does not echo the query");
    }
    // Brackets inside strings and comments do not count.
    let quoted = format!("{{ me {{ id }} }} # {}", "[".repeat(5000));
    let (_, body) = post(&app, Some(&app.admin_token), json!({ "query": quoted })).await;
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn fragment_bombs_are_refused_from_their_size_after_expansion() {
    let app = TestApp::spawn(Db::Sqlite).await.unwrap();
    // A 10-level fragment tree with 6 spreads each: 6^10 = 60 million `__typename`s.
    let mut bomb = String::from("{ ...F0 }\n");
    for level in 0..10 {
        bomb.push_str(&format!(
            "fragment F{level} on Query {{ {} }}\n",
            format!("...F{} ", level + 1).repeat(6)
        ));
    }
    bomb.push_str("fragment F10 on Query { __typename }\n");
    assert!(bomb.len() < 1000);
    let started = std::time::Instant::now();
    let body = refused_without_sql(&app, json!({ "query": bomb }), "QUERY_TOO_COMPLEX").await;
    eprintln!("the 6^10 fragment bomb was refused twice in {:?}", started.elapsed());
    assert!(body.to_string().contains("60466176 fields"), "{body}");
    // The same shape with mutations, five spreads on ten levels.
    let mut mutations = String::from("mutation { ...M0 }\n");
    for level in 0..10 {
        mutations.push_str(&format!(
            "fragment M{level} on Mutation {{ {} }}\n",
            format!("...M{} ", level + 1).repeat(5)
        ));
    }
    mutations.push_str("fragment M10 on Mutation { commentAction(actionId: \"x\", comment: \"c\") { id } }\n");
    refused_without_sql(&app, json!({ "query": mutations }), "QUERY_TOO_COMPLEX").await;
    // A fragment that spreads itself.
    refused_without_sql(
        &app,
        json!({ "query": "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }" }),
        "VALIDATION",
    )
    .await;
}

#[tokio::test]
async fn mutations_count_against_the_rate_through_any_depth_of_fragments() {
    let app = TestApp::spawn_with(Db::Sqlite, |s| s.graphql.mutations_per_minute = 12)
        .await
        .unwrap();
    let f = app.fixture().await;
    // The fixture used the admin's allowance; another token starts full.
    let coordinator = app.token_for("koordinator@kommune.no", "COORDINATOR", None).await;
    let history = app.action(&f.action_id).await["history"].as_array().unwrap().len();
    let comments: Vec<String> = (0..13)
        .map(|i| {
            format!(
                "c{i}: commentAction(actionId: \"{}\", comment: \"nr {i}\") {{ kind }}",
                f.action_id
            )
        })
        .collect();
    let mut query = comments.join(" ");
    for _ in 0..11 {
        query = format!("... on Mutation {{ {query} }}");
    }
    let before = app.statements_run().await;
    let (status, body) = post(
        &app,
        Some(&coordinator),
        json!({ "query": format!("mutation {{ {query} }}") }),
    )
    .await;
    assert_eq!((status, error_code(&body)), (429, Some("RATE_LIMITED")), "{body}");
    assert_eq!(
        app.statements_run().await,
        before,
        "refused before the token was even looked up"
    );
    assert_eq!(
        app.action(&f.action_id).await["history"].as_array().unwrap().len(),
        history,
        "nothing was written"
    );
    // Three hundred aliases are refused whatever the rate.
    let many: Vec<String> = (0..300)
        .map(|i| format!("c{i}: commentAction(actionId: $a, comment: \"x\") {{ kind }}"))
        .collect();
    refused_without_sql(
        &app,
        json!({ "query": format!("mutation($a: ID!) {{ ... on Mutation {{ {} }} }}", many.join(" ")),
                "variables": { "a": f.action_id } }),
        "QUERY_TOO_COMPLEX",
    )
    .await;
}

#[tokio::test]
async fn results_are_bounded_by_list_sizes_aliases_and_batches() {
    let app = TestApp::spawn(Db::Sqlite).await.unwrap();
    let viewer = app.token_for("leser@kommune.no", "VIEWER", None).await;
    // Nested lists multiply: refused however little data there is.
    let amplified = format!("{{ {} }}", nested("actions { plan { chapters { ", "id", " } } }", 4));
    assert!(amplified.len() < 200);
    let before = app.statements_run().await;
    let (status, body) = post(&app, Some(&viewer), json!({ "query": amplified })).await;
    assert_eq!((status, error_code(&body)), (400, Some("QUERY_TOO_COMPLEX")), "{body}");
    assert!(
        body.to_string().contains("`first`"),
        "the refusal says what to do: {body}"
    );
    assert_eq!(app.statements_run().await, before);
    // A thousand aliases of one list, alone or in a batch of ten.
    let aliases: Vec<String> = (0..1000).map(|i| format!("p{i}: plans {{ id }}")).collect();
    let query = format!("{{ {} }}", aliases.join(" "));
    refused_without_sql(&app, json!({ "query": query.clone() }), "QUERY_TOO_COMPLEX").await;
    let few: Vec<String> = (0..20).map(|i| format!("p{i}: plans {{ id }}")).collect();
    let batch: Vec<Value> = (0..10)
        .map(|_| json!({ "query": format!("{{ {} }}", few.join(" ")) }))
        .collect();
    let before = app.statements_run().await;
    let (status, body) = post(&app, Some(&viewer), Value::Array(batch)).await;
    assert_eq!((status, error_code(&body)), (400, Some("QUERY_TOO_COMPLEX")), "{body}");
    assert!(
        body.to_string().contains("200 aliases"),
        "a batch shares one budget: {body}"
    );
    assert_eq!(app.statements_run().await, before);
    // Lists take `first` and `after`, within graphql.max_page.
    let f = app.fixture().await;
    for number in 2..=4 {
        app.add_action(&f.chapter_id, number, &f.unit_id).await;
    }
    let page = |first: i64, after: Option<&str>| {
        let app = &app;
        let after = after.map(str::to_owned);
        async move {
            app.gql(
                "query($first: Int, $after: ID) { actions(first: $first, after: $after) { id number } }",
                json!({ "first": first, "after": after }),
            )
            .await
        }
    };
    let first = page(2, None).await;
    let numbers: Vec<&str> = first["data"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["13.1", "13.2"]);
    let last_id = first["data"]["actions"][1]["id"].as_str().unwrap();
    let second = page(2, Some(last_id)).await;
    let numbers: Vec<&str> = second["data"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["13.3", "13.4"]);
    let too_many = page(501, None).await;
    assert_eq!(
        (error_code(&too_many), error_field(&too_many)),
        (Some("VALIDATION"), Some("first")),
        "{too_many}"
    );
    // The answer's size is capped as a last resort.
    let small = TestApp::spawn_with(Db::Sqlite, |s| s.graphql.max_response_bytes = 100)
        .await
        .unwrap();
    let small_f = small.fixture().await;
    let (status, body) = post(
        &small,
        Some(&small.admin_token),
        json!({ "query": "query($id: ID!) { action(id: $id) { id title description number status } }",
                "variables": { "id": small_f.action_id } }),
    )
    .await;
    assert_eq!((status, error_code(&body)), (400, Some("RESPONSE_TOO_LARGE")), "{body}");
}

#[tokio::test]
async fn errors_do_not_leak_the_schema_or_echo_input() {
    let closed = TestApp::spawn_with(Db::Sqlite, |s| {
        s.graphql.introspection = tiltak::config::Introspection::Off;
    })
    .await
    .unwrap();
    let (_, body) = post(
        &closed,
        Some(&closed.admin_token),
        json!({ "query": "{ creatPlan { id } }" }),
    )
    .await;
    assert!(body.get("errors").is_some(), "{body}");
    assert!(!body.to_string().contains("Did you mean"), "no suggestions: {body}");

    // Introspection is for signed-in users by default.
    let app = TestApp::spawn(Db::Sqlite).await.unwrap();
    let introspect = json!({ "query": "{ __schema { queryType { name } } }" });
    let before = app.statements_run().await;
    let (status, body) = post(&app, None, introspect.clone()).await;
    assert_eq!((status, error_code(&body)), (401, Some("UNAUTHENTICATED")), "{body}");
    assert_eq!(app.statements_run().await, before);
    let (_, body) = post(&app, Some(&app.admin_token), introspect.clone()).await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query", "{body}");
    let public = TestApp::spawn_with(Db::Sqlite, |s| {
        s.graphql.introspection = tiltak::config::Introspection::Public;
    })
    .await
    .unwrap();
    let (_, body) = post(&public, None, introspect).await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query", "{body}");

    // A megabyte of id is quoted by its first 40 characters.
    let huge = "x".repeat(1_000_000);
    let (_, body) = post(
        &app,
        Some(&app.admin_token),
        json!({ "query": "query($id: ID!) { action(id: $id) { id } }", "variables": { "id": huge } }),
    )
    .await;
    assert_eq!(
        (error_code(&body), error_field(&body)),
        (Some("VALIDATION"), Some("id")),
        "{body:.300}"
    );
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.len() < 200, "{message}");
    assert!(message.contains("1000000 characters"), "{message}");
}

#[tokio::test]
async fn the_websocket_passes_the_same_gate_and_caps_subscriptions() {
    let app = TestApp::spawn_with(Db::Sqlite, |s| {
        s.graphql.subscriptions_per_connection = 3;
        s.graphql.subscriptions_per_token = 4;
    })
    .await
    .unwrap();
    let f = app.fixture().await;
    let subscription = "subscription($plan: ID!) { actionEvents(planId: $plan) { kind } }";
    let mut socket = app.websocket().await;
    socket.init(Some(&app.admin_token)).await.unwrap().unwrap();

    // A query over the size limit, and a fragment bomb, get the gate's codes.
    let padding = " ".repeat(20_001);
    socket
        .subscribe("big", &format!("{subscription}{padding}"), json!({ "plan": f.plan_id }))
        .await;
    let answer = answer_to(&mut socket, "big").await;
    assert_eq!(ws_code(&answer), "QUERY_TOO_LARGE", "{answer}");
    let deep = format!("subscription {{ {} }}", nested("a { ", "b", " }", 2000));
    socket.subscribe("deep", &deep, json!({})).await;
    let answer = answer_to(&mut socket, "deep").await;
    assert_eq!(ws_code(&answer), "QUERY_TOO_DEEP", "{answer}");

    // Three subscriptions on the connection share one poll; one of four is refused (they are
    // admitted concurrently, so which one is not known).
    for id in ["s1", "s2", "s3", "s4"] {
        socket.subscribe(id, subscription, json!({ "plan": f.plan_id })).await;
    }
    let refused = answer_to(&mut socket, "s").await;
    assert_eq!(ws_code(&refused), "RATE_LIMITED", "{refused}");
    assert_eq!(
        app.state.live.feeds(),
        1,
        "one poll for the organization, however many listen"
    );

    // A second connection with the same token may open one more (four per token).
    let mut second = app.websocket().await;
    second.init(Some(&app.admin_token)).await.unwrap().unwrap();
    second.subscribe("t1", subscription, json!({ "plan": f.plan_id })).await;
    second.subscribe("t2", subscription, json!({ "plan": f.plan_id })).await;
    let refused = answer_to(&mut second, "t").await;
    assert!(refused.to_string().contains("subscriptions_per_token"), "{refused}");

    // A message far over the limit closes that connection, and the service stays up.
    let mut third = app.websocket().await;
    third.init(Some(&app.admin_token)).await.unwrap().unwrap();
    third
        .subscribe("huge", &format!("{subscription}{}", " ".repeat(200_000)), json!({}))
        .await;
    assert!(
        matches!(third.next_within(5).await, Ok(None)),
        "the connection is closed"
    );
    let health = app.client.get(format!("{}/health", app.address)).send().await.unwrap();
    assert_eq!(health.status(), 200);

    // Closing the connections gives the places back and ends the shared poll.
    drop(socket);
    drop(second);
    drop(third);
    for _ in 0..50 {
        if app.state.live.feeds() == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(app.state.live.feeds(), 0, "the poll ends with its last subscription");
}
