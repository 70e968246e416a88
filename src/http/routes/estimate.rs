//! `POST /v1/estimate` and `POST /v1/estimate/batch`: no account needed.

use actix_web::body::MessageBody;
use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;

use super::wire::{AirAmounts, FactorSetRef, RawItems, WholeNumber};
use crate::calculator::{Estimate, LegOutcome};
use crate::domain::distance::km_from_metres;
use crate::domain::grams::g_per_km_from_ug;
use crate::domain::plan::{
    checked_distance, checked_passengers, BaselineSpec, LegSpec, TripPlan, MAX_LEGS,
};
use crate::domain::FieldErrors;
use crate::factors::{FactorSet, LabelFile, Quality};
use crate::http::answer_block;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::body::JsonBody;
use crate::http::problems::problems;
use crate::http::{AppState, TAG_ESTIMATES};
use crate::service::ServiceError;

/// The most trips one batch request may carry.
pub const MAX_BATCH_TRIPS: usize = 10_000;

/// A trip to estimate: either `mode` + `distance_km` (+ `passengers`), or `legs`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "factor_set": "cn-2022",
    "region": "CN-BJ",
    "legs": [
        { "mode": "bicycle", "distance_km": 2.0 },
        { "mode": "metro", "distance_km": 9.0 }
    ],
    "round_trip": false,
    "baseline": { "mode": "car" }
}))]
pub struct EstimateRequest {
    /// Factor-set id (`GET /v1/factor-sets`); the default set when absent.
    #[schema(example = "cn-2022")]
    pub factor_set: Option<String>,
    /// Grid region for electric modes (id or name, e.g. `CN-BJ`, `北京`, `north`), for sets with grid regions; the set's default grid when absent.
    #[schema(example = "CN-BJ")]
    pub region: Option<String>,
    /// Mode of a single-mode trip (use `legs` for several).
    #[schema(example = "metro", pattern = "^[a-z][a-z0-9_]{0,31}$")]
    pub mode: Option<String>,
    /// One-way distance of a single-mode trip, km (finite, > 0, at most the mode's limit).
    #[schema(example = 9.0)]
    pub distance_km: Option<f64>,
    /// Travellers sharing the vehicle of a single per-vehicle mode (1–9, default 1).
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 9, example = 1)]
    pub passengers: Option<WholeNumber>,
    /// 1–10 legs in travel order.
    #[schema(max_items = 10, min_items = 1)]
    pub legs: Option<Vec<LegRequest>>,
    /// Out and back: doubles every distance, the baseline's too. Default false.
    #[schema(example = false)]
    pub round_trip: Option<bool>,
    /// What the trip is compared with; default: the set's `default_baseline_mode` over the trip's total distance.
    pub baseline: Option<BaselineRequest>,
}

/// One leg of a trip.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegRequest {
    /// Mode id (`walk`, `bicycle`, `metro`, `car`, …).
    #[schema(example = "metro", pattern = "^[a-z][a-z0-9_]{0,31}$")]
    pub mode: String,
    /// One-way distance in km (finite, > 0, at most the mode's limit).
    #[schema(example = 9.0)]
    pub distance_km: f64,
    /// Travellers sharing the vehicle, per-vehicle modes only (1–9, default 1).
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 9)]
    pub passengers: Option<WholeNumber>,
}

/// The baseline a trip is compared with.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BaselineRequest {
    /// Baseline mode, e.g. the participant's usual mode.
    #[schema(example = "car", pattern = "^[a-z][a-z0-9_]{0,31}$")]
    pub mode: String,
    /// One-way baseline distance in km; default: the trip's total distance.
    pub distance_km: Option<f64>,
    /// Travellers sharing the baseline vehicle (per-vehicle modes only; default 1).
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 9)]
    pub passengers: Option<WholeNumber>,
}

/// A batch of trips to estimate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "trips": [
    { "mode": "bus", "distance_km": 6.5 },
    { "mode": "car", "distance_km": 12.0, "passengers": 3 },
    { "legs": [{ "mode": "walk", "distance_km": 0.8 }, { "mode": "metro", "distance_km": 14.2 }], "round_trip": true }
]}))]
pub struct BatchRequest {
    /// 1 to 10,000 estimate requests.
    /// Each item has the shape of an estimate request; an item that does not comes back as its own error.
    #[schema(value_type = Vec<Value>, min_items = 1, max_items = 10000)]
    pub trips: RawItems<MAX_BATCH_TRIPS>,
}

