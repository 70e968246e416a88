//! What-if: a campaign's stored results beside the same trips recomputed under another factor
//! set (`api.md`, "What-if: a campaign under another factor set"). Nothing stored changes.

use actix_web::{route, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::results::OrganizationRef;
use super::wire::FactorSetRef;
use crate::http::error::ApiError;
use crate::http::extract::paging::parse_query;
use crate::http::problems::problems;
use crate::http::{AppState, TAG_RESULTS};
use crate::service::{Caller, Comparison, Pair, Side};

/// One side of a comparison: the computable trips' sums under one set.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComparedTotals<'a> {
    /// The set.
    pub factor_set: FactorSetRef<'a>,
    /// The grid region that set's electric modes use for this campaign (the campaign's region
    /// where the set has it, else the set's default); null for a set without grid regions.
    #[schema(example = "CN-BJ")]
    pub region: Option<&'a str>,
    /// Trips summed: the computable ones, the same on both sides.
    #[schema(example = 3_120)]
    pub trips: i64,
    /// Exact sum of the trips' grams.
    #[schema(example = 1_204_336)]
    pub co2e_g: i64,
    /// Exact sum of the baselines' grams.
    #[schema(example = 9_817_020)]
    pub baseline_co2e_g: i64,
    /// Exact sum of the savings, grams.
    #[schema(example = 8_612_684)]
    pub savings_g: i64,
}

/// An organization's saving both ways.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationDelta {
    /// The organization.
    pub organization: OrganizationRef,
    /// Its computable trips.
    pub trips: i64,
    /// Saving as stored, grams.
    pub stored_savings_g: i64,
    /// Saving under the other set, grams.
    pub recomputed_savings_g: i64,
    /// `recomputed_savings_g − stored_savings_g`.
    #[schema(example = -41_220)]
    pub delta_g: i64,
}

/// A main mode's saving both ways.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModeDelta {
    /// Main mode (mode of the longest leg).
    #[schema(example = "metro")]
    pub mode: String,
    /// Computable trips with that main mode.
    pub trips: i64,
    /// Saving as stored, grams.
    pub stored_savings_g: i64,
    /// Saving under the other set, grams.
    pub recomputed_savings_g: i64,
    /// `recomputed_savings_g − stored_savings_g`.
    pub delta_g: i64,
}

/// Trips sharing one reason the other set cannot compute them.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotComputableReason {
    /// Why, the same text for every trip with that cause.
    #[schema(example = "mode `shuttle` is not in factor set `cn-2022`")]
    pub reason: String,
    /// How many trips.
    #[schema(example = 96)]
    pub trips: i64,
}

/// Trips the other set cannot compute: left out of both sides.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotComputable {
    /// How many.
    #[schema(example = 96)]
    pub trips: i64,
    /// By reason, most trips first.
    pub reasons: Vec<NotComputableReason>,
}

/// A campaign under another factor set.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComparisonResponse<'a> {
    /// Campaign id.
    #[schema(example = "beijing-green-week-2026")]
    pub campaign_id: &'a str,
    /// The computable trips as stored, under the campaign's set.
    pub stored: ComparedTotals<'a>,
    /// The same trips recomputed under the other set.
    pub recomputed: ComparedTotals<'a>,
    /// Every enrolled organization, by id (zeros without computable trips).
    pub by_organization: Vec<OrganizationDelta>,
    /// By main mode, modes without computable trips left out.
    pub by_mode: Vec<ModeDelta>,
    /// Trips the other set cannot compute.
    pub not_computable: NotComputable,
}

/// Which set to compare with.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompareQuery {
    factor_set: Option<String>,
}

