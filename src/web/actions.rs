//! "Mine tiltak", the action page with its forms, and the reminder email's links.

use std::collections::HashMap;

use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Frame, SignedIn, csrf_ok, csrf_refused, csrf_token, error_page, page_with_status};
use crate::{
    domain::{CarriedOut, EvaluationDecision, EventKind, Role, Status, TransitionError, check_transition},
    entities::{action, evaluation},
    error::AppError,
    services::{
        Viewer,
        actions::{self, ActionChanges, ActionFilter},
        auth::action_links,
        evaluations::{self, Assessment},
        org, pages,
    },
    state::AppState,
};

/// `GET /actions/{id}`: where links in emails sent before the pages led.
pub async fn old_link(Path(id): Path<Uuid>) -> Redirect {
    Redirect::permanent(&format!("/tiltak/{id}"))
}

/// One line of a list of actions.
#[derive(Serialize)]
struct Line {
    id: Uuid,
    number: String,
    title: String,
    status: String,
    status_code: String,
    deadline: String,
    unit: String,
    /// What is asked of the unit now.
    asks: Vec<String>,
}

#[derive(Serialize)]
struct Group {
    heading: &'static str,
    lines: Vec<Line>,
}

fn date(day: Option<NaiveDate>) -> String {
    day.map_or_else(|| "Ingen frist".to_owned(), |d| d.format("%d.%m.%Y").to_string())
}

/// `GET /mine`: the actions of the person's unit, grouped by what needs doing; for those who
/// lead no unit, all the organization's actions the same way.
pub async fn mine(State(state): State<AppState>, jar: CookieJar, SignedIn { viewer }: SignedIn) -> Response {
    let today = state.today();
    let catalog = match pages::Catalog::load(&state.db, viewer.organization_id).await {
        Ok(catalog) => catalog,
        Err(error) => return error_page(jar, error),
    };
    // The units the person leads, whatever their role: by the unit's leader email or given.
    let led: Vec<Uuid> =
        match crate::services::auth::policy::led_by(&state.db, viewer.organization_id, &viewer.email, viewer.unit_id)
            .await
        {
            Ok(units) => units.into_iter().map(|u| u.id).collect(),
            Err(error) => return error_page(jar, error),
        };
    let mut unit_names: Vec<String> = led
        .iter()
        .filter_map(|id| catalog.units.get(id))
        .map(|u| u.name.clone())
        .collect();
    unit_names.sort();
    let list = if led.is_empty() {
        actions::list(&state.db, &viewer, today, ActionFilter::default()).await
    } else {
        pages::unit_actions(&state.db, &viewer, &led).await
    };
    let list = match list {
        Ok(list) => list,
        Err(error) => return error_page(jar, error),
    };
    let open_evaluations = match pages::open_evaluations(&state.db, viewer.organization_id).await {
        Ok(open) => open,
        Err(error) => return error_page(jar, error),
    };
    let mut groups = [
        Group {
            heading: "Fristen er passert",
            lines: vec![],
        },
        Group {
            heading: "Frist innen 30 dager",
            lines: vec![],
        },
        Group {
            heading: "Forsinket",
            lines: vec![],
        },
        Group {
            heading: "Andre tiltak",
            lines: vec![],
        },
    ];
    for action in list {
        let status = action.status;
        let mut asks = Vec::new();
        if let Some(evaluation) = open_evaluations.get(&action.id) {
            asks.push(format!(
                "Evaluering for {} venter, frist {}",
                evaluation.year,
                evaluation.due_on.format("%d.%m.%Y")
            ));
        }
        if status.is_open() && action.updated_at.with_timezone(&crate::domain::OSLO).year() < today.year() {
            asks.push(format!("Status er ikke oppdatert i {}", today.year()));
        }
        let group = match (status.is_open(), action.deadline) {
            (true, Some(deadline)) if deadline < today => 0,
            (true, Some(deadline)) if deadline <= today + Duration::days(30) => 1,
            _ if status == Status::Delayed => 2,
            _ => 3,
        };
        groups[group].lines.push(Line {
            id: action.id,
            number: catalog.number(&action),
            title: action.title.clone(),
            status: status.label().to_owned(),
            status_code: status.code().to_lowercase(),
            deadline: date(action.deadline),
            unit: catalog.unit_name(action.responsible_unit_id),
            asks,
        });
    }
    let (jar, csrf) = csrf_token(jar);
    page_with_status(
        StatusCode::OK,
        jar,
        "mine.html",
        Frame {
            csrf: &csrf,
            person: Some(&viewer.name),
            graphql_csrf: viewer.graphql_csrf.as_deref(),
        },
        minijinja::context! {
            unit => (!unit_names.is_empty()).then(|| match unit_names.split_last() {
                Some((last, [])) => last.clone(),
                Some((last, rest)) => format!("{} og {last}", rest.join(", ")),
                None => String::new(),
            }),
            groups => super::value(&groups),
            role => viewer.role.code(),
        },
    )
}

