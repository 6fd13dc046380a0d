//! Several municipalities in one deployment: nothing of one is reachable from another, by
//! query, filter, id guess, report, calendar feed or subscription.

use serde_json::json;
use tiltak::services::{auth, bootstrap, org};

use crate::{
    helpers::{TestApp, error_code},
    on_both_databases,
};

/// A second organization with its own admin; its token.
async fn neighbour(app: &TestApp) -> String {
    let db = app.db().await;
    let now = app.clock.now();
    let other = bootstrap::create_organization(&db, "Nabo kommune", now).await.unwrap();
    let admin = org::insert_person(
        &db,
        other.id,
        now,
        org::NewPerson {
            name: "Nabo admin".into(),
            email: "admin@nabo.kommune.no".into(),
            role: tiltak::domain::Role::Admin,
            unit_id: None,
        },
    )
    .await
    .unwrap();
    auth::issue_token(&db, &admin, now, None).await.unwrap()
}

on_both_databases! {
    async fn another_organization_sees_and_changes_nothing(app: TestApp) {
        let f = app.fixture().await;
        let other = neighbour(&app).await;
        let ask = |query: &'static str, variables: serde_json::Value| {
            let other = other.clone();
            let app = &app;
            async move { app.gql_as(Some(&other), query, variables).await }
        };
        assert_eq!(ask("{ plans { id } units { id } teams { id } }", json!({})).await["data"], json!({ "plans": [], "units": [], "teams": [] }));
        for (query, variables) in [
            ("query($id: ID!) { plan(id: $id) { title } }", json!({ "id": f.plan_id })),
            // The dashboard reads the plan joined with its tree: the same refusal.
            ("query($id: ID!) { plan(id: $id) { title chapters { actions { title responsibleUnit { name } } } } }", json!({ "id": f.plan_id })),
            ("query($id: ID!) { plan(id: $id) { chapters { actions { title } } } }", json!({ "id": f.plan_id })),
            ("query($id: ID!) { action(id: $id) { title } }", json!({ "id": f.action_id })),
            ("query($id: ID!) { unit(id: $id) { name } }", json!({ "id": f.unit_id })),
            ("query($id: ID!) { report(planId: $id, year: 2026) { hash } }", json!({ "id": f.plan_id })),
            ("query($id: ID!) { exportPlan(planId: $id, format: JSON) }", json!({ "id": f.plan_id })),
        ] {
            assert_eq!(error_code(&ask(query, variables).await), Some("NOT_FOUND"), "{query}");
        }
        let filtered = ask("query($id: ID!) { actions(filter: { planId: $id }) { id } evaluations(filter: { planId: $id }) { id } revisions(planId: $id) { id } }", json!({ "id": f.plan_id })).await;
        assert_eq!(filtered["data"], json!({ "actions": [], "evaluations": [], "revisions": [] }));

        // Changes to another organization's rows are not found, and write nothing.
        let change = ask(
            "mutation($id: ID!) { updateActionStatus(input: { actionId: $id, status: IN_PROGRESS }) { status } }",
            json!({ "id": f.action_id }),
        )
        .await;
        assert_eq!(error_code(&change), Some("NOT_FOUND"));
        let add = ask(
            "mutation($id: ID!) { addAction(input: { chapterId: $id, number: 9, title: \"Inntrenger\" }) { id } }",
            json!({ "id": f.chapter_id }),
        )
        .await;
        assert_eq!(error_code(&add), Some("NOT_FOUND"));
        let feed = ask("mutation($id: ID!) { createCalendarFeed(input: { planId: $id }) { url } }", json!({ "id": f.plan_id })).await;
        assert_eq!(error_code(&feed), Some("NOT_FOUND"));
        let freeze = ask("mutation($id: ID!) { freezeReport(planId: $id, year: 2025) { hash } }", json!({ "id": f.plan_id })).await;
        assert_eq!(error_code(&freeze), Some("NOT_FOUND"));
        let action = app.action(&f.action_id).await;
        assert_eq!((action["status"].as_str(), action["history"].as_array().unwrap().len()), (Some("NOT_STARTED"), 1));
        assert_eq!(app.ok("query($id: ID!) { plan(id: $id) { chapters { actions { number } } } }", json!({ "id": f.plan_id })).await["plan"]["chapters"][0]["actions"].as_array().unwrap().len(), 1);

        // Downloads and the outbox.
        let download = app
            .client
            .get(format!("{}/reports/{}/2025.md", app.address, f.plan_id))
            .bearer_auth(&other)
            .send()
            .await
            .unwrap();
        assert_eq!(download.status(), 404);
        app.ok(
            "mutation($input: UpdateActionInput!) { updateAction(input: $input) { id } }",
            json!({ "input": { "actionId": f.action_id, "deadline": "2026-12-08" } }),
        )
        .await;
        tiltak::jobs::run(&app.state, tiltak::jobs::Job::DeadlineReminders, app.clock.now(), tiltak::jobs::Trigger::Manual, "test").await.unwrap();
        assert_eq!(ask("{ notifications { id } }", json!({})).await["data"]["notifications"], json!([]));
        // Job runs are the deployment's, and their counts cover every organization: hidden.
        let runs = ask("{ jobRuns { job outcome detail } }", json!({})).await;
        assert_eq!(
            runs["data"]["jobRuns"],
            json!([{ "job": "deadline-reminders", "outcome": "SUCCEEDED", "detail": null }])
        );
    }
}

