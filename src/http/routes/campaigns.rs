//! Campaigns and enrollment: admin writes; public campaigns are readable by anyone.

use actix_web::{patch, post, put, route, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::wire::FactorSetRef;
use crate::http::error::ApiError;
use crate::http::extract::body::{JsonBody, NoBody};
use crate::http::extract::paging;
use crate::http::problems::{problems, AdminCreateProblems, CampaignReadProblems};
use crate::http::{AppState, TAG_CAMPAIGNS};
use crate::service::{Caller, CampaignChanges, NewCampaign};
use crate::store::CampaignRecord;

/// A new campaign.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "id": "haidian-bike-month-2026",
    "name": "Haidian Bike-to-Work Month 2026 · 海淀骑行上班月",
    "description": "海淀骑行上班月: cycle or walk to work for a month.",
    "region": "CN-BJ",
    "time_zone": "Asia/Shanghai",
    "starts_on": "2026-09-01",
    "ends_on": "2026-09-30",
    "factor_set": "cn-2022",
    "baseline_mode": "car",
    "public": true
}))]
pub struct CampaignCreate {
    /// Slug `[a-z0-9-]{2,64}`, unique.
    #[schema(pattern = "^[a-z0-9-]{2,64}$")]
    pub id: String,
    /// Display name (1–200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// What the campaign is about (up to 2,000 characters).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: String,
    /// Grid region for electric modes (for sets with grid regions), e.g. `CN-BJ` or `北京`; stored as its id.
    pub region: Option<String>,
    /// IANA time zone of the campaign's dates; default `Asia/Shanghai`.
    pub time_zone: Option<String>,
    /// First day, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub starts_on: String,
    /// Last day, `YYYY-MM-DD` (inclusive), at most 400 days after the first.
    #[schema(format = Date)]
    pub ends_on: String,
    /// Factor-set id; the campaign keeps a snapshot of it. Default: the default set.
    pub factor_set: Option<String>,
    /// Baseline mode for trips without their own; default: the set's.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,31}$")]
    pub baseline_mode: Option<String>,
    /// Whether results are readable by anyone; default true.
    pub public: Option<bool>,
    /// Weekdays that count for regularity (`mon` … `sun`); default Monday to Friday.
    #[schema(example = json!(["mon", "tue", "wed", "thu", "fri"]))]
    pub workdays: Option<Vec<String>>,
}

/// Changes to a campaign; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "description": "Two weeks in June: walk, cycle, ride transit, share a car or work from home. 六月两周，绿色出行。" }))]
pub struct CampaignPatch {
    /// Display name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// Description.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Grid region; `null` returns to the set's default grid.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub region: Option<Option<String>>,
    /// IANA time zone.
    pub time_zone: Option<String>,
    /// First day.
    #[schema(format = Date)]
    pub starts_on: Option<String>,
    /// Last day.
    #[schema(format = Date)]
    pub ends_on: Option<String>,
    /// Factor set (409 once trips exist).
    pub factor_set: Option<String>,
    /// Baseline mode (409 once trips exist).
    #[schema(pattern = "^[a-z][a-z0-9_]{0,31}$")]
    pub baseline_mode: Option<String>,
    /// Public results.
    pub public: Option<bool>,
    /// Weekdays that count for regularity (`mon` … `sun`).
    pub workdays: Option<Vec<String>>,
}

/// Distinguishes an explicit `null` (Some(None)) from an absent field (None).
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// A campaign.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignResponse<'a> {
    /// Slug.
    #[schema(example = "beijing-green-week-2026")]
    pub id: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Description.
    pub description: &'a str,
    /// Grid region id, or null for the set's default grid.
    pub region: Option<&'a str>,
    /// IANA time zone of the dates.
    #[schema(example = "Asia/Shanghai")]
    pub time_zone: &'a str,
    /// First day.
    #[schema(value_type = String, example = "2026-06-01")]
    pub starts_on: String,
    /// Last day (inclusive).
    #[schema(value_type = String, example = "2026-06-14")]
    pub ends_on: String,
    /// The factor set snapshotted at creation.
    pub factor_set: FactorSetRef<'a>,
    /// Baseline mode for trips without their own.
    #[schema(example = "car")]
    pub baseline_mode: &'a str,
    /// Whether results are readable by anyone.
    pub public: bool,
    /// RFC 3339, UTC.
    pub created_at: &'a str,
    /// RFC 3339, UTC.
    pub updated_at: &'a str,
    /// The organizer that runs it; null for the admin's campaigns.
    pub organizer: Option<OrganizerRef<'a>>,
    /// Weekdays that count for regularity, Monday first.
    #[schema(example = json!(["mon", "tue", "wed", "thu", "fri"]))]
    pub workdays: Vec<&'static str>,
}

