use serde_json::json;

use crate::helpers::error_code;
use crate::on_both_databases;

const CREATE_UNIT: &str =
    "mutation { createUnit(input: {name: \"Kultur\", leaderName: \"Lise\", leaderEmail: \"lise@kommune.no\"}) { id } }";

on_both_databases! {
    async fn mutations_without_a_token_are_refused_and_write_nothing(app: TestApp) {
        let response = app.gql_as(None, CREATE_UNIT, json!({})).await;
        assert_eq!(error_code(&response), Some("UNAUTHENTICATED"), "{response}");
        assert_eq!(response["data"], json!(null));
        let units = app.ok("{ units { id } }", json!({})).await;
        assert_eq!(units["units"], json!([]));
    }

    async fn reading_needs_a_token_too(app: TestApp) {
        let response = app.gql_as(None, "{ plans { id } }", json!({})).await;
        assert_eq!(error_code(&response), Some("UNAUTHENTICATED"));
        let me = app.gql_as(None, "{ me { email } }", json!({})).await;
        assert_eq!(me["data"]["me"], json!(null));
        let me = app.ok("{ me { email role } }", json!({})).await;
        assert_eq!(me["me"], json!({ "email": "admin@eksempel.kommune.no", "role": "ADMIN" }));
    }

    async fn an_unknown_token_is_refused_with_401(app: TestApp) {
        let response = app
            .client
            .post(format!("{}/graphql", app.address))
            .bearer_auth("tiltak_0000")
            .json(&json!({ "query": CREATE_UNIT }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
        assert_eq!(app.ok("{ units { id } }", json!({})).await["units"], json!([]));
    }

    async fn a_viewer_reads_but_may_not_change(app: TestApp) {
        let f = app.fixture().await;
        let viewer = app.token_for("leser@kommune.no", "VIEWER", None).await;
        let plans = app.gql_as(Some(&viewer), "{ plans { title } }", json!({})).await;
        assert_eq!(plans["data"]["plans"][0]["title"], "Forebyggende plan");
        let refused = app.gql_as(Some(&viewer), CREATE_UNIT.replace("Kultur", "Ny").as_str(), json!({})).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"));
        let refused = app
            .gql_as(
                Some(&viewer),
                "mutation($id: ID!) { updateActionStatus(input: {actionId: $id, status: IN_PROGRESS}) { status } }",
                json!({ "id": f.action_id }),
            )
            .await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"));
        assert_eq!(app.action(&f.action_id).await["status"], "NOT_STARTED");
    }

    async fn a_unit_leader_follows_up_only_their_units_actions(app: TestApp) {
        let f = app.fixture().await;
        let other = app.add_action(&f.chapter_id, 2, &f.other_unit_id).await;
        let leader = app.token_for("leder@kommune.no", "UNIT_LEADER", Some(&f.unit_id)).await;
        let set = "mutation($id: ID!) { updateActionStatus(input: {actionId: $id, status: IN_PROGRESS}) { status } }";
        let progress = "mutation($id: ID!) { updateAction(input: {actionId: $id, progress: 50}) { progress } }";
        let rename = "mutation($id: ID!) { updateAction(input: {actionId: $id, title: \"Nytt navn\"}) { title } }";

        let own = app.gql_as(Some(&leader), set, json!({ "id": f.action_id })).await;
        assert_eq!(own["data"]["updateActionStatus"]["status"], "IN_PROGRESS", "{own}");
        let own = app.gql_as(Some(&leader), progress, json!({ "id": f.action_id })).await;
        assert_eq!(own["data"]["updateAction"]["progress"], 50, "{own}");
        let renamed = app.gql_as(Some(&leader), rename, json!({ "id": f.action_id })).await;
        assert_eq!(error_code(&renamed), Some("FORBIDDEN"), "renaming is the coordinator's work");
        let foreign = app.gql_as(Some(&leader), set, json!({ "id": other })).await;
        assert_eq!(error_code(&foreign), Some("FORBIDDEN"));
        assert_eq!(app.action(&other).await["status"], "NOT_STARTED");
        assert_eq!(app.action(&f.action_id).await["title"], "Tiltak 1");
    }
}

on_both_databases! {
    async fn expired_and_revoked_tokens_are_refused_and_use_is_recorded(app: TestApp) {
        use sea_orm::EntityTrait;
        let db = app.db().await;
        let org = tiltak::services::bootstrap::ensure_organization(&db, &app.settings, app.clock.now()).await.unwrap().0;
        let admin = tiltak::services::bootstrap::first_admin(&db, org.id).await.unwrap();
        let person = tiltak::entities::person::Entity::find_by_id(admin.person_id).one(&db).await.unwrap().unwrap();
        let now = app.clock.now();
        let expired = tiltak::services::auth::issue_token(&db, &person, now, Some(now - chrono::Duration::seconds(1))).await.unwrap();
        let valid = tiltak::services::auth::issue_token(&db, &person, now, Some(now + chrono::Duration::days(1))).await.unwrap();
        let me = "{ me { email } }";
        assert_eq!(error_code(&app.gql_as(Some(&expired), me, json!({})).await), Some("UNAUTHENTICATED"));
        assert_eq!(app.gql_as(Some(&valid), me, json!({})).await["data"]["me"]["email"], "admin@eksempel.kommune.no");

        // The use is recorded, beside the request (so within moments, by the writer it
        // started); after revocation the token is refused.
        let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let info = loop {
            let tokens = tiltak::services::auth::tokens(&db, org.id).await.unwrap();
            let info = tokens.into_iter().find(|t| t.token.expires_at == Some(now + chrono::Duration::days(1))).unwrap();
            if info.token.last_used_at.is_some() || std::time::Instant::now() > until {
                break info;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        };
        assert_eq!(info.token.last_used_at, Some(now));
        tiltak::services::auth::revoke_token(&db, org.id, info.token.id, now).await.unwrap();
        assert_eq!(error_code(&app.gql_as(Some(&valid), me, json!({})).await), Some("UNAUTHENTICATED"));
        // A token valid for a day works today and is refused two days later.
        let daily = tiltak::services::auth::issue_token(&db, &person, now, Some(now + chrono::Duration::days(1))).await.unwrap();
        assert!(app.gql_as(Some(&daily), me, json!({})).await.get("errors").is_none());
        app.clock.advance(chrono::Duration::days(2));
        assert_eq!(error_code(&app.gql_as(Some(&daily), me, json!({})).await), Some("UNAUTHENTICATED"));
    }
}
