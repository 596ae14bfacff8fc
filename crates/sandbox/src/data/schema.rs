//! The organisation's metadata: tables, columns and option sets, as `EntityDefinitions` describes them.
//! The same model creates the SQLite tables, validates queries and writes, and formats values.

use super::decimal;

/// A Dataverse table.
#[derive(Debug)]
pub struct Table {
    pub logical_name: &'static str,
    pub entity_set: &'static str,
    pub display_name: &'static str,
    pub display_collection_name: &'static str,
    pub primary_id: &'static str,
    pub primary_name: &'static str,
    pub object_type_code: i32,
    pub is_custom: bool,
    pub change_tracking: bool,
    pub columns: Vec<Column>,
    /// Alternate keys: (schema name, key columns).
    pub keys: Vec<(&'static str, Vec<&'static str>)>,
}

impl Table {
    pub fn column(&self, logical_name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.logical_name == logical_name)
    }

    /// The column a Web API property names: `name`, or `_primarycontactid_value` for a lookup.
    pub fn property(&self, property: &str) -> Option<&Column> {
        match property.strip_prefix('_').and_then(|p| p.strip_suffix("_value")) {
            Some(lookup) => self.column(lookup).filter(|c| c.kind.is_lookup()),
            None => self.column(property).filter(|c| !c.kind.is_lookup()),
        }
    }

    /// Columns a read returns when the query has no `$select`.
    pub fn readable_columns(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.valid_for_read)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequiredLevel {
    None,
    SystemRequired,
    ApplicationRequired,
    Recommended,
}

impl RequiredLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RequiredLevel::None => "None",
            RequiredLevel::SystemRequired => "SystemRequired",
            RequiredLevel::ApplicationRequired => "ApplicationRequired",
            RequiredLevel::Recommended => "Recommended",
        }
    }
}

