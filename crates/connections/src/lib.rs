//! A saved connection, opened: the one place where a profile from `d365-vault` and its keyring secrets
//! become a live `d365-dataverse` session. The desktop app and the `d365` CLI both stand on it, so they open,
//! verify and sign in connections the same way.
//!
//! Belongs here: choosing the grant for a profile's kind, handing rotated refresh tokens back to the keyring,
//! reaching the running sandbox for sandbox connections, and recording verifications. It holds no state of
//! its own and knows nothing of Tauri or of a terminal.

mod bearer;
mod certificate;
mod commit;
mod conflict;
mod console;
mod error;
mod files;
mod forms;
mod grid;
mod grid_filter;
pub mod import;
mod inverse;
mod lookup;
mod open;
mod record;
mod staging;
mod table_views;
mod user;
mod views;

pub use bearer::{BearerForm, add_bearer, inspect_bearer, near_expiry};
pub use certificate::{CertificateView, add_certificate, inspect_certificate, set_certificate};
pub use commit::{
    BatchPreview, CommitMode, CommitOutcome, CommitPreview, CommitResult, ValueCheck, check_value, commit,
    preview,
};
pub use conflict::RecordRead;
pub use console::{ConsoleAnswer, ConsoleHeader, ConsoleRequest, send_console};
pub use error::{ConnectionError, Result};
pub use files::{MAX_CERTIFICATE_FILE, MAX_IMPORT_FILE, read_small_file};
pub use forms::{FieldProblem, OrgForm, add_org, check_org};
pub use grid::{
    Grid, GridCell, GridColumn, GridProgress, GridRequest, GridRow, GridSort, GridSource, GridView,
    tables_for_browsing,
};
pub use grid_filter::{FilterCondition, FilterOperator, operators};
pub use import::{ImportItem, ImportKind, ImportOutcome, ImportPreview, ImportSkipped, ImportSource};
pub use inverse::{AppliedChange, DELETE_REASON, Inverse, InverseNote, NotUndoable, inverse};
pub use lookup::{LookupCandidate, lookup_search};
pub use open::{
    BUILTIN_SANDBOX_ID, DataSession, SANDBOX_INSTANCE, SandboxEndpoint, authority_of, client,
    metadata_cache_file, open, open_builtin_sandbox, open_data, verify, verify_sandbox,
};
pub use record::{FieldGroup, RecordField, RecordView, RelatedRecords, app_link, record};
pub use staging::{Journal, PendingChange};
pub use table_views::{TableView, ViewKind, ViewRef, layout_columns, table_views};
pub use user::{
    Discovered, SAMPLE_CLIENT_ID, SignInEvent, SignInMethod, UserForm, add_discovered, add_user, check_user,
    discover, sign_in, sign_in_again,
};
pub use views::{ConnectionView, Status, VerifyOutcome, Waiting};
