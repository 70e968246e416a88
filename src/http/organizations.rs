//! Organizations and their keys: admin writes.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::campaign::{OrganizationKind, Slug};
use crate::domain::FieldErrors;
use crate::store::{ApiKeyRecord, OrganizationRecord};

use super::auth::{hash_key, random_hex, Caller, KEY_PREFIX};
use super::body::JsonBody;
use super::error::{ApiError, Problem};
use super::wire::WholeNumber;
use super::{now, AppState, TAG_ORGANIZATIONS};

/// Routes of this resource.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/organizations")
            .route(super::read().to(list_organizations))
            .route(web::post().to(create_organization))
            .default_service(web::to(super::method_not_allowed("GET, HEAD, POST"))),
    )
    .service(
        web::resource("/v1/organizations/{organization_id}")
            .route(super::read().to(get_organization))
            .default_service(web::to(super::method_not_allowed("GET, HEAD"))),
    )
    .service(
        web::resource("/v1/organizations/{organization_id}/keys")
            .route(web::post().to(issue_key))
            .default_service(web::to(super::method_not_allowed("POST"))),
    )
    .service(
        web::resource("/v1/organizations/{organization_id}/keys/{key_id}")
            .route(web::delete().to(revoke_key))
            .default_service(web::to(super::method_not_allowed("DELETE"))),
    );
}

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

/// Create an organization
///
/// Admin only. Then enroll it in a campaign and issue it a key. The example adds an organization
/// that the demo campaign does not have; a second try answers 409.
#[utoipa::path(
    post,
    path = "/v1/organizations",
    tag = TAG_ORGANIZATIONS,
    security(("bearer" = [])),
    request_body = OrganizationCreate,
    responses(
        (status = 201, description = "Created", body = OrganizationResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The id is taken", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_organization(
    state: web::Data<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<OrganizationCreate>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let mut errors = FieldErrors::default();
    if let Err(message) = Slug::try_from(request.id.as_str()) {
        errors.push("id", message);
    }
    let name_length = request.name.chars().count();
    if request.name.trim().is_empty() || name_length > 200 {
        errors.push("name", "must be 1 to 200 characters");
    }
    if let Some(city) = &request.city {
        if city.chars().count() > 100 {
            errors.push("city", "must be at most 100 characters");
        }
    }
    if let Some(WholeNumber(headcount)) = request.headcount {
        if !(0..=10_000_000).contains(&headcount) {
            errors.push("headcount", "must be from 0 to 10,000,000");
        }
    }
    let record = errors.into_result(OrganizationRecord {
        id: request.id,
        name: request.name,
        kind: request.kind,
        city: request.city,
        headcount: request.headcount.map(|h| h.0),
        created_at: now(),
    })?;
    state.store.create_organization(record.clone()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/organizations/{}", record.id)))
        .json(OrganizationResponse::from(&record)))
}

/// List organizations
///
/// Admin only. Every organization, enrolled in a campaign or not.
#[utoipa::path(
    get,
    path = "/v1/organizations",
    tag = TAG_ORGANIZATIONS,
    security(("bearer" = [])),
    params(super::paging::PageQuery),
    responses(
        (status = 200, description = "Every organization, by id", body = OrganizationList),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_organizations(
    state: web::Data<AppState>,
    caller: Caller,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let page = super::paging::page(&req)?;
    let all = state.store.list_organizations().await?;
    let (shown, next_cursor) = super::paging::by_key(all.iter(), |o| o.id.as_str(), &page)?;
    let organizations = shown.into_iter().map(OrganizationResponse::from).collect();
    Ok(HttpResponse::Ok().json(OrganizationList {
        organizations,
        next_cursor,
    }))
}

/// Read an organization
///
/// The admin reads any organization; an organization key reads its own.
#[utoipa::path(
    get,
    path = "/v1/organizations/{organization_id}",
    tag = TAG_ORGANIZATIONS,
    security(("bearer" = [])),
    params(("organization_id" = String, Path, description = "Organization id", example = "sunrise-tech")),
    responses(
        (status = 200, description = "The organization", body = OrganizationResponse),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another organization's key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organization", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_organization(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require_any()?;
    if caller
        .organization_id()
        .is_some_and(|own| own != path.as_str())
    {
        return Err(ApiError::Forbidden(
            "an organization key reads only its own organization".into(),
        ));
    }
    let organization = state.store.get_organization(&path).await?;
    Ok(HttpResponse::Ok().json(OrganizationResponse::from(&organization)))
}

/// Issue an organization key
///
/// Admin only. The key is shown only in this response and stored only as a hash; send it as
/// `Authorization: Bearer <key>` (in Swagger UI: "Authorize") to log the organization's commutes.
#[utoipa::path(
    post,
    path = "/v1/organizations/{organization_id}/keys",
    tag = TAG_ORGANIZATIONS,
    security(("bearer" = [])),
    params(("organization_id" = String, Path, description = "Organization id", example = "sunrise-tech")),
    responses(
        (status = 201, description = "The new key (shown once)", body = IssuedKey),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organization", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn issue_key(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let organization = state.store.get_organization(&path).await?;
    let key = format!("{KEY_PREFIX}{}", random_hex(24));
    let record = ApiKeyRecord {
        id: format!("key_{}", random_hex(6)),
        organization_id: organization.id,
        key_hash: hash_key(&key),
        created_at: now(),
    };
    state.store.create_key(record.clone()).await?;
    Ok(HttpResponse::Created().json(IssuedKey {
        id: record.id,
        key,
        organization_id: record.organization_id,
        created_at: record.created_at,
    }))
}

/// Revoke an organization key
///
/// Admin only. The key stops working at once; revoking it again changes nothing. In the demo,
/// `key_demo_spare` is a spare key of `sunrise-tech`, so the example leaves the key printed at
/// start-up working.
#[utoipa::path(
    delete,
    path = "/v1/organizations/{organization_id}/keys/{key_id}",
    tag = TAG_ORGANIZATIONS,
    security(("bearer" = [])),
    params(
        ("organization_id" = String, Path, description = "Organization id", example = "sunrise-tech"),
        ("key_id" = String, Path, description = "Key id, as returned when the key was issued", example = "key_demo_spare"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such key for this organization", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn revoke_key(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let (organization_id, key_id) = path.into_inner();
    state
        .store
        .revoke_key(&organization_id, &key_id, now())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
