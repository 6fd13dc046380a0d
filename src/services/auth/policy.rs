//! Who may do what: the one authorization policy.
//!
//! Every service asks [`authorize`] before it changes anything; the pages, GraphQL and the
//! command line all go through the services, so this table is the whole of the role rules.
//! A rule may depend on what the viewer is to the thing asked about (the leader of its unit,
//! a member of a team that follows it, its creator): the caller works that out with
//! [`relation_to_action`] (or from the row it already holds) and passes it in, so the table
//! itself is pure and a unit test reads it. README's "Who may do what" is [`markdown_table`]
//! and a test keeps the two equal.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::Viewer;
use crate::{
    domain::Role,
    entities::{action, action_contributor, team_unit, unit},
    error::{AppError, AppResult},
};

/// Something a viewer may be allowed to do. Reading is allowed to everyone signed in to the
/// organization and is not listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Create and change plans, chapters, actions, units, teams and people; import plans.
    ManagePlans,
    /// Create a person with the admin role.
    GrantAdmin,
    /// Change an action's status or progress.
    FollowUp,
    /// Comment on an action.
    Comment,
    /// Submit the yearly evaluation of an action.
    Evaluate,
    /// Mark a plan's revision done.
    CompleteRevision,
    /// Freeze a year's council report (permanent).
    FreezeReport,
    /// Revoke a calendar feed.
    RevokeCalendarFeed,
    /// The outbox (notifications, resending) and the job runs.
    Operate,
    /// Switch a plan's public page (no sign-in) on or off.
    Publish,
    /// Make a sign-in link or an API token for someone, list and revoke tokens.
    IssueCredentials,
}

/// What the viewer is to the thing a permission is asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// Nothing in particular.
    None,
    /// The viewer leads the unit responsible for it (or the unit an evaluation or revision
    /// falls to).
    Leads,
    /// The viewer leads a unit that contributes to the action.
    Contributes,
    /// The viewer is a member of a leader team that follows the responsible unit.
    Follows,
    /// The viewer created it.
    Created,
}

/// A role's answer to a permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    Yes,
    No,
    /// Yes when the viewer stands in one of these relations.
    When(&'static [Relation]),
}

use Relation::{Contributes, Created, Follows, Leads};

/// Every permission in the order README lists them.
pub const PERMISSIONS: [Permission; 11] = [
    Permission::ManagePlans,
    Permission::GrantAdmin,
    Permission::FollowUp,
    Permission::Comment,
    Permission::Evaluate,
    Permission::CompleteRevision,
    Permission::FreezeReport,
    Permission::RevokeCalendarFeed,
    Permission::Operate,
    Permission::Publish,
    Permission::IssueCredentials,
];

/// The role matrix.
pub const fn grant(role: Role, permission: Permission) -> Grant {
    use Grant::{No, When, Yes};
    use Permission::*;
    match (role, permission) {
        (Role::Admin, _) => Yes,
        (Role::Coordinator, GrantAdmin | Operate | Publish | IssueCredentials) => No,
        (Role::Coordinator, RevokeCalendarFeed) => When(&[Created]),
        (Role::Coordinator, _) => Yes,
        (Role::UnitLeader, FollowUp | Comment) => When(&[Leads, Contributes]),
        (Role::UnitLeader, Evaluate | CompleteRevision) => When(&[Leads]),
        (Role::TeamMember, Comment) => When(&[Follows]),
        (_, RevokeCalendarFeed) => When(&[Created]),
        (Role::UnitLeader | Role::TeamMember | Role::Viewer, _) => No,
    }
}

/// Whether the table allows it.
pub fn allows(role: Role, permission: Permission, relation: Relation) -> bool {
    match grant(role, permission) {
        Grant::Yes => true,
        Grant::No => false,
        Grant::When(relations) => relations.contains(&relation),
    }
}

/// `Ok` when the viewer may; `FORBIDDEN` with a sentence saying who may otherwise.
pub fn authorize(viewer: &Viewer, permission: Permission, relation: Relation) -> AppResult<()> {
    if allows(viewer.role, permission, relation) {
        return Ok(());
    }
    Err(AppError::Forbidden(format!(
        "the role {} may not {}{}",
        viewer.role,
        permission.describe(),
        match grant(viewer.role, permission) {
            Grant::When(relations) => format!(" unless {}", conditions(relations, " or ")),
            _ => String::new(),
        }
    )))
}

