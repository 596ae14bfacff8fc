//! What verifying a connection reports: the step under way, then the outcome.

use d365_dataverse::verify::{Step, Verified};
use serde::Serialize;
use specta::Type;

use crate::error::ErrorPayload;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum VerifyStep {
    Token,
    WhoAmI,
    Organization,
}

impl From<Step> for VerifyStep {
    fn from(step: Step) -> Self {
        match step {
            Step::Token => VerifyStep::Token,
            Step::WhoAmI => VerifyStep::WhoAmI,
            Step::Organization => VerifyStep::Organization,
        }
    }
}

/// A verification's result: what the environment said, or where it failed and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum VerifyOutcome {
    #[serde(rename_all = "camelCase")]
    Verified {
        organization_name: String,
        user_id: String,
        version: String,
        token_expires: String,
        elapsed_ms: u32,
        dop_hint: Option<u32>,
    },
    Failed {
        step: VerifyStep,
        error: ErrorPayload,
        /// The sign-in or token expired: signing in again (or a fresh token) is the fix.
        expired: bool,
    },
}

impl From<Verified> for VerifyOutcome {
    fn from(report: Verified) -> Self {
        VerifyOutcome::Verified {
            organization_name: report.organization_name,
            user_id: report.user_id,
            version: report.version,
            token_expires: report.token_expires,
            elapsed_ms: u32::try_from(report.elapsed_ms).unwrap_or(u32::MAX),
            dop_hint: report.dop_hint,
        }
    }
}