/// The result of one estimate.
#[derive(Debug, Serialize, ToSchema)]
pub struct EstimateResponse<'a> {
    /// The factor set used.
    pub factor_set: FactorSetRef<'a>,
    /// The grid region whose factor the set's electric modes used (sets with grid regions only).
    pub grid_region: Option<GridRegionUsed<'a>>,
    /// Total distance travelled in km (doubled for a round trip), exact to the metre.
    #[schema(example = 11.0)]
    pub distance_km: f64,
    /// The trip's CO2e in whole grams: the exact sum of its legs.
    #[schema(example = 298)]
    pub co2e_g: i64,
    /// The baseline and its CO2e.
    pub baseline: BaselineResponse<'a>,
    /// `baseline.co2e_g − co2e_g`, whole grams; negative when the trip emits more than its baseline.
    #[schema(example = 1698)]
    pub savings_g: i64,
    /// Minutes of physical activity: the sum over legs in an active mode (walking, cycling,
    /// e-bike: modes with `active` in the factor set) of `distance_km ÷ speed_kmh × 60`, each leg
    /// rounded half away from zero to the minute (a round trip doubles the distance first).
    #[schema(example = 9)]
    pub active_minutes: i64,
    /// The trip's tailpipe NOx and exhaust PM2.5, whole mg: the exact sum of its legs. A leg in a
    /// mode without `air` factors counts 0 (see `air_complete`).
    pub air: AirAmounts,
    /// `baseline.air − air` per pollutant, whole mg; negative when the trip emits more.
    pub air_saved: AirAmounts,
    /// False when a leg or the baseline is in a mode for which the set gives no tailpipe factors:
    /// it counted 0, so `air` and `air_saved` leave it out.
    #[schema(example = true)]
    pub air_complete: bool,
    /// Each leg, in request order.
    pub legs: Vec<LegResponse<'a>>,
}

/// A grid region and its factor.
#[derive(Debug, Serialize, ToSchema)]
pub struct GridRegionUsed<'a> {
    /// Region id.
    #[schema(example = "CN-BJ")]
    pub id: &'a str,
    /// Names in English and Chinese.
    pub name: &'a LabelFile,
    /// Grams CO2 per kWh applied (the region's own, or inherited from its regional grid or the national average).
    #[schema(example = 558.0)]
    pub co2e_g_per_kwh: f64,
    /// Region whose published factor that is.
    #[schema(example = "CN-BJ")]
    pub factor_from: &'a str,
}

/// A computed leg.
#[derive(Debug, Serialize, ToSchema)]
pub struct LegResponse<'a> {
    /// Mode id.
    #[schema(example = "metro")]
    pub mode: &'a str,
    /// Distance in km (doubled for a round trip).
    #[schema(example = 9.0)]
    pub distance_km: f64,
    /// Travellers sharing the vehicle (per-vehicle modes); null for per-passenger modes.
    #[schema(example = json!(null))]
    pub passengers: Option<u8>,
    /// Factor applied, grams CO2e per km of its basis (µg precision).
    #[schema(example = 30.258)]
    pub co2e_g_per_km: f64,
    /// `passenger_km` or `vehicle_km`.
    #[schema(example = "passenger_km")]
    pub basis: &'static str,
    /// This traveller's CO2e in whole grams (rounded half away from zero).
    #[schema(example = 272)]
    pub co2e_g: i64,
    /// Whole active minutes (rounded half away from zero) in a mode with `active` parameters;
    /// null for other modes.
    #[schema(example = json!(null))]
    pub active_minutes: Option<i64>,
    /// This traveller's tailpipe NOx and exhaust PM2.5 in whole mg (rounded half away from zero,
    /// per-vehicle factors divided by `passengers`); null when the set gives the mode no `air`
    /// factors (the leg counts 0 in the trip's `air`).
    pub air: Option<AirAmounts>,
    /// Id of the factor's source: its title, publisher and address are in the set's `sources`
    /// (`GET /v1/factor-sets/{id}`).
    #[schema(example = "chen-2022")]
    pub source: &'a str,
    /// `published`, `derived` or `proxy`.
    pub quality: Quality,
}