impl Permission {
    fn describe(self) -> &'static str {
        match self {
            Permission::ManagePlans => "change plans, chapters, actions, units, teams or people, or import",
            Permission::GrantAdmin => "create an admin",
            Permission::FollowUp => "change this action's status or progress",
            Permission::Comment => "comment on this action",
            Permission::Evaluate => "submit this evaluation",
            Permission::CompleteRevision => "complete this revision",
            Permission::FreezeReport => "freeze a report",
            Permission::RevokeCalendarFeed => "revoke this calendar feed",
            Permission::Operate => "see the outbox or the job runs, or resend",
            Permission::Publish => "switch a plan's public page on or off",
            Permission::IssueCredentials => "make sign-in links or API tokens for others",
        }
    }

    /// The row's first cell in README.
    fn name(self) -> &'static str {
        match self {
            Permission::ManagePlans => "change plans, chapters, actions, units, teams, people; import",
            Permission::GrantAdmin => "create an admin",
            Permission::FollowUp => "change an action's status or progress",
            Permission::Comment => "comment on an action",
            Permission::Evaluate => "submit an evaluation",
            Permission::CompleteRevision => "complete a revision",
            Permission::FreezeReport => "freeze a council report",
            Permission::RevokeCalendarFeed => "revoke a calendar feed",
            Permission::Operate => "outbox, resend, job runs",
            Permission::Publish => "switch a plan's public page on or off",
            Permission::IssueCredentials => "sign-in links and API tokens for others",
        }
    }
}

fn conditions(relations: &[Relation], joiner: &str) -> String {
    relations
        .iter()
        .map(|relation| match relation {
            Relation::None => "always",
            Leads => "they lead its unit",
            Contributes => "they lead a contributing unit",
            Follows => "their leader team follows its unit",
            Created => "they created it",
        })
        .collect::<Vec<_>>()
        .join(joiner)
}

/// The matrix as README prints it.
pub fn markdown_table() -> String {
    let roles = [
        Role::Admin,
        Role::Coordinator,
        Role::UnitLeader,
        Role::TeamMember,
        Role::Viewer,
    ];
    let mut table = String::from("| may | ");
    table.push_str(&roles.map(|r| format!("`{r}`")).join(" | "));
    table.push_str(" |\n|---|");
    table.push_str(&"---|".repeat(roles.len()));
    table.push('\n');
    for permission in PERMISSIONS {
        table.push_str(&format!("| {} |", permission.name()));
        for role in roles {
            let cell = match grant(role, permission) {
                Grant::Yes => "yes".to_owned(),
                Grant::No => "no".to_owned(),
                Grant::When(relations) => format!("if {}", conditions(relations, ", or if ")),
            };
            table.push_str(&format!(" {cell} |"));
        }
        table.push('\n');
    }
    table
}

/// What the viewer is to an action: the leader of its unit, of a contributing unit, a member of
/// a team that follows its unit, or none of these. Costs a statement only where the role's
/// answer depends on it.
#[tracing::instrument(skip_all, fields(org = %viewer.organization_id, action = %action.id))]
pub async fn relation_to_action(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    action: &action::Model,
) -> AppResult<Relation> {
    match viewer.role {
        Role::UnitLeader => {
            let led = led_units(db, viewer).await?;
            if action.responsible_unit_id.is_some_and(|u| led.contains(&u)) {
                return Ok(Leads);
            }
            let contributes = !led.is_empty()
                && action_contributor::Entity::find()
                    .filter(action_contributor::Column::ActionId.eq(action.id))
                    .filter(action_contributor::Column::UnitId.is_in(led))
                    .one(db)
                    .await?
                    .is_some();
            Ok(if contributes { Contributes } else { Relation::None })
        }
        Role::TeamMember => {
            let Some(unit_id) = action.responsible_unit_id else {
                return Ok(Relation::None);
            };
            let teams = crate::services::org::teams_of(db, viewer.person_id).await?;
            let follows = !teams.is_empty()
                && team_unit::Entity::find()
                    .filter(team_unit::Column::TeamId.is_in(teams))
                    .filter(team_unit::Column::UnitId.eq(unit_id))
                    .one(db)
                    .await?
                    .is_some();
            Ok(if follows { Follows } else { Relation::None })
        }
        Role::Admin | Role::Coordinator | Role::Viewer => Ok(Relation::None),
    }
}

/// `Leads` when the viewer is a unit leader who leads this unit.
#[tracing::instrument(skip_all, fields(person = %viewer.person_id))]
pub async fn relation_to_unit(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    unit_id: Option<Uuid>,
) -> AppResult<Relation> {
    let Some(unit_id) = unit_id else {
        return Ok(Relation::None);
    };
    Ok(if led_units(db, viewer).await?.contains(&unit_id) {
        Leads
    } else {
        Relation::None
    })
}