/// An option of a choice column: value and label.
pub type OptionItem = (i32, &'static str);

/// A status reason: value, label, and the state (`statecode`) it belongs to (`StatusOptionMetadata.State`).
pub type StatusItem = (i32, &'static str, i32);

/// A date-time column's `DateTimeBehavior` (Learn: "Behavior and format of the Date and Time column").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBehavior {
    /// Stored in UTC, shown in the user's time zone.
    UserLocal,
    /// A day, no time and no time zone (`Edm.Date`).
    DateOnly,
    /// Stored and shown as entered, with no time-zone conversion.
    TimeZoneIndependent,
}

impl DateBehavior {
    pub fn as_str(self) -> &'static str {
        match self {
            DateBehavior::UserLocal => "UserLocal",
            DateBehavior::DateOnly => "DateOnly",
            DateBehavior::TimeZoneIndependent => "TimeZoneIndependent",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ColumnKind {
    Uniqueidentifier,
    String {
        max_length: u32,
    },
    Memo {
        max_length: u32,
    },
    Integer {
        min: i64,
        max: i64,
    },
    BigInt,
    Decimal {
        precision: u32,
    },
    Double,
    /// Stored with four decimal places whatever its precision (the places shown and rounded to).
    Money {
        precision: u32,
    },
    Boolean {
        true_label: &'static str,
        false_label: &'static str,
    },
    DateTime {
        behavior: DateBehavior,
    },
    Picklist {
        options: &'static [OptionItem],
    },
    State {
        options: &'static [OptionItem],
    },
    Status {
        options: &'static [StatusItem],
    },
    /// A multi-select choice (`AttributeType` Virtual, `MultiSelectPicklistType`): its Web API value is the
    /// options' values joined by commas (`"1,3"`).
    MultiSelect {
        options: &'static [OptionItem],
    },
    /// A lookup to one or more tables; several targets make it polymorphic (owner, customer).
    Lookup {
        targets: &'static [&'static str],
    },
}

impl ColumnKind {
    /// For money and decimal columns: the places values are rounded to, the places they are stored and
    /// returned with, and the largest magnitude Dataverse takes.
    pub fn exact_decimal(&self) -> Option<(u32, u32, i64)> {
        match self {
            ColumnKind::Money { precision } => Some((*precision, decimal::MONEY_SCALE, decimal::MONEY_LIMIT)),
            ColumnKind::Decimal { precision } => Some((*precision, *precision, decimal::DECIMAL_LIMIT)),
            _ => None,
        }
    }

    pub fn is_lookup(&self) -> bool {
        matches!(self, ColumnKind::Lookup { .. })
    }

    /// A single choice's options (a picklist's, a state's or a status's): value and label.
    pub fn options(&self) -> Option<Vec<OptionItem>> {
        match self {
            ColumnKind::Picklist { options } | ColumnKind::State { options } => Some(options.to_vec()),
            ColumnKind::Status { options } => Some(options.iter().map(|(v, l, _)| (*v, *l)).collect()),
            _ => None,
        }
    }

    pub fn is_date_only(&self) -> bool {
        matches!(self, ColumnKind::DateTime { behavior: DateBehavior::DateOnly })
    }

    /// `AttributeType` in the metadata.
    pub fn attribute_type(&self) -> &'static str {
        match self {
            ColumnKind::Uniqueidentifier => "Uniqueidentifier",
            ColumnKind::String { .. } => "String",
            ColumnKind::Memo { .. } => "Memo",
            ColumnKind::Integer { .. } => "Integer",
            ColumnKind::BigInt => "BigInt",
            ColumnKind::Decimal { .. } => "Decimal",
            ColumnKind::Double => "Double",
            ColumnKind::Money { .. } => "Money",
            ColumnKind::Boolean { .. } => "Boolean",
            ColumnKind::DateTime { .. } => "DateTime",
            ColumnKind::Picklist { .. } => "Picklist",
            ColumnKind::State { .. } => "State",
            ColumnKind::Status { .. } => "Status",
            ColumnKind::MultiSelect { .. } => "Virtual",
            ColumnKind::Lookup { targets } if targets.len() > 1 && targets.contains(&"team") => "Owner",
            ColumnKind::Lookup { targets } if targets.len() > 1 => "Customer",
            ColumnKind::Lookup { .. } => "Lookup",
        }
    }

    /// `AttributeTypeName.Value`: `StringType`, ..., `MultiSelectPicklistType` for a multi-select.
    pub fn type_name(&self) -> String {
        match self {
            ColumnKind::MultiSelect { .. } => "MultiSelectPicklistType".to_owned(),
            other => format!("{}Type", other.attribute_type()),
        }
    }

    /// The derived metadata type: `#Microsoft.Dynamics.CRM.<this>`.
    pub fn metadata_type(&self) -> &'static str {
        match self {
            ColumnKind::Uniqueidentifier => "UniqueIdentifierAttributeMetadata",
            ColumnKind::String { .. } => "StringAttributeMetadata",
            ColumnKind::Memo { .. } => "MemoAttributeMetadata",
            ColumnKind::Integer { .. } => "IntegerAttributeMetadata",
            ColumnKind::BigInt => "BigIntAttributeMetadata",
            ColumnKind::Decimal { .. } => "DecimalAttributeMetadata",
            ColumnKind::Double => "DoubleAttributeMetadata",
            ColumnKind::Money { .. } => "MoneyAttributeMetadata",
            ColumnKind::Boolean { .. } => "BooleanAttributeMetadata",
            ColumnKind::DateTime { .. } => "DateTimeAttributeMetadata",
            ColumnKind::Picklist { .. } => "PicklistAttributeMetadata",
            ColumnKind::State { .. } => "StateAttributeMetadata",
            ColumnKind::Status { .. } => "StatusAttributeMetadata",
            ColumnKind::MultiSelect { .. } => "MultiSelectPicklistAttributeMetadata",
            ColumnKind::Lookup { .. } => "LookupAttributeMetadata",
        }
    }

    /// The OData (EDM) type of the column's value in the Web API.
    pub fn edm_type(&self) -> &'static str {
        match self {
            ColumnKind::Uniqueidentifier | ColumnKind::Lookup { .. } => "Edm.Guid",
            ColumnKind::String { .. } | ColumnKind::Memo { .. } | ColumnKind::MultiSelect { .. } => {
                "Edm.String"
            }
            ColumnKind::Integer { .. }
            | ColumnKind::Picklist { .. }
            | ColumnKind::State { .. }
            | ColumnKind::Status { .. } => "Edm.Int32",
            ColumnKind::BigInt => "Edm.Int64",
            ColumnKind::Decimal { .. } | ColumnKind::Money { .. } => "Edm.Decimal",
            ColumnKind::Double => "Edm.Double",
            ColumnKind::Boolean { .. } => "Edm.Boolean",
            ColumnKind::DateTime { behavior: DateBehavior::DateOnly } => "Edm.Date",
            ColumnKind::DateTime { .. } => "Edm.DateTimeOffset",
        }
    }

    /// The SQLite column type the value is stored as.
    pub fn sql_type(&self) -> &'static str {
        match self {
            ColumnKind::Integer { .. }
            | ColumnKind::BigInt
            | ColumnKind::Boolean { .. }
            | ColumnKind::Picklist { .. }
            | ColumnKind::State { .. }
            | ColumnKind::Status { .. } => "INTEGER",
            ColumnKind::Double => "REAL",
            // Exact text, ordered by `decimal::COLLATION`: a REAL would round 922337203685477.5807.
            _ => "TEXT",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Column {
    pub logical_name: &'static str,
    pub display_name: &'static str,
    pub kind: ColumnKind,
    pub required: RequiredLevel,
    pub valid_for_create: bool,
    pub valid_for_update: bool,
    pub valid_for_read: bool,
}

impl Column {
    pub fn new(logical_name: &'static str, display_name: &'static str, kind: ColumnKind) -> Self {
        Self {
            logical_name,
            display_name,
            kind,
            required: RequiredLevel::None,
            valid_for_create: true,
            valid_for_update: true,
            valid_for_read: true,
        }
    }

    pub fn required(mut self, level: RequiredLevel) -> Self {
        self.required = level;
        self
    }

    /// Set by the platform only (ids, created/modified stamps, version numbers).
    pub fn system(mut self) -> Self {
        self.valid_for_create = false;
        self.valid_for_update = false;
        self
    }

    /// Settable on create, fixed afterwards (the primary id).
    pub fn create_only(mut self) -> Self {
        self.valid_for_update = false;
        self
    }

    /// The Web API property name: `_x_value` for lookups.
    pub fn property_name(&self) -> String {
        if self.kind.is_lookup() {
            format!("_{}_value", self.logical_name)
        } else {
            self.logical_name.to_owned()
        }
    }
}
