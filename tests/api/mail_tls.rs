//! SMTP delivery over TLS to a real server on loopback: STARTTLS and implicit TLS with AUTH,
//! the operator's own CA (`mail.smtp.ca_certificate`), and a server that is not trusted.

use std::process::Command;

use serde_json::Value;
use tiltak::{
    config::{MailTransport, Secret, Settings, SmtpTls},
    jobs::Job,
    mail::Mailer,
};

use crate::{
    helpers::{BIN, Db, OutputWithin, TestApp},
    smtp_sink::{Login, RequireAuth, Security, SmtpSink, TestCa},
};

const USERNAME: &str = "tiltak@kommune.no";
const PASSWORD: &str = "hemmelig æøå passord";

/// A sink that secures sessions with `security` and takes only the account above, offering
/// the AUTH `mechanisms`.
async fn sink(security: Security, mechanisms: &'static str) -> SmtpSink {
    let auth = RequireAuth {
        mechanisms,
        username: USERNAME.to_owned(),
        password: PASSWORD.to_owned(),
    };
    SmtpSink::start_with(security, Some(auth)).await
}

/// An app that sends through `sink` at 127.0.0.1 with `tls` and the account above, trusting
/// `ca_certificate` (a path, or empty) besides the built-in roots.
async fn app(sink: &SmtpSink, tls: SmtpTls, ca_certificate: String) -> TestApp {
    TestApp::spawn_with(Db::Sqlite, |s| {
        s.mail.transport = MailTransport::Smtp;
        s.mail.smtp.host = "127.0.0.1".into();
        s.mail.smtp.port = sink.port;
        s.mail.smtp.tls = tls;
        s.mail.smtp.username = USERNAME.into();
        s.mail.smtp.password = Secret::new(PASSWORD);
        s.mail.smtp.ca_certificate = ca_certificate;
    })
    .await
    .unwrap()
}

/// One deadline reminder to the unit leader (buv@kommune.no), dispatched; its outbox row.
async fn send_one_reminder(app: &TestApp) -> (tiltak::services::outbox::Dispatched, Value) {
    let f = app.fixture().await;
    app.set_deadline(&f.action_id, "2026-12-08").await;
    app.run_job(Job::DeadlineReminders, "2026-12-01T07:00:00+01:00")
        .await
        .unwrap();
    let dispatched = app.dispatch("2026-12-01T07:00:10+01:00").await;
    let rows = app.notifications().await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    (dispatched, rows[0].clone())
}

/// The message arrived whole: the row's recipient (envelope and header), subject and
/// Message-ID, and its text part, decoded, is the row's text.
fn assert_is_the_rows_message(message: &str, row: &Value) {
    assert!(message.contains("From: tiltak <tiltak@localhost>\r\n"), "{message}");
    assert!(message.contains("To: Leder <buv@kommune.no>\r\n"), "{message}");
    assert!(
        message.contains(&format!("Subject: {}\r\n", row["subject"].as_str().unwrap())),
        "{message}"
    );
    assert!(
        row["subject"].as_str().unwrap().starts_with("tiltak: Frist 08.12.2026"),
        "{row}"
    );
    assert!(
        message.contains(&format!("Message-ID: <{}@tiltak>\r\n", row["id"].as_str().unwrap())),
        "{message}"
    );
    assert!(message.contains("Content-Type: text/html"), "{message}");
    assert_eq!(
        text_part(message).replace("\r\n", "\n").trim_end(),
        row["bodyText"].as_str().unwrap().replace("\r\n", "\n").trim_end()
    );
}

