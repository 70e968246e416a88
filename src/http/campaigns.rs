//! Campaigns and enrollment: admin writes; public campaigns are readable by anyone.

use actix_web::{web, HttpResponse};
use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::domain::campaign::{check_period, is_time_zone, parse_date, Slug};
use crate::domain::estimate::resolve_grid;
use crate::domain::FieldErrors;
use crate::factors::FactorSet;
use crate::store::{CampaignRecord, CampaignUpdate};

use super::auth::Caller;
use super::body::JsonBody;
use super::error::{ApiError, Problem};
use super::estimate::find_set;
use super::wire::FactorSetRef;
use super::{now, AppState, TAG_CAMPAIGNS};

/// Time zone of a campaign that names none: the campaigns are Chinese.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

/// Routes of this resource.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/campaigns")
            .route(super::read().to(list_campaigns))
            .route(web::post().to(create_campaign))
            .default_service(web::to(super::method_not_allowed("GET, HEAD, POST"))),
    )
    .service(
        web::resource("/v1/campaigns/{campaign_id}")
            .route(super::read().to(get_campaign))
            .route(web::patch().to(update_campaign))
            .default_service(web::to(super::method_not_allowed("GET, HEAD, PATCH"))),
    )
    .service(
        web::resource("/v1/campaigns/{campaign_id}/organizations/{organization_id}")
            .route(web::put().to(enroll_organization))
            .default_service(web::to(super::method_not_allowed("PUT"))),
    );
}

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

/// The checked fields of a campaign, before it gets its timestamps.
struct CampaignFields {
    name: String,
    description: String,
    region: Option<String>,
    time_zone: String,
    starts_on: Date,
    ends_on: Date,
    baseline_mode: String,
    public: bool,
}

impl CampaignFields {
    /// The campaign as stored, computed with `set`.
    fn into_record(
        self,
        id: String,
        set: &FactorSet,
        created_at: String,
        updated_at: String,
        revision: i64,
    ) -> CampaignRecord {
        CampaignRecord {
            id,
            name: self.name,
            description: self.description,
            region: self.region,
            time_zone: self.time_zone,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            factor_set_id: set.id().to_owned(),
            factor_set_version: set.version().to_owned(),
            baseline_mode: self.baseline_mode,
            public: self.public,
            created_at,
            updated_at,
            revision,
        }
    }
}

fn check_text(value: &str, field: &str, max: usize, required: bool, errors: &mut FieldErrors) {
    let length = value.chars().count();
    if required && value.trim().is_empty() {
        errors.push(field, "must not be empty");
    } else if length > max {
        errors.push(
            field,
            format!("must be at most {max} characters, got {length}"),
        );
    }
}

fn date(text: &str, field: &str, errors: &mut FieldErrors) -> Option<Date> {
    parse_date(text).map_err(|m| errors.push(field, m)).ok()
}

/// Validates campaign fields against the chosen set; returns the region as its canonical id.
#[allow(clippy::too_many_arguments)]
fn check_campaign(
    set: &FactorSet,
    name: String,
    description: String,
    region: Option<String>,
    time_zone: String,
    starts_on: Option<Date>,
    ends_on: Option<Date>,
    baseline_mode: Option<String>,
    public: bool,
    mut errors: FieldErrors,
) -> Result<CampaignFields, FieldErrors> {
    check_text(&name, "name", 200, true, &mut errors);
    check_text(&description, "description", 2000, false, &mut errors);
    if !is_time_zone(&time_zone) {
        errors.push(
            "time_zone",
            format!(
                "`{}` is not an IANA time zone such as Asia/Shanghai",
                crate::domain::mode::truncate_for_message(&time_zone)
            ),
        );
    }
    if let (Some(starts_on), Some(ends_on)) = (starts_on, ends_on) {
        if let Err(message) = check_period(starts_on, ends_on) {
            errors.push("ends_on", message);
        }
    }
    let region = match region {
        None => None,
        Some(name) if set.grid_regions().is_empty() => {
            check_text(&name, "region", 100, true, &mut errors);
            Some(name)
        }
        Some(name) => match resolve_grid(set, Some(&name)) {
            Ok(grid) => grid.map(|g| g.id.clone()),
            Err(message) => {
                errors.push("region", message);
                None
            }
        },
    };
    let baseline_mode =
        baseline_mode.unwrap_or_else(|| set.default_baseline_mode().mode.as_str().to_owned());
    if set.mode(&baseline_mode).is_none() {
        errors.push(
            "baseline_mode",
            format!(
                "unknown mode `{}` in factor set `{}`",
                crate::domain::mode::truncate_for_message(&baseline_mode),
                set.id()
            ),
        );
    }
    match (errors.is_empty(), starts_on, ends_on) {
        (true, Some(starts_on), Some(ends_on)) => Ok(CampaignFields {
            name,
            description,
            region,
            time_zone,
            starts_on,
            ends_on,
            baseline_mode,
            public,
        }),
        _ => Err(errors),
    }
}

