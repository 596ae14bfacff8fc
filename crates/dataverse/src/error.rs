//! The client's one error type, shaped as the UI shows it: a stable `kind`, its category, what happened,
//! what to do. Building one from an Entra or Dataverse answer is a diagnosis: the AADSTS code or the Web
//! API's status and error code become a fix in the user's terms.

use d365_common::{Category, ErrorPayload};

/// On the wire (the CLI's `--json`, the app) it is the one [`ErrorPayload`] shape.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(into = "ErrorPayload")]
pub struct DataverseError {
    pub kind: &'static str,
    /// Derived from `kind` by [`category_of`] when the error is made.
    pub category: Category,
    /// What happened. For a field of a form (see `field`), without the field's name.
    pub message: String,
    pub hint: Option<String>,
    /// The column the error concerns (a value refused before sending, or a server validation error), so a
    /// form can show it beside the field.
    pub column: Option<String>,
    /// The form field a typed value was refused for ("Instance URL", "Client ID"), for the full message
    /// ("Instance URL: it is empty") where the field is not beside it.
    pub field: Option<&'static str>,
}

impl std::fmt::Display for DataverseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for DataverseError {}

pub type Result<T, E = DataverseError> = std::result::Result<T, E>;

/// The category of each of the client's error kinds: the one place they are sorted. A kind's prefix says
/// where it comes from (`auth.` Entra ID, `api.` the Web API, `net.` the network, `input.`/`query.` what was
/// given); the exceptions are listed first.
pub fn category_of(kind: &str) -> Category {
    match kind {
        "auth.session_expired" | "auth.sign_in_again" | "auth.token_expired" | "input.token_expired" => {
            Category::Expired
        }
        "api.not_found" => Category::NotFound,
        "api.conflict" => Category::Conflict,
        "api.throttled" => Category::Throttled,
        "api.read_only" => Category::ReadOnly,
        "api.unauthorized" | "api.wrong_audience" | "api.not_a_member" | "api.missing_privilege" => {
            Category::Auth
        }
        // The server refused the request as malformed: what was asked (a filter, a value) is wrong.
        "api.invalid_request" => Category::Input,
        "api.closed" => Category::Network,
        "auth.bad_response" => Category::Server,
        "export.no_change_tracking" | "export.no_changes_to_apply" => Category::Input,
        "export.io" | "signin.listener" | "signin.no_browser" | "app.no_browser" | "cli.write_failed" => {
            Category::Local
        }
        "signin.cancelled" | "signin.cancelled_in_browser" | "export.cancelled" => Category::Cancelled,
        // A connection that lacks its credential must be given it (or signed in): an access problem.
        "vault.secret_missing" => Category::Auth,
        _ => match kind.split_once('.').map_or(kind, |(prefix, _)| prefix) {
            "input" | "query" => Category::Input,
            "auth" => Category::Auth,
            "net" => Category::Network,
            "api" => Category::Server,
            "vault" | "sandbox" => Category::Local,
            _ => Category::Other,
        },
    }
}

/// An AADSTS code's diagnosis: the error kind and what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntraDiagnosis {
    pub codes: &'static [u64],
    pub kind: &'static str,
    pub hint: &'static str,
}

