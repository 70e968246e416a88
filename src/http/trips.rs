//! Logging commutes (organization keys), listing and deleting them.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;

use crate::domain::campaign::{parse_date, Direction, Participant};
use crate::domain::estimate::resolve_grid;
use crate::domain::trip::{compute, ComputedTrip, TripDetail, TripInput};
use crate::domain::{FieldError, FieldErrors};
use crate::factors::FactorSet;
use crate::store::{CampaignRecord, LoggedTrip, StoredTrip, TripBatch, TripQuery};

use super::auth::Caller;
use super::body::{media_type, parse_json, MediaType, RawBody};
use super::error::{ApiError, Problem};
use super::estimate::{BaselineRequest, EstimateRequest, LegRequest};
use super::wire::WholeNumber;
use super::{now, paging, AppState, TAG_TRIPS};

/// The most trips one request may log.
pub const MAX_TRIPS_PER_REQUEST: usize = 10_000;

/// Routes of this resource.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/campaigns/{campaign_id}/trips")
            .route(web::post().to(log_trips))
            .route(super::read().to(list_trips))
            .default_service(web::to(super::method_not_allowed("GET, HEAD, POST"))),
    )
    .service(
        web::resource("/v1/campaigns/{campaign_id}/trips/{trip_id}")
            .route(web::delete().to(delete_trip))
            .default_service(web::to(super::method_not_allowed("DELETE"))),
    );
}

/// Commutes to log.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "trips": [
    { "participant": "emp-0001", "date": "2026-06-02", "direction": "to_work", "mode": "metro", "distance_km": 12.5 },
    { "participant": "emp-0002", "date": "2026-06-02", "direction": "round_trip",
      "legs": [{ "mode": "bicycle", "distance_km": 1.2 }, { "mode": "bus", "distance_km": 6.8 }],
      "baseline": { "mode": "car_petrol" } },
    { "participant": "emp-0003", "date": "2026-06-02", "direction": "to_work", "mode": "car", "distance_km": 18.0, "passengers": 3 }
]}))]
pub struct TripLogRequest {
    /// 1 to 10,000 trips.
    #[schema(value_type = Vec<TripRequest>, min_items = 1, max_items = 10000)]
    pub trips: Vec<Box<RawValue>>,
}

/// One commute: who, when, which way, and the legs as in an estimate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TripRequest {
    /// The organization's own pseudonymous id for the member (1–64 characters; no personal data needed).
    #[schema(example = "emp-0001", min_length = 1, max_length = 64)]
    pub participant: String,
    /// Day of the commute, `YYYY-MM-DD` in the campaign's time zone, within the campaign.
    #[schema(example = "2026-06-02", format = Date)]
    pub date: String,
    /// `to_work`, `from_work` or `round_trip` (takes both directions, doubles distances).
    pub direction: Direction,
    /// Mode of a single-mode trip (or give `legs`).
    #[schema(example = "metro")]
    pub mode: Option<String>,
    /// One-way distance of a single-mode trip, km.
    #[schema(example = 12.5)]
    pub distance_km: Option<f64>,
    /// Travellers sharing a per-vehicle mode (1–9).
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 9)]
    pub passengers: Option<WholeNumber>,
    /// 1–10 legs.
    pub legs: Option<Vec<LegRequest>>,
    /// The participant's usual mode; default: the campaign's baseline over the trip's distance.
    pub baseline: Option<BaselineRequest>,
}

/// The outcome of a logging request.
#[derive(Debug, Serialize, ToSchema)]
pub struct TripLogResponse {
    /// Trips newly stored.
    pub accepted: usize,
    /// Trips already stored (not counted again).
    pub duplicates: usize,
    /// One entry per trip, in request order.
    pub trips: Vec<LoggedTripResponse>,
}

