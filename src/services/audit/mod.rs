//! Checking the tamper-evident history (`tiltak audit verify | head | reseal`).
//!
//! Verification walks each organization's chain in id order. An event is *keyed* when its
//! hash is the HMAC with the audit key, *legacy* when it is the plain SHA-256 of the time
//! before the key (see `history`), and broken otherwise. Legacy events are accepted only as
//! the start of a chain: after a keyed event, a plain SHA-256 means someone without the key
//! wrote it. A chain that still holds legacy events never passes: it is reported "not
//! keyed" until `reseal` has re-sealed it with the key, so no plain SHA-256 is ever trusted.
//!
//! A chain that holds proves nothing about events deleted from its end, so heads are checked
//! too: those recorded (and sealed) with frozen reports, and any kept outside the database
//! and given on the command line. A head is the event count and the hash of the last event.

mod pages;

use std::{
    collections::{BTreeSet, HashMap},
    fmt,
    str::FromStr,
    sync::Arc,
};

use pages::Event;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::history::{self, GENESIS, HexHash};
use crate::{
    audit_key::AuditKey,
    entities::{action_event, frozen_report, organization, plan},
    error::{AppError, AppResult},
};

/// Events read and checked per round trip.
const PAGE: u64 = 8192;
/// Organizations whose chains are walked at the same time.
const ORGANIZATIONS_AT_ONCE: usize = 4;

/// A chain head: how many events the chain had and the hash of the last one (`GENESIS` for
/// none). Written and read as `COUNT:HASH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub events: u64,
    pub hash: String,
}

impl fmt::Display for Head {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.events, self.hash)
    }
}

impl FromStr for Head {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{value:?} is not a head: give COUNT:HASH as `tiltak audit head` prints it");
        let (events, hash) = value.trim().split_once(':').ok_or_else(bad)?;
        let events = events.parse().map_err(|_| bad())?;
        let hash = hash.to_ascii_lowercase();
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(Self { events, hash })
    }
}

/// An organization's head.
#[derive(Debug, Clone)]
pub struct OrganizationHead {
    pub organization_id: Uuid,
    pub organization: String,
    pub head: Head,
}

/// What is wrong with the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// An event that does not link to the one before it, or whose content does not match its
    /// hash. Nothing after it can be trusted, so its chain is not checked further.
    Broken {
        organization: String,
        event_id: i64,
        action_id: Uuid,
        reason: &'static str,
    },
    /// A frozen report's recorded head is no longer on its organization's chain.
    ReportHeadMissing {
        organization: String,
        plan: String,
        year: i32,
        head: Head,
        events: u64,
    },
    /// A frozen report's data, or the head recorded with it, no longer matches its seal.
    ReportChanged { plan: String, year: i32 },
    /// A head given on the command line is not on the chain (of any organization checked).
    HeadMissing { head: Head, organization: Option<String> },
    /// Events or frozen reports sealed before the audit key existed.
    NotKeyed {
        organization_id: Uuid,
        organization: String,
        legacy_events: u64,
        unsealed_reports: usize,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Broken {
                organization,
                event_id,
                action_id,
                reason,
            } => write!(
                f,
                "the history is broken at event {event_id} (action {action_id}, organization {organization}): {reason}"
            ),
            Problem::ReportHeadMissing {
                organization,
                plan,
                year,
                head,
                events,
            } => write!(
                f,
                "the history of {organization} was truncated or rewritten after the report for {plan} {year} was \
                 frozen: it was built on {} events ending in {}, and the chain now has {events} events{}",
                head.events,
                head.hash,
                if *events >= head.events {
                    " with another hash at that place"
                } else {
                    ""
                }
            ),
            Problem::ReportChanged { plan, year } => write!(
                f,
                "the frozen report for {plan} {year} was changed in the database: its data or the chain head \
                 recorded with it no longer matches its seal"
            ),
            Problem::HeadMissing { head, organization } => write!(
                f,
                "head {head} is not on the history of {}: it was truncated or rewritten after the head was taken",
                organization.as_deref().unwrap_or("any organization")
            ),
            Problem::NotKeyed {
                organization,
                legacy_events,
                unsealed_reports,
                ..
            } => write!(
                f,
                "the history of {organization} is not keyed: {legacy_events} events and {unsealed_reports} frozen \
                 reports carry plain SHA-256 hashes, which anyone can recompute. Right after upgrading to keyed \
                 history this is expected: run `tiltak audit reseal` once. On a database that was keyed before, \
                 it means the history was rewritten without the key: do not reseal, restore a backup"
            ),
        }
    }
}

