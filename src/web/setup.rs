//! «Oppsett» for admins and coordinators: units (name, leader, archived), leader teams
//! (members, followed units) and plans (owner unit, schedules).

use super::CsrfForm;
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use uuid::Uuid;

use super::{FormError, SignedIn, csrf_ok, csrf_refused, error_page, form_page};
use crate::{
    error::AppError,
    services::{
        Viewer,
        auth::{Permission, Relation, authorize},
        org, pages, plans,
    },
    state::AppState,
};

#[derive(Deserialize, Default)]
pub struct Saved {
    lagret: Option<String>,
}

/// `GET /oppsett`.
pub async fn page(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Query(saved): Query<Saved>,
) -> Response {
    render(&state, jar, &viewer, saved.lagret.is_some(), None).await
}

async fn render(state: &AppState, jar: CookieJar, viewer: &Viewer, saved: bool, error: Option<FormError>) -> Response {
    render_with(state, jar, viewer, saved, error, None).await
}

/// A secret shown once on the page: a sign-in link or an API token.
struct Shown {
    what: String,
    secret: String,
}

async fn render_with(
    state: &AppState,
    jar: CookieJar,
    viewer: &Viewer,
    saved: bool,
    error: Option<FormError>,
    shown: Option<Shown>,
) -> Response {
    if let Err(error) = authorize(viewer, Permission::ManagePlans, Relation::None) {
        return error_page(jar, error);
    }
    let result: Result<_, AppError> = async {
        let units = org::units(&state.db, viewer.organization_id).await?;
        let people = org::people(&state.db, viewer.organization_id).await?;
        let teams = pages::teams_for(&state.db, viewer).await?;
        let mut team_rows = Vec::new();
        for team in &teams {
            let (members, _) = org::team_links(&state.db, team.team.id).await?;
            let unit_ids: Vec<Uuid> = team.units.iter().map(|u| u.id).collect();
            team_rows.push(minijinja::context! {
                id => team.team.id.to_string(),
                name => team.team.name.clone(),
                people => people.iter().map(|p| minijinja::context! {
                    id => p.id.to_string(), name => format!("{} ({})", p.name, p.email), checked => members.contains(&p.id),
                }).collect::<Vec<_>>(),
                units => units.iter().map(|u| minijinja::context! {
                    id => u.id.to_string(), name => u.name.clone(), checked => unit_ids.contains(&u.id),
                }).collect::<Vec<_>>(),
            });
        }
        let plan_rows: Vec<_> = plans::plans(&state.db, viewer, None)
            .await?
            .into_iter()
            .map(|p| {
                minijinja::context! {
                    id => p.id.to_string(),
                    title => p.title,
                    decision_ref => p.decision_ref.unwrap_or_default(),
                    adopted => p.adopted_on.map(|d| d.format("%d.%m.%Y").to_string()).unwrap_or_default(),
                    period_start => p.period_start.map(|y| y.to_string()).unwrap_or_default(),
                    period_end => p.period_end.map(|y| y.to_string()).unwrap_or_default(),
                    archived => p.archived_at.is_some(),
                    owner => p.owner_unit_id.map(|id| id.to_string()).unwrap_or_default(),
                    evaluation => p.evaluation_schedule.unwrap_or_default(),
                    revision => p.revision_schedule.unwrap_or_default(),
                    public => p.public_since.is_some(),
                }
            })
            .collect();
        let may_issue = crate::services::auth::policy::allows(viewer.role, Permission::IssueCredentials, Relation::None);
        let tokens = if may_issue {
            crate::services::auth::tokens(&state.db, viewer.organization_id).await?
        } else {
            Vec::new()
        };
        let token_rows: Vec<_> = tokens
            .iter()
            .map(|t| minijinja::context! {
                id => t.token.id.to_string(),
                person => format!("{} ({})", t.person.name, t.person.email),
                created => t.token.created_at.with_timezone(&crate::domain::OSLO).format("%d.%m.%Y").to_string(),
                used => t.token.last_used_at.map(|at| at.with_timezone(&crate::domain::OSLO).format("%d.%m.%Y kl. %H:%M").to_string()),
                revoked => t.token.revoked_at.is_some(),
            })
            .collect();
        let person_rows: Vec<_> = people
            .iter()
            .map(|p| minijinja::context! {
                id => p.id.to_string(),
                role_code => p.role.code(),
                unit_id => p.unit_id.map(|u| u.to_string()).unwrap_or_default(),
                name => p.name.clone(),
                email => p.email.clone(),
                role => p.role.label(),
                leads => units
                    .iter()
                    .filter(|u| crate::services::auth::policy::leads(u, &p.email, p.unit_id))
                    .map(|u| u.name.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect();
        Ok(minijinja::context! {
            people => person_rows,
            may_issue,
            tokens => token_rows,
            shown => shown.map(|s| minijinja::context! { what => s.what, secret => s.secret }),
            may_publish => crate::services::auth::policy::allows(viewer.role, Permission::Publish, Relation::None),
            roles => crate::domain::Role::ALL.iter().filter(|r| **r != crate::domain::Role::Admin || viewer.role == crate::domain::Role::Admin).map(|r| minijinja::context! { code => r.code(), label => r.label() }).collect::<Vec<_>>(),
            units => units.iter().map(|u| minijinja::context! {
                id => u.id.to_string(), name => u.name.clone(), leader_name => u.leader_name.clone(),
                leader_email => u.leader_email.clone(), archived => u.archived_at.is_some(),
            }).collect::<Vec<_>>(),
            teams => team_rows,
            plans => plan_rows,
            saved,
            error_form => error.as_ref().map(|e| e.form.clone()),
            error => error.map(|e| e.text),
        })
    }
    .await;
    form_page(jar, "setup.html", viewer, result)
}

/// The Norwegian sentence for a service's refusal of a setup form.
fn norsk(error: &AppError) -> Option<String> {
    let AppError::Validation(error) = error else {
        return None;
    };
    let field = match error.field.as_str() {
        "name" => "Navn",
        "email" => "E-post",
        "unitId" => "Enhet",
        "leaderName" => "Leders navn",
        "leaderEmail" => "Leders e-post",
        "memberIds" => "Medlemmer",
        "unitIds" => "Enheter",
        "ownerUnitId" => "Eierenhet",
        "evaluationSchedule" => "Evalueringsplan",
        "revisionSchedule" => "Rulleringsplan",
        "title" => "Tittel",
        "decisionRef" => "Vedtak",
        "adoptedOn" => "Vedtatt dato",
        "periodStart" => "Planperiode fra",
        "periodEnd" => "Planperiode til",
        other => other,
    };
    let problem = if error.field == "unitId" && error.message.contains("needs") {
        "en enhetsleder må ha enheten hen leder.".to_owned()
    } else if error.message.contains("another person") {
        "en annen person har allerede denne e-postadressen.".to_owned()
    } else if error.message.contains("already exists") {
        "navnet er allerede i bruk.".to_owned()
    } else if error.message.contains("email") || error.field.ends_with("mail") {
        "skriv en hel e-postadresse, for eksempel kari.nordmann@kommune.no.".to_owned()
    } else if error.field == "adoptedOn" {
        "skriv datoen som 31.12.2026, eller la feltet stå tomt.".to_owned()
    } else if error.field.starts_with("period") {
        "skriv et årstall mellom 1900 og 2200; sluttåret kan ikke være før startåret.".to_owned()
    } else if error.field.ends_with("Schedule") {
        "skriv et cron-uttrykk med sekund, minutt, time, dag, måned, ukedag og eventuelt år, for eksempel «0 0 8 15 1 * *» (15. januar kl. 08).".to_owned()
    } else if error.message.contains("empty") || error.message.contains("required") {
        "feltet kan ikke være tomt.".to_owned()
    } else {
        error.message.clone()
    };
    Some(format!("{field}: {problem}"))
}

async fn after(state: &AppState, jar: CookieJar, viewer: &Viewer, form: &str, saved: Result<(), AppError>) -> Response {
    match saved {
        Ok(()) => Redirect::to("/oppsett?lagret=1").into_response(),
        Err(error) => match norsk(&error) {
            Some(text) => {
                let error = FormError {
                    form: form.to_owned(),
                    text,
                };
                render(state, jar, viewer, false, Some(error)).await
            }
            None => error_page(jar, error),
        },
    }
}

#[derive(Deserialize)]
pub struct UnitForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    leader_name: String,
    #[serde(default)]
    leader_email: String,
    archived: Option<String>,
}

/// `POST /oppsett/enhet/{id}`.
pub async fn unit(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<UnitForm>,
) -> Response {
    let changes = org::UnitChanges {
        name: Some(form.name),
        leader_name: Some(form.leader_name),
        leader_email: Some(form.leader_email),
        archived: Some(form.archived.is_some()),
    };
    let saved = org::update_unit(&state.db, &viewer, state.now(), id, changes)
        .await
        .map(|_| ());
    after(&state, jar, &viewer, &format!("enhet-{id}"), saved).await
}

/// `POST /oppsett/team/{id}`: the form's checkboxes, repeated fields `member` and `unit`.
pub async fn team(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
    body: String,
) -> Response {
    let mut csrf = String::new();
    let (mut members, mut units) = (Vec::new(), Vec::new());
    for (key, value) in form_urlencoded::parse(body.as_bytes()) {
        match key.as_ref() {
            "csrf" => csrf = value.into_owned(),
            "member" => members.extend(Uuid::parse_str(&value).ok()),
            "unit" => units.extend(Uuid::parse_str(&value).ok()),
            _ => {}
        }
    }
    if !csrf_ok(&jar, &csrf) {
        return csrf_refused(jar);
    }
    let changes = org::TeamChanges {
        name: None,
        member_ids: Some(members),
        unit_ids: Some(units),
    };
    let saved = org::update_team(&state.db, &viewer, id, changes).await.map(|_| ());
    after(&state, jar, &viewer, &format!("team-{id}"), saved).await
}

#[derive(Deserialize)]
pub struct PersonForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
}

/// `POST /oppsett/person`: a new person, who then signs in with their email address.
pub async fn person(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    CsrfForm(form): CsrfForm<PersonForm>,
) -> Response {
    let Ok(role) = form.role.parse::<crate::domain::Role>() else {
        let error = FormError {
            form: "person".into(),
            text: "Rolle: velg en av rollene i listen.".into(),
        };
        return render(&state, jar, &viewer, false, Some(error)).await;
    };
    let input = org::NewPerson {
        name: form.name,
        email: form.email,
        role,
        unit_id: Uuid::parse_str(form.unit.trim()).ok(),
    };
    let saved = org::create_person(&state.db, &viewer, state.now(), input)
        .await
        .map(|_| ());
    after(&state, jar, &viewer, "person", saved).await
}

#[derive(Deserialize)]
pub struct PublicForm {
    public: Option<String>,
}

/// `POST /oppsett/plan/{id}/offentlig`: switches the public page on or off (admins).
pub async fn public(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<PublicForm>,
) -> Response {
    let saved = plans::set_public(&state.db, &viewer, state.now(), id, form.public.is_some())
        .await
        .map(|_| ());
    after(&state, jar, &viewer, &format!("plan-{id}"), saved).await
}

#[derive(Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    decision_ref: String,
    #[serde(default)]
    adopted: String,
    #[serde(default)]
    period_start: String,
    #[serde(default)]
    period_end: String,
    archived: Option<String>,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    evaluation: String,
    #[serde(default)]
    revision: String,
}

