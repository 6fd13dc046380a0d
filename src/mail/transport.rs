//! Delivery of outbox rows: a folder of .eml files (the default, no server needed) or SMTP.

use std::{path::PathBuf, sync::Arc};

use lettre::{
    Message,
    message::{Mailbox, MultiPart},
};

use super::smtp::Smtp;
use crate::{
    config::{MailSettings, MailTransport},
    entities::notification,
};

#[derive(Clone)]
pub enum Mailer {
    /// One `<notification id>.eml` per message: sending the same row again overwrites its file.
    File(PathBuf),
    /// Connections kept open between messages, at most `mail.parallel_sends`.
    Smtp(Arc<Smtp>),
}

impl Mailer {
    pub fn from_settings(settings: &MailSettings) -> anyhow::Result<Self> {
        Ok(match settings.transport {
            MailTransport::File => Mailer::File(PathBuf::from(&settings.outbox_dir)),
            MailTransport::Smtp => Mailer::Smtp(Smtp::new(&settings.smtp, settings.parallel_sends)?),
        })
    }

    /// Sends one outbox row. The error text is stored on the row when sending fails.
    pub async fn send(&self, from: &str, row: &notification::Model) -> Result<(), String> {
        let message = message(from, row)?;
        match self {
            Mailer::File(dir) => {
                let write = async {
                    tokio::fs::create_dir_all(dir).await?;
                    let path = dir.join(format!("{}.eml", row.id));
                    let partial = dir.join(format!(".{}.eml.partial", row.id));
                    tokio::fs::write(&partial, message.formatted()).await?;
                    tokio::fs::rename(&partial, &path).await
                };
                write
                    .await
                    .map_err(|e| format!("cannot write to the outbox folder {}: {e}", dir.display()))
            }
            Mailer::Smtp(smtp) => smtp.send(&message).await,
        }
    }
}

/// A multipart (text + HTML) message whose Message-ID is the row's id, so a receiver can
/// recognise a message it already has.
fn message(from: &str, row: &notification::Model) -> Result<Message, String> {
    let from: Mailbox = from.parse().map_err(|e| format!("mail.from {from:?}: {e}"))?;
    let to: Mailbox = row
        .recipient
        .parse()
        .map_err(|e| format!("recipient {:?}: {e}", row.recipient))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(&row.subject)
        .message_id(Some(format!("<{}@tiltak>", row.id)))
        .multipart(MultiPart::alternative_plain_html(
            row.body_text.clone(),
            row.body_html.clone(),
        ))
        .map_err(|e| e.to_string())
}
