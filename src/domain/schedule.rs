//! Cron expressions of the `cron` crate (sec min hour day month weekday [year]), read as
//! wall-clock time in Europe/Oslo, so "0 0 7 * * *" is 07:00 in summer and in winter.

use std::str::FromStr;

use chrono::{DateTime, Duration, DurationRound, Utc};
use cron::Schedule;

use super::OSLO;

/// A parsed cron expression; `Display` gives the expression back.
#[derive(Debug, Clone)]
pub struct CronSchedule(Schedule);

impl FromStr for CronSchedule {
    type Err = String;

    fn from_str(expr: &str) -> Result<Self, Self::Err> {
        Schedule::from_str(expr.trim())
            .map(CronSchedule)
            .map_err(|e| format!("{expr:?} is not a cron expression (sec min hour day month weekday [year]): {e}"))
    }
}

impl std::fmt::Display for CronSchedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.source())
    }
}

impl CronSchedule {
    /// The latest occurrence at or before `now`, if any. `now` is cut to its whole second
    /// first: at 06:59:59.2 a job of 07:00:00 is not due yet.
    pub fn latest_at_or_before(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let whole = now.duration_trunc(Duration::seconds(1)).unwrap_or(now);
        let just_after = (whole + Duration::seconds(1)).with_timezone(&OSLO);
        self.0.after(&just_after).next_back().map(|t| t.with_timezone(&Utc))
    }

    /// The latest occurrence in `(after, now]`: the one run to catch up, however many were missed.
    pub fn due_between(&self, after: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.latest_at_or_before(now).filter(|t| *t > after)
    }

    /// The first occurrence after `t`.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.0
            .after(&t.with_timezone(&OSLO))
            .next()
            .map(|t| t.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn seven_in_the_morning_stays_local_across_both_dst_changes() {
        let daily: CronSchedule = "0 0 7 * * *".parse().unwrap();
        // Summer time starts on Sunday 29 March 2026 and ends on Sunday 25 October 2026.
        let spring: Vec<_> = std::iter::successors(daily.next_after(utc(2026, 3, 27, 12, 0)), |t| daily.next_after(*t))
            .take(3)
            .collect();
        assert_eq!(
            spring,
            [utc(2026, 3, 28, 6, 0), utc(2026, 3, 29, 5, 0), utc(2026, 3, 30, 5, 0)]
        );
        let autumn: Vec<_> =
            std::iter::successors(daily.next_after(utc(2026, 10, 24, 12, 0)), |t| daily.next_after(*t))
                .take(2)
                .collect();
        assert_eq!(autumn, [utc(2026, 10, 25, 6, 0), utc(2026, 10, 26, 6, 0)]);
    }

    #[test]
    fn a_fraction_of_a_second_before_the_moment_is_not_the_moment() {
        let daily: CronSchedule = "0 0 7 * * *".parse().unwrap();
        let moment = utc(2026, 12, 1, 6, 0);
        let early = moment - Duration::milliseconds(800);
        assert_eq!(daily.latest_at_or_before(early), Some(moment - Duration::days(1)));
        assert_eq!(daily.latest_at_or_before(moment), Some(moment));
        assert_eq!(
            daily.latest_at_or_before(moment + Duration::milliseconds(999)),
            Some(moment)
        );
    }

    #[test]
    fn latest_occurrence_includes_the_moment_itself() {
        let daily: CronSchedule = "0 0 7 * * *".parse().unwrap();
        assert_eq!(
            daily.latest_at_or_before(utc(2026, 1, 5, 6, 0)),
            Some(utc(2026, 1, 5, 6, 0))
        );
        assert_eq!(
            daily.latest_at_or_before(utc(2026, 1, 5, 5, 59)),
            Some(utc(2026, 1, 4, 6, 0))
        );
    }

    #[test]
    fn a_long_gap_is_caught_up_once_with_the_latest_occurrence() {
        let daily: CronSchedule = "0 0 7 * * *".parse().unwrap();
        let due = daily.due_between(utc(2026, 1, 1, 6, 0), utc(2026, 1, 9, 12, 0));
        assert_eq!(due, Some(utc(2026, 1, 9, 6, 0)));
        assert_eq!(daily.due_between(utc(2026, 1, 9, 6, 0), utc(2026, 1, 9, 12, 0)), None);
    }

    #[test]
    fn biennial_revision_falls_in_odd_years_from_2025() {
        let revision: CronSchedule = "0 0 8 1 9 * 2025/2".parse().unwrap();
        let day = |y| revision.due_between(utc(y, 8, 31, 0, 0), utc(y, 9, 1, 12, 0));
        assert_eq!(day(2025), Some(utc(2025, 9, 1, 6, 0)));
        assert_eq!(day(2026), None);
        assert_eq!(day(2027), Some(utc(2027, 9, 1, 6, 0)));
    }

    #[test]
    fn nonsense_is_refused_with_the_expression() {
        let err = "every monday".parse::<CronSchedule>().unwrap_err();
        assert!(err.contains("\"every monday\""), "{err}");
    }
}
