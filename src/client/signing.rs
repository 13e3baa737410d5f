//! auth-v2 signing for a run: the signing key derived for the last prefix is kept. The prefix
//! holds a timestamp of whole seconds, so a run sending thousands of requests a second derives
//! one key a second instead of one per request (one HMAC of two per request). The signature
//! itself is computed anew for every request, by [`crate::auth`].

use std::sync::Mutex;

use crate::auth::{self, Credentials, Secret, SigningInput, SigningKey};

/// The last derived key, with what it was derived from. `Clone` gives an empty cache.
#[derive(Default)]
pub(super) struct SigningKeys(Mutex<Option<Derived>>);

struct Derived {
    /// A probe signs with a wrong secret under the same prefix: the secret is part of the key.
    sk: Secret,
    prefix: String,
    key: SigningKey,
}

impl SigningKeys {
    /// The `Authorization` value of `input`, the same as [`auth::authorization`] gives.
    pub(super) fn authorization(
        &self,
        creds: &Credentials,
        timestamp: &str,
        input: &SigningInput<'_>,
    ) -> String {
        let prefix = auth::authorization_prefix(&creds.ak, timestamp, input.headers);
        let key = self.key(&creds.sk, &prefix);
        key.authorization(prefix, input)
    }

    fn key(&self, sk: &Secret, prefix: &str) -> SigningKey {
        if let Ok(last) = self.0.lock() {
            if let Some(derived) = last.as_ref().filter(|d| d.prefix == prefix && d.sk == *sk) {
                return derived.key.clone();
            }
        }
        let key = SigningKey::derive(sk, prefix);
        if let Ok(mut last) = self.0.lock() {
            *last = Some(Derived {
                sk: sk.clone(),
                prefix: prefix.to_owned(),
                key: key.clone(),
            });
        }
        key
    }
}

impl Clone for SigningKeys {
    fn clone(&self) -> Self {
        SigningKeys::default()
    }
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKeys(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids";

    fn input<'a>(headers: &'a [(&'a str, &'a str)], body: &'a [u8]) -> SigningInput<'a> {
        SigningInput {
            method: "POST",
            path: PATH,
            query: None,
            headers,
            body,
        }
    }

    #[test]
    fn a_kept_key_signs_as_a_fresh_one_for_every_secret_time_and_request() {
        let keys = SigningKeys::default();
        let right = Credentials::new("ak", "sk-right");
        let wrong = Credentials::new("ak", "sk-wrong");
        let host = [("host", "127.0.0.1:1")];
        let both = [
            ("content-type", "application/json"),
            ("host", "127.0.0.1:1"),
        ];
        for (creds, time, headers, body) in [
            (&right, "2023-12-19T08:00:00Z", &host[..], &b"{}"[..]),
            (&right, "2023-12-19T08:00:00Z", &host[..], &b"{\"a\":1}"[..]),
            (&wrong, "2023-12-19T08:00:00Z", &host[..], &b"{}"[..]),
            (&right, "2023-12-19T08:00:00Z", &host[..], &b"{}"[..]),
            (&right, "2023-12-19T08:00:01Z", &host[..], &b"{}"[..]),
            (&right, "2023-12-19T08:00:01Z", &both[..], &b"{}"[..]),
        ] {
            let request = input(headers, body);
            assert_eq!(
                keys.authorization(creds, time, &request),
                auth::authorization(creds, time, &request)
            );
        }
    }

    #[test]
    fn the_key_of_the_last_prefix_and_secret_is_kept() {
        let keys = SigningKeys::default();
        let creds = Credentials::new("ak", "sk-right");
        let kept = |keys: &SigningKeys| {
            let last = keys.0.lock().ok()?;
            last.as_ref().map(|d| (d.prefix.clone(), d.sk == creds.sk))
        };
        let request = input(&[("host", "h")], b"{}");
        keys.authorization(&creds, "2023-12-19T08:00:00Z", &request);
        let first = kept(&keys);
        assert_eq!(
            first,
            Some(("auth-v2/ak/2023-12-19T08:00:00Z/host".to_owned(), true))
        );
        keys.authorization(
            &creds,
            "2023-12-19T08:00:00Z",
            &input(&[("host", "h")], b"[]"),
        );
        assert_eq!(kept(&keys), first, "same prefix: the kept key serves");
        keys.authorization(&creds, "2023-12-19T08:00:01Z", &request);
        assert_eq!(
            kept(&keys).map(|(prefix, _)| prefix).as_deref(),
            Some("auth-v2/ak/2023-12-19T08:00:01Z/host")
        );
        let wrong = Credentials::new("ak", "sk-wrong");
        keys.authorization(&wrong, "2023-12-19T08:00:01Z", &request);
        assert_eq!(kept(&keys).map(|(_, right)| right), Some(false));
    }

    #[test]
    fn debug_output_names_no_secret() {
        let keys = SigningKeys::default();
        let creds = Credentials::new("ak", "sk-visible-canary");
        keys.authorization(
            &creds,
            "2023-12-19T08:00:00Z",
            &input(&[("host", "h")], b""),
        );
        assert_eq!(format!("{keys:?}"), "SigningKeys(***)");
    }
}
