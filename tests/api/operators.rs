//! What an operator's Prometheus sees on `/metrics`: requests by operation and outcome,
//! refusals by code, the outbox and its sends, and each job's last success.

use serde_json::json;
use tiltak::jobs::{self, Job, Trigger};

use crate::helpers::{Db, TestApp};

async fn scrape(app: &TestApp) -> String {
    let response = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// The value of the sample `name` (with its labels, as Prometheus prints them), 0 if absent.
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_move_with_requests_refusals_jobs_and_mail() {
    let app = TestApp::spawn(Db::Sqlite).await.unwrap();
    let f = app.fixture().await;
    let tomorrow = (app.clock.now() + chrono::Duration::days(1)).date_naive().to_string();
    app.ok(
        "mutation($input: UpdateActionInput!) { updateAction(input: $input) { id } }",
        json!({ "input": { "actionId": f.action_id, "deadline": tomorrow } }),
    )
    .await;
    let before = scrape(&app).await;

    // A refused request and an answered one.
    let padding = " ".repeat(20_001);
    let refused = app.gql(&format!("{{ me {{ email }} }}{padding}"), json!({})).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "QUERY_TOO_LARGE");
    app.ok("{ plans { id } }", json!({})).await;

    // The reminder job fills the outbox; a dispatch empties it.
    jobs::run(
        &app.state,
        Job::DeadlineReminders,
        app.clock.now(),
        Trigger::Manual,
        "test",
    )
    .await
    .unwrap()
    .expect("the run is carried out");
    let waiting = scrape(&app).await;
    assert_eq!(
        sample(&waiting, "tiltak_outbox_messages{status=\"pending\"}"),
        1.0,
        "{waiting}"
    );
    assert!(
        sample(
            &waiting,
            "tiltak_job_last_success_timestamp_seconds{job=\"deadline-reminders\"}"
        ) > 0.0
    );
    let mailer = tiltak::mail::Mailer::from_settings(&app.state.settings.mail).unwrap();
    let sent = tiltak::services::outbox::dispatch(&app.state.db, &mailer, &app.state.settings.mail, app.clock.now())
        .await
        .unwrap();
    assert_eq!(sent.sent, 1);

    let after = scrape(&app).await;
    assert_eq!(
        sample(&after, "tiltak_outbox_messages{status=\"pending\"}"),
        0.0,
        "{after}"
    );
    for (name, moved) in [
        ("tiltak_requests_refused_total{code=\"QUERY_TOO_LARGE\"}", 1.0),
        ("tiltak_graphql_requests_total{operation=\"query\",outcome=\"ok\"}", 1.0),
        ("tiltak_mail_sent_total", 1.0),
    ] {
        // Counters are per process and tests run side by side: at least this test's share.
        assert!(
            sample(&after, name) >= sample(&before, name) + moved,
            "{name}: {} then {}",
            sample(&before, name),
            sample(&after, name)
        );
    }
    assert!(
        after.contains("tiltak_graphql_request_duration_seconds_bucket"),
        "latency histogram"
    );
}
