//! Look-ahead: a query's top-level field reads the selection below it and loads each level of
//! the tree in one statement, for every item of the level at once (the plans' chapters, their
//! actions, those actions' units, history and authors), feeding the request's loaders. The
//! nested fields then find their rows in the loaders without waiting for a batch to gather,
//! and a dashboard costs one statement per list level whatever its size.
//!
//! Only what is asked for is read, and only for queries: a mutation's loaders keep nothing
//! (see `loaders`), so there is nothing to feed. A field this does not cover still works: it
//! asks its loader, which batches as before.

use std::collections::{BTreeSet, HashMap};

use async_graphql::{Context, Lookahead};
use uuid::Uuid;

use super::{
    context::ContextExt,
    loaders::{ByKey, Loaders},
};
use crate::{
    entities::{action, action_event, chapter, plan, unit},
    services::plans,
};

type Rows<E> = Vec<<E as sea_orm::EntityTrait>::Model>;

/// Reads the rows of `keys` (each once) through the loader's own query, feeds them to the
/// loader (an empty list for a key with none) and returns them.
async fn ahead<E, C>(
    loader: &async_graphql::dataloader::DataLoader<ByKey<E>, C>,
    keys: impl IntoIterator<Item = Uuid>,
) -> async_graphql::Result<Rows<E>>
where
    E: sea_orm::EntityTrait,
    E::Model: Send + Sync + Clone,
    C: async_graphql::dataloader::CacheFactory,
{
    let keys: Vec<Uuid> = keys.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = loader.loader().read(&keys).await?;
    let mut rows = Vec::new();
    let mut fed = Vec::with_capacity(keys.len());
    for key in keys {
        let group = found.remove(&key).unwrap_or_default();
        rows.extend(group.iter().cloned());
        fed.push((key, group));
    }
    loader.feed_many(fed).await;
    Ok(rows)
}

/// The loaders, when feeding them pays (a query's).
fn fed<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<Option<&'a Loaders>> {
    let loaders = ctx.loaders()?;
    Ok(loaders.cached.then_some(loaders))
}

/// Plans, as `plans` returns them (and `plan` when it did not read the tree with the plan).
pub async fn plans(ctx: &Context<'_>, look: Lookahead<'_>, plans: &[plan::Model]) -> async_graphql::Result<()> {
    plans_ahead(ctx, look, plans, None).await
}

/// Whether `plan`'s selection asks for its chapters' actions and the loaders will keep them,
/// so the tree is read with the plan (`plans::plan_with_tree`); then whether it asks for
/// the actions' responsible units.
pub fn tree_wanted(ctx: &Context<'_>, look: &Lookahead<'_>) -> async_graphql::Result<Option<bool>> {
    let actions = look.field("chapters").field("actions");
    Ok((fed(ctx)?.is_some() && actions.exists()).then(|| actions.field("responsibleUnit").exists()))
}

/// A plan read with its tree.
pub async fn plan_with_tree(
    ctx: &Context<'_>,
    look: Lookahead<'_>,
    plan: &plan::Model,
    tree: Vec<plans::TreeRow>,
) -> async_graphql::Result<()> {
    plans_ahead(ctx, look, std::slice::from_ref(plan), Some(tree)).await
}

/// What the plans' fields will ask for; `tree` is their tree when it was read with them.
async fn plans_ahead(
    ctx: &Context<'_>,
    look: Lookahead<'_>,
    plans: &[plan::Model],
    tree: Option<Vec<plans::TreeRow>>,
) -> async_graphql::Result<()> {
    let Some(loaders) = fed(ctx)? else { return Ok(()) };
    let below = look.field("chapters");
    if below.exists() {
        let ids: BTreeSet<Uuid> = plans.iter().map(|p| p.id).collect();
        if below.field("actions").exists() {
            tree_ahead(ctx, loaders, below, ids, tree).await?;
        } else {
            let chapters = ahead(loaders.chapters_by_plan(), ids).await?;
            feed_chapters(loaders, &chapters.iter().collect::<Vec<_>>()).await;
        }
    }
    if look.field("ownerUnit").exists() {
        ahead(loaders.unit(), plans.iter().filter_map(|p| p.owner_unit_id)).await?;
    }
    Ok(())
}

/// Each action's `number` asks for its chapter: these are the ones it will ask for.
async fn feed_chapters(loaders: &Loaders, chapters: &[&chapter::Model]) {
    let by_id: Vec<_> = chapters.iter().map(|c| (c.id, vec![(*c).clone()])).collect();
    loaders.chapter().feed_many(by_id).await;
}