/// An organizer as a campaign shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizerRef<'a> {
    /// Id.
    #[schema(example = "green-beijing")]
    pub id: &'a str,
    /// Name.
    pub name: &'a str,
}

impl<'a> From<&'a CampaignRecord> for CampaignResponse<'a> {
    fn from(c: &'a CampaignRecord) -> Self {
        Self {
            id: &c.id,
            name: &c.name,
            description: &c.description,
            region: c.region.as_deref(),
            time_zone: &c.time_zone,
            starts_on: c.starts_on.to_string(),
            ends_on: c.ends_on.to_string(),
            factor_set: FactorSetRef {
                id: &c.factor_set_id,
                version: &c.factor_set_version,
            },
            baseline_mode: &c.baseline_mode,
            public: c.public,
            created_at: &c.created_at,
            updated_at: &c.updated_at,
            organizer: c
                .organizer_id
                .as_deref()
                .zip(c.organizer_name.as_deref())
                .map(|(id, name)| OrganizerRef { id, name }),
            workdays: c.workdays.names(),
        }
    }
}

/// Campaigns visible to the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignList<'a> {
    /// By id.
    pub campaigns: Vec<CampaignResponse<'a>>,
    /// Pass as `cursor` for the next page; null at the end.
    pub next_cursor: Option<String>,
}

impl From<CampaignCreate> for NewCampaign {
    fn from(c: CampaignCreate) -> Self {
        Self {
            id: c.id,
            name: c.name,
            description: c.description,
            region: c.region,
            time_zone: c.time_zone,
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            factor_set: c.factor_set,
            baseline_mode: c.baseline_mode,
            public: c.public,
            workdays: c.workdays,
        }
    }
}

impl From<CampaignPatch> for CampaignChanges {
    fn from(p: CampaignPatch) -> Self {
        Self {
            name: p.name,
            description: p.description,
            region: p.region,
            time_zone: p.time_zone,
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            factor_set: p.factor_set,
            baseline_mode: p.baseline_mode,
            public: p.public,
            workdays: p.workdays,
        }
    }
}

problems! {
    ListProblems {
        401 => "Unknown credentials",
        422 => "Bad `limit` or `cursor`",
    }
    UpdateProblems {
        400 => "Malformed JSON",
        401 => "No or unknown credentials",
        403 => "Not the admin",
        404 => "No such campaign",
        409 => "Factor set or baseline change after trips were logged",
        415 => "Not application/json",
        422 => "Invalid fields",
    }
    EnrollProblems {
        400 => "A body that is not JSON",
        401 => "No or unknown credentials",
        403 => "Not the admin",
        404 => "No such campaign or organization",
        415 => "A body that is not application/json",
        422 => "A body with fields: this operation takes none",
    }
}

/// Create a campaign
///
/// The admin, or an organizer key (the organizer then runs the campaign). The campaign keeps a snapshot of its factor set, so its results never change when
/// factor files change. Organizations are then enrolled with `PUT
/// /v1/campaigns/{campaign_id}/organizations/{organization_id}`. The example creates a second
/// campaign beside the demo one (`beijing-green-week-2026`); a second try answers 409.
#[utoipa::path(
    post,
    tag = TAG_CAMPAIGNS,
    security(("bearer" = [])),
    request_body = CampaignCreate,
    responses((status = 201, description = "Created", body = CampaignResponse), AdminCreateProblems)
)]
#[post("/v1/campaigns")]
pub async fn create_campaign(
    state: web::Data<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<CampaignCreate>,
) -> Result<HttpResponse, ApiError> {
    let record = state
        .service
        .create_campaign(&caller, request.into())
        .await?;
    let location = format!("/v1/campaigns/{}", record.id);
    Ok(super::created(location, &CampaignResponse::from(&record)))
}

