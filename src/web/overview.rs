//! Pages for everyone signed in and for leader teams: the plans with their progress, one
//! plan's actions with filters and export, and a leader team's view of the units it follows.

use super::CsrfForm;
use std::collections::HashMap;

use axum::{
    extract::{Path, Query, State},
    http::header,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Frame, SignedIn, csrf_token, error_page, page, value};
use crate::{
    domain::{PreventionLevel, Status},
    entities::action,
    error::AppError,
    import,
    services::{
        actions::{self, ActionFilter},
        auth::{Permission, Relation, policy},
        imports, pages, plans,
    },
    state::AppState,
};

/// `GET /plans/{id}`: where revision reminders sent before the pages led.
pub async fn old_link(Path(id): Path<Uuid>) -> Redirect {
    Redirect::permanent(&format!("/planer/{id}"))
}

#[derive(Serialize)]
struct Count {
    label: &'static str,
    code: String,
    count: u64,
}

fn counts(counts: &plans::StatusCounts) -> Vec<Count> {
    counts
        .by_status
        .iter()
        .map(|(status, count)| Count {
            label: status.label(),
            code: status.code().to_lowercase(),
            count: *count,
        })
        .collect()
}

/// `GET /planer`: the organization's plans with their progress.
pub async fn list(State(state): State<AppState>, jar: CookieJar, SignedIn { viewer }: SignedIn) -> Response {
    let result: Result<_, AppError> = async {
        let mut rows = Vec::new();
        for plan in plans::plans(&state.db, &viewer, Some(false)).await? {
            let progress = plans::progress(&state.db, &plan).await?;
            rows.push(minijinja::context! {
                id => plan.id.to_string(),
                title => plan.title,
                decision_ref => plan.decision_ref,
                total => progress.overall.total,
                average => format!("{:.0}", progress.overall.average_progress),
                counts => value(counts(&progress.overall)),
            });
        }
        let archived: Vec<_> = plans::plans(&state.db, &viewer, Some(true))
            .await?
            .into_iter()
            .map(|plan| minijinja::context! { id => plan.id.to_string(), title => plan.title })
            .collect();
        Ok((rows, archived))
    }
    .await;
    match result {
        Ok((rows, archived)) => {
            let (jar, csrf) = csrf_token(jar);
            page(
                jar,
                "plans.html",
                Frame::signed_in(&csrf, &viewer),
                minijinja::context! { plans => rows, archived },
            )
        }
        Err(error) => error_page(jar, error),
    }
}

/// The filters of the plan page and the leader team page, from the query string.
#[derive(Deserialize, Serialize, Default, Clone)]
pub struct Filters {
    #[serde(default)]
    enhet: String,
    #[serde(default)]
    kapittel: String,
    #[serde(default)]
    niva: String,
    #[serde(default)]
    status: String,
}

impl Filters {
    fn keeps(&self, action: &action::Model, catalog: &pages::Catalog) -> bool {
        let unit_ok =
            self.enhet.is_empty() || action.responsible_unit_id.map(|u| u.to_string()) == Some(self.enhet.clone());
        let chapter_ok = self.kapittel.is_empty()
            || catalog.chapters.get(&action.chapter_id).map(|c| c.number.to_string()) == Some(self.kapittel.clone());
        let level_ok =
            self.niva.is_empty() || action.prevention_level.map(PreventionLevel::code) == Some(self.niva.as_str());
        let status_ok = self.status.is_empty() || action.status.code() == self.status;
        unit_ok && chapter_ok && level_ok && status_ok
    }
}

