//! The HTTP layer: extract → convert to domain types → call → respond. One module per resource.

pub mod auth;
pub mod body;
pub mod campaigns;
pub mod cors;
pub mod error;
pub mod estimate;
pub mod estimate_json;
pub mod factor_sets;
pub mod observe;
pub mod openapi;
pub mod ops;
pub mod organizations;
pub mod paging;
pub mod rate_limit;
pub mod results;
pub mod site;
pub mod trips;
pub mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{web, HttpRequest};

use crate::factors::{Catalogue, FactorSet};
use crate::store::{CampaignRecord, Store};

use error::ApiError;

/// OpenAPI tag of the estimate operations.
pub const TAG_ESTIMATES: &str = "Estimates";
/// OpenAPI tag of the factor-set operations.
pub const TAG_FACTORS: &str = "Factor sets";
/// OpenAPI tag of campaign administration.
pub const TAG_CAMPAIGNS: &str = "Campaigns";
/// OpenAPI tag of organizations and their keys.
pub const TAG_ORGANIZATIONS: &str = "Organizations";
/// OpenAPI tag of trip logging.
pub const TAG_TRIPS: &str = "Trips";
/// OpenAPI tag of campaign results.
pub const TAG_RESULTS: &str = "Results";
/// OpenAPI tag of health, readiness and metrics.
pub const TAG_OPERATIONS: &str = "Operations";

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Factor sets on offer.
    pub catalogue: Arc<Catalogue>,
    /// Campaigns, organizations and trips.
    pub store: Store,
    /// The admin token (never logged).
    pub admin_token: Arc<str>,
    /// Parsed factor-set snapshots by campaign id, with the campaign revision they belong to.
    pub snapshots: Arc<Mutex<SnapshotCache>>,
    /// Per-key limits on trip writes.
    pub write_limits: Arc<rate_limit::RateLimiter>,
    /// Writes estimate answers (the catalogue's sets prepared once).
    pub estimate_writer: Arc<estimate_json::EstimateWriter>,
}

/// Parsed snapshots by campaign id, each with the campaign revision it belongs to.
pub type SnapshotCache = HashMap<String, (i64, Arc<FactorSet>)>;

impl AppState {
    /// The campaign's factor-set snapshot, parsed once per campaign revision.
    pub async fn snapshot(&self, campaign: &CampaignRecord) -> Result<Arc<FactorSet>, ApiError> {
        if let Some((revision, set)) = self.lock_snapshots().get(&campaign.id) {
            if *revision == campaign.revision {
                return Ok(set.clone());
            }
        }
        let json = self.store.campaign_snapshot(&campaign.id).await?;
        let origin = format!("snapshot of campaign `{}`", campaign.id);
        let set = Arc::new(crate::factors::parse(&origin, &json).map_err(ApiError::internal)?);
        self.lock_snapshots()
            .insert(campaign.id.clone(), (campaign.revision, set.clone()));
        Ok(set)
    }

    fn lock_snapshots(&self) -> std::sync::MutexGuard<'_, SnapshotCache> {
        self.snapshots.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The current time, RFC 3339 in UTC, to the second.
pub fn now() -> String {
    let now = jiff::Timestamp::now();
    jiff::Timestamp::from_second(now.as_second())
        .unwrap_or(now)
        .to_string()
}

/// Registers every route of the API.
pub fn configure(cfg: &mut web::ServiceConfig) {
    estimate::configure(cfg);
    factor_sets::configure(cfg);
    campaigns::configure(cfg);
    organizations::configure(cfg);
    trips::configure(cfg);
    results::configure(cfg);
    ops::configure(cfg);
    openapi::configure(cfg);
    site::configure(cfg);
}

/// A route for GET and HEAD (actix sends HEAD answers without their body).
pub fn read() -> actix_web::Route {
    use actix_web::guard;
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// A handler answering 405 with the methods a path does take.
pub fn method_not_allowed(
    allow: &'static str,
) -> impl Fn() -> std::future::Ready<Result<actix_web::HttpResponse, ApiError>> + Clone + 'static {
    move || std::future::ready(Err(ApiError::MethodNotAllowed { allow }))
}

/// The answer for any path this service does not have.
pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "no resource at {}; the API is described at /api-docs/openapi.json",
        crate::domain::mode::truncate_for_message(req.path())
    )))
}
