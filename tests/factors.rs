//! The factor-set loader: the bundled sets load, and a broken file is refused with an error that
//! names the file, the mode (or region) and the field.

use green_commute::domain::grams::ug_per_km_from_g;
use green_commute::domain::mode::{Basis, FIXED_MODES};
use green_commute::factors::{parse, Active, Air, Catalogue, FactorSet, DEFAULT_SET_ID};
use serde_json::{json, Value};

const UK: &str = include_str!("../emission_factors/uk-desnz-2025.json");
const CN: &str = include_str!("../emission_factors/cn-2022.json");
const CN_2023: &str = include_str!("../emission_factors/cn-2023.json");

/// The modes cn-2023 defines after the 18 fixed ones, in file order, with their leg limits in km.
const CN_2023_EXTRA_MODES: [(&str, i64); 5] = [
    ("bus_electric", 300),
    ("taxi_electric", 500),
    ("taxi_pooled", 500),
    ("shuttle", 300),
    ("ferry", 200),
];

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
    assert_eq!(
        ids,
        ["cn-2023", "cn-2022", "uk-desnz-2025", "uk-desnz-2025-wtw"]
    );
    assert_eq!(catalogue.default_set().id(), DEFAULT_SET_ID);
    assert_eq!(DEFAULT_SET_ID, "cn-2023");
    for set in catalogue.sets() {
        // The 18 fixed modes first, in their order; cn-2023 adds five after them.
        let modes: Vec<&str> = set.modes().iter().map(|m| m.mode.as_str()).collect();
        assert_eq!(modes[..18], FIXED_MODES, "{}", set.id());
        let extra = if set.id() == "cn-2023" { 5 } else { 0 };
        assert_eq!(modes.len(), 18 + extra, "{}", set.id());
    }
}

