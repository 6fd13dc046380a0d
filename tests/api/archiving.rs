//! Archiving instead of deleting: an archived action, chapter or plan leaves the lists,
//! reminders and evaluation rounds, keeps its number and history, and stays in the reports
//! of the years it was followed up. Chapters are renumbered (each action's history records
//! its new number) and renamed. Archived units get no new work, and their reminders go to the
//! coordinators. A refused change names its field and writes nothing.

use chrono::Datelike;
use serde_json::{Value, json};
use tiltak::jobs::{self, Job, Trigger};

use crate::{
    helpers::{TestApp, error_code, error_field},
    on_both_databases,
};

const UPDATE_ACTION: &str = "mutation($input: UpdateActionInput!) {
    updateAction(input: $input) { id number archived archivedAt history { kind from to comment } } }";
const UPDATE_CHAPTER: &str = "mutation($input: UpdateChapterInput!) {
    updateChapter(input: $input) { id number title archived actions { number } } }";
const PLAN: &str = "query($id: ID!) { plan(id: $id) {
    chapters { id number title actions { id number title } }
    archivedChapters: chapters(archived: true) { id number }
    progress { overall { total } } } }";

/// The example plan's id and the id of its action `number` ("2.1").
async fn example(app: &TestApp, number: &str) -> (String, String) {
    app.with_example_plan().await;
    let plan = app.ok("{ plans { id } }", json!({})).await["plans"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let action = action_id(app, &plan, number).await;
    (plan, action)
}

async fn action_id(app: &TestApp, plan: &str, number: &str) -> String {
    let data = app.ok(PLAN, json!({ "id": plan })).await;
    data["plan"]["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["actions"].as_array().unwrap())
        .find(|a| a["number"] == number)
        .unwrap_or_else(|| panic!("no action {number} in {data}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The numbers of the actions `actions(filter)` lists.
async fn listed(app: &TestApp, filter: Value) -> Vec<String> {
    app.ok(
        "query($f: ActionFilter) { actions(filter: $f) { number } }",
        json!({ "f": filter }),
    )
    .await["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["number"].as_str().unwrap().to_owned())
        .collect()
}

async fn events(app: &TestApp) -> i64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    tiltak::entities::action_event::Entity::find()
        .count(&app.db().await)
        .await
        .unwrap() as i64
}

/// The numbers in the report of `year` and the year's events of action `number`.
async fn report(app: &TestApp, plan: &str, year: i32, number: &str) -> (Vec<String>, Vec<String>) {
    let data = app
        .ok(
            "query($plan: ID!, $year: Int!) { report(planId: $plan, year: $year) {
                data { chapters { actions { number events { change } } } } } }",
            json!({ "plan": plan, "year": year }),
        )
        .await;
    let actions: Vec<&Value> = data["report"]["data"]["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["actions"].as_array().unwrap())
        .collect();
    let numbers = actions
        .iter()
        .map(|a| a["number"].as_str().unwrap().to_owned())
        .collect();
    let changes = actions
        .iter()
        .filter(|a| a["number"] == number)
        .flat_map(|a| a["events"].as_array().unwrap())
        .map(|e| e["change"].as_str().unwrap().to_owned())
        .collect();
    (numbers, changes)
}

async fn bodies_to(app: &TestApp, email: &str) -> String {
    app.ok("{ notifications { recipient reason bodyText } }", json!({}))
        .await["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["recipient"].as_str().unwrap().contains(email))
        .map(|n| format!("{} {}", n["reason"], n["bodyText"]))
        .collect()
}

on_both_databases! {
    async fn an_archived_action_leaves_the_lists_and_reminders_and_keeps_its_history(app: TestApp) {
        // 2.1 "Rutine ved bekymring for barn": delayed, deadline 1 September 2025, Barne- og ungdomsvern.
        let (plan, action) = example(&app, "2.1").await;
        assert!(listed(&app, json!(null)).await.contains(&"2.1".to_owned()));
        let total = |data: Value| data["plan"]["progress"]["overall"]["total"].as_i64().unwrap();
        let before = total(app.ok(PLAN, json!({ "id": plan })).await);

        let archived = app
            .ok(UPDATE_ACTION, json!({ "input": { "actionId": action, "archived": true, "comment": "Slått sammen med 2.2" } }))
            .await["updateAction"]
            .clone();
        assert_eq!(archived["archived"], true);
        assert!(archived["archivedAt"].is_string(), "{archived}");
        let last = archived["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["kind"].as_str(), last["to"].as_str()), (Some("ARCHIVED"), Some("ARCHIVED")), "{last}");
        assert_eq!(last["comment"], "Slått sammen med 2.2");

        // Out of the lists, the plan's chapters and its counts; found as archived.
        assert!(!listed(&app, json!(null)).await.contains(&"2.1".to_owned()));
        assert!(!listed(&app, json!({ "planId": plan })).await.contains(&"2.1".to_owned()));
        assert_eq!(listed(&app, json!({ "archived": true })).await, vec!["2.1"]);
        let data = app.ok(PLAN, json!({ "id": plan })).await;
        assert!(!data.to_string().contains(&action), "{data}");
        assert_eq!(total(data), before - 1);

        // Nothing else changes while it is archived; each refusal names `archived` and writes nothing.
        let written = events(&app).await;
        for (query, variables) in [
            ("mutation($id: ID!) { updateActionStatus(input: { actionId: $id, status: IN_PROGRESS }) { id } }", json!({ "id": action })),
            ("mutation($id: ID!) { commentAction(actionId: $id, comment: \"Hei\") { kind } }", json!({ "id": action })),
            ("mutation($id: ID!) { updateAction(input: { actionId: $id, title: \"Ny tittel\" }) { id } }", json!({ "id": action })),
            ("mutation($id: ID!) { updateAction(input: { actionId: $id, progress: 50 }) { id } }", json!({ "id": action })),
        ] {
            let refused = app.gql(query, variables).await;
            assert_eq!((error_code(&refused), error_field(&refused)), (Some("VALIDATION"), Some("archived")), "{refused}");
        }
        assert_eq!(events(&app).await, written, "no history was written");
        // Archiving it again changes nothing.
        app.ok(UPDATE_ACTION, json!({ "input": { "actionId": action, "archived": true } })).await;
        assert_eq!(events(&app).await, written);

        // It keeps its number: a new 2.1 is refused, naming the archived one.
        let chapter = app.ok("query($id: ID!) { action(id: $id) { chapter { id } } }", json!({ "id": action })).await
            ["action"]["chapter"]["id"].clone();
        let taken = app
            .gql("mutation($c: ID!) { addAction(input: { chapterId: $c, number: 1, title: \"Ny rutine\" }) { id } }", json!({ "c": chapter }))
            .await;
        assert_eq!(error_field(&taken), Some("number"), "{taken}");
        assert!(taken.to_string().contains("2.1 already exists (archived)"), "{taken}");

        // No reminder about it: Kari still hears about her other overdue action, not this one.
        jobs::run(&app.state, Job::DeadlineReminders, app.clock.now(), Trigger::Manual, "test").await.unwrap();
        let kari = bodies_to(&app, "kari.nordmann@").await;
        assert!(kari.contains("Handlingsplan for Familiens hus"), "{kari}");
        assert!(!kari.contains("Rutine ved bekymring for barn"), "{kari}");

        // The reports: there in the years it was followed up, with «Arkivert» in this year's events; gone after.
        let year = app.clock.now().year();
        let (numbers, _) = report(&app, &plan, 2025, "2.1").await;
        assert!(numbers.contains(&"2.1".to_owned()), "{numbers:?}");
        let (numbers, changes) = report(&app, &plan, year, "2.1").await;
        assert!(numbers.contains(&"2.1".to_owned()), "{numbers:?}");
        assert_eq!(changes.last().map(String::as_str), Some("Arkivert"), "{changes:?}");
        let (numbers, _) = report(&app, &plan, year + 1, "2.1").await;
        assert!(!numbers.contains(&"2.1".to_owned()) && numbers.contains(&"2.2".to_owned()), "{numbers:?}");

        // Brought back, it is followed up again.
        let back = app.ok(UPDATE_ACTION, json!({ "input": { "actionId": action, "archived": false } })).await;
        assert_eq!(back["updateAction"]["archived"], false);
        assert!(listed(&app, json!({ "planId": plan })).await.contains(&"2.1".to_owned()));
        app.ok("mutation($id: ID!) { updateActionStatus(input: { actionId: $id, status: IN_PROGRESS }) { id } }", json!({ "id": action })).await;

        let verify = app.cli(&["audit", "verify"]);
        assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    }

    async fn a_chapter_is_renumbered_renamed_and_archived_once_it_is_empty(app: TestApp) {
        // Chapter 4 "Fattigdom i barnefamilier" holds 4.1 and 4.2.
        let (plan, first) = example(&app, "4.1").await;
        let second = action_id(&app, &plan, "4.2").await;
        let data = app.ok(PLAN, json!({ "id": plan })).await;
        let chapter = data["plan"]["chapters"].as_array().unwrap().iter().find(|c| c["number"] == 4).unwrap()["id"].clone();

        // A number the plan has, a negative one, an empty title: refused, naming the field, nothing changed.
        let written = events(&app).await;
        for (input, field) in [
            (json!({ "chapterId": chapter, "number": 3 }), "number"),
            (json!({ "chapterId": chapter, "number": -1 }), "number"),
            (json!({ "chapterId": chapter, "title": " " }), "title"),
        ] {
            let refused = app.gql(UPDATE_CHAPTER, json!({ "input": input })).await;
            assert_eq!((error_code(&refused), error_field(&refused)), (Some("VALIDATION"), Some(field)), "{refused}");
        }
        assert_eq!(events(&app).await, written);
        assert_eq!(app.ok(PLAN, json!({ "id": plan })).await, data, "nothing changed");

        let moved = app
            .ok(UPDATE_CHAPTER, json!({ "input": { "chapterId": chapter, "number": 5, "title": "Økonomi og fritid" } }))
            .await["updateChapter"]
            .clone();
        assert_eq!((moved["number"].as_i64(), moved["title"].as_str()), (Some(5), Some("Økonomi og fritid")));
        assert_eq!(moved["actions"], json!([{ "number": "5.1" }, { "number": "5.2" }]));
        for (id, from, to) in [(&first, "4.1", "5.1"), (&second, "4.2", "5.2")] {
            let history = app.action(id).await["history"].clone();
            let last = history.as_array().unwrap().last().unwrap();
            assert_eq!((last["kind"].as_str(), last["from"].as_str(), last["to"].as_str()), (Some("NUMBER"), Some(from), Some(to)), "{history}");
        }

        // Not while it holds an action that is not archived.
        let refused = app.gql(UPDATE_CHAPTER, json!({ "input": { "chapterId": chapter, "archived": true } })).await;
        assert_eq!(error_field(&refused), Some("archived"), "{refused}");
        assert!(refused.to_string().contains("2 action(s)"), "{refused}");
        for id in [&first, &second] {
            app.ok(UPDATE_ACTION, json!({ "input": { "actionId": id, "archived": true } })).await;
        }
        let archived = app.ok(UPDATE_CHAPTER, json!({ "input": { "chapterId": chapter, "archived": true } })).await;
        assert_eq!(archived["updateChapter"]["archived"], true);
        let data = app.ok(PLAN, json!({ "id": plan })).await;
        assert!(data["plan"]["chapters"].as_array().unwrap().iter().all(|c| c["number"] != 5), "{data}");
        assert_eq!(data["plan"]["archivedChapters"][0]["number"], 5);

        // An archived chapter takes no new actions, by adding or by moving.
        let added = app
            .gql("mutation($c: ID!) { addAction(input: { chapterId: $c, number: 9, title: \"Nytt\" }) { id } }", json!({ "c": chapter }))
            .await;
        assert_eq!(error_field(&added), Some("chapterId"), "{added}");
        let other = action_id(&app, &plan, "1.3").await;
        let moved = app.gql(UPDATE_ACTION, json!({ "input": { "actionId": other, "chapterId": chapter, "number": 9 } })).await;
        assert_eq!(error_field(&moved), Some("chapterId"), "{moved}");

        let verify = app.cli(&["audit", "verify"]);
        assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    }

    async fn an_archived_plan_gets_no_reminders_or_evaluation_rounds(app: TestApp) {
        let (plan, _) = example(&app, "1.1").await;
        let update = "mutation($input: UpdatePlanInput!) { updatePlan(input: $input) {
            archived adoptedOn periodStart periodEnd } }";
        // The period's end before its start is refused, naming the field, and nothing changes.
        let refused = app.gql(update, json!({ "input": { "planId": plan, "periodEnd": 2020, "archived": true } })).await;
        assert_eq!(error_field(&refused), Some("periodEnd"), "{refused}");
        assert_eq!(app.ok("{ plans { id } }", json!({})).await["plans"].as_array().unwrap().len(), 1);

        let saved = app
            .ok(update, json!({ "input": { "planId": plan, "adoptedOn": "20.03.2025", "periodStart": 2025, "periodEnd": 2029, "archived": true, "evaluationSchedule": null } }))
            .await;
        assert_eq!(saved["updatePlan"], json!({ "archived": true, "adoptedOn": "2025-03-20", "periodStart": 2025, "periodEnd": 2029 }));
        assert_eq!(app.ok("{ plans { id } }", json!({})).await["plans"], json!([]));
        assert_eq!(app.ok("{ plans(archived: true) { id } }", json!({})).await["plans"][0]["id"], plan.as_str());
        assert_eq!(listed(&app, json!(null)).await, Vec::<String>::new(), "its actions are not followed up");
        assert_eq!(listed(&app, json!({ "planId": plan })).await.len(), 10, "but its own list shows them");

        for job in [Job::DeadlineReminders, Job::AnnualEvaluation, Job::PlanRevision] {
            jobs::run(&app.state, job, app.clock.now(), Trigger::Manual, "test").await.unwrap();
        }
        let sent = app.ok("{ notifications { recipient } evaluations { id } }", json!({})).await;
        assert_eq!(sent, json!({ "notifications": [], "evaluations": [] }), "no reminders and no evaluation round");

        let chapter = app
            .gql("mutation($p: ID!) { addChapter(input: { planId: $p, number: 9, title: \"Nytt\" }) { id } }", json!({ "p": plan }))
            .await;
        assert_eq!(error_field(&chapter), Some("planId"), "{chapter}");
        // The council report of an archived plan is still there.
        let (numbers, _) = report(&app, &plan, 2025, "1.1").await;
        assert!(numbers.contains(&"1.1".to_owned()), "{numbers:?}");

        // Brought back, the same job opens its evaluation round.
        app.ok(update, json!({ "input": { "planId": plan, "archived": false } })).await;
        let later = app.clock.now() + chrono::Duration::minutes(1);
        jobs::run(&app.state, Job::AnnualEvaluation, later, Trigger::Manual, "test").await.unwrap();
        let opened = app.ok("{ evaluations { id } }", json!({})).await["evaluations"].as_array().unwrap().len();
        assert!(opened > 0, "the round opens for the plan that is back");
    }

    async fn an_archived_unit_gets_no_new_actions_and_its_reminders_reach_the_coordinators(app: TestApp) {
        // 4.1 "Lokal fritidserklæring" is NAV's, deadline 30 April 2026.
        let (plan, nav_action) = example(&app, "4.1").await;
        let units = app.ok("{ units { id name } }", json!({})).await;
        let nav = units["units"].as_array().unwrap().iter().find(|u| u["name"] == "NAV").unwrap()["id"].clone();
        app.ok("mutation($id: ID!) { updateUnit(input: { unitId: $id, archived: true }) { id } }", json!({ "id": nav })).await;
        app.token_for("koordinator@eksempel.kommune.no", "COORDINATOR", None).await;

        let other = action_id(&app, &plan, "1.3").await;
        for input in [
            json!({ "actionId": other, "responsibleUnitId": nav }),
            json!({ "actionId": other, "contributingUnitIds": [nav] }),
        ] {
            let refused = app.gql(UPDATE_ACTION, json!({ "input": input })).await;
            let field = error_field(&refused).unwrap_or_default().to_owned();
            assert!(field == "responsibleUnitId" || field == "contributingUnitIds", "{refused}");
            assert!(refused.to_string().contains("NAV is archived"), "{refused}");
        }
        // Its own action keeps it, and other changes to that action still work.
        app.ok(UPDATE_ACTION, json!({ "input": { "actionId": nav_action, "title": "Lokal fritidserklæring for alle" } })).await;

        jobs::run(&app.state, Job::DeadlineReminders, app.clock.now(), Trigger::Manual, "test").await.unwrap();
        assert_eq!(bodies_to(&app, "per.olsen@").await, "", "the archived unit's leader hears nothing");
        let coordinator = bodies_to(&app, "koordinator@eksempel.kommune.no").await;
        assert!(coordinator.contains("NO_OWNER") && coordinator.contains("Enheten NAV er arkivert"), "{coordinator}");
    }
}
