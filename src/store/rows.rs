//! Row mapping shared by both backends: the column lists every `SELECT` of a record uses, and
//! one mapper per record over [`Columns`], which each backend implements for its driver's row.

use jiff::civil::Date;

use super::dedup::Occupant;
use super::model::*;
use super::StoreError;
use crate::domain::campaign::{parse_date, Direction, OrganizationKind};
use crate::domain::cobenefit::{AirMg, TripCoBenefits};
use crate::domain::trip::TripFigures;
use crate::domain::workdays::Workdays;

/// Typed access to a result row's columns by position.
pub trait Columns {
    /// A text column.
    fn text(&self, index: usize) -> Result<String, StoreError>;
    /// A nullable text column.
    fn opt_text(&self, index: usize) -> Result<Option<String>, StoreError>;
    /// A 64-bit integer column.
    fn int(&self, index: usize) -> Result<i64, StoreError>;
    /// A nullable 64-bit integer column.
    fn opt_int(&self, index: usize) -> Result<Option<i64>, StoreError>;
    /// A boolean column.
    fn boolean(&self, index: usize) -> Result<bool, StoreError>;

    /// A `YYYY-MM-DD` date column (selected as text: see the column lists).
    fn date(&self, index: usize) -> Result<Date, StoreError> {
        let text = self.text(index)?;
        parse_date(&text).map_err(|e| StoreError::internal(format!("stored date: {e}")))
    }

    /// A direction column.
    fn direction(&self, index: usize) -> Result<Direction, StoreError> {
        let text = self.text(index)?;
        Direction::parse(&text)
            .ok_or_else(|| StoreError::internal(format!("stored direction `{text}`")))
    }

    /// An organization-kind column.
    fn kind(&self, index: usize) -> Result<OrganizationKind, StoreError> {
        let text = self.text(index)?;
        OrganizationKind::parse(&text)
            .ok_or_else(|| StoreError::internal(format!("stored organization kind `{text}`")))
    }
}

/// A table of records: its name, the columns its mapper reads, and what one record is called
/// (for `NotFound`).
pub type Table = (&'static str, &'static str, &'static str);

/// The campaigns, read with [`campaign`].
pub const CAMPAIGNS: Table = ("campaigns", CAMPAIGN_COLUMNS, "campaign");

/// The organizations, read with [`organization`].
pub const ORGANIZATIONS: Table = ("organizations", ORGANIZATION_COLUMNS, "organization");

/// The organizers table.
pub const ORGANIZERS: Table = ("organizers", ORGANIZER_COLUMNS, "organizer");

/// The columns of [`organizer`], in order.
pub const ORGANIZER_COLUMNS: &str = "id, name, city, created_at";

/// An organizer from a row of [`ORGANIZER_COLUMNS`].
pub fn organizer(row: &impl Columns) -> Result<OrganizerRecord, StoreError> {
    Ok(OrganizerRecord {
        id: row.text(0)?,
        name: row.text(1)?,
        city: row.opt_text(2)?,
        created_at: row.text(3)?,
    })
}

/// The columns of [`audit_entry`], in order.
pub const AUDIT_COLUMNS: &str =
    "seq, at, actor, actor_id, key_id, action, campaign_id, subject, detail";

/// An audit entry from a row of [`AUDIT_COLUMNS`].
pub fn audit_entry(row: &impl Columns) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: row.int(0)?,
        at: row.text(1)?,
        actor: row.text(2)?,
        actor_id: row.opt_text(3)?,
        key_id: row.opt_text(4)?,
        action: row.text(5)?,
        campaign_id: row.opt_text(6)?,
        subject: row.text(7)?,
        detail: row.text(8)?,
    })
}

/// `SELECT … FROM table WHERE id = {placeholder}` when a placeholder is given, else every
/// row by id.
pub fn select((table, columns, _): Table, id_placeholder: Option<&str>) -> String {
    match id_placeholder {
        Some(placeholder) => format!("SELECT {columns} FROM {table} WHERE id = {placeholder}"),
        None => format!("SELECT {columns} FROM {table} ORDER BY id"),
    }
}