/// `POST /oppsett/plan/{id}`: title, decision, adoption date, period, owner unit, schedules
/// (empty clears) and archived.
pub async fn plan(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<PlanForm>,
) -> Response {
    let form_id = format!("plan-{id}");
    let blank = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let adopted_on = match blank(&form.adopted) {
        None => None,
        Some(text) => match crate::domain::parse_date("adoptedOn", &text) {
            Ok(day) => Some(day),
            Err(error) => return after(&state, jar, &viewer, &form_id, Err(error.into())).await,
        },
    };
    let mut years = [None, None];
    for (slot, (field, text)) in years
        .iter_mut()
        .zip([("periodStart", &form.period_start), ("periodEnd", &form.period_end)])
    {
        if let Some(text) = blank(text) {
            match text.parse::<i32>() {
                Ok(year) => *slot = Some(year),
                Err(_) => {
                    let error = AppError::validation(field, "must be a year between 1900 and 2200");
                    return after(&state, jar, &viewer, &form_id, Err(error)).await;
                }
            }
        }
    }
    let changes = plans::PlanChanges {
        title: Some(form.title.clone()),
        decision_ref: Some(blank(&form.decision_ref)),
        adopted_on: Some(adopted_on),
        period_start: Some(years[0]),
        period_end: Some(years[1]),
        owner_unit_id: Some(Uuid::parse_str(form.owner.trim()).ok()),
        evaluation_schedule: Some(blank(&form.evaluation)),
        revision_schedule: Some(blank(&form.revision)),
        archived: Some(form.archived.is_some()),
    };
    let saved = plans::update_plan(&state.db, &viewer, state.now(), id, changes)
        .await
        .map(|_| ());
    after(&state, jar, &viewer, &form_id, saved).await
}

