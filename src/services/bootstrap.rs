//! First start: the organization, its first admin, and the example plan.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    Viewer, actions, auth,
    org::{self, NewPerson, NewTeam, NewUnit},
    plans::{self, NewChapter, NewPlan},
};
use crate::{
    audit_key::AuditKey,
    config::Settings,
    domain::{PreventionLevel, Recurrence, Role, Status},
    entities::{organization, person},
    error::{AppError, AppResult},
};

/// The first admin's email, created with the organization.
pub const FIRST_ADMIN_EMAIL: &str = "admin@eksempel.kommune.no";

/// What the first start created, for printing.
pub struct FirstStart {
    pub organization: organization::Model,
    pub admin_token: String,
    /// A one-time sign-in link's secret for the admin (`/logg-inn/{secret}`).
    pub admin_sign_in: String,
}

/// The one organization of a single-municipality deployment, created if the database has none.
#[tracing::instrument(skip_all)]
pub async fn ensure_organization(
    db: &DatabaseConnection,
    settings: &Settings,
    now: DateTime<Utc>,
) -> AppResult<(organization::Model, bool)> {
    use sea_orm::QueryOrder;
    if let Some(org) = organization::Entity::find()
        .order_by_asc(organization::Column::CreatedAt)
        .one(db)
        .await?
    {
        return Ok((org, false));
    }
    let org = organization::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(settings.organization.name.clone()),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok((org, true))
}

/// Creates another organization (municipality) in a shared deployment.
#[tracing::instrument(skip_all)]
pub async fn create_organization(
    db: &DatabaseConnection,
    name: &str,
    now: DateTime<Utc>,
) -> AppResult<organization::Model> {
    let name = crate::domain::required_line("name", name, super::MAX_NAME)?;
    if organization::Entity::find()
        .filter(organization::Column::Name.eq(name.clone()))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!(
            "an organization named {name:?} exists already"
        )));
    }
    Ok(organization::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name),
        created_at: Set(now),
    }
    .insert(db)
    .await?)
}

/// An organization by id or exact name.
#[tracing::instrument(skip_all)]
pub async fn organization_by_id_or_name(db: &DatabaseConnection, key: &str) -> AppResult<organization::Model> {
    let by_id = match Uuid::parse_str(key) {
        Ok(id) => organization::Entity::find_by_id(id).one(db).await?,
        Err(_) => None,
    };
    match by_id {
        Some(org) => Ok(org),
        None => organization::Entity::find()
            .filter(organization::Column::Name.eq(key))
            .one(db)
            .await?
            .ok_or_else(|| AppError::not_found("organization", key)),
    }
}

/// On an empty database: creates the organization, an admin with a token and, if configured,
/// the example plan. Returns `None` when the database already had an organization.
#[tracing::instrument(skip_all)]
pub async fn first_start(
    db: &DatabaseConnection,
    key: &AuditKey,
    settings: &Settings,
    now: DateTime<Utc>,
) -> AppResult<Option<FirstStart>> {
    if organization::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let (organization, _) = ensure_organization(db, settings, now).await?;
    let admin = org::insert_person(
        db,
        organization.id,
        now,
        NewPerson {
            name: "Administrator".into(),
            email: FIRST_ADMIN_EMAIL.into(),
            role: Role::Admin,
            unit_id: None,
        },
    )
    .await?;
    let admin_token = auth::issue_token(db, &admin, now, None).await?;
    let valid_for = chrono::Duration::hours(settings.web.first_sign_in_link_hours.max(1));
    let admin_sign_in = auth::sessions::issue_sign_in_link(db, &admin, now, valid_for).await?;
    if settings.organization.example_plan {
        load_example_plan(db, key, &Viewer::of(admin.clone())?, now, &settings.public_url()).await?;
    }
    Ok(Some(FirstStart {
        organization,
        admin_token,
        admin_sign_in,
    }))
}

/// The organization's first admin, who acts for command-line work such as imports.
#[tracing::instrument(skip_all, fields(org = %organization_id))]
pub async fn first_admin(db: &DatabaseConnection, organization_id: Uuid) -> AppResult<Viewer> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let admin = person::Entity::find()
        .filter(person::Column::OrganizationId.eq(organization_id))
        .filter(person::Column::Role.eq(Role::Admin))
        .order_by_asc(person::Column::CreatedAt)
        .one(db)
        .await?
        .ok_or_else(|| {
            crate::error::AppError::Forbidden(
                "the organization has no admin yet: start `tiltak serve` once or run `tiltak token create --role admin`".into(),
            )
        })?;
    Viewer::of(admin)
}

#[derive(Deserialize)]
struct ExamplePlan {
    plan: ExamplePlanHead,
    units: Vec<ExampleUnit>,
    teams: Vec<ExampleTeam>,
    chapters: Vec<ExampleChapter>,
}

#[derive(Deserialize)]
struct ExamplePlanHead {
    title: String,
    decision_ref: String,
    adopted_on: NaiveDate,
    period_start: i32,
    period_end: i32,
    owner_unit: String,
    evaluation_schedule: String,
    revision_schedule: String,
}

#[derive(Deserialize)]
struct ExampleUnit {
    name: String,
    leader_name: String,
    leader_email: String,
}

