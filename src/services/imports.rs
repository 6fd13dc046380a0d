//! Applying a read plan document to the database: create what is new, update what changed
//! (with history), leave the rest alone, report what the document no longer has.
//!
//! The whole import is one transaction; a dry run does the same work and rolls it back, so it
//! reports exactly what a real run would do and writes nothing.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};
use uuid::Uuid;

use super::auth::{Permission, Relation, authorize};
use super::{
    Viewer, actions, org,
    plans::{self, NewChapter, NewPlan},
};
use crate::{
    audit_key::AuditKey,
    domain::{ActionNumber, Recurrence, Status},
    entities::{action, chapter, plan},
    error::{AppError, AppResult},
    import::{
        self, ActionDocument, Format, ListSummary, PlanDocument, limits::MAX_PARALLEL_READS, units::suggest_unit,
    },
};

/// Where the document goes.
pub enum Target {
    Plan(Uuid),
    /// A new plan; the document's own title when `None`.
    NewPlan(Option<String>),
}

#[derive(Debug, Default)]
pub struct ImportReport {
    pub plan_id: Uuid,
    pub dry_run: bool,
    /// The import makes a new plan: after a dry run `plan_id` names a plan that was not kept.
    pub new_plan: bool,
    /// Every action of the document in order, with what the import does with it.
    pub actions: Vec<ImportedAction>,
    /// The list that was read, when the document is text with several lists.
    pub list: Option<ListSummary>,
    /// The document's other numbered lists, which were not read.
    pub other_lists: Vec<ListSummary>,
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
    /// Actions the plan has but the document does not; never deleted.
    pub missing: Vec<String>,
    pub warnings: Vec<String>,
    /// Hints read from the text, per action number: decision references, recurrence and
    /// suggested units.
    pub hints: Vec<String>,
}

/// One action of an imported document, as the report shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedAction {
    /// "13.6".
    pub number: String,
    pub title: String,
    /// The chapter's number and title ("13 Forebygging …"); empty for a plan without chapters.
    pub chapter: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// A file's content as it arrives.
pub enum Content {
    Bytes(Vec<u8>),
    /// Binary formats (XLSX, DOCX) sent as text, over GraphQL.
    Base64(String),
}

/// Reads a file as a plan, for [`import`].
///
/// The viewer's right to import is checked first, so a refused upload is never decoded or
/// parsed. Decoding and parsing are CPU work (an XLSX is unzipped and its XML read) and run
/// on the blocking pool, at most [`MAX_PARALLEL_READS`] at a time: the async runtime keeps
/// serving other requests, and the request timeout can answer the client. A file that cannot
/// be read is a validation error on `content`.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, ?format))]
pub async fn read(
    viewer: &Viewer,
    format: Format,
    content: Content,
    section: Option<String>,
) -> AppResult<PlanDocument> {
    static READS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_PARALLEL_READS);
    authorize(viewer, Permission::ManagePlans, Relation::None)?;
    let permit = READS
        .acquire()
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the import semaphore is closed: {e}")))?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let bytes = match content {
            Content::Bytes(bytes) => bytes,
            Content::Base64(text) => {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD
                    .decode(text.trim())
                    .map_err(|e| AppError::validation("content", format!("{format:?} content must be base64: {e}")))?
            }
        };
        import::read(format, &bytes, section.as_deref()).map_err(|e| AppError::validation(e.field(), e.0))
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("reading an imported file")))?
}

/// Comment on the status changes an import makes, so the history says where they came from.
const IMPORT_COMMENT: &str = "Endret ved import";