#[derive(Deserialize)]
pub struct PersonChangeForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

/// `POST /oppsett/person/{id}`: a person's name, email, role and the unit given them.
pub async fn change_person(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<PersonChangeForm>,
) -> Response {
    let Ok(role) = form.role.parse::<crate::domain::Role>() else {
        let error = FormError {
            form: format!("person-{id}"),
            text: "Rolle: velg en av rollene i listen.".into(),
        };
        return render(&state, jar, &viewer, false, Some(error)).await;
    };
    let given = |text: &str| Some(text.trim().to_owned()).filter(|t| !t.is_empty());
    let changes = org::PersonChanges {
        name: given(&form.name),
        email: given(&form.email),
        role: Some(role),
        unit_id: Some(Uuid::parse_str(form.unit.trim()).ok()),
    };
    let saved = org::update_person(&state.db, &viewer, id, changes).await.map(|_| ());
    after(&state, jar, &viewer, &format!("person-{id}"), saved).await
}

/// `POST /oppsett/person/{id}/lenke`: a one-time sign-in link for the person, shown once.
pub async fn sign_in_link(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<super::sign_in::CsrfOnly>,
) -> Response {
    let web = &state.settings.web;
    match crate::services::auth::sessions::sign_in_link_for(&state.db, &viewer, web, id, state.now()).await {
        Ok(secret) => {
            let shown = Shown {
                what: format!(
                    "Innloggingslenke (virker én gang, i {} minutter); gi den bare til personen selv",
                    web.sign_in_link_minutes
                ),
                secret: format!("{}/logg-inn/{secret}", state.settings.public_url()),
            };
            render_with(&state, jar, &viewer, false, None, Some(shown)).await
        }
        Err(error) => error_page(jar, error),
    }
}