/// What the status form was sent with, kept when it is shown again.
#[derive(Deserialize, Serialize, Default, Clone)]
pub struct UpdateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i32,
    #[serde(default)]
    status: String,
    #[serde(default)]
    progress: String,
    #[serde(default)]
    comment: String,
}

#[derive(Deserialize, Serialize, Default, Clone)]
pub struct EvaluationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    carried_out: String,
    #[serde(default)]
    effect: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

#[derive(Deserialize, Default)]
pub struct Saved {
    lagret: Option<String>,
}

/// Errors shown on the form, by field, in Norwegian.
#[derive(Serialize, Default)]
struct FormErrors {
    summary: Option<String>,
    status: Option<String>,
    progress: Option<String>,
    comment: Option<String>,
    carried_out: Option<String>,
    effect: Option<String>,
    decision: Option<String>,
}

/// How the page is reached: signed in, or through an email link (`/e/{token}`).
enum Access {
    Session,
    EmailLink { token: String },
}

impl Access {
    fn action_url(&self, id: Uuid) -> String {
        match self {
            Access::Session => format!("/tiltak/{id}"),
            Access::EmailLink { token } => format!("/e/{token}"),
        }
    }
}

/// `GET /tiltak/{id}`.
pub async fn page(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
    Query(saved): Query<Saved>,
) -> Response {
    render(
        &state,
        jar,
        &viewer,
        &Access::Session,
        id,
        None,
        None,
        FormErrors::default(),
        saved.lagret.is_some(),
    )
    .await
}

/// `GET /e/{token}` (and HEAD): the action and its form, for the email's recipient. Changes
/// nothing, so mail scanners that open every link do no harm.
pub async fn email_page(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
    Query(saved): Query<Saved>,
) -> Response {
    let grant = match action_links::open(&state.db, &token, state.now()).await {
        Ok(grant) => grant,
        Err(error) => return error_page(jar, error),
    };
    // Reading needs only the organization: a viewer for the page, not for writing.
    let viewer = Viewer {
        person_id: Uuid::nil(),
        organization_id: grant.action.organization_id,
        role: Role::Viewer,
        unit_id: Some(grant.unit.id),
        name: grant.unit.leader_name.clone(),
        email: grant.email.clone(),
        via: None,
        graphql_csrf: None,
    };
    render(
        &state,
        jar,
        &viewer,
        &Access::EmailLink { token },
        grant.action.id,
        None,
        None,
        FormErrors::default(),
        saved.lagret.is_some(),
    )
    .await
}

/// `POST /tiltak/{id}`: status, progress and comment.
pub async fn update(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
    Form(form): Form<UpdateForm>,
) -> Response {
    if !csrf_ok(&jar, &form.csrf) {
        return csrf_refused(jar);
    }
    save_update(&state, jar, &viewer, &Access::Session, id, form).await
}

/// `POST /e/{token}`: the same, as the email's recipient; the history notes the email link.
pub async fn email_update(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<UpdateForm>,
) -> Response {
    if !csrf_ok(&jar, &form.csrf) {
        return csrf_refused(jar);
    }
    match link_viewer(&state, &token).await {
        Ok((viewer, id)) => save_update(&state, jar, &viewer, &Access::EmailLink { token }, id, form).await,
        Err(error) => error_page(jar, error),
    }
}

/// The viewer that writes through an email link, and the link's action.
async fn link_viewer(state: &AppState, token: &str) -> Result<(Viewer, Uuid), AppError> {
    let now = state.now();
    let grant = action_links::open(&state.db, token, now).await?;
    let viewer = action_links::viewer(&state.db, &grant, now).await?;
    Ok((viewer, grant.action.id))
}