/// The AADSTS codes D365 Desk diagnoses (Microsoft's list: "Microsoft Entra authentication and authorization
/// error codes"); any other code is `auth.failed` with Entra's own message.
pub const ENTRA_DIAGNOSES: &[EntraDiagnosis] = &[
    EntraDiagnosis {
        codes: &[7000215],
        kind: "auth.invalid_secret",
        hint: "The client secret is wrong. Copy the secret's Value (not its Secret ID) from Azure portal → Microsoft Entra ID → App registrations → your app → Certificates & secrets, or create a new secret, then delete and recreate this connection with it.",
    },
    EntraDiagnosis {
        codes: &[7000222],
        kind: "auth.secret_expired",
        hint: "The client secret has expired. In Azure portal → App registrations → your app → Certificates & secrets, create a new client secret, then delete and recreate this connection with it.",
    },
    EntraDiagnosis {
        codes: &[7000218],
        kind: "auth.secret_missing",
        hint: "No client secret was sent. Recreate the connection with the app's client secret.",
    },
    EntraDiagnosis {
        codes: &[700016],
        kind: "auth.app_not_found",
        hint: "No app with this client ID exists in this tenant. Check the Application (client) ID on the app registration's Overview page, and that the tenant ID is the one the app is registered in.",
    },
    EntraDiagnosis {
        codes: &[90002],
        kind: "auth.tenant_not_found",
        hint: "The tenant does not exist in this cloud. Use the Directory (tenant) ID from the app registration's Overview page, and check the cloud (public, GCC, GCC High, DoD, China).",
    },
    EntraDiagnosis {
        codes: &[65001],
        kind: "auth.consent_required",
        hint: "The app has no consent for Dynamics CRM. In Azure portal → App registrations → your app → API permissions, add Dynamics CRM → user_impersonation and grant admin consent, or sign in interactively once to consent.",
    },
    EntraDiagnosis {
        codes: &[50011],
        kind: "auth.redirect_uri_mismatch",
        hint: "The redirect URI is not registered. In the app registration → Authentication, add the platform \"Mobile and desktop applications\" with the redirect URI http://localhost.",
    },
    EntraDiagnosis {
        codes: &[70011, 1002012],
        kind: "auth.invalid_scope",
        hint: "The scope is not valid. For an app connection it must be <instance URL>/.default; check the instance URL.",
    },
    EntraDiagnosis {
        codes: &[500011],
        kind: "auth.org_not_in_tenant",
        hint: "This Dataverse environment was not found in the tenant. Check that the instance URL belongs to the same tenant as the app registration (and the same cloud).",
    },
    EntraDiagnosis {
        codes: &[53003],
        kind: "auth.blocked_by_conditional_access",
        hint: "A Conditional Access policy blocked the sign-in. Ask your Entra ID administrator which policy applies (the sign-in logs name it) and to allow this app or device.",
    },
    EntraDiagnosis {
        codes: &[50076, 50079],
        kind: "auth.mfa_required",
        hint: "Multi-factor authentication is required. Use a user connection (browser sign-in), which can complete MFA.",
    },
    EntraDiagnosis {
        codes: &[700082, 70008],
        kind: "auth.session_expired",
        hint: "The sign-in has expired. Sign in again.",
    },
    EntraDiagnosis {
        codes: &[54005],
        kind: "auth.code_reused",
        hint: "The sign-in code was already used. Sign in again.",
    },
    EntraDiagnosis {
        codes: &[700025],
        kind: "auth.public_client_with_secret",
        hint: "This app is a public client: it must not be given a secret. Use a user connection, or a confidential app registration.",
    },
    // Certificate credentials. Codes and texts: Learn's AADSTS error list ("Microsoft Entra authentication and
    // authorization error codes") and "Troubleshoot Azure Identity authentication issues" (ClientAssertion-
    // Credential); 700027's reasons as Entra words them after the code ([Reason - …], see CERTIFICATE_REASONS).
    EntraDiagnosis {
        codes: &[700027],
        kind: "auth.certificate_rejected",
        hint: "Entra ID refused the certificate's signature. Check that this certificate (its thumbprint is on the connection) is uploaded to the app registration: Azure portal → Microsoft Entra ID → App registrations → your app → Certificates & secrets → Certificates. If it is there, delete and recreate this connection with the certificate file and its key.",
    },
    EntraDiagnosis {
        codes: &[700024],
        kind: "auth.assertion_time",
        hint: "Entra ID found the signed assertion outside its valid time: this computer's clock is probably wrong. Set the clock to synchronise automatically, then verify again.",
    },
    EntraDiagnosis {
        codes: &[700021],
        kind: "auth.assertion_client_mismatch",
        hint: "The assertion names another app than the client ID. Check the connection's client ID against the app registration's Application (client) ID.",
    },
    EntraDiagnosis {
        codes: &[700023],
        kind: "auth.assertion_audience",
        hint: "The assertion was addressed to another token endpoint than the one asked. Check the tenant and the authority of the connection (a custom authority must be the one the app is registered in).",
    },
    EntraDiagnosis {
        codes: &[50027],
        kind: "auth.assertion_malformed",
        hint: "Entra ID could not read the signed assertion. Delete and recreate the connection with the certificate file; if it persists, the authority may not be Entra ID.",
    },
];

