//! The organisation's data: its metadata model, the SQLite store, and the deterministic seed
//! (rows, then the views), and what the identity provider remembers with them.

pub mod decimal;
pub mod identity;
pub mod schema;
pub mod seed;
pub mod store;
pub mod tables;
pub mod views;
