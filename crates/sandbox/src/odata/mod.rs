//! OData query options, parsed and checked against the metadata: what no crate does for Dataverse's
//! dialect, in small tested pieces.

pub mod batch;
pub mod filter;
pub mod query;
