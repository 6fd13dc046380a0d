//! Live history for `actionEvents` subscriptions: one poll per organization, shared by every
//! subscription to it, so a hundred idle subscriptions cost what one does. Each poll also
//! wakes at once when this instance writes history, and finds what other instances wrote.
//!
//! Subscriptions are capped per token (across connections) and per connection.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{
        Arc, Mutex, Weak,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

use crate::entities::{action, action_event};

/// How often a feed looks for events written by other instances.
const POLL: Duration = Duration::from_secs(2);
/// How far back each poll looks for events that committed late: ids come from a sequence, and
/// on PostgreSQL a transaction may commit an id lower than one already seen.
const WINDOW: i64 = 1000;

/// An event with the plan its action belongs to.
#[derive(Clone, Debug)]
pub struct LiveEvent {
    pub plan_id: Uuid,
    pub event: Arc<action_event::Model>,
}

/// One organization's poll, alive while anyone listens.
pub struct Feed {
    sender: broadcast::Sender<LiveEvent>,
    task: tokio::task::AbortHandle,
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Why a subscription was not opened.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("this token already has {0} live subscriptions (graphql.subscriptions_per_token)")]
    PerToken(usize),
    #[error("this connection already has {0} live subscriptions (graphql.subscriptions_per_connection)")]
    PerConnection(usize),
}

/// A subscription's place under the caps, given back when it is dropped.
pub struct Ticket {
    live: Arc<LiveHistory>,
    token: String,
    connection: Arc<AtomicUsize>,
    pub feed: Arc<Feed>,
}

impl Ticket {
    pub fn receiver(&self) -> broadcast::Receiver<LiveEvent> {
        self.feed.sender.subscribe()
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.connection.fetch_sub(1, Ordering::SeqCst);
        let mut tokens = self.live.tokens.lock().expect("lock");
        if let Some(n) = tokens.get_mut(&self.token) {
            *n -= 1;
            if *n == 0 {
                tokens.remove(&self.token);
            }
        }
    }
}

#[derive(Default)]
pub struct LiveHistory {
    feeds: Mutex<HashMap<Uuid, Weak<Feed>>>,
    tokens: Mutex<HashMap<String, usize>>,
}

impl LiveHistory {
    /// Admits a subscription of `token` on `connection` to `organization`'s history.
    pub fn admit(
        self: &Arc<Self>,
        db: &DatabaseConnection,
        changed: &watch::Sender<u64>,
        organization: Uuid,
        token: &str,
        connection: &Arc<AtomicUsize>,
        per_token: usize,
        per_connection: usize,
    ) -> Result<Ticket, Refused> {
        let token = crate::services::auth::hash_token(token);
        {
            let mut tokens = self.tokens.lock().expect("lock");
            let held = tokens.entry(token.clone()).or_default();
            if *held >= per_token {
                return Err(Refused::PerToken(per_token));
            }
            if connection
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                    (n < per_connection).then_some(n + 1)
                })
                .is_err()
            {
                return Err(Refused::PerConnection(per_connection));
            }
            *held += 1;
        }
        let feed = self.feed(db, changed, organization);
        Ok(Ticket {
            live: self.clone(),
            token,
            connection: connection.clone(),
            feed,
        })
    }

    fn feed(&self, db: &DatabaseConnection, changed: &watch::Sender<u64>, organization: Uuid) -> Arc<Feed> {
        let mut feeds = self.feeds.lock().expect("lock");
        if let Some(feed) = feeds.get(&organization).and_then(Weak::upgrade) {
            return feed;
        }
        feeds.retain(|_, feed| feed.strong_count() > 0);
        let (sender, _) = broadcast::channel(1024);
        let task = tokio::spawn(poll(db.clone(), changed.subscribe(), organization, sender.clone()));
        let feed = Arc::new(Feed {
            sender,
            task: task.abort_handle(),
        });
        feeds.insert(organization, Arc::downgrade(&feed));
        feed
    }

    /// Organizations being polled now (for tests and metrics).
    pub fn feeds(&self) -> usize {
        self.feeds
            .lock()
            .expect("lock")
            .values()
            .filter(|f| f.strong_count() > 0)
            .count()
    }
}

/// The shared poll: events of the organization newer than those seen, with their plans.
/// Events that existed when the feed started are not sent.
async fn poll(
    db: DatabaseConnection,
    mut changed: watch::Receiver<u64>,
    organization: Uuid,
    sender: broadcast::Sender<LiveEvent>,
) {
    let mut delivered: BTreeSet<i64> = BTreeSet::new();
    let mut floor = None;
    let mut plans: HashMap<Uuid, Uuid> = HashMap::new();
    loop {
        let found = match floor {
            None => action_event::Entity::find()
                .select_only()
                .column(action_event::Column::Id)
                .filter(action_event::Column::OrganizationId.eq(organization))
                .order_by_desc(action_event::Column::Id)
                .limit(WINDOW as u64)
                .into_tuple::<i64>()
                .all(&db)
                .await
                .map(|ids| {
                    delivered.extend(ids);
                    floor = Some(delivered.first().copied().unwrap_or(0) - 1);
                    Vec::new()
                }),
            Some(after) => action_event::Entity::find()
                .filter(action_event::Column::OrganizationId.eq(organization))
                .filter(action_event::Column::Id.gt(after))
                .order_by_asc(action_event::Column::Id)
                .all(&db)
                .await
                .map(|events| events.into_iter().filter(|e| !delivered.contains(&e.id)).collect()),
        };
        match found {
            Ok(events) => {
                let unknown: Vec<Uuid> = events
                    .iter()
                    .map(|e: &action_event::Model| e.action_id)
                    .filter(|id| !plans.contains_key(id))
                    .collect();
                if !unknown.is_empty() {
                    match action::Entity::find()
                        .select_only()
                        .column(action::Column::Id)
                        .column(action::Column::PlanId)
                        .filter(action::Column::Id.is_in(unknown))
                        .into_tuple::<(Uuid, Uuid)>()
                        .all(&db)
                        .await
                    {
                        Ok(rows) => plans.extend(rows),
                        Err(error) => tracing::warn!(%error, "live history: plan look-up failed"),
                    }
                }
                for event in events {
                    let Some(&plan_id) = plans.get(&event.action_id) else {
                        continue;
                    };
                    delivered.insert(event.id);
                    // No receiver at the moment is fine: the feed ends with its last ticket.
                    let _ = sender.send(LiveEvent {
                        plan_id,
                        event: Arc::new(event),
                    });
                }
                if let Some(&newest) = delivered.last() {
                    let lowest = newest - WINDOW;
                    floor = floor.map(|f| f.max(lowest));
                    delivered = delivered.split_off(&lowest);
                }
            }
            Err(error) => tracing::warn!(%error, "live history poll failed"),
        }
        tokio::select! {
            _ = changed.changed() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}
