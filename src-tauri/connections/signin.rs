//! User sign-in from the window: one at a time, cancellable from the window, its progress streamed on a
//! channel. A discovery sign-in's refresh token waits here, never in the webview, until the person picks an
//! environment.

use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};

use d365_connections::{SignInEvent, SignInMethod};
use d365_vault::Secret;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::ipc::Channel;
use tokio::sync::oneshot;

use super::{ConnectionView, ConnectionsService, FieldError, UserForm};
use crate::error::ErrorPayload;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum SignInChoice {
    /// The system browser, back to a loopback listener.
    Browser,
    /// A code to enter in a browser anywhere.
    DeviceCode,
}

impl From<SignInChoice> for SignInMethod {
    fn from(choice: SignInChoice) -> Self {
        match choice {
            SignInChoice::Browser => SignInMethod::Browser { login_hint: None },
            SignInChoice::DeviceCode => SignInMethod::DeviceCode,
        }
    }
}

/// What the window shows while the sign-in waits for the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum SignInUpdate {
    WaitingForBrowser,
    #[serde(rename_all = "camelCase")]
    DeviceCode {
        user_code: String,
        verification_uri: String,
        expires_in_seconds: u32,
    },
}

impl From<SignInEvent> for SignInUpdate {
    fn from(event: SignInEvent) -> Self {
        match event {
            SignInEvent::WaitingForBrowser => SignInUpdate::WaitingForBrowser,
            SignInEvent::DeviceCode(prompt) => SignInUpdate::DeviceCode {
                user_code: prompt.user_code,
                verification_uri: prompt.verification_uri,
                expires_in_seconds: u32::try_from(prompt.expires_in_seconds).unwrap_or(u32::MAX),
            },
        }
    }
}

/// One environment Global Discovery offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveredEnvironment {
    pub name: String,
    pub unique_name: String,
    pub url: String,
    pub version: String,
    pub region: String,
    pub purpose: String,
    pub enabled: bool,
    pub user_is_admin: bool,
}

impl From<d365_dataverse::discovery::Environment> for DiscoveredEnvironment {
    fn from(env: d365_dataverse::discovery::Environment) -> Self {
        Self {
            name: env.name,
            unique_name: env.unique_name,
            url: env.url,
            version: env.version,
            region: env.region,
            purpose: env.purpose,
            enabled: env.enabled,
            user_is_admin: env.user_is_admin,
        }
    }
}

/// A finished sign-in: the connection saved, or (no instance was given) the environments to pick from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum SignInResult {
    Added { connection: Box<ConnectionView> },
    Discovered { environments: Vec<DiscoveredEnvironment> },
}

#[derive(Default)]
pub(super) struct SignInState {
    cancel: Mutex<Option<oneshot::Sender<()>>>,
    discovered: Mutex<Option<Secret>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SignInState {
    /// The new sign-in's cancel signal. Starting one cancels any still waiting: one browser tab at a time.
    fn begin(&self) -> impl Future<Output = ()> + Send + 'static {
        let (cancel, cancelled) = oneshot::channel::<()>();
        *lock(&self.cancel) = Some(cancel);
        async move {
            let _ = cancelled.await;
        }
    }
}

fn no_discovery() -> ErrorPayload {
    ErrorPayload {
        kind: "auth.sign_in_again".into(),
        message: "There is no sign-in waiting for an environment to be picked.".into(),
        hint: Some("Sign in again, then pick the environment.".into()),
    }
}

impl ConnectionsService {
    pub fn check_user(&self, form: UserForm, discovering: bool) -> Vec<FieldError> {
        d365_connections::check_user(&self.vault, &form.into(), discovering)
            .into_iter()
            .map(FieldError::from)
            .collect()
    }

    /// Signs in for the form's instance and saves the connection; without an instance, signs in to Global
    /// Discovery and returns the environments to pick from (see [`Self::add_discovered`]).
    pub async fn sign_in_user(
        &self,
        form: UserForm,
        how: SignInChoice,
        progress: &Channel<SignInUpdate>,
    ) -> Result<SignInResult, ErrorPayload> {
        let cancel = self.signing_in.begin();
        let events = |event: SignInEvent| {
            let _ = progress.send(SignInUpdate::from(event));
        };
        let form = d365_connections::UserForm::from(form);
        let method = SignInMethod::from(how);
        if form.instance_url.trim().is_empty() {
            let found = d365_connections::discover(&form, &method, &events, cancel).await?;
            *lock(&self.signing_in.discovered) = Some(found.refresh);
            let environments = found.environments.into_iter().map(DiscoveredEnvironment::from).collect();
            return Ok(SignInResult::Discovered { environments });
        }
        let (profile, _) = d365_connections::add_user(&self.vault, form, &method, &events, cancel).await?;
        Ok(SignInResult::Added { connection: Box::new(ConnectionView::from(&profile)) })
    }

    /// Saves the connection to the environment picked after a discovery sign-in.
    pub fn add_discovered(
        &self,
        form: UserForm,
        instance_url: String,
    ) -> Result<ConnectionView, ErrorPayload> {
        let mut waiting = lock(&self.signing_in.discovered);
        let refresh =
            waiting.as_ref().map(|s| Secret::new(s.expose().to_owned())).ok_or_else(no_discovery)?;
        let (profile, _) = d365_connections::add_discovered(&self.vault, form.into(), instance_url, refresh)?;
        // Kept until saved: a refused name can be fixed without signing in again.
        *waiting = None;
        Ok(ConnectionView::from(&profile))
    }

    /// Ends the sign-in under way (it fails with `signin.cancelled`); false when there was none.
    pub fn cancel_sign_in(&self) -> bool {
        lock(&self.signing_in.cancel).take().is_some_and(|cancel| cancel.send(()).is_ok())
    }

    /// Signs a saved user connection in again and keeps the new session; the connection is unchanged.
    pub async fn sign_in_again(
        &self,
        id: &str,
        how: SignInChoice,
        progress: &Channel<SignInUpdate>,
    ) -> Result<ConnectionView, ErrorPayload> {
        let profile = self.vault.get(id)?;
        let cancel = self.signing_in.begin();
        let events = |event: SignInEvent| {
            let _ = progress.send(SignInUpdate::from(event));
        };
        let method = SignInMethod::from(how);
        d365_connections::sign_in_again(&self.vault, &profile, &method, &events, cancel).await?;
        Ok(ConnectionView::from(&self.vault.get(id)?))
    }
}
