//! Logging commutes and reading results, with answers worked out by hand from DESNZ 2025
//! (bus 103.85, car 167.25, London Underground 27.8 g per km).

use green_commute::config::ServeConfig;
use serde_json::{json, Value};

use crate::common::{error_fields, log, world, World};
use crate::common::{Response, TestApp, ADMIN_TOKEN};

/// A running application with a campaign on the UK set and one enrolled organization (with a
/// key) per kind given: what most of these tests arrange first.
struct UkCampaign {
    app: TestApp,
    world: World,
}

impl UkCampaign {
    fn new(kinds: &[&str]) -> Self {
        Self::with(|_| {}, kinds)
    }

    /// The same, on an application whose configuration `adjust` changed.
    fn with(adjust: impl FnOnce(&mut ServeConfig), kinds: &[&str]) -> Self {
        let app = TestApp::spawn_with(adjust);
        let world = world(
            &app,
            "uk-week",
            kinds,
            json!({ "factor_set": "uk-desnz-2025" }),
        );
        Self { app, world }
    }

    /// Logs JSON trips with the key of organization `i`.
    fn log(&self, i: usize, trips: Value) -> Response {
        log(&self.app, self.world.key(i), &self.world.campaign, trips)
    }

    /// The campaign summary.
    fn summary(&self) -> Value {
        summary(&self.app, &self.world.campaign)
    }
}

fn one(participant: &str, date: &str, direction: &str, mode: &str, km: f64) -> Value {
    json!({ "participant": participant, "date": date, "direction": direction, "mode": mode, "distance_km": km })
}

fn summary(app: &TestApp, campaign: &str) -> Value {
    app.get(&format!("/v1/campaigns/{campaign}/summary"))
        .assert_status(200)
        .json()
}