/// Create a campaign
///
/// Admin only. The campaign keeps a snapshot of its factor set, so its results never change when
/// factor files change. Organizations are then enrolled with `PUT
/// /v1/campaigns/{campaign_id}/organizations/{organization_id}`. The example creates a second
/// campaign beside the demo one (`beijing-green-week-2026`); a second try answers 409.
#[utoipa::path(
    post,
    path = "/v1/campaigns",
    tag = TAG_CAMPAIGNS,
    security(("bearer" = [])),
    request_body = CampaignCreate,
    responses(
        (status = 201, description = "Created", body = CampaignResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The id is taken", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_campaign(
    state: web::Data<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<CampaignCreate>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let mut errors = FieldErrors::default();
    if let Err(message) = Slug::try_from(request.id.as_str()) {
        errors.push("id", message);
    }
    let starts_on = date(&request.starts_on, "starts_on", &mut errors);
    let ends_on = date(&request.ends_on, "ends_on", &mut errors);
    let set = find_set(
        &state.catalogue,
        request.factor_set.as_deref(),
        "factor_set",
    )?;
    let fields = check_campaign(
        set,
        request.name,
        request.description,
        request.region,
        request
            .time_zone
            .unwrap_or_else(|| DEFAULT_TIME_ZONE.into()),
        starts_on,
        ends_on,
        request.baseline_mode,
        request.public.unwrap_or(true),
        errors,
    )?;
    let now = now();
    let record = fields.into_record(request.id, set, now.clone(), now, 1);
    let snapshot = serde_json::to_string(set.file()).map_err(ApiError::internal)?;
    state
        .store
        .create_campaign(record.clone(), snapshot)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/campaigns/{}", record.id)))
        .json(CampaignResponse::from(&record)))
}

