//! Campaign results: the campaign's summary and one organization's (the leaderboard has its own
//! module). Every figure comes from the rollups, so reads grow with organizations, modes and days.

use actix_web::{route, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::wire::AirAmounts;
use crate::domain::campaign::OrganizationKind;
use crate::domain::distance::km_from_metres;
use crate::domain::grams::per_capita;
use crate::http::error::ApiError;
use crate::http::problems::{problems, CampaignReadProblems};
use crate::http::{AppState, TAG_RESULTS};
use crate::service::Caller;
use crate::store::{DayTotals, ModeTotals, Standing};

/// Figures by main mode.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModeFigures {
    /// Main mode (mode of the longest leg).
    #[schema(example = "metro")]
    pub mode: String,
    /// Trips.
    pub trips: i64,
    /// Distance, km.
    pub distance_km: f64,
    /// Grams CO2e.
    pub co2e_g: i64,
    /// Baseline grams.
    pub baseline_co2e_g: i64,
    /// Saving, grams.
    pub savings_g: i64,
    /// Exact sum of the trips' active minutes.
    pub active_minutes: i64,
    /// Exact sums of the trips' tailpipe NOx and exhaust PM2.5 saved (baseline − trip), mg.
    pub air_saved: AirAmounts,
    /// Trips in which a leg or the baseline had no tailpipe factor and counted 0 in `air_saved`.
    pub air_incomplete_trips: i64,
}

/// Figures by organization kind.
#[derive(Debug, Serialize, ToSchema)]
pub struct KindFigures {
    /// The kind.
    pub kind: OrganizationKind,
    /// Enrolled organizations of that kind.
    pub organizations: i64,
    /// Trips.
    pub trips: i64,
    /// Distinct participants.
    pub participants: i64,
    /// Distance, km.
    pub distance_km: f64,
    /// Grams CO2e.
    pub co2e_g: i64,
    /// Saving, grams.
    pub savings_g: i64,
    /// Active minutes.
    pub active_minutes: i64,
    /// Tailpipe NOx and exhaust PM2.5 saved, mg.
    pub air_saved: AirAmounts,
}

/// A campaign's results.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignSummary {
    /// Campaign id.
    pub campaign_id: String,
    /// Stored trips.
    pub trips: i64,
    /// Distinct (organization, participant) pairs with a stored trip.
    pub participants: i64,
    /// Enrolled organizations.
    pub organizations: i64,
    /// Sum of trip distances, km (a round trip counts both ways).
    pub distance_km: f64,
    /// Exact sum of the trips' grams.
    pub co2e_g: i64,
    /// Exact sum of the baselines' grams.
    pub baseline_co2e_g: i64,
    /// Exact sum of the savings, grams.
    pub savings_g: i64,
    /// `savings_g ÷ participants`, rounded half away from zero (0 without participants).
    pub savings_per_participant_g: i64,
    /// Exact sum of the trips' active minutes (walking, cycling and e-bike legs at the factor
    /// set's sourced speed, each leg rounded to the minute).
    #[schema(example = 52_340)]
    pub active_minutes: i64,
    /// `active_minutes ÷ participants ÷ (campaign days ÷ 7)`, rounded half away from zero to one
    /// decimal (0 without participants): to hold against the WHO recommendation of 150–300
    /// minutes of moderate activity a week. It counts logged commutes only, not all activity.
    #[schema(example = 61.4)]
    pub active_minutes_per_participant_week: f64,
    /// The mean over every participant of (distinct workdays with a trip saving CO2e ÷ the
    /// campaign's workdays), 4 decimals (0 without participants).
    #[schema(example = 0.4375)]
    pub regularity: f64,
    /// Exact sums of the trips' tailpipe NOx and exhaust PM2.5 saved (baseline − trip), mg.
    pub air_saved: AirAmounts,
    /// Trips in which a leg or the baseline was in a mode the factor set gives no tailpipe
    /// factor for: it counted 0, so `air_saved` leaves it out.
    #[schema(example = 0)]
    pub air_incomplete_trips: i64,
    /// By main mode; modes without trips left out.
    pub by_mode: Vec<ModeFigures>,
    /// By organization kind; kinds without enrolled organizations left out.
    pub by_organization_kind: Vec<KindFigures>,
}

