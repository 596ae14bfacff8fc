//! Paging a FetchXML query as Microsoft Learn documents it ("Page results using FetchXml"): an answer with
//! more rows carries `@Microsoft.Dynamics.CRM.fetchxmlpagingcookie` (the next page's number, and the
//! cookie URL-encoded twice) and `@Microsoft.Dynamics.CRM.morerecords`; the next request is the same
//! `<fetch>` with `page` and `paging-cookie` set. A view run with `?savedQuery=` may page this way instead
//! of with a nextLink (XRM-OSS/Xrm-WebApi-Client#37 saw such answers), so a view's grid goes on with its
//! FetchXML.

use percent_encoding::percent_decode_str;

use crate::error::{DataverseError, Result};

/// The next page's number and its `paging-cookie`, from the answer's paging-cookie annotation.
pub fn next_page(annotation: &str) -> Option<(u32, String)> {
    let document = roxmltree::Document::parse(annotation).ok()?;
    let cookie = document.root_element();
    let page = cookie.attribute("pagenumber")?.parse().ok()?;
    let once = percent_decode_str(cookie.attribute("pagingcookie")?).decode_utf8().ok()?.into_owned();
    let twice = percent_decode_str(&once).decode_utf8().ok()?.into_owned();
    Some((page, twice))
}

fn escaped(value: &str) -> String {
    value.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `fetch` with its `page`, `count` and `paging-cookie` set (replacing any it had), the rest as it was.
pub fn with_page(fetch: &str, page: u32, count: u32, cookie: Option<&str>) -> Result<String> {
    let invalid =
        |why: String| DataverseError::new("input.invalid", format!("The view's FetchXML {why}."), None);
    let document = roxmltree::Document::parse(fetch).map_err(|e| invalid(format!("is not XML: {e}")))?;
    let root = document.root_element();
    if root.tag_name().name() != "fetch" {
        return Err(invalid(format!("starts with <{}>, not <fetch>", root.tag_name().name())));
    }
    // The start tag ends at the last '>' before its first child (a fetch always has its entity).
    let first_child = root.first_child().ok_or_else(|| invalid("has no <entity>".to_owned()))?;
    let start = root.range().start;
    let end = fetch[..first_child.range().start].rfind('>').filter(|end| *end > start);
    let end = end.ok_or_else(|| invalid("has no start tag".to_owned()))?;
    let mut tag = String::from("<fetch");
    for attribute in root.attributes() {
        if !matches!(attribute.name(), "page" | "count" | "paging-cookie") {
            tag.push_str(&format!(" {}=\"{}\"", attribute.name(), escaped(attribute.value())));
        }
    }
    tag.push_str(&format!(" page=\"{page}\" count=\"{count}\""));
    if let Some(cookie) = cookie {
        tag.push_str(&format!(" paging-cookie=\"{}\"", escaped(cookie)));
    }
    tag.push('>');
    Ok(format!("{}{tag}{}", &fetch[..start], &fetch[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_annotation_gives_the_next_page_and_the_cookie_decoded_twice() {
        // Learn's example, "Page results using FetchXml".
        let annotation = r#"<cookie pagenumber="2" pagingcookie="%253ccookie%2520page%253d%25221%2522%253e%253caccountid%2520last%253d%2522%257b5ABD1B6D-0000-0000-0000-000000000000%257d%2522%2520first%253d%2522%257bA1B2C3D4-0000-0000-0000-000000000000%257d%2522%2520%252f%253e%253c%252fcookie%253e" istracking="False" />"#;
        let (page, cookie) = next_page(annotation).unwrap();
        assert_eq!(page, 2);
        assert_eq!(
            cookie,
            r#"<cookie page="1"><accountid last="{5ABD1B6D-0000-0000-0000-000000000000}" first="{A1B2C3D4-0000-0000-0000-000000000000}" /></cookie>"#
        );
        assert_eq!(next_page("not xml"), None);
        assert_eq!(next_page(r#"<cookie pagingcookie="x" />"#), None);
    }

    #[test]
    fn the_fetch_gets_the_page_and_cookie_escaped_and_keeps_the_rest() {
        let fetch = "<?xml version=\"1.0\"?>\n<fetch version=\"1.0\" mapping='logical' page=\"1\" distinct=\"false\">\n  <entity name=\"account\"><attribute name=\"name\"/><filter><condition attribute=\"name\" operator=\"like\" value=\"a&gt;b%\"/></filter></entity>\n</fetch>";
        let cookie = r#"<cookie page="1"><accountid last="{X}" /></cookie>"#;
        let paged = with_page(fetch, 2, 5000, Some(cookie)).unwrap();
        assert_eq!(
            paged,
            "<?xml version=\"1.0\"?>\n<fetch version=\"1.0\" mapping=\"logical\" distinct=\"false\" page=\"2\" count=\"5000\" paging-cookie=\"&lt;cookie page=&quot;1&quot;&gt;&lt;accountid last=&quot;{X}&quot; /&gt;&lt;/cookie&gt;\">\n  <entity name=\"account\"><attribute name=\"name\"/><filter><condition attribute=\"name\" operator=\"like\" value=\"a&gt;b%\"/></filter></entity>\n</fetch>"
        );
        let read = roxmltree::Document::parse(&paged).unwrap();
        assert_eq!(read.root_element().attribute("paging-cookie"), Some(cookie));
        assert_eq!(
            with_page("<fetch><entity name='a'/></fetch>", 3, 10, None).unwrap(),
            "<fetch page=\"3\" count=\"10\"><entity name='a'/></fetch>"
        );
        assert!(with_page("<grid/>", 2, 1, None).unwrap_err().message.contains("not <fetch>"));
        assert!(with_page("<fetch/>", 2, 1, None).unwrap_err().message.contains("no <entity>"));
        assert!(with_page("<fetch", 2, 1, None).unwrap_err().message.contains("is not XML"));
    }
}
