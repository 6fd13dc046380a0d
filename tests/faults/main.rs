//! The fault suite: real `tiltak serve` processes on one PostgreSQL database, a loopback SMTP
//! server that can refuse or be down, kill -9 at random moments, and database outages. Each
//! scenario is bounded to a few minutes, runs one at a time, and prints its figures.
//!
//! `cargo test --test faults -- --nocapture` shows the figures. Without
//! `TILTAK_TEST_POSTGRES_URL` the scenarios are skipped, and say so; under `CI=true` that fails.

#[path = "../api/smtp_sink.rs"]
mod smtp_sink;

/// The API tests' harness, for its test databases (named per checkout, dropped at the end).
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../api/helpers.rs"]
mod helpers;

mod scenarios;

use std::{
    collections::HashMap,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
#[allow(unused_imports)]
use tiltak as _;

const BIN: &str = env!("CARGO_BIN_EXE_tiltak");
/// Every instance shares this key, as production instances share TILTAK_AUDIT__KEY.
const AUDIT_KEY: &str = "6661756c74732d7375697465206b6579206e6f74207573656420656c73657768657265";

/// One scenario at a time: each runs three processes on two cores.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A fresh database on the test server, dropped when the value is, or `None` (and a visible
/// note) without a server.
pub async fn fresh_database(scenario: &str) -> Option<helpers::PostgresDatabase> {
    if std::env::var("TILTAK_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty()) {
        return helpers::fresh_postgres_database().await;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI must run the fault suite: set TILTAK_TEST_POSTGRES_URL"
    );
    eprintln!("skipped {scenario}: TILTAK_TEST_POSTGRES_URL is not set");
    None
}

/// Instances of `tiltak serve` sharing one database, each on its own port.
pub struct Cluster {
    pub env: HashMap<String, String>,
    nodes: Vec<Option<Child>>,
    pub urls: Vec<String>,
    dir: tempfile::TempDir,
    pub client: reqwest::Client,
    pub database_url: String,
}

impl Cluster {
    /// `size` instances (not started) on `database_url`, mail going to the sink on `smtp_port`.
    pub fn new(size: usize, database_url: &str, smtp_port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let never = "0 0 0 1 1 * 2099";
        let env: HashMap<String, String> = [
            ("TILTAK_DATABASE__URL", database_url.to_owned()),
            ("TILTAK_DATABASE__MAX_CONNECTIONS", "5".into()),
            ("TILTAK_ORGANIZATION__EXAMPLE_PLAN", "false".into()),
            ("TILTAK_AUDIT__KEY", AUDIT_KEY.into()),
            ("TILTAK_MAIL__TRANSPORT", "smtp".into()),
            ("TILTAK_MAIL__SMTP__HOST", "127.0.0.1".into()),
            ("TILTAK_MAIL__SMTP__PORT", smtp_port.to_string()),
            ("TILTAK_MAIL__SMTP__TLS", "none".into()),
            ("TILTAK_MAIL__DISPATCH_INTERVAL_SECONDS", "1".into()),
            ("TILTAK_MAIL__RETRY_BASE_SECONDS", "1".into()),
            ("TILTAK_MAIL__RETRY_MAX_SECONDS", "2".into()),
            ("TILTAK_MAIL__MAX_ATTEMPTS", "100".into()),
            ("TILTAK_MAIL__SEND_LEASE_SECONDS", "10".into()),
            ("TILTAK_MAIL__DIGEST_SETTLE_SECONDS", "1".into()),
            ("TILTAK_SCHEDULER__TICK_SECONDS", "1".into()),
            ("TILTAK_JOBS__DEADLINE_REMINDERS", never.into()),
            ("TILTAK_JOBS__WEEKLY_DIGEST", never.into()),
            ("TILTAK_JOBS__ANNUAL_EVALUATION", never.into()),
            ("TILTAK_JOBS__PLAN_REVISION", never.into()),
            ("TILTAK_GRAPHQL__MUTATIONS_PER_MINUTE", "1000000".into()),
            ("TILTAK_LOG__FILTER", "warn".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let urls = (0..size)
            .map(|_| {
                let port = std::net::TcpListener::bind("127.0.0.1:0")
                    .unwrap()
                    .local_addr()
                    .unwrap()
                    .port();
                format!("http://127.0.0.1:{port}")
            })
            .collect();
        Self {
            env,
            nodes: (0..size).map(|_| None).collect(),
            urls,
            dir,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            database_url: database_url.to_owned(),
        }
    }

    /// Starts instance `i` (its output goes to a log file in the cluster's folder).
    pub fn start(&mut self, i: usize) {
        let log = std::fs::File::create(self.dir.path().join(format!("node-{i}.log"))).unwrap();
        let child = Command::new(BIN)
            .arg("serve")
            .current_dir(self.dir.path())
            .env_remove("RUST_LOG")
            .envs(&self.env)
            .env("TILTAK_HTTP__ADDR", self.urls[i].trim_start_matches("http://"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("tiltak serve starts");
        self.nodes[i] = Some(child);
    }

    /// Starts the first instance (which makes the first start), then the others; the admin
    /// token once all are ready.
    pub async fn start_all(&mut self) -> String {
        self.start(0);
        self.ready(0).await;
        let token = self.admin_token(0).expect("the first instance printed the admin token");
        for i in 1..self.nodes.len() {
            self.start(i);
        }
        for i in 1..self.nodes.len() {
            self.ready(i).await;
        }
        token
    }

    /// kill -9.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn running(&self, i: usize) -> bool {
        self.nodes[i].is_some()
    }

    /// Waits until instance `i` answers /health/ready with 200.
    pub async fn ready(&mut self, i: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(response) = self.client.get(format!("{}/health/ready", self.urls[i])).send().await
                && response.status() == 200
            {
                return;
            }
            if let Some(child) = self.nodes[i].as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("instance {i} exited with {status}:\n{}", self.log(i));
            }
            assert!(
                Instant::now() < deadline,
                "instance {i} not ready in 60 s:\n{}",
                self.log(i)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn log(&self, i: usize) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("node-{i}.log"))).unwrap_or_default()
    }

    /// POSTs GraphQL to instance `i`; the HTTP status and body.
    pub async fn gql(&self, i: usize, token: &str, query: &str, variables: Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/graphql", self.urls[i]))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("the instance answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// As `gql`, and the request must succeed: `data`.
    pub async fn ok(&self, i: usize, token: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.gql(i, token, query, variables).await;
        assert!(status == 200 && body.get("errors").is_none(), "{status}: {body}");
        body["data"].clone()
    }

    /// The admin token that the instance which made the first start printed, if `i` did.
    pub fn admin_token(&self, i: usize) -> Option<String> {
        let log = self.log(i);
        let mut lines = log.lines();
        lines.find(|l| l.starts_with("Admin token"))?;
        lines.next().map(|l| l.trim().to_owned())
    }

    pub async fn db(&self) -> sea_orm::DatabaseConnection {
        Database::connect(&self.database_url).await.unwrap()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
    }
}

/// One number from a query such as `SELECT COUNT(*) AS n …`.
pub async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}
