//! The organization's structure: units, people and leader teams.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use uuid::Uuid;

use super::auth::{Permission, Relation, authorize};
use super::{MAX_NAME, Viewer, find_in_org};
use crate::{
    domain::{Role, required_line, validate_email},
    entities::{person, team, team_member, team_unit, unit, unit_former_name},
    error::{AppError, AppResult},
};

pub struct NewUnit {
    pub name: String,
    pub leader_name: String,
    pub leader_email: String,
}

pub struct NewPerson {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub unit_id: Option<Uuid>,
}

pub struct NewTeam {
    pub name: String,
    pub member_ids: Vec<Uuid>,
    pub unit_ids: Vec<Uuid>,
}

#[tracing::instrument(skip_all, fields(org = %viewer.organization_id))]
pub async fn create_unit(
    db: &DatabaseConnection,
    viewer: &Viewer,
    now: DateTime<Utc>,
    input: NewUnit,
) -> AppResult<unit::Model> {
    authorize(viewer, Permission::ManagePlans, Relation::None)?;
    let name = required_line("name", &input.name, MAX_NAME)?;
    let leader_name = required_line("leaderName", &input.leader_name, MAX_NAME)?;
    let leader_email = validate_email("leaderEmail", &input.leader_email)?;
    if unit_by_name(db, viewer.organization_id, &name).await?.is_some() {
        return Err(AppError::validation(
            "name",
            format!("a unit named {name:?} already exists"),
        ));
    }
    Ok(unit::ActiveModel {
        id: Set(Uuid::new_v4()),
        organization_id: Set(viewer.organization_id),
        name: Set(name),
        leader_name: Set(leader_name),
        leader_email: Set(leader_email),
        created_at: Set(now),
        archived_at: Set(None),
    }
    .insert(db)
    .await?)
}

/// Fields of a unit to change; `None` leaves a field alone.
#[derive(Default)]
pub struct UnitChanges {
    pub name: Option<String>,
    pub leader_name: Option<String>,
    pub leader_email: Option<String>,
    /// `true` archives the unit, `false` brings it back.
    pub archived: Option<bool>,
}

/// Renames a unit (keeping the name it had, so earlier years' reports still show and find
/// it), changes its leader, or archives it. Admins and coordinators.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, unit = %id))]
pub async fn update_unit(
    db: &DatabaseConnection,
    viewer: &Viewer,
    now: DateTime<Utc>,
    id: Uuid,
    changes: UnitChanges,
) -> AppResult<unit::Model> {
    authorize(viewer, Permission::ManagePlans, Relation::None)?;
    let txn = db.begin().await?;
    let current =
        find_in_org::<unit::Entity, _>(&txn, |u| u.organization_id, viewer.organization_id, "unit", id).await?;
    let mut row: unit::ActiveModel = current.clone().into();
    if let Some(name) = changes.name {
        let name = required_line("name", &name, MAX_NAME)?;
        if name != current.name {
            if unit_by_name(&txn, viewer.organization_id, &name).await?.is_some() {
                return Err(AppError::validation(
                    "name",
                    format!("a unit named {name:?} already exists"),
                ));
            }
            unit_former_name::ActiveModel {
                id: Set(Uuid::new_v4()),
                organization_id: Set(current.organization_id),
                unit_id: Set(current.id),
                name: Set(current.name.clone()),
                renamed_at: Set(now),
            }
            .insert(&txn)
            .await?;
            row.name = Set(name);
        }
    }
    if let Some(leader_name) = changes.leader_name {
        row.leader_name = Set(required_line("leaderName", &leader_name, MAX_NAME)?);
    }
    if let Some(leader_email) = changes.leader_email {
        row.leader_email = Set(validate_email("leaderEmail", &leader_email)?);
    }
    row.archived_at = Set(super::archived_at(changes.archived, current.archived_at, now));
    let saved = row.update(&txn).await?;
    txn.commit().await?;
    Ok(saved)
}

/// A person's role and the unit they lead; `None` leaves a field alone.
#[derive(Default)]
pub struct PersonChanges {
    pub name: Option<String>,
    /// The address they sign in with and get their mail at.
    pub email: Option<String>,
    pub role: Option<Role>,
    /// `Some(None)`: leads no unit.
    pub unit_id: Option<Option<Uuid>>,
}

