//! Organizations and their keys: admin writes.

use actix_web::{delete, patch, post, route, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::wire::WholeNumber;
use crate::domain::campaign::OrganizationKind;
use crate::http::error::ApiError;
use crate::http::extract::body::{JsonBody, NoBody};
use crate::http::extract::paging;
use crate::http::problems::{problems, AdminCreateProblems};
use crate::http::{AppState, TAG_ORGANIZATIONS};
use crate::service::{Caller, NewOrganization, OrganizationChanges};
use crate::store::OrganizationRecord;

/// A new organization.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "id": "lakeside-hospital",
    "name": "Lakeside Hospital 湖畔医院",
    "kind": "institution",
    "city": "Beijing",
    "headcount": 650
}))]
pub struct OrganizationCreate {
    /// Slug `[a-z0-9-]{2,64}`, unique.
    #[schema(pattern = "^[a-z0-9-]{2,64}$")]
    pub id: String,
    /// Display name (1–200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// `enterprise`, `institution`, `social_organization`, `community` or `other`.
    pub kind: OrganizationKind,
    /// City (up to 100 characters).
    #[schema(max_length = 100)]
    pub city: Option<String>,
    /// Members, for participation rates (0–10,000,000).
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 10000000)]
    pub headcount: Option<WholeNumber>,
}

/// An organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationResponse<'a> {
    /// Slug.
    #[schema(example = "sunrise-tech")]
    pub id: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Kind.
    pub kind: OrganizationKind,
    /// City.
    pub city: Option<&'a str>,
    /// Members.
    pub headcount: Option<i64>,
    /// RFC 3339, UTC.
    pub created_at: &'a str,
}

impl<'a> From<&'a OrganizationRecord> for OrganizationResponse<'a> {
    fn from(o: &'a OrganizationRecord) -> Self {
        Self {
            id: &o.id,
            name: &o.name,
            kind: o.kind,
            city: o.city.as_deref(),
            headcount: o.headcount,
            created_at: &o.created_at,
        }
    }
}

/// Every organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationList<'a> {
    /// By id.
    pub organizations: Vec<OrganizationResponse<'a>>,
    /// Pass as `cursor` for the next page; null at the end.
    pub next_cursor: Option<String>,
}

/// A newly issued key: shown only in this response.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedKey {
    /// Key id, for revocation.
    #[schema(example = "key_3f9a1c7e20b4")]
    pub id: String,
    /// The key itself: send it as `Authorization: Bearer <key>`. It is stored only as a hash.
    #[schema(example = "gck_5b0e…")]
    pub key: String,
    /// The organization it belongs to.
    pub organization_id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

impl From<OrganizationCreate> for NewOrganization {
    fn from(o: OrganizationCreate) -> Self {
        Self {
            id: o.id,
            name: o.name,
            kind: o.kind,
            city: o.city,
            headcount: o.headcount.map(|WholeNumber(n)| n),
        }
    }
}

problems! {
    ListProblems {
        401 => "No or unknown credentials",
        403 => "Not the admin",
        422 => "Bad `limit` or `cursor`",
    }
    ReadProblems {
        401 => "No or unknown credentials",
        403 => "Another organization's key",
        404 => "No such organization",
    }
    IssueProblems {
        400 => "A body that is not JSON",
        401 => "No or unknown credentials",
        403 => "Not the admin",
        404 => "No such organization",
        415 => "A body that is not application/json",
        422 => "A body with fields: this operation takes none",
    }
    RevokeProblems {
        401 => "No or unknown credentials",
        403 => "Not the admin",
        404 => "No such key for this organization",
    }
}

/// Create an organization
///
/// The admin, or an organizer key (the organizer may then issue its keys). Then enroll it in a
/// campaign and issue it a key. The example adds an organization
/// that the demo campaign does not have; a second try answers 409.
#[utoipa::path(
    post,
    tag = TAG_ORGANIZATIONS,
    security(("bearer" = [])),
    request_body = OrganizationCreate,
    responses((status = 201, description = "Created", body = OrganizationResponse), AdminCreateProblems)
)]
#[post("/v1/organizations")]
pub async fn create_organization(
    state: web::Data<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<OrganizationCreate>,
) -> Result<HttpResponse, ApiError> {
    let record = state
        .service
        .create_organization(&caller, request.into())
        .await?;
    let location = format!("/v1/organizations/{}", record.id);
    Ok(super::created(
        location,
        &OrganizationResponse::from(&record),
    ))
}

