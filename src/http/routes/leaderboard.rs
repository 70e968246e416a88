//! The leaderboard, as JSON and as CSV: every enrolled organization ranked by total or fair
//! figures, filtered by kind and size; read from the rollups like every result.

use actix_web::{route, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::results::{four_decimals, OrganizationRef};
use super::wire::AirAmounts;
use crate::domain::campaign::OrganizationKind;
use crate::domain::distance::km_from_metres;
use crate::http::error::ApiError;
use crate::http::extract::paging::{offset_cursor, offset_of, parse_query};
use crate::http::problems::problems;
use crate::http::{AppState, TAG_RESULTS};
use crate::service::{self, Caller, Ranked};
use crate::store::Totals;

/// The leaderboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct Leaderboard {
    /// Ordered by the sort key descending, ties by organization id ascending.
    pub entries: Vec<LeaderboardEntry>,
    /// Pass as `cursor` for the entries after these (with the same `kind`, `size` and `sort`);
    /// null at the end, and always without `limit`.
    pub next_cursor: Option<String>,
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
    /// Exact sum of the trips' active minutes.
    pub active_minutes: i64,
    /// Exact sums of the trips' tailpipe NOx and exhaust PM2.5 saved (baseline − trip), mg.
    pub air_saved: AirAmounts,
    /// Trips whose air figures count 0 for a leg or baseline without a tailpipe factor.
    pub air_incomplete_trips: i64,
    /// Members, if known.
    pub headcount: Option<i64>,
    /// `participants ÷ headcount`, 4 decimals; null without a headcount.
    #[schema(example = 0.4213)]
    pub participation_rate: Option<f64>,
    /// The mean over its participants of (distinct workdays with a trip saving CO2e ÷ the
    /// campaign's workdays), 4 decimals; 0 without participants.
    #[schema(example = 0.5)]
    pub regularity: f64,
}

/// Leaderboard options.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeaderboardQuery {
    /// Only organizations of this kind.
    pub kind: Option<OrganizationKind>,
    /// Only organizations of this headcount band (organizations without a headcount are in
    /// none).
    pub size: Option<SizeBand>,
    /// `savings` (default), `savings_per_participant`, `participation_rate` or `regularity`
    /// (organizations without a value last).
    pub sort: Option<SortKey>,
    /// At most this many entries (1–1000; default: every enrolled organization).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page. Ranks are recomputed on each request, so a page
    /// continues from a place in the ranking, not from an organization.
    pub cursor: Option<String>,
}

/// What the leaderboard ranks by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// Total saving.
    Savings,
    /// Saving per participant.
    SavingsPerParticipant,
    /// Participants ÷ headcount.
    ParticipationRate,
    /// Share of workdays with a green commute.
    Regularity,
}

/// A headcount band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
pub enum SizeBand {
    /// 1 to 49 members.
    #[serde(rename = "1-49")]
    Small,
    /// 50 to 249.
    #[serde(rename = "50-249")]
    Medium,
    /// 250 to 999.
    #[serde(rename = "250-999")]
    Large,
    /// 1,000 and more.
    #[serde(rename = "1000+")]
    VeryLarge,
}

impl From<Ranked> for LeaderboardEntry {
    fn from(r: Ranked) -> Self {
        let t: Totals = r.standing.totals;
        let headcount = r.standing.headcount;
        Self {
            rank: r.rank,
            organization: r.standing.into(),
            trips: t.trips,
            participants: t.participants,
            distance_km: km_from_metres(t.distance_m),
            co2e_g: t.co2e_g,
            baseline_co2e_g: t.baseline_co2e_g,
            savings_g: t.savings_g,
            savings_per_participant_g: r.savings_per_participant_g,
            active_minutes: t.active_minutes,
            air_saved: t.air_saved.into(),
            air_incomplete_trips: t.air_incomplete_trips,
            headcount,
            participation_rate: r.fairness.participation_rate_x10000.map(four_decimals),
            regularity: four_decimals(r.fairness.regularity_x10000),
        }
    }
}

