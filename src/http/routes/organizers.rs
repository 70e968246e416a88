//! Organizers (partner NGOs, city offices running their own campaigns) and their keys: the
//! admin's.

use actix_web::{delete, post, route, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::error::ApiError;
use crate::http::extract::body::{JsonBody, NoBody};
use crate::http::extract::paging;
use crate::http::problems::{problems, AdminCreateProblems};
use crate::http::{AppState, TAG_ORGANIZERS};
use crate::service::{Caller, NewOrganizer};
use crate::store::OrganizerRecord;

/// A new organizer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "id": "green-shanghai", "name": "Green Shanghai 绿色上海", "city": "Shanghai" }))]
pub struct OrganizerCreate {
    /// Slug `[a-z0-9-]{2,64}`, unique.
    #[schema(pattern = "^[a-z0-9-]{2,64}$")]
    pub id: String,
    /// Display name (1–200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// City (up to 100 characters).
    #[schema(max_length = 100)]
    pub city: Option<String>,
}

/// An organizer.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizerResponse<'a> {
    /// Slug.
    #[schema(example = "green-beijing")]
    pub id: &'a str,
    /// Display name.
    pub name: &'a str,
    /// City.
    pub city: Option<&'a str>,
    /// RFC 3339, UTC.
    pub created_at: &'a str,
}

impl<'a> From<&'a OrganizerRecord> for OrganizerResponse<'a> {
    fn from(o: &'a OrganizerRecord) -> Self {
        Self {
            id: &o.id,
            name: &o.name,
            city: o.city.as_deref(),
            created_at: &o.created_at,
        }
    }
}

/// Every organizer.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizerList<'a> {
    /// By id.
    pub organizers: Vec<OrganizerResponse<'a>>,
    /// Pass as `cursor` for the next page; null at the end.
    pub next_cursor: Option<String>,
}

/// A newly issued organizer key: shown only in this response.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedOrganizerKey {
    /// Key id, for revocation.
    #[schema(example = "key_3f9a1c7e20b4")]
    pub id: String,
    /// The key itself (`gco_…`): send it as `Authorization: Bearer <key>`. Stored only as a hash.
    #[schema(example = "gco_5b0e…")]
    pub key: String,
    /// The organizer it belongs to.
    pub organizer_id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

problems! {
    ListProblems {
        401 => "No or unknown credentials",
        403 => "Not the admin",
        422 => "Bad `limit` or `cursor`",
    }
    ReadProblems {
        401 => "No or unknown credentials",
        403 => "Another organizer's key, or not the admin",
        404 => "No such organizer",
    }
    IssueProblems {
        400 => "A body that is not JSON",
        401 => "No or unknown credentials",
        403 => "Not the admin",
        404 => "No such organizer",
        415 => "A body that is not application/json",
        422 => "A body with fields: this operation takes none",
    }
    RevokeProblems {
        401 => "No or unknown credentials",
        403 => "Not the admin",
        404 => "No such key for this organizer",
    }
}

/// Create an organizer
///
/// Admin only. An organizer (a partner NGO, a city office) runs campaigns of its own with its
/// keys: it creates campaigns and organizations, enrolls them, issues their keys and makes
/// invites, without the admin token.
#[utoipa::path(
    post,
    tag = TAG_ORGANIZERS,
    security(("bearer" = [])),
    request_body = OrganizerCreate,
    responses((status = 201, description = "Created", body = OrganizerResponse), AdminCreateProblems)
)]
#[post("/v1/organizers")]
pub async fn create_organizer(
    state: web::Data<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<OrganizerCreate>,
) -> Result<HttpResponse, ApiError> {
    let record = state
        .service
        .create_organizer(
            &caller,
            NewOrganizer {
                id: request.id,
                name: request.name,
                city: request.city,
            },
        )
        .await?;
    Ok(super::created(
        format!("/v1/organizers/{}", record.id),
        &OrganizerResponse::from(&record),
    ))
}

/// List organizers
///
/// Admin only.
#[utoipa::path(
    get,
    tag = TAG_ORGANIZERS,
    security(("bearer" = [])),
    params(paging::PageQuery),
    responses((status = 200, description = "Every organizer, by id", body = OrganizerList), ListProblems)
)]
#[route("/v1/organizers", method = "GET", method = "HEAD")]
pub async fn list_organizers(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let page = paging::page(&req)?;
    let all = state.service.list_organizers(&caller).await?;
    let (shown, next_cursor) = paging::by_key(all.iter(), |o| o.id.as_str(), &page)?;
    Ok(HttpResponse::Ok().json(OrganizerList {
        organizers: shown.into_iter().map(OrganizerResponse::from).collect(),
        next_cursor,
    }))
}

/// Read an organizer
///
/// The admin reads any organizer; an organizer key its own.
#[utoipa::path(
    get,
    tag = TAG_ORGANIZERS,
    security(("bearer" = [])),
    params(("organizer_id" = String, Path, description = "Organizer id", example = "green-beijing")),
    responses((status = 200, description = "The organizer", body = OrganizerResponse), ReadProblems)
)]
#[route("/v1/organizers/{organizer_id}", method = "GET", method = "HEAD")]
pub async fn get_organizer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let organizer = state.service.organizer(&caller, &path).await?;
    Ok(HttpResponse::Ok().json(OrganizerResponse::from(&organizer)))
}

/// Issue an organizer key
///
/// Admin only. The key (`gco_…`) is shown only in this response and stored only as a hash.
#[utoipa::path(
    post,
    tag = TAG_ORGANIZERS,
    security(("bearer" = [])),
    params(("organizer_id" = String, Path, description = "Organizer id", example = "green-beijing")),
    responses((status = 201, description = "The new key (shown once)", body = IssuedOrganizerKey), IssueProblems)
)]
#[post("/v1/organizers/{organizer_id}/keys")]
pub async fn issue_organizer_key(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    _: NoBody,
) -> Result<HttpResponse, ApiError> {
    let issued = state.service.issue_organizer_key(&caller, &path).await?;
    Ok(HttpResponse::Created().json(IssuedOrganizerKey {
        id: issued.record.id,
        key: issued.key,
        organizer_id: issued.record.organizer_id,
        created_at: issued.record.created_at,
    }))
}

/// Revoke an organizer key
///
/// Admin only. The key stops working at once; revoking it again changes nothing.
#[utoipa::path(
    delete,
    tag = TAG_ORGANIZERS,
    security(("bearer" = [])),
    params(
        ("organizer_id" = String, Path, description = "Organizer id", example = "green-beijing"),
        ("key_id" = String, Path, description = "Key id, as returned when the key was issued", example = "key_demo_organizer_spare"),
    ),
    responses((status = 204, description = "Revoked"), RevokeProblems)
)]
#[delete("/v1/organizers/{organizer_id}/keys/{key_id}")]
pub async fn revoke_organizer_key(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (organizer_id, key_id) = path.into_inner();
    state
        .service
        .revoke_organizer_key(&caller, &organizer_id, &key_id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