/// List organizations
///
/// The admin lists every organization, enrolled in a campaign or not; an organizer those it
/// created.
#[utoipa::path(
    get,
    tag = TAG_ORGANIZATIONS,
    security(("bearer" = [])),
    params(paging::PageQuery),
    responses((status = 200, description = "Every organization, by id", body = OrganizationList), ListProblems)
)]
#[route("/v1/organizations", method = "GET", method = "HEAD")]
pub async fn list_organizations(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let page = paging::page(&req)?;
    let all = state.service.list_organizations(&caller).await?;
    let (shown, next_cursor) = paging::by_key(all.iter(), |o| o.id.as_str(), &page)?;
    let organizations = shown.into_iter().map(OrganizationResponse::from).collect();
    Ok(HttpResponse::Ok().json(OrganizationList {
        organizations,
        next_cursor,
    }))
}

/// Read an organization
///
/// The admin reads any organization; an organizer those it created; an organization key its own.
#[utoipa::path(
    get,
    tag = TAG_ORGANIZATIONS,
    security(("bearer" = [])),
    params(("organization_id" = String, Path, description = "Organization id", example = "sunrise-tech")),
    responses((status = 200, description = "The organization", body = OrganizationResponse), ReadProblems)
)]
#[route("/v1/organizations/{organization_id}", method = "GET", method = "HEAD")]
pub async fn get_organization(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let organization = state.service.organization(&caller, &path).await?;
    Ok(HttpResponse::Ok().json(OrganizationResponse::from(&organization)))
}

/// Changes to an organization; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "headcount": 1200 }))]
pub struct OrganizationPatch {
    /// Display name (1–200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// Kind.
    pub kind: Option<OrganizationKind>,
    /// City; `null` forgets it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub city: Option<Option<String>>,
    /// Members, for participation rates (0–10,000,000); `null` forgets it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 10000000)]
    pub headcount: Option<Option<WholeNumber>>,
}

/// Distinguishes an explicit `null` (Some(None)) from an absent field (None).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

problems! {
    UpdateProblems {
        400 => "Malformed JSON",
        401 => "No or unknown credentials",
        403 => "Not the admin or the organizer that created the organization",
        404 => "No such organization",
        415 => "Not application/json",
        422 => "Invalid fields",
    }
}

/// Change an organization
///
/// The admin, or the organizer that created it: its name, kind, city and `headcount` (for
/// participation rates and size bands on the leaderboard). An organization does not set its own
/// headcount.
#[utoipa::path(
    patch,
    tag = TAG_ORGANIZATIONS,
    security(("bearer" = [])),
    params(("organization_id" = String, Path, description = "Organization id", example = "sunrise-tech")),
    request_body = OrganizationPatch,
    responses((status = 200, description = "The organization", body = OrganizationResponse), UpdateProblems)
)]
#[patch("/v1/organizations/{organization_id}")]
pub async fn update_organization(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    JsonBody(patch): JsonBody<OrganizationPatch>,
) -> Result<HttpResponse, ApiError> {
    let changes = OrganizationChanges {
        name: patch.name,
        kind: patch.kind,
        city: patch.city,
        headcount: patch.headcount.map(|h| h.map(|WholeNumber(n)| n)),
    };
    let organization = state
        .service
        .update_organization(&caller, &path, changes)
        .await?;
    Ok(HttpResponse::Ok().json(OrganizationResponse::from(&organization)))
}

/// Issue an organization key
///
/// The admin, or the organizer that created the organization. The key is shown only in this
/// response and stored only as a hash; send it as
/// `Authorization: Bearer <key>` (in Swagger UI: "Authorize") to log the organization's commutes.
#[utoipa::path(
    post,
    tag = TAG_ORGANIZATIONS,
    security(("bearer" = [])),
    params(("organization_id" = String, Path, description = "Organization id", example = "sunrise-tech")),
    responses((status = 201, description = "The new key (shown once)", body = IssuedKey), IssueProblems)
)]
#[post("/v1/organizations/{organization_id}/keys")]
pub async fn issue_key(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    _: NoBody,
) -> Result<HttpResponse, ApiError> {
    let issued = state.service.issue_key(&caller, &path).await?;
    let record = issued.record;
    let key = issued.key;
    Ok(HttpResponse::Created().json(IssuedKey {
        id: record.id,
        key,
        organization_id: record.organization_id,
        created_at: record.created_at,
    }))
}

/// Revoke an organization key
///
/// The admin, or the organizer that created the organization. The key stops working at once;
/// revoking it again changes nothing. In the demo,
/// `key_demo_spare` is a spare key of `sunrise-tech`, so the example leaves the key printed at
/// start-up working.
#[utoipa::path(
    delete,
    tag = TAG_ORGANIZATIONS,
    security(("bearer" = [])),
    params(
        ("organization_id" = String, Path, description = "Organization id", example = "sunrise-tech"),
        ("key_id" = String, Path, description = "Key id, as returned when the key was issued", example = "key_demo_spare"),
    ),
    responses((status = 204, description = "Revoked"), RevokeProblems)
)]
#[delete("/v1/organizations/{organization_id}/keys/{key_id}")]
pub async fn revoke_key(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (organization_id, key_id) = path.into_inner();
    state
        .service
        .revoke_key(&caller, &organization_id, &key_id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
