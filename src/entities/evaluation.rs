//! The yearly evaluation of one action, submitted by the responsible unit leader.

use sea_orm::entity::prelude::*;

use crate::domain::{CarriedOut, EvaluationDecision, EvaluationStatus};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub plan_id: Uuid,
    pub action_id: Uuid,
    /// The responsible unit when the round opened; its leader is reminded.
    pub unit_id: Option<Uuid>,
    /// The year evaluated (the round opens in January of the year after).
    pub year: i32,
    pub status: EvaluationStatus,
    pub opened_on: Date,
    /// After this day an open evaluation becomes overdue.
    pub due_on: Date,
    pub submitted_at: Option<DateTimeUtc>,
    pub submitted_by: Option<Uuid>,
    pub carried_out: Option<CarriedOut>,
    #[sea_orm(column_type = "Text", nullable)]
    pub effect: Option<String>,
    pub decision: Option<EvaluationDecision>,
    #[sea_orm(column_type = "Text", nullable)]
    pub comment: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
