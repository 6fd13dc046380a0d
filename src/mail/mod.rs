//! Email: digests rendered from the templates in `src/mail/templates` (Norwegian, text and
//! HTML), and the transports that deliver them: a folder of .eml files or SMTP.

mod smtp;
mod transport;

pub use smtp::Smtp;
pub use transport::Mailer;

use std::sync::LazyLock;

use minijinja::Environment;
use serde::Serialize;

use crate::domain::Reason;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.add_template("digest.txt", include_str!("templates/digest.txt.j2"))
        .expect("digest.txt.j2 parses");
    env.add_template("digest.html", include_str!("templates/digest.html.j2"))
        .expect("digest.html.j2 parses");
    env.add_template("sign-in.txt", include_str!("templates/sign-in.txt.j2"))
        .expect("sign-in.txt.j2 parses");
    env.add_template("sign-in.html", include_str!("templates/sign-in.html.j2"))
        .expect("sign-in.html.j2 parses");
    env
});

/// One message to one recipient, listing all their items of a run, by reason.
#[derive(Debug, Clone, Serialize)]
pub struct Digest {
    pub organization: String,
    pub recipient_name: String,
    pub recipient_email: String,
    /// Why the recipient gets it, completing "Du får denne e-posten fordi du ...".
    pub because: String,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    #[serde(skip)]
    pub reason: Reason,
    pub heading: &'static str,
    pub items: Vec<Item>,
}

/// One line of a digest: an action, and what is due about it.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Item {
    pub number: String,
    pub title: String,
    pub plan: String,
    pub unit: String,
    /// "dd.mm.åååå" or "ingen frist".
    pub deadline: String,
    pub status: String,
    /// What is due, e.g. "Fristen er om 7 dager", "Evaluering for 2025, frist 01.03.2026".
    pub note: Option<String>,
    pub link: String,
    /// The action, when the item is about one: a unit leader's item then gets a link that
    /// updates it without signing in.
    #[serde(default)]
    pub action_id: Option<uuid::Uuid>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Digest {
    /// The reason of the first section, stored on the outbox row.
    pub fn main_reason(&self) -> Reason {
        self.sections.first().map_or(Reason::Overdue, |s| s.reason)
    }

    pub fn render(&self) -> Rendered {
        let subject = self.subject();
        let context = minijinja::context! {
            subject => &subject,
            intro => self.intro(),
            ..minijinja::Value::from(minijinja::value::Serde(self))
        };
        let render = |name: &str| {
            TEMPLATES
                .get_template(name)
                .and_then(|t| t.render(&context))
                .expect("the built-in templates render any digest")
        };
        Rendered {
            text: render("digest.txt"),
            html: render("digest.html"),
            subject,
        }
    }

    /// A subject that says what is due: "tiltak: 2 frister nærmer seg, 1 tiltak har passert fristen".
    fn subject(&self) -> String {
        let parts: Vec<String> = self
            .sections
            .iter()
            .map(|section| {
                let n = section.items.len();
                let first = &section.items[0];
                match section.reason {
                    Reason::DeadlineApproaching if n == 1 => {
                        format!("Frist {} for tiltak {}", first.deadline, first.number)
                    }
                    Reason::DeadlineApproaching => format!("{n} frister nærmer seg"),
                    Reason::Overdue => format!("{n} tiltak har passert fristen"),
                    Reason::EvaluationOpen => format!("{n} {} venter", plural(n, "evaluering", "evalueringer")),
                    Reason::EvaluationOverdue => {
                        format!("{n} {} er forsinket", plural(n, "evaluering", "evalueringer"))
                    }
                    Reason::RevisionDue => format!("{} skal rulleres", first.plan),
                    Reason::TeamDigest => format!("Ukeoversikt: {n} tiltak forsinket eller på overtid"),
                    Reason::StatusChange => format!("Tiltak {} er {}", first.number, first.status.to_lowercase()),
                    Reason::NoOwner => format!("{n} {} mangler ansvarlig", plural(n, "påminnelse", "påminnelser")),
                    Reason::SignIn => "innlogging".to_owned(),
                }
            })
            .collect();
        format!("tiltak: {}", parts.join(", "))
    }

    fn intro(&self) -> &'static str {
        match self.main_reason() {
            Reason::TeamDigest => {
                "Her er ukens oversikt over tiltak som er forsinket eller har passert fristen i enhetene dere følger."
            }
            Reason::StatusChange => "Et tiltak i en enhet dere følger har fått ny status.",
            Reason::NoOwner => {
                "Disse påminnelsene nådde ingen: tiltaket mangler ansvarlig enhet, enheten mangler leder-e-post, lederteamet mangler medlemmer eller planen mangler eierenhet. Rett det opp, så går påminnelsene dit de hører hjemme."
            }
            _ => {
                "Her er det som venter på deg i oppfølgingen av planene. Oppdater status eller send inn evaluering når du har gjort det."
            }
        }
    }
}

/// The email with a one-time sign-in link.
pub fn sign_in_message(name: &str, organization: &str, link: &str, minutes: i64) -> Rendered {
    let context = minijinja::context! { name, organization, link, minutes };
    let render = |template: &str| {
        TEMPLATES
            .get_template(template)
            .and_then(|t| t.render(&context))
            .expect("the built-in templates render")
    };
    Rendered {
        subject: format!("Logg inn i tiltak ({organization})"),
        text: render("sign-in.txt"),
        html: render("sign-in.html"),
    }
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(number: &str) -> Item {
        Item {
            number: number.into(),
            title: "Foreldreveiledning <ICDP>".into(),
            plan: "Forebyggende plan".into(),
            unit: "Helsestasjonen".into(),
            deadline: "01.12.2026".into(),
            status: "Pågår".into(),
            note: Some("Fristen er om 7 dager".into()),
            link: format!("https://tiltak.kommune.no/actions/{number}"),
            action_id: None,
        }
    }

    fn digest() -> Digest {
        Digest {
            organization: "Eksempel kommune".into(),
            recipient_name: "Kari Nordmann".into(),
            recipient_email: "kari@kommune.no".into(),
            because: "leder Helsestasjonen".into(),
            sections: vec![
                Section {
                    reason: Reason::DeadlineApproaching,
                    heading: Reason::DeadlineApproaching.heading(),
                    items: vec![item("13.1"), item("13.2")],
                },
                Section {
                    reason: Reason::Overdue,
                    heading: Reason::Overdue.heading(),
                    items: vec![item("7.4")],
                },
            ],
        }
    }

    #[test]
    fn subject_says_what_is_due() {
        assert_eq!(
            digest().render().subject,
            "tiltak: 2 frister nærmer seg, 1 tiltak har passert fristen"
        );
    }

    #[test]
    fn both_parts_list_every_item_with_its_link() {
        let rendered = digest().render();
        for body in [&rendered.text, &rendered.html] {
            for number in ["13.1", "13.2", "7.4"] {
                assert!(
                    body.contains(&format!("https://tiltak.kommune.no/actions/{number}")),
                    "{body}"
                );
            }
            assert!(
                body.contains("Frist nærmer seg") && body.contains("Fristen er passert"),
                "{body}"
            );
            assert!(body.contains("01.12.2026") && body.contains("Pågår"), "{body}");
        }
        assert!(rendered.text.contains("Tiltak 13.1 Foreldreveiledning <ICDP>"));
        assert!(
            rendered.html.contains("Foreldreveiledning &lt;ICDP&gt;"),
            "HTML is escaped"
        );
    }
}
