//! The tables of the sandbox organisation: the common CRM tables, the platform tables they point at, and
//! one custom table (`cr0d1_project`), with realistic columns, option sets and alternate keys.

use super::schema::ColumnKind::*;
use super::schema::RequiredLevel::{ApplicationRequired, SystemRequired};
use super::schema::{Column, ColumnKind, DateBehavior, OptionItem, StatusItem, Table};

const ACTIVE_INACTIVE: &[OptionItem] = &[(0, "Active"), (1, "Inactive")];
// Each status reason with the state it belongs to, as the tables' default status reasons are on Learn
// (reference/entities/account, lead, opportunity, incident).
const ACTIVE_INACTIVE_STATUS: &[StatusItem] = &[(1, "Active", 0), (2, "Inactive", 1)];
const INDUSTRIES: &[OptionItem] = &[
    (1, "Accounting"),
    (2, "Agriculture and Non-petrol Natural Resource Extraction"),
    (3, "Broadcasting Printing and Publishing"),
    (6, "Building Supply Retail"),
    (7, "Business Services"),
    (9, "Consulting"),
    (12, "Design, Direction and Creative Management"),
    (19, "Financial"),
    (25, "Inbound Capital Intensive Processing"),
    (27, "Legal Services"),
    (33, "Service Retail"),
    (37, "Wholesale"),
];
const GENDERS: &[OptionItem] = &[(1, "Male"), (2, "Female")];
const LEAD_SOURCES: &[OptionItem] = &[
    (1, "Advertisement"),
    (2, "Employee Referral"),
    (3, "External Referral"),
    (4, "Partner"),
    (8, "Web"),
    (10, "Other"),
];
const LEAD_STATES: &[OptionItem] = &[(0, "Open"), (1, "Qualified"), (2, "Disqualified")];
const LEAD_STATUSES: &[StatusItem] = &[
    (1, "New", 0),
    (2, "Contacted", 0),
    (3, "Qualified", 1),
    (4, "Lost", 2),
    (5, "Cannot Contact", 2),
    (6, "No Longer Interested", 2),
];
const OPPORTUNITY_STATES: &[OptionItem] = &[(0, "Open"), (1, "Won"), (2, "Lost")];
const OPPORTUNITY_STATUSES: &[StatusItem] =
    &[(1, "In Progress", 0), (2, "On Hold", 0), (3, "Won", 1), (4, "Canceled", 2), (5, "Out-Sold", 2)];
const RATINGS: &[OptionItem] = &[(1, "Hot"), (2, "Warm"), (3, "Cold")];
const CASE_STATES: &[OptionItem] = &[(0, "Active"), (1, "Resolved"), (2, "Cancelled")];
const CASE_STATUSES: &[StatusItem] = &[
    (1, "In Progress", 0),
    (2, "On Hold", 0),
    (3, "Waiting for Details", 0),
    (5, "Problem Solved", 1),
    (6, "Cancelled", 2),
];
const PRIORITIES: &[OptionItem] = &[(1, "High"), (2, "Normal"), (3, "Low")];
const CASE_ORIGINS: &[OptionItem] = &[(1, "Phone"), (2, "Email"), (3, "Web")];
const TEAM_TYPES: &[OptionItem] = &[(0, "Owner"), (1, "Access")];
const VIEW_STATES: &[OptionItem] = &[(0, "Active"), (1, "Inactive")];
const VIEW_STATUSES: &[StatusItem] = &[(1, "Active", 0), (2, "Inactive", 1)];
const PROJECT_PHASES: &[OptionItem] =
    &[(100000000, "Planning"), (100000001, "Execution"), (100000002, "Closed")];
const PROJECT_CHANNELS: &[OptionItem] =
    &[(100000000, "Email"), (100000001, "Phone"), (100000002, "Web"), (100000003, "Social")];

fn text(name: &'static str, display: &'static str, max_length: u32) -> Column {
    Column::new(name, display, String { max_length })
}
fn lookup(name: &'static str, display: &'static str, targets: &'static [&'static str]) -> Column {
    Column::new(name, display, Lookup { targets })
}
fn yes_no(name: &'static str, display: &'static str) -> Column {
    Column::new(name, display, Boolean { true_label: "Yes", false_label: "No" })
}
fn date(name: &'static str, display: &'static str) -> Column {
    Column::new(name, display, DateTime { behavior: DateBehavior::DateOnly })
}

