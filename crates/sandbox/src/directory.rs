//! The sandbox's directory: one tenant with its app registrations and users, and who they are inside the
//! organisation (application users and users, each with a security role). Everything a test may want to
//! provoke has an entry here: an expired secret, an app without an application user, a read-only role.

use time::{Duration, OffsetDateTime};
use uuid::{Uuid, uuid};

use crate::identity::certificates::{RegisteredCertificate, SandboxCertificates};

/// A security role inside the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// "System Administrator": every privilege.
    SystemAdministrator,
    /// "Basic Reader": may read, may not write.
    Reader,
    /// An application user that was given no security role: it exists, but may read nothing.
    NoRole,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::SystemAdministrator => "System Administrator",
            Role::Reader => "Basic Reader",
            Role::NoRole => "(none)",
        }
    }

    pub fn can_write(self) -> bool {
        matches!(self, Role::SystemAdministrator)
    }

    pub fn can_read(self) -> bool {
        !matches!(self, Role::NoRole)
    }
}

#[derive(Debug, Clone)]
pub struct ClientSecret {
    pub value: String,
    pub expires: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub enum ClientKind {
    /// A web app / daemon that authenticates with a secret.
    Confidential { secrets: Vec<ClientSecret> },
    /// A desktop or mobile app: no secret; PKCE required.
    Public,
}

#[derive(Debug, Clone)]
pub struct AppRegistration {
    pub client_id: Uuid,
    pub name: String,
    pub kind: ClientKind,
    /// Registered redirect URIs. `http://localhost` matches any port on localhost, as Entra does.
    pub redirect_uris: Vec<String>,
    /// The object id of the app's service principal in the tenant (the `oid` of its app-only tokens).
    pub service_principal_id: Uuid,
    /// The application user in the organisation, if there is one, and its role.
    pub application_user: Option<OrgUser>,
    /// Certificates registered for the app (their public part): what a client assertion is checked against.
    pub certificates: Vec<RegisteredCertificate>,
}

impl AppRegistration {
    pub fn is_public(&self) -> bool {
        matches!(self.kind, ClientKind::Public)
    }
}

/// A principal inside the organisation (a `systemuser` row): an application user or a person.
#[derive(Debug, Clone, Copy)]
pub struct OrgUser {
    pub system_user_id: Uuid,
    pub role: Role,
}

#[derive(Debug, Clone)]
pub struct User {
    /// Entra object id (`oid`).
    pub object_id: Uuid,
    pub upn: String,
    pub display_name: String,
    pub password: String,
    pub org_user: Option<OrgUser>,
}

#[derive(Debug, Clone)]
pub struct Directory {
    pub tenant_id: Uuid,
    pub tenant_name: String,
    /// The tenant's verified domain, usable instead of its id in authority URLs.
    pub tenant_domain: String,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub business_unit_id: Uuid,
    pub apps: Vec<AppRegistration>,
    pub users: Vec<User>,
}

pub const TENANT_ID: Uuid = uuid!("6c3a3f5e-2d1b-4c8e-9a57-0d365de5a000");
pub const ORGANIZATION_ID: Uuid = uuid!("0f3b1c2d-7e6a-4b59-8c1d-0d365de5a001");
pub const BUSINESS_UNIT_ID: Uuid = uuid!("1a2b3c4d-5e6f-4a7b-8c9d-0d365de5a002");

/// The confidential client with an application user holding System Administrator.
pub const ORG_CLIENT_ID: Uuid = uuid!("2d7c9a41-6b3e-4f0a-9d8c-0d365de5a100");
/// A confidential client whose application user only has Basic Reader (403 on writes).
pub const READER_CLIENT_ID: Uuid = uuid!("2d7c9a41-6b3e-4f0a-9d8c-0d365de5a101");
/// A confidential client registered in the tenant but with no application user in the org (403).
pub const NO_APP_USER_CLIENT_ID: Uuid = uuid!("2d7c9a41-6b3e-4f0a-9d8c-0d365de5a102");
/// A confidential client whose application user has no security role (403 on every table).
pub const NO_ROLE_CLIENT_ID: Uuid = uuid!("2d7c9a41-6b3e-4f0a-9d8c-0d365de5a104");
/// A confidential client whose only secret has expired (AADSTS7000222), and whose only certificate too.
pub const EXPIRED_SECRET_CLIENT_ID: Uuid = uuid!("2d7c9a41-6b3e-4f0a-9d8c-0d365de5a103");
/// The public client (desktop app) users sign in with: redirect `http://localhost`, PKCE.
pub const PUBLIC_CLIENT_ID: Uuid = uuid!("51f81489-12ee-4a9e-aaae-0d365de5a200");
/// Microsoft's published public client for Dataverse tools, present in real tenants as a multi-tenant app:
/// clients that default to it (D365 Desk's user form without a client ID) work here unchanged.
pub const MICROSOFT_SAMPLE_CLIENT_ID: Uuid = uuid!("51f81489-12ee-4a9e-aaae-a2591f45987d");

pub const ADMIN_UPN: &str = "admin@contoso-sandbox.onmicrosoft.com";
pub const READER_UPN: &str = "reader@contoso-sandbox.onmicrosoft.com";
/// The well-known password of the demo credentials: every sandbox user's password in the app's built-in
/// sandbox and with `d365-sandbox --demo-credentials`, so that a person can try the browser sign-in without
/// looking anything up. Like Azurite's well-known account key, it is published (README, the app's Sandbox
/// card) and is no secret: the sandbox listens on loopback only and holds sample data only. Without demo
/// credentials, the password is random per data file.
pub const DEMO_PASSWORD: &str = "Contoso-Sandbox-Demo-1";
/// A person in the tenant who has no user in the organisation.
pub const OUTSIDER_UPN: &str = "outsider@contoso-sandbox.onmicrosoft.com";

impl Directory {
    /// The sandbox's directory. Secrets and passwords are the caller's (random per data file, or fixed in
    /// tests); everything else is fixed so that ids are stable across runs.
    pub fn new(org_client_secret: String, user_password: String) -> Self {
        let now = OffsetDateTime::now_utc();
        let valid = |value: String| ClientSecret { value, expires: now + Duration::days(730) };
        let confidential =
            |client_id, name: &str, secret: ClientSecret, sp: u128, app_user| AppRegistration {
                client_id,
                name: name.into(),
                kind: ClientKind::Confidential { secrets: vec![secret] },
                redirect_uris: vec![],
                service_principal_id: Uuid::from_u128(sp),
                application_user: app_user,
                certificates: Vec::new(),
            };
        let org_user = |id: u128, role| Some(OrgUser { system_user_id: Uuid::from_u128(id), role });
        let apps = vec![
            confidential(
                ORG_CLIENT_ID,
                "D365 Desk Sandbox Integration",
                valid(org_client_secret.clone()),
                0x9e1d_0000_0000_4000_8000_0d36_5de5_a100,
                org_user(0x5a5a_0000_0000_4000_8000_0d36_5de5_a100, Role::SystemAdministrator),
            ),
            confidential(
                READER_CLIENT_ID,
                "Sandbox Reporting Reader",
                valid(org_client_secret.clone()),
                0x9e1d_0000_0000_4000_8000_0d36_5de5_a101,
                org_user(0x5a5a_0000_0000_4000_8000_0d36_5de5_a101, Role::Reader),
            ),
            confidential(
                NO_APP_USER_CLIENT_ID,
                "Sandbox App Without Application User",
                valid(org_client_secret.clone()),
                0x9e1d_0000_0000_4000_8000_0d36_5de5_a102,
                None,
            ),
            confidential(
                EXPIRED_SECRET_CLIENT_ID,
                "Sandbox App With Expired Secret",
                ClientSecret { value: org_client_secret.clone(), expires: now - Duration::days(3) },
                0x9e1d_0000_0000_4000_8000_0d36_5de5_a103,
                org_user(0x5a5a_0000_0000_4000_8000_0d36_5de5_a103, Role::SystemAdministrator),
            ),
            confidential(
                NO_ROLE_CLIENT_ID,
                "Sandbox App Without Security Role",
                valid(org_client_secret),
                0x9e1d_0000_0000_4000_8000_0d36_5de5_a104,
                org_user(0x5a5a_0000_0000_4000_8000_0d36_5de5_a104, Role::NoRole),
            ),
            AppRegistration {
                client_id: PUBLIC_CLIENT_ID,
                name: "D365 Desk".into(),
                kind: ClientKind::Public,
                redirect_uris: vec!["http://localhost".into()],
                service_principal_id: Uuid::from_u128(0x9e1d_0000_0000_4000_8000_0d36_5de5_a200),
                application_user: None,
                certificates: Vec::new(),
            },
            AppRegistration {
                client_id: MICROSOFT_SAMPLE_CLIENT_ID,
                name: "Microsoft Dataverse sample app".into(),
                kind: ClientKind::Public,
                redirect_uris: vec![
                    "http://localhost".into(),
                    "app://58145B91-0C36-4500-8554-080854F2AC97".into(),
                ],
                service_principal_id: Uuid::from_u128(0x9e1d_0000_0000_4000_8000_0d36_5de5_a201),
                application_user: None,
                certificates: Vec::new(),
            },
        ];
        let person = |id: u128, upn: &str, name: &str, org| User {
            object_id: Uuid::from_u128(id),
            upn: upn.into(),
            display_name: name.into(),
            password: user_password.clone(),
            org_user: org,
        };
        let users = vec![
            person(
                0x0b1d_0000_0000_4000_8000_0d36_5de5_a300,
                ADMIN_UPN,
                "Avery Admin",
                org_user(0x5a5a_0000_0000_4000_8000_0d36_5de5_a300, Role::SystemAdministrator),
            ),
            person(
                0x0b1d_0000_0000_4000_8000_0d36_5de5_a301,
                READER_UPN,
                "Riley Reader",
                org_user(0x5a5a_0000_0000_4000_8000_0d36_5de5_a301, Role::Reader),
            ),
            person(0x0b1d_0000_0000_4000_8000_0d36_5de5_a302, OUTSIDER_UPN, "Owen Outsider", None),
        ];
        Self {
            tenant_id: TENANT_ID,
            tenant_name: "Contoso Sandbox".into(),
            tenant_domain: "contoso-sandbox.onmicrosoft.com".into(),
            organization_id: ORGANIZATION_ID,
            organization_name: "Contoso Sandbox".into(),
            business_unit_id: BUSINESS_UNIT_ID,
            apps,
            users,
        }
    }

