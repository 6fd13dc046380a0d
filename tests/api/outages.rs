//! What faults look like from outside: a database outage is 503 with Retry-After (never 401),
//! readiness says why, and the service recovers without a restart; instances starting together
//! on an empty database all come up with one organization; concurrent writers lose nothing.

use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

use crate::helpers::{Db, TestApp, error_code, fresh_postgres_database};

/// The test database's name and a connection to the server's maintenance database.
async fn server_admin(app: &TestApp) -> (String, sea_orm::DatabaseConnection) {
    let url = &app.settings.database.url;
    let (server, name) = url.rsplit_once('/').unwrap();
    let admin = Database::connect(format!("{server}/postgres")).await.unwrap();
    (name.to_owned(), admin)
}

/// `{ me { email } plans { id } }`, asked as the admin.
async fn ask(app: &TestApp) -> reqwest::Result<reqwest::Response> {
    app.client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&app.admin_token)
        .json(&json!({ "query": "{ me { email } plans { id } }" }))
        .send()
        .await
}

#[tokio::test]
#[cfg_attr(not(tiltak_postgres), ignore = "set TILTAK_TEST_POSTGRES_URL")]
async fn a_database_outage_is_503_with_retry_after_and_recovers_without_restart() {
    let app = TestApp::spawn(Db::Postgres)
        .await
        .expect("TILTAK_TEST_POSTGRES_URL is set");
    let post = || ask(&app);
    assert_eq!(post().await.unwrap().status(), 200);
    let (name, admin) = server_admin(&app).await;
    admin
        .execute_unprepared(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .await
        .unwrap();

    let response = post().await.unwrap();
    let status = response.status().as_u16();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        status, 503,
        "a valid token is not refused while the database is away: {body}"
    );
    assert_eq!(retry.as_deref(), Some("5"));
    assert_eq!(error_code(&body), Some("UNAVAILABLE"), "{body}");
    let ready = app
        .client
        .get(format!("{}/health/ready", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    let ready: Value = ready.json().await.unwrap();
    assert!(
        ready["database"].as_str().unwrap().starts_with("unreachable"),
        "{ready}"
    );
    let live = app
        .client
        .get(format!("{}/health/live", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200, "the process itself is fine");

    admin
        .execute_unprepared(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true"))
        .await
        .unwrap();
    let mut recovered = false;
    for _ in 0..50 {
        if post().await.unwrap().status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(recovered, "the same process answers again once the database is back");
    let ready: Value = app
        .client
        .get(format!("{}/health/ready", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        ready,
        json!({ "status": "ready", "database": "ok", "migrations": "ok",
                "scheduler": "not running in this process" })
    );
}

#[tokio::test]
#[cfg_attr(not(tiltak_postgres), ignore = "set TILTAK_TEST_POSTGRES_URL")]
async fn connections_the_server_dropped_while_idle_are_replaced_before_use() {
    let app = TestApp::spawn(Db::Postgres)
        .await
        .expect("TILTAK_TEST_POSTGRES_URL is set");
    let post = || ask(&app);
    // Four at once, so the pool holds several connections.
    let answers = futures_util::future::join_all((0..4).map(|_| post())).await;
    assert!(answers.iter().all(|a| a.as_ref().unwrap().status() == 200));
    let (name, admin) = server_admin(&app).await;
    let dropped = admin
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"),
        ))
        .await
        .unwrap();
    assert!(dropped.len() >= 2, "the pool's connections were dropped");
    // Idle past the service's threshold (one second), each is pinged and replaced: no request fails.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    for answer in futures_util::future::join_all((0..4).map(|_| post())).await {
        let answer = answer.unwrap();
        let status = answer.status();
        assert_eq!(status, 200, "{}", answer.text().await.unwrap());
    }
}

#[tokio::test]
#[cfg_attr(not(tiltak_postgres), ignore = "set TILTAK_TEST_POSTGRES_URL")]
async fn three_instances_starting_together_on_an_empty_database_all_come_up() {
    let database = fresh_postgres_database()
        .await
        .expect("TILTAK_TEST_POSTGRES_URL is set");
    let url = database.url.clone();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = tiltak::config::Settings::defaults();
    settings.database.url = url;
    settings.http.addr = "127.0.0.1:0".parse().unwrap();
    settings.mail.outbox_dir = dir.path().join("outbox").display().to_string();
    settings.audit.key = tiltak::config::Secret::new(crate::helpers::random_audit_key());
    settings.audit.key_file = dir.path().join("audit.key").display().to_string();
    let starts = (0..3).map(|_| {
        let settings = settings.clone();
        tokio::spawn(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let application = tiltak::app::Application::build(settings.clone(), listener).await?;
            let lock = tiltak::app::StartupLock::acquire(&settings).await?;
            let first = tiltak::services::bootstrap::first_start(
                &application.state.db,
                &application.state.audit_key,
                &settings,
                chrono::Utc::now(),
            )
            .await
            .map_err(anyhow::Error::from);
            lock.release().await?;
            anyhow::Ok(first?.is_some())
        })
    });
    let results: Vec<bool> = futures_util::future::join_all(starts)
        .await
        .into_iter()
        .map(|joined| joined.unwrap().expect("every instance starts"))
        .collect();
    assert_eq!(
        results.iter().filter(|first| **first).count(),
        1,
        "exactly one instance made the first start: {results:?}"
    );
    let db = tiltak::app::connect(&settings).await.unwrap();
    let organizations = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM organization",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(organizations, 1);
}

#[tokio::test]
#[cfg_attr(not(tiltak_postgres), ignore = "set TILTAK_TEST_POSTGRES_URL")]
async fn concurrent_writers_lose_nothing_and_conflicts_say_what_happened() {
    let app = TestApp::spawn(Db::Postgres)
        .await
        .expect("TILTAK_TEST_POSTGRES_URL is set");
    let f = app.fixture().await;
    let before = app.action(&f.action_id).await;
    let writers = (0..30).map(|i| {
        let client = app.client.clone();
        let url = format!("{}/graphql", app.address);
        let token = app.admin_token.clone();
        let action = f.action_id.clone();
        async move {
            let body: Value = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({
                    "query": "mutation($input: UpdateActionInput!) { updateAction(input: $input) { version } }",
                    "variables": { "input": { "actionId": action, "progress": i + 1 } },
                }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body
        }
    });
    let answers = futures_util::future::join_all(writers).await;
    let mut versions = Vec::new();
    for answer in &answers {
        match error_code(answer) {
            None => versions.push(answer["data"]["updateAction"]["version"].as_i64().unwrap()),
            Some("CONFLICT") => {
                let message = answer["errors"][0]["message"].as_str().unwrap();
                assert!(message.contains("at the same moment"), "{message}");
                assert!(!message.contains("expectedVersion"), "none was sent: {message}");
            }
            other => panic!("unexpected {other:?}: {answer}"),
        }
    }
    versions.sort_unstable();
    let first = before["version"].as_i64().unwrap() + 1;
    let expected: Vec<i64> = (first..first + versions.len() as i64).collect();
    assert_eq!(versions, expected, "versions without gaps");
    let after = app.action(&f.action_id).await;
    let events = |a: &Value| a["history"].as_array().unwrap().len();
    assert_eq!(
        events(&after) - events(&before),
        versions.len(),
        "one event per success"
    );
}
