//! Who should hear about what: the items of the reminder digests, gathered per organization
//! for a given day, and the notice to leader teams when an action of theirs is delayed or
//! cancelled. The outbox turns them into one message per recipient.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::outbox::{Pending, Recipient};
use crate::{
    domain::{ActionNumber, EvaluationStatus, Reason, RevisionStatus, Role, Status},
    entities::{action, chapter, evaluation, organization, person, plan, revision, team, team_member, team_unit, unit},
    error::AppResult,
    mail::Item,
};

/// An organization's plans, chapters and units, loaded once per run to describe items.
pub struct Catalog {
    pub organization: organization::Model,
    plans: HashMap<Uuid, plan::Model>,
    chapters: HashMap<Uuid, chapter::Model>,
    units: HashMap<Uuid, unit::Model>,
    /// Who hears about what would reach no one: the coordinators, or else the admins.
    stewards: Vec<Recipient>,
    pub base_url: String,
    /// How long a unit leader's link to update an action from the email works.
    pub email_link_valid: chrono::Duration,
}

impl Catalog {
    #[tracing::instrument(skip_all, fields(org = %organization.id))]
    pub async fn load(db: &impl ConnectionTrait, organization: organization::Model, base_url: &str) -> AppResult<Self> {
        let org = organization.id;
        let mut catalogs = Catalogs::read(db, vec![organization], Some(org), base_url).await?;
        Ok(catalogs.0.pop().expect("one catalog per organization"))
    }

    /// The plans being followed up (not archived).
    pub fn plans(&self) -> impl Iterator<Item = &plan::Model> {
        self.plans.values().filter(|p| p.archived_at.is_none())
    }

    fn plan_archived(&self, plan_id: Uuid) -> bool {
        self.plans.get(&plan_id).is_some_and(|p| p.archived_at.is_some())
    }

    fn number(&self, action: &action::Model) -> String {
        let chapter = self.chapters.get(&action.chapter_id).map_or(0, |c| c.number);
        ActionNumber::new(chapter as u32, action.number as u32).to_string()
    }

    fn unit_name(&self, unit_id: Option<Uuid>) -> String {
        unit_id
            .and_then(|id| self.units.get(&id))
            .map_or_else(|| "Ingen ansvarlig enhet".to_owned(), |u| u.name.clone())
    }

    fn plan_title(&self, plan_id: Uuid) -> String {
        self.plans.get(&plan_id).map(|p| p.title.clone()).unwrap_or_default()
    }

    /// An action as a digest line.
    pub fn item(&self, action: &action::Model, note: Option<String>) -> Item {
        let status = action.status;
        Item {
            number: self.number(action),
            title: action.title.clone(),
            plan: self.plan_title(action.plan_id),
            unit: self.unit_name(action.responsible_unit_id),
            deadline: action.deadline.map_or_else(|| "ingen frist".to_owned(), date),
            status: status.label().to_owned(),
            note,
            link: format!("{}/tiltak/{}", self.base_url, action.id),
            action_id: Some(action.id),
        }
    }

    /// The leader of a unit, who gets the unit's reminders; an archived unit has none.
    fn leader(&self, unit_id: Option<Uuid>) -> Option<Recipient> {
        let unit = self.units.get(&unit_id?)?;
        (unit.archived_at.is_none() && !unit.leader_email.trim().is_empty()).then(|| Recipient {
            email: unit.leader_email.clone(),
            name: unit.leader_name.clone(),
            because: format!("er leder for {}", unit.name),
        })
    }
}

impl Catalog {
    /// Why a reminder for `unit_id` reaches no one, as (what the ledger keys it on, what the
    /// stewards read).
    fn gap(&self, unit_id: Option<Uuid>) -> (String, String) {
        match unit_id.and_then(|id| self.units.get(&id)) {
            Some(unit) if unit.archived_at.is_some() => (
                format!("archived-{}", unit.id),
                format!(
                    "Enheten {} er arkivert: tiltaket trenger en ny ansvarlig enhet",
                    unit.name
                ),
            ),
            Some(unit) => (
                format!("no-leader-{}", unit.id),
                format!("Enheten {} har ingen leder-e-post", unit.name),
            ),
            None => ("no-unit".into(), "Ingen ansvarlig enhet".into()),
        }
    }

