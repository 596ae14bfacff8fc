//! Deterministic sample data: the same `seed` gives the same rows, ids included, on every machine.
//! Per account: two contacts, one opportunity; per two accounts: one lead and one case; per five accounts:
//! one project. Users, a business unit, a team, US dollars and the organisation row come first; the views
//! (`data::views`) last.

use rand::seq::SliceRandom;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};
use uuid::Uuid;

use super::decimal;
use super::schema::Table;
use super::store::{next_version, quote, target_column};
use crate::directory::Directory;

pub const USD_ID: Uuid = uuid::uuid!("7a1c5e0e-0d36-4de5-a000-00000000f001");
pub const TEAM_ID: Uuid = uuid::uuid!("7a1c5e0e-0d36-4de5-a000-00000000f002");

const COMPANY_FIRST: &[&str] = &[
    "Northwind",
    "Fabrikam",
    "Contoso",
    "Adventure",
    "Alpine",
    "Blue Yonder",
    "Coho",
    "Litware",
    "Lucerne",
    "Margie's",
    "Proseware",
    "Tailspin",
    "Trey",
    "Wide World",
    "Woodgrove",
    "Wingtip",
    "Fourth Coffee",
    "Graphic Design",
    "Humongous",
    "Southridge",
    "City Power",
    "Consolidated",
    "Relecloud",
    "Datum",
];
const COMPANY_SECOND: &[&str] = &[
    "Traders",
    "Logistics",
    "Works",
    "Outfitters",
    "Ski House",
    "Airlines",
    "Winery",
    "Systems",
    "Publishing",
    "Travel",
    "Software",
    "Toys",
    "Research",
    "Importers",
    "Bank",
    "Partners",
    "Labs",
    "Insurance",
    "Studios",
    "Energy",
    "Foods",
    "Motors",
    "Pharmaceuticals",
    "Holdings",
];
const FIRST_NAMES: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Sofia", "Lucas", "Mia", "Ethan", "Amelia", "Hiroshi",
    "Priya", "Kwame", "Ingrid", "Diego", "Fatima", "Chen", "Aisha", "Lars", "Zoe", "Rafael", "Nina", "Omar",
    "Hannah", "Yusuf", "Elena", "Tomas", "Grace", "Arjun",
];
const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Garcia", "Müller", "Rossi", "Nakamura", "Patel", "Okafor", "Larsen", "Silva", "Kim",
    "Nguyen", "Dubois", "Kowalski", "O'Brien", "Haddad", "Svensson", "Moreau", "Fischer", "Costa", "Ahmed",
    "Novak", "Bianchi", "Schmidt", "Yamamoto", "Brown", "Taylor", "Wilson", "Clark", "Lopez",
];
const CITIES: &[(&str, &str)] = &[
    ("Seattle", "United States"),
    ("Redmond", "United States"),
    ("Chicago", "United States"),
    ("Austin", "United States"),
    ("Toronto", "Canada"),
    ("London", "United Kingdom"),
    ("Dublin", "Ireland"),
    ("Paris", "France"),
    ("Berlin", "Germany"),
    ("Munich", "Germany"),
    ("Amsterdam", "Netherlands"),
    ("Stockholm", "Sweden"),
    ("Madrid", "Spain"),
    ("Milan", "Italy"),
    ("Zürich", "Switzerland"),
    ("Tokyo", "Japan"),
    ("Singapore", "Singapore"),
    ("Sydney", "Australia"),
    ("São Paulo", "Brazil"),
    ("Mumbai", "India"),
];
const JOB_TITLES: &[&str] = &[
    "Purchasing Manager",
    "CFO",
    "IT Director",
    "Operations Lead",
    "Sales Director",
    "Office Manager",
    "Procurement Specialist",
    "CEO",
    "Project Manager",
    "Head of Finance",
];
const PRODUCTS: &[&str] = &[
    "Field Service rollout",
    "Customer portal",
    "ERP integration",
    "Sales analytics",
    "Support contract",
    "Data migration",
    "Marketing automation",
    "Hardware refresh",
    "Training package",
    "Cloud subscription",
];
const CASE_TITLES: &[&str] = &[
    "Cannot sign in to the portal",
    "Invoice shows the wrong amount",
    "Delivery arrived damaged",
    "Request for a refund",
    "Product stopped working",
    "Question about the warranty",
    "Shipping address needs changing",
    "Integration returns error 500",
    "Password reset not received",
    "Report runs very slowly",
];
const SALES_REPS: &[(&str, &str)] = &[
    ("Jamie", "Rivera"),
    ("Morgan", "Lee"),
    ("Casey", "Nguyen"),
    ("Taylor", "Brooks"),
    ("Jordan", "Patel"),
    ("Alex", "Schneider"),
];