/// Records a status form: the status (with the comment as its reason), then the progress;
/// a comment alone becomes a comment. Errors show the form again with what was typed.
async fn save_update(
    state: &AppState,
    jar: CookieJar,
    viewer: &Viewer,
    access: &Access,
    id: Uuid,
    form: UpdateForm,
) -> Response {
    let current = match actions::action(&state.db, viewer, id).await {
        Ok(action) => action,
        Err(error) => return error_page(jar, error),
    };
    let mut errors = FormErrors::default();
    let comment = Some(form.comment.trim().to_owned()).filter(|c| !c.is_empty());
    let status: Option<Status> = match form.status.parse::<Status>() {
        Ok(status) => Some(status),
        Err(_) => {
            errors.status = Some("Status: velg en av statusene i listen.".into());
            None
        }
    };
    let progress: Option<i32> = match form.progress.trim() {
        "" => None,
        text => match text.trim_end_matches('%').trim().parse::<i32>() {
            Ok(p) if (0..=100).contains(&p) => Some(p),
            _ => {
                errors.progress = Some("Fremdrift: skriv et helt tall fra 0 til 100.".into());
                None
            }
        },
    };
    let from = current.status;
    let status_changes = status.is_some_and(|s| s != from);
    if let Some(to) = status.filter(|_| status_changes)
        && let Err(error) = check_transition(from, to, comment.as_deref())
    {
        errors.comment = Some(transition_norsk(&error));
    }
    let progress_changes = progress.is_some_and(|p| p != current.progress);
    if errors.status.is_none() && errors.progress.is_none() && errors.comment.is_none() {
        if current.version != form.version {
            errors.summary = Some(stale());
        } else if !status_changes && !progress_changes && comment.is_none() {
            errors.summary =
                Some("Ingenting er endret: velg en ny status, endre fremdriften eller skriv en kommentar.".into());
        }
    }
    if errors.summary.is_none() && errors.status.is_none() && errors.progress.is_none() && errors.comment.is_none() {
        let result = save(
            state,
            viewer,
            &current,
            status.filter(|_| status_changes),
            progress.filter(|_| progress_changes),
            comment,
        )
        .await;
        match result {
            Ok(()) => {
                state.history_changed();
                state.outbox_changed();
                let url = format!("{}?lagret=1", access.action_url(current.id));
                return Redirect::to(&url).into_response();
            }
            Err(AppError::Conflict(_)) => errors.summary = Some(stale()),
            Err(AppError::Validation(error)) => {
                let text = format!("{}: {}", field_norsk(&error.field), error.message);
                match error.field.as_str() {
                    "progress" => errors.progress = Some(text),
                    "comment" => errors.comment = Some(text),
                    _ => errors.summary = Some(text),
                }
            }
            Err(error) => return error_page(jar, error),
        }
    }
    errors
        .summary
        .get_or_insert_with(|| "Skjemaet har feil. Rett feltene som er merket, og lagre på nytt.".into());
    // Shown again with what was typed, on the version that is there now, so saving again
    // after a look at the new state works.
    let mut form = form;
    if let Ok(now_there) = actions::action(&state.db, viewer, id).await {
        form.version = now_there.version;
    }
    render(state, jar, viewer, access, id, Some(form), None, errors, false).await
}

async fn save(
    state: &AppState,
    viewer: &Viewer,
    current: &action::Model,
    status: Option<Status>,
    progress: Option<i32>,
    comment: Option<String>,
) -> Result<(), AppError> {
    let now = state.now();
    let mut version = current.version;
    if let Some(status) = status {
        let saved = actions::update_status(
            &state.db,
            &state.audit_key,
            viewer,
            now,
            &state.settings.public_url(),
            current.id,
            status,
            comment.clone(),
            Some(version),
        )
        .await?;
        version = saved.version;
    }
    if let Some(progress) = progress {
        let changes = ActionChanges {
            progress: Some(progress),
            comment: if status.is_none() { comment.clone() } else { None },
            ..Default::default()
        };
        actions::update_action(
            &state.db,
            &state.audit_key,
            viewer,
            now,
            current.id,
            Some(version),
            changes,
        )
        .await?;
    }
    if status.is_none()
        && progress.is_none()
        && let Some(comment) = comment
    {
        actions::comment(&state.db, &state.audit_key, viewer, now, current.id, comment).await?;
    }
    Ok(())
}