    /// Registers the sandbox's certificate for every confidential app that has a valid secret, and the
    /// expired one for the app whose credentials have expired (AADSTS700027, "the key used is expired").
    pub fn with_certificates(mut self, certificates: &SandboxCertificates) -> Self {
        for app in &mut self.apps {
            match app.kind {
                ClientKind::Public => {}
                _ if app.client_id == EXPIRED_SECRET_CLIENT_ID => {
                    app.certificates.push(certificates.expired.clone());
                }
                _ => app.certificates.push(certificates.certificate.clone()),
            }
        }
        self
    }

    /// Whether `tenant` (an id or the verified domain, as in an authority URL) names this tenant.
    pub fn is_tenant(&self, tenant: &str) -> bool {
        tenant.parse::<Uuid>().is_ok_and(|id| id == self.tenant_id)
            || tenant.eq_ignore_ascii_case(&self.tenant_domain)
    }

    /// Whether an authority URL's tenant segment reaches this tenant: its id, its domain, or the
    /// multi-tenant aliases `organizations` and `common` (for a user's sign-in: the client-credentials grant
    /// needs the tenant itself, see `is_tenant`).
    pub fn accepts_tenant(&self, tenant: &str) -> bool {
        self.is_tenant(tenant) || matches!(tenant, "organizations" | "common")
    }

    pub fn app(&self, client_id: &str) -> Option<&AppRegistration> {
        let id = client_id.parse::<Uuid>().ok()?;
        self.apps.iter().find(|app| app.client_id == id)
    }

    pub fn user_by_upn(&self, upn: &str) -> Option<&User> {
        self.users.iter().find(|user| user.upn.eq_ignore_ascii_case(upn))
    }

    pub fn user_by_oid(&self, oid: Uuid) -> Option<&User> {
        self.users.iter().find(|user| user.object_id == oid)
    }
}
