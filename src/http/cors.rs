//! CORS: public reads and estimates answer any origin; everything else only the configured ones.

use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::RequestHead;
use actix_web::http::header::{HeaderValue, ACCESS_CONTROL_REQUEST_METHOD};
use actix_web::http::Method;

/// Builds the CORS middleware. No cookies are ever used, so credentials are not allowed.
pub fn cors(allowed_origins: Arc<Vec<String>>) -> Cors {
    Cors::default()
        .allowed_origin_fn(move |origin: &HeaderValue, head: &RequestHead| {
            is_public(head)
                || allowed_origins
                    .iter()
                    .any(|o| o.as_bytes() == origin.as_bytes())
        })
        .allow_any_method()
        .allow_any_header()
        .expose_headers(["x-request-id", "retry-after", "location"])
        .max_age(3600)
}

/// Whether the request (or the request a preflight announces) is open to any origin.
fn is_public(head: &RequestHead) -> bool {
    let path = head.uri.path();
    let method = if head.method == Method::OPTIONS {
        head.headers
            .get(ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
            .unwrap_or(Method::OPTIONS)
    } else {
        head.method.clone()
    };
    if path.starts_with("/v1/estimate") {
        return true;
    }
    let is_read = method == Method::GET || method == Method::HEAD;
    is_read && is_public_read_path(path)
}

fn is_public_read_path(path: &str) -> bool {
    if matches!(path, "/healthz" | "/readyz" | "/api-docs/openapi.json") {
        return true;
    }
    if path.starts_with("/v1/factor-sets") {
        return true;
    }
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    // ["", "v1", "campaigns", …]
    matches!(
        segments.as_slice(),
        ["", "v1", "campaigns"]
            | ["", "v1", "campaigns", _]
            | [
                "",
                "v1",
                "campaigns",
                _,
                "summary" | "leaderboard" | "leaderboard.csv"
            ]
            | ["", "v1", "campaigns", _, "organizations", _, "summary"]
    )
}