/// One day of an organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayFigures {
    /// The day.
    #[schema(value_type = String, example = "2026-06-02")]
    pub date: String,
    /// Trips.
    pub trips: i64,
    /// Distance, km.
    pub distance_km: f64,
    /// Grams CO2e.
    pub co2e_g: i64,
    /// Saving, grams.
    pub savings_g: i64,
    /// Active minutes.
    pub active_minutes: i64,
    /// Tailpipe NOx and exhaust PM2.5 saved, mg.
    pub air_saved: AirAmounts,
    /// Trips whose air figures count 0 for a leg or baseline without a tailpipe factor.
    pub air_incomplete_trips: i64,
}

/// One organization's results in a campaign.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationSummary {
    /// Campaign id.
    pub campaign_id: String,
    /// The organization.
    pub organization: OrganizationRef,
    /// Stored trips.
    pub trips: i64,
    /// Distinct participants with a stored trip.
    pub participants: i64,
    /// Always 1.
    pub organizations: i64,
    /// Distance, km.
    pub distance_km: f64,
    /// Grams CO2e.
    pub co2e_g: i64,
    /// Baseline grams.
    pub baseline_co2e_g: i64,
    /// Saving, grams.
    pub savings_g: i64,
    /// `savings_g ÷ participants`, rounded half away from zero.
    pub savings_per_participant_g: i64,
    /// Exact sum of the trips' active minutes.
    pub active_minutes: i64,
    /// `active_minutes ÷ participants ÷ (campaign days ÷ 7)`, one decimal (0 without
    /// participants).
    pub active_minutes_per_participant_week: f64,
    /// Members, if known.
    pub headcount: Option<i64>,
    /// `participants ÷ headcount`, 4 decimals; null without a headcount.
    pub participation_rate: Option<f64>,
    /// The mean over its participants of their share of workdays with a green commute, 4
    /// decimals.
    pub regularity: f64,
    /// Exact sums of the trips' tailpipe NOx and exhaust PM2.5 saved (baseline − trip), mg.
    pub air_saved: AirAmounts,
    /// Trips whose air figures count 0 for a leg or baseline without a tailpipe factor.
    pub air_incomplete_trips: i64,
    /// By main mode; modes without trips left out.
    pub by_mode: Vec<ModeFigures>,
    /// By day, ascending; days without trips left out.
    pub by_day: Vec<DayFigures>,
    /// Participants who joined the organization in this campaign with an invite and log their
    /// own trips.
    pub joined_by_invite: i64,
}

/// An organization as shown in results.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizationRef {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrganizationKind,
}

/// Days as the results show them.
pub fn day_figures(rows: Vec<DayTotals>) -> Vec<DayFigures> {
    rows.into_iter()
        .map(|d| DayFigures {
            date: d.date.to_string(),
            trips: d.totals.trips,
            distance_km: km_from_metres(d.totals.distance_m),
            co2e_g: d.totals.co2e_g,
            savings_g: d.totals.savings_g,
            active_minutes: d.totals.active_minutes,
            air_saved: d.totals.air_saved.into(),
            air_incomplete_trips: d.totals.air_incomplete_trips,
        })
        .collect()
}

/// Main modes as the results show them.
pub fn mode_figures(rows: Vec<ModeTotals>) -> Vec<ModeFigures> {
    rows.into_iter()
        .map(|row| ModeFigures {
            mode: row.mode,
            trips: row.totals.trips,
            distance_km: km_from_metres(row.totals.distance_m),
            co2e_g: row.totals.co2e_g,
            baseline_co2e_g: row.totals.baseline_co2e_g,
            savings_g: row.totals.savings_g,
            active_minutes: row.totals.active_minutes,
            air_saved: row.totals.air_saved.into(),
            air_incomplete_trips: row.totals.air_incomplete_trips,
        })
        .collect()
}

/// Tenths as the one-decimal number they stand for.
pub(super) fn one_decimal(tenths: i64) -> f64 {
    tenths as f64 / 10.0
}

/// A figure held in ten-thousandths, as the number it stands for.
pub(super) fn four_decimals(ten_thousandths: i64) -> f64 {
    ten_thousandths as f64 / 10_000.0
}

impl From<Standing> for OrganizationRef {
    fn from(s: Standing) -> Self {
        Self {
            id: s.organization_id,
            name: s.name,
            kind: s.kind,
        }
    }
}

