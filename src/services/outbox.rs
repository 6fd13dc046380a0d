//! The email outbox. Messages are rows written in the transaction of whatever caused them;
//! a ledger of idempotency keys (recipient, reason, item, period) makes sure an item is
//! never put in a second message, and a person's items of one Oslo day join one message while
//! it is untried. The dispatcher sends due rows and retries with backoff.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, DurationRound, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::{
    Viewer,
    auth::{Permission, Relation, action_links, authorize},
    reminders::Catalog,
};
use crate::{
    config::MailSettings,
    domain::{NotificationStatus, OSLO, Reason, today_in_oslo},
    entities::{notification, notification_item},
    error::{AppError, AppResult},
    mail::{self, Digest, Mailer, Section},
};

/// Who a message goes to, and why they are on the list.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub email: String,
    pub name: String,
    /// Completes "Du får denne e-posten fordi du ...".
    pub because: String,
}

/// An item someone should hear about, before the ledger says whether they already have.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The organization whose item it is; its catalog describes it.
    pub organization_id: Uuid,
    pub recipient: Recipient,
    pub reason: Reason,
    /// The action, evaluation, revision or event the item is about.
    pub item_id: Uuid,
    /// What makes a repeat a new item: the ISO week for weekly reminders, the year for
    /// evaluations, the deadline and offset for deadline reminders.
    pub period: String,
    pub item: mail::Item,
}

impl Pending {
    fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.recipient.email.to_lowercase(),
            self.reason,
            self.item_id,
            self.period
        )
    }
}

/// Rows per INSERT and values per IN list: a few thousand bound values at most, well within
/// either database's limit, so a run's statements grow with its messages / BATCH only.
const BATCH: usize = 200;