#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, dry_run))]
pub async fn import(
    db: &DatabaseConnection,
    key: &AuditKey,
    viewer: &Viewer,
    now: DateTime<Utc>,
    base_url: &str,
    target: Target,
    document: PlanDocument,
    dry_run: bool,
) -> AppResult<ImportReport> {
    authorize(viewer, Permission::ManagePlans, Relation::None)?;
    let org = viewer.organization_id;
    let txn = db.begin().await?;
    let new_plan = matches!(target, Target::NewPlan(_));
    let plan: plan::Model = match target {
        Target::Plan(id) => plans::plan(&txn, viewer, id).await?,
        Target::NewPlan(title) => {
            let title = title.or(document.title.clone()).ok_or_else(|| {
                AppError::validation("title", "a new plan needs a title (or give the plan id to import into)")
            })?;
            let input = NewPlan {
                title,
                decision_ref: document.decision_ref.clone(),
                ..Default::default()
            };
            plans::create_plan(&txn, viewer, now, input).await?
        }
    };
    let mut report = ImportReport {
        plan_id: plan.id,
        dry_run,
        new_plan,
        warnings: document.warnings.clone(),
        list: document.list.clone(),
        other_lists: document.other_lists.clone(),
        ..Default::default()
    };

    let units: Vec<(Uuid, String)> = org::units(&txn, org)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let unit_by_name: HashMap<String, Uuid> = units.iter().map(|(id, name)| (name.to_lowercase(), *id)).collect();
    let unit_name: HashMap<Uuid, &str> = units.iter().map(|(id, name)| (*id, name.as_str())).collect();
    let mut chapters: HashMap<u32, chapter::Model> = chapter::Entity::find()
        .filter(chapter::Column::PlanId.eq(plan.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| (c.number as u32, c))
        .collect();
    let chapter_number: HashMap<Uuid, u32> = chapters.values().map(|c| (c.id, c.number as u32)).collect();
    let mut existing: HashMap<ActionNumber, action::Model> = action::Entity::find()
        .filter(action::Column::PlanId.eq(plan.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|a| (ActionNumber::new(chapter_number[&a.chapter_id], a.number as u32), a))
        .collect();

    for chapter_doc in document.chapters {
        let chapter = match chapters.get(&chapter_doc.number) {
            Some(chapter) => chapter.clone(),
            None => {
                let title = match chapter_doc.title.trim() {
                    "" if chapter_doc.number == 0 => "Tiltak".to_owned(),
                    "" => format!("Kapittel {}", chapter_doc.number),
                    title => title.to_owned(),
                };
                let input = NewChapter {
                    plan_id: plan.id,
                    number: chapter_doc.number as i32,
                    title,
                };
                let created = plans::add_chapter(&txn, viewer, input).await?;
                chapters.insert(chapter_doc.number, created.clone());
                created
            }
        };
        let chapter_label = match chapter_doc.number {
            0 => String::new(),
            n => format!("{n} {}", chapter.title),
        };
        for doc in chapter_doc.actions {
            let number = ActionNumber::new(chapter_doc.number, doc.number);
            let title = doc.title.clone();
            let responsible = match &doc.responsible_unit {
                None => None,
                Some(name) => match unit_by_name.get(&name.to_lowercase()) {
                    Some(id) => Some(*id),
                    None => {
                        report.warnings.push(format!(
                            "{number}: no unit named {name:?}; the responsible unit is left as it is"
                        ));
                        None
                    }
                },
            };
            let suggested = responsible
                .is_none()
                .then(|| suggest_unit(&format!("{} {}", doc.title, doc.description), &units))
                .flatten();
            collect_hints(
                &mut report,
                number,
                &doc,
                suggested.and_then(|id| unit_name.get(&id).copied()),
            );
            let result = match existing.remove(&number) {
                Some(current) if current.archived_at.is_some() => {
                    report.warnings.push(format!(
                        "{number}: the action is archived and is left as it is; bring it back to update it from the document"
                    ));
                    Ok(Outcome::Unchanged)
                }
                None => create(&txn, key, viewer, now, base_url, &chapter, doc, responsible, suggested)
                    .await
                    .map(|()| Outcome::Created),
                Some(current) => update(&txn, key, viewer, now, base_url, current, doc, responsible)
                    .await
                    .map(|changed| if changed { Outcome::Updated } else { Outcome::Unchanged }),
            };
            // Name the action in any error, so the user can find the line.
            let outcome = result.map_err(|e| match e {
                AppError::Validation(mut field) => {
                    field.message = format!("action {number}: {}", field.message);
                    AppError::Validation(field)
                }
                other => other,
            })?;
            match outcome {
                Outcome::Created => &mut report.created,
                Outcome::Updated => &mut report.updated,
                Outcome::Unchanged => &mut report.unchanged,
            }
            .push(number.to_string());
            report.actions.push(ImportedAction {
                number: number.to_string(),
                title,
                chapter: chapter_label.clone(),
                outcome,
            });
        }
    }
    let mut missing: Vec<ActionNumber> = existing.into_keys().collect();
    missing.sort();
    report.missing = missing.iter().map(ToString::to_string).collect();
    if dry_run {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    Ok(report)
}

fn collect_hints(report: &mut ImportReport, number: ActionNumber, doc: &ActionDocument, suggested: Option<&str>) {
    if let Some(reference) = &doc.decision_ref {
        report
            .hints
            .push(format!("{number}: added by council decision {reference}"));
    }
    if let Some(recurrence) = doc.recurrence.filter(|r| *r != Recurrence::None) {
        report.hints.push(format!("{number}: recurrence {recurrence}"));
    }
    if let Some(unit) = suggested {
        report
            .hints
            .push(format!("{number}: suggested responsible unit {unit} (to be confirmed)"));
    }
}

async fn create(
    txn: &sea_orm::DatabaseTransaction,
    key: &AuditKey,
    viewer: &Viewer,
    now: DateTime<Utc>,
    base_url: &str,
    chapter: &chapter::Model,
    doc: ActionDocument,
    responsible: Option<Uuid>,
    suggested: Option<Uuid>,
) -> AppResult<()> {
    let status = doc.status;
    let input = actions::NewAction {
        chapter_id: chapter.id,
        number: doc.number as i32,
        title: doc.title,
        description: Some(doc.description),
        responsible_unit_id: responsible,
        suggested_unit_id: suggested,
        contributing_unit_ids: vec![],
        deadline: doc.deadline,
        progress: None,
        prevention_level: doc.prevention_level,
        tags: doc.tags.unwrap_or_default(),
        decision_ref: doc.decision_ref,
        recurrence: doc.recurrence,
    };
    let action = actions::add_action(txn, key, viewer, now, input).await?;
    if let Some(status) = status.filter(|s| *s != Status::NotStarted) {
        actions::update_status(
            txn,
            key,
            viewer,
            now,
            base_url,
            action.id,
            status,
            Some(IMPORT_COMMENT.into()),
            None,
        )
        .await?;
    }
    Ok(())
}

/// Changes only what the document carries; `true` when anything changed.
async fn update(
    txn: &sea_orm::DatabaseTransaction,
    key: &AuditKey,
    viewer: &Viewer,
    now: DateTime<Utc>,
    base_url: &str,
    current: action::Model,
    doc: ActionDocument,
    responsible: Option<Uuid>,
) -> AppResult<bool> {
    let changes = actions::ActionChanges {
        title: Some(doc.title),
        description: Some(doc.description),
        responsible_unit_id: responsible.map(Some),
        deadline: doc.deadline.map(Some),
        prevention_level: doc.prevention_level.map(Some),
        tags: doc.tags,
        decision_ref: doc.decision_ref.map(Some),
        // A text without a recurrence phrase says nothing about recurrence.
        recurrence: doc.recurrence.filter(|r| *r != Recurrence::None),
        comment: Some(IMPORT_COMMENT.into()),
        ..Default::default()
    };
    let updated = actions::update_action(txn, key, viewer, now, current.id, None, changes).await?;
    let mut changed = updated.version != current.version;
    if let Some(status) = doc.status.filter(|s| *s != updated.status) {
        actions::update_status(
            txn,
            key,
            viewer,
            now,
            base_url,
            current.id,
            status,
            Some(IMPORT_COMMENT.into()),
            None,
        )
        .await?;
        changed = true;
    }
    Ok(changed)
}

/// The plan as a document, for CSV and JSON export; reading it back gives the same plan.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, plan = %plan_id))]
pub async fn export(db: &DatabaseConnection, viewer: &Viewer, plan_id: Uuid) -> AppResult<PlanDocument> {
    let plan = plans::plan(db, viewer, plan_id).await?;
    let units: HashMap<Uuid, String> = org::units(db, viewer.organization_id)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let mut chapters = chapter::Entity::find()
        .filter(chapter::Column::PlanId.eq(plan.id))
        .all(db)
        .await?;
    chapters.sort_by_key(|c| c.number);
    let mut actions_by_chapter: HashMap<Uuid, Vec<action::Model>> = HashMap::new();
    for action in action::Entity::find()
        .filter(action::Column::PlanId.eq(plan.id))
        .all(db)
        .await?
    {
        actions_by_chapter.entry(action.chapter_id).or_default().push(action);
    }
    let chapters = chapters
        .into_iter()
        .map(|c| {
            let mut actions = actions_by_chapter.remove(&c.id).unwrap_or_default();
            actions.sort_by_key(|a| a.number);
            let actions = actions
                .into_iter()
                .map(|a| {
                    Ok(ActionDocument {
                        number: a.number as u32,
                        responsible_unit: a.responsible_unit_id.and_then(|id| units.get(&id).cloned()),
                        deadline: a.deadline,
                        status: Some(a.status),
                        prevention_level: a.prevention_level,
                        recurrence: Some(a.recurrence),
                        tags: Some(actions::stored_tags(&a)),
                        decision_ref: a.decision_ref,
                        title: a.title,
                        description: a.description,
                        line: 0,
                    })
                })
                .collect::<AppResult<_>>()?;
            Ok(crate::import::ChapterDocument {
                number: c.number as u32,
                title: c.title,
                actions,
            })
        })
        .collect::<AppResult<_>>()?;
    Ok(PlanDocument {
        title: Some(plan.title),
        decision_ref: plan.decision_ref,
        chapters,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    };

    use super::*;
    use crate::domain::Role;

    fn viewer(role: Role) -> Viewer {
        Viewer {
            person_id: Uuid::new_v4(),
            organization_id: Uuid::new_v4(),
            role,
            unit_id: None,
            name: "Test".into(),
            email: "test@kommune.no".into(),
            via: None,
            graphql_csrf: None,
        }
    }

    const REAL_PLAN: &str = include_str!("../../tests/data/forebyggende-plan.txt");

    /// On a single-threaded runtime, another task runs while a file is parsed: the parsing is
    /// not on the runtime's thread.
    #[tokio::test(flavor = "current_thread")]
    async fn reading_leaves_the_runtime_to_other_tasks() {
        let ticks = Arc::new(AtomicU64::new(0));
        let ticker = tokio::spawn({
            let ticks = ticks.clone();
            async move {
                loop {
                    ticks.fetch_add(1, Ordering::Relaxed);
                    tokio::task::yield_now().await;
                }
            }
        });
        let content = Content::Bytes(REAL_PLAN.repeat(3).into_bytes());
        let document = read(&viewer(Role::Admin), Format::Text, content, None).await;
        let ticked = ticks.load(Ordering::Relaxed);
        ticker.abort();
        assert!(document.is_ok(), "{document:?}");
        assert!(ticked > 0, "the other task never ran while the file was read");
    }

    async fn read_as(role: Role, content: &str) -> AppResult<PlanDocument> {
        read(&viewer(role), Format::Xlsx, Content::Base64(content.into()), None).await
    }

    #[tokio::test]
    async fn a_viewer_is_refused_before_the_content_is_decoded() {
        let refused = read_as(Role::Viewer, "ikke base64!").await;
        assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
        let decoded = read_as(Role::Admin, "ikke base64!").await;
        assert_eq!(decoded.unwrap_err().field(), Some("content"));
    }
}
