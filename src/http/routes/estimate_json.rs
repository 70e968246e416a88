//! Estimate answers written straight to bytes.
//!
//! `POST /v1/estimate` is the service's hottest path, and serde's generic serializer spent more
//! time on its answer than the calculation did: it escapes each of the ~40 keys of a four-leg
//! answer, walks its state machine per field, and formats a dozen floats. Here everything that
//! depends only on the factor set (its id, each grid region, each mode's id, basis, source and
//! quality, with their keys) is written once per set, kilometres and grams per km are written
//! from the exact integers they come from (metres, µg per km), and an answer is a few copies and
//! a few numbers. The bytes are exactly those serde_json makes of [`EstimateResponse`] (tests
//! compare the two over every bundled set, region and mode, and the decimals over their whole
//! range), so that type stays the one description of the answer, and of the spec.

use std::sync::Arc;

use bytes::BufMut;
use serde_json::ser::{CompactFormatter, Formatter};

use crate::calculator::{Estimate, LegOutcome};
use crate::domain::cobenefit::AirMg;
use crate::factors::{Catalogue, FactorSet};

#[cfg(doc)]
use super::estimate::EstimateResponse;

/// Writes estimate answers, with the set-only parts of every catalogue set written beforehand.
pub struct EstimateWriter {
    sets: Vec<(Arc<FactorSet>, SetJson)>,
}

impl EstimateWriter {
    /// Prepares every set of `catalogue`.
    pub fn new(catalogue: &Catalogue) -> Self {
        Self {
            sets: catalogue
                .sets()
                .iter()
                .map(|set| (set.clone(), SetJson::new(set)))
                .collect(),
        }
    }

    /// Appends the answer for `estimate`, computed with `set`.
    pub fn write(&self, out: &mut impl BufMut, set: &FactorSet, estimate: &Estimate<'_>) {
        match self
            .sets
            .iter()
            .find(|(known, _)| std::ptr::eq(&**known, set))
        {
            Some((_, json)) => json.write(out, set, estimate),
            // Only sets of the catalogue are estimated against; any other is prepared on the spot.
            None => SetJson::new(set).write(out, set, estimate),
        }
    }
}

/// The parts of an answer that depend only on the set, each with the keys around it.
struct SetJson {
    /// `{"factor_set":{"id":…,"version":…},"grid_region":`
    opening: Vec<u8>,
    /// Each grid region's object, in the set's order.
    regions: Vec<Vec<u8>>,
    /// Each mode's parts, in the set's order.
    modes: Vec<ModeJson>,
}

struct ModeJson {
    /// `{"mode":…,"distance_km":`
    opening: Vec<u8>,
    /// `,"basis":…,"co2e_g":`
    basis: Vec<u8>,
    /// `,"source":…,"quality":…}`: the end of a leg.
    leg_closing: Vec<u8>,
    /// `,"source":…}`: the end of a baseline.
    baseline_closing: Vec<u8>,
}

impl SetJson {
    fn new(set: &FactorSet) -> Self {
        let mut opening = b"{\"factor_set\":{\"id\":".to_vec();
        string(&mut opening, set.id());
        opening.extend_from_slice(b",\"version\":");
        string(&mut opening, set.version());
        opening.extend_from_slice(b"},\"grid_region\":");
        let regions = set
            .grid_regions()
            .iter()
            .map(|grid| {
                let mut out = b"{\"id\":".to_vec();
                string(&mut out, &grid.id);
                out.extend_from_slice(b",\"name\":{\"en\":");
                string(&mut out, &grid.name.en);
                out.extend_from_slice(b",\"zh\":");
                string(&mut out, &grid.name.zh);
                out.extend_from_slice(b"},\"co2e_g_per_kwh\":");
                number(&mut out, grid.co2e_g_per_kwh);
                out.extend_from_slice(b",\"factor_from\":");
                string(&mut out, &set.grid_regions()[grid.factor_from].id);
                out.push(b'}');
                out
            })
            .collect();
        let modes = set
            .modes()
            .iter()
            .map(|mode| {
                let file = set.mode_file(mode);
                let mut opening = b"{\"mode\":".to_vec();
                string(&mut opening, mode.mode.as_str());
                opening.extend_from_slice(b",\"distance_km\":");
                let mut basis = b",\"basis\":".to_vec();
                string(&mut basis, mode.basis.as_str());
                basis.extend_from_slice(b",\"co2e_g\":");
                let mut baseline_closing = b",\"source\":".to_vec();
                string(&mut baseline_closing, &file.source);
                let mut leg_closing = baseline_closing.clone();
                baseline_closing.push(b'}');
                leg_closing.extend_from_slice(b",\"quality\":");
                string(&mut leg_closing, file.quality.as_str());
                leg_closing.push(b'}');
                ModeJson {
                    opening,
                    basis,
                    leg_closing,
                    baseline_closing,
                }
            })
            .collect();
        Self {
            opening,
            regions,
            modes,
        }
    }