/// The id, audit and version columns every table has.
fn platform_columns(primary_id: &'static str) -> Vec<Column> {
    vec![
        Column::new(primary_id, "Id", Uniqueidentifier).create_only(),
        Column::new("createdon", "Created On", DateTime { behavior: DateBehavior::UserLocal }).system(),
        Column::new("modifiedon", "Modified On", DateTime { behavior: DateBehavior::UserLocal }).system(),
        Column::new("versionnumber", "Version Number", BigInt).system(),
    ]
}

/// Platform columns plus owner and state, for user- or team-owned tables.
fn owned_columns(
    primary_id: &'static str,
    states: &'static [OptionItem],
    statuses: &'static [StatusItem],
) -> Vec<Column> {
    let mut columns = platform_columns(primary_id);
    columns.push(lookup("ownerid", "Owner", &["systemuser", "team"]).required(SystemRequired));
    columns.push(Column::new("statecode", "Status", State { options: states }).required(SystemRequired));
    columns.push(Column::new("statuscode", "Status Reason", Status { options: statuses }));
    columns
}

fn table(
    logical_name: &'static str,
    entity_set: &'static str,
    names: (&'static str, &'static str),
    primary: (&'static str, &'static str),
    object_type_code: i32,
    mut columns: Vec<Column>,
    extra: Vec<Column>,
) -> Table {
    columns.extend(extra);
    Table {
        logical_name,
        entity_set,
        display_name: names.0,
        display_collection_name: names.1,
        primary_id: primary.0,
        primary_name: primary.1,
        object_type_code,
        is_custom: logical_name.starts_with("cr0d1_"),
        change_tracking: false,
        columns,
        keys: Vec::new(),
    }
}

/// The columns a client reads from a view (`savedquery` / `userquery`), after its id and state.
fn view_columns() -> Vec<Column> {
    vec![
        text("name", "Name", 200).required(SystemRequired),
        Column::new("description", "Description", Memo { max_length: 2000 }),
        // An EntityName column in Dataverse: its value is the table's logical name, as a string.
        text("returnedtypecode", "Returned Type Code", 64).required(SystemRequired),
        Column::new("fetchxml", "Fetch XML", Memo { max_length: 1_073_741_823 }),
        Column::new("layoutxml", "Grid Layout", Memo { max_length: 1_073_741_823 }),
        Column::new("querytype", "Query Type", Integer { min: 0, max: 1_000_000_000 })
            .required(SystemRequired),
    ]
}