/// One logged trip.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoggedTripResponse {
    /// Trip id (of the stored trip, for a duplicate).
    pub id: i64,
    /// Participant.
    pub participant: String,
    /// Date.
    #[schema(value_type = String, example = "2026-06-02")]
    pub date: String,
    /// Direction of the stored trip.
    pub direction: Direction,
    /// The trip's grams.
    pub co2e_g: i64,
    /// The baseline's grams.
    pub baseline_co2e_g: i64,
    /// `baseline_co2e_g − co2e_g`.
    pub savings_g: i64,
    /// True when this commute was already stored: the values shown are the stored ones and nothing was counted again.
    pub duplicate: bool,
}

impl From<LoggedTrip> for LoggedTripResponse {
    fn from(t: LoggedTrip) -> Self {
        Self {
            id: t.id,
            participant: t.participant,
            date: t.date.to_string(),
            direction: t.direction,
            co2e_g: t.co2e_g,
            baseline_co2e_g: t.baseline_co2e_g,
            savings_g: t.savings_g,
            duplicate: t.duplicate,
        }
    }
}

/// A stored trip.
#[derive(Debug, Serialize, ToSchema)]
pub struct TripResponse {
    /// Trip id.
    pub id: i64,
    /// The organization that logged it.
    pub organization_id: String,
    /// Participant.
    pub participant: String,
    /// Date.
    #[schema(value_type = String, example = "2026-06-02")]
    pub date: String,
    /// Direction.
    pub direction: Direction,
    /// Mode of the longest leg.
    pub main_mode: String,
    /// Distance travelled, km.
    pub distance_km: f64,
    /// The trip's grams.
    pub co2e_g: i64,
    /// The baseline's grams.
    pub baseline_co2e_g: i64,
    /// Saving in grams.
    pub savings_g: i64,
    /// The legs, baseline and factors the trip was computed with.
    pub detail: TripDetail,
    /// RFC 3339, UTC.
    pub created_at: String,
}

impl TryFrom<StoredTrip> for TripResponse {
    type Error = ApiError;

    fn try_from(t: StoredTrip) -> Result<Self, ApiError> {
        Ok(Self {
            id: t.id,
            organization_id: t.organization_id,
            participant: t.participant,
            date: t.date.to_string(),
            direction: t.direction,
            main_mode: t.main_mode,
            distance_km: crate::domain::distance::km_from_metres(t.distance_m),
            co2e_g: t.co2e_g,
            baseline_co2e_g: t.baseline_co2e_g,
            savings_g: t.savings_g,
            detail: serde_json::from_str(&t.detail).map_err(ApiError::internal)?,
            created_at: t.created_at,
        })
    }
}

/// A page of trips.
#[derive(Debug, Serialize, ToSchema)]
pub struct TripPage {
    /// Trips in id order.
    pub trips: Vec<TripResponse>,
    /// Pass as `cursor` for the next page; null at the end.
    pub next_cursor: Option<String>,
}

/// Turns parsed requests into computed trips, or every bad field of every row.
fn compute_all(
    campaign: &CampaignRecord,
    set: &FactorSet,
    rows: Rows,
) -> Result<Vec<ComputedTrip>, ApiError> {
    let grid = resolve_grid(set, campaign.region.as_deref()).map_err(|m| {
        ApiError::Conflict(format!("the campaign's region cannot be resolved: {m}"))
    })?;
    let mut errors = FieldErrors::default();
    let mut computed = Vec::with_capacity(rows.len());
    for (place, row) in rows {
        // The row's path prefix is built only when the row is wrong.
        let prefix = || place.prefix();
        let request = match row {
            Ok(request) => request,
            Err(ApiError::Invalid(row_errors)) => {
                errors.extend_under(&prefix(), row_errors);
                continue;
            }
            Err(ApiError::Malformed { detail, .. }) => {
                errors.0.push(FieldError::new(prefix(), detail));
                continue;
            }
            Err(other) => return Err(other),
        };
        match trip_input(campaign, request) {
            Ok(input) => match compute(set, grid, &campaign.baseline_mode, input) {
                Ok(trip) => computed.push(trip),
                Err(trip_errors) => errors.extend_under(&prefix(), trip_errors),
            },
            Err(trip_errors) => errors.extend_under(&prefix(), trip_errors),
        }
    }
    errors.into_result(computed).map_err(ApiError::Invalid)
}

