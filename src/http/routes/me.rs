//! `/v1/me`: who the credentials belong to, and a participant's own trips.

use actix_web::{delete, post, route, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::campaigns::CampaignResponse;
use super::estimate::{BaselineRequest, LegRequest};
use super::invites::{CampaignBrief, InvitePreview, OrganizationBrief};
use super::organizations::OrganizationResponse;
use super::organizers::OrganizerResponse;
use super::results::{
    day_figures, four_decimals, mode_figures, one_decimal, DayFigures, ModeFigures,
};
use super::trips::{commute_plan, one_more, trip_page, TripLogResponse, TripPage, UploadQuery};
use super::wire::{AirAmounts, RawItems, WholeNumber};
use crate::domain::campaign::Direction;
use crate::domain::distance::km_from_metres;
use crate::domain::grams::per_capita;
use crate::domain::trip::TripFields;
use crate::domain::{FieldError, FieldErrors};
use crate::http::error::ApiError;
use crate::http::extract::body::{parse_json, RawBody};
use crate::http::extract::paging::{self, parse_query};
use crate::http::problems::problems;
use crate::http::{AppState, TAG_ME};
use crate::service::{
    check_row_count, own_fairness, own_figures, Caller, Identity, ParticipantView, Place,
    ServiceError, TripRow, MAX_TRIPS_PER_REQUEST,
};

/// A participant's figures, like an organization's summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantMe<'a> {
    /// Your pseudonymous participant id (the `participant` of your trips).
    #[schema(example = "p-k7mq2xw9hd")]
    pub participant: &'a str,
    /// The name only you see, if you gave one.
    pub nickname: Option<&'a str>,
    /// When you joined (RFC 3339, UTC).
    pub joined_at: &'a str,
    /// Your organization.
    pub organization: OrganizationBrief,
    /// Your campaign.
    pub campaign: CampaignBrief,
    /// Your trips.
    pub trips: i64,
    /// 1 once you have a trip, else 0.
    pub participants: i64,
    /// Distance, km.
    pub distance_km: f64,
    /// Grams CO2e.
    pub co2e_g: i64,
    /// Baseline grams.
    pub baseline_co2e_g: i64,
    /// Your saving, grams.
    pub savings_g: i64,
    /// Your organization: always 1, as in an organization's summary.
    pub organizations: i64,
    /// `savings_g ÷ participants`, i.e. your saving once you have a trip (0 before).
    pub savings_per_participant_g: i64,
    /// Your minutes of walking, cycling and e-bike riding.
    pub active_minutes: i64,
    /// `active_minutes ÷ participants ÷ (campaign days ÷ 7)`, one decimal: to hold against the
    /// WHO's 150 minutes of moderate activity a week.
    #[schema(example = 42.5)]
    pub active_minutes_per_participant_week: f64,
    /// The share of the campaign's workdays on which one of your trips saved something (4
    /// decimals; 0 before your first trip).
    #[schema(example = 0.6)]
    pub regularity: f64,
    /// Tailpipe pollutants your commutes kept out of the air (baseline − trips).
    pub air_saved: AirAmounts,
    /// Your trips in which a leg or the baseline had no tailpipe factor (counted 0).
    pub air_incomplete_trips: i64,
    /// By main mode.
    pub by_mode: Vec<ModeFigures>,
    /// By day, ascending.
    pub by_day: Vec<DayFigures>,
    /// Your organization's saving per participant, grams, to compare with yours.
    pub organization_savings_per_participant_g: i64,
    /// Your organization's participants with a trip.
    pub organization_participants: i64,
}

/// The caller, by the kind of credentials sent (`role`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum MeResponse<'a> {
    /// The admin token.
    Admin {},
    /// An organization key: its organization and the campaigns it is enrolled in (private ones
    /// included), by id.
    Organization {
        organization: OrganizationResponse<'a>,
        campaigns: Vec<CampaignResponse<'a>>,
    },
    /// An organizer key: the organizer and the campaigns it runs.
    Organizer {
        organizer: OrganizerResponse<'a>,
        campaigns: Vec<CampaignResponse<'a>>,
    },
    /// A participant token: who you are, where, and your own figures.
    Participant(Box<ParticipantMe<'a>>),
}