/// Changes a person's name, email, role or unit. Admins and coordinators; only admins make or unmake
/// an admin. The change applies to their next request (tokens and sessions read the person).
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, person = %id))]
pub async fn update_person(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    changes: PersonChanges,
) -> AppResult<person::Model> {
    authorize(viewer, Permission::ManagePlans, Relation::None)?;
    let org = viewer.organization_id;
    let current = find_in_org::<person::Entity, _>(db, |p| p.organization_id, org, "person", id).await?;
    let was_admin = current.role == Role::Admin;
    if changes.role.is_some_and(|r| r == Role::Admin) || (was_admin && changes.role.is_some_and(|r| r != Role::Admin)) {
        authorize(viewer, Permission::GrantAdmin, Relation::None)?;
    }
    let mut row: person::ActiveModel = current.clone().into();
    if let Some(name) = changes.name {
        row.name = Set(required_line("name", &name, MAX_NAME)?);
    }
    if let Some(email) = changes.email {
        let email = validate_email("email", &email)?;
        if person_by_email(db, org, &email)
            .await?
            .is_some_and(|p| p.id != current.id)
        {
            return Err(AppError::validation(
                "email",
                format!("{email} already belongs to another person"),
            ));
        }
        row.email = Set(email);
    }
    if let Some(unit_id) = changes.unit_id {
        if let Some(unit_id) = unit_id {
            find_in_org::<unit::Entity, _>(db, |u| u.organization_id, org, "unit", unit_id)
                .await
                .map_err(|_| AppError::validation("unitId", format!("no unit {unit_id} in this organization")))?;
        }
        row.unit_id = Set(unit_id);
    }
    if let Some(role) = changes.role {
        row.role = Set(role);
    }
    let role = changes.role.unwrap_or(current.role);
    let unit = changes.unit_id.unwrap_or(current.unit_id);
    if role == Role::UnitLeader && unit.is_none() {
        return Err(AppError::validation("unitId", "a unit leader needs the unit they lead"));
    }
    let updated = row.update(db).await?;
    super::auth::credentials_changed();
    Ok(updated)
}

/// The names units had before they were renamed.
#[tracing::instrument(skip_all, fields(org = %organization_id))]
pub async fn former_names<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
) -> AppResult<Vec<unit_former_name::Model>> {
    Ok(unit_former_name::Entity::find()
        .filter(unit_former_name::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await?)
}

/// Fields of a leader team to change; a list given replaces the team's list.
#[derive(Default)]
pub struct TeamChanges {
    pub name: Option<String>,
    pub member_ids: Option<Vec<Uuid>>,
    pub unit_ids: Option<Vec<Uuid>>,
}

/// Renames a leader team or sets its members and the units it follows. Admins and
/// coordinators.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, team = %id))]
pub async fn update_team(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    changes: TeamChanges,
) -> AppResult<team::Model> {
    authorize(viewer, Permission::ManagePlans, Relation::None)?;
    let org = viewer.organization_id;
    let txn = db.begin().await?;
    let current = find_in_org::<team::Entity, _>(&txn, |t| t.organization_id, org, "team", id).await?;
    let mut row: team::ActiveModel = current.clone().into();
    if let Some(name) = changes.name {
        let name = required_line("name", &name, MAX_NAME)?;
        let taken = team::Entity::find()
            .filter(team::Column::OrganizationId.eq(org))
            .filter(team::Column::Name.eq(&name))
            .filter(team::Column::Id.ne(id))
            .one(&txn)
            .await?;
        if taken.is_some() {
            return Err(AppError::validation(
                "name",
                format!("a team named {name:?} already exists"),
            ));
        }
        row.name = Set(name);
    }
    if let Some(member_ids) = changes.member_ids {
        let member_ids = dedup(member_ids);
        for person_id in &member_ids {
            find_in_org::<person::Entity, _>(&txn, |p| p.organization_id, org, "person", *person_id)
                .await
                .map_err(|_| {
                    AppError::validation("memberIds", format!("no person {person_id} in this organization"))
                })?;
        }
        team_member::Entity::delete_many()
            .filter(team_member::Column::TeamId.eq(id))
            .exec(&txn)
            .await?;
        for person_id in member_ids {
            team_member::ActiveModel {
                team_id: Set(id),
                person_id: Set(person_id),
            }
            .insert(&txn)
            .await?;
        }
    }
    if let Some(unit_ids) = changes.unit_ids {
        let unit_ids = dedup(unit_ids);
        for unit_id in &unit_ids {
            find_in_org::<unit::Entity, _>(&txn, |u| u.organization_id, org, "unit", *unit_id)
                .await
                .map_err(|_| AppError::validation("unitIds", format!("no unit {unit_id} in this organization")))?;
        }
        team_unit::Entity::delete_many()
            .filter(team_unit::Column::TeamId.eq(id))
            .exec(&txn)
            .await?;
        for unit_id in unit_ids {
            team_unit::ActiveModel {
                team_id: Set(id),
                unit_id: Set(unit_id),
            }
            .insert(&txn)
            .await?;
        }
    }
    let saved = row.update(&txn).await?;
    txn.commit().await?;
    Ok(saved)
}

/// A team's members and followed units.
/// The teams a person is a member of.
#[tracing::instrument(skip_all, fields(person = %person_id))]
pub async fn teams_of(db: &impl ConnectionTrait, person_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(team_member::Entity::find()
        .filter(team_member::Column::PersonId.eq(person_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.team_id)
        .collect())
}

#[tracing::instrument(skip_all, fields(team = %team_id))]
pub async fn team_links(db: &DatabaseConnection, team_id: Uuid) -> AppResult<(Vec<Uuid>, Vec<Uuid>)> {
    let members = team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(team_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.person_id)
        .collect();
    let units = team_unit::Entity::find()
        .filter(team_unit::Column::TeamId.eq(team_id))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.unit_id)
        .collect();
    Ok((members, units))
}

#[tracing::instrument(skip_all, fields(org = %organization_id))]
pub async fn unit_by_name<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    name: &str,
) -> AppResult<Option<unit::Model>> {
    Ok(unit::Entity::find()
        .filter(unit::Column::OrganizationId.eq(organization_id))
        .filter(unit::Column::Name.eq(name))
        .one(db)
        .await?)
}

