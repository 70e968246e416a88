//! CORS, with actix-cors: estimates answer any origin, public reads any origin unless they carry
//! credentials (then they may read private data); everything else only the configured origins
//! (the route list says which is which). No cookies are ever used, so credentials are never
//! allowed. Requests without an `Origin` (all server-to-server traffic) pass straight through.

use std::sync::Arc;

use actix_web::dev::RequestHead;
use actix_web::http::header::{
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, AUTHORIZATION, LOCATION,
    RETRY_AFTER,
};
use actix_web::http::Method;

use super::observe::REQUEST_ID;
use crate::http::routes::policy::{POLICY, SERVED_METHODS};
use crate::http::routes::Access;

/// How long a browser may keep a preflight's answer, in seconds.
const PREFLIGHT_MAX_AGE_S: usize = 3600;

/// The CORS middleware, for origins allowed to call authenticated endpoints (`--cors-origin`).
pub fn cors(configured: Arc<Vec<String>>) -> actix_cors::Cors {
    actix_cors::Cors::default()
        .allowed_origin_fn(move |origin, head| {
            is_public(head) || configured.iter().any(|o| o.as_bytes() == origin.as_bytes())
        })
        .allowed_methods(SERVED_METHODS)
        .allow_any_header()
        .expose_headers([REQUEST_ID, RETRY_AFTER, LOCATION])
        .max_age(PREFLIGHT_MAX_AGE_S)
}

/// Whether the request (or the request a preflight announces) is open to any origin, as the
/// route list says.
fn is_public(head: &RequestHead) -> bool {
    let is_preflight = head.method == Method::OPTIONS;
    let method = if is_preflight {
        head.headers
            .get(ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
            .unwrap_or(Method::OPTIONS)
    } else {
        head.method.clone()
    };
    match POLICY.access(head.uri.path(), &method) {
        Some(Access::AnyOrigin) => true,
        Some(Access::PublicRead) => !carries_credentials(head, is_preflight),
        Some(Access::ConfiguredOrigins) | None => false,
    }
}

/// Whether the request sends `Authorization`, or the request a preflight announces will.
fn carries_credentials(head: &RequestHead, is_preflight: bool) -> bool {
    if !is_preflight {
        return head.headers.contains_key(AUTHORIZATION);
    }
    head.headers
        .get_all(ACCESS_CONTROL_REQUEST_HEADERS)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|list| list.split(','))
        .any(|name| name.trim().eq_ignore_ascii_case("authorization"))
}
