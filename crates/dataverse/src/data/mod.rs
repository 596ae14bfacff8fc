//! The data side of the client: metadata and its cache, queries, paged reads, records and batches.

pub mod batch;
pub mod bulk;
pub mod cache;
pub mod export;
pub mod fetch_paging;
pub mod keys;
pub mod metadata;
pub mod multipart;
pub mod names;
pub mod numbers;
pub mod partition;
pub mod query;
pub mod read;
pub mod rows;
pub mod values;
pub mod write;
pub mod xlsx;
