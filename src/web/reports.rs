//! The council report: pick plan, year and view; read it on the page; download it; freeze it.

use super::CsrfForm;
use axum::{
    extract::{Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use chrono::Datelike;
use serde::Deserialize;
use uuid::Uuid;

use super::{Frame, SignedIn, csrf_token, error_page, page_with_status};
use crate::{
    error::AppError,
    report,
    services::{
        Viewer,
        auth::{Permission, Relation, policy},
        org, pages, plans,
        reports::{self, View},
    },
    state::AppState,
};

#[derive(Deserialize, Default)]
pub struct Choice {
    plan: Option<Uuid>,
    year: Option<i32>,
    /// `plan`, `enhet:{id}` or `team:{id}`.
    #[serde(default)]
    visning: String,
    frosset: Option<String>,
}

fn view_of(visning: &str) -> View {
    match visning.split_once(':') {
        Some(("enhet", id)) => Uuid::parse_str(id).map_or(View::Plan, View::Unit),
        Some(("team", id)) => Uuid::parse_str(id).map_or(View::Plan, View::Team),
        _ => View::Plan,
    }
}

/// The report's own HTML, without its document frame and print styles (the page has its own).
fn report_body(report: &report::Report) -> String {
    let html = report::html(report);
    let start = html.find("<body>").map_or(0, |i| i + "<body>".len());
    let end = html.rfind("</body>").unwrap_or(html.len());
    html[start..end].to_owned()
}

/// `GET /rapport?plan=…&year=…&visning=…`.
pub async fn page(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Query(choice): Query<Choice>,
) -> Response {
    render(&state, jar, &viewer, choice, None).await
}

async fn render(state: &AppState, jar: CookieJar, viewer: &Viewer, choice: Choice, error: Option<String>) -> Response {
    let last_year = state.today().year() - 1;
    let result: Result<_, AppError> = async {
        let plans = plans::plans(&state.db, viewer, None).await?;
        let plan_id = choice.plan.or(plans.first().map(|p| p.id));
        let year = choice.year.unwrap_or(last_year);
        let units = org::units(&state.db, viewer.organization_id).await?;
        let teams = pages::teams_for(&state.db, viewer).await?;
        let (body, frozen, hash) = match plan_id {
            Some(plan_id) => {
                let year_report = reports::report(&state.db, viewer, plan_id, year, view_of(&choice.visning)).await?;
                (
                    Some(report_body(&year_report.report)),
                    year_report.frozen.map(|f| {
                        f.frozen_at
                            .with_timezone(&crate::domain::OSLO)
                            .format("%d.%m.%Y kl. %H:%M")
                            .to_string()
                    }),
                    year_report.hash,
                )
            }
            None => (None, None, String::new()),
        };
        let is_frozen = frozen.is_some();
        let downloads = plan_id
            .map(|id| {
                ["md", "html", "csv", "docx"]
                    .iter()
                    .map(|ext| {
                        minijinja::context! {
                            ext => *ext,
                            href => format!("/reports/{id}/{year}.{ext}{}", view_of(&choice.visning).query()),
                        }
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        Ok(minijinja::context! {
            plans => plans.iter().map(|p| minijinja::context! { id => p.id.to_string(), title => p.title.clone(), selected => Some(p.id) == plan_id }).collect::<Vec<_>>(),
            plan_id => plan_id.map(|id| id.to_string()),
            year,
            years => (2000.max(last_year - 9)..=last_year + 1).rev().collect::<Vec<_>>(),
            visning => choice.visning.clone(),
            units => units.iter().map(|u| minijinja::context! { value => format!("enhet:{}", u.id), name => u.name.clone() }).collect::<Vec<_>>(),
            teams => teams.iter().map(|t| minijinja::context! { value => format!("team:{}", t.team.id), name => t.team.name.clone() }).collect::<Vec<_>>(),
            body => body.map(minijinja::Value::from_safe_string),
            frozen,
            just_frozen => choice.frosset.is_some(),
            hash,
            downloads,
            may_freeze => policy::allows(viewer.role, Permission::FreezeReport, Relation::None) && year <= last_year && !is_frozen,
            error,
        })
    }
    .await;
    match result {
        Ok(context) => {
            let (jar, csrf) = csrf_token(jar);
            let status = if context.get_attr("error").is_ok_and(|e| !e.is_none()) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            let mut response = page_with_status(status, jar, "report.html", Frame::signed_in(&csrf, viewer), context);
            // The report marks each status with a coloured dot in a style attribute.
            response.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                     form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
                ),
            );
            response
        }
        Err(error) => error_page(jar, error),
    }
}

#[derive(Deserialize)]
pub struct FreezeForm {
    plan: Uuid,
    year: i32,
    /// The checkbox that confirms freezing a year without updates.
    #[serde(default)]
    tom: Option<String>,
    /// The checkbox that confirms freezing is permanent.
    #[serde(default)]
    bekreft: Option<String>,
}

/// `POST /rapport/frys`: freezes the whole plan's report for the year, as presented to the
/// council. Permanent, so the form asks for a confirmation.
pub async fn freeze(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    CsrfForm(form): CsrfForm<FreezeForm>,
) -> Response {
    let choice = Choice {
        plan: Some(form.plan),
        year: Some(form.year),
        ..Default::default()
    };
    if form.bekreft.is_none() {
        let error = "Bekreftelse: kryss av for at du vet at frysingen er permanent.".to_owned();
        return render(&state, jar, &viewer, choice, Some(error)).await;
    }
    let frozen = reports::freeze(
        &state.db,
        &state.audit_key,
        &viewer,
        state.now(),
        form.plan,
        form.year,
        form.tom.is_some(),
    )
    .await;
    match frozen {
        Ok(_) => Redirect::to(&format!("/rapport?plan={}&year={}&frosset=1", form.plan, form.year)).into_response(),
        Err(AppError::Validation(error)) => {
            let text = match error.field.as_str() {
                "confirmEmpty" => format!(
                    "Tomt år: rapporten for {} har ingen oppdateringer. Frysing er permanent; kryss av for «Frys likevel» hvis det er riktig.",
                    form.year
                ),
                "year" => format!(
                    "År: {} er ikke over ennå; en rapport fryses når året er omme.",
                    form.year
                ),
                _ => format!("{}: {}", error.field, error.message),
            };
            render(&state, jar, &viewer, choice, Some(text)).await
        }
        Err(AppError::Conflict(_)) => {
            let text = format!("Rapporten for {} er allerede frosset.", form.year);
            render(&state, jar, &viewer, choice, Some(text)).await
        }
        Err(error) => error_page(jar, error),
    }
}
