//! What both backends share to rebase a campaign: the page-by-page recomputation with its
//! refusals, and the statements that rebuild the campaign's rollups from its trips, written once
//! with each backend's placeholder and weekday expression.

use std::collections::BTreeMap;

use super::model::{RebaseOutcome, Recompute, StoredTrip};
use crate::domain::trip::ComputedTrip;

/// Trips read and rewritten at a time, so that a campaign of any size is rebased in bounded
/// memory.
pub const PAGE: i64 = 1_000;

/// The trips of a rebase recomputed so far, and those the new set refused.
pub struct Progress {
    list_at_most: usize,
    listed: Vec<(i64, String)>,
    refused: i64,
    by_reason: BTreeMap<String, i64>,
}

impl Progress {
    /// No trip seen yet; at most `list_at_most` refused trips will be listed.
    pub fn new(list_at_most: usize) -> Self {
        Self {
            list_at_most,
            listed: Vec::new(),
            refused: 0,
            by_reason: BTreeMap::new(),
        }
    }

    /// Recomputes a page of trips; the new figures to write, none once any trip was refused (a
    /// refused rebase writes nothing more, and goes on only to list every refusal).
    pub fn page(
        &mut self,
        recompute: &Recompute,
        trips: &[StoredTrip],
    ) -> Vec<(i64, ComputedTrip)> {
        let mut rewritten = Vec::with_capacity(trips.len());
        for trip in trips {
            match recompute(trip) {
                Ok(computed) if self.refused == 0 => rewritten.push((trip.id, computed)),
                Ok(_) => {}
                Err(reason) => {
                    self.refused += 1;
                    if self.listed.len() < self.list_at_most {
                        self.listed.push((trip.id, reason.clone()));
                    }
                    *self.by_reason.entry(reason).or_default() += 1;
                }
            }
        }
        if self.refused > 0 {
            rewritten.clear();
        }
        rewritten
    }

    /// The refusal, when any trip was refused.
    pub fn refusal(self) -> Option<RebaseOutcome> {
        (self.refused > 0).then(|| RebaseOutcome::Refused {
            listed: self.listed,
            refused: self.refused,
            by_reason: self.by_reason.into_iter().collect(),
        })
    }
}

/// A page of the campaign's trips in id order after a trip id; `campaign`, `after` and `limit`
/// are the backend's placeholders.
pub fn page_query(campaign: &str, after: &str, limit: &str) -> String {
    format!(
        "SELECT {} FROM trips WHERE campaign_id = {campaign} AND id > {after} ORDER BY id LIMIT {limit}",
        super::rows::TRIP_COLUMNS
    )
}

/// The campaign's totals from its organizations' rollups, in the columns of
/// [`super::rows::totals`].
pub fn totals_query(campaign: &str) -> String {
    let sum = |column: &str| format!("CAST(COALESCE(SUM({column}), 0) AS BIGINT)");
    let columns: Vec<String> = [
        "trips",
        "participants",
        "distance_m",
        "co2e_g",
        "baseline_co2e_g",
        "savings_g",
        "active_minutes",
        "nox_saved_mg",
        "pm25_saved_mg",
        "air_incomplete_trips",
    ]
    .iter()
    .map(|c| sum(c))
    .collect();
    format!(
        "SELECT {} FROM org_totals WHERE campaign_id = {campaign}",
        columns.join(", ")
    )
}

/// The sums a rollup row keeps, over the trips of its group.
const SUMS: &str = "COUNT(*), SUM(distance_m), SUM(co2e_g), SUM(baseline_co2e_g), SUM(savings_g), \
    SUM(active_minutes), SUM(nox_saved_mg), SUM(pm25_saved_mg), \
    SUM(CASE WHEN air_complete THEN 0 ELSE 1 END)";

/// The columns [`SUMS`] fills.
const SUM_COLUMNS: &str = "trips, distance_m, co2e_g, baseline_co2e_g, savings_g, \
    active_minutes, nox_saved_mg, pm25_saved_mg, air_incomplete_trips";

/// The statements, in order, that replace every rollup of the campaign whose figures depend on
/// the trips' amounts with sums over its stored trips: organization totals, by mode, by day, and
/// the green days of regularity (a day is green for a participant with a trip saving CO2e).
/// `participants` (trip counts per participant) does not depend on amounts and stays.
/// `campaign` is the backend's placeholder; `weekday` turns the SQL expression of a date into
/// its ISO weekday (1 = Monday).
pub fn rebuild_statements(campaign: &str, weekday: impl Fn(&str) -> String) -> Vec<String> {
    let mut statements = Vec::new();
    let mut replace = |table: &str, insert: String| {
        statements.push(format!(
            "DELETE FROM {table} WHERE campaign_id = {campaign}"
        ));
        statements.push(insert);
    };
    replace(
        "org_totals",
        format!(
            "INSERT INTO org_totals (campaign_id, organization_id, participants, {SUM_COLUMNS})
             SELECT campaign_id, organization_id, COUNT(DISTINCT participant), {SUMS}
             FROM trips WHERE campaign_id = {campaign} GROUP BY campaign_id, organization_id"
        ),
    );
    for (table, column, source) in [
        ("org_mode_totals", "mode", "main_mode"),
        ("org_day_totals", "date", "date"),
    ] {
        replace(
            table,
            format!(
                "INSERT INTO {table} (campaign_id, organization_id, {column}, {SUM_COLUMNS})
                 SELECT campaign_id, organization_id, {source}, {SUMS}
                 FROM trips WHERE campaign_id = {campaign}
                 GROUP BY campaign_id, organization_id, {source}"
            ),
        );
    }
    replace(
        "participant_days",
        format!(
            "INSERT INTO participant_days (campaign_id, organization_id, participant, date, green_trips)
             SELECT campaign_id, organization_id, participant, date, COUNT(*)
             FROM trips WHERE campaign_id = {campaign} AND savings_g > 0
             GROUP BY campaign_id, organization_id, participant, date"
        ),
    );
    let day = weekday("date");
    replace(
        "org_weekday_days",
        format!(
            "INSERT INTO org_weekday_days (campaign_id, organization_id, weekday, green_days)
             SELECT campaign_id, organization_id, {day}, COUNT(*)
             FROM participant_days WHERE campaign_id = {campaign}
             GROUP BY campaign_id, organization_id, {day}"
        ),
    );
    statements
}
