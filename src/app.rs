//! Building the application from settings and a bound listener, so tests can run the real
//! thing on port 0.

use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::{audit_key::AuditKey, clock::Clock, config::Settings, graphql, http, jobs, state::AppState};

/// Connects to the configured database. For SQLite the file's folder is created, and the pool
/// holds one connection: SQLite has one writer, and one connection never hits "database is locked".
pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    Ok(connect_counting(settings).await?.0)
}

/// A pooled connection idle this long is pinged before it is handed out, so one the server
/// or the network dropped while it waited is replaced, not used. sqlx's default pings on every
/// checkout: a round trip to the server before each statement (and sqlx pings again as the
/// connection goes back to the pool, which catches a connection a statement broke).
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

/// As [`connect`], with a count of the SQL statements the connection runs (for tests that
/// show a refused request ran none, and for metrics).
pub async fn connect_counting(settings: &Settings) -> anyhow::Result<(DatabaseConnection, Arc<AtomicU64>)> {
    let url = &settings.database.url;
    let effective = database_url(url);
    let mut max_connections = settings.database.max_connections;
    if let Some(path) = url.strip_prefix("sqlite://") {
        max_connections = 1;
        let file = path.split('?').next().unwrap_or_default();
        if let Some(dir) = Path::new(file).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the database folder {}", dir.display()))?;
        }
    }
    let mut options = ConnectOptions::new(effective);
    options
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .test_before_acquire_if_idle_for(PING_WHEN_IDLE_FOR)
        .sqlx_logging(false);
    let mut db = Database::connect(options)
        .await
        .with_context(|| format!("cannot connect to the database at {}", redact(url)))?;
    let statements = Arc::new(AtomicU64::new(0));
    let counter = statements.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    Ok((db, statements))
}

/// The URL the pool connects with: a PostgreSQL server on this machine (127.0.0.1, ::1,
/// localhost) is reached without TLS unless the URL asks for it with `sslmode`. The client's
/// default ("prefer") would negotiate TLS, which on loopback protects nothing and costs each
/// new connection about 90 ms, most of a command's start. Any other host keeps the default.
pub fn database_url(url: &str) -> String {
    let Some(rest) = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
    else {
        return url.to_owned();
    };
    let (authority, query) = match rest.split_once('?') {
        Some((authority, query)) => (authority, Some(query)),
        None => (rest, None),
    };
    let host_port = authority.split('/').next().unwrap_or_default();
    let host_port = host_port.rsplit_once('@').map_or(host_port, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port.split(']').next().unwrap_or_default().trim_start_matches('[')
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    let asks = query.is_some_and(|q| q.split('&').any(|p| p.starts_with("sslmode=")));
    if !loopback || asks {
        return url.to_owned();
    }
    match query {
        Some(q) if !q.is_empty() => format!("{url}&sslmode=disable"),
        Some(_) => format!("{url}sslmode=disable"),
        None => format!("{url}?sslmode=disable"),
    }
}

/// A PostgreSQL advisory lock that every instance takes for migrations and the first start's
/// bootstrap, so instances starting together on an empty database do not race each other
/// (creating the same tables twice). It lives on its own connection, so it is held across the
/// pool's statements. SQLite has one writer anyway and takes none.
pub struct StartupLock(Option<DatabaseConnection>);

/// Any constant shared by all instances: "tiltak" in ASCII.
const STARTUP_LOCK_KEY: i64 = 0x7469_6c74_616b;

impl StartupLock {
    pub async fn acquire(settings: &Settings) -> anyhow::Result<Self> {
        if !settings.database.url.starts_with("postgres") {
            return Ok(Self(None));
        }
        let mut options = ConnectOptions::new(database_url(&settings.database.url));
        options.max_connections(1).min_connections(1).sqlx_logging(false);
        let db = Database::connect(options)
            .await
            .with_context(|| format!("cannot connect to the database at {}", redact(&settings.database.url)))?;
        db.execute_unprepared(&format!("SELECT pg_advisory_lock({STARTUP_LOCK_KEY})"))
            .await
            .context("cannot take the start-up lock")?;
        Ok(Self(Some(db)))
    }

    pub async fn release(self) -> anyhow::Result<()> {
        if let Some(db) = self.0 {
            db.execute_unprepared(&format!("SELECT pg_advisory_unlock({STARTUP_LOCK_KEY})"))
                .await
                .context("cannot release the start-up lock")?;
            db.close().await.ok();
        }
        Ok(())
    }
}

/// Applies all pending migrations. When the database has exactly the migrations this binary
/// knows, one query says so and nothing else runs: sea-orm-migration's own check creates its
/// table if missing and reads it on fresh pool connections (each a TLS handshake to
/// PostgreSQL), a fifth of a second before every command.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    if up_to_date(db).await {
        return Ok(());
    }
    Migrator::up(db, None).await.context("database migration failed")
}