impl<'a> ComparisonResponse<'a> {
    fn new(c: &'a Comparison) -> Self {
        let side = |set: FactorSetRef<'a>, region: Option<&'a str>, s: Side| ComparedTotals {
            factor_set: set,
            region,
            trips: s.trips,
            co2e_g: s.co2e_g,
            baseline_co2e_g: s.baseline_co2e_g,
            savings_g: s.savings_g,
        };
        let delta = |p: &Pair| p.recomputed.savings_g - p.stored.savings_g;
        Self {
            campaign_id: &c.campaign.id,
            stored: side(
                FactorSetRef {
                    id: &c.campaign.factor_set_id,
                    version: &c.campaign.factor_set_version,
                },
                c.campaign.region.as_deref(),
                c.total.stored,
            ),
            recomputed: side(
                FactorSetRef {
                    id: c.other.id(),
                    version: c.other.version(),
                },
                c.other_region.as_deref(),
                c.total.recomputed,
            ),
            by_organization: c
                .by_organization
                .iter()
                .map(|o| OrganizationDelta {
                    organization: OrganizationRef {
                        id: o.id.clone(),
                        name: o.name.clone(),
                        kind: o.kind,
                    },
                    trips: o.pair.stored.trips,
                    stored_savings_g: o.pair.stored.savings_g,
                    recomputed_savings_g: o.pair.recomputed.savings_g,
                    delta_g: delta(&o.pair),
                })
                .collect(),
            by_mode: c
                .by_mode
                .iter()
                .map(|(mode, pair)| ModeDelta {
                    mode: mode.clone(),
                    trips: pair.stored.trips,
                    stored_savings_g: pair.stored.savings_g,
                    recomputed_savings_g: pair.recomputed.savings_g,
                    delta_g: delta(pair),
                })
                .collect(),
            not_computable: NotComputable {
                trips: c.not_computable,
                reasons: c
                    .reasons
                    .iter()
                    .map(|(reason, trips)| NotComputableReason {
                        reason: reason.clone(),
                        trips: *trips,
                    })
                    .collect(),
            },
        }
    }
}

problems! {
    CompareProblems {
        401 => "Unknown credentials",
        404 => "No such campaign, or a private one the caller may not read",
        422 => "`factor_set` missing or not a factor set of GET /v1/factor-sets, or an unknown query parameter",
        429 => "Too many estimates and comparisons from this address (when the estimate limit is configured)",
    }
}

/// Compare with another factor set
///
/// What-if: every stored trip of the campaign recomputed under another factor set, from its
/// stored legs, passengers, round trip and baseline, with the same rules and rounding as
/// logging; electric modes use the campaign's region where the other set has it, else that
/// set's default. Trips the other set cannot compute (a mode it lacks) are counted in
/// `not_computable` and left out of both sides, so that every `delta_g` compares like with like.
/// Nothing stored changes: to move the campaign onto the other set, rebase it (`POST
/// /v1/campaigns/{campaign_id}/rebase`), whose new totals are this `recomputed` when every trip
/// is computable. Readable like the campaign's results; an unknown `factor_set` is a 422 naming
/// `factor_set`. A comparison recomputes every trip, so it counts against the per-address
/// estimate limit when one is configured. In the demo campaign (on `cn-2023`), `cn-2022` leaves out the shuttle-bus
/// trips: cn-2022 has no `shuttle` mode.
#[utoipa::path(
    get,
    tag = TAG_RESULTS,
    security((), ("bearer" = [])),
    params(
        ("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"),
        ("factor_set" = String, Query, description = "Id of the set to recompute the campaign under (`GET /v1/factor-sets`)", example = "cn-2022"),
    ),
    responses((status = 200, description = "Stored and recomputed results", body = ComparisonResponse), CompareProblems)
)]
#[route("/v1/campaigns/{campaign_id}/compare", method = "GET", method = "HEAD")]
pub async fn compare(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let query: CompareQuery = parse_query(&req)?;
    state.clients.limit_estimate(&req)?;
    let comparison = state
        .service
        .compare(&caller, &path, query.factor_set.as_deref())
        .await?;
    Ok(HttpResponse::Ok().json(ComparisonResponse::new(&comparison)))
}
