//! A real SMTP server on loopback for the tests: it speaks enough SMTP for lettre (EHLO,
//! MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every message it accepted, and can be told to
//! refuse mail for a while, as a server in trouble does (451 to MAIL FROM), or be down
//! (connections closed at once).
//!
//! Started with [`SmtpSink::start_with`] it secures sessions as a mail relay does: STARTTLS
//! offered and required before mail, or TLS from the first byte, with a certificate from a
//! [`TestCa`] made for the test; and it can require AUTH (PLAIN, LOGIN). Each accepted
//! message is kept with how it came ([`Delivery`]).

use std::{
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use base64::{Engine as _, engine::general_purpose::STANDARD as BASE64};
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};
use tokio_rustls::{
    TlsAcceptor,
    rustls::{
        self,
        pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer},
    },
};

#[derive(Clone, Default)]
pub struct SmtpSink {
    pub port: u16,
    security: Security,
    auth: Option<RequireAuth>,
    received: Arc<Mutex<Vec<Delivery>>>,
    /// Every AUTH received, accepted or not.
    logins: Arc<Mutex<Vec<Login>>>,
    refusing: Arc<AtomicBool>,
    down: Arc<AtomicBool>,
    /// Milliseconds to wait before accepting a message's data.
    slow: Arc<AtomicU64>,
    /// Sessions opened so far.
    sessions: Arc<AtomicU64>,
    /// TLS handshakes that failed (the client refused the certificate, or spoke no TLS).
    handshake_failures: Arc<AtomicU64>,
}

/// How the sink secures a session.
#[derive(Clone, Default)]
#[allow(dead_code)]
pub enum Security {
    /// No TLS at all.
    #[default]
    Plain,
    /// STARTTLS offered after the greeting; mail before it is refused with 530.
    Starttls(TlsAcceptor),
    /// TLS from the first byte (SMTPS).
    Implicit(TlsAcceptor),
}

/// The one account AUTH accepts; mail without AUTH is refused with 530.
#[derive(Clone)]
#[allow(dead_code)]
pub struct RequireAuth {
    /// The mechanisms offered in EHLO, e.g. "PLAIN LOGIN".
    pub mechanisms: &'static str,
    pub username: String,
    pub password: String,
}

/// One accepted message and the session it came in.
#[derive(Clone, Debug)]
#[allow(dead_code)]
pub struct Delivery {
    /// The message as sent after DATA (dot-stuffing undone).
    pub data: String,
    /// The envelope: MAIL FROM and every RCPT TO, without the angle brackets.
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// "STARTTLS" or "TLS" (implicit) when the session was encrypted.
    pub tls: Option<&'static str>,
    /// The successful AUTH of the session.
    pub login: Option<Login>,
}

/// What a client sent with AUTH, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(dead_code)]
pub struct Login {
    pub mechanism: String,
    pub username: String,
    pub password: String,
}

/// A certificate authority made for one test and a server certificate it issued for
/// `localhost` and `127.0.0.1`, which the sink presents.
#[allow(dead_code)]
pub struct TestCa {
    /// The CA's certificate, what a client must trust.
    pub ca_pem: String,
    acceptor: TlsAcceptor,
}

#[allow(dead_code)]
impl TestCa {
    pub fn generate() -> TestCa {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
            KeyUsagePurpose,
        };
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::new()).unwrap();
        ca.distinguished_name.push(DnType::CommonName, "tiltak test CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
        let issuer = Issuer::new(ca, ca_key);

        let server_key = KeyPair::generate().unwrap();
        let mut server = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        server.distinguished_name.push(DnType::CommonName, "sink.test");
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = server.signed_by(&server_key, &issuer).unwrap();

        // The provider is named rather than taken from the process default: with both ring
        // and aws-lc-rs compiled in there is no default unless someone installs one.
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![server_cert.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
            )
            .unwrap();
        TestCa {
            ca_pem,
            acceptor: TlsAcceptor::from(Arc::new(config)),
        }
    }

    pub fn starttls(&self) -> Security {
        Security::Starttls(self.acceptor.clone())
    }

    pub fn implicit(&self) -> Security {
        Security::Implicit(self.acceptor.clone())
    }

    /// Writes the CA certificate to `dir/ca.pem`; the path, for `mail.smtp.ca_certificate`.
    pub fn write_ca(&self, dir: &Path) -> String {
        let path = dir.join("ca.pem");
        std::fs::write(&path, &self.ca_pem).unwrap();
        path.display().to_string()
    }
}

/// A session's stream, plain or TLS.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}
type Io = BufReader<Box<dyn Stream>>;

/// What a session has established so far; STARTTLS starts it afresh (RFC 3207).
#[derive(Default)]
struct Session {
    tls: Option<&'static str>,
    login: Option<Login>,
    mail_from: String,
    rcpt_to: Vec<String>,
}

/// How a conversation ended.
enum Ended {
    Closed,
    Starttls,
}

impl SmtpSink {
    /// Plain SMTP, no AUTH.
    pub async fn start() -> SmtpSink {
        Self::start_with(Security::Plain, None).await
    }

