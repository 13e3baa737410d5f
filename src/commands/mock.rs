//! `cmsconform mock`: flags → [`MockConfig`], then the mock served on a runtime of its own
//! until Ctrl-C, with its address and credentials printed.

use std::time::Duration;

use crate::auth::{Credentials, DEFAULT_AK, DEFAULT_SK};
use crate::cli::{GlobalArgs, MockArgs};
use crate::contract::Contract;
use crate::error::{Error, Result};
use crate::mock::{self, MockConfig};

fn parse_lockout(text: &str) -> Result<(u32, Duration)> {
    let bad = |why: String| Error::Usage(format!("--lockout {text:?}: {why} (e.g. 5/60s)"));
    let (count, window) = text
        .split_once('/')
        .ok_or_else(|| bad("expected N/WINDOW".into()))?;
    let count: u32 = count
        .trim()
        .parse()
        .map_err(|_| bad("N is not a number".into()))?;
    if count == 0 {
        return Err(bad("N must be at least 1".into()));
    }
    let window = crate::units::parse_duration(window).map_err(bad)?;
    Ok((count, window))
}

/// `--listen` is HOST:PORT. A bare port (`--listen 8080`) or a host without one is a usage
/// error that names the address meant, not a bind failure (exit 3) after the profile loaded.
fn listen_address(listen: &str) -> Result<()> {
    let text = listen.trim();
    let port_only = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if port_only {
        return Err(Error::Usage(format!(
            "--listen {text}: an address is HOST:PORT; for port {text} on this machine use --listen 127.0.0.1:{text} (0.0.0.0:{text} for every interface)"
        )));
    }
    // `[::1]:8080` and `host:8080` have a colon before the port; `::1` alone has no port.
    let has_port = text.rsplit_once(':').is_some_and(|(host, port)| {
        !host.is_empty()
            && !port.is_empty()
            && port.bytes().all(|b| b.is_ascii_digit())
            && (!host.contains(':') || host.ends_with(']'))
    });
    if !has_port {
        return Err(Error::Usage(format!(
            "--listen {text:?}: an address is HOST:PORT, e.g. --listen 127.0.0.1:8080              (port 0: any free port)"
        )));
    }
    Ok(())
}

/// `cmsconform mock`: serves until Ctrl-C.
pub fn mock(args: &MockArgs, global: &GlobalArgs) -> Result<i32> {
    if args.list_faults {
        print!("{}", mock::fault_listing());
        return Ok(crate::exit::CONFORMANT);
    }
    listen_address(&args.listen)?;
    let source = global.schema_source();
    let contract = Contract::load_named(&source, args.profile.as_deref())?;
    let path = contract.profile().path.clone();
    let profile = contract.profile().name.clone();
    let mut config = MockConfig::new(contract);
    let ak = args.ak.clone().unwrap_or_else(|| DEFAULT_AK.to_owned());
    let default_sk = args.sk.is_none();
    config.creds = Credentials::new(ak.clone(), args.sk.as_deref().unwrap_or(DEFAULT_SK));
    config.clock_skew = args.clock_skew;
    config.seed = args.seed;
    config.faults = args.faults.clone();
    config.lockout = args.lockout.as_deref().map(parse_lockout).transpose()?;
    config.max_body = args.max_body;
    if let Some(fleet) = &args.fleet {
        config.fleet = crate::runner::fleet::ids::parse_ranges(fleet, "--fleet")
            .map_err(|e| Error::Usage(e.to_string()))?;
    }

    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| Error::Runtime(format!("mock: cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        let (addr, serving) = mock::bind(config, &args.listen).await?;
        println!("cmsconform mock: profile {profile}, seed {}", args.seed);
        println!("  POST http://{addr}{path}");
        println!("  access key: {ak}");
        if default_sk {
            println!("  secret key: the documented local default `{DEFAULT_SK}`");
        } else {
            println!("  secret key: as given (not shown)");
        }
        if let Some(fleet) = &args.fleet {
            println!("  agents only at: {fleet}");
        }
        if !args.faults.is_empty() {
            println!("  faults on every request: {}", args.faults.join(","));
        }
        println!("  Ctrl-C stops the mock.");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serving(rx));
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("cmsconform mock: stopping");
        let _ = tx.send(());
        let _ = server.await;
        Ok(crate::exit::CONFORMANT)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listen_address_needs_a_host_and_a_port() {
        for good in [
            "127.0.0.1:8080",
            "0.0.0.0:0",
            "[::1]:8080",
            "localhost:28080",
        ] {
            assert!(listen_address(good).is_ok(), "{good}");
        }
        let err = listen_address("8080").unwrap_err();
        assert_eq!(err.exit_code(), crate::exit::USAGE);
        assert!(err.to_string().contains("--listen 127.0.0.1:8080"), "{err}");
        for bad in ["", "localhost", "::1", "127.0.0.1:", ":8080", "host:http"] {
            let err = listen_address(bad).unwrap_err();
            assert_eq!(err.exit_code(), crate::exit::USAGE, "{bad}");
        }
    }
}
