//! The loader's refusals, each naming file, mode and field.

use serde_json::{json, Value};

use super::{parse, MAX_ALIAS_CHARS};
use crate::factors::{Active, Air};

const UK: &str = include_str!("../../../emission_factors/uk-desnz-2025.json");

fn uk() -> Value {
    serde_json::from_str(UK).expect("a bundled file is JSON")
}

/// The mode entry `id` of a set file.
fn mode<'a>(set: &'a mut Value, id: &str) -> &'a mut Value {
    set["modes"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|m| m["mode"] == id)
        .unwrap_or_else(|| panic!("no mode {id}"))
}

/// The aliases of mode `id` in a set file.
fn aliases<'a>(set: &'a mut Value, id: &str) -> &'a mut Vec<Value> {
    mode(set, id)["aliases"]
        .as_array_mut()
        .expect("every bundled mode has aliases")
}

/// Adds `alias` to mode `id`; returns its index in the list.
fn add_alias(set: &mut Value, id: &str, alias: &str) -> usize {
    let list = aliases(set, id);
    list.push(json!(alias));
    list.len() - 1
}

/// The loader's message for `set`, which must be refused.
#[track_caller]
fn refusal(set: &Value) -> String {
    match parse("x.json", &set.to_string()) {
        Ok(_) => panic!("the broken set was accepted"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn an_alias_that_is_another_modes_label_names_file_mode_and_field() {
    // Arrange: metro is modes[7]; 公交车 is the Chinese label of bus.
    let mut set = uk();
    let j = add_alias(&mut set, "metro", "公交车");

    // Act
    let message = refusal(&set);

    // Assert
    assert_eq!(
        message,
        format!(
            "x.json: modes[7] (metro).aliases[{j}]: `公交车` is the label.zh of mode `bus`; \
             an alias must name one mode only"
        )
    );
}

#[test]
fn an_alias_that_is_another_modes_english_label_or_id_after_normalization_is_refused() {
    for (mode, alias, expected) in [
        (
            "taxi",
            "car （FUEL unknown）",
            "is the label.en of mode `car`",
        ),
        ("coach", "Bus", "is the id of mode `bus`"),
        ("light_rail", "地铁", "is the label.zh of mode `metro`"),
    ] {
        // Arrange
        let mut set = uk();
        let j = add_alias(&mut set, mode, alias);

        // Act
        let message = refusal(&set);

        // Assert
        assert!(message.starts_with("x.json: modes["), "{message}");
        assert!(
            message.contains(&format!("({mode}).aliases[{j}]: `{alias}` {expected}")),
            "{message}"
        );
    }
}

#[test]
fn an_alias_of_two_modes_is_refused_at_the_second() {
    // Arrange: tube is an alias of metro (modes[7]); light_rail is modes[8].
    let mut set = uk();
    let j = add_alias(&mut set, "light_rail", "[T U B E]");

    // Act
    let message = refusal(&set);

    // Assert
    assert!(
        message.starts_with(&format!("x.json: modes[8] (light_rail).aliases[{j}]: ")),
        "{message}"
    );
    assert!(
        message.contains("is also an alias of mode `metro` (`tube`)"),
        "{message}"
    );
}

#[test]
fn an_alias_listed_twice_in_one_mode_is_refused() {
    // Arrange
    let mut set = uk();
    let first = aliases(&mut set, "metro")
        .iter()
        .position(|a| a == "subway")
        .expect("subway is an alias of metro");
    let j = add_alias(&mut set, "metro", "SUB WAY");

    // Act
    let message = refusal(&set);

    // Assert
    assert!(
        message.starts_with(&format!("x.json: modes[7] (metro).aliases[{j}]: ")),
        "{message}"
    );
    assert!(
        message.contains(&format!("repeats aliases[{first}] `subway`")),
        "{message}"
    );
}

#[test]
fn a_badly_written_alias_is_refused_naming_it() {
    let too_long = "长".repeat(MAX_ALIAS_CHARS + 1);
    for (alias, expected) in [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        (" 地铁", "must not start or end with spaces"),
        ("地铁\u{3000}", "must not start or end with spaces"),
        (too_long.as_str(), "is longer than 32 characters"),
        ("sub\u{7}way", "contains a control character"),
        ("（ ）", "has nothing but spaces and brackets"),
    ] {
        // Arrange
        let mut set = uk();
        let j = add_alias(&mut set, "metro", alias);

        // Act
        let message = refusal(&set);

        // Assert
        assert!(
            message.starts_with(&format!("x.json: modes[7] (metro).aliases[{j}]: ")),
            "{alias:?}: {message}"
        );
        assert!(message.contains(expected), "{alias:?}: {message}");
    }
}

#[test]
fn an_alias_of_32_characters_and_one_repeating_its_own_label_are_accepted() {
    // Arrange
    let mut set = uk();
    add_alias(&mut set, "metro", &"长".repeat(MAX_ALIAS_CHARS));
    add_alias(&mut set, "metro", "（地铁）");

    // Act
    let loaded = parse("x.json", &set.to_string());

    // Assert
    let loaded = loaded.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        loaded.mode_by_name("地铁").map(|m| m.mode.as_str()),
        Some("metro")
    );
}

#[test]
fn a_snapshot_stored_before_aliases_existed_still_loads() {
    // Arrange: a campaign snapshot serialized from a set file without the field.
    let mut set = uk();
    for mode in set["modes"].as_array_mut().unwrap() {
        mode.as_object_mut().unwrap().remove("aliases");
    }

    // Act
    let loaded = parse("snapshot of campaign `c1`", &set.to_string());

    // Assert: ids and labels are still found.
    let loaded = loaded.unwrap_or_else(|e| panic!("{e}"));
    assert!(loaded.file().modes.iter().all(|m| m.aliases.is_empty()));
    assert_eq!(
        loaded.mode_by_name("Metro").map(|m| m.mode.as_str()),
        Some("metro")
    );
    assert_eq!(
        loaded.mode_by_name("公交车").map(|m| m.mode.as_str()),
        Some("bus")
    );
    assert!(loaded.mode_by_name("subway").is_none());
    // Serialized again (a new snapshot), empty aliases are left out.
    let snapshot: Value = serde_json::to_value(loaded.file()).unwrap();
    assert!(snapshot["modes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m.get("aliases").is_none()));
}

/// An `active` entry citing a source the UK set lists.
fn active(speed_kmh: f64, met: f64) -> Value {
    json!({ "speed_kmh": speed_kmh, "met": met, "source": "desnz-2025", "note": null })
}

/// A derived `air` entry per `basis`, citing a source the UK set lists.
fn air(basis: &str, nox_mg_per_km: f64, pm25_mg_per_km: f64) -> Value {
    json!({
        "basis": basis,
        "nox_mg_per_km": nox_mg_per_km,
        "pm25_mg_per_km": pm25_mg_per_km,
        "source": "desnz-2025",
        "quality": "derived",
        "derivation": {
            "formula": "test",
            "inputs": [],
            "nox_expression": nox_mg_per_km.to_string(),
            "pm25_expression": pm25_mg_per_km.to_string()
        },
        "note": null
    })
}

#[test]
fn an_out_of_range_met_is_refused_naming_file_mode_and_field() {
    // Arrange: walk is modes[0].
    let mut set = uk();
    mode(&mut set, "walk")["active"] = active(4.8, 40.0);

    // Act
    let message = refusal(&set);

    // Assert
    assert_eq!(
        message,
        "x.json: modes[0] (walk).active.met: must be ≥ 1 and ≤ 15 METs, got 40"
    );
}

#[test]
fn broken_co_benefit_parameters_are_refused_at_the_field_at_fault() {
    // Arrange: (mode, field, value, where, what the message says)
    let cases = [
        (
            "bicycle",
            "active",
            active(0.5, 6.8),
            "modes[1] (bicycle).active.speed_kmh",
            "≥ 1 and ≤ 40 km/h, got 0.5",
        ),
        (
            "bicycle",
            "active",
            active(41.0, 6.8),
            "modes[1] (bicycle).active.speed_kmh",
            "got 41",
        ),
        (
            "bicycle",
            "active",
            active(14.0, 0.9),
            "modes[1] (bicycle).active.met",
            "≥ 1 and ≤ 15 METs, got 0.9",
        ),
        (
            "bicycle",
            "active",
            active(14.0, 6.85),
            "modes[1] (bicycle).active.met",
            "at most one decimal",
        ),
        (
            "e_bike",
            "active",
            json!({ "speed_kmh": 23.1, "met": 6.9, "source": "berntsen-2016", "note": null }),
            "modes[2] (e_bike).active.source",
            "`berntsen-2016` is not listed in sources",
        ),
        (
            "car",
            "air",
            air("passenger_km", 50.0, 1.0),
            "modes[11] (car).air.basis",
            "must be the mode's basis `vehicle_km`, got `passenger_km`",
        ),
        (
            "car",
            "air",
            air("vehicle_km", 20_000.5, 1.0),
            "modes[11] (car).air.nox_mg_per_km",
            "≤ 20000 mg per km, got 20000.5",
        ),
        (
            "car",
            "air",
            air("vehicle_km", -1.0, 1.0),
            "modes[11] (car).air.nox_mg_per_km",
            "got -1",
        ),
        (
            "car",
            "air",
            air("vehicle_km", 50.0, 2_001.0),
            "modes[11] (car).air.pm25_mg_per_km",
            "≤ 2000 mg per km, got 2001",
        ),
    ];
    for (id, field, value, location, expected) in cases {
        let mut set = uk();
        mode(&mut set, id)[field] = value;

        // Act
        let message = refusal(&set);

        // Assert
        assert!(
            message.starts_with(&format!("x.json: {location}: ")),
            "{location}: {message}"
        );
        assert!(message.contains(expected), "{location}: {message}");
    }
}

#[test]
fn air_values_follow_the_quality_rules_of_the_co2e_factor() {
    type Break = fn(&mut Value);
    let cases: [(&str, Break, &str); 5] = [
        (
            "a published value with a derivation",
            |a| a["quality"] = json!("published"),
            "air.derivation: must be null",
        ),
        (
            "a derived value without one",
            |a| a["derivation"] = Value::Null,
            "air.derivation: is required",
        ),
        (
            "a proxy without a note",
            |a| a["quality"] = json!("proxy"),
            "air.note: must explain why",
        ),
        (
            "an input from an unlisted source",
            |a| {
                a["derivation"]["inputs"] = json!([{
                    "name": "x", "value": 1.0, "unit": "g/km", "source": "emep-2023",
                    "status": "secondary", "note": null
                }]);
            },
            "air.derivation.inputs[0].source: `emep-2023` is not listed",
        ),
        (
            "an unlisted main source",
            |a| a["source"] = json!("emep-2023"),
            "air.source: `emep-2023` is not listed",
        ),
    ];
    for (what, break_it, expected) in cases {
        // Arrange
        let mut set = uk();
        let mut value = air("vehicle_km", 32.0, 1.2);
        break_it(&mut value);
        mode(&mut set, "car_petrol")["air"] = value;

        // Act
        let message = refusal(&set);

        // Assert
        assert!(
            message.starts_with(&format!("x.json: modes[12] (car_petrol).{expected}")),
            "{what}: {message}"
        );
    }
}

#[test]
fn co_benefit_parameters_are_held_in_whole_micrograms_metres_per_hour_and_tenths_of_a_met() {
    // Arrange
    let mut set = uk();
    mode(&mut set, "walk")["active"] = active(4.8, 4.0);
    mode(&mut set, "e_bike")["active"] = active(23.1, 6.9);
    // 74 mg × 0.14861 / 0.20806 = 52.855618… mg; 0.2 mg × the same = 0.142853… mg.
    mode(&mut set, "taxi")["air"] = air(
        "passenger_km",
        52.855_618_571_565_9,
        0.142_853_023_166_394_3,
    );
    mode(&mut set, "car_diesel")["air"] = air("vehicle_km", 74.0, 0.2);
    mode(&mut set, "metro")["air"] = air("passenger_km", 0.0, 0.0);
    // Half a microgram rounds away from zero, once.
    mode(&mut set, "motorcycle")["air"] = air("vehicle_km", 0.0005, 14.0995);

    // Act
    let loaded = parse("x.json", &set.to_string()).unwrap_or_else(|e| panic!("{e}"));

    // Assert
    let of = |id: &str| loaded.mode(id).unwrap_or_else(|| panic!("no mode {id}"));
    assert_eq!(
        of("walk").active,
        Some(Active {
            speed_m_per_h: 4_800,
            met_x10: 40
        })
    );
    assert_eq!(
        of("e_bike").active,
        Some(Active {
            speed_m_per_h: 23_100,
            met_x10: 69
        })
    );
    assert_eq!(
        of("taxi").air,
        Some(Air {
            nox_ug_per_km: 52_856,
            pm25_ug_per_km: 143
        })
    );
    assert_eq!(
        of("car_diesel").air,
        Some(Air {
            nox_ug_per_km: 74_000,
            pm25_ug_per_km: 200
        })
    );
    assert_eq!(
        of("metro").air,
        Some(Air {
            nox_ug_per_km: 0,
            pm25_ug_per_km: 0
        })
    );
    assert_eq!(
        of("motorcycle").air,
        Some(Air {
            nox_ug_per_km: 1,
            pm25_ug_per_km: 14_100
        })
    );
    assert_eq!(of("bus").active, None);
    assert_eq!(of("bus").air, None);
}

#[test]
fn a_snapshot_without_co_benefit_parameters_loads_and_stays_without_them() {
    // Arrange: a campaign snapshot stored before co-benefits existed.
    let mut set = uk();
    for mode in set["modes"].as_array_mut().unwrap() {
        let mode = mode.as_object_mut().unwrap();
        mode.remove("active");
        mode.remove("air");
    }

    // Act
    let loaded = parse("snapshot of campaign `c1`", &set.to_string());

    // Assert: nothing is added when it is stored again.
    let loaded = loaded.unwrap_or_else(|e| panic!("{e}"));
    assert!(loaded
        .modes()
        .iter()
        .all(|m| m.active.is_none() && m.air.is_none()));
    let snapshot: Value = serde_json::to_value(loaded.file()).unwrap();
    for (stored, original) in snapshot["modes"]
        .as_array()
        .unwrap()
        .iter()
        .zip(set["modes"].as_array().unwrap())
    {
        let keys = |m: &Value| m.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(stored), keys(original), "{}", original["mode"]);
    }
}

#[test]
fn a_snapshot_keeps_the_co_benefit_parameters_and_loads_again() {
    // Arrange
    let set = parse("x.json", UK).expect("the bundled set loads");

    // Act
    let snapshot = serde_json::to_string(set.file()).unwrap();
    let again = parse("snapshot of campaign `c1`", &snapshot);

    // Assert
    let again = again.unwrap_or_else(|e| panic!("{e}"));
    assert!(set.modes().iter().any(|m| m.active.is_some()));
    assert!(set.modes().iter().any(|m| m.air.is_some()));
    for (before, after) in set.modes().iter().zip(again.modes()) {
        assert_eq!(before.active, after.active, "{}", before.mode);
        assert_eq!(before.air, after.air, "{}", before.mode);
    }
}

#[test]
fn a_snapshot_keeps_the_aliases_and_loads_again() {
    // Arrange
    let set = parse("x.json", UK).expect("the bundled set loads");

    // Act: what a campaign stores, loaded back.
    let snapshot = serde_json::to_string(set.file()).unwrap();
    let again = parse("snapshot of campaign `c1`", &snapshot);

    // Assert
    let again = again.unwrap_or_else(|e| panic!("{e}"));
    for (before, after) in set.file().modes.iter().zip(&again.file().modes) {
        assert!(!before.aliases.is_empty(), "{}", before.mode);
        assert_eq!(before.aliases, after.aliases, "{}", before.mode);
    }
    assert_eq!(
        again.mode_by_name("tube").map(|m| m.mode.as_str()),
        Some("metro")
    );
}
