//! SQL statements per request are deterministic: a plan's dashboard costs the same handful
//! whatever the number of chapters and actions (no statement per row).

use std::sync::atomic::Ordering;

use serde_json::json;

use crate::helpers::{Db, TestApp};

const DASHBOARD: &str = "query($id: ID!) { plan(id: $id) { title chapters { number title
    actions { id number title status deadline progress responsibleUnit { name } } } } }";

/// Statements the dashboard of `plan` costs, asked twice (the second time the token's last
/// use is not written again).
async fn dashboard_statements(app: &TestApp, plan: &str) -> u64 {
    app.ok(DASHBOARD, json!({ "id": plan })).await;
    let before = app.state.sql_statements.load(Ordering::SeqCst);
    app.ok(DASHBOARD, json!({ "id": plan })).await;
    app.state.sql_statements.load(Ordering::SeqCst) - before
}

#[tokio::test]
async fn a_plan_dashboard_costs_five_statements_whatever_its_size() {
    let app = TestApp::spawn(Db::Sqlite).await.unwrap();
    let f = app.fixture().await;
    let small = dashboard_statements(&app, &f.plan_id).await;
    for chapter in 14..=16 {
        let id = app
            .ok(
                "mutation($input: AddChapterInput!) { addChapter(input: $input) { id } }",
                json!({ "input": { "planId": f.plan_id, "number": chapter, "title": format!("Kapittel {chapter}") } }),
            )
            .await["addChapter"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for number in 1..=8 {
            let unit = if number % 2 == 0 { &f.unit_id } else { &f.other_unit_id };
            app.add_action(&id, number, unit).await;
        }
    }
    let large = dashboard_statements(&app, &f.plan_id).await;
    // The token with its person, the plan, its chapters, their actions, the actions' units.
    assert_eq!((small, large), (5, 5));
}

// Every table that holds an organization's rows finds them by index: the query planner of
// either database, asked how it would read one organization's rows (PostgreSQL told to avoid
// sequential scans where it can), names an index for each.
crate::on_both_databases! {
    async fn every_per_organization_read_uses_an_index(app: TestApp) {
        use sea_orm::{ConnectionTrait, DbBackend, Statement};
        let db = &app.state.db;
        let backend = db.get_database_backend();
        let tables_sql = match backend {
            DbBackend::Postgres => {
                "SELECT table_name AS name FROM information_schema.columns \
                 WHERE column_name = 'organization_id' AND table_schema = current_schema() ORDER BY 1"
            }
            _ => {
                "SELECT m.name AS name FROM sqlite_master m, pragma_table_info(m.name) c \
                 WHERE m.type = 'table' AND c.name = 'organization_id' ORDER BY 1"
            }
        };
        let tables: Vec<String> = db
            .query_all_raw(Statement::from_string(backend, tables_sql))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get("", "name").unwrap())
            .collect();
        assert!(tables.len() >= 15, "{tables:?}");
        if backend == DbBackend::Postgres {
            db.execute_unprepared("SET enable_seqscan = off").await.unwrap();
        }
        let mut scanned = Vec::new();
        for table in &tables {
            let explain = match backend {
                DbBackend::Postgres => "EXPLAIN",
                _ => "EXPLAIN QUERY PLAN",
            };
            let sql = format!(
                "{explain} SELECT * FROM {table} WHERE organization_id = '00000000-0000-0000-0000-000000000000'"
            );
            let plan: Vec<String> = db
                .query_all_raw(Statement::from_string(backend, sql))
                .await
                .unwrap()
                .iter()
                .map(|row| match backend {
                    DbBackend::Postgres => row.try_get::<String>("", "QUERY PLAN").unwrap(),
                    _ => row.try_get::<String>("", "detail").unwrap(),
                })
                .collect();
            let plan = plan.join(" / ");
            if !plan.contains("INDEX") && !plan.contains("Index") {
                scanned.push(format!("{table}: {plan}"));
            }
        }
        if backend == DbBackend::Postgres {
            db.execute_unprepared("SET enable_seqscan = on").await.unwrap();
        }
        assert!(scanned.is_empty(), "read without an index:\n{}", scanned.join("\n"));
    }
}

/// A municipality with its admin and the example plan (units with leaders, actions with
/// deadlines, some overdue on the run days below).
async fn municipality(app: &TestApp, name: &str) {
    use tiltak::services::{auth::Viewer, bootstrap, org};
    let db = app.db().await;
    let now = app.clock.now();
    let organization = bootstrap::create_organization(&db, name, now).await.unwrap();
    let admin = org::insert_person(
        &db,
        organization.id,
        now,
        org::NewPerson {
            name: "Administrator".into(),
            email: format!("admin@{}.kommune.no", name.to_lowercase()),
            role: tiltak::domain::Role::Admin,
            unit_id: None,
        },
    )
    .await
    .unwrap();
    let viewer = Viewer::of(admin).unwrap();
    bootstrap::load_example_plan(
        &db,
        &app.state.audit_key,
        &viewer,
        now,
        &app.state.settings.public_url(),
    )
    .await
    .unwrap();
}

/// Statements a deadline-reminders run for `moment` costs, and its summary.
async fn reminder_statements(app: &TestApp, moment: &str) -> (u64, String) {
    use tiltak::jobs::{self, Job, Trigger};
    let at = chrono::DateTime::parse_from_rfc3339(moment).unwrap().to_utc();
    let before = app.state.sql_statements.load(Ordering::SeqCst);
    let run = jobs::run(&app.state, Job::DeadlineReminders, at, Trigger::Manual, "test")
        .await
        .unwrap()
        .unwrap();
    let statements = app.state.sql_statements.load(Ordering::SeqCst) - before;
    assert_eq!(run.outcome.code(), "SUCCEEDED", "{:?}", run.detail);
    (statements, run.detail.unwrap_or_default())
}

fn messages(summary: &str) -> u64 {
    summary.split(' ').next().unwrap().parse().unwrap()
}

// The reminder sweep reads every organization's actions, evaluations and revisions together
// and writes the messages in batches: three municipalities cost what one costs.
crate::on_both_databases! {
    async fn a_deadline_reminders_run_costs_the_same_statements_for_three_municipalities_as_for_one(app: TestApp) {
        app.with_example_plan().await;
        // Tuesday 1 December 2026 and, a week later, Tuesday 8 December: overdue actions are
        // reminded of again each week.
        let (one, first) = reminder_statements(&app, "2026-12-01T07:00:00+01:00").await;
        assert!(messages(&first) > 0, "{first}");
        municipality(&app, "Nabo").await;
        municipality(&app, "Fjell").await;
        let (three, second) = reminder_statements(&app, "2026-12-08T07:00:00+01:00").await;
        assert!(messages(&second) > 2 * messages(&first), "{first} / {second}");
        assert_eq!(one, three, "statements for one municipality, then for three");
    }
}