/// AADSTS700027 says why in its text (`[Reason - …]`): these reasons get a diagnosis of their own.
const CERTIFICATE_REASONS: &[(&str, &str, &str)] = &[
    (
        "key was not found",
        "auth.certificate_not_registered",
        "This certificate is not registered for the app. Upload its public part (the .cer or .pem, never the key) in Azure portal → Microsoft Entra ID → App registrations → your app → Certificates & secrets → Certificates → Upload certificate, and check that the Thumbprint listed there (SHA-1) is the one the connection shows.",
    ),
    (
        "key used is expired",
        "auth.certificate_expired",
        "The certificate has expired for Entra ID. Create a new certificate, upload its public part to the app registration (Certificates & secrets → Certificates), then delete and recreate this connection with it.",
    ),
];

const ENTRA_UNKNOWN: &str = "Entra ID refused the request; the message above has its reason.";

impl DataverseError {
    pub fn new(kind: &'static str, message: impl Into<String>, hint: impl Into<Option<String>>) -> Self {
        Self {
            kind,
            category: category_of(kind),
            message: message.into(),
            hint: hint.into(),
            column: None,
            field: None,
        }
    }

    pub fn on_field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    pub fn on_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    /// An Entra ID error (AADSTS code and description) as a diagnosis.
    pub fn from_entra(code: Option<u64>, error: &str, description: &str) -> Self {
        // Entra's description ends with trace lines; the first line is the message.
        let first_line = description.lines().next().unwrap_or(description).trim().to_owned();
        let diagnosis = code.and_then(|code| ENTRA_DIAGNOSES.iter().find(|d| d.codes.contains(&code)));
        let (mut kind, mut hint) = diagnosis.map_or(("auth.failed", ENTRA_UNKNOWN), |d| (d.kind, d.hint));
        if code == Some(700027)
            && let Some(&(_, reason_kind, reason_hint)) =
                CERTIFICATE_REASONS.iter().find(|(reason, ..)| first_line.contains(reason))
        {
            (kind, hint) = (reason_kind, reason_hint);
        }
        let message = match code {
            Some(_) if !first_line.is_empty() => first_line,
            Some(code) => format!("AADSTS{code}: {error}"),
            None if !first_line.is_empty() => format!("{error}: {first_line}"),
            None => format!("Entra ID answered '{error}'."),
        };
        Self::new(kind, message, Some(hint.to_owned()))
    }

