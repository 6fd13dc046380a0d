//! How long the yearly report takes for a plan the size of the real one: 56 actions in 11
//! chapters with a year of history (six status changes and a few edits per action).
//!
//! Run with `cargo bench --bench report`. Compare the figures with `baseline/to_json` from
//! the same run (the machines are shared, so absolute times drift; ratios do not).

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use sea_orm::prelude::Json;
use tiltak::{
    domain::{CarriedOut, EvaluationDecision, EvaluationStatus, EventKind, Recurrence},
    entities::{action, action_event, chapter, evaluation, plan, unit},
    report::{self, Format, History},
};
use uuid::Uuid;

fn history() -> History {
    let org = Uuid::new_v4();
    let start: DateTime<Utc> = Utc.with_ymd_and_hms(2025, 1, 10, 9, 0, 0).unwrap();
    let plan = plan::Model {
        id: Uuid::new_v4(),
        organization_id: org,
        title: "Plan for forebygging av omsorgssvikt og atferdsproblemer".into(),
        decision_ref: Some("KST 032/24".into()),
        adopted_on: None,
        period_start: Some(2025),
        period_end: Some(2028),
        owner_unit_id: None,
        evaluation_schedule: None,
        revision_schedule: None,
        created_at: start,
        public_since: None,
        archived_at: None,
    };
    let units: Vec<unit::Model> = (0..8)
        .map(|i| unit::Model {
            id: Uuid::new_v4(),
            organization_id: org,
            name: format!("Enhet {i}"),
            leader_name: "Leder".into(),
            leader_email: format!("leder{i}@kommune.no"),
            created_at: start,
            archived_at: None,
        })
        .collect();
    let chapters: Vec<chapter::Model> = (7..=17)
        .map(|n| chapter::Model {
            id: Uuid::new_v4(),
            organization_id: org,
            plan_id: plan.id,
            number: n,
            title: format!("Kapittel {n}"),
            archived_at: None,
        })
        .collect();
    let mut actions = Vec::new();
    let mut events = Vec::new();
    let mut evaluations = Vec::new();
    let statuses = [
        "NOT_STARTED",
        "IN_PROGRESS",
        "DELAYED",
        "IN_PROGRESS",
        "COMPLETED",
        "CONTINUED",
        "IN_PROGRESS",
    ];
    for i in 0..56 {
        let chapter = &chapters[i % chapters.len()];
        let id = Uuid::new_v4();
        actions.push(action::Model {
            id,
            organization_id: org,
            plan_id: plan.id,
            chapter_id: chapter.id,
            number: (i / chapters.len() + 1) as i32,
            title: format!("Tiltak nummer {i} med en tittel av vanlig lengde"),
            description: "Beskrivelse".into(),
            responsible_unit_id: Some(units[i % units.len()].id),
            suggested_unit_id: None,
            deadline: NaiveDate::from_ymd_opt(2025, 6 + (i % 7) as u32, 1),
            status: statuses[6].parse().unwrap(),
            progress: 50,
            prevention_level: None,
            tags: Json::Array(vec![]),
            decision_ref: (i % 9 == 0).then(|| "KST 032/24".into()),
            recurrence: Recurrence::Annual,
            version: 10,
            created_at: start,
            updated_at: start,
            archived_at: None,
        });
        for (n, pair) in statuses.windows(2).enumerate() {
            events.push(action_event::Model {
                id: (i * 20 + n) as i64,
                organization_id: org,
                action_id: id,
                at: start + Duration::days(30 * n as i64 + i as i64),
                actor_id: None,
                kind: EventKind::Status,
                from_value: Some(pair[0].into()),
                to_value: Some(pair[1].into()),
                comment: Some("Oppdatert etter møte i lederteamet".into()),
                prev_hash: None,
                hash: None,
                via: None,
            });
        }
        for n in 0..4 {
            events.push(action_event::Model {
                id: (i * 20 + 10 + n) as i64,
                organization_id: org,
                action_id: id,
                at: start + Duration::days(40 * n as i64 + 5),
                actor_id: None,
                kind: EventKind::Progress,
                from_value: Some((n * 20).to_string()),
                to_value: Some((n * 20 + 20).to_string()),
                comment: None,
                prev_hash: None,
                hash: None,
                via: None,
            });
        }
        evaluations.push(evaluation::Model {
            id: Uuid::new_v4(),
            organization_id: org,
            plan_id: plan.id,
            action_id: id,
            unit_id: None,
            year: 2025,
            status: EvaluationStatus::Submitted,
            opened_on: NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
            due_on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            submitted_at: None,
            submitted_by: None,
            carried_out: Some(CarriedOut::Partly),
            effect: Some("Effekt".into()),
            decision: Some(EvaluationDecision::Continue),
            comment: None,
            created_at: start,
        });
    }
    History {
        former_names: vec![],
        organization: "Eksempel kommune".into(),
        plan,
        chapters,
        actions,
        units,
        events,
        evaluations,
    }
}

fn bench(c: &mut Criterion) {
    let history = history();
    let report = report::build(&history, 2025, None).unwrap();
    assert_eq!(report.summary.total, 56);
    c.bench_function("baseline/to_json", |b| b.iter(|| black_box(&report).to_json()));
    c.bench_function("report/build", |b| {
        b.iter(|| report::build(black_box(&history), 2025, None))
    });
    for format in [Format::Markdown, Format::Html, Format::Csv, Format::Docx] {
        c.bench_function(&format!("report/render_{}", format.extension()), |b| {
            b.iter(|| format.render(black_box(&report)))
        });
    }
    c.bench_function("report/build_and_hash", |b| {
        b.iter(|| report::build(black_box(&history), 2025, None).unwrap().hash())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
