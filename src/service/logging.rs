//! Logging commutes into a campaign, listing and deleting them: one code path for every way
//! trips arrive (JSON, spreadsheets, the demo seeder).

use super::caller::unauthenticated;
use super::{now, Caller, Service, ServiceError};
use crate::calculator::{compute, estimate, resolve_grid};
use crate::domain::campaign::{parse_date, Direction, Participant};
use crate::domain::errors::join_path;
use crate::domain::mode::truncate_for_message;
use crate::domain::trip::{ComputedTrip, TripFields, TripInput};
use crate::domain::{FieldError, FieldErrors};
use crate::factors::{FactorSet, GridRegion};
use crate::store::{
    CampaignRecord, LoggedTrip, SetVersion, Store, StoredTrip, TripBatch, TripQuery, TripScope,
};
use std::sync::Arc;

/// The most trips one request may log.
pub const MAX_TRIPS_PER_REQUEST: usize = 10_000;

/// A batch holds 1 to `max` trips ([`MAX_TRIPS_PER_REQUEST`] as JSON, [`MAX_SPREADSHEET_ROWS`]
/// from a spreadsheet).
pub fn check_row_count(count: usize, max: usize) -> Result<(), FieldErrors> {
    if count == 0 || count > max {
        return Err(
            FieldError::new("trips", format!("must hold 1 to {max} trips, got {count}")).into(),
        );
    }
    Ok(())
}

/// The most rows one spreadsheet upload (CSV, TSV, XLSX, XLS) may hold.
pub const MAX_SPREADSHEET_ROWS: usize = 100_000;

