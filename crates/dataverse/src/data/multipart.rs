//! The `$batch` wire format from the client's side: writing a `multipart/mixed` request (single requests
//! or one change set of `application/http` parts, CRLF line endings) and reading the response (parts and
//! nested change set responses). No crate does OData batches; this is the small part of it Dataverse uses.
//! The sandbox's server side (`d365_sandbox::odata::batch`) is written separately on purpose: two
//! independent readings of the format check each other in the tests, where a shared parser would agree with
//! itself.

use std::fmt::Write as _;

/// One HTTP request to put in a batch. `url` is absolute, or `$<n>` for what item `n` of the change set
/// created.
#[derive(Debug, Clone, PartialEq)]
pub struct PartRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// The body of a batch of `requests` (as one change set when `change_set`), and its content type.
pub fn write(requests: &[PartRequest], change_set: bool, id: &str) -> (String, String) {
    let boundary = format!("batch_{id}");
    let mut out = String::new();
    if change_set {
        let inner = format!("changeset_{id}");
        let _ = write!(out, "--{boundary}\r\nContent-Type: multipart/mixed; boundary={inner}\r\n\r\n");
        for (n, request) in requests.iter().enumerate() {
            let _ = write!(out, "--{inner}\r\n");
            write_request(&mut out, request, Some(n + 1));
        }
        let _ = write!(out, "--{inner}--\r\n");
    } else {
        for request in requests {
            let _ = write!(out, "--{boundary}\r\n");
            write_request(&mut out, request, None);
        }
    }
    let _ = write!(out, "--{boundary}--\r\n");
    (format!("multipart/mixed; boundary={boundary}"), out)
}

fn write_request(out: &mut String, request: &PartRequest, content_id: Option<usize>) {
    out.push_str("Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n");
    if let Some(id) = content_id {
        let _ = write!(out, "Content-ID: {id}\r\n");
    }
    let _ = write!(out, "\r\n{} {} HTTP/1.1\r\n", request.method, request.url);
    for (name, value) in &request.headers {
        let _ = write!(out, "{name}: {value}\r\n");
    }
    if let Some(body) = &request.body {
        let _ = write!(out, "Content-Type: application/json; type=entry\r\n\r\n{body}\r\n");
    } else {
        out.push_str("\r\n");
    }
}

/// One HTTP response inside a batch response.
#[derive(Debug, Clone, PartialEq)]
pub struct PartResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub content_id: Option<String>,
}

impl PartResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ResponseItem {
    Response(PartResponse),
    ChangeSet(Vec<PartResponse>),
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

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// The parts between `--boundary` lines, up to `--boundary--` (which must be there: a cut-off answer is
/// an error, not fewer results).
fn parts<'a>(body: &'a str, boundary: &str) -> Result<Vec<&'a str>, String> {
    let (delimiter, close) = (format!("--{boundary}"), format!("--{boundary}--"));
    let mut found = Vec::new();
    let mut start: Option<usize> = None;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed == delimiter || trimmed == close {
            if let Some(start) = start {
                let part = &body[start..offset];
                found.push(part.strip_suffix("\r\n").or_else(|| part.strip_suffix('\n')).unwrap_or(part));
            }
            if trimmed == close {
                return Ok(found);
            }
            start = Some(offset + line.len());
        }
        offset += line.len();
    }
    Err(format!("it does not end with --{boundary}--"))
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

fn response(part: &str) -> Result<PartResponse, String> {
    let (part_headers, http) = headers_and_rest(part);
    let http = http.trim_start_matches(['\r', '\n']);
    let (status_line, rest) = http.split_once('\n').unwrap_or((http, ""));
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("a part has no status line ('{}')", status_line.trim()))?;
    let (headers, body) = headers_and_rest(rest);
    Ok(PartResponse {
        status,
        headers,
        body: body.trim_end_matches(['\r', '\n']).to_owned(),
        content_id: header(&part_headers, "Content-ID").map(str::to_owned),
    })
}