/// The personal-data guard through the API: a valid national identity number (birth number
/// or D-number, synthetic) in free text is refused naming the field; a number failing the
/// check digits is accepted.
#[tokio::test]
async fn identity_numbers_in_free_text_are_refused() {
    let app = TestApp::spawn(crate::helpers::Db::Sqlite).await.unwrap();
    let f = app.fixture().await;
    let add = |description: &str| json!({ "input": { "chapterId": f.chapter_id, "number": 7, "title": "Oppfølging", "description": description } });
    let query = "mutation($input: AddActionInput!) { addAction(input: $input) { id } }";
    let refused = app.gql(query, add("Gjelder D-nummer 41010112360")).await;
    assert_eq!(error_code(&refused), Some("VALIDATION"));
    assert_eq!(refused["errors"][0]["extensions"]["field"], "description");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("national identity number")
    );
    let comment = app
        .gql(
            "mutation($input: UpdateActionInput!) { updateAction(input: $input) { id } }",
            json!({ "input": { "actionId": f.action_id, "progress": 10, "comment": "Barnet (01010112377) er fulgt opp" } }),
        )
        .await;
    assert_eq!(error_code(&comment), Some("VALIDATION"));
    assert_eq!(comment["errors"][0]["extensions"]["field"], "comment");
    assert_eq!(app.action(&f.action_id).await["progress"], 0, "nothing was written");
    // Eleven digits with a wrong check digit are an ordinary number.
    assert!(
        app.gql(query, add("Saksnummer 01010112378"))
            .await
            .get("errors")
            .is_none()
    );
}

/// A subscription to another organization's plan is refused.
#[tokio::test]
async fn a_subscription_to_another_organizations_plan_is_refused() {
    let app = TestApp::spawn(crate::helpers::Db::Sqlite).await.unwrap();
    let f = app.fixture().await;
    let other = neighbour(&app).await;
    let mut socket = app.websocket().await;
    assert_eq!(
        socket.init(Some(&other)).await.unwrap().unwrap()["type"],
        "connection_ack"
    );
    socket
        .subscribe(
            "1",
            "subscription($plan: ID!) { actionEvents(planId: $plan) { kind } }",
            json!({ "plan": f.plan_id }),
        )
        .await;
    let reply = socket.next_within(5).await.unwrap().expect("an answer");
    // Subscription errors travel as a result with errors (without the HTTP layer's codes).
    assert_eq!(reply["payload"]["data"], serde_json::Value::Null, "{reply}");
    let message = reply["payload"]["errors"][0]["message"].as_str().unwrap();
    assert_eq!(message, format!("plan {} not found", f.plan_id));
}