/// List campaigns
///
/// Anyone sees the public campaigns; an organization also sees the private ones it is enrolled
/// in; the admin sees all. No credentials needed.
#[utoipa::path(
    get,
    tag = TAG_CAMPAIGNS,
    security((), ("bearer" = [])),
    params(paging::PageQuery),
    responses((status = 200, description = "Campaigns visible to the caller, by id", body = CampaignList), ListProblems)
)]
#[route("/v1/campaigns", method = "GET", method = "HEAD")]
pub async fn list_campaigns(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let page = paging::page(&req)?;
    let visible = state.service.list_campaigns(&caller).await?;
    let (shown, next_cursor) = paging::by_key(visible.iter(), |c| c.id.as_str(), &page)?;
    let campaigns = shown.into_iter().map(CampaignResponse::from).collect();
    Ok(HttpResponse::Ok().json(CampaignList {
        campaigns,
        next_cursor,
    }))
}

/// Read a campaign
///
/// Public campaigns are readable by anyone, without credentials; private ones by the admin and
/// enrolled organizations.
#[utoipa::path(
    get,
    tag = TAG_CAMPAIGNS,
    security((), ("bearer" = [])),
    params(("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026")),
    responses((status = 200, description = "The campaign", body = CampaignResponse), CampaignReadProblems)
)]
#[route("/v1/campaigns/{campaign_id}", method = "GET", method = "HEAD")]
pub async fn get_campaign(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = state.service.readable_campaign(&caller, &path).await?;
    Ok(HttpResponse::Ok().json(CampaignResponse::from(&campaign)))
}

/// Update a campaign
///
/// The admin or the campaign's organizer. Absent fields stay as they are. The factor set and baseline cannot change once
/// trips exist (409), nor can the period shrink past stored trips: a campaign with trips moves onto
/// another factor set only by an explicit rebase (`POST /v1/campaigns/{campaign_id}/rebase`).
#[utoipa::path(
    patch,
    tag = TAG_CAMPAIGNS,
    security(("bearer" = [])),
    params(("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026")),
    request_body(content = CampaignPatch, examples(
        ("new description" = (summary = "Change the description only", value = json!({
            "description": "Two weeks in June: walk, cycle, ride transit, share a car or work from home. 六月两周，绿色出行。"
        }))),
        ("extend by a week" = (summary = "Move the last day a week later", value = json!({
            "ends_on": "2026-06-21"
        })))
    )),
    responses((status = 200, description = "The updated campaign", body = CampaignResponse), UpdateProblems)
)]
#[patch("/v1/campaigns/{campaign_id}")]
pub async fn update_campaign(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    JsonBody(patch): JsonBody<CampaignPatch>,
) -> Result<HttpResponse, ApiError> {
    let updated = state
        .service
        .update_campaign(&caller, &path, patch.into())
        .await?;
    Ok(HttpResponse::Ok().json(CampaignResponse::from(&updated)))
}

/// Enroll an organization
///
/// The admin or the campaign's organizer. Idempotent: enrolling twice changes nothing. An enrolled organization appears on
/// the leaderboard (with zeros until it logs trips) and its keys may log trips into the campaign.
#[utoipa::path(
    put,
    tag = TAG_CAMPAIGNS,
    security(("bearer" = [])),
    params(
        ("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"),
        ("organization_id" = String, Path, description = "Organization id", example = "sunrise-tech"),
    ),
    responses((status = 204, description = "Enrolled"), EnrollProblems)
)]
#[put("/v1/campaigns/{campaign_id}/organizations/{organization_id}")]
pub async fn enroll_organization(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    _: NoBody,
) -> Result<HttpResponse, ApiError> {
    let (campaign_id, organization_id) = path.into_inner();
    state
        .service
        .enroll(&caller, &campaign_id, &organization_id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