/// The items of a batch response, in order.
pub fn read(content_type: &str, body: &str) -> Result<Vec<ResponseItem>, String> {
    let boundary = boundary(content_type).ok_or_else(|| format!("its content type is '{content_type}'"))?;
    let mut items = Vec::new();
    for part in parts(body, &boundary)? {
        let (headers, rest) = headers_and_rest(part);
        match header(&headers, "Content-Type").and_then(self::boundary) {
            Some(inner) => items.push(ResponseItem::ChangeSet(
                parts(rest, &inner)?.into_iter().map(response).collect::<Result<_, _>>()?,
            )),
            None => items.push(ResponseItem::Response(response(part)?)),
        }
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A change set response as Dataverse writes it (from Microsoft's "Execute batch operations" article).
    const DATAVERSE: &str = "--batchresponse_f44bd09d-573f-4a30-bca0-2e500ee7e139\r\n\
Content-Type: multipart/mixed; boundary=changesetresponse_42fe7c0b-ba5f-4b4a-8f3b-7e4c1c0b8f3e\r\n\
\r\n\
--changesetresponse_42fe7c0b-ba5f-4b4a-8f3b-7e4c1c0b8f3e\r\n\
Content-Type: application/http\r\n\
Content-Transfer-Encoding: binary\r\n\
Content-ID: 1\r\n\
\r\n\
HTTP/1.1 204 No Content\r\n\
OData-Version: 4.0\r\n\
Location: https://org.crm.dynamics.com/api/data/v9.2/tasks(a59c24d6-2b0e-ed11-82e5-000d3a5b2f36)\r\n\
OData-EntityId: https://org.crm.dynamics.com/api/data/v9.2/tasks(a59c24d6-2b0e-ed11-82e5-000d3a5b2f36)\r\n\
\r\n\
\r\n\
--changesetresponse_42fe7c0b-ba5f-4b4a-8f3b-7e4c1c0b8f3e--\r\n\
--batchresponse_f44bd09d-573f-4a30-bca0-2e500ee7e139\r\n\
Content-Type: application/http\r\n\
Content-Transfer-Encoding: binary\r\n\
\r\n\
HTTP/1.1 400 Bad Request\r\n\
REQ_ID: 5ecd1cb3-1730-4ffc-909c-d44c22270026\r\n\
Content-Type: application/json; odata.metadata=minimal\r\n\
OData-Version: 4.0\r\n\
\r\n\
{\"error\":{\"code\":\"0x0\",\"message\":\"The 'description' attribute exceeded its length.\"}}\r\n\
--batchresponse_f44bd09d-573f-4a30-bca0-2e500ee7e139--\r\n";

    #[test]
    fn reads_dataverse_s_batch_response() {
        let content_type = "multipart/mixed; boundary=batchresponse_f44bd09d-573f-4a30-bca0-2e500ee7e139";
        let items = read(content_type, DATAVERSE).unwrap();
        let [ResponseItem::ChangeSet(done), ResponseItem::Response(failed)] = items.as_slice() else {
            panic!("{items:?}")
        };
        assert_eq!((done[0].status, done[0].content_id.as_deref()), (204, Some("1")));
        assert!(
            done[0]
                .header("odata-entityid")
                .unwrap()
                .ends_with("tasks(a59c24d6-2b0e-ed11-82e5-000d3a5b2f36)")
        );
        assert_eq!(done[0].body, "");
        assert_eq!(failed.status, 400);
        assert!(failed.body.starts_with("{\"error\"") && failed.body.ends_with("}}"));
        assert_eq!(read(content_type, &DATAVERSE.replace("\r\n", "\n")).unwrap(), items, "LF works too");
    }

    #[test]
    fn a_cut_off_response_is_an_error_not_fewer_results() {
        let cut = &DATAVERSE[..DATAVERSE.len() - 60];
        let error = read("multipart/mixed; boundary=batchresponse_f44bd09d-573f-4a30-bca0-2e500ee7e139", cut);
        assert!(error.unwrap_err().contains("does not end with"));
        assert!(read("application/json", DATAVERSE).is_err());
    }

    #[test]
    fn writes_a_change_set_with_content_ids() {
        let create = PartRequest {
            method: "POST".into(),
            url: "https://org/api/data/v9.2/accounts".into(),
            headers: vec![],
            body: Some("{\"name\":\"A\"}".into()),
        };
        let link = PartRequest {
            method: "DELETE".into(),
            url: "$1".into(),
            headers: vec![("If-Match".into(), "*".into())],
            body: None,
        };
        let (content_type, body) = write(&[create, link], true, "X");
        assert_eq!(content_type, "multipart/mixed; boundary=batch_X");
        assert!(body.starts_with(
            "--batch_X\r\nContent-Type: multipart/mixed; boundary=changeset_X\r\n\r\n--changeset_X\r\n"
        ));
        assert!(body.contains("Content-ID: 1\r\n\r\nPOST https://org/api/data/v9.2/accounts HTTP/1.1\r\nContent-Type: application/json; type=entry\r\n\r\n{\"name\":\"A\"}\r\n--changeset_X\r\n"));
        assert!(body.contains(
            "Content-ID: 2\r\n\r\nDELETE $1 HTTP/1.1\r\nIf-Match: *\r\n\r\n--changeset_X--\r\n--batch_X--\r\n"
        ));
        assert!(!body.replace("\r\n", "").contains('\n'), "CRLF only");
    }
}
