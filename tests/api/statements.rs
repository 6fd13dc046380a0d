//! SQL statements per request are deterministic: a plan's dashboard costs the same handful
//! whatever the number of chapters and actions (no statement per row).

use std::sync::atomic::Ordering;

use serde_json::json;

use tiltak::jobs::Job;

use crate::helpers::{Db, TestApp};

const DASHBOARD: &str = "query($id: ID!) { plan(id: $id) { title chapters { number title
    actions { id number title status deadline progress responsibleUnit { name } } } } }";

/// Statements the dashboard of `plan` costs.
async fn dashboard_statements(app: &TestApp, plan: &str) -> u64 {
    statements(app, DASHBOARD, json!({ "id": plan })).await.0
}

#[tokio::test]
async fn a_plan_dashboard_costs_two_statements_whatever_its_size() {
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
    // The token with its person, then the plan joined with its chapters, their actions and
    // those actions' units.
    assert_eq!((small, large), (2, 2));
}

/// Statements `query` costs, asked twice (the first time notes the token's last use, which is
/// written before the second).
///
/// Every field below the top one was read ahead: no load waited for a batch to gather.
async fn statements(app: &TestApp, query: &str, variables: serde_json::Value) -> (u64, serde_json::Value) {
    app.ok(query, variables.clone()).await;
    let before = app.statements_run().await;
    let waits = app.state.batch_waits.load(Ordering::SeqCst);
    let data = app.ok(query, variables).await;
    assert_eq!(
        app.state.batch_waits.load(Ordering::SeqCst),
        waits,
        "a field waited for its batch: {query}"
    );
    (app.state.sql_statements.load(Ordering::SeqCst) - before, data)
}

const HISTORY: &str = "query($id: ID!) { action(id: $id) { number title history { kind comment actor { name } } } }";
const UNIT_ACTIONS: &str = "query($unit: ID!) { actions(filter: {unitId: $unit}) { id number title status
    responsibleUnit { name } contributingUnits { name } } }";
const UNITS: &str = "{ units { name actions(first: 50) { number title history(first: 20) { kind } } } }";

