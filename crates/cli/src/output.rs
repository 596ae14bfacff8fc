//! What the commands print: short human lines, or one JSON document with `--json`.

use d365_common::{Category, ErrorPayload};
use d365_connections::ConnectionError;
use d365_dataverse::DataverseError;
use d365_dataverse::verify::{Step, Verified};
use d365_vault::{ConnectionKind, ImportReport, Profile, SecretKind, VaultError};
use serde_json::{Value, json};

pub enum Done {
    /// The new profile and a note (a warning, or a token's subject and expiry).
    Added(Profile, Option<String>),
    /// The profiles, each with the credential it still lacks (imported ones).
    List(Vec<Profile>, Vec<Option<SecretKind>>),
    /// A document printed as it is (an export).
    Text(String),
    Exported {
        count: usize,
        file: String,
    },
    Imported(ImportReport, Vec<Option<SecretKind>>),
    Verified(Box<Profile>, Box<Verified>),
    Removed {
        name: String,
        steps: Vec<String>,
    },
    Edited(Profile),
    Environments(Vec<d365_dataverse::discovery::Environment>),
    /// `d365 sandbox` ended (Ctrl-C).
    Stopped,
    /// A result shown as JSON or as text.
    Value {
        json: Value,
        human: String,
    },
    /// Already written to stdout as it came (rows).
    Streamed,
}

/// An error as the CLI reports it: the one payload every crate's error becomes, the failed step if any, and
/// more to show (a conflict's difference: JSON under `--json`, `human` otherwise).
#[derive(Debug)]
pub struct Failure {
    pub error: ErrorPayload,
    pub step: Option<Step>,
    pub details: Option<Box<(Value, String)>>,
}

pub const OTHER: u8 = 1;
pub const BAD_INPUT: u8 = 2;
pub const AUTH_FAILURE: u8 = 3;
pub const NOT_FOUND: u8 = 4;
pub const CONFLICT: u8 = 5;
pub const THROTTLED: u8 = 6;
pub const READ_ONLY: u8 = 7;

/// The exit code of an error's category.
pub fn exit_code(category: Category) -> u8 {
    match category {
        Category::Input => BAD_INPUT,
        Category::Auth | Category::Expired => AUTH_FAILURE,
        Category::NotFound => NOT_FOUND,
        Category::Conflict => CONFLICT,
        Category::Throttled => THROTTLED,
        Category::ReadOnly => READ_ONLY,
        Category::Network | Category::Server | Category::Local | Category::Cancelled | Category::Other => {
            OTHER
        }
    }
}

impl Failure {
    pub fn other(kind: &'static str, message: impl Into<String>) -> Self {
        DataverseError::new(kind, message, None).into()
    }

    pub fn code(&self) -> u8 {
        exit_code(self.error.category)
    }
}

impl From<ErrorPayload> for Failure {
    fn from(error: ErrorPayload) -> Self {
        Self { error, step: None, details: None }
    }
}

impl From<DataverseError> for Failure {
    fn from(error: DataverseError) -> Self {
        ErrorPayload::from(error).into()
    }
}

impl From<VaultError> for Failure {
    fn from(error: VaultError) -> Self {
        ErrorPayload::from(error).into()
    }
}

impl From<ConnectionError> for Failure {
    fn from(error: ConnectionError) -> Self {
        let step = error.step();
        Self { step, ..ErrorPayload::from(error).into() }
    }
}

/// How to do what a hint says, with this CLI (the core's hints say what to do, not which command does it).
fn how(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "vault.not_found" => "d365 connection list",
        "vault.secret_missing" => {
            "d365 connection set-secret NAME --client-secret-stdin (or --certificate FILE)"
        }
        "input.certificate_password" => "--certificate-password-stdin (or D365_CERTIFICATE_PASSWORD)",
        "auth.sign_in_again" | "auth.session_expired" => "d365 connection sign-in NAME",
        "query.unknown_table" => "d365 tables CONNECTION",
        "query.unknown_column" => "d365 columns CONNECTION TABLE",
        _ => return None,
    })
}

/// What a connection still needs before it can be used, in the words of the command that gives it.
fn need(profile: &Profile, missing: Option<SecretKind>) -> Option<String> {
    let name = &profile.name;
    match missing? {
        SecretKind::ClientSecret => Some(format!(
            "needs its client secret: d365 connection set-secret '{name}' --client-secret-stdin"
        )),
        SecretKind::RefreshToken => Some(format!("needs a sign-in: d365 connection sign-in '{name}'")),
        SecretKind::BearerToken => Some("its token is gone: delete and add it again".to_owned()),
        SecretKind::CertificateKey => {
            Some(format!("needs its certificate: d365 connection set-secret '{name}' --certificate FILE"))
        }
    }
}

fn need_code(missing: &Option<SecretKind>) -> Option<&'static str> {
    missing.map(|m| match m {
        SecretKind::ClientSecret => "client_secret",
        SecretKind::RefreshToken => "sign_in",
        SecretKind::BearerToken => "bearer_token",
        SecretKind::CertificateKey => "certificate",
    })
}

fn kind_name(kind: ConnectionKind) -> &'static str {
    match kind {
        ConnectionKind::Org => "org",
        ConnectionKind::Certificate => "org (certificate)",
        ConnectionKind::User => "user",
        ConnectionKind::Bearer => "bearer",
        ConnectionKind::Sandbox => "sandbox",
    }
}

