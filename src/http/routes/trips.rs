//! Logging commutes (organization keys), listing and deleting them.

use actix_web::{delete, post, route, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::{IntoParams, ToSchema};

use super::estimate::{BaselineRequest, EstimateRequest, LegRequest};
use super::wire::{AirAmounts, RawItems, WholeNumber};
use crate::domain::campaign::Direction;
use crate::domain::cobenefit::TripCoBenefits;
use crate::domain::plan::TripPlan;
use crate::domain::trip::{TripDetail, TripFields};
use crate::domain::{FieldError, FieldErrors};
use crate::http::error::ApiError;
use crate::http::extract::body::{charset, media_type, parse_json, MediaType, RawBody};
use crate::http::extract::paging;
use crate::http::extract::paging::parse_query;
use crate::http::problems::problems;
use crate::http::{AppState, TAG_TRIPS};
use crate::import;
use crate::service::ServiceError;
use crate::service::{check_row_count, Caller, Place, TripLog, TripRow, MAX_TRIPS_PER_REQUEST};
use crate::store::{LoggedTrip, StoredTrip};

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
    pub trips: RawItems<MAX_TRIPS_PER_REQUEST>,
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
    /// Trips newly stored (in a dry run: that would be).
    pub accepted: usize,
    /// Trips already stored (not counted again).
    pub duplicates: usize,
    /// One entry per trip, in request order.
    pub trips: Vec<LoggedTripResponse>,
    /// Spreadsheet uploads only: header names of the columns that are not trip fields (a name,
    /// a department), ignored and never stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored_columns: Option<Vec<String>>,
    /// Present and true for a dry run: everything was checked and computed, nothing stored
    /// (trips that would be new have id 0).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
}

/// Options of a trip upload.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// Check and compute everything, store nothing: 200 with the body a 201 would have, plus
    /// `"dry_run": true`.
    pub dry_run: Option<bool>,
    /// The worksheet of an XLSX or XLS upload to read (default: the first).
    pub sheet: Option<String>,
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
    /// Active minutes of the trip's walking, cycling and e-bike legs.
    pub active_minutes: i64,
    /// The trip's tailpipe NOx and exhaust PM2.5, whole mg.
    pub air: AirAmounts,
    /// The baseline's grams and tailpipe pollutants.
    pub baseline: TripBaseline,
    /// `baseline.air − air`, whole mg.
    pub air_saved: AirAmounts,
    /// False when a leg or the baseline had no tailpipe factor and counted 0.
    pub air_complete: bool,
    /// True when this commute was already stored: the values shown are the stored ones and nothing was counted again.
    pub duplicate: bool,
}

/// A stored trip's baseline figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct TripBaseline {
    /// The baseline's grams CO2e (`baseline_co2e_g`).
    #[schema(example = 1996)]
    pub co2e_g: i64,
    /// The baseline's tailpipe NOx and exhaust PM2.5, whole mg (0 when its mode has no tailpipe
    /// factor; see `air_complete`).
    pub air: AirAmounts,
}

/// The co-benefit fields a logged and a listed trip share.
struct CoBenefitFields {
    active_minutes: i64,
    air: AirAmounts,
    baseline: TripBaseline,
    air_saved: AirAmounts,
    air_complete: bool,
}

impl CoBenefitFields {
    fn new(co: TripCoBenefits, baseline_co2e_g: i64) -> Self {
        Self {
            active_minutes: co.active_minutes,
            air: co.air.into(),
            baseline: TripBaseline {
                co2e_g: baseline_co2e_g,
                air: co.baseline_air.into(),
            },
            air_saved: co.air_saved.into(),
            air_complete: co.air_complete,
        }
    }
}