    pub async fn start_with(security: Security, auth: Option<RequireAuth>) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp sink");
        let sink = SmtpSink {
            port: listener.local_addr().unwrap().port(),
            security,
            auth,
            ..Default::default()
        };
        let server = sink.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                if server.down.load(Ordering::SeqCst) {
                    drop(socket);
                    continue;
                }
                let server = server.clone();
                tokio::spawn(async move { server.session(socket).await });
            }
        });
        sink
    }

    /// While refusing, every MAIL FROM gets "451 try again later".
    pub fn refuse(&self, refusing: bool) {
        self.refusing.store(refusing, Ordering::SeqCst);
    }

    /// While down, every connection is closed before the greeting.
    #[allow(dead_code)]
    pub fn down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// Each message's data is accepted only after this long.
    #[allow(dead_code)]
    pub fn slow(&self, millis: u64) {
        self.slow.store(millis, Ordering::SeqCst);
    }

    /// How many sessions have been opened.
    #[allow(dead_code)]
    pub fn sessions(&self) -> u64 {
        self.sessions.load(Ordering::SeqCst)
    }

    /// How many TLS handshakes failed.
    #[allow(dead_code)]
    pub fn handshake_failures(&self) -> u64 {
        self.handshake_failures.load(Ordering::SeqCst)
    }

    /// Every AUTH received so far, accepted or not.
    #[allow(dead_code)]
    pub fn logins(&self) -> Vec<Login> {
        self.logins.lock().unwrap().clone()
    }

    /// The raw messages accepted so far.
    pub fn received(&self) -> Vec<String> {
        self.deliveries().into_iter().map(|d| d.data).collect()
    }

    /// The messages accepted so far, with their envelope and session.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.received.lock().unwrap().clone()
    }

    async fn session(&self, socket: TcpStream) {
        self.sessions.fetch_add(1, Ordering::SeqCst);
        let mut session = Session::default();
        let stream: Box<dyn Stream> = match &self.security {
            Security::Implicit(acceptor) => match acceptor.accept(socket).await {
                Ok(tls) => {
                    session.tls = Some("TLS");
                    Box::new(tls)
                }
                Err(_) => {
                    self.handshake_failures.fetch_add(1, Ordering::SeqCst);
                    return;
                }
            },
            Security::Plain | Security::Starttls(_) => Box::new(socket),
        };
        let mut io: Io = BufReader::new(stream);
        if !reply(&mut io, "220 sink.test ESMTP\r\n").await {
            return;
        }
        loop {
            match self.converse(&mut io, &mut session).await {
                Ended::Closed => return,
                Ended::Starttls => {
                    let Security::Starttls(acceptor) = &self.security else {
                        unreachable!("STARTTLS is only offered with Security::Starttls")
                    };
                    // The client starts its handshake only after our 220, so nothing of it
                    // can sit in the reader's buffer.
                    assert!(io.buffer().is_empty(), "data after STARTTLS before the handshake");
                    match acceptor.accept(io.into_inner()).await {
                        Ok(tls) => io = BufReader::new(Box::new(tls)),
                        Err(_) => {
                            self.handshake_failures.fetch_add(1, Ordering::SeqCst);
                            return;
                        }
                    }
                    session = Session {
                        tls: Some("STARTTLS"),
                        ..Default::default()
                    };
                }
            }
        }
    }

    /// Answers commands until the client leaves or STARTTLS is to begin.
    async fn converse(&self, io: &mut Io, session: &mut Session) -> Ended {
        let mut data: Option<String> = None;
        while let Some(line) = read_line(io).await {
            if let Some(message) = data.as_mut() {
                if line == "." {
                    let wait = self.slow.load(Ordering::SeqCst);
                    if wait > 0 {
                        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
                    }
                    self.received.lock().unwrap().push(Delivery {
                        data: data.take().unwrap(),
                        mail_from: session.mail_from.clone(),
                        rcpt_to: std::mem::take(&mut session.rcpt_to),
                        tls: session.tls,
                        login: session.login.clone(),
                    });
                    if !reply(io, "250 2.0.0 queued\r\n").await {
                        return Ended::Closed;
                    }
                } else {
                    message.push_str(
                        line.strip_prefix('.')
                            .filter(|_| line.starts_with(".."))
                            .unwrap_or(&line),
                    );
                    message.push_str("\r\n");
                }
                continue;
            }
            let mut words = line.split_whitespace();
            let verb = words.next().unwrap_or("").to_ascii_uppercase();
            let starttls_pending = matches!(self.security, Security::Starttls(_)) && session.tls.is_none();
            let answer: String = match verb.as_str() {
                "EHLO" => {
                    session.mail_from.clear();
                    session.rcpt_to.clear();
                    let mut lines = vec!["sink.test".to_owned(), "8BITMIME".to_owned(), "SMTPUTF8".to_owned()];
                    if starttls_pending {
                        lines.push("STARTTLS".to_owned());
                    } else if let Some(auth) = &self.auth {
                        lines.push(format!("AUTH {}", auth.mechanisms));
                    }
                    let last = lines.len() - 1;
                    lines
                        .iter()
                        .enumerate()
                        .map(|(i, l)| format!("250{}{l}\r\n", if i == last { ' ' } else { '-' }))
                        .collect()
                }
                "HELO" => "250 sink.test\r\n".into(),
                "STARTTLS" if starttls_pending => {
                    if !reply(io, "220 2.0.0 ready to start TLS\r\n").await {
                        return Ended::Closed;
                    }
                    return Ended::Starttls;
                }
                "AUTH" if !starttls_pending && self.auth.is_some() && session.login.is_none() => {
                    let mechanism = words.next().unwrap_or("").to_ascii_uppercase();
                    let initial = words.next().map(str::to_owned);
                    match self.authenticate(io, &mechanism, initial).await {
                        None => return Ended::Closed,
                        Some(Some(login)) => {
                            session.login = Some(login);
                            "235 2.7.0 authentication successful\r\n".into()
                        }
                        Some(None) => "535 5.7.8 authentication credentials invalid\r\n".into(),
                    }
                }
                "MAIL" if starttls_pending => "530 5.7.0 must issue a STARTTLS command first\r\n".into(),
                "MAIL" if self.auth.is_some() && session.login.is_none() => {
                    "530 5.7.0 authentication required\r\n".into()
                }
                "MAIL" if self.refusing.load(Ordering::SeqCst) => "451 4.3.0 try again later\r\n".into(),
                "MAIL" => {
                    session.mail_from = address(&line);
                    session.rcpt_to.clear();
                    "250 2.0.0 ok\r\n".into()
                }
                "RCPT" => {
                    session.rcpt_to.push(address(&line));
                    "250 2.0.0 ok\r\n".into()
                }
                "RSET" => {
                    session.mail_from.clear();
                    session.rcpt_to.clear();
                    "250 2.0.0 ok\r\n".into()
                }
                "NOOP" => "250 2.0.0 ok\r\n".into(),
                "DATA" => {
                    data = Some(String::new());
                    "354 end with <CRLF>.<CRLF>\r\n".into()
                }
                "QUIT" => {
                    reply(io, "221 2.0.0 bye\r\n").await;
                    return Ended::Closed;
                }
                _ => "502 5.5.2 not implemented\r\n".into(),
            };
            if !reply(io, &answer).await {
                return Ended::Closed;
            }
        }
        Ended::Closed
    }

    /// AUTH PLAIN (with or without an initial response) or AUTH LOGIN. `None`: the client
    /// left; `Some(None)`: refused (an unoffered mechanism or the wrong account).
    async fn authenticate(&self, io: &mut Io, mechanism: &str, initial: Option<String>) -> Option<Option<Login>> {
        let auth = self.auth.as_ref().expect("AUTH is only answered when required");
        if !auth.mechanisms.split_whitespace().any(|m| m == mechanism) {
            return Some(None);
        }
        let (username, password) = match mechanism {
            "PLAIN" => {
                let response = match initial {
                    Some(response) => response,
                    None => challenge(io, "").await?,
                };
                // authzid NUL authcid NUL passwd
                let decoded = decode(&response);
                let mut parts = decoded.splitn(3, '\0').skip(1);
                (
                    parts.next().unwrap_or("").to_owned(),
                    parts.next().unwrap_or("").to_owned(),
                )
            }
            _ => {
                let username = match initial {
                    Some(username) => username,
                    None => challenge(io, "Username:").await?,
                };
                let password = challenge(io, "Password:").await?;
                (decode(&username), decode(&password))
            }
        };
        let accepted = username == auth.username && password == auth.password;
        let login = Login {
            mechanism: mechanism.to_owned(),
            username,
            password,
        };
        self.logins.lock().unwrap().push(login.clone());
        Some(accepted.then_some(login))
    }
}

