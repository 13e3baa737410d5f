//! Building the reqwest client: rustls, the trust options (`--insecure`, `--cacert`,
//! `--client-cert`), no redirects, no default headers (every header sent is one the request
//! records), the connect timeout, and whether idle connections are kept ([`Pool`]).
//! Certificate files are read here, and a file that cannot be used is named in the error.

use std::path::Path;
use std::time::Duration;

use reqwest::redirect::Policy;
use reqwest::{Certificate, Identity};

use super::{ClientConfig, ClientError};

/// How long a kept-alive connection may sit idle in the pool before it is closed and the next
/// request opens a fresh one. Load balancers and gateways close idle connections without
/// notice after 1 s to 60 s (AWS ALB 60 s, nginx's `keepalive_timeout` 75 s, many API gateways a
/// few seconds, some 1 s), and reqwest's own default of 90 s outlives every one of them: the
/// run's phases sit idle longer than that, and a request then written on a connection the
/// server just closed fails. Half a second is below the shortest of those with room for the
/// client to notice late, and costs a run only a handshake per phase. A server that closes even
/// sooner is met by the one re-send (`wire`).
pub(super) const POOL_IDLE_TIMEOUT: Duration = Duration::from_millis(500);

/// Whether a connection goes back to the pool after its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pool {
    /// Idle connections are kept for the next request, at most [`POOL_IDLE_TIMEOUT`].
    KeepAlive,
    /// No idle connection is kept, so every request opens its own.
    FreshEachRequest,
}

/// The reqwest client; `track` sees every connection it opens (`reused`).
pub(super) fn http_client(
    config: &ClientConfig,
    pool: Pool,
    track: super::reused::TrackOpened,
) -> Result<reqwest::Client, ClientError> {
    let mut builder = reqwest::Client::builder()
        // A 3xx is the answer the checks judge; following it could carry the Authorization
        // header to another host.
        .redirect(Policy::none())
        // Every case is sent once: reqwest would otherwise resend on an HTTP/2 refusal, and a
        // resent probe counts against a server's lockout.
        .retry(reqwest::retry::never())
        .default_headers(reqwest::header::HeaderMap::new())
        // Traffic goes to --target and nowhere else: an HTTP(S)_PROXY in the environment must
        // not silently route a conformance run (and its signatures) through another host.
        .no_proxy()
        .connect_timeout(config.effective_connect_timeout())
        .connector_layer(track)
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .tls_danger_accept_invalid_certs(config.insecure);
    if pool == Pool::FreshEachRequest {
        builder = builder.pool_max_idle_per_host(0);
    }
    if let Some(file) = &config.cacert {
        builder = builder.tls_certs_merge(ca_bundle(file)?);
    }
    if let Some(file) = &config.client_cert {
        builder = builder.identity(identity(file)?);
    }
    builder.build().map_err(|error| {
        let detail = super::failure::error_chain(&error);
        let files: Vec<String> = [&config.cacert, &config.client_cert]
            .into_iter()
            .flatten()
            .map(|f| f.display().to_string())
            .collect();
        match files.as_slice() {
            [file] => ClientError::Certificate {
                file: file.clone(),
                message: format!("cannot be used for TLS: {detail}"),
            },
            [] => ClientError::Build(detail),
            _ => ClientError::Build(format!(
                "TLS setup failed ({detail}): check {}",
                files.join(" and ")
            )),
        }
    })
}

fn read(file: &Path, what: &str) -> Result<Vec<u8>, ClientError> {
    std::fs::read(file).map_err(|error| ClientError::Certificate {
        file: file.display().to_string(),
        message: format!("cannot read the {what}: {error}"),
    })
}

/// Every certificate of a PEM bundle.
fn ca_bundle(file: &Path) -> Result<Vec<Certificate>, ClientError> {
    let pem = read(file, "CA bundle (--cacert)")?;
    let invalid = |detail: String| ClientError::Certificate {
        file: file.display().to_string(),
        message: format!("not a PEM CA bundle (--cacert): {detail}"),
    };
    let certs = Certificate::from_pem_bundle(&pem).map_err(|e| invalid(e.to_string()))?;
    if certs.is_empty() {
        return Err(invalid(
            "no \"-----BEGIN CERTIFICATE-----\" block found".into(),
        ));
    }
    Ok(certs)
}

/// A client identity: one PEM file holding the private key and its certificate chain.
fn identity(file: &Path) -> Result<Identity, ClientError> {
    let pem = read(file, "client certificate (--client-cert)")?;
    Identity::from_pem(&pem).map_err(|error| ClientError::Certificate {
        file: file.display().to_string(),
        message: format!(
            "not a PEM private key and certificate (--client-cert wants both in one file): {}",
            super::failure::error_chain(&error)
        ),
    })
}
