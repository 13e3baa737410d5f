//! A small HTTP/1.1 reader and writer over a tokio stream, written for the test server so that
//! it controls every connection-level detail (keep-alive, silent closes, endless bodies). Heads
//! and bodies are bounded; nothing here panics on what a client sends.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::timeout;

/// The most bytes a request head (request line and headers) may take.
pub const MAX_HEAD: usize = 64 * 1024;
/// How long a client may take to send the rest of a request it has started.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(30);

/// One request as received. Header names keep their case; values lose surrounding blanks.
#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// The request target: the path, then `?query` if any.
    pub target: String,
    /// `HTTP/1.0` is 0, `HTTP/1.1` is 1.
    pub minor_version: u8,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// Whether the client wants the connection kept after the answer.
    pub fn keep_alive(&self) -> bool {
        let connection = self.header("connection").unwrap_or("").to_ascii_lowercase();
        let has = |token: &str| connection.split(',').any(|t| t.trim() == token);
        if self.minor_version == 0 {
            has("keep-alive")
        } else {
            !has("close")
        }
    }
}

/// Why no request could be read. Some get an answer before the connection is closed.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadError {
    /// The client closed the connection between requests.
    Closed,
    /// No byte of a next request came within the idle limit.
    Idle,
    /// The client stopped mid-request (closed, or slower than [`REQUEST_DEADLINE`]).
    Truncated,
    /// Answered 431.
    HeadTooLarge,
    /// Answered 413.
    BodyTooLarge,
    /// Answered 400, with what was wrong.
    Malformed(&'static str),
}

impl ReadError {
    /// The status and reason the server answers before closing, if any.
    pub fn answer(&self) -> Option<(u16, &'static str)> {
        match self {
            ReadError::HeadTooLarge => Some((431, "Request Header Fields Too Large")),
            ReadError::BodyTooLarge => Some((413, "Payload Too Large")),
            ReadError::Malformed(_) => Some((400, "Bad Request")),
            _ => None,
        }
    }
}

/// Reads from a connection, keeping bytes the client sent ahead (pipelining) for the next read.
pub struct Reader<S> {
    pub stream: S,
    buffer: Vec<u8>,
    max_body: usize,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Reader<S> {
    pub fn new(stream: S, max_body: usize) -> Self {
        Reader {
            stream,
            buffer: Vec::new(),
            max_body,
        }
    }

    /// Reads more bytes of a started request into the buffer; false at the end of the stream.
    async fn fill(&mut self) -> Result<bool, ReadError> {
        timeout(REQUEST_DEADLINE, self.fill_untimed())
            .await
            .map_err(|_| ReadError::Truncated)?
    }

    async fn fill_untimed(&mut self) -> Result<bool, ReadError> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self
            .stream
            .read(&mut chunk)
            .await
            .map_err(|_| ReadError::Truncated)?;
        self.buffer.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    /// The next request. `idle` bounds the wait for its first byte.
    pub async fn next(&mut self, idle: Option<Duration>) -> Result<Request, ReadError> {
        if self.buffer.is_empty() {
            let first = self.fill_untimed();
            let got = match idle {
                Some(limit) => timeout(limit, first).await.map_err(|_| ReadError::Idle)?,
                None => first.await,
            };
            if !got.map_err(|_| ReadError::Closed)? {
                return Err(ReadError::Closed);
            }
        }
        let head_end = loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                break end;
            }
            if self.buffer.len() > MAX_HEAD {
                return Err(ReadError::HeadTooLarge);
            }
            if !self.fill().await? {
                return Err(ReadError::Truncated);
            }
        };
        if head_end > MAX_HEAD {
            return Err(ReadError::HeadTooLarge);
        }
        let head = String::from_utf8_lossy(&self.buffer[..head_end]).into_owned();
        self.buffer.drain(..head_end + 4);
        let mut request = parse_head(&head)?;
        if request
            .header("expect")
            .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
        {
            let _ = self
                .stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await;
        }
        request.body = self.body(&request).await?;
        Ok(request)
    }

    async fn body(&mut self, request: &Request) -> Result<Vec<u8>, ReadError> {
        let chunked = match request.header("transfer-encoding") {
            None => false,
            Some(te) if te.rsplit(',').next().map(str::trim) == Some("chunked") => true,
            Some(_) => return Err(ReadError::Malformed("a transfer coding other than chunked")),
        };
        let lengths: Vec<&str> = request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.as_str())
            .collect();
        if chunked && !lengths.is_empty() {
            return Err(ReadError::Malformed("both Content-Length and chunked"));
        }
        if chunked {
            return self.chunked_body().await;
        }
        let length = match lengths[..] {
            [] => 0,
            [one] if !one.is_empty() && one.bytes().all(|b| b.is_ascii_digit()) => {
                one.parse::<usize>().map_err(|_| ReadError::BodyTooLarge)?
            }
            _ => {
                return Err(ReadError::Malformed(
                    "a Content-Length that is not one number",
                ));
            }
        };
        if length > self.max_body {
            return Err(ReadError::BodyTooLarge);
        }
        self.take(length).await
    }

    /// `length` bytes from the buffer, reading more as needed.
    async fn take(&mut self, length: usize) -> Result<Vec<u8>, ReadError> {
        while self.buffer.len() < length {
            if !self.fill().await? {
                return Err(ReadError::Truncated);
            }
        }
        Ok(self.buffer.drain(..length).collect())
    }

    /// One CRLF-terminated line (without it), at most [`MAX_HEAD`] bytes.
    async fn line(&mut self) -> Result<String, ReadError> {
        loop {
            if let Some(end) = find(&self.buffer, b"\r\n") {
                let line = String::from_utf8_lossy(&self.buffer[..end]).into_owned();
                self.buffer.drain(..end + 2);
                return Ok(line);
            }
            if self.buffer.len() > MAX_HEAD {
                return Err(ReadError::Malformed("a chunk line too long"));
            }
            if !self.fill().await? {
                return Err(ReadError::Truncated);
            }
        }
    }

    async fn chunked_body(&mut self) -> Result<Vec<u8>, ReadError> {
        let mut body = Vec::new();
        loop {
            let line = self.line().await?;
            let size_text = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16)
                .map_err(|_| ReadError::Malformed("a chunk size that is not hex"))?;
            if size == 0 {
                // Trailer fields, up to the empty line.
                while !self.line().await?.is_empty() {}
                return Ok(body);
            }
            if body.len().saturating_add(size) > self.max_body {
                return Err(ReadError::BodyTooLarge);
            }
            let chunk = self.take(size).await?;
            body.extend_from_slice(&chunk);
            if !self.line().await?.is_empty() {
                return Err(ReadError::Malformed("a chunk not followed by CRLF"));
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn parse_head(head: &str) -> Result<Request, ReadError> {
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let parts: Vec<&str> = request_line.split(' ').collect();
    let [method, target, version] = parts[..] else {
        return Err(ReadError::Malformed(
            "a request line that is not METHOD TARGET VERSION",
        ));
    };
    let minor_version = match version {
        "HTTP/1.1" => 1,
        "HTTP/1.0" => 0,
        _ => return Err(ReadError::Malformed("not HTTP/1.0 or HTTP/1.1")),
    };
    if !is_token(method) || !target.starts_with('/') {
        return Err(ReadError::Malformed("a bad method or request target"));
    }
    let mut headers = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::Malformed("a header line without a colon"));
        };
        if !is_token(name) {
            return Err(ReadError::Malformed("a header name that is not a token"));
        }
        headers.push((name.to_owned(), value.trim_matches([' ', '\t']).to_owned()));
    }
    Ok(Request {
        method: method.to_owned(),
        target: target.to_owned(),
        minor_version,
        headers,
        body: Vec::new(),
    })
}

