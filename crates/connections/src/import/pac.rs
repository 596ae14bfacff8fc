//! The Power Platform CLI's auth profiles (`authprofiles_v2.json`). Microsoft does not document this file;
//! what is read here is what public readers of it rely on: `Profiles[]`, each with `Name`, `ProfileType` (0 a
//! user, 1 an application whose `User` is its client ID), `User`, `Resource` (the environment, or
//! `https://service.powerapps.com/` when none is selected), `TenantId`, `FriendlyName`. pac keeps its tokens and
//! an application's client secret in separate caches beside it (`tokencache_msalv3.dat`, `pac.spn.cache.dat`,
//! DPAPI-protected on Windows), which are never read. Keys are matched without case, as those readers do.

use serde_json::{Map, Value};

use super::{Found, ImportKind, ImportSource, format_error};
use crate::error::Result;

/// What pac sets as the resource of a profile with no environment selected.
const NO_ENVIRONMENT: &str = "https://service.powerapps.com";

pub(super) fn read(text: &str) -> Result<Vec<Found>> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| format_error(ImportSource::Pac, format!("the JSON is malformed ({e})")))?;
    let Some(object) = value.as_object() else {
        return Err(format_error(ImportSource::Pac, "it is not a JSON object").into());
    };
    if object.get("format").and_then(Value::as_str) == Some(d365_vault::portable::EXPORT_FORMAT) {
        return Err(format_error(
            ImportSource::Pac,
            "it is a D365 Desk export; import it with `d365 connection import FILE`, without --from",
        )
        .into());
    }
    let Some(profiles) = get(object, "Profiles") else {
        let keys: Vec<&str> = object.keys().map(String::as_str).take(5).collect();
        return Err(format_error(
            ImportSource::Pac,
            format!(
                "it has no \"Profiles\" list (its keys: {})",
                if keys.is_empty() { "none".into() } else { keys.join(", ") }
            ),
        )
        .into());
    };
    let Some(profiles) = profiles.as_array() else {
        return Err(format_error(ImportSource::Pac, "its \"Profiles\" is not a list").into());
    };
    profiles
        .iter()
        .enumerate()
        .map(|(at, profile)| {
            profile.as_object().map(profile_of).ok_or_else(|| {
                format_error(ImportSource::Pac, format!("profile {} is not a JSON object", at + 1)).into()
            })
        })
        .collect()
}

/// A key, without case.
fn get<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
}

fn text(object: &Map<String, Value>, key: &str) -> Option<String> {
    get(object, key).and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
}

fn profile_of(profile: &Map<String, Value>) -> Found {
    let resource = text(profile, "Resource").unwrap_or_default();
    let mut found = Found {
        source_name: text(profile, "Name").or_else(|| text(profile, "FriendlyName")).unwrap_or_default(),
        url: resource.clone(),
        tenant: text(profile, "TenantId"),
        ..Found::default()
    };
    if resource.is_empty() || resource.trim_end_matches('/').eq_ignore_ascii_case(NO_ENVIRONMENT) {
        return found.refuse(
            "The profile has no environment selected (pac env select); add the connection for the environment \
             you want instead.",
        );
    }
    let user = text(profile, "User");
    match get(profile, "ProfileType").and_then(Value::as_i64) {
        Some(0) | None => {
            found.kind = Some(ImportKind::User);
            if let Some(user) = &user {
                found.imported.push(format!("whom it signs in as ({user})"));
            }
            found.leaves(
                "pac's sign-in (its token cache, and pac's own client ID): sign in once here, with D365 Desk's \
                 client",
            );
            found.username = user;
        }
        Some(1) => {
            found.kind = Some(ImportKind::OrgSecret);
            found.client_id = user;
            found.leaves(
                "the client secret (pac keeps it in its own cache, pac.spn.cache.dat, never in this file): give it \
                 again, or delete the connection and add it with a certificate if the profile used one",
            );
        }
        Some(other) => {
            return found.refuse(format!(
                "Its ProfileType {other} is not a user (0) or an application (1) profile, the kinds D365 Desk \
                 can bring over (a managed identity or a federated CI credential does not work here)."
            ));
        }
    }
    found
}
