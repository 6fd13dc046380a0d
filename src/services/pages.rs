//! What the web pages read: an organization's names and numbers, a unit's actions, and one
//! action with its history, all scoped to the viewer's organization.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{
    Viewer,
    auth::{Permission, policy},
    find_in_org,
};
use crate::{
    domain::{ActionNumber, EvaluationStatus},
    entities::{action, action_contributor, action_event, chapter, evaluation, plan, team, team_unit, unit},
    error::{AppError, AppResult},
};

/// Units and chapters by id, to name and number actions.
pub struct Catalog {
    pub units: HashMap<Uuid, unit::Model>,
    pub chapters: HashMap<Uuid, chapter::Model>,
}

impl Catalog {
    #[tracing::instrument(skip_all, fields(org = %organization_id))]
    pub async fn load(db: &impl ConnectionTrait, organization_id: Uuid) -> AppResult<Self> {
        let units = unit::Entity::find()
            .filter(unit::Column::OrganizationId.eq(organization_id))
            .all(db)
            .await?;
        let chapters = chapter::Entity::find()
            .filter(chapter::Column::OrganizationId.eq(organization_id))
            .all(db)
            .await?;
        Ok(Self {
            units: units.into_iter().map(|u| (u.id, u)).collect(),
            chapters: chapters.into_iter().map(|c| (c.id, c)).collect(),
        })
    }

    /// "13.2".
    pub fn number(&self, action: &action::Model) -> String {
        let chapter = self.chapters.get(&action.chapter_id).map_or(0, |c| c.number);
        ActionNumber::new(chapter as u32, action.number as u32).to_string()
    }

    pub fn unit_name(&self, unit_id: Option<Uuid>) -> String {
        unit_id
            .and_then(|id| self.units.get(&id))
            .map_or_else(|| "Ingen ansvarlig enhet".to_owned(), |u| u.name.clone())
    }
}

/// The actions these units are responsible for or contribute to, numerically.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, units = unit_ids.len()))]
pub async fn unit_actions(
    db: &DatabaseConnection,
    viewer: &Viewer,
    unit_ids: &[Uuid],
) -> AppResult<Vec<action::Model>> {
    let contributes: Vec<Uuid> = action_contributor::Entity::find()
        .filter(action_contributor::Column::UnitId.is_in(unit_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.action_id)
        .collect();
    let mut actions = action::Entity::find_active()
        .filter(action::Column::OrganizationId.eq(viewer.organization_id))
        .filter(
            sea_orm::Condition::any()
                .add(action::Column::ResponsibleUnitId.is_in(unit_ids.iter().copied()))
                .add(action::Column::Id.is_in(contributes)),
        )
        .all(db)
        .await?;
    let catalog = Catalog::load(db, viewer.organization_id).await?;
    actions.sort_by_key(|a| {
        (
            a.plan_id,
            catalog.chapters.get(&a.chapter_id).map(|c| c.number),
            a.number,
        )
    });
    Ok(actions)
}

/// The open or overdue evaluation of each action that has one.
#[tracing::instrument(skip_all, fields(org = %organization_id))]
pub async fn open_evaluations(
    db: &DatabaseConnection,
    organization_id: Uuid,
) -> AppResult<HashMap<Uuid, evaluation::Model>> {
    Ok(evaluation::Entity::find()
        .filter(evaluation::Column::OrganizationId.eq(organization_id))
        .filter(evaluation::Column::Status.is_in([EvaluationStatus::Open, EvaluationStatus::Overdue]))
        .order_by_asc(evaluation::Column::Year)
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.action_id, e))
        .collect())
}

/// An evaluation, which must be of this action in this organization.
#[tracing::instrument(skip_all, fields(org = %organization_id, action = %action_id, evaluation = %id))]
pub async fn evaluation_of(
    db: &DatabaseConnection,
    organization_id: Uuid,
    action_id: Uuid,
    id: Uuid,
) -> AppResult<evaluation::Model> {
    let evaluation =
        find_in_org::<evaluation::Entity, _>(db, |e| e.organization_id, organization_id, "evaluation", id).await?;
    if evaluation.action_id != action_id {
        return Err(AppError::not_found("evaluation", id));
    }
    Ok(evaluation)
}

/// An action with what its page shows.
pub struct ActionDetails {
    pub action: action::Model,
    pub number: String,
    pub plan_title: String,
    pub chapter_title: String,
    pub unit_name: String,
    pub contributors: Vec<String>,
    pub units: HashMap<Uuid, unit::Model>,
    /// Oldest first.
    pub history: Vec<action_event::Model>,
    pub open_evaluation: Option<evaluation::Model>,
}

