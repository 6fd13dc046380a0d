//! «Kapitler» for admins and coordinators: a plan's chapters with their number and title,
//! new chapters, and archiving a chapter whose actions are all archived or moved.

use super::CsrfForm;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use uuid::Uuid;

use super::{FormError, SignedIn, error_page, form_page};
use crate::{
    error::AppError,
    services::{
        Viewer,
        auth::{Permission, Relation, authorize},
        pages, plans,
    },
    state::AppState,
};

#[derive(Deserialize, Default)]
pub struct Notice {
    lagret: Option<String>,
}

/// `GET /planer/{id}/kapitler`.
pub async fn page(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
    axum::extract::Query(notice): axum::extract::Query<Notice>,
) -> Response {
    render(&state, jar, &viewer, id, notice.lagret.is_some(), None).await
}

async fn render(
    state: &AppState,
    jar: CookieJar,
    viewer: &Viewer,
    plan_id: Uuid,
    saved: bool,
    refusal: Option<FormError>,
) -> Response {
    if let Err(error) = authorize(viewer, Permission::ManagePlans, Relation::None) {
        return error_page(jar, error);
    }
    let result: Result<_, AppError> = async {
        let plan = plans::plan(&state.db, viewer, plan_id).await?;
        let catalog = pages::Catalog::load(&state.db, viewer.organization_id).await?;
        let mut chapters: Vec<_> = catalog.chapters.values().filter(|c| c.plan_id == plan.id).collect();
        chapters.sort_by_key(|c| c.number);
        Ok(minijinja::context! {
            plan_id => plan.id.to_string(),
            plan => plan.title,
            chapters => chapters.iter().map(|c| minijinja::context! {
                id => c.id.to_string(),
                number => c.number,
                title => c.title.clone(),
                archived => c.archived_at.is_some(),
            }).collect::<Vec<_>>(),
            saved,
            error_form => refusal.as_ref().map(|r| r.form.clone()),
            error => refusal.map(|r| r.text),
        })
    }
    .await;
    form_page(jar, "chapters.html", viewer, result)
}

/// The service's refusal in Norwegian, naming the field.
fn norsk(error: &crate::domain::FieldError) -> String {
    let (field, problem) = match error.field.as_str() {
        "number" if error.message.contains("already exists") => {
            ("Nummer", "planen har allerede et kapittel med dette nummeret.")
        }
        "number" => ("Nummer", "skriv 0 (uten kapittel) eller et positivt helt tall."),
        "title" => ("Tittel", "feltet kan ikke være tomt, og tittelen må stå på én linje."),
        "archived" => (
            "Arkivert",
            "kapitlet har tiltak som ikke er arkivert. Flytt dem til et annet kapittel eller arkiver dem først.",
        ),
        "planId" => ("Plan", "planen er arkivert og får ikke nye kapitler."),
        _ => return format!("{}: {}", error.field, error.message),
    };
    format!("{field}: {problem}")
}

async fn after(
    state: &AppState,
    jar: CookieJar,
    viewer: &Viewer,
    plan_id: Uuid,
    form: String,
    saved: Result<(), AppError>,
) -> Response {
    match saved {
        Ok(()) => {
            state.history_changed();
            Redirect::to(&format!("/planer/{plan_id}/kapitler?lagret=1")).into_response()
        }
        Err(AppError::Validation(error)) => {
            let refusal = FormError {
                form,
                text: norsk(&error),
            };
            render(state, jar, viewer, plan_id, false, Some(refusal)).await
        }
        Err(error) => error_page(jar, error),
    }
}

#[derive(Deserialize)]
pub struct ChapterForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    title: String,
    archived: Option<String>,
}

/// The chapter number as typed; a word is refused like a negative number.
fn number(text: &str) -> Result<i32, AppError> {
    text.trim()
        .parse()
        .map_err(|_| AppError::validation("number", "must be 0 (no chapter) or a positive chapter number"))
}

/// `POST /planer/{id}/kapitler`: a new chapter.
pub async fn add(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(plan_id): Path<Uuid>,
    CsrfForm(form): CsrfForm<ChapterForm>,
) -> Response {
    let saved = async {
        let input = plans::NewChapter {
            plan_id,
            number: number(&form.number)?,
            title: form.title,
        };
        plans::add_chapter(&state.db, &viewer, input).await.map(|_| ())
    }
    .await;
    after(&state, jar, &viewer, plan_id, "ny".to_owned(), saved).await
}

/// `POST /planer/{id}/kapitler/{chapter}`: number, title and archived.
pub async fn update(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path((plan_id, chapter_id)): Path<(Uuid, Uuid)>,
    CsrfForm(form): CsrfForm<ChapterForm>,
) -> Response {
    let saved = async {
        let changes = plans::ChapterChanges {
            number: Some(number(&form.number)?),
            title: Some(form.title),
            archived: Some(form.archived.is_some()),
        };
        plans::update_chapter(&state.db, &state.audit_key, &viewer, state.now(), chapter_id, changes)
            .await
            .map(|_| ())
    }
    .await;
    after(&state, jar, &viewer, plan_id, chapter_id.to_string(), saved).await
}