/// The computed baseline.
#[derive(Debug, Serialize, ToSchema)]
pub struct BaselineResponse<'a> {
    /// Baseline mode.
    #[schema(example = "car")]
    pub mode: &'a str,
    /// Baseline distance in km (doubled for a round trip).
    #[schema(example = 11.0)]
    pub distance_km: f64,
    /// Travellers sharing the baseline vehicle (per-vehicle modes); null otherwise.
    pub passengers: Option<u8>,
    /// Factor applied, grams CO2e per km of its basis.
    pub co2e_g_per_km: f64,
    /// Baseline CO2e in whole grams.
    #[schema(example = 1996)]
    pub co2e_g: i64,
    /// The baseline's tailpipe NOx and exhaust PM2.5, whole mg (0 when its mode has no `air`
    /// factors; see `air_complete`).
    pub air: AirAmounts,
    /// Id of the factor's source.
    pub source: &'a str,
}

/// The batch result: one item per trip, in request order.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResponse<'a> {
    /// Each item is an estimate or `{ "error": <problem> }`.
    pub results: Vec<BatchItem<'a>>,
}

/// An estimate, or why that trip could not be estimated.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum BatchItem<'a> {
    /// The estimate.
    Estimate(EstimateResponse<'a>),
    /// The failure of this trip alone.
    Failed(BatchError),
}

/// A failed batch item.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchError {
    /// Why, with field paths starting at `trips[i]`.
    pub error: Problem,
}

/// Passengers sent as a JSON number, checked at `field`.
fn whole(
    count: Option<WholeNumber>,
    field: impl FnOnce() -> String,
    errors: &mut FieldErrors,
) -> Option<crate::domain::Passengers> {
    checked_passengers(count.map(|WholeNumber(n)| n), field, errors)
}

impl EstimateRequest {
    /// The requested set, region and trip plan (or every invalid field of the trip). Takes the
    /// request apart so the names move, not copy.
    pub fn into_parts(
        mut self,
    ) -> (
        Option<String>,
        Option<String>,
        Result<TripPlan, FieldErrors>,
    ) {
        let (factor_set, region) = (self.factor_set.take(), self.region.take());
        (factor_set, region, self.into_plan())
    }

    /// The trip plan, or every invalid field. Takes the request apart so the names move, not copy.
    pub fn into_plan(self) -> Result<TripPlan, FieldErrors> {
        let mut errors = FieldErrors::default();
        let legs = match (self.mode, self.legs) {
            (Some(_), Some(_)) => {
                errors.push(
                    "legs",
                    "give either `mode` and `distance_km`, or `legs`, not both",
                );
                Vec::new()
            }
            (None, None) => {
                errors.push("mode", "is required (or give `legs`)");
                Vec::new()
            }
            (Some(mode), None) => {
                let distance = match self.distance_km {
                    Some(km) => checked_distance(km, || "distance_km".into(), &mut errors),
                    None => {
                        errors.push("distance_km", "is required with `mode`");
                        None
                    }
                };
                let passengers = whole(self.passengers, || "passengers".into(), &mut errors);
                distance
                    .map(|distance| LegSpec {
                        mode,
                        distance,
                        passengers,
                        index: None,
                    })
                    .into_iter()
                    .collect()
            }
            (None, Some(legs)) => {
                if self.distance_km.is_some() {
                    errors.push("distance_km", "goes inside each leg when `legs` is given");
                }
                if self.passengers.is_some() {
                    errors.push("passengers", "goes inside each leg when `legs` is given");
                }
                if legs.is_empty() || legs.len() > MAX_LEGS {
                    errors.push(
                        "legs",
                        format!("must have 1 to {MAX_LEGS} legs, got {}", legs.len()),
                    );
                }
                legs.into_iter()
                    .enumerate()
                    .filter_map(|(i, leg)| {
                        let distance = checked_distance(
                            leg.distance_km,
                            || format!("legs[{i}].distance_km"),
                            &mut errors,
                        );
                        let passengers = whole(
                            leg.passengers,
                            || format!("legs[{i}].passengers"),
                            &mut errors,
                        );
                        distance.map(|distance| LegSpec {
                            mode: leg.mode,
                            distance,
                            passengers,
                            index: Some(i),
                        })
                    })
                    .collect()
            }
        };
        let baseline = match self.baseline {
            None => BaselineSpec::default(),
            Some(baseline) => BaselineSpec {
                mode: Some(baseline.mode),
                distance: baseline.distance_km.and_then(|km| {
                    checked_distance(km, || "baseline.distance_km".into(), &mut errors)
                }),
                passengers: whole(
                    baseline.passengers,
                    || "baseline.passengers".into(),
                    &mut errors,
                ),
            },
        };
        errors.into_result(TripPlan {
            legs,
            round_trip: self.round_trip.unwrap_or(false),
            baseline,
        })
    }
}

