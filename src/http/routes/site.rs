//! The website: `/` (public campaigns), `/campaigns/{id}` (one campaign), `/organize` (the
//! coordinators' page), `/join/{code}` and `/me` (participants) and their static assets, all embedded in the binary. The pages speak only
//! the API, so the same files work when a campaign hosts them on its own origin.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use once_cell::sync::Lazy;
use sha2::{Digest, Sha256};

use crate::http::error::ApiError;

/// A static file of the site.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

/// The assets under `/assets/`.
const ASSETS: [Asset; 7] = [
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../site/app.js"),
    },
    Asset {
        name: "kit.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../site/kit.js"),
    },
    Asset {
        name: "me.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../site/me.js"),
    },
    Asset {
        name: "network.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../site/network.js"),
    },
    Asset {
        name: "organize.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../site/organize.js"),
    },
    Asset {
        name: "style.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../../site/style.css"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../../site/favicon.svg"),
    },
];

/// The campaign pages' shell, the same for `/` and `/campaigns/{id}`: the script tells them
/// apart by path.
const CAMPAIGN_PAGE: &str = include_str!("../../../site/index.html");
/// The shell of the pages built on `kit.js`: one script each, with its title and words.
const KIT_PAGE: &str = include_str!("../../../site/page.html");

/// What a page built on `kit.js` fills its shell with.
struct KitPage {
    title: &'static str,
    description: &'static str,
    /// What to use without JavaScript, in English and in Chinese.
    noscript: (&'static str, &'static str),
    /// Its script, an asset.
    script: &'static str,
}

/// The coordinators' page.
const ORGANIZE_PAGE: KitPage = KitPage {
    title: "Green Commute · 绿色出行 · 单位联络人",
    description: "Coordinators upload their organization's commutes from a spreadsheet. 单位联络人上传成员通勤记录。",
    noscript: ("Trips can also be uploaded through the API", "也可通过 API 上传行程"),
    script: "organize.js",
};

/// The participants' pages, the same for `/join/{code}` and `/me`.
const PARTICIPANT_PAGE: KitPage = KitPage {
    title: "Green Commute · 绿色出行 · 我的绿色通勤",
    description: "Log your own green commute in a few taps. 记录您的绿色通勤。",
    noscript: (
        "Commutes can also be logged through the API",
        "也可通过 API 记录通勤",
    ),
    script: "me.js",
};

/// The network's page.
const NETWORK_PAGE: KitPage = KitPage {
    title: "Green Commute · 绿色出行 · 活动网络",
    description: "The network of green-commuting campaigns and what they saved. 绿色出行活动网络及其减排成果。",
    noscript: ("The figures are also in the API", "数据也可通过 API 获取"),
    script: "network.js",
};

impl KitPage {
    /// The page's shell, its asset placeholders still to be fingerprinted.
    fn shell(&self) -> String {
        KIT_PAGE
            .replace("{{title}}", self.title)
            .replace("{{description}}", self.description)
            .replace("{{noscript_en}}", self.noscript.0)
            .replace("{{noscript_zh}}", self.noscript.1)
            .replace("{{script}}", &format!("{{{{{}}}}}", self.script))
    }
}

/// Assets are cached for a year when requested with their current fingerprint (`?v=`), which
/// changes whenever their content does; otherwise they are revalidated.
const CACHE_FINGERPRINTED: &str = "public, max-age=31536000, immutable";
/// Pages are always revalidated (cheaply, by ETag), so a new release shows at once.
const CACHE_REVALIDATE: &str = "no-cache";

/// Only our own scripts and styles run; the API may live on any origin (`data-api`).
const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src *; base-uri 'none'; form-action 'self'; object-src 'none'";

/// First 16 hex digits of the SHA-256 of `body`: a fingerprint for URLs and ETags.
fn fingerprint(body: &[u8]) -> String {
    hex::encode(&Sha256::digest(body)[..8])
}

/// Each asset's fingerprint, in the order of [`ASSETS`].
static FINGERPRINTS: Lazy<Vec<String>> =
    Lazy::new(|| ASSETS.iter().map(|a| fingerprint(a.body)).collect());

/// A page shell with its asset URLs fingerprinted, and its ETag.
fn prepare(template: &str) -> (String, String) {
    let page =
        ASSETS
            .iter()
            .zip(FINGERPRINTS.iter())
            .fold(template.to_owned(), |page, (asset, print)| {
                page.replace(
                    &format!("{{{{{}}}}}", asset.name),
                    &format!("/assets/{}?v={print}", asset.name),
                )
            });
    let etag = format!("\"{}\"", fingerprint(page.as_bytes()));
    (page, etag)
}

static CAMPAIGN: Lazy<(String, String)> = Lazy::new(|| prepare(CAMPAIGN_PAGE));
static ORGANIZE: Lazy<(String, String)> = Lazy::new(|| prepare(&ORGANIZE_PAGE.shell()));
static PARTICIPANT: Lazy<(String, String)> = Lazy::new(|| prepare(&PARTICIPANT_PAGE.shell()));
static NETWORK: Lazy<(String, String)> = Lazy::new(|| prepare(&NETWORK_PAGE.shell()));

/// Whether the request's `If-None-Match` names this ETag.
fn is_fresh(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*")
}

/// A 200 (or 304 when the client's copy is current) with the caching headers.
fn respond(
    req: &HttpRequest,
    content_type: &'static str,
    etag: &str,
    cache_control: &'static str,
    body: &'static [u8],
) -> HttpResponse {
    let mut response = if is_fresh(req, etag) {
        HttpResponse::NotModified().finish()
    } else {
        HttpResponse::Ok().content_type(content_type).body(body)
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `/` and `/campaigns/{id}`: the page shell; the script loads the campaign through the API.
pub async fn page(req: HttpRequest) -> HttpResponse {
    html(&req, &CAMPAIGN)
}

/// `/organize`: the coordinators' page.
pub async fn organize(req: HttpRequest) -> HttpResponse {
    html(&req, &ORGANIZE)
}

/// `/join/{code}` and `/me`: the participants' page.
pub async fn participant(req: HttpRequest) -> HttpResponse {
    html(&req, &PARTICIPANT)
}

/// `/network`: the network's campaigns and totals.
pub async fn network(req: HttpRequest) -> HttpResponse {
    html(&req, &NETWORK)
}

/// A page with its security headers.
fn html(req: &HttpRequest, (body, etag): &'static (String, String)) -> HttpResponse {
    let mut response = respond(
        req,
        "text/html; charset=utf-8",
        etag,
        CACHE_REVALIDATE,
        body.as_bytes(),
    );
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_POLICY),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    response
}

/// `/assets/{name}`: an embedded file, or a 404 problem.
pub async fn asset(req: HttpRequest, name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let (asset, print) = ASSETS
        .iter()
        .zip(FINGERPRINTS.iter())
        .find(|(asset, _)| asset.name == name.as_str())
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no asset `{}`; the site's assets are {}",
                crate::domain::mode::truncate_for_message(&name),
                ASSETS.map(|a| a.name).join(", ")
            ))
        })?;
    let requested =
        web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.get("v").cloned());
    let cache_control = if requested.as_deref() == Some(print.as_str()) {
        CACHE_FINGERPRINTED
    } else {
        CACHE_REVALIDATE
    };
    let etag = format!("\"{print}\"");
    Ok(respond(
        &req,
        asset.content_type,
        &etag,
        cache_control,
        asset.body,
    ))
}