/// Puts one digest per recipient (and organization) into the outbox, holding only the items
/// not sent before; a recipient's untried digest from earlier the same Oslo day takes the new
/// items instead. `catalogs` describe the organizations of the items. Returns the number of
/// new messages. Runs inside the caller's transaction.
///
/// Set-based, for a job run over every organization: the ledger, the same day's digests and
/// the new rows are read and written in batches, so the statements do not grow with the
/// number of organizations or recipients; only a digest that takes new items is updated on
/// its own (the update is conditional on it being untried).
#[tracing::instrument(skip_all, fields(job_run = ?job_run_id, items = pending.len()))]
pub async fn enqueue(
    txn: &impl ConnectionTrait,
    catalogs: &[&Catalog],
    now: DateTime<Utc>,
    job_run_id: Option<Uuid>,
    pending: Vec<Pending>,
) -> AppResult<usize> {
    let catalogs: HashMap<Uuid, &Catalog> = catalogs.iter().map(|c| (c.organization.id, *c)).collect();
    let mut by_recipient: BTreeMap<(Uuid, String), Vec<(String, Pending)>> = BTreeMap::new();
    for item in pending {
        if !catalogs.contains_key(&item.organization_id) {
            return Err(AppError::Internal(anyhow::anyhow!(
                "an item of organization {} came without its catalog",
                item.organization_id
            )));
        }
        by_recipient
            .entry((item.organization_id, item.recipient.email.to_lowercase()))
            .or_default()
            .push((item.key(), item));
    }
    let keys: Vec<String> = by_recipient.values().flatten().map(|(key, _)| key.clone()).collect();
    let mut known: HashSet<String> = HashSet::new();
    for batch in keys.chunks(BATCH) {
        known.extend(
            notification_item::Entity::find()
                .select_only()
                .column(notification_item::Column::IdempotencyKey)
                .filter(notification_item::Column::IdempotencyKey.is_in(batch.iter().cloned()))
                .into_tuple::<String>()
                .all(txn)
                .await?,
        );
    }
    // The items not known yet, once each, per recipient.
    let mut digests: Vec<Fresh> = Vec::new();
    for ((organization_id, _), items) in by_recipient {
        let mut seen = HashSet::new();
        let items: Vec<(String, Pending)> = items
            .into_iter()
            .filter(|(key, _)| !known.contains(key) && seen.insert(key.clone()))
            .collect();
        let Some((_, first)) = items.first() else {
            continue;
        };
        let recipient = first.recipient.clone();
        digests.push(Fresh {
            catalog: catalogs[&organization_id],
            address: format!("{} <{}>", recipient.name.replace(['<', '>', '"'], ""), recipient.email),
            recipient,
            items,
        });
    }
    // A unit leader's item links to a page that updates the action without signing in.
    let mut links = Vec::new();
    let mut linked = Vec::new();
    for (d, digest) in digests.iter().enumerate() {
        for (i, (_, pending)) in digest.items.iter().enumerate() {
            if let (true, Some(action_id)) = (pending.reason.is_for_unit_leader(), pending.item.action_id) {
                links.push(action_links::NewLink {
                    organization_id: digest.catalog.organization.id,
                    action_id,
                    recipient_email: &pending.recipient.email,
                    expires_at: now + digest.catalog.email_link_valid,
                });
                linked.push((d, i));
            }
        }
    }
    let tokens = action_links::issue_many(txn, &links, now).await?;
    drop(links);
    for ((d, i), token) in linked.into_iter().zip(tokens) {
        let digest = &mut digests[d];
        digest.items[i].1.item.link = format!("{}/e/{token}", digest.catalog.base_url);
    }

    // One email per person per day: a digest for them from earlier today that has not been
    // tried yet takes the new items instead of a second message being made.
    let earlier = same_day_digests(txn, &digests, now).await?;
    let mut enqueued = 0;
    let mut rows = Vec::new();
    let mut ledger = Vec::new();
    for digest in digests {
        let organization_id = digest.catalog.organization.id;
        let organization_name = digest.catalog.organization.name.as_str();
        let mut entries: Vec<DigestEntry> = digest
            .items
            .iter()
            .map(|(_, p)| DigestEntry {
                reason: p.reason.code().to_owned(),
                item: p.item.clone(),
            })
            .collect();
        let joined = match earlier.get(&(organization_id, digest.address.clone())) {
            Some((earlier_id, items)) => {
                let mut all: Vec<DigestEntry> = serde_json::from_str(items.as_deref().unwrap_or("[]"))
                    .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("a stored digest is unreadable")))?;
                all.append(&mut entries);
                let rendered = render(organization_name, &digest.recipient, &all);
                let updated = notification::Entity::update_many()
                    .col_expr(notification::Column::Reason, Expr::value(rendered.0))
                    .col_expr(notification::Column::Subject, Expr::value(rendered.1.subject))
                    .col_expr(notification::Column::BodyText, Expr::value(rendered.1.text))
                    .col_expr(notification::Column::BodyHtml, Expr::value(rendered.1.html))
                    .col_expr(notification::Column::DigestItems, Expr::value(stored(&all)))
                    .filter(untried())
                    .filter(notification::Column::Id.eq(*earlier_id))
                    .exec(txn)
                    .await?;
                (updated.rows_affected == 1).then_some(*earlier_id).ok_or(all)
            }
            None => Err(entries),
        };
        let id = match joined {
            Ok(id) => id,
            Err(entries) => {
                let (reason, rendered) = render(organization_name, &digest.recipient, &entries);
                let id = Uuid::new_v4();
                rows.push(notification::ActiveModel {
                    id: Set(id),
                    job_run_id: Set(job_run_id),
                    digest_items: Set(Some(stored(&entries))),
                    ..new_message(organization_id, digest.address, reason, rendered, now)
                });
                enqueued += 1;
                id
            }
        };
        ledger.extend(digest.items.into_iter().map(|(key, _)| notification_item::ActiveModel {
            idempotency_key: Set(key),
            notification_id: Set(id),
        }));
    }
    insert_batched(txn, rows).await?;
    insert_batched(txn, ledger).await?;
    Ok(enqueued)
}

/// A recipient's new items, before they become a message.
struct Fresh<'a> {
    catalog: &'a Catalog,
    recipient: Recipient,
    /// "Name <address>", as stored on the message.
    address: String,
    items: Vec<(String, Pending)>,
}

async fn insert_batched<A>(txn: &impl ConnectionTrait, rows: Vec<A>) -> AppResult<()>
where
    A: ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(BATCH).collect();
        A::Entity::insert_many(batch).exec(txn).await?;
    }
    Ok(())
}

