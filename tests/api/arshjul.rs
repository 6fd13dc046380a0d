//! The årshjul: jobs run as of chosen moments (the clock is injected, nothing sleeps), the
//! outbox and its dispatcher, SMTP delivery to a real server on loopback, evaluations,
//! revisions, calendar feeds and the actionEvents subscription.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tiltak::jobs::{self, Job, Scheduler, Trigger};

use crate::{
    helpers::{Db, TestApp, error_code},
    on_both_databases,
    smtp_sink::SmtpSink,
};

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().with_timezone(&Utc)
}

impl TestApp {
    /// Runs a job as `tiltak jobs run NAME --at` does; the run's summary.
    pub(crate) async fn run_job(&self, job: Job, moment: &str) -> Option<String> {
        jobs::run(&self.state, job, at(moment), Trigger::Manual, "test")
            .await
            .expect("job runs")
            .map(|run| {
                assert_eq!(run.outcome.code(), "SUCCEEDED", "{:?}", run.detail);
                run.detail.unwrap_or_default()
            })
    }

    pub(crate) async fn notifications(&self) -> Vec<Value> {
        self.ok(
            "{ notifications { id recipient reason subject bodyText status attempts lastError } }",
            json!({}),
        )
        .await["notifications"]
            .as_array()
            .unwrap()
            .clone()
    }

    pub(crate) async fn set_deadline(&self, action_id: &str, deadline: &str) {
        self.ok(
            "mutation($input: UpdateActionInput!) { updateAction(input: $input) { id } }",
            json!({ "input": { "actionId": action_id, "deadline": deadline } }),
        )
        .await;
    }

    async fn set_status(&self, token: &str, action_id: &str, status: &str, comment: Option<&str>) -> Value {
        self.gql_as(
            Some(token),
            "mutation($input: UpdateActionStatusInput!) { updateActionStatus(input: $input) { status } }",
            json!({ "input": { "actionId": action_id, "status": status, "comment": comment } }),
        )
        .await
    }

    pub(crate) async fn dispatch(&self, moment: &str) -> tiltak::services::outbox::Dispatched {
        let mailer = tiltak::mail::Mailer::from_settings(&self.state.settings.mail).unwrap();
        tiltak::services::outbox::dispatch(&self.state.db, &mailer, &self.state.settings.mail, at(moment))
            .await
            .unwrap()
    }

    fn outbox_files(&self) -> Vec<String> {
        let Ok(dir) = std::fs::read_dir(&self.settings.mail.outbox_dir) else {
            return Vec::new();
        };
        let mut files: Vec<String> = dir
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        files.sort();
        files
    }

    async fn create_team(&self, name: &str, member_email: &str, unit_id: &str) {
        let person = self
            .ok(
                "mutation($input: CreatePersonInput!) { createPerson(input: $input) { id } }",
                json!({ "input": { "name": "Teammedlem", "email": member_email, "role": "VIEWER" } }),
            )
            .await["createPerson"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        self.ok(
            "mutation($input: CreateTeamInput!) { createTeam(input: $input) { id } }",
            json!({ "input": { "name": name, "memberIds": [person], "unitIds": [unit_id] } }),
        )
        .await;
    }
}

fn for_recipient<'a>(notifications: &'a [Value], email: &str) -> Vec<&'a Value> {
    notifications
        .iter()
        .filter(|n| n["recipient"].as_str().unwrap().contains(email))
        .collect()
}

