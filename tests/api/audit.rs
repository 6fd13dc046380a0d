//! The tamper-evident history, attacked the way someone with the database but without the
//! audit key would: an edit, a deletion, the newest events removed after a report was
//! frozen, the chain rebuilt with plain SHA-256, a chain checked with another key. Each is
//! found by `tiltak audit verify`, run as the operator runs it, on both databases.

use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder};
use serde_json::json;
use sha2::{Digest, Sha256};
use tiltak::{entities::action_event, services::history::GENESIS};

use crate::{
    helpers::{Fixture, TestApp, random_audit_key},
    on_both_databases,
};

/// What `tiltak audit …` said: success, stdout, stderr.
fn audit(output: std::process::Output) -> (bool, String, String) {
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn verify(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    audit(app.cli(&[&["audit", "verify"], args].concat()))
}

async fn set_status(app: &TestApp, moment: &str, action: &str, status: &str, comment: Option<&str>) {
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339(moment)
            .unwrap()
            .with_timezone(&chrono::Utc),
    );
    app.ok(
        "mutation($input: UpdateActionStatusInput!) { updateActionStatus(input: $input) { status } }",
        json!({ "input": { "actionId": action, "status": status, "comment": comment } }),
    )
    .await;
}

/// A plan with a 2025 history of four events (created and three status changes), with times
/// to the microsecond and text that JSON must escape.
async fn history_of_2025(app: &TestApp) -> Fixture {
    app.clock.set("2025-02-01T09:00:00Z".parse().unwrap());
    let f = app.fixture().await;
    let (action, solved) = (&f.action_id, "Løst: \"sitat\"\nny linje \\ tab\t 😀");
    set_status(app, "2025-03-01T10:00:00.123456+01:00", action, "IN_PROGRESS", None).await;
    set_status(
        app,
        "2025-06-01T10:00:00.1+02:00",
        action,
        "DELAYED",
        Some("Mangler ressurser"),
    )
    .await;
    set_status(app, "2025-09-01T10:00:00+02:00", action, "IN_PROGRESS", Some(solved)).await;
    f
}

/// Freezes the year's report; the history under it is what these tests are about, so a year
/// without updates is confirmed.
async fn freeze(app: &TestApp, plan: &str, year: i32) {
    app.clock.set("2026-01-15T09:00:00+01:00".parse().unwrap());
    app.ok(
        "mutation($plan: ID!, $year: Int!) { freezeReport(planId: $plan, year: $year, confirmEmpty: true) { frozen } }",
        json!({ "plan": plan, "year": year }),
    )
    .await;
}

