//! The national benchmark: many organizations in one PostgreSQL database, made through the
//! service's own code (so every history chain is valid), then measured against the raw-SQL
//! floor on the same database in the same run.
//!
//!     cargo bench --bench national -- --organizations 357
//!
//! Options: `--organizations N` (default 12; 357 is every municipality), `--events N` history
//! events per action (default 10), `--seconds S` per load level (default 5; 0 measures the
//! sweeps only), `--reuse` to measure a database an earlier run made (it is kept; generation
//! at national size takes a while), `--only dashboard|history|overdue` to measure one request
//! and no sweeps, `--clients N` to measure one level (for a profiler, say). The database is `TILTAK_BENCH_DATABASE_URL`, by default
//! postgres://postgres@127.0.0.1:5432/tiltak_bench (created when missing).
//!
//! It prints one Markdown table: throughput and median latency of tiltak's GraphQL over HTTP,
//! of PostGraphile 4 over the same database (read-only, no authentication; from npm in
//! `benches/postgraphile`, installed by the bench when Node is there, else its column says
//! "not run"), and of the same data read with one SQL statement per request (the floor any
//! GraphQL layer pays), at 1, 8 and 32 concurrent clients; then the wall time of the sweeps
//! (the deadline-reminders job over every organization, the dispatch of its mail into an SMTP
//! server on loopback, `audit verify`, a history append, a CLI start). Machines here are
//! shared: compare ratios within one run, not times across runs.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::Utc;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement, Value};
use serde_json::json;
use tiltak::{
    app::Application,
    config::{Secret, Settings},
    domain::{Role, Status},
    import::{self, Format},
    jobs::{self, Job, Trigger},
    services::{
        actions, audit,
        auth::{self, Viewer},
        bootstrap,
        imports::{self, Target},
        org::{self, NewPerson},
        plans,
    },
};
use uuid::Uuid;

/// The tests' SMTP server on loopback, receiving what the dispatcher sends.
#[path = "../tests/api/smtp_sink.rs"]
#[allow(dead_code)]
mod smtp_sink;

const PLAN: &str = include_str!("../tests/data/forebyggende-plan.txt");
const LEVELS: [usize; 3] = [1, 8, 32];

const DASHBOARD: &str = "query($id: ID!) { plan(id: $id) { title chapters { number title
    actions { id number title status deadline progress responsibleUnit { name } } } } }";
const DASHBOARD_SQL: &str = "SELECT p.title, c.number, c.title, a.id, a.number, a.title, a.status, a.deadline, \
     a.progress, u.name FROM plan p JOIN chapter c ON c.plan_id = p.id \
     JOIN action a ON a.chapter_id = c.id AND a.archived_at IS NULL \
     LEFT JOIN unit u ON u.id = a.responsible_unit_id WHERE p.id = $1 ORDER BY c.number, a.number";
const HISTORY: &str = "query($id: ID!) { action(id: $id) { number title history { id at kind from to comment } } }";
const HISTORY_SQL: &str = "SELECT a.number, a.title, e.id, e.at, e.kind, e.from_value, e.to_value, e.comment \
     FROM action a JOIN action_event e ON e.action_id = a.id WHERE a.id = $1 ORDER BY e.id";
const OVERDUE: &str =
    "query($unit: ID!) { actions(filter: {unitId: $unit, overdue: true}) { id number title deadline status } }";
// The same three requests in PostGraphile 4's schema of the same tables (its inflection, its
// connection-filter plugin for the deadline and status conditions).
const DASHBOARD_PG: &str = "query($id: UUID!) { planById(id: $id) { title chaptersByPlanId(orderBy: NUMBER_ASC) {
    nodes { number title actionsByChapterId(orderBy: NUMBER_ASC, condition: {archivedAt: null}) {
    nodes { id number title status deadline progress unitByResponsibleUnitId { name } } } } } } }";
