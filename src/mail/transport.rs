//! Delivery of outbox rows: a folder of .eml files (the default, no server needed) or SMTP.

use std::{path::PathBuf, time::Duration};

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
    transport::smtp::{
        authentication::Credentials,
        client::{Tls, TlsParameters},
    },
};

use crate::{
    config::{MailSettings, MailTransport, SmtpTls},
    entities::notification,
};

#[derive(Clone)]
pub enum Mailer {
    /// One `<notification id>.eml` per message: sending the same row again overwrites its file.
    File(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl Mailer {
    pub fn from_settings(settings: &MailSettings) -> anyhow::Result<Self> {
        Ok(match settings.transport {
            MailTransport::File => Mailer::File(PathBuf::from(&settings.outbox_dir)),
            MailTransport::Smtp => {
                let smtp = &settings.smtp;
                let tls = match smtp.tls {
                    SmtpTls::None => Tls::None,
                    SmtpTls::Starttls => Tls::Required(TlsParameters::new(smtp.host.clone())?),
                    SmtpTls::Tls => Tls::Wrapper(TlsParameters::new(smtp.host.clone())?),
                };
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
                    .port(smtp.port)
                    .tls(tls)
                    .timeout(Some(Duration::from_secs(30)));
                if !smtp.username.is_empty() {
                    builder = builder.credentials(Credentials::new(
                        smtp.username.clone(),
                        smtp.password.expose().to_owned(),
                    ));
                }
                Mailer::Smtp(builder.build())
            }
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
            Mailer::Smtp(transport) => transport.send(message).await.map(drop).map_err(|e| e.to_string()),
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