fn trip_input(campaign: &CampaignRecord, request: TripRequest) -> Result<TripInput, FieldErrors> {
    let mut errors = FieldErrors::default();
    let participant = Participant::try_from(request.participant.as_str())
        .map_err(|m| errors.push("participant", m))
        .ok();
    let date = match parse_date(&request.date) {
        Ok(date) if date < campaign.starts_on || date > campaign.ends_on => {
            errors.push(
                "date",
                format!(
                    "{date} is outside the campaign ({} to {})",
                    campaign.starts_on, campaign.ends_on
                ),
            );
            None
        }
        Ok(date) => Some(date),
        Err(message) => {
            errors.push("date", message);
            None
        }
    };
    let estimate = EstimateRequest {
        mode: request.mode,
        distance_km: request.distance_km,
        passengers: request.passengers,
        legs: request.legs,
        baseline: request.baseline,
        ..EstimateRequest::default()
    };
    let plan = estimate.into_plan().map_err(|e| errors.0.extend(e.0)).ok();
    match (participant, date, plan) {
        (Some(participant), Some(date), Some(plan)) if errors.is_empty() => Ok(TripInput {
            participant,
            date,
            direction: request.direction,
            plan,
        }),
        _ => Err(errors),
    }
}

/// Parses a JSON body into rows, each parsed on its own so that every bad row is reported.
/// Each row of a request, located (`trips[3]`, `line 4`), parsed or with why it is not.
type Rows = Vec<(Place, Result<TripRequest, ApiError>)>;

/// Where a row stands in the request.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// Index in the JSON `trips` array.
    Trip(usize),
    /// Line of the CSV body (the header is line 1).
    Line(u64),
}

impl Place {
    /// The path prefix of the row's fields: `trips[3]` or `line 4`.
    fn prefix(self) -> String {
        match self {
            Self::Trip(i) => format!("trips[{i}]"),
            Self::Line(line) => format!("line {line}"),
        }
    }
}

fn json_rows(body: &[u8]) -> Result<Rows, ApiError> {
    let request: TripLogRequest = parse_json(body)?;
    check_count(request.trips.len())?;
    Ok(request
        .trips
        .iter()
        .enumerate()
        .map(|(i, raw)| (Place::Trip(i), parse_json(raw.get().as_bytes())))
        .collect())
}

fn check_count(count: usize) -> Result<(), ApiError> {
    if count == 0 || count > MAX_TRIPS_PER_REQUEST {
        return Err(ApiError::invalid(
            "trips",
            format!("must hold 1 to {MAX_TRIPS_PER_REQUEST} trips, got {count}"),
        ));
    }
    Ok(())
}

/// CSV columns, in any order: the first five are required.
const CSV_COLUMNS: [&str; 7] = [
    "participant",
    "date",
    "direction",
    "mode",
    "distance_km",
    "passengers",
    "baseline_mode",
];

/// Parses a CSV body (header row first) into rows; errors name the CSV line and column.
fn csv_rows(body: &[u8]) -> Result<Rows, ApiError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(body);
    let headers = reader.headers().map_err(|e| csv_malformed(&e))?.clone();
    let mut column = [None; CSV_COLUMNS.len()];
    let mut errors = FieldErrors::default();
    for (index, name) in headers.iter().enumerate() {
        let name = name.trim_start_matches('\u{feff}');
        match CSV_COLUMNS.iter().position(|c| *c == name) {
            Some(known) if column[known].is_none() => column[known] = Some(index),
            Some(_) => errors.push("line 1", format!("column `{name}` appears twice")),
            None => errors.push(
                "line 1",
                format!(
                    "unknown column `{}`; columns are {}",
                    crate::domain::mode::truncate_for_message(name),
                    CSV_COLUMNS.join(",")
                ),
            ),
        }
    }
    for (i, name) in CSV_COLUMNS.iter().enumerate().take(5) {
        if column[i].is_none() {
            errors.push(
                "line 1",
                format!("the header row must name the column `{name}`"),
            );
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_malformed(&e))?;
        let line = record.position().map_or(0, |p| p.line());

        let cell = |i: usize| {
            column[i]
                .and_then(|c| record.get(c))
                .filter(|v| !v.is_empty())
        };
        rows.push((Place::Line(line), csv_row(&cell)));
        if rows.len() > MAX_TRIPS_PER_REQUEST {
            break;
        }
    }
    check_count(rows.len())?;
    Ok(rows)
}

