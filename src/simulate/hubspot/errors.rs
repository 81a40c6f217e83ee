//! HubSpot error bodies: `{"status":"error","message","correlationId","category",...}`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An error answered with HubSpot's general error body.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub category: &'static str,
    pub message: String,
    pub context: Option<Value>,
    pub sub_category: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, category: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            category,
            message: message.into(),
            context: None,
            sub_category: None,
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "CONFLICT", message)
    }

    pub fn with_context(mut self, context: Value) -> Self {
        self.context = Some(context);
        self
    }

    /// The body without `correlationId` consumers may embed in batch `errors`.
    pub fn batch_item(&self) -> Value {
        json!({
            "status": "error",
            "category": self.category,
            "message": self.message,
            "context": self.context.clone().unwrap_or_else(|| json!({})),
            "errors": [],
            "links": {},
        })
    }

    pub fn body(&self, correlation_id: &str) -> Value {
        let mut body = json!({
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id,
            "category": self.category,
        });
        if let Some(ctx) = &self.context {
            body["context"] = ctx.clone();
        }
        if let Some(sub) = &self.sub_category {
            body["subCategory"] = json!(sub);
        }
        body
    }
}

/// A fresh correlation id (a UUID, as HubSpot sends).
pub fn correlation_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// JSON response with the correlation id header HubSpot sends.
pub fn json_response(status: StatusCode, body: &Value, correlation: &str) -> Response {
    let mut resp = (status, axum::Json(body.clone())).into_response();
    if let Ok(v) = HeaderValue::from_str(correlation) {
        resp.headers_mut().insert("x-hubspot-correlation-id", v);
    }
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let cid = correlation_id();
        json_response(self.status, &self.body(&cid), &cid)
    }
}

/// Result type of the simulator's handlers.
pub type ApiResult<T> = Result<T, ApiError>;

/// Parses a JSON body, answering HubSpot's 400 on malformed input.
pub fn parse_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::validation(format!("Invalid input JSON on line 1: {e}")))
}
