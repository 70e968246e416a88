//! Campaign results: summary, leaderboard (JSON and CSV), one organization's summary.
//! Every figure comes from the rollups, so reads grow with organizations, modes and days.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::campaign::OrganizationKind;
use crate::domain::distance::km_from_metres;
use crate::domain::grams::per_capita;
use crate::store::{ModeTotals, Standing, Totals};

use super::auth::Caller;
use super::campaigns::readable_campaign;
use super::error::{ApiError, Problem};
use super::paging::parse_query;
use super::{AppState, TAG_RESULTS};

/// Routes of this resource.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        read_only("/v1/campaigns/{campaign_id}/summary").route(super::read().to(campaign_summary)),
    )
    .service(
        read_only("/v1/campaigns/{campaign_id}/leaderboard").route(super::read().to(leaderboard)),
    )
    .service(
        read_only("/v1/campaigns/{campaign_id}/leaderboard.csv")
            .route(super::read().to(leaderboard_csv)),
    )
    .service(
        read_only("/v1/campaigns/{campaign_id}/organizations/{organization_id}/summary")
            .route(super::read().to(organization_summary)),
    );
}

fn read_only(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(super::method_not_allowed("GET, HEAD")))
}

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
    /// By main mode; modes without trips left out.
    pub by_mode: Vec<ModeFigures>,
    /// By day, ascending; days without trips left out.
    pub by_day: Vec<DayFigures>,
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

/// The leaderboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct Leaderboard {
    /// Ordered by the sort key descending, ties by organization id ascending.
    pub entries: Vec<LeaderboardEntry>,
}

/// One organization's place.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderboardEntry {
    /// 1-based position.
    pub rank: usize,
    /// The organization.
    pub organization: OrganizationRef,
    /// Trips.
    pub trips: i64,
    /// Distinct participants.
    pub participants: i64,
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
}

/// Leaderboard options.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeaderboardQuery {
    /// Only organizations of this kind.
    pub kind: Option<OrganizationKind>,
    /// `savings` (default) or `savings_per_participant`.
    pub sort: Option<SortKey>,
    /// At most this many entries (1–1000; default: every enrolled organization).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

/// What the leaderboard ranks by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// Total saving.
    Savings,
    /// Saving per participant.
    SavingsPerParticipant,
}

fn mode_figures(rows: Vec<ModeTotals>) -> Vec<ModeFigures> {
    rows.into_iter()
        .map(|row| ModeFigures {
            mode: row.mode,
            trips: row.totals.trips,
            distance_km: km_from_metres(row.totals.distance_m),
            co2e_g: row.totals.co2e_g,
            baseline_co2e_g: row.totals.baseline_co2e_g,
            savings_g: row.totals.savings_g,
        })
        .collect()
}

fn ranked(standings: Vec<Standing>, query: &LeaderboardQuery) -> Vec<LeaderboardEntry> {
    let sort = query.sort.unwrap_or(SortKey::Savings);
    let mut rows: Vec<(Standing, i64)> = standings
        .into_iter()
        .filter(|s| query.kind.is_none_or(|kind| s.kind == kind))
        .map(|s| {
            let per_participant = per_capita(s.totals.savings_g, s.totals.participants);
            (s, per_participant)
        })
        .collect();
    rows.sort_by(|(a, a_pp), (b, b_pp)| {
        let (a_key, b_key) = match sort {
            SortKey::Savings => (a.totals.savings_g, b.totals.savings_g),
            SortKey::SavingsPerParticipant => (*a_pp, *b_pp),
        };
        b_key
            .cmp(&a_key)
            .then_with(|| a.organization_id.cmp(&b.organization_id))
    });
    rows.into_iter()
        .take(query.limit.unwrap_or(usize::MAX))
        .enumerate()
        .map(|(i, (s, per_participant))| LeaderboardEntry {
            rank: i + 1,
            organization: OrganizationRef {
                id: s.organization_id,
                name: s.name,
                kind: s.kind,
            },
            trips: s.totals.trips,
            participants: s.totals.participants,
            distance_km: km_from_metres(s.totals.distance_m),
            co2e_g: s.totals.co2e_g,
            baseline_co2e_g: s.totals.baseline_co2e_g,
            savings_g: s.totals.savings_g,
            savings_per_participant_g: per_participant,
        })
        .collect()
}