pub fn all() -> Vec<Table> {
    let money = |name, display| Column::new(name, display, ColumnKind::Money { precision: 2 });
    let currency = || lookup("transactioncurrencyid", "Currency", &["transactioncurrency"]);
    let mut tables = vec![
        table(
            "account",
            "accounts",
            ("Account", "Accounts"),
            ("accountid", "name"),
            1,
            owned_columns("accountid", ACTIVE_INACTIVE, ACTIVE_INACTIVE_STATUS),
            vec![
                text("name", "Account Name", 160).required(ApplicationRequired),
                text("accountnumber", "Account Number", 20),
                text("telephone1", "Main Phone", 50),
                text("emailaddress1", "Email", 100),
                text("websiteurl", "Website", 200),
                text("address1_city", "Address 1: City", 80),
                text("address1_country", "Address 1: Country/Region", 80),
                Column::new("industrycode", "Industry", Picklist { options: INDUSTRIES }),
                money("revenue", "Annual Revenue"),
                Column::new(
                    "numberofemployees",
                    "Number of Employees",
                    Integer { min: 0, max: 1_000_000_000 },
                ),
                yes_no("creditonhold", "Credit Hold"),
                Column::new("description", "Description", Memo { max_length: 2000 }),
                lookup("primarycontactid", "Primary Contact", &["contact"]),
                lookup("parentaccountid", "Parent Account", &["account"]),
                currency(),
            ],
        ),
        table(
            "contact",
            "contacts",
            ("Contact", "Contacts"),
            ("contactid", "fullname"),
            2,
            owned_columns("contactid", ACTIVE_INACTIVE, ACTIVE_INACTIVE_STATUS),
            vec![
                text("firstname", "First Name", 50),
                text("lastname", "Last Name", 50).required(ApplicationRequired),
                text("fullname", "Full Name", 160).system(),
                text("emailaddress1", "Email", 100),
                text("telephone1", "Business Phone", 50),
                text("mobilephone", "Mobile Phone", 50),
                text("jobtitle", "Job Title", 100),
                date("birthdate", "Birthday"),
                text("address1_city", "Address 1: City", 80),
                lookup("parentcustomerid", "Company Name", &["account", "contact"]),
                Column::new("gendercode", "Gender", Picklist { options: GENDERS }),
                yes_no("donotemail", "Do not allow Emails"),
            ],
        ),
        table(
            "lead",
            "leads",
            ("Lead", "Leads"),
            ("leadid", "fullname"),
            4,
            owned_columns("leadid", LEAD_STATES, LEAD_STATUSES),
            vec![
                text("subject", "Topic", 300).required(ApplicationRequired),
                text("firstname", "First Name", 50),
                text("lastname", "Last Name", 50).required(ApplicationRequired),
                text("fullname", "Name", 160).system(),
                text("companyname", "Company Name", 100),
                text("emailaddress1", "Email", 100),
                text("telephone1", "Business Phone", 50),
                Column::new("leadsourcecode", "Lead Source", Picklist { options: LEAD_SOURCES }),
                money("estimatedamount", "Est. Value"),
                currency(),
            ],
        ),
        table(
            "opportunity",
            "opportunities",
            ("Opportunity", "Opportunities"),
            ("opportunityid", "name"),
            3,
            owned_columns("opportunityid", OPPORTUNITY_STATES, OPPORTUNITY_STATUSES),
            vec![
                text("name", "Topic", 300).required(ApplicationRequired),
                lookup("customerid", "Potential Customer", &["account", "contact"]),
                money("estimatedvalue", "Est. Revenue"),
                date("estimatedclosedate", "Est. Close Date"),
                Column::new("closeprobability", "Probability", Integer { min: 0, max: 100 }),
                Column::new("opportunityratingcode", "Rating", Picklist { options: RATINGS }),
                Column::new("description", "Description", Memo { max_length: 2000 }),
                currency(),
            ],
        ),
        table(
            "incident",
            "incidents",
            ("Case", "Cases"),
            ("incidentid", "title"),
            112,
            owned_columns("incidentid", CASE_STATES, CASE_STATUSES),
            vec![
                text("title", "Case Title", 200).required(ApplicationRequired),
                text("ticketnumber", "Case Number", 100).system(),
                lookup("customerid", "Customer", &["account", "contact"]).required(ApplicationRequired),
                Column::new("prioritycode", "Priority", Picklist { options: PRIORITIES }),
                Column::new("caseorigincode", "Origin", Picklist { options: CASE_ORIGINS }),
                Column::new("description", "Description", Memo { max_length: 2000 }),
            ],
        ),
        table(
            "systemuser",
            "systemusers",
            ("User", "Users"),
            ("systemuserid", "fullname"),
            8,
            platform_columns("systemuserid"),
            vec![
                text("fullname", "Full Name", 200).system(),
                text("firstname", "First Name", 64),
                text("lastname", "Last Name", 64).required(ApplicationRequired),
                text("domainname", "User Name", 1024).required(SystemRequired),
                text("internalemailaddress", "Primary Email", 100),
                lookup("businessunitid", "Business Unit", &["businessunit"]).required(SystemRequired),
                yes_no("isdisabled", "Status"),
                Column::new("applicationid", "Application ID", Uniqueidentifier),
                Column::new("azureactivedirectoryobjectid", "Azure AD Object ID", Uniqueidentifier),
            ],
        ),
        table(
            "businessunit",
            "businessunits",
            ("Business Unit", "Business Units"),
            ("businessunitid", "name"),
            10,
            platform_columns("businessunitid"),
            vec![
                text("name", "Name", 160).required(SystemRequired),
                lookup("parentbusinessunitid", "Parent Business", &["businessunit"]),
            ],
        ),
        table(
            "team",
            "teams",
            ("Team", "Teams"),
            ("teamid", "name"),
            9,
            platform_columns("teamid"),
            vec![
                text("name", "Team Name", 160).required(SystemRequired),
                lookup("businessunitid", "Business Unit", &["businessunit"]).required(SystemRequired),
                Column::new("teamtype", "Team Type", Picklist { options: TEAM_TYPES }),
            ],
        ),
        table(
            "transactioncurrency",
            "transactioncurrencies",
            ("Currency", "Currencies"),
            ("transactioncurrencyid", "currencyname"),
            9105,
            platform_columns("transactioncurrencyid"),
            vec![
                text("currencyname", "Currency Name", 100).required(SystemRequired),
                text("isocurrencycode", "Currency Code", 5).required(SystemRequired),
                text("currencysymbol", "Currency Symbol", 10).required(SystemRequired),
                Column::new("exchangerate", "Exchange Rate", Decimal { precision: 10 }),
                Column::new("currencyprecision", "Currency Precision", Integer { min: 0, max: 4 }),
            ],
        ),
        table(
            "organization",
            "organizations",
            ("Organization", "Organizations"),
            ("organizationid", "name"),
            1019,
            platform_columns("organizationid"),
            vec![
                text("name", "Name", 160).system(),
                text("version", "Version", 48).system(),
                lookup("basecurrencyid", "Currency", &["transactioncurrency"]).system(),
                Column::new("languagecode", "Language", Integer { min: 0, max: 100_000 }).system(),
            ],
        ),
        table(
            "cr0d1_project",
            "cr0d1_projects",
            ("Project", "Projects"),
            ("cr0d1_projectid", "cr0d1_name"),
            10001,
            owned_columns("cr0d1_projectid", ACTIVE_INACTIVE, ACTIVE_INACTIVE_STATUS),
            vec![
                text("cr0d1_name", "Name", 100).required(ApplicationRequired),
                lookup("cr0d1_accountid", "Account", &["account"]),
                Column::new("cr0d1_phase", "Phase", Picklist { options: PROJECT_PHASES }),
                date("cr0d1_startdate", "Start Date"),
                money("cr0d1_budget", "Budget"),
                // One column of each numeric kind at its widest, for exact values at the extremes.
                Column::new("cr0d1_cost", "Cost", Money { precision: 4 }),
                Column::new("cr0d1_ratio", "Ratio", Decimal { precision: 10 }),
                Column::new("cr0d1_weight", "Weight", Double),
                Column::new("cr0d1_units", "Units", BigInt),
                Column::new("cr0d1_channels", "Channels", MultiSelect { options: PROJECT_CHANNELS }),
                // One date and time of each behaviour that keeps a time.
                Column::new("cr0d1_deadline", "Deadline", DateTime { behavior: DateBehavior::UserLocal }),
                Column::new(
                    "cr0d1_kickoff",
                    "Kick-off",
                    DateTime { behavior: DateBehavior::TimeZoneIndependent },
                ),
                currency(),
            ],
        ),
        table(
            "savedquery",
            "savedqueries",
            ("View", "Views"),
            ("savedqueryid", "name"),
            1039,
            {
                // Organisation-owned: no owner.
                let mut columns = platform_columns("savedqueryid");
                columns.push(
                    Column::new("statecode", "Status", State { options: VIEW_STATES })
                        .required(SystemRequired),
                );
                columns.push(Column::new("statuscode", "Status Reason", Status { options: VIEW_STATUSES }));
                columns
            },
            {
                let mut columns = view_columns();
                columns.push(yes_no("isdefault", "Default"));
                columns
            },
        ),
        table(
            "userquery",
            "userqueries",
            ("Saved View", "Saved Views"),
            ("userqueryid", "name"),
            4230,
            owned_columns("userqueryid", VIEW_STATES, VIEW_STATUSES),
            view_columns(),
        ),
    ];
    for table in &mut tables {
        table.change_tracking = matches!(
            table.logical_name,
            "account" | "contact" | "lead" | "opportunity" | "incident" | "cr0d1_project"
        );
        table.keys = match table.logical_name {
            "account" => vec![("accountnumberkey", vec!["accountnumber"])],
            "contact" => vec![("emailaddress1key", vec!["emailaddress1"])],
            _ => Vec::new(),
        };
    }
    tables
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_consistent() {
        let tables = all();
        let mut names: Vec<&str> = tables.iter().map(|t| t.logical_name).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "account",
                "businessunit",
                "contact",
                "cr0d1_project",
                "incident",
                "lead",
                "opportunity",
                "organization",
                "savedquery",
                "systemuser",
                "team",
                "transactioncurrency",
                "userquery"
            ],
            "the tables the README lists, each once"
        );
        for table in &tables {
            let id = table.column(table.primary_id).expect("primary id column");
            assert_eq!(id.kind, Uniqueidentifier, "{}", table.logical_name);
            assert!(table.column(table.primary_name).is_some(), "{} primary name", table.logical_name);
            for (_, key) in &table.keys {
                assert!(key.iter().all(|c| table.column(c).is_some()), "{} key", table.logical_name);
            }
            for column in &table.columns {
                if let Lookup { targets } = column.kind {
                    assert!(
                        !targets.is_empty(),
                        "{}.{} points nowhere",
                        table.logical_name,
                        column.logical_name
                    );
                    for target in targets {
                        assert!(tables.iter().any(|t| t.logical_name == *target), "{target}");
                    }
                }
            }
            let mut names: Vec<_> = table.columns.iter().map(|c| c.logical_name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), table.columns.len(), "{} has duplicate columns", table.logical_name);
        }
    }
}