/// A message due now, not yet tried; the caller sets its id and, for a digest, its job run and
/// items.
pub(crate) fn new_message(
    organization_id: Uuid,
    recipient: String,
    reason: Reason,
    rendered: mail::Rendered,
    now: DateTime<Utc>,
) -> notification::ActiveModel {
    notification::ActiveModel {
        id: Set(Uuid::new_v4()),
        organization_id: Set(organization_id),
        recipient: Set(recipient),
        reason: Set(reason),
        subject: Set(rendered.subject),
        body_text: Set(rendered.text),
        body_html: Set(rendered.html),
        status: Set(NotificationStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        lease_until: Set(None),
        last_error: Set(None),
        job_run_id: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        digest_items: Set(None),
    }
}

/// One item of a stored digest, kept so the digest can grow and be rendered again.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct DigestEntry {
    reason: String,
    item: mail::Item,
}

fn stored(entries: &[DigestEntry]) -> String {
    serde_json::to_string(entries).expect("a digest of strings serializes")
}

/// The digest of these items, sections in the order of [`Reason::ALL`], and its main reason.
fn render(organization_name: &str, recipient: &Recipient, entries: &[DigestEntry]) -> (Reason, mail::Rendered) {
    let sections = Reason::ALL
        .iter()
        .filter_map(|reason| {
            let items: Vec<mail::Item> = entries
                .iter()
                .filter(|e| e.reason == reason.code())
                .map(|e| e.item.clone())
                .collect();
            (!items.is_empty()).then(|| Section {
                reason: *reason,
                heading: reason.heading(),
                items,
            })
        })
        .collect();
    let digest = Digest {
        organization: organization_name.to_owned(),
        recipient_name: recipient.name.clone(),
        recipient_email: recipient.email.clone(),
        because: recipient.because.clone(),
        sections,
    };
    (digest.main_reason(), digest.render())
}

/// A message that no dispatcher has claimed or tried: still free to change.
fn untried() -> Condition {
    Condition::all()
        .add(notification::Column::Status.eq(NotificationStatus::Pending))
        .add(notification::Column::Attempts.eq(0))
        .add(notification::Column::LeaseUntil.is_null())
}

/// The recipients' untried digests made earlier on the same Oslo day as `now`, by
/// organization and address: the id and items of each one's earliest.
async fn same_day_digests(
    txn: &impl ConnectionTrait,
    digests: &[Fresh<'_>],
    now: DateTime<Utc>,
) -> AppResult<HashMap<(Uuid, String), (Uuid, Option<String>)>> {
    let day = today_in_oslo(now);
    let start_of = |day: chrono::NaiveDate| {
        day.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(OSLO).earliest())
            .map(|t| t.with_timezone(&Utc))
    };
    let mut earlier = HashMap::new();
    let (Some(start), Some(end)) = (start_of(day), day.succ_opt().and_then(start_of)) else {
        return Ok(earlier);
    };
    let addresses: Vec<&str> = digests
        .iter()
        .map(|d| d.address.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    for batch in addresses.chunks(BATCH) {
        let rows = notification::Entity::find()
            .select_only()
            .columns([
                notification::Column::OrganizationId,
                notification::Column::Recipient,
                notification::Column::Id,
                notification::Column::DigestItems,
            ])
            .filter(notification::Column::Recipient.is_in(batch.iter().copied()))
            .filter(notification::Column::DigestItems.is_not_null())
            .filter(notification::Column::CreatedAt.gte(start))
            .filter(notification::Column::CreatedAt.lt(end))
            .filter(untried())
            .order_by_asc(notification::Column::CreatedAt)
            .into_tuple::<(Uuid, String, Uuid, Option<String>)>()
            .all(txn)
            .await?;
        for (organization_id, recipient, id, items) in rows {
            earlier.entry((organization_id, recipient)).or_insert((id, items));
        }
    }
    Ok(earlier)
}

/// What one dispatcher pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Dispatched {
    pub sent: usize,
    /// Failed and scheduled for another attempt.
    pub retrying: usize,
    /// Failed for the last time.
    pub failed: usize,
    /// The pass stopped at its bound while messages were still due: pass again at once.
    pub more: bool,
}

