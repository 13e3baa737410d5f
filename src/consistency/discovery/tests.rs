//! Unit tests of the discovery driver: answer classification and whole runs against in-process
//! servers.

use super::*;
use crate::exchange::{Received, SentRequest};

fn answered(status: u16, body: &str) -> Exchange {
    Exchange::new(
        SentRequest::default(),
        Ok(Received::new(status, body)),
        0,
        0,
    )
}

#[test]
fn acceptance_tells_invalid_parameter_from_other_failures() {
    let contract = Contract::embedded("2023-12").unwrap();
    let ok = r#"{"result":"0","resultCode":"0100000","resultDesc":[],"resultDatas":[]}"#;
    assert_eq!(
        acceptance(&contract, &answered(200, ok)),
        Acceptance::Accepted
    );
    let invalid = r#"{"resultCode":"0100002","resultDesc":"Invalid parameter"}"#;
    assert_eq!(
        acceptance(&contract, &answered(200, invalid)),
        Acceptance::Rejected
    );
    assert_eq!(
        acceptance(&contract, &answered(400, "{}")),
        Acceptance::Rejected
    );
    let failed = r#"{"resultCode":"0100001","resultDesc":"call failed"}"#;
    assert!(matches!(
        acceptance(&contract, &answered(200, failed)),
        Acceptance::Inconclusive(_)
    ));
    assert!(matches!(
        acceptance(&contract, &answered(401, "")),
        Acceptance::Inconclusive(_)
    ));
    assert!(matches!(
        acceptance(&contract, &answered(503, "")),
        Acceptance::Inconclusive(_)
    ));
}

/// A server hosting only ccId 1, vdn 170: other in-range values get "call failed".
struct HostsOnlyHome(Contract);

impl Sender for HostsOnlyHome {
    fn send(&self, body: Value) -> impl std::future::Future<Output = Exchange> + Send {
        let at_home = body["ccId"] == 1 && body["vdn"] == 170;
        let answer = if !self.0.is_valid(crate::contract::SchemaKind::Request, &body) {
            r#"{"resultCode":"0100002","resultDesc":"Invalid parameter"}"#
        } else if at_home {
            r#"{"result":"0","resultCode":"0100000","resultDesc":[],"resultDatas":[]}"#
        } else {
            r#"{"resultCode":"0100001","resultDesc":"call failed"}"#
        };
        std::future::ready(answered(200, answer))
    }
}

#[tokio::test]
async fn a_server_hosting_only_its_home_pair_shows_no_ccid_or_vdn_limit() {
    let contract = Contract::embedded("2023-12").unwrap();
    let sender = HostsOnlyHome(contract.clone());
    let mut config = ConsistencyConfig::new(1, 170);
    config.discovery_budget = 64;
    let records = discover_limits(&contract, &sender, &config, |o| o).await;
    let findings = |name: &str| {
        records
            .iter()
            .find(|r| r.relation == name)
            .map(|r| (r.judgement, r.findings.clone()))
            .unwrap()
    };
    let (verdict, cc) = findings("discovery::ccId");
    assert_eq!(verdict, Judgement::Passed, "{cc:?}");
    assert_eq!(cc[0], "documented min ccId 1: enforced as documented");
    assert!(
        cc[1].starts_with(
            "documented max ccId 65535: limit not observable: the server refuses call \
             centres it does not host"
        ),
        "{cc:?}"
    );
    let (verdict, vdn) = findings("discovery::vdn");
    assert_eq!(verdict, Judgement::Passed, "{vdn:?}");
    for finding in &vdn {
        assert!(
            finding.contains("limit not observable: the server refuses VDNs it does not host"),
            "{finding}"
        );
    }
    assert!(
        records.iter().all(|r| r.violations.is_empty()),
        "{records:#?}"
    );
}

#[tokio::test]
async fn only_the_discoveries_wanted_are_probed_and_their_names_are_the_records() {
    let contract = Contract::embedded("2023-12").unwrap();
    let sender = HostsOnlyHome(contract.clone());
    let mut config = ConsistencyConfig::new(1, 170);
    config.discovery_budget = 64;
    let every: Vec<String> = discover_limits(&contract, &sender, &config, |o| o.relation)
        .await
        .into_iter()
        .collect();
    assert_eq!(
        every, DISCOVERY_NAMES,
        "the names a selection sees are the records'"
    );
    config.only = Some(vec!["discovery::vdn".into()]);
    let vdn: Vec<String> = discover_limits(&contract, &sender, &config, |o| o.relation).await;
    assert_eq!(vdn, ["discovery::vdn"]);
    config.only = Some(vec!["repetition".into()]);
    let none = discover_limits(&contract, &sender, &config, |o| o.relation).await;
    assert!(none.is_empty(), "no discovery wanted: nothing sent");
}
