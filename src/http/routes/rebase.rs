//! Rebasing a campaign onto another factor set, and the campaign's history of rebases.

use actix_web::{post, route, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::wire::{AirAmounts, FactorSetRef};
use crate::domain::cobenefit::AirMg;
use crate::domain::distance::km_from_metres;
use crate::http::error::ApiError;
use crate::http::extract::body::JsonBody;
use crate::http::extract::paging;
use crate::http::problems::problems;
use crate::http::{AppState, TAG_CAMPAIGNS};
use crate::service::{Caller, RebaseRecord, SetRecord, TotalsRecord};

/// The set to move the campaign onto.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "factor_set": "cn-2023" }))]
pub struct RebaseRequest {
    /// Id of a factor set of `GET /v1/factor-sets`; the campaign keeps a snapshot of it.
    #[schema(example = "cn-2023")]
    pub factor_set: String,
}

/// A campaign's totals at one moment (exact sums over its trips).
#[derive(Debug, Serialize, ToSchema)]
pub struct RebaseTotals {
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
    /// Active minutes.
    pub active_minutes: i64,
    /// Tailpipe NOx and exhaust PM2.5 saved, mg.
    pub air_saved: AirAmounts,
}

impl From<&TotalsRecord> for RebaseTotals {
    fn from(t: &TotalsRecord) -> Self {
        Self {
            trips: t.trips,
            participants: t.participants,
            distance_km: km_from_metres(t.distance_m),
            co2e_g: t.co2e_g,
            baseline_co2e_g: t.baseline_co2e_g,
            savings_g: t.savings_g,
            active_minutes: t.active_minutes,
            air_saved: AirMg {
                nox_mg: t.nox_saved_mg,
                pm25_mg: t.pm25_saved_mg,
            }
            .into(),
        }
    }
}

/// One rebase: who moved the campaign from which set to which, when, and its totals before and
/// after.
#[derive(Debug, Serialize, ToSchema)]
pub struct RebaseEntry<'a> {
    /// Campaign id.
    #[schema(example = "beijing-green-week-2026")]
    pub campaign_id: &'a str,
    /// When, RFC 3339 in UTC.
    #[schema(example = "2026-06-20T09:30:00Z")]
    pub at: &'a str,
    /// `admin` or `organizer`.
    #[schema(example = "organizer")]
    pub actor: &'a str,
    /// The organizer's id; null for the admin.
    #[schema(example = "beijing-green-office")]
    pub actor_id: Option<&'a str>,
    /// The set the results were computed with before.
    pub from: FactorSetRef<'a>,
    /// The set they are computed with since.
    pub to: FactorSetRef<'a>,
    /// The campaign's totals before.
    pub before: RebaseTotals,
    /// The campaign's totals after: every trip recomputed under `to`.
    pub after: RebaseTotals,
}

impl<'a> RebaseEntry<'a> {
    fn new(campaign_id: &'a str, r: &'a RebaseRecord) -> Self {
        let set = |s: &'a SetRecord| FactorSetRef {
            id: &s.id,
            version: &s.version,
        };
        Self {
            campaign_id,
            at: &r.at,
            actor: &r.actor,
            actor_id: r.actor_id.as_deref(),
            from: set(&r.detail.from),
            to: set(&r.detail.to),
            before: (&r.detail.before).into(),
            after: (&r.detail.after).into(),
        }
    }
}

/// A page of a campaign's rebases.
#[derive(Debug, Serialize, ToSchema)]
pub struct RebaseHistory<'a> {
    /// Oldest first.
    pub rebases: Vec<RebaseEntry<'a>>,
    /// Pass as `cursor` for the next page; null at the end.
    pub next_cursor: Option<String>,
}

problems! {
    RebaseProblems {
        400 => "Malformed JSON",
        401 => "No or unknown credentials",
        403 => "Not the admin or the campaign's organizer",
        404 => "No such campaign, or a private one the caller may not read",
        409 => "The campaign changed while the rebase was prepared; retry",
        415 => "Not application/json",
        422 => "Unknown factor set; a set without the campaign's region or baseline mode; or trips the set cannot compute (`errors` lists them as `trips/{id}`, the first 100, with `errors_omitted`)",
    }
    HistoryProblems {
        401 => "Unknown credentials",
        404 => "No such campaign, or a private one the caller may not read",
        422 => "Bad `limit` or `cursor`",
    }
}

/// Rebase a campaign onto another factor set
///
/// The admin or the campaign's organizer. A campaign's results never change because a factor
/// file changed; this is the one way they do, explicitly. Every stored trip is recomputed under
/// the new set (as `GET /v1/campaigns/{campaign_id}/compare` shows it), in one transaction with
/// every summary, leaderboard, by-mode, by-day, co-benefit and regularity figure and the
/// campaign's factor set and snapshot: afterwards the results are as if every trip had been
/// logged under the new set, and a crash part-way leaves them as they were. If the set cannot
/// compute some trip, or lacks the campaign's region or baseline mode, nothing changes (422).
/// The rebase is recorded in the campaign's history (`GET /v1/campaigns/{campaign_id}/history`)
/// and its audit trail (`campaign.rebase`) with who did it, when, and the totals before and
/// after. The example re-applies the demo campaign's own set, `cn-2023` (the figures stay the
/// same); `cn-2022` would answer 422 listing the shuttle-bus trips, since it has no `shuttle`.
#[utoipa::path(
    post,
    tag = TAG_CAMPAIGNS,
    security(("bearer" = [])),
    params(("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026")),
    request_body = RebaseRequest,
    responses((status = 200, description = "Rebased: the totals before and after", body = RebaseEntry), RebaseProblems)
)]
#[post("/v1/campaigns/{campaign_id}/rebase")]
pub async fn rebase(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    JsonBody(request): JsonBody<RebaseRequest>,
) -> Result<HttpResponse, ApiError> {
    let rebased = state
        .service
        .rebase(&caller, &path, &request.factor_set)
        .await?;
    Ok(HttpResponse::Ok().json(RebaseEntry::new(&rebased.campaign.id, &rebased.record)))
}

/// A campaign's history of rebases
///
/// Every rebase of the campaign, oldest first: when, who (the admin or the organizer), from
/// which factor set to which, and the campaign's totals before and after. Readable like the
/// campaign's results. A campaign never rebased has an empty history: its results are those of
/// the set it was created with.
#[utoipa::path(
    get,
    tag = TAG_CAMPAIGNS,
    security((), ("bearer" = [])),
    params(("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"), paging::PageQuery),
    responses((status = 200, description = "A page of the campaign's rebases", body = RebaseHistory), HistoryProblems)
)]
#[route("/v1/campaigns/{campaign_id}/history", method = "GET", method = "HEAD")]
pub async fn history(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let page = paging::page(&req)?;
    let after = paging::after_id(&page)?;
    let limit = page.limit;
    let records = state
        .service
        .rebase_history(
            &caller,
            &path,
            after,
            u32::try_from(limit + 1).unwrap_or(u32::MAX),
        )
        .await?;
    let has_more = records.len() > limit;
    let shown = &records[..records.len().min(limit)];
    let next_cursor = has_more
        .then(|| shown.last().map(|r| paging::id_cursor(r.seq)))
        .flatten();
    Ok(HttpResponse::Ok().json(RebaseHistory {
        rebases: shown.iter().map(|r| RebaseEntry::new(&path, r)).collect(),
        next_cursor,
    }))
}