impl From<LeaderboardQuery> for service::LeaderboardQuery {
    fn from(q: LeaderboardQuery) -> Self {
        Self {
            kind: q.kind,
            size: q.size.map(|band| match band {
                SizeBand::Small => service::SizeBand::Small,
                SizeBand::Medium => service::SizeBand::Medium,
                SizeBand::Large => service::SizeBand::Large,
                SizeBand::VeryLarge => service::SizeBand::VeryLarge,
            }),
            sort: match q.sort.unwrap_or(SortKey::Savings) {
                SortKey::Savings => service::SortKey::Savings,
                SortKey::SavingsPerParticipant => service::SortKey::SavingsPerParticipant,
                SortKey::ParticipationRate => service::SortKey::ParticipationRate,
                SortKey::Regularity => service::SortKey::Regularity,
            },
            limit: q.limit,
            offset: 0,
        }
    }
}

/// A text cell a spreadsheet shows as text: one that would start a formula (`=`, `+`, `-`, `@`,
/// tab or carriage return first) gets a leading `'` (OWASP's CSV-injection advice).
fn as_text_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

problems! {
    LeaderboardProblems {
        401 => "Unknown credentials",
        404 => "No such campaign, or a private one the caller may not read",
        422 => "Bad `kind`, `size`, `sort`, `limit` or `cursor`",
    }
}

async fn leaderboard_page(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    campaign_id: &str,
) -> Result<Leaderboard, ApiError> {
    let query: LeaderboardQuery = parse_query(req)?;
    let offset = offset_of(query.cursor.as_deref())?;
    let page = state
        .service
        .leaderboard(
            caller,
            campaign_id,
            service::LeaderboardQuery {
                offset,
                ..query.into()
            },
        )
        .await?;
    let next_cursor = page
        .more
        .then(|| offset_cursor(offset + page.entries.len()));
    Ok(Leaderboard {
        entries: page.entries.into_iter().map(Into::into).collect(),
        next_cursor,
    })
}

/// Leaderboard
///
/// Every enrolled organization (of `kind`, if given), with zeros where it has no trips, ranked by
/// total saving (`sort=savings`, the default) or saving per participant
/// (`sort=savings_per_participant`), descending; ties by organization id.
#[utoipa::path(
    get,
    tag = TAG_RESULTS,
    security((), ("bearer" = [])),
    params(("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"), LeaderboardQuery),
    responses((status = 200, description = "The leaderboard", body = Leaderboard), LeaderboardProblems)
)]
#[route(
    "/v1/campaigns/{campaign_id}/leaderboard",
    method = "GET",
    method = "HEAD"
)]
pub async fn leaderboard(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(leaderboard_page(&state, &caller, &req, &path).await?))
}

/// Leaderboard as CSV
///
/// The same entries as the JSON leaderboard, one row each under a header row, for spreadsheets;
/// `air_saved` is split into `air_saved_nox_mg` and `air_saved_pm25_mg`.
#[utoipa::path(
    get,
    tag = TAG_RESULTS,
    security((), ("bearer" = [])),
    params(("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"), LeaderboardQuery),
    responses((status = 200, description = "CSV with a header row", body = String, content_type = "text/csv"), LeaderboardProblems)
)]
#[route(
    "/v1/campaigns/{campaign_id}/leaderboard.csv",
    method = "GET",
    method = "HEAD"
)]
pub async fn leaderboard_csv(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let entries = leaderboard_page(&state, &caller, &req, &path)
        .await?
        .entries;
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
            "active_minutes",
            "air_saved_nox_mg",
            "air_saved_pm25_mg",
            "air_incomplete_trips",
            "headcount",
            "participation_rate",
            "regularity",
        ])
        .map_err(ApiError::internal)?;
    for e in &entries {
        writer
            .write_record([
                e.rank.to_string(),
                as_text_cell(&e.organization.id),
                as_text_cell(&e.organization.name),
                e.organization.kind.as_str().to_owned(),
                e.trips.to_string(),
                e.participants.to_string(),
                e.distance_km.to_string(),
                e.co2e_g.to_string(),
                e.baseline_co2e_g.to_string(),
                e.savings_g.to_string(),
                e.savings_per_participant_g.to_string(),
                e.active_minutes.to_string(),
                e.air_saved.nox_mg.to_string(),
                e.air_saved.pm25_mg.to_string(),
                e.air_incomplete_trips.to_string(),
                e.headcount.map(|h| h.to_string()).unwrap_or_default(),
                e.participation_rate
                    .map(|r| r.to_string())
                    .unwrap_or_default(),
                e.regularity.to_string(),
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
