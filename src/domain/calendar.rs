use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::FieldError;
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

/// The years a plan's dates may fall in: anything outside is a typing error (1900-01-01,
/// 20260-12-31), not a deadline.
pub const DATE_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Parses a date as written in ISO form (2026-12-31) or the Norwegian way (31.12.2026, also
/// 1.2.2026), within [`DATE_YEARS`]. ISO dates need two-digit months and days, so a
/// half-written 2026-2-3 is refused rather than guessed at.
pub fn parse_date(field: &str, value: &str) -> Result<NaiveDate, FieldError> {
    let value = value.trim();
    let digits = |part: &str, lengths: std::ops::RangeInclusive<usize>| {
        lengths.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
    };
    let iso = value.split('-').collect::<Vec<_>>();
    let norwegian = value.split('.').collect::<Vec<_>>();
    let parsed = match (iso.as_slice(), norwegian.as_slice()) {
        ([y, m, d], _) if digits(y, 4..=4) && digits(m, 2..=2) && digits(d, 2..=2) => {
            NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()
        }
        (_, [d, m, y]) if digits(d, 1..=2) && digits(m, 1..=2) && digits(y, 4..=4) => {
            NaiveDate::parse_from_str(value, "%d.%m.%Y").ok()
        }
        _ => None,
    };
    let date = parsed.ok_or_else(|| {
        FieldError::new(
            field,
            format!("{value:?} is not a date: write it as 2026-12-31 or 31.12.2026"),
        )
    })?;
    check_date(field, date)
}

/// Refuses a date outside [`DATE_YEARS`], naming the field.
pub fn check_date(field: &str, date: NaiveDate) -> Result<NaiveDate, FieldError> {
    if DATE_YEARS.contains(&date.year()) {
        Ok(date)
    } else {
        Err(FieldError::new(
            field,
            format!(
                "{} is outside the years {} to {}",
                date.format("%d.%m.%Y"),
                DATE_YEARS.start(),
                DATE_YEARS.end()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_iso_or_norwegian_and_within_the_plan_years() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        assert_eq!(parse_date("deadline", "2026-12-31"), Ok(day));
        assert_eq!(parse_date("deadline", "31.12.2026"), Ok(day));
        assert_eq!(
            parse_date("deadline", "3.2.2026"),
            Ok(NaiveDate::from_ymd_opt(2026, 2, 3).unwrap())
        );
        for bad in [
            "2026-2-3",
            "31.13.2026",
            "1900-01-01",
            "i morgen",
            "2026-12-31T00:00",
            "31.12.26",
        ] {
            let error = parse_date("deadline", bad).unwrap_err();
            assert_eq!(error.field, "deadline", "{bad}");
        }
        assert!(
            parse_date("deadline", "1900-01-01")
                .unwrap_err()
                .message
                .contains("2000 to 2100")
        );
    }
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