/// Whether the applied migrations are exactly the known ones. Any doubt (no table yet, a
/// migration this binary does not know) leaves the answer to the migrator.
pub async fn up_to_date(db: &DatabaseConnection) -> bool {
    let statement = sea_orm::Statement::from_string(db.get_database_backend(), "SELECT version FROM seaql_migrations");
    let Ok(rows) = db.query_all_raw(statement).await else {
        return false;
    };
    let applied: std::collections::BTreeSet<String> = rows
        .iter()
        .filter_map(|row| row.try_get::<String>("", "version").ok())
        .collect();
    let known: std::collections::BTreeSet<String> =
        Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    applied.len() == rows.len() && applied == known
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Links in emails, calendar feeds and pages are made from `http.public_url`: when the
/// service listens beyond loopback, an unset or localhost address would send people nowhere.
fn warn_about_public_url(public_url: &str, listening: std::net::SocketAddr) {
    if listening.ip().is_loopback() {
        return;
    }
    let url = public_url.trim();
    let local = ["://localhost", "://127.", "://[::1]", "://0.0.0.0"]
        .iter()
        .any(|host| url.contains(host));
    if url.is_empty() || local {
        tracing::warn!(
            public_url = url,
            %listening,
            "http.public_url is unset or points at this machine, but the service listens beyond loopback: \
             links in emails and calendar feeds will not work for others; set TILTAK_HTTP__PUBLIC_URL"
        );
    }
}

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    pub state: AppState,
}

impl Application {
    /// Connects, migrates and builds the router on an already bound listener.
    pub async fn build(settings: Settings, listener: TcpListener) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, listener, Clock::System).await
    }

    /// As [`Application::build`], with a clock tests can set.
    pub async fn build_with_clock(mut settings: Settings, listener: TcpListener, clock: Clock) -> anyhow::Result<Self> {
        jobs::Jobs::from_settings(&settings)?;
        let problems = settings.sso.problems();
        anyhow::ensure!(
            problems.is_empty(),
            "invalid sign-in configuration:\n{}",
            problems.join("\n")
        );
        warn_about_public_url(&settings.http.public_url, listener.local_addr()?);
        if settings.http.public_url.trim().is_empty() {
            settings.http.public_url = format!("http://{}", listener.local_addr()?);
        }
        let audit_key = AuditKey::load(&settings.audit)?;
        let (db, statements) = connect_counting(&settings).await?;
        let lock = StartupLock::acquire(&settings).await?;
        let migrated = migrate(&db).await;
        lock.release().await?;
        migrated?;
        let mut state = AppState::new(db, settings, audit_key, clock);
        state.sql_statements = statements;
        if state.db.get_database_backend() == sea_orm::DbBackend::Postgres {
            let options = state.db.get_postgres_connection_pool().connect_options();
            crate::services::auth::cache::start((*options).clone(), state.tokens.clone()).await;
        }
        let router = http::router(state.clone(), graphql::schema(state.clone()));
        http::install_metrics();
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// The address users open: `http.public_url`, or one made from the listener.
    pub fn public_url(&self) -> String {
        self.state.settings.public_url()
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let stop = CancellationToken::new();
        tokio::spawn(cancel_on_signal(stop.clone()));
        self.run_until(stop).await
    }

    /// Serves until `stop` is cancelled: then stops accepting, lets the requests under way
    /// finish (for at most [`REQUEST_GRACE`], as a live subscription would never end), writes
    /// the tokens' last uses still waiting, and returns.
    pub async fn run_until(self, stop: CancellationToken) -> anyhow::Result<()> {
        let serve = axum::serve(self.listener, self.router).with_graceful_shutdown(stop.clone().cancelled_owned());
        let grace = async {
            stop.cancelled().await;
            tokio::time::sleep(REQUEST_GRACE).await;
        };
        tokio::select! {
            served = serve => served?,
            () = grace => tracing::warn!("requests still open {REQUEST_GRACE:?} after the signal; stopping anyway"),
        }
        if let Err(error) = self.state.tokens.last_uses.write_waiting(&self.state.db).await {
            tracing::warn!(%error, "could not write the tokens' last use");
        }
        Ok(())
    }
}

/// How long requests under way may take to finish once the service is told to stop.
pub const REQUEST_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Cancels `stop` at Ctrl-C or SIGTERM.
pub async fn cancel_on_signal(stop: CancellationToken) {
    shutdown_signal().await;
    stop.cancel();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("sqlite://data/t.db"), "sqlite://data/t.db");
    }

    #[test]
    fn a_database_on_this_machine_is_reached_without_tls_unless_the_url_asks() {
        use super::database_url;
        for (url, effective) in [
            (
                "postgres://postgres@127.0.0.1:5432/test",
                "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
            ),
            (
                "postgres://u:p@localhost/db?application_name=t",
                "postgres://u:p@localhost/db?application_name=t&sslmode=disable",
            ),
            (
                "postgresql://[::1]:5433/db",
                "postgresql://[::1]:5433/db?sslmode=disable",
            ),
            (
                "postgres://127.0.0.1/db?sslmode=require",
                "postgres://127.0.0.1/db?sslmode=require",
            ),
            ("postgres://db.kommune.no/tiltak", "postgres://db.kommune.no/tiltak"),
            (
                "postgres://u:p@10.0.0.5:5432/tiltak",
                "postgres://u:p@10.0.0.5:5432/tiltak",
            ),
            ("sqlite://data/tiltak.db?mode=rwc", "sqlite://data/tiltak.db?mode=rwc"),
        ] {
            assert_eq!(database_url(url), effective, "{url}");
        }
    }
}
