//! The `$batch` wire format (multipart/mixed with `application/http` parts and nested change sets): a
//! parser for requests and a writer for responses. Tolerant of LF-only line endings; writes CRLF.

/// One HTTP request inside a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct PartRequest {
    pub method: String,
    /// As written in the part: absolute, `/api/data/v9.2/...`, relative, or starting with `$<content-id>`.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub content_id: Option<String>,
}

impl PartRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum BatchItem {
    Request(PartRequest),
    ChangeSet(Vec<PartRequest>),
}

/// The boundary parameter of a `multipart/mixed` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, parameters) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/mixed") {
        return None;
    }
    parameters.split(';').find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim().eq_ignore_ascii_case("boundary").then(|| value.trim().trim_matches('"').to_owned())
    })
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// The parts between `--boundary` lines, up to `--boundary--`.
fn split_parts<'a>(body: &'a str, boundary: &str) -> Result<Vec<&'a str>, String> {
    let (delimiter, close) = (format!("--{boundary}"), format!("--{boundary}--"));
    let mut parts = Vec::new();
    let mut current: Option<usize> = None;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed == delimiter || trimmed == close {
            if let Some(start) = current {
                // The CRLF before a delimiter belongs to the delimiter.
                let part = &body[start..offset];
                parts.push(part.strip_suffix("\r\n").or_else(|| part.strip_suffix('\n')).unwrap_or(part));
            }
            if trimmed == close {
                return Ok(parts);
            }
            current = Some(offset + line.len());
        }
        offset += line.len();
    }
    Err(format!("the batch body does not end with --{boundary}--"))
}

/// Headers up to the first empty line, and what follows.
fn headers_and_rest(part: &str) -> (Vec<(String, String)>, &str) {
    let mut headers = Vec::new();
    let mut consumed = 0;
    for line in part.split_inclusive('\n') {
        consumed += line.len();
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            return (headers, &part[consumed..]);
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    (headers, "")
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

fn parse_request(part: &str) -> Result<PartRequest, String> {
    let (part_headers, http) = headers_and_rest(part);
    let content_type = header(&part_headers, "Content-Type").unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/http") {
        return Err(format!("a batch part has Content-Type '{content_type}', expected application/http"));
    }
    let request_line = lines(http).find(|l| !l.is_empty()).ok_or("a batch part has no request line")?;
    // METHOD URL HTTP/1.1; a URL with unencoded spaces is taken whole.
    let (method, rest) = request_line.trim().split_once(' ').ok_or("a request line without a URL")?;
    let url = rest
        .trim()
        .strip_suffix("HTTP/1.1")
        .or_else(|| rest.trim().strip_suffix("HTTP/1.0"))
        .unwrap_or(rest)
        .trim();
    if url.is_empty() {
        return Err("a request line without a URL".into());
    }
    let after_request_line = &http[http.find(request_line).unwrap_or(0) + request_line.len()..];
    let after_request_line = after_request_line
        .strip_prefix("\r\n")
        .or_else(|| after_request_line.strip_prefix('\n'))
        .unwrap_or(after_request_line);
    let (headers, body) = headers_and_rest(after_request_line);
    Ok(PartRequest {
        method: method.to_ascii_uppercase(),
        url: url.to_owned(),
        headers,
        body: body.trim_end_matches(['\r', '\n']).as_bytes().to_vec(),
        content_id: header(&part_headers, "Content-ID")
            .or_else(|| header(&part_headers, "Content-Id"))
            .map(str::to_owned),
    })
}

pub fn parse(content_type: &str, body: &str) -> Result<Vec<BatchItem>, String> {
    let boundary =
        boundary(content_type).ok_or("the batch needs Content-Type: multipart/mixed; boundary=...")?;
    let mut items = Vec::new();
    for part in split_parts(body, &boundary)? {
        let (headers, rest) = headers_and_rest(part);
        let content_type = header(&headers, "Content-Type").unwrap_or_default();
        if let Some(inner) = boundary_of_nested(content_type) {
            let requests =
                split_parts(rest, &inner)?.into_iter().map(parse_request).collect::<Result<Vec<_>, _>>()?;
            items.push(BatchItem::ChangeSet(requests));
        } else {
            items.push(BatchItem::Request(parse_request(part)?));
        }
    }
    Ok(items)
}

fn boundary_of_nested(content_type: &str) -> Option<String> {
    boundary(content_type)
}

/// One HTTP response inside a batch response.
#[derive(Debug, Clone, PartialEq)]
pub struct PartResponse {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub content_id: Option<String>,
}

pub enum ResponseItem {
    Response(PartResponse),
    ChangeSet(Vec<PartResponse>),
}

fn write_response(out: &mut String, response: &PartResponse) {
    out.push_str("Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n");
    if let Some(id) = &response.content_id {
        out.push_str(&format!("Content-ID: {id}\r\n"));
    }
    out.push_str(&format!("\r\nHTTP/1.1 {} {}\r\n", response.status, response.reason));
    for (name, value) in &response.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&String::from_utf8_lossy(&response.body));
    out.push_str("\r\n");
}

