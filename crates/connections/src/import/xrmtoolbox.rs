//! XrmToolBox's connection files: `CrmConnections` as .NET's `XmlSerializer` writes it, one
//! `ConnectionDetail` per connection (MscrmTools/MscrmTools.Xrm.Connection). How each connects follows the
//! order of `ConnectionDetail.GetCrmServiceClient`: a certificate, a connection string, Azure Key Vault, a
//! client secret, OAuth with MFA (a browser sign-in), a user name and password online, IFD, on-premises AD.
//! Its `ClientSecret` and `UserPassword` are encrypted with a key built into the library (`CryptoManager`),
//! not tied to a machine or user; they are secrets all the same and are never read.

use roxmltree::{Document, Node};

use super::connection_string::ConnectionString;
use super::{Found, ImportKind, ImportSource, format_error};
use crate::error::Result;

const EMPTY_GUID: &str = "00000000-0000-0000-0000-000000000000";

pub(super) fn read(text: &str) -> Result<Vec<Found>> {
    let document = Document::parse(text)
        .map_err(|e| format_error(ImportSource::XrmToolBox, format!("the XML is malformed ({e})")))?;
    let root = document.root_element();
    match root.tag_name().name() {
        "CrmConnections" => {
            let list = root.children().find(|n| n.has_tag_name("Connections"));
            Ok(list.iter().flat_map(|l| details(*l)).map(connection).collect())
        }
        // A bare list, as some tools serialise `List<ConnectionDetail>`.
        "ArrayOfConnectionDetail" => Ok(details(root).map(connection).collect()),
        "ConnectionsList" => {
            let files: Vec<String> = root
                .descendants()
                .filter(|n| n.has_tag_name("ConnectionFile"))
                .filter_map(|f| field(f, "Path"))
                .collect();
            Err(format_error(
                ImportSource::XrmToolBox,
                format!(
                    "it is XrmToolBox's list of connection files (MscrmTools.ConnectionsList.xml), which holds no \
                     connections; import the files it lists: {}",
                    if files.is_empty() { "none".to_owned() } else { files.join(", ") }
                ),
            )
            .into())
        }
        other => Err(format_error(
            ImportSource::XrmToolBox,
            format!(
                "its root element is <{other}> (line {}), not <CrmConnections>",
                document.text_pos_at(root.range().start).row
            ),
        )
        .into()),
    }
}

fn details<'a, 'i>(list: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    list.children().filter(|n| n.has_tag_name("ConnectionDetail"))
}

