//! Campaigns, organizations and enrollment, as the admin runs them.

use serde_json::json;

use crate::common::{create_organization, error_fields, log, world};
use crate::common::{TestApp, ADMIN_TOKEN};

#[test]
fn creating_a_campaign_snapshots_its_factor_set_and_fills_defaults() {
    let app = TestApp::spawn();
    let created = app
        .post_json_as(
            ADMIN_TOKEN,
            "/v1/campaigns",
            &json!({ "id": "bj-2026", "name": "Beijing Green Commuting Week", "starts_on": "2026-06-01", "ends_on": "2026-06-07", "region": "北京" }),
        )
        .assert_status(201)
        .json();
    assert_eq!(created["id"], "bj-2026");
    assert_eq!(created["time_zone"], "Asia/Shanghai");
    assert_eq!(created["factor_set"]["id"], "cn-2023");
    assert!(created["factor_set"]["version"].is_string());
    assert_eq!(created["baseline_mode"], "car");
    assert_eq!(created["public"], true);
    assert_eq!(created["region"], "CN-BJ", "regions are stored by their id");

    let read = app.get("/v1/campaigns/bj-2026").assert_status(200).json();
    assert_eq!(read, created);
    let list = app.get("/v1/campaigns").json();
    assert_eq!(list["campaigns"][0]["id"], "bj-2026");
}