    /// An item that reaches no one, told once (the ledger keys it on the item and the gap)
    /// to the stewards as something that needs an owner.
    fn unowned(&self, item_id: Uuid, (gap, note): (String, String), item: Item) -> Vec<Pending> {
        let note = match item.note {
            Some(ref what) => format!("{note}. {what}"),
            None => note,
        };
        self.stewards
            .iter()
            .map(|steward| Pending {
                organization_id: self.organization.id,
                recipient: steward.clone(),
                reason: Reason::NoOwner,
                item_id,
                period: gap.clone(),
                item: Item {
                    note: Some(note.clone()),
                    ..item.clone()
                },
            })
            .collect()
    }
}

/// The organization's coordinators, or its admins when it has none.
fn stewards(organization: &organization::Model, people: &[person::Model]) -> Vec<Recipient> {
    for (role, because) in [(Role::Coordinator, "koordinator"), (Role::Admin, "administrator")] {
        let mut chosen: Vec<Recipient> = people
            .iter()
            .filter(|p| p.role == role)
            .map(|p| Recipient {
                email: p.email.clone(),
                name: p.name.clone(),
                because: format!(
                    "er {because} i {}, og disse påminnelsene nådde ingen",
                    organization.name
                ),
            })
            .collect();
        if !chosen.is_empty() {
            chosen.sort_by(|a, b| a.email.cmp(&b.email));
            return chosen;
        }
    }
    Vec::new()
}

/// The catalogs of many organizations, read together: four statements however many there are.
pub struct Catalogs(Vec<Catalog>);

impl Catalogs {
    /// The catalogs of these organizations (a job run: all of them), in their order; each
    /// unit leader's link from an email works for `email_link_valid`.
    #[tracing::instrument(skip_all, fields(organizations = organizations.len()))]
    pub async fn load(
        db: &impl ConnectionTrait,
        organizations: Vec<organization::Model>,
        base_url: &str,
        email_link_valid: chrono::Duration,
    ) -> AppResult<Self> {
        let mut catalogs = Self::read(db, organizations, None, base_url).await?;
        for catalog in &mut catalogs.0 {
            catalog.email_link_valid = email_link_valid;
        }
        Ok(catalogs)
    }

    /// Reads the plans, chapters, units and people of `only` one organization, or of every
    /// one, and sorts them into the catalogs of `organizations`.
    async fn read(
        db: &impl ConnectionTrait,
        organizations: Vec<organization::Model>,
        only: Option<Uuid>,
        base_url: &str,
    ) -> AppResult<Self> {
        let mut plans = plan::Entity::find();
        let mut chapters = chapter::Entity::find();
        let mut units = unit::Entity::find();
        let mut people = person::Entity::find();
        if let Some(org) = only {
            plans = plans.filter(plan::Column::OrganizationId.eq(org));
            chapters = chapters.filter(chapter::Column::OrganizationId.eq(org));
            units = units.filter(unit::Column::OrganizationId.eq(org));
            people = people.filter(person::Column::OrganizationId.eq(org));
        }
        let mut plans = grouped(plans.all(db).await?, |p| p.organization_id);
        let mut chapters = grouped(chapters.all(db).await?, |c| c.organization_id);
        let mut units = grouped(units.all(db).await?, |u| u.organization_id);
        let people = grouped(people.all(db).await?, |p| p.organization_id);
        // Links are put into HTML unescaped, so the configured URL may not break out of them.
        let base_url: String = base_url
            .trim_end_matches('/')
            .chars()
            .filter(|c| !matches!(c, '"' | '\'' | '<' | '>' | '&') && !c.is_whitespace())
            .collect();
        Ok(Self(
            organizations
                .into_iter()
                .map(|organization| {
                    let org = organization.id;
                    Catalog {
                        plans: by_id(plans.remove(&org).unwrap_or_default(), |p| p.id),
                        chapters: by_id(chapters.remove(&org).unwrap_or_default(), |c| c.id),
                        units: by_id(units.remove(&org).unwrap_or_default(), |u| u.id),
                        stewards: stewards(&organization, people.get(&org).map_or(&[], Vec::as_slice)),
                        organization,
                        email_link_valid: chrono::Duration::days(30),
                        base_url: base_url.clone(),
                    }
                })
                .collect(),
        ))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Catalog> {
        self.0.iter()
    }
}

fn grouped<T>(rows: Vec<T>, organization_id: fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut groups: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        groups.entry(organization_id(&row)).or_default().push(row);
    }
    groups
}