#[test]
fn each_bundled_file_parses_on_its_own() {
    for (name, json) in [
        ("cn-2023.json", CN_2023),
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
        // The employer shuttle (班车) is its own mode where the set has one (cn-2023), else coach.
        let shuttle = if set.mode("shuttle").is_some() {
            "shuttle"
        } else {
            "coach"
        };
        // Act / Assert: the contract's examples (api.md), with spaces and full-width brackets.
        for (written, mode) in [
            ("地铁", "metro"),
            ("轨道交通", "metro"),
            ("公交", "bus"),
            ("共享 单车", "bicycle"),
            ("电瓶车", "e_bike"),
            ("网约车", "taxi"),
            ("（通勤班车）", shuttle),
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

/// The cn-2023 set, loaded.
fn cn_2023() -> FactorSet {
    parse("cn-2023.json", CN_2023).unwrap_or_else(|e| panic!("{e}"))
}

/// A mode's factor in µg per km at a region (the national grid when `None`).
#[track_caller]
fn ug_per_km(set: &FactorSet, mode: &str, region: Option<&str>) -> i64 {
    let mode = set.mode(mode).unwrap_or_else(|| panic!("no mode {mode}"));
    let grid = region.map(|r| set.find_grid_region(r).expect("a region of the set"));
    set.resolve(mode, grid).ug_per_km
}

/// The `value` of the derivation input `name` of `mode`, as stored in the file.
#[track_caller]
fn input(set: &FactorSet, mode: &str, name: &str) -> f64 {
    let mode = set.mode(mode).expect("a mode of the set");
    let derivation = set
        .mode_file(mode)
        .derivation
        .as_ref()
        .expect("a derivation");
    derivation
        .inputs
        .iter()
        .find(|i| i.name == name)
        .unwrap_or_else(|| panic!("{} has no input {name}", mode.mode))
        .value
}

#[test]
fn cn_2023_grid_factors_are_the_2023_annex_values() {
    // Act
    let set = cn_2023();

    // Assert: MEE+NBS 公告2025年第47号, annex 表1-表3, in g per kWh.
    let factor = |name: &str| set.find_grid_region(name).unwrap().co2e_g_per_kwh;
    assert_eq!(set.default_grid_region().unwrap().id, "national");
    assert_eq!(factor("national"), 530.6); // 0.5306 kg/kWh
    assert_eq!(factor("CN-BJ"), 555.4); // 0.5554
    assert_eq!(factor("上海"), 573.7); // 0.5737
    assert_eq!(factor("Guangdong"), 441.9); // 0.4419
    assert_eq!(factor("south"), 404.2); // 0.4042

    // A province cn-2022 let fall back to its regional grid now has its own value ...
    assert_eq!(factor("CN-LN"), 487.8); // 0.4878, not the Northeast grid's 512.2

    // ... and Tibet, which the annex does not list, falls back to the Southwest grid.
    assert_eq!(factor("西藏"), 247.2); // 0.2472
    let provinces_with_own_factor = set
        .grid_regions()
        .iter()
        .filter(|r| set.grid_regions()[r.factor_from].id == r.id && r.id.starts_with("CN-"))
        .count();
    assert_eq!(provinces_with_own_factor, 30);
}

#[test]
fn cn_2023_grid_modes_are_their_published_inputs_times_the_grid() {
    // Arrange
    let set = cn_2023();

    // Act / Assert: electric bus = mean of 1.38-1.75 kWh per bus-km (Zhou et al. 2016) over 14
    // passengers (an assumption), times the region's factor.
    assert_eq!(input(&set, "bus_electric", "ebus_12m_kwh_per_km_low"), 1.38);
    assert_eq!(
        input(&set, "bus_electric", "ebus_12m_kwh_per_km_high"),
        1.75
    );
    assert_eq!(input(&set, "bus_electric", "bus_passengers"), 14.0);
    let ebus_kwh = (1.38 + 1.75) / 2.0 / 14.0;
    assert_eq!(
        ug_per_km(&set, "bus_electric", None),
        ug_per_km_from_g(ebus_kwh * 530.6)
    );
    assert_eq!(ug_per_km(&set, "bus_electric", None), 59_313_500); // 59.3135 g/pkm
    assert_eq!(
        ug_per_km(&set, "bus_electric", Some("北京")),
        ug_per_km_from_g(ebus_kwh * 555.4)
    );

    // Battery-electric car = the 15.1 kWh/100 km cap / (1 - 0.15 real-world range shortfall).
    let bev_kwh = 15.1 / (1.0 - 0.15) / 100.0;
    assert_eq!(
        ug_per_km(&set, "car_electric", None),
        ug_per_km_from_g(bev_kwh * 530.6)
    );
    // An electric taxi is that car over 65 % occupied km and 1.3 passengers.
    let taxi_ev = ug_per_km(&set, "taxi_electric", Some("CN-GD"));
    assert_eq!(taxi_ev, ug_per_km_from_g(bev_kwh / 0.65 / 1.3 * 441.9));
}

#[test]
fn cn_2023_diesel_modes_follow_the_ndrc_land_transport_guideline() {
    // Arrange
    let set = cn_2023();
    // 0.84 t/m³ × 43.330 GJ/t × 20.20e-3 tC/GJ × 0.98 × 44/12 = 2.6419 kg CO2 per litre.
    let diesel_g_per_l: f64 = 0.84 * 43.33 * 0.0202 * 0.98 * 44.0 / 12.0 * 1000.0;

    // Act
    let coach = ug_per_km(&set, "coach", None);
    let shuttle = ug_per_km(&set, "shuttle", None);

    // Assert: coach = 25 L/100 km over 25 passengers; an employer shuttle adds one empty km
    // per loaded km (the empty return), so it is twice the coach.
    assert_eq!(input(&set, "coach", "diesel_ncv_gj_per_t"), 43.33);
    assert!((diesel_g_per_l - 2641.9).abs() < 0.01, "{diesel_g_per_l}");
    let expected = ug_per_km_from_g(25.0 / 100.0 * diesel_g_per_l / 25.0);
    assert!((coach - expected).abs() <= 1, "{coach} vs {expected}");
    assert!((shuttle - 2 * coach).abs() <= 1, "{shuttle} vs {coach}");
    // The grid does not touch a diesel mode.
    assert_eq!(ug_per_km(&set, "coach", Some("CN-SC")), coach);
}

#[test]
fn every_cn_2023_extra_mode_loads_after_the_fixed_ones_and_is_found_by_its_words() {
    // Act
    let set = cn_2023();

    // Assert: the five extra modes follow the 18 fixed ones, per passenger-km, with their limits.
    let extra: Vec<&str> = set.modes()[18..].iter().map(|m| m.mode.as_str()).collect();
    let want: Vec<&str> = CN_2023_EXTRA_MODES.iter().map(|(id, _)| *id).collect();
    assert_eq!(extra, want);
    for (id, max_km) in CN_2023_EXTRA_MODES {
        let mode = set.mode(id).unwrap();
        assert_eq!(mode.basis, Basis::PassengerKm, "{id}");
        assert_eq!(mode.max_distance_m, max_km * 1000, "{id}");
        assert!(set.resolve(mode, None).ug_per_km > 0, "{id}");
        assert!(!set.mode_file(mode).aliases.is_empty(), "{id}");
    }
    for (written, mode) in [
        ("班车", Some("shuttle")),
        ("【员工班车】", Some("shuttle")),
        ("Shuttle Bus", Some("shuttle")),
        ("大巴", Some("coach")),
        ("电动公交车", Some("bus_electric")),
        ("电动出租车", Some("taxi_electric")),
        ("网约车拼车", Some("taxi_pooled")),
        ("轮渡", Some("ferry")),
        ("渡轮", Some("ferry")),
        // Deliberately not aliases (README §5.1): each can mean more than one mode.
        ("拼车", None),
        ("顺风车", None),
        ("新能源公交", None),
        ("新能源出租车", None),
    ] {
        let found = set.mode_by_name(written).map(|m| m.mode.as_str());
        assert_eq!(found, mode, "{written:?}");
    }
}
