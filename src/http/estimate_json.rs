//! Estimate answers written straight to bytes.
//!
//! `POST /v1/estimate` is the service's hottest path, and serde's generic serializer spent more
//! time on its answer than the calculation did: it escapes each of the ~40 keys of a four-leg
//! answer and walks its state machine per field. Here the keys are literals and the string values
//! take a copy-only path when they need no escaping. The bytes are exactly those serde_json makes
//! of [`EstimateResponse`] (a test compares the two over every bundled set, region and mode), so
//! that type stays the one description of the answer, and of the spec.

use serde_json::ser::{CompactFormatter, Formatter};

use super::estimate::{BaselineResponse, EstimateResponse, GridRegionUsed, LegResponse};

/// Appends `estimate` as JSON.
pub fn write_estimate(out: &mut Vec<u8>, estimate: &EstimateResponse<'_>) {
    out.extend_from_slice(b"{\"factor_set\":{\"id\":");
    string(out, estimate.factor_set.id);
    out.extend_from_slice(b",\"version\":");
    string(out, estimate.factor_set.version);
    out.extend_from_slice(b"},\"grid_region\":");
    match &estimate.grid_region {
        Some(grid) => grid_region(out, grid),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"distance_km\":");
    number(out, estimate.distance_km);
    out.extend_from_slice(b",\"co2e_g\":");
    integer(out, estimate.co2e_g);
    out.extend_from_slice(b",\"baseline\":");
    baseline(out, &estimate.baseline);
    out.extend_from_slice(b",\"savings_g\":");
    integer(out, estimate.savings_g);
    out.extend_from_slice(b",\"legs\":[");
    for (i, one) in estimate.legs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        leg(out, one);
    }
    out.extend_from_slice(b"]}");
}

fn grid_region(out: &mut Vec<u8>, grid: &GridRegionUsed<'_>) {
    out.extend_from_slice(b"{\"id\":");
    string(out, grid.id);
    out.extend_from_slice(b",\"name\":{\"en\":");
    string(out, &grid.name.en);
    out.extend_from_slice(b",\"zh\":");
    string(out, &grid.name.zh);
    out.extend_from_slice(b"},\"co2e_g_per_kwh\":");
    number(out, grid.co2e_g_per_kwh);
    out.extend_from_slice(b",\"factor_from\":");
    string(out, grid.factor_from);
    out.push(b'}');
}

fn baseline(out: &mut Vec<u8>, baseline: &BaselineResponse<'_>) {
    out.extend_from_slice(b"{\"mode\":");
    string(out, baseline.mode);
    out.extend_from_slice(b",\"distance_km\":");
    number(out, baseline.distance_km);
    out.extend_from_slice(b",\"passengers\":");
    passengers(out, baseline.passengers);
    out.extend_from_slice(b",\"co2e_g_per_km\":");
    number(out, baseline.co2e_g_per_km);
    out.extend_from_slice(b",\"co2e_g\":");
    integer(out, baseline.co2e_g);
    out.extend_from_slice(b",\"source\":");
    string(out, baseline.source);
    out.push(b'}');
}

fn leg(out: &mut Vec<u8>, leg: &LegResponse<'_>) {
    out.extend_from_slice(b"{\"mode\":");
    string(out, leg.mode);
    out.extend_from_slice(b",\"distance_km\":");
    number(out, leg.distance_km);
    out.extend_from_slice(b",\"passengers\":");
    passengers(out, leg.passengers);
    out.extend_from_slice(b",\"co2e_g_per_km\":");
    number(out, leg.co2e_g_per_km);
    out.extend_from_slice(b",\"basis\":");
    string(out, leg.basis);
    out.extend_from_slice(b",\"co2e_g\":");
    integer(out, leg.co2e_g);
    out.extend_from_slice(b",\"source\":");
    string(out, leg.source);
    out.extend_from_slice(b",\"quality\":");
    string(out, leg.quality.as_str());
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
    use crate::factors::{Catalogue, LabelFile, Quality};
    use crate::http::estimate::{run, EstimateRequest, LegRequest};
    use crate::http::wire::{FactorSetRef, WholeNumber};

    fn written(estimate: &EstimateResponse<'_>) -> String {
        let mut out = Vec::new();
        write_estimate(&mut out, estimate);
        String::from_utf8(out).expect("UTF-8")
    }

    fn serialized(estimate: &EstimateResponse<'_>) -> String {
        serde_json::to_string(estimate).expect("serializes")
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
                        let estimate = run(&catalogue, request).expect("a valid request");
                        assert_eq!(written(&estimate), serialized(&estimate), "{shown}");
                        compared += 1;
                    }
                }
            }
        }
        assert!(compared > 500, "compared only {compared} answers");
    }

    #[test]
    fn strings_that_need_escaping_are_escaped_as_serde_escapes_them() {
        let name = LabelFile {
            en: "Quote \" backslash \\ newline \n tab \t bell \u{7} end".into(),
            zh: "北京 \u{1f}".into(),
        };
        let estimate = EstimateResponse {
            factor_set: FactorSetRef {
                id: "a\"b",
                version: "1\\2",
            },
            grid_region: Some(GridRegionUsed {
                id: "CN-BJ",
                name: &name,
                co2e_g_per_kwh: 558.1,
                factor_from: "\u{0}",
            }),
            distance_km: 1e-7,
            co2e_g: -3,
            baseline: BaselineResponse {
                mode: "car",
                distance_km: 1e21,
                passengers: Some(9),
                co2e_g_per_km: f64::NAN,
                co2e_g: i64::MIN,
                source: "ü",
            },
            savings_g: i64::MAX,
            legs: vec![LegResponse {
                mode: "m",
                distance_km: f64::INFINITY,
                passengers: None,
                co2e_g_per_km: 0.1 + 0.2,
                basis: "passenger_km",
                co2e_g: 0,
                source: "",
                quality: Quality::Proxy,
            }],
        };
        assert_eq!(written(&estimate), serialized(&estimate));
    }
}
