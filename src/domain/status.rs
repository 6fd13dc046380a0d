code_enum! {
    /// The follow-up status of an action, as used in municipal follow-up reports.
    ///
    /// Stored and exchanged by its code (`IN_PROGRESS`); shown to users in Norwegian
    /// ([`Status::label`]).
    Status {
        NotStarted = "NOT_STARTED",
        InProgress = "IN_PROGRESS",
        Delayed = "DELAYED",
        Completed = "COMPLETED",
        /// Videreført i drift: the action became part of ordinary operations.
        Continued = "CONTINUED",
        Cancelled = "CANCELLED",
    }
}

/// Why a status change is not allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("status is already {0}")]
    Unchanged(Status),
    #[error("a change to {0} needs a comment saying why")]
    CommentRequired(Status),
    #[error("reopening an action that is {from} needs a comment saying why")]
    ReopeningNeedsComment { from: Status },
    #[error("an action that is {from} cannot become {to}")]
    NotAllowed { from: Status, to: Status },
}

impl Status {
    /// The Norwegian (bokmål) name shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Status::NotStarted => "Ikke startet",
            Status::InProgress => "Pågår",
            Status::Delayed => "Forsinket",
            Status::Completed => "Gjennomført",
            Status::Continued => "Videreført i drift",
            Status::Cancelled => "Avsluttet",
        }
    }

    /// Open actions are still being worked on and can be overdue.
    pub fn is_open(self) -> bool {
        matches!(self, Status::NotStarted | Status::InProgress | Status::Delayed)
    }

    /// Statuses that must say why: a delay or a cancellation is reported to the council.
    pub fn needs_comment(self) -> bool {
        matches!(self, Status::Delayed | Status::Cancelled)
    }
}

/// Checks a status change against the transition table.
///
/// | from \ to            | open (NOT_STARTED, IN_PROGRESS, DELAYED) | COMPLETED | CONTINUED | CANCELLED |
/// |----------------------|------------------------------------------|-----------|-----------|-----------|
/// | open                 | yes                                      | yes       | yes       | yes       |
/// | COMPLETED            | reopening: comment                       | -         | yes       | no        |
/// | CONTINUED            | reopening: comment                       | yes       | -         | yes       |
/// | CANCELLED            | reopening: comment                       | reopening: comment | reopening: comment | - |
///
/// On top of the table, a change to DELAYED or CANCELLED always needs a comment, and a
/// change to the same status is refused (it would write a meaningless history entry).
pub fn check_transition(from: Status, to: Status, comment: Option<&str>) -> Result<(), TransitionError> {
    let has_comment = comment.is_some_and(|c| !c.trim().is_empty());
    if from == to {
        return Err(TransitionError::Unchanged(from));
    }
    if from == Status::Completed && to == Status::Cancelled {
        return Err(TransitionError::NotAllowed { from, to });
    }
    let reopening = match from {
        Status::Cancelled => true,
        Status::Completed | Status::Continued => to.is_open(),
        _ => false,
    };
    if to.needs_comment() && !has_comment {
        return Err(TransitionError::CommentRequired(to));
    }
    if reopening && !has_comment {
        return Err(TransitionError::ReopeningNeedsComment { from });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn codes_round_trip() {
        for &status in Status::ALL {
            assert_eq!(status.code().parse::<Status>(), Ok(status));
        }
        assert!("DONE".parse::<Status>().is_err());
    }

    #[test]
    fn open_statuses_move_freely() {
        assert_eq!(check_transition(NotStarted, InProgress, None), Ok(()));
        assert_eq!(check_transition(InProgress, Completed, None), Ok(()));
        assert_eq!(check_transition(Delayed, InProgress, None), Ok(()));
        assert_eq!(check_transition(InProgress, Continued, None), Ok(()));
    }

    #[test]
    fn delayed_and_cancelled_need_a_comment() {
        assert_eq!(
            check_transition(InProgress, Delayed, None),
            Err(TransitionError::CommentRequired(Delayed))
        );
        assert_eq!(
            check_transition(InProgress, Delayed, Some("  ")),
            Err(TransitionError::CommentRequired(Delayed))
        );
        assert_eq!(
            check_transition(InProgress, Cancelled, None),
            Err(TransitionError::CommentRequired(Cancelled))
        );
        assert_eq!(check_transition(InProgress, Delayed, Some("Mangler midler")), Ok(()));
    }

    #[test]
    fn reopening_needs_a_comment() {
        assert_eq!(
            check_transition(Completed, InProgress, None),
            Err(TransitionError::ReopeningNeedsComment { from: Completed })
        );
        assert_eq!(
            check_transition(Cancelled, Completed, None),
            Err(TransitionError::ReopeningNeedsComment { from: Cancelled })
        );
        assert_eq!(check_transition(Completed, InProgress, Some("Nytt behov")), Ok(()));
    }

    #[test]
    fn closed_statuses_can_be_refined_without_reopening() {
        assert_eq!(check_transition(Completed, Continued, None), Ok(()));
        assert_eq!(check_transition(Continued, Completed, None), Ok(()));
    }

    #[test]
    fn completed_cannot_be_cancelled_and_same_status_is_refused() {
        assert_eq!(
            check_transition(Completed, Cancelled, Some("x")),
            Err(TransitionError::NotAllowed {
                from: Completed,
                to: Cancelled
            })
        );
        assert_eq!(
            check_transition(InProgress, InProgress, None),
            Err(TransitionError::Unchanged(InProgress))
        );
    }
}