/// List campaigns
///
/// Anyone sees the public campaigns; an organization also sees the private ones it is enrolled
/// in; the admin sees all. No credentials needed.
#[utoipa::path(
    get,
    path = "/v1/campaigns",
    tag = TAG_CAMPAIGNS,
    security((), ("bearer" = [])),
    params(super::paging::PageQuery),
    responses(
        (status = 200, description = "Campaigns visible to the caller, by id", body = CampaignList),
        (status = 401, description = "Unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_campaigns(
    state: web::Data<AppState>,
    caller: Caller,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let page = super::paging::page(&req)?;
    let all = state.store.list_campaigns().await?;
    let enrolled = match caller.organization_id() {
        Some(organization) => state.store.enrolled_campaigns(organization).await?,
        None => Vec::new(),
    };
    let visible = all
        .iter()
        .filter(|c| c.public || caller == Caller::Admin || enrolled.contains(&c.id));
    let (shown, next_cursor) = super::paging::by_key(visible, |c| c.id.as_str(), &page)?;
    let campaigns = shown.into_iter().map(CampaignResponse::from).collect();
    Ok(HttpResponse::Ok().json(CampaignList {
        campaigns,
        next_cursor,
    }))
}

/// Loads a campaign the caller may read: public, or private for the admin and enrolled organizations.
pub async fn readable_campaign(
    state: &AppState,
    caller: &Caller,
    campaign_id: &str,
) -> Result<CampaignRecord, ApiError> {
    let campaign = state.store.get_campaign(campaign_id).await?;
    if campaign.public || *caller == Caller::Admin {
        return Ok(campaign);
    }
    match caller.organization_id() {
        None => Err(ApiError::Unauthorized(
            "this campaign is private: use the admin token or an enrolled organization's key"
                .into(),
        )),
        Some(organization) => {
            if state.store.is_enrolled(campaign_id, organization).await? {
                Ok(campaign)
            } else {
                Err(ApiError::Forbidden(
                    "this campaign is private and your organization is not enrolled in it".into(),
                ))
            }
        }
    }
}

/// Read a campaign
///
/// Public campaigns are readable by anyone, without credentials; private ones by the admin and
/// enrolled organizations.
#[utoipa::path(
    get,
    path = "/v1/campaigns/{campaign_id}",
    tag = TAG_CAMPAIGNS,
    security((), ("bearer" = [])),
    params(("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026")),
    responses(
        (status = 200, description = "The campaign", body = CampaignResponse),
        (status = 401, description = "Private campaign, no or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Private campaign, organization not enrolled", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_campaign(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = readable_campaign(&state, &caller, &path).await?;
    Ok(HttpResponse::Ok().json(CampaignResponse::from(&campaign)))
}

/// Update a campaign
///
/// Admin only. Absent fields stay as they are. The factor set and baseline cannot change once
/// trips exist (409), nor can the period shrink past stored trips.
#[utoipa::path(
    patch,
    path = "/v1/campaigns/{campaign_id}",
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
    responses(
        (status = 200, description = "The updated campaign", body = CampaignResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Factor set or baseline change after trips were logged", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_campaign(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    JsonBody(patch): JsonBody<CampaignPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let current = state.store.get_campaign(&path).await?;
    let mut errors = FieldErrors::default();
    let starts_on = match &patch.starts_on {
        Some(text) => date(text, "starts_on", &mut errors),
        None => Some(current.starts_on),
    };
    let ends_on = match &patch.ends_on {
        Some(text) => date(text, "ends_on", &mut errors),
        None => Some(current.ends_on),
    };
    let set_changes = patch
        .factor_set
        .as_deref()
        .is_some_and(|id| id != current.factor_set_id);
    let new_set = if set_changes {
        Some(find_set(
            &state.catalogue,
            patch.factor_set.as_deref(),
            "factor_set",
        )?)
    } else {
        None
    };
    let snapshot_set;
    let set: &FactorSet = match new_set {
        Some(set) => set,
        None => {
            snapshot_set = state.snapshot(&current).await?;
            &snapshot_set
        }
    };
    let baseline_mode = patch.baseline_mode.clone().or_else(|| {
        // A new set keeps the old baseline only if it defines that mode.
        (!set_changes || set.mode(&current.baseline_mode).is_some())
            .then(|| current.baseline_mode.clone())
    });
    let fields = check_campaign(
        set,
        patch.name.unwrap_or_else(|| current.name.clone()),
        patch
            .description
            .unwrap_or_else(|| current.description.clone()),
        patch.region.unwrap_or_else(|| current.region.clone()),
        patch.time_zone.unwrap_or_else(|| current.time_zone.clone()),
        starts_on,
        ends_on,
        baseline_mode,
        patch.public.unwrap_or(current.public),
        errors,
    )?;
    let updated = fields.into_record(
        current.id.clone(),
        set,
        current.created_at.clone(),
        now(),
        current.revision + 1,
    );
    let snapshot = match new_set {
        Some(set) => Some(serde_json::to_string(set.file()).map_err(ApiError::internal)?),
        None => None,
    };
    state
        .store
        .update_campaign(CampaignUpdate {
            campaign: updated.clone(),
            snapshot,
            expected_revision: current.revision,
        })
        .await?;
    Ok(HttpResponse::Ok().json(CampaignResponse::from(&updated)))
}

/// Enroll an organization
///
/// Admin only. Idempotent: enrolling twice changes nothing. An enrolled organization appears on
/// the leaderboard (with zeros until it logs trips) and its keys may log trips into the campaign.
#[utoipa::path(
    put,
    path = "/v1/campaigns/{campaign_id}/organizations/{organization_id}",
    tag = TAG_CAMPAIGNS,
    security(("bearer" = [])),
    params(
        ("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"),
        ("organization_id" = String, Path, description = "Organization id", example = "sunrise-tech"),
    ),
    responses(
        (status = 204, description = "Enrolled"),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign or organization", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn enroll_organization(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let (campaign_id, organization_id) = path.into_inner();
    state.store.get_campaign(&campaign_id).await?;
    state.store.get_organization(&organization_id).await?;
    state
        .store
        .enroll(&campaign_id, &organization_id, now())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