fn by_id<T>(rows: Vec<T>, id: fn(&T) -> Uuid) -> HashMap<Uuid, T> {
    rows.into_iter().map(|row| (id(&row), row)).collect()
}

/// "01.12.2026".
pub fn date(day: NaiveDate) -> String {
    day.format("%d.%m.%Y").to_string()
}

/// "2026-W48": weekly reminders repeat once per ISO week.
pub fn iso_week(day: NaiveDate) -> String {
    day.format("%G-W%V").to_string()
}

/// The reminders to unit leaders on `today`, limited to `reasons`: deadlines approaching (once
/// per configured offset), overdue actions (once a week), evaluations open (once) and overdue
/// (once a week), revisions due (once).
///
/// Set-based: three statements for every organization of `catalogs` together (the actions
/// that can be due, the open evaluations, the open revisions), each read by what can be due
/// rather than by organization; the items are then found per organization in memory.
#[tracing::instrument(skip_all)]
pub async fn unit_leader_items(
    db: &impl ConnectionTrait,
    catalogs: &Catalogs,
    today: NaiveDate,
    offsets: &[u32],
    reasons: &[Reason],
) -> AppResult<Vec<Pending>> {
    let mut offsets = offsets.to_vec();
    offsets.sort_unstable();
    let evaluations_asked = reasons.contains(&Reason::EvaluationOpen) || reasons.contains(&Reason::EvaluationOverdue);
    let open_evaluations = [EvaluationStatus::Open, EvaluationStatus::Overdue];

    // Actions whose deadline is no later than the last offset (or, for overdue only, has
    // passed), and the actions of open evaluations: nothing else can be due. The status is
    // checked in memory, so that a stored status no code knows fails the run where it is read.
    let horizon = match offsets.last() {
        Some(last) if reasons.contains(&Reason::DeadlineApproaching) => {
            Some(today + chrono::Days::new(u64::from(*last)))
        }
        _ if reasons.contains(&Reason::Overdue) => today.pred_opt(),
        _ => None,
    };
    let mut can_be_due = sea_orm::Condition::any();
    if let Some(horizon) = horizon {
        can_be_due = can_be_due.add(sea_orm::Condition::all().add(action::Column::Deadline.lte(horizon)));
    }
    if evaluations_asked {
        can_be_due = can_be_due.add(
            action::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(evaluation::Column::ActionId)
                    .from(evaluation::Entity)
                    .and_where(evaluation::Column::Status.is_in(open_evaluations))
                    .to_owned(),
            ),
        );
    }
    let mut actions = grouped(
        if horizon.is_some() || evaluations_asked {
            action::Entity::find_active().filter(can_be_due).all(db).await?
        } else {
            Vec::new()
        },
        |a| a.organization_id,
    );
    let mut evaluations = grouped(
        if evaluations_asked {
            evaluation::Entity::find()
                .filter(evaluation::Column::Status.is_in(open_evaluations))
                .all(db)
                .await?
        } else {
            Vec::new()
        },
        |e| e.organization_id,
    );
    let mut revisions = grouped(
        if reasons.contains(&Reason::RevisionDue) {
            revision::Entity::find()
                .filter(revision::Column::Status.eq(RevisionStatus::Open))
                .all(db)
                .await?
        } else {
            Vec::new()
        },
        |r| r.organization_id,
    );
    let mut pending = Vec::new();
    for catalog in catalogs.iter() {
        let org = catalog.organization.id;
        let actions = by_id(actions.remove(&org).unwrap_or_default(), |a| a.id);
        let evaluations = evaluations.remove(&org).unwrap_or_default();
        let revisions = revisions.remove(&org).unwrap_or_default();
        pending.extend(catalog.unit_leader_items(&actions, evaluations, revisions, today, &offsets, reasons));
    }
    Ok(pending)
}

