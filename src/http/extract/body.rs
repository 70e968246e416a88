//! Request bodies: size limit, media type and JSON parsing with the path of every bad field.

use std::future::Future;
use std::task::Poll;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::domain::errors::join_path;

use crate::config::DEFAULT_BODY_LIMIT;
use crate::http::error::ApiError;

/// A request body's media type, as far as this service cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/json` or any `+json` type.
    Json,
    /// `text/csv`.
    Csv,
    /// `text/tab-separated-values`.
    Tsv,
    /// `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`.
    Xlsx,
    /// `application/vnd.ms-excel`.
    Xls,
}

impl MediaType {
    /// The media type's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Csv => "text/csv",
            Self::Tsv => "text/tab-separated-values",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Xls => "application/vnd.ms-excel",
        }
    }
}

/// The `Content-Type` header's value, or "".
fn content_type(req: &HttpRequest) -> &str {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The `charset` parameter of the body's media type, if it has one.
pub fn charset(req: &HttpRequest) -> Option<&str> {
    content_type(req).split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"'))
    })
}

/// The body's media type, or a 415 naming what the operation takes.
pub fn media_type(req: &HttpRequest, accepted: &[MediaType]) -> Result<MediaType, ApiError> {
    let raw = content_type(req);
    let essence = raw.split(';').next().unwrap_or("").trim();
    // Compared without a lowercased copy: every JSON request asks this.
    let is_json = essence.eq_ignore_ascii_case("application/json")
        || essence
            .len()
            .checked_sub(5)
            .and_then(|start| essence.get(start..))
            .is_some_and(|suffix| suffix.eq_ignore_ascii_case("+json"));
    let found = if is_json {
        Some(MediaType::Json)
    } else {
        [
            MediaType::Csv,
            MediaType::Tsv,
            MediaType::Xlsx,
            MediaType::Xls,
        ]
        .into_iter()
        .find(|kind| kind.name().eq_ignore_ascii_case(essence))
    };
    match found {
        Some(kind) if accepted.contains(&kind) => Ok(kind),
        _ => {
            let names: Vec<&str> = accepted.iter().map(|kind| kind.name()).collect();
            let given = if raw.is_empty() {
                "no Content-Type"
            } else {
                raw
            };
            Err(ApiError::UnsupportedMediaType(format!(
                "this operation takes {}; the request has {given}",
                names.join(" or ")
            )))
        }
    }
}

/// Parses JSON, reporting syntax errors as 400 and type or unknown-field errors as 422 at their path.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // serde reads a struct from an array by position (`[null, null]` would pass as an empty
    // update); every body of this API is an object, so an array is refused before that.
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::invalid(
            "",
            "the body must be a JSON object, not an array",
        ));
    }
    // Valid bodies take the plain parser; only a failure is parsed again to locate the field.
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let error = error.into_inner();
        // serde stops at the first unknown or misplaced field, before the end of the text: a
        // body cut short after it (`{"a":`) is malformed (400) before it is invalid (422). Not
        // so a list past its limit, which is refused without reading on (api.md).
        let stopped_early = error.classify() == serde_json::error::Category::Data
            && !error.to_string().contains(HOLDS_MORE);
        if stopped_early {
            if let Err(syntax) = serde_json::from_slice::<serde::de::IgnoredAny>(body) {
                if !is_out_of_range(&syntax) {
                    return json_error("", &syntax);
                }
            }
        }
        json_error(&path, &error)
    })?;
    // Characters after the value make the body malformed too.
    deserializer.end().map_err(|error| json_error("", &error))?;
    Ok(value)
}

/// The end of the message of a list with more items than it may have: such a list is refused
/// as soon as the one item too many is read, however long the rest of the body.
pub const HOLDS_MORE: &str = "this one holds more";

