//! Estimate answers written straight to bytes.
//!
//! `POST /v1/estimate` is the service's hottest path, and serde's generic serializer spent more
//! time on its answer than the calculation did: it escapes each of the ~40 keys of a four-leg
//! answer, walks its state machine per field, and formats a dozen floats. Here the keys are
//! literals, string values take a copy-only path when they need no escaping, and kilometres and
//! grams per km are written from the exact integers they come from (metres, µg per km). The bytes
//! are exactly those serde_json makes of [`EstimateResponse`] (tests compare the two over every
//! bundled set, region and mode, and the decimals over their whole range), so that type stays the
//! one description of the answer, and of the spec.

use serde_json::ser::{CompactFormatter, Formatter};

use crate::domain::estimate::{Estimate, LegOutcome};
use crate::factors::{FactorSet, GridRegion};

#[cfg(doc)]
use super::estimate::EstimateResponse;

/// Appends the answer for `estimate`, computed with `set`.
pub fn write_estimate(out: &mut Vec<u8>, set: &FactorSet, estimate: &Estimate<'_>) {
    out.extend_from_slice(b"{\"factor_set\":{\"id\":");
    string(out, set.id());
    out.extend_from_slice(b",\"version\":");
    string(out, set.version());
    out.extend_from_slice(b"},\"grid_region\":");
    match estimate.grid {
        Some(grid) => grid_region(out, set, grid),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"distance_km\":");
    kilometres(out, estimate.distance_m);
    out.extend_from_slice(b",\"co2e_g\":");
    integer(out, estimate.co2e_g);
    out.extend_from_slice(b",\"baseline\":");
    baseline(out, set, &estimate.baseline);
    out.extend_from_slice(b",\"savings_g\":");
    integer(out, estimate.savings_g);
    out.extend_from_slice(b",\"legs\":[");
    for (i, one) in estimate.legs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        leg(out, set, one);
    }
    out.extend_from_slice(b"]}");
}

fn grid_region(out: &mut Vec<u8>, set: &FactorSet, grid: &GridRegion) {
    out.extend_from_slice(b"{\"id\":");
    string(out, &grid.id);
    out.extend_from_slice(b",\"name\":{\"en\":");
    string(out, &grid.name.en);
    out.extend_from_slice(b",\"zh\":");
    string(out, &grid.name.zh);
    out.extend_from_slice(b"},\"co2e_g_per_kwh\":");
    number(out, grid.co2e_g_per_kwh);
    out.extend_from_slice(b",\"factor_from\":");
    string(out, &set.grid_regions()[grid.factor_from].id);
    out.push(b'}');
}

fn baseline(out: &mut Vec<u8>, set: &FactorSet, baseline: &LegOutcome<'_>) {
    out.extend_from_slice(b"{\"mode\":");
    string(out, baseline.factor.mode.as_str());
    out.extend_from_slice(b",\"distance_km\":");
    kilometres(out, baseline.distance_m);
    out.extend_from_slice(b",\"passengers\":");
    passengers(out, baseline.passengers);
    out.extend_from_slice(b",\"co2e_g_per_km\":");
    grams_per_km(out, baseline.ug_per_km);
    out.extend_from_slice(b",\"co2e_g\":");
    integer(out, baseline.co2e_g);
    out.extend_from_slice(b",\"source\":");
    string(out, &set.mode_file(baseline.factor).source);
    out.push(b'}');
}

fn leg(out: &mut Vec<u8>, set: &FactorSet, leg: &LegOutcome<'_>) {
    let file = set.mode_file(leg.factor);
    out.extend_from_slice(b"{\"mode\":");
    string(out, leg.factor.mode.as_str());
    out.extend_from_slice(b",\"distance_km\":");
    kilometres(out, leg.distance_m);
    out.extend_from_slice(b",\"passengers\":");
    passengers(out, leg.passengers);
    out.extend_from_slice(b",\"co2e_g_per_km\":");
    grams_per_km(out, leg.ug_per_km);
    out.extend_from_slice(b",\"basis\":");
    string(out, leg.factor.basis.as_str());
    out.extend_from_slice(b",\"co2e_g\":");
    integer(out, leg.co2e_g);
    out.extend_from_slice(b",\"source\":");
    string(out, &file.source);
    out.extend_from_slice(b",\"quality\":");
    string(out, file.quality.as_str());
    out.push(b'}');
}