async fn newest_event_ids(db: &DatabaseConnection, n: usize) -> Vec<i64> {
    let mut ids: Vec<i64> = action_event::Entity::find()
        .order_by_desc(action_event::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    ids.truncate(n);
    ids
}

async fn delete_events(db: &DatabaseConnection, ids: &[i64]) {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    db.execute_unprepared(&format!("DELETE FROM action_event WHERE id IN ({})", ids.join(", ")))
        .await
        .unwrap();
}

/// What someone with the database but without the key can do after an edit: recompute every
/// hash from event `from` on with plain SHA-256 over the canonical JSON, linking each event
/// to the one before, so that every link holds again.
async fn rechain_without_the_key(db: &DatabaseConnection, from: i64) {
    let events = action_event::Entity::find()
        .order_by_asc(action_event::Column::Id)
        .all(db)
        .await
        .unwrap();
    let mut prev = GENESIS.to_owned();
    for e in events {
        if e.id >= from {
            let content = json!([
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
            let hash = hex::encode(Sha256::digest(content.to_string().as_bytes()));
            db.execute_unprepared(&format!(
                "UPDATE action_event SET prev_hash = '{prev}', hash = '{hash}' WHERE id = {}",
                e.id
            ))
            .await
            .unwrap();
            prev = hash;
        } else {
            prev = e.hash.unwrap();
        }
    }
}

async fn id_of_comment(db: &DatabaseConnection, comment: &str) -> i64 {
    db.query_one_raw(sea_orm::Statement::from_string(
        db.get_database_backend(),
        format!("SELECT id FROM action_event WHERE comment = '{comment}'"),
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get("", "id")
    .unwrap()
}

on_both_databases! {
    async fn an_edit_or_a_deletion_in_the_database_breaks_the_chain(app: TestApp) {
        let f = history_of_2025(&app).await;
        let (ok, out, err) = verify(&app, &[]);
        assert!(ok, "{err}");
        assert!(out.starts_with("audit: 4 events in 1 organizations, every chain intact and keyed"), "{out}");
        assert_eq!(app.action(&f.action_id).await["history"].as_array().unwrap().len(), 4);

        // Someone softens the reason for the delay, straight in the database.
        let db = app.db().await;
        db.execute_unprepared("UPDATE action_event SET comment = 'Alt gikk bra' WHERE comment = 'Mangler ressurser'")
            .await
            .unwrap();
        let edited = id_of_comment(&db, "Alt gikk bra").await;
        let (ok, _, err) = verify(&app, &[]);
        assert!(!ok);
        assert!(
            err.contains(&format!("the history is broken at event {edited} ")) && err.contains("does not match its hash"),
            "{err}"
        );

        // Put back, the chain holds again; deleting an event breaks the link after it.
        db.execute_unprepared("UPDATE action_event SET comment = 'Mangler ressurser' WHERE comment = 'Alt gikk bra'")
            .await
            .unwrap();
        assert!(verify(&app, &[]).0);
        delete_events(&db, &[edited]).await;
        let (ok, _, err) = verify(&app, &[]);
        assert!(!ok);
        assert!(
            err.contains(&format!("the history is broken at event {} ", edited + 1)) && err.contains("does not link"),
            "{err}"
        );
    }

    async fn deleting_the_newest_events_after_a_freeze_names_the_report(app: TestApp) {
        let f = history_of_2025(&app).await;
        freeze(&app, &f.plan_id, 2025).await;
        let (ok, out, err) = verify(&app, &[]);
        assert!(ok, "{err}");
        assert!(out.contains("1 frozen report heads"), "{out}");
        set_status(&app, "2026-02-01T10:00:00+01:00", &f.action_id, "COMPLETED", None).await;

        // The chain that is left holds, so only the head recorded with the report shows what
        // is missing. An event newer than the report is not covered by it...
        let db = app.db().await;
        delete_events(&db, &newest_event_ids(&db, 1).await).await;
        assert!(verify(&app, &[]).0, "the report was built on four events, and they are all there");
        // ...but one the report was built on is.
        delete_events(&db, &newest_event_ids(&db, 1).await).await;
        let (ok, _, err) = verify(&app, &[]);
        assert!(!ok);
        assert!(
            err.contains(
                "the history of Eksempel kommune was truncated or rewritten after the report for Forebyggende plan 2025 was frozen"
            ) && err.contains("built on 4 events") && err.contains("the chain now has 3 events"),
            "{err}"
        );
    }

    async fn rewriting_the_chain_without_the_key_is_found(app: TestApp) {
        let f = history_of_2025(&app).await;
        freeze(&app, &f.plan_id, 2025).await;
        let db = app.db().await;
        db.execute_unprepared("UPDATE action_event SET comment = 'Alt gikk bra' WHERE comment = 'Mangler ressurser'")
            .await
            .unwrap();
        let edited = id_of_comment(&db, "Alt gikk bra").await;

        // Rebuilt from the edit on, the links hold, but a plain SHA-256 after keyed events is
        // the mark of someone without the key.
        rechain_without_the_key(&db, edited).await;
        let (ok, _, err) = verify(&app, &[]);
        assert!(!ok);
        assert!(
            err.contains(&format!("the history is broken at event {edited} "))
                && err.contains("plain SHA-256 after keyed events"),
            "{err}"
        );

        // Rebuilt from the very first event, it is no longer keyed at all, and the head the
        // frozen report recorded is gone; re-sealing such a history is refused.
        rechain_without_the_key(&db, 0).await;
        let (ok, out, err) = verify(&app, &[]);
        assert!(!ok, "{out}");
        assert!(
            err.contains("after the report for Forebyggende plan 2025 was frozen") && err.contains("is not keyed"),
            "{err}"
        );
        let (ok, _, err) = audit(app.cli(&["audit", "reseal"]));
        assert!(!ok);
        assert!(err.contains("nothing was re-sealed"), "{err}");
        assert!(!verify(&app, &[]).0, "still found after the refused reseal");
    }

    async fn a_history_checked_with_another_key_fails(app: TestApp) {
        history_of_2025(&app).await;
        assert!(verify(&app, &[]).0);
        let (ok, _, err) = audit(app.cli_with_key(&random_audit_key(), &["audit", "verify"]));
        assert!(!ok);
        assert!(
            err.contains("does not match its hash") && err.contains("the audit key is not the one"),
            "{err}"
        );
        let (ok, _, err) = audit(app.cli_with_key("kort", &["audit", "verify"]));
        assert!(!ok);
        assert!(err.contains("audit.key (TILTAK_AUDIT__KEY) is 4 bytes: the audit key must be at least 32 bytes"), "{err}");
        assert!(!err.contains(app.settings.audit.key.expose()), "the key is never printed");
    }

    async fn a_head_kept_outside_finds_a_truncation(app: TestApp) {
        let f = history_of_2025(&app).await;
        let (ok, out, err) = audit(app.cli(&["audit", "head"]));
        assert!(ok, "{err}");
        let (head, organization) = out.trim().split_once("  ").unwrap();
        assert_eq!(organization, "Eksempel kommune");
        assert!(head.starts_with("4:"), "{out}");
        assert!(!head.contains(GENESIS), "{head}");
        let (ok, out, err) = verify(&app, &["--head", head]);
        assert!(ok && out.contains(&format!("Eksempel kommune: head {head}")), "{out}{err}");

        // Later events leave the head on the chain.
        set_status(&app, "2025-10-01T10:00:00+02:00", &f.action_id, "COMPLETED", None).await;
        assert!(verify(&app, &["--head", head, "--org", "Eksempel kommune"]).0);

        // Cut back below the head, the chain itself still holds; the head does not.
        let db = app.db().await;
        delete_events(&db, &newest_event_ids(&db, 2).await).await;
        assert!(verify(&app, &[]).0, "a shorter chain is a valid chain");
        let (ok, _, err) = verify(&app, &["--head", head]);
        assert!(!ok);
        assert!(
            err.contains(&format!("head {head} is not on the history of Eksempel kommune: it was truncated or rewritten")),
            "{err}"
        );
    }

    async fn a_legacy_history_is_resealed_with_the_key(app: TestApp) {
        let f = history_of_2025(&app).await;
        freeze(&app, &f.plan_id, 2025).await;
        // As if this database came from before the key: migration 5 seals the events with
        // plain SHA-256, and the report has no head or seal.
        let down = crate::helpers::migrations_after(4);
        for args in [&["migrate", "--down", down.as_str()][..], &["migrate"]] {
            let (ok, _, err) = audit(app.cli(args));
            assert!(ok, "{args:?}: {err}");
        }
        // The upgraded service goes on writing, keyed, after the legacy events.
        set_status(&app, "2026-02-01T10:00:00+01:00", &f.action_id, "COMPLETED", None).await;
        let (ok, _, err) = verify(&app, &[]);
        assert!(!ok);
        assert!(
            err.contains("the history of Eksempel kommune is not keyed: 4 events and 1 frozen reports carry plain SHA-256 hashes"),
            "{err}"
        );

        let (ok, out, err) = audit(app.cli(&["audit", "reseal"]));
        assert!(ok, "{err}");
        assert!(
            out.contains("re-sealed Eksempel kommune with the key: 5 events (4 of them legacy, accepted as they stood), 1 frozen reports; new head 5:"),
            "{out}"
        );
        let (ok, out, err) = verify(&app, &[]);
        assert!(ok, "{err}");
        assert!(out.contains("5 events in 1 organizations, every chain intact and keyed; 0 frozen report heads"), "{out}");

        // Reports frozen from now on record their head; the service keeps writing keyed.
        freeze(&app, &f.plan_id, 2024).await;
        set_status(&app, "2026-02-02T10:00:00+01:00", &f.action_id, "CONTINUED", None).await;
        let (ok, out, err) = verify(&app, &[]);
        assert!(ok, "{err}");
        assert!(out.contains("6 events in 1 organizations, every chain intact and keyed; 1 frozen report heads"), "{out}");
    }
}
