use std::{fmt, str::FromStr};

/// The address of an action in its plan: chapter number and number within the chapter,
/// written "13.6". Sorts numerically, so 13.9 comes before 13.10.
///
/// A plan without chapters keeps its actions in chapter 0, and they are written plainly ("4").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActionNumber {
    pub chapter: u32,
    pub number: u32,
}

impl ActionNumber {
    pub fn new(chapter: u32, number: u32) -> Self {
        Self { chapter, number }
    }
}

impl fmt::Display for ActionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.chapter == 0 {
            write!(f, "{}", self.number)
        } else {
            write!(f, "{}.{}", self.chapter, self.number)
        }
    }
}

impl FromStr for ActionNumber {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{s:?} is not an action number like \"13.6\"");
        let part = |p: &str| -> Result<u32, String> {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            p.parse().map_err(|_| bad())
        };
        let s = s.trim();
        let number = match s.split_once('.') {
            Some((chapter, number)) => ActionNumber::new(part(chapter)?, part(number)?),
            None => ActionNumber::new(0, part(s)?),
        };
        if number.number == 0 {
            return Err(bad());
        }
        Ok(number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let n: ActionNumber = "13.6".parse().unwrap();
        assert_eq!(n, ActionNumber::new(13, 6));
        assert_eq!(n.to_string(), "13.6");
        assert_eq!("4".parse::<ActionNumber>().unwrap().to_string(), "4");
    }

    #[test]
    fn sorts_numerically() {
        let mut numbers: Vec<ActionNumber> = ["13.10", "13.9", "7.1", "13.1"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        numbers.sort();
        let printed: Vec<String> = numbers.iter().map(ToString::to_string).collect();
        assert_eq!(printed, ["7.1", "13.1", "13.9", "13.10"]);
    }

    #[test]
    fn refuses_garbage() {
        for bad in [
            "",
            "13.",
            ".6",
            "13.6.1",
            "a.b",
            "13.0",
            "-1.2",
            "13,6",
            "99999999999.1",
        ] {
            assert!(bad.parse::<ActionNumber>().is_err(), "{bad} should not parse");
        }
    }
}
