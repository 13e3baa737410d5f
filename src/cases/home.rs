//! The call centre and VDN a run knows the target hosts, and the request members that name
//! what a server hosts (notes:6.15).

use crate::contract::{Profile, Range};

/// The call centre and VDN a run knows the target hosts (notes:6.15): every case that does
/// not probe ccId or vdn, the preflight and the relations use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HomePair {
    pub cc_id: i64,
    pub vdn: i64,
}

impl HomePair {
    /// The seed example's own request: `{"ccId":1,"vdn":170,...}`.
    pub const SEED: HomePair = HomePair { cc_id: 1, vdn: 170 };

    /// The home value of `field`.
    pub fn value(&self, field: Field) -> i64 {
        match field {
            Field::CcId => self.cc_id,
            Field::Vdn => self.vdn,
        }
    }
}

/// A request member that names something a server hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    CcId,
    Vdn,
}

impl Field {
    pub const ALL: [Field; 2] = [Field::CcId, Field::Vdn];

    /// The request member's name.
    pub fn member(self) -> &'static str {
        match self {
            Field::CcId => "ccId",
            Field::Vdn => "vdn",
        }
    }

    /// What a server hosts under this member, for messages ("call centres it does not host").
    pub fn hosted(self) -> &'static str {
        match self {
            Field::CcId => "call centres",
            Field::Vdn => "VDNs",
        }
    }

    /// The profile's documented range of the member.
    pub fn range(self, profile: &Profile) -> Range {
        match self {
            Field::CcId => profile.limits.cc_id,
            Field::Vdn => profile.limits.vdn,
        }
    }
}