/// Where a row stands in an upload, for error paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The whole body is the one trip.
    Body,
    /// Index in the JSON `trips` array.
    Trip(usize),
    /// Line of a CSV or TSV body (the header is line 1).
    Line(u64),
    /// Row of a worksheet, with the column letter of each field the header names.
    Cell {
        /// The worksheet's name.
        sheet: Arc<str>,
        /// The 1-based row number, as the spreadsheet shows it.
        row: u32,
        /// Column letters by field name (`distance_km` → `E`).
        columns: Arc<[(&'static str, String)]>,
    },
}

impl Place {
    /// Where `field` of this row is, as a person reads it: `trips[3].date`, `line 4.date`,
    /// `Sheet1!B4 (date)`.
    pub fn locate(&self, field: &str) -> String {
        match self {
            Self::Body => field.to_owned(),
            Self::Trip(i) => join_path(&format!("trips[{i}]"), field),
            Self::Line(line) => join_path(&format!("line {line}"), field),
            Self::Cell {
                sheet,
                row,
                columns,
            } => {
                // A baseline's mode is its own column in a spreadsheet.
                let column_name = if field == "baseline.mode" {
                    "baseline_mode"
                } else {
                    field
                };
                match columns.iter().find(|(name, _)| *name == column_name) {
                    Some((_, letter)) => format!("{sheet}!{letter}{row} ({field})"),
                    None if field.is_empty() => format!("{sheet} row {row}"),
                    None => format!("{sheet} row {row} ({field})"),
                }
            }
        }
    }
}

/// One row of an upload: where it stands, and the trip it gives or why it gives none.
#[derive(Debug)]
pub struct TripRow {
    /// Where the row stands.
    pub place: Place,
    /// The trip's fields, or every problem of a row that could not be read (paths relative to
    /// the row).
    pub trip: Result<TripFields, FieldErrors>,
}

/// A campaign the caller may log into: checked before the body is read, so that a caller who
/// may not log learns nothing from the body's errors.
#[derive(Debug)]
pub struct LoggingTarget {
    campaign: CampaignRecord,
    organization_id: String,
    set: Arc<FactorSet>,
}

impl LoggingTarget {
    /// A target checked by the caller: the campaign, the organization the trips are of, and
    /// the campaign's snapshot.
    pub(super) fn new(
        campaign: CampaignRecord,
        organization_id: String,
        set: Arc<FactorSet>,
    ) -> Self {
        Self {
            campaign,
            organization_id,
            set,
        }
    }

    /// The campaign's factor-set snapshot: its modes, names and aliases are what a spreadsheet's
    /// cells are read against.
    pub fn factor_set(&self) -> &FactorSet {
        &self.set
    }

    /// The campaign's rules applied to one row's fields: participant id, date within the
    /// campaign, the legs; every problem of the row is reported, those the calculator finds in
    /// the legs (an unknown mode, an implausible distance) included.
    fn input(
        &self,
        fields: TripFields,
        grid: Option<&GridRegion>,
    ) -> Result<TripInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let participant = Participant::try_from(fields.participant.as_str())
            .map_err(|m| errors.push("participant", m))
            .ok();
        let campaign = &self.campaign;
        let date = match parse_date(&fields.date) {
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
        let plan = fields.plan.map_err(|e| errors.0.extend(e.0)).ok();
        if let (false, Some(plan)) = (errors.is_empty(), &plan) {
            // The row is refused anyway; the legs' own problems belong in the same report.
            let mut plan = plan.clone();
            plan.round_trip = fields.direction == Direction::RoundTrip;
            if let Err(leg_errors) = estimate(&self.set, grid, &plan, Some(&campaign.baseline_mode))
            {
                errors.0.extend(leg_errors.0);
            }
        }
        match (participant, date, plan) {
            (Some(participant), Some(date), Some(plan)) if errors.is_empty() => Ok(TripInput {
                participant,
                date,
                direction: fields.direction,
                plan,
            }),
            _ => Err(errors),
        }
    }
}

/// The outcome of logging a batch.
#[derive(Debug, Clone)]
pub struct TripLog {
    /// Trips newly stored.
    pub accepted: usize,
    /// Trips already stored, not counted again.
    pub duplicates: usize,
    /// One entry per row, in request order.
    pub trips: Vec<LoggedTrip>,
}

impl Service {
    /// Checks that the caller may log trips into the campaign: an organization key (401
    /// without, 403 for the admin token), within its write rate (429), a campaign that exists
    /// (404) and in which the organization is enrolled (403).
    pub async fn logging_target(
        &self,
        caller: &Caller,
        campaign_id: &str,
    ) -> Result<LoggingTarget, ServiceError> {
        let organization_id = match caller {
            Caller::Organization {
                organization_id, ..
            } => organization_id.clone(),
            Caller::Anonymous => return Err(unauthenticated()),
            Caller::Admin | Caller::Organizer { .. } => {
                // A private campaign the caller may not read stays unknown to it.
                self.readable_campaign(caller, campaign_id).await?;
                return Err(ServiceError::Forbidden(
                    "trips are logged with an organization key, not the admin token or an organizer key".into(),
                ));
            }
            Caller::Participant { .. } => {
                self.readable_campaign(caller, campaign_id).await?;
                return Err(ServiceError::Forbidden(
                    "a participant logs their own trips with POST /v1/me/trips".into(),
                ));
            }
        };
        self.limit_writes(caller)?;
        let campaign = self.campaign(campaign_id).await?;
        self.require_enrolled(&campaign, &organization_id).await?;
        let set = self.snapshot(&campaign).await?;
        Ok(LoggingTarget {
            campaign,
            organization_id,
            set,
        })
    }

    /// Logs a batch atomically: if any row is invalid nothing is stored and every problem of
    /// every row is reported, located by the row's place. One trip per (organization,
    /// participant, date, direction): trips already stored come back as duplicates. A dry run
    /// does all of it and stores nothing (new trips come back with id 0).
    pub async fn log_trips(
        &self,
        target: LoggingTarget,
        rows: Vec<TripRow>,
        dry_run: bool,
    ) -> Result<TripLog, ServiceError> {
        let trips = self.compute_rows(&target, rows)?;
        let logged = self
            .store
            .log_trips(TripBatch {
                computed_with: SetVersion::of_campaign(&target.campaign),
                campaign_id: target.campaign.id,
                organization_id: target.organization_id,
                trips,
                created_at: now(),
                dry_run,
            })
            .await?;
        let duplicates = logged.iter().filter(|t| t.duplicate).count();
        Ok(TripLog {
            accepted: logged.len() - duplicates,
            duplicates,
            trips: logged,
        })
    }

    /// Every row computed against the campaign's snapshot, or every problem of every row.
    fn compute_rows(
        &self,
        target: &LoggingTarget,
        rows: Vec<TripRow>,
    ) -> Result<Vec<ComputedTrip>, ServiceError> {
        let campaign = &target.campaign;
        let set = &target.set;
        let grid = resolve_grid(set, campaign.region.as_deref()).map_err(|m| {
            ServiceError::Conflict(format!("the campaign's region cannot be resolved: {m}"))
        })?;
        let mut errors = FieldErrors::default();
        let mut computed = Vec::with_capacity(rows.len());
        for row in rows {
            // The row's error paths are built only when the row is wrong.
            let outcome = row
                .trip
                .and_then(|fields| target.input(fields, grid))
                .and_then(|input| compute(set, grid, &campaign.baseline_mode, input));
            match outcome {
                Ok(trip) => computed.push(trip),
                Err(row_errors) => errors.0.extend(
                    row_errors
                        .0
                        .into_iter()
                        .map(|e| FieldError::new(row.place.locate(&e.field), e.message)),
                ),
            }
        }
        Ok(errors.into_result(computed)?)
    }

    /// A page of trips in id order after `after_id`: an organization sees its own, the admin
    /// all.
    pub async fn list_trips(
        &self,
        caller: &Caller,
        campaign_id: &str,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<StoredTrip>, ServiceError> {
        self.refuse_participants(caller, campaign_id).await?;
        let campaign = self.campaign(campaign_id).await?;
        if let Some(organization) = caller.organization_id() {
            self.require_enrolled(&campaign, organization).await?;
        }
        if caller.organizer_id().is_some() {
            self.runnable_campaign(caller, campaign_id).await?;
        }
        Ok(self
            .store
            .list_trips(&TripQuery {
                campaign_id: campaign.id,
                scope: trip_scope(caller),
                after_id,
                limit,
            })
            .await?)
    }

    /// Deletes a trip: an organization its own, the admin any. Results follow at once.
    pub async fn delete_trip(
        &self,
        caller: &Caller,
        campaign_id: &str,
        trip_id: &str,
    ) -> Result<(), ServiceError> {
        self.refuse_participants(caller, campaign_id).await?;
        if caller.organizer_id().is_some() {
            self.runnable_campaign(caller, campaign_id).await?;
        }
        self.limit_writes(caller)?;
        let trip_id = parse_trip_id(trip_id)?;
        self.store
            .delete_trip(campaign_id, trip_id, &trip_scope(caller))
            .await?;
        Ok(())
    }

    /// 403 unless the organization is enrolled in the campaign (404 for a private campaign,
    /// whose existence it may not learn).
    async fn require_enrolled(
        &self,
        campaign: &CampaignRecord,
        organization_id: &str,
    ) -> Result<(), ServiceError> {
        if self
            .store
            .is_enrolled(&campaign.id, organization_id)
            .await?
        {
            Ok(())
        } else if !campaign.public {
            Err(super::campaigns::unknown_campaign(&campaign.id))
        } else {
            Err(ServiceError::Forbidden(format!(
                "organization `{organization_id}` is not enrolled in campaign `{}`",
                campaign.id
            )))
        }
    }

    /// Takes one write from the caller's key (the admin is not limited): 429 when it is spent.
    /// 401 without credentials; for a participant, 404 for a private campaign not theirs (its
    /// existence is not revealed) and 403 otherwise: these operations are an organization's.
    pub(super) async fn refuse_participants(
        &self,
        caller: &Caller,
        campaign_id: &str,
    ) -> Result<(), ServiceError> {
        if let Caller::Participant { .. } = caller {
            self.readable_campaign(caller, campaign_id).await?;
        }
        caller.require_key_or_admin()
    }

    pub(super) fn limit_writes(&self, caller: &Caller) -> Result<(), ServiceError> {
        match caller {
            Caller::Organization { key_id, .. } => self.write_limits.check(key_id),
            Caller::Participant { participant_id, .. } => self.write_limits.check(participant_id),
            _ => Ok(()),
        }
    }
}

/// The trips a caller may list and delete: a participant their own, an organization its own
/// (its participants' included), the admin all.
pub(super) fn trip_scope(caller: &Caller) -> TripScope {
    match caller {
        Caller::Participant {
            participant_id,
            organization_id,
            ..
        } => TripScope::Participant {
            organization_id: organization_id.clone(),
            participant: participant_id.clone(),
        },
        Caller::Organization {
            organization_id, ..
        } => TripScope::Organization(organization_id.clone()),
        Caller::Admin | Caller::Organizer { .. } | Caller::Anonymous => TripScope::Campaign,
    }
}

/// A trip id from a path: anything but a whole number is a trip that does not exist.
pub(super) fn parse_trip_id(trip_id: &str) -> Result<i64, ServiceError> {
    trip_id
        .parse()
        .map_err(|_| ServiceError::NotFound(format!("no trip `{}`", truncate_for_message(trip_id))))
}
