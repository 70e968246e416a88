//! The service's outer middleware: request ids, access logs, Prometheus metrics, security
//! headers, and turning any error response that is not yet problem+json (actix's own, and
//! actix-cors's refusals) into one. Browser requests pass through the CORS policy on their way
//! in; the rest go straight to the application. Written as a `Transform` with its own future
//! rather than `from_fn`: every request crosses it, and a boxed future per request showed in
//! the estimate benchmark (BENCHMARKS.md).

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{ready, Context, Poll};
use std::time::Instant;

use actix_cors::{Cors, CorsMiddleware};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::Error;
use futures_util::future::LocalBoxFuture;
use pin_project_lite::pin_project;

use crate::http::error::{problem, problem_response, PROBLEM_JSON};
use crate::metrics::METRICS;

/// Header carrying the request id, echoed from the client when it sent a sane one.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The outer layer: wraps the application, sending requests that take part in CORS (those
/// with an `Origin`, and every `OPTIONS`) through `cors` first.
pub struct Observe {
    cors: Cors,
}

impl Observe {
    /// The layer, with the CORS policy it applies to browser requests.
    pub fn new(cors: Cors) -> Self {
        Self { cors }
    }
}

impl<S, B> Transform<S, ServiceRequest> for Observe
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Transform = ObserveService<S>;
    type InitError = ();
    type Future = LocalBoxFuture<'static, Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let app = Rc::new(service);
        // The application is shared between the direct path and the CORS path (actix-service
        // implements `Service` for `Rc<S>`).
        let cors = self.cors.new_transform(app.clone());
        Box::pin(async move {
            Ok(ObserveService {
                app,
                cors: cors.await?,
            })
        })
    }
}

/// The layer around one worker's application.
pub struct ObserveService<S> {
    app: Rc<S>,
    cors: CorsMiddleware<Rc<S>>,
}

impl<S, B> Service<ServiceRequest> for ObserveService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = Observed<S::Future, <CorsMiddleware<Rc<S>> as Service<ServiceRequest>>::Future>;

    actix_web::dev::forward_ready!(app);

    fn call(&self, req: ServiceRequest) -> Self::Future {
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
        let method = method_label(req.method());
        // Server-to-server calls (no Origin) skip the CORS layer: it would only add headers
        // that no browser reads.
        let takes_part_in_cors =
            req.method() == Method::OPTIONS || req.headers().contains_key(header::ORIGIN);
        let inner = if takes_part_in_cors {
            Inner::Cors {
                future: self.cors.call(req),
            }
        } else {
            Inner::Direct {
                future: self.app.call(req),
            }
        };
        Observed {
            inner,
            started,
            request_id: Some(request_id),
            method,
        }
    }
}

pin_project! {
    #[project = InnerProjection]
    enum Inner<D, C> {
        Direct { #[pin] future: D },
        Cors { #[pin] future: C },
    }
}

pin_project! {
    /// A request on its way through the application; on its answer, the observations.
    pub struct Observed<D, C> {
        #[pin]
        inner: Inner<D, C>,
        started: Instant,
        request_id: Option<HeaderValue>,
        method: &'static str,
    }
}

impl<D, C, B, BC> Future for Observed<D, C>
where
    D: Future<Output = Result<ServiceResponse<B>, Error>>,
    C: Future<Output = Result<ServiceResponse<BC>, Error>>,
    B: MessageBody + 'static,
    BC: MessageBody + 'static,
{
    type Output = Result<ServiceResponse<BoxBody>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = match this.inner.project() {
            InnerProjection::Direct { future } => ready!(future.poll(cx))?.map_into_boxed_body(),
            InnerProjection::Cors { future } => ready!(future.poll(cx))?.map_into_boxed_body(),
        };
        let request_id = this.request_id.take().unwrap_or_else(new_request_id);
        Poll::Ready(Ok(observed(
            response,
            *this.started,
            request_id,
            this.method,
        )))
    }
}

/// Turns any error into problem+json, adds the request id and the security headers, counts the
/// request and logs it.
fn observed(
    response: ServiceResponse<BoxBody>,
    started: Instant,
    request_id: HeaderValue,
    method: &'static str,
) -> ServiceResponse<BoxBody> {
    let mut response = into_problem(response);
    let status = response.status();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let elapsed = started.elapsed();
    METRICS.record_request(method, &route, status.as_u16(), elapsed);
    {
        let request_id = request_id.to_str().unwrap_or_default();
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        if status.is_server_error() {
            tracing::error!(%request_id, %method, %route, status = status.as_u16(), latency_ms, "request");
        } else if status.is_client_error() {
            tracing::info!(%request_id, %method, %route, status = status.as_u16(), latency_ms, "request");
        } else {
            tracing::debug!(%request_id, %method, %route, status = status.as_u16(), latency_ms, "request");
        }
    }
    let headers = response.headers_mut();
    headers.insert(REQUEST_ID, request_id);
    headers.insert(NOSNIFF.0, NOSNIFF.1);
    // Answers differ with the Origin a browser sends (CORS), whoever asks: shared caches must
    // key on it even for requests without one.
    if !headers.contains_key(header::VARY) {
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

/// Browsers must not guess a content type other than the one declared.
const NOSNIFF: (HeaderName, HeaderValue) = (
    header::X_CONTENT_TYPE_OPTIONS,
    HeaderValue::from_static("nosniff"),
);

/// The method as a metrics label: one of the methods HTTP defines, or `OTHER`, so that made-up
/// methods cannot grow the metrics without bound.
fn method_label(method: &Method) -> &'static str {
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
    // actix-cors answers an origin it does not allow with a 400; nothing in the request is
    // malformed, the origin is not allowed: a 403, as for credentials that are not.
    let refused_origin = response
        .response()
        .error()
        .is_some_and(|error| error.as_error::<actix_cors::CorsError>().is_some());
    let status = if refused_origin {
        StatusCode::FORBIDDEN
    } else {
        status
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