/// The choices of the filter form.
fn filter_choices(catalog: &pages::Catalog, unit_ids: Option<&[Uuid]>) -> minijinja::Value {
    let mut units: Vec<_> = catalog
        .units
        .values()
        .filter(|u| unit_ids.is_none_or(|ids| ids.contains(&u.id)))
        .map(|u| minijinja::context! { id => u.id.to_string(), name => u.name.clone() })
        .collect();
    units.sort_by_key(|u| u.get_attr("name").map(|n| n.to_string()).unwrap_or_default());
    let mut chapters: Vec<i32> = catalog.chapters.values().map(|c| c.number).collect();
    chapters.sort();
    chapters.dedup();
    minijinja::context! {
        units,
        chapters,
        levels => PreventionLevel::ALL.iter().map(|l| minijinja::context! { code => l.code(), label => l.label() }).collect::<Vec<_>>(),
        statuses => Status::ALL.iter().map(|s| minijinja::context! { code => s.code(), label => s.label() }).collect::<Vec<_>>(),
    }
}

#[derive(Serialize)]
struct Row {
    id: Uuid,
    number: String,
    title: String,
    status: String,
    status_code: String,
    unit: String,
    deadline: String,
    progress: i32,
    level: &'static str,
    note: Option<String>,
}

fn row(action: &action::Model, catalog: &pages::Catalog, note: Option<String>) -> Row {
    let status = action.status;
    Row {
        id: action.id,
        number: catalog.number(action),
        title: action.title.clone(),
        status: status.label().to_owned(),
        status_code: status.code().to_lowercase(),
        unit: catalog.unit_name(action.responsible_unit_id),
        deadline: action
            .deadline
            .map_or_else(|| "Ingen frist".to_owned(), |d| d.format("%d.%m.%Y").to_string()),
        progress: action.progress,
        level: action.prevention_level.map_or("", PreventionLevel::label),
        note,
    }
}

/// `GET /planer/{id}`: chapters and actions in numeric order, with filters.
pub async fn plan(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
    Query(filters): Query<Filters>,
    Query(saved): Query<Notice>,
) -> Response {
    let result: Result<_, AppError> = async {
        let plan = plans::plan(&state.db, &viewer, id).await?;
        let progress = plans::progress(&state.db, &plan).await?;
        let catalog = pages::Catalog::load(&state.db, viewer.organization_id).await?;
        let filter = ActionFilter {
            plan_id: Some(plan.id),
            ..Default::default()
        };
        let all = actions::list(&state.db, &viewer, state.today(), filter).await?;
        let filter = ActionFilter {
            plan_id: Some(plan.id),
            archived: true,
            ..Default::default()
        };
        let archived: Vec<Row> = actions::list(&state.db, &viewer, state.today(), filter)
            .await?
            .iter()
            .map(|a| row(a, &catalog, None))
            .collect();
        let mut chapters: Vec<minijinja::Value> = Vec::new();
        let mut numbers: Vec<_> = catalog.chapters.values().filter(|c| c.plan_id == plan.id).collect();
        numbers.sort_by_key(|c| c.number);
        for chapter in numbers {
            let rows: Vec<Row> = all
                .iter()
                .filter(|a| a.chapter_id == chapter.id && filters.keeps(a, &catalog))
                .map(|a| row(a, &catalog, None))
                .collect();
            if !rows.is_empty() {
                chapters.push(minijinja::context! {
                    number => chapter.number,
                    title => chapter.title.clone(),
                    rows => value(rows),
                });
            }
        }
        Ok(minijinja::context! {
            id => plan.id.to_string(),
            title => plan.title,
            decision_ref => plan.decision_ref,
            plan_archived => plan.archived_at.is_some(),
            total => progress.overall.total,
            average => format!("{:.0}", progress.overall.average_progress),
            counts => value(counts(&progress.overall)),
            chapters,
            archived => value(archived),
            filters => value(&filters),
            choices => filter_choices(&catalog, None),
            bulk => policy::allows(viewer.role, Permission::ManagePlans, Relation::None),
            suggested => all.iter().filter(|a| a.suggested_unit_id.is_some() && a.responsible_unit_id.is_none()).count(),
            saved => saved.lagret.is_some(),
            error => saved.feil.clone(),
        })
    }
    .await;
    match result {
        Ok(context) => {
            let (jar, csrf) = csrf_token(jar);
            page(jar, "plan.html", Frame::signed_in(&csrf, &viewer), context)
        }
        Err(error) => error_page(jar, error),
    }
}

