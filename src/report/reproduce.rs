//! How to replay one case by hand: a `curl` line whose signature is `$CMSCONFORM_AUTH`, a note on
//! producing that signature, and the `cmsconform run` command that reruns the case alone (the
//! run's own command line, so TLS options, timeouts, the home pair... come along). Builds
//! strings only, from records that are already redacted; it never sees a secret.

use super::model::{Reproduction, RequestRecord, RunMeta};

/// The target name a run against the embedded mock records (`embedded-mock` or
/// `embedded-mock (127.0.0.1:PORT)`): no `--target` is needed to rerun it.
pub const EMBEDDED_TARGET: &str = "embedded-mock";

/// The comment a curl line ends with when the body it sends is only the report's excerpt.
pub const CUT_BODY_NOTE: &str =
    "# body cut to a report excerpt: rerun with cmsconform for the exact bytes";

/// Headers curl computes itself: sending the recorded ones would be wrong once the body differs.
const CURL_OWNED_HEADERS: &[&str] = &["content-length", "transfer-encoding", "connection"];

pub fn reproduction(meta: &RunMeta, case_id: &str, request: &RequestRecord) -> Reproduction {
    Reproduction {
        curl: curl_line(request),
        auth_note: auth_note(request),
        command: rerun_command(meta, case_id),
    }
}

/// `curl -sS -i -X POST 'URL' -H '...' -H "Authorization: $CMSCONFORM_AUTH" --data-binary '...'`.
pub fn curl_line(request: &RequestRecord) -> String {
    let mut parts = vec![
        "curl -sS -i".to_owned(),
        format!("-X {}", shell_quote(&request.method)),
        shell_quote(&request.url),
    ];
    for (name, value) in &request.headers {
        if name.eq_ignore_ascii_case("authorization") {
            parts.push("-H \"Authorization: $CMSCONFORM_AUTH\"".to_owned());
        } else if !CURL_OWNED_HEADERS
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h))
        {
            parts.push(format!("-H {}", shell_quote(&format!("{name}: {value}"))));
        }
    }
    if request.body_bytes > 0 || !request.body.is_empty() {
        parts.push(format!("--data-binary {}", shell_quote(&request.body)));
    }
    let mut line = parts.join(" ");
    if request.body.len() < request.body_bytes {
        line.push_str("  ");
        line.push_str(CUT_BODY_NOTE);
    }
    line
}

/// One line on producing `$CMSCONFORM_AUTH`, naming the signed headers the run used.
pub fn auth_note(request: &RequestRecord) -> String {
    let signed = request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, v)| v.split('/').nth(3))
        .filter(|s| !s.is_empty() && *s != "***")
        .unwrap_or("host");
    format!(
        "CMSCONFORM_AUTH is a fresh auth-v2 signature: `auth-v2/AK/TIMESTAMP/{signed}/SIG` with \
         TIMESTAMP = UTC now (yyyy-MM-ddTHH:mm:ssZ), signingKey = hex(HMAC-SHA256(SK, \
         \"auth-v2/AK/TIMESTAMP/{signed}\")), SIG = hex(HMAC-SHA256(signingKey, canonical request \
         over method, path, the signed headers ({signed}) and the percent-encoded body)). \
         `cmsconform run ... --exact ID` signs it for you."
    )
}

/// The run's own command line (`meta.command`: every flag that changes what is sent or how it
/// is judged) with `--exact 'ID'`; from the profile, seed and target when the record has none.
pub fn rerun_command(meta: &RunMeta, case_id: &str) -> String {
    let has = |command: &str, flag: &str| command.split(' ').any(|word| word == flag);
    let own = |command: &str| {
        command.starts_with("cmsconform run ")
            && has(command, "--profile")
            && has(command, "--seed")
    };
    let mut command = if own(&meta.command) {
        meta.command.clone()
    } else {
        // A record without a full command line (an older report, a test's).
        format!(
            "cmsconform run --profile {} --seed {}",
            shell_quote(&meta.profile),
            meta.seed
        )
    };
    // `--cases` is the old spelling, in the command lines of earlier reports.
    let counted = has(&command, "--property-cases") || has(&command, "--cases");
    if case_id.starts_with("property::") && !counted {
        // Property case ids depend on how many were generated.
        command.push_str(&format!(" --property-cases {}", meta.property_cases));
    }
    if !meta.target.is_empty()
        && !meta.target.starts_with(EMBEDDED_TARGET)
        && !has(&command, "--target")
    {
        command.push_str(&format!(" --target {}", shell_quote(&meta.target)));
    }
    command.push_str(&format!(" --exact {}", shell_quote(case_id)));
    command
}

