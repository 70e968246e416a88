//! Paginated lists: `limit` and an opaque `cursor` in, `next_cursor` out (null at the end).

use actix_web::error::QueryPayloadError;
use actix_web::{web, HttpRequest};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::error::ApiError;
use crate::http::extract::body::named_field;

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

/// Parses a query string, reporting a problem as 422 at the parameter it is about (`query`
/// when no one parameter is to blame).
pub fn parse_query<T: DeserializeOwned>(req: &HttpRequest) -> Result<T, ApiError> {
    let query = req.query_string();
    web::Query::<T>::from_query(query)
        .map(web::Query::into_inner)
        .map_err(|error| {
            let message = reason(error);
            let field = named_field(&message)
                .map(str::to_owned)
                .or_else(|| culprit::<T>(query))
                .unwrap_or_else(|| "query".to_owned());
            ApiError::invalid(field, message)
        })
}

/// serde's words, without actix's "Query deserialize error: " before them.
fn reason(error: QueryPayloadError) -> String {
    match error {
        QueryPayloadError::Deserialize(error) => error.to_string(),
        other => other.to_string(),
    }
}

/// The name of the first parameter that fails on its own: serde's message says what is wrong
/// with a value (`invalid digit found in string`) but not which parameter held it.
fn culprit<T: DeserializeOwned>(query: &str) -> Option<String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .find(|pair| match web::Query::<T>::from_query(pair) {
            Ok(_) => false,
            Err(error) => named_field(&reason(error)).is_none(),
        })
        .and_then(|pair| {
            let decoded = web::Query::<Vec<(String, String)>>::from_query(pair).ok()?;
            decoded
                .into_inner()
                .into_iter()
                .next()
                .map(|(name, _)| name)
        })
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

/// The cursor of a list computed whole on each request (a ranking): how many entries come
/// before the next page.
pub fn offset_cursor(offset: usize) -> String {
    format!("r{offset:x}")
}

/// How many entries an `r…` cursor skips (0 for the first page).
pub fn offset_of(cursor: Option<&str>) -> Result<usize, ApiError> {
    match cursor.filter(|c| !c.is_empty()) {
        None => Ok(0),
        Some(cursor) => cursor
            .strip_prefix('r')
            .filter(|hex| {
                (1..=8).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit())
            })
            .and_then(|hex| usize::from_str_radix(hex, 16).ok())
            .ok_or_else(not_a_cursor),
    }
}

/// The cursor after a text id (hex of its bytes, so any id is safe in a query string).
fn key_cursor(id: &str) -> String {
    format!("k{}", hex::encode(id))
}

/// The text id a `k…` cursor continues after (`None` for the first page).
fn after_key(page: &Page) -> Result<Option<String>, ApiError> {
    let Some(cursor) = &page.cursor else {
        return Ok(None);
    };
    let bytes = cursor
        .strip_prefix('k')
        .and_then(|hex| hex::decode(hex).ok())
        .ok_or_else(not_a_cursor)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn page(cursor: &str) -> Page {
        Page {
            limit: 2,
            cursor: Some(cursor.to_owned()),
        }
    }

    /// The `field` a query's problem is reported at, or `None` when it parses.
    fn field_of<T: DeserializeOwned>(query: &str) -> Option<String> {
        let req =
            actix_web::test::TestRequest::with_uri(&format!("/list?{query}")).to_http_request();
        let error = parse_query::<T>(&req).err()?;
        let problem = serde_json::to_value(error.problem()).expect("a problem serializes");
        Some(problem["errors"][0]["field"].as_str()?.to_owned())
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Required {
        set: String,
        #[serde(default)]
        days: Option<u8>,
    }

    #[test]
    fn a_query_problem_names_its_parameter() {
        assert_eq!(field_of::<PageQuery>("limit=5&cursor=t1"), None);
        assert_eq!(field_of::<PageQuery>("limit=-1").as_deref(), Some("limit"));
        assert_eq!(
            field_of::<PageQuery>("cursor=t1&limit=x").as_deref(),
            Some("limit")
        );
        assert_eq!(
            field_of::<PageQuery>("limit=2&sort%5B%5D=1").as_deref(),
            Some("sort[]")
        );
        assert_eq!(field_of::<Required>("days=3").as_deref(), Some("set"));
        assert_eq!(
            field_of::<Required>("set=a&days=300").as_deref(),
            Some("days")
        );
        assert_eq!(
            field_of::<PageQuery>("limit=1&limit=2").as_deref(),
            Some("limit")
        );
    }

    #[test]
    fn offset_cursors_round_trip_and_refuse_anything_else() {
        for offset in [0, 1, 15, 1000, 0xffff_ffff] {
            assert_eq!(offset_of(Some(&offset_cursor(offset))).ok(), Some(offset));
        }
        assert_eq!(offset_of(None).ok(), Some(0));
        assert_eq!(offset_of(Some("")).ok(), Some(0));
        for bad in ["r", "t1", "r-1", "r+1", "rzz", "r123456789", "ré", "1"] {
            assert!(offset_of(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn key_cursors_round_trip_any_id() {
        for id in ["beijing-week", "北京绿色出行", "a b&c=d", ""] {
            let cursor = key_cursor(id);
            assert!(
                cursor.bytes().all(|b| b.is_ascii_alphanumeric()),
                "{cursor}"
            );
            assert_eq!(after_key(&page(&cursor)).unwrap().as_deref(), Some(id));
        }
    }

    #[test]
    fn id_cursors_round_trip() {
        for id in [0, 1, 255, i64::MAX] {
            assert_eq!(after_id(&page(&id_cursor(id))).unwrap(), id);
        }
    }

    #[test]
    fn anything_else_is_refused_without_panicking() {
        // `kaéb` once sliced a string inside a character and crashed the worker.
        for bad in ["x", "k6", "kzz", "kaéb", "ka\u{1F600}0", "kff", "t1"] {
            assert!(after_key(&page(bad)).is_err(), "{bad}");
        }
        for bad in ["x", "t", "t-1", "tzz", "té", "k61"] {
            assert!(after_id(&page(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn pages_continue_after_the_cursor_and_end_with_none() {
        let items = ["a", "b", "c", "d", "e"];
        let first = Page {
            limit: 2,
            cursor: None,
        };
        let (shown, next) = by_key(items, |s| s, &first).unwrap();
        assert_eq!(shown, ["a", "b"]);
        let (shown, next) = by_key(items, |s| s, &page(&next.unwrap())).unwrap();
        assert_eq!(shown, ["c", "d"]);
        let (shown, next) = by_key(items, |s| s, &page(&next.unwrap())).unwrap();
        assert_eq!((shown.as_slice(), next), (&["e"][..], None));
    }

    proptest::proptest! {
        #[test]
        fn any_text_id_survives_its_cursor(id in "\\PC{0,40}") {
            let cursor = key_cursor(&id);
            proptest::prop_assert_eq!(after_key(&page(&cursor)).unwrap(), Some(id));
        }

        #[test]
        fn any_cursor_text_is_taken_or_refused_never_a_panic(cursor in "\\PC{0,40}") {
            let _ = after_key(&page(&cursor));
            let _ = after_id(&page(&cursor));
        }

        #[test]
        fn any_id_survives_its_cursor(id in 0..i64::MAX) {
            proptest::prop_assert_eq!(after_id(&page(&id_cursor(id))).unwrap(), id);
        }
    }
}
