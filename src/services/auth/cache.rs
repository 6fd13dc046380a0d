//! A short in-process cache of bearer tokens, on PostgreSQL only, so a request reads its
//! token and person once in [`TTL`] instead of on every request.
//!
//! A revocation must count at once, also one made by the CLI or by another instance. So an
//! entry is used only while this instance listens on PostgreSQL's channel
//! `tiltak_credentials`, which the database notifies when a statement that revokes or changes a
//! token, or changes or removes a person, commits (triggers of migration
//! `m20261203_000001`). Every notice empties the cache; so does every change made through
//! this process's own services ([`credentials_changed`], called once they are written), so a
//! change made here counts for the very next request, before its notice arrives. While the listening
//! connection is lost, and until it listens again, nothing is cached and nothing cached is
//! used: what changed meanwhile was not heard. SQLite has no channel: there the token is read
//! on every request (in-process, so it costs little).
//!
//! A cached token is still checked on every request for its expiry (against the request's
//! clock) and its last use is still noted once a minute, for [`LastUses`] to write.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};

use super::{Viewer, last_use::LastUses};
use crate::entities::api_token;

/// How long an entry serves before the token is read again, whatever was heard.
pub const TTL: Duration = Duration::from_secs(10);
/// Entries kept at most; the cache starts afresh when full.
const CAPACITY: usize = 10_000;
/// The channel the triggers notify.
pub const CHANNEL: &str = "tiltak_credentials";
/// How the listening connection names itself in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "tiltak credentials";

/// Bumped by every change to credentials written through this process's services, once
/// committed: process-wide, so a change made through any connection here (a CLI command's, a
/// test's) counts at once for every cache in the process.
static WRITTEN_HERE: AtomicU64 = AtomicU64::new(0);

/// Call once a change to a token or a person is committed.
pub fn credentials_changed() {
    WRITTEN_HERE.fetch_add(1, Ordering::AcqRel);
}

/// The cache one running service keeps.
#[derive(Default)]
pub struct TokenCache {
    /// Set while the listener is subscribed to [`CHANNEL`].
    listening: AtomicBool,
    /// Bumped by each notice heard and each time listening starts or stops: an entry read
    /// under an earlier generation is stale.
    generation: AtomicU64,
    /// Notices heard on [`CHANNEL`].
    heard: AtomicU64,
    entries: Mutex<HashMap<String, Entry>>,
    /// The tokens' last uses, written beside the requests (on SQLite too).
    pub last_uses: LastUses,
}

#[derive(Clone)]
pub(super) struct Entry {
    read_in: Generation,
    read: Instant,
    pub token: api_token::Model,
    pub viewer: Viewer,
}

/// The cache's generation and the process's writes when a read began.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Generation(u64, u64);

/// Taken before a token is read from the database, to hand to [`TokenCache::put`] with
/// what it read; `None` when nothing may be cached.
#[derive(Clone, Copy)]
pub(super) struct ReadStart(Option<Generation>);

impl TokenCache {
    /// Whether entries are used now (the listener is subscribed).
    pub fn active(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }

    /// Notices of changed credentials heard so far.
    pub fn heard(&self) -> u64 {
        self.heard.load(Ordering::Acquire)
    }

    fn now(&self) -> Generation {
        Generation(
            self.generation.load(Ordering::Acquire),
            WRITTEN_HERE.load(Ordering::Acquire),
        )
    }

    pub(super) fn get(&self, hash: &str) -> Option<Entry> {
        if !self.active() {
            return None;
        }
        let now = self.now();
        let mut entries = self.entries.lock().expect("token cache lock");
        match entries.get(hash) {
            Some(entry) if entry.read_in == now && entry.read.elapsed() < TTL => Some(entry.clone()),
            Some(_) => {
                entries.remove(hash);
                None
            }
            None => None,
        }
    }

    pub(super) fn start_read(&self) -> ReadStart {
        ReadStart(self.active().then(|| self.now()))
    }

    /// Keeps what a read found, unless a change was heard or written since it began or the
    /// listener was lost meanwhile.
    pub(super) fn put(&self, hash: String, start: ReadStart, token: api_token::Model, viewer: Viewer) {
        let Some(read_in) = start.0 else { return };
        let mut entries = self.entries.lock().expect("token cache lock");
        if !self.active() || self.now() != read_in {
            return;
        }
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        let read = Instant::now();
        entries.insert(
            hash,
            Entry {
                read_in,
                read,
                token,
                viewer,
            },
        );
    }

    /// Keeps a cached token's last use equal to the one just noted for the database.
    pub(super) fn touch(&self, hash: &str, at: DateTime<Utc>) {
        if let Some(entry) = self.entries.lock().expect("token cache lock").get_mut(hash) {
            entry.token.last_used_at = Some(at);
        }
    }

    /// Forgets every entry.
    fn changed(&self) {
        let mut entries = self.entries.lock().expect("token cache lock");
        entries.clear();
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn heard_notice(&self) {
        self.changed();
        self.heard.fetch_add(1, Ordering::AcqRel);
    }

    fn listening(&self, on: bool) {
        self.changed();
        self.listening.store(on, Ordering::Release);
    }
}

/// Listens on [`CHANNEL`] for as long as the runtime runs, reconnecting a second after the
/// connection is lost; the cache is used only while it listens. The first subscription is
/// made before this returns, so a service that has started caches from its first request.
#[tracing::instrument(skip_all)]
pub async fn start(options: PgConnectOptions, cache: Arc<TokenCache>) {
    let options = options.application_name(APPLICATION_NAME);
    let first = subscribe(&options).await;
    if first.is_ok() {
        cache.listening(true);
    }
    tokio::spawn(listen(options, cache, first));
}

async fn listen(
    options: PgConnectOptions,
    cache: Arc<TokenCache>,
    mut attempt: Result<PgListener, sea_orm::sqlx::Error>,
) {
    let mut lost = false;
    loop {
        match attempt {
            Ok(mut listener) => {
                if lost {
                    tracing::info!("listening for credential changes again; tokens are cached");
                    cache.listening(true);
                }
                let error = loop {
                    match listener.try_recv().await {
                        Ok(Some(_)) => cache.heard_notice(),
                        Ok(None) => break None,
                        Err(error) => break Some(error),
                    }
                };
                cache.listening(false);
                tracing::warn!(error = ?error, "lost the connection that hears credential changes; tokens are read on every request until it is back");
                lost = true;
            }
            Err(error) => {
                cache.listening(false);
                if !lost {
                    tracing::warn!(%error, "cannot listen for credential changes; tokens are read on every request");
                }
                lost = true;
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        attempt = subscribe(&options).await;
    }
}

async fn subscribe(options: &PgConnectOptions) -> Result<PgListener, sea_orm::sqlx::Error> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_with(options.clone())
        .await?;
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}
