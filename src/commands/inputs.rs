//! A run's inputs checked before its first request: every path flag names something usable
//! (`--schemas`, `--cases-dir`, `--regressions`, `--baseline`, a writable `--report-dir`), the
//! selection matches a case, and a cleartext target that is not loopback gets a warning.
//! [`check`] comes before the contract is loaded, [`check_selection`] once the cases are. A
//! problem is a usage error (exit 2) naming the flag and the path, found before anything is
//! sent rather than after the whole suite went out.

use std::net::IpAddr;
use std::path::Path;

use libtest_mimic::Arguments;

use crate::cases::Case;
use crate::cli::{GlobalArgs, RunArgs};
use crate::contract::{Contract, DataSource};
use crate::error::{Error, Result};

/// The path flags of `run` (and the global ones it reads), checked in the order a reader
/// would fix them; then the cleartext warning on stderr.
pub fn check(args: &RunArgs, global: &GlobalArgs) -> Result<()> {
    exact_needs_a_filter(args)?;
    if let Some(dir) = &global.schemas {
        schemas(dir)?;
    }
    if let Some(dir) = &global.cases_dir {
        existing_dir("--cases-dir", dir)?;
    }
    if let Some(dir) = &args.regressions {
        existing_dir("--regressions", dir)?;
    }
    if let Some(file) = &args.baseline {
        // Read again when the run ends; read now so a wrong path costs no requests.
        crate::report::baseline::read_accepted(file)?;
    }
    if let Some(host) = args.target.as_deref().and_then(cleartext_host) {
        eprintln!(
            "warning: --target is plain http:// to {host}, which is not this machine: the access \
             key and every request's signature travel in clear text (use https://)"
        );
    }
    Ok(())
}

/// Once the cases are known: the selection keeps at least one, and the report directory can be
/// written (created and probed last, so a run refused for its inputs writes nothing).
///
/// `scan` are the fleet scan's cases: they run before the trials, and a rerun line names one
/// (`--exact fleet::0001`) as it names any other case. `relations`: the relations and limit
/// discoveries the selection keeps (`cmsconform run relation::` runs those alone).
pub fn check_selection(
    args: &RunArgs,
    arguments: &Arguments,
    cases: &[Case],
    scan: &[Case],
    relations: &[String],
) -> Result<()> {
    selection(args, arguments, cases, scan, relations)?;
    if !args.no_report && !args.list {
        writable_dir("--report-dir", &args.report_dir)?;
    }
    Ok(())
}

/// A filter or skip list that keeps no case and no relation is a usage error naming it: a typo
/// would otherwise pass as a green run of nothing.
fn selection(
    args: &RunArgs,
    arguments: &Arguments,
    cases: &[Case],
    scan: &[Case],
    relations: &[String],
) -> Result<()> {
    if args.filter.is_none() && args.skip.is_empty() {
        return Ok(());
    }
    if !relations.is_empty()
        || !super::trials::selected(arguments, cases).is_empty()
        || !super::trials::selected(arguments, scan).is_empty()
    {
        return Ok(());
    }
    let mut selection = Vec::new();
    if let Some(filter) = &args.filter {
        let exact = if args.exact { " (--exact)" } else { "" };
        selection.push(format!("FILTER {filter:?}{exact}"));
    }
    for skip in &args.skip {
        selection.push(format!("--skip {skip:?}"));
    }
    Err(Error::Usage(format!(
        "no case or relation matches {} among the {} cases of this run (see them with --list)",
        selection.join(" with "),
        cases.len() + scan.len()
    )))
}

/// `--exact` says how FILTER (or `--skip`) matches: alone it matches nothing in particular, and
/// libtest would run the whole suite as if it were not there.
fn exact_needs_a_filter(args: &RunArgs) -> Result<()> {
    if args.exact && args.filter.is_none() && args.skip.is_empty() {
        return Err(Error::Usage(
            "--exact needs a FILTER: the name of the case or relation to run, e.g. `cmsconform run --exact hand::seed_example` (names: --list)"
                .into(),
        ));
    }
    Ok(())
}

/// A `--target` that already ends with the interface path would be sent to the path twice
/// (`.../agentstatusinfobyagentids/rest/cmsapp/...`): every request would miss, and the
/// preflight would stop the run with advice about gateways. Caught before the first request,
/// with the base URL to pass instead.
pub fn check_target_path(target: &crate::runner::Target, path: &str) -> Result<()> {
    let crate::runner::Target::Remote { base_url } = target else {
        return Ok(());
    };
    let Some(base) = strip_interface_path(base_url, path) else {
        return Ok(());
    };
    Err(Error::Usage(format!(
        "--target {base_url} already ends with the interface path {path}: the harness adds the path to every request itself (--path). Pass the server's base URL: --target {base}"
    )))
}

/// `url` without its trailing `path` (compared without the query, case-insensitively, trailing
/// slashes ignored), when it ends with it.
fn strip_interface_path(url: &str, path: &str) -> Option<String> {
    let path = path.trim_end_matches('/');
    if path.is_empty() || path == "/" {
        return None;
    }
    let url = url.trim().split(['?', '#']).next().unwrap_or("");
    let url = url.trim_end_matches('/');
    let cut = url.len().checked_sub(path.len())?;
    let (base, tail) = (url.get(..cut)?, url.get(cut..)?);
    // The path's match must start a segment: `https://h/xrest/...` is not `https://h` + path.
    (tail.eq_ignore_ascii_case(path) && base.contains("://") && !base.ends_with("://"))
        .then(|| base.to_owned())
}