problems! {
    OrganizationProblems {
        401 => "Unknown credentials",
        404 => "No such campaign (or a private one the caller may not read), or the organization is not enrolled",
    }
}

/// Campaign summary
///
/// Totals, by main mode and by organization kind. Public campaigns are readable by anyone;
/// private ones by the admin and enrolled organizations. Besides CO2e, the co-benefits: active
/// minutes (in total and per participant per week) and tailpipe NOx and exhaust PM2.5 avoided.
#[utoipa::path(
    get,
    tag = TAG_RESULTS,
    security((), ("bearer" = [])),
    params(("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026")),
    responses((status = 200, description = "The summary", body = CampaignSummary), CampaignReadProblems)
)]
#[route("/v1/campaigns/{campaign_id}/summary", method = "GET", method = "HEAD")]
pub async fn campaign_summary(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let results = state.service.campaign_results(&caller, &path).await?;
    let totals = results.totals;
    let summary = CampaignSummary {
        campaign_id: results.campaign.id,
        trips: totals.trips,
        participants: totals.participants,
        organizations: results.organizations,
        distance_km: km_from_metres(totals.distance_m),
        co2e_g: totals.co2e_g,
        baseline_co2e_g: totals.baseline_co2e_g,
        savings_g: totals.savings_g,
        savings_per_participant_g: per_capita(totals.savings_g, totals.participants),
        active_minutes: totals.active_minutes,
        active_minutes_per_participant_week: one_decimal(
            results.active_minutes_per_participant_week_x10,
        ),
        regularity: four_decimals(results.regularity_x10000),
        air_saved: totals.air_saved.into(),
        air_incomplete_trips: totals.air_incomplete_trips,
        by_mode: mode_figures(results.by_mode),
        by_organization_kind: results
            .by_kind
            .into_iter()
            .map(|k| (k.kind, k.organizations, k.totals))
            .map(|(kind, organizations, t)| KindFigures {
                kind,
                organizations,
                trips: t.trips,
                participants: t.participants,
                distance_km: km_from_metres(t.distance_m),
                co2e_g: t.co2e_g,
                savings_g: t.savings_g,
                active_minutes: t.active_minutes,
                air_saved: t.air_saved.into(),
            })
            .collect(),
    };
    Ok(HttpResponse::Ok().json(summary))
}

/// Organization summary
///
/// One enrolled organization's figures in the campaign, with `by_mode` and `by_day`. Readable
/// like the campaign: by anyone for a public campaign.
#[utoipa::path(
    get,
    tag = TAG_RESULTS,
    security((), ("bearer" = [])),
    params(
        ("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"),
        ("organization_id" = String, Path, description = "Organization id", example = "sunrise-tech"),
    ),
    responses((status = 200, description = "The organization's summary", body = OrganizationSummary), OrganizationProblems)
)]
#[route(
    "/v1/campaigns/{campaign_id}/organizations/{organization_id}/summary",
    method = "GET",
    method = "HEAD"
)]
pub async fn organization_summary(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (campaign_id, organization_id) = path.into_inner();
    let results = state
        .service
        .organization_results(&caller, &campaign_id, &organization_id)
        .await?;
    let t = results.standing.totals;
    let headcount = results.standing.headcount;
    Ok(HttpResponse::Ok().json(OrganizationSummary {
        campaign_id: results.campaign.id,
        organization: results.standing.into(),
        trips: t.trips,
        participants: t.participants,
        organizations: 1,
        distance_km: km_from_metres(t.distance_m),
        co2e_g: t.co2e_g,
        baseline_co2e_g: t.baseline_co2e_g,
        savings_g: t.savings_g,
        savings_per_participant_g: per_capita(t.savings_g, t.participants),
        active_minutes: t.active_minutes,
        active_minutes_per_participant_week: one_decimal(
            results.active_minutes_per_participant_week_x10,
        ),
        headcount,
        participation_rate: results
            .fairness
            .participation_rate_x10000
            .map(four_decimals),
        regularity: four_decimals(results.fairness.regularity_x10000),
        air_saved: t.air_saved.into(),
        air_incomplete_trips: t.air_incomplete_trips,
        by_mode: mode_figures(results.by_mode),
        by_day: day_figures(results.by_day),
        joined_by_invite: results.joined_by_invite,
    }))
}