// Look-ahead reads each level below a query's field once, for all its items, whatever their
// number: an action's history with its authors, a unit's actions with their units, every
// unit's actions with their history.
#[tokio::test]
async fn history_and_action_lists_cost_a_statement_per_level_whatever_their_size() {
    let app = TestApp::spawn(Db::Sqlite).await.unwrap();
    let f = app.fixture().await;
    let history = json!({ "id": f.action_id });
    let unit = json!({ "unit": f.unit_id });
    let small = (
        statements(&app, HISTORY, history.clone()).await.0,
        statements(&app, UNIT_ACTIONS, unit.clone()).await.0,
        statements(&app, UNITS, json!({})).await.0,
    );
    for n in 0..6 {
        app.ok(
            "mutation($id: ID!, $c: String!) { commentAction(actionId: $id, comment: $c) { id } }",
            json!({ "id": f.action_id, "c": format!("Merknad {n}") }),
        )
        .await;
        let id = app.add_action(&f.chapter_id, n + 2, &f.unit_id).await;
        app.ok(
            "mutation($input: UpdateActionInput!) { updateAction(input: $input) { id } }",
            json!({ "input": { "actionId": id, "contributingUnitIds": [f.other_unit_id] } }),
        )
        .await;
    }
    let (history_large, data) = statements(&app, HISTORY, history).await;
    let events = data["action"]["history"].as_array().unwrap();
    assert_eq!(events.iter().filter(|e| e["kind"] == "COMMENT").count(), 6, "{data}");
    assert!(events.iter().all(|e| e["actor"]["name"].is_string()), "{data}");
    let (unit_large, data) = statements(&app, UNIT_ACTIONS, unit).await;
    let actions = data["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 7, "{data}");
    assert_eq!(actions[6]["number"], "13.7");
    assert_eq!(actions[6]["contributingUnits"][0]["name"], "Kultur");
    let (units_large, data) = statements(&app, UNITS, json!({})).await;
    assert!(
        data["units"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["actions"].as_array().unwrap().len() == 7)
    );
    // The token with its person; then the action with its chapter and its events, their
    // authors; the actions with their chapters, contributor links, units; the units, their
    // actions, their chapters, their events.
    assert_eq!(small, (history_large, unit_large, units_large));
    assert_eq!((history_large, unit_large, units_large), (3, 4, 5));
}

// The dashboard's join comes back whole at its edges: a plan without chapters, a chapter
// without actions, an action without a unit.
crate::on_both_databases! {
    async fn a_dashboard_shows_an_empty_plan_and_an_empty_chapter(app: TestApp) {
        let plan = app
            .ok("mutation { createPlan(input: {title: \"Tom plan\"}) { id } }", json!({}))
            .await["createPlan"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (count, empty) = statements(&app, DASHBOARD, json!({ "id": plan })).await;
        assert_eq!(empty["plan"], json!({ "title": "Tom plan", "chapters": [] }));
        // The plan joined with its tree; on SQLite first the token with its person (on
        // PostgreSQL a token used a moment ago is cached: tests/api/token_cache.rs).
        let postgres = app.settings.database.url.starts_with("postgres");
        assert_eq!(count, if postgres { 1 } else { 2 });
        let chapter = app
            .ok(
                "mutation($input: AddChapterInput!) { addChapter(input: $input) { id } }",
                json!({ "input": { "planId": plan, "number": 1, "title": "Ett" } }),
            )
            .await["addChapter"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.ok("mutation($input: AddChapterInput!) { addChapter(input: $input) { id } }", json!({ "input": { "planId": plan, "number": 2, "title": "To" } }))
            .await;
        app.ok(
            "mutation($input: AddActionInput!) { addAction(input: $input) { id } }",
            json!({ "input": { "chapterId": chapter, "number": 1, "title": "Uten ansvar" } }),
        )
        .await;
        let (_, tree) = statements(&app, DASHBOARD, json!({ "id": plan })).await;
        let chapters = &tree["plan"]["chapters"];
        assert_eq!(chapters[0]["title"], "Ett", "{tree}");
        assert_eq!(chapters[0]["actions"][0]["number"], "1.1", "{tree}");
        assert_eq!(chapters[0]["actions"][0]["responsibleUnit"], serde_json::Value::Null, "{tree}");
        assert_eq!(chapters[1]["title"], "To", "{tree}");
        assert_eq!(chapters[1]["actions"], json!([]), "{tree}");
    }
}

// A mutation's loaders keep nothing: a field after a change reads the changed row, not one the
// same request read before it.
crate::on_both_databases! {
    async fn a_mutation_reads_what_an_earlier_field_of_it_changed(app: TestApp) {
        let f = app.fixture().await;
        let data = app
            .ok(
                "mutation($action: ID!, $unit: ID!) {
                    before: updateAction(input: {actionId: $action, progress: 10}) { responsibleUnit { name } }
                    rename: updateUnit(input: {unitId: $unit, name: \"Barnevernet\"}) { name }
                    after: updateAction(input: {actionId: $action, progress: 20}) { progress responsibleUnit { name } }
                }",
                json!({ "action": f.action_id, "unit": f.unit_id }),
            )
            .await;
        assert_eq!(data["before"]["responsibleUnit"]["name"], "Barne- og ungdomsvern");
        assert_eq!(data["after"]["responsibleUnit"]["name"], "Barnevernet", "{data}");
        assert_eq!(data["after"]["progress"], 20);
    }
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

/// Statements a run of `job` for `moment` costs, and its summary.
async fn job_statements(app: &TestApp, job: tiltak::jobs::Job, moment: &str) -> (u64, String) {
    use tiltak::jobs::{self, Trigger};
    let at = chrono::DateTime::parse_from_rfc3339(moment).unwrap().to_utc();
    let before = app.statements_run().await;
    let run = jobs::run(&app.state, job, at, Trigger::Manual, "test")
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
        let (one, first) = job_statements(&app, Job::DeadlineReminders, "2026-12-01T07:00:00+01:00").await;
        assert!(messages(&first) > 0, "{first}");
        municipality(&app, "Nabo").await;
        municipality(&app, "Fjell").await;
        let (three, second) = job_statements(&app, Job::DeadlineReminders, "2026-12-08T07:00:00+01:00").await;
        assert!(messages(&second) > 2 * messages(&first), "{first} / {second}");
        assert_eq!(one, three, "statements for one municipality, then for three");
    }
}

// The weekly digest reads every organization's teams and the actions that can be in a digest
// together: three municipalities cost what one costs.
crate::on_both_databases! {
    async fn a_weekly_digest_costs_the_same_statements_for_three_municipalities_as_for_one(app: TestApp) {
        app.with_example_plan().await;
        // Mondays 7 and 14 December 2026: the digest repeats each ISO week.
        let (one, first) = job_statements(&app, Job::WeeklyDigest, "2026-12-07T08:00:00+01:00").await;
        assert!(messages(&first) > 0, "{first}");
        municipality(&app, "Nabo").await;
        municipality(&app, "Fjell").await;
        let (three, second) = job_statements(&app, Job::WeeklyDigest, "2026-12-14T08:00:00+01:00").await;
        // The example plan's teams have no members, so each municipality's stewards hear of
        // its late actions once: the first has, the two new ones get theirs now.
        assert_eq!(messages(&second), 2 * messages(&first), "{first} / {second}");
        assert_eq!(one, three, "statements for one municipality, then for three");
    }
}
