code_enum! {
    /// What a person may do in their organization.
    Role {
        /// Everything in the organization.
        Admin = "admin",
        /// Plans, chapters, actions, units, teams and people.
        Coordinator = "coordinator",
        /// Status, progress, comments and evaluations of the actions their unit is responsible
        /// for or contributes to.
        UnitLeader = "unit-leader",
        /// A member of a leader team (Familiens hus, SLT): reads everything, comments on the
        /// actions of the units the team follows.
        TeamMember = "team-member",
        /// Read only.
        Viewer = "viewer",
    }
}

impl Role {
    /// The Norwegian (bokmål) name shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Coordinator => "Koordinator",
            Role::UnitLeader => "Enhetsleder",
            Role::TeamMember => "Medlem av lederteam",
            Role::Viewer => "Leser",
        }
    }
}