impl Catalog {
    /// [`unit_leader_items`] of this organization, from its rows.
    fn unit_leader_items(
        &self,
        actions: &HashMap<Uuid, action::Model>,
        evaluations: Vec<evaluation::Model>,
        revisions: Vec<revision::Model>,
        today: NaiveDate,
        offsets: &[u32],
        reasons: &[Reason],
    ) -> Vec<Pending> {
        let catalog = self;
        let mut pending = Vec::new();
        let mut open: Vec<&action::Model> = actions.values().filter(|a| a.status.is_open()).collect();
        open.sort_by_key(|a| (a.deadline, catalog.number(a)));
        for action in &open {
            let Some(deadline) = action.deadline else {
                continue;
            };
            let days_left = (deadline - today).num_days();
            let mut due = Vec::new();
            if reasons.contains(&Reason::DeadlineApproaching)
                && days_left >= 0
                && let Some(offset) = offsets.iter().find(|o| i64::from(**o) >= days_left)
            {
                let note = match days_left {
                    0 => "Fristen er i dag".to_owned(),
                    1 => "Fristen er i morgen".to_owned(),
                    n => format!("Fristen er om {n} dager"),
                };
                due.push((Reason::DeadlineApproaching, format!("{deadline}/{offset}"), note));
            }
            if reasons.contains(&Reason::Overdue) && days_left < 0 {
                let note = format!("Fristen gikk ut for {} dager siden", -days_left);
                due.push((Reason::Overdue, iso_week(today), note));
            }
            let Some(leader) = catalog.leader(action.responsible_unit_id) else {
                if let Some((_, _, note)) = due.into_iter().next() {
                    let gap = catalog.gap(action.responsible_unit_id);
                    pending.extend(catalog.unowned(action.id, gap, catalog.item(action, Some(note))));
                }
                continue;
            };
            for (reason, period, note) in due {
                pending.push(Pending {
                    organization_id: catalog.organization.id,
                    recipient: leader.clone(),
                    reason,
                    item_id: action.id,
                    period,
                    item: catalog.item(action, Some(note)),
                });
            }
        }

        if reasons.contains(&Reason::EvaluationOpen) || reasons.contains(&Reason::EvaluationOverdue) {
            for evaluation in evaluations {
                let Some(action) = actions.get(&evaluation.action_id) else {
                    continue;
                };
                let unit_id = evaluation.unit_id.or(action.responsible_unit_id);
                let leader = catalog.leader(unit_id);
                let (reason, period, note) = if evaluation.status == EvaluationStatus::Open {
                    (
                        Reason::EvaluationOpen,
                        evaluation.year.to_string(),
                        format!("Evaluering for {}, frist {}", evaluation.year, date(evaluation.due_on)),
                    )
                } else {
                    (
                        Reason::EvaluationOverdue,
                        iso_week(today),
                        format!(
                            "Evaluering for {} skulle vært sendt inn {}",
                            evaluation.year,
                            date(evaluation.due_on)
                        ),
                    )
                };
                if !reasons.contains(&reason) {
                    continue;
                }
                match leader {
                    Some(leader) => pending.push(Pending {
                        organization_id: catalog.organization.id,
                        recipient: leader,
                        reason,
                        item_id: evaluation.id,
                        period,
                        item: catalog.item(action, Some(note)),
                    }),
                    None => pending.extend(catalog.unowned(
                        evaluation.id,
                        catalog.gap(unit_id),
                        catalog.item(action, Some(note)),
                    )),
                }
            }
        }

        if reasons.contains(&Reason::RevisionDue) {
            for revision in revisions {
                if catalog.plan_archived(revision.plan_id) {
                    continue;
                }
                let item = Item {
                    number: "Plan".into(),
                    title: format!("Rullering av {}", catalog.plan_title(revision.plan_id)),
                    plan: catalog.plan_title(revision.plan_id),
                    unit: catalog.unit_name(revision.unit_id),
                    deadline: date(revision.due_on),
                    status: "Åpen".into(),
                    note: Some("Planen skal rulleres: gå gjennom kapitlene og tiltakene med lederteamet.".into()),
                    link: format!("{}/planer/{}", catalog.base_url, revision.plan_id),
                    action_id: None,
                };
                match catalog.leader(revision.unit_id) {
                    Some(leader) => pending.push(Pending {
                        organization_id: catalog.organization.id,
                        recipient: leader,
                        reason: Reason::RevisionDue,
                        item_id: revision.id,
                        period: revision.due_on.to_string(),
                        item,
                    }),
                    None if revision.unit_id.is_none() => pending.extend(catalog.unowned(
                        revision.id,
                        ("no-owner-unit".into(), "Planen har ingen eierenhet".into()),
                        item,
                    )),
                    None => pending.extend(catalog.unowned(revision.id, catalog.gap(revision.unit_id), item)),
                }
            }
        }
        pending
    }
}