/// Builds rows column by column and inserts them.
struct Row<'t> {
    table: &'t Table,
    values: Vec<(String, Value)>,
}

impl<'t> Row<'t> {
    fn new(table: &'t Table, id: Uuid) -> Self {
        Self { table, values: vec![(table.primary_id.to_owned(), Value::Text(id.to_string()))] }
    }
    fn set(mut self, column: &str, value: impl Into<Value>) -> Self {
        debug_assert!(self.table.column(column).is_some(), "{}.{column}", self.table.logical_name);
        let mut value = value.into();
        // Money and decimals are stored as their exact text (see `decimal`).
        if let (Some((precision, scale, limit)), Value::Real(r)) =
            (self.table.column(column).and_then(|c| c.kind.exact_decimal()), &value)
            && let Ok(text) = decimal::stored(&r.to_string(), precision, scale, limit)
        {
            value = Value::Text(text);
        }
        self.values.push((column.to_owned(), value));
        self
    }
    fn text(self, column: &str, value: impl Into<String>) -> Self {
        self.set(column, Value::Text(value.into()))
    }
    fn lookup(mut self, column: &str, target: &str, id: Uuid) -> Self {
        self.values.push((target_column(column), Value::Text(target.to_owned())));
        self.text(column, id.to_string())
    }
    fn insert(self, conn: &Connection, stamp: (&str, &str)) -> rusqlite::Result<()> {
        let version = next_version(conn)?;
        let mut row =
            self.text("createdon", stamp.0).text("modifiedon", stamp.1).set("versionnumber", version);
        row.values.sort_by(|a, b| a.0.cmp(&b.0));
        let names: Vec<String> = row.values.iter().map(|(n, _)| quote(n)).collect();
        let marks: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quote(row.table.logical_name),
            names.join(", "),
            marks.join(", ")
        );
        conn.prepare_cached(&sql)?.execute(params_from_iter(row.values.into_iter().map(|(_, v)| v)))?;
        Ok(())
    }
}

struct Seeder<'a> {
    rng: ChaCha8Rng,
    tables: &'a [Table],
    owners: Vec<Uuid>,
}

impl<'a> Seeder<'a> {
    fn table(&self, name: &str) -> &'a Table {
        self.tables
            .iter()
            .find(|t| t.logical_name == name)
            .unwrap_or_else(|| panic!("table {name} in the schema"))
    }
    fn id(&mut self) -> Uuid {
        let mut bytes = [0u8; 16];
        self.rng.fill_bytes(&mut bytes);
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *items.choose(&mut self.rng).unwrap_or_else(|| unreachable!("seed lists are not empty"))
    }
    /// Created and modified stamps within the two years before 2026-11-01, modified after created.
    fn stamps(&mut self) -> (String, String) {
        let end = 1_793_491_200i64; // 2026-11-01T00:00:00Z
        let created = end - self.rng.gen_range(0..2 * 365 * 86_400);
        let modified = created + self.rng.gen_range(0..(end - created).max(1));
        (iso(created), iso(modified))
    }
    fn owner(&mut self) -> Uuid {
        let owners = self.owners.clone();
        self.pick(&owners)
    }
    fn phone(&mut self) -> String {
        format!("+1-555-01{:02}-{:04}", self.rng.gen_range(0..100), self.rng.gen_range(0..10_000))
    }
}

