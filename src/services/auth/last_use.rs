//! A token's last use, written beside the request instead of on its path.
//!
//! Last use is kept to the minute, so a token is written at most once a minute; but a client
//! cycling through many tokens (or many clients each with its own) met one of those writes,
//! and its commit, on every minute's first request of each token. A request now only notes the
//! use here; one writer task at a time writes what was noted, all of it in one transaction, and
//! what is noted while it writes goes in its next round. Nothing is kept beyond the process: a
//! use noted in the moment before the process stops may be lost, unless the service writes
//! what is waiting ([`LastUses::write_waiting`]) as it stops, which `serve` does.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait, sea_query::Expr,
};
use uuid::Uuid;

use crate::{entities::api_token, error::AppResult};

/// Uses noted and not yet written, and the one writer that writes them.
#[derive(Default)]
pub struct LastUses(Arc<Inner>);

#[derive(Default)]
struct Inner {
    waiting: Mutex<HashMap<Uuid, DateTime<Utc>>>,
    /// Set while a writer task runs (or is about to).
    writer: AtomicBool,
    /// Held by whoever writes, so [`LastUses::write_waiting`] also waits for a round under way.
    writing: tokio::sync::Mutex<()>,
}

impl LastUses {
    /// Notes that token `id` was used at `at`, and starts the writer unless it runs.
    pub fn note(&self, db: &DatabaseConnection, id: Uuid, at: DateTime<Utc>) {
        let mut waiting = self.0.waiting.lock().expect("last uses lock");
        let kept = waiting.entry(id).or_insert(at);
        *kept = (*kept).max(at);
        drop(waiting);
        if !self.0.writer.swap(true, Ordering::AcqRel) {
            tokio::spawn(write_rounds(db.clone(), self.0.clone()));
        }
    }

    /// Writes every use noted so far, after the round under way if there is one.
    #[tracing::instrument(skip_all)]
    pub async fn write_waiting(&self, db: &DatabaseConnection) -> AppResult<()> {
        let _writing = self.0.writing.lock().await;
        self.0.write(db).await.map(|_| ())
    }
}

/// Writes rounds until nothing waits, then stops; a use noted after the last round's check
/// starts the next writer.
async fn write_rounds(db: DatabaseConnection, inner: Arc<Inner>) {
    loop {
        let wrote = {
            let _writing = inner.writing.lock().await;
            inner.write(&db).await
        };
        match wrote {
            Ok(true) => continue,
            Ok(false) => {}
            // Last use is a hint for operators; a failed round is logged and not retried.
            Err(error) => tracing::warn!(%error, "could not write the tokens' last use"),
        }
        inner.writer.store(false, Ordering::Release);
        // A use noted between the last round's check and the line above saw a writer running
        // and started none: take the turn again for it, unless another writer took it.
        let noted = !inner.waiting.lock().expect("last uses lock").is_empty();
        if !noted || inner.writer.swap(true, Ordering::AcqRel) {
            return;
        }
    }
}

impl Inner {
    /// Writes what waits, in one transaction; whether anything did. A use is never written
    /// over a later one (another instance's).
    async fn write(&self, db: &DatabaseConnection) -> AppResult<bool> {
        let waiting = std::mem::take(&mut *self.waiting.lock().expect("last uses lock"));
        if waiting.is_empty() {
            return Ok(false);
        }
        let txn = db.begin().await?;
        for (id, at) in waiting {
            api_token::Entity::update_many()
                .col_expr(api_token::Column::LastUsedAt, Expr::value(at))
                .filter(api_token::Column::Id.eq(id))
                .filter(
                    Condition::any()
                        .add(api_token::Column::LastUsedAt.is_null())
                        .add(api_token::Column::LastUsedAt.lt(at)),
                )
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(true)
    }
}