/// One line without its line ending; `None` when the client is gone.
async fn read_line(io: &mut Io) -> Option<String> {
    let mut line = String::new();
    match io.read_line(&mut line).await {
        Ok(0) | Err(_) => None,
        Ok(_) => {
            line.truncate(line.trim_end_matches(['\r', '\n']).len());
            Some(line)
        }
    }
}

/// Writes and flushes (a TLS stream holds back what is not flushed); false when the client
/// is gone.
async fn reply(io: &mut Io, text: &str) -> bool {
    io.write_all(text.as_bytes()).await.is_ok() && io.flush().await.is_ok()
}

/// Sends a 334 challenge (base64 of `prompt`) and reads the client's answer.
async fn challenge(io: &mut Io, prompt: &str) -> Option<String> {
    if !reply(io, &format!("334 {}\r\n", BASE64.encode(prompt))).await {
        return None;
    }
    read_line(io).await
}

fn decode(base64: &str) -> String {
    String::from_utf8_lossy(&BASE64.decode(base64.trim()).unwrap_or_default()).into_owned()
}

/// The address inside the angle brackets of "MAIL FROM:<a@b> ..." or "RCPT TO:<a@b>".
fn address(line: &str) -> String {
    line.split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(address, _)| address.to_owned())
        .unwrap_or_default()
}