fn participant_me(view: &ParticipantView) -> ParticipantMe<'_> {
    let (totals, by_mode, by_day) = own_figures(&view.trips);
    let (fairness, weekly_minutes_x10) = own_fairness(&view.target.campaign, &view.trips, &totals);
    let preview = InvitePreview::from(view.target.clone());
    ParticipantMe {
        participant: &view.participant_id,
        nickname: view.nickname.as_deref(),
        joined_at: &view.joined_at,
        organization: preview.organization,
        campaign: preview.campaign,
        trips: totals.trips,
        participants: totals.participants,
        distance_km: km_from_metres(totals.distance_m),
        co2e_g: totals.co2e_g,
        baseline_co2e_g: totals.baseline_co2e_g,
        savings_g: totals.savings_g,
        organizations: 1,
        savings_per_participant_g: per_capita(totals.savings_g, totals.participants),
        active_minutes: totals.active_minutes,
        active_minutes_per_participant_week: one_decimal(weekly_minutes_x10),
        regularity: four_decimals(fairness.regularity_x10000),
        air_saved: totals.air_saved.into(),
        air_incomplete_trips: totals.air_incomplete_trips,
        by_mode: mode_figures(by_mode),
        by_day: day_figures(by_day),
        organization_savings_per_participant_g: per_capita(
            view.organization_savings_g,
            view.organization_participants,
        ),
        organization_participants: view.organization_participants,
    }
}

impl<'a> From<&'a Identity> for MeResponse<'a> {
    fn from(identity: &'a Identity) -> Self {
        match identity {
            Identity::Admin => Self::Admin {},
            Identity::Organization {
                organization,
                campaigns,
            } => Self::Organization {
                organization: organization.into(),
                campaigns: campaigns.iter().map(CampaignResponse::from).collect(),
            },
            Identity::Organizer {
                organizer,
                campaigns,
            } => Self::Organizer {
                organizer: organizer.into(),
                campaigns: campaigns.iter().map(CampaignResponse::from).collect(),
            },
            Identity::Participant(view) => Self::Participant(Box::new(participant_me(view))),
        }
    }
}

/// One of your own commutes: when, which way, and the legs as in an estimate (no
/// `participant`: it is you).
// The fields repeat `TripRequest`'s on purpose: serde cannot combine `flatten` with
// `deny_unknown_fields`, and an unknown field (a typo) must stay a 422 naming it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "date": "2026-06-02", "direction": "to_work", "mode": "bicycle", "distance_km": 4.5 }))]
pub struct OwnTripRequest {
    /// Day of the commute, `YYYY-MM-DD` in the campaign's time zone, within the campaign.
    #[schema(example = "2026-06-02", format = Date)]
    pub date: String,
    /// `to_work`, `from_work` or `round_trip` (takes both directions, doubles distances).
    pub direction: Direction,
    /// Mode of a single-mode trip (or give `legs`).
    #[schema(example = "bicycle")]
    pub mode: Option<String>,
    /// One-way distance of a single-mode trip, km.
    #[schema(example = 4.5)]
    pub distance_km: Option<f64>,
    /// Travellers sharing a per-vehicle mode (1–9).
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 9)]
    pub passengers: Option<WholeNumber>,
    /// 1–10 legs.
    pub legs: Option<Vec<LegRequest>>,
    /// Your usual mode; default: the campaign's baseline over the trip's distance.
    pub baseline: Option<BaselineRequest>,
}

/// Several of your own commutes at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "trips": [
    { "date": "2026-06-03", "direction": "to_work", "mode": "metro", "distance_km": 9 },
    { "date": "2026-06-03", "direction": "from_work", "legs": [{ "mode": "metro", "distance_km": 8 }, { "mode": "walk", "distance_km": 1 }] }
]}))]
pub struct OwnTripBatch {
    /// 1 to 10,000 trips.
    #[schema(value_type = Vec<OwnTripRequest>, min_items = 1, max_items = 10000)]
    pub trips: RawItems<MAX_TRIPS_PER_REQUEST>,
}