    fn write(&self, out: &mut impl BufMut, set: &FactorSet, estimate: &Estimate<'_>) {
        out.put_slice(&self.opening);
        let region = estimate.grid.and_then(|grid| {
            set.grid_regions()
                .iter()
                .position(|known| std::ptr::eq(known, grid))
        });
        match region {
            Some(i) => out.put_slice(&self.regions[i]),
            None => out.put_slice(b"null"),
        }
        out.put_slice(b",\"distance_km\":");
        kilometres(out, estimate.distance_m);
        out.put_slice(b",\"co2e_g\":");
        integer(out, estimate.co2e_g);
        out.put_slice(b",\"baseline\":");
        self.baseline(out, &estimate.baseline);
        out.put_slice(b",\"savings_g\":");
        integer(out, estimate.savings_g);
        out.put_slice(b",\"active_minutes\":");
        integer(out, estimate.active_minutes);
        out.put_slice(b",\"air\":");
        air(out, estimate.air);
        out.put_slice(b",\"air_saved\":");
        air(out, estimate.air_saved);
        out.put_slice(if estimate.air_complete {
            b",\"air_complete\":true"
        } else {
            b",\"air_complete\":false"
        });
        out.put_slice(b",\"legs\":[");
        for (i, leg) in estimate.legs.iter().enumerate() {
            if i > 0 {
                out.put_u8(b',');
            }
            self.leg(out, leg);
        }
        out.put_slice(b"]}");
    }

    fn baseline(&self, out: &mut impl BufMut, baseline: &LegOutcome<'_>) {
        let mode = self.outcome_opening(out, baseline);
        out.put_slice(b",\"co2e_g\":");
        integer(out, baseline.co2e_g);
        out.put_slice(b",\"air\":");
        air(out, baseline.air.unwrap_or_default());
        out.put_slice(&mode.baseline_closing);
    }

    fn leg(&self, out: &mut impl BufMut, leg: &LegOutcome<'_>) {
        let mode = self.outcome_opening(out, leg);
        out.put_slice(&mode.basis);
        integer(out, leg.co2e_g);
        out.put_slice(b",\"active_minutes\":");
        match leg.active_minutes {
            Some(minutes) => integer(out, minutes),
            None => out.put_slice(b"null"),
        }
        out.put_slice(b",\"air\":");
        match leg.air {
            Some(amounts) => air(out, amounts),
            None => out.put_slice(b"null"),
        }
        out.put_slice(&mode.leg_closing);
    }

    /// What a leg and a baseline share: mode, distance, passengers and factor.
    fn outcome_opening(&self, out: &mut impl BufMut, outcome: &LegOutcome<'_>) -> &ModeJson {
        let mode = &self.modes[outcome.factor.index];
        out.put_slice(&mode.opening);
        kilometres(out, outcome.distance_m);
        out.put_slice(b",\"passengers\":");
        passengers(out, outcome.passengers);
        out.put_slice(b",\"co2e_g_per_km\":");
        grams_per_km(out, outcome.ug_per_km);
        mode
    }
}

fn passengers(out: &mut impl BufMut, passengers: Option<u8>) {
    match passengers {
        Some(count) => integer(out, i64::from(count)),
        None => out.put_slice(b"null"),
    }
}

/// `{"nox_mg":…,"pm25_mg":…}`.
fn air(out: &mut impl BufMut, amounts: AirMg) {
    out.put_slice(b"{\"nox_mg\":");
    integer(out, amounts.nox_mg);
    out.put_slice(b",\"pm25_mg\":");
    integer(out, amounts.pm25_mg);
    out.put_u8(b'}');
}

/// A JSON string, as serde_json escapes it (only ever written when a set is prepared).
fn string(out: &mut Vec<u8>, value: &str) {
    // Writing to a Vec cannot fail, and a &str always serializes.
    let _ = serde_json::to_writer(out, value);
}

/// Whole metres as kilometres, e.g. `11600` → `11.6`.
fn kilometres(out: &mut impl BufMut, metres: i64) {
    decimal(out, metres, 3);
}

/// µg per km as grams per km, e.g. `30258000` → `30.258`.
fn grams_per_km(out: &mut impl BufMut, ug_per_km: i64) {
    decimal(out, ug_per_km, 6);
}

