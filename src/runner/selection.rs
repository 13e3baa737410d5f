//! Which named parts of a run the user kept: libtest's FILTER, `--exact` and `--skip`, applied
//! alike to case ids and to the names of the relations and the limit discovery
//! (`relation::repetition`, `discovery::vdn`). Pure: the commands layer fills it from its flags
//! (and checks it agrees with libtest-mimic's own filtering, which decides the trials); the
//! runner only asks [`Selection::keeps`].

/// A run's selection, as `cargo test` reads one: a FILTER substring (a whole name with
/// `--exact`), and `--skip` patterns (substrings; whole names with `--exact`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub filter: Option<String>,
    pub exact: bool,
    pub skip: Vec<String>,
}

impl Selection {
    /// Keeps everything: no filter, nothing skipped.
    pub fn everything() -> Selection {
        Selection::default()
    }

    /// True when neither a filter nor a skip pattern was given.
    pub fn is_everything(&self) -> bool {
        self.filter.is_none() && self.skip.is_empty()
    }

    /// Whether `name` is kept, with libtest's semantics.
    pub fn keeps(&self, name: &str) -> bool {
        if let Some(filter) = &self.filter {
            if !self.matches(name, filter) {
                return false;
            }
        }
        !self.skips(name)
    }

    /// Whether a `--skip` pattern drops `name` (whatever the filter says).
    pub fn skips(&self, name: &str) -> bool {
        self.skip.iter().any(|skip| self.matches(name, skip))
    }

    fn matches(&self, name: &str, pattern: &str) -> bool {
        if self.exact {
            name == pattern
        } else {
            name.contains(pattern)
        }
    }

    /// `FILTER "hand::" (--exact), --skip "property"`: the selection in the words of its flags,
    /// for the lines that say what it left out. Empty when it keeps everything.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(filter) = &self.filter {
            let exact = if self.exact { " (--exact)" } else { "" };
            parts.push(format!("FILTER {filter:?}{exact}"));
        }
        for skip in &self.skip {
            parts.push(format!("--skip {skip:?}"));
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection(filter: Option<&str>, exact: bool, skip: &[&str]) -> Selection {
        Selection {
            filter: filter.map(str::to_owned),
            exact,
            skip: skip.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn a_filter_is_a_substring_and_exact_a_whole_name() {
        let all = Selection::everything();
        assert!(all.is_everything() && all.keeps("relation::repetition"));
        assert_eq!(all.describe(), "");
        let relations = selection(Some("relation::"), false, &[]);
        assert!(relations.keeps("relation::sub-batch::tail"));
        assert!(!relations.keeps("discovery::vdn"));
        assert!(!relations.keeps("hand::seed_example"));
        let one = selection(Some("relation::repetition"), true, &[]);
        assert!(one.keeps("relation::repetition"));
        assert!(!one.keeps("relation::repetition::x"));
        assert_eq!(one.describe(), "FILTER \"relation::repetition\" (--exact)");
    }

    #[test]
    fn a_skip_drops_what_contains_it_and_keeps_the_rest() {
        let skip = selection(None, false, &["hand::empty_body", "property"]);
        assert!(!skip.is_everything());
        assert!(!skip.keeps("hand::empty_body"));
        assert!(skip.skips("property::0001") && !skip.skips("hosted::cc2_vdn170::0001"));
        assert!(!skip.keeps("property::0001"));
        assert!(skip.keeps("relation::permutation"));
        assert!(skip.keeps("discovery::agentIds.length"));
        assert_eq!(
            skip.describe(),
            "--skip \"hand::empty_body\", --skip \"property\""
        );
        let exact_skip = selection(None, true, &["discovery::agentIds"]);
        assert!(!exact_skip.keeps("discovery::agentIds"));
        assert!(exact_skip.keeps("discovery::agentIds.length"));
    }
}