/// Maps a serde_json failure at `path` to 400 (syntax) or 422 (shape).
pub fn json_error(path: &str, error: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let path = if path == "." || path == "?" { "" } else { path };
    let message = readable(&strip_position(&error.to_string()));
    // `1e999` is well-formed JSON (RFC 8259 §6 leaves number range to implementations), so it is
    // an invalid value at its field, not a malformed body.
    if message == OUT_OF_RANGE {
        return ApiError::invalid(path, "must be a finite number; this one is out of range");
    }
    match error.classify() {
        Category::Data => {
            // serde reports a missing or repeated field at its parent; name the field itself.
            let field =
                named_field(&message).map_or_else(|| path.to_owned(), |name| join_path(path, name));
            ApiError::invalid(field, message)
        }
        Category::Syntax | Category::Eof | Category::Io => ApiError::Malformed {
            detail: format!(
                "the body is not valid JSON: {message} at line {} column {}",
                error.line(),
                error.column()
            ),
            errors: Vec::new(),
        },
    }
}

/// serde_json's message for a number beyond `f64`.
const OUT_OF_RANGE: &str = "number out of range";

fn is_out_of_range(error: &serde_json::Error) -> bool {
    strip_position(&error.to_string()) == OUT_OF_RANGE
}

/// The field named by serde's "missing field `name`" or "duplicate field `name`" message.
pub fn named_field(message: &str) -> Option<&str> {
    ["missing field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.strip_suffix('`'))
}

/// serde's message without the Rust type it expected: `invalid type: null, expected struct
/// EstimateRequest` says `expected a JSON object`.
fn readable(message: &str) -> String {
    match message.find(", expected struct ") {
        Some(at) => format!("{}, expected a JSON object", &message[..at]),
        None => message.to_owned(),
    }
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// A JSON body parsed into `T` after the media-type and size checks.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let media = media_type(req, &[MediaType::Json]);
        let body = read_body(req, payload);
        Box::pin(async move {
            media?;
            parse_json(&body.await?).map(JsonBody)
        })
    }
}

/// An optional JSON body: no body (or only whitespace) is `T::default()`, whatever the
/// `Content-Type`; a body with content must parse into `T`, and be declared JSON if it is
/// declared at all (415 for another media type: these bodies are small and often sent bare).
pub struct OptionalJsonBody<T>(pub T);

impl<T: Default + DeserializeOwned + 'static> FromRequest for OptionalJsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let media = if req.headers().contains_key(header::CONTENT_TYPE) {
            media_type(req, &[MediaType::Json])
        } else {
            Ok(MediaType::Json)
        };
        let body = read_body(req, payload);
        Box::pin(async move {
            let body = body.await?;
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJsonBody(T::default()));
            }
            media?;
            parse_json(&body).map(OptionalJsonBody)
        })
    }
}

/// The body of an operation that takes none: nothing, `null` or `{}`. Anything more is refused like
/// an unknown field elsewhere (422 naming it), so that a client who thinks it sets something
/// here learns that it does not; a body in another media type is a 415.
pub struct NoBody;

/// What [`NoBody`] accepts: an object without fields.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Nothing {}

impl FromRequest for NoBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = OptionalJsonBody::<Option<Nothing>>::from_request(req, payload);
        Box::pin(async move { body.await.map(|_| NoBody) })
    }
}

/// The raw body, read up to the configured limit (413 past it).
pub struct RawBody(pub web::Bytes);

impl FromRequest for RawBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload);
        Box::pin(async move { body.await.map(RawBody) })
    }
}

/// Reads the body up to the configured limit (413 past it) and within the configured time (408
/// past it). Not boxed itself: each extractor boxes it once, together with its own work.
fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = Result<web::Bytes, ApiError>> + 'static {
    let BodyRules { limit, timeout } = req.app_data::<BodyRules>().copied().unwrap_or_default();
    // actix-http has already refused a Content-Length that is not a number.
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<usize>().ok());
    let collected = collect(payload.take(), declared, limit);
    async move {
        let mut collected = std::pin::pin!(collected);
        // A body already in the buffer (nearly every one) needs no timer: poll once first.
        match std::future::poll_fn(|cx| Poll::Ready(collected.as_mut().poll(cx))).await {
            Poll::Ready(read) => read,
            Poll::Pending => actix_web::rt::time::timeout(timeout, collected)
                .await
                .map_err(|_| ApiError::RequestTimeout {
                    seconds: timeout.as_secs(),
                })?,
        }
    }
}

