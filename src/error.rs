//! The one error type the subcommands return, and its mapping onto the documented exit codes.
//! Module errors convert into it; only `main` prints it.

use crate::cases::CaseError;
use crate::contract::ContractError;
use crate::exit;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error(transparent)]
    Case(#[from] CaseError),
    /// A flag, a file given on the command line, or a combination of them is wrong.
    #[error("{0}")]
    Usage(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The harness could not finish its job (target unreachable or unusable, server bind...).
    #[error("{0}")]
    Runtime(String),
    /// A run stopped before its verdict, with the record its reports are written from (what
    /// was sent and got, why it stopped: `meta.stopped`). Exit 3, as [`Error::Runtime`].
    #[error("{}", .0.message)]
    Stopped(Box<StoppedRun>),
}

/// What [`Error::Stopped`] carries.
#[derive(Debug)]
pub struct StoppedRun {
    /// What the console prints: why, and what to check.
    pub message: String,
    pub record: crate::report::RunRecord,
}

impl Error {
    pub fn io(path: impl std::fmt::Display, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_string(),
            source,
        }
    }

    /// The documented exit code for this failure (see [`crate::exit`]).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Contract(_) | Error::Case(_) | Error::Usage(_) => exit::USAGE,
            Error::Io { .. } | Error::Runtime(_) | Error::Stopped(_) => exit::RUNTIME,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