fn stale() -> String {
    "Noen andre endret tiltaket mens du skrev. Det du skrev er tatt vare på nedenfor; se over den nye statusen og historikken, og lagre på nytt.".into()
}

fn transition_norsk(error: &TransitionError) -> String {
    match error {
        TransitionError::Unchanged(status) => format!("Status: tiltaket er allerede «{}».", status.label()),
        TransitionError::CommentRequired(status) => format!(
            "Kommentar: skriv hvorfor tiltaket blir «{}». Det kreves ved denne statusen, så lederteamet ser grunnen.",
            status.label()
        ),
        TransitionError::ReopeningNeedsComment { from } => format!(
            "Kommentar: skriv hvorfor tiltaket åpnes igjen. Det er «{}», og å gjenåpne det krever en begrunnelse.",
            from.label()
        ),
        TransitionError::NotAllowed { from, to } => format!(
            "Status: et tiltak som er «{}», kan ikke bli «{}».",
            from.label(),
            to.label()
        ),
    }
}

fn field_norsk(field: &str) -> &str {
    match field {
        "comment" => "Kommentar",
        "progress" => "Fremdrift",
        "status" => "Status",
        "effect" => "Effekt",
        "carriedOut" => "Gjennomført",
        "decision" => "Videre",
        other => other,
    }
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    comment: String,
}

/// `POST /tiltak/{id}/kommentar`: a comment without a change, for leader team members on the
/// actions of the units their team follows.
pub async fn comment(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
    Form(form): Form<CommentForm>,
) -> Response {
    if !csrf_ok(&jar, &form.csrf) {
        return csrf_refused(jar);
    }
    let mut errors = FormErrors::default();
    if form.comment.trim().is_empty() {
        errors.comment = Some("Kommentar: skriv kommentaren før du sender den.".into());
    } else {
        match actions::comment(
            &state.db,
            &state.audit_key,
            &viewer,
            state.now(),
            id,
            form.comment.clone(),
        )
        .await
        {
            Ok(_) => {
                state.history_changed();
                return Redirect::to(&format!("/tiltak/{id}?lagret=1")).into_response();
            }
            Err(AppError::Validation(error)) => {
                errors.comment = Some(format!("{}: {}", field_norsk(&error.field), error.message));
            }
            Err(error) => return error_page(jar, error),
        }
    }
    errors.summary = Some("Kommentaren ble ikke lagret. Rett feltet som er merket.".into());
    let typed = UpdateForm {
        comment: form.comment,
        ..Default::default()
    };
    render(
        &state,
        jar,
        &viewer,
        &Access::Session,
        id,
        Some(typed),
        None,
        errors,
        false,
    )
    .await
}

/// `POST /tiltak/{id}/evaluering/{evaluation}`.
pub async fn evaluate(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path((id, evaluation_id)): Path<(Uuid, Uuid)>,
    Form(form): Form<EvaluationForm>,
) -> Response {
    if !csrf_ok(&jar, &form.csrf) {
        return csrf_refused(jar);
    }
    save_evaluation(&state, jar, &viewer, &Access::Session, id, evaluation_id, form).await
}

/// `POST /e/{token}/evaluering/{evaluation}`.
pub async fn email_evaluate(
    State(state): State<AppState>,
    jar: CookieJar,
    Path((token, evaluation_id)): Path<(String, Uuid)>,
    Form(form): Form<EvaluationForm>,
) -> Response {
    if !csrf_ok(&jar, &form.csrf) {
        return csrf_refused(jar);
    }
    match link_viewer(&state, &token).await {
        Ok((viewer, id)) => {
            let access = Access::EmailLink { token };
            save_evaluation(&state, jar, &viewer, &access, id, evaluation_id, form).await
        }
        Err(error) => error_page(jar, error),
    }
}

