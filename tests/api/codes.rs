//! Stored codes are typed: a status, a role or an event kind in the database that the service
//! does not know is an internal error where the row is read, never taken for a default
//! (NOT_STARTED, VIEWER) and never skipped.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tiltak::{
    domain::JobOutcome,
    jobs::{self, Job, Trigger},
};

use crate::{helpers::error_code, on_both_databases};

/// The answer is an internal error that shows nothing of the bad value.
fn internal(response: &Value, what: &str) {
    assert_eq!(error_code(response), Some("INTERNAL"), "{what}: {response:#}");
    assert_eq!(
        response["errors"][0]["message"], "internal error",
        "{what}: {response:#}"
    );
    assert!(!response.to_string().contains("DONE"), "{what}: {response:#}");
}

on_both_databases! {
    async fn a_status_the_service_does_not_know_is_an_error_not_not_started(app: TestApp) {
        let f = app.fixture().await;
        app.ok(
            "mutation($input: UpdateActionInput!) { updateAction(input: $input) { id } }",
            json!({ "input": { "actionId": f.action_id, "deadline": "2026-12-01" } }),
        )
        .await;
        app.db().await.execute_unprepared("UPDATE action SET status = 'DONE'").await.unwrap();

        let action = app.gql("query($id: ID!) { action(id: $id) { title status } }", json!({ "id": f.action_id })).await;
        internal(&action, "the action");
        // The dashboard reads the plan's chapters, actions and units in one join: the action
        // does not drop out of its chapter.
        let dashboard = app
            .gql(
                "query($id: ID!) { plan(id: $id) { chapters { actions { title status responsibleUnit { name } } } } }",
                json!({ "id": f.plan_id }),
            )
            .await;
        internal(&dashboard, "the dashboard");
        let chapters = app
            .gql("query($id: ID!) { plan(id: $id) { chapters { actions { title status } } } }", json!({ "id": f.plan_id }))
            .await;
        internal(&chapters, "the plan's chapters");
        let list = app.gql("{ actions { title status } }", json!({})).await;
        internal(&list, "the action list");
        let progress = app
            .gql("query($id: ID!) { plan(id: $id) { progress { overall { total } } } }", json!({ "id": f.plan_id }))
            .await;
        internal(&progress, "the plan's counts");
        let report = app
            .gql("query($id: ID!) { report(planId: $id, year: 2026) { hash } }", json!({ "id": f.plan_id }))
            .await;
        internal(&report, "the report");

        // The reminder job does not remind about it as if it were not started: the run fails,
        // says why in its detail, and enqueues nothing.
        let run = jobs::run(&app.state, Job::DeadlineReminders, "2026-11-25T07:00:00Z".parse().unwrap(), Trigger::Manual, "test")
            .await
            .unwrap()
            .expect("the run was claimed");
        assert_eq!(run.outcome, JobOutcome::Failed);
        assert!(run.detail.as_deref().is_some_and(|d| d.contains("\"DONE\"")), "{:?}", run.detail);
        let notifications = app.ok("{ notifications { id } }", json!({})).await;
        assert_eq!(notifications["notifications"], json!([]));
    }

    async fn a_role_the_service_does_not_know_is_an_error_not_a_viewer(app: TestApp) {
        let token = app.token_for("leser@kommune.no", "VIEWER", None).await;
        let me = app.gql_as(Some(&token), "{ me { role } }", json!({})).await;
        assert_eq!(me["data"]["me"]["role"], "VIEWER", "{me:#}");
        app.db()
            .await
            .execute_unprepared("UPDATE person SET role = 'superuser' WHERE email = 'leser@kommune.no'")
            .await
            .unwrap();
        let me = app.gql_as(Some(&token), "{ me { role } }", json!({})).await;
        assert_eq!(error_code(&me), Some("INTERNAL"), "{me:#}");
        assert!(me["data"]["me"].is_null(), "{me:#}");
    }

    async fn an_event_kind_the_service_does_not_know_is_an_error(app: TestApp) {
        let f = app.fixture().await;
        app.db().await.execute_unprepared("UPDATE action_event SET kind = 'RENAMED'").await.unwrap();
        let history = app
            .gql("query($id: ID!) { action(id: $id) { history { kind } } }", json!({ "id": f.action_id }))
            .await;
        assert_eq!(error_code(&history), Some("INTERNAL"), "{history:#}");
        let with_title = app
            .gql("query($id: ID!) { action(id: $id) { title history { kind } } }", json!({ "id": f.action_id }))
            .await;
        assert_eq!(error_code(&with_title), Some("INTERNAL"), "{with_title:#}");
    }
}