/// `POST /oppsett/person/{id}/nokkel`: an API token for the person, shown once.
pub async fn token(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<super::sign_in::CsrfOnly>,
) -> Response {
    let issued: Result<String, AppError> = async {
        authorize(&viewer, Permission::IssueCredentials, Relation::None)?;
        let people = org::people(&state.db, viewer.organization_id).await?;
        let person = people
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| AppError::not_found("person", id))?;
        crate::services::auth::issue_token(&state.db, &person, state.now(), None).await
    }
    .await;
    match issued {
        Ok(secret) => {
            let shown = Shown {
                what: "API-nøkkel (vises bare nå; send den som \"Authorization: Bearer …\")".to_owned(),
                secret,
            };
            render_with(&state, jar, &viewer, false, None, Some(shown)).await
        }
        Err(error) => error_page(jar, error),
    }
}

/// `POST /oppsett/nokkel/{id}/trekk`: revokes an API token.
pub async fn revoke_token(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<super::sign_in::CsrfOnly>,
) -> Response {
    let revoked: Result<(), AppError> = async {
        authorize(&viewer, Permission::IssueCredentials, Relation::None)?;
        crate::services::auth::revoke_token(&state.db, viewer.organization_id, id, state.now()).await?;
        Ok(())
    }
    .await;
    after(&state, jar, &viewer, "token", revoked).await
}
