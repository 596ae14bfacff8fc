//! Device-code sign-in, for machines without a browser (SSH, WSL): the user reads a code here and enters
//! it in any browser; meanwhile this side polls the token endpoint politely (at the interval the server
//! asks for, slower when told to slow down) until the user is done, declines, or the code expires.

use std::future::Future;

use oauth2::DeviceCodeErrorResponseType;
use oauth2::basic::BasicClient;
use oauth2::{ClientId, DeviceAuthorizationUrl, Scope, StandardDeviceAuthorizationResponse, TokenUrl};
use serde::Serialize;

use crate::error::{DataverseError, Result};
use crate::signin::{Transport, UserTokens, aadsts_code, oauth_error, unanswered};

/// What to show the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeviceCodePrompt {
    pub user_code: String,
    pub verification_uri: String,
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub expires_in_seconds: u64,
    pub message: String,
}

fn error(kind: &'static str, message: impl Into<String>, hint: &str) -> DataverseError {
    DataverseError::new(kind, message, Some(hint.to_owned()))
}

pub async fn sign_in_with_device_code<S, C>(
    http: &reqwest::Client,
    authority: &str,
    client_id: &str,
    resource: &str,
    show: S,
    cancel: C,
) -> Result<UserTokens>
where
    S: FnOnce(&DeviceCodePrompt),
    C: Future<Output = ()>,
{
    let invalid =
        |e: url::ParseError| error("input.invalid", format!("Authority: {e}"), "Check the authority URL.");
    let (device_url, token_url) =
        (format!("{authority}/oauth2/v2.0/devicecode"), format!("{authority}/oauth2/v2.0/token"));
    let client = BasicClient::new(ClientId::new(client_id.to_owned()))
        .set_device_authorization_url(DeviceAuthorizationUrl::new(device_url.clone()).map_err(invalid)?)
        .set_token_uri(TokenUrl::new(token_url.clone()).map_err(invalid)?);
    let details: StandardDeviceAuthorizationResponse = client
        .exchange_device_code()
        .add_scope(Scope::new(format!("{resource}/user_impersonation")))
        .add_scope(Scope::new("offline_access".into()))
        .request_async(&Transport(http))
        .await
        .map_err(|err| {
            oauth_error(
                err,
                &device_url,
                "The device code could not be requested",
                "Check the authority and client ID.",
            )
        })?;
    let prompt = DeviceCodePrompt {
        user_code: details.user_code().secret().clone(),
        verification_uri: details.verification_uri().to_string(),
        expires_in_seconds: details.expires_in().as_secs(),
        message: format!(
            "To sign in, open {} in any browser and enter the code {}.",
            details.verification_uri().as_str(),
            details.user_code().secret()
        ),
    };
    show(&prompt);
    let transport = Transport(http);
    let poll = client.exchange_device_access_token(&details).request_async(
        &transport,
        tokio::time::sleep,
        Some(details.expires_in()),
    );
    let token = tokio::select! {
        token = poll => token.map_err(|err| match err {
            oauth2::RequestTokenError::ServerResponse(response) => match response.error() {
                DeviceCodeErrorResponseType::AccessDenied => error("signin.cancelled_in_browser", "The sign-in was declined.", "Start it again and accept."),
                DeviceCodeErrorResponseType::ExpiredToken => error("signin.timeout", "The code expired before the sign-in finished.", "Start it again."),
                DeviceCodeErrorResponseType::Basic(oauth2::basic::BasicErrorResponseType::Extension(kind))
                    if kind == "authorization_declined" =>
                {
                    error("signin.cancelled_in_browser", "The sign-in was declined.", "Start it again and accept.")
                }
                other => {
                    let description = response.error_description().cloned().unwrap_or_default();
                    DataverseError::from_entra(aadsts_code(&description), other.as_ref(), &description)
                }
            },
            other => unanswered(other, &token_url, "Polling for the sign-in failed", "Start it again."),
        })?,
        () = cancel => return Err(error("signin.cancelled", "The sign-in was cancelled.", "Start it again when you are ready.")),
    };
    Ok(UserTokens::from_response(&token))
}