on_both_databases! {
    async fn what_reaches_no_one_goes_once_to_the_coordinators_or_else_the_admins(app: TestApp) {
        let f = app.fixture().await;
        let orphan = app
            .ok(
                "mutation($input: AddActionInput!) { addAction(input: $input) { id } }",
                json!({ "input": { "chapterId": f.chapter_id, "number": 5, "title": "Uten eier", "deadline": "2026-12-08" } }),
            )
            .await["addAction"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let late = app.add_action(&f.chapter_id, 2, &f.unit_id).await;
        app.set_deadline(&late, "2026-11-28").await;
        app.ok(
            "mutation($input: CreateTeamInput!) { createTeam(input: $input) { id } }",
            json!({ "input": { "name": "Tomt lederteam", "memberIds": [], "unitIds": [f.unit_id] } }),
        )
        .await;
        let no_owner = |sent: &[Value], email: &str| -> Vec<String> {
            for_recipient(sent, email)
                .into_iter()
                .filter(|n| n["reason"] == "NO_OWNER")
                .map(|n| n["bodyText"].as_str().unwrap().to_owned())
                .collect()
        };
        let admin = "admin@eksempel.kommune.no";

        // No coordinator yet: the admin hears that 13.5's reminder reached no one, once.
        app.run_job(Job::DeadlineReminders, "2026-12-01T07:00:00+01:00").await.unwrap();
        let told = no_owner(&app.notifications().await, admin);
        assert_eq!(told.len(), 1, "{told:#?}");
        assert!(told[0].contains("13.5") && told[0].contains("Ingen ansvarlig enhet"), "{}", told[0]);
        assert!(told[0].contains(&format!("/tiltak/{orphan}")), "links to the action: {}", told[0]);
        assert!(!told[0].contains("13.2"), "13.2 has a leader: {}", told[0]);
        app.run_job(Job::DeadlineReminders, "2026-12-02T07:00:00+01:00").await.unwrap();
        assert_eq!(no_owner(&app.notifications().await, admin).len(), 1, "told once");

        // A leader team without members: its weekly digest reaches no one either.
        app.run_job(Job::WeeklyDigest, "2026-12-07T08:00:00+01:00").await.unwrap();
        let told = no_owner(&app.notifications().await, admin);
        assert_eq!(told.len(), 2, "{told:#?}");
        assert!(told.iter().any(|b| b.contains("Lederteamet Tomt lederteam har ingen medlemmer") && b.contains("13.2")), "{told:#?}");

        // With a coordinator, the evaluation opened for the unowned action goes there.
        app.token_for("koordinator@kommune.no", "COORDINATOR", None).await;
        app.run_job(Job::AnnualEvaluation, "2027-01-15T08:00:00+01:00").await.unwrap();
        let sent = app.notifications().await;
        let coordinator = no_owner(&sent, "koordinator@kommune.no");
        assert_eq!(coordinator.len(), 1, "{sent:#?}");
        assert!(coordinator[0].contains("13.5") && coordinator[0].contains("Evaluering for 2026"), "{}", coordinator[0]);
        assert_eq!(no_owner(&sent, admin).len(), 2, "the admin is not told again");
    }

    async fn one_email_per_person_per_day_whichever_job_found_the_items(app: TestApp) {
        let f = app.fixture().await;
        app.ok(
            "mutation($input: UpdateActionInput!) { updateAction(input: $input) { id } }",
            json!({ "input": { "actionId": f.action_id, "recurrence": "ANNUAL", "deadline": "2027-01-22" } }),
        )
        .await;
        let buv = |sent: &[Value]| for_recipient(sent, "buv@kommune.no").into_iter().cloned().collect::<Vec<_>>();

        // 15 January 2027: the evaluation round opens at 08:00, and the deadline reminders
        // (13.1 is due in 7 days) come later the same day: one message holds both.
        app.run_job(Job::AnnualEvaluation, "2027-01-15T08:00:00+01:00").await.unwrap();
        let summary = app.run_job(Job::DeadlineReminders, "2027-01-15T09:00:00+01:00").await.unwrap();
        assert!(summary.starts_with("0 messages enqueued"), "joined the morning's digest: {summary}");
        let sent = buv(&app.notifications().await);
        assert_eq!(sent.len(), 1, "{sent:#?}");
        let body = sent[0]["bodyText"].as_str().unwrap();
        assert!(body.contains("Evaluering for 2026") && body.contains("Fristen er om 7 dager"), "{body}");
        let subject = sent[0]["subject"].as_str().unwrap();
        assert!(subject.contains("evaluering") && subject.contains("Frist 22.01.2027"), "{subject}");
        assert_eq!(app.dispatch("2027-01-15T09:01:00+01:00").await.sent, 1);
        assert_eq!(app.outbox_files().len(), 1);

        // Once sent, a message never changes: something new that day is a message of its own.
        let a2 = app.add_action(&f.chapter_id, 2, &f.unit_id).await;
        app.set_deadline(&a2, "2027-01-16").await;
        app.run_job(Job::DeadlineReminders, "2027-01-15T15:00:00+01:00").await.unwrap();
        let sent = buv(&app.notifications().await);
        assert_eq!(sent.len(), 2, "{sent:#?}");
        let first = sent.iter().find(|n| n["status"] == "SENT").unwrap();
        assert_eq!(first["bodyText"].as_str().unwrap(), body, "the sent message is as it was sent");
        let second = sent.iter().find(|n| n["status"] == "PENDING").unwrap();
        let second = second["bodyText"].as_str().unwrap();
        assert!(second.contains("13.2") && !second.contains("Evaluering for 2026"), "{second}");
    }

    async fn the_serve_dispatcher_lets_the_morning_jobs_join_one_digest(app: TestApp) {
        let f = app.fixture().await;
        app.ok(
            "mutation($input: UpdateActionInput!) { updateAction(input: $input) { id } }",
            json!({ "input": { "actionId": f.action_id, "recurrence": "ANNUAL", "deadline": "2027-01-22" } }),
        )
        .await;
        let mailer = tiltak::mail::Mailer::from_settings(&app.state.settings.mail).unwrap();
        let settle = chrono::Duration::seconds(app.state.settings.mail.digest_settle_seconds);
        let dispatch = |moment: &str| {
            tiltak::services::outbox::dispatch_settled(&app.state.db, &mailer, &app.state.settings.mail, at(moment), settle)
        };
        // Both jobs run at 07:00 by default; whichever runs first, its digest waits.
        app.run_job(Job::AnnualEvaluation, "2027-01-15T07:00:00+01:00").await.unwrap();
        assert_eq!(dispatch("2027-01-15T07:00:10+01:00").await.unwrap().sent, 0, "the digest settles first");
        app.run_job(Job::DeadlineReminders, "2027-01-15T07:00:00+01:00").await.unwrap();
        assert_eq!(dispatch("2027-01-15T07:02:30+01:00").await.unwrap().sent, 1);
        let sent = for_recipient(&app.notifications().await, "buv@kommune.no").into_iter().cloned().collect::<Vec<_>>();
        assert_eq!(sent.len(), 1, "{sent:#?}");
        let body = sent[0]["bodyText"].as_str().unwrap();
        assert!(body.contains("Evaluering for 2026") && body.contains("Fristen er om 7 dager"), "{body}");
    }

    async fn deadline_reminders_send_one_digest_per_leader_once(app: TestApp) {
        let f = app.fixture().await;
        let a2 = app.add_action(&f.chapter_id, 2, &f.unit_id).await;
        let a3 = app.add_action(&f.chapter_id, 3, &f.other_unit_id).await;
        let a4 = app.add_action(&f.chapter_id, 4, &f.unit_id).await;
        // Run day: Tuesday 1 December 2026, 07:00 in Oslo.
        app.set_deadline(&f.action_id, "2026-12-08").await; // in 7 days
        app.set_deadline(&a2, "2026-11-28").await; // overdue
        app.set_deadline(&a3, "2026-12-31").await; // in 30 days, the other unit
        app.set_deadline(&a4, "2027-06-01").await; // far off: nothing

        let summary = app.run_job(Job::DeadlineReminders, "2026-12-01T07:00:00+01:00").await.unwrap();
        assert!(summary.starts_with("2 messages enqueued"), "{summary}");
        let sent = app.notifications().await;
        assert_eq!(sent.len(), 2, "one digest per leader: {sent:#?}");
        let buv = for_recipient(&sent, "buv@kommune.no");
        assert_eq!(buv.len(), 1);
        assert_eq!(
            buv[0]["subject"],
            "tiltak: Frist 08.12.2026 for tiltak 13.1, 1 tiltak har passert fristen"
        );
        let text = buv[0]["bodyText"].as_str().unwrap();
        assert!(text.contains("Tiltak 13.1 Tiltak 1") && text.contains("Fristen er om 7 dager"), "{text}");
        assert!(text.contains("Tiltak 13.2 Tiltak 2") && text.contains("Fristen gikk ut for 3 dager siden"), "{text}");
        assert!(!text.contains("13.4"), "{text}");
        // Each item has its own link for the leader to update the action without signing in.
        let links = text.matches(&format!("{}/e/tiltak_", app.state.settings.public_url())).count();
        assert_eq!(links, 2, "{text}");
        let kultur = for_recipient(&sent, "kultur@kommune.no");
        assert_eq!(kultur[0]["subject"], "tiltak: Frist 31.12.2026 for tiltak 13.3");

        // The same day again, later: nothing new. The next day: still nothing new.
        assert!(app.run_job(Job::DeadlineReminders, "2026-12-01T09:30:00+01:00").await.unwrap().starts_with("0 messages"));
        assert!(app.run_job(Job::DeadlineReminders, "2026-12-02T07:00:00+01:00").await.unwrap().starts_with("0 messages"));
        // And the same moment twice is one run.
        assert_eq!(app.run_job(Job::DeadlineReminders, "2026-12-02T07:00:00+01:00").await, None);
        assert_eq!(app.notifications().await.len(), 2);

        // Monday 7 December: one day left for 13.1, and a new week for the overdue 13.2.
        app.run_job(Job::DeadlineReminders, "2026-12-07T07:00:00+01:00").await.unwrap();
        let sent = app.notifications().await;
        assert_eq!(sent.len(), 3);
        let newest = &for_recipient(&sent, "buv@kommune.no")[0];
        assert_eq!(newest["subject"], "tiltak: Frist 08.12.2026 for tiltak 13.1, 1 tiltak har passert fristen");
        assert!(newest["bodyText"].as_str().unwrap().contains("Fristen er i morgen"));

        // The dispatcher writes each message once to the file outbox, also when two run at once.
        let (one, two) = tokio::join!(app.dispatch("2026-12-07T07:01:00+01:00"), app.dispatch("2026-12-07T07:01:00+01:00"));
        assert_eq!((one.sent + two.sent, one.retrying + two.retrying, one.failed + two.failed), (3, 0, 0));
        assert_eq!(app.dispatch("2026-12-07T07:02:00+01:00").await.sent, 0);
        let files = app.outbox_files();
        assert_eq!(files.len(), 3);
        let to_buv: Vec<&String> = files.iter().filter(|f| f.contains("To: Leder <buv@kommune.no>")).collect();
        assert_eq!(to_buv.len(), 2, "{files:#?}");
        assert!(to_buv[0].contains("multipart/alternative") && to_buv[0].contains("text/html"), "{}", to_buv[0]);
        assert!(app.notifications().await.iter().all(|n| n["status"] == "SENT" && n["attempts"] == 1));
    }

    async fn a_status_change_to_delayed_notifies_the_team_following_the_unit(app: TestApp) {
        let f = app.fixture().await;
        app.create_team("Familiens hus", "familiens.hus@kommune.no", &f.unit_id).await;
        app.create_team("SLT", "slt@kommune.no", &f.other_unit_id).await;
        let admin = app.admin_token.clone();
        app.set_status(&admin, &f.action_id, "IN_PROGRESS", None).await;
        assert!(app.notifications().await.is_empty(), "IN_PROGRESS tells nobody");
        let delayed = app.set_status(&admin, &f.action_id, "DELAYED", Some("Mangler ressurser")).await;
        assert!(delayed.get("errors").is_none(), "{delayed}");
        let sent = app.notifications().await;
        assert_eq!(sent.len(), 1, "only the team following the unit: {sent:#?}");
        assert!(sent[0]["recipient"].as_str().unwrap().contains("familiens.hus@kommune.no"));
        assert_eq!(sent[0]["reason"], "STATUS_CHANGE");
        assert_eq!(sent[0]["subject"], "tiltak: Tiltak 13.1 er forsinket");
        assert!(sent[0]["bodyText"].as_str().unwrap().contains("Begrunnelse: Mangler ressurser"));

        // A refused change writes no message either.
        let refused = app.set_status(&admin, &f.action_id, "CANCELLED", None).await;
        assert_eq!(error_code(&refused), Some("VALIDATION"));
        assert_eq!(app.notifications().await.len(), 1);

        // The weekly digest lists the team's delayed actions, once per week.
        app.run_job(Job::WeeklyDigest, "2026-12-07T08:00:00+01:00").await.unwrap();
        app.run_job(Job::WeeklyDigest, "2026-12-08T08:00:00+01:00").await.unwrap();
        let digests: Vec<Value> =
            app.notifications().await.into_iter().filter(|n| n["reason"] == "TEAM_DIGEST").collect();
        assert_eq!(digests.len(), 1, "{digests:#?}");
        assert!(digests[0]["recipient"].as_str().unwrap().contains("familiens.hus@kommune.no"));
        assert!(digests[0]["bodyText"].as_str().unwrap().contains("Meldt forsinket"));
    }

    async fn the_annual_round_opens_evaluations_that_unit_leaders_submit(app: TestApp) {
        let f = app.fixture().await;
        let on_demand = app.add_action(&f.chapter_id, 2, &f.unit_id).await;
        app.ok(
            "mutation($input: UpdateActionInput!) { updateAction(input: $input) { id } }",
            json!({ "input": { "actionId": f.action_id, "recurrence": "ANNUAL" } }),
        )
        .await;
        app.ok(
            "mutation($input: UpdateActionInput!) { updateAction(input: $input) { id } }",
            json!({ "input": { "actionId": on_demand, "recurrence": "ON_DEMAND" } }),
        )
        .await;
        // The round for the year the actions existed in.
        let year = app.clock.now().format("%Y").to_string().parse::<i32>().unwrap();
        let opening = format!("{}-01-15T08:00:00+01:00", year + 1);
        let summary = app.run_job(Job::AnnualEvaluation, &opening).await.unwrap();
        assert!(summary.starts_with(&format!("1 evaluations opened for {year}, 1 messages")), "{summary}");
        let query = "query($filter: EvaluationFilter) { evaluations(filter: $filter) {
            id year status dueOn action { number } unit { name } carriedOut decision effect } }";
        let open = app.ok(query, json!({ "filter": { "planId": f.plan_id, "year": year } })).await["evaluations"].clone();
        assert_eq!(open.as_array().unwrap().len(), 1, "ON_DEMAND is not evaluated: {open}");
        assert_eq!(open[0]["action"]["number"], "13.1");
        assert_eq!(open[0]["status"], "OPEN");
        let sent = app.notifications().await;
        assert_eq!(sent[0]["reason"], "EVALUATION_OPEN");
        assert_eq!(sent[0]["subject"], "tiltak: 1 evaluering venter");
        let id = open[0]["id"].as_str().unwrap().to_owned();

        // Nobody from another unit, and no bad input, gets through.
        let submit = "mutation($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { status carriedOut decision submittedBy { email } } }";
        let input = |effect: &str| json!({ "input": {
            "evaluationId": id, "carriedOut": "PARTLY", "effect": effect, "decision": "ADJUST", "comment": "Færre deltakere enn planlagt" } });
        let other = app.token_for("kultur.leder@kommune.no", "UNIT_LEADER", Some(&f.other_unit_id)).await;
        assert_eq!(error_code(&app.gql_as(Some(&other), submit, input("Bra")).await), Some("FORBIDDEN"));
        let leader = app.token_for("buv.leder@kommune.no", "UNIT_LEADER", Some(&f.unit_id)).await;
        let empty = app.gql_as(Some(&leader), submit, input("  ")).await;
        assert_eq!(error_code(&empty), Some("VALIDATION"));
        assert_eq!(empty["errors"][0]["extensions"]["field"], "effect");
        let still = app.ok(query, json!({ "filter": { "status": "OPEN" } })).await;
        assert_eq!(still["evaluations"].as_array().unwrap().len(), 1);

        // After the grace period the daily job marks it overdue and reminds the leader.
        let late = format!("{}-03-02T07:00:00+01:00", year + 1);
        let summary = app.run_job(Job::DeadlineReminders, &late).await.unwrap();
        assert!(summary.ends_with("1 evaluations became overdue"), "{summary}");
        let overdue = app.ok(query, json!({ "filter": { "status": "OVERDUE" } })).await;
        assert_eq!(overdue["evaluations"].as_array().unwrap().len(), 1);
        assert!(app.notifications().await.iter().any(|n| n["reason"] == "EVALUATION_OVERDUE"));

        let done = app.gql_as(Some(&leader), submit, input("Flere foreldre deltar")).await;
        assert!(done.get("errors").is_none(), "{done}");
        assert_eq!(done["data"]["submitEvaluation"]["status"], "SUBMITTED");
        assert_eq!(done["data"]["submitEvaluation"]["submittedBy"]["email"], "buv.leder@kommune.no");
        let history = app.action(&f.action_id).await["history"].clone();
        let last = history.as_array().unwrap().last().unwrap();
        assert_eq!((last["kind"].as_str(), last["to"].as_str()), (Some("EVALUATED"), Some("ADJUST")));
    }

    async fn a_biennial_revision_falls_due_in_2025_and_2027_but_not_2026(app: TestApp) {
        let unit = app
            .ok(
                "mutation { createUnit(input: { name: \"Familiens hus\", leaderName: \"Leder\", leaderEmail: \"fh@kommune.no\" }) { id } }",
                json!({}),
            )
            .await["createUnit"]["id"]
            .clone();
        app.ok(
            "mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }",
            json!({ "input": { "title": "Forebyggende plan", "ownerUnitId": unit, "revisionSchedule": "0 0 8 1 9 * 2025/2" } }),
        )
        .await;
        for year in 2025..=2027 {
            app.run_job(Job::PlanRevision, &format!("{year}-08-31T06:30:00+02:00")).await.unwrap();
            app.run_job(Job::PlanRevision, &format!("{year}-09-01T06:30:00+02:00")).await.unwrap();
            app.run_job(Job::PlanRevision, &format!("{year}-09-02T06:30:00+02:00")).await.unwrap();
        }
        let revisions = app.ok("{ revisions { dueOn status unit { name } plan { title } } }", json!({})).await;
        let days: Vec<&str> = revisions["revisions"].as_array().unwrap().iter().map(|r| r["dueOn"].as_str().unwrap()).collect();
        assert_eq!(days, ["2027-09-01", "2025-09-01"]);
        assert_eq!(revisions["revisions"][0]["unit"]["name"], "Familiens hus");
        let due: Vec<Value> = app.notifications().await.into_iter().filter(|n| n["reason"] == "REVISION_DUE").collect();
        assert_eq!(due.len(), 2, "one message per revision: {due:#?}");
        assert_eq!(due[0]["subject"], "tiltak: Forebyggende plan skal rulleres");
    }

    async fn the_scheduler_catches_up_once_after_downtime(app: TestApp) {
        let jobs = tiltak::jobs::Jobs::from_settings(&app.state.settings).unwrap();
        let scheduler = Scheduler::new(app.state.clone(), jobs);
        let start = app.clock.now();
        // Down for ten days: one catch-up run per job that had occurrences, for the latest one.
        let later = start + chrono::Duration::days(10);
        let runs = scheduler.tick(later).await.unwrap();
        let reminders: Vec<_> = runs.iter().filter(|r| r.job.code() == "deadline-reminders").collect();
        assert_eq!(reminders.len(), 1, "{runs:#?}");
        let latest_seven = tiltak::domain::CronSchedule::latest_at_or_before(&"0 0 7 * * *".parse().unwrap(), later).unwrap();
        assert_eq!(reminders[0].scheduled_for, latest_seven);
        assert_eq!(reminders[0].trigger.code(), "schedule");
        // Nothing more is due until the next occurrence.
        assert!(scheduler.tick(later).await.unwrap().is_empty());
        assert!(scheduler.tick(later + chrono::Duration::minutes(1)).await.unwrap().is_empty());
        let runs = app.ok("{ jobRuns(job: \"deadline-reminders\") { job outcome scheduledFor trigger } }", json!({})).await;
        assert_eq!(runs["jobRuns"].as_array().unwrap().len(), 1);
        assert_eq!(runs["jobRuns"][0]["outcome"], "SUCCEEDED");
    }

    async fn seven_in_the_morning_stays_seven_across_daylight_saving(app: TestApp) {
        let jobs = tiltak::jobs::Jobs::from_settings(&app.state.settings).unwrap();
        let scheduler = Scheduler::new(app.state.clone(), jobs);
        // Summer time began on Sunday 29 March 2026: 07:00 is 05:00 UTC that day, 06:00 the day before.
        for (tick, expected) in [
            ("2026-03-28T06:00:00Z", "2026-03-28T06:00:00Z"),
            ("2026-03-29T05:00:00Z", "2026-03-29T05:00:00Z"),
            ("2026-10-25T06:00:00Z", "2026-10-25T06:00:00Z"),
        ] {
            // Pretend the previous scheduled run was just before, so each tick is one occurrence.
            let before = at(expected) - chrono::Duration::hours(23);
            jobs::run(&app.state, Job::DeadlineReminders, before, Trigger::Schedule, "test").await.unwrap();
            let early = scheduler.tick(at(tick) - chrono::Duration::minutes(1)).await.unwrap();
            assert!(early.iter().all(|r| r.job.code() != "deadline-reminders"), "not yet 07:00 local: {early:#?}");
            let runs = scheduler.tick(at(tick)).await.unwrap();
            let run = runs.iter().find(|r| r.job.code() == "deadline-reminders").expect("runs at 07:00 local");
            assert_eq!(run.scheduled_for, at(expected));
        }
    }

    async fn the_calendar_feed_holds_deadlines_evaluations_and_revisions(app: TestApp) {
        let f = app.fixture().await;
        app.set_deadline(&f.action_id, "2026-12-08").await;
        let feed = app
            .ok(
                "mutation($input: CreateCalendarFeedInput!) { createCalendarFeed(input: $input) { id url } }",
                json!({ "input": { "planId": f.plan_id } }),
            )
            .await["createCalendarFeed"]
            .clone();
        let url = feed["url"].as_str().unwrap();
        assert!(url.starts_with(&format!("{}/calendar/tiltak_", app.state.settings.public_url())) && url.ends_with(".ics"), "{url}");
        let response = app.client.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/calendar; charset=utf-8");
        let body = response.text().await.unwrap();
        assert!(body.contains("\r\n"), "RFC 5545 lines end in CRLF");
        let calendar: icalendar::Calendar = body.parse().expect("the feed parses");
        let events: Vec<_> = calendar.components.iter().filter_map(|c| c.as_event()).collect();
        assert_eq!(events.len(), 1, "{body}");
        use icalendar::Component;
        assert_eq!(events[0].get_summary(), Some("Frist: tiltak 13.1 Tiltak 1"));
        assert_eq!(
            events[0].get_start(),
            Some(icalendar::DatePerhapsTime::Date(chrono::NaiveDate::from_ymd_opt(2026, 12, 8).unwrap()))
        );
        assert_eq!(
            events[0].get_end(),
            Some(icalendar::DatePerhapsTime::Date(chrono::NaiveDate::from_ymd_opt(2026, 12, 9).unwrap())),
            "a one-day event ends (exclusively) the next day"
        );
        every_event_ends_after_it_starts(&calendar);

        // A unit's feed, an unknown secret, a revoked feed.
        let unit_feed = app
            .ok(
                "mutation($input: CreateCalendarFeedInput!) { createCalendarFeed(input: $input) { url } }",
                json!({ "input": { "unitId": f.other_unit_id } }),
            )
            .await["createCalendarFeed"]["url"]
            .as_str()
            .unwrap()
            .to_owned();
        let other = app.client.get(&unit_feed).send().await.unwrap().text().await.unwrap();
        assert!(!other.contains("VEVENT"), "the other unit has no deadlines: {other}");
        let unknown = app.client.get(format!("{}/calendar/tiltak_nope.ics", app.address)).send().await.unwrap();
        assert_eq!(unknown.status(), 404);
        app.ok("mutation($id: ID!) { revokeCalendarFeed(id: $id) { revokedAt } }", json!({ "id": feed["id"] })).await;
        assert_eq!(app.client.get(url).send().await.unwrap().status(), 404);
        let bad = app.gql("mutation { createCalendarFeed(input: {}) { url } }", json!({})).await;
        assert_eq!(error_code(&bad), Some("VALIDATION"));
    }

    async fn the_outbox_is_for_admins_and_failed_messages_can_be_resent(app: TestApp) {
        let f = app.fixture().await;
        app.set_deadline(&f.action_id, "2026-12-08").await;
        app.run_job(Job::DeadlineReminders, "2026-12-01T07:00:00+01:00").await.unwrap();
        let viewer = app.token_for("viewer@kommune.no", "VIEWER", None).await;
        let refused = app.gql_as(Some(&viewer), "{ notifications { id } }", json!({})).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"));
        let refused = app.gql_as(Some(&viewer), "{ jobRuns { id } }", json!({})).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"));

        // A pending message cannot be resent; a failed one can.
        let id = app.notifications().await[0]["id"].clone();
        let resend = "mutation($id: ID!) { resendNotification(id: $id) { status attempts } }";
        assert_eq!(error_code(&app.gql(resend, json!({ "id": id })).await), Some("CONFLICT"));
        let db = app.db().await;
        sea_orm::ConnectionTrait::execute_unprepared(&db, "UPDATE notification SET status = 'FAILED', attempts = 8").await.unwrap();
        let again = app.ok(resend, json!({ "id": id })).await;
        assert_eq!(again["resendNotification"], json!({ "status": "PENDING", "attempts": 0 }));
        assert_eq!(error_code(&app.gql_as(Some(&viewer), resend, json!({ "id": id })).await), Some("FORBIDDEN"));

        // A dispatcher that died while sending the last allowed attempt leaves a leased row
        // behind: once the lease is over it is sent, and the crash did not use up the attempt.
        {
            use sea_orm::{EntityTrait, sea_query::Expr};
            use tiltak::entities::notification;
            let at = |minutes: i64| app.clock.now() + chrono::Duration::minutes(minutes);
            notification::Entity::update_many()
                .col_expr(notification::Column::Status, Expr::value("PENDING"))
                .col_expr(notification::Column::Attempts, Expr::value(7))
                .col_expr(notification::Column::NextAttemptAt, Expr::value(at(-60)))
                .col_expr(notification::Column::LeaseUntil, Expr::value(at(5)))
                .exec(&db)
                .await
                .unwrap();
        }
        let now = app.clock.now().to_rfc3339();
        assert_eq!(app.dispatch(&now).await, Default::default(), "not before the lease is over");
        let later = (app.clock.now() + chrono::Duration::minutes(10)).to_rfc3339();
        assert_eq!(app.dispatch(&later).await.sent, 1);
        let row = &app.notifications().await[0];
        assert_eq!((row["status"].as_str(), row["attempts"].as_i64()), (Some("SENT"), Some(8)), "{row}");
        assert_eq!(app.outbox_files().len(), 1);
    }
}