/// A leader team and the people in it.
struct Following {
    team: team::Model,
    members: Vec<person::Model>,
    units: Vec<Uuid>,
}

/// The leader teams of `only` one organization, or of every one, by organization: four
/// statements however many there are.
async fn teams(db: &impl ConnectionTrait, only: Option<Uuid>) -> AppResult<HashMap<Uuid, Vec<Following>>> {
    use sea_orm::sea_query::Query;
    let mut teams = team::Entity::find();
    let mut memberships = team_member::Entity::find();
    let mut team_units = team_unit::Entity::find();
    let mut people = person::Entity::find().filter(
        person::Column::Id.in_subquery(
            Query::select()
                .column(team_member::Column::PersonId)
                .from(team_member::Entity)
                .to_owned(),
        ),
    );
    if let Some(org) = only {
        let of_org = Query::select()
            .column(team::Column::Id)
            .from(team::Entity)
            .and_where(team::Column::OrganizationId.eq(org))
            .to_owned();
        teams = teams.filter(team::Column::OrganizationId.eq(org));
        memberships = memberships.filter(team_member::Column::TeamId.in_subquery(of_org.clone()));
        team_units = team_units.filter(team_unit::Column::TeamId.in_subquery(of_org));
        people = people.filter(person::Column::OrganizationId.eq(org));
    }
    let teams = teams.all(db).await?;
    let mut members: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for membership in memberships.all(db).await? {
        members
            .entry(membership.team_id)
            .or_default()
            .push(membership.person_id);
    }
    let mut units: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for team_unit in team_units.all(db).await? {
        units.entry(team_unit.team_id).or_default().push(team_unit.unit_id);
    }
    let people = by_id(people.all(db).await?, |p| p.id);
    let mut following: HashMap<Uuid, Vec<Following>> = HashMap::new();
    for team in teams {
        following.entry(team.organization_id).or_default().push(Following {
            members: members
                .remove(&team.id)
                .unwrap_or_default()
                .iter()
                .filter_map(|id| people.get(id).cloned())
                .collect(),
            units: units.remove(&team.id).unwrap_or_default(),
            team,
        });
    }
    Ok(following)
}

fn member(person: &person::Model, team: &team::Model) -> Recipient {
    Recipient {
        email: person.email.clone(),
        name: person.name.clone(),
        because: format!("er med i {}", team.name),
    }
}

