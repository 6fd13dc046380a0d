//! How fast `tiltak audit verify` walks the history: the example plan plus N generated
//! events (default 1,000,000) in one organization's chain, in a temporary SQLite database,
//! verified the way the command does it.
//!
//! Run with `cargo bench --bench audit` (add `-- --events 100000` for a quicker run, and
//! `--no-previous` to skip the slow previous walk). The machines are shared, so absolute
//! times drift; compare with the baselines measured in the same run:
//! - `sha256 in memory`: plain SHA-256 of the same canonical bytes on one core, no database:
//!   what hashing alone costs;
//! - `previous verify`: the walk before this version (pages of 1,000 whole rows, a JSON value
//!   per event, one core), hashing with the key so it checks the same chain.

use std::time::{Duration, Instant};

use chrono::{TimeDelta, TimeZone, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use sha2::{Digest, Sha256};
use tiltak::{
    audit_key::AuditKey,
    config::{Secret, Settings},
    domain::EventKind,
    entities::{action, action_event},
    services::{
        audit, bootstrap,
        history::{self, Content},
    },
};
use uuid::Uuid;

const COMMENTS: [&str; 4] = [
    "Mangler ressurser i helsestasjonen etter omorganiseringen",
    "Gjennomført i alle barnehager – evalueres i januar",
    "Videreføres i drift fra høsten",
    "Utsatt: venter på tilskudd fra Statsforvalteren",
];
const STATUSES: [&str; 4] = ["IN_PROGRESS", "DELAYED", "COMPLETED", "CONTINUED"];

/// Appends `n` events to the organization's chain, hashed with the same function the service
/// uses, in large transactions of multi-row inserts. Returns a sample of canonical forms.
async fn generate(db: &DatabaseConnection, key: &AuditKey, organization_id: Uuid, n: u64) -> Vec<Vec<u8>> {
    let actions: Vec<Uuid> = action::Entity::find()
        .filter(action::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    let head = audit::current_head(db, organization_id).await.unwrap();
    let mut prev = head.hash;
    let start = Utc.with_ymd_and_hms(2025, 1, 1, 8, 0, 0).unwrap();
    let actor = Some(bootstrap::first_admin(db, organization_id).await.unwrap().person_id);
    let mut sample = Vec::new();
    let mut written = 0;
    while written < n {
        let txn = db.begin().await.unwrap();
        for _ in 0..50 {
            let rows: Vec<action_event::ActiveModel> = (written..n.min(written + 1000))
                .map(|i| {
                    let at = start + TimeDelta::microseconds(i as i64 * 1_000_317);
                    let i = i as usize;
                    let content = Content {
                        organization_id,
                        action_id: actions[i % actions.len()],
                        at,
                        actor_id: actor,
                        kind: EventKind::Status.code(),
                        from: Some(STATUSES[i % 4]),
                        to: Some(STATUSES[(i + 1) % 4]),
                        comment: i.is_multiple_of(3).then_some(COMMENTS[i % 4]),
                        via: None,
                    };
                    let hash = history::event_hash(key, &prev, &content);
                    if sample.len() < 100_000 {
                        sample.push(content.canonical(&prev));
                    }
                    let row = action_event::ActiveModel {
                        organization_id: Set(organization_id),
                        action_id: Set(content.action_id),
                        at: Set(at),
                        actor_id: Set(actor),
                        kind: Set(EventKind::Status),
                        from_value: Set(content.from.map(Into::into)),
                        to_value: Set(content.to.map(Into::into)),
                        comment: Set(content.comment.map(Into::into)),
                        prev_hash: Set(Some(prev.clone())),
                        hash: Set(Some(hash.clone())),
                        ..Default::default()
                    };
                    prev = hash;
                    row
                })
                .collect();
            if rows.is_empty() {
                break;
            }
            written += rows.len() as u64;
            action_event::Entity::insert_many(rows).exec(&txn).await.unwrap();
        }
        txn.commit().await.unwrap();
    }
    sample
}

/// The walk before this version, hashing with the key: whole rows in pages of 1,000, the
/// canonical form through a JSON value, one core.
async fn previous_verify(db: &DatabaseConnection, key: &AuditKey, organization_id: Uuid) -> u64 {
    let mut prev = history::GENESIS.to_owned();
    let mut after = 0;
    let mut events = 0;
    loop {
        let page = action_event::Entity::find()
            .filter(action_event::Column::OrganizationId.eq(organization_id))
            .filter(action_event::Column::Id.gt(after))
            .order_by_asc(action_event::Column::Id)
            .limit(1000)
            .all(db)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = last.id;
        for e in page {
            assert_eq!(e.prev_hash.as_deref(), Some(prev.as_str()));
            let content = serde_json::json!([
                prev,
                e.organization_id,
                e.action_id,
                e.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
                e.actor_id,
                e.kind.code(),
                e.from_value,
                e.to_value,
                e.comment
            ]);
            let expected = String::from_utf8(history::keyed(key, content.to_string().as_bytes()).to_vec()).unwrap();
            assert_eq!(e.hash.as_deref(), Some(expected.as_str()));
            prev = expected;
            events += 1;
        }
    }
    events
}

fn rate(events: u64, took: Duration) -> String {
    format!("{:>10.0} events/s", events as f64 / took.as_secs_f64())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args
        .iter()
        .position(|a| a == "--events")
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().expect("--events N"))
        .unwrap_or(1_000_000);
    let previous = !args.iter().any(|a| a == "--no-previous");

    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::defaults();
    settings.database.url = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
    settings.audit.key = Secret::new("0123456789abcdef".repeat(4));
    let key = AuditKey::load(&settings.audit).unwrap();
    let db = tiltak::app::connect(&settings).await.unwrap();
    tiltak::app::migrate(&db).await.unwrap();
    let first = bootstrap::first_start(&db, &key, &settings, Utc::now())
        .await
        .unwrap()
        .expect("an empty database");
    let organization_id = first.organization.id;

    let started = Instant::now();
    let sample = generate(&db, &key, organization_id, n).await;
    let total = audit::current_head(&db, organization_id).await.unwrap().events;
    println!(
        "audit verify: {total} events ({n} generated in {:.1} s), SQLite, {} build, {} cores",
        started.elapsed().as_secs_f64(),
        if cfg!(debug_assertions) { "debug" } else { "release" },
        std::thread::available_parallelism().map_or(1, usize::from)
    );

    let started = Instant::now();
    let verification = audit::verify(&db, &key, None, &[]).await.unwrap();
    let verify = started.elapsed();
    assert!(verification.intact(), "{:?}", verification.problems);
    assert_eq!(verification.events, total);
    println!(
        "  verify (this version)      {:>7.2} s {}",
        verify.as_secs_f64(),
        rate(total, verify)
    );

    // The same amount of hashing: the sample of canonical forms, over and over.
    let started = Instant::now();
    let mut hashed = 0;
    let mut check = 0u8;
    while hashed < total {
        for bytes in sample.iter().take((total - hashed) as usize) {
            check ^= Sha256::digest(bytes)[0];
            hashed += 1;
        }
    }
    let baseline = started.elapsed();
    std::hint::black_box(check);
    println!(
        "  baseline: sha256 in memory {:>7.2} s {}   verify / baseline = {:.2}",
        baseline.as_secs_f64(),
        rate(total, baseline),
        verify.as_secs_f64() / baseline.as_secs_f64()
    );

    if previous {
        let started = Instant::now();
        assert_eq!(previous_verify(&db, &key, organization_id).await, total);
        let took = started.elapsed();
        println!(
            "  baseline: previous verify  {:>7.2} s {}   verify / previous = {:.2}",
            took.as_secs_f64(),
            rate(total, took),
            verify.as_secs_f64() / took.as_secs_f64()
        );
    }
}