/// `value ÷ 10^scale` (scale 3 or 6) as the shortest decimal with at least one fractional
/// digit: what serde_json writes for the `f64` nearest that quotient (the quotient's own digits
/// are already the shortest that read back as that `f64`). Values so small or so large that
/// serde_json would use an exponent (or negative ones, which none of ours are) take the float
/// path, so the bytes stay the same there too.
fn decimal(out: &mut impl BufMut, value: i64, scale: u32) {
    debug_assert!(
        scale == 3 || scale == 6,
        "fractions are written in groups of three"
    );
    let unit = 10_i64.pow(scale);
    // From 0.001 up serde_json writes plain digits, not an exponent; below 10^15 the integer's
    // digits are exact in an f64.
    if !(unit / 1000..1_000_000_000_000_000).contains(&value) {
        number(out, value as f64 / unit as f64);
        return;
    }
    integer(out, value / unit);
    out.put_u8(b'.');
    // The fraction in groups of three digits, the last group without its trailing zeros (and
    // "0" when the whole fraction is zero).
    let fraction = (value % unit) as usize;
    let (high, low) = if scale == 6 {
        (fraction / 1000, fraction % 1000)
    } else {
        (fraction, 0)
    };
    if low == 0 {
        out.put_slice(THREE_DIGITS.trimmed(high));
    } else {
        out.put_slice(THREE_DIGITS.full(high));
        out.put_slice(THREE_DIGITS.trimmed(low));
    }
}

/// 000 to 999 as three ASCII digits, with how many remain once trailing zeros go (at least
/// one): the digits of a fraction are copied, not computed one division at a time.
struct ThreeDigits {
    digits: [[u8; 3]; 1000],
    kept: [u8; 1000],
}

impl ThreeDigits {
    const fn new() -> Self {
        let mut digits = [[0u8; 3]; 1000];
        let mut kept = [0u8; 1000];
        let mut n = 0;
        while n < 1000 {
            digits[n] = [
                b'0' + (n / 100) as u8,
                b'0' + (n / 10 % 10) as u8,
                b'0' + (n % 10) as u8,
            ];
            kept[n] = if n % 100 == 0 {
                1
            } else if n % 10 == 0 {
                2
            } else {
                3
            };
            n += 1;
        }
        Self { digits, kept }
    }

    fn full(&self, n: usize) -> &[u8] {
        &self.digits[n]
    }

    fn trimmed(&self, n: usize) -> &[u8] {
        &self.digits[n][..usize::from(self.kept[n])]
    }
}

static THREE_DIGITS: ThreeDigits = ThreeDigits::new();

/// A number the way serde_json writes an `f64` (shortest round-trip form; `null` if not finite).
fn number(out: &mut impl BufMut, value: f64) {
    if value.is_finite() {
        // Writing to a growable buffer (Vec, BytesMut) cannot fail.
        let _ = CompactFormatter.write_f64(&mut out.writer(), value);
    } else {
        out.put_slice(b"null");
    }
}