#[test]
fn logged_trips_are_computed_against_the_campaign_baseline() {
    let c = UkCampaign::new(&["enterprise"]);
    let response = c.log(
        0,
        json!([
            // 5 km bus: 5 × 103.85 = 519.25 → 519; car 5 × 167.25 = 836.25 → 836.
            one("alice", "2026-06-02", "to_work", "bus", 5.0),
            // Round trip doubles: 10 × 103.85 = 1038.5 → 1039; car 1672.5 → 1673.
            one("bob", "2026-06-02", "round_trip", "bus", 5.0),
            // Three share a car for 12 km: 12 × 167.25 ÷ 3 = 669; baseline driving alone 2007.
            { "participant": "carol", "date": "2026-06-03", "direction": "to_work", "mode": "car", "distance_km": 12.0, "passengers": 3 },
            // Usual mode bus: 4 km Underground 111.2 → 111 against bus 415.4 → 415.
            { "participant": "dan", "date": "2026-06-03", "direction": "from_work", "mode": "metro", "distance_km": 4.0, "baseline": { "mode": "bus" } },
        ]),
    )
    .assert_status(201)
    .json();
    assert_eq!(response["accepted"], 4);
    assert_eq!(response["duplicates"], 0);
    let figures: Vec<(i64, i64, i64)> = response["trips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            assert_eq!(t["duplicate"], false);
            (
                t["co2e_g"].as_i64().unwrap(),
                t["baseline_co2e_g"].as_i64().unwrap(),
                t["savings_g"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        figures,
        [
            (519, 836, 317),
            (1039, 1673, 634),
            (669, 2007, 1338),
            (111, 415, 304)
        ]
    );

    let s = c.summary();
    assert_eq!(s["trips"], 4);
    assert_eq!(s["participants"], 4);
    assert_eq!(s["organizations"], 1);
    assert_eq!(s["distance_km"], 31.0, "5 + 10 + 12 + 4");
    assert_eq!(s["co2e_g"], 519 + 1039 + 669 + 111);
    assert_eq!(s["baseline_co2e_g"], 836 + 1673 + 2007 + 415);
    assert_eq!(s["savings_g"], 317 + 634 + 1338 + 304);
    // 2593 ÷ 4 = 648.25 → 648
    assert_eq!(s["savings_per_participant_g"], 648);
    // Exhaust (EMEP/EEA rows of the UK set, held to the µg): car 50.436 mg NOx and 0.761 mg
    // PM2.5 per km; the bus has no `air` (no sourced UK bus occupancy), so trips on or against
    // a bus count it 0 and are incomplete. Bus trips save the car's exhaust: 5 km 252.18 → 252
    // and 3.805 → 4, 10 km 504.36 → 504 and 7.61 → 8. The car-pool: 12 km ÷ 3 = 201.744 → 202
    // and 3.044 → 3 against 605.232 → 605 and 9.132 → 9 alone. The metro trip against a bus
    // saves 0 (incomplete). Nobody walked or cycled.
    assert_eq!(
        s["by_mode"],
        json!([
            { "mode": "bus", "trips": 2, "distance_km": 15.0, "co2e_g": 1558, "baseline_co2e_g": 2509, "savings_g": 951,
              "active_minutes": 0, "air_saved": { "nox_mg": 756, "pm25_mg": 12 }, "air_incomplete_trips": 2 },
            { "mode": "car", "trips": 1, "distance_km": 12.0, "co2e_g": 669, "baseline_co2e_g": 2007, "savings_g": 1338,
              "active_minutes": 0, "air_saved": { "nox_mg": 403, "pm25_mg": 6 }, "air_incomplete_trips": 0 },
            { "mode": "metro", "trips": 1, "distance_km": 4.0, "co2e_g": 111, "baseline_co2e_g": 415, "savings_g": 304,
              "active_minutes": 0, "air_saved": { "nox_mg": 0, "pm25_mg": 0 }, "air_incomplete_trips": 1 },
        ])
    );
    assert_eq!(
        s["air_saved"],
        json!({ "nox_mg": 756 + 403, "pm25_mg": 12 + 6 })
    );
    assert_eq!(s["air_incomplete_trips"], 3);
}

#[test]
fn a_retried_request_changes_nothing() {
    let c = UkCampaign::new(&["enterprise"]);
    let (app, w) = (&c.app, &c.world);
    let trips = json!([
        one("p1", "2026-06-02", "to_work", "bus", 5.0),
        one("p2", "2026-06-02", "to_work", "rail", 20.0)
    ]);
    let first = log(&app, w.key(0), &w.campaign, trips.clone())
        .assert_status(201)
        .json();
    let before = c.summary();
    let second = log(&app, w.key(0), &w.campaign, trips)
        .assert_status(201)
        .json();
    assert_eq!(second["accepted"], 0);
    assert_eq!(second["duplicates"], 2);
    for (a, b) in first["trips"]
        .as_array()
        .unwrap()
        .iter()
        .zip(second["trips"].as_array().unwrap())
    {
        assert_eq!(b["duplicate"], true);
        assert_eq!(a["id"], b["id"]);
        assert_eq!(a["savings_g"], b["savings_g"]);
    }
    assert_eq!(c.summary(), before);
}

#[test]
fn a_round_trip_takes_both_directions() {
    let c = UkCampaign::new(&["enterprise"]);
    let stored = c
        .log(0, json!([one("p", "2026-06-02", "round_trip", "bus", 5.0)]))
        .assert_status(201)
        .json();
    let later = c
        .log(
            0,
            json!([
                one("p", "2026-06-02", "to_work", "car", 5.0),
                one("p", "2026-06-02", "from_work", "bus", 5.0)
            ]),
        )
        .assert_status(201)
        .json();
    assert_eq!(later["accepted"], 0);
    for t in later["trips"].as_array().unwrap() {
        assert_eq!(t["duplicate"], true);
        assert_eq!(t["id"], stored["trips"][0]["id"]);
        assert_eq!(
            t["direction"], "round_trip",
            "the stored trip's values are shown"
        );
    }
    // The next day both directions are free, and a one-way trip blocks a later round trip.
    let next = c
        .log(
            0,
            json!([
                one("p", "2026-06-03", "to_work", "bus", 5.0),
                one("p", "2026-06-03", "from_work", "bus", 5.0),
                one("p", "2026-06-03", "round_trip", "bus", 5.0)
            ]),
        )
        .json();
    let duplicates: Vec<bool> = next["trips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["duplicate"].as_bool().unwrap())
        .collect();
    assert_eq!(duplicates, [false, false, true]);
    assert_eq!(c.summary()["trips"], 3);
}

#[test]
fn the_same_trip_twice_in_one_batch_counts_once() {
    let c = UkCampaign::new(&["enterprise"]);
    let response = c
        .log(
            0,
            json!([
                one("p", "2026-06-02", "to_work", "bus", 5.0),
                one("p", "2026-06-02", "to_work", "bus", 5.0)
            ]),
        )
        .json();
    assert_eq!(response["accepted"], 1);
    assert_eq!(response["duplicates"], 1);
    assert_eq!(response["trips"][1]["id"], response["trips"][0]["id"]);
    assert_eq!(c.summary()["trips"], 1);
}

#[test]
fn one_bad_row_rejects_the_batch_and_every_bad_row_is_listed() {
    let c = UkCampaign::new(&["enterprise"]);
    let problem = c.log(
        0,
        json!([
            one("ok", "2026-06-02", "to_work", "bus", 5.0),
            one("late", "2026-07-02", "to_work", "bus", 5.0),
            one("bad-mode", "2026-06-02", "to_work", "hovercraft", 5.0),
            { "participant": "typo", "date": "2026-06-02", "direction": "to_work", "mode": "bus", "distanse_km": 5.0 },
            one("neg", "2026-06-02", "sideways", "bus", 5.0),
            one("", "2026-06-02", "to_work", "bus", -1.0),
        ]),
    )
    .problem(422);
    let fields = error_fields(&problem);
    for expected in [
        "trips[1].date",
        "trips[2].mode",
        "trips[3].distanse_km",
        "trips[4].direction",
        "trips[5].participant",
        "trips[5].distance_km",
    ] {
        assert!(
            fields.contains(&expected),
            "missing {expected} in {fields:?}"
        );
    }
    assert!(!fields.iter().any(|f| f.starts_with("trips[0]")));
    assert_eq!(c.summary()["trips"], 0, "nothing was stored");
}

#[test]
fn spreadsheets_log_trips_as_csv_and_errors_name_the_line() {
    let c = UkCampaign::new(&["community"]);
    let (app, w) = (&c.app, &c.world);
    let path = format!("/v1/campaigns/{}/trips", w.campaign);
    let auth = format!("Bearer {}", w.key(0));
    let csv = "participant,date,direction,mode,distance_km,passengers,baseline_mode\n\
               r1,2026-06-02,to_work,bus,5,,\n\
               r2,2026-06-02,round_trip,car,12,3,\n\
               r3,2026-06-03,to_work,metro,4,,bus\n";
    let response = app
        .request(
            "POST",
            &path,
            &[("Authorization", &auth), ("Content-Type", "text/csv")],
            csv.as_bytes(),
        )
        .assert_status(201)
        .json();
    // Round trip car-pool: 24 × 167.25 ÷ 3 = 1338; alone 4014.
    let co2e: Vec<i64> = response["trips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["co2e_g"].as_i64().unwrap())
        .collect();
    assert_eq!(co2e, [519, 1338, 111]);
    assert_eq!(response["trips"][2]["baseline_co2e_g"], 415);

    let bad = "participant,date,direction,mode,distance_km\n\
               r4,2026-06-04,to_work,bus,5\n\
               r5,2026-06-04,to_work,bus,far\n\
               r6,2026-06-40,to_work,bus,5\n";
    let problem = app
        .request(
            "POST",
            &path,
            &[("Authorization", &auth), ("Content-Type", "text/csv")],
            bad.as_bytes(),
        )
        .problem(422);
    let fields = error_fields(&problem);
    assert_eq!(fields, ["line 3.distance_km", "line 4.date"]);
    assert_eq!(c.summary()["trips"], 3);

    // A column that is not a trip field (a name, a department) is ignored and never stored.
    let extra_column =
        "participant,date,direction,mode,distance_km,colour\nr7,2026-06-04,to_work,bus,5,red\n";
    let logged = app
        .request(
            "POST",
            &path,
            &[("Authorization", &auth), ("Content-Type", "text/csv")],
            extra_column.as_bytes(),
        )
        .assert_status(201)
        .json();
    assert_eq!(logged["ignored_columns"], json!(["colour"]));
    assert!(!app.get_as(w.key(0), &path).text().contains("red"));
}

#[test]
fn logging_takes_json_or_spreadsheets_only() {
    let c = UkCampaign::new(&["enterprise"]);
    let (app, w) = (&c.app, &c.world);
    let auth = format!("Bearer {}", w.key(0));
    app.request(
        "POST",
        &format!("/v1/campaigns/{}/trips", w.campaign),
        &[("Authorization", &auth), ("Content-Type", "text/plain")],
        b"hello",
    )
    .problem(415);
}

#[test]
fn a_stored_trip_keeps_the_factors_it_was_computed_with() {
    let c = UkCampaign::new(&["enterprise"]);
    let (app, w) = (&c.app, &c.world);
    c.log(
        0,
        json!([{ "participant": "p", "date": "2026-06-02", "direction": "to_work",
                 "legs": [{ "mode": "walk", "distance_km": 1.0 }, { "mode": "metro", "distance_km": 8.0 }, { "mode": "bus", "distance_km": 8.0 }] }]),
    )
    .assert_status(201);
    let page = app
        .get_as(w.key(0), &format!("/v1/campaigns/{}/trips", w.campaign))
        .assert_status(200)
        .json();
    let trip = &page["trips"][0];
    assert_eq!(trip["main_mode"], "metro", "the first of the longest legs");
    assert_eq!(trip["detail"]["factor_set"]["id"], "uk-desnz-2025");
    assert_eq!(trip["detail"]["legs"][1]["co2e_g_per_km"], 27.8);
    assert_eq!(trip["detail"]["legs"][2]["co2e_g_per_km"], 103.85);
    assert_eq!(trip["detail"]["baseline"]["co2e_g_per_km"], 167.25);
    assert!(trip["detail"]["legs"][1]["source"].is_string());
    assert_eq!(page["next_cursor"], Value::Null);
}

#[test]
fn trip_lists_are_paginated_with_an_opaque_cursor() {
    let c = UkCampaign::new(&["enterprise"]);
    let (app, w) = (&c.app, &c.world);
    let trips: Vec<Value> = (0..25)
        .map(|i| one(&format!("p{i:02}"), "2026-06-02", "to_work", "bus", 3.0))
        .collect();
    log(&app, w.key(0), &w.campaign, json!(trips)).assert_status(201);
    let mut seen = Vec::new();
    let mut path = format!("/v1/campaigns/{}/trips?limit=10", w.campaign);
    loop {
        let page = app.get_as(ADMIN_TOKEN, &path).assert_status(200).json();
        seen.extend(
            page["trips"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["participant"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!(
                    "/v1/campaigns/{}/trips?limit=10&cursor={cursor}",
                    w.campaign
                )
            }
            None => break,
        }
    }
    let expected: Vec<String> = (0..25).map(|i| format!("p{i:02}")).collect();
    assert_eq!(seen, expected);
    app.get_as(
        ADMIN_TOKEN,
        &format!("/v1/campaigns/{}/trips?cursor=zzz", w.campaign),
    )
    .problem(422);
    app.get_as(
        ADMIN_TOKEN,
        &format!("/v1/campaigns/{}/trips?limit=0", w.campaign),
    )
    .problem(422);
}

#[test]
fn deleting_a_trip_updates_every_aggregate_at_once() {
    let c = UkCampaign::new(&["enterprise"]);
    let (app, w) = (&c.app, &c.world);
    let logged = c
        .log(
            0,
            json!([
                one("p", "2026-06-02", "to_work", "bus", 5.0),
                one("p", "2026-06-03", "to_work", "metro", 4.0)
            ]),
        )
        .json();
    let id = logged["trips"][1]["id"].as_i64().unwrap();
    app.request(
        "DELETE",
        &format!("/v1/campaigns/{}/trips/{id}", w.campaign),
        &[("Authorization", &format!("Bearer {}", w.key(0)))],
        b"",
    )
    .assert_status(204);
    let s = c.summary();
    assert_eq!(s["trips"], 1);
    assert_eq!(s["participants"], 1);
    assert_eq!(s["co2e_g"], 519);
    assert_eq!(
        s["by_mode"].as_array().unwrap().len(),
        1,
        "modes without trips are left out"
    );
    let org = app
        .get(&format!(
            "/v1/campaigns/{}/organizations/{}/summary",
            w.campaign, w.organizations[0].0
        ))
        .json();
    // 5 km by bus saves the car's 252 mg NOx and 4 mg PM2.5; the bus itself counts 0.
    assert_eq!(
        org["by_day"],
        json!([{ "date": "2026-06-02", "trips": 1, "distance_km": 5.0, "co2e_g": 519, "savings_g": 317,
                 "active_minutes": 0, "air_saved": { "nox_mg": 252, "pm25_mg": 4 }, "air_incomplete_trips": 1 }])
    );
    // Logging it again after deletion counts it again.
    let again = c
        .log(0, json!([one("p", "2026-06-03", "to_work", "metro", 4.0)]))
        .json();
    assert_eq!(again["accepted"], 1);
}

#[test]
fn the_leaderboard_lists_every_enrolled_organization_in_order() {
    let c = UkCampaign::new(&["enterprise", "community", "institution", "enterprise"]);
    let app = &c.app;
    // org-0: two participants, 317 + 317 = 634; org-1: one participant, 634; org-2 and org-3: nothing.
    c.log(
        0,
        json!([
            one("a", "2026-06-02", "to_work", "bus", 5.0),
            one("b", "2026-06-02", "to_work", "bus", 5.0)
        ]),
    );
    c.log(1, json!([one("c", "2026-06-02", "round_trip", "bus", 5.0)]));
    let board = app
        .get("/v1/campaigns/uk-week/leaderboard")
        .assert_status(200)
        .json();
    let order: Vec<(u64, &str, i64)> = board["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["rank"].as_u64().unwrap(),
                e["organization"]["id"].as_str().unwrap(),
                e["savings_g"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            (1, "uk-week-org-0", 634),
            (2, "uk-week-org-1", 634),
            (3, "uk-week-org-2", 0),
            (4, "uk-week-org-3", 0)
        ],
        "ties by organization id ascending"
    );
    let per_participant = app
        .get("/v1/campaigns/uk-week/leaderboard?sort=savings_per_participant")
        .json();
    assert_eq!(
        per_participant["entries"][0]["organization"]["id"],
        "uk-week-org-1"
    );
    assert_eq!(
        per_participant["entries"][0]["savings_per_participant_g"],
        634
    );
    assert_eq!(
        per_participant["entries"][1]["savings_per_participant_g"],
        317
    );
    let enterprises = app
        .get("/v1/campaigns/uk-week/leaderboard?kind=enterprise&limit=5")
        .json();
    let ids: Vec<&str> = enterprises["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["organization"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["uk-week-org-0", "uk-week-org-3"]);
    app.get("/v1/campaigns/uk-week/leaderboard?sort=loudest")
        .problem(422);
    app.get("/v1/campaigns/uk-week/leaderboard?kind=guild")
        .problem(422);
    app.get("/v1/campaigns/nope/leaderboard").problem(404);

    let csv = app.get("/v1/campaigns/uk-week/leaderboard.csv");
    csv.assert_status(200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let lines: Vec<String> = csv.text().lines().map(str::to_owned).collect();
    assert_eq!(lines[0], "rank,organization_id,organization_name,kind,trips,participants,distance_km,co2e_g,baseline_co2e_g,savings_g,savings_per_participant_g,active_minutes,air_saved_nox_mg,air_saved_pm25_mg,air_incomplete_trips,headcount,participation_rate,regularity");
    // Two 5 km bus trips each save a car's 252 mg NOx and 4 mg PM2.5 (the bus counts 0). No
    // headcount, so no participation rate; each of the two participants commuted greenly on
    // one of the ten workdays from June 1 to 14: regularity 0.1.
    assert_eq!(
        lines[1],
        "1,uk-week-org-0,Organization uk-week-org-0,enterprise,2,2,10,1038,1672,634,317,0,504,8,2,,,0.1"
    );
    assert_eq!(lines.len(), 5);

    let s = summary(app, "uk-week");
    assert_eq!(
        s["by_organization_kind"],
        json!([
            { "kind": "enterprise", "organizations": 2, "trips": 2, "participants": 2, "distance_km": 10.0, "co2e_g": 1038, "savings_g": 634,
              "active_minutes": 0, "air_saved": { "nox_mg": 504, "pm25_mg": 8 } },
            { "kind": "institution", "organizations": 1, "trips": 0, "participants": 0, "distance_km": 0.0, "co2e_g": 0, "savings_g": 0,
              "active_minutes": 0, "air_saved": { "nox_mg": 0, "pm25_mg": 0 } },
            { "kind": "community", "organizations": 1, "trips": 1, "participants": 1, "distance_km": 10.0, "co2e_g": 1039, "savings_g": 634,
              "active_minutes": 0, "air_saved": { "nox_mg": 504, "pm25_mg": 8 } },
        ])
    );
}

#[test]
fn the_leaderboard_pages_with_limit_and_cursor_like_every_list() {
    let c = UkCampaign::new(&[
        "enterprise",
        "community",
        "institution",
        "enterprise",
        "community",
    ]);
    let app = &c.app;
    c.log(1, json!([one("c", "2026-06-02", "round_trip", "bus", 5.0)]));
    c.log(3, json!([one("d", "2026-06-02", "to_work", "bus", 5.0)]));
    let whole = app
        .get("/v1/campaigns/uk-week/leaderboard")
        .assert_status(200)
        .json();
    assert_eq!(
        whole["next_cursor"],
        Value::Null,
        "no limit: everything, no next page"
    );
    let entries = |board: &Value| board["entries"].as_array().unwrap().clone();

    // Follow the cursors two at a time.
    let mut pages = Vec::new();
    let mut path = "/v1/campaigns/uk-week/leaderboard?limit=2".to_owned();
    loop {
        let page = app.get(&path).assert_status(200).json();
        pages.push(entries(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/v1/campaigns/uk-week/leaderboard?limit=2&cursor={cursor}")
            }
            None => break,
        }
        assert!(pages.len() < 10, "the cursors end");
    }

    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [2, 2, 1]);
    assert_eq!(
        pages.concat(),
        entries(&whole),
        "the pages are the whole ranking, ranks kept"
    );
    let exactly = app.get("/v1/campaigns/uk-week/leaderboard?limit=5").json();
    assert_eq!(
        exactly["next_cursor"],
        Value::Null,
        "a full last page is the end"
    );
    for bad in ["t1", "zz", "r"] {
        let problem = app
            .get(&format!(
                "/v1/campaigns/uk-week/leaderboard?limit=2&cursor={bad}"
            ))
            .problem(422);
        assert_eq!(problem["errors"][0]["field"], "cursor", "{bad}");
    }
    let limit = app
        .get("/v1/campaigns/uk-week/leaderboard?limit=-1")
        .problem(422);
    assert_eq!(limit["errors"][0]["field"], "limit");
}

#[test]
fn trips_must_fall_within_the_campaign_and_its_enrolled_organizations() {
    let c = UkCampaign::new(&["enterprise"]);
    let (app, w) = (&c.app, &c.world);
    for date in ["2026-05-31", "2026-06-15"] {
        let problem = c
            .log(0, json!([one("p", date, "to_work", "bus", 5.0)]))
            .problem(422);
        assert_eq!(problem["errors"][0]["field"], "trips[0].date");
    }
    for date in ["2026-06-01", "2026-06-14"] {
        c.log(0, json!([one("p", date, "to_work", "bus", 5.0)]))
            .assert_status(201);
    }
    log(
        &app,
        w.key(0),
        "no-such-campaign",
        json!([one("p", "2026-06-02", "to_work", "bus", 5.0)]),
    )
    .problem(404);
    log(&app, w.key(0), &w.campaign, json!([])).problem(422);
}

#[test]
fn a_key_writing_too_fast_gets_a_429_with_retry_after() {
    let c = UkCampaign::with(
        |config| {
            config.write_rate = 0.5;
            config.write_burst = 2;
        },
        &["enterprise"],
    );
    for day in 2..=3 {
        c.log(
            0,
            json!([one("p", &format!("2026-06-0{day}"), "to_work", "bus", 5.0)]),
        )
        .assert_status(201);
    }
    let limited = c.log(0, json!([one("p", "2026-06-04", "to_work", "bus", 5.0)]));
    limited.problem(429);
    assert_eq!(limited.header("retry-after"), Some("2"));
    assert_eq!(c.summary()["trips"], 2, "a limited request stores nothing");
}
