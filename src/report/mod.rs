//! The yearly follow-up report to the council, built from the history alone.
//!
//! [`build`] is a pure function of the rows it is given (no clock, no database), so the same
//! period always gives the same report and the same hash; `services/reports.rs` loads the
//! rows and stores frozen reports, and the renderers turn a [`Report`] into Markdown, HTML,
//! CSV and DOCX.

mod docx;
mod render;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use render::{csv, html, markdown};

use crate::{
    domain::{ActionNumber, EventKind, OSLO, Status, today_in_oslo},
    entities::{action, action_event, chapter, evaluation, plan, unit, unit_former_name},
};

/// The name a unit had at a moment: the name it was renamed from first after that moment,
/// or its current name.
fn name_at(former: &[unit_former_name::Model], unit: &unit::Model, at: DateTime<Utc>) -> String {
    former
        .iter()
        .filter(|f| f.unit_id == unit.id && f.renamed_at > at)
        .min_by_key(|f| f.renamed_at)
        .map_or_else(|| unit.name.clone(), |f| f.name.clone())
}

/// Everything a report is built from: one plan's rows as they are in the database.
pub struct History {
    pub organization: String,
    pub plan: plan::Model,
    pub chapters: Vec<chapter::Model>,
    pub actions: Vec<action::Model>,
    pub units: Vec<unit::Model>,
    /// Names units had before a rename, so a year is shown with the names it had.
    pub former_names: Vec<unit_former_name::Model>,
    /// The history of the plan's actions, in any order.
    pub events: Vec<action_event::Model>,
    /// Evaluations of the plan (any year).
    pub evaluations: Vec<evaluation::Model>,
}

/// A report, as rendered and as frozen. Field order and list order are fixed, so its JSON is
/// canonical and its hash is stable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, async_graphql::SimpleObject)]
#[graphql(name = "YearReportData", complex)]
pub struct Report {
    pub organization: String,
    #[graphql(skip)]
    pub plan_id: Uuid,
    pub plan_title: String,
    pub decision_ref: Option<String>,
    pub year: i32,
    /// "Hele planen", or the unit or team the view is limited to.
    pub view: String,
    pub chapters: Vec<ChapterReport>,
    pub summary: Summary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, async_graphql::SimpleObject)]
#[graphql(name = "ReportChapter")]
pub struct ChapterReport {
    pub number: i32,
    pub title: String,
    pub actions: Vec<ActionReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, async_graphql::SimpleObject)]
#[graphql(name = "ReportAction", complex)]
pub struct ActionReport {
    #[graphql(skip)]
    pub id: Uuid,
    pub number: String,
    pub title: String,
    #[graphql(skip)]
    pub unit_id: Option<Uuid>,
    pub unit: Option<String>,
    /// The deadline as it stood on 31 December.
    pub deadline: Option<NaiveDate>,
    /// The status as it stood on 31 December (a status code).
    pub status: String,
    pub status_label: String,
    /// The status on 31 December the year before; none if the action did not exist then.
    pub previous_status: Option<String>,
    /// Status changes during the year, in order.
    pub events: Vec<YearEvent>,
    pub evaluation: Option<EvaluationReport>,
    pub flags: Flags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, async_graphql::SimpleObject)]
#[graphql(name = "ReportEvent")]
pub struct YearEvent {
    pub date: NaiveDate,
    pub from: Option<String>,
    pub to: String,
    /// "Ikke startet → Pågår".
    pub change: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, async_graphql::SimpleObject)]
#[graphql(name = "ReportEvaluation")]
pub struct EvaluationReport {
    pub status: String,
    pub carried_out: Option<String>,
    pub effect: Option<String>,
    pub decision: Option<String>,
    pub comment: Option<String>,
}