/// An app that sends through `sink` without TLS, giving up after `max_attempts`.
async fn smtp_app(db: Db, sink: &SmtpSink, max_attempts: i32) -> Option<TestApp> {
    TestApp::spawn_with(db, |s| {
        s.mail.transport = tiltak::config::MailTransport::Smtp;
        s.mail.smtp.host = "127.0.0.1".into();
        s.mail.smtp.port = sink.port;
        s.mail.smtp.tls = tiltak::config::SmtpTls::None;
        s.mail.max_attempts = max_attempts;
    })
    .await
}

/// Messages go to a real SMTP server on loopback that refuses for a while and then accepts:
/// each arrives exactly once, and the failures are recorded with their backoff.
async fn smtp_delivery_survives_an_outage(db: Db) {
    let sink = SmtpSink::start().await;
    let app = smtp_app(db, &sink, 3).await.expect("TILTAK_TEST_POSTGRES_URL is set");
    let f = app.fixture().await;
    let a2 = app.add_action(&f.chapter_id, 2, &f.other_unit_id).await;
    app.set_deadline(&f.action_id, "2026-12-08").await;
    app.set_deadline(&a2, "2026-12-02").await;
    app.run_job(Job::DeadlineReminders, "2026-12-01T07:00:00+01:00")
        .await
        .unwrap();

    sink.refuse(true);
    let first = app.dispatch("2026-12-01T07:00:10+01:00").await;
    assert_eq!((first.sent, first.retrying), (0, 2));
    let pending = app.notifications().await;
    assert!(
        pending.iter().all(|n| n["status"] == "PENDING" && n["attempts"] == 1),
        "{pending:#?}"
    );
    assert!(
        pending[0]["lastError"].as_str().unwrap().contains("try again later"),
        "{pending:#?}"
    );
    // Not yet due again: the first retry waits retry_base_seconds (60 s).
    assert_eq!(app.dispatch("2026-12-01T07:00:30+01:00").await.retrying, 0);
    assert_eq!(app.dispatch("2026-12-01T07:01:15+01:00").await.retrying, 2);

    sink.refuse(false);
    // The second retry waits 120 s more.
    assert_eq!(app.dispatch("2026-12-01T07:02:00+01:00").await.sent, 0);
    assert_eq!(app.dispatch("2026-12-01T07:03:30+01:00").await.sent, 2);
    assert_eq!(app.dispatch("2026-12-01T08:00:00+01:00").await.sent, 0);
    let received = sink.received();
    assert_eq!(received.len(), 2, "each message exactly once");
    let ids: std::collections::HashSet<&str> = received
        .iter()
        .filter_map(|m| m.lines().find(|l| l.starts_with("Message-ID:")))
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(received.iter().any(|m| m.contains("To: Leder <buv@kommune.no>")));
    assert!(received.iter().all(|m| m.contains("Subject: tiltak: Frist")));
    assert!(
        app.notifications()
            .await
            .iter()
            .all(|n| n["status"] == "SENT" && n["attempts"] == 3)
    );
}

