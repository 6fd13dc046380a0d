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

/// The loaders of one request, scoped to the viewer's organization. Each is made when first
/// used: a request uses two or three of the twelve, and making and dropping them all was a
/// few percent of a request's CPU.
pub struct Loaders {
    /// Whether the loaders keep rows for the request (queries), so feeding them ahead pays.
    pub cached: bool,
    db: DatabaseConnection,
    organization_id: Uuid,
    waits: Arc<AtomicU64>,
    made: Made,
}

/// Defines the loaders: each one's field in `Made` and its accessor on `Loaders`, which
/// makes it on first use from its entity, key column, key of a row, whether it is scoped by
/// an organization column, and the column it orders by.
macro_rules! loaders {
    ($($name:ident: $entity:ident by $column:ident, $key:expr, $org:expr, $order:expr;)+) => {
        #[derive(Default)]
        struct Made {
            $($name: std::sync::OnceLock<L<$entity::Entity>>,)+
        }

        impl Loaders {
            $(
                pub fn $name(&self) -> &L<$entity::Entity> {
                    self.made.$name.get_or_init(|| {
                        let key: fn(&$entity::Model) -> Uuid = $key;
                        let organization: Option<$entity::Column> = $org;
                        let order: Option<$entity::Column> = $order;
                        self.make($entity::Column::$column, key, organization, order)
                    })
                }
            )+
        }
    };
}

loaders! {
    unit: unit by Id, |r| r.id, Some(unit::Column::OrganizationId), None;
    person: person by Id, |r| r.id, Some(person::Column::OrganizationId), None;
    plan: plan by Id, |r| r.id, Some(plan::Column::OrganizationId), None;
    chapter: chapter by Id, |r| r.id, Some(chapter::Column::OrganizationId), None;
    action: action by Id, |r| r.id, Some(action::Column::OrganizationId), None;
    chapters_by_plan: chapter by PlanId, |r| r.plan_id, Some(chapter::Column::OrganizationId), Some(chapter::Column::Number);
    actions_by_chapter: action by ChapterId, |r| r.chapter_id, Some(action::Column::OrganizationId), Some(action::Column::Number);
    actions_by_unit: action by ResponsibleUnitId, |r| r.responsible_unit_id.unwrap_or_default(), Some(action::Column::OrganizationId), None;
    events_by_action: action_event by ActionId, |r| r.action_id, Some(action_event::Column::OrganizationId), Some(action_event::Column::Id);
    contributors_by_action: action_contributor by ActionId, |r| r.action_id, None, None;
    members_by_team: team_member by TeamId, |r| r.team_id, None, None;
    units_by_team: team_unit by TeamId, |r| r.team_id, None, None;
}

impl Loaders {
    /// `cached` for a query's loaders; a mutation's or subscription's read afresh each time.
    pub fn new(db: &DatabaseConnection, organization_id: Uuid, cached: bool, waits: Arc<AtomicU64>) -> Arc<Self> {
        Arc::new(Loaders {
            cached,
            db: db.clone(),
            organization_id,
            waits,
            made: Made::default(),
        })
    }

    fn make<E: EntityTrait>(
        &self,
        column: E::Column,
        key: fn(&E::Model) -> Uuid,
        organization: Option<E::Column>,
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
                organization: organization.map(|column| (column, self.organization_id)),
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
