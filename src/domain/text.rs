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

/// Finds 11 digits (optionally written "DDMMYY NNNNN") standing alone whose two mod-11 check
/// digits are right. D-numbers (first digit raised by 4) pass the same check.
fn contains_national_id(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let run_end = |from: usize| {
            (from..bytes.len())
                .find(|&j| !bytes[j].is_ascii_digit())
                .unwrap_or(bytes.len())
        };
        let end = run_end(i);
        let candidate: Option<Vec<u8>> = match end - i {
            11 => Some(bytes[i..end].to_vec()),
            6 if bytes.get(end) == Some(&b' ') && run_end(end + 1) == end + 6 => {
                Some([&bytes[i..end], &bytes[end + 1..end + 6]].concat())
            }
            _ => None,
        };
        if candidate.is_some_and(|digits| has_valid_check_digits(&digits)) {
            return true;
        }
        i = end;
    }
    false
}

fn has_valid_check_digits(digits: &[u8]) -> bool {
    let d: Vec<u32> = digits.iter().map(|b| u32::from(b - b'0')).collect();
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

    // Synthetic numbers with valid check digits (no real persons): a birth number and a D-number.
    const VALID_FNR: &str = "01010112377";
    const VALID_DNR: &str = "41010112360";

    #[test]
    fn synthetic_numbers_have_valid_check_digits() {
        assert!(has_valid_check_digits(VALID_FNR.as_bytes()));
        assert!(has_valid_check_digits(VALID_DNR.as_bytes()));
        assert!(!has_valid_check_digits(b"01010112345"));
    }

    #[test]
    fn refuses_text_with_a_national_id() {
        for text in [
            format!("Gjelder barn {VALID_FNR}."),
            format!("{VALID_DNR}"),
            "Saken 010101 12377 er fulgt opp".to_string(),
        ] {
            let err = optional_text("comment", Some(&text), 1000).unwrap_err();
            assert_eq!(err.field, "comment");
            assert!(err.message.contains("national identity number"), "{err}");
        }
    }

    #[test]
    fn accepts_numbers_that_fail_the_checksum_or_are_longer() {
        for text in ["Saksnummer 01010112345", "Tlf 12345678901234", "Budsjett 2024: 120000"] {
            assert!(optional_text("comment", Some(text), 1000).is_ok(), "{text}");
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