/// The units a unit leader leads: the unit they were given in tiltak (`person.unit_id`) and
/// every unit that names them as its leader (its leader email is theirs), as the reminders do.
/// Empty for the other roles, who need no unit to do what they may.
#[tracing::instrument(skip_all, fields(person = %viewer.person_id))]
pub async fn led_units(db: &impl ConnectionTrait, viewer: &Viewer) -> AppResult<Vec<Uuid>> {
    if viewer.role != Role::UnitLeader {
        return Ok(Vec::new());
    }
    Ok(led_by(db, viewer.organization_id, &viewer.email, viewer.unit_id)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// The units led by the person with this email and given unit, sorted by name.
#[tracing::instrument(skip_all, fields(org = %organization_id))]
pub async fn led_by(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    email: &str,
    unit_id: Option<Uuid>,
) -> AppResult<Vec<unit::Model>> {
    let mut units: Vec<unit::Model> = unit::Entity::find()
        .filter(unit::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await?
        .into_iter()
        .filter(|u| leads(u, email, unit_id))
        .collect();
    units.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(units)
}

/// Whether the person with this email and given unit leads `unit`.
pub fn leads(unit: &unit::Model, email: &str, unit_id: Option<Uuid>) -> bool {
    let email = email.trim();
    Some(unit.id) == unit_id || (!email.is_empty() && unit.leader_email.trim().eq_ignore_ascii_case(email))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELATIONS: [Relation; 5] = [Relation::None, Leads, Contributes, Follows, Created];

    /// The matrix, written out as a person reads it: role, permission, and the relations that
    /// allow it.
    #[test]
    fn the_role_matrix_is_the_documented_one() {
        use Permission::*;
        let expected: &[(Role, Permission, &[Relation])] = &[
            (Role::Coordinator, ManagePlans, &RELATIONS),
            (Role::Coordinator, GrantAdmin, &[]),
            (Role::Coordinator, Operate, &[]),
            (Role::Coordinator, Publish, &[]),
            (Role::Coordinator, IssueCredentials, &[]),
            (Role::Coordinator, FreezeReport, &RELATIONS),
            (Role::Coordinator, RevokeCalendarFeed, &[Created]),
            (Role::UnitLeader, ManagePlans, &[]),
            (Role::UnitLeader, FollowUp, &[Leads, Contributes]),
            (Role::UnitLeader, Comment, &[Leads, Contributes]),
            (Role::UnitLeader, Evaluate, &[Leads]),
            (Role::UnitLeader, CompleteRevision, &[Leads]),
            (Role::UnitLeader, FreezeReport, &[]),
            (Role::UnitLeader, Operate, &[]),
            (Role::TeamMember, FollowUp, &[]),
            (Role::TeamMember, Comment, &[Follows]),
            (Role::TeamMember, Evaluate, &[]),
            (Role::TeamMember, RevokeCalendarFeed, &[Created]),
            (Role::Viewer, Comment, &[]),
            (Role::Viewer, ManagePlans, &[]),
            (Role::Viewer, RevokeCalendarFeed, &[Created]),
        ];
        for (role, permission, allowed) in expected {
            for relation in RELATIONS {
                assert_eq!(
                    allows(*role, *permission, relation),
                    allowed.contains(&relation),
                    "{role} {permission:?} {relation:?}"
                );
            }
        }
        for permission in PERMISSIONS {
            for relation in RELATIONS {
                assert!(allows(Role::Admin, permission, relation), "admin {permission:?}");
            }
        }
    }

    /// README's "Who may do what" table is this module's table, word for word.
    #[test]
    fn readme_shows_the_matrix() {
        let readme = include_str!("../../../README.md");
        let table = markdown_table();
        assert!(
            readme.contains(&table),
            "README's role table differs from services::auth::policy; put this in README:\n{table}"
        );
    }

    #[test]
    fn a_refusal_says_who_may() {
        let viewer = Viewer {
            person_id: Uuid::nil(),
            organization_id: Uuid::nil(),
            role: Role::TeamMember,
            unit_id: None,
            name: String::new(),
            email: String::new(),
            via: None,
            graphql_csrf: None,
        };
        let error = authorize(&viewer, Permission::Comment, Relation::None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the role team-member may not comment on this action unless their leader team follows its unit"
        );
    }
}