const HISTORY_PG: &str = "query($id: UUID!) { actionById(id: $id) { number title
    actionEventsByActionId(orderBy: ID_ASC) { nodes { id at kind fromValue toValue comment } } } }";
const OVERDUE_PG: &str = "query($unit: UUID!, $today: Date!) { allActions(orderBy: DEADLINE_ASC,
    condition: {responsibleUnitId: $unit, archivedAt: null},
    filter: {deadline: {lessThan: $today}, status: {in: [\"NOT_STARTED\", \"IN_PROGRESS\", \"DELAYED\"]}}) {
    nodes { id number title deadline status } } }";
const OVERDUE_SQL: &str = "SELECT a.id, a.number, a.title, a.deadline, a.status FROM action a \
     WHERE a.responsible_unit_id = $1 AND a.archived_at IS NULL AND a.deadline < CURRENT_DATE \
     AND a.status IN ('NOT_STARTED', 'IN_PROGRESS', 'DELAYED') ORDER BY a.deadline";

struct Options {
    organizations: usize,
    events: usize,
    seconds: u64,
    reuse: bool,
    /// The one request measured (a word of its name), and then no sweeps.
    only: Option<String>,
    /// The one level measured, instead of [`LEVELS`].
    clients: Option<usize>,
}

fn options() -> Options {
    let mut options = Options {
        organizations: 12,
        events: 10,
        seconds: 5,
        reuse: false,
        only: None,
        clients: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> usize {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a number"))
        };
        match arg.as_str() {
            "--organizations" => options.organizations = number("--organizations"),
            "--events" => options.events = number("--events").max(2),
            "--seconds" => options.seconds = number("--seconds") as u64,
            "--reuse" => options.reuse = true,
            "--only" => options.only = args.next(),
            "--clients" => options.clients = Some(number("--clients")),
            // cargo bench passes --bench; other harness flags do not apply.
            _ => {}
        }
    }
    options
}

/// One organization's requests: its admin's token, its plans, actions and units.
struct Tenant {
    token: String,
    plans: Vec<Uuid>,
    actions: Vec<Uuid>,
    units: Vec<Uuid>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = options();
    let url = std::env::var("TILTAK_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/tiltak_bench".into());
    let fresh = !options.reuse;
    prepare_database(&url, fresh).await?;

    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-national");
    std::fs::create_dir_all(&dir)?;
    let mut settings = Settings::defaults();
    settings.database.url = url.clone();
    settings.database.max_connections = 40;
    settings.http.addr = "127.0.0.1:0".parse()?;
    settings.organization.example_plan = false;
    settings.scheduler.enabled = false;
    settings.mail.outbox_dir = dir.join("outbox").display().to_string();
    // A fixed key, so a database kept for --reuse still verifies.
    settings.audit.key = Secret::new("national-benchmark-key-not-a-secret-0000000000");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let application = Application::build(settings, listener).await?;
    let base = format!("http://{}/graphql", application.local_addr());
    let state = application.state.clone();
    tokio::spawn(application.run_until_stopped());

    if fresh {
        let started = Instant::now();
        generate(&state, options.organizations, options.events).await?;
        eprintln!("generated in {:.0} s", started.elapsed().as_secs_f64());
    }
    // As autovacuum would in time: without statistics the planner scans tables it should not,
    // for every system measured alike.
    if url.starts_with("postgres") {
        state.db.execute_unprepared("VACUUM ANALYZE").await?;
    }
    let tenants = Arc::new(tenants(&state.db).await?);
    let events = count(&state.db, "SELECT COUNT(*) FROM action_event").await?;
    let actions = count(&state.db, "SELECT COUNT(*) FROM action").await?;
    println!(
        "\n{} organizations, {actions} actions, {events} history events; {} s per level\n",
        tenants.len(),
        options.seconds
    );

    // `--seconds 0` measures the sweeps only.
    if options.seconds > 0 {
        let postgraphile = PostGraphile::start(&url).await;
        println!(
            "| request | clients | tiltak req/s (p50 ms) | PostGraphile req/s (p50 ms) | one SQL statement req/s (p50 ms) | tiltak / PostGraphile throughput | tiltak p50 / SQL p50 |"
        );
        println!("|---|---|---|---|---|---|---|");
        let seconds = Duration::from_secs(options.seconds);
        for (name, query, theirs, sql) in [
            ("plan dashboard", DASHBOARD, DASHBOARD_PG, DASHBOARD_SQL),
            ("action history", HISTORY, HISTORY_PG, HISTORY_SQL),
            ("overdue of a unit", OVERDUE, OVERDUE_PG, OVERDUE_SQL),
        ]
        .into_iter()
        .filter(|(name, ..)| options.only.as_ref().is_none_or(|only| name.contains(only.as_str())))
        {
            let ours = Endpoint {
                url: base.clone(),
                query,
                tiltak: true,
            };
            let theirs = postgraphile.as_ref().map(|pg| Endpoint {
                url: pg.url.clone(),
                query: theirs,
                tiltak: false,
            });
            if let Some(theirs) = &theirs {
                // Both answer the same rows, or the comparison means nothing.
                for i in 0..tenants.len().min(20) {
                    let (a, b) = (ours.ask(&tenants, name, i).await, theirs.ask(&tenants, name, i).await);
                    assert_eq!(rows(&a), rows(&b), "{name}: tiltak {a}\nPostGraphile {b}");
                }
            }
            for clients in options.clients.map_or(LEVELS.to_vec(), |clients| vec![clients]) {
                let graphql = ours.load(clients, seconds, tenants.clone(), name).await;
                let other = match &theirs {
                    Some(theirs) => Some(theirs.load(clients, seconds, tenants.clone(), name).await),
                    None => None,
                };
                let floor = load(clients, seconds, {
                    let (tenants, db) = (tenants.clone(), state.db.clone());
                    move |i| {
                        let (tenants, db) = (tenants.clone(), db.clone());
                        async move {
                            let (_, variables) = pick(&tenants, name, i);
                            let id: Uuid = variables
                                .as_object()
                                .unwrap()
                                .values()
                                .next()
                                .unwrap()
                                .as_str()
                                .unwrap()
                                .parse()
                                .unwrap();
                            let statement =
                                Statement::from_sql_and_values(db.get_database_backend(), sql, [Value::from(id)]);
                            db.query_all_raw(statement).await.expect("SQL");
                        }
                    }
                })
                .await;
                let (their_cell, their_ratio) = match other {
                    Some((rate, p50)) => (format!("{rate:.0} ({p50:.1})"), format!("{:.2}×", graphql.0 / rate)),
                    None => ("not run".into(), "–".into()),
                };
                println!(
                    "| {name} | {clients} | {:.0} ({:.1}) | {their_cell} | {:.0} ({:.1}) | {their_ratio} | {:.1}× |",
                    graphql.0,
                    graphql.1,
                    floor.0,
                    floor.1,
                    graphql.1 / floor.1
                );
            }
        }
        drop(postgraphile);
    }
    if options.only.is_some() {
        return Ok(());
    }

    println!("\n| sweep | wall time |\n|---|---|");
    let at = Utc::now();
    // Every run measures a first sending: what an earlier run (`--reuse`) sent is forgotten.
    for table in ["notification_item", "notification", "action_link"] {
        state.db.execute_unprepared(&format!("DELETE FROM {table}")).await?;
    }
    let started = Instant::now();
    jobs::run(&state, Job::DeadlineReminders, at, Trigger::Manual, "bench").await?;
    println!(
        "| deadline-reminders over {} organizations | {:.2} s |",
        tenants.len(),
        started.elapsed().as_secs_f64()
    );
    let mut mail = state.settings.mail.clone();
    let sink = smtp_sink::SmtpSink::start().await;
    mail.transport = tiltak::config::MailTransport::Smtp;
    mail.smtp.host = "127.0.0.1".into();
    mail.smtp.port = sink.port;
    mail.smtp.tls = tiltak::config::SmtpTls::None;
    let mailer = tiltak::mail::Mailer::from_settings(&mail)?;
    let started = Instant::now();
    let sent = tiltak::services::outbox::dispatch(&state.db, &mailer, &mail, at)
        .await?
        .sent;
    println!(
        "| outbox dispatch of {sent} reminders into an SMTP server on loopback ({} at once) | {:.2} s ({:.0}/s) |",
        mail.parallel_sends,
        started.elapsed().as_secs_f64(),
        sent as f64 / started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let verification = audit::verify(&state.db, &state.audit_key, None, &[]).await?;
    assert!(verification.problems.is_empty(), "the history does not verify");
    println!(
        "| audit verify of {} events | {:.2} s |",
        verification.events,
        started.elapsed().as_secs_f64()
    );
    let first = &tenants[0];
    let viewer = bootstrap::first_admin(
        &state.db,
        auth::authenticate(&state.db, &state.tokens, &first.token, Utc::now())
            .await?
            .organization_id,
    )
    .await?;
    let writes = 100;
    let started = Instant::now();
    for i in 0..writes {
        actions::comment(
            &state.db,
            &state.audit_key,
            &viewer,
            Utc::now(),
            first.actions[i % first.actions.len()],
            format!("Måling {i}"),
        )
        .await?;
    }
    println!(
        "| history append (a comment) | {:.2} ms each |",
        started.elapsed().as_secs_f64() * 1000.0 / writes as f64
    );
    let mut starts = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_tiltak"))
            .arg("plans")
            .env("TILTAK_DATABASE__URL", &url)
            .env("TILTAK_AUDIT__KEY", "national-benchmark-key-not-a-secret-0000000000")
            .output()?;
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        starts.push(started.elapsed());
    }
    starts.sort();
    println!(
        "| CLI start (`tiltak plans`, median of 10) | {:.0} ms |",
        starts[5].as_secs_f64() * 1000.0
    );
    Ok(())
}

/// The variables of request `i` of a kind, spread over every organization.
fn pick<'a>(tenants: &'a [Tenant], kind: &str, i: usize) -> (&'a str, serde_json::Value) {
    let tenant = &tenants[i % tenants.len()];
    let n = i / tenants.len();
    let variables = match kind {
        "plan dashboard" => json!({ "id": tenant.plans[n % tenant.plans.len()] }),
        "action history" => json!({ "id": tenant.actions[n % tenant.actions.len()] }),
        _ => json!({ "unit": tenant.units[n % tenant.units.len()] }),
    };
    (&tenant.token, variables)
}

