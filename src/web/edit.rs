//! «Rediger tiltak» for admins and coordinators: every field of an action, moving it to
//! another chapter, and archiving it (or bringing it back). Each changed field is its own
//! history event.

use super::CsrfForm;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use uuid::Uuid;

use super::{SignedIn, csrf_ok, csrf_refused, error_page, form_page};
use crate::{
    domain::{PreventionLevel, parse_date},
    entities::chapter,
    error::AppError,
    services::{
        Viewer,
        actions::{self, ActionChanges},
        auth::{Permission, Relation, authorize},
        org, pages,
    },
    state::AppState,
};

/// What the form holds, as typed.
#[derive(Default, serde::Serialize)]
struct Typed {
    version: i32,
    title: String,
    description: String,
    unit: String,
    contributors: Vec<String>,
    deadline: String,
    level: String,
    decision_ref: String,
    chapter: String,
    number: String,
    comment: String,
}

/// `GET /tiltak/{id}/rediger`.
pub async fn page(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
) -> Response {
    render(&state, jar, &viewer, id, None, None).await
}

async fn render(
    state: &AppState,
    jar: CookieJar,
    viewer: &Viewer,
    id: Uuid,
    typed: Option<Typed>,
    error: Option<(String, String)>,
) -> Response {
    if let Err(error) = authorize(viewer, Permission::ManagePlans, Relation::None) {
        return error_page(jar, error);
    }
    let result: Result<_, AppError> = async {
        let details = pages::action_details(&state.db, viewer.organization_id, id).await?;
        let action = &details.action;
        let contributors = pages::contributors(&state.db, id).await?;
        // Archived units and chapters take no new actions; the action's own stay choosable.
        let units: Vec<_> = org::units(&state.db, viewer.organization_id)
            .await?
            .into_iter()
            .filter(|u| {
                u.archived_at.is_none() || action.responsible_unit_id == Some(u.id) || contributors.contains(&u.id)
            })
            .collect();
        let mut chapters: Vec<chapter::Model> = pages::Catalog::load(&state.db, viewer.organization_id)
            .await?
            .chapters
            .into_values()
            .filter(|c| c.plan_id == action.plan_id && (c.archived_at.is_none() || c.id == action.chapter_id))
            .collect();
        chapters.sort_by_key(|c| c.number);
        let typed = typed.unwrap_or_else(|| Typed {
            version: action.version,
            title: action.title.clone(),
            description: action.description.clone(),
            unit: action.responsible_unit_id.map(|u| u.to_string()).unwrap_or_default(),
            contributors: contributors.iter().map(Uuid::to_string).collect(),
            deadline: action.deadline.map(|d| d.format("%d.%m.%Y").to_string()).unwrap_or_default(),
            level: action.prevention_level.map(|l| l.code().to_owned()).unwrap_or_default(),
            decision_ref: action.decision_ref.clone().unwrap_or_default(),
            chapter: action.chapter_id.to_string(),
            number: action.number.to_string(),
            comment: String::new(),
        });
        Ok(minijinja::context! {
            id => id.to_string(),
            number => details.number,
            units => units.iter().map(|u| minijinja::context! { id => u.id.to_string(), name => u.name.clone() }).collect::<Vec<_>>(),
            chapters => chapters.iter().map(|c| minijinja::context! { id => c.id.to_string(), label => format!("{} {}", c.number, c.title) }).collect::<Vec<_>>(),
            levels => PreventionLevel::ALL.iter().map(|l| minijinja::context! { code => l.code(), label => l.label() }).collect::<Vec<_>>(),
            form => super::value(&typed),
            archived => action.archived_at.is_some(),
            error_field => error.as_ref().map(|e| e.0.clone()),
            error => error.map(|e| e.1),
        })
    }
    .await;
    form_page(jar, "edit.html", viewer, result)
}

fn label(field: &str) -> &str {
    match field {
        "title" => "Tittel",
        "description" => "Beskrivelse",
        "responsibleUnitId" => "Ansvarlig enhet",
        "contributingUnitIds" => "Bidrar",
        "deadline" => "Frist",
        "decisionRef" => "Vedtak",
        "chapterId" => "Kapittel",
        "number" => "Nummer",
        "comment" => "Kommentar",
        "archived" => "Arkivert",
        other => other,
    }
}