/// The outcome of a verification: what it covered, each chain's head, and every problem.
#[derive(Debug, Default)]
pub struct Verification {
    pub organizations: usize,
    pub events: u64,
    /// Frozen reports whose recorded heads were checked.
    pub report_heads: usize,
    pub heads: Vec<OrganizationHead>,
    pub problems: Vec<Problem>,
}

impl Verification {
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The organizations to check: one, or all in the order they were created.
async fn organizations(db: &impl ConnectionTrait, only: Option<Uuid>) -> AppResult<Vec<organization::Model>> {
    let mut query = organization::Entity::find().order_by_asc(organization::Column::CreatedAt);
    if let Some(id) = only {
        query = query.filter(organization::Column::Id.eq(id));
    }
    Ok(query.all(db).await?)
}

/// The head of an organization's chain as it stands (nothing is checked). The count is of
/// the events up to the last one read, so an event appended meanwhile cannot pair the count
/// of one head with the hash of another.
#[tracing::instrument(skip_all, fields(org = %organization_id))]
pub async fn current_head(db: &impl ConnectionTrait, organization_id: Uuid) -> AppResult<Head> {
    let in_org = action_event::Column::OrganizationId.eq(organization_id);
    let Some(last) = action_event::Entity::find()
        .filter(in_org.clone())
        .order_by_desc(action_event::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(Head {
            events: 0,
            hash: GENESIS.to_owned(),
        });
    };
    let events = action_event::Entity::find()
        .filter(in_org)
        .filter(action_event::Column::Id.lte(last.id))
        .count(db)
        .await?;
    Ok(Head {
        events,
        hash: last.hash.unwrap_or_default(),
    })
}

/// Each organization's head as it stands, for keeping outside the database.
#[tracing::instrument(skip_all, fields(only = ?only))]
pub async fn heads(db: &DatabaseConnection, only: Option<Uuid>) -> AppResult<Vec<OrganizationHead>> {
    let mut heads = Vec::new();
    for org in organizations(db, only).await? {
        heads.push(OrganizationHead {
            head: current_head(db, org.id).await?,
            organization_id: org.id,
            organization: org.name,
        });
    }
    Ok(heads)
}

/// HMAC with the audit key over what a frozen report stands for: which report, its hash,
/// when it was frozen and the chain head it was built on.
pub fn report_seal(key: &AuditKey, report: &frozen_report::Model) -> String {
    let canonical = serde_json::json!([
        "frozen_report",
        report.id,
        report.organization_id,
        report.plan_id,
        report.year,
        report.hash,
        report.frozen_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        report.chain_events,
        report.chain_head,
    ])
    .to_string();
    history::as_str(&history::keyed(key, canonical.as_bytes())).to_owned()
}

/// How an event's stored hash was made, judged from its stored `prev_hash` and content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seal {
    Keyed,
    Legacy,
    Wrong,
}

fn seal_of(key: &AuditKey, organization_id: Uuid, event: &Event, buf: &mut Vec<u8>) -> Seal {
    let (Some(prev), Some(hash)) = (&event.prev_hash, &event.hash) else {
        return Seal::Wrong;
    };
    buf.clear();
    event.content(organization_id).write_canonical(prev, buf);
    if history::keyed(key, buf).as_slice() == hash.as_bytes() {
        Seal::Keyed
    } else if history::legacy(buf).as_slice() == hash.as_bytes() {
        Seal::Legacy
    } else {
        Seal::Wrong
    }
}

/// The seals of a page. Each event is hashed from its own stored `prev_hash`, so the events
/// are independent and the page is split across the cores; the walk then checks that each
/// `prev_hash` is the hash before it.
fn seals(key: &AuditKey, organization_id: Uuid, events: &[Event]) -> Vec<Seal> {
    let run = |events: &[Event]| {
        let mut buf = Vec::with_capacity(512);
        events
            .iter()
            .map(|event| seal_of(key, organization_id, event, &mut buf))
            .collect::<Vec<_>>()
    };
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if threads < 2 || events.len() < 256 {
        return run(events);
    }
    let size = events.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let mut chunks = events.chunks(size);
        let first = chunks.next().unwrap_or_default();
        let others: Vec<_> = chunks.map(|chunk| scope.spawn(move || run(chunk))).collect();
        let mut all = run(first);
        for other in others {
            all.extend(other.join().expect("hashing does not panic"));
        }
        all
    })
}