    /// A network failure as a diagnosis (DNS, refused, TLS, timeout), from reqwest's error chain.
    pub fn from_transport(err: &reqwest::Error, url: &str) -> Self {
        let chain = {
            let mut text = err.to_string();
            let mut source = std::error::Error::source(err);
            while let Some(cause) = source {
                text.push_str(" / ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            text.to_lowercase()
        };
        let host =
            url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
        let (kind, message, hint) = if err.is_timeout() {
            (
                "net.timeout",
                format!("{host} did not answer in time."),
                "Check your network, proxy or VPN, and try again.".to_owned(),
            )
        } else if chain.contains("dns") || chain.contains("lookup") || chain.contains("resolve") {
            ("net.dns", format!("The name {host} could not be resolved."), "Check the spelling of the instance URL or authority; the environment may have been renamed or deleted.".to_owned())
        } else if chain.contains("certificate") || chain.contains("tls") || chain.contains("handshake") {
            ("net.tls", format!("The secure connection to {host} failed: its certificate is not trusted."), "A proxy may be intercepting HTTPS: install its certificate in the system's trust store, or check the URL.".to_owned())
        } else if chain.contains("refused") {
            (
                "net.refused",
                format!("{host} refused the connection."),
                "Check the URL and port; for the sandbox, check that it is running.".to_owned(),
            )
        } else {
            (
                "net.failed",
                format!("Could not reach {host}: {err}"),
                "Check your network connection.".to_owned(),
            )
        };
        Self::new(kind, message, Some(hint))
    }
}

impl From<DataverseError> for ErrorPayload {
    fn from(error: DataverseError) -> Self {
        let mut payload = ErrorPayload::new(error.kind, error.category, error.to_string(), error.hint);
        payload.column = error.column;
        payload
    }
}

#[cfg(test)]
mod tests {
    use d365_common::Category;

    use super::{DataverseError, category_of};

    #[test]
    fn kinds_fall_in_the_category_their_fix_needs() {
        let cases = [
            ("auth.invalid_secret", Category::Auth),
            ("auth.session_expired", Category::Expired),
            ("auth.sign_in_again", Category::Expired),
            ("input.token_expired", Category::Expired),
            ("auth.secret_expired", Category::Auth),
            ("api.not_found", Category::NotFound),
            ("api.conflict", Category::Conflict),
            ("api.throttled", Category::Throttled),
            ("api.read_only", Category::ReadOnly),
            ("api.missing_privilege", Category::Auth),
            ("api.invalid_request", Category::Input),
            ("api.unavailable", Category::Server),
            ("api.closed", Category::Network),
            ("net.dns", Category::Network),
            ("input.too_long", Category::Input),
            ("query.unknown_column", Category::Input),
            ("export.no_change_tracking", Category::Input),
            ("export.io", Category::Local),
            ("signin.cancelled", Category::Cancelled),
            ("signin.timeout", Category::Other),
            ("vault.secret_missing", Category::Auth),
            ("sandbox.not_running", Category::Local),
            ("auth.token_expired", Category::Expired),
            ("auth.bad_response", Category::Server),
            ("signin.listener", Category::Local),
            ("signin.no_browser", Category::Local),
            ("signin.cancelled_in_browser", Category::Cancelled),
            ("export.no_changes_to_apply", Category::Input),
            ("api.read_only", Category::ReadOnly),
            ("api.other_origin", Category::Server),
            ("input.request_too_long", Category::Input),
        ];
        for (kind, category) in cases {
            assert_eq!(category_of(kind), category, "{kind}");
            assert_eq!(DataverseError::new(kind, "m", None).category, category, "{kind}");
        }
    }

    #[test]
    fn entra_diagnoses_carry_their_category() {
        assert_eq!(
            DataverseError::from_entra(Some(700082), "invalid_grant", "x").category,
            Category::Expired
        );
        assert_eq!(DataverseError::from_entra(Some(7000215), "invalid_client", "x").category, Category::Auth);
    }

    #[test]
    fn a_refused_certificate_is_diagnosed_by_entra_s_reason() {
        let kind =
            |description: &str| DataverseError::from_entra(Some(700027), "invalid_client", description).kind;
        assert_eq!(
            kind(
                "AADSTS700027: Client assertion failed signature validation. [Reason - The key was not found., \
                  Thumbprint of key used by client: 'AB12']\r\nTrace ID: 1"
            ),
            "auth.certificate_not_registered"
        );
        assert_eq!(
            kind(
                "AADSTS700027: Client assertion contains an invalid signature. [Reason - The key used is \
                  expired. Thumbprint of key used by client: 'AB12', Found key 'Start=…, End=…']"
            ),
            "auth.certificate_expired"
        );
        assert_eq!(
            kind("AADSTS700027: Client assertion failed signature validation."),
            "auth.certificate_rejected"
        );
        let hint = DataverseError::from_entra(Some(700024), "invalid_client", "x").hint.unwrap_or_default();
        assert!(hint.contains("clock"), "{hint}");
    }

    #[test]
    fn an_entra_message_is_its_description_s_first_line_or_the_code_and_error() {
        let message =
            |code, description| DataverseError::from_entra(code, "invalid_client", description).message;
        let described = "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1f2e\r\nTimestamp: 2026";
        assert_eq!(message(Some(7000215), described), "AADSTS7000215: Invalid client secret provided.");
        assert_eq!(message(Some(7000215), ""), "AADSTS7000215: invalid_client");
        assert_eq!(message(Some(7000215), "  \nTrace ID: 1f2e"), "AADSTS7000215: invalid_client");
        assert_eq!(
            message(None, "The client is unknown.\nTrace ID: 1f2e"),
            "invalid_client: The client is unknown."
        );
        assert_eq!(message(None, ""), "Entra ID answered 'invalid_client'.");
        let unknown = DataverseError::from_entra(Some(1), "invalid_client", "");
        assert_eq!(unknown.kind, "auth.failed");
        assert!(unknown.hint.is_some_and(|h| h.contains("the message above has its reason")));
    }
}
