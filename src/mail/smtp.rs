//! SMTP delivery over connections this module opens itself, so that they carry TCP_NODELAY.
//!
//! lettre's own transport opens its sockets without it and writes a message's body and the
//! closing "\r\n.\r\n" in two writes: with Nagle's algorithm the second waits for the
//! server's ACK of the first, which a server delays (~40 ms on Linux), so every message
//! stalled that long and one connection managed about 20 messages a second. lettre speaks
//! SMTP on a stream it is handed (`AsyncSmtpConnection::connect_with_transport`), and its
//! STARTTLS and TLS code, certificate checks included, runs on that stream unchanged. The
//! pool is the same as lettre's: connections are kept for reuse, checked with NOOP before
//! each reuse and dropped when broken or idle for a minute.

use std::{
    net::SocketAddr,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::{Duration, Instant},
};

use anyhow::Context as _;
use lettre::{
    Message,
    transport::smtp::{
        authentication::{Credentials, DEFAULT_MECHANISMS},
        client::{AsyncSmtpConnection, AsyncTokioStream, Certificate, TlsParameters},
        extension::ClientId,
    },
};
use rustls_pki_types::{CertificateDer, pem::PemObject};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
};
use tokio_util::compat::{Compat, FuturesAsyncReadCompatExt};

use crate::config::{SmtpSettings, SmtpTls};

/// Each step (connecting with its greeting, EHLO, STARTTLS and AUTH; sending one message)
/// gives up after this long.
const TIMEOUT: Duration = Duration::from_secs(30);
/// A connection idle this long is closed rather than reused, as lettre's pool does.
const IDLE: Duration = Duration::from_secs(60);

/// An SMTP server and a pool of open connections to it.
pub struct Smtp {
    host: String,
    port: u16,
    tls: Tls,
    credentials: Option<Credentials>,
    hello: ClientId,
    /// Connections kept for reuse, with when each was parked.
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    /// At most this many are kept.
    keep: usize,
}

enum Tls {
    None,
    /// STARTTLS after the greeting, required.
    Starttls(TlsParameters),
    /// TLS from the first byte (SMTPS).
    Wrapper(TlsParameters),
}

impl Smtp {
    /// Keeps at most `keep` connections open between messages (the dispatcher's parallel sends).
    /// Fails when `mail.smtp.ca_certificate` names a file that cannot be read or holds no
    /// certificate, so that a mistake there stops the start rather than every delivery.
    pub fn new(smtp: &SmtpSettings, keep: usize) -> anyhow::Result<Arc<Self>> {
        let roots = ca_certificates(&smtp.ca_certificate)?;
        let parameters = || tls_parameters(smtp, roots);
        let tls = match smtp.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => Tls::Starttls(parameters()?),
            SmtpTls::Tls => Tls::Wrapper(parameters()?),
        };
        let credentials = (!smtp.username.is_empty())
            .then(|| Credentials::new(smtp.username.clone(), smtp.password.expose().to_owned()));
        Ok(Arc::new(Self {
            host: smtp.host.clone(),
            port: smtp.port,
            tls,
            credentials,
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
            keep: keep.max(1),
        }))
    }

    /// Sends one message over a pooled connection or a new one. A connection that fails is
    /// closed; one that succeeds goes back to the pool.
    pub async fn send(&self, message: &Message) -> Result<(), String> {
        let mut connection = match self.reuse().await {
            Some(connection) => connection,
            None => within("connecting to the SMTP server", self.connect()).await?,
        };
        let sent = within(
            "sending to the SMTP server",
            connection.send(message.envelope(), &message.formatted()),
        )
        .await;
        match sent {
            Ok(_) => {
                self.park(connection).await;
                Ok(())
            }
            Err(error) => {
                connection.abort().await;
                Err(error)
            }
        }
    }

    /// A pooled connection that still answers NOOP, if any.
    async fn reuse(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let (mut connection, since) = self.idle.lock().expect("the pool is never poisoned").pop()?;
            if since.elapsed() < IDLE
                && tokio::time::timeout(TIMEOUT, connection.test_connected())
                    .await
                    .unwrap_or(false)
            {
                return Some(connection);
            }
            connection.abort().await;
        }
    }

    async fn park(&self, mut connection: AsyncSmtpConnection) {
        {
            let mut idle = self.idle.lock().expect("the pool is never poisoned");
            if !connection.has_broken() && idle.len() < self.keep {
                idle.push((connection, Instant::now()));
                return;
            }
        }
        connection.abort().await;
    }

    /// Opens a connection: TCP with TCP_NODELAY, TLS when configured, EHLO, STARTTLS when
    /// configured, and AUTH when credentials are set, as lettre's transport does.
    async fn connect(&self) -> Result<AsyncSmtpConnection, String> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| format!("Connection error: {e}"))?;
        tcp.set_nodelay(true).map_err(|e| format!("Connection error: {e}"))?;
        let stream: Box<dyn AsyncTokioStream> = match &self.tls {
            Tls::Wrapper(parameters) => Box::new(
                Implicit::wrap(tcp, parameters.clone())
                    .await
                    .map_err(|e| e.to_string())?,
            ),
            Tls::None | Tls::Starttls(_) => Box::new(tcp),
        };
        let mut connection = AsyncSmtpConnection::connect_with_transport(stream, &self.hello)
            .await
            .map_err(|e| e.to_string())?;
        if let Tls::Starttls(parameters) = &self.tls {
            connection
                .starttls(parameters.clone(), &self.hello)
                .await
                .map_err(|e| e.to_string())?;
        }
        if let Some(credentials) = &self.credentials {
            connection
                .auth(DEFAULT_MECHANISMS, credentials)
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(connection)
    }
}

