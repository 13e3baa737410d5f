//! A raw HTTP/1.1 client on one connection, for tests that talk to the server by hand: it writes
//! requests signed with the server's own signer (or not signed at all) and reads one
//! Content-Length answer at a time. Panics are the test's failures; `None` is a connection the
//! server closed.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{RunningServer, ServerConfig, authorization};

pub struct Client {
    pub stream: TcpStream,
    /// The `Host` value sent (and signed): `127.0.0.1:PORT`.
    pub host: String,
    path: String,
    config: ServerConfig,
}

/// One answer: its status, its head lower-cased and its body.
#[derive(Debug)]
pub struct Got {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Got {
    /// The body as JSON (panics when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }
}

impl Client {
    /// A connection to `server`, signing with the default configuration's keys.
    pub async fn connect(server: &RunningServer) -> Client {
        Client::connect_with(server, ServerConfig::default()).await
    }

    /// A connection to `server`, signing with `config`'s keys and empty-body reading.
    pub async fn connect_with(server: &RunningServer, config: ServerConfig) -> Client {
        let stream = TcpStream::connect(server.addr)
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"));
        Client {
            stream,
            host: server.addr.to_string(),
            path: server.path(),
            config,
        }
    }

    /// The bytes of `method` to the interface's path with `body`, a JSON Content-Type and
    /// `authorization` (no header when `None`).
    pub fn request_bytes(&self, method: &str, authorization: Option<&str>, body: &[u8]) -> Vec<u8> {
        let mut head = format!(
            "{method} {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json;charset=UTF-8\r\n\
             Content-Length: {}\r\n",
            self.path,
            self.host,
            body.len()
        );
        if let Some(value) = authorization {
            head.push_str(&format!("Authorization: {value}\r\n"));
        }
        head.push_str("\r\n");
        [head.as_bytes(), body].concat()
    }

    /// The `Authorization` a correct client sends for `method` with `body`, signed now.
    pub fn sign(&self, method: &str, body: &[u8]) -> String {
        authorization(&self.config, method, &self.path, &self.host, body)
    }

    /// Sends a request and reads its answer.
    pub async fn send(&mut self, method: &str, auth: Option<&str>, body: &[u8]) -> Option<Got> {
        let bytes = self.request_bytes(method, auth, body);
        self.stream.write_all(&bytes).await.ok()?;
        self.read_answer().await
    }

    /// Sends a correctly signed POST with `body` and reads its answer.
    pub async fn signed(&mut self, body: &[u8]) -> Option<Got> {
        let auth = self.sign("POST", body);
        self.send("POST", Some(&auth), body).await
    }

    /// Reads one answer framed by Content-Length.
    pub async fn read_answer(&mut self) -> Option<Got> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or_else(|| panic!("no content-length in {head}"));
                while buf.len() < end + 4 + length {
                    let n = self.stream.read(&mut chunk).await.ok()?;
                    if n == 0 {
                        return None;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
                let body = buf[end + 4..end + 4 + length].to_vec();
                return Some(Got { status, head, body });
            }
            let n = self.stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Waits until the server closes the connection; true when it sent nothing more first.
    pub async fn closed_by_server(&mut self) -> bool {
        let mut rest = Vec::new();
        self.stream.read_to_end(&mut rest).await.is_ok() && rest.is_empty()
    }
}