/// Quotes `text` for a POSIX shell: bare when it is plainly safe, single-quoted otherwise, and
/// ANSI-C quoted (`$'...'`) when it holds control characters a terminal would swallow.
pub fn shell_quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        return text.to_owned();
    }
    if text.chars().any(char::is_control) {
        let mut out = String::from("$'");
        for c in text.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('\'');
        return out;
    }
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> RequestRecord {
        RequestRecord {
            method: "POST".into(),
            url: "https://cms.example:28080/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids".into(),
            headers: vec![
                ("host".into(), "cms.example:28080".into()),
                ("content-type".into(), "application/json; charset=UTF-8".into()),
                ("content-length".into(), "20".into()),
                ("authorization".into(), "auth-v2/ak/2026-01-01T00:00:00Z/content-type;host/***".into()),
            ],
            body: r#"{"ccId":1,"vdn":"it's"}"#.into(),
            body_bytes: 23,
        }
    }

    #[test]
    fn curl_line_quotes_and_hides_the_signature() {
        let curl = curl_line(&request());
        assert_eq!(
            curl,
            "curl -sS -i -X POST https://cms.example:28080/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids \
             -H 'host: cms.example:28080' -H 'content-type: application/json; charset=UTF-8' \
             -H \"Authorization: $CMSCONFORM_AUTH\" --data-binary '{\"ccId\":1,\"vdn\":\"it'\\''s\"}'"
        );
        assert!(auth_note(&request()).contains("content-type;host"));
    }

    #[test]
    fn control_characters_use_ansi_c_quoting() {
        assert_eq!(shell_quote("a\nb'c"), "$'a\\nb\\'c'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("hand::x"), "hand::x");
    }

    #[test]
    fn rerun_names_the_target_only_off_the_mock() {
        let mut meta = RunMeta {
            profile: "2023-12".into(),
            seed: 7,
            property_cases: 32,
            target: "embedded-mock (127.0.0.1:4000)".into(),
            ..RunMeta::default()
        };
        assert_eq!(
            rerun_command(&meta, "hand::empty_body"),
            "cmsconform run --profile 2023-12 --seed 7 --exact hand::empty_body"
        );
        meta.target = "https://cms.example".into();
        assert_eq!(
            rerun_command(&meta, "property::0003"),
            "cmsconform run --profile 2023-12 --seed 7 --property-cases 32 --target https://cms.example --exact property::0003"
        );
    }

    #[test]
    fn rerun_keeps_the_run_flags() {
        let meta = RunMeta {
            profile: "2023-12".into(),
            seed: 7,
            property_cases: 32,
            target: "https://cms.example".into(),
            command: "cmsconform run --profile 2023-12 --seed 7 --target https://cms.example \
                      --cases 32 --cc-id 3 --timeout 30s --insecure"
                .into(),
            ..RunMeta::default()
        };
        assert_eq!(
            rerun_command(&meta, "property::0003"),
            format!("{} --exact property::0003", meta.command)
        );
        // Today's spelling is not counted twice either.
        let meta = RunMeta {
            command: "cmsconform run --profile 2023-12 --seed 7 --target https://cms.example \
                      --property-cases 32"
                .into(),
            ..meta
        };
        assert_eq!(
            rerun_command(&meta, "property::0003"),
            format!("{} --exact property::0003", meta.command)
        );
    }
}