impl From<OwnTripRequest> for TripFields {
    fn from(request: OwnTripRequest) -> Self {
        Self {
            // The service sets the caller's own id.
            participant: String::new(),
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

/// One own trip as fields, or why it is not one (paths relative to the trip).
fn own_trip(body: &[u8]) -> Result<TripFields, FieldErrors> {
    match parse_json::<OwnTripRequest>(body) {
        Ok(request) => Ok(request.into()),
        Err(ApiError::Service(ServiceError::Invalid(errors))) => Err(errors),
        Err(other) => Err(FieldError::new("", other.to_string()).into()),
    }
}

/// The rows of an own-trips body: one trip, or `{ "trips": [...] }`.
fn own_rows(body: &[u8]) -> Result<Vec<TripRow>, ApiError> {
    #[derive(Deserialize)]
    struct Keys<'a> {
        #[serde(borrow)]
        trips: Option<&'a serde_json::value::RawValue>,
    }
    let is_batch = serde_json::from_slice::<Keys<'_>>(body)
        .map(|keys| keys.trips.is_some())
        .unwrap_or(false);
    if !is_batch {
        // A body that is not even JSON is reported as a whole, like any malformed body.
        let _: serde::de::IgnoredAny = parse_json(body)?;
        return Ok(vec![TripRow {
            place: Place::Body,
            trip: own_trip(body),
        }]);
    }
    let batch: OwnTripBatch = parse_json(body)?;
    check_row_count(batch.trips.0.len(), MAX_TRIPS_PER_REQUEST).map_err(ApiError::from)?;
    Ok(batch
        .trips
        .0
        .iter()
        .enumerate()
        .map(|(i, raw)| TripRow {
            place: Place::Trip(i),
            trip: own_trip(raw.get().as_bytes()),
        })
        .collect())
}

problems! {
    MeProblems {
        401 => "No or unknown credentials (a revoked participant token included)",
    }
    OwnLogProblems {
        400 => "Malformed JSON",
        401 => "No or unknown credentials",
        403 => "Not a participant token",
        413 => "Body too large",
        415 => "Not application/json",
        422 => "Invalid trips: every bad one is listed; nothing was stored",
        429 => "Too many writes with this token; retry after `Retry-After` seconds",
    }
    OwnListProblems {
        401 => "No or unknown credentials",
        403 => "Not a participant token",
        422 => "Bad `limit` or `cursor`",
    }
    OwnDeleteProblems {
        401 => "No or unknown credentials",
        403 => "Not a participant token",
        404 => "No such trip of yours",
        429 => "Too many writes with this token; retry after `Retry-After` seconds",
    }
}

/// Who am I
///
/// The owner of the credentials sent. A participant token: who you are, your organization and
/// campaign, your totals as in an organization summary (by mode and by day) and your
/// organization's saving per participant to compare with. An organization key: its
/// organization and the campaigns it is enrolled in (the coordinators' page `/organize` starts
/// here). The admin token: `{"role": "admin"}`.
#[utoipa::path(
    get,
    tag = TAG_ME,
    security(("bearer" = [])),
    responses((status = 200, description = "The caller", body = MeResponse), MeProblems)
)]
#[route("/v1/me", method = "GET", method = "HEAD")]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let identity = state.service.identity(&caller).await?;
    Ok(HttpResponse::Ok().json(MeResponse::from(&identity)))
}

/// Log your own commutes
///
/// With your participant token: one trip, or `{ "trips": [...] }`. The same rules as an
/// organization's logging: dates within the campaign, one trip per (you, date, direction) with
/// `round_trip` taking both, duplicates reported and not counted, atomic batches. Your trips
/// count in your organization's and the campaign's results. `?dry_run=true` checks and
/// computes without storing (200).
#[utoipa::path(
    post,
    tag = TAG_ME,
    security(("bearer" = [])),
    params(UploadQuery),
    request_body(description = "One trip, or several", content(
        (OwnTripRequest = "application/json"),
    )),
    responses(
        (status = 201, description = "Stored (or already stored: `duplicate: true`)", body = TripLogResponse),
        (status = 200, description = "Dry run: checked and computed, nothing stored", body = TripLogResponse),
        OwnLogProblems
    )
)]
#[post("/v1/me/trips")]
pub async fn log_own_trips(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    RawBody(body): RawBody,
) -> Result<HttpResponse, ApiError> {
    let target = state.service.own_logging_target(&caller).await?;
    let query: UploadQuery = parse_query(&req)?;
    crate::http::extract::body::media_type(&req, &[crate::http::extract::body::MediaType::Json])?;
    let rows = own_rows(&body)?;
    let dry_run = query.dry_run.unwrap_or(false);
    let logged = state
        .service
        .log_own_trips(&caller, target, rows, dry_run)
        .await?;
    let response = TripLogResponse {
        dry_run,
        ..TripLogResponse::from(logged)
    };
    Ok(if dry_run {
        HttpResponse::Ok().json(response)
    } else {
        HttpResponse::Created().json(response)
    })
}

/// Your trips
///
/// Your own trips in id order, paginated like an organization's list; nobody else's.
#[utoipa::path(
    get,
    tag = TAG_ME,
    security(("bearer" = [])),
    params(paging::PageQuery),
    responses((status = 200, description = "A page of your trips", body = TripPage), OwnListProblems)
)]
#[route("/v1/me/trips", method = "GET", method = "HEAD")]
pub async fn list_own_trips(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let page = paging::page(&req)?;
    let after_id = paging::after_id(&page)?;
    let stored = state
        .service
        .own_trips(&caller, after_id, one_more(page.limit))
        .await?;
    Ok(HttpResponse::Ok().json(trip_page(stored, page.limit)?))
}

/// Delete one of your trips
///
/// Only your own; results follow at once.
#[utoipa::path(
    delete,
    tag = TAG_ME,
    security(("bearer" = [])),
    params(("trip_id" = i64, Path, description = "Trip id", example = 1)),
    responses((status = 204, description = "Deleted"), OwnDeleteProblems)
)]
#[delete("/v1/me/trips/{trip_id}")]
pub async fn delete_own_trip(
    state: web::Data<AppState>,
    caller: Caller,
    trip_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.service.delete_own_trip(&caller, &trip_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
