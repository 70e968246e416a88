//! CORS: public reads and estimates answer any origin; everything else only the configured ones.
//! No cookies are ever used, so credentials are never allowed. Requests without an `Origin` (all
//! server-to-server traffic) pass straight through at no cost.

use std::sync::Arc;

use actix_web::dev::{RequestHead, ServiceRequest};
use actix_web::http::header::{
    HeaderMap, HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpResponse};

use crate::http::error::{problem, problem_response};
use crate::http::routes::policy::POLICY;
use crate::http::routes::Access;

/// Origins allowed to call authenticated endpoints (from `--cors-origin`).
#[derive(Debug, Clone, Default)]
pub struct CorsOrigins(pub Arc<Vec<String>>);

/// Response headers scripts on other origins may read.
const EXPOSED: &str = "x-request-id, retry-after, location";
/// What a preflight answer varies with.
const PREFLIGHT_VARY: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

/// What CORS asks of one request. Applied by [`super::observe::observe`], so that the service
/// has a single middleware layer: each `from_fn` layer boxes every request's future.
pub enum Cors {
    /// No `Origin`: not a cross-origin browser request, nothing to add.
    NoOrigin,
    /// A preflight: answered here, the request goes no further.
    Preflight(HttpResponse),
    /// A request from a browser on `origin`; `allowed` says whether it may read the answer.
    Request { origin: HeaderValue, allowed: bool },
}

impl Cors {
    /// The policy for `req`.
    pub fn of(req: &ServiceRequest) -> Self {
        let Some(origin) = req.headers().get(ORIGIN).cloned() else {
            return Self::NoOrigin;
        };
        let allowed = is_public(req.head())
            || req
                .app_data::<web::Data<CorsOrigins>>()
                .is_some_and(|origins| origins.0.iter().any(|o| o.as_bytes() == origin.as_bytes()));
        if req.method() == Method::OPTIONS {
            if let Some(method) = req.headers().get(ACCESS_CONTROL_REQUEST_METHOD) {
                return Self::Preflight(if allowed {
                    preflight(&origin, method, req.headers())
                } else {
                    problem_response(&problem(
                        StatusCode::FORBIDDEN,
                        "this origin may not call this endpoint from a browser; ask the operator to add it with --cors-origin"
                            .into(),
                        Vec::new(),
                    ))
                });
            }
        }
        Self::Request { origin, allowed }
    }

    /// Adds the CORS headers to the answer of a non-preflight request.
    pub fn decorate(self, headers: &mut HeaderMap) {
        if let Self::Request { origin, allowed } = self {
            headers.append(VARY, HeaderValue::from_static("Origin"));
            if allowed {
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                headers.insert(
                    ACCESS_CONTROL_EXPOSE_HEADERS,
                    HeaderValue::from_static(EXPOSED),
                );
            }
        }
    }
}

fn preflight(origin: &HeaderValue, method: &HeaderValue, request: &HeaderMap) -> HttpResponse {
    let mut response = HttpResponse::NoContent();
    response
        .insert_header((ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone()))
        .insert_header((ACCESS_CONTROL_ALLOW_METHODS, method.clone()))
        .insert_header((ACCESS_CONTROL_MAX_AGE, "3600"))
        .insert_header((VARY, PREFLIGHT_VARY));
    if let Some(headers) = request.get(ACCESS_CONTROL_REQUEST_HEADERS) {
        response.insert_header((ACCESS_CONTROL_ALLOW_HEADERS, headers.clone()));
    }
    response.finish()
}

/// Whether the request (or the request a preflight announces) is open to any origin, as the
/// route list says.
fn is_public(head: &RequestHead) -> bool {
    let method = if head.method == Method::OPTIONS {
        head.headers
            .get(ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
            .unwrap_or(Method::OPTIONS)
    } else {
        head.method.clone()
    };
    POLICY.access(head.uri.path(), &method) == Some(Access::AnyOrigin)
}