impl<'a> EstimateResponse<'a> {
    /// The wire form of an estimate, as serde writes it; [`super::estimate_json::EstimateWriter`] writes the same bytes
    /// faster, and its tests compare the two.
    pub fn new(set: &'a FactorSet, estimate: &Estimate<'a>) -> Self {
        let baseline = &estimate.baseline;
        Self {
            factor_set: FactorSetRef {
                id: set.id(),
                version: set.version(),
            },
            grid_region: estimate.grid.map(|grid| GridRegionUsed {
                id: &grid.id,
                name: &grid.name,
                co2e_g_per_kwh: grid.co2e_g_per_kwh,
                factor_from: &set.grid_regions()[grid.factor_from].id,
            }),
            distance_km: km_from_metres(estimate.distance_m),
            co2e_g: estimate.co2e_g,
            baseline: BaselineResponse {
                mode: baseline.factor.mode.as_str(),
                distance_km: km_from_metres(baseline.distance_m),
                passengers: baseline.passengers,
                co2e_g_per_km: g_per_km_from_ug(baseline.ug_per_km),
                co2e_g: baseline.co2e_g,
                air: estimate.baseline_air.into(),
                source: &set.mode_file(baseline.factor).source,
            },
            savings_g: estimate.savings_g,
            active_minutes: estimate.active_minutes,
            air: estimate.air.into(),
            air_saved: estimate.air_saved.into(),
            air_complete: estimate.air_complete,
            legs: estimate
                .legs
                .iter()
                .map(|leg| LegResponse::new(set, leg))
                .collect(),
        }
    }
}

impl<'a> LegResponse<'a> {
    fn new(set: &'a FactorSet, leg: &LegOutcome<'a>) -> Self {
        let file = set.mode_file(leg.factor);
        Self {
            mode: leg.factor.mode.as_str(),
            distance_km: km_from_metres(leg.distance_m),
            passengers: leg.passengers,
            co2e_g_per_km: g_per_km_from_ug(leg.ug_per_km),
            basis: leg.factor.basis.as_str(),
            co2e_g: leg.co2e_g,
            active_minutes: leg.active_minutes,
            air: leg.air.map(Into::into),
            source: &file.source,
            quality: file.quality,
        }
    }
}

problems! {
    EstimateProblems {
        400 => "Malformed JSON",
        413 => "Body too large",
        415 => "Not application/json",
        422 => "Invalid trip: unknown mode, factor set or region, implausible distance, passengers on a per-passenger mode, unknown field",
    }
    BatchProblems {
        400 => "Malformed JSON",
        413 => "Body too large",
        415 => "Not application/json",
        422 => "`trips` missing, empty or longer than 10,000",
    }
}

