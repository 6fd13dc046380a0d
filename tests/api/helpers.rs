//! The test harness: the real application on 127.0.0.1:0 against a fresh database, talked
//! to over HTTP.

use std::{
    process::{Command, Output, Stdio},
    time::Duration,
};

use sea_orm::{ConnectionTrait, Database, EntityTrait};
use serde_json::{Value, json};
use tiltak::{
    app::Application,
    clock::Clock,
    config::{Secret, Settings},
    services::bootstrap,
    state::AppState,
};
use tokio::{net::TcpListener, task::JoinHandle};

/// The `tiltak` binary cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_tiltak");

/// `Command::output` with a deadline: a command that hangs fails its test after a minute
/// instead of holding up the whole run.
pub trait OutputWithin {
    fn output_within(&mut self) -> std::io::Result<Output>;
}

impl OutputWithin for Command {
    fn output_within(&mut self) -> std::io::Result<Output> {
        use std::io::Read;
        let mut child = self.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let out = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = out.read_to_end(&mut buf);
            buf
        });
        let err = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = err.read_to_end(&mut buf);
            buf
        });
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("{self:?} did not finish within a minute");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Ok(Output {
            status,
            stdout: out.join().unwrap(),
            stderr: err.join().unwrap(),
        })
    }
}

/// A random audit key of 64 hex characters, as `openssl rand -hex 32` makes one.
pub fn random_audit_key() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

#[derive(Clone, Copy, Debug)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub admin_token: String,
    pub settings: Settings,
    pub client: reqwest::Client,
    /// The app's own state, for running jobs as of chosen moments.
    pub state: AppState,
    /// The app's clock: tests set it instead of sleeping.
    pub clock: Clock,
    server: JoinHandle<()>,
    _dir: std::sync::Arc<tempfile::TempDir>,
    /// Dropped after the last restart's app: drops the PostgreSQL test database.
    _database: Option<std::sync::Arc<PostgresDatabase>>,
}

/// Runs a test body once against SQLite and once against PostgreSQL. Without
/// `TILTAK_TEST_POSTGRES_URL` at build time (build.rs sets the `tiltak_postgres` cfg from it)
/// the PostgreSQL variant is ignored, so the runner counts it as ignored, never as passed;
/// `.ci/run` always sets it.
#[macro_export]
macro_rules! on_both_databases {
    ($(async fn $name:ident($app:ident: TestApp) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::helpers::TestApp) $body

            #[tokio::test]
            async fn sqlite() {
                run($crate::helpers::TestApp::spawn($crate::helpers::Db::Sqlite).await.unwrap()).await
            }

            #[tokio::test]
            #[cfg_attr(not(tiltak_postgres), ignore = "set TILTAK_TEST_POSTGRES_URL")]
            async fn postgres() {
                run($crate::helpers::TestApp::spawn($crate::helpers::Db::Postgres).await.unwrap()).await
            }
        }
    )*};
}

impl TestApp {
    /// A running app on a fresh, empty database with one organization and an admin token.
    /// `None` for PostgreSQL when no server is configured.
    pub async fn spawn(db: Db) -> Option<TestApp> {
        Self::spawn_with(db, |_| {}).await
    }