fn passengers(out: &mut Vec<u8>, passengers: Option<u8>) {
    match passengers {
        Some(count) => integer(out, i64::from(count)),
        None => out.extend_from_slice(b"null"),
    }
}

/// A JSON string: copied as it is when nothing in it needs escaping (ids, labels, sources).
fn string(out: &mut Vec<u8>, value: &str) {
    // No early exit: a plain fold over the bytes vectorizes.
    let plain = !value.bytes().fold(false, |needs_escape, byte| {
        needs_escape | (byte < 0x20) | (byte == b'"') | (byte == b'\\')
    });
    if plain {
        out.reserve(value.len() + 2);
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    } else {
        // Writing to a Vec cannot fail, and a &str always serializes.
        let _ = serde_json::to_writer(&mut *out, value);
    }
}

/// Whole metres as kilometres, e.g. `11600` → `11.6`.
fn kilometres(out: &mut Vec<u8>, metres: i64) {
    decimal(out, metres, 3);
}

/// µg per km as grams per km, e.g. `30258000` → `30.258`.
fn grams_per_km(out: &mut Vec<u8>, ug_per_km: i64) {
    decimal(out, ug_per_km, 6);
}

/// `value ÷ 10^scale` as the shortest decimal with at least one fractional digit: what
/// serde_json writes for the `f64` nearest that quotient (the quotient's own digits are already
/// the shortest that read back as that `f64`). Values so small or so large that serde_json
/// would use an exponent (or negative ones, which none of ours are) take the float path, so the
/// bytes stay the same there too.
fn decimal(out: &mut Vec<u8>, value: i64, scale: u32) {
    let unit = 10_i64.pow(scale);
    // From 0.001 up serde_json writes plain digits, not an exponent; below 10^15 the integer's
    // digits are exact in an f64.
    if !(unit / 1000..1_000_000_000_000_000).contains(&value) {
        number(out, value as f64 / unit as f64);
        return;
    }
    integer(out, value / unit);
    out.push(b'.');
    let mut fraction = value % unit;
    let mut digits = scale;
    while digits > 1 && fraction % 10 == 0 {
        fraction /= 10;
        digits -= 1;
    }
    let mut buffer = [b'0'; 6];
    let field = &mut buffer[..digits as usize];
    for byte in field.iter_mut().rev() {
        *byte = b'0' + (fraction % 10) as u8;
        fraction /= 10;
    }
    out.extend_from_slice(field);
}

/// A number the way serde_json writes an `f64` (shortest round-trip form; `null` if not finite).
fn number(out: &mut Vec<u8>, value: f64) {
    if value.is_finite() {
        // Writing to a Vec cannot fail.
        let _ = CompactFormatter.write_f64(out, value);
    } else {
        out.extend_from_slice(b"null");
    }
}

fn integer(out: &mut Vec<u8>, value: i64) {
    // Writing to a Vec cannot fail.
    let _ = CompactFormatter.write_i64(out, value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::factors::Catalogue;
    use crate::http::estimate::{run, EstimateRequest, EstimateResponse, LegRequest};
    use crate::http::wire::WholeNumber;

    fn written(set: &FactorSet, estimate: &Estimate<'_>) -> String {
        let mut out = Vec::new();
        write_estimate(&mut out, set, estimate);
        String::from_utf8(out).expect("UTF-8")
    }

    fn serialized(set: &FactorSet, estimate: &Estimate<'_>) -> String {
        serde_json::to_string(&EstimateResponse::new(set, estimate)).expect("serializes")
    }

    #[test]
    fn every_set_region_and_mode_is_written_as_serde_writes_it() {
        let catalogue = Catalogue::bundled().expect("bundled sets load");
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
                        let (set, estimate) = run(&catalogue, request).expect("a valid request");
                        assert_eq!(
                            written(set, &estimate),
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
    fn strings_that_need_escaping_are_escaped_as_serde_escapes_them() {
        for text in [
            "",
            "plain",
            "Quote \" backslash \\ newline \n tab \t bell \u{7} end",
            "北京 \u{1f}",
            "\u{0}",
            "ü and \u{7f} and \u{2028}",
        ] {
            let mut out = Vec::new();
            string(&mut out, text);
            assert_eq!(
                String::from_utf8(out).expect("UTF-8"),
                serde_json::to_string(text).expect("serializes")
            );
        }
    }
}
