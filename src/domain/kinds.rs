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
    }
}