/// Sends every row that is due at `now`.
///
/// A row is claimed with one conditional update that sets its lease: it must still be PENDING,
/// due and unleased, so of two dispatchers only one gets it, and the lease's end (unique to
/// this claim) is the fencing token for the final update. The lease runs from `now` plus the
/// time this pass has taken, for `mail.send_lease_seconds`. An attempt is counted when the
/// send was tried and the server answered (accepted or refused), in the final update. If the
/// process dies between sending and recording, the row is sent again once its lease is over
/// (the same Message-ID lets a mail server or client drop the copy): delivery is at least
/// once, and a crash never uses up one of the `max_attempts`.
#[tracing::instrument(skip_all)]
pub async fn dispatch(
    db: &DatabaseConnection,
    mailer: &Mailer,
    settings: &MailSettings,
    now: DateTime<Utc>,
) -> AppResult<Dispatched> {
    dispatch_settled(db, mailer, settings, now, Duration::zero()).await
}

/// As [`dispatch`], leaving a job's digests alone until they are `settle` old, so that the
/// items other jobs of the same moment find still join them (one email per person per day).
/// Messages caused by a change (a DELAYED alert) go at once. `tiltak serve` settles for
/// `mail.digest_settle_seconds`; the command line sends what is due at once.
#[tracing::instrument(skip_all)]
pub async fn dispatch_settled(
    db: &DatabaseConnection,
    mailer: &Mailer,
    settings: &MailSettings,
    now: DateTime<Utc>,
    settle: Duration,
) -> AppResult<Dispatched> {
    use futures_util::StreamExt;
    let started = std::time::Instant::now();
    let mut done = Dispatched::default();
    give_up_on_abandoned(db, settings, now).await?;
    // Everything due is drained, a page at a time; every row a page holds is claimed, sent or
    // left to another dispatcher, so the next page never repeats one (and a bound stops a
    // pass that somehow would).
    for page in 0..MAX_PAGES {
        let mut due = notification::Entity::find()
            .filter(notification::Column::Status.eq(NotificationStatus::Pending))
            .filter(notification::Column::NextAttemptAt.lte(now))
            .filter(notification::Column::Attempts.lt(settings.max_attempts))
            .filter(free_lease(now));
        if settle > Duration::zero() {
            due = due.filter(
                Condition::any()
                    .add(notification::Column::JobRunId.is_null())
                    .add(notification::Column::CreatedAt.lte(now - settle)),
            );
        }
        let due = due
            .order_by_asc(notification::Column::CreatedAt)
            .limit(PAGE)
            .all(db)
            .await?;
        let full = due.len() as u64 == PAGE;
        let before = done;
        let outcomes: Vec<AppResult<Attempt>> = futures_util::stream::iter(due)
            .map(|row| send_one(db, mailer, settings, now, started, row))
            .buffer_unordered(settings.parallel_sends.max(1))
            .collect()
            .await;
        for outcome in outcomes {
            match outcome? {
                Attempt::Delivered => done.sent += 1,
                Attempt::Retrying => done.retrying += 1,
                Attempt::Failed => done.failed += 1,
                Attempt::NotClaimed => {}
            }
        }
        if !full {
            break;
        }
        // Only when this page got somewhere, so that rows that somehow stay due cannot spin.
        done.more = page + 1 == MAX_PAGES && done != before;
    }
    Ok(done)
}

/// Rows read at a time, and pages in one pass at most.
const PAGE: u64 = 200;
const MAX_PAGES: usize = 50;

/// What one attempt at a message came to.
enum Attempt {
    Delivered,
    Retrying,
    Failed,
    /// Another dispatcher had it first.
    NotClaimed,
}