/// The plans' chapters with their actions, and those actions' responsible units when they
/// are asked for, in one statement (a dashboard's whole tree) unless `read` already holds
/// them; then what the actions' other fields ask for.
async fn tree_ahead(
    ctx: &Context<'_>,
    loaders: &Loaders,
    look: Lookahead<'_>,
    plan_ids: BTreeSet<Uuid>,
    read: Option<Vec<plans::TreeRow>>,
) -> async_graphql::Result<()> {
    let below = look.field("actions");
    let with_units = below.field("responsibleUnit").exists();
    let rows = match read {
        Some(rows) => rows,
        None => plans::tree(&ctx.state().db, ctx.viewer()?.organization_id, &plan_ids, with_units).await?,
    };
    let mut chapters: HashMap<Uuid, Vec<chapter::Model>> = plan_ids.iter().map(|&id| (id, Vec::new())).collect();
    let mut actions: HashMap<Uuid, Vec<action::Model>> = HashMap::new();
    let mut units: HashMap<Uuid, unit::Model> = HashMap::new();
    for (chapter, action, unit) in rows {
        let of_chapter = actions.entry(chapter.id).or_insert_with(|| {
            chapters.entry(chapter.plan_id).or_default().push(chapter.clone());
            Vec::new()
        });
        of_chapter.extend(action);
        if let Some(unit) = unit {
            units.insert(unit.id, unit);
        }
    }
    feed_chapters(loaders, &chapters.values().flatten().collect::<Vec<_>>()).await;
    loaders.chapters_by_plan().feed_many(chapters).await;
    let all: Vec<action::Model> = actions.values().flatten().cloned().collect();
    loaders.actions_by_chapter().feed_many(actions).await;
    let all: Vec<&action::Model> = all.iter().collect();
    if with_units {
        loaders
            .unit()
            .feed_many(units.into_iter().map(|(id, unit)| (id, vec![unit])))
            .await;
    }
    let read = Read {
        responsible_units: with_units,
        ..Read::default()
    };
    actions_ahead(loaders, below, &all, read).await
}

/// Actions with their chapters, as `action` and `actions` read them.
pub async fn actions(
    ctx: &Context<'_>,
    look: Lookahead<'_>,
    rows: &[(action::Model, chapter::Model)],
) -> async_graphql::Result<()> {
    let Some(loaders) = fed(ctx)? else { return Ok(()) };
    let (actions, chapters): (Vec<&action::Model>, Vec<&chapter::Model>) = rows.iter().map(|(a, c)| (a, c)).unzip();
    feed_chapters(loaders, &chapters).await;
    actions_ahead(loaders, look, &actions, Read::default()).await
}

/// Whether `action`'s selection asks for its history and the loaders will keep it, so it is
/// read with the action (`action_with_history`).
pub fn history_wanted(ctx: &Context<'_>, look: &Lookahead<'_>) -> async_graphql::Result<bool> {
    Ok(fed(ctx)?.is_some() && look.field("history").exists())
}

/// One action read with its chapter and its whole history.
pub async fn action_with_history(
    ctx: &Context<'_>,
    look: Lookahead<'_>,
    action: &action::Model,
    chapter: &chapter::Model,
    history: Vec<action_event::Model>,
) -> async_graphql::Result<()> {
    let Some(loaders) = fed(ctx)? else { return Ok(()) };
    feed_chapters(loaders, &[chapter]).await;
    let actors: BTreeSet<Uuid> = history.iter().filter_map(|e| e.actor_id).collect();
    loaders.events_by_action().feed_one(action.id, history).await;
    if look.field("history").field("actor").exists() {
        ahead(loaders.person(), actors).await?;
    }
    let read = Read {
        history: true,
        ..Read::default()
    };
    actions_ahead(loaders, look, &[action], read).await
}

/// Units, as `unit` and `units` return them; their actions are sorted by chapter, so those
/// chapters are read whatever is asked.
pub async fn units(ctx: &Context<'_>, look: Lookahead<'_>, units: &[unit::Model]) -> async_graphql::Result<()> {
    let Some(loaders) = fed(ctx)? else { return Ok(()) };
    let below = look.field("actions");
    if below.exists() {
        let actions = ahead(loaders.actions_by_unit(), units.iter().map(|u| u.id)).await?;
        ahead(loaders.chapter(), actions.iter().map(|a| a.chapter_id)).await?;
        actions_ahead(loaders, below, &actions.iter().collect::<Vec<_>>(), Read::default()).await?;
    }
    Ok(())
}

/// What the caller read already, besides the actions' chapters.
#[derive(Default)]
struct Read {
    responsible_units: bool,
    history: bool,
}

/// What the actions' fields will ask for, their chapters and what `read` says being read
/// already.
async fn actions_ahead(
    loaders: &Loaders,
    look: Lookahead<'_>,
    actions: &[&action::Model],
    read: Read,
) -> async_graphql::Result<()> {
    let ids = || actions.iter().map(|a| a.id);
    if actions.is_empty() {
        return Ok(());
    }
    if look.field("plan").exists() {
        ahead(loaders.plan(), actions.iter().map(|a| a.plan_id)).await?;
    }
    let mut units = BTreeSet::new();
    if look.field("responsibleUnit").exists() && !read.responsible_units {
        units.extend(actions.iter().filter_map(|a| a.responsible_unit_id));
    }
    if look.field("suggestedUnit").exists() {
        units.extend(actions.iter().filter_map(|a| a.suggested_unit_id));
    }
    if look.field("contributingUnits").exists() {
        let links = ahead(loaders.contributors_by_action(), ids()).await?;
        units.extend(links.iter().map(|l| l.unit_id));
    }
    ahead(loaders.unit(), units).await?;
    let history = look.field("history");
    if history.exists() && !read.history {
        let events = ahead(loaders.events_by_action(), ids()).await?;
        if history.field("actor").exists() {
            ahead(loaders.person(), events.iter().filter_map(|e| e.actor_id)).await?;
        }
    }
    Ok(())
}
