//! The organisation's views: public system views (`savedquery`) for the common tables, and one personal
//! view (`userquery`) of the admin's, each with its FetchXML and its grid layout (`layoutxml`), as
//! Dataverse stores them (Microsoft Learn, "Customize table views" and the savedquery table reference).

use uuid::Uuid;

use super::schema::Table;

/// A view to seed: fixed id, the table it returns, and what its FetchXML and layout hold.
pub struct View {
    pub id: Uuid,
    pub personal: bool,
    pub table: &'static str,
    pub name: &'static str,
    pub is_default: bool,
    /// The `<filter>` inside `<entity>`, as FetchXML.
    pub filter: &'static str,
    /// The layout's cells (column, width in pixels); the FetchXML selects the same columns.
    pub cells: &'static [(&'static str, u32)],
    /// The sort: column and descending.
    pub order: (&'static str, bool),
}

const ACTIVE: &str =
    r#"<filter type="and"><condition attribute="statecode" operator="eq" value="0"/></filter>"#;
const INACTIVE: &str =
    r#"<filter type="and"><condition attribute="statecode" operator="ne" value="0"/></filter>"#;
const MINE_ACTIVE: &str = r#"<filter type="and"><condition attribute="ownerid" operator="eq-userid"/><condition attribute="statecode" operator="eq" value="0"/></filter>"#;
const MINE_OVER_A_MILLION: &str = r#"<filter type="and"><condition attribute="ownerid" operator="eq-userid"/><condition attribute="revenue" operator="gt" value="1000000"/></filter>"#;

const ACCOUNT_CELLS: &[(&str, u32)] =
    &[("name", 300), ("telephone1", 125), ("address1_city", 150), ("primarycontactid", 150)];
const CONTACT_CELLS: &[(&str, u32)] = &[
    ("fullname", 300),
    ("parentcustomerid", 150),
    ("address1_city", 100),
    ("telephone1", 125),
    ("emailaddress1", 200),
];
const LEAD_CELLS: &[(&str, u32)] =
    &[("fullname", 200), ("subject", 200), ("companyname", 150), ("emailaddress1", 150), ("createdon", 125)];
const OPPORTUNITY_CELLS: &[(&str, u32)] = &[
    ("name", 200),
    ("customerid", 150),
    ("estimatedvalue", 125),
    ("estimatedclosedate", 125),
    ("closeprobability", 100),
];
const CASE_CELLS: &[(&str, u32)] =
    &[("title", 300), ("ticketnumber", 125), ("customerid", 150), ("prioritycode", 100), ("createdon", 140)];
const PROJECT_CELLS: &[(&str, u32)] = &[
    ("cr0d1_name", 300),
    ("cr0d1_accountid", 150),
    ("cr0d1_phase", 100),
    ("cr0d1_startdate", 100),
    ("cr0d1_budget", 100),
];

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x5a7e_d000_0000_4000_8000_0d36_5de5_b000 + n)
}

/// Every seeded view, in a fixed order with fixed ids.
pub fn all() -> Vec<View> {
    let system = |n, table, name, is_default, filter, cells, order| View {
        id: id(n),
        personal: false,
        table,
        name,
        is_default,
        filter,
        cells,
        order,
    };
    vec![
        system(1, "account", "Active Accounts", true, ACTIVE, ACCOUNT_CELLS, ("name", false)),
        system(2, "account", "Inactive Accounts", false, INACTIVE, ACCOUNT_CELLS, ("name", false)),
        system(3, "account", "My Active Accounts", false, MINE_ACTIVE, ACCOUNT_CELLS, ("name", false)),
        system(4, "contact", "Active Contacts", true, ACTIVE, CONTACT_CELLS, ("fullname", false)),
        system(5, "contact", "Inactive Contacts", false, INACTIVE, CONTACT_CELLS, ("fullname", false)),
        system(6, "lead", "Active Leads", true, ACTIVE, LEAD_CELLS, ("createdon", true)),
        system(7, "lead", "Inactive Leads", false, INACTIVE, LEAD_CELLS, ("createdon", true)),
        system(
            8,
            "opportunity",
            "Active Opportunities",
            true,
            ACTIVE,
            OPPORTUNITY_CELLS,
            ("estimatedvalue", true),
        ),
        system(
            9,
            "opportunity",
            "Inactive Opportunities",
            false,
            INACTIVE,
            OPPORTUNITY_CELLS,
            ("estimatedvalue", true),
        ),
        system(10, "incident", "Active Cases", true, ACTIVE, CASE_CELLS, ("createdon", true)),
        system(11, "incident", "Inactive Cases", false, INACTIVE, CASE_CELLS, ("createdon", true)),
        system(12, "cr0d1_project", "Active Projects", true, ACTIVE, PROJECT_CELLS, ("cr0d1_name", false)),
        system(
            13,
            "cr0d1_project",
            "Inactive Projects",
            false,
            INACTIVE,
            PROJECT_CELLS,
            ("cr0d1_name", false),
        ),
        View {
            id: id(101),
            personal: true,
            table: "account",
            name: "My accounts over 1,000,000",
            is_default: false,
            filter: MINE_OVER_A_MILLION,
            cells: &[("name", 300), ("revenue", 150), ("address1_city", 150)],
            order: ("revenue", true),
        },
    ]
}

impl View {
    /// The view's query as Dataverse stores it: the layout's columns, the primary id, the order, the filter.
    pub fn fetchxml(&self, table: &Table) -> String {
        let attributes: String = self
            .cells
            .iter()
            .map(|(name, _)| *name)
            .chain([table.primary_id])
            .map(|name| format!(r#"<attribute name="{name}"/>"#))
            .collect();
        format!(
            r#"<fetch version="1.0" output-format="xml-platform" mapping="logical" distinct="false"><entity name="{}">{attributes}<order attribute="{}" descending="{}"/>{}</entity></fetch>"#,
            table.logical_name, self.order.0, self.order.1, self.filter
        )
    }

    /// The grid: `<grid><row><cell/>…</row></grid>`, the columns in the order they are shown.
    pub fn layoutxml(&self, table: &Table) -> String {
        let cells: String = self
            .cells
            .iter()
            .map(|(name, width)| format!(r#"<cell name="{name}" width="{width}"/>"#))
            .collect();
        format!(
            r#"<grid name="resultset" object="{}" jump="{}" select="1" icon="1" preview="1"><row name="result" id="{}">{cells}</row></grid>"#,
            table.object_type_code, table.primary_name, table.primary_id
        )
    }
}