    pub async fn spawn_with(db: Db, adjust: impl FnOnce(&mut Settings)) -> Option<TestApp> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings::defaults();
        let database = match db {
            Db::Sqlite => None,
            Db::Postgres => Some(std::sync::Arc::new(fresh_postgres_database().await?)),
        };
        settings.database.url = match &database {
            None => format!("sqlite://{}?mode=rwc", dir.path().join("tiltak.db").display()),
            Some(database) => database.url.clone(),
        };
        settings.http.addr = "127.0.0.1:0".parse().unwrap();
        settings.mail.outbox_dir = dir.path().join("outbox").display().to_string();
        settings.organization.example_plan = false;
        // Never the repository's data/audit.key: each app has its own key.
        settings.audit.key = Secret::new(random_audit_key());
        settings.audit.key_file = dir.path().join("audit.key").display().to_string();
        adjust(&mut settings);
        let clock = Clock::manual(
            chrono::DurationRound::duration_trunc(chrono::Utc::now(), chrono::Duration::seconds(1)).unwrap(),
        );
        let mut app = Self::start(settings, std::sync::Arc::new(dir), database, clock).await;
        let first = bootstrap::first_start(
            &app.db().await,
            &app.state.audit_key,
            &app.state.settings,
            app.clock.now(),
        )
        .await
        .expect("first start")
        .expect("an empty database");
        app.admin_token = first.admin_token;
        Some(app)
    }

    async fn start(
        settings: Settings,
        dir: std::sync::Arc<tempfile::TempDir>,
        database: Option<std::sync::Arc<PostgresDatabase>>,
        clock: Clock,
    ) -> TestApp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let application = Application::build_with_clock(settings.clone(), listener, clock.clone())
            .await
            .expect("app builds");
        let address = format!("http://{}", application.local_addr());
        let state = application.state.clone();
        let server = tokio::spawn(async move {
            application.run_until_stopped().await.expect("server runs");
        });
        TestApp {
            address,
            admin_token: String::new(),
            settings,
            client: reqwest::Client::new(),
            state,
            clock,
            server,
            _dir: dir,
            _database: database,
        }
    }

    /// Stops the server and starts a new one on the same database.
    pub async fn restart(mut self) -> TestApp {
        self.server.abort();
        let _ = (&mut self.server).await;
        let mut app = Self::start(
            self.settings.clone(),
            self._dir.clone(),
            self._database.clone(),
            self.clock.clone(),
        )
        .await;
        app.admin_token = self.admin_token.clone();
        app
    }

    /// Runs the `tiltak` binary on the app's database with the app's audit key, as an
    /// operator would on the server.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.cli_with_key(self.settings.audit.key.expose(), args)
    }

    /// As [`TestApp::cli`], with another audit key.
    pub fn cli_with_key(&self, key: &str, args: &[&str]) -> Output {
        Command::new(BIN)
            .current_dir(self._dir.path())
            .env("TILTAK_DATABASE__URL", &self.settings.database.url)
            .env("TILTAK_AUDIT__KEY", key)
            .env_remove("RUST_LOG")
            .args(args)
            .output_within()
            .expect("tiltak runs")
    }

    /// A separate connection to the app's database, for looking at rows directly.
    pub async fn db(&self) -> sea_orm::DatabaseConnection {
        tiltak::app::connect(&self.settings).await.expect("database")
    }

    /// SQL statements the app's connection ran so far, once the tokens' last uses noted so far
    /// are written: that write happens beside the requests, so it is never counted in a later
    /// measure.
    pub async fn statements_run(&self) -> u64 {
        self.state.tokens.last_uses.write_waiting(&self.state.db).await.unwrap();
        self.state.sql_statements.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// POSTs a GraphQL request with the given bearer token (or none) and returns the JSON body.
    pub async fn gql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request").json().await.expect("json body")
    }

    /// As the admin; the response may hold errors.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_as(Some(&self.admin_token), query, variables).await
    }

    /// As the admin, and the request must succeed: returns `data`.
    pub async fn ok(&self, query: &str, variables: Value) -> Value {
        let response = self.gql(query, variables).await;
        assert!(response.get("errors").is_none(), "unexpected errors: {response:#}");
        response["data"].clone()
    }

    /// Creates a person with a role (and unit) and returns a token for them.
    /// Loads the example plan (units with leader emails, two leader teams, actions with
    /// deadlines) into the app's organization, as the first start of `tiltak serve` does.
    pub async fn with_example_plan(&self) {
        let db = &self.state.db;
        let org = tiltak::entities::organization::Entity::find()
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let admin = tiltak::services::bootstrap::first_admin(db, org.id).await.unwrap();
        tiltak::services::bootstrap::load_example_plan(
            db,
            &self.state.audit_key,
            &admin,
            self.clock.now(),
            &self.state.settings.public_url(),
        )
        .await
        .unwrap();
    }

    /// The id of the app's organization.
    pub async fn state_org(&self) -> uuid::Uuid {
        tiltak::entities::organization::Entity::find()
            .one(&self.state.db)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    pub async fn token_for(&self, email: &str, role: &str, unit_id: Option<&str>) -> String {
        self.ok(
            "mutation($input: CreatePersonInput!) { createPerson(input: $input) { id } }",
            json!({ "input": { "name": email, "email": email, "role": role, "unitId": unit_id } }),
        )
        .await;
        let db = self.db().await;
        let org = tiltak::services::bootstrap::ensure_organization(&db, &self.settings, chrono::Utc::now())
            .await
            .unwrap()
            .0;
        let person = tiltak::services::org::person_by_email(&db, org.id, email)
            .await
            .unwrap()
            .unwrap();
        tiltak::services::auth::issue_token(&db, &person, chrono::Utc::now(), None)
            .await
            .unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A PostgreSQL test database that is dropped when this value is, also when its test panics.
pub struct PostgresDatabase {
    pub url: String,
    pub name: String,
    server: String,
}

impl Drop for PostgresDatabase {
    /// Drops the database from a thread with its own runtime: a test's runtime may be shutting
    /// down or unwinding, and `Drop` cannot await. FORCE ends connections the app still holds.
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let admin = Database::connect(&server).await?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await?;
                admin.close().await?;
                anyhow::Ok(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test database {}: {dropped:?}", self.name);
        }
    }
}

/// The start of this checkout's test database names: `tiltak_test_` and 8 hex digits of the
/// SHA-256 of the checkout's canonical path. `.ci/run` computes the same to drop only what
/// earlier runs of this checkout left behind, never another checkout's running tests.
pub fn database_prefix() -> String {
    use sha2::Digest;
    let checkout = std::fs::canonicalize(env!("CARGO_MANIFEST_DIR")).expect("the checkout exists");
    let hash = sha2::Sha256::digest(checkout.to_string_lossy().as_bytes());
    format!("tiltak_test_{}_", &hex::encode(hash)[..8])
}

/// A new empty database on the configured PostgreSQL server, named with [`database_prefix`],
/// or `None` when no server is configured.
pub async fn fresh_postgres_database() -> Option<PostgresDatabase> {
    let base = std::env::var("TILTAK_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let name = format!("{}{}", database_prefix(), uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&base)
        .await
        .expect("connect to TILTAK_TEST_POSTGRES_URL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create test database");
    admin.close().await.ok();
    let (server, _) = base.rsplit_once('/').expect("a database URL ends in /name");
    Some(PostgresDatabase {
        url: format!("{server}/{name}"),
        name,
        server: base,
    })
}

/// The error code of the first error, if any.
/// The `migrate --down` count that undoes every migration after the first `kept`.
pub fn migrations_after(kept: usize) -> String {
    use migration::MigratorTrait;
    (migration::Migrator::migrations().len() - kept).to_string()
}

pub fn error_code(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["code"].as_str()
}

pub fn error_field(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["field"].as_str()
}

/// A plan with chapter 13, one unit and one action 13.1, created over GraphQL.
pub struct Fixture {
    pub plan_id: String,
    pub chapter_id: String,
    pub unit_id: String,
    pub other_unit_id: String,
    pub action_id: String,
}

impl TestApp {
    pub async fn fixture(&self) -> Fixture {
        let unit =
            |name: &str, email: &str| json!({ "input": { "name": name, "leaderName": "Leder", "leaderEmail": email } });
        let create_unit = "mutation($input: CreateUnitInput!) { createUnit(input: $input) { id } }";
        let unit_id = self
            .ok(create_unit, unit("Barne- og ungdomsvern", "buv@kommune.no"))
            .await["createUnit"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let other_unit_id = self.ok(create_unit, unit("Kultur", "kultur@kommune.no")).await["createUnit"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let plan_id = self
            .ok(
                "mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }",
                json!({ "input": { "title": "Forebyggende plan", "decisionRef": "KST 032/24" } }),
            )
            .await["createPlan"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let chapter_id = self
            .ok(
                "mutation($input: AddChapterInput!) { addChapter(input: $input) { id } }",
                json!({ "input": { "planId": plan_id, "number": 13, "title": "Forebygging av atferdsproblemer" } }),
            )
            .await["addChapter"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let action_id = self.add_action(&chapter_id, 1, &unit_id).await;
        Fixture {
            plan_id,
            chapter_id,
            unit_id,
            other_unit_id,
            action_id,
        }
    }

    pub async fn add_action(&self, chapter_id: &str, number: i32, unit_id: &str) -> String {
        self.ok(
            "mutation($input: AddActionInput!) { addAction(input: $input) { id } }",
            json!({ "input": {
                "chapterId": chapter_id, "number": number, "title": format!("Tiltak {number}"),
                "responsibleUnitId": unit_id,
            }}),
        )
        .await["addAction"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The action's status, version and history, read back over GraphQL.
    pub async fn action(&self, id: &str) -> Value {
        self.ok(
            "query($id: ID!) { action(id: $id) { number status version progress deadline title
               history { kind from to comment actor { email name } } } }",
            json!({ "id": id }),
        )
        .await["action"]
            .clone()
    }
}

/// A graphql-transport-ws client, as GraphiQL speaks it, for the subscription tests.
pub struct Ws(tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>);

/// The wait for a WebSocket message ran out.
#[derive(Debug)]
pub struct TimedOut;

impl TestApp {
    pub async fn websocket(&self) -> Ws {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("{}/graphql/ws", self.address.replace("http://", "ws://"))
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
        Ws(tokio_tungstenite::connect_async(request)
            .await
            .expect("websocket connects")
            .0)
    }
}

impl Ws {
    pub async fn send(&mut self, message: Value) {
        use futures_util::SinkExt;
        self.0
            .send(tokio_tungstenite::tungstenite::Message::Text(
                message.to_string().into(),
            ))
            .await
            .unwrap();
    }

    /// Sends `connection_init` with the token (if any) and returns the server's answer.
    pub async fn init(&mut self, token: Option<&str>) -> Result<Option<Value>, TimedOut> {
        let payload = token.map_or_else(|| json!({}), |t| json!({ "token": t }));
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        self.next_within(5).await
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// The next message as JSON, `None` once the connection is closed.
    pub async fn next_within(&mut self, seconds: u64) -> Result<Option<Value>, TimedOut> {
        use futures_util::StreamExt;
        use tokio_tungstenite::tungstenite::Message;
        let wait = std::time::Duration::from_secs(seconds);
        loop {
            match tokio::time::timeout(wait, self.0.next()).await.map_err(|_| TimedOut)? {
                Some(Ok(Message::Text(text))) => return Ok(Some(serde_json::from_str(&text).unwrap())),
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Ok(None),
                Some(Ok(_)) => continue,
            }
        }
    }
}