/// The whole body, refused past `limit` bytes. A body that arrives in one piece (nearly every
/// one) is that piece, neither copied nor given a buffer of its own; a longer one is gathered
/// into a buffer of the declared length.
async fn collect(
    mut stream: Payload,
    declared: Option<usize>,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    let too_large = || ApiError::PayloadTooLarge { limit_bytes: limit };
    if declared.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    let Some(first) = stream.next().await.transpose().map_err(unreadable)? else {
        return Ok(web::Bytes::new());
    };
    let Some(second) = stream.next().await.transpose().map_err(unreadable)? else {
        return if first.len() > limit {
            Err(too_large())
        } else {
            Ok(first)
        };
    };
    let mut body = web::BytesMut::with_capacity(
        declared
            .unwrap_or(first.len() + second.len())
            .min(limit.saturating_add(1)),
    );
    let mut append = |chunk: web::Bytes| {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
        Ok(())
    };
    append(first)?;
    append(second)?;
    while let Some(chunk) = stream.next().await.transpose().map_err(unreadable)? {
        append(chunk)?;
    }
    Ok(body.freeze())
}

/// The connection failed while the body was being read.
fn unreadable(error: PayloadError) -> ApiError {
    ApiError::Malformed {
        detail: format!("the request body could not be read: {error}"),
        errors: Vec::new(),
    }
}

/// How long a body may take to arrive when none is configured.
const DEFAULT_BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The limits every request body is read under, kept together so that reading a body looks
/// them up once.
#[derive(Debug, Clone, Copy)]
pub struct BodyRules {
    /// The most bytes a body may have (413 past it).
    pub limit: usize,
    /// How long a body may take to arrive (408 past it): a client that stalls cannot hold a
    /// connection and a worker's attention for ever.
    pub timeout: std::time::Duration,
}

impl Default for BodyRules {
    fn default() -> Self {
        Self {
            limit: DEFAULT_BODY_LIMIT,
            timeout: DEFAULT_BODY_TIMEOUT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn kind(content_type: Option<&str>, accepted: &[MediaType]) -> Result<MediaType, String> {
        let mut req = TestRequest::default();
        if let Some(value) = content_type {
            req = req.insert_header((header::CONTENT_TYPE, value));
        }
        media_type(&req.to_http_request(), accepted).map_err(|e| e.to_string())
    }

    #[test]
    fn json_is_recognised_in_any_case_with_parameters_and_as_a_suffix() {
        let json = [MediaType::Json];
        for value in [
            "application/json",
            "APPLICATION/JSON",
            "application/json; charset=utf-8",
            " application/json ;charset=UTF-8",
            "application/problem+json",
            "application/merge-patch+JSON",
        ] {
            assert_eq!(kind(Some(value), &json), Ok(MediaType::Json), "{value}");
        }
    }

    #[test]
    fn anything_else_is_refused_naming_what_the_operation_takes() {
        let json = [MediaType::Json];
        for value in [
            "application/jsonx",
            "json",
            "text/plain",
            "application/json-seq",
            "",
        ] {
            let refused = kind(Some(value), &json).expect_err(value);
            assert!(refused.contains("application/json"), "{value}: {refused}");
        }
        assert!(kind(None, &json)
            .expect_err("no header")
            .contains("no Content-Type"));
    }

    #[test]
    fn spreadsheet_types_are_matched_whole_and_in_any_case() {
        let sheets = [
            MediaType::Json,
            MediaType::Csv,
            MediaType::Tsv,
            MediaType::Xlsx,
            MediaType::Xls,
        ];
        assert_eq!(kind(Some("text/csv"), &sheets), Ok(MediaType::Csv));
        assert_eq!(
            kind(Some("Text/CSV; charset=GB18030"), &sheets),
            Ok(MediaType::Csv)
        );
        assert_eq!(
            kind(Some("text/tab-separated-values"), &sheets),
            Ok(MediaType::Tsv)
        );
        assert_eq!(
            kind(Some("application/vnd.ms-excel"), &sheets),
            Ok(MediaType::Xls)
        );
        assert!(kind(Some("text/csvx"), &sheets).is_err());
        // Accepted by the service but not by this operation.
        assert!(kind(Some("text/csv"), &[MediaType::Json]).is_err());
    }
}