#[tokio::test]
async fn smtp_delivery_survives_an_outage_sqlite() {
    smtp_delivery_survives_an_outage(Db::Sqlite).await;
}

#[tokio::test]
#[cfg_attr(not(tiltak_postgres), ignore = "set TILTAK_TEST_POSTGRES_URL")]
async fn smtp_delivery_survives_an_outage_postgres() {
    smtp_delivery_survives_an_outage(Db::Postgres).await;
}

/// After max_attempts a message is FAILED with the error, and nothing is sent again.
#[tokio::test]
async fn smtp_gives_up_after_the_configured_attempts() {
    let sink = SmtpSink::start().await;
    let app = smtp_app(Db::Sqlite, &sink, 2).await.unwrap();
    let f = app.fixture().await;
    app.set_deadline(&f.action_id, "2026-12-08").await;
    app.run_job(Job::DeadlineReminders, "2026-12-01T07:00:00+01:00")
        .await
        .unwrap();
    sink.refuse(true);
    assert_eq!(app.dispatch("2026-12-01T07:00:00+01:00").await.retrying, 1);
    assert_eq!(app.dispatch("2026-12-01T08:00:00+01:00").await.failed, 1);
    assert_eq!(app.dispatch("2026-12-02T08:00:00+01:00").await, Default::default());
    let failed = app.notifications().await;
    assert_eq!(failed[0]["status"], "FAILED");
    assert!(failed[0]["lastError"].as_str().unwrap().contains("451"), "{failed:#?}");
    assert!(sink.received().is_empty());
}

