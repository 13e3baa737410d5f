//! In-process HTTP servers on 127.0.0.1:0 and the forwarding step of the small proxies the
//! tests put in front of the crate's mock.

use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use tokio::runtime::Runtime;

/// Serves `app` on 127.0.0.1:0 on `runtime`, for as long as the runtime runs.
pub fn serve(runtime: &Runtime, app: axum::Router) -> SocketAddr {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    runtime.spawn(async move { axum::serve(listener, app).await });
    addr
}

/// A client for a proxy: it passes redirects back as they came rather than following them.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"))
}

/// A request to `url` with `method` and every one of `headers` but those named in `skipped`
/// (lower case). The caller adds the body.
pub fn outgoing(
    client: &reqwest::Client,
    method: Method,
    url: String,
    headers: &HeaderMap,
    skipped: &[&str],
) -> reqwest::RequestBuilder {
    let mut request = client.request(method, url);
    for (name, value) in headers {
        if !skipped.contains(&name.as_str()) {
            request = request.header(name, value);
        }
    }
    request
}

/// An upstream answer, read whole, without the headers that describe its framing.
pub struct Relayed {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
}

/// Sends `request` and reads its answer; `None` when the upstream did not answer in full.
pub async fn relay(request: reqwest::RequestBuilder) -> Option<Relayed> {
    let answer = request.send().await.ok()?;
    let status = answer.status();
    let framing = ["content-length", "transfer-encoding", "connection"];
    let headers = answer
        .headers()
        .iter()
        .filter(|(name, _)| !framing.contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let body = answer.bytes().await.ok()?;
    Some(Relayed {
        status,
        headers,
        body,
    })
}

impl Relayed {
    /// The answer to pass back, as it came.
    pub fn into_response(self) -> Response {
        let mut response = Response::builder().status(self.status);
        for (name, value) in self.headers {
            response = response.header(name, value);
        }
        response
            .body(Body::from(self.body))
            .unwrap_or_else(|_| status_only(StatusCode::BAD_GATEWAY))
    }
}

/// An answer with `status` and nothing else.
pub fn status_only(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}