async fn save_evaluation(
    state: &AppState,
    jar: CookieJar,
    viewer: &Viewer,
    access: &Access,
    id: Uuid,
    evaluation_id: Uuid,
    form: EvaluationForm,
) -> Response {
    let mut errors = FormErrors::default();
    let carried_out = form.carried_out.parse::<CarriedOut>().ok();
    if carried_out.is_none() {
        errors.carried_out = Some("Gjennomført: velg ja, delvis eller nei.".into());
    }
    let decision = form.decision.parse::<EvaluationDecision>().ok();
    if decision.is_none() {
        errors.decision = Some("Videre: velg videreføre, justere eller avslutte.".into());
    }
    if form.effect.trim().is_empty() {
        errors.effect = Some("Effekt: beskriv kort hva tiltaket har ført til.".into());
    }
    // The evaluation must be this action's: a link never reaches another one.
    match pages::evaluation_of(&state.db, viewer.organization_id, id, evaluation_id).await {
        Ok(_) => {}
        Err(error) => return error_page(jar, error),
    }
    if let (Some(carried_out), Some(decision), None) = (carried_out, decision, &errors.effect) {
        let input = Assessment {
            carried_out,
            effect: form.effect.clone(),
            decision,
            comment: Some(form.comment.trim().to_owned()).filter(|c| !c.is_empty()),
        };
        match evaluations::submit(&state.db, &state.audit_key, viewer, state.now(), evaluation_id, input).await {
            Ok(_) => {
                state.history_changed();
                return Redirect::to(&format!("{}?lagret=1", access.action_url(id))).into_response();
            }
            Err(AppError::Validation(error)) => {
                errors.effect = Some(format!("{}: {}", field_norsk(&error.field), error.message));
            }
            Err(error) => return error_page(jar, error),
        }
    }
    errors.summary = Some("Evalueringen har feil. Rett feltene som er merket, og send inn på nytt.".into());
    render(state, jar, viewer, access, id, None, Some(form), errors, false).await
}

/// One entry of the timeline.
#[derive(Serialize)]
struct Entry {
    at: String,
    who: String,
    what: String,
    from: Option<String>,
    to: Option<String>,
    comment: Option<String>,
    via_email: bool,
}

