//! Exact integer arithmetic for CO2e amounts.
//!
//! Factors are held in micrograms per km and distances in metres, so a leg's amount is an exact
//! rational number that is rounded once, half away from zero, to whole grams.

/// Micrograms in one gram.
pub const MICROGRAMS_PER_GRAM: i128 = 1_000_000;
/// Metres in one kilometre.
pub const METRES_PER_KM: i128 = 1_000;

/// `numerator / denominator` rounded half away from zero; `denominator` must be positive.
pub fn div_round_half_away(numerator: i128, denominator: i128) -> i128 {
    debug_assert!(denominator > 0);
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if 2 * remainder.abs() >= denominator {
        quotient + numerator.signum()
    } else {
        quotient
    }
}

/// Whole grams emitted over `distance_m` at `ug_per_km`, shared by `sharers` travellers.
pub fn leg_grams(distance_m: i64, ug_per_km: i64, sharers: u8) -> i64 {
    let numerator = i128::from(distance_m) * i128::from(ug_per_km);
    let denominator = METRES_PER_KM * MICROGRAMS_PER_GRAM * i128::from(sharers.max(1));
    // Bounded by the distance and factor limits, so the result always fits in i64.
    div_round_half_away(numerator, denominator) as i64
}

/// Converts grams per km to whole micrograms per km (the precision factors are held at).
pub fn ug_per_km_from_g(g_per_km: f64) -> i64 {
    (g_per_km * 1e6).round() as i64
}

/// Grams per km for display, from micrograms per km.
pub fn g_per_km_from_ug(ug_per_km: i64) -> f64 {
    ug_per_km as f64 / 1e6
}

/// `total ÷ count` rounded half away from zero, 0 when `count` is 0.
pub fn per_capita(total: i64, count: i64) -> i64 {
    if count <= 0 {
        return 0;
    }
    div_round_half_away(i128::from(total), i128::from(count)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_round_away_from_zero() {
        assert_eq!(div_round_half_away(5, 2), 3);
        assert_eq!(div_round_half_away(-5, 2), -3);
        assert_eq!(div_round_half_away(7, 2), 4);
        assert_eq!(div_round_half_away(4, 3), 1);
        assert_eq!(div_round_half_away(-4, 3), -1);
        assert_eq!(div_round_half_away(0, 7), 0);
    }

    #[test]
    fn a_leg_of_ten_km_at_167_25_g_is_1673_g() {
        assert_eq!(leg_grams(10_000, ug_per_km_from_g(167.25), 1), 1673);
    }

    #[test]
    fn car_pool_divides_before_rounding() {
        // 10 km × 167.25 g/km ÷ 3 = 557.5 → 558
        assert_eq!(leg_grams(10_000, 167_250_000, 3), 558);
        // 1 km × 1 g/km ÷ 4 = 0.25 → 0
        assert_eq!(leg_grams(1_000, 1_000_000, 4), 0);
    }

    #[test]
    fn factors_keep_microgram_precision() {
        assert_eq!(ug_per_km_from_g(0.0084 * 177.0), 1_486_800);
        assert_eq!(ug_per_km_from_g(28.6), 28_600_000);
    }

    #[test]
    fn per_capita_rounds_half_away() {
        assert_eq!(per_capita(5, 2), 3);
        assert_eq!(per_capita(-5, 2), -3);
        assert_eq!(per_capita(10, 0), 0);
    }
}