fn iso(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

fn slug(name: &str) -> String {
    name.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase()
}

pub fn seed(
    conn: &Connection,
    tables: &[Table],
    directory: &Directory,
    accounts: u32,
) -> rusqlite::Result<()> {
    let mut s = Seeder { rng: ChaCha8Rng::seed_from_u64(0xD365_DE5C), tables, owners: Vec::new() };
    let fixed = ("2024-11-01T08:00:00Z", "2024-11-01T08:00:00Z");

    let bu = directory.business_unit_id;
    Row::new(s.table("businessunit"), bu)
        .text("name", directory.organization_name.clone())
        .insert(conn, fixed)?;
    Row::new(s.table("transactioncurrency"), USD_ID)
        .text("currencyname", "US Dollar")
        .text("isocurrencycode", "USD")
        .text("currencysymbol", "$")
        .set("exchangerate", 1.0)
        .set("currencyprecision", 2)
        .insert(conn, fixed)?;
    Row::new(s.table("organization"), directory.organization_id)
        .text("name", directory.organization_name.clone())
        .text("version", crate::org::ORG_VERSION)
        .lookup("basecurrencyid", "transactioncurrency", USD_ID)
        .set("languagecode", 1033)
        .insert(conn, fixed)?;
    Row::new(s.table("team"), TEAM_ID)
        .text("name", "Sales Team")
        .lookup("businessunitid", "businessunit", bu)
        .set("teamtype", 0)
        .insert(conn, fixed)?;

    let users = s.table("systemuser");
    let user_row = |id: Uuid, first: &str, last: &str, upn: &str| {
        Row::new(users, id)
            .text("firstname", first)
            .text("lastname", last)
            .text("fullname", format!("{first} {last}").trim().to_owned())
            .text("domainname", upn)
            .text("internalemailaddress", upn)
            .lookup("businessunitid", "businessunit", bu)
            .set("isdisabled", false)
    };
    for user in &directory.users {
        if let Some(org) = user.org_user {
            let (first, last) = user.display_name.split_once(' ').unwrap_or((&user.display_name, ""));
            user_row(org.system_user_id, first, last, &user.upn)
                .text("azureactivedirectoryobjectid", user.object_id.to_string())
                .insert(conn, fixed)?;
            s.owners.push(org.system_user_id);
        }
    }
    for app in &directory.apps {
        if let Some(org) = app.application_user {
            let upn = format!("# {}", app.name);
            Row::new(users, org.system_user_id)
                .text("lastname", app.name.clone())
                .text("fullname", format!("# {}", app.name))
                .text("domainname", upn)
                .lookup("businessunitid", "businessunit", bu)
                .set("isdisabled", false)
                .text("applicationid", app.client_id.to_string())
                .text("azureactivedirectoryobjectid", app.service_principal_id.to_string())
                .insert(conn, fixed)?;
        }
    }
    for (first, last) in SALES_REPS {
        let id = s.id();
        let upn = format!("{}.{}@contoso-sandbox.onmicrosoft.com", first.to_lowercase(), last.to_lowercase());
        user_row(id, first, last, &upn).insert(conn, fixed)?;
        s.owners.push(id);
    }

    let mut account_ids = Vec::with_capacity(accounts as usize);
    for n in 0..accounts {
        let (account_id, stamps) = (s.id(), s.stamps());
        let name = format!("{} {}", s.pick(COMPANY_FIRST), s.pick(COMPANY_SECOND));
        let (city, country) = s.pick(CITIES);
        let domain = format!("{}.example.com", slug(&name));
        let (first_contact, owner) = (s.id(), s.owner());
        let active = s.rng.gen_bool(0.9);
        let industry = s.pick(&[1, 2, 3, 6, 7, 9, 12, 19, 25, 27, 33, 37]);
        let revenue = (s.rng.gen_range(50..50_000) as f64) * 1000.0;
        let employees = s.rng.gen_range(5..20_000);
        let phone = s.phone();
        let mut account = Row::new(s.table("account"), account_id)
            .text("name", name.clone())
            .text("accountnumber", format!("ACC-{:06}", n + 1))
            .text("telephone1", phone)
            .text("emailaddress1", format!("info@{domain}"))
            .text("websiteurl", format!("https://www.{domain}"))
            .text("address1_city", city)
            .text("address1_country", country)
            .set("industrycode", industry)
            .set("revenue", revenue)
            .set("numberofemployees", employees)
            .set("creditonhold", s.rng.gen_bool(0.08))
            .lookup("primarycontactid", "contact", first_contact)
            .lookup("transactioncurrencyid", "transactioncurrency", USD_ID)
            .lookup("ownerid", "systemuser", owner)
            .set("statecode", if active { 0 } else { 1 })
            .set("statuscode", if active { 1 } else { 2 });
        if s.rng.gen_bool(0.3) {
            account = account.text("description", format!("{name} is a customer since {}.", &stamps.0[..4]));
        }
        if let Some(parent) = (n % 10 == 9).then(|| account_ids.last().copied()).flatten() {
            account = account.lookup("parentaccountid", "account", parent);
        }
        account.insert(conn, (&stamps.0, &stamps.1))?;
        account_ids.push(account_id);

        for c in 0..2 {
            let contact_id = if c == 0 { first_contact } else { s.id() };
            let (first, last) = (s.pick(FIRST_NAMES), s.pick(LAST_NAMES));
            let stamps = s.stamps();
            let (phone, mobile) = (s.phone(), s.phone());
            let birth = format!(
                "{}-{:02}-{:02}",
                s.rng.gen_range(1955..2001),
                s.rng.gen_range(1..13),
                s.rng.gen_range(1..29)
            );
            let email = format!("{}.{}{}@{domain}", slug(first), slug(last), 2 * n + c);
            let (title, gender, owner) = (s.pick(JOB_TITLES), s.rng.gen_range(1..3), s.owner());
            Row::new(s.table("contact"), contact_id)
                .text("firstname", first)
                .text("lastname", last)
                .text("fullname", format!("{first} {last}"))
                .text("emailaddress1", email)
                .text("telephone1", phone)
                .text("mobilephone", mobile)
                .text("jobtitle", title)
                .text("birthdate", birth)
                .text("address1_city", city)
                .lookup("parentcustomerid", "account", account_id)
                .set("gendercode", gender)
                .set("donotemail", s.rng.gen_bool(0.1))
                .lookup("ownerid", "systemuser", owner)
                .set("statecode", 0)
                .set("statuscode", 1)
                .insert(conn, (&stamps.0, &stamps.1))?;
        }

        let (opportunity_id, stamps, owner) = (s.id(), s.stamps(), s.owner());
        let state = s.pick(&[0, 0, 0, 1, 2]);
        let product = s.pick(PRODUCTS);
        let value = s.rng.gen_range(5..500) as f64 * 1000.0;
        let close = format!("2026-{:02}-{:02}", s.rng.gen_range(1..13), s.rng.gen_range(1..29));
        Row::new(s.table("opportunity"), opportunity_id)
            .text("name", format!("{product} for {name}"))
            .lookup("customerid", "account", account_id)
            .set("estimatedvalue", value)
            .text("estimatedclosedate", close)
            .set("closeprobability", s.rng.gen_range(0..=100))
            .set("opportunityratingcode", s.rng.gen_range(1..4))
            .lookup("transactioncurrencyid", "transactioncurrency", USD_ID)
            .lookup("ownerid", "systemuser", owner)
            .set("statecode", state)
            .set("statuscode", [1, 3, 5][state as usize])
            .insert(conn, (&stamps.0, &stamps.1))?;

        if n % 2 == 0 {
            let (lead_id, stamps, owner) = (s.id(), s.stamps(), s.owner());
            let (first, last) = (s.pick(FIRST_NAMES), s.pick(LAST_NAMES));
            let company = format!("{} {}", s.pick(COMPANY_FIRST), s.pick(COMPANY_SECOND));
            let state = s.pick(&[0, 0, 1, 2]);
            let (product, source, phone) = (s.pick(PRODUCTS), s.pick(&[1, 2, 3, 4, 8, 10]), s.phone());
            let amount = s.rng.gen_range(1..200) as f64 * 1000.0;
            Row::new(s.table("lead"), lead_id)
                .text("subject", format!("Interested in {}", product.to_lowercase()))
                .text("firstname", first)
                .text("lastname", last)
                .text("fullname", format!("{first} {last}"))
                .text("companyname", company.clone())
                .text(
                    "emailaddress1",
                    format!("{}.{}@{}.example.net", slug(first), slug(last), slug(&company)),
                )
                .text("telephone1", phone)
                .set("leadsourcecode", source)
                .set("estimatedamount", amount)
                .lookup("transactioncurrencyid", "transactioncurrency", USD_ID)
                .lookup("ownerid", "systemuser", owner)
                .set("statecode", state)
                .set("statuscode", [1, 3, 4][state as usize])
                .insert(conn, (&stamps.0, &stamps.1))?;

            let (case_id, stamps, owner) = (s.id(), s.stamps(), s.owner());
            let state = s.pick(&[0, 0, 0, 1, 2]);
            let suffix: String = (0..6)
                .map(|_| s.pick(&['A', 'B', 'C', 'D', 'F', 'G', 'H', 'J', 'K', 'L', '2', '3', '4', '7']))
                .collect();
            let (title, priority, origin) =
                (s.pick(CASE_TITLES), s.rng.gen_range(1..4), s.rng.gen_range(1..4));
            Row::new(s.table("incident"), case_id)
                .text("title", title)
                .text("ticketnumber", format!("CAS-{:05}-{suffix}", n / 2 + 1))
                .lookup("customerid", "account", account_id)
                .set("prioritycode", priority)
                .set("caseorigincode", origin)
                .lookup("ownerid", "systemuser", owner)
                .set("statecode", state)
                .set("statuscode", [1, 5, 6][state as usize])
                .insert(conn, (&stamps.0, &stamps.1))?;
        }

        if n % 5 == 0 {
            let (project_id, stamps) = (s.id(), s.stamps());
            let phase = s.pick(&[100_000_000, 100_000_001, 100_000_002]);
            let start = format!("2026-{:02}-{:02}", s.rng.gen_range(1..13), s.rng.gen_range(1..29));
            let budget = s.rng.gen_range(10..1000) as f64 * 500.0;
            Row::new(s.table("cr0d1_project"), project_id)
                .text(
                    "cr0d1_name",
                    format!("{} {}", name, s.pick(&["Rollout", "Upgrade", "Pilot", "Migration"])),
                )
                .lookup("cr0d1_accountid", "account", account_id)
                .set("cr0d1_phase", phase)
                .text("cr0d1_startdate", start.clone())
                .set("cr0d1_budget", budget)
                // From the row's number and start, not the generator: the rows after keep their values.
                .text(
                    "cr0d1_channels",
                    ["100000000", "100000000,100000002", "100000001", "100000001,100000002,100000003"]
                        [(n as usize / 5) % 4],
                )
                .text("cr0d1_deadline", format!("2027{}T17:00:00Z", &start[4..]))
                .text("cr0d1_kickoff", format!("{start}T09:30:00Z"))
                .lookup("transactioncurrencyid", "transactioncurrency", USD_ID)
                .lookup("ownerid", "team", TEAM_ID)
                .set("statecode", 0)
                .set("statuscode", 1)
                .insert(conn, (&stamps.0, &stamps.1))?;
        }
    }
    // Last, so that the rows above keep their ids and versions whatever views there are.
    seed_views(&s, directory, fixed, conn)
}

fn seed_views(
    s: &Seeder<'_>,
    directory: &Directory,
    stamp: (&str, &str),
    conn: &Connection,
) -> rusqlite::Result<()> {
    let admin = directory
        .users
        .iter()
        .find(|user| user.upn == crate::directory::ADMIN_UPN)
        .and_then(|user| user.org_user)
        .map(|org| org.system_user_id);
    for view in super::views::all() {
        let table = s.table(view.table);
        let mut row = Row::new(s.table(if view.personal { "userquery" } else { "savedquery" }), view.id)
            .text("name", view.name)
            .text("returnedtypecode", view.table)
            .text("fetchxml", view.fetchxml(table))
            .text("layoutxml", view.layoutxml(table))
            .set("querytype", 0)
            .set("statecode", 0)
            .set("statuscode", 1);
        if view.personal {
            let Some(admin) = admin else { continue };
            row = row.lookup("ownerid", "systemuser", admin);
        } else {
            row = row.set("isdefault", view.is_default);
        }
        row.insert(conn, stamp)?;
    }
    Ok(())
}
