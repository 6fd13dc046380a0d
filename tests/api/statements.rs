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
