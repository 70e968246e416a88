//! `GET /v1/factor-sets` and `GET /v1/factor-sets/{id}`: the sets on offer, and published values
//! pinned exactly as published.

use serde_json::Value;

use crate::common::{pluck, Response, TestApp};
use crate::estimate::modes_by_id;

/// The mode ids every bundled set defines (api.md, "Modes (fixed ids)").
const FIXED_MODES: [&str; 18] = [
    "walk",
    "bicycle",
    "e_bike",
    "e_scooter",
    "motorcycle",
    "bus",
    "coach",
    "metro",
    "light_rail",
    "rail",
    "taxi",
    "car",
    "car_petrol",
    "car_diesel",
    "car_hybrid",
    "car_plugin_hybrid",
    "car_electric",
    "telework",
];

const BUNDLED_SETS: [&str; 4] = ["cn-2022", "cn-2023", "uk-desnz-2025", "uk-desnz-2025-wtw"];

impl TestApp {
    /// GET /v1/factor-sets.
    pub fn list_factor_sets(&self) -> Response {
        self.get("/v1/factor-sets")
    }

    /// GET /v1/factor-sets/{id}.
    pub fn read_factor_set(&self, id: &str) -> Response {
        self.get(&format!("/v1/factor-sets/{id}"))
    }
}

#[track_caller]
fn read(app: &TestApp, id: &str) -> Value {
    let response = app.read_factor_set(id);
    response.assert_status(200);
    response.json()
}