fn csv_row<'a>(cell: &dyn Fn(usize) -> Option<&'a str>) -> Result<TripRequest, ApiError> {
    let mut errors = FieldErrors::default();
    let direction = match cell(2) {
        Some(text) => Direction::parse(text)
            .ok_or_else(|| errors.push("direction", "must be to_work, from_work or round_trip"))
            .ok(),
        None => {
            errors.push("direction", "is required");
            None
        }
    };
    let mut number = |i: usize, name: &str| -> Option<f64> {
        cell(i).and_then(|text| {
            text.parse::<f64>()
                .map_err(|_| errors.push(name, format!("`{text}` is not a number")))
                .ok()
        })
    };
    let distance_km = number(4, "distance_km");
    let passengers = number(5, "passengers");
    let passengers = match passengers {
        Some(p) if p.fract() == 0.0 && p.abs() < 1e9 => Some(WholeNumber(p as i64)),
        Some(_) => {
            errors.push("passengers", "must be a whole number");
            None
        }
        None => None,
    };
    for (i, name) in [
        (0, "participant"),
        (1, "date"),
        (3, "mode"),
        (4, "distance_km"),
    ] {
        if cell(i).is_none() {
            errors.push(name, "is required");
        }
    }
    match direction {
        Some(direction) if errors.is_empty() => Ok(TripRequest {
            participant: cell(0).unwrap_or_default().to_owned(),
            date: cell(1).unwrap_or_default().to_owned(),
            direction,
            mode: cell(3).map(str::to_owned),
            distance_km,
            passengers,
            legs: None,
            baseline: cell(6).map(|mode| BaselineRequest {
                mode: mode.to_owned(),
                distance_km: None,
                passengers: None,
            }),
        }),
        _ => Err(ApiError::Invalid(errors)),
    }
}

fn csv_malformed(error: &csv::Error) -> ApiError {
    let line = error.position().map_or(0, |p| p.line());
    ApiError::Malformed {
        detail: format!("the CSV body cannot be read at line {line}: {error}"),
        errors: vec![FieldError::new(format!("line {line}"), error.to_string())],
    }
}

/// Log commutes
///
/// With an organization key. Up to 10,000 trips as JSON, or as `text/csv` with a header row
/// naming `participant,date,direction,mode,distance_km` and optionally `passengers,baseline_mode`
/// (one single-leg trip per row; errors name the CSV line). The batch is atomic: if any trip is
/// invalid nothing is stored and the 422 lists every bad row. One trip per (organization,
/// participant, date, direction), a round trip taking both directions: a trip already stored comes
/// back with `duplicate: true` and its stored values and is not counted again, so retries are safe.
/// A 201 means the trips are durably stored.
#[utoipa::path(
    post,
    path = "/v1/campaigns/{campaign_id}/trips",
    tag = TAG_TRIPS,
    security(("bearer" = [])),
    params(("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026")),
    request_body(description = "Trips as JSON, or as CSV with a header row", content(
        (TripLogRequest = "application/json"),
        (String = "text/csv", example = "participant,date,direction,mode,distance_km,passengers,baseline_mode\nemp-0001,2026-06-02,to_work,metro,12.5,,\nemp-0003,2026-06-02,round_trip,car,18,3,car\n"),
    )),
    responses(
        (status = 201, description = "Stored (or already stored: `duplicate: true`)", body = TripLogResponse),
        (status = 400, description = "Malformed JSON or CSV", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The admin token, or an organization not enrolled in the campaign", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor CSV", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid trips: every bad row is listed (`trips[3].date`, `line 4.distance_km`); nothing was stored", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many writes with this key; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u64, description = "Seconds until a retry may succeed"))),
    )
)]
pub async fn log_trips(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    RawBody(body): RawBody,
) -> Result<HttpResponse, ApiError> {
    let organization_id = caller.require_organization()?.to_owned();
    caller.limit_writes(&state)?;
    let campaign = state.store.get_campaign(&path).await?;
    if !state
        .store
        .is_enrolled(&campaign.id, &organization_id)
        .await?
    {
        return Err(ApiError::Forbidden(format!(
            "organization `{organization_id}` is not enrolled in campaign `{}`",
            campaign.id
        )));
    }
    let rows = match media_type(&req, &[MediaType::Json, MediaType::Csv])? {
        MediaType::Json => json_rows(&body)?,
        MediaType::Csv => csv_rows(&body)?,
    };
    let set = state.snapshot(&campaign).await?;
    let trips = compute_all(&campaign, &set, rows)?;
    let logged = state
        .store
        .log_trips(TripBatch {
            campaign_id: campaign.id,
            organization_id,
            trips,
            created_at: now(),
        })
        .await?;
    let duplicates = logged.iter().filter(|t| t.duplicate).count();
    Ok(HttpResponse::Created().json(TripLogResponse {
        accepted: logged.len() - duplicates,
        duplicates,
        trips: logged.into_iter().map(Into::into).collect(),
    }))
}