/// A GraphQL server answering the bench's requests: tiltak (with the tenant's token) or
/// PostGraphile (no authentication; the overdue request also gets today's date).
struct Endpoint {
    url: String,
    query: &'static str,
    tiltak: bool,
}

impl Endpoint {
    async fn ask(&self, tenants: &[Tenant], kind: &str, i: usize) -> serde_json::Value {
        ask(
            &reqwest::Client::new(),
            &self.url,
            self.query,
            self.tiltak,
            tenants,
            kind,
            i,
        )
        .await
    }

    async fn load(&self, clients: usize, time: Duration, tenants: Arc<Vec<Tenant>>, kind: &'static str) -> (f64, f64) {
        let (client, url, query, tiltak) = (reqwest::Client::new(), self.url.clone(), self.query, self.tiltak);
        load(clients, time, move |i| {
            let (client, url, tenants) = (client.clone(), url.clone(), tenants.clone());
            async move {
                ask(&client, &url, query, tiltak, &tenants, kind, i).await;
            }
        })
        .await
    }
}

async fn ask(
    client: &reqwest::Client,
    url: &str,
    query: &str,
    tiltak: bool,
    tenants: &[Tenant],
    kind: &str,
    i: usize,
) -> serde_json::Value {
    let (token, mut variables) = pick(tenants, kind, i);
    let mut request = client.post(url);
    if tiltak {
        request = request.bearer_auth(token);
    } else if kind == "overdue of a unit" {
        variables["today"] = json!(Utc::now().date_naive());
    }
    let body: serde_json::Value = request
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON");
    assert!(body["errors"].is_null(), "{body}");
    body
}

