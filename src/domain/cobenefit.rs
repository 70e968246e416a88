//! Exact integer arithmetic for co-benefits: active minutes and tailpipe NOx and PM2.5.
//!
//! Speeds are held in whole metres per hour and pollutant factors in whole micrograms per km, so
//! a leg's minutes and milligrams are exact rational numbers, each rounded once, half away from
//! zero, like its CO2e (see [`super::grams`]).

use super::grams::{div_round_half_away, METRES_PER_KM};

/// Micrograms in one milligram.
pub const MICROGRAMS_PER_MILLIGRAM: i128 = 1_000;

/// Tailpipe pollutants in whole milligrams: NOx (as NO2) and exhaust PM2.5.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AirMg {
    /// NOx, mg.
    pub nox_mg: i64,
    /// Exhaust PM2.5, mg.
    pub pm25_mg: i64,
}

impl AirMg {
    /// The sum of both.
    pub fn plus(self, other: AirMg) -> AirMg {
        AirMg {
            nox_mg: self.nox_mg + other.nox_mg,
            pm25_mg: self.pm25_mg + other.pm25_mg,
        }
    }

    /// `self − other`, each pollutant on its own (a saving is baseline minus trip).
    pub fn minus(self, other: AirMg) -> AirMg {
        AirMg {
            nox_mg: self.nox_mg - other.nox_mg,
            pm25_mg: self.pm25_mg - other.pm25_mg,
        }
    }

    /// Both amounts times `factor` (1 or −1 when a trip enters or leaves a rollup).
    pub fn times(self, factor: i64) -> AirMg {
        AirMg {
            nox_mg: self.nox_mg * factor,
            pm25_mg: self.pm25_mg * factor,
        }
    }
}

/// A trip's co-benefits, computed once and stored with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TripCoBenefits {
    /// Sum of the active legs' whole minutes.
    pub active_minutes: i64,
    /// The trip's tailpipe pollutants (legs without `air` count 0).
    pub air: AirMg,
    /// The baseline's tailpipe pollutants (0 when its mode has no `air`).
    pub baseline_air: AirMg,
    /// `baseline_air − air`.
    pub air_saved: AirMg,
    /// Whether every leg and the baseline had `air` factors. False for trips stored before
    /// co-benefits were computed (they count 0 everywhere).
    pub air_complete: bool,
}

/// Whole minutes to travel `distance_m` at `speed_m_per_h`: `distance_m × 60 ÷ speed_m_per_h`,
/// rounded half away from zero. The speed must be positive (the factor loader ensures it).
pub fn active_minutes(distance_m: i64, speed_m_per_h: i64) -> i64 {
    let numerator = i128::from(distance_m) * 60;
    // Bounded by the distance limits, so the result always fits in i64.
    div_round_half_away(numerator, i128::from(speed_m_per_h.max(1))) as i64
}

/// Whole milligrams emitted over `distance_m` at `ug_per_km`, shared by `sharers` travellers.
pub fn leg_milligrams(distance_m: i64, ug_per_km: i64, sharers: u8) -> i64 {
    let numerator = i128::from(distance_m) * i128::from(ug_per_km);
    let denominator = METRES_PER_KM * MICROGRAMS_PER_MILLIGRAM * i128::from(sharers.max(1));
    // Bounded by the distance and factor limits, so the result always fits in i64.
    div_round_half_away(numerator, denominator) as i64
}

/// Milligrams per km for display, from micrograms per km.
pub fn mg_per_km_from_ug(ug_per_km: i64) -> f64 {
    ug_per_km as f64 / 1e3
}

/// Active minutes per participant per week, in tenths, rounded half away from zero:
/// `minutes ÷ participants ÷ (days ÷ 7)` = `minutes × 70 ÷ (participants × days)` tenths; 0
/// without participants or days.
pub fn minutes_per_participant_week_x10(minutes: i64, participants: i64, days: i64) -> i64 {
    if participants <= 0 || days <= 0 {
        return 0;
    }
    div_round_half_away(
        i128::from(minutes) * 70,
        i128::from(participants) * i128::from(days),
    ) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_are_distance_over_speed_rounded_half_away_from_zero() {
        // WHO HEAT walking speed 4.8 km/h: 2 km → 25 min exactly; 1 km → 12.5 → 13.
        assert_eq!(active_minutes(2_000, 4_800), 25);
        assert_eq!(active_minutes(1_000, 4_800), 13);
        // Cycling 14 km/h: 3.5 km → 15 min; 1 km → 4.285… → 4.
        assert_eq!(active_minutes(3_500, 14_000), 15);
        assert_eq!(active_minutes(1_000, 14_000), 4);
        // 100 m on foot is 1.25 min → 1; 20 m is 0.25 → 0.
        assert_eq!(active_minutes(100, 4_800), 1);
        assert_eq!(active_minutes(20, 4_800), 0);
    }

    #[test]
    fn milligrams_divide_by_the_sharers_before_rounding_once() {
        // 10 km × 147 mg/km = 1470 mg; shared by 4: 367.5 → 368.
        assert_eq!(leg_milligrams(10_000, 147_000, 1), 1_470);
        assert_eq!(leg_milligrams(10_000, 147_000, 4), 368);
        // 1 km × 0.5 mg/km = 0.5 → 1; × 0.499 → 0.
        assert_eq!(leg_milligrams(1_000, 500, 1), 1);
        assert_eq!(leg_milligrams(1_000, 499, 1), 0);
    }

    #[test]
    fn minutes_per_participant_week_have_one_decimal_and_zero_without_participants() {
        // 300 min by 2 people over 14 days: 75.0 a week each.
        assert_eq!(minutes_per_participant_week_x10(300, 2, 14), 750);
        // 100 min, 3 people, 10 days: 23.333… → 23.3.
        assert_eq!(minutes_per_participant_week_x10(100, 3, 10), 233);
        // 1 min, 4 people, 14 days: 0.125 → 0.1; 3 min: 0.375 → 0.4.
        assert_eq!(minutes_per_participant_week_x10(1, 4, 14), 1);
        assert_eq!(minutes_per_participant_week_x10(3, 4, 14), 4);
        assert_eq!(minutes_per_participant_week_x10(500, 0, 14), 0);
    }

    #[test]
    fn air_amounts_add_and_subtract_per_pollutant() {
        let trip = AirMg {
            nox_mg: 10,
            pm25_mg: 1,
        };
        let baseline = AirMg {
            nox_mg: 4,
            pm25_mg: 3,
        };
        assert_eq!(
            baseline.minus(trip),
            AirMg {
                nox_mg: -6,
                pm25_mg: 2
            }
        );
        assert_eq!(trip.plus(baseline).times(-1).nox_mg, -14);
    }
}
