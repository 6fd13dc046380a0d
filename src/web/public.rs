//! The public page of a plan, for the council and residents: progress by chapter and each
//! action's status, deadline and unit, without sign-in and without anything internal (no
//! comments, people or history). Off until an admin switches it on; cacheable.

use axum::{
    extract::{Path, State},
    http::{HeaderValue, header},
    response::Response,
};
use axum_extra::extract::cookie::CookieJar;
use uuid::Uuid;

use super::{Frame, error_page, page};
use crate::{domain::Status, services::plans, state::AppState};

/// `GET /offentlig/{plan}`.
pub async fn plan(State(state): State<AppState>, Path(id): Path<Uuid>) -> Response {
    // No cookie is read or set: the page is the same for everyone.
    let jar = CookieJar::new();
    let (plan, chapters) = match plans::public_plan(&state.db, id).await {
        Ok(found) => found,
        Err(error) => return error_page(jar, error),
    };
    let total: usize = chapters.iter().map(|(_, actions)| actions.len()).sum();
    let done = |status: Status| matches!(status, Status::Completed | Status::Continued);
    let finished: usize = chapters
        .iter()
        .map(|(_, actions)| actions.iter().filter(|a| done(a.status)).count())
        .sum();
    let chapters: Vec<_> = chapters
        .into_iter()
        .map(|(chapter, actions)| {
            let completed = actions.iter().filter(|a| done(a.status)).count();
            minijinja::context! {
                number => chapter.number,
                title => chapter.title,
                completed,
                total => actions.len(),
                rows => actions.into_iter().map(|a| minijinja::context! {
                    number => a.number,
                    title => a.title,
                    status => a.status.label(),
                    status_code => a.status.code().to_lowercase(),
                    deadline => a.deadline.map_or_else(|| "Ingen frist".to_owned(), |d| d.format("%d.%m.%Y").to_string()),
                    unit => a.unit.unwrap_or_default(),
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let mut response = page(
        jar,
        "public.html",
        Frame {
            csrf: "",
            person: None,
            graphql_csrf: None,
        },
        minijinja::context! {
            title => plan.title,
            decision_ref => plan.decision_ref,
            total,
            finished,
            chapters,
        },
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    response
}