/// An event that reports on the work itself, as the council's "updated during the year" means.
fn is_follow_up(event: &action_event::Model) -> bool {
    [
        EventKind::Status,
        EventKind::Progress,
        EventKind::Comment,
        EventKind::Evaluated,
    ]
    .contains(&event.kind)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, async_graphql::SimpleObject)]
#[graphql(name = "ReportFlags")]
pub struct Flags {
    /// Open on 31 December with its deadline passed.
    pub overdue: bool,
    /// DELAYED on 31 December, with the comment given for it.
    pub delayed_reason: Option<String>,
    /// No follow-up during the year: no status, progress, comment or evaluation event. Creating
    /// or importing an action, or editing its text, is not a follow-up.
    pub no_update: bool,
    /// Added or changed by a council decision (e.g. "KST 032/24").
    pub council_decision: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, async_graphql::SimpleObject)]
#[graphql(name = "ReportSummary")]
pub struct Summary {
    pub total: usize,
    /// One entry per status, in the order of the status table, zeros included.
    pub by_status: Vec<StatusCount>,
    pub by_unit: Vec<UnitCount>,
    pub overdue: usize,
    /// Numbers of the actions with no update during the year.
    pub without_update: Vec<String>,
    /// Actions whose status on 31 December differs from the year before.
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, async_graphql::SimpleObject)]
#[graphql(name = "ReportStatusCount")]
pub struct StatusCount {
    pub status: String,
    pub label: String,
    pub count: usize,
    /// Traffic light: "grønn", "gul", "rød" or "grå".
    pub colour: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, async_graphql::SimpleObject)]
#[graphql(name = "ReportUnitCount")]
pub struct UnitCount {
    pub unit: String,
    pub total: usize,
    /// Counts in the order of `Summary::by_status`.
    pub by_status: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, async_graphql::SimpleObject)]
#[graphql(name = "ReportChange")]
pub struct Change {
    pub number: String,
    pub title: String,
    /// Status label the year before, or "Ny" for an action added during the year.
    pub from: String,
    pub to: String,
}

#[async_graphql::ComplexObject]
impl Report {
    async fn plan_id(&self) -> async_graphql::ID {
        async_graphql::ID(self.plan_id.to_string())
    }
}

#[async_graphql::ComplexObject]
impl ActionReport {
    async fn action_id(&self) -> async_graphql::ID {
        async_graphql::ID(self.id.to_string())
    }
    async fn unit_id(&self) -> Option<async_graphql::ID> {
        self.unit_id.map(|id| async_graphql::ID(id.to_string()))
    }
}

/// The traffic light of a status in the council report.
pub fn colour(status: Status) -> &'static str {
    match status {
        Status::Completed | Status::Continued | Status::InProgress => "grønn",
        Status::NotStarted => "gul",
        Status::Delayed => "rød",
        Status::Cancelled => "grå",
    }
}

/// The first moment of the year after `year` in Oslo: everything before it happened by
/// 31 December.
fn end_of(year: i32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(year + 1, 1, 1)
        .expect("1 January exists")
        .and_time(NaiveTime::MIN)
        .and_local_timezone(OSLO)
        .single()
        .expect("no DST change at New Year")
        .with_timezone(&Utc)
}

/// The value a field had just before `moment`, from its change events (oldest first) and its
/// value now: the last change before the moment, else the first later change's old value,
/// else now.
fn value_at(changes: &[&action_event::Model], moment: DateTime<Utc>, now: Option<String>) -> Option<String> {
    match changes.iter().rev().find(|e| e.at < moment) {
        Some(event) => event.to_value.clone(),
        None => match changes.first() {
            Some(later) => later.from_value.clone(),
            None => now,
        },
    }
}

fn label(code: &str) -> String {
    code.parse::<Status>()
        .map_or_else(|_| code.to_owned(), |s| s.label().to_owned())
}

