//! The factor-set loader: the bundled sets load, and a broken file is refused with an error that
//! names the file, the mode (or region) and the field.

use green_commute::factors::{parse, Active, Air, Catalogue, DEFAULT_SET_ID};
use serde_json::{json, Value};

const UK: &str = include_str!("../emission_factors/uk-desnz-2025.json");
const CN: &str = include_str!("../emission_factors/cn-2022.json");

/// The bundled file as JSON, to be broken by a test.
fn file(json: &str) -> Value {
    serde_json::from_str(json).expect("a bundled file is JSON")
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

/// The grid region `id` of a set file.
fn region<'a>(set: &'a mut Value, id: &str) -> &'a mut Value {
    set["grid_regions"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no region {id}"))
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
fn every_bundled_set_loads() {
    // Act
    let catalogue = Catalogue::bundled().expect("the bundled sets load");

    // Assert
    let ids: Vec<&str> = catalogue.sets().iter().map(|s| s.id()).collect();
    assert_eq!(ids, ["cn-2022", "uk-desnz-2025", "uk-desnz-2025-wtw"]);
    assert_eq!(catalogue.default_set().id(), DEFAULT_SET_ID);
    assert_eq!(DEFAULT_SET_ID, "cn-2022");
    for set in catalogue.sets() {
        assert_eq!(set.modes().len(), 18, "{}", set.id());
    }
}

#[test]
fn each_bundled_file_parses_on_its_own() {
    for (name, json) in [
        ("cn-2022.json", CN),
        ("uk-desnz-2025.json", UK),
        (
            "uk-desnz-2025-wtw.json",
            include_str!("../emission_factors/uk-desnz-2025-wtw.json"),
        ),
    ] {
        // Act
        let set = parse(name, json);

        // Assert
        let set = set.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(format!("{}.json", set.id()), name);
    }
}

#[test]
fn a_negative_factor_names_file_mode_and_field() {
    // Arrange: metro is the eighth mode (index 7).
    let mut set = file(UK);
    mode(&mut set, "metro")["co2e_g_per_km"] = json!(-27.8);

    // Act
    let message = refusal(&set);

    // Assert
    assert!(message.starts_with("x.json: "), "{message}");
    assert!(
        message.contains("modes[7] (metro).co2e_g_per_km"),
        "{message}"
    );
    assert!(message.contains("-27.8"), "{message}");
}

#[test]
fn an_unknown_field_is_refused_naming_it_and_where_it_is() {
    // Arrange
    let mut set = file(UK);
    mode(&mut set, "metro")["co2e_kg_per_km"] = json!(0.0278);

    // Act
    let message = refusal(&set);

    // Assert
    assert!(message.starts_with("x.json: "), "{message}");
    assert!(
        message.contains("unknown field `co2e_kg_per_km`"),
        "{message}"
    );
    assert!(
        message.contains("line "),
        "the position in the file: {message}"
    );
}

#[test]
fn a_missing_fixed_mode_is_refused_naming_it() {
    // Arrange
    let mut set = file(UK);
    set["modes"]
        .as_array_mut()
        .unwrap()
        .retain(|m| m["mode"] != "e_scooter");

    // Act
    let message = refusal(&set);

    // Assert
    assert!(message.contains("x.json: modes:"), "{message}");
    assert!(message.contains("`e_scooter`"), "{message}");
}

#[test]
fn a_source_not_listed_is_refused_at_the_mode() {
    // Arrange
    let mut set = file(UK);
    mode(&mut set, "bus")["source"] = json!("desnz-2024");

    // Act
    let message = refusal(&set);

    // Assert
    assert!(
        message.contains("x.json: modes[5] (bus).source"),
        "{message}"
    );
    assert!(
        message.contains("`desnz-2024` is not listed in sources"),
        "{message}"
    );
}

#[test]
fn a_proxy_without_a_note_is_refused() {
    // Arrange: e_scooter is a proxy in the UK set.
    let mut set = file(UK);
    let scooter = mode(&mut set, "e_scooter");
    assert_eq!(scooter["quality"], "proxy");
    scooter["note"] = Value::Null;

    // Act
    let message = refusal(&set);

    // Assert
    assert!(
        message.contains("x.json: modes[3] (e_scooter).note"),
        "{message}"
    );
    assert!(message.contains("proxy"), "{message}");
}

#[test]
fn a_grid_mode_with_a_fixed_factor_as_well_is_refused() {
    // Arrange: cn-2022 metro takes its factor from the grid.
    let mut set = file(CN);
    mode(&mut set, "metro")["co2e_g_per_km"] = json!(39.04);

    // Act
    let message = refusal(&set);

    // Assert
    assert!(
        message.contains("x.json: modes[7] (metro).co2e_g_per_km"),
        "{message}"
    );
    assert!(message.contains("grid_kwh_per_km"), "{message}");
}

#[test]
fn an_unknown_parent_region_is_refused_naming_the_region() {
    // Arrange
    let mut set = file(CN);
    region(&mut set, "CN-LN")["parent"] = json!("north-east");

    // Act
    let message = refusal(&set);

    // Assert
    assert!(
        message.contains("x.json: grid_regions[13] (CN-LN).parent"),
        "{message}"
    );
    assert!(
        message.contains("`north-east` is not a grid region"),
        "{message}"
    );
}

#[test]
fn other_broken_files_are_refused_at_the_field_at_fault() {
    // Arrange: (what is broken, how, where the message must point)
    type Break = fn(&mut Value);
    let cases: [(&str, &str, Break, &str); 6] = [
        (
            "telework emitting",
            "uk",
            |s| mode(s, "telework")["co2e_g_per_km"] = json!(1.0),
            "modes[17] (telework).co2e_g_per_km",
        ),
        (
            "a car per passenger-km",
            "uk",
            |s| mode(s, "car")["basis"] = json!("passenger_km"),
            "modes[11] (car).basis",
        ),
        (
            "a published factor with a derivation",
            "uk",
            |s| mode(s, "bus")["derivation"] = json!({ "formula": "x", "inputs": [] }),
            "modes[5] (bus).derivation",
        ),
        (
            "a mode defined twice",
            "uk",
            |s| {
                let copy = mode(s, "bus").clone();
                s["modes"].as_array_mut().unwrap().push(copy);
            },
            "modes[18] (bus).mode",
        ),
        (
            "a baseline mode the set lacks",
            "uk",
            |s| s["default_baseline_mode"] = json!("horse"),
            "default_baseline_mode",
        ),
        (
            "a default grid without its own factor",
            "cn",
            |s| s["default_grid_region"] = json!("CN-LN"),
            "default_grid_region",
        ),
    ];

    for (what, base, break_it, location) in cases {
        let mut set = file(if base == "uk" { UK } else { CN });
        break_it(&mut set);

        // Act
        let message = refusal(&set);

        // Assert
        assert!(
            message.contains(&format!("x.json: {location}")),
            "{what}: {message}"
        );
    }
}

#[test]
fn every_bundled_mode_is_found_by_its_spreadsheet_words() {
    // Arrange
    let catalogue = Catalogue::bundled().expect("the bundled sets load");

    for set in catalogue.sets() {
        // Act / Assert: the contract's examples (api.md), with spaces and full-width brackets.
        for (written, mode) in [
            ("地铁", "metro"),
            ("轨道交通", "metro"),
            ("公交", "bus"),
            ("共享 单车", "bicycle"),
            ("电瓶车", "e_bike"),
            ("网约车", "taxi"),
            ("（通勤班车）", "coach"),
            ("自驾", "car"),
            ("在家办公", "telework"),
            ("Car (fuel unknown)", "car"),
            ("E_BIKE", "e_bike"),
        ] {
            let found = set.mode_by_name(written).map(|m| m.mode.as_str());
            assert_eq!(found, Some(mode), "{}: {written:?}", set.id());
        }
        assert!(set.mode_by_name("horse").is_none());
        for mode in set.modes() {
            assert!(
                !set.mode_file(mode).aliases.is_empty(),
                "{}: {} has no aliases",
                set.id(),
                mode.mode
            );
        }
    }
}

#[test]
fn an_alias_naming_another_mode_is_refused_naming_file_mode_and_alias() {
    // Arrange: in cn-2022, 出租车 is an alias of taxi (modes[10]); car is modes[11] (an alias of
    // two modes is reported at the later one).
    let mut set = file(CN);
    let aliases = mode(&mut set, "car")["aliases"].as_array_mut().unwrap();
    aliases.push(json!("出租车"));
    let j = aliases.len() - 1;

    // Act
    let message = refusal(&set);

    // Assert
    assert!(
        message.starts_with(&format!("x.json: modes[11] (car).aliases[{j}]: `出租车`")),
        "{message}"
    );
    assert!(message.contains("mode `taxi`"), "{message}");
}

#[test]
fn a_set_without_aliases_still_loads_as_old_snapshots_do() {
    // Arrange: campaign snapshots stored before aliases existed have no such field.
    let mut set = file(CN);
    for mode in set["modes"].as_array_mut().unwrap() {
        mode.as_object_mut().unwrap().remove("aliases");
    }

    // Act
    let loaded = parse("snapshot of campaign `c1`", &set.to_string());

    // Assert
    let loaded = loaded.unwrap_or_else(|e| panic!("{e}"));
    let found = loaded
        .mode_by_name("小汽车（燃料未知）")
        .map(|m| m.mode.as_str());
    assert_eq!(found, Some("car"));
}

#[test]
fn the_uk_sets_carry_the_co_benefit_parameters_in_calculation_units() {
    // Arrange
    let catalogue = Catalogue::bundled().expect("the bundled sets load");
    let sets = ["uk-desnz-2025", "uk-desnz-2025-wtw"].map(|id| {
        catalogue
            .sets()
            .iter()
            .find(|s| s.id() == id)
            .unwrap_or_else(|| panic!("no set {id}"))
    });

    for set in sets {
        let of = |id: &str| set.mode(id).unwrap_or_else(|| panic!("no mode {id}"));

        // Assert: WHO HEAT speeds with the Compendium METs; Berntsen et al. 2017 for e-bikes.
        assert_eq!(set.version(), "2025.3");
        for (mode, speed_m_per_h, met_x10) in [
            ("walk", 4_800, 40),
            ("bicycle", 14_000, 68),
            ("e_bike", 23_100, 69),
        ] {
            assert_eq!(
                of(mode).active,
                Some(Active {
                    speed_m_per_h,
                    met_x10
                }),
                "{}: {mode}",
                set.id()
            );
        }
        // Tailpipe NOx and PM2.5 in µg per km of the mode's basis.
        for (mode, nox_ug_per_km, pm25_ug_per_km) in [
            ("walk", 0, 0),
            ("e_bike", 0, 0),
            ("metro", 0, 0),
            ("car_electric", 0, 0),
            ("motorcycle", 200_000, 14_100),
            ("taxi", 52_856, 143),
            ("car", 50_436, 761),
            ("car_petrol", 32_000, 1_200),
            ("car_diesel", 74_000, 200),
            ("car_hybrid", 32_000, 1_200),
        ] {
            assert_eq!(
                of(mode).air,
                Some(Air {
                    nox_ug_per_km,
                    pm25_ug_per_km
                }),
                "{}: {mode}",
                set.id()
            );
        }
        for mode in ["bus", "coach", "rail", "car_plugin_hybrid"] {
            assert_eq!(
                of(mode).air,
                None,
                "{}: {mode} has no sourced value",
                set.id()
            );
        }
        assert_eq!(of("car").active, None);
    }
}

#[test]
fn cn_2022_has_no_co_benefit_parameters_so_its_results_do_not_move() {
    // Arrange
    let set = parse("cn-2022.json", CN).expect("the bundled set loads");

    // Assert
    assert_eq!(set.version(), "2022.2");
    assert!(set
        .modes()
        .iter()
        .all(|m| m.active.is_none() && m.air.is_none()));
}
