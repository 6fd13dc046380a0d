use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// Deadlines and report years are calendar dates in the municipality's time zone.
pub const OSLO: Tz = chrono_tz::Europe::Oslo;

/// The calendar date in Norway at the given instant.
pub fn today_in_oslo(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&OSLO).date_naive()
}

/// An open action whose deadline has passed (the deadline day itself is not overdue).
pub fn is_overdue(deadline: Option<NaiveDate>, open: bool, today: NaiveDate) -> bool {
    open && deadline.is_some_and(|d| d < today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn late_evening_utc_is_already_tomorrow_in_oslo() {
        let now = Utc.with_ymd_and_hms(2026, 6, 30, 22, 30, 0).unwrap();
        assert_eq!(today_in_oslo(now), NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
        let winter = Utc.with_ymd_and_hms(2026, 12, 31, 22, 30, 0).unwrap();
        assert_eq!(today_in_oslo(winter), NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
    }

    #[test]
    fn overdue_only_after_the_deadline_day_and_while_open() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert!(!is_overdue(Some(day), true, day));
        assert!(is_overdue(Some(day), true, day.succ_opt().unwrap()));
        assert!(!is_overdue(Some(day), false, day.succ_opt().unwrap()));
        assert!(!is_overdue(None, true, day));
    }
}
