//! User sign-in from the window: one at a time, cancellable from the window, its progress streamed on a
//! channel. A discovery sign-in's refresh token waits here, never in the webview, until the person picks an
//! environment.

use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};

use d365_common::{Category, ErrorPayload};
use d365_connections::{ConnectionView, FieldProblem, SignInEvent, SignInMethod, UserForm};
use d365_dataverse::discovery::Environment;
use d365_vault::Secret;
use serde::Serialize;
use specta::Type;
use tauri::ipc::Channel;
use tokio::sync::oneshot;

use super::ConnectionsService;

/// A finished sign-in: the connection saved, or (no instance was given) the environments to pick from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SignInResult {
    Added { connection: Box<ConnectionView> },
    Discovered { environments: Vec<Environment> },
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
    ErrorPayload::new(
        "auth.sign_in_again",
        Category::Expired,
        "There is no sign-in waiting for an environment to be picked.",
        Some("Sign in again, then pick the environment.".into()),
    )
}

impl ConnectionsService {
    pub fn check_user(&self, form: UserForm, discovering: bool) -> Vec<FieldProblem> {
        d365_connections::check_user(&self.vault, &form, discovering)
    }

    /// Signs in for the form's instance and saves the connection; without an instance, signs in to Global
    /// Discovery and returns the environments to pick from (see [`Self::add_discovered`]).
    pub async fn sign_in_user(
        &self,
        form: UserForm,
        method: SignInMethod,
        progress: &Channel<SignInEvent>,
    ) -> Result<SignInResult, ErrorPayload> {
        let cancel = self.signing_in.begin();
        let events = |event: SignInEvent| {
            let _ = progress.send(event);
        };
        if form.instance_url.trim().is_empty() {
            let found = d365_connections::discover(&form, &method, &events, cancel).await?;
            *lock(&self.signing_in.discovered) = Some(found.refresh);
            return Ok(SignInResult::Discovered { environments: found.environments });
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
        let (profile, _) = d365_connections::add_discovered(&self.vault, form, instance_url, refresh)?;
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
        method: SignInMethod,
        progress: &Channel<SignInEvent>,
    ) -> Result<ConnectionView, ErrorPayload> {
        let profile = self.vault.get(id)?;
        let cancel = self.signing_in.begin();
        let events = |event: SignInEvent| {
            let _ = progress.send(event);
        };
        d365_connections::sign_in_again(&self.vault, &profile, &method, &events, cancel).await?;
        Ok(ConnectionView::from(&self.vault.get(id)?))
    }
}