/// The weekly digest for leader teams: their units' open actions that are overdue or delayed.
///
/// Set-based like [`unit_leader_items`]: the teams of every organization of `catalogs` in four
/// statements, and one for the actions that can be in a digest (deadline passed or DELAYED);
/// the status is checked in memory, so a stored status no code knows fails the run.
#[tracing::instrument(skip_all)]
pub async fn team_items(db: &impl ConnectionTrait, catalogs: &Catalogs, today: NaiveDate) -> AppResult<Vec<Pending>> {
    let mut teams = teams(db, None).await?;
    let mut actions = grouped(
        action::Entity::find_active()
            .filter(
                sea_orm::Condition::any()
                    .add(action::Column::Deadline.lt(today))
                    .add(action::Column::Status.eq(Status::Delayed)),
            )
            .all(db)
            .await?,
        |a| a.organization_id,
    );
    let mut pending = Vec::new();
    for catalog in catalogs.iter() {
        let org = catalog.organization.id;
        let mut actions = actions.remove(&org).unwrap_or_default();
        actions.sort_by_key(|a| (a.plan_id, catalog.number(a)));
        for following in teams.remove(&org).unwrap_or_default() {
            pending.extend(catalog.team_items(&following, &actions, today));
        }
    }
    Ok(pending)
}

impl Catalog {
    /// [`team_items`] of one team of this organization, from its actions.
    fn team_items(&self, following: &Following, actions: &[action::Model], today: NaiveDate) -> Vec<Pending> {
        let mut pending = Vec::new();
        for action in actions {
            let status = action.status;
            let overdue = crate::domain::is_overdue(action.deadline, status.is_open(), today);
            let in_team = action.responsible_unit_id.is_some_and(|u| following.units.contains(&u));
            if !in_team || !(overdue || status == Status::Delayed) {
                continue;
            }
            let note = match (overdue, status == Status::Delayed) {
                (true, true) => "Forsinket og fristen er passert",
                (true, false) => "Fristen er passert",
                _ => "Meldt forsinket",
            };
            if following.members.is_empty() {
                let gap = (
                    format!("no-members-{}", following.team.id),
                    format!("Lederteamet {} har ingen medlemmer", following.team.name),
                );
                pending.extend(self.unowned(action.id, gap, self.item(action, Some(note.to_owned()))));
            }
            for person in &following.members {
                pending.push(Pending {
                    organization_id: self.organization.id,
                    recipient: member(person, &following.team),
                    reason: Reason::TeamDigest,
                    item_id: action.id,
                    period: iso_week(today),
                    item: self.item(action, Some(note.to_owned())),
                });
            }
        }
        pending
    }
}

/// The notice to the teams following an action's unit that it became DELAYED or CANCELLED.
#[tracing::instrument(skip_all, fields(org = %catalog.organization.id, action = %action.id))]
pub async fn status_changed(
    db: &impl ConnectionTrait,
    catalog: &Catalog,
    action: &action::Model,
    status: Status,
    comment: Option<&str>,
    event_id: i64,
) -> AppResult<Vec<Pending>> {
    if !matches!(status, Status::Delayed | Status::Cancelled) {
        return Ok(Vec::new());
    }
    let Some(unit_id) = action.responsible_unit_id else {
        return Ok(Vec::new());
    };
    let note = comment.map(|c| format!("Begrunnelse: {c}"));
    let mut pending = Vec::new();
    let org = catalog.organization.id;
    for following in teams(db, Some(org)).await?.remove(&org).unwrap_or_default() {
        if !following.units.contains(&unit_id) {
            continue;
        }
        for person in &following.members {
            pending.push(Pending {
                organization_id: catalog.organization.id,
                recipient: member(person, &following.team),
                reason: Reason::StatusChange,
                item_id: action.id,
                period: format!("event-{event_id}"),
                item: catalog.item(action, note.clone()),
            });
        }
    }
    Ok(pending)
}
