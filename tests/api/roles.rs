//! The role matrix: every mutation as every role. Each is either allowed or refused with
//! FORBIDDEN, and a refusal writes nothing.

use serde_json::{Value, json};

use crate::{helpers::error_code, on_both_databases};

const ROLES: [&str; 5] = ["VIEWER", "TEAM_MEMBER", "UNIT_LEADER", "COORDINATOR", "ADMIN"];

/// A fingerprint of everything a mutation could write.
async fn snapshot(db: &sea_orm::DatabaseConnection) -> Vec<i64> {
    use sea_orm::ConnectionTrait;
    let mut counts = Vec::new();
    for sql in [
        "SELECT COUNT(*) AS n FROM unit",
        "SELECT COUNT(*) AS n FROM person",
        "SELECT COUNT(*) AS n FROM team",
        "SELECT COUNT(*) AS n FROM plan",
        "SELECT COUNT(*) AS n FROM chapter",
        "SELECT COUNT(*) AS n FROM action",
        "SELECT COUNT(*) AS n FROM action_event",
        "SELECT COALESCE(SUM(version), 0) AS n FROM action",
        "SELECT COUNT(*) AS n FROM evaluation WHERE status = 'SUBMITTED'",
        "SELECT COUNT(*) AS n FROM revision WHERE status = 'DONE'",
        "SELECT COUNT(*) AS n FROM notification WHERE status = 'PENDING'",
        "SELECT COUNT(*) AS n FROM calendar_feed",
        "SELECT COUNT(*) AS n FROM calendar_feed WHERE revoked_at IS NOT NULL",
        "SELECT COUNT(*) AS n FROM frozen_report",
    ] {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
            .unwrap();
        counts.push(row.try_get::<i64>("", "n").unwrap());
    }
    counts
}

