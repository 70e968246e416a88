//! Paginated lists: `limit` and an opaque `cursor` in, `next_cursor` out (null at the end).

use actix_web::{web, HttpRequest};
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;

/// Page size when none is asked for.
const DEFAULT_PAGE: usize = 100;
/// The largest page.
const MAX_PAGE: usize = 1_000;

/// Paging parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A validated page request: its size and the cursor it continues from, if any.
#[derive(Debug)]
pub struct Page {
    /// Items per page.
    pub limit: usize,
    /// The previous page's `next_cursor` (an empty one counts as none).
    pub cursor: Option<String>,
}

/// Parses a query string, reporting problems as 422 at `query`.
pub fn parse_query<T: serde::de::DeserializeOwned>(req: &HttpRequest) -> Result<T, ApiError> {
    web::Query::<T>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|e| ApiError::invalid("query", e.to_string()))
}

/// The page a request asks for.
pub fn page(req: &HttpRequest) -> Result<Page, ApiError> {
    let query: PageQuery = parse_query(req)?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be 1 to {MAX_PAGE}"),
        ));
    }
    Ok(Page {
        limit,
        cursor: query.cursor.filter(|c| !c.is_empty()),
    })
}

fn not_a_cursor() -> ApiError {
    ApiError::invalid("cursor", "is not a cursor returned by this list")
}

/// The cursor after a numeric id.
pub fn id_cursor(id: i64) -> String {
    format!("t{id:x}")
}

/// The numeric id a cursor continues after (0 for the first page).
pub fn after_id(page: &Page) -> Result<i64, ApiError> {
    match &page.cursor {
        None => Ok(0),
        Some(cursor) => cursor
            .strip_prefix('t')
            .and_then(|hex| i64::from_str_radix(hex, 16).ok())
            .filter(|id| *id >= 0)
            .ok_or_else(not_a_cursor),
    }
}

/// The cursor after a text id (hex of its bytes, so any id is safe in a query string).
fn key_cursor(id: &str) -> String {
    let mut cursor = String::with_capacity(1 + 2 * id.len());
    cursor.push('k');
    for byte in id.bytes() {
        cursor.push_str(&format!("{byte:02x}"));
    }
    cursor
}

fn after_key(page: &Page) -> Result<Option<String>, ApiError> {
    let Some(cursor) = &page.cursor else {
        return Ok(None);
    };
    let hex = cursor.strip_prefix('k').ok_or_else(not_a_cursor)?;
    if hex.len() % 2 != 0 {
        return Err(not_a_cursor());
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| not_a_cursor()))
        .collect::<Result<Vec<u8>, _>>()?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| not_a_cursor())
}

/// One page of `items` (sorted by `id`) after the page's cursor, and the next cursor.
pub fn by_key<T>(
    items: impl IntoIterator<Item = T>,
    id: impl Fn(&T) -> &str,
    page: &Page,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let after = after_key(page)?;
    let mut rest = items
        .into_iter()
        .filter(|item| after.as_deref().is_none_or(|after| id(item) > after))
        .take(page.limit + 1)
        .collect::<Vec<T>>();
    let next = (rest.len() > page.limit).then(|| {
        rest.truncate(page.limit);
        rest.last().map(|last| key_cursor(id(last)))
    });
    Ok((rest, next.flatten()))
}
