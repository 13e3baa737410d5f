//! What makes two runs hard to compare, said at the top of a diff: another target, another
//! profile, another case set or other schemas. A regression review of two different servers,
//! or of two contracts, is not a regression review. Pure.

use crate::report::RunMeta;
use crate::report::reproduce::EMBEDDED_TARGET;

/// One line per difference, empty when the runs are comparable.
pub fn warnings(old: &RunMeta, new: &RunMeta) -> Vec<String> {
    let mut lines = Vec::new();
    if !same_target(&old.target, &new.target) {
        lines.push(format!(
            "The runs were against different targets (old `{}`, new `{}`): a difference may be \
             the server's, not a change.",
            old.target, new.target
        ));
    }
    if old.profile != new.profile {
        lines.push(format!(
            "The runs used different profiles (old `{}`, new `{}`): other limits and rules judged \
             the answers.",
            old.profile, new.profile
        ));
    }
    let known = |hash: &str| !hash.is_empty();
    if known(&old.case_set_hash)
        && known(&new.case_set_hash)
        && old.case_set_hash != new.case_set_hash
    {
        let why = if old.seed != new.seed {
            " (the seeds differ, so generated cases send other requests)"
        } else {
            ""
        };
        lines.push(format!(
            "The runs had different case sets (case-set hash old `{}`, new `{}`){why}: cases \
             were added, removed or send other requests.",
            short(&old.case_set_hash),
            short(&new.case_set_hash)
        ));
    }
    if known(&old.schema_hash) && known(&new.schema_hash) && old.schema_hash != new.schema_hash {
        lines.push(format!(
            "The runs judged against different schemas (schema hash old `{}`, new `{}`): the same \
             answer may be judged differently.",
            short(&old.schema_hash),
            short(&new.schema_hash)
        ));
    }
    lines
}

/// Two runs against the embedded mock are against the same server whatever port it had.
fn same_target(old: &str, new: &str) -> bool {
    old == new || (old.starts_with(EMBEDDED_TARGET) && new.starts_with(EMBEDDED_TARGET))
}

/// The first 12 characters of a hash.
fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(target: &str, profile: &str, case_set: &str, seed: u64) -> RunMeta {
        RunMeta {
            target: target.into(),
            profile: profile.into(),
            case_set_hash: case_set.into(),
            schema_hash: "5c1e2b".into(),
            seed,
            ..RunMeta::default()
        }
    }

    #[test]
    fn comparable_runs_have_no_warning() {
        let old = meta("embedded-mock (127.0.0.1:4000)", "2023-12", "abc", 1);
        let new = meta("embedded-mock (127.0.0.1:4100)", "2023-12", "abc", 1);
        assert!(warnings(&old, &new).is_empty());
        // An older report without hashes is not a difference.
        assert!(warnings(&meta("t", "p", "", 1), &meta("t", "p", "def", 1)).is_empty());
    }

    #[test]
    fn another_target_profile_case_set_or_schema_is_said() {
        let old = meta("https://a.example", "2023-12", "0123456789abcdef", 1);
        let mut new = meta("https://b.example", "2024-06", "fedcba9876543210", 2);
        new.schema_hash = "77aa".into();
        let lines = warnings(&old, &new);
        assert_eq!(lines.len(), 4, "{lines:#?}");
        assert!(
            lines[0]
                .contains("different targets (old `https://a.example`, new `https://b.example`)")
        );
        assert!(lines[1].contains("different profiles (old `2023-12`, new `2024-06`)"));
        assert!(lines[2].contains("old `0123456789ab`, new `fedcba987654`) (the seeds differ"));
        assert!(lines[3].contains("different schemas"));
    }
}
