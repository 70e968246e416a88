//! `GET /v1/network/summary`: the network's totals over its public campaigns.

use actix_web::{route, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::campaigns::OrganizerRef;
use crate::domain::distance::km_from_metres;
use crate::http::error::ApiError;
use crate::http::problems::problems;
use crate::http::{AppState, TAG_NETWORK};
use crate::service::{Caller, NetworkCampaign, NetworkRegion};

/// One public campaign's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkCampaignFigures<'a> {
    /// Campaign id (its page is `/campaigns/{id}`).
    pub id: &'a str,
    /// Name.
    pub name: &'a str,
    /// Grid region id, or null.
    pub region: Option<&'a str>,
    /// The organizer that runs it; null for the admin's campaigns.
    pub organizer: Option<OrganizerRef<'a>>,
    /// First day.
    #[schema(value_type = String, example = "2026-06-01")]
    pub starts_on: String,
    /// Last day.
    #[schema(value_type = String, example = "2026-06-14")]
    pub ends_on: String,
    /// Trips.
    pub trips: i64,
    /// Distinct (organization, participant) pairs with a trip.
    pub participants: i64,
    /// Enrolled organizations.
    pub organizations: i64,
    /// Saving, grams.
    pub savings_g: i64,
}

/// One region's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkRegionFigures<'a> {
    /// Grid region id; null for campaigns without one.
    pub region: Option<&'a str>,
    /// Public campaigns in the region.
    pub campaigns: i64,
    /// Trips.
    pub trips: i64,
    /// Saving, grams.
    pub savings_g: i64,
}

/// The network's totals over every public campaign.
#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkSummaryResponse<'a> {
    /// Public campaigns.
    pub campaigns: i64,
    /// Trips.
    pub trips: i64,
    /// Participants, summed over campaigns.
    pub participants: i64,
    /// Distinct organizations enrolled in a public campaign.
    pub organizations: i64,
    /// Distance, km.
    pub distance_km: f64,
    /// Saving, grams (exact sum).
    pub savings_g: i64,
    /// By start date.
    pub by_campaign: Vec<NetworkCampaignFigures<'a>>,
    /// By region id, campaigns without a region last.
    pub by_region: Vec<NetworkRegionFigures<'a>>,
}

impl<'a> From<&'a NetworkCampaign> for NetworkCampaignFigures<'a> {
    fn from(n: &'a NetworkCampaign) -> Self {
        let c = &n.campaign;
        Self {
            id: &c.id,
            name: &c.name,
            region: c.region.as_deref(),
            organizer: c
                .organizer_id
                .as_deref()
                .zip(c.organizer_name.as_deref())
                .map(|(id, name)| OrganizerRef { id, name }),
            starts_on: c.starts_on.to_string(),
            ends_on: c.ends_on.to_string(),
            trips: n.totals.trips,
            participants: n.totals.participants,
            organizations: n.organizations,
            savings_g: n.totals.savings_g,
        }
    }
}

impl<'a> From<&'a NetworkRegion> for NetworkRegionFigures<'a> {
    fn from(r: &'a NetworkRegion) -> Self {
        Self {
            region: r.region.as_deref(),
            campaigns: r.campaigns,
            trips: r.totals.trips,
            savings_g: r.totals.savings_g,
        }
    }
}

problems! {
    NetworkProblems {
        401 => "Unknown credentials",
    }
}

/// The network's totals
///
/// Anyone: every public campaign of the network, with totals, by campaign (on a timeline) and
/// by region. The page `/network` shows them.
#[utoipa::path(
    get,
    tag = TAG_NETWORK,
    security((), ("bearer" = [])),
    responses((status = 200, description = "The network's totals", body = NetworkSummaryResponse), NetworkProblems)
)]
#[route("/v1/network/summary", method = "GET", method = "HEAD")]
pub async fn network_summary(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let summary = state.service.network_summary(&caller).await?;
    Ok(HttpResponse::Ok().json(NetworkSummaryResponse {
        campaigns: summary.campaigns,
        trips: summary.totals.trips,
        participants: summary.totals.participants,
        organizations: summary.organizations,
        distance_km: km_from_metres(summary.totals.distance_m),
        savings_g: summary.totals.savings_g,
        by_campaign: summary.by_campaign.iter().map(Into::into).collect(),
        by_region: summary.by_region.iter().map(Into::into).collect(),
    }))
}