/// An integer as serde_json writes it (itoa, which serde_json itself uses), without the
/// `io::Write` adapter around the buffer.
fn integer(out: &mut impl BufMut, value: i64) {
    out.put_slice(itoa::Buffer::new().format(value).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::factors::Catalogue;
    use crate::http::routes::estimate::{EstimateRequest, EstimateResponse, LegRequest};
    use crate::http::routes::wire::WholeNumber;

    /// The estimate a request asks for, under a set of the catalogue.
    fn run(catalogue: &Catalogue, request: EstimateRequest) -> (&FactorSet, Estimate<'_>) {
        let (set_id, region, plan) = request.into_parts();
        let set = catalogue
            .get(set_id.as_deref().expect("the tests name their set"))
            .expect("a bundled set");
        let grid =
            crate::calculator::resolve_grid(set, region.as_deref()).expect("a region of the set");
        let plan = plan.expect("a valid plan");
        let estimate = crate::calculator::estimate(set, grid, &plan, None).expect("a valid trip");
        (set, estimate)
    }

    fn written(writer: &EstimateWriter, set: &FactorSet, estimate: &Estimate<'_>) -> String {
        let mut out = Vec::new();
        writer.write(&mut out, set, estimate);
        String::from_utf8(out).expect("UTF-8")
    }

    fn serialized(set: &FactorSet, estimate: &Estimate<'_>) -> String {
        serde_json::to_string(&EstimateResponse::new(set, estimate)).expect("serializes")
    }

    #[test]
    fn every_set_region_and_mode_is_written_as_serde_writes_it() {
        let catalogue = Catalogue::bundled().expect("bundled sets load");
        let writer = EstimateWriter::new(&catalogue);
        let distances: [f64; 7] = [0.001, 0.6, 2.0, 9.0, 12.345, 99.999, 123.4];
        let mut compared = 0;
        for set in catalogue.sets() {
            let mut regions: Vec<Option<String>> = vec![None];
            regions.extend(set.grid_regions().iter().map(|r| Some(r.id.clone())));
            for region in &regions {
                for (m, mode) in set.modes().iter().enumerate() {
                    let km = distances[m % distances.len()];
                    let per_vehicle = mode.basis.as_str() == "vehicle_km";
                    let passengers = per_vehicle.then_some(WholeNumber(1 + (m as i64 % 4)));
                    let single = EstimateRequest {
                        factor_set: Some(set.id().to_owned()),
                        region: region.clone(),
                        mode: Some(mode.mode.as_str().to_owned()),
                        distance_km: Some(km.min(mode.max_distance_m as f64 / 1000.0)),
                        passengers,
                        round_trip: Some(m % 2 == 0),
                        ..EstimateRequest::default()
                    };
                    let legs = EstimateRequest {
                        factor_set: Some(set.id().to_owned()),
                        region: region.clone(),
                        legs: Some(vec![
                            LegRequest {
                                mode: "walk".into(),
                                distance_km: 0.75,
                                passengers: None,
                            },
                            LegRequest {
                                mode: mode.mode.as_str().to_owned(),
                                distance_km: 1.5,
                                passengers,
                            },
                        ]),
                        ..EstimateRequest::default()
                    };
                    for request in [single, legs] {
                        if mode.mode.is_telework() && request.legs.is_some() {
                            continue;
                        }
                        let shown = format!("{request:?}");
                        let (set, estimate) = run(&catalogue, request);
                        assert_eq!(
                            written(&writer, set, &estimate),
                            serialized(set, &estimate),
                            "{shown}"
                        );
                        compared += 1;
                    }
                }
            }
        }
        assert!(compared > 500, "compared only {compared} answers");
    }

    fn by_serde(value: f64) -> String {
        serde_json::to_string(&value).expect("serializes")
    }

    fn by_decimal(value: i64, scale: u32) -> String {
        let mut out = Vec::new();
        decimal(&mut out, value, scale);
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn kilometres_and_grams_per_km_read_as_serde_writes_their_floats() {
        let mut checked = 0;
        let mut check = |value: i64, scale: u32| {
            let unit = 10_i64.pow(scale) as f64;
            assert_eq!(
                by_decimal(value, scale),
                by_serde(value as f64 / unit),
                "{value} / 10^{scale}"
            );
            checked += 1;
        };
        for value in 0..=1_000_000 {
            check(value, 3);
            check(value, 6);
        }
        // A deterministic spread over every magnitude, up to and past the plain-digits range.
        let mut value: i64 = 1;
        let mut step: u64 = 0x9e37_79b9_7f4a_7c15;
        while value < i64::MAX / 3 {
            for scale in [3, 6] {
                check(value, scale);
                check(value + 1, scale);
                check(value - 1, scale);
            }
            step = step.rotate_left(7) ^ 0x2545_f491_4f6c_dd1d;
            value = value.saturating_mul(3) / 2 + (step % 1000) as i64 + 1;
        }
        for value in [-1, -1500, i64::MIN, i64::MAX] {
            check(value, 3);
            check(value, 6);
        }
        assert!(checked > 2_000_000);
    }

    #[test]
    fn a_set_outside_the_catalogue_with_names_that_need_escaping_is_written_as_serde_writes_it() {
        let catalogue = Catalogue::bundled().expect("bundled sets load");
        let writer = EstimateWriter::new(&catalogue);
        let mut file = serde_json::to_value(catalogue.default_set().file()).expect("serializes");
        file["id"] = "quoted-set".into();
        file["version"] = "1 \"beta\"".into();
        file["grid_regions"][0]["name"]["en"] = "Back\\slash, \"quote\", tab\t, bell\u{7}".into();
        let set = crate::factors::parse("test", &file.to_string()).expect("still a valid set");
        let region = set.grid_regions()[0].id.clone();
        let request = EstimateRequest {
            region: Some(region.clone()),
            legs: Some(vec![
                LegRequest {
                    mode: "e_bike".into(),
                    distance_km: 3.25,
                    passengers: None,
                },
                LegRequest {
                    mode: "car".into(),
                    distance_km: 7.0,
                    passengers: Some(WholeNumber(2)),
                },
            ]),
            ..EstimateRequest::default()
        };
        let plan = request.into_plan().expect("a valid plan");
        let grid = set.find_grid_region(&region);
        let estimate = crate::calculator::estimate(&set, grid, &plan, None).expect("valid");
        let answer = written(&writer, &set, &estimate);
        assert!(
            answer.contains(r#""en":"Back\\slash, \"quote\", tab\t, bell\u0007""#),
            "{answer}"
        );
        assert_eq!(answer, serialized(&set, &estimate));
    }
}
