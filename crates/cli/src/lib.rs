//! The `d365` command line: the same connection profiles and Dataverse client as the desktop app, for
//! scripts, CI jobs and tests.
//!
//! Belongs here: argument parsing and output formatting (table, JSON, CSV) for commands such as listing
//! connections, verifying one, querying and exporting tables and editing records. Logic that the app shares
//! lives in `d365-dataverse` and `d365-vault`; this crate only turns it into a command line.