/// The status a STATUS event's value names. This service writes only codes there, so any
/// other value is a corrupt history: an error, not a status guessed.
fn status_value(action: &action::Model, value: Option<String>) -> anyhow::Result<(String, Status)> {
    let code = value.ok_or_else(|| anyhow::anyhow!("action {}: a status change without a status", action.id))?;
    let status = code
        .parse::<Status>()
        .map_err(|e| anyhow::anyhow!("action {}: stored status change: {e}", action.id))?;
    Ok((code, status))
}

/// Builds the report of the whole plan for `year`. `previous` is last year's frozen report,
/// if there is one: "changes since last year" then compare with what the council was shown.
/// Fails only on a corrupt history (a status change to no known status).
pub fn build(history: &History, year: i32, last_year: Option<&Report>) -> anyhow::Result<Report> {
    let end = end_of(year);
    let end_before = end_of(year - 1);
    let units: HashMap<Uuid, &unit::Model> = history.units.iter().map(|u| (u.id, u)).collect();
    let history_units = &history.units;
    let former_names = &history.former_names;
    let mut events: HashMap<Uuid, Vec<&action_event::Model>> = HashMap::new();
    let mut sorted_events: Vec<&action_event::Model> = history.events.iter().collect();
    sorted_events.sort_by_key(|e| (e.at, e.id));
    for event in sorted_events {
        events.entry(event.action_id).or_default().push(event);
    }
    let previous_status: HashMap<Uuid, String> = last_year
        .map(|report| {
            report
                .chapters
                .iter()
                .flat_map(|c| &c.actions)
                .map(|a| (a.id, a.status.clone()))
                .collect()
        })
        .unwrap_or_default();
    let evaluations: HashMap<Uuid, &evaluation::Model> = history
        .evaluations
        .iter()
        .filter(|e| e.year == year)
        .map(|e| (e.action_id, e))
        .collect();

    let mut chapters: Vec<&chapter::Model> = history.chapters.iter().collect();
    chapters.sort_by_key(|c| c.number);
    let chapters = chapters
        .into_iter()
        .map(|chapter| -> anyhow::Result<Option<ChapterReport>> {
            // An action is in the reports of the years it existed and was not archived from
            // the start: archived during the year, it is there with "Arkivert" among the events.
            let archived_before = |action: &action::Model| {
                let changes: Vec<&action_event::Model> = events
                    .get(&action.id)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|e| e.kind == EventKind::Archived)
                    .collect();
                let now = action.archived_at.map(|_| EventKind::Archived.code().to_owned());
                value_at(&changes, end_before, now).is_some()
            };
            let mut actions: Vec<&action::Model> = history
                .actions
                .iter()
                .filter(|a| {
                    a.chapter_id == chapter.id && today_in_oslo(a.created_at).year() <= year && !archived_before(a)
                })
                .collect();
            actions.sort_by_key(|a| a.number);
            // An archived chapter with nothing left to report on is left out.
            if chapter.archived_at.is_some() && actions.is_empty() {
                return Ok(None);
            }
            Ok(Some(ChapterReport {
                number: chapter.number,
                title: chapter.title.clone(),
                actions: actions
                    .into_iter()
                    .map(|action| {
                        let history = events.get(&action.id).map(Vec::as_slice).unwrap_or_default();
                        let of_kind = |kind: EventKind| -> Vec<&action_event::Model> {
                            history.iter().copied().filter(|e| e.kind == kind).collect()
                        };
                        let status_changes = of_kind(EventKind::Status);
                        let now = Some(action.status.code().to_owned());
                        let (status, parsed) = status_value(action, value_at(&status_changes, end, now.clone()))?;
                        let existed_before = today_in_oslo(action.created_at).year() < year;
                        let previous = match previous_status.get(&action.id) {
                            Some(status) => Some(status.clone()),
                            None if existed_before && last_year.is_none() => value_at(&status_changes, end_before, now),
                            None => None,
                        };
                        let deadline = value_at(
                            &of_kind(EventKind::Deadline),
                            end,
                            action.deadline.map(|d| d.to_string()),
                        )
                        .and_then(|d| d.parse().ok());
                        let in_year = |e: &action_event::Model| today_in_oslo(e.at).year() == year;
                        let mut year_changes: Vec<&action_event::Model> = status_changes.clone();
                        year_changes.extend(of_kind(EventKind::Archived));
                        year_changes.sort_by_key(|e| (e.at, e.id));
                        let year_events: Vec<YearEvent> = year_changes
                            .iter()
                            .filter(|e| in_year(e))
                            .map(|e| {
                                let to = e.to_value.clone().unwrap_or_default();
                                let change = if e.kind == EventKind::Archived {
                                    if to.is_empty() {
                                        "Hentet tilbake fra arkivet"
                                    } else {
                                        "Arkivert"
                                    }
                                    .to_owned()
                                } else {
                                    format!(
                                        "{} → {}",
                                        e.from_value.as_deref().map_or_else(String::new, label),
                                        label(&to)
                                    )
                                };
                                YearEvent {
                                    date: today_in_oslo(e.at),
                                    change,
                                    from: e.from_value.clone(),
                                    to,
                                    comment: e.comment.clone(),
                                }
                            })
                            .collect();
                        let delayed_reason = (parsed == Status::Delayed).then(|| {
                            status_changes
                                .iter()
                                .rev()
                                .find(|e| e.at < end && e.to_value.as_deref() == Some(Status::Delayed.code()))
                                .and_then(|e| e.comment.clone())
                                .unwrap_or_default()
                        });
                        let chapter_number = u32::try_from(chapter.number).unwrap_or_default();
                        let title =
                            value_at(&of_kind(EventKind::Title), end, Some(action.title.clone())).unwrap_or_default();
                        let decision_ref = value_at(&of_kind(EventKind::DecisionRef), end, action.decision_ref.clone());
                        // Unit changes are recorded by name; the unit is found by that name.
                        // A unit renamed since is shown by its name then, and found by any of its names.
                        let current_unit = action.responsible_unit_id.and_then(|id| units.get(&id));
                        let unit_name = value_at(
                            &of_kind(EventKind::ResponsibleUnit),
                            end,
                            current_unit.map(|u| name_at(former_names, u, end)),
                        );
                        let unit = unit_name.as_deref().and_then(|name| {
                            history_units.iter().find(|u| u.name == name).or_else(|| {
                                let former = former_names.iter().find(|f| f.name == name)?;
                                units.get(&former.unit_id).copied()
                            })
                        });
                        Ok(ActionReport {
                            id: action.id,
                            number: ActionNumber::new(chapter_number, action.number as u32).to_string(),
                            title,
                            unit_id: unit.map(|u| u.id),
                            unit: unit_name,
                            deadline,
                            status_label: parsed.label().to_owned(),
                            status,
                            previous_status: previous,
                            evaluation: evaluations.get(&action.id).map(|e| EvaluationReport {
                                status: e.status.code().to_owned(),
                                carried_out: e.carried_out.map(|c| c.label().to_owned()),
                                effect: e.effect.clone(),
                                decision: e.decision.map(|d| d.label().to_owned()),
                                comment: e.comment.clone(),
                            }),
                            flags: Flags {
                                overdue: crate::domain::is_overdue(
                                    deadline,
                                    parsed.is_open(),
                                    NaiveDate::from_ymd_opt(year, 12, 31).expect("31 December exists"),
                                ),
                                delayed_reason,
                                no_update: !history.iter().any(|e| in_year(e) && is_follow_up(e)),
                                council_decision: decision_ref,
                            },
                            events: year_events,
                        })
                    })
                    .collect::<anyhow::Result<_>>()?,
            }))
        })
        .collect::<anyhow::Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    Ok(finish(Report {
        organization: history.organization.clone(),
        plan_id: history.plan.id,
        plan_title: history.plan.title.clone(),
        decision_ref: history.plan.decision_ref.clone(),
        year,
        view: "Hele planen".to_owned(),
        chapters,
        summary: empty_summary(),
    }))
}

