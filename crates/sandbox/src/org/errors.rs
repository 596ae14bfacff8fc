//! Web API errors in Dataverse's shape: `{"error":{"code":"0x...","message":"..."}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, Clone, PartialEq)]
pub struct DataverseError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl DataverseError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }

    /// A principal with a valid token but no user in the organisation (no application user for an app).
    pub fn not_a_member() -> Self {
        Self::new(StatusCode::FORBIDDEN, "0x80072560", "The user is not a member of the organization.")
    }

    pub fn no_resource(uri: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "0x8006088a",
            format!("No HTTP resource was found that matches the request URI '{uri}'."),
        )
    }

    pub fn segment_not_found(segment: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "0x8006088a",
            format!("Resource not found for the segment '{segment}'."),
        )
    }
}

impl IntoResponse for DataverseError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code, "message": self.message } });
        let mut response = (self.status, odata_json(body)).into_response();
        response.headers_mut().insert("OData-Version", HeaderValue::from_static("4.0"));
        response
    }
}

/// A JSON body with Dataverse's content type.
pub fn odata_json(body: serde_json::Value) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json; odata.metadata=minimal"))],
        body.to_string(),
    )
}
