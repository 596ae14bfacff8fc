//! User sign-in from the window: one at a time, cancellable from the window, its progress streamed on a
//! channel. A discovery sign-in's refresh token waits here, never in the webview, until the person picks an
//! environment.

use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};

use d365_common::ErrorPayload;
use d365_connections::{ConnectionView, FieldProblem, SignInEvent, SignInMethod, UserForm};
use d365_dataverse::DataverseError;
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
    discovered: Mutex<Option<Discovery>>,
}

/// A discovery sign-in waiting for the pick: the form it was made with (its authority, tenant, client and
/// cloud are the refresh token's), the token, and the environments it may be saved for.
struct Discovery {
    form: UserForm,
    refresh: Secret,
    environments: Vec<Environment>,
    username: Option<String>,
}

impl Discovery {
    /// The form to save: the window may change the name, tag and read-only, never what the refresh token
    /// was issued with, and only for an environment the sign-in found.
    fn form_for(&self, chosen: UserForm, instance_url: &str) -> Result<UserForm, ErrorPayload> {
        let same = |url: &str| {
            url.trim_end_matches('/').eq_ignore_ascii_case(instance_url.trim().trim_end_matches('/'))
        };
        if !self.environments.iter().any(|e| same(&e.url) || same(&e.api_url)) {
            return Err(ErrorPayload::from(DataverseError::new(
                "input.invalid",
                format!("{instance_url} is not one of the environments this sign-in found."),
                Some("Pick one of the environments in the list.".into()),
            )));
        }
        Ok(UserForm { name: chosen.name, tag: chosen.tag, read_only: chosen.read_only, ..self.form.clone() })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SignInState {
    /// The new sign-in's cancel signal. Starting one cancels any still waiting: one browser tab at a time.
    fn begin(&self) -> impl Future<Output = ()> + Send + 'static {
        let (cancel, cancelled) = oneshot::channel::<()>();
        *lock(&self.cancel) = Some(cancel);
        // A refresh token an earlier discovery left waiting is not for this sign-in.
        *lock(&self.discovered) = None;
        async move {
            let _ = cancelled.await;
        }
    }
}

fn no_discovery() -> ErrorPayload {
    ErrorPayload::from(DataverseError::new(
        "auth.sign_in_again",
        "There is no sign-in waiting for an environment to be picked.",
        Some("Sign in again, then pick the environment.".into()),
    ))
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
            let environments = found.environments.clone();
            *lock(&self.signing_in.discovered) = Some(Discovery {
                form,
                refresh: found.refresh,
                environments: found.environments,
                username: found.username,
            });
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
        let discovery = waiting.as_ref().ok_or_else(no_discovery)?;
        let form = discovery.form_for(form, &instance_url)?;
        let (refresh, username) = (discovery.refresh.clone(), discovery.username.clone());
        let (profile, _) =
            d365_connections::add_discovered(&self.vault, form, instance_url, refresh, username)?;
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

#[cfg(test)]
mod tests {
    use d365_common::Category;
    use d365_vault::{Cloud, EnvironmentTag};

    use super::*;

    fn form(authority: &str, client_id: &str) -> UserForm {
        UserForm {
            name: String::new(),
            tag: None,
            read_only: None,
            instance_url: String::new(),
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: client_id.into(),
            cloud: Cloud::Public,
            authority: Some(authority.into()),
            allow_custom_host: false,
            allow_custom_authority: false,
        }
    }

    fn environment(url: &str) -> Environment {
        Environment {
            name: "Contoso".into(),
            unique_name: "contoso".into(),
            url: url.into(),
            api_url: format!("{url}/api/data/v9.2/"),
            version: "9.2".into(),
            region: "EU".into(),
            purpose: "Production".into(),
            enabled: true,
            user_is_admin: false,
        }
    }

    #[test]
    fn the_saved_form_keeps_what_the_refresh_token_was_issued_with() {
        let discovery = Discovery {
            form: form("http://127.0.0.1:1/tenant", "51f81489-12ee-4a9e-aaae-a2591f45987d"),
            refresh: Secret::new("refresh"),
            environments: vec![environment("https://contoso.crm4.dynamics.com")],
            username: None,
        };
        let mut chosen = form("https://login.attacker.example/t", "00000000-0000-0000-0000-000000000001");
        chosen.tenant = "attacker.onmicrosoft.com".into();
        chosen.cloud = Cloud::China;
        chosen.name = "Mine".into();
        chosen.tag = Some(EnvironmentTag::Prod);
        let saved = discovery.form_for(chosen.clone(), "https://contoso.crm4.dynamics.com/").expect("found");
        assert_eq!(saved.authority.as_deref(), Some("http://127.0.0.1:1/tenant"));
        assert_eq!(saved.client_id, "51f81489-12ee-4a9e-aaae-a2591f45987d");
        assert_eq!((saved.tenant.as_str(), saved.cloud), ("contoso.onmicrosoft.com", Cloud::Public));
        assert_eq!(
            (saved.name.as_str(), saved.tag),
            ("Mine", Some(EnvironmentTag::Prod)),
            "the window's own fields"
        );
        let elsewhere = discovery.form_for(chosen, "https://evil.crm.dynamics.com").expect_err("not found");
        assert_eq!(elsewhere.category, Category::Input);
    }
}