/// List trips
///
/// An organization key lists its own trips; the admin lists all. Paginated in id order: pass
/// `next_cursor` as `cursor` for the next page. Each trip keeps the factors it was computed with.
#[utoipa::path(
    get,
    path = "/v1/campaigns/{campaign_id}/trips",
    tag = TAG_TRIPS,
    security(("bearer" = [])),
    params(("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"), paging::PageQuery),
    responses(
        (status = 200, description = "A page of trips", body = TripPage),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Organization not enrolled in the campaign", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_trips(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require_any()?;
    let page = paging::page(&req)?;
    let after_id = paging::after_id(&page)?;
    let limit = page.limit;
    let campaign = state.store.get_campaign(&path).await?;
    let organization_id = caller.organization_id().map(str::to_owned);
    if let Some(organization) = &organization_id {
        if !state.store.is_enrolled(&campaign.id, organization).await? {
            return Err(ApiError::Forbidden(format!(
                "organization `{organization}` is not enrolled in campaign `{}`",
                campaign.id
            )));
        }
    }
    let stored = state
        .store
        .list_trips(TripQuery {
            campaign_id: campaign.id,
            organization_id,
            after_id,
            limit: u32::try_from(limit + 1).unwrap_or(u32::MAX),
        })
        .await?;
    let has_more = stored.len() > limit;
    let trips: Vec<TripResponse> = stored
        .into_iter()
        .take(limit)
        .map(TripResponse::try_from)
        .collect::<Result<_, _>>()?;
    let next_cursor = has_more
        .then(|| trips.last().map(|t| paging::id_cursor(t.id)))
        .flatten();
    Ok(HttpResponse::Ok().json(TripPage { trips, next_cursor }))
}

/// Delete a trip
///
/// An organization deletes its own trips; the admin any. Aggregates follow at once. In the demo,
/// trip 1 is one of `sunrise-tech`'s; once deleted, it is a 404.
#[utoipa::path(
    delete,
    path = "/v1/campaigns/{campaign_id}/trips/{trip_id}",
    tag = TAG_TRIPS,
    security(("bearer" = [])),
    params(
        ("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"),
        ("trip_id" = i64, Path, description = "Trip id", example = 1),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such trip (or another organization's)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many writes with this key; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u64, description = "Seconds until a retry may succeed"))),
    )
)]
pub async fn delete_trip(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require_any()?;
    caller.limit_writes(&state)?;
    let (campaign_id, trip_id) = path.into_inner();
    let trip_id: i64 = trip_id.parse().map_err(|_| {
        ApiError::NotFound(format!(
            "no trip `{}`",
            crate::domain::mode::truncate_for_message(&trip_id)
        ))
    })?;
    state
        .store
        .delete_trip(&campaign_id, trip_id, caller.organization_id())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