/// The error for a `kind` of record (`campaign`, `organization`) with no row for `id`.
pub fn not_found(kind: &str, id: &str) -> StoreError {
    StoreError::NotFound(format!("no {kind} `{id}`"))
}

/// The columns of [`campaign`], in its order. Dates are cast to text, which both backends
/// accept, so that one list serves both.
pub const CAMPAIGN_COLUMNS: &str = "id, name, description, region, time_zone, \
    CAST(starts_on AS TEXT), CAST(ends_on AS TEXT), factor_set_id, factor_set_version, \
    baseline_mode, public, created_at, updated_at, revision, organizer_id, workdays, \
    (SELECT o.name FROM organizers o WHERE o.id = campaigns.organizer_id)";

/// A campaign from a row of [`CAMPAIGN_COLUMNS`].
pub fn campaign(row: &impl Columns) -> Result<CampaignRecord, StoreError> {
    Ok(CampaignRecord {
        id: row.text(0)?,
        name: row.text(1)?,
        description: row.text(2)?,
        region: row.opt_text(3)?,
        time_zone: row.text(4)?,
        starts_on: row.date(5)?,
        ends_on: row.date(6)?,
        factor_set_id: row.text(7)?,
        factor_set_version: row.text(8)?,
        baseline_mode: row.text(9)?,
        public: row.boolean(10)?,
        created_at: row.text(11)?,
        updated_at: row.text(12)?,
        revision: row.int(13)?,
        organizer_id: row.opt_text(14)?,
        workdays: Workdays::from_stored(&row.text(15)?).map_err(StoreError::internal)?,
        organizer_name: row.opt_text(16)?,
    })
}

/// The columns of [`organization`], in its order.
pub const ORGANIZATION_COLUMNS: &str = "id, name, kind, city, headcount, created_at, created_by";

/// An organization from a row of [`ORGANIZATION_COLUMNS`].
pub fn organization(row: &impl Columns) -> Result<OrganizationRecord, StoreError> {
    Ok(OrganizationRecord {
        id: row.text(0)?,
        name: row.text(1)?,
        kind: row.kind(2)?,
        city: row.opt_text(3)?,
        headcount: row.opt_int(4)?,
        created_at: row.text(5)?,
        created_by: row.opt_text(6)?,
    })
}

/// The columns of [`trip`], in its order; [`co_benefits`] reads the last eight.
pub const TRIP_COLUMNS: &str = "id, organization_id, participant, CAST(date AS TEXT), direction, \
    main_mode, distance_m, co2e_g, baseline_co2e_g, savings_g, detail, created_at, \
    active_minutes, nox_mg, pm25_mg, baseline_nox_mg, baseline_pm25_mg, nox_saved_mg, \
    pm25_saved_mg, air_complete";

/// A trip from a row of [`TRIP_COLUMNS`].
pub fn trip(row: &impl Columns) -> Result<StoredTrip, StoreError> {
    Ok(StoredTrip {
        id: row.int(0)?,
        organization_id: row.text(1)?,
        participant: row.text(2)?,
        date: row.date(3)?,
        direction: row.direction(4)?,
        figures: TripFigures {
            main_mode: row.text(5)?,
            distance_m: row.int(6)?,
            co2e_g: row.int(7)?,
            baseline_co2e_g: row.int(8)?,
            savings_g: row.int(9)?,
            co_benefits: co_benefits(row, 12)?,
        },
        detail: row.text(10)?,
        created_at: row.text(11)?,
    })
}