fn empty_summary() -> Summary {
    Summary {
        total: 0,
        by_status: Vec::new(),
        by_unit: Vec::new(),
        overdue: 0,
        without_update: Vec::new(),
        changes: Vec::new(),
    }
}

/// Computes the summary from the chapters.
fn finish(mut report: Report) -> Report {
    report.chapters.retain(|c| !c.actions.is_empty());
    let actions: Vec<&ActionReport> = report.chapters.iter().flat_map(|c| &c.actions).collect();
    let index = |code: &str| Status::ALL.iter().position(|s| s.code() == code);
    let mut by_status = vec![0usize; Status::ALL.len()];
    let mut by_unit: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for action in &actions {
        if let Some(i) = index(&action.status) {
            by_status[i] += 1;
            let unit = action.unit.clone().unwrap_or_else(|| "Uten ansvarlig enhet".to_owned());
            by_unit.entry(unit).or_insert_with(|| vec![0; Status::ALL.len()])[i] += 1;
        }
    }
    report.summary = Summary {
        total: actions.len(),
        by_status: Status::ALL
            .iter()
            .zip(by_status)
            .map(|(status, count)| StatusCount {
                status: status.code().to_owned(),
                label: status.label().to_owned(),
                count,
                colour: colour(*status).to_owned(),
            })
            .collect(),
        by_unit: by_unit
            .into_iter()
            .map(|(unit, by_status)| UnitCount {
                unit,
                total: by_status.iter().sum(),
                by_status,
            })
            .collect(),
        overdue: actions.iter().filter(|a| a.flags.overdue).count(),
        without_update: actions
            .iter()
            .filter(|a| a.flags.no_update)
            .map(|a| a.number.clone())
            .collect(),
        changes: actions
            .iter()
            .filter(|a| a.previous_status.as_deref() != Some(a.status.as_str()))
            .map(|a| Change {
                number: a.number.clone(),
                title: a.title.clone(),
                from: a.previous_status.as_deref().map_or_else(|| "Ny".to_owned(), label),
                to: a.status_label.clone(),
            })
            .collect(),
    };
    report
}