/// Claims one row, sends it, and records the outcome under the claim.
async fn send_one(
    db: &DatabaseConnection,
    mailer: &Mailer,
    settings: &MailSettings,
    now: DateTime<Utc>,
    started: std::time::Instant,
    row: notification::Model,
) -> AppResult<Attempt> {
    let lease = Duration::seconds(settings.send_lease_seconds.max(1));
    let attempts = row.attempts + 1;
    // The lease runs from the time this pass has taken, so a slow pass never holds expired leases.
    let now = now + Duration::from_std(started.elapsed()).unwrap_or_default();
    // Stored to the microsecond, so the fencing comparison reads back exactly.
    let lease_until = (now + lease)
        .duration_trunc(Duration::microseconds(1))
        .unwrap_or(now + lease);
    let claimed = notification::Entity::update_many()
        .col_expr(notification::Column::LeaseUntil, Expr::value(lease_until))
        .filter(notification::Column::Id.eq(row.id))
        .filter(notification::Column::Status.eq(NotificationStatus::Pending))
        .filter(notification::Column::Attempts.eq(row.attempts))
        .filter(notification::Column::NextAttemptAt.lte(now))
        .filter(free_lease(now))
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(Attempt::NotClaimed);
    }
    // Read again once claimed: until then the same day's later items could still join it.
    let Some(row) = notification::Entity::find_by_id(row.id).one(db).await? else {
        return Ok(Attempt::NotClaimed);
    };
    let outcome = mailer.send(&settings.from, &row).await;
    let mut update = notification::Entity::update_many()
        .col_expr(
            notification::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(notification::Column::Attempts, Expr::value(attempts))
        .filter(notification::Column::Id.eq(row.id))
        .filter(notification::Column::Status.eq(NotificationStatus::Pending))
        .filter(notification::Column::LeaseUntil.eq(lease_until));
    let sent = match outcome {
        Ok(()) => {
            update = update
                .col_expr(notification::Column::Status, Expr::value(NotificationStatus::Sent))
                .col_expr(notification::Column::SentAt, Expr::value(now))
                .col_expr(notification::Column::LastError, Expr::value(Option::<String>::None));
            metrics::counter!("tiltak_mail_sent_total").increment(1);
            Attempt::Delivered
        }
        Err(error) => {
            tracing::warn!(notification = %row.id, attempts, %error, "sending failed");
            metrics::counter!("tiltak_mail_send_failures_total").increment(1);
            update = update.col_expr(notification::Column::LastError, Expr::value(error));
            if attempts >= settings.max_attempts {
                update = update.col_expr(notification::Column::Status, Expr::value(NotificationStatus::Failed));
                Attempt::Failed
            } else {
                let next = now + backoff(settings, attempts);
                update = update.col_expr(notification::Column::NextAttemptAt, Expr::value(next));
                Attempt::Retrying
            }
        }
    };
    update.exec(db).await?;
    Ok(sent)
}

