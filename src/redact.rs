//! Secret redaction for everything the harness writes: reports, logs, curl lines, messages.
//! An `Authorization` value keeps its public parts (`auth-v2/AK/timestamp/signedHeaders`) and
//! loses its signature; any known secret text is replaced wherever it appears.

/// Placeholder written in place of a secret.
pub const REDACTED: &str = "***";

/// Redacts an `Authorization` value: `auth-v2/AK/ts/headers/<sig>` → `auth-v2/AK/ts/headers/***`.
/// Anything that is not auth-v2 shaped is redacted whole.
pub fn authorization(value: &str) -> String {
    match value.rsplit_once('/') {
        Some((prefix, _)) if value.starts_with("auth-v2/") => format!("{prefix}/{REDACTED}"),
        _ => REDACTED.to_owned(),
    }
}

/// Scrubs known secrets (the SK, signatures sent) out of arbitrary text. Its `Debug` shows how
/// many secrets it holds, never the secrets.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<Secret>,
}

/// A secret and its prepared searcher: every recorded request and answer is scrubbed, and a
/// searcher built once is several times cheaper than `str::contains` building one per call.
/// Shared, so a redactor extended for one exchange (its signature) is cloned without copying.
#[derive(Clone)]
struct Secret {
    text: std::sync::Arc<str>,
    finder: std::sync::Arc<memchr::memmem::Finder<'static>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl Redactor {
    pub fn new() -> Self {
        Redactor::default()
    }

    /// Registers a secret; empty and very short strings are ignored (they would shred text).
    pub fn add(&mut self, secret: &str) {
        if secret.len() >= 4 && !self.secrets.iter().any(|s| &*s.text == secret) {
            self.secrets.push(Secret {
                text: secret.into(),
                finder: memchr::memmem::Finder::new(secret.as_bytes())
                    .into_owned()
                    .into(),
            });
        }
    }

    pub fn with(mut self, secret: &str) -> Self {
        self.add(secret);
        self
    }

    /// The length of the longest secret: text cut at least this far past a point can be
    /// scrubbed without a secret straddling the cut.
    pub fn longest(&self) -> usize {
        self.secrets.iter().map(|s| s.text.len()).max().unwrap_or(0)
    }

    /// `text` with every registered secret replaced by [`REDACTED`].
    pub fn scrub(&self, text: &str) -> String {
        let mut scrubbed: Option<String> = None;
        for secret in &self.secrets {
            let current = scrubbed.as_deref().unwrap_or(text);
            if secret.finder.find(current.as_bytes()).is_some() {
                scrubbed = Some(current.replace(&*secret.text, REDACTED));
            }
        }
        scrubbed.unwrap_or_else(|| text.to_owned())
    }

    /// Headers with `Authorization` redacted and secrets scrubbed from every value.
    pub fn headers(&self, headers: &[(String, String)]) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(name, value)| {
                let value = if name.eq_ignore_ascii_case("authorization") {
                    authorization(value)
                } else {
                    self.scrub(value)
                };
                (name.clone(), value)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_keeps_public_parts() {
        assert_eq!(
            authorization("auth-v2/ak/2023-12-19T08:00:00Z/host/abcdef"),
            "auth-v2/ak/2023-12-19T08:00:00Z/host/***"
        );
        assert_eq!(authorization("Bearer xyz"), "***");
    }

    #[test]
    fn debug_output_names_no_secret() {
        let shown = format!("{:?}", Redactor::new().with("sekrit-key"));
        assert_eq!(shown, "Redactor { secrets: 1 }");
    }

    #[test]
    fn scrub_replaces_every_secret() {
        let r = Redactor::new().with("sekrit-key").with("ab");
        assert_eq!(r.scrub("a sekrit-key b sekrit-key ab"), "a *** b *** ab");
        let h = r.headers(&[("Authorization".into(), "auth-v2/a/t/host/sig".into())]);
        assert_eq!(h[0].1, "auth-v2/a/t/host/***");
    }
}
