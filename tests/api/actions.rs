use serde_json::json;

use crate::helpers::{error_code, error_field};
use crate::on_both_databases;

const SET_STATUS: &str = "mutation($input: UpdateActionStatusInput!) {
    updateActionStatus(input: $input) { status version } }";
const UPDATE: &str = "mutation($input: UpdateActionInput!) {
    updateAction(input: $input) { title deadline progress tags version contributingUnits { name } responsibleUnit { name } } }";

fn status(action_id: &str, status: &str, comment: Option<&str>) -> serde_json::Value {
    json!({ "input": { "actionId": action_id, "status": status, "comment": comment } })
}

on_both_databases! {
    async fn a_status_flow_is_kept_in_the_history(app: TestApp) {
        let f = app.fixture().await;
        app.ok(SET_STATUS, status(&f.action_id, "IN_PROGRESS", None)).await;
        app.ok(SET_STATUS, status(&f.action_id, "DELAYED", Some("Mangler midler"))).await;
        app.ok(SET_STATUS, status(&f.action_id, "IN_PROGRESS", Some("Midler innvilget"))).await;
        let done = app.ok(SET_STATUS, status(&f.action_id, "COMPLETED", None)).await;
        assert_eq!(done["updateActionStatus"], json!({ "status": "COMPLETED", "version": 5 }));

        let action = app.action(&f.action_id).await;
        assert_eq!(action["number"], "13.1");
        let history = action["history"].as_array().unwrap();
        let steps: Vec<_> = history.iter().map(|e| (e["kind"].as_str(), e["from"].as_str(), e["to"].as_str())).collect();
        assert_eq!(
            steps,
            [
                (Some("CREATED"), None, Some("Tiltak 1")),
                (Some("STATUS"), Some("NOT_STARTED"), Some("IN_PROGRESS")),
                (Some("STATUS"), Some("IN_PROGRESS"), Some("DELAYED")),
                (Some("STATUS"), Some("DELAYED"), Some("IN_PROGRESS")),
                (Some("STATUS"), Some("IN_PROGRESS"), Some("COMPLETED")),
            ]
        );
        assert_eq!(history[2]["comment"], "Mangler midler");
        assert!(history.iter().all(|e| e["actor"]["email"] == "admin@eksempel.kommune.no"));
    }

    async fn the_history_records_the_person_behind_the_token(app: TestApp) {
        let f = app.fixture().await;
        let leader = app.token_for("leder@kommune.no", "UNIT_LEADER", Some(&f.unit_id)).await;
        let response = app.gql_as(Some(&leader), SET_STATUS, status(&f.action_id, "IN_PROGRESS", None)).await;
        assert!(response.get("errors").is_none(), "{response}");
        let history = app.action(&f.action_id).await["history"].clone();
        assert_eq!(history[1]["actor"]["email"], "leder@kommune.no");
    }

    async fn a_stale_version_is_a_conflict_and_writes_nothing(app: TestApp) {
        let f = app.fixture().await;
        let mut input = status(&f.action_id, "IN_PROGRESS", None);
        input["input"]["expectedVersion"] = json!(1);
        app.ok(SET_STATUS, input.clone()).await;

        input["input"]["status"] = json!("COMPLETED");
        let stale = app.gql(SET_STATUS, input).await;
        assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");

        let stale_update =
            app.gql(UPDATE, json!({ "input": { "actionId": f.action_id, "expectedVersion": 1, "title": "Ny" } })).await;
        assert_eq!(error_code(&stale_update), Some("CONFLICT"));

        let action = app.action(&f.action_id).await;
        assert_eq!(action["status"], "IN_PROGRESS");
        assert_eq!(action["title"], "Tiltak 1");
        assert_eq!(action["version"], 2);
        assert_eq!(action["history"].as_array().unwrap().len(), 2);
    }

    async fn transitions_follow_the_table(app: TestApp) {
        let f = app.fixture().await;
        let refused = app.gql(SET_STATUS, status(&f.action_id, "DELAYED", None)).await;
        assert_eq!((error_code(&refused), error_field(&refused)), (Some("VALIDATION"), Some("status")));
        assert!(refused["errors"][0]["message"].as_str().unwrap().contains("needs a comment"));

        let same = app.gql(SET_STATUS, status(&f.action_id, "NOT_STARTED", None)).await;
        assert_eq!(error_code(&same), Some("VALIDATION"));

        app.ok(SET_STATUS, status(&f.action_id, "COMPLETED", None)).await;
        let cancel = app.gql(SET_STATUS, status(&f.action_id, "CANCELLED", Some("Avsluttes"))).await;
        assert_eq!(error_code(&cancel), Some("VALIDATION"));
        let reopen = app.gql(SET_STATUS, status(&f.action_id, "IN_PROGRESS", None)).await;
        assert!(reopen["errors"][0]["message"].as_str().unwrap().contains("reopening"), "{reopen}");
        app.ok(SET_STATUS, status(&f.action_id, "IN_PROGRESS", Some("Nytt behov meldt"))).await;

        let action = app.action(&f.action_id).await;
        assert_eq!(action["status"], "IN_PROGRESS");
        assert_eq!(action["history"].as_array().unwrap().len(), 3, "refused changes leave no history");
    }

    async fn bad_input_names_the_field_and_changes_nothing(app: TestApp) {
        let f = app.fixture().await;
        let cases = [
            ("mutation { createUnit(input: {name: \"A\", leaderName: \"B\", leaderEmail: \"ikke-epost\"}) { id } }", "leaderEmail"),
            ("mutation { createUnit(input: {name: \"  \", leaderName: \"B\", leaderEmail: \"b@k.no\"}) { id } }", "name"),
            ("mutation { createUnit(input: {name: \"Kultur\", leaderName: \"B\", leaderEmail: \"b@k.no\"}) { id } }", "name"),
            ("mutation { createPlan(input: {title: \"P\", revisionSchedule: \"hver vår\"}) { id } }", "revisionSchedule"),
            ("mutation { createPlan(input: {title: \"P\", periodStart: 2028, periodEnd: 2025}) { id } }", "periodEnd"),
        ];
        for (query, field) in cases {
            let response = app.gql(query, json!({})).await;
            assert_eq!((error_code(&response), error_field(&response)), (Some("VALIDATION"), Some(field)), "{response}");
        }
        let duplicate_chapter = app
            .gql(
                "mutation($input: AddChapterInput!) { addChapter(input: $input) { id } }",
                json!({ "input": { "planId": f.plan_id, "number": 13, "title": "Igjen" } }),
            )
            .await;
        assert_eq!(error_field(&duplicate_chapter), Some("number"));
        let duplicate_action = app
            .gql(
                "mutation($input: AddActionInput!) { addAction(input: $input) { id } }",
                json!({ "input": { "chapterId": f.chapter_id, "number": 1, "title": "Igjen" } }),
            )
            .await;
        assert_eq!(error_field(&duplicate_action), Some("number"));
        assert!(duplicate_action["errors"][0]["message"].as_str().unwrap().contains("13.1"));

        let bad_progress = app.gql(UPDATE, json!({ "input": { "actionId": f.action_id, "progress": 101 } })).await;
        assert_eq!(error_field(&bad_progress), Some("progress"));
        let personal = app
            .gql(SET_STATUS, status(&f.action_id, "DELAYED", Some("Gjelder barnet med fnr 01010112377")))
            .await;
        assert_eq!(error_field(&personal), Some("comment"));
        assert!(personal["errors"][0]["message"].as_str().unwrap().contains("national identity number"));
        let bad_enum = app.gql(SET_STATUS, status(&f.action_id, "DONE", None)).await;
        assert_eq!(error_code(&bad_enum), Some("VALIDATION"));
        let bad_id = app.gql(SET_STATUS, status("not-an-id", "IN_PROGRESS", None)).await;
        assert_eq!(error_field(&bad_id), Some("actionId"));

        let units = app.ok("{ units { name } }", json!({})).await;
        assert_eq!(units["units"].as_array().unwrap().len(), 2, "no unit was created");
        let plans = app.ok("{ plans { id } }", json!({})).await;
        assert_eq!(plans["plans"].as_array().unwrap().len(), 1, "no plan was created");
        let action = app.action(&f.action_id).await;
        assert_eq!((action["status"].as_str(), action["progress"].as_i64()), (Some("NOT_STARTED"), Some(0)));
        assert_eq!(action["history"].as_array().unwrap().len(), 1);
    }

    async fn dates_titles_and_statuses_are_refused_naming_the_field(app: TestApp) {
        let f = app.fixture().await;
        let deadline = |value: &str| json!({ "input": { "actionId": f.action_id, "deadline": value } });
        let norwegian = app.ok(UPDATE, deadline("31.12.2026")).await;
        assert_eq!(norwegian["updateAction"]["deadline"], "2026-12-31");
        for (bad, says) in [
            ("2026-2-3", "2026-12-31 or 31.12.2026"),
            ("31.13.2026", "2026-12-31 or 31.12.2026"),
            ("1900-01-01", "2000 to 2100"),
            ("01.01.2101", "2000 to 2100"),
        ] {
            let response = app.gql(UPDATE, deadline(bad)).await;
            assert_eq!((error_code(&response), error_field(&response)), (Some("VALIDATION"), Some("deadline")), "{bad}: {response}");
            let message = response["errors"][0]["message"].as_str().unwrap();
            assert!(message.contains(says) && !message.contains("NaiveDate"), "{bad}: {message}");
        }
        let literal = app
            .gql(&format!("mutation {{ updateAction(input: {{actionId: \"{}\", deadline: \"1900-01-01\"}}) {{ id }} }}", f.action_id), json!({}))
            .await;
        assert_eq!(error_field(&literal), Some("deadline"), "{literal}");

        let two_lines = app.gql(UPDATE, json!({ "input": { "actionId": f.action_id, "title": "Første linje\nAndre linje" } })).await;
        assert_eq!((error_code(&two_lines), error_field(&two_lines)), (Some("VALIDATION"), Some("title")), "{two_lines}");
        let unit = app
            .gql("mutation { createUnit(input: {name: \"A\\nB\", leaderName: \"B\", leaderEmail: \"b@k.no\"}) { id } }", json!({}))
            .await;
        assert_eq!(error_field(&unit), Some("name"), "{unit}");

        let unknown = app.gql(SET_STATUS, status(&f.action_id, "DONE", None)).await;
        let message = unknown["errors"][0]["message"].as_str().unwrap();
        assert!(
            ["NOT_STARTED", "IN_PROGRESS", "DELAYED", "COMPLETED", "CONTINUED", "CANCELLED"].iter().all(|s| message.contains(s)),
            "{message}"
        );
        assert_eq!(app.action(&f.action_id).await["deadline"], "2026-12-31", "nothing else was written");
    }

    async fn unknown_ids_are_not_found(app: TestApp) {
        let missing = "00000000-0000-4000-8000-000000000000";
        for query in ["query($id: ID!) { action(id: $id) { id } }", "query($id: ID!) { plan(id: $id) { id } }"] {
            let response = app.gql(query, json!({ "id": missing })).await;
            assert_eq!(error_code(&response), Some("NOT_FOUND"), "{response}");
        }
        let response = app.gql(SET_STATUS, status(missing, "IN_PROGRESS", None)).await;
        assert_eq!(error_code(&response), Some("NOT_FOUND"));
    }

    async fn update_action_writes_one_event_per_changed_field(app: TestApp) {
        let f = app.fixture().await;
        let changed = app
            .ok(
                UPDATE,
                json!({ "input": {
                    "actionId": f.action_id, "expectedVersion": 1, "title": "Mentorordning for ungdom",
                    "deadline": "2026-06-30", "progress": 40, "tags": ["SLT", "ungdom"],
                    "responsibleUnitId": f.other_unit_id, "contributingUnitIds": [f.unit_id],
                    "comment": "Avklart i lederteamet",
                }}),
            )
            .await["updateAction"]
            .clone();
        assert_eq!(changed["version"], 2);
        assert_eq!(changed["responsibleUnit"]["name"], "Kultur");
        assert_eq!(changed["contributingUnits"][0]["name"], "Barne- og ungdomsvern");
        assert_eq!(changed["tags"], json!(["SLT", "ungdom"]));

        let cleared =
            app.ok(UPDATE, json!({ "input": { "actionId": f.action_id, "deadline": null } })).await["updateAction"].clone();
        assert_eq!((cleared["deadline"].clone(), cleared["version"].clone()), (json!(null), json!(3)));
        let unchanged =
            app.ok(UPDATE, json!({ "input": { "actionId": f.action_id, "progress": 40 } })).await["updateAction"].clone();
        assert_eq!(unchanged["version"], 3, "a change to the same value writes nothing");

        let history = app.action(&f.action_id).await["history"].clone();
        let kinds: Vec<_> = history.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            ["CREATED", "TITLE", "PROGRESS", "DEADLINE", "TAGS", "RESPONSIBLE_UNIT", "CONTRIBUTING_UNITS", "DEADLINE"]
        );
        let unit_change = &history[5];
        assert_eq!((unit_change["from"].as_str(), unit_change["to"].as_str()), (Some("Barne- og ungdomsvern"), Some("Kultur")));
        assert_eq!(unit_change["comment"], "Avklart i lederteamet");
        assert_eq!((history[7]["from"].as_str(), history[7]["to"].as_str()), (Some("2026-06-30"), None));
    }

    async fn actions_sort_numerically(app: TestApp) {
        let f = app.fixture().await;
        for number in [10, 9, 2, 11] {
            app.add_action(&f.chapter_id, number, &f.unit_id).await;
        }
        let expected = ["13.1", "13.2", "13.9", "13.10", "13.11"];
        let chapter = app
            .ok("query($id: ID!) { plan(id: $id) { chapters { actions { number } } } }", json!({ "id": f.plan_id }))
            .await;
        let numbers: Vec<_> = chapter["plan"]["chapters"][0]["actions"].as_array().unwrap().iter().map(|a| a["number"].clone()).collect();
        assert_eq!(numbers, expected);
        let listed = app.ok("{ actions { number } }", json!({})).await;
        let numbers: Vec<_> = listed["actions"].as_array().unwrap().iter().map(|a| a["number"].clone()).collect();
        assert_eq!(numbers, expected);
        let by_unit = app
            .ok("query($id: ID!) { unit(id: $id) { actions { number } } }", json!({ "id": f.unit_id }))
            .await;
        let numbers: Vec<_> = by_unit["unit"]["actions"].as_array().unwrap().iter().map(|a| a["number"].clone()).collect();
        assert_eq!(numbers, expected);
    }

    async fn actions_filter_by_unit_status_and_deadline(app: TestApp) {
        let f = app.fixture().await;
        let late = app.add_action(&f.chapter_id, 2, &f.other_unit_id).await;
        let future = app.add_action(&f.chapter_id, 3, &f.other_unit_id).await;
        app.ok(UPDATE, json!({ "input": { "actionId": late, "deadline": "2020-01-31" } })).await;
        app.ok(UPDATE, json!({ "input": { "actionId": future, "deadline": "2099-12-31" } })).await;
        app.ok(SET_STATUS, status(&future, "IN_PROGRESS", None)).await;

        let numbers = async |filter: serde_json::Value| -> Vec<String> {
            let data = app.ok("query($f: ActionFilter) { actions(filter: $f) { number } }", json!({ "f": filter })).await;
            data["actions"].as_array().unwrap().iter().map(|a| a["number"].as_str().unwrap().to_owned()).collect()
        };
        assert_eq!(numbers(json!({ "overdue": true })).await, ["13.2"]);
        assert_eq!(numbers(json!({ "overdue": false })).await, ["13.1", "13.3"]);
        assert_eq!(numbers(json!({ "unitId": f.other_unit_id })).await, ["13.2", "13.3"]);
        assert_eq!(numbers(json!({ "status": "IN_PROGRESS" })).await, ["13.3"]);
        assert_eq!(numbers(json!({ "deadlineBefore": "2030-01-01" })).await, ["13.2"]);
        assert_eq!(numbers(json!({ "planId": f.plan_id, "unitId": f.unit_id })).await, ["13.1"]);

        app.ok(SET_STATUS, status(&late, "COMPLETED", None)).await;
        assert!(numbers(json!({ "overdue": true })).await.is_empty(), "a completed action is not overdue");
    }

    async fn plan_progress_counts_per_status_and_chapter(app: TestApp) {
        let f = app.fixture().await;
        let second = app.add_action(&f.chapter_id, 2, &f.unit_id).await;
        app.add_action(&f.chapter_id, 3, &f.unit_id).await;
        app.ok(SET_STATUS, status(&second, "COMPLETED", None)).await;
        app.ok(UPDATE, json!({ "input": { "actionId": second, "progress": 100 } })).await;
        let progress = app
            .ok(
                "query($id: ID!) { plan(id: $id) { progress {
                    overall { total averageProgress completed: count(status: COMPLETED) notStarted: count(status: NOT_STARTED) }
                    chapters { chapter { number } counts { total byStatus { status count label } } } } } }",
                json!({ "id": f.plan_id }),
            )
            .await["plan"]["progress"]
            .clone();
        assert_eq!(progress["overall"]["total"], 3);
        assert_eq!(progress["overall"]["completed"], 1);
        assert_eq!(progress["overall"]["notStarted"], 2);
        assert!((progress["overall"]["averageProgress"].as_f64().unwrap() - 100.0 / 3.0).abs() < 1e-9);
        let chapter = &progress["chapters"][0];
        assert_eq!(chapter["chapter"]["number"], 13);
        assert_eq!(chapter["counts"]["byStatus"].as_array().unwrap().len(), 6);
        assert_eq!(chapter["counts"]["byStatus"][3], json!({ "status": "COMPLETED", "count": 1, "label": "Gjennomført" }));
    }

    async fn identity_numbers_written_with_separators_are_refused_and_nothing_is_written(app: TestApp) {
        let f = app.fixture().await;
        let before = app.action(&f.action_id).await;
        let comment = "mutation($a: ID!, $c: String!) { commentAction(actionId: $a, comment: $c) { kind } }";
        // One synthetic number (valid check digits) written the ways that slipped past before.
        for number in ["010101-12377", "01.01.01 12377", "010 101 123 77", "010101\u{200B}12377", "０１０１０１\u{A0}１２３７７", "010101\n12377"] {
            let text = format!("Oppfølging av barnet {number} er avtalt");
            let response = app.gql(SET_STATUS, status(&f.action_id, "IN_PROGRESS", Some(&text))).await;
            assert_eq!((error_code(&response), error_field(&response)), (Some("VALIDATION"), Some("comment")), "{number:?}: {response}");
            assert!(response["errors"][0]["message"].as_str().unwrap().contains("national identity number"));
            let response = app.gql(comment, json!({ "a": f.action_id, "c": text })).await;
            assert_eq!((error_code(&response), error_field(&response)), (Some("VALIDATION"), Some("comment")), "{number:?}: {response}");
        }
        assert_eq!(app.action(&f.action_id).await, before, "no status, version or history entry was written");
        // The same digits with a wrong check digit are an ordinary reference.
        app.ok(comment, json!({ "a": f.action_id, "c": "Saksnummer 010101-12378" })).await;
        assert_eq!(app.action(&f.action_id).await["history"].as_array().unwrap().len(), 2);
    }
}
