//! Helpers shared by the integration tests that play misbehaving servers on raw sockets.

use tokio::io::{AsyncRead, AsyncReadExt};

/// Reads one HTTP request (head and Content-Length body); returns the head, `None` on EOF.
pub async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let declared: usize = head
                .lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, value)| value.trim().parse().ok())
                .unwrap_or(0);
            let mut missing = declared.saturating_sub(buf.len() - end - 4);
            while missing > 0 {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    break;
                }
                missing = missing.saturating_sub(n);
            }
            return Some(head);
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 1 << 20 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}
