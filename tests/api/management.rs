//! Managing the setup after it is made: units renamed (earlier reports keep the old name and
//! still find the unit), leaders changed, units archived; leader teams given members and units;
//! plans given an owner unit and schedules. Every change is for admins and coordinators and
//! a bad value names its field and changes nothing.

use serde_json::{Value, json};
use tiltak::jobs::{self, Job, Trigger};

use crate::{
    helpers::{TestApp, error_code, error_field},
    on_both_databases,
};

async fn id_of(app: &TestApp, query: &str, list: &str, name: &str) -> String {
    let data = app.ok(query, json!({})).await;
    data[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["name"] == name || row["title"] == name)
        .unwrap_or_else(|| panic!("no {name} in {data}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

const UPDATE_UNIT: &str =
    "mutation($input: UpdateUnitInput!) { updateUnit(input: $input) { id name leaderEmail archived } }";

on_both_databases! {
    async fn a_renamed_unit_keeps_its_name_in_earlier_reports(app: TestApp) {
        app.with_example_plan().await;
        let unit = id_of(&app, "{ units { id name } }", "units", "Barne- og ungdomsvern").await;
        let plan = app.ok("{ plans { id } }", json!({})).await["plans"][0]["id"].as_str().unwrap().to_owned();
        let report = |unit: Option<String>| {
            let plan = plan.clone();
            let app = &app;
            async move {
                app.ok(
                    "query($plan: ID!, $unit: ID) { report(planId: $plan, year: 2025, unitId: $unit) {
                        data { chapters { actions { number unit } } } } }",
                    json!({ "plan": plan, "unit": unit }),
                )
                .await
            }
        };
        let before = report(Some(unit.clone())).await;

        let renamed = app
            .ok(UPDATE_UNIT, json!({ "input": { "unitId": unit, "name": "Barnevernstjenesten", "leaderEmail": "ny.leder@eksempel.kommune.no" } }))
            .await;
        assert_eq!(renamed["updateUnit"]["name"], "Barnevernstjenesten");
        assert_eq!(renamed["updateUnit"]["leaderEmail"], "ny.leder@eksempel.kommune.no");

        // 2025's report shows the name the unit had in 2025, and the unit's view finds the same actions.
        let after = report(Some(unit.clone())).await;
        assert_eq!(before, after, "the unit view of 2025 is unchanged by the rename");
        let text = after.to_string();
        assert!(text.contains("Barne- og ungdomsvern") && !text.contains("Barnevernstjenesten"), "{text}");
        let units = app.ok("{ units { name } }", json!({})).await.to_string();
        assert!(units.contains("Barnevernstjenesten") && !units.contains("Barne- og ungdomsvern"));

        // A name another unit has is refused, naming the field; nothing changes.
        let taken = app.gql(UPDATE_UNIT, json!({ "input": { "unitId": unit, "name": "PP-tjenesten" } })).await;
        assert_eq!((error_code(&taken), error_field(&taken)), (Some("VALIDATION"), Some("name")), "{taken}");
        let bad = app.gql(UPDATE_UNIT, json!({ "input": { "unitId": unit, "leaderEmail": "ikke e-post" } })).await;
        assert_eq!(error_field(&bad), Some("leaderEmail"), "{bad}");
        let units = app.ok("{ units { name leaderEmail } }", json!({})).await.to_string();
        assert!(units.contains("Barnevernstjenesten") && units.contains("ny.leder@eksempel.kommune.no"));

        // Archived, and back.
        let archived = app.ok(UPDATE_UNIT, json!({ "input": { "unitId": unit, "archived": true } })).await;
        assert_eq!(archived["updateUnit"]["archived"], true);
        let back = app.ok(UPDATE_UNIT, json!({ "input": { "unitId": unit, "archived": false } })).await;
        assert_eq!(back["updateUnit"]["archived"], false);

        // Not for unit leaders.
        let leader = app.token_for("leder@eksempel.kommune.no", "UNIT_LEADER", Some(&unit)).await;
        let refused = app
            .gql_as(Some(&leader), UPDATE_UNIT, json!({ "input": { "unitId": unit, "name": "Mitt navn" } }))
            .await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    }

    async fn a_leader_team_gets_members_and_its_weekly_digest(app: TestApp) {
        app.with_example_plan().await;
        let team = id_of(&app, "{ teams { id name } }", "teams", "Familiens hus lederteam").await;
        let member = app
            .ok(
                "mutation { createPerson(input: { name: \"Siri Team\", email: \"siri@eksempel.kommune.no\", role: TEAM_MEMBER }) { id } }",
                json!({}),
            )
            .await["createPerson"]["id"]
            .clone();
        let set = |members: Value| {
            let app = &app;
            let team = team.clone();
            async move {
                app.gql(
                    "mutation($input: UpdateTeamInput!) { updateTeam(input: $input) { id members { email } } }",
                    json!({ "input": { "teamId": team, "memberIds": members } }),
                )
                .await
            }
        };
        let unknown = set(json!([uuid::Uuid::new_v4()])).await;
        assert_eq!(error_field(&unknown), Some("memberIds"), "{unknown}");
        let saved = set(json!([member])).await;
        assert!(saved.get("errors").is_none(), "{saved}");
        assert_eq!(saved["data"]["updateTeam"]["members"][0]["email"], "siri@eksempel.kommune.no");

        // The weekly digest now reaches the member.
        jobs::run(&app.state, Job::WeeklyDigest, app.clock.now(), Trigger::Manual, "test").await.unwrap();
        let sent = app.ok("{ notifications { recipient reason } }", json!({})).await.to_string();
        assert!(sent.contains("siri@eksempel.kommune.no") && sent.contains("TEAM_DIGEST"), "{sent}");
    }

    async fn a_plan_gets_its_owner_unit_and_schedules(app: TestApp) {
        app.with_example_plan().await;
        let plan = app.ok("{ plans { id } }", json!({})).await["plans"][0]["id"].as_str().unwrap().to_owned();
        let unit = id_of(&app, "{ units { id name } }", "units", "Kommunalsjef oppvekst").await;
        let update = "mutation($input: UpdatePlanInput!) { updatePlan(input: $input) { ownerUnit { name } evaluationSchedule revisionSchedule } }";
        let bad = app
            .gql(update, json!({ "input": { "planId": plan, "ownerUnitId": unit, "evaluationSchedule": "hver januar" } }))
            .await;
        assert_eq!(error_field(&bad), Some("evaluationSchedule"), "{bad}");
        let unchanged = app.ok("{ plans { evaluationSchedule } }", json!({})).await;
        assert_ne!(unchanged["plans"][0]["evaluationSchedule"], "hver januar");
        let saved = app
            .ok(update, json!({ "input": { "planId": plan, "ownerUnitId": unit, "evaluationSchedule": "0 0 8 15 1 * *", "revisionSchedule": null } }))
            .await;
        assert_eq!(saved["updatePlan"]["ownerUnit"]["name"], "Kommunalsjef oppvekst");
        assert_eq!(saved["updatePlan"]["evaluationSchedule"], "0 0 8 15 1 * *");
        assert_eq!(saved["updatePlan"]["revisionSchedule"], Value::Null);
    }
}

on_both_databases! {
    async fn an_action_moves_to_another_chapter_with_its_history(app: TestApp) {
        app.with_example_plan().await;
        let plan = app
            .ok("{ plans { id chapters { id number actions { id number } } } }", json!({}))
            .await;
        let chapters = plan["plans"][0]["chapters"].as_array().unwrap();
        let from = &chapters[0];
        let to = &chapters[1];
        let action = from["actions"][0]["id"].as_str().unwrap().to_owned();
        let taken = to["actions"][0]["number"].as_str().unwrap().rsplit('.').next().unwrap().parse::<i32>().unwrap();
        let update = "mutation($input: UpdateActionInput!) { updateAction(input: $input) { number history { kind from to } } }";
        let refused = app
            .gql(update, json!({ "input": { "actionId": action, "chapterId": to["id"], "number": taken } }))
            .await;
        assert_eq!(error_field(&refused), Some("number"), "{refused}");
        let half = app.gql(update, json!({ "input": { "actionId": action, "chapterId": to["id"] } })).await;
        assert_eq!(error_field(&half), Some("number"), "{half}");
        let moved = app
            .ok(update, json!({ "input": { "actionId": action, "chapterId": to["id"], "number": 99, "comment": "Hører til tidlig innsats" } }))
            .await;
        let new_number = format!("{}.99", to["number"]);
        assert_eq!(moved["updateAction"]["number"], new_number.as_str());
        let history = moved["updateAction"]["history"].to_string();
        assert!(history.contains("NUMBER") && history.contains(&format!("\"{new_number}\"")), "{history}");
        let verify = app.cli(&["audit", "verify"]);
        assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    }
}

on_both_databases! {
    async fn a_public_page_shows_statuses_and_nothing_internal(app: TestApp) {
        app.with_example_plan().await;
        let plan = app.ok("{ plans { id } }", json!({})).await["plans"][0]["id"].as_str().unwrap().to_owned();
        let url = format!("{}/offentlig/{plan}", app.address);
        assert_eq!(app.client.get(&url).send().await.unwrap().status(), 404, "off by default");

        let coordinator = app.token_for("koordinator@eksempel.kommune.no", "COORDINATOR", None).await;
        let set = "mutation($plan: ID!, $on: Boolean!) { setPlanPublic(planId: $plan, public: $on) { public } }";
        let refused = app.gql_as(Some(&coordinator), set, json!({ "plan": plan, "on": true })).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "only admins publish: {refused}");
        assert_eq!(app.client.get(&url).send().await.unwrap().status(), 404);

        let on = app.ok(set, json!({ "plan": plan, "on": true })).await;
        assert_eq!(on["setPlanPublic"]["public"], true);
        let response = app.client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-control"], "public, max-age=300");
        assert!(response.headers().get("set-cookie").is_none(), "no cookie on the public page");
        let page = response.text().await.unwrap();
        assert!(page.contains("Forsinket") && page.contains("Barne- og ungdomsvern"), "{page}");
        // Nothing internal: no comment from the history, no person, no address.
        let history = app
            .ok("{ actions(first: 50) { history(first: 50) { comment actor { name email } } } }", json!({}))
            .await
            .to_string();
        let values: Value = serde_json::from_str(&history).unwrap();
        let mut internal = Vec::new();
        for action in values["actions"].as_array().unwrap() {
            for event in action["history"].as_array().unwrap() {
                if let Some(comment) = event["comment"].as_str() {
                    internal.push(comment.to_owned());
                }
                if let Some(name) = event["actor"]["name"].as_str() {
                    internal.push(name.to_owned());
                }
            }
        }
        internal.extend(["Kari Nordmann".to_owned(), "Administrator".to_owned()]);
        assert!(internal.len() > 2, "the example has comments to look for");
        for text in internal {
            assert!(!page.contains(&text), "the public page shows {text:?}");
        }
        assert!(!page.contains('@'), "no email address on the public page");

        let off = app.ok(set, json!({ "plan": plan, "on": false })).await;
        assert_eq!(off["setPlanPublic"]["public"], false);
        assert_eq!(app.client.get(&url).send().await.unwrap().status(), 404);
    }
}

