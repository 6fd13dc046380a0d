//! Free-text and scalar input rules shared by every field.

/// A problem with one input field: the field's name as the client wrote it, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Trims and checks a text that must be present.
pub fn required_text(field: &str, value: &str, max_chars: usize) -> Result<String, FieldError> {
    optional_text(field, Some(value), max_chars)?.ok_or_else(|| FieldError::new(field, "must not be empty"))
}

/// A title or a name: [`required_text`] on one line, since it heads lists, subjects and
/// table cells where a line break would tear it apart.
pub fn required_line(field: &str, value: &str, max_chars: usize) -> Result<String, FieldError> {
    let text = required_text(field, value, max_chars)?;
    if text.contains(['\n', '\r']) {
        return Err(FieldError::new(field, "must be one line, without line breaks"));
    }
    Ok(text)
}

/// Trims and checks an optional text; blank becomes `None`.
///
/// Refuses control characters other than line breaks and tabs, texts over `max_chars`
/// characters, and texts holding a Norwegian national identity number: comments are about
/// services, never about a named child or family.
pub fn optional_text(field: &str, value: Option<&str>, max_chars: usize) -> Result<Option<String>, FieldError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    let len = value.chars().count();
    if len > max_chars {
        return Err(FieldError::new(
            field,
            format!("is {len} characters long; at most {max_chars} are allowed"),
        ));
    }
    if contains_national_id(value) {
        return Err(FieldError::new(
            field,
            "looks like it contains a national identity number (fødselsnummer or D-number); \
             write about the service, never about a named person",
        ));
    }
    Ok(Some(value.to_owned()))
}

/// A plain check of an email address's shape: one `@`, a non-empty local part and a domain
/// with a dot, no spaces. Delivery is the real test.
pub fn validate_email(field: &str, value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    let valid = value.len() <= 254
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(value.to_lowercase())
    } else {
        Err(FieldError::new(
            field,
            format!("{value:?} is not a valid email address"),
        ))
    }
}

pub fn validate_progress(field: &str, value: i32) -> Result<i32, FieldError> {
    if (0..=100).contains(&value) {
        Ok(value)
    } else {
        Err(FieldError::new(
            field,
            format!("must be between 0 and 100, got {value}"),
        ))
    }
}

/// Finds a Norwegian national identity number however it is written: 11 digits whose two
/// mod-11 check digits are right. D-numbers (first digit raised by 4) pass the same check.
///
/// The text is read after Unicode NFKC normalisation (full-width and other compatibility
/// digits become ASCII). Invisible characters (zero-width spaces and joiners, word joiner,
/// byte-order mark, soft hyphen) are skipped as if absent. Whitespace of any kind, line breaks,
/// `.`, `-` (and its look-alikes) and `/` separate digit groups without ending the number, so `01.01.90 12345`,
/// `010190-12345` and `010 190 123 45` are all found. A candidate is a whole number of
/// consecutive groups holding exactly 11 digits; a group of more than 11 digits (a longer
/// digit run such as an account or phone number) is never cut into a candidate.
///
/// One pass over the text with a few bytes of state: linear in its length, no backtracking.
fn contains_national_id(text: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;

    let mut scan = IdScan::default();
    text.nfkc().any(|c| scan.push(c)) || scan.end_group()
}

/// The state of [`contains_national_id`]'s scan: the last 11 digits of the current sequence of
/// digit groups and the lengths of its last groups (each at least 1 digit, so at most 11 of
/// them can end a candidate).
#[derive(Default)]
struct IdScan {
    digits: [u8; 11],
    /// Length of the group being read; 0 between groups.
    group: usize,
    /// Lengths of the completed groups of the current sequence, newest last, at most 11.
    groups: Vec<usize>,
}

impl IdScan {
    /// Takes one character; `true` once a valid number has ended.
    fn push(&mut self, c: char) -> bool {
        if c.is_ascii_digit() {
            self.digits.rotate_left(1);
            self.digits[10] = c as u8 - b'0';
            self.group = self.group.saturating_add(1);
            false
        } else if is_invisible(c) {
            false
        } else if c.is_whitespace() || is_separator(c) {
            self.end_group()
        } else {
            let found = self.end_group();
            self.groups.clear();
            found
        }
    }

