//! Batched loading of related rows, so a list of actions with their units, chapters and
//! history costs a handful of queries, not one per row. A query's loaders keep what they read
//! for the request, and list fields feed them ahead (see `prefetch`); a mutation's and a
//! subscription's loaders keep nothing, so they never answer with rows read before a change.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use async_graphql::dataloader::{CacheFactory, DataLoader, HashMapCache, Loader};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::{
    entities::{action, action_contributor, action_event, chapter, person, plan, team_member, team_unit, unit},
    error::AppError,
};

/// Loads the rows of entity `E` whose `column` is one of the requested keys, grouped by
/// that key, and only from one organization when the table has an organization column.
pub struct ByKey<E: EntityTrait> {
    db: DatabaseConnection,
    column: E::Column,
    key: fn(&E::Model) -> Uuid,
    organization: Option<(E::Column, Uuid)>,
    order: Option<E::Column>,
    /// Counts the loads that came through the batch (`AppState::batch_waits`).
    waits: Arc<AtomicU64>,
}

impl<E> Loader<Uuid> for ByKey<E>
where
    E: EntityTrait,
    E::Model: Send + Sync + Clone,
{
    type Value = Vec<E::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        self.waits.fetch_add(1, Ordering::Relaxed);
        self.read(keys).await
    }
}

impl<E> ByKey<E>
where
    E: EntityTrait,
    E::Model: Send + Sync + Clone,
{
    /// The rows of these keys, grouped by key, in one statement.
    pub async fn read(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<E::Model>>, async_graphql::Error> {
        let mut query = E::find().filter(self.column.is_in(keys.iter().copied()));
        if let Some((column, organization_id)) = self.organization {
            query = query.filter(column.eq(organization_id));
        }
        if let Some(order) = self.order {
            query = query.order_by_asc(order);
        }
        let rows = query.all(&self.db).await.map_err(AppError::from)?;
        let mut grouped: HashMap<Uuid, Vec<E::Model>> = HashMap::new();
        for row in rows {
            grouped.entry((self.key)(&row)).or_default().push(row);
        }
        Ok(grouped)
    }
}

type L<E> = DataLoader<ByKey<E>, HashMapCache>;

/// The loaders of one request, scoped to the viewer's organization.
pub struct Loaders {
    /// Whether the loaders keep rows for the request (queries), so feeding them ahead pays.
    pub cached: bool,
    pub unit: L<unit::Entity>,
    pub person: L<person::Entity>,
    pub plan: L<plan::Entity>,
    pub chapter: L<chapter::Entity>,
    pub action: L<action::Entity>,
    pub chapters_by_plan: L<chapter::Entity>,
    pub actions_by_chapter: L<action::Entity>,
    pub actions_by_unit: L<action::Entity>,
    pub events_by_action: L<action_event::Entity>,
    pub contributors_by_action: L<action_contributor::Entity>,
    pub members_by_team: L<team_member::Entity>,
    pub units_by_team: L<team_unit::Entity>,
}

impl Loaders {
    /// `cached` for a query's loaders; a mutation's or subscription's read afresh each time.
    pub fn new(db: &DatabaseConnection, organization_id: Uuid, cached: bool, waits: Arc<AtomicU64>) -> Arc<Self> {
        let loader = Builder { db, cached, waits };
        let org = organization_id;
        Arc::new(Loaders {
            cached,
            unit: loader.make::<unit::Entity>(
                unit::Column::Id,
                |r| r.id,
                Some((unit::Column::OrganizationId, org)),
                None,
            ),
            person: loader.make::<person::Entity>(
                person::Column::Id,
                |r| r.id,
                Some((person::Column::OrganizationId, org)),
                None,
            ),
            plan: loader.make::<plan::Entity>(
                plan::Column::Id,
                |r| r.id,
                Some((plan::Column::OrganizationId, org)),
                None,
            ),
            chapter: loader.make::<chapter::Entity>(
                chapter::Column::Id,
                |r| r.id,
                Some((chapter::Column::OrganizationId, org)),
                None,
            ),
            action: loader.make::<action::Entity>(
                action::Column::Id,
                |r| r.id,
                Some((action::Column::OrganizationId, org)),
                None,
            ),
            chapters_by_plan: loader.make::<chapter::Entity>(
                chapter::Column::PlanId,
                |r| r.plan_id,
                Some((chapter::Column::OrganizationId, org)),
                Some(chapter::Column::Number),
            ),
            actions_by_chapter: loader.make::<action::Entity>(
                action::Column::ChapterId,
                |r| r.chapter_id,
                Some((action::Column::OrganizationId, org)),
                Some(action::Column::Number),
            ),
            actions_by_unit: loader.make::<action::Entity>(
                action::Column::ResponsibleUnitId,
                |r| r.responsible_unit_id.unwrap_or_default(),
                Some((action::Column::OrganizationId, org)),
                None,
            ),
            events_by_action: loader.make::<action_event::Entity>(
                action_event::Column::ActionId,
                |r| r.action_id,
                Some((action_event::Column::OrganizationId, org)),
                Some(action_event::Column::Id),
            ),
            contributors_by_action: loader.make::<action_contributor::Entity>(
                action_contributor::Column::ActionId,
                |r| r.action_id,
                None,
                None,
            ),
            members_by_team: loader.make::<team_member::Entity>(team_member::Column::TeamId, |r| r.team_id, None, None),
            units_by_team: loader.make::<team_unit::Entity>(team_unit::Column::TeamId, |r| r.team_id, None, None),
        })
    }
}

struct Builder<'a> {
    db: &'a DatabaseConnection,
    cached: bool,
    waits: Arc<AtomicU64>,
}

impl Builder<'_> {
    fn make<E: EntityTrait>(
        &self,
        column: E::Column,
        key: fn(&E::Model) -> Uuid,
        organization: Option<(E::Column, Uuid)>,
        order: Option<E::Column>,
    ) -> L<E>
    where
        E::Model: Send + Sync + Clone,
    {
        let loader = DataLoader::with_cache(
            ByKey::<E> {
                db: self.db.clone(),
                column,
                key,
                organization,
                order,
                waits: self.waits.clone(),
            },
            tokio::spawn,
            HashMapCache::default(),
        );
        loader.enable_all_cache(self.cached);
        loader
    }
}

/// The one row with this id, if it exists in the viewer's organization.
pub async fn one<E, C>(loader: &DataLoader<ByKey<E>, C>, id: Uuid) -> async_graphql::Result<Option<E::Model>>
where
    E: EntityTrait,
    E::Model: Send + Sync + Clone,
    C: CacheFactory,
{
    Ok(loader.load_one(id).await?.and_then(|rows| rows.into_iter().next()))
}

/// All rows for this key (empty when there are none).
pub async fn many<E, C>(loader: &DataLoader<ByKey<E>, C>, key: Uuid) -> async_graphql::Result<Vec<E::Model>>
where
    E: EntityTrait,
    E::Model: Send + Sync + Clone,
    C: CacheFactory,
{
    Ok(loader.load_one(key).await?.unwrap_or_default())
}

/// The rows with these ids, in the order given.
pub async fn each<E, C>(
    loader: &DataLoader<ByKey<E>, C>,
    ids: impl IntoIterator<Item = Uuid>,
) -> async_graphql::Result<Vec<E::Model>>
where
    E: EntityTrait,
    E::Model: Send + Sync + Clone,
    C: CacheFactory,
{
    let ids: Vec<Uuid> = ids.into_iter().collect();
    let mut found = loader.load_many(ids.iter().copied()).await?;
    Ok(ids.iter().filter_map(|id| found.remove(id)).flatten().collect())
}