/// `POST /tiltak/{id}/rediger`: the form's fields, `contributor` repeated.
pub async fn save(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
    body: String,
) -> Response {
    let mut typed = Typed::default();
    let mut csrf = String::new();
    for (key, value) in form_urlencoded::parse(body.as_bytes()) {
        let value = value.into_owned();
        match key.as_ref() {
            "csrf" => csrf = value,
            "version" => typed.version = value.parse().unwrap_or_default(),
            "title" => typed.title = value,
            "description" => typed.description = value,
            "unit" => typed.unit = value,
            "contributor" => typed.contributors.push(value),
            "deadline" => typed.deadline = value,
            "level" => typed.level = value,
            "decision_ref" => typed.decision_ref = value,
            "chapter" => typed.chapter = value,
            "number" => typed.number = value,
            "comment" => typed.comment = value,
            _ => {}
        }
    }
    if !csrf_ok(&jar, &csrf) {
        return csrf_refused(jar);
    }
    let fail = |field: &str, problem: &str| Some((field.to_owned(), format!("{}: {problem}", label(field))));
    let deadline = match typed.deadline.trim() {
        "" => Ok(None),
        text => parse_date("deadline", text).map(Some),
    };
    let Ok(deadline) = deadline else {
        let error = fail("deadline", "skriv datoen som 31.12.2026, eller la feltet stå tomt.");
        return render(&state, jar, &viewer, id, Some(typed), error).await;
    };
    let Ok(number) = typed.number.trim().parse::<i32>() else {
        let error = fail("number", "skriv et helt tall.");
        return render(&state, jar, &viewer, id, Some(typed), error).await;
    };
    let Ok(chapter) = Uuid::parse_str(typed.chapter.trim()) else {
        let error = fail("chapterId", "velg et kapittel.");
        return render(&state, jar, &viewer, id, Some(typed), error).await;
    };
    let blank = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let changes = ActionChanges {
        title: Some(typed.title.clone()),
        description: Some(typed.description.clone()),
        responsible_unit_id: Some(Uuid::parse_str(typed.unit.trim()).ok()),
        contributing_unit_ids: Some(
            typed
                .contributors
                .iter()
                .filter_map(|c| Uuid::parse_str(c).ok())
                .collect(),
        ),
        deadline: Some(deadline),
        prevention_level: Some(typed.level.parse::<PreventionLevel>().ok()),
        decision_ref: Some(blank(&typed.decision_ref)),
        place: Some((chapter, number)),
        comment: blank(&typed.comment),
        ..Default::default()
    };
    let saved = actions::update_action(
        &state.db,
        &state.audit_key,
        &viewer,
        state.now(),
        id,
        Some(typed.version),
        changes,
    )
    .await;
    match saved {
        Ok(_) => {
            state.history_changed();
            Redirect::to(&format!("/tiltak/{id}?lagret=1")).into_response()
        }
        Err(AppError::Validation(error)) => {
            let problem = if error.message.contains("already exists") {
                "et annet tiltak har allerede dette nummeret i kapitlet.".to_owned()
            } else if error.message.contains("empty") || error.message.contains("required") {
                "feltet kan ikke være tomt.".to_owned()
            } else {
                error.message.clone()
            };
            let error = fail(&error.field, &problem);
            render(&state, jar, &viewer, id, Some(typed), error).await
        }
        Err(AppError::Conflict(_)) => {
            // The form is shown again with what was typed, on the version that is there now.
            if let Ok(current) = actions::action(&state.db, &viewer, id).await {
                typed.version = current.version;
            }
            let error = Some((
                "version".to_owned(),
                "Noen andre endret tiltaket mens du skrev. Det du skrev er tatt vare på; se over og lagre på nytt."
                    .to_owned(),
            ));
            render(&state, jar, &viewer, id, Some(typed), error).await
        }
        Err(error) => error_page(jar, error),
    }
}

#[derive(serde::Deserialize)]
pub struct ArchiveForm {
    version: i32,
    /// "1" archives, "0" brings the action back.
    archived: String,
    #[serde(default)]
    comment: String,
}

/// `POST /tiltak/{id}/arkiver`: archives the action (it leaves the lists and reminders and
/// keeps its history), or brings it back.
pub async fn archive(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<ArchiveForm>,
) -> Response {
    let comment = Some(form.comment.trim().to_owned()).filter(|c| !c.is_empty());
    let changes = ActionChanges {
        archived: Some(form.archived == "1"),
        comment,
        ..Default::default()
    };
    let saved = actions::update_action(
        &state.db,
        &state.audit_key,
        &viewer,
        state.now(),
        id,
        Some(form.version),
        changes,
    )
    .await;
    match saved {
        Ok(_) => {
            state.history_changed();
            Redirect::to(&format!("/tiltak/{id}?lagret=1")).into_response()
        }
        Err(AppError::Validation(error)) => {
            let error = Some((
                error.field.clone(),
                format!("{}: {}", label(&error.field), error.message),
            ));
            render(&state, jar, &viewer, id, None, error).await
        }
        Err(AppError::Conflict(_)) => {
            let error = Some((
                "version".to_owned(),
                "Noen andre endret tiltaket mens du så på det. Se over og prøv på nytt.".to_owned(),
            ));
            render(&state, jar, &viewer, id, None, error).await
        }
        Err(error) => error_page(jar, error),
    }
}