/// Messages that wait for a later moment than `now`: how many, and when the first is due.
#[tracing::instrument(skip_all)]
pub async fn waiting(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<Option<(u64, DateTime<Utc>)>> {
    let rows = notification::Entity::find()
        .filter(notification::Column::Status.eq(NotificationStatus::Pending))
        .filter(notification::Column::NextAttemptAt.gt(now))
        .order_by_asc(notification::Column::NextAttemptAt)
        .all(db)
        .await?;
    Ok(rows.first().map(|first| (rows.len() as u64, first.next_attempt_at)))
}

/// A row left PENDING at its last allowed attempt (by earlier versions, which counted an
/// attempt when claiming) is marked FAILED once its lease has run out, so it is neither lost
/// silently nor left waiting forever.
async fn give_up_on_abandoned(db: &DatabaseConnection, settings: &MailSettings, now: DateTime<Utc>) -> AppResult<()> {
    notification::Entity::update_many()
        .col_expr(notification::Column::Status, Expr::value(NotificationStatus::Failed))
        .col_expr(
            notification::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            notification::Column::LastError,
            Expr::value("gave up: the dispatcher stopped during the last attempt"),
        )
        .filter(notification::Column::Status.eq(NotificationStatus::Pending))
        .filter(notification::Column::Attempts.gte(settings.max_attempts))
        .filter(notification::Column::LeaseUntil.lt(now))
        .exec(db)
        .await?;
    Ok(())
}

fn free_lease(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(notification::Column::LeaseUntil.is_null())
        .add(notification::Column::LeaseUntil.lt(now))
}

/// retry_base, 2×, 4× … after the 1st, 2nd, 3rd … failure, at most retry_max.
fn backoff(settings: &MailSettings, attempts: i32) -> Duration {
    let factor = 1_i64 << (attempts - 1).clamp(0, 30);
    Duration::seconds(
        settings
            .retry_base_seconds
            .saturating_mul(factor)
            .min(settings.retry_max_seconds),
    )
}

/// Filter of `notifications`.
#[derive(Debug, Default)]
pub struct NotificationFilter {
    pub status: Option<NotificationStatus>,
    pub reason: Option<Reason>,
    /// Part of the recipient's address, case-insensitive.
    pub recipient: Option<String>,
}

/// The organization's outbox, newest first, at most `limit` messages older than the one
/// whose id is `after`. Admins only: it holds every recipient's mail.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id))]
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: NotificationFilter,
    limit: u64,
    after: Option<Uuid>,
) -> AppResult<Vec<notification::Model>> {
    authorize(viewer, Permission::Operate, Relation::None)?;
    let mut query =
        notification::Entity::find().filter(notification::Column::OrganizationId.eq(viewer.organization_id));
    if let Some(after) = after {
        let seen = super::find_in_org::<notification::Entity, _>(
            db,
            |n| n.organization_id,
            viewer.organization_id,
            "notification",
            after,
        )
        .await?;
        query = query.filter(
            sea_orm::Condition::any()
                .add(notification::Column::CreatedAt.lt(seen.created_at))
                .add(
                    sea_orm::Condition::all()
                        .add(notification::Column::CreatedAt.eq(seen.created_at))
                        .add(notification::Column::Id.lt(seen.id)),
                ),
        );
    }
    if let Some(status) = filter.status {
        query = query.filter(notification::Column::Status.eq(status));
    }
    if let Some(reason) = filter.reason {
        query = query.filter(notification::Column::Reason.eq(reason));
    }
    let mut query = query
        .order_by_desc(notification::Column::CreatedAt)
        .order_by_desc(notification::Column::Id);
    if filter.recipient.is_none() {
        query = query.limit(limit);
    }
    let rows = query.all(db).await?;
    let needle = filter.recipient.map(|r| r.to_lowercase());
    Ok(rows
        .into_iter()
        .filter(|row| needle.as_ref().is_none_or(|n| row.recipient.to_lowercase().contains(n)))
        .take(limit as usize)
        .collect())
}

/// Puts a failed (or sent) message back in the queue for the next dispatcher pass.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, notification = %id))]
pub async fn resend(
    db: &DatabaseConnection,
    viewer: &Viewer,
    now: DateTime<Utc>,
    id: Uuid,
) -> AppResult<notification::Model> {
    authorize(viewer, Permission::Operate, Relation::None)?;
    let row = super::find_in_org::<notification::Entity, _>(
        db,
        |n| n.organization_id,
        viewer.organization_id,
        "notification",
        id,
    )
    .await?;
    if row.status == NotificationStatus::Pending {
        return Err(AppError::Conflict(format!(
            "notification {id} is already waiting to be sent"
        )));
    }
    let mut update: notification::ActiveModel = row.into();
    update.status = Set(NotificationStatus::Pending);
    update.attempts = Set(0);
    update.next_attempt_at = Set(now);
    update.lease_until = Set(None);
    update.last_error = Set(None);
    Ok(update.update(db).await?)
}

/// What the metrics show of the outbox.
pub struct Gauges {
    pub pending: u64,
    pub failed: u64,
    /// When the longest-waiting message that is due became due.
    pub oldest_due: Option<DateTime<Utc>>,
}

/// The outbox's counts, across organizations, for the metrics.
#[tracing::instrument(skip_all)]
pub async fn gauges(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<Gauges> {
    let count = |status: NotificationStatus| {
        sea_orm::PaginatorTrait::count(
            notification::Entity::find().filter(notification::Column::Status.eq(status)),
            db,
        )
    };
    let oldest_due = notification::Entity::find()
        .filter(notification::Column::Status.eq(NotificationStatus::Pending))
        .filter(notification::Column::NextAttemptAt.lte(now))
        .order_by_asc(notification::Column::NextAttemptAt)
        .one(db)
        .await?;
    Ok(Gauges {
        pending: count(NotificationStatus::Pending).await?,
        failed: count(NotificationStatus::Failed).await?,
        oldest_due: oldest_due.map(|row| row.next_attempt_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let settings = Settings::defaults().mail;
        let waits: Vec<i64> = (1..=8).map(|n| backoff(&settings, n).num_seconds()).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