/// A child element's text, trimmed; empty or absent is `None`.
fn field(node: Node, name: &str) -> Option<String> {
    let child = node.children().find(|n| n.has_tag_name(name))?;
    let text = child.text()?.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn flag(node: Node, name: &str) -> bool {
    field(node, name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn guid(node: Node, name: &str) -> Option<String> {
    field(node, name).filter(|g| g != EMPTY_GUID)
}

fn connection(detail: Node) -> Found {
    let url = field(detail, "OriginalUrl").or_else(|| field(detail, "WebApplicationUrl")).unwrap_or_default();
    let mut found = Found {
        source_name: field(detail, "ConnectionName").unwrap_or_default(),
        url,
        tenant: guid(detail, "TenantId"),
        client_id: guid(detail, "AzureAdAppId"),
        ..Found::default()
    };
    if field(detail, "RefreshToken").is_some() {
        found.leaves("its saved sign-in (refresh token): tokens do not travel");
    }
    let new_auth = field(detail, "NewAuthType").unwrap_or_default().to_lowercase();
    if let Some(certificate) = detail.children().find(|n| n.has_tag_name("CertificateInfo")) {
        let thumbprint = field(certificate, "Thumbprint").unwrap_or_else(|| "?".into());
        let subject = field(certificate, "Name").map(|s| format!(", {s}")).unwrap_or_default();
        return certificate_connection(found, &thumbprint, &subject);
    }
    if let Some(text) = field(detail, "ConnectionString") {
        return from_connection_string(found, &ConnectionString::parse(&text));
    }
    if let Some(vault) = field(detail, "AzureKeyVaultName") {
        found.kind = Some(ImportKind::OrgSecret);
        found.leaves(format!("the client secret, kept in Azure Key Vault '{vault}': copy it from there"));
        return found;
    }
    let has_secret = field(detail, "ClientSecret").is_some();
    if new_auth == "clientsecret" || has_secret {
        found.kind = Some(ImportKind::OrgSecret);
        found.leaves(if has_secret {
            "the client secret (saved encrypted in the file): secrets are never imported; give it again"
        } else {
            "the client secret (not saved in the file)"
        });
        return found;
    }
    let username = field(detail, "UserName");
    let password = field(detail, "UserPassword").is_some();
    // XrmToolBox's `UseOnline` looks for ".dynamics.com"; the sovereign clouds' org hosts are online too.
    let online = found.url.to_lowercase().contains(".dynamics.com")
        || super::host_of(&found.url).is_some_and(|host| d365_vault::Cloud::of_org_host(&host).is_some());
    if (new_auth == "oauth" && flag(detail, "UseMfa")) || flag(detail, "IsFromSdkLoginCtrl") {
        return user_connection(found, username, password, field(detail, "ReplyUrl"));
    }
    if online && !flag(detail, "UseIfd") {
        return user_connection(found, username, password, None);
    }
    on_premises(found, flag(detail, "UseIfd") || new_auth == "ifd")
}

fn certificate_connection(mut found: Found, thumbprint: &str, subject: &str) -> Found {
    found.kind = Some(ImportKind::OrgCertificate);
    found.leaves(format!(
        "a certificate in the Windows certificate store (thumbprint {thumbprint}{subject}): export it with its \
         private key as a PFX and give it to the connection"
    ));
    found
}

/// A connection string's `AuthType` decides (Learn: "Use connection strings in XRM tooling").
fn from_connection_string(mut found: Found, cs: &ConnectionString) -> Found {
    if let Some(url) = cs.get(&["url", "serviceuri", "server"]) {
        found.url = url.to_owned();
    }
    if let Some(client_id) = cs.get(&["clientid", "appid", "applicationid"]) {
        found.client_id = Some(client_id.to_owned());
    }
    let given = cs.get(&["authtype", "authenticationtype"]).unwrap_or_default();
    let auth = given.to_lowercase();
    match auth.as_str() {
        "clientsecret" => {
            found.kind = Some(ImportKind::OrgSecret);
            if cs.has(&["clientsecret", "secret"]) {
                found.leaves(
                    "the client secret in its connection string: secrets are never imported; give it again",
                );
            }
            found
        }
        "certificate" => {
            let thumbprint = cs.get(&["thumbprint", "certthumbprint"]).unwrap_or("?").to_owned();
            certificate_connection(found, &thumbprint, "")
        }
        "oauth" | "office365" => {
            let username = cs.get(&["username", "userid", "user"]).map(str::to_owned);
            let password = cs.has(&["password"]);
            let reply = cs.get(&["redirecturi", "replyurl"]).map(str::to_owned);
            user_connection(found, username, password, reply)
        }
        "ad" | "ifd" | "claims" => on_premises(found, auth != "ad"),
        "" => found.refuse("Its connection string has no AuthType."),
        _ => {
            found.refuse(format!("Its connection string's AuthType '{given}' is not one D365 Desk can use."))
        }
    }
}

fn user_connection(
    mut found: Found,
    username: Option<String>,
    password: bool,
    reply: Option<String>,
) -> Found {
    found.kind = Some(ImportKind::User);
    if password {
        found.leaves(
            "the password: D365 Desk signs you in in the browser instead (a password sign-in fails with MFA)",
        );
    }
    // XrmToolBox's own reply URL is its client's; a custom app needs http://localhost for a sign-in here.
    let custom_app =
        found.client_id.as_deref().is_some_and(|c| !c.eq_ignore_ascii_case(crate::SAMPLE_CLIENT_ID));
    if let Some(reply) = reply.filter(|r| custom_app && !r.to_lowercase().starts_with("http://localhost")) {
        found.leaves(format!(
            "the reply URL {reply}: add http://localhost to the app registration's redirect URIs (Mobile and \
             desktop applications) for D365 Desk's browser sign-in"
        ));
    }
    if let Some(name) = &username {
        found.imported.push(format!("whom it signs in as ({name})"));
    }
    found.username = username;
    found
}

fn on_premises(found: Found, ifd: bool) -> Found {
    found.refuse(if ifd {
        "It is an on-premises (IFD, AD FS) connection; D365 Desk connects to Dataverse online through Microsoft \
         Entra ID only."
    } else {
        "It is an on-premises connection (Active Directory); D365 Desk connects to Dataverse online through \
         Microsoft Entra ID only."
    })
}