/// What the last bulk change said, carried in the query after its redirect.
#[derive(Deserialize, Default)]
pub struct Notice {
    lagret: Option<String>,
    feil: Option<String>,
}

/// `POST /planer/{id}/flere`: one unit and/or deadline on the ticked actions.
pub async fn bulk(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
    body: String,
) -> Response {
    let (mut csrf, mut ids, mut unit, mut deadline) = (String::new(), Vec::new(), None, String::new());
    for (key, value) in form_urlencoded::parse(body.as_bytes()) {
        match key.as_ref() {
            "csrf" => csrf = value.into_owned(),
            "action" => ids.extend(Uuid::parse_str(&value).ok()),
            "unit" => unit = Uuid::parse_str(&value).ok(),
            "deadline" => deadline = value.trim().to_owned(),
            _ => {}
        }
    }
    if !super::csrf_ok(&jar, &csrf) {
        return super::csrf_refused(jar);
    }
    let back = |text: Option<&str>| {
        let query = match text {
            Some(text) => format!("feil={}", urlencoding::encode(text)),
            None => "lagret=1".to_owned(),
        };
        Redirect::to(&format!("/planer/{id}?{query}")).into_response()
    };
    let deadline = match deadline.as_str() {
        "" => None,
        text => match crate::domain::parse_date("deadline", text) {
            Ok(day) => Some(day),
            Err(_) => return back(Some("Frist: skriv datoen som 31.12.2026.")),
        },
    };
    if ids.is_empty() {
        return back(Some("Velg: kryss av for minst ett tiltak."));
    }
    if unit.is_none() && deadline.is_none() {
        return back(Some(
            "Ansvarlig enhet eller frist: velg hva de valgte tiltakene skal få.",
        ));
    }
    let comment = Some("Endret for flere tiltak samtidig".to_owned());
    match actions::update_many(
        &state.db,
        &state.audit_key,
        &viewer,
        state.now(),
        ids,
        unit,
        deadline,
        comment,
    )
    .await
    {
        Ok(_) => {
            state.history_changed();
            back(None)
        }
        Err(AppError::Validation(error)) => back(Some(&format!("{}: {}", error.field, error.message))),
        Err(error) => error_page(jar, error),
    }
}

/// `POST /planer/{id}/bekreft-enheter`: the import's suggested units become responsible.
pub async fn confirm_units(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<super::sign_in::CsrfOnly>,
) -> Response {
    match actions::confirm_suggested_units(&state.db, &state.audit_key, &viewer, state.now(), id).await {
        Ok(_) => {
            state.history_changed();
            Redirect::to(&format!("/planer/{id}?lagret=1")).into_response()
        }
        Err(error) => error_page(jar, error),
    }
}

/// `GET /planer/{id}/eksport.{csv|json}`: the plan as the command line exports it.
pub async fn export(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path((id, file)): Path<(Uuid, String)>,
) -> Response {
    let (content_type, extension) = match file.as_str() {
        "eksport.csv" => ("text/csv; charset=utf-8", "csv"),
        "eksport.json" => ("application/json", "json"),
        _ => return error_page(jar, AppError::not_found("export", file)),
    };
    match imports::export(&state.db, &viewer, id).await {
        Ok(document) => {
            let body = if extension == "csv" {
                import::table::write_csv(&document)
            } else {
                serde_json::to_string_pretty(&document).unwrap_or_default() + "\n"
            };
            (
                [
                    (header::CONTENT_TYPE, content_type.to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"tiltak-plan.{extension}\""),
                    ),
                ],
                body,
            )
                .into_response()
        }
        Err(error) => error_page(jar, error),
    }
}