/// The certificates of `mail.smtp.ca_certificate`, a PEM file; none when it is empty.
fn ca_certificates(path: &str) -> anyhow::Result<Vec<Certificate>> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let pem = std::fs::read(path).with_context(|| format!("mail.smtp.ca_certificate: cannot read {path}"))?;
    // lettre's `Certificate::from_pem` accepts a file without any certificate in it (a key, a
    // DER file, a typo'd copy) as an empty list, which would quietly trust nothing extra.
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .map(|der| Ok(Certificate::from_der(der?.to_vec())?))
        .collect::<anyhow::Result<Vec<_>>>()
        .with_context(|| format!("mail.smtp.ca_certificate: {path} is not a PEM file of certificates"))?;
    anyhow::ensure!(
        !certificates.is_empty(),
        "mail.smtp.ca_certificate: {path} holds no certificate \
         (expected PEM blocks \"-----BEGIN CERTIFICATE-----\")"
    );
    Ok(certificates)
}

/// Certificate checks for `host`: the built-in roots and those of `mail.smtp.ca_certificate`.
fn tls_parameters(smtp: &SmtpSettings, roots: Vec<Certificate>) -> anyhow::Result<TlsParameters> {
    let extra = !roots.is_empty();
    roots
        .into_iter()
        .fold(TlsParameters::builder(smtp.host.clone()), |builder, root| {
            builder.add_root_certificate(root)
        })
        .build()
        .with_context(|| {
            if extra {
                format!(
                    "mail.smtp.ca_certificate: {} does not hold valid certificates for TLS to {}",
                    smtp.ca_certificate, smtp.host
                )
            } else {
                format!("mail.smtp.host: TLS to {} cannot be set up", smtp.host)
            }
        })
}

/// Runs one step of a delivery within [`TIMEOUT`]; the error is the text stored on the row.
async fn within<T, E: std::fmt::Display>(step: &str, future: impl Future<Output = Result<T, E>>) -> Result<T, String> {
    match tokio::time::timeout(TIMEOUT, future).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err(format!("{step}: no answer within {} s", TIMEOUT.as_secs())),
    }
}

/// A TLS stream made by lettre's own TLS code before the greeting, handed back to lettre as
/// a plain stream. lettre's `AsyncNetworkStream` is deprecated as public API but is what its
/// transport uses for implicit TLS; it speaks the `futures` I/O traits, hence the `Compat`.
#[allow(deprecated)]
#[derive(Debug)]
struct Implicit(Compat<lettre::transport::smtp::client::AsyncNetworkStream>);

#[allow(deprecated)]
impl Implicit {
    async fn wrap(tcp: TcpStream, parameters: TlsParameters) -> Result<Self, lettre::transport::smtp::Error> {
        use lettre::transport::smtp::client::AsyncNetworkStream;
        let mut stream = AsyncNetworkStream::use_existing_tokio1(Box::new(tcp));
        stream.upgrade_tls(parameters).await?;
        Ok(Self(stream.compat()))
    }
}

impl AsyncTokioStream for Implicit {
    fn peer_addr(&self) -> std::io::Result<SocketAddr> {
        self.0.get_ref().peer_addr()
    }
}

impl AsyncRead for Implicit {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Implicit {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
