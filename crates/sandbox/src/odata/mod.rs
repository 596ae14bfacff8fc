//! OData query options, parsed and checked against the metadata: what no crate does for Dataverse's
//! dialect, in small tested pieces.

pub mod batch;
pub mod fetchxml;
pub mod filter;
pub mod link;
pub mod metadata_filter;
pub mod query;

/// Splits an OData option list at its top-level commas: `a($select=x,y),b` → `a($select=x,y)`, `b`.
pub fn split_top_level(text: &str) -> Vec<&str> {
    let (mut depth, mut start, mut items) = (0usize, 0, Vec::new());
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items
}