/// STARTTLS on the submission port with AUTH, the relay's certificate issued by the
/// operator's own CA: the message goes inside TLS, after AUTH PLAIN with the configured
/// account, to the right recipient.
#[tokio::test]
async fn starttls_with_auth_delivers_the_message_inside_tls() {
    let ca = TestCa::generate();
    let dir = tempfile::tempdir().unwrap();
    let sink = sink(ca.starttls(), "PLAIN LOGIN").await;
    let app = app(&sink, SmtpTls::Starttls, ca.write_ca(dir.path())).await;

    let (dispatched, row) = send_one_reminder(&app).await;
    assert_eq!(
        (dispatched.sent, dispatched.retrying, dispatched.failed),
        (1, 0, 0),
        "{row}"
    );
    assert_eq!(
        (row["status"].as_str(), row["attempts"].as_i64()),
        (Some("SENT"), Some(1)),
        "{row}"
    );
    let deliveries = sink.deliveries();
    assert_eq!(deliveries.len(), 1);
    let delivery = &deliveries[0];
    assert_eq!(delivery.tls, Some("STARTTLS"));
    assert_eq!(
        delivery.login,
        Some(Login {
            mechanism: "PLAIN".into(),
            username: USERNAME.into(),
            password: PASSWORD.into(),
        })
    );
    assert_eq!(delivery.mail_from, "tiltak@localhost");
    assert_eq!(delivery.rcpt_to, vec!["buv@kommune.no".to_owned()]);
    assert_is_the_rows_message(&delivery.data, &row);
    assert_eq!(sink.handshake_failures(), 0);
}

/// TLS from the first byte (SMTPS, port 465 in real life), with a server that offers only
/// AUTH LOGIN.
#[tokio::test]
async fn implicit_tls_delivers_the_message_after_auth_login() {
    let ca = TestCa::generate();
    let dir = tempfile::tempdir().unwrap();
    let sink = sink(ca.implicit(), "LOGIN").await;
    let app = app(&sink, SmtpTls::Tls, ca.write_ca(dir.path())).await;

    let (dispatched, row) = send_one_reminder(&app).await;
    assert_eq!(
        (dispatched.sent, dispatched.retrying, dispatched.failed),
        (1, 0, 0),
        "{row}"
    );
    assert_eq!(row["status"], "SENT", "{row}");
    let deliveries = sink.deliveries();
    assert_eq!(deliveries.len(), 1);
    let delivery = &deliveries[0];
    assert_eq!(delivery.tls, Some("TLS"));
    assert_eq!(
        delivery.login,
        Some(Login {
            mechanism: "LOGIN".into(),
            username: USERNAME.into(),
            password: PASSWORD.into(),
        })
    );
    assert_eq!(delivery.rcpt_to, vec!["buv@kommune.no".to_owned()]);
    assert_is_the_rows_message(&delivery.data, &row);
}

/// A server whose certificate no trusted CA issued (here: `mail.smtp.ca_certificate` left
/// empty, so only the built-in roots count) gets nothing: not the password, not the
/// message. The row waits for a retry with the certificate error.
#[tokio::test]
async fn a_server_certificate_not_trusted_fails_the_send_and_nothing_is_sent() {
    for (tls, security) in [
        (SmtpTls::Starttls, TestCa::generate().starttls()),
        (SmtpTls::Tls, TestCa::generate().implicit()),
    ] {
        let sink = sink(security, "PLAIN LOGIN").await;
        let app = app(&sink, tls, String::new()).await;

        let (dispatched, row) = send_one_reminder(&app).await;
        assert_eq!((dispatched.sent, dispatched.retrying), (0, 1), "{tls:?}: {row}");
        assert_eq!(
            (row["status"].as_str(), row["attempts"].as_i64()),
            (Some("PENDING"), Some(1)),
            "{row}"
        );
        let error = row["lastError"].as_str().unwrap();
        assert!(
            error.contains("certificate") && error.contains("UnknownIssuer"),
            "{tls:?}: {error}"
        );
        assert!(sink.sessions() >= 1, "{tls:?}: the client did connect");
        // The client gives up as soon as it has seen the certificate; the sink notices a
        // moment later.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while sink.handshake_failures() == 0 && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(
            sink.handshake_failures(),
            1,
            "{tls:?}: the client broke off the handshake"
        );
        assert!(sink.logins().is_empty(), "{tls:?}: no AUTH outside TLS");
        assert!(sink.deliveries().is_empty(), "{tls:?}");
    }
}