#[test]
fn the_list_offers_the_bundled_sets_with_cn_2023_as_default() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let response = app.list_factor_sets();

    // Assert
    response.assert_status(200);
    let list = response.json();
    let sets = list["factor_sets"]
        .as_array()
        .expect("factor_sets is an array");
    let mut ids: Vec<&str> = sets.iter().map(|s| s["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, BUNDLED_SETS);
    let defaults: Vec<&str> = sets
        .iter()
        .filter(|s| s["is_default"] == true)
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(defaults, ["cn-2023"]);
    for set in sets {
        for field in [
            "id",
            "version",
            "title",
            "region",
            "boundary",
            "default_baseline_mode",
        ] {
            assert!(set[field].is_string(), "`{field}` in {set}");
        }
        assert!(set["is_default"].is_boolean(), "{set}");
    }
}

#[test]
fn every_bundled_set_defines_every_fixed_mode_with_its_source_and_quality() {
    // Arrange
    let app = TestApp::spawn();

    for id in BUNDLED_SETS {
        // Act
        let set = read(&app, id);

        // Assert
        assert_eq!(set["id"], id);
        let sources: Vec<&str> = pluck(&set["sources"], "id");
        let modes = modes_by_id(&set);
        for fixed in FIXED_MODES {
            let mode = modes
                .get(fixed)
                .unwrap_or_else(|| panic!("{id} lacks `{fixed}`"));
            assert!(
                mode["label"]["en"].is_string() && mode["label"]["zh"].is_string(),
                "{id} {fixed}"
            );
            let g = mode["co2e_g_per_km"].as_f64().unwrap_or(-1.0);
            assert!(g >= 0.0, "{id} {fixed}: co2e_g_per_km {g}");
            assert!(
                sources.contains(&mode["source"].as_str().unwrap()),
                "{id} {fixed}: source"
            );
            let quality = mode["quality"].as_str().unwrap();
            assert!(
                ["published", "derived", "proxy"].contains(&quality),
                "{id} {fixed}: {quality}"
            );
            assert_eq!(
                mode["derivation"].is_null(),
                quality == "published",
                "{id} {fixed}: derivation"
            );
        }
        assert_eq!(
            modes["telework"]["co2e_g_per_km"], 0.0,
            "{id}: telework emits nothing"
        );
    }
}

#[test]
fn each_mode_shows_the_aliases_that_uploads_accept() {
    // Arrange
    let app = TestApp::spawn();

    for id in BUNDLED_SETS {
        // Act
        let set = read(&app, id);

        // Assert: every mode lists them, exactly as its file gives them.
        let file: Value = serde_json::from_str(
            &std::fs::read_to_string(format!(
                "{}/emission_factors/{id}.json",
                env!("CARGO_MANIFEST_DIR")
            ))
            .expect("bundled set file"),
        )
        .expect("bundled set JSON");
        let modes = modes_by_id(&set);
        for mode_file in file["modes"].as_array().expect("modes") {
            let mode = mode_file["mode"].as_str().expect("mode id");
            let shown = modes[mode]["aliases"]
                .as_array()
                .unwrap_or_else(|| panic!("{id} {mode}: aliases is an array"));
            let expected = mode_file["aliases"].as_array().cloned().unwrap_or_default();
            assert_eq!(shown, &expected, "{id} {mode}");
        }
    }
    // The contract's examples, each a label or an alias of its mode.
    let cn = read(&app, "cn-2023");
    let modes = modes_by_id(&cn);
    for (mode, name) in [
        ("metro", "地铁"),
        ("metro", "轨道交通"),
        ("bus", "公交"),
        ("bus", "公交车"),
        ("bicycle", "单车"),
        ("bicycle", "共享单车"),
        ("e_bike", "电动车"),
        ("e_bike", "电瓶车"),
        ("taxi", "网约车"),
        ("car", "私家车"),
        ("car", "自驾"),
        ("telework", "居家办公"),
        ("telework", "在家办公"),
    ] {
        let shown = &modes[mode];
        let listed = shown["aliases"]
            .as_array()
            .is_some_and(|list| list.iter().any(|a| a == name));
        assert!(
            listed || shown["label"]["zh"] == name,
            "cn-2023 {mode} shows {name}: {} / {}",
            shown["label"],
            shown["aliases"]
        );
    }
}

#[test]
fn desnz_2025_values_read_exactly_as_published() {
    // Arrange: DESNZ 2025 "Business travel – land", kg CO2e per km × 1000, every digit kept.
    let app = TestApp::spawn();
    let published = [
        ("car", 167.25, "vehicle_km"),
        ("car_petrol", 162.72, "vehicle_km"),
        ("car_diesel", 173.04, "vehicle_km"),
        ("car_hybrid", 128.25, "vehicle_km"),
        ("car_plugin_hybrid", 104.61, "vehicle_km"),
        ("car_electric", 40.47, "vehicle_km"),
        ("motorcycle", 113.67, "vehicle_km"),
        ("taxi", 148.61, "passenger_km"),
        ("bus", 103.85, "passenger_km"),
        ("coach", 27.76, "passenger_km"),
        ("rail", 35.46, "passenger_km"),
        ("light_rail", 28.6, "passenger_km"),
        ("metro", 27.8, "passenger_km"),
    ];

    // Act
    let set = read(&app, "uk-desnz-2025");

    // Assert
    assert_eq!(set["boundary"], "tank_to_wheel");
    let modes = modes_by_id(&set);
    for (mode, g_per_km, basis) in published {
        assert_eq!(modes[mode]["co2e_g_per_km"], g_per_km, "{mode}");
        assert_eq!(modes[mode]["basis"], basis, "{mode}");
        assert_eq!(modes[mode]["quality"], "published", "{mode}");
        assert_eq!(modes[mode]["source"], "desnz-2025", "{mode}");
    }
    for mode in ["walk", "bicycle", "e_bike", "e_scooter", "telework"] {
        assert_eq!(modes[mode]["basis"], "passenger_km", "{mode}");
    }
}

#[test]
fn the_well_to_wheel_set_adds_well_to_tank_and_ev_transmission_to_tank_to_wheel() {
    // Arrange: the WTT rows ("WTT- pass vehs & travel- land") and, for plug-in and battery cars,
    // "UK electricity T&D for EVs", in g per km.
    let app = TestApp::spawn();
    let added = [
        ("motorcycle", 29.56, 0.0),
        ("bus", 26.49, 0.0),
        ("coach", 6.56, 0.0),
        ("metro", 7.28, 0.0),
        ("light_rail", 7.49, 0.0),
        ("rail", 8.97, 0.0),
        ("taxi", 36.97, 0.0),
        ("car", 43.99, 0.0),
        ("car_petrol", 45.99, 0.0),
        ("car_diesel", 41.46, 0.0),
        ("car_hybrid", 33.15, 0.0),
        ("car_plugin_hybrid", 29.34, 1.22),
        ("car_electric", 10.49, 3.84),
    ];

    // Act
    let ttw = read(&app, "uk-desnz-2025");
    let wtw = read(&app, "uk-desnz-2025-wtw");

    // Assert
    assert_eq!(wtw["boundary"], "well_to_wheel");
    let (ttw, wtw) = (modes_by_id(&ttw), modes_by_id(&wtw));
    let micrograms = |g: f64| (g * 1e6).round() as i64;
    for (mode, wtt_g, td_g) in added {
        let ttw_g = ttw[mode]["co2e_g_per_km"].as_f64().unwrap();
        let wtw_g = wtw[mode]["co2e_g_per_km"].as_f64().unwrap();
        assert_eq!(
            micrograms(wtw_g),
            micrograms(ttw_g) + micrograms(wtt_g) + micrograms(td_g),
            "{mode}: {wtw_g} = {ttw_g} + {wtt_g} + {td_g}"
        );
        assert_eq!(wtw[mode]["basis"], ttw[mode]["basis"], "{mode}");
    }
    // car: 167.25 + 43.99 = 211.24 g/km; car_electric: 40.47 + 10.49 + 3.84 = 54.8 g/km
    assert_eq!(wtw["car"]["co2e_g_per_km"], 211.24);
    assert_eq!(wtw["car_electric"]["co2e_g_per_km"], 54.8);
}

#[test]
fn cn_2022_carries_the_national_regional_and_provincial_grid_factors() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let set = read(&app, "cn-2022");

    // Assert
    let regions = set["grid_regions"].as_array().expect("grid_regions");
    let find = |id: &str| {
        regions
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no grid region {id}"))
    };
    let national = find("national");
    assert_eq!(national["level"], "national");
    assert_eq!(national["co2e_g_per_kwh"], 536.6);
    assert_eq!(set["default_grid_region"], "national");
    let regional: Vec<&str> = regions
        .iter()
        .filter(|r| r["level"] == "regional")
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        regional,
        [
            "north",
            "northeast",
            "east",
            "central",
            "northwest",
            "south",
            "southwest"
        ]
    );
    for region in regions.iter().filter(|r| r["level"] == "regional") {
        assert_eq!(region["parent"], "national", "{region}");
    }
    let beijing = find("CN-BJ");
    assert_eq!(beijing["level"], "provincial");
    assert_eq!(beijing["parent"], "north");
    assert_eq!(beijing["co2e_g_per_kwh"], 558.0);
    assert_eq!(beijing["factor_from"], "CN-BJ");
    assert!(beijing["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "北京"));
    // Liaoning publishes no factor of its own and inherits the northeast grid's 556.4 g/kWh.
    let liaoning = find("CN-LN");
    assert_eq!(liaoning["co2e_g_per_kwh"], 556.4);
    assert_eq!(liaoning["factor_from"], "northeast");
}

#[test]
fn sets_without_a_grid_list_no_grid_regions() {
    // Arrange
    let app = TestApp::spawn();

    for id in ["uk-desnz-2025", "uk-desnz-2025-wtw"] {
        // Act
        let set = read(&app, id);

        // Assert
        assert_eq!(set["grid_regions"], serde_json::json!([]), "{id}");
        assert_eq!(set["default_grid_region"], Value::Null, "{id}");
    }
}

#[test]
fn an_unknown_factor_set_is_a_404_problem() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let response = app.read_factor_set("uk-desnz-1990");

    // Assert
    let problem = response.problem(404);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("uk-desnz-1990"),
        "{problem}"
    );
}

#[test]
fn head_on_the_factor_sets_answers_like_get_without_a_body() {
    // Arrange: the 405 answers of these paths advertise `Allow: GET, HEAD`.
    let app = TestApp::spawn();

    for path in ["/v1/factor-sets", "/v1/factor-sets/cn-2022"] {
        // Act
        let response = app.request("HEAD", path, &[], b"");

        // Assert
        assert_eq!(response.status, 200, "HEAD {path}");
        assert!(response.body.is_empty(), "HEAD {path} has no body");
    }
}