#[derive(Deserialize)]
struct ExampleTeam {
    name: String,
    units: Vec<String>,
}

#[derive(Deserialize)]
struct ExampleChapter {
    number: i32,
    title: String,
    actions: Vec<ExampleAction>,
}

#[derive(Deserialize)]
struct ExampleAction {
    number: i32,
    title: String,
    description: String,
    responsible: String,
    #[serde(default)]
    contributing: Vec<String>,
    deadline: Option<NaiveDate>,
    prevention_level: Option<String>,
    recurrence: Option<String>,
    decision_ref: Option<String>,
    /// Status changes to replay, so the example has a history.
    #[serde(default)]
    status: Vec<String>,
    /// The day of each status change (10:00 in Oslo), so the history spans the plan's first
    /// year and last year's report has something to show.
    #[serde(default)]
    status_on: Vec<NaiveDate>,
    comment: Option<String>,
}

/// Loads `example-plan.toml` through the same services the API uses, so the example obeys
/// every rule and has a real history.
#[tracing::instrument(skip_all)]
pub async fn load_example_plan(
    db: &DatabaseConnection,
    key: &AuditKey,
    admin: &Viewer,
    now: DateTime<Utc>,
    base_url: &str,
) -> AppResult<Uuid> {
    let example: ExamplePlan =
        toml::from_str(include_str!("example-plan.toml")).context("example-plan.toml is invalid")?;
    // The plan's past is written through the services' own `now`, in time order, so every
    // event is stamped when it happened and the history's hash chain stays valid. A day still
    // in the future (a clock set early) happens now.
    let at = |day: NaiveDate| {
        let moment = day
            .and_hms_opt(10, 0, 0)
            .and_then(|t| t.and_local_timezone(crate::domain::OSLO).single())
            .map_or(now, |t| t.with_timezone(&Utc));
        moment.min(now)
    };
    let adopted = at(example.plan.adopted_on);
    let mut changes = Vec::new();
    let now = adopted;
    let mut units = std::collections::HashMap::new();
    for unit in example.units {
        let created = org::create_unit(
            db,
            admin,
            now,
            NewUnit {
                name: unit.name,
                leader_name: unit.leader_name,
                leader_email: unit.leader_email,
            },
        )
        .await?;
        units.insert(created.name.clone(), created.id);
    }
    let unit_id = |name: &str| {
        units
            .get(name)
            .copied()
            .with_context(|| format!("example unit {name:?} is missing"))
    };
    for team in example.teams {
        let unit_ids = team.units.iter().map(|n| unit_id(n)).collect::<anyhow::Result<_>>()?;
        org::create_team(
            db,
            admin,
            now,
            NewTeam {
                name: team.name,
                member_ids: vec![],
                unit_ids,
            },
        )
        .await?;
    }
    let head = example.plan;
    let plan = plans::create_plan(
        db,
        admin,
        now,
        NewPlan {
            title: head.title,
            decision_ref: Some(head.decision_ref),
            adopted_on: Some(head.adopted_on),
            period_start: Some(head.period_start),
            period_end: Some(head.period_end),
            owner_unit_id: Some(unit_id(&head.owner_unit)?),
            evaluation_schedule: Some(head.evaluation_schedule),
            revision_schedule: Some(head.revision_schedule),
        },
    )
    .await?;
    for chapter in example.chapters {
        let created = plans::add_chapter(
            db,
            admin,
            NewChapter {
                plan_id: plan.id,
                number: chapter.number,
                title: chapter.title,
            },
        )
        .await?;
        for a in chapter.actions {
            let action = actions::add_action(
                db,
                key,
                admin,
                now,
                actions::NewAction {
                    chapter_id: created.id,
                    number: a.number,
                    title: a.title,
                    description: Some(a.description),
                    responsible_unit_id: Some(unit_id(&a.responsible)?),
                    suggested_unit_id: None,
                    contributing_unit_ids: a
                        .contributing
                        .iter()
                        .map(|n| unit_id(n))
                        .collect::<anyhow::Result<_>>()?,
                    deadline: a.deadline,
                    progress: None,
                    prevention_level: a
                        .prevention_level
                        .map(|p| p.parse::<PreventionLevel>())
                        .transpose()
                        .map_err(anyhow::Error::msg)?,
                    tags: vec![],
                    decision_ref: a.decision_ref,
                    recurrence: a
                        .recurrence
                        .map(|r| r.parse::<Recurrence>())
                        .transpose()
                        .map_err(anyhow::Error::msg)?,
                },
            )
            .await?;
            if a.status_on.len() != a.status.len() {
                return Err(anyhow::anyhow!("example action {}: one status_on day per status", action.number).into());
            }
            for (status, day) in a.status.into_iter().zip(a.status_on) {
                let status: Status = status.parse().map_err(anyhow::Error::msg)?;
                let comment = status.needs_comment().then(|| a.comment.clone()).flatten();
                changes.push((at(day), action.id, status, comment));
            }
        }
    }
    changes.sort_by_key(|(moment, ..)| *moment);
    for (moment, action_id, status, comment) in changes {
        actions::update_status(db, key, admin, moment, base_url, action_id, status, comment, None).await?;
    }
    Ok(plan.id)
}