/// A trip's co-benefits from eight columns starting at `first`: `active_minutes, nox_mg,
/// pm25_mg, baseline_nox_mg, baseline_pm25_mg, nox_saved_mg, pm25_saved_mg, air_complete`.
pub fn co_benefits(row: &impl Columns, first: usize) -> Result<TripCoBenefits, StoreError> {
    let air = |nox: usize| -> Result<AirMg, StoreError> {
        Ok(AirMg {
            nox_mg: row.int(first + nox)?,
            pm25_mg: row.int(first + nox + 1)?,
        })
    };
    Ok(TripCoBenefits {
        active_minutes: row.int(first)?,
        air: air(1)?,
        baseline_air: air(3)?,
        air_saved: air(5)?,
        air_complete: row.boolean(first + 7)?,
    })
}

/// The columns of [`occupant`], in its order: a stored trip as the duplicate check needs it.
pub const OCCUPANT_COLUMNS: &str =
    "participant, CAST(date AS TEXT), direction, id, co2e_g, baseline_co2e_g, savings_g, \
    active_minutes, nox_mg, pm25_mg, baseline_nox_mg, baseline_pm25_mg, nox_saved_mg, \
    pm25_saved_mg, air_complete";

/// A stored trip occupying a participant-day, from a row of [`OCCUPANT_COLUMNS`].
pub fn occupant(row: &impl Columns) -> Result<Occupant, StoreError> {
    Ok(Occupant {
        participant: row.text(0)?,
        date: row.date(1)?,
        direction: row.direction(2)?,
        id: row.int(3)?,
        co2e_g: row.int(4)?,
        baseline_co2e_g: row.int(5)?,
        savings_g: row.int(6)?,
        co_benefits: co_benefits(row, 7)?,
    })
}

/// An enrolled organization and its totals, from a row of [`STANDINGS_SELECT`]:
/// id, name, kind, then the [`totals`] columns.
pub fn standing(row: &impl Columns) -> Result<Standing, StoreError> {
    Ok(Standing {
        organization_id: row.text(0)?,
        name: row.text(1)?,
        kind: row.kind(2)?,
        totals: totals(row, 3)?,
        headcount: row.opt_int(13)?,
    })
}

/// The start of a standings query: every enrolled organization with its totals (zeros
/// without trips); the backend adds its `WHERE e.campaign_id = …` and ordering.
pub const STANDINGS_SELECT: &str = "SELECT o.id, o.name, o.kind,
        COALESCE(t.trips, 0), COALESCE(t.participants, 0), COALESCE(t.distance_m, 0),
        COALESCE(t.co2e_g, 0), COALESCE(t.baseline_co2e_g, 0), COALESCE(t.savings_g, 0),
        COALESCE(t.active_minutes, 0), COALESCE(t.nox_saved_mg, 0), COALESCE(t.pm25_saved_mg, 0),
        COALESCE(t.air_incomplete_trips, 0), o.headcount
    FROM enrollments e
    JOIN organizations o ON o.id = e.organization_id
    LEFT JOIN org_totals t ON t.campaign_id = e.campaign_id AND t.organization_id = e.organization_id";

/// Totals from ten integer columns starting at `first`: trips, participants, distance_m,
/// co2e_g, baseline_co2e_g, savings_g, active_minutes, nox_saved_mg, pm25_saved_mg,
/// air_incomplete_trips.
pub fn totals(row: &impl Columns, first: usize) -> Result<Totals, StoreError> {
    Ok(Totals {
        trips: row.int(first)?,
        participants: row.int(first + 1)?,
        distance_m: row.int(first + 2)?,
        co2e_g: row.int(first + 3)?,
        baseline_co2e_g: row.int(first + 4)?,
        savings_g: row.int(first + 5)?,
        active_minutes: row.int(first + 6)?,
        air_saved: AirMg {
            nox_mg: row.int(first + 7)?,
            pm25_mg: row.int(first + 8)?,
        },
        air_incomplete_trips: row.int(first + 9)?,
    })
}

/// A breakdown key (mode or date, as text) and its totals, from a row of `key, trips, 0,
/// distance_m, co2e_g, baseline_co2e_g, savings_g, active_minutes, nox_saved_mg, pm25_saved_mg,
/// air_incomplete_trips`.
pub fn breakdown(row: &impl Columns) -> Result<(String, Totals), StoreError> {
    Ok((row.text(0)?, totals(row, 1)?))
}