/// The response body and its boundary (`batchresponse_<id>`).
pub fn write(items: &[ResponseItem], id: &str) -> (String, String) {
    let boundary = format!("batchresponse_{id}");
    let mut out = String::new();
    for (n, item) in items.iter().enumerate() {
        out.push_str(&format!("--{boundary}\r\n"));
        match item {
            ResponseItem::Response(response) => write_response(&mut out, response),
            ResponseItem::ChangeSet(responses) => {
                let inner = format!("changesetresponse_{id}_{n}");
                out.push_str(&format!("Content-Type: multipart/mixed; boundary={inner}\r\n\r\n"));
                for response in responses {
                    out.push_str(&format!("--{inner}\r\n"));
                    write_response(&mut out, response);
                }
                out.push_str(&format!("--{inner}--\r\n"));
            }
        }
    }
    out.push_str(&format!("--{boundary}--\r\n"));
    (boundary, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BATCH: &str = "--batch_AAA\r\n\
Content-Type: multipart/mixed; boundary=\"changeset_BBB\"\r\n\
\r\n\
--changeset_BBB\r\n\
Content-Type: application/http\r\n\
Content-Transfer-Encoding: binary\r\n\
Content-ID: 1\r\n\
\r\n\
POST https://org.crm.dynamics.com/api/data/v9.2/accounts HTTP/1.1\r\n\
Content-Type: application/json; type=entry\r\n\
\r\n\
{\"name\":\"A\"}\r\n\
--changeset_BBB\r\n\
Content-Type: application/http\r\n\
Content-Transfer-Encoding: binary\r\n\
Content-ID: 2\r\n\
\r\n\
PATCH $1 HTTP/1.1\r\n\
Content-Type: application/json\r\n\
\r\n\
{\"name\":\"B\"}\r\n\
--changeset_BBB--\r\n\
--batch_AAA\r\n\
Content-Type: application/http\r\n\
Content-Transfer-Encoding: binary\r\n\
\r\n\
GET accounts?$top=1 HTTP/1.1\r\n\
Accept: application/json\r\n\
\r\n\
--batch_AAA--\r\n";

    #[test]
    fn parses_change_sets_and_requests() {
        let items = parse("multipart/mixed; boundary=batch_AAA", BATCH).unwrap();
        assert_eq!(items.len(), 2);
        let BatchItem::ChangeSet(requests) = &items[0] else { panic!("a change set first") };
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].method, "POST");
        assert_eq!(requests[0].url, "https://org.crm.dynamics.com/api/data/v9.2/accounts");
        assert_eq!(requests[0].content_id.as_deref(), Some("1"));
        assert_eq!(requests[0].body, b"{\"name\":\"A\"}");
        assert_eq!(requests[1].url, "$1");
        let BatchItem::Request(get) = &items[1] else { panic!("then a request") };
        assert_eq!((get.method.as_str(), get.url.as_str()), ("GET", "accounts?$top=1"));
        assert_eq!(get.header("accept"), Some("application/json"));
        assert!(get.body.is_empty());
    }

    #[test]
    fn accepts_lf_line_endings() {
        let lf = BATCH.replace("\r\n", "\n");
        assert_eq!(
            parse("multipart/mixed;boundary=batch_AAA", &lf).unwrap(),
            parse("multipart/mixed; boundary=batch_AAA", BATCH).unwrap()
        );
    }

    #[test]
    fn rejects_malformed_batches() {
        assert!(parse("application/json", BATCH).is_err());
        assert!(
            parse(
                "multipart/mixed; boundary=batch_AAA",
                "--batch_AAA\r\nContent-Type: application/http\r\n\r\nGET x HTTP/1.1\r\n"
            )
            .is_err()
        );
        assert!(
            parse("multipart/mixed; boundary=b", "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--")
                .is_err()
        );
    }

    #[test]
    fn writes_a_response_that_parses_back() {
        let ok = PartResponse {
            status: 204,
            reason: "No Content".into(),
            headers: vec![("OData-EntityId".into(), "x".into())],
            body: vec![],
            content_id: Some("1".into()),
        };
        let get = PartResponse {
            status: 200,
            reason: "OK".into(),
            headers: vec![],
            body: b"{\"value\":[]}".to_vec(),
            content_id: None,
        };
        let (boundary, body) = write(&[ResponseItem::ChangeSet(vec![ok]), ResponseItem::Response(get)], "X");
        assert_eq!(boundary, "batchresponse_X");
        assert!(body.ends_with("--batchresponse_X--\r\n"));
        assert!(body.contains("HTTP/1.1 204 No Content\r\nOData-EntityId: x\r\n"));
        assert!(body.contains("Content-ID: 1\r\n"));
        assert!(body.contains("--changesetresponse_X_0--\r\n"));
        assert!(body.contains("HTTP/1.1 200 OK\r\n\r\n{\"value\":[]}\r\n"));
    }
}