/// One organization's chain, as far as it has been walked.
#[derive(Debug, Default)]
struct Walk {
    events: u64,
    legacy: u64,
    keyed_seen: bool,
    head: String,
    broken: Option<(i64, Uuid, &'static str)>,
    /// The stored hash at each position asked for (1 = the first event; 0 = before any).
    at: HashMap<u64, String>,
}

impl Walk {
    fn new() -> Self {
        Self {
            head: GENESIS.to_owned(),
            at: HashMap::from([(0, GENESIS.to_owned())]),
            ..Self::default()
        }
    }

    /// Checks the next events of the chain, in order; stops at the first broken one.
    fn check(&mut self, key: &AuditKey, organization_id: Uuid, events: &[Event], positions: &BTreeSet<u64>) {
        for (event, seal) in events.iter().zip(seals(key, organization_id, events)) {
            let broken = if event.prev_hash.as_deref() != Some(self.head.as_str()) {
                Some("it does not link to the event before it (an event was removed, added or reordered)")
            } else {
                match seal {
                    Seal::Wrong => Some(
                        "its content does not match its hash (it was changed after it was written, or the audit \
                         key is not the one the history was written with)",
                    ),
                    Seal::Legacy if self.keyed_seen => Some(
                        "its hash is a plain SHA-256 after keyed events: it was written or rewritten by someone \
                         without the audit key",
                    ),
                    Seal::Legacy => {
                        self.legacy += 1;
                        None
                    }
                    Seal::Keyed => {
                        self.keyed_seen = true;
                        None
                    }
                }
            };
            if let Some(reason) = broken {
                self.broken = Some((event.id, event.action_id, reason));
                return;
            }
            self.events += 1;
            self.head.clear();
            self.head.push_str(event.hash.as_deref().unwrap_or_default());
            if positions.contains(&self.events) {
                self.at.insert(self.events, self.head.clone());
            }
        }
    }
}

/// Walks a chain page by page: while one page is parsed and checked on blocking threads,
/// the database builds the next.
async fn walk(
    db: &impl ConnectionTrait,
    key: &AuditKey,
    organization_id: Uuid,
    positions: &BTreeSet<u64>,
) -> AppResult<Walk> {
    let positions = Arc::new(positions.clone());
    let mut walk = Walk::new();
    let mut next = pages::page(db, organization_id, 0, PAGE).await?;
    while let Some(page) = next.take() {
        let after = page.last_id;
        let checking = tokio::task::spawn_blocking({
            let (key, positions, mut walk) = (key.clone(), positions.clone(), std::mem::take(&mut walk));
            move || -> AppResult<Walk> {
                walk.check(&key, organization_id, &pages::events(&page)?, &positions);
                Ok(walk)
            }
        });
        let (fetched, checked) = tokio::join!(pages::page(db, organization_id, after, PAGE), checking);
        walk = checked.map_err(|e| AppError::Internal(e.into()))??;
        if walk.broken.is_some() {
            break;
        }
        next = fetched?;
    }
    Ok(walk)
}

/// A frozen report and the plan it is about, for checking and for messages.
struct FrozenReport {
    report: frozen_report::Model,
    plan: String,
}

async fn frozen_reports(db: &impl ConnectionTrait, organization_id: Uuid) -> AppResult<Vec<FrozenReport>> {
    let plans: HashMap<Uuid, String> = plan::Entity::find()
        .filter(plan::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect();
    Ok(frozen_report::Entity::find()
        .filter(frozen_report::Column::OrganizationId.eq(organization_id))
        .order_by_asc(frozen_report::Column::FrozenAt)
        .all(db)
        .await?
        .into_iter()
        .map(|report| FrozenReport {
            plan: plans
                .get(&report.plan_id)
                .cloned()
                .unwrap_or_else(|| report.plan_id.to_string()),
            report,
        })
        .collect())
}

fn recorded_head(report: &frozen_report::Model) -> Option<Head> {
    Some(Head {
        events: u64::try_from(report.chain_events?).ok()?,
        hash: report.chain_head.clone()?,
    })
}

/// Checks every organization's chain (or one), the heads frozen reports recorded, and the
/// heads given (kept outside the database).
#[tracing::instrument(skip_all, fields(only = ?only))]
pub async fn verify(
    db: &DatabaseConnection,
    key: &AuditKey,
    only: Option<Uuid>,
    given: &[Head],
) -> AppResult<Verification> {
    let organizations = organizations(db, only).await?;
    check(db, key, &organizations, given).await
}

async fn check(
    db: &impl ConnectionTrait,
    key: &AuditKey,
    organizations: &[organization::Model],
    given: &[Head],
) -> AppResult<Verification> {
    let mut verification = Verification::default();
    let mut given_found = vec![false; given.len()];
    // Chains are independent: a few organizations are read and checked at once, so the
    // database builds one's pages while another's are hashed; results come in their order.
    use futures_util::StreamExt;
    let mut walked = futures_util::stream::iter(organizations)
        .map(|org| async move {
            let reports = frozen_reports(db, org.id).await?;
            let positions: BTreeSet<u64> = reports
                .iter()
                .filter_map(|r| recorded_head(&r.report))
                .chain(given.iter().cloned())
                .map(|head| head.events)
                .collect();
            let walk = walk(db, key, org.id, &positions).await?;
            AppResult::Ok((org, reports, walk))
        })
        .buffered(ORGANIZATIONS_AT_ONCE);
    while let Some(walked) = walked.next().await {
        let (org, reports, walk) = walked?;
        verification.organizations += 1;
        verification.events += walk.events;
        verification.heads.push(OrganizationHead {
            organization_id: org.id,
            organization: org.name.clone(),
            head: Head {
                events: walk.events,
                hash: walk.head.clone(),
            },
        });
        if let Some((event_id, action_id, reason)) = walk.broken {
            verification.problems.push(Problem::Broken {
                organization: org.name.clone(),
                event_id,
                action_id,
                reason,
            });
            continue;
        }
        let on_chain = |head: &Head| walk.at.get(&head.events) == Some(&head.hash);
        let mut unsealed = 0;
        for FrozenReport { report, plan } in &reports {
            let data_hash = hex::encode(Sha256::digest(report.data.as_bytes()));
            match &report.chain_seal {
                None => unsealed += 1,
                Some(seal) if *seal != report_seal(key, report) || data_hash != report.hash => {
                    verification.problems.push(Problem::ReportChanged {
                        plan: plan.clone(),
                        year: report.year,
                    });
                    continue;
                }
                Some(_) => {}
            }
            if let Some(head) = recorded_head(report) {
                verification.report_heads += 1;
                if !on_chain(&head) {
                    verification.problems.push(Problem::ReportHeadMissing {
                        organization: org.name.clone(),
                        plan: plan.clone(),
                        year: report.year,
                        head,
                        events: walk.events,
                    });
                }
            }
        }
        for (head, found) in given.iter().zip(given_found.iter_mut()) {
            *found |= on_chain(head);
        }
        if walk.legacy > 0 || unsealed > 0 {
            verification.problems.push(Problem::NotKeyed {
                organization_id: org.id,
                organization: org.name.clone(),
                legacy_events: walk.legacy,
                unsealed_reports: unsealed,
            });
        }
    }
    let checked = match organizations {
        [one] => Some(one.name.clone()),
        _ => None,
    };
    for (head, found) in given.iter().zip(given_found) {
        if !found {
            verification.problems.push(Problem::HeadMissing {
                head: head.clone(),
                organization: checked.clone(),
            });
        }
    }
    Ok(verification)
}

/// A chain re-sealed with the key.
#[derive(Debug)]
pub struct Resealed {
    pub organization: String,
    /// Events that carried a plain SHA-256 and were accepted as they stood.
    pub legacy_events: u64,
    pub reports: usize,
    /// The new head; heads taken before no longer match.
    pub head: Head,
}

/// Re-seals every chain that still holds legacy (plain SHA-256) events or unsealed frozen
/// reports with the audit key, in one transaction, after checking that everything is
/// otherwise intact: a broken chain, a missing report head or a changed report is refused
/// (`Err` with the problems), since re-sealing would make it look intact. Writers wait
/// meanwhile (the organizations' chains are locked on PostgreSQL).
#[tracing::instrument(skip_all)]
pub async fn reseal(db: &DatabaseConnection, key: &AuditKey) -> AppResult<Result<Vec<Resealed>, Vec<Problem>>> {
    let txn = db.begin().await?;
    let organizations = organizations(&txn, None).await?;
    for org in &organizations {
        history::lock_chain(&txn, org.id).await?;
    }
    let verification = check(&txn, key, &organizations, &[]).await?;
    let (not_keyed, refused): (Vec<Problem>, Vec<Problem>) = verification
        .problems
        .into_iter()
        .partition(|p| matches!(p, Problem::NotKeyed { .. }));
    if !refused.is_empty() {
        return Ok(Err(refused));
    }
    let mut resealed = Vec::new();
    for problem in not_keyed {
        let Problem::NotKeyed {
            organization_id,
            organization,
            legacy_events,
            ..
        } = problem
        else {
            unreachable!("partitioned above")
        };
        let reports = frozen_reports(&txn, organization_id).await?;
        let positions: BTreeSet<u64> = reports
            .iter()
            .filter_map(|r| recorded_head(&r.report))
            .map(|head| head.events)
            .collect();
        let (head, at) = rewrite_chain(&txn, key, organization_id, &positions).await?;
        for FrozenReport { report, .. } in &reports {
            let mut report = report.clone();
            if let Some(recorded) = recorded_head(&report) {
                // Checked above: every recorded head is on the chain.
                report.chain_head = at.get(&recorded.events).cloned();
            }
            report.chain_seal = Some(report_seal(key, &report));
            frozen_report::Entity::update_many()
                .col_expr(frozen_report::Column::ChainHead, report.chain_head.clone().into())
                .col_expr(frozen_report::Column::ChainSeal, report.chain_seal.clone().into())
                .filter(frozen_report::Column::Id.eq(report.id))
                .exec(&txn)
                .await?;
        }
        resealed.push(Resealed {
            organization,
            legacy_events,
            reports: reports.len(),
            head,
        });
    }
    txn.commit().await?;
    Ok(Ok(resealed))
}

/// Recomputes a whole chain with the key from the start, writing each event's new
/// `prev_hash` and `hash`; returns the new head and the new hash at each position asked for.
async fn rewrite_chain(
    txn: &impl ConnectionTrait,
    key: &AuditKey,
    organization_id: Uuid,
    positions: &BTreeSet<u64>,
) -> AppResult<(Head, HashMap<u64, String>)> {
    const BATCH: u64 = 500;
    let mut prev = GENESIS.to_owned();
    let mut at = HashMap::from([(0, GENESIS.to_owned())]);
    let mut events = 0_u64;
    let mut after = 0;
    let mut buf = Vec::with_capacity(512);
    while let Some(page) = pages::page(txn, organization_id, after, BATCH).await? {
        after = page.last_id;
        let mut values = Vec::new();
        for event in pages::events(&page)? {
            buf.clear();
            event.content(organization_id).write_canonical(&prev, &mut buf);
            let hash: HexHash = history::keyed(key, &buf);
            let hash = history::as_str(&hash);
            // Only digits and hex: safe to write into the statement.
            values.push(format!("({}, '{prev}', '{hash}')", event.id));
            events += 1;
            prev = hash.to_owned();
            if positions.contains(&events) {
                at.insert(events, prev.clone());
            }
        }
        txn.execute_unprepared(&format!(
            "UPDATE action_event SET prev_hash = v.column2, hash = v.column3 \
             FROM (VALUES {}) AS v WHERE action_event.id = v.column1",
            values.join(", ")
        ))
        .await?;
    }
    Ok((Head { events, hash: prev }, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_read_back_as_printed() {
        let head = Head {
            events: 57,
            hash: "ab".repeat(32),
        };
        assert_eq!(head.to_string().parse::<Head>(), Ok(head.clone()));
        assert_eq!(format!("57:{}", "AB".repeat(32)).parse::<Head>(), Ok(head));
        for bad in ["57", "x:ab", "57:abc", &format!("57:{}", "zz".repeat(32))] {
            assert!(bad.parse::<Head>().unwrap_err().contains("COUNT:HASH"), "{bad}");
        }
    }
}
