//! A JSON value as TypeScript sees it, for fields that carry any JSON (`serde_json::Value`): specta would
//! otherwise refuse it for its 64-bit integers. JavaScript reads every JSON number as a double anyway.

use std::collections::BTreeMap;

#[derive(serde::Serialize, specta::Type)]
#[serde(untagged)]
#[allow(dead_code)] // a type description only: never built
pub enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(BTreeMap<String, Json>),
}
