//! Problem responses in the OpenAPI document, declared once: each operation lists its error
//! statuses with a description, and [`problems!`] turns the list into responses whose body is
//! a `Problem` as `application/problem+json` (with `Retry-After` on 429).

use std::collections::BTreeMap;

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{Ref, RefOr};
use utoipa::PartialSchema;

use super::error::PROBLEM_JSON;

/// Why any operation that checks a bearer token may answer 429: an address that keeps presenting
/// wrong tokens is refused for a while before its next token is checked, whichever it is.
const AUTH_FAILURE_LIMIT: &str =
    "Too many failed authentications from this address; retry after `Retry-After` seconds";

/// The documented responses for `(status, description)` pairs; an operation that checks
/// credentials (it lists 401) also answers the failed-authentication limit's 429.
pub fn responses(list: &[(u16, &str)]) -> BTreeMap<String, RefOr<Response>> {
    let checks_credentials = list.iter().any(|&(status, _)| status == 401);
    let own_limit = list
        .iter()
        .find(|&&(status, _)| status == 429)
        .map(|&(_, d)| d);
    let rate_limited = match (own_limit, checks_credentials) {
        (Some(own), true) => Some(format!("{own}. Or: {AUTH_FAILURE_LIMIT}")),
        (Some(own), false) => Some(own.to_owned()),
        (None, true) => Some(AUTH_FAILURE_LIMIT.to_owned()),
        (None, false) => None,
    };
    list.iter()
        .filter(|&&(status, _)| status != 429)
        .map(|&(status, description)| (status, description.to_owned()))
        .chain(rate_limited.map(|description| (429, description)))
        .map(|(status, description)| {
            let mut response = ResponseBuilder::new().description(description);
            if status == 429 {
                response = response.header(
                    "Retry-After",
                    HeaderBuilder::new()
                        .schema(Some(u64::schema()))
                        .description(Some("Seconds until a retry may succeed"))
                        .build(),
                );
            }
            let response = response
                .content(
                    PROBLEM_JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
}

/// Declares a type listing an operation's problem responses, for `responses(…, Type)` in
/// `#[utoipa::path]`: `problems!(NotFound { 404 => "No such campaign" });`.
macro_rules! problems {
    ($($name:ident { $($status:literal => $description:literal),+ $(,)? })+) => {
        $(
            #[doc = concat!("Problem responses: ", $(stringify!($status), " ",)+ ".")]
            pub struct $name;

            impl utoipa::IntoResponses for $name {
                fn responses() -> std::collections::BTreeMap<
                    String,
                    utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
                > {
                    $crate::http::problems::responses(&[$(($status, $description)),+])
                }
            }
        )+
    };
}

pub(crate) use problems;

problems! {
    AdminCreateProblems {
        400 => "Malformed JSON",
        401 => "No or unknown credentials",
        403 => "Not the admin",
        409 => "The id is taken",
        415 => "Not application/json",
        422 => "Invalid fields",
    }
    CampaignReadProblems {
        401 => "Unknown credentials",
        404 => "No such campaign, or a private one the caller may not read",
    }
}