on_both_databases! {
    async fn many_actions_get_a_unit_or_deadline_and_suggestions_are_confirmed(app: TestApp) {
        app.with_example_plan().await;
        let text = include_str!("../data/forebyggende-plan.txt");
        let imported = app
            .ok(
                "mutation($text: String!) { importPlan(input: { title: \"Forebyggende plan\", format: TEXT, content: $text }) { plan { id } } }",
                json!({ "text": text }),
            )
            .await;
        let plan = imported["importPlan"]["plan"]["id"].as_str().unwrap().to_owned();
        let before = plan_actions(&app, &plan).await;
        let suggested = before.iter().filter(|a| !a["suggestedUnit"].is_null() && a["responsibleUnit"].is_null()).count();
        assert!(suggested > 0, "the real plan names units the example has");
        let confirmed = app
            .ok("mutation($plan: ID!) { confirmSuggestedUnits(planId: $plan) { id } }", json!({ "plan": plan }))
            .await;
        assert_eq!(confirmed["confirmSuggestedUnits"].as_array().unwrap().len(), suggested);
        let after = plan_actions(&app, &plan).await;
        assert!(after.iter().all(|a| a["suggestedUnit"].is_null() || !a["responsibleUnit"].is_null()));

        // A deadline on three actions at once; a bad one changes none.
        let ids: Vec<&Value> = after.iter().take(3).map(|a| &a["id"]).collect();
        let set = "mutation($input: UpdateActionsInput!) { updateActions(input: $input) { deadline } }";
        let unknown = app
            .gql(set, json!({ "input": { "actionIds": [ids[0], uuid::Uuid::new_v4()], "deadline": "31.12.2027" } }))
            .await;
        assert_eq!(error_code(&unknown), Some("NOT_FOUND"), "{unknown}");
        assert_ne!(plan_actions(&app, &plan).await[0]["deadline"], "2027-12-31", "all or nothing");
        let nothing = app.gql(set, json!({ "input": { "actionIds": ids } })).await;
        assert_eq!(error_field(&nothing), Some("responsibleUnitId"), "{nothing}");
        let saved = app.ok(set, json!({ "input": { "actionIds": ids, "deadline": "31.12.2027" } })).await;
        assert_eq!(saved["updateActions"].as_array().unwrap().len(), 3);
        let now = plan_actions(&app, &plan).await;
        assert_eq!(now.iter().filter(|a| a["deadline"] == "2027-12-31").count(), 3);
    }
}