#[tracing::instrument(skip_all, fields(org = %organization_id))]
pub async fn units<C: ConnectionTrait>(db: &C, organization_id: Uuid) -> AppResult<Vec<unit::Model>> {
    Ok(unit::Entity::find()
        .filter(unit::Column::OrganizationId.eq(organization_id))
        .order_by_asc(unit::Column::Name)
        .all(db)
        .await?)
}

#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, unit = %id))]
pub async fn unit(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> AppResult<unit::Model> {
    find_in_org::<unit::Entity, _>(db, |u| u.organization_id, viewer.organization_id, "unit", id).await
}

#[tracing::instrument(skip_all, fields(org = %viewer.organization_id))]
pub async fn create_person(
    db: &DatabaseConnection,
    viewer: &Viewer,
    now: DateTime<Utc>,
    input: NewPerson,
) -> AppResult<person::Model> {
    authorize(viewer, Permission::ManagePlans, Relation::None)?;
    if input.role == Role::Admin {
        authorize(viewer, Permission::GrantAdmin, Relation::None)?;
    }
    insert_person(db, viewer.organization_id, now, input).await
}

/// Inserts a person after checking the input; used by the API and by `tiltak token create`.
#[tracing::instrument(skip_all, fields(org = %organization_id))]
pub async fn insert_person(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    now: DateTime<Utc>,
    input: NewPerson,
) -> AppResult<person::Model> {
    let name = required_line("name", &input.name, MAX_NAME)?;
    let email = validate_email("email", &input.email)?;
    if let Some(unit_id) = input.unit_id {
        find_in_org::<unit::Entity, _>(db, |u| u.organization_id, organization_id, "unit", unit_id).await?;
    }
    if person_by_email(db, organization_id, &email).await?.is_some() {
        return Err(AppError::validation(
            "email",
            format!("a person with email {email} already exists"),
        ));
    }
    Ok(person::ActiveModel {
        id: Set(Uuid::new_v4()),
        organization_id: Set(organization_id),
        name: Set(name),
        email: Set(email),
        role: Set(input.role),
        unit_id: Set(input.unit_id),
        created_at: Set(now),
        entra_oid: Set(None),
    }
    .insert(db)
    .await?)
}

/// The organization's people, by name.
#[tracing::instrument(skip_all, fields(org = %organization_id))]
pub async fn people(db: &impl ConnectionTrait, organization_id: Uuid) -> AppResult<Vec<person::Model>> {
    Ok(person::Entity::find()
        .filter(person::Column::OrganizationId.eq(organization_id))
        .order_by_asc(person::Column::Name)
        .all(db)
        .await?)
}

#[tracing::instrument(skip_all, fields(org = %organization_id))]
pub async fn person_by_email(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    email: &str,
) -> AppResult<Option<person::Model>> {
    Ok(person::Entity::find()
        .filter(person::Column::OrganizationId.eq(organization_id))
        .filter(person::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?)
}

#[tracing::instrument(skip_all, fields(org = %viewer.organization_id))]
pub async fn create_team(
    db: &DatabaseConnection,
    viewer: &Viewer,
    now: DateTime<Utc>,
    input: NewTeam,
) -> AppResult<team::Model> {
    authorize(viewer, Permission::ManagePlans, Relation::None)?;
    let org = viewer.organization_id;
    let name = required_line("name", &input.name, MAX_NAME)?;
    let txn = db.begin().await?;
    let existing = team::Entity::find()
        .filter(team::Column::OrganizationId.eq(org))
        .filter(team::Column::Name.eq(&name))
        .one(&txn)
        .await?;
    if existing.is_some() {
        return Err(AppError::validation(
            "name",
            format!("a team named {name:?} already exists"),
        ));
    }
    let team = team::ActiveModel {
        id: Set(Uuid::new_v4()),
        organization_id: Set(org),
        name: Set(name),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    for person_id in dedup(input.member_ids) {
        find_in_org::<person::Entity, _>(&txn, |p| p.organization_id, org, "person", person_id).await?;
        team_member::ActiveModel {
            team_id: Set(team.id),
            person_id: Set(person_id),
        }
        .insert(&txn)
        .await?;
    }
    for unit_id in dedup(input.unit_ids) {
        find_in_org::<unit::Entity, _>(&txn, |u| u.organization_id, org, "unit", unit_id).await?;
        team_unit::ActiveModel {
            team_id: Set(team.id),
            unit_id: Set(unit_id),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(team)
}

#[tracing::instrument(skip_all, fields(org = %organization_id))]
pub async fn teams(db: &DatabaseConnection, organization_id: Uuid) -> AppResult<Vec<team::Model>> {
    Ok(team::Entity::find()
        .filter(team::Column::OrganizationId.eq(organization_id))
        .order_by_asc(team::Column::Name)
        .all(db)
        .await?)
}

/// Ids in first-seen order without repeats.
pub(crate) fn dedup(ids: Vec<Uuid>) -> Vec<Uuid> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

/// What `tiltak token create` asks for: a token for the person with this email and role.
pub struct TokenHolder {
    pub email: String,
    pub role: Role,
    pub name: Option<String>,
    pub unit_id: Option<Uuid>,
    /// Change an existing person's role (and unit) to the one asked for.
    pub change_role: bool,
}

/// The person a command-line token is issued to: never with more rights than asked for.
///
/// An existing person keeps their role unless `change_role` is set; a new person is named as
/// the organization already knows them (the leader name of the unit they lead) before falling
/// back to the email's local part. A unit leader needs a unit, or the token could change nothing.
#[tracing::instrument(skip_all, fields(org = %organization_id))]
pub async fn token_holder(
    db: &DatabaseConnection,
    organization_id: Uuid,
    now: DateTime<Utc>,
    input: TokenHolder,
) -> AppResult<person::Model> {
    let email = validate_email("email", &input.email)?;
    let existing = person_by_email(db, organization_id, &email).await?;
    let unit_id = input.unit_id.or_else(|| {
        existing
            .as_ref()
            .filter(|p| p.role == input.role)
            .and_then(|p| p.unit_id)
    });
    if input.role == Role::UnitLeader && unit_id.is_none() {
        return Err(AppError::validation(
            "--unit",
            "a unit-leader token needs --unit UNIT_ID, the unit they lead; without it the token can change nothing",
        ));
    }
    match existing {
        Some(person) if person.role == input.role && input.unit_id.is_none_or(|u| person.unit_id == Some(u)) => {
            Ok(person)
        }
        Some(person) if !input.change_role => Err(AppError::validation(
            "--role",
            format!(
                "{} already exists with role {}{}; a token carries the person's own role, so none was made. \
                 To change their role to {}, run the same command with --change-role",
                person.email,
                person.role,
                person.unit_id.map(|u| format!(" (unit {u})")).unwrap_or_default(),
                input.role
            ),
        )),
        Some(person) => {
            if let Some(unit_id) = unit_id {
                find_in_org::<unit::Entity, _>(db, |u| u.organization_id, organization_id, "unit", unit_id).await?;
            }
            let mut changed: person::ActiveModel = person.into();
            changed.role = Set(input.role);
            changed.unit_id = Set(unit_id);
            let changed = changed.update(db).await?;
            super::auth::credentials_changed();
            Ok(changed)
        }
        None => {
            let name = match input.name {
                Some(name) => name,
                None => match leader_of(db, organization_id, &email).await? {
                    Some(unit) => unit.leader_name,
                    None => email.split('@').next().unwrap_or(&email).to_owned(),
                },
            };
            insert_person(
                db,
                organization_id,
                now,
                NewPerson {
                    name,
                    email,
                    role: input.role,
                    unit_id,
                },
            )
            .await
        }
    }
}

/// The first unit (by name) whose leader has this email.
async fn leader_of(db: &DatabaseConnection, organization_id: Uuid, email: &str) -> AppResult<Option<unit::Model>> {
    Ok(unit::Entity::find()
        .filter(unit::Column::OrganizationId.eq(organization_id))
        .filter(unit::Column::LeaderEmail.eq(email))
        .order_by_asc(unit::Column::Name)
        .one(db)
        .await?)
}
