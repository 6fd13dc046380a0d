//! The yearly council report: status on 31 December from the history, every format, frozen
//! reports, unit and team views, and empty years. The clock is set to dates in 2025 and 2026
//! so the history falls in the years reported.

use std::io::Read;

use serde_json::{Value, json};

use crate::{
    helpers::{TestApp, error_code},
    on_both_databases,
};

fn at(rfc3339: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

const REPORT: &str = "query($plan: ID!, $year: Int!, $unit: ID, $team: ID) {
  report(planId: $plan, year: $year, unitId: $unit, teamId: $team) {
    frozen hash downloads
    data { year view planTitle
      chapters { number actions { number title unit deadline status statusLabel previousStatus
        events { date from to change comment }
        evaluation { carriedOut effect decision }
        flags { overdue delayedReason noUpdate councilDecision } } }
      summary { total overdue withoutUpdate
        byStatus { status count colour } byUnit { unit total } changes { number from to } } } } }";

impl TestApp {
    async fn report(&self, plan: &str, year: i32, unit: Option<&str>, team: Option<&str>) -> Value {
        self.ok(
            REPORT,
            json!({ "plan": plan, "year": year, "unit": unit, "team": team }),
        )
        .await["report"]
            .clone()
    }

    async fn status_on(&self, moment: &str, action: &str, status: &str, comment: Option<&str>) {
        self.clock.set(at(moment));
        let response = self
            .gql(
                "mutation($input: UpdateActionStatusInput!) { updateActionStatus(input: $input) { status } }",
                json!({ "input": { "actionId": action, "status": status, "comment": comment } }),
            )
            .await;
        assert!(response.get("errors").is_none(), "{response}");
    }