/// The `SELECT` of a breakdown of `table` by `column` (`mode` or `date`), for the campaign
/// or one organization (null for all), leaving out keys without trips; `placeholders` are the
/// backend's spellings of the campaign and organization parameters.
pub fn breakdown_query(table: &str, column: &str, placeholders: (&str, &str)) -> String {
    let (campaign, organization) = placeholders;
    format!(
        "SELECT CAST({column} AS TEXT), CAST(SUM(trips) AS BIGINT), CAST(0 AS BIGINT),
                CAST(SUM(distance_m) AS BIGINT), CAST(SUM(co2e_g) AS BIGINT),
                CAST(SUM(baseline_co2e_g) AS BIGINT), CAST(SUM(savings_g) AS BIGINT),
                CAST(SUM(active_minutes) AS BIGINT), CAST(SUM(nox_saved_mg) AS BIGINT),
                CAST(SUM(pm25_saved_mg) AS BIGINT), CAST(SUM(air_incomplete_trips) AS BIGINT)
         FROM {table}
         WHERE campaign_id = {campaign} AND ({organization} IS NULL OR organization_id = {organization})
         GROUP BY {column} HAVING SUM(trips) > 0 ORDER BY {column}"
    )
}

/// Mode breakdown rows.
pub fn mode_totals(rows: Vec<(String, Totals)>) -> Vec<ModeTotals> {
    rows.into_iter()
        .map(|(mode, totals)| ModeTotals { mode, totals })
        .collect()
}

/// Day breakdown rows.
pub fn day_totals(rows: Vec<(String, Totals)>) -> Result<Vec<DayTotals>, StoreError> {
    rows.into_iter()
        .map(|(date, totals)| {
            let date =
                parse_date(&date).map_err(|e| StoreError::internal(format!("stored date: {e}")))?;
            Ok(DayTotals { date, totals })
        })
        .collect()
}

/// Columns of [`invite`], in order.
pub const INVITE_COLUMNS: &str = "id, campaign_id, organization_id, code_hash, code_hint, \
     created_at, expires_at, max_participants, revoked_at";

/// An invite from [`INVITE_COLUMNS`] starting at column `first`.
fn invite_from(row: &impl Columns, first: usize) -> Result<InviteRecord, StoreError> {
    Ok(InviteRecord {
        id: row.text(first)?,
        campaign_id: row.text(first + 1)?,
        organization_id: row.text(first + 2)?,
        code_hash: row.text(first + 3)?,
        code_hint: row.text(first + 4)?,
        created_at: row.text(first + 5)?,
        expires_at: row.opt_text(first + 6)?,
        max_participants: row.opt_int(first + 7)?,
        revoked_at: row.opt_text(first + 8)?,
    })
}

/// An invite from a row of [`INVITE_COLUMNS`].
pub fn invite(row: &impl Columns) -> Result<InviteRecord, StoreError> {
    invite_from(row, 0)
}

/// The query of an organization's invites in a campaign with their participant counts, oldest
/// first, with the backend's placeholders for (campaign, organization).
pub fn invite_listing_query(campaign: &str, organization: &str) -> String {
    let columns: Vec<String> = INVITE_COLUMNS
        .split(", ")
        .map(|c| format!("i.{}", c.trim()))
        .collect();
    format!(
        "SELECT {}, (SELECT COUNT(*) FROM joined_participants p WHERE p.invite_id = i.id)
         FROM invites i WHERE i.campaign_id = {campaign} AND i.organization_id = {organization}
         ORDER BY i.seq",
        columns.join(", ")
    )
}

/// A row of [`invite_listing_query`].
pub fn invite_listing(row: &impl Columns) -> Result<InviteListing, StoreError> {
    Ok(InviteListing {
        invite: invite_from(row, 0)?,
        participants: row.int(9)?,
    })
}

