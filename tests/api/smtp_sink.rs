//! A real SMTP server on loopback for the tests: it speaks enough SMTP for lettre (EHLO,
//! MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every message it accepted, and can be told to
//! refuse mail for a while, as a server in trouble does (451 to MAIL FROM), or be down
//! (connections closed at once).

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, Ordering},
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

#[derive(Clone, Default)]
pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<String>>>,
    refusing: Arc<AtomicBool>,
    down: Arc<AtomicBool>,
    /// Milliseconds to wait before accepting a message's data.
    slow: Arc<std::sync::atomic::AtomicU64>,
    /// Sessions opened so far.
    sessions: Arc<std::sync::atomic::AtomicU64>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp sink");
        let sink = SmtpSink {
            port: listener.local_addr().unwrap().port(),
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

    /// The raw messages accepted so far.
    pub fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }

    async fn session(&self, socket: tokio::net::TcpStream) {
        self.sessions.fetch_add(1, Ordering::SeqCst);
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        let _ = write.write_all(b"220 sink.test ESMTP\r\n").await;
        let mut data: Option<String> = None;
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(message) = data.as_mut() {
                if line == "." {
                    let wait = self.slow.load(Ordering::SeqCst);
                    if wait > 0 {
                        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
                    }
                    self.received.lock().unwrap().push(data.take().unwrap());
                    let _ = write.write_all(b"250 2.0.0 queued\r\n").await;
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
            let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" => b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
                "HELO" => b"250 sink.test\r\n",
                "MAIL" if self.refusing.load(Ordering::SeqCst) => b"451 4.3.0 try again later\r\n",
                "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 2.0.0 ok\r\n",
                "DATA" => {
                    data = Some(String::new());
                    b"354 end with <CRLF>.<CRLF>\r\n"
                }
                "QUIT" => {
                    let _ = write.write_all(b"221 2.0.0 bye\r\n").await;
                    return;
                }
                _ => b"502 5.5.2 not implemented\r\n",
            };
            if write.write_all(reply).await.is_err() {
                return;
            }
        }
    }
}