    async fn change(&self, moment: &str, input: Value) {
        self.clock.set(at(moment));
        self.ok(
            "mutation($input: UpdateActionInput!) { updateAction(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await;
    }
}

/// A plan created in March 2025 with three actions and a year and a half of history.
struct Story {
    plan: String,
    unit: String,
    other_unit: String,
    a1: String,
    a2: String,
    a3: String,
}

async fn story(app: &TestApp) -> Story {
    app.clock.set(at("2025-03-01T09:00:00+01:00"));
    let f = app.fixture().await;
    let a2 = app.add_action(&f.chapter_id, 2, &f.unit_id).await;
    let a3 = app.add_action(&f.chapter_id, 3, &f.other_unit_id).await;
    app.change(
        "2025-03-02T09:00:00+01:00",
        json!({ "actionId": f.action_id, "recurrence": "ANNUAL", "deadline": "2026-06-30" }),
    )
    .await;
    app.change(
        "2025-03-02T09:00:00+01:00",
        json!({ "actionId": a2, "deadline": "2025-09-01" }),
    )
    .await;
    app.change(
        "2025-03-02T09:00:00+01:00",
        json!({ "actionId": a3, "decisionRef": "KST 032/24" }),
    )
    .await;
    app.status_on(
        "2025-05-10T10:00:00+02:00",
        &f.action_id,
        "IN_PROGRESS",
        Some("Startet opp"),
    )
    .await;
    app.status_on("2025-10-01T10:00:00+02:00", &a2, "IN_PROGRESS", None)
        .await;
    app.status_on("2025-11-15T10:00:00+01:00", &a2, "DELAYED", Some("Mangler ressurser"))
        .await;
    // The next year: 13.1 is completed, 13.3 is left alone.
    app.status_on("2026-02-01T10:00:00+01:00", &f.action_id, "COMPLETED", None)
        .await;
    app.clock.set(at("2026-11-23T12:00:00+01:00"));
    Story {
        plan: f.plan_id,
        unit: f.unit_id,
        other_unit: f.other_unit_id,
        a1: f.action_id,
        a2,
        a3,
    }
}

fn actions(report: &Value) -> Vec<Value> {
    report["data"]["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["actions"].as_array().unwrap().clone())
        .collect()
}

fn count(report: &Value, status: &str) -> u64 {
    report["data"]["summary"]["byStatus"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == status)
        .unwrap()["count"]
        .as_u64()
        .unwrap()
}

on_both_databases! {
    async fn the_status_on_new_years_eve_comes_from_the_history(app: TestApp) {
        let s = story(&app).await;
        assert_eq!(app.action(&s.a1).await["status"], "COMPLETED", "the current status");
        let report = app.report(&s.plan, 2025, None, None).await;
        assert_eq!(report["frozen"], false);
        let list = actions(&report);
        assert_eq!(list.iter().map(|a| a["number"].as_str().unwrap()).collect::<Vec<_>>(), ["13.1", "13.2", "13.3"]);
        let (a1, a2, a3) = (&list[0], &list[1], &list[2]);
        assert_eq!(a1["status"], "IN_PROGRESS", "on 31 December 2025, not COMPLETED as now");
        assert_eq!(a1["statusLabel"], "Pågår");
        assert_eq!(
            a1["events"],
            json!([{ "date": "2025-05-10", "from": "NOT_STARTED", "to": "IN_PROGRESS", "change": "Ikke startet → Pågår", "comment": "Startet opp" }])
        );
        assert_eq!(a2["status"], "DELAYED");
        assert_eq!(a2["events"].as_array().unwrap().len(), 2);
        assert_eq!(a2["flags"], json!({ "overdue": true, "delayedReason": "Mangler ressurser", "noUpdate": false, "councilDecision": null }));
        assert_eq!(a3["flags"]["councilDecision"], "KST 032/24");
        assert_eq!(a3["status"], "NOT_STARTED");
        let summary = &report["data"]["summary"];
        assert_eq!((summary["total"].as_u64(), summary["overdue"].as_u64()), (Some(3), Some(1)));
        assert_eq!((count(&report, "IN_PROGRESS"), count(&report, "DELAYED"), count(&report, "NOT_STARTED")), (1, 1, 1));
        assert_eq!(summary["byStatus"][2], json!({ "status": "DELAYED", "count": 1, "colour": "rød" }));
        assert_eq!(summary["byUnit"], json!([{ "unit": "Barne- og ungdomsvern", "total": 2 }, { "unit": "Kultur", "total": 1 }]));
        assert_eq!(summary["changes"].as_array().unwrap().len(), 3, "all new in 2025");

        // 2026: 13.1 moved on, 13.3 had no update, and the changes compare with 2025.
        let next = app.report(&s.plan, 2026, None, None).await;
        let list = actions(&next);
        assert_eq!(list[0]["status"], "COMPLETED");
        assert_eq!(list[0]["previousStatus"], "IN_PROGRESS");
        assert_eq!(next["data"]["summary"]["withoutUpdate"], json!(["13.2", "13.3"]));
        assert_eq!(next["data"]["summary"]["changes"], json!([{ "number": "13.1", "from": "Pågår", "to": "Gjennomført" }]));
        assert_eq!(list[1]["flags"]["noUpdate"], true);
    }

    async fn creating_importing_or_editing_an_action_is_not_a_follow_up(app: TestApp) {
        // 13.3 was created in 2025 and its decision reference set, but nobody reported on it.
        let s = story(&app).await;
        let report = app.report(&s.plan, 2025, None, None).await;
        assert_eq!(report["data"]["summary"]["withoutUpdate"], json!(["13.3"]));
        assert_eq!(actions(&report)[2]["flags"]["noUpdate"], true);
        let markdown = app.download(&s.plan, "2025.md", "").await.1;
        assert!(markdown.contains("Uten oppdatering i 2025: 13.3"), "{markdown}");
        assert!(!markdown.contains("Alle tiltak er oppdatert"), "{markdown}");
    }

    async fn the_example_plan_has_a_past_and_an_empty_year_is_frozen_only_on_purpose(app: TestApp) {
        use tiltak::services::{audit, bootstrap};
        let db = app.db().await;
        app.clock.set(at("2026-11-23T12:00:00+01:00"));
        let organization = bootstrap::ensure_organization(&db, &app.settings, app.clock.now()).await.unwrap().0;
        let admin = bootstrap::first_admin(&db, organization.id).await.unwrap();
        let plan = bootstrap::load_example_plan(&db, &app.state.audit_key, &admin, app.clock.now(), &app.settings.public_url())
            .await
            .unwrap()
            .to_string();

        // Last year's report shows the plan's first year, from a history stamped as it happened.
        let last_year = app.report(&plan, 2025, None, None).await;
        assert_eq!(last_year["data"]["summary"]["total"], 10);
        let list = actions(&last_year);
        let first = list.iter().find(|a| a["number"] == "1.1").unwrap();
        assert_eq!(first["status"], "COMPLETED");
        let dates: Vec<_> = first["events"].as_array().unwrap().iter().map(|e| e["date"].clone()).collect();
        assert_eq!(dates, [json!("2025-04-22"), json!("2025-11-14")]);
        let without: Vec<&str> = last_year["data"]["summary"]["withoutUpdate"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
        assert!(!without.contains(&"1.1") && !without.contains(&"2.1"), "{without:?}");
        let this_year = app.report(&plan, 2026, None, None).await;
        assert_eq!(actions(&this_year).iter().find(|a| a["number"] == "3.1").unwrap()["status"], "CONTINUED");
        let verified = audit::verify(&db, &app.state.audit_key, None, &[]).await.unwrap();
        assert!(verified.intact(), "the back-dated history chains: {:?}", verified.problems);

        let freeze = "mutation($plan: ID!, $year: Int!, $confirm: Boolean) {
            freezeReport(planId: $plan, year: $year, confirmEmpty: $confirm) { frozen } }";
        let freeze_year = |year: i32, confirm: Option<bool>| app.gql(freeze, json!({ "plan": plan, "year": year, "confirm": confirm }));
        assert_eq!(app.ok(freeze, json!({ "plan": plan, "year": 2025 })).await["freezeReport"]["frozen"], true);
        // 2024, before the plan existed: nothing to report, so only on purpose.
        let empty = freeze_year(2024, None).await;
        assert_eq!((error_code(&empty), empty["errors"][0]["extensions"]["field"].as_str()), (Some("VALIDATION"), Some("confirmEmpty")), "{empty}");
        assert_eq!(app.report(&plan, 2024, None, None).await["frozen"], false, "nothing was frozen");
        let confirmed = freeze_year(2024, Some(true)).await;
        assert_eq!(confirmed["data"]["freezeReport"]["frozen"], true, "{confirmed}");
    }

    async fn the_years_evaluation_is_in_the_report(app: TestApp) {
        let s = story(&app).await;
        app.clock.set(at("2026-01-15T08:00:00+01:00"));
        tiltak::jobs::run(&app.state, tiltak::jobs::Job::AnnualEvaluation, at("2026-01-15T08:00:00+01:00"), tiltak::jobs::Trigger::Manual, "test")
            .await
            .unwrap();
        let open = app.ok("{ evaluations(filter: { year: 2025 }) { id action { number } } }", json!({})).await;
        let id = open["evaluations"].as_array().unwrap().iter().find(|e| e["action"]["number"] == "13.1").unwrap()["id"].clone();
        app.ok(
            "mutation($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { status } }",
            json!({ "input": { "evaluationId": id, "carriedOut": "PARTLY", "effect": "Flere foreldre deltar", "decision": "CONTINUE" } }),
        )
        .await;
        let report = app.report(&s.plan, 2025, None, None).await;
        assert_eq!(
            actions(&report)[0]["evaluation"],
            json!({ "carriedOut": "Delvis", "effect": "Flere foreldre deltar", "decision": "Videreføres" })
        );
        // 13.2 (a one-off with its deadline in 2025) was due too, and is not submitted.
        assert_eq!(actions(&report)[1]["evaluation"], json!({ "carriedOut": null, "effect": null, "decision": null }));
        assert_eq!(app.report(&s.plan, 2026, None, None).await["data"]["chapters"][0]["actions"][0]["evaluation"], Value::Null);
        let markdown = app.download(&s.plan, "2025.md", "").await.1;
        assert!(markdown.contains("Gjennomført som planlagt: Delvis") && markdown.contains("Videre: Videreføres"), "{markdown}");
        assert!(markdown.contains("- Ikke sendt inn"), "{markdown}");
    }

    async fn every_format_holds_every_action(app: TestApp) {
        let s = story(&app).await;
        for (file, content_type) in [
            ("2025.md", "text/markdown; charset=utf-8"),
            ("2025.html", "text/html; charset=utf-8"),
            ("2025.csv", "text/csv; charset=utf-8"),
        ] {
            let (headers, body) = app.download(&s.plan, file, "").await;
            assert_eq!(headers["content-type"], content_type);
            assert_eq!(
                headers["content-disposition"],
                format!("attachment; filename=\"tiltak-rapport-{file}\"").as_str()
            );
            for number in ["13.1", "13.2", "13.3"] {
                assert!(body.contains(number), "{file} lacks {number}: {body}");
            }
            assert!(body.contains("Mangler ressurser") && body.contains("Pågår"), "{file}: {body}");
        }
        let html = app.download(&s.plan, "2025.html", "").await.1;
        assert!(html.contains("<svg") && html.contains("size: A4") && !html.contains("<script"), "{html}");
        let csv = app.download(&s.plan, "2025.csv", "").await.1;
        assert!(csv.starts_with('\u{feff}'), "a byte-order mark for Excel");
        assert_eq!(csv.lines().count(), 4, "a header and one row per action: {csv}");
        assert!(csv.lines().nth(2).unwrap().contains("13.2;Tiltak 2;Barne- og ungdomsvern;2025-09-01;Forsinket"), "{csv}");

        let response = app
            .client
            .get(format!("{}/reports/{}/2025.docx", app.address, s.plan))
            .bearer_auth(&app.admin_token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        let bytes = response.bytes().await.unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a docx is a zip");
        let mut document = String::new();
        archive.by_name("word/document.xml").unwrap().read_to_string(&mut document).unwrap();
        for text in ["13.1 Tiltak 1", "13.2 Tiltak 2", "13.3 Tiltak 3", "Kapittel 13", "Mangler ressurser", "årsrapport 2025"] {
            assert!(document.contains(text), "document.xml lacks {text}");
        }
        assert!(document.contains("<w:tbl>"), "tables per chapter");

        // Without a token, with a bad format or an unknown plan: refused.
        let anonymous = app.client.get(format!("{}/reports/{}/2025.md", app.address, s.plan)).send().await.unwrap();
        assert_eq!(anonymous.status(), 401);
        assert_eq!(app.download_status(&s.plan, "2025.pdf").await, 404);
        assert_eq!(app.download_status(&uuid::Uuid::new_v4().to_string(), "2025.md").await, 404);
    }

    async fn a_frozen_report_never_changes(app: TestApp) {
        let s = story(&app).await;
        let live = app.report(&s.plan, 2025, None, None).await;
        // Changes in 2026 to the title, deadline and unit leave the 2025 report as it was.
        app.change("2026-03-01T10:00:00+01:00", json!({ "actionId": s.a2, "title": "Omdøpt i 2026", "deadline": "2026-12-31", "responsibleUnitId": s.other_unit })).await;
        let rebuilt = app.report(&s.plan, 2025, None, None).await;
        assert_eq!(rebuilt["hash"], live["hash"], "the same period from the history, the same hash");
        assert_eq!(actions(&rebuilt)[1]["title"], "Tiltak 2");
        assert_eq!(actions(&rebuilt)[1]["deadline"], "2025-09-01");
        assert_eq!(actions(&rebuilt)[1]["unit"], "Barne- og ungdomsvern");
        assert_eq!(actions(&app.report(&s.plan, 2026, None, None).await)[1]["unit"], "Kultur");
        let this_year = app.gql(
            "mutation($plan: ID!) { freezeReport(planId: $plan, year: 2026) { hash } }",
            json!({ "plan": s.plan }),
        ).await;
        assert_eq!(error_code(&this_year), Some("VALIDATION"), "2026 has not ended: {this_year}");
        let viewer = app.token_for("leser@kommune.no", "VIEWER", None).await;
        let freeze = "mutation($plan: ID!) { freezeReport(planId: $plan, year: 2025) { frozen hash frozenAt frozenBy { email } } }";
        assert_eq!(error_code(&app.gql_as(Some(&viewer), freeze, json!({ "plan": s.plan })).await), Some("FORBIDDEN"));
        let frozen = app.ok(freeze, json!({ "plan": s.plan })).await["freezeReport"].clone();
        assert_eq!(frozen["frozen"], true);
        assert_eq!(frozen["hash"], live["hash"], "the frozen hash is the hash of the history's report");
        assert_eq!(frozen["frozenBy"]["email"], "admin@eksempel.kommune.no");
        let markdown_before = app.download(&s.plan, "2025.md", "").await.1;

        // A change afterwards, even one dated in 2025, does not alter the frozen report.
        app.status_on("2025-12-30T10:00:00+01:00", &s.a2, "IN_PROGRESS", Some("Ressurser på plass")).await;
        app.change("2026-11-23T12:00:00+01:00", json!({ "actionId": s.a3, "title": "Nytt navn" })).await;
        let after = app.report(&s.plan, 2025, None, None).await;
        assert_eq!(after["frozen"], true);
        assert_eq!(after["hash"], live["hash"]);
        assert_eq!(after["data"], live["data"]);
        assert_eq!(app.download(&s.plan, "2025.md", "").await.1, markdown_before);
        assert_eq!(error_code(&app.gql(freeze, json!({ "plan": s.plan })).await), Some("CONFLICT"));

        // The next year's changes are measured against what the council was shown.
        let next = app.report(&s.plan, 2026, None, None).await;
        assert_eq!(actions(&next)[1]["previousStatus"], "DELAYED");
        assert_eq!(actions(&next)[2]["title"], "Nytt navn");
    }

    async fn the_year_ends_at_midnight_in_oslo(app: TestApp) {
        let s = story(&app).await;
        app.status_on("2025-12-31T23:30:00+01:00", &s.a3, "IN_PROGRESS", Some("Rett før nyttår")).await;
        app.status_on("2026-01-01T00:30:00+01:00", &s.a3, "COMPLETED", None).await;
        let report = app.report(&s.plan, 2025, None, None).await;
        let a3 = &actions(&report)[2];
        assert_eq!(a3["status"], "IN_PROGRESS");
        assert_eq!(a3["events"].as_array().unwrap().len(), 1, "{a3}");
        assert_eq!(a3["events"][0]["date"], "2025-12-31");
        let next = app.report(&s.plan, 2026, None, None).await;
        assert_eq!(actions(&next)[2]["status"], "COMPLETED");
        assert_eq!(actions(&next)[2]["events"][0]["date"], "2026-01-01");
    }

    async fn user_text_is_inert_in_every_format(app: TestApp) {
        let s = story(&app).await;
        app.change("2025-06-01T10:00:00+02:00", json!({ "actionId": s.a3, "title": "<script>alert(1)</script> & **fet** =SUM(A1)" })).await;
        let html = app.download(&s.plan, "2025.html", "").await.1;
        assert!(!html.contains("<script>") && html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp;"), "{html}");
        let markdown = app.download(&s.plan, "2025.md", "").await.1;
        assert!(markdown.contains("&lt;script&gt;") && markdown.contains("\\*\\*fet\\*\\*"), "{markdown}");
        app.change("2025-06-02T10:00:00+02:00", json!({ "actionId": s.a3, "title": "=HYPERLINK(\"x\")" })).await;
        let csv = app.download(&s.plan, "2025.csv", "").await.1;
        assert!(csv.contains("'=HYPERLINK"), "a formula is not run by a spreadsheet: {csv}");
    }

    async fn unit_and_team_views_hold_only_their_actions(app: TestApp) {
        let s = story(&app).await;
        let unit = app.report(&s.plan, 2025, Some(&s.unit), None).await;
        let numbers: Vec<String> = actions(&unit).iter().map(|a| a["number"].as_str().unwrap().to_owned()).collect();
        assert_eq!(numbers, ["13.1", "13.2"]);
        assert_eq!(unit["data"]["view"], "Enhet: Barne- og ungdomsvern");
        assert_eq!(unit["data"]["summary"]["total"], 2);
        assert!(unit["downloads"][0].as_str().unwrap().ends_with(&format!("2025.md?unitId={}", s.unit)));
        let csv = app.download(&s.plan, "2025.csv", &format!("?unitId={}", s.other_unit)).await.1;
        assert!(csv.contains("13.3") && !csv.contains("13.1") && !csv.contains("13.2"), "{csv}");

        let team = app
            .ok(
                "mutation($input: CreateTeamInput!) { createTeam(input: $input) { id } }",
                json!({ "input": { "name": "SLT", "unitIds": [s.other_unit] } }),
            )
            .await["createTeam"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let team_view = app.report(&s.plan, 2025, None, Some(&team)).await;
        assert_eq!(actions(&team_view).iter().map(|a| a["number"].clone()).collect::<Vec<_>>(), [json!("13.3")]);
        assert_eq!(team_view["data"]["view"], "Lederteam: SLT");
        let both = app.gql(REPORT, json!({ "plan": s.plan, "year": 2025, "unit": s.unit, "team": team })).await;
        assert_eq!(error_code(&both), Some("VALIDATION"));
    }

    async fn an_empty_year_and_a_plan_without_history_give_a_report(app: TestApp) {
        let s = story(&app).await;
        let before = app.report(&s.plan, 2024, None, None).await;
        assert_eq!(before["data"]["summary"]["total"], 0);
        assert_eq!(before["data"]["chapters"], json!([]));
        assert!(app.download(&s.plan, "2024.md", "").await.1.contains("Ingen tiltak å rapportere for 2024."));
        let empty = app
            .ok("mutation { createPlan(input: { title: \"Tom plan\" }) { id } }", json!({}))
            .await["createPlan"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let report = app.report(&empty, 2026, None, None).await;
        assert_eq!(report["data"]["summary"]["total"], 0);
        assert_eq!(report["data"]["planTitle"], "Tom plan");
        for file in ["2026.md", "2026.html", "2026.csv", "2026.docx"] {
            assert_eq!(app.download_status(&empty, file).await, 200, "{file}");
        }
        let bad_year = app.gql(REPORT, json!({ "plan": s.plan, "year": 1800 })).await;
        assert_eq!(error_code(&bad_year), Some("VALIDATION"));
        assert_eq!(bad_year["errors"][0]["extensions"]["field"], "year");
    }
}

impl TestApp {
    /// GET /reports/{plan}/{file}{query} as the admin: headers and body.
    async fn download(&self, plan: &str, file: &str, query: &str) -> (reqwest::header::HeaderMap, String) {
        let response = self
            .client
            .get(format!("{}/reports/{plan}/{file}{query}", self.address))
            .bearer_auth(&self.admin_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{file}");
        (response.headers().clone(), response.text().await.unwrap())
    }

    async fn download_status(&self, plan: &str, file: &str) -> u16 {
        self.client
            .get(format!("{}/reports/{plan}/{file}", self.address))
            .bearer_auth(&self.admin_token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

/// LibreOffice opens the DOCX and converts it to PDF, when it is installed (`soffice` on PATH);
/// otherwise the test says it was skipped.
#[tokio::test]
async fn libreoffice_converts_the_docx_when_installed() {
    let Ok(soffice) = which("soffice") else {
        return eprintln!("skipped: LibreOffice (soffice) is not installed");
    };
    let app = TestApp::spawn(crate::helpers::Db::Sqlite).await.unwrap();
    let s = story(&app).await;
    let bytes = app
        .client
        .get(format!("{}/reports/{}/2025.docx", app.address, s.plan))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let docx = dir.path().join("rapport.docx");
    std::fs::write(&docx, &bytes).unwrap();
    let status = std::process::Command::new(soffice)
        .args(["--headless", "--convert-to", "txt:Text", "--outdir"])
        .arg(dir.path())
        .arg(&docx)
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let text = std::fs::read_to_string(dir.path().join("rapport.txt")).expect("LibreOffice wrote the text");
    for expected in [
        "årsrapport 2025",
        "13.1 Tiltak 1",
        "13.2 Tiltak 2",
        "13.3 Tiltak 3",
        "Mangler ressurser",
    ] {
        assert!(text.contains(expected), "LibreOffice's text lacks {expected}: {text}");
    }
}

fn which(program: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
        .ok_or(())
}