async fn plan_actions(app: &TestApp, plan: &str) -> Vec<Value> {
    app.ok(
        "query($plan: ID!) { actions(filter: { planId: $plan }, first: 100) { id number deadline responsibleUnit { name } suggestedUnit { name } } }",
        json!({ "plan": plan }),
    )
    .await["actions"]
        .as_array()
        .unwrap()
        .clone()
}

on_both_databases! {
    async fn a_persons_role_and_unit_change_and_apply_at_once(app: TestApp) {
        app.with_example_plan().await;
        let unit = id_of(&app, "{ units { id name } }", "units", "PP-tjenesten").await;
        let token = app.token_for("per@eksempel.kommune.no", "VIEWER", None).await;
        let me = app.gql_as(Some(&token), "{ me { id role } }", json!({})).await;
        let id = me["data"]["me"]["id"].as_str().unwrap().to_owned();
        let update = "mutation($input: UpdatePersonInput!) { updatePerson(input: $input) { role unit { name } } }";

        let no_unit = app.gql(update, json!({ "input": { "personId": id, "role": "UNIT_LEADER" } })).await;
        assert_eq!(error_field(&no_unit), Some("unitId"), "{no_unit}");
        let coordinator = app.token_for("koordinator@eksempel.kommune.no", "COORDINATOR", None).await;
        let admin = app.gql_as(Some(&coordinator), update, json!({ "input": { "personId": id, "role": "ADMIN" } })).await;
        assert_eq!(error_code(&admin), Some("FORBIDDEN"), "only admins make admins: {admin}");
        let leader = app
            .gql_as(Some(&coordinator), update, json!({ "input": { "personId": id, "role": "UNIT_LEADER", "unitId": unit } }))
            .await;
        assert_eq!(leader["data"]["updatePerson"]["role"], "UNIT_LEADER", "{leader}");
        assert_eq!(leader["data"]["updatePerson"]["unit"]["name"], "PP-tjenesten");

        // The person's own token carries the new role at once.
        let me = app.gql_as(Some(&token), "{ me { role } }", json!({})).await;
        assert_eq!(me["data"]["me"]["role"], "UNIT_LEADER", "{me}");

        // Name and email: an address another person has, or no address, is refused naming `email`.
        for email in ["koordinator@eksempel.kommune.no", "ikke en adresse"] {
            let refused = app.gql(update, json!({ "input": { "personId": id, "email": email, "name": "Per P" } })).await;
            assert_eq!(error_field(&refused), Some("email"), "{refused}");
        }
        let renamed = app
            .ok(
                "mutation($input: UpdatePersonInput!) { updatePerson(input: $input) { name email } }",
                json!({ "input": { "personId": id, "name": "Per Pedersen", "email": "Per.Pedersen@Eksempel.kommune.no" } }),
            )
            .await;
        assert_eq!(renamed["updatePerson"], json!({ "name": "Per Pedersen", "email": "per.pedersen@eksempel.kommune.no" }));
        let me = app.gql_as(Some(&token), "{ me { name email } }", json!({})).await;
        assert_eq!(me["data"]["me"]["email"], "per.pedersen@eksempel.kommune.no", "the token goes on working: {me}");
    }
}