    /// Closes the group being read and checks every run of whole groups ending with it that
    /// holds exactly 11 digits.
    fn end_group(&mut self) -> bool {
        let group = std::mem::take(&mut self.group);
        if group == 0 {
            return false;
        }
        if group > 11 {
            // A longer digit run: no candidate may include it.
            self.groups.clear();
            return false;
        }
        if self.groups.len() == 11 {
            self.groups.remove(0);
        }
        self.groups.push(group);
        let mut total = 0;
        for length in self.groups.iter().rev() {
            total += length;
            if total == 11 {
                // The groups' digits are the last 11 read.
                return has_valid_check_digits(&self.digits);
            }
            if total > 11 {
                break;
            }
        }
        false
    }
}

/// Punctuation written between digit groups: dot, slash, and the hyphen with its Unicode
/// look-alikes (hyphen, non-breaking hyphen, figure dash, en and em dash, minus sign).
fn is_separator(c: char) -> bool {
    matches!(c, '.' | '-' | '/' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

/// Characters that show nothing: zero-width space, non-joiner and joiner, word joiner,
/// byte-order mark (zero-width no-break space) and soft hyphen.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{AD}')
}

/// `digits` are the 11 digit values (0-9), not ASCII.
fn has_valid_check_digits(digits: &[u8; 11]) -> bool {
    let d = digits.map(u32::from);
    let check = |weights: &[u32]| {
        let sum: u32 = weights.iter().zip(&d).map(|(w, x)| w * x).sum();
        match 11 - sum % 11 {
            11 => Some(0),
            10 => None,
            k => Some(k),
        }
    };
    check(&[3, 7, 6, 1, 8, 9, 4, 5, 2]) == Some(d[9]) && check(&[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) == Some(d[10])
}

#[cfg(test)]
mod tests {
    use super::*;

    use rand::{Rng, SeedableRng, rngs::StdRng};

    // Synthetic numbers with valid check digits (no real persons): a birth number and a D-number.
    const VALID_FNR: &str = "01010112377";
    const VALID_DNR: &str = "41010112360";

    fn digits(number: &str) -> [u8; 11] {
        let bytes: [u8; 11] = number.as_bytes().try_into().unwrap();
        bytes.map(|b| b - b'0')
    }

    fn refused(text: &str) -> bool {
        match optional_text("comment", Some(text), 1000) {
            Ok(_) => false,
            Err(err) => {
                assert_eq!(err.field, "comment");
                assert!(err.message.contains("national identity number"), "{err}");
                true
            }
        }
    }

    #[test]
    fn synthetic_numbers_have_valid_check_digits() {
        assert!(has_valid_check_digits(&digits(VALID_FNR)));
        assert!(has_valid_check_digits(&digits(VALID_DNR)));
        assert!(!has_valid_check_digits(&digits("01010112345")));
    }

    #[test]
    fn refuses_text_with_a_national_id() {
        for text in [
            format!("Gjelder barn {VALID_FNR}."),
            VALID_DNR.to_string(),
            "Saken 010101 12377 er fulgt opp".to_string(),
            "Født 01.01.01 12377, se saken".to_string(),
            "fnr:01010112377".to_string(),
            "Nr. 010101\r\n12377".to_string(),
        ] {
            assert!(refused(&text), "{text:?}");
        }
    }

    #[test]
    fn accepts_numbers_that_fail_the_checksum_or_are_longer() {
        for text in [
            "Saksnummer 01010112345",
            "Tlf 12345678901234",
            "Budsjett 2024: 120000",
            // The valid number inside a longer digit run, however the run is grouped.
            "Ref 9901010112377",
            "Ref 01010112377123 44",
            "Periode 01.01.2024-31.12.2026",
        ] {
            assert!(!refused(text), "{text}");
        }
    }

    /// A random synthetic number with valid check digits: a plausible birth date (a D-number
    /// one time in four) and a random individual number.
    fn synthetic_number(rng: &mut StdRng) -> String {
        loop {
            let day = rng.random_range(1..=28) + if rng.random_bool(0.25) { 40 } else { 0 };
            let month = rng.random_range(1..=12);
            let year = rng.random_range(0..=99);
            let individual = rng.random_range(0..=999);
            let mut number = format!("{day:02}{month:02}{year:02}{individual:03}00");
            let mut d = digits(&number);
            for (position, weights) in [
                (9, &[3, 7, 6, 1, 8, 9, 4, 5, 2][..]),
                (10, &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2][..]),
            ] {
                let sum: u32 = weights.iter().zip(&d).map(|(w, x)| w * u32::from(*x)).sum();
                d[position] = ((11 - sum % 11) % 11) as u8;
            }
            if d[9] < 10 && d[10] < 10 {
                number = d.iter().map(|x| char::from(b'0' + x)).collect();
                assert!(has_valid_check_digits(&d));
                return number;
            }
        }
    }

    /// The same number with one check digit changed: the first (which the first nine digits
    /// fix) or the second (which the first ten fix), so it can never be valid.
    fn wrong_check_digit(number: &str, rng: &mut StdRng) -> String {
        let mut d = digits(number);
        let position = if rng.random_bool(0.5) { 9 } else { 10 };
        d[position] = (d[position] + rng.random_range(1..=9)) % 10;
        assert!(!has_valid_check_digits(&d));
        d.iter().map(|x| char::from(b'0' + x)).collect()
    }

    /// The ways a number was written to slip past the old guard, each in a sentence.
    fn evasion_forms(n: &str) -> Vec<String> {
        let (date, person) = n.split_at(6);
        let (dd, mm, yy) = (&n[0..2], &n[2..4], &n[4..6]);
        let full_width: String = n
            .chars()
            .map(|c| char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap())
            .collect();
        let zero_width_everywhere: String = n.chars().flat_map(|c| [c, '\u{200B}']).collect();
        [
            n.to_owned(),
            format!("{date} {person}"),
            format!("{dd}.{mm}.{yy} {person}"),
            format!("{date}-{person}"),
            format!("{date}.{person}"),
            format!("{date}  {person}"),
            format!("{date}\u{A0}{person}"),
            format!("{date}\u{200B}{person}"),
            zero_width_everywhere,
            full_width,
            format!("{date}\n{person}"),
            format!("{date}\r\n{person}"),
            format!("{} {} {} {}", &n[0..3], &n[3..6], &n[6..9], &n[9..11]),
            format!("{dd}/{mm}/{yy} {person}"),
            format!("{date} \u{2013} {person}"),
        ]
        .into_iter()
        .map(|form| format!("Gjelder barnet {form}, se saken."))
        .collect()
    }

    #[test]
    fn every_evasion_form_of_a_valid_number_is_refused_and_of_a_wrong_one_accepted() {
        let mut rng = StdRng::seed_from_u64(11);
        for _ in 0..10_000 {
            let valid = synthetic_number(&mut rng);
            let wrong = wrong_check_digit(&valid, &mut rng);
            for text in evasion_forms(&valid) {
                assert!(refused(&text), "{text:?} must be refused");
            }
            for text in evasion_forms(&wrong) {
                assert!(!refused(&text), "{text:?} has a wrong check digit and must be accepted");
            }
        }
    }

    #[test]
    fn trims_and_limits() {
        assert_eq!(required_text("title", "  Tittel ", 10), Ok("Tittel".into()));
        assert_eq!(
            required_text("title", "   ", 10).unwrap_err().message,
            "must not be empty"
        );
        assert!(
            required_text("title", "abcdefghijk", 10)
                .unwrap_err()
                .message
                .contains("at most 10")
        );
        assert!(
            required_text("title", "a\u{0}b", 10)
                .unwrap_err()
                .message
                .contains("control")
        );
        assert_eq!(optional_text("comment", Some(" "), 10), Ok(None));
        assert_eq!(
            optional_text("comment", Some("linje 1\nlinje 2"), 100)
                .unwrap()
                .unwrap(),
            "linje 1\nlinje 2"
        );
    }

    #[test]
    fn checks_emails() {
        assert_eq!(
            validate_email("email", " Kari@Kommune.no "),
            Ok("kari@kommune.no".into())
        );
        for bad in [
            "kari",
            "kari@",
            "@kommune.no",
            "kari@kommune",
            "ka ri@kommune.no",
            "a@b@c.no",
        ] {
            assert!(validate_email("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn progress_is_a_percentage() {
        assert_eq!(validate_progress("progress", 100), Ok(100));
        assert!(validate_progress("progress", 101).is_err());
        assert!(validate_progress("progress", -1).is_err());
    }
}