/// Estimate one trip
///
/// Computes the CO2e of a single- or multi-leg trip, its baseline and the saving. Every leg names
/// its factor and source. Amounts are whole grams, each leg rounded half away from zero; totals are
/// exact sums. `round_trip` doubles every distance (the baseline's too); per-vehicle factors (cars,
/// motorcycle) are divided by `passengers`. Co-benefits follow the same rules: `active_minutes`
/// for walking, cycling and e-bike legs at the set's sourced speed, and tailpipe NOx and exhaust
/// PM2.5 in whole mg for the trip, its baseline and the difference (`air_saved`).
#[utoipa::path(
    post,
    tag = TAG_ESTIMATES,
    request_body(content = EstimateRequest, examples(
        ("cycle and metro" = (summary = "2 km by bicycle, then 9 km by metro, versus driving", value = json!({
            "legs": [{ "mode": "bicycle", "distance_km": 2.0 }, { "mode": "metro", "distance_km": 9.0 }]
        }))),
        ("car-pool round trip" = (summary = "Three colleagues share a petrol car, there and back", value = json!({
            "mode": "car_petrol", "distance_km": 15.0, "passengers": 3, "round_trip": true
        }))),
        ("UK, versus usual mode" = (summary = "DESNZ 2025: 10 km by Underground instead of the usual bus", value = json!({
            "factor_set": "uk-desnz-2025", "mode": "metro", "distance_km": 10.0, "baseline": { "mode": "bus" }
        }))),
        ("electric car in Beijing" = (summary = "Grid-derived factor for the Beijing grid", value = json!({
            "region": "CN-BJ", "mode": "car_electric", "distance_km": 20.0
        })))
    )),
    responses((status = 200, description = "The estimate", body = EstimateResponse), EstimateProblems)
)]
#[post("/v1/estimate")]
pub async fn estimate_one(
    state: web::Data<AppState>,
    req: HttpRequest,
    JsonBody(request): JsonBody<EstimateRequest>,
) -> Result<HttpResponse, ApiError> {
    state.clients.limit_estimate(&req)?;
    let (set_id, region, plan) = request.into_parts();
    let (set, estimate) = state
        .service
        .estimate(set_id.as_deref(), region.as_deref(), plan)?;
    Ok(json_body(answer_block::write(|out| {
        state.estimate_writer.write(out, set, &estimate)
    })))
}

/// Estimate many trips
///
/// Up to 10,000 trips in one request, answered in request order. Each item is an estimate or
/// `{ "error": <problem> }` for that trip alone: one bad item never fails the others.
#[utoipa::path(
    post,
    tag = TAG_ESTIMATES,
    request_body = BatchRequest,
    responses(
        (status = 200, description = "One result per trip, in request order", body = BatchResponse),
        BatchProblems
    )
)]
#[post("/v1/estimate/batch")]
pub async fn estimate_batch(
    state: web::Data<AppState>,
    req: HttpRequest,
    JsonBody(request): JsonBody<BatchRequest>,
) -> Result<HttpResponse, ApiError> {
    state.clients.limit_estimate(&req)?;
    let count = request.trips.0.len();
    if count == 0 || count > MAX_BATCH_TRIPS {
        return Err(ApiError::invalid(
            "trips",
            format!("must hold 1 to {MAX_BATCH_TRIPS} trips, got {count}"),
        ));
    }
    let mut body = Vec::with_capacity(count * 900);
    body.extend_from_slice(b"{\"results\":[");
    for (i, raw) in request.trips.0.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        let estimated = parse_item(raw).and_then(|item| {
            let (set_id, region, plan) = item.into_parts();
            state
                .service
                .estimate(set_id.as_deref(), region.as_deref(), plan)
                .map_err(ApiError::from)
        });
        match estimated {
            Ok((set, estimate)) => state.estimate_writer.write(&mut body, set, &estimate),
            Err(error) => {
                let failed = BatchError {
                    error: locate(error, &format!("trips[{i}]")).problem(),
                };
                serde_json::to_writer(&mut body, &failed).map_err(ApiError::internal)?;
            }
        }
    }
    body.extend_from_slice(b"]}");
    Ok(json_body(body))
}

/// A 200 answer carrying JSON already written.
fn json_body(body: impl MessageBody + 'static) -> HttpResponse {
    // A static header value: no copy of the media type per answer.
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json"),
        ))
        .body(body)
}

fn parse_item(raw: &RawValue) -> Result<EstimateRequest, ApiError> {
    crate::http::extract::body::parse_json(raw.get().as_bytes())
}

/// Places an item's field errors under its position in the batch.
fn locate(error: ApiError, prefix: &str) -> ApiError {
    match error {
        ApiError::Service(ServiceError::Invalid(errors)) => {
            let mut located = FieldErrors::default();
            located.extend_under(prefix, errors);
            located.into()
        }
        other => other,
    }
}