/// Columns of [`participant`], in order.
pub const PARTICIPANT_COLUMNS: &str =
    "id, campaign_id, organization_id, invite_id, nickname, created_at";

/// A participant from a row of [`PARTICIPANT_COLUMNS`].
pub fn participant(row: &impl Columns) -> Result<ParticipantRecord, StoreError> {
    Ok(ParticipantRecord {
        id: row.text(0)?,
        campaign_id: row.text(1)?,
        organization_id: row.text(2)?,
        invite_id: row.text(3)?,
        nickname: row.opt_text(4)?,
        created_at: row.text(5)?,
    })
}

/// No invite by that reference for the organization in the campaign.
pub fn no_invite(organization_id: &str, campaign_id: &str) -> StoreError {
    StoreError::NotFound(format!(
        "organization `{organization_id}` has no such invite in campaign `{campaign_id}`"
    ))
}

/// No such participant of the organization.
pub fn no_participant(organization_id: &str, participant_id: &str) -> StoreError {
    StoreError::NotFound(format!(
        "organization `{organization_id}` has no participant `{participant_id}` in this campaign"
    ))
}

/// Every campaign's totals (sums of its organizations' rollups) and enrolled organizations, by id.
pub const CAMPAIGN_TOTALS_QUERY: &str = "SELECT c.id,
        (SELECT COUNT(*) FROM enrollments e WHERE e.campaign_id = c.id),
        CAST(COALESCE(SUM(t.trips), 0) AS BIGINT), CAST(COALESCE(SUM(t.participants), 0) AS BIGINT),
        CAST(COALESCE(SUM(t.distance_m), 0) AS BIGINT), CAST(COALESCE(SUM(t.co2e_g), 0) AS BIGINT),
        CAST(COALESCE(SUM(t.baseline_co2e_g), 0) AS BIGINT), CAST(COALESCE(SUM(t.savings_g), 0) AS BIGINT),
        CAST(COALESCE(SUM(t.active_minutes), 0) AS BIGINT), CAST(COALESCE(SUM(t.nox_saved_mg), 0) AS BIGINT),
        CAST(COALESCE(SUM(t.pm25_saved_mg), 0) AS BIGINT),
        CAST(COALESCE(SUM(t.air_incomplete_trips), 0) AS BIGINT)
    FROM campaigns c LEFT JOIN org_totals t ON t.campaign_id = c.id
    GROUP BY c.id ORDER BY c.id";

/// The number of distinct (organization, participant) pairs with a stored trip in some public
/// campaign, from the participants rollup.
pub const PUBLIC_PARTICIPANTS_QUERY: &str = "SELECT CAST(COUNT(*) AS BIGINT) FROM
    (SELECT DISTINCT p.organization_id, p.participant
     FROM participants p JOIN campaigns c ON c.id = p.campaign_id
     WHERE c.public = TRUE) AS pairs";

/// A row of [`CAMPAIGN_TOTALS_QUERY`].
pub fn campaign_totals(row: &impl Columns) -> Result<CampaignTotals, StoreError> {
    Ok(CampaignTotals {
        campaign_id: row.text(0)?,
        organizations: row.int(1)?,
        totals: totals(row, 2)?,
    })
}

/// Green (participant, day) pairs by organization and ISO weekday, for one campaign.
pub fn weekday_green_days_query(campaign: &str) -> String {
    format!(
        "SELECT organization_id, weekday, green_days FROM org_weekday_days
         WHERE campaign_id = {campaign} AND green_days <> 0 ORDER BY organization_id, weekday"
    )
}

/// A row of [`weekday_green_days_query`].
pub fn weekday_green_days(row: &impl Columns) -> Result<WeekdayGreenDays, StoreError> {
    Ok(WeekdayGreenDays {
        organization_id: row.text(0)?,
        weekday: row.int(1)?,
        green_days: row.int(2)?,
    })
}
