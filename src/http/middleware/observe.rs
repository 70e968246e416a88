//! The service's outer middleware: request ids, access logs, Prometheus metrics, security
//! headers, and turning any error response that is not yet problem+json (actix's own, and
//! actix-cors's refusals) into one.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::Error;

use crate::http::error::{problem, problem_response, PROBLEM_JSON};
use crate::metrics::METRICS;

/// Header carrying the request id, echoed from the client when it sent a sane one.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The middleware function (wrap with `actix_web::middleware::from_fn`).
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .filter(|id| {
            let id = id.as_bytes();
            !id.is_empty() && id.len() <= 64 && id.iter().all(u8::is_ascii_graphic)
        })
        .cloned()
        .unwrap_or_else(new_request_id);
    let method = req.method().clone();

    let response = next.call(req).await?.map_into_boxed_body();
    let mut response = into_problem(response);

    let status = response.status();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let elapsed = started.elapsed();
    METRICS.record_request(method_label(&method), &route, status.as_u16(), elapsed);
    let headers = response.headers_mut();
    headers.insert(REQUEST_ID, request_id.clone());
    headers.insert(NOSNIFF.0, NOSNIFF.1);
    // Answers differ with the Origin a browser sends (CORS), whoever asks: shared caches must
    // key on it even for requests without one.
    if !headers.contains_key(header::VARY) {
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    let request_id = request_id.to_str().unwrap_or_default();
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    if status.is_server_error() {
        tracing::error!(%request_id, %method, %route, status = status.as_u16(), latency_ms, "request");
    } else if status.is_client_error() {
        tracing::info!(%request_id, %method, %route, status = status.as_u16(), latency_ms, "request");
    } else {
        tracing::debug!(%request_id, %method, %route, status = status.as_u16(), latency_ms, "request");
    }
    Ok(response)
}

/// Browsers must not guess a content type other than the one declared.
const NOSNIFF: (HeaderName, HeaderValue) = (
    header::X_CONTENT_TYPE_OPTIONS,
    HeaderValue::from_static("nosniff"),
);

/// The method as a metrics label: one of the methods HTTP defines, or `OTHER`, so that made-up
/// methods cannot grow the metrics without bound.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT",
    ];
    KNOWN
        .into_iter()
        .find(|known| *known == method.as_str())
        .unwrap_or("OTHER")
}

fn into_problem(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return response;
    }
    let detail = match response.response().error() {
        Some(error) if status.is_client_error() => error.to_string(),
        _ => status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase(),
    };
    let kept_headers: Vec<(HeaderName, HeaderValue)> = response
        .headers()
        .iter()
        .filter(|(name, _)| *name != header::CONTENT_TYPE && *name != header::CONTENT_LENGTH)
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    let (request, _) = response.into_parts();
    let mut replaced = problem_response(&problem(status, detail, Vec::new()));
    for (name, value) in kept_headers {
        replaced.headers_mut().insert(name, value);
    }
    ServiceResponse::new(request, replaced)
}

/// `PPPPPPPP-N`: a random per-process prefix and a counter, both hex, built without the
/// formatting machinery because every request pays for it.
fn new_request_id() -> HeaderValue {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static PREFIX: once_cell::sync::Lazy<[u8; 9]> = once_cell::sync::Lazy::new(|| {
        let mut random = [0u8; 4];
        getrandom::getrandom(&mut random).unwrap_or_default();
        let mut prefix = [b'-'; 9];
        write_hex(u64::from(u32::from_le_bytes(random)), &mut prefix[..8]);
        prefix
    });
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let digits = (64 - count.leading_zeros()).div_ceil(4).max(1) as usize;
    let mut id = [0u8; 9 + 16];
    id[..9].copy_from_slice(&*PREFIX);
    write_hex(count, &mut id[9..9 + digits]);
    HeaderValue::from_bytes(&id[..9 + digits]).unwrap_or_else(|_| HeaderValue::from_static("-"))
}

/// Writes `value` as lowercase hex filling `out` exactly (leading zeros included).
fn write_hex(mut value: u64, out: &mut [u8]) {
    for byte in out.iter_mut().rev() {
        *byte = b"0123456789abcdef"[(value & 0xf) as usize];
        value >>= 4;
    }
}
