//! «Importer plan» for admins and coordinators: upload the plan document or a spreadsheet,
//! see the dry run (every action with number and title, the hints and warnings), then apply
//! it. The file travels back with the confirmation as a hidden field, so nothing is kept on
//! the server between the two steps.

use axum::{
    extract::{Multipart, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use base64::Engine;
use uuid::Uuid;

use super::{Frame, SignedIn, csrf_ok, csrf_refused, csrf_token, error_page, page_with_status};
use crate::{
    error::AppError,
    import::{Format, PlanDocument},
    services::{
        Viewer,
        auth::{Permission, Relation, authorize},
        imports::{self, Content, ImportReport, Target},
        plans,
    },
    state::AppState,
};

/// `GET /import`.
pub async fn page(State(state): State<AppState>, jar: CookieJar, SignedIn { viewer }: SignedIn) -> Response {
    render(&state, jar, &viewer, Step::Choose, None).await
}

enum Step {
    Choose,
    Preview(Box<Preview>),
}

struct Preview {
    file_name: String,
    content: String,
    target: String,
    title: String,
    section: String,
    document: PlanDocument,
    report: ImportReport,
}

async fn render(state: &AppState, jar: CookieJar, viewer: &Viewer, step: Step, error: Option<String>) -> Response {
    if let Err(error) = authorize(viewer, Permission::ManagePlans, Relation::None) {
        return error_page(jar, error);
    }
    let existing = match plans::plans(&state.db, viewer, Some(false)).await {
        Ok(plans) => plans,
        Err(error) => return error_page(jar, error),
    };
    let plans: Vec<_> = existing
        .iter()
        .map(|p| minijinja::context! { id => p.id.to_string(), title => p.title.clone() })
        .collect();
    let preview = match step {
        Step::Choose => None,
        Step::Preview(preview) => {
            let Preview {
                file_name,
                content,
                target,
                title,
                section,
                document,
                report,
            } = *preview;
            Some(minijinja::context! {
                file_name,
                content,
                target,
                title,
                section,
                list => report.list.as_ref().map(ToString::to_string),
                other_lists => report.other_lists.iter().map(ToString::to_string).collect::<Vec<_>>(),
                document_title => document.title.clone(),
                chapters => document.chapters.iter().map(|c| minijinja::context! {
                    number => c.number,
                    title => c.title.clone(),
                    actions => c.actions.iter().map(|a| minijinja::context! {
                        number => if c.number == 0 { a.number.to_string() } else { format!("{}.{}", c.number, a.number) },
                        title => a.title.clone(),
                        unit => a.responsible_unit.clone(),
                    }).collect::<Vec<_>>(),
                }).collect::<Vec<_>>(),
                count => document.chapters.iter().map(|c| c.actions.len()).sum::<usize>(),
                created => report.created.len(),
                updated => report.updated.len(),
                unchanged => report.unchanged.len(),
                missing => report.missing,
                warnings => report.warnings,
                hints => report.hints,
            })
        }
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (jar, csrf) = csrf_token(jar);
    page_with_status(
        status,
        jar,
        "import.html",
        Frame::signed_in(&csrf, viewer),
        minijinja::context! { plans, preview, error },
    )
}

/// The upload form's fields.
#[derive(Default)]
struct Upload {
    csrf: String,
    file_name: String,
    bytes: Vec<u8>,
    /// The file again, base64, when the dry run is confirmed.
    content: String,
    /// `ny` or a plan's id.
    target: String,
    title: String,
    /// The heading of the list to read; empty lets the importer choose.
    section: String,
    apply: bool,
}

async fn read_form(mut multipart: Multipart) -> Result<Upload, String> {
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(|e| e.body_text())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            upload.file_name = field.file_name().unwrap_or_default().to_owned();
            upload.bytes = field.bytes().await.map_err(|e| e.body_text())?.to_vec();
            continue;
        }
        let text = field.text().await.map_err(|e| e.body_text())?;
        match name.as_str() {
            "csrf" => upload.csrf = text,
            "file_name" => upload.file_name = text,
            "content" => upload.content = text,
            "target" => upload.target = text,
            "title" => upload.title = text,
            "section" => upload.section = text,
            "apply" => upload.apply = true,
            _ => {}
        }
    }
    Ok(upload)
}

/// `POST /import`: the dry run of an uploaded file, or (with `apply`) the import itself.
pub async fn upload(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn { viewer }: SignedIn,
    multipart: Multipart,
) -> Response {
    let upload = match read_form(multipart).await {
        Ok(upload) => upload,
        Err(error) => {
            let text = format!("Fil: filen kom ikke fram ({error}). Prøv igjen.");
            return render(&state, jar, &viewer, Step::Choose, Some(text)).await;
        }
    };
    if !csrf_ok(&jar, &upload.csrf) {
        return csrf_refused(jar);
    }
    let extension = upload
        .file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Ok(format) = Format::parse(&extension) else {
        let text = format!(
            "Fil: «{}» er ikke en fil tiltak leser. Last opp planen som Word (.docx), PDF, tekst (.txt), CSV, Excel (.xlsx) eller en JSON-eksport.",
            upload.file_name
        );
        return render(&state, jar, &viewer, Step::Choose, Some(text)).await;
    };
    let bytes = if upload.content.is_empty() {
        upload.bytes
    } else {
        match base64::engine::general_purpose::STANDARD.decode(upload.content.as_bytes()) {
            Ok(bytes) => bytes,
            Err(_) => {
                return render(
                    &state,
                    jar,
                    &viewer,
                    Step::Choose,
                    Some("Fil: last opp filen på nytt.".into()),
                )
                .await;
            }
        }
    };
    if bytes.is_empty() {
        return render(
            &state,
            jar,
            &viewer,
            Step::Choose,
            Some("Fil: velg filen med planen.".into()),
        )
        .await;
    }
    let content = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let section = Some(upload.section.trim().to_owned()).filter(|s| !s.is_empty());
    let document = match imports::read(&viewer, format, Content::Bytes(bytes), section).await {
        Ok(document) => document,
        Err(AppError::Validation(error)) if error.field == "section" => {
            let text = format!(
                "Overskrift: fant ikke «{}» i dokumentet. Skriv de første ordene i overskriften over tiltakslisten, eller la feltet stå tomt.",
                upload.section.trim()
            );
            return render(&state, jar, &viewer, Step::Choose, Some(text)).await;
        }
        Err(AppError::Validation(error)) => {
            let text = format!("Fil: planen kunne ikke leses: {}", error.message);
            return render(&state, jar, &viewer, Step::Choose, Some(text)).await;
        }
        Err(error) => return error_page(jar, error),
    };
    let title = Some(upload.title.trim().to_owned()).filter(|t| !t.is_empty());
    let target = match Uuid::parse_str(upload.target.trim()) {
        Ok(id) => Target::Plan(id),
        Err(_) => Target::NewPlan(title.clone()),
    };
    let base_url = state.settings.public_url();
    let outcome = imports::import(
        &state.db,
        &state.audit_key,
        &viewer,
        state.now(),
        &base_url,
        target,
        document.clone(),
        !upload.apply,
    )
    .await;
    match outcome {
        Ok(report) if upload.apply => {
            state.history_changed();
            Redirect::to(&format!("/planer/{}", report.plan_id)).into_response()
        }
        Ok(report) => {
            let step = Step::Preview(Box::new(Preview {
                file_name: upload.file_name,
                content,
                target: upload.target,
                title: upload.title,
                section: upload.section,
                document,
                report,
            }));
            render(&state, jar, &viewer, step, None).await
        }
        Err(AppError::Validation(error)) => {
            let text = match error.field.as_str() {
                "title" => {
                    "Tittel: tiltak fant ingen tittel i dokumentet; skriv tittelen på den nye planen.".to_owned()
                }
                field => format!("{field}: {}", error.message),
            };
            render(&state, jar, &viewer, Step::Choose, Some(text)).await
        }
        Err(error) => error_page(jar, error),
    }
}