#[test]
fn invalid_campaigns_are_rejected_with_every_bad_field() {
    let app = TestApp::spawn();
    let cases = [
        (
            json!({ "id": "A B", "name": "x", "starts_on": "2026-06-01", "ends_on": "2026-06-02" }),
            "id",
        ),
        (
            json!({ "id": "ok-id", "name": "", "starts_on": "2026-06-01", "ends_on": "2026-06-02" }),
            "name",
        ),
        (
            json!({ "id": "ok-id", "name": "x", "starts_on": "2026-13-01", "ends_on": "2026-06-02" }),
            "starts_on",
        ),
        (
            json!({ "id": "ok-id", "name": "x", "starts_on": "2026-06-05", "ends_on": "2026-06-02" }),
            "ends_on",
        ),
        (
            json!({ "id": "ok-id", "name": "x", "starts_on": "2026-06-01", "ends_on": "2026-06-02", "time_zone": "Mars/Olympus" }),
            "time_zone",
        ),
        (
            json!({ "id": "ok-id", "name": "x", "starts_on": "2026-06-01", "ends_on": "2026-06-02", "factor_set": "nope" }),
            "factor_set",
        ),
        (
            json!({ "id": "ok-id", "name": "x", "starts_on": "2026-06-01", "ends_on": "2026-06-02", "baseline_mode": "rocket" }),
            "baseline_mode",
        ),
        (
            json!({ "id": "ok-id", "name": "x", "starts_on": "2026-06-01", "ends_on": "2026-06-02", "region": "Atlantis" }),
            "region",
        ),
        (
            json!({ "id": "ok-id", "name": "x", "starts_on": "2026-06-01", "ends_on": "2026-06-02", "colour": "green" }),
            "colour",
        ),
        (
            json!({ "id": "ok-id", "name": "x", "ends_on": "2026-06-02" }),
            "starts_on",
        ),
    ];
    for (body, field) in cases {
        let problem = app
            .post_json_as(ADMIN_TOKEN, "/v1/campaigns", &body)
            .problem(422);
        let fields = error_fields(&problem);
        assert!(
            fields.contains(&field),
            "{body}: expected an error at `{field}`, got {problem}"
        );
    }
    assert!(app.get("/v1/campaigns").json()["campaigns"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn a_taken_campaign_id_is_a_conflict() {
    let app = TestApp::spawn();
    let body =
        json!({ "id": "dup", "name": "x", "starts_on": "2026-06-01", "ends_on": "2026-06-02" });
    app.post_json_as(ADMIN_TOKEN, "/v1/campaigns", &body)
        .assert_status(201);
    app.post_json_as(ADMIN_TOKEN, "/v1/campaigns", &body)
        .problem(409);
}

#[test]
fn the_factor_set_and_baseline_cannot_change_once_trips_exist() {
    let app = TestApp::spawn();
    let w = world(&app, "locked", &["enterprise"], json!({}));
    let path = format!("/v1/campaigns/{}", w.campaign);
    // Before any trip, both may change.
    let patched = app
        .send_json_as(
            ADMIN_TOKEN,
            "PATCH",
            &path,
            &json!({ "factor_set": "uk-desnz-2025", "baseline_mode": "car_petrol" }),
        )
        .assert_status(200)
        .json();
    assert_eq!(patched["factor_set"]["id"], "uk-desnz-2025");
    assert_eq!(patched["baseline_mode"], "car_petrol");
    log(&app, w.key(0), &w.campaign, json!([{ "participant": "p", "date": "2026-06-02", "direction": "to_work", "mode": "bus", "distance_km": 5 }]))
        .assert_status(201);
    app.send_json_as(
        ADMIN_TOKEN,
        "PATCH",
        &path,
        &json!({ "factor_set": "cn-2022" }),
    )
    .problem(409);
    app.send_json_as(
        ADMIN_TOKEN,
        "PATCH",
        &path,
        &json!({ "baseline_mode": "car" }),
    )
    .problem(409);
    app.send_json_as(
        ADMIN_TOKEN,
        "PATCH",
        &path,
        &json!({ "ends_on": "2026-06-01" }),
    )
    .problem(409);
    // Other fields still change.
    let renamed = app
        .send_json_as(
            ADMIN_TOKEN,
            "PATCH",
            &path,
            &json!({ "name": "Renamed", "public": false }),
        )
        .assert_status(200)
        .json();
    assert_eq!(renamed["name"], "Renamed");
    assert_eq!(renamed["factor_set"]["id"], "uk-desnz-2025");
}

#[test]
fn campaign_results_never_change_when_factor_files_change() {
    let app = TestApp::spawn();
    let w = world(&app, "snap", &["enterprise"], json!({}));
    let trip = json!([{ "participant": "p1", "date": "2026-06-02", "direction": "to_work", "mode": "bus", "distance_km": 10 }]);
    let before = log(&app, w.key(0), &w.campaign, trip)
        .assert_status(201)
        .json();
    assert_eq!(before["trips"][0]["co2e_g"], 562, "10 km × 56.2 g/pkm");

    // A second process on the same file, with a factors folder that changes the bus factor.
    let dir = tempfile::tempdir().unwrap();
    let mut cn: serde_json::Value =
        serde_json::from_str(include_str!("../../emission_factors/cn-2023.json")).unwrap();
    for mode in cn["modes"].as_array_mut().unwrap() {
        if mode["mode"] == "bus" {
            mode["co2e_g_per_km"] = json!(99.0);
        }
    }
    std::fs::write(dir.path().join("cn-2023.json"), cn.to_string()).unwrap();
    let database_url = app.database_url.clone();
    let changed = TestApp::spawn_with(|c| {
        c.database_url = green_commute::store::DatabaseUrl::new(database_url);
        c.factors_dir = Some(dir.path().to_path_buf());
    });
    let estimate = changed
        .estimate(&json!({ "mode": "bus", "distance_km": 10 }))
        .json();
    assert_eq!(estimate["co2e_g"], 990, "new estimates use the new file");
    let trip = json!([{ "participant": "p2", "date": "2026-06-02", "direction": "to_work", "mode": "bus", "distance_km": 10 }]);
    let after = log(&changed, w.key(0), &w.campaign, trip)
        .assert_status(201)
        .json();
    assert_eq!(
        after["trips"][0]["co2e_g"], 562,
        "the campaign keeps its snapshot"
    );
}

#[test]
fn organizations_have_one_of_five_kinds_and_unique_ids() {
    let app = TestApp::spawn();
    for kind in [
        "enterprise",
        "institution",
        "social_organization",
        "community",
        "other",
    ] {
        create_organization(&app, &format!("org-{}", kind.replace('_', "-")), kind);
    }
    app.post_json_as(
        ADMIN_TOKEN,
        "/v1/organizations",
        &json!({ "id": "org-other", "name": "again", "kind": "other" }),
    )
    .problem(409);
    let problem = app
        .post_json_as(
            ADMIN_TOKEN,
            "/v1/organizations",
            &json!({ "id": "x-y", "name": "n", "kind": "company" }),
        )
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "kind");
    let read = app
        .get_as(ADMIN_TOKEN, "/v1/organizations/org-community")
        .assert_status(200)
        .json();
    assert_eq!(read["kind"], "community");
    let all = app.get_as(ADMIN_TOKEN, "/v1/organizations").json();
    assert_eq!(all["organizations"].as_array().unwrap().len(), 5);
    app.get_as(ADMIN_TOKEN, "/v1/organizations/nope")
        .problem(404);
}

#[test]
fn enrolling_is_idempotent_and_needs_both_sides_to_exist() {
    let app = TestApp::spawn();
    let w = world(&app, "enrol", &["community"], json!({}));
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let put = |path: &str| app.request("PUT", path, &[("Authorization", &auth)], b"");
    put(&format!(
        "/v1/campaigns/enrol/organizations/{}",
        w.organizations[0].0
    ))
    .assert_status(204);
    put("/v1/campaigns/enrol/organizations/missing-org").problem(404);
    put(&format!(
        "/v1/campaigns/missing/organizations/{}",
        w.organizations[0].0
    ))
    .problem(404);
    let board = app.get("/v1/campaigns/enrol/leaderboard").json();
    assert_eq!(board["entries"].as_array().unwrap().len(), 1);
}

#[test]
fn issued_keys_are_shown_once_and_never_listed() {
    let app = TestApp::spawn();
    create_organization(&app, "keyed", "enterprise");
    let (key_id, key) = crate::common::issue_key(&app, "keyed");
    assert!(key.starts_with("gck_") && key.len() > 40);
    assert!(key_id.starts_with("key_"));
    let organization = app.get_as(ADMIN_TOKEN, "/v1/organizations/keyed").text();
    assert!(!organization.contains(&key));
    let spec = app.get("/api-docs/openapi.json").text();
    assert!(!spec.contains(&key));
}

#[test]
fn campaign_and_organization_lists_are_paginated_with_an_opaque_cursor() {
    let app = TestApp::spawn();
    for i in 0..5 {
        app.post_json_as(
            ADMIN_TOKEN,
            "/v1/campaigns",
            &json!({ "id": format!("week-{i}"), "name": "W", "starts_on": "2026-06-01", "ends_on": "2026-06-02" }),
        )
        .assert_status(201);
        create_organization(&app, &format!("org-{i}"), "community");
    }
    for (path, field) in [
        ("/v1/campaigns", "campaigns"),
        ("/v1/organizations", "organizations"),
    ] {
        let mut seen = Vec::new();
        let mut next = format!("{path}?limit=2");
        loop {
            let page = app.get_as(ADMIN_TOKEN, &next).assert_status(200).json();
            let ids: Vec<String> = page[field]
                .as_array()
                .unwrap()
                .iter()
                .map(|item| item["id"].as_str().unwrap().to_owned())
                .collect();
            assert!(ids.len() <= 2);
            seen.extend(ids);
            match page["next_cursor"].as_str() {
                Some(cursor) => next = format!("{path}?limit=2&cursor={cursor}"),
                None => break,
            }
        }
        let prefix = if field == "campaigns" { "week" } else { "org" };
        let expected: Vec<String> = (0..5).map(|i| format!("{prefix}-{i}")).collect();
        assert_eq!(seen, expected, "{path}");
        app.get_as(ADMIN_TOKEN, &format!("{path}?cursor=nonsense"))
            .problem(422);
        app.get_as(ADMIN_TOKEN, &format!("{path}?limit=0"))
            .problem(422);
    }
}
