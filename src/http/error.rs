//! One error type for the HTTP layer; every failure leaves as `application/problem+json` (RFC 9457).
//! Service errors map one to one; the rest (malformed bodies, media types, methods) are HTTP's own.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{FieldError, FieldErrors};
use crate::service::{ServiceError, MAX_LISTED_ERRORS};

/// Seconds a client should wait before retrying when the store is unavailable.
const UNAVAILABLE_RETRY_AFTER_S: &str = "2";

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error body (RFC 9457) with the request fields that were wrong.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:green-commute:problem:invalid-request",
    "title": "Unprocessable Entity",
    "status": 422,
    "detail": "1 field is invalid: legs[1].distance_km: must be at least 0.001 km (one metre)",
    "errors": [{ "field": "legs[1].distance_km", "message": "must be at least 0.001 km (one metre)" }]
}))]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub problem_type: &'static str,
    /// The HTTP status phrase.
    pub title: &'static str,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, in a sentence.
    pub detail: String,
    /// Each invalid field, located by its path in the request (`legs[1].distance_km`, `trips[3].date`, `line 4.mode` for CSV); at most the first 100.
    pub errors: Vec<ProblemField>,
    /// How many more invalid fields there were than `errors` lists (present only when some were left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors_omitted: Option<usize>,
}

/// One invalid field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemField {
    /// Path into the request; empty when the problem is with the body as a whole.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl From<FieldError> for ProblemField {
    fn from(error: FieldError) -> Self {
        Self {
            field: error.field,
            message: error.message,
        }
    }
}

/// Everything a handler can fail with: what the service says, or a problem with the request as
/// HTTP sees it. Each variant's doc names its status.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the body is not well-formed.
    #[error("{detail}")]
    Malformed {
        /// What is wrong.
        detail: String,
        /// Where, when known.
        errors: Vec<FieldError>,
    },
    /// 405: the path exists but not with this method.
    #[error("method not allowed; allowed: {allow}")]
    MethodNotAllowed {
        /// The methods that the path takes, for the `Allow` header.
        allow: String,
    },
    /// 408: the body did not arrive in time.
    #[error("the request body did not arrive within {seconds} s")]
    RequestTimeout {
        /// The time allowed.
        seconds: u64,
    },
    /// 413: the body is larger than the configured limit.
    #[error("the request body exceeds the limit of {limit_bytes} bytes")]
    PayloadTooLarge {
        /// The limit.
        limit_bytes: usize,
    },
    /// 415: the body is not of a media type this operation takes.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 401, 403, 404, 409, 422, 429, 503 or 500, as [`ServiceError`] says.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl ApiError {
    /// A 500 from any internal failure.
    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        ServiceError::internal(error).into()
    }

    /// A 422 with one invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ServiceError::invalid(field, message).into()
    }

    /// A 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        ServiceError::NotFound(detail.into()).into()
    }

    /// A 401.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        ServiceError::Unauthorized(detail.into()).into()
    }

    /// The problem body this error is shown as.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let errors = match self {
            Self::Malformed { errors, .. } => errors.iter().cloned().map(Into::into).collect(),
            Self::Service(ServiceError::Invalid(errors) | ServiceError::Refused { errors, .. }) => {
                errors.0.iter().cloned().map(Into::into).collect()
            }
            _ => Vec::new(),
        };
        let mut problem = problem(status, self.to_string(), errors);
        if let Self::Service(ServiceError::Refused { omitted, .. }) = self {
            // The service listed only the first cases; the rest were counted, not kept.
            let omitted = problem.errors_omitted.unwrap_or(0) + omitted;
            problem.errors_omitted = (omitted > 0).then_some(omitted);
        }
        problem
    }
}

/// Builds a problem body for any status, listing at most the first [`MAX_LISTED_ERRORS`] errors.
pub fn problem(status: StatusCode, detail: String, mut errors: Vec<ProblemField>) -> Problem {
    let omitted = errors.len().saturating_sub(MAX_LISTED_ERRORS);
    errors.truncate(MAX_LISTED_ERRORS);
    Problem {
        problem_type: problem_type(status),
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
        errors,
        errors_omitted: (omitted > 0).then_some(omitted),
    }
}

fn problem_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "urn:green-commute:problem:malformed-request",
        401 => "urn:green-commute:problem:unauthorized",
        403 => "urn:green-commute:problem:forbidden",
        404 => "urn:green-commute:problem:not-found",
        405 => "urn:green-commute:problem:method-not-allowed",
        408 => "urn:green-commute:problem:request-timeout",
        409 => "urn:green-commute:problem:conflict",
        410 => "urn:green-commute:problem:gone",
        413 => "urn:green-commute:problem:payload-too-large",
        415 => "urn:green-commute:problem:unsupported-media-type",
        422 => "urn:green-commute:problem:invalid-request",
        429 => "urn:green-commute:problem:rate-limited",
        503 => "urn:green-commute:problem:unavailable",
        500..=599 => "urn:green-commute:problem:internal",
        _ => "about:blank",
    }
}

/// A complete problem+json response.
pub fn problem_response(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .content_type(PROBLEM_JSON)
        .body(serde_json::to_string(problem).unwrap_or_default())
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Malformed { .. } => StatusCode::BAD_REQUEST,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Service(error) => match error {
                ServiceError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
                ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
                ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
                ServiceError::Conflict(_) => StatusCode::CONFLICT,
                ServiceError::Gone(_) => StatusCode::GONE,
                ServiceError::Invalid(_) | ServiceError::Refused { .. } => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                ServiceError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                ServiceError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Service(ServiceError::Internal(cause)) = self {
            tracing::error!(error = %error_chain(cause.as_ref()), "request failed");
        }
        let mut response = problem_response(&self.problem());
        let headers = response.headers_mut();
        match self {
            Self::Service(ServiceError::Unauthorized(_)) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
            }
            Self::RequestTimeout { .. } => {
                // The rest of the body may still come: the connection cannot be reused.
                headers.insert(
                    header::CONNECTION,
                    header::HeaderValue::from_static("close"),
                );
            }
            Self::MethodNotAllowed { allow } => {
                if let Ok(allow) = header::HeaderValue::from_str(allow) {
                    headers.insert(header::ALLOW, allow);
                }
            }
            Self::Service(ServiceError::RateLimited { retry_after_s }) => {
                headers.insert(header::RETRY_AFTER, (*retry_after_s).into());
            }
            Self::Service(ServiceError::Unavailable(_)) => {
                headers.insert(
                    header::RETRY_AFTER,
                    header::HeaderValue::from_static(UNAVAILABLE_RETRY_AFTER_S),
                );
            }
            _ => {}
        }
        response
    }
}

/// An error and its causes, outermost first, joined with `: `.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        ServiceError::Invalid(errors).into()
    }
}

impl From<crate::import::ImportError> for ApiError {
    fn from(error: crate::import::ImportError) -> Self {
        use crate::import::ImportError;
        match error {
            ImportError::Malformed { detail, errors } => Self::Malformed { detail, errors },
            ImportError::Invalid(errors) => errors.into(),
            ImportError::UnsupportedCharset(detail) => Self::UnsupportedMediaType(detail),
        }
    }
}