/// Two instances (two schedulers with their own connection pools) on one PostgreSQL database,
/// ticking at the same moment: each due run executes once and each reminder is sent once.
#[tokio::test]
#[cfg_attr(not(tiltak_postgres), ignore = "set TILTAK_TEST_POSTGRES_URL")]
async fn two_schedulers_on_one_postgres_run_each_job_once() {
    let app = TestApp::spawn(Db::Postgres)
        .await
        .expect("TILTAK_TEST_POSTGRES_URL is set");
    let f = app.fixture().await;
    // Two days after the organization was created, 07:00:30 in Oslo; the deadline a week on.
    let created = app.clock.now().with_timezone(&tiltak::domain::OSLO).date_naive();
    let day = created + chrono::Duration::days(2);
    let moment = day
        .and_hms_opt(7, 0, 30)
        .unwrap()
        .and_local_timezone(tiltak::domain::OSLO)
        .unwrap()
        .with_timezone(&Utc);
    app.set_deadline(&f.action_id, &(day + chrono::Duration::days(7)).to_string())
        .await;
    let instances: Vec<Scheduler> = futures_util::future::join_all((0..2).map(|_| async {
        let db = tiltak::app::connect(&app.state.settings).await.unwrap();
        let state = tiltak::state::AppState::new(
            db,
            (*app.state.settings).clone(),
            app.state.audit_key.clone(),
            app.clock.clone(),
        );
        Scheduler::new(state, tiltak::jobs::Jobs::from_settings(&app.state.settings).unwrap())
    }))
    .await;
    // Each instance tries everything due at once, several times.
    let mut all_runs = Vec::new();
    for _ in 0..3 {
        let (a, b) = tokio::join!(instances[0].tick(moment), instances[1].tick(moment));
        all_runs.extend(a.unwrap());
        all_runs.extend(b.unwrap());
    }
    let reminders: Vec<_> = all_runs
        .iter()
        .filter(|r| r.job.code() == "deadline-reminders")
        .collect();
    assert_eq!(reminders.len(), 1, "{all_runs:#?}");
    let mut jobs_run: Vec<&str> = all_runs.iter().map(|r| r.job.code()).collect();
    jobs_run.sort_unstable();
    let before = jobs_run.len();
    jobs_run.dedup();
    assert_eq!(before, jobs_run.len(), "no job ran twice: {all_runs:#?}");
    let db = app.db().await;
    let rows = <tiltak::entities::job_run::Entity as sea_orm::EntityTrait>::find()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        all_runs.len(),
        "every recorded run was carried out by exactly one instance"
    );
    assert!(
        rows.iter().all(|r| r.attempts == 1 && r.outcome.code() == "SUCCEEDED"),
        "{rows:#?}"
    );
    let sent = app.notifications().await;
    assert_eq!(for_recipient(&sent, "buv@kommune.no").len(), 1, "{sent:#?}");
}