/// `--schemas DIR` exists and holds at least one profile.
fn schemas(dir: &Path) -> Result<()> {
    existing_dir("--schemas", dir)?;
    let names = Contract::profile_names(&DataSource::Directory(dir.to_path_buf()))
        .map_err(|e| Error::Usage(format!("--schemas {}: {e}", dir.display())))?;
    if names.is_empty() {
        return Err(Error::Usage(format!(
            "--schemas {} holds no profile: a profile is a directory with a profile.json \
             (like schemas/2023-12/ of the project)",
            dir.display()
        )));
    }
    Ok(())
}

fn existing_dir(flag: &str, dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let why = if dir.exists() {
        "is not a directory"
    } else {
        "does not exist"
    };
    Err(Error::Usage(format!("{flag} {}: {why}", dir.display())))
}

/// Creates `dir` and proves a file can be written in it (and removes the probe).
fn writable_dir(flag: &str, dir: &Path) -> Result<()> {
    let unwritable = |e: std::io::Error| {
        Error::Usage(format!("{flag} {}: cannot write there: {e}", dir.display()))
    };
    std::fs::create_dir_all(dir).map_err(unwritable)?;
    let probe = dir.join(format!(".cmsconform-write-probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(unwritable)?;
    // The probe is ours and empty: failing to remove it is not worth failing the run.
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// The host of an `http://` target that is not loopback (127.0.0.0/8, ::1, localhost): what
/// the AK and signatures would cross a network to in clear. `None` for https, loopback, or a
/// URL that does not parse (the client reports that one).
pub fn cleartext_host(target: &str) -> Option<String> {
    let url = reqwest::Url::parse(target.trim()).ok()?;
    if url.scheme() != "http" {
        return None;
    }
    let host = url.host_str()?;
    let loopback = match host.trim_start_matches('[').trim_end_matches(']').parse() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => {
            let name = host.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    };
    (!loopback).then(|| host.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleartext_is_flagged_only_off_this_machine() {
        for target in [
            "http://cms.example:28080",
            "http://10.0.0.7:28080/",
            "HTTP://192.0.2.1",
            "http://[2001:db8::1]:8080",
            "http://128.0.0.1",
            "http://user:pw@cms.example",
        ] {
            assert!(cleartext_host(target).is_some(), "{target}");
        }
        assert_eq!(
            cleartext_host("http://user:pw@cms.example:1/x").as_deref(),
            Some("cms.example"),
            "the host only, never the credentials of the URL"
        );
        for target in [
            "https://cms.example:28080",
            "http://127.0.0.1:8080",
            "http://127.255.0.9",
            "http://[::1]:8080",
            "http://[::ffff:127.0.0.1]",
            "http://localhost:8080",
            "http://LocalHost.",
            "http://api.localhost",
            "not a url",
        ] {
            assert_eq!(cleartext_host(target), None, "{target}");
        }
    }

    #[test]
    fn a_target_with_the_interface_path_is_refused_with_its_base_url() {
        let path = "/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids";
        for (url, base) in [
            (
                format!("https://cms.example:28080{path}"),
                "https://cms.example:28080",
            ),
            (
                format!("https://cms.example:28080{path}/"),
                "https://cms.example:28080",
            ),
            (
                format!("http://10.0.0.7/gw{path}?x=1"),
                "http://10.0.0.7/gw",
            ),
            (
                format!("https://cms.example{}", path.to_uppercase()),
                "https://cms.example",
            ),
        ] {
            assert_eq!(
                strip_interface_path(&url, path).as_deref(),
                Some(base),
                "{url}"
            );
            let target = crate::runner::Target::Remote { base_url: url };
            let err = check_target_path(&target, path).unwrap_err();
            assert_eq!(err.exit_code(), crate::exit::USAGE);
            assert!(
                err.to_string().contains(&format!("--target {base}")),
                "{err}"
            );
        }
        for url in [
            "https://cms.example:28080",
            "https://cms.example/rest/cmsapp/v1",
            "https://cms.example/xrest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentidsx",
        ] {
            assert_eq!(strip_interface_path(url, path), None, "{url}");
        }
        let embedded = crate::runner::Target::Embedded { faults: Vec::new() };
        assert!(check_target_path(&embedded, path).is_ok());
    }

    #[test]
    fn directories_are_named_with_their_flag() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let err = existing_dir("--cases-dir", &missing)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--cases-dir") && err.contains("nope") && err.contains("does not exist")
        );
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let err = existing_dir("--cases-dir", &file).unwrap_err().to_string();
        assert!(err.contains("is not a directory"), "{err}");
        let err = schemas(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("--schemas") && err.contains("holds no profile"),
            "{err}"
        );
    }

    #[test]
    fn the_report_dir_is_created_and_probed() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        writable_dir("--report-dir", &nested).unwrap();
        assert!(nested.is_dir());
        assert_eq!(
            std::fs::read_dir(&nested).unwrap().count(),
            0,
            "no probe left"
        );
        std::fs::write(dir.path().join("blocked"), "a file").unwrap();
        let err = writable_dir("--report-dir", &dir.path().join("blocked/latest")).unwrap_err();
        assert_eq!(err.exit_code(), crate::exit::USAGE);
        assert!(err.to_string().contains("--report-dir"), "{err}");
    }
}