/// An answer to write: status, reason, extra headers and a body sent with Content-Length.
pub struct Answer {
    pub status: u16,
    pub reason: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn new(status: u16, reason: &'static str) -> Self {
        Answer {
            status,
            reason,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn json(status: u16, reason: &'static str, body: Vec<u8>) -> Self {
        let mut answer = Answer::new(status, reason);
        answer
            .headers
            .push(("Content-Type", "application/json;charset=UTF-8".to_owned()));
        answer.body = body;
        answer
    }

    pub fn is_json(&self) -> bool {
        self.headers
            .iter()
            .any(|(n, v)| *n == "Content-Type" && v.starts_with("application/json"))
    }

    /// The bytes on the wire; `close` adds `Connection: close`; `head_only` (the answer to a
    /// HEAD) leaves the body out and keeps its Content-Length.
    pub fn to_bytes(&self, close: bool, head_only: bool) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, self.reason);
        head.push_str(&format!(
            "Date: {}\r\n",
            httpdate::fmt_http_date(std::time::SystemTime::now())
        ));
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        if close {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        if !head_only {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}

/// Writes a 200 head and a chunked JSON-looking body that never ends: `opening`, then `unit`
/// repeated, until the client stops reading or hangs up.
pub async fn stream_without_end<S: AsyncWrite + Unpin>(
    stream: &mut S,
    opening: &[u8],
    unit: &[u8],
) {
    let head = format!(
        "HTTP/1.1 200 OK\r\nDate: {}\r\nContent-Type: application/json;charset=UTF-8\r\n\
         Transfer-Encoding: chunked\r\n\r\n",
        httpdate::fmt_http_date(std::time::SystemTime::now())
    );
    let mut block = opening.to_vec();
    while block.len() < 64 * 1024 {
        block.extend_from_slice(unit);
    }
    let first = chunk(&block);
    let mut rest = Vec::new();
    while rest.len() < 64 * 1024 {
        rest.extend_from_slice(unit);
    }
    let rest = chunk(&rest);
    if stream.write_all(head.as_bytes()).await.is_err() || stream.write_all(&first).await.is_err() {
        return;
    }
    while stream.write_all(&rest).await.is_ok() {}
}

fn chunk(data: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}
