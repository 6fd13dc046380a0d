//! What every request and job shares.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use crate::{audit_key::AuditKey, clock::Clock, config::Settings, domain::today_in_oslo};

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    /// The key of the history chain, loaded once from `settings.audit`.
    pub audit_key: AuditKey,
    pub clock: Clock,
    /// Bumped after requests that may have written history, so `actionEvents` subscriptions
    /// look at once instead of at their next poll.
    pub history: Arc<watch::Sender<u64>>,
    /// The shared polls behind live subscriptions.
    pub live: Arc<crate::services::live::LiveHistory>,
    /// SQL statements run on `db` so far, when it was made by `app::connect_counting`.
    pub sql_statements: Arc<std::sync::atomic::AtomicU64>,
    /// GraphQL loads that waited for a batch to gather: fields the look-ahead of
    /// `graphql::prefetch` did not read ahead.
    pub batch_waits: Arc<std::sync::atomic::AtomicU64>,
    /// GraphQL documents validated by the schema so far: a query document seen before is not
    /// validated again (`graphql::gate::Validation`).
    pub validations: Arc<std::sync::atomic::AtomicU64>,
    /// When the scheduler loop last went round (Unix seconds); 0 while none runs here.
    pub scheduler_heartbeat: Arc<std::sync::atomic::AtomicI64>,
    /// Woken when a request put a message in the outbox (a sign-in link), so the dispatcher
    /// sends it now instead of at its next round.
    pub outbox: Arc<tokio::sync::Notify>,
    /// Bearer tokens read lately, used while PostgreSQL tells of every change to them
    /// (`services::auth::cache`).
    pub tokens: Arc<crate::services::auth::TokenCache>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, settings: Settings, audit_key: AuditKey, clock: Clock) -> Self {
        Self {
            db,
            settings: Arc::new(settings),
            audit_key,
            clock,
            history: Arc::new(watch::Sender::new(0)),
            live: Arc::default(),
            sql_statements: Arc::default(),
            batch_waits: Arc::default(),
            validations: Arc::default(),
            scheduler_heartbeat: Arc::default(),
            outbox: Arc::default(),
            tokens: Arc::default(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today's date in Norway, for deadlines.
    pub fn today(&self) -> NaiveDate {
        today_in_oslo(self.now())
    }

    pub fn outbox_changed(&self) {
        self.outbox.notify_one();
    }

    pub fn history_changed(&self) {
        self.history.send_modify(|n| *n = n.wrapping_add(1));
    }
}
