//! «Årshjul» for admins: the scheduled jobs with their next and last runs, the current
//! evaluation round per unit, the revision tasks, and the outbox with failed messages to
//! send again.

use super::CsrfForm;
use std::collections::BTreeMap;

use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use chrono::{Datelike, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::{Frame, SignedIn, csrf_token, error_page};
use crate::{
    domain::{EvaluationStatus, JobOutcome, NotificationStatus, OSLO},
    error::AppError,
    jobs,
    services::{
        self,
        auth::{Permission, Relation, authorize},
        evaluations::{self, EvaluationFilter},
        org,
        outbox::{self, NotificationFilter},
        plans, revisions,
    },
    state::AppState,
};

#[derive(Deserialize, Default)]
pub struct Saved {
    sendt: Option<String>,
}

fn when(at: chrono::DateTime<Utc>) -> String {
    at.with_timezone(&OSLO).format("%d.%m.%Y kl. %H:%M").to_string()
}

/// `GET /arshjul`.
pub async fn page(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Query(saved): Query<Saved>,
) -> Response {
    let result: Result<_, AppError> = async {
        authorize(&viewer, Permission::Operate, Relation::None)?;
        let now = state.now();
        let defined = jobs::Jobs::from_settings(&state.settings).map_err(AppError::Internal)?;
        let mut job_rows = Vec::new();
        for (job, schedule) in &defined.0 {
            let last = services::jobs::runs(&state.db, &viewer, Some(*job), 1, None)
                .await?
                .into_iter()
                .next();
            job_rows.push(minijinja::context! {
                name => job.name(),
                schedule => schedule.to_string(),
                next => schedule.next_after(now).map(when).unwrap_or_else(|| "aldri".into()),
                last => last.map(|run| format!("{} ({})", when(run.scheduled_for), match run.outcome {
                    JobOutcome::Succeeded => "fullført",
                    JobOutcome::Failed => "feilet",
                    JobOutcome::Running => "kjører",
                })).unwrap_or_else(|| "aldri".into()),
            });
        }
        // The round of last year's evaluations, per unit.
        let year = state.today().year() - 1;
        let units = org::units(&state.db, viewer.organization_id).await?;
        let filter = EvaluationFilter {
            year: Some(year),
            ..Default::default()
        };
        let mut round: BTreeMap<String, [u32; 3]> = BTreeMap::new();
        for evaluation in evaluations::list(&state.db, &viewer, filter).await? {
            let unit = evaluation
                .unit_id
                .and_then(|id| units.iter().find(|u| u.id == id))
                .map_or_else(|| "Ingen enhet".to_owned(), |u| u.name.clone());
            let counts = round.entry(unit).or_default();
            match evaluation.status {
                EvaluationStatus::Submitted => counts[0] += 1,
                EvaluationStatus::Open => counts[1] += 1,
                EvaluationStatus::Overdue => counts[2] += 1,
            }
        }
        let plan_titles: BTreeMap<Uuid, String> =
            plans::plans(&state.db, &viewer, None).await?.into_iter().map(|p| (p.id, p.title)).collect();
        let revision_rows: Vec<_> = revisions::list(&state.db, &viewer, None, None)
            .await?
            .into_iter()
            .map(|r| {
                minijinja::context! {
                    plan => plan_titles.get(&r.plan_id).cloned().unwrap_or_default(),
                    due => r.due_on.format("%d.%m.%Y").to_string(),
                    done => r.completed_at.map(when),
                }
            })
            .collect();
        let messages = outbox::list(&state.db, &viewer, NotificationFilter::default(), 500, None).await?;
        let count = |status: NotificationStatus| messages.iter().filter(|m| m.status == status).count();
        let failed: Vec<_> = messages
            .iter()
            .filter(|m| m.status == NotificationStatus::Failed)
            .map(|m| {
                minijinja::context! {
                    id => m.id.to_string(),
                    recipient => m.recipient.clone(),
                    subject => m.subject.clone(),
                    attempts => m.attempts,
                    error => m.last_error.clone().unwrap_or_default(),
                }
            })
            .collect();
        Ok(minijinja::context! {
            jobs => job_rows,
            year,
            round => round.into_iter().map(|(unit, c)| minijinja::context! { unit, submitted => c[0], open => c[1], overdue => c[2] }).collect::<Vec<_>>(),
            revisions => revision_rows,
            pending => count(NotificationStatus::Pending),
            sent => count(NotificationStatus::Sent),
            failed,
            resent => saved.sendt.is_some(),
        })
    }
    .await;
    match result {
        Ok(context) => {
            let (jar, csrf) = csrf_token(jar);
            super::page(jar, "arshjul.html", Frame::signed_in(&csrf, &viewer), context)
        }
        Err(error) => error_page(jar, error),
    }
}

/// `POST /arshjul/send/{id}`: a failed message goes again with the next dispatch.
pub async fn resend(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<super::sign_in::CsrfOnly>,
) -> Response {
    match outbox::resend(&state.db, &viewer, state.now(), id).await {
        Ok(_) => {
            state.outbox_changed();
            Redirect::to("/arshjul?sendt=1").into_response()
        }
        Err(error) => error_page(jar, error),
    }
}