/// `actionEvents` streams history over WebSocket (graphql-transport-ws), for the plan asked for.
#[tokio::test]
async fn action_events_stream_history_as_it_happens() {
    let app = TestApp::spawn(Db::Sqlite).await.unwrap();
    let f = app.fixture().await;
    let mut socket = app.websocket().await;
    let ack = socket.init(Some(&app.admin_token)).await.unwrap().unwrap();
    assert_eq!(ack["type"], "connection_ack");
    socket
        .subscribe(
            "1",
            "subscription($plan: ID!) { actionEvents(planId: $plan) { kind from to comment actor { email } } }",
            json!({ "plan": f.plan_id }),
        )
        .await;
    // The subscription sends only events written after it started, and there is no
    // acknowledgement of `subscribe`: change the action until an event arrives.
    let admin = app.admin_token.clone();
    app.set_status(&admin, &f.action_id, "IN_PROGRESS", None).await;
    let mut next = None;
    for progress in [10, 20, 30, 40, 50] {
        if let Ok(message) = socket.next_within(3).await {
            next = message;
            break;
        }
        app.ok(
            "mutation($input: UpdateActionInput!) { updateAction(input: $input) { id } }",
            json!({ "input": { "actionId": f.action_id, "progress": progress } }),
        )
        .await;
    }
    let next = next.expect("an event arrives");
    assert_eq!(next["type"], "next", "{next}");
    let event = &next["payload"]["data"]["actionEvents"];
    assert!(
        *event
            == json!({ "kind": "STATUS", "from": "NOT_STARTED", "to": "IN_PROGRESS", "comment": null,
                       "actor": { "email": "admin@eksempel.kommune.no" } })
            || (event["kind"] == "PROGRESS" && event["to"] == "10"),
        "{next}"
    );

    // Changes do not go over the WebSocket: they go through POST /graphql and its limits.
    socket
        .subscribe(
            "2",
            "mutation($a: ID!) { commentAction(actionId: $a, comment: \"via ws\") { kind } }",
            json!({ "a": f.action_id }),
        )
        .await;
    let refused = loop {
        let message = socket.next_within(5).await.unwrap().expect("an answer");
        if message["id"] == "2" {
            break message;
        }
    };
    assert!(
        refused.to_string().contains("not configured for mutations"),
        "{refused}"
    );
    let history = app.action(&f.action_id).await["history"].clone();
    assert!(history.as_array().unwrap().iter().all(|e| e["kind"] != "COMMENT"));

    // Revoking the token ends the subscription at its next look.
    let db = app.db().await;
    let org = tiltak::services::bootstrap::ensure_organization(&db, &app.settings, app.clock.now())
        .await
        .unwrap()
        .0;
    for info in tiltak::services::auth::tokens(&db, org.id).await.unwrap() {
        tiltak::services::auth::revoke_token(&db, org.id, info.token.id, app.clock.now())
            .await
            .unwrap();
    }
    let ended = loop {
        match socket.next_within(10).await {
            Ok(Some(message)) if message["type"] == "complete" => break true,
            Ok(Some(_)) => continue,
            Ok(None) => break true,
            Err(_) => break false,
        }
    };
    assert!(ended, "the stream ends once the token is revoked");

    // Without a token the connection is refused.
    let mut anonymous = app.websocket().await;
    let reply = anonymous.init(None).await.unwrap();
    assert!(
        reply.as_ref().is_none_or(|r| r["type"] != "connection_ack"),
        "{reply:?}"
    );
}

/// RFC 5545 §3.6.1: DTEND, when present, is after DTSTART (for DATE values at least a day).
fn every_event_ends_after_it_starts(calendar: &icalendar::Calendar) {
    use icalendar::{Component, DatePerhapsTime};
    let naive = |at: DatePerhapsTime| match at {
        DatePerhapsTime::Date(day) => day.and_hms_opt(0, 0, 0).unwrap(),
        DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(at)) => at.naive_utc(),
        DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Floating(at)) => at,
        DatePerhapsTime::DateTime(other) => panic!("the feed writes dates and UTC times only: {other:?}"),
    };
    for event in calendar.components.iter().filter_map(|c| c.as_event()) {
        let start = event.get_start().expect("DTSTART");
        if let Some(end) = event.get_end() {
            assert!(naive(end) > naive(start), "DTEND is not after DTSTART in {event:?}");
        }
    }
}
