//! `d365 connection ...`: the vault and the Dataverse client, as commands.

mod add;
mod import;
mod portable;

use std::io::Read;

use d365_connections::authority_of;
use d365_dataverse::{DataverseError, auth, discovery, input};
use d365_vault::{
    Cloud, ConnectionKind, EnvironmentTag, ProfileEdit, Revocation, SecretKind, Vault, VaultError,
};

use crate::args::{AddCommand, CloudArg, ConnectionCommand, OnOff, SignInArgs, TagArg};
use crate::output::{Done, Failure};

pub fn cloud(cloud: CloudArg) -> Cloud {
    match cloud {
        CloudArg::Public => Cloud::Public,
        CloudArg::Gcc => Cloud::Gcc,
        CloudArg::Gcchigh => Cloud::GccHigh,
        CloudArg::Dod => Cloud::Dod,
        CloudArg::China => Cloud::China,
    }
}

pub fn tag(tag: TagArg) -> Option<EnvironmentTag> {
    match tag {
        TagArg::Dev => Some(EnvironmentTag::Dev),
        TagArg::Test => Some(EnvironmentTag::Test),
        TagArg::Uat => Some(EnvironmentTag::Uat),
        TagArg::Prod => Some(EnvironmentTag::Prod),
        TagArg::None => None,
    }
}

pub fn read_stdin() -> Result<String, Failure> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Failure::other("input.stdin", format!("Could not read stdin: {e}")))?;
    Ok(text)
}

pub async fn execute(vault: &Vault, command: ConnectionCommand) -> Result<Done, Failure> {
    match command {
        ConnectionCommand::Add(AddCommand::Org(args)) => add::org(vault, args),
        ConnectionCommand::Add(AddCommand::User(args)) => add::user(vault, args).await,
        ConnectionCommand::Add(AddCommand::Bearer(args)) => add::bearer(vault, args),
        ConnectionCommand::Add(AddCommand::Sandbox { name }) => add::sandbox(vault, name),
        ConnectionCommand::List => {
            let profiles = vault.list()?;
            // Best effort: a list still shows when the keyring cannot be asked.
            let needs = profiles.iter().map(|p| vault.missing_credential(p).ok().flatten()).collect();
            Ok(Done::List(profiles, needs))
        }
        ConnectionCommand::Verify { name } => verify(vault, &name).await,
        ConnectionCommand::SignIn(args) => sign_in(vault, args).await,
        ConnectionCommand::SetSecret { name, client_secret_stdin, certificate } => match certificate
            .certificate
        {
            Some(file) => {
                let (bytes, password) = add::read_certificate(&file, certificate.certificate_password_stdin)?;
                Ok(Done::Edited(d365_connections::set_certificate(vault, &name, &bytes, password.as_ref())?))
            }
            None => {
                let secret = add::read_secret(client_secret_stdin)?;
                Ok(Done::Edited(vault.set_client_secret(&name, &secret)?))
            }
        },
        ConnectionCommand::Show { name } => {
            let profile = vault.get(&name)?;
            let needs = vec![vault.missing_credential(&profile).ok().flatten()];
            Ok(Done::List(vec![profile], needs))
        }
        ConnectionCommand::Export { out } => portable::export(vault, out.as_deref()),
        ConnectionCommand::Import {
            file, from: Some(from), pick, all, dry_run, allow_custom_host, ..
        } => {
            let picked = import::Picked { numbers: pick, all, dry_run, allow_custom_host };
            import::from_tool(vault, from, &file, picked)
        }
        ConnectionCommand::Import { file, allow_custom_authority, .. } => {
            portable::import(vault, &file, allow_custom_authority)
        }
        ConnectionCommand::Remove { name } => match vault.remove(&name)? {
            Some(Revocation { steps }) => Ok(Done::Removed { name, steps }),
            None => Err(Failure::from(VaultError::NotFound(name))),
        },
        ConnectionCommand::Rename { name, new_name } => {
            Ok(Done::Edited(vault.edit(&name, ProfileEdit { name: Some(new_name), ..Default::default() })?))
        }
        ConnectionCommand::Tag { name, tag: value } => {
            Ok(Done::Edited(vault.edit(&name, ProfileEdit { tag: Some(tag(value)), ..Default::default() })?))
        }
        ConnectionCommand::ReadOnly { name, state } => Ok(Done::Edited(
            vault.edit(&name, ProfileEdit { read_only: Some(state == OnOff::On), ..Default::default() })?,
        )),
    }
}

/// Signs a user connection in again (its refresh token expired or was revoked, or it was imported).
async fn sign_in(vault: &Vault, args: SignInArgs) -> Result<Done, Failure> {
    let profile = vault.get(&args.name)?;
    let how = add::method(args.device_code, args.login_hint);
    d365_connections::sign_in_again(vault, &profile, &how, &add::tell, add::ctrl_c()).await?;
    Ok(Done::Edited(profile))
}

/// Global Discovery with a user connection's refresh token.
pub async fn environments(vault: &Vault, name: &str) -> Result<Done, Failure> {
    let profile = vault.get(name)?;
    if profile.kind != ConnectionKind::User {
        return Err(Failure::from(DataverseError::new(
            "input.invalid",
            "Listing environments needs a user connection (your own sign-in).",
            Some("Add one with `d365 connection add user`.".into()),
        )));
    }
    let cloud = profile.cloud;
    let instance = input::instance(&profile.instance_url, cloud, true)?;
    let authority = authority_of(&profile)?;
    let refresh = vault.secret(&profile, SecretKind::RefreshToken)?.ok_or_else(|| {
        Failure::other("auth.sign_in_again", "The connection has no sign-in. Run `d365 connection sign-in`.")
    })?;
    let http = auth::http_client()?;
    let resource = discovery::resource(cloud, &instance);
    let client_id = profile.client_id.clone().unwrap_or_default();
    let (token, rotated) = auth::refresh(&http, &authority, &client_id, refresh.expose(), &resource).await?;
    if let Some(rotated) = rotated {
        vault.store_token(&profile, SecretKind::RefreshToken, &rotated)?;
    }
    Ok(Done::Environments(discovery::environments(&http, &resource, &token).await?))
}

async fn verify(vault: &Vault, name: &str) -> Result<Done, Failure> {
    let profile = vault.get(name)?;
    let http = auth::http_client()?;
    let report = if profile.kind == ConnectionKind::Sandbox {
        let sandbox = crate::sandbox::start().await?;
        let endpoint = crate::sandbox::endpoint(&sandbox);
        let result = d365_connections::verify(vault, &profile, http, Some(&endpoint), &|_| {}).await;
        let _ = sandbox.shutdown().await;
        result?
    } else {
        d365_connections::verify(vault, &profile, http, None, &|_| {}).await?
    };
    Ok(Done::Verified(Box::new(profile), Box::new(report)))
}
