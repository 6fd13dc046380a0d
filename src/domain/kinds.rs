code_enum! {
    /// How often an action comes back for follow-up, read from phrases like
    /// "evalueres årlig" or "rulleres annethvert år".
    Recurrence {
        None = "NONE",
        /// "løpende", "jevnlig": followed up continuously.
        Continuous = "CONTINUOUS",
        Annual = "ANNUAL",
        Biennial = "BIENNIAL",
        /// "ved behov": revised when needed.
        OnDemand = "ON_DEMAND",
    }
}

code_enum! {
    /// The prevention level the plan colours its actions with.
    PreventionLevel {
        /// Universell (green): for everyone.
        Universal = "UNIVERSAL",
        /// Selektiv (yellow): for children and families at risk.
        Selective = "SELECTIVE",
        /// Indikert (red): where problems have already arisen.
        Indicated = "INDICATED",
    }
}

code_enum! {
    /// What an entry in an action's history records.
    EventKind {
        Created = "CREATED",
        Status = "STATUS",
        Progress = "PROGRESS",
        Title = "TITLE",
        Description = "DESCRIPTION",
        Deadline = "DEADLINE",
        ResponsibleUnit = "RESPONSIBLE_UNIT",
        ContributingUnits = "CONTRIBUTING_UNITS",
        PreventionLevel = "PREVENTION_LEVEL",
        Tags = "TAGS",
        Recurrence = "RECURRENCE",
        DecisionRef = "DECISION_REF",
        /// The action's number changed: moved to another chapter or renumbered.
        Number = "NUMBER",
        /// The yearly evaluation was submitted.
        Evaluated = "EVALUATED",
        /// A comment without a change.
        Comment = "COMMENT",
        /// Archived (to `ARCHIVED`) or brought back (from `ARCHIVED`).
        Archived = "ARCHIVED",
    }
}

code_enum! {
    /// Where an action's yearly evaluation stands.
    EvaluationStatus {
        Open = "OPEN",
        Submitted = "SUBMITTED",
        /// Still not submitted after the grace period.
        Overdue = "OVERDUE",
    }
}

code_enum! {
    /// Was the action carried out as planned?
    CarriedOut {
        Yes = "YES",
        Partly = "PARTLY",
        No = "NO",
    }
}

code_enum! {
    /// What the evaluation concludes for the coming year.
    EvaluationDecision {
        Continue = "CONTINUE",
        Adjust = "ADJUST",
        Stop = "STOP",
    }
}

code_enum! {
    /// A revision task of a plan.
    RevisionStatus {
        Open = "OPEN",
        Done = "DONE",
    }
}

code_enum! {
    /// Where an email in the outbox stands.
    NotificationStatus {
        /// Waiting for the dispatcher, or for its next attempt.
        Pending = "PENDING",
        Sent = "SENT",
        /// Gave up after the configured number of attempts; `resendNotification` tries again.
        Failed = "FAILED",
    }
}

code_enum! {
    /// How a change came in, noted on its history events when it is not the usual way (a
    /// signed-in page, GraphQL or the command line).
    Via {
        /// A reminder email's link for one action and one recipient, without signing in.
        EmailLink = "email-link",
    }
}

code_enum! {
    /// Why someone is told about an item; part of the idempotency key.
    Reason {
        DeadlineApproaching = "DEADLINE_APPROACHING",
        Overdue = "OVERDUE",
        EvaluationOpen = "EVALUATION_OPEN",
        EvaluationOverdue = "EVALUATION_OVERDUE",
        RevisionDue = "REVISION_DUE",
        /// A leader team's weekly view of its units' overdue and delayed actions.
        TeamDigest = "TEAM_DIGEST",
        /// An action of a followed unit became DELAYED or CANCELLED.
        StatusChange = "STATUS_CHANGE",
        /// A reminder that would reach no one (no responsible unit, no leader email, a team
        /// without members, a plan without an owner unit), told once to coordinators or admins.
        NoOwner = "NO_OWNER",
        /// A sign-in link someone asked for on the sign-in page; never part of a digest.
        SignIn = "SIGN_IN",
    }
}

code_enum! {
    /// How a job run ended.
    JobOutcome {
        Running = "RUNNING",
        Succeeded = "SUCCEEDED",
        Failed = "FAILED",
    }
}

impl PreventionLevel {
    /// The Norwegian (bokmål) name shown to users.
    pub fn label(self) -> &'static str {
        match self {
            PreventionLevel::Universal => "Universell",
            PreventionLevel::Selective => "Selektiv",
            PreventionLevel::Indicated => "Indikert",
        }
    }
}

impl CarriedOut {
    pub fn label(self) -> &'static str {
        match self {
            CarriedOut::Yes => "Ja",
            CarriedOut::Partly => "Delvis",
            CarriedOut::No => "Nei",
        }
    }
}

impl EvaluationDecision {
    pub fn label(self) -> &'static str {
        match self {
            EvaluationDecision::Continue => "Videreføres",
            EvaluationDecision::Adjust => "Justeres",
            EvaluationDecision::Stop => "Avsluttes",
        }
    }
}

impl Reason {
    /// Reminders a unit leader gets about an action of their unit.
    pub fn is_for_unit_leader(self) -> bool {
        matches!(
            self,
            Reason::DeadlineApproaching | Reason::Overdue | Reason::EvaluationOpen | Reason::EvaluationOverdue
        )
    }
}

impl Reason {
    /// The heading of this reason's section in a digest.
    pub fn heading(self) -> &'static str {
        match self {
            Reason::DeadlineApproaching => "Frist nærmer seg",
            Reason::Overdue => "Fristen er passert",
            Reason::EvaluationOpen => "Evaluering venter på dere",
            Reason::EvaluationOverdue => "Evaluering er forsinket",
            Reason::RevisionDue => "Planen skal rulleres",
            Reason::TeamDigest => "Forsinket eller på overtid i enhetene dere følger",
            Reason::StatusChange => "Endret status",
            Reason::NoOwner => "Nådde ingen: trenger en ansvarlig",
            Reason::SignIn => "Innloggingslenke",
        }
    }
}