/// A CA file that cannot be used stops `tiltak serve` before it listens, naming the setting.
#[test]
fn serve_refuses_to_start_when_the_ca_certificate_file_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("finnes-ikke.pem");
    let output = Command::new(BIN)
        .current_dir(dir.path())
        .env(
            "TILTAK_DATABASE__URL",
            format!("sqlite://{}/tiltak.db?mode=rwc", dir.path().display()),
        )
        .env("TILTAK_HTTP__ADDR", "127.0.0.1:0")
        .env("TILTAK_MAIL__TRANSPORT", "smtp")
        .env("TILTAK_MAIL__SMTP__CA_CERTIFICATE", &missing)
        .env_remove("RUST_LOG")
        .arg("serve")
        .output_within()
        .unwrap();
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("mail.smtp.ca_certificate: cannot read {}", missing.display())),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("tiltak is running"));
}

/// A file that is not PEM certificates (a key, a broken PEM block, a PEM block that is no
/// certificate) is refused when the mailer is made, with the setting and the file named.
#[test]
fn a_ca_certificate_file_without_a_usable_certificate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap().serialize_pem();
    let cases = [
        ("key.pem", key, "holds no certificate"),
        (
            "broken.pem",
            "-----BEGIN CERTIFICATE-----\n!!! ikke base64 !!!\n-----END CERTIFICATE-----\n".to_owned(),
            "is not a PEM file of certificates",
        ),
        (
            "not-der.pem",
            "-----BEGIN CERTIFICATE-----\naWtrZSBldCBzZXJ0aWZpa2F0\n-----END CERTIFICATE-----\n".to_owned(),
            "does not hold valid certificates",
        ),
    ];
    for (name, content, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let mut mail = Settings::defaults().mail;
        mail.transport = MailTransport::Smtp;
        mail.smtp.tls = SmtpTls::Starttls;
        mail.smtp.ca_certificate = path.display().to_string();
        let Err(error) = Mailer::from_settings(&mail) else {
            panic!("{name} was accepted");
        };
        let error = format!("{error:#}");
        assert!(error.starts_with("mail.smtp.ca_certificate: "), "{name}: {error}");
        assert!(
            error.contains(&path.display().to_string()) && error.contains(expected),
            "{name}: {error}"
        );
    }
    // The same setting with the CA's certificate is accepted.
    let mut mail = Settings::defaults().mail;
    mail.transport = MailTransport::Smtp;
    mail.smtp.ca_certificate = TestCa::generate().write_ca(dir.path());
    assert!(Mailer::from_settings(&mail).is_ok());
}

/// The text/plain part of a message as sent, its transfer encoding undone.
fn text_part(message: &str) -> String {
    let boundary = message
        .split_once("boundary=\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .expect("a multipart message")
        .0;
    let start = message.find("Content-Type: text/plain").expect("a text part");
    let (headers, rest) = message[start..].split_once("\r\n\r\n").expect("part headers end");
    let end = rest
        .find(&format!("\r\n--{boundary}"))
        .expect("the part ends at the boundary");
    let body = &rest[..end];
    let encoding = headers
        .lines()
        .find_map(|l| l.strip_prefix("Content-Transfer-Encoding: "))
        .unwrap_or("7bit");
    match encoding {
        "7bit" | "8bit" => body.to_owned(),
        "base64" => {
            use base64::Engine as _;
            let joined: String = body.split_whitespace().collect();
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(joined).unwrap()).unwrap()
        }
        "quoted-printable" => quoted_printable(body),
        other => panic!("unexpected transfer encoding {other}"),
    }
}

fn quoted_printable(body: &str) -> String {
    let body = body.replace("=\r\n", "");
    let bytes = body.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}