/// `GET /lederteam`: for each leader team the viewer is in (admins and coordinators: every
/// team), the followed units' counts by status and what needs attention.
pub async fn team(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Query(filters): Query<Filters>,
) -> Response {
    let today = state.today();
    let result: Result<_, AppError> = async {
        let teams = pages::teams_for(&state.db, &viewer).await?;
        let catalog = pages::Catalog::load(&state.db, viewer.organization_id).await?;
        let all = actions::list(&state.db, &viewer, today, ActionFilter::default()).await?;
        let evaluations = pages::open_evaluations(&state.db, viewer.organization_id).await?;
        let reasons =
            pages::latest_status_reasons(&state.db, viewer.organization_id, all.iter().map(|a| a.id).collect()).await?;
        let mut views = Vec::new();
        for team in &teams {
            let unit_ids: Vec<Uuid> = team.units.iter().map(|u| u.id).collect();
            let followed: Vec<&action::Model> = all
                .iter()
                .filter(|a| a.responsible_unit_id.is_some_and(|u| unit_ids.contains(&u)))
                .collect();
            let mut units = Vec::new();
            for unit in &team.units {
                let mine: Vec<&&action::Model> = followed
                    .iter()
                    .filter(|a| a.responsible_unit_id == Some(unit.id))
                    .collect();
                let mut by_status: HashMap<Status, u64> = HashMap::new();
                for a in &mine {
                    *by_status.entry(a.status).or_default() += 1;
                }
                let late = mine
                    .iter()
                    .filter(|a| a.status == Status::Delayed || actions::is_overdue(a, today))
                    .count();
                let (light, light_label) = match late {
                    0 => ("success", "Grønn: ingen forsinket eller over fristen".to_owned()),
                    1 => ("warning", "Gul: 1 forsinket eller over fristen".to_owned()),
                    n => ("danger", format!("Rød: {n} forsinket eller over fristen")),
                };
                units.push(minijinja::context! {
                    name => unit.name.clone(),
                    light,
                    light_label,
                    counts => Status::ALL.iter().map(|s| by_status.get(s).copied().unwrap_or(0)).collect::<Vec<_>>(),
                });
            }
            let mut attention = Vec::new();
            for action in followed.iter().filter(|a| filters.keeps(a, &catalog)) {
                let status = action.status;
                let mut why = Vec::new();
                if actions::is_overdue(action, today) {
                    why.push("Fristen er passert".to_owned());
                }
                if status == Status::Delayed {
                    why.push(match reasons.get(&action.id) {
                        Some(reason) => format!("Forsinket: «{reason}»"),
                        None => "Forsinket".to_owned(),
                    });
                }
                if status.is_open() && action.updated_at.with_timezone(&crate::domain::OSLO).year() < today.year() {
                    why.push(format!("Ikke oppdatert i {}", today.year()));
                }
                if let Some(evaluation) = evaluations.get(&action.id) {
                    why.push(format!("Evaluering for {} er ikke sendt inn", evaluation.year));
                }
                if !why.is_empty() {
                    attention.push(row(action, &catalog, Some(why.join(". "))));
                }
            }
            views.push(minijinja::context! {
                name => team.team.name.clone(),
                units,
                attention => value(attention),
            });
        }
        let followed_units: Vec<Uuid> = teams.iter().flat_map(|t| t.units.iter().map(|u| u.id)).collect();
        Ok(minijinja::context! {
            teams => views,
            status_labels => Status::ALL.iter().map(|s| s.label()).collect::<Vec<_>>(),
            filters => value(&filters),
            choices => filter_choices(&catalog, Some(&followed_units)),
        })
    }
    .await;
    match result {
        Ok(context) => {
            let (jar, csrf) = csrf_token(jar);
            page(jar, "team.html", Frame::signed_in(&csrf, &viewer), context)
        }
        Err(error) => error_page(jar, error),
    }
}