impl From<LoggedTrip> for LoggedTripResponse {
    fn from(t: LoggedTrip) -> Self {
        let co = CoBenefitFields::new(t.co_benefits, t.baseline_co2e_g);
        Self {
            id: t.id,
            participant: t.participant,
            date: t.date.to_string(),
            direction: t.direction,
            co2e_g: t.co2e_g,
            baseline_co2e_g: t.baseline_co2e_g,
            savings_g: t.savings_g,
            active_minutes: co.active_minutes,
            air: co.air,
            baseline: co.baseline,
            air_saved: co.air_saved,
            air_complete: co.air_complete,
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
    /// Active minutes of the trip's walking, cycling and e-bike legs.
    pub active_minutes: i64,
    /// The trip's tailpipe NOx and exhaust PM2.5, whole mg.
    pub air: AirAmounts,
    /// The baseline's grams and tailpipe pollutants.
    pub baseline: TripBaseline,
    /// `baseline.air − air`, whole mg.
    pub air_saved: AirAmounts,
    /// False when a leg or the baseline had no tailpipe factor and counted 0 (and for trips
    /// stored before co-benefits were computed, which count 0 throughout).
    pub air_complete: bool,
    /// The legs, baseline and factors the trip was computed with (speeds and tailpipe factors
    /// included).
    pub detail: TripDetail,
    /// RFC 3339, UTC.
    pub created_at: String,
}

impl TryFrom<StoredTrip> for TripResponse {
    type Error = ApiError;

    fn try_from(t: StoredTrip) -> Result<Self, ApiError> {
        let co = CoBenefitFields::new(t.figures.co_benefits, t.figures.baseline_co2e_g);
        Ok(Self {
            id: t.id,
            organization_id: t.organization_id,
            participant: t.participant,
            date: t.date.to_string(),
            direction: t.direction,
            main_mode: t.figures.main_mode,
            distance_km: crate::domain::distance::km_from_metres(t.figures.distance_m),
            co2e_g: t.figures.co2e_g,
            baseline_co2e_g: t.figures.baseline_co2e_g,
            savings_g: t.figures.savings_g,
            active_minutes: co.active_minutes,
            air: co.air,
            baseline: co.baseline,
            air_saved: co.air_saved,
            air_complete: co.air_complete,
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

/// The rows of a JSON body, each parsed on its own so that every bad row is reported.
pub fn json_rows(body: &[u8]) -> Result<Vec<TripRow>, ApiError> {
    let request: TripLogRequest = parse_json(body)?;
    check_row_count(request.trips.0.len(), MAX_TRIPS_PER_REQUEST).map_err(ApiError::from)?;
    Ok(request
        .trips
        .0
        .iter()
        .enumerate()
        .map(|(i, raw)| TripRow {
            place: Place::Trip(i),
            trip: json_trip(raw),
        })
        .collect())
}

/// One JSON item as trip fields, or why it is not a trip (paths relative to the item).
fn json_trip(raw: &RawValue) -> Result<TripFields, FieldErrors> {
    match parse_json::<TripRequest>(raw.get().as_bytes()) {
        Ok(request) => Ok(request.into()),
        Err(ApiError::Service(ServiceError::Invalid(errors))) => Err(errors),
        Err(other) => Err(FieldError::new("", other.to_string()).into()),
    }
}

impl From<TripRequest> for TripFields {
    fn from(request: TripRequest) -> Self {
        Self {
            participant: request.participant,
            date: request.date,
            direction: request.direction,
            plan: commute_plan(
                request.mode,
                request.distance_km,
                request.passengers,
                request.legs,
                request.baseline,
            ),
        }
    }
}

/// The legs and baseline of a trip body, checked as an estimate's.
pub fn commute_plan(
    mode: Option<String>,
    distance_km: Option<f64>,
    passengers: Option<WholeNumber>,
    legs: Option<Vec<LegRequest>>,
    baseline: Option<BaselineRequest>,
) -> Result<TripPlan, FieldErrors> {
    EstimateRequest {
        mode,
        distance_km,
        passengers,
        legs,
        baseline,
        ..EstimateRequest::default()
    }
    .into_plan()
}

impl From<TripLog> for TripLogResponse {
    fn from(log: TripLog) -> Self {
        Self {
            accepted: log.accepted,
            duplicates: log.duplicates,
            trips: log.trips.into_iter().map(Into::into).collect(),
            ignored_columns: None,
            dry_run: false,
        }
    }
}

problems! {
    LogProblems {
        400 => "Malformed JSON, text that is not UTF-8, UTF-16 or GB18030, or a workbook that cannot be read",
        401 => "No or unknown credentials",
        403 => "The admin token, or an organization not enrolled in the campaign",
        404 => "No such campaign",
        413 => "Body too large",
        415 => "Not JSON, CSV, TSV, XLSX or XLS, or a charset this service does not read",
        422 => "Invalid trips: every bad row is listed (`trips[3].date`, `line 4.distance_km`, `Sheet1!E4 (distance_km)`); nothing was stored",
        429 => "Too many writes with this key; retry after `Retry-After` seconds",
    }
    ListProblems {
        401 => "No or unknown credentials",
        403 => "Organization not enrolled in the campaign",
        404 => "No such campaign",
        422 => "Bad `limit` or `cursor`",
    }
    DeleteProblems {
        401 => "No or unknown credentials",
        404 => "No such trip (or another organization's)",
        429 => "Too many writes with this key; retry after `Retry-After` seconds",
    }
}

/// A workbook as bytes: an XLSX (for example the template, filled in) or an XLS, or a CSV that a
/// browser on Windows labels `application/vnd.ms-excel`.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct SpreadsheetFile(pub Vec<u8>);

/// Log commutes
///
/// With an organization key. Up to 10,000 trips as JSON, or up to 100,000 rows of a spreadsheet:
/// CSV or TSV (UTF-8 with or without BOM, UTF-16 with BOM, or GB18030/GBK as Excel and WPS save
/// on Chinese Windows; the `charset` parameter wins; comma, semicolon or tab) or an XLSX or XLS
/// workbook (the first worksheet, or `?sheet=`). A spreadsheet has one single-leg trip per row
/// under a header row naming, in English or Chinese, `participant` (参与者, 工号…), `date` (日期),
/// `direction` (方向), `mode` (出行方式), `distance_km` (距离…) and optionally `passengers`
/// (乘车人数) and `baseline_mode` (原出行方式); other columns are ignored and listed in
/// `ignored_columns`. Directions may be written 上班, 下班, 往返; modes by id, English or Chinese
/// name, or an alias of the campaign's factor set; dates as 2026-06-03, 2026/6/3, 2026.6.3 or
/// 2026年6月3日 (or date cells); distances as 9, 9.5, 9km or 9 公里. Errors name the place a person
/// sees: `trips[3].date`, `line 4.distance_km`, `Sheet1!E4 (distance_km)`. The batch is atomic: if
/// any trip is invalid nothing is stored and the 422 lists every bad row. One trip per
/// (organization, participant, date, direction), a round trip taking both directions: a trip
/// already stored comes back with `duplicate: true` and its stored values and is not counted
/// again, so retries are safe. A 201 means the trips are durably stored; `?dry_run=true` checks
/// and computes everything and stores nothing (200).
#[utoipa::path(
    post,
    tag = TAG_TRIPS,
    security(("bearer" = [])),
    params(("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"), UploadQuery),
    request_body(description = "Trips as JSON, or a spreadsheet (CSV, TSV, XLSX, XLS) with a header row", content(
        (TripLogRequest = "application/json"),
        (String = "text/csv", example = "participant,date,direction,mode,distance_km,passengers,baseline_mode\nemp-0001,2026-06-02,to_work,metro,12.5,,\nemp-0003,2026-06-02,round_trip,car,18,3,car\n"),
        (String = "text/tab-separated-values", example = "参与者\t日期\t方向\t出行方式\t距离（公里）\t部门\nemp-0001\t2026/6/2\t上班\t地铁\t12.5\t财务部\n"),
        (SpreadsheetFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (SpreadsheetFile = "application/vnd.ms-excel"),
    )),
    responses(
        (status = 201, description = "Stored (or already stored: `duplicate: true`)", body = TripLogResponse),
        (status = 200, description = "Dry run: checked and computed, nothing stored", body = TripLogResponse),
        LogProblems
    )
)]
#[post("/v1/campaigns/{campaign_id}/trips")]
pub async fn log_trips(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    RawBody(body): RawBody,
) -> Result<HttpResponse, ApiError> {
    let target = state.service.logging_target(&caller, &path).await?;
    let query: UploadQuery = parse_query(&req)?;
    let accepted = [
        MediaType::Json,
        MediaType::Csv,
        MediaType::Tsv,
        MediaType::Xlsx,
        MediaType::Xls,
    ];
    let (rows, ignored_columns) = match media_type(&req, &accepted)? {
        MediaType::Json => (json_rows(&body)?, None),
        spreadsheet => {
            let options = import::Options {
                charset: charset(&req),
                sheet: query.sheet.as_deref(),
            };
            let format = spreadsheet_format(spreadsheet, &body);
            let upload = import::read(&body, format, &options, target.factor_set())?;
            (upload.rows, Some(upload.ignored_columns))
        }
    };
    let dry_run = query.dry_run.unwrap_or(false);
    let logged = state.service.log_trips(target, rows, dry_run).await?;
    let response = TripLogResponse {
        ignored_columns,
        dry_run,
        ..TripLogResponse::from(logged)
    };
    Ok(if dry_run {
        HttpResponse::Ok().json(response)
    } else {
        HttpResponse::Created().json(response)
    })
}

/// How to read a spreadsheet upload: a workbook by its bytes (a zip is XLSX, an OLE file XLS),
/// whatever the media type says, since browsers on Windows send `.csv` files as
/// `application/vnd.ms-excel`.
fn spreadsheet_format(media_type: MediaType, body: &[u8]) -> import::Format {
    const ZIP: &[u8] = b"PK\x03\x04";
    const OLE: &[u8] = b"\xD0\xCF\x11\xE0";
    let is_workbook = body.starts_with(ZIP) || body.starts_with(OLE);
    match media_type {
        MediaType::Xlsx | MediaType::Xls if is_workbook => import::Format::Workbook,
        _ => import::Format::Delimited,
    }
}

/// List trips
///
/// An organization key lists its own trips; the admin lists all. Paginated in id order: pass
/// `next_cursor` as `cursor` for the next page. Each trip keeps the factors it was computed with.
#[utoipa::path(
    get,
    tag = TAG_TRIPS,
    security(("bearer" = [])),
    params(("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"), paging::PageQuery),
    responses((status = 200, description = "A page of trips", body = TripPage), ListProblems)
)]
#[route("/v1/campaigns/{campaign_id}/trips", method = "GET", method = "HEAD")]
pub async fn list_trips(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require_any()?;
    let page = paging::page(&req)?;
    let after_id = paging::after_id(&page)?;
    let stored = state
        .service
        .list_trips(&caller, &path, after_id, one_more(page.limit))
        .await?;
    Ok(HttpResponse::Ok().json(trip_page(stored, page.limit)?))
}

/// How many trips to ask the store for: one more than the page, to know whether another
/// page follows.
pub fn one_more(limit: usize) -> u32 {
    u32::try_from(limit + 1).unwrap_or(u32::MAX)
}

/// A page of at most `limit` trips from `stored` (asked for with [`one_more`]), with the cursor
/// of the next page when there is one.
pub fn trip_page(stored: Vec<StoredTrip>, limit: usize) -> Result<TripPage, ApiError> {
    let has_more = stored.len() > limit;
    let trips: Vec<TripResponse> = stored
        .into_iter()
        .take(limit)
        .map(TripResponse::try_from)
        .collect::<Result<_, _>>()?;
    let next_cursor = has_more
        .then(|| trips.last().map(|t| paging::id_cursor(t.id)))
        .flatten();
    Ok(TripPage { trips, next_cursor })
}

/// Delete a trip
///
/// An organization deletes its own trips; the admin any. Aggregates follow at once. In the demo,
/// trip 1 is one of `sunrise-tech`'s; once deleted, it is a 404.
#[utoipa::path(
    delete,
    tag = TAG_TRIPS,
    security(("bearer" = [])),
    params(
        ("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"),
        ("trip_id" = i64, Path, description = "Trip id", example = 1),
    ),
    responses((status = 204, description = "Deleted"), DeleteProblems)
)]
#[delete("/v1/campaigns/{campaign_id}/trips/{trip_id}")]
pub async fn delete_trip(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (campaign_id, trip_id) = path.into_inner();
    state
        .service
        .delete_trip(&caller, &campaign_id, &trip_id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