async fn render(
    state: &AppState,
    jar: CookieJar,
    viewer: &Viewer,
    access: &Access,
    id: Uuid,
    typed: Option<UpdateForm>,
    typed_evaluation: Option<EvaluationForm>,
    errors: FormErrors,
    saved: bool,
) -> Response {
    let details = match pages::action_details(&state.db, viewer.organization_id, id).await {
        Ok(details) => details,
        Err(error) => return error_page(jar, error),
    };
    let action = &details.action;
    let status = action.status;
    // An archived action changes only by being brought back (on its edit page).
    let archived = action.archived_at.is_some();
    let may_update = !archived
        && match access {
            Access::EmailLink { .. } => true,
            Access::Session => pages::may_follow_up(&state.db, viewer, action).await.unwrap_or(false),
        };
    let may_comment = !archived
        && match access {
            Access::EmailLink { .. } => false,
            Access::Session => !may_update && pages::may_comment(&state.db, viewer, action).await.unwrap_or(false),
        };
    let names: HashMap<Uuid, String> = match org::people(&state.db, viewer.organization_id).await {
        Ok(people) => people.into_iter().map(|p| (p.id, p.name)).collect(),
        Err(error) => return error_page(jar, error),
    };
    let label = |kind: EventKind, value: Option<&str>| -> Option<String> {
        let value = value?;
        Some(match kind {
            EventKind::Status => value
                .parse::<Status>()
                .map_or(value.to_owned(), |s| s.label().to_owned()),
            EventKind::Progress => format!("{value} %"),
            EventKind::Deadline => NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map_or(value.to_owned(), |d| d.format("%d.%m.%Y").to_string()),
            EventKind::ResponsibleUnit => Uuid::parse_str(value)
                .ok()
                .and_then(|id| details.units.get(&id).map(|u| u.name.clone()))
                .unwrap_or_else(|| value.to_owned()),
            _ => value.to_owned(),
        })
    };
    let timeline: Vec<Entry> = details
        .history
        .iter()
        .rev()
        .map(|event| Entry {
            at: event
                .at
                .with_timezone(&crate::domain::OSLO)
                .format("%d.%m.%Y kl. %H:%M")
                .to_string(),
            who: event
                .actor_id
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_else(|| "tiltak".to_owned()),
            what: event_label(event.kind).to_owned(),
            from: label(event.kind, event.from_value.as_deref()),
            to: label(event.kind, event.to_value.as_deref()),
            comment: event.comment.clone(),
            via_email: event.via == Some(crate::domain::Via::EmailLink),
        })
        .collect();
    let statuses: Vec<_> = Status::ALL
        .iter()
        .map(|s| {
            minijinja::context! {
                code => s.code(),
                label => s.label(),
                needs_comment => s.needs_comment(),
            }
        })
        .collect();
    let typed = typed.unwrap_or_else(|| UpdateForm {
        version: action.version,
        status: action.status.code().to_owned(),
        progress: action.progress.to_string(),
        ..Default::default()
    });
    let evaluation = details.open_evaluation.as_ref().map(|e: &evaluation::Model| {
        minijinja::context! {
            id => e.id.to_string(),
            year => e.year,
            due => e.due_on.format("%d.%m.%Y").to_string(),
            overdue => e.status == crate::domain::EvaluationStatus::Overdue,
        }
    });
    let (jar, csrf) = csrf_token(jar);
    let status_code = if errors.summary.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let email_link = matches!(access, Access::EmailLink { .. });
    page_with_status(
        status_code,
        jar,
        "action.html",
        Frame {
            csrf: &csrf,
            person: (!email_link).then_some(viewer.name.as_str()),
            graphql_csrf: viewer.graphql_csrf.as_deref(),
        },
        minijinja::context! {
            action_url => access.action_url(action.id),
            evaluation_url => evaluation.as_ref().map(|_| match access {
                Access::Session => format!("/tiltak/{}/evaluering/{}", action.id, details.open_evaluation.as_ref().map(|e| e.id).unwrap_or_default()),
                Access::EmailLink { token } => format!("/e/{token}/evaluering/{}", details.open_evaluation.as_ref().map(|e| e.id).unwrap_or_default()),
            }),
            email_link,
            recipient => email_link.then(|| viewer.name.clone()),
            number => details.number.clone(),
            title => action.title.clone(),
            description => action.description.clone(),
            plan => details.plan_title.clone(),
            chapter => details.chapter_title.clone(),
            unit => details.unit_name.clone(),
            contributors => details.contributors.clone(),
            deadline => date(action.deadline),
            overdue => status.is_open() && action.deadline.is_some_and(|d| d < state.today()),
            status => status.label(),
            status_code => status.code().to_lowercase(),
            progress => action.progress,
            decision_ref => action.decision_ref.clone(),
            timeline => super::value(&timeline),
            statuses,
            may_update,
            may_comment,
            archived,
            may_edit => !email_link && crate::services::auth::policy::allows(viewer.role, crate::services::auth::Permission::ManagePlans, crate::services::auth::Relation::None),
            id => action.id.to_string(),
            comment_url => format!("/tiltak/{}/kommentar", action.id),
            form => super::value(&typed),
            evaluation,
            evaluation_form => super::value(typed_evaluation.unwrap_or_default()),
            carried_out_options => CarriedOut::ALL.iter().map(|c| minijinja::context! { code => c.code(), label => c.label() }).collect::<Vec<_>>(),
            decision_options => EvaluationDecision::ALL.iter().map(|c| minijinja::context! { code => c.code(), label => c.label() }).collect::<Vec<_>>(),
            errors => super::value(&errors),
            saved,
        },
    )
}

fn event_label(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Created => "Opprettet",
        EventKind::Status => "Status",
        EventKind::Progress => "Fremdrift",
        EventKind::Title => "Tittel",
        EventKind::Description => "Beskrivelse",
        EventKind::Deadline => "Frist",
        EventKind::ResponsibleUnit => "Ansvarlig enhet",
        EventKind::ContributingUnits => "Bidragsytere",
        EventKind::PreventionLevel => "Forebyggingsnivå",
        EventKind::Tags => "Stikkord",
        EventKind::Recurrence => "Gjentakelse",
        EventKind::DecisionRef => "Vedtak",
        EventKind::Number => "Nummer",
        EventKind::Evaluated => "Evaluert",
        EventKind::Comment => "Kommentar",
        EventKind::Archived => "Arkivert",
    }
}