/// The rows an answer holds: its objects with an `id` (actions, history events).
fn rows(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::Object(map) => usize::from(map.contains_key("id")) + map.values().map(rows).sum::<usize>(),
        serde_json::Value::Array(items) => items.iter().map(rows).sum(),
        _ => 0,
    }
}

/// PostGraphile 4 from npm (`benches/postgraphile`, installed here with `npm ci` when Node is
/// there) over the same database, read-only, with as many connections as tiltak's pool.
struct PostGraphile {
    child: std::process::Child,
    url: String,
}

impl PostGraphile {
    async fn start(database: &str) -> Option<PostGraphile> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/postgraphile");
        let bin = dir.join("node_modules/.bin/postgraphile");
        if !bin.exists() {
            let installed = std::process::Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error", "--prefix"])
                .arg(&dir)
                .status()
                .is_ok_and(|s| s.success());
            if !installed {
                eprintln!(
                    "PostGraphile is not installed (it needs Node and `npm ci --prefix benches/postgraphile`): its column says not run"
                );
                return None;
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .ok()?
            .port();
        let child = std::process::Command::new(&bin)
            .arg("--connection")
            .arg(database)
            .args(["--schema", "public", "--host", "127.0.0.1", "--port"])
            .arg(port.to_string())
            .args([
                "--max-pool-size",
                "40",
                "--disable-default-mutations",
                "--disable-query-log",
            ])
            .args(["--append-plugins", "postgraphile-plugin-connection-filter"])
            .current_dir(&dir)
            .stdout(std::process::Stdio::null())
            .spawn()
            .map_err(|e| eprintln!("PostGraphile did not start: {e}"))
            .ok()?;
        let postgraphile = PostGraphile {
            child,
            url: format!("http://127.0.0.1:{port}/graphql"),
        };
        let client = reqwest::Client::new();
        for _ in 0..120 {
            let answer = client
                .post(&postgraphile.url)
                .json(&json!({ "query": "{ __typename }" }))
                .send()
                .await;
            if answer.is_ok_and(|a| a.status().is_success()) {
                return Some(postgraphile);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        eprintln!("PostGraphile did not answer within a minute: its column says not run");
        None
    }
}

impl Drop for PostGraphile {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `request` from `clients` tasks for `time`: requests per second and the median in ms.
async fn load<F, Fut>(clients: usize, time: Duration, request: F) -> (f64, f64)
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let request = request.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut i = client;
                while started.elapsed() < time {
                    let one = Instant::now();
                    request(i).await;
                    latencies.push(one.elapsed());
                    i += clients;
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("load task"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let median = latencies.get(latencies.len() / 2).copied().unwrap_or_default();
    (latencies.len() as f64 / elapsed, median.as_secs_f64() * 1000.0)
}

async fn prepare_database(url: &str, fresh: bool) -> anyhow::Result<()> {
    let (server, name) = url.rsplit_once('/').expect("a database URL ends in /NAME");
    let admin = Database::connect(format!("{server}/postgres")).await?;
    let exists = count(
        &admin,
        &format!("SELECT COUNT(*) FROM pg_database WHERE datname = '{name}'"),
    )
    .await?
        > 0;
    if fresh && exists {
        admin
            .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
            .await?;
    }
    if fresh || !exists {
        admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await?;
    }
    Ok(())
}

async fn count(db: &DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .expect("a count");
    Ok(row.try_get_by_index(0)?)
}

/// Every organization gets the example plan (units, teams, ten actions with a year of
/// history) and the real plan imported twice with its suggested units confirmed, then
/// `events` history events per action: a status change and comments. Four organizations are
/// made at a time.
async fn generate(state: &tiltak::state::AppState, organizations: usize, events: usize) -> anyhow::Result<()> {
    use futures_util::StreamExt;
    let made = futures_util::stream::iter(0..organizations)
        .map(|n| async move { organization(state, n, events).await })
        .buffer_unordered(4)
        .collect::<Vec<anyhow::Result<()>>>()
        .await;
    made.into_iter().collect()
}

async fn organization(state: &tiltak::state::AppState, n: usize, events: usize) -> anyhow::Result<()> {
    let (db, key) = (&state.db, &state.audit_key);
    let base = state.settings.public_url();
    let now = Utc::now();
    let organization = bootstrap::create_organization(db, &format!("Kommune {n:03}"), now).await?;
    let admin = org::insert_person(
        db,
        organization.id,
        now,
        NewPerson {
            name: "Administrator".into(),
            email: "admin@kommune.no".into(),
            role: Role::Admin,
            unit_id: None,
        },
    )
    .await?;
    let viewer = Viewer::of(admin)?;
    bootstrap::load_example_plan(db, key, &viewer, now, &base).await?;
    for title in ["Folkehelseplan", "Plan for rus og psykisk helse"] {
        let document = import::read(Format::Text, PLAN.as_bytes(), None)?;
        imports::import(
            db,
            key,
            &viewer,
            now,
            &base,
            Target::NewPlan(Some(title.into())),
            document,
            false,
        )
        .await?;
    }
    for plan in plans::plans(db, &viewer, None).await? {
        actions::confirm_suggested_units(db, key, &viewer, now, plan.id).await?;
    }
    let today = now.date_naive();
    for action in actions::list(db, &viewer, today, Default::default()).await? {
        let have = count(
            db,
            &format!("SELECT COUNT(*) FROM action_event WHERE action_id = '{}'", action.id),
        )
        .await? as usize;
        if action.status == Status::NotStarted && have < events {
            actions::update_status(
                db,
                key,
                &viewer,
                Utc::now(),
                &base,
                action.id,
                Status::InProgress,
                None,
                None,
            )
            .await?;
        }
        for i in have + 1..events {
            actions::comment(db, key, &viewer, Utc::now(), action.id, format!("Oppfølging {i}")).await?;
        }
    }
    Ok(())
}

async fn tenants(db: &DatabaseConnection) -> anyhow::Result<Vec<Tenant>> {
    let mut tenants = Vec::new();
    use sea_orm::EntityTrait;
    for organization in tiltak::entities::organization::Entity::find().all(db).await? {
        let admin = bootstrap::first_admin(db, organization.id).await?;
        let person = tiltak::entities::person::Entity::find_by_id(admin.person_id)
            .one(db)
            .await?
            .expect("the admin's person");
        let token = auth::issue_token(db, &person, Utc::now(), None).await?;
        let ids = |sql: String| async move {
            let rows = db
                .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
                .await?;
            rows.iter()
                .map(|r| r.try_get_by_index::<Uuid>(0))
                .collect::<Result<Vec<_>, _>>()
        };
        let org = organization.id;
        tenants.push(Tenant {
            token,
            plans: ids(format!("SELECT id FROM plan WHERE organization_id = '{org}'")).await?,
            actions: ids(format!("SELECT id FROM action WHERE organization_id = '{org}'")).await?,
            units: ids(format!(
                "SELECT DISTINCT responsible_unit_id FROM action WHERE organization_id = '{org}' AND responsible_unit_id IS NOT NULL"
            ))
            .await?,
        });
    }
    Ok(tenants)
}