on_both_databases! {
    async fn every_mutation_as_every_role(app: TestApp) {
        let f = app.fixture().await;
        // People of every role: the unit leader leads the action's unit, the team member is in
        // the team following it.
        let mut tokens = std::collections::HashMap::new();
        for role in ROLES {
            let token = if role == "ADMIN" {
                app.admin_token.clone()
            } else {
                let unit = (role == "UNIT_LEADER").then_some(f.unit_id.as_str());
                app.token_for(&format!("{}@kommune.no", role.to_lowercase()), role, unit).await
            };
            tokens.insert(role, token);
        }
        let team_member_id = {
            use sea_orm::EntityTrait;
            let db = app.db().await;
            tiltak::entities::person::Entity::find()
                .all(&db)
                .await
                .unwrap()
                .into_iter()
                .find(|p| p.email == "team_member@kommune.no")
                .unwrap()
                .id
                .to_string()
        };
        app.ok(
            "mutation($input: CreateTeamInput!) { createTeam(input: $input) { id } }",
            json!({ "input": { "name": "Familiens hus", "memberIds": [team_member_id], "unitIds": [f.unit_id] } }),
        )
        .await;
        // Things to act on: an open evaluation, a revision due, a failed message, a feed.
        app.ok(
            "mutation($input: UpdateActionInput!) { updateAction(input: $input) { id } }",
            json!({ "input": { "actionId": f.action_id, "recurrence": "ANNUAL", "deadline": "2026-12-08" } }),
        )
        .await;
        app.ok(
            "mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }",
            json!({ "input": { "title": "Rulleres", "ownerUnitId": f.unit_id, "revisionSchedule": "0 0 8 1 9 * 2030" } }),
        )
        .await;
        let state = &app.state;
        let manual = tiltak::jobs::Trigger::Manual;
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc);
        let year = app.clock.now().format("%Y").to_string().parse::<i32>().unwrap();
        tiltak::jobs::run(state, tiltak::jobs::Job::AnnualEvaluation, at(&format!("{}-01-15T08:00:00+01:00", year + 1)), manual, "t").await.unwrap();
        tiltak::jobs::run(state, tiltak::jobs::Job::PlanRevision, at("2030-09-01T06:30:00+02:00"), manual, "t").await.unwrap();
        tiltak::jobs::run(state, tiltak::jobs::Job::DeadlineReminders, at("2026-12-01T07:00:00+01:00"), manual, "t").await.unwrap();
        {
            use sea_orm::ConnectionTrait;
            app.db().await.execute_unprepared("UPDATE notification SET status = 'FAILED'").await.unwrap();
        }
        let ids = app
            .ok("{ evaluations { id } revisions { id } notifications { id } }", json!({}))
            .await;
        let evaluation = ids["evaluations"][0]["id"].clone();
        let revision = ids["revisions"][0]["id"].clone();
        let notification = ids["notifications"][0]["id"].clone();
        let feed = app
            .ok(
                "mutation($input: CreateCalendarFeedInput!) { createCalendarFeed(input: $input) { id } }",
                json!({ "input": { "planId": f.plan_id } }),
            )
            .await["createCalendarFeed"]["id"]
            .clone();

        let team = app.ok("{ teams { id } }", json!({})).await["teams"][0]["id"].clone();
        let person = app.ok("{ me { id } }", json!({})).await["me"]["id"].clone();

        // An action of the other unit, which the unit leader and the team do not follow.
        let foreign = app.add_action(&f.chapter_id, 2, &f.other_unit_id).await;
        // An action to archive: it stays archived for the roles after the first allowed one.
        let archivable = app.add_action(&f.chapter_id, 3, &f.unit_id).await;

        // Mutation, variables, the roles allowed. One-shot mutations (a second freeze, resend
        // or completion) may answer CONFLICT to a later allowed role: that is not a refusal.
        let csv = "kapittel;tiltak;tittel\n1;1;Importert\n";
        let cases: Vec<(&str, Value, &[&str])> = vec![
            ("mutation($n: String!) { createUnit(input: { name: $n, leaderName: \"L\", leaderEmail: \"l@k.no\" }) { id } }", json!({}), &["COORDINATOR", "ADMIN"]),
            ("mutation($n: String!) { createPerson(input: { name: \"Ny\", email: $n, role: VIEWER }) { id } }", json!({}), &["COORDINATOR", "ADMIN"]),
            ("mutation($n: String!) { createTeam(input: { name: $n }) { id } }", json!({}), &["COORDINATOR", "ADMIN"]),
            ("mutation($n: String!) { createPlan(input: { title: $n }) { id } }", json!({}), &["COORDINATOR", "ADMIN"]),
            ("mutation($plan: ID!, $k: Int!) { addChapter(input: { planId: $plan, number: $k, title: \"K\" }) { id } }", json!({ "plan": f.plan_id }), &["COORDINATOR", "ADMIN"]),
            ("mutation($chapter: ID!, $k: Int!) { addAction(input: { chapterId: $chapter, number: $k, title: \"T\" }) { id } }", json!({ "chapter": f.chapter_id }), &["COORDINATOR", "ADMIN"]),
            ("mutation($action: ID!, $n: String!) { updateAction(input: { actionId: $action, title: $n }) { id } }", json!({ "action": f.action_id }), &["COORDINATOR", "ADMIN"]),
            ("mutation($action: ID!, $k: Int!) { updateAction(input: { actionId: $action, progress: $k }) { id } }", json!({ "action": f.action_id }), &["UNIT_LEADER", "COORDINATOR", "ADMIN"]),
            ("mutation($action: ID!, $n: String!, $s: Status!) { updateActionStatus(input: { actionId: $action, status: $s, comment: $n }) { id } }", json!({ "action": f.action_id }), &["UNIT_LEADER", "COORDINATOR", "ADMIN"]),
            ("mutation($action: ID!, $n: String!) { commentAction(actionId: $action, comment: $n) { kind } }", json!({ "action": f.action_id }), &["TEAM_MEMBER", "UNIT_LEADER", "COORDINATOR", "ADMIN"]),
            ("mutation($action: ID!, $n: String!) { commentAction(actionId: $action, comment: $n) { kind } }", json!({ "action": foreign }), &["COORDINATOR", "ADMIN"]),
            ("mutation($action: ID!, $k: Int!) { updateAction(input: { actionId: $action, progress: $k }) { id } }", json!({ "action": foreign }), &["COORDINATOR", "ADMIN"]),
            ("mutation($n: String!, $csv: String!) { importPlan(input: { title: $n, format: CSV, content: $csv }) { created } }", json!({ "csv": csv }), &["COORDINATOR", "ADMIN"]),
            ("mutation($id: ID!, $n: String!) { submitEvaluation(input: { evaluationId: $id, carriedOut: YES, effect: $n, decision: CONTINUE }) { id } }", json!({ "id": evaluation }), &["UNIT_LEADER", "COORDINATOR", "ADMIN"]),
            ("mutation($id: ID!, $n: String!) { completeRevision(id: $id, comment: $n) { id } }", json!({ "id": revision }), &["UNIT_LEADER", "COORDINATOR", "ADMIN"]),
            ("mutation($id: ID!) { resendNotification(id: $id) { id } }", json!({ "id": notification }), &["ADMIN"]),
            ("mutation($plan: ID!) { createCalendarFeed(input: { planId: $plan }) { id } }", json!({ "plan": f.plan_id }), &ROLES),
            ("mutation($id: ID!) { revokeCalendarFeed(id: $id) { id } }", json!({ "id": feed }), &["ADMIN"]),
            ("mutation($plan: ID!, $k: Int!) { freezeReport(planId: $plan, year: $k, confirmEmpty: true) { hash } }", json!({ "plan": f.plan_id }), &["COORDINATOR", "ADMIN"]),
            ("mutation($unit: ID!, $n: String!) { updateUnit(input: { unitId: $unit, name: $n }) { id } }", json!({ "unit": f.other_unit_id }), &["COORDINATOR", "ADMIN"]),
            ("mutation($unit: ID!, $team: ID!) { updateTeam(input: { teamId: $team, unitIds: [$unit] }) { id } }", json!({ "unit": f.unit_id, "team": team }), &["COORDINATOR", "ADMIN"]),
            ("mutation($plan: ID!, $n: String!) { updatePlan(input: { planId: $plan, title: $n }) { id } }", json!({ "plan": f.plan_id }), &["COORDINATOR", "ADMIN"]),
            ("mutation($action: ID!, $chapter: ID!, $k: Int!) { updateAction(input: { actionId: $action, chapterId: $chapter, number: $k }) { id } }", json!({ "action": foreign, "chapter": f.chapter_id }), &["COORDINATOR", "ADMIN"]),
            ("mutation { revokeEmailLinks(email: \"leder@kommune.no\") }", json!({}), &["COORDINATOR", "ADMIN"]),
            ("mutation { revokeSessions(email: \"leder@kommune.no\") }", json!({}), &["COORDINATOR", "ADMIN"]),
            ("mutation($plan: ID!) { setPlanPublic(planId: $plan, public: true) { public } }", json!({ "plan": f.plan_id }), &["ADMIN"]),
            ("mutation($action: ID!) { updateActions(input: { actionIds: [$action], deadline: \"31.12.2030\" }) { id } }", json!({ "action": foreign }), &["COORDINATOR", "ADMIN"]),
            ("mutation($plan: ID!) { confirmSuggestedUnits(planId: $plan) { id } }", json!({ "plan": f.plan_id }), &["COORDINATOR", "ADMIN"]),
            ("mutation($n: String!, $person: ID!) { updatePerson(input: { personId: $person, name: $n }) { id } }", json!({ "person": person }), &["COORDINATOR", "ADMIN"]),
            ("mutation($chapter: ID!, $n: String!) { updateChapter(input: { chapterId: $chapter, title: $n }) { id } }", json!({ "chapter": f.chapter_id }), &["COORDINATOR", "ADMIN"]),
            ("mutation($action: ID!) { updateAction(input: { actionId: $action, archived: true }) { id } }", json!({ "action": archivable }), &["COORDINATOR", "ADMIN"]),
            ("mutation($plan: ID!) { updatePlan(input: { planId: $plan, archived: false, periodStart: 2025 }) { id } }", json!({ "plan": f.plan_id }), &["COORDINATOR", "ADMIN"]),
        ];
        let db = app.db().await;
        let mut n = 0;
        for (query, variables, allowed) in cases {
            for role in ROLES {
                n += 1;
                let mut variables = variables.clone();
                variables["n"] = json!(if query.contains("createPerson") { format!("ny{n}@kommune.no") } else { format!("Navn {n}") });
                variables["k"] = json!(if query.contains("freezeReport") {
                    2000 + n % 20
                } else if query.contains("progress") {
                    n % 100
                } else {
                    100 + n
                });
                variables["csv"] = json!(csv);
                if query.contains("updateActionStatus") {
                    let now = app.action(&f.action_id).await["status"].clone();
                    variables["s"] = json!(if now == "DELAYED" { "IN_PROGRESS" } else { "DELAYED" });
                }
                let before = snapshot(&db).await;
                let response = app.gql_as(Some(&tokens[role]), query, variables).await;
                let code = error_code(&response);
                if allowed.contains(&role) {
                    assert!(code.is_none() || code == Some("CONFLICT"), "{role} may run {query}: {response}");
                } else {
                    assert_eq!(code, Some("FORBIDDEN"), "{role} may not run {query}: {response}");
                    assert_eq!(snapshot(&db).await, before, "{role} was refused {query}, and nothing was written");
                }
            }
        }
    }
}