/// Campaign summary
///
/// Totals, by main mode and by organization kind. Public campaigns are readable by anyone;
/// private ones by the admin and enrolled organizations.
#[utoipa::path(
    get,
    path = "/v1/campaigns/{campaign_id}/summary",
    tag = TAG_RESULTS,
    security((), ("bearer" = [])),
    params(("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026")),
    responses(
        (status = 200, description = "The summary", body = CampaignSummary),
        (status = 401, description = "Private campaign, no or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Private campaign, organization not enrolled", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn campaign_summary(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = readable_campaign(&state, &caller, &path).await?;
    let standings = state.store.standings(&campaign.id).await?;
    let by_mode = state.store.mode_totals(&campaign.id, None).await?;
    let mut totals = Totals::default();
    let mut kinds: std::collections::BTreeMap<OrganizationKind, (i64, Totals)> = Default::default();
    for standing in &standings {
        totals.add(&standing.totals);
        let entry = kinds.entry(standing.kind).or_default();
        entry.0 += 1;
        entry.1.add(&standing.totals);
    }
    let summary = CampaignSummary {
        campaign_id: campaign.id,
        trips: totals.trips,
        participants: totals.participants,
        organizations: standings.len() as i64,
        distance_km: km_from_metres(totals.distance_m),
        co2e_g: totals.co2e_g,
        baseline_co2e_g: totals.baseline_co2e_g,
        savings_g: totals.savings_g,
        savings_per_participant_g: per_capita(totals.savings_g, totals.participants),
        by_mode: mode_figures(by_mode),
        by_organization_kind: kinds
            .into_iter()
            .map(|(kind, (organizations, t))| KindFigures {
                kind,
                organizations,
                trips: t.trips,
                participants: t.participants,
                distance_km: km_from_metres(t.distance_m),
                co2e_g: t.co2e_g,
                savings_g: t.savings_g,
            })
            .collect(),
    };
    Ok(HttpResponse::Ok().json(summary))
}

async fn leaderboard_entries(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    campaign_id: &str,
) -> Result<Vec<LeaderboardEntry>, ApiError> {
    let query: LeaderboardQuery = parse_query(req)?;
    if query.limit.is_some_and(|l| !(1..=1000).contains(&l)) {
        return Err(ApiError::invalid("limit", "must be 1 to 1000"));
    }
    let campaign = readable_campaign(state, caller, campaign_id).await?;
    let standings = state.store.standings(&campaign.id).await?;
    Ok(ranked(standings, &query))
}

/// Leaderboard
///
/// Every enrolled organization (of `kind`, if given), with zeros where it has no trips, ranked by
/// total saving (`sort=savings`, the default) or saving per participant
/// (`sort=savings_per_participant`), descending; ties by organization id.
#[utoipa::path(
    get,
    path = "/v1/campaigns/{campaign_id}/leaderboard",
    tag = TAG_RESULTS,
    security((), ("bearer" = [])),
    params(("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"), LeaderboardQuery),
    responses(
        (status = 200, description = "The leaderboard", body = Leaderboard),
        (status = 401, description = "Private campaign, no or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Private campaign, organization not enrolled", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad `kind`, `sort` or `limit`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn leaderboard(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let entries = leaderboard_entries(&state, &caller, &req, &path).await?;
    Ok(HttpResponse::Ok().json(Leaderboard { entries }))
}

/// Leaderboard as CSV
///
/// The same entries as the JSON leaderboard, one row each under a header row, for spreadsheets.
#[utoipa::path(
    get,
    path = "/v1/campaigns/{campaign_id}/leaderboard.csv",
    tag = TAG_RESULTS,
    security((), ("bearer" = [])),
    params(("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"), LeaderboardQuery),
    responses(
        (status = 200, description = "CSV with a header row", body = String, content_type = "text/csv"),
        (status = 401, description = "Private campaign, no or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Private campaign, organization not enrolled", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad `kind`, `sort` or `limit`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn leaderboard_csv(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let entries = leaderboard_entries(&state, &caller, &req, &path).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "rank",
            "organization_id",
            "organization_name",
            "kind",
            "trips",
            "participants",
            "distance_km",
            "co2e_g",
            "baseline_co2e_g",
            "savings_g",
            "savings_per_participant_g",
        ])
        .map_err(ApiError::internal)?;
    for e in &entries {
        writer
            .write_record([
                e.rank.to_string(),
                e.organization.id.clone(),
                e.organization.name.clone(),
                e.organization.kind.as_str().to_owned(),
                e.trips.to_string(),
                e.participants.to_string(),
                e.distance_km.to_string(),
                e.co2e_g.to_string(),
                e.baseline_co2e_g.to_string(),
                e.savings_g.to_string(),
                e.savings_per_participant_g.to_string(),
            ])
            .map_err(ApiError::internal)?;
    }
    let body = writer
        .into_inner()
        .map_err(|e| ApiError::internal(e.into_error()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{}-leaderboard.csv\"", path.as_str()),
        ))
        .body(body))
}

/// Organization summary
///
/// One enrolled organization's figures in the campaign, with `by_mode` and `by_day`. Readable
/// like the campaign: by anyone for a public campaign.
#[utoipa::path(
    get,
    path = "/v1/campaigns/{campaign_id}/organizations/{organization_id}/summary",
    tag = TAG_RESULTS,
    security((), ("bearer" = [])),
    params(
        ("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"),
        ("organization_id" = String, Path, description = "Organization id", example = "sunrise-tech"),
    ),
    responses(
        (status = 200, description = "The organization's summary", body = OrganizationSummary),
        (status = 401, description = "Private campaign, no or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Private campaign, organization not enrolled", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign, or the organization is not enrolled", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn organization_summary(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (campaign_id, organization_id) = path.into_inner();
    let campaign = readable_campaign(&state, &caller, &campaign_id).await?;
    let standing = state
        .store
        .standings(&campaign.id)
        .await?
        .into_iter()
        .find(|s| s.organization_id == organization_id)
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "organization `{}` is not enrolled in campaign `{}`",
                crate::domain::mode::truncate_for_message(&organization_id),
                campaign.id
            ))
        })?;
    let by_mode = state
        .store
        .mode_totals(&campaign.id, Some(&organization_id))
        .await?;
    let by_day = state
        .store
        .day_totals(&campaign.id, Some(&organization_id))
        .await?;
    let t = standing.totals;
    Ok(HttpResponse::Ok().json(OrganizationSummary {
        campaign_id: campaign.id,
        organization: OrganizationRef {
            id: standing.organization_id,
            name: standing.name,
            kind: standing.kind,
        },
        trips: t.trips,
        participants: t.participants,
        organizations: 1,
        distance_km: km_from_metres(t.distance_m),
        co2e_g: t.co2e_g,
        baseline_co2e_g: t.baseline_co2e_g,
        savings_g: t.savings_g,
        savings_per_participant_g: per_capita(t.savings_g, t.participants),
        by_mode: mode_figures(by_mode),
        by_day: by_day
            .into_iter()
            .map(|d| DayFigures {
                date: d.date.to_string(),
                trips: d.totals.trips,
                distance_km: km_from_metres(d.totals.distance_m),
                co2e_g: d.totals.co2e_g,
                savings_g: d.totals.savings_g,
            })
            .collect(),
    }))
}