fn profile_line(profile: &Profile) -> String {
    let tag = profile.tag.map(|t| format!(" [{}]", format!("{t:?}").to_lowercase())).unwrap_or_default();
    let read_only = if profile.read_only { " (read-only)" } else { "" };
    let status = match &profile.last_verification {
        Some(v) if v.ok => "verified".to_owned(),
        Some(v) => format!("failed: {}", v.summary),
        None => "never verified".to_owned(),
    };
    // A certificate's thumbprint (as the Azure portal lists it) and end, with a warning when it is near.
    let certificate = profile.certificate.as_ref().map_or_else(String::new, |c| {
        let warning =
            d365_dataverse::certificate::warning_for(c).map(|_| " (expires soon)").unwrap_or_default();
        format!(
            "  thumbprint {} until {}{warning}",
            c.thumbprint,
            c.not_after.get(..10).unwrap_or(&c.not_after)
        )
    });
    format!(
        "{}  {}  {}{tag}{read_only}{certificate}  {status}",
        profile.name,
        kind_name(profile.kind),
        profile.instance_url
    )
}

pub fn success(done: &Done, json: bool) {
    let (value, human): (Value, String) = match done {
        Done::Added(profile, note) => (
            json!({ "added": profile, "note": note }),
            format!("Saved {}.{}", profile.name, note.as_ref().map(|n| format!("\n{n}")).unwrap_or_default()),
        ),
        Done::List(profiles, needs) => (
            json!({ "connections": profiles.iter().zip(needs).map(|(p, n)| {
                let mut value = json!(p);
                value["needs"] = json!(need_code(n));
                value
            }).collect::<Vec<_>>() }),
            if profiles.is_empty() {
                "No connections.".into()
            } else {
                profiles
                    .iter()
                    .zip(needs)
                    .map(|(p, n)| match need(p, *n) {
                        Some(need) => format!("{}  ({need})", profile_line(p)),
                        None => profile_line(p),
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            },
        ),
        Done::Text(text) => (Value::String(text.clone()), text.clone()),
        Done::Exported { count, file } => (
            json!({ "exported": count, "file": file }),
            format!("Exported {count} connection(s) to {file}, without secrets."),
        ),
        Done::Imported(report, needs) => {
            let mut lines: Vec<String> = report
                .imported
                .iter()
                .zip(needs)
                .map(|(p, n)| match need(p, *n) {
                    Some(need) => format!("Imported {}: {need}", p.name),
                    None => format!("Imported {}.", p.name),
                })
                .collect();
            lines.extend(report.skipped.iter().map(|s| format!("Skipped {}: {}", s.name, s.reason)));
            if lines.is_empty() {
                lines.push("The file holds no connections.".into());
            }
            (json!({ "imported": report.imported, "skipped": report.skipped }), lines.join("\n"))
        }
        Done::Verified(profile, report) => (
            json!({ "connection": profile.name, "verified": report }),
            format!(
                "{}: OK\n  organization  {}\n  user          {}\n  version       {}\n  token until   {}\n  took          {} ms",
                profile.name,
                report.organization_name,
                report.user_id,
                report.version,
                report.token_expires,
                report.elapsed_ms
            ),
        ),
        Done::Removed { name, steps } => (
            json!({ "removed": name, "revocation_steps": steps }),
            format!(
                "Removed {name} and its secrets.\nTo revoke its access:\n{}",
                steps.iter().map(|s| format!("  - {s}")).collect::<Vec<_>>().join("\n")
            ),
        ),
        Done::Edited(profile) => {
            (json!({ "updated": profile }), format!("Updated: {}", profile_line(profile)))
        }
        Done::Stopped => (json!({ "stopped": true }), "Sandbox stopped.".into()),
        Done::Value { json, human } => (json.clone(), human.clone()),
        Done::Streamed => return,
        Done::Environments(environments) => (
            json!({ "environments": environments }),
            if environments.is_empty() {
                "This account cannot reach any environment.".into()
            } else {
                environments
                    .iter()
                    .map(|e| format!("{}  {}  {}  {}", e.name, e.url, e.version, e.region))
                    .collect::<Vec<_>>()
                    .join("\n")
            },
        ),
    };
    if let (true, Done::Text(text)) = (json, done) {
        emit(text);
    } else if json {
        emit(&value);
    } else {
        emit(&human);
    }
}

/// Prints the failure and returns the exit code.
pub fn failure(failure: &Failure, json: bool) -> u8 {
    let error = &failure.error;
    if json {
        let mut value = json!({ "kind": error.kind, "category": error.category, "message": error.message, "hint": error.hint, "step": failure.step });
        if let Some(column) = &error.column {
            value["column"] = json!(column);
        }
        if let Some(details) = &failure.details {
            let (details, _) = details.as_ref();
            value["details"] = details.clone();
        }
        emit(&json!({ "error": value }));
    } else {
        let step = failure.step.map(|s| format!(" (at step {s:?})")).unwrap_or_default();
        eprintln!("d365: {}{step}", error.message);
        if let Some(details) = &failure.details {
            let (_, human) = details.as_ref();
            eprintln!("{human}");
        }
        if let Some(hint) = &error.hint {
            eprintln!("  What to do: {hint}");
        }
        if let Some(how) = how(&error.kind) {
            eprintln!("  With d365: {how}");
        }
        eprintln!("  [{}]", error.kind);
    }
    failure.code()
}

/// A line on stdout; a reader that went away (`d365 ... | head`) is not an error.
fn emit(text: &dyn std::fmt::Display) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}