impl Report {
    /// The report limited to the actions of some units, with its summary recomputed.
    pub fn limited_to(&self, name: &str, unit_ids: &[Uuid]) -> Report {
        let mut view = self.clone();
        view.view = name.to_owned();
        for chapter in &mut view.chapters {
            chapter
                .actions
                .retain(|a| a.unit_id.is_some_and(|id| unit_ids.contains(&id)));
        }
        finish(view)
    }

    /// The canonical JSON that is frozen and hashed.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a report serializes")
    }

    /// SHA-256 of the canonical JSON, hex.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.to_json().as_bytes()))
    }

    pub fn actions(&self) -> impl Iterator<Item = &ActionReport> {
        self.chapters.iter().flat_map(|c| &c.actions)
    }
}

/// The formats a report is rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    Csv,
    Docx,
}

impl Format {
    pub fn parse(value: &str) -> Result<Format, String> {
        match value {
            "md" | "markdown" => Ok(Format::Markdown),
            "html" => Ok(Format::Html),
            "csv" => Ok(Format::Csv),
            "docx" => Ok(Format::Docx),
            other => Err(format!("{other:?} is not a report format: use md, html, csv or docx")),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Csv => "csv",
            Format::Docx => "docx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }
    }

    /// The rendered report.
    pub fn render(self, report: &Report) -> Vec<u8> {
        match self {
            Format::Markdown => markdown(report).into_bytes(),
            Format::Html => html(report).into_bytes(),
            Format::Csv => csv(report).into_bytes(),
            Format::Docx => docx::docx(report),
        }
    }
}