#[tracing::instrument(skip_all, fields(org = %organization_id, action = %id))]
pub async fn action_details(db: &DatabaseConnection, organization_id: Uuid, id: Uuid) -> AppResult<ActionDetails> {
    let action = find_in_org::<action::Entity, _>(db, |a| a.organization_id, organization_id, "action", id).await?;
    let catalog = Catalog::load(db, organization_id).await?;
    let plan = plan::Entity::find_by_id(action.plan_id).one(db).await?;
    let contributors = action_contributor::Entity::find()
        .filter(action_contributor::Column::ActionId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|c| catalog.units.get(&c.unit_id).map(|u| u.name.clone()))
        .collect();
    let history = action_event::Entity::find()
        .filter(action_event::Column::ActionId.eq(id))
        .filter(action_event::Column::OrganizationId.eq(organization_id))
        .order_by_asc(action_event::Column::Id)
        .all(db)
        .await?;
    let open_evaluation = evaluation::Entity::find()
        .filter(evaluation::Column::ActionId.eq(id))
        .filter(evaluation::Column::Status.is_in([EvaluationStatus::Open, EvaluationStatus::Overdue]))
        .order_by_asc(evaluation::Column::Year)
        .one(db)
        .await?;
    let chapter = catalog.chapters.get(&action.chapter_id);
    Ok(ActionDetails {
        number: catalog.number(&action),
        plan_title: plan.map(|p| p.title).unwrap_or_default(),
        chapter_title: chapter.map(|c| format!("{} {}", c.number, c.title)).unwrap_or_default(),
        unit_name: catalog.unit_name(action.responsible_unit_id),
        contributors,
        units: catalog.units,
        history,
        open_evaluation,
        action,
    })
}

/// The units contributing to an action.
#[tracing::instrument(skip_all, fields(action = %action_id))]
pub async fn contributors(db: &DatabaseConnection, action_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(action_contributor::Entity::find()
        .filter(action_contributor::Column::ActionId.eq(action_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.unit_id)
        .collect())
}

/// Whether the viewer may change this action's status and progress (to show the form).
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, action = %action.id))]
pub async fn may_follow_up(db: &DatabaseConnection, viewer: &Viewer, action: &action::Model) -> AppResult<bool> {
    let relation = policy::relation_to_action(db, viewer, action).await?;
    Ok(policy::allows(viewer.role, Permission::FollowUp, relation))
}

/// A leader team with the units it follows.
pub struct TeamView {
    pub team: team::Model,
    pub units: Vec<unit::Model>,
}

/// The teams the viewer is a member of; admins and coordinators see every team.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id))]
pub async fn teams_for(db: &DatabaseConnection, viewer: &Viewer) -> AppResult<Vec<TeamView>> {
    let all = team::Entity::find()
        .filter(team::Column::OrganizationId.eq(viewer.organization_id))
        .order_by_asc(team::Column::Name)
        .all(db)
        .await?;
    let member_of = super::org::teams_of(db, viewer.person_id).await?;
    let sees_all = policy::allows(viewer.role, Permission::ManagePlans, policy::Relation::None);
    let catalog = Catalog::load(db, viewer.organization_id).await?;
    let links = team_unit::Entity::find()
        .filter(team_unit::Column::TeamId.is_in(all.iter().map(|t| t.id)))
        .all(db)
        .await?;
    Ok(all
        .into_iter()
        .filter(|t| sees_all || member_of.contains(&t.id))
        .map(|team| {
            let mut units: Vec<unit::Model> = links
                .iter()
                .filter(|l| l.team_id == team.id)
                .filter_map(|l| catalog.units.get(&l.unit_id).cloned())
                .collect();
            units.sort_by(|a, b| a.name.cmp(&b.name));
            TeamView { team, units }
        })
        .collect())
}

/// The newest comment given with a status change of each action, to show why it is delayed.
#[tracing::instrument(skip_all, fields(org = %organization_id))]
pub async fn latest_status_reasons(
    db: &DatabaseConnection,
    organization_id: Uuid,
    action_ids: Vec<Uuid>,
) -> AppResult<HashMap<Uuid, String>> {
    let events = action_event::Entity::find()
        .filter(action_event::Column::OrganizationId.eq(organization_id))
        .filter(action_event::Column::ActionId.is_in(action_ids))
        .filter(action_event::Column::Kind.eq(crate::domain::EventKind::Status))
        .order_by_asc(action_event::Column::Id)
        .all(db)
        .await?;
    let mut reasons = HashMap::new();
    for event in events {
        match event.comment {
            Some(comment) => {
                reasons.insert(event.action_id, comment);
            }
            None => {
                reasons.remove(&event.action_id);
            }
        }
    }
    Ok(reasons)
}

/// Whether the viewer may comment on this action (to show the comment form).
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, action = %action.id))]
pub async fn may_comment(db: &DatabaseConnection, viewer: &Viewer, action: &action::Model) -> AppResult<bool> {
    let relation = policy::relation_to_action(db, viewer, action).await?;
    Ok(policy::allows(viewer.role, Permission::Comment, relation))
}
