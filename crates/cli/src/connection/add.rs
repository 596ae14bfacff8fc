//! `d365 connection add ...`: validate, sign in where the kind needs it, save.

use d365_dataverse::{DataverseError, input};
use d365_vault::{Cloud as VaultCloud, ConnectionKind, EnvironmentTag, NewProfile, Secret, Vault};

use super::{cloud, read_stdin, tag};
use crate::args::{AddBearer, AddOrg, AddUser};
use crate::output::{Done, Failure};

/// The client secret from stdin (one line) or D365_CLIENT_SECRET; never from argv.
pub fn read_secret(from_stdin: bool) -> Result<Secret, Failure> {
    let text = if from_stdin {
        read_stdin()?.trim_end_matches(['\r', '\n']).to_owned()
    } else if let Some(value) = std::env::var_os("D365_CLIENT_SECRET") {
        value.into_string().map_err(|_| {
            Failure::from(DataverseError::new("input.invalid", "D365_CLIENT_SECRET is not valid text.", None))
        })?
    } else {
        return Err(Failure::from(DataverseError::new(
            "input.invalid",
            "Client secret: none given.",
            Some("Pipe it in with --client-secret-stdin, or set D365_CLIENT_SECRET. It is never accepted as an argument.".into()),
        )));
    };
    input::client_secret(&text)?;
    Ok(Secret::new(text))
}

/// A bearer token from stdin or D365_BEARER_TOKEN; never from argv.
fn read_token(from_stdin: bool) -> Result<String, Failure> {
    let token = if from_stdin {
        read_stdin()?
    } else {
        std::env::var("D365_BEARER_TOKEN").map_err(|_| {
            Failure::from(DataverseError::new(
                "input.invalid_token",
                "Bearer token: none given.",
                Some("Pipe it in with --token-stdin, or set D365_BEARER_TOKEN. It is never accepted as an argument.".into()),
            ))
        })?
    };
    Ok(token.trim().trim_start_matches("Bearer ").to_owned())
}

pub fn org(vault: &Vault, args: AddOrg) -> Result<Done, Failure> {
    let form = d365_connections::OrgForm {
        name: args.common.name,
        tag: args.common.tag.and_then(tag),
        read_only: args.common.read_only.then_some(true),
        instance_url: args.common.instance,
        tenant: args.tenant,
        client_id: args.client_id,
        cloud: cloud(args.common.cloud),
        authority: args.authority,
        allow_custom_host: args.common.allow_custom_host,
        allow_custom_authority: args.allow_custom_authority,
    };
    // Field by field first: the first problem is the one reported, before the secret is read.
    if let Some(problem) = d365_connections::check_org(vault, &form).into_iter().find(|p| p.field != "name") {
        return Err(problem.error.into());
    }
    if let Some(file) = &args.certificate.certificate {
        let (bytes, password) = read_certificate(file, args.certificate.certificate_password_stdin)?;
        let (profile, warnings) = d365_connections::add_certificate(vault, form, &bytes, password.as_ref())?;
        let note =
            Some(certificate_note(&profile)).into_iter().chain(warnings).collect::<Vec<_>>().join("\n");
        return Ok(Done::Added(profile, Some(note)));
    }
    let secret = read_secret(args.client_secret_stdin)?;
    let (profile, warning) = d365_connections::add_org(vault, form, secret)?;
    Ok(Done::Added(profile, warning))
}

/// The certificate file, and its password from stdin or D365_CERTIFICATE_PASSWORD (never from argv).
pub fn read_certificate(
    file: &std::path::Path,
    password_stdin: bool,
) -> Result<(Vec<u8>, Option<Secret>), Failure> {
    let bytes =
        d365_connections::read_small_file(file, d365_connections::MAX_CERTIFICATE_FILE, "a certificate file")
            .map_err(|e| {
                Failure::from(
                    DataverseError::new(
                        "input.certificate_unreadable",
                        e,
                        Some("Check the path of the certificate file.".into()),
                    )
                    .on_field("Certificate"),
                )
            })?;
    let password = if password_stdin {
        Some(Secret::new(read_stdin()?.trim_end_matches(['\r', '\n']).to_owned()))
    } else {
        std::env::var("D365_CERTIFICATE_PASSWORD").ok().map(Secret::new)
    };
    Ok((bytes, password))
}

/// What the person should check in the Azure portal: the thumbprint it lists, and the end.
pub fn certificate_note(profile: &d365_vault::Profile) -> String {
    profile.certificate.as_ref().map_or_else(String::new, |c| {
        format!(
            "Certificate {} (thumbprint {}), valid until {}. Its public part must be uploaded to the app \
             registration (Certificates & secrets → Certificates).",
            c.subject, c.thumbprint, c.not_after
        )
    })
}

/// What the terminal shows while a sign-in waits, and Ctrl-C to give up.
pub fn method(device_code: bool, login_hint: Option<String>) -> d365_connections::SignInMethod {
    if device_code {
        d365_connections::SignInMethod::DeviceCode
    } else {
        d365_connections::SignInMethod::Browser { login_hint }
    }
}

pub fn tell(event: d365_connections::SignInEvent) {
    match event {
        d365_connections::SignInEvent::WaitingForBrowser => {
            eprintln!("Opening your browser to sign in (waiting up to 5 minutes)...");
        }
        d365_connections::SignInEvent::DeviceCode(prompt) => eprintln!("{}", prompt.message),
    }
}

pub async fn ctrl_c() {
    let _ = tokio::signal::ctrl_c().await;
}

pub async fn user(vault: &Vault, args: AddUser) -> Result<Done, Failure> {
    let form = d365_connections::UserForm {
        name: args.common.name,
        tag: args.common.tag.and_then(tag),
        read_only: args.common.read_only.then_some(true),
        instance_url: args.common.instance,
        tenant: args.tenant,
        client_id: args.client_id.unwrap_or_default(),
        cloud: cloud(args.common.cloud),
        authority: args.authority,
        allow_custom_host: args.common.allow_custom_host,
        allow_custom_authority: args.allow_custom_authority,
    };
    let how = method(args.device_code, args.login_hint);
    let (profile, warning) = d365_connections::add_user(vault, form, &how, &tell, ctrl_c()).await?;
    Ok(Done::Added(profile, warning))
}

pub fn bearer(vault: &Vault, args: AddBearer) -> Result<Done, Failure> {
    let form = d365_connections::BearerForm {
        name: args.common.name,
        tag: args.common.tag.and_then(tag),
        read_only: args.common.read_only.then_some(true),
        instance_url: args.common.instance,
        cloud: cloud(args.common.cloud),
        allow_custom_host: args.common.allow_custom_host,
    };
    let token = read_token(args.token_stdin)?;
    let (profile, facts) = d365_connections::add_bearer(vault, form, Secret::new(token))?;
    let until = facts.expires.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let note = format!("The token is for {} and works until {until}.", facts.subject);
    Ok(Done::Added(profile, Some(note)))
}

pub fn sandbox(vault: &Vault, name: String) -> Result<Done, Failure> {
    let new = NewProfile {
        name,
        kind: ConnectionKind::Sandbox,
        instance_url: d365_connections::SANDBOX_INSTANCE.into(),
        tenant: None,
        client_id: None,
        cloud: VaultCloud::Public,
        authority: None,
        tag: Some(EnvironmentTag::Dev),
        read_only: None,
    };
    Ok(Done::Added(vault.add(new, None)?, None))
}
