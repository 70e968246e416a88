//! Participants who log their own commutes: invites, joining, `/v1/me`, their trips, and who may
//! do what with them.

use serde_json::{json, Value};

use crate::common::rng::Rng;
use crate::common::{
    admin, create_campaign, create_organization, enroll, error_fields, log, pluck,
};
use crate::common::{world, Response, TestApp, World, ADMIN_TOKEN};

/// A campaign (June 1–14, 2026, cn-2023 in Beijing) with two enrolled organizations.
fn campaign(app: &TestApp, public: bool) -> World {
    world(
        app,
        "walk-week",
        &["community", "social_organization"],
        json!({ "public": public, "factor_set": "cn-2023", "region": "CN-BJ" }),
    )
}

fn invites_path(w: &World, organization: usize) -> String {
    format!(
        "/v1/campaigns/{}/organizations/{}/invites",
        w.campaign, w.organizations[organization].0
    )
}

/// Creates an invite of the `organization`th organization with its key; (code, invite).
fn invite(app: &TestApp, w: &World, organization: usize, options: Value) -> (String, Value) {
    let created = app
        .post_json_as(
            w.key(organization),
            &invites_path(w, organization),
            &options,
        )
        .assert_status(201)
        .json();
    (created["code"].as_str().unwrap().to_owned(), created)
}

/// Joins with a code; (participant id, token).
fn join(app: &TestApp, code: &str) -> (String, String) {
    let joined = app
        .post_json(&format!("/v1/join/{code}"), &json!({}))
        .assert_status(201)
        .json();
    (
        joined["participant"].as_str().unwrap().to_owned(),
        joined["token"].as_str().unwrap().to_owned(),
    )
}

fn log_own(app: &TestApp, token: &str, body: &Value) -> Response {
    app.post_json_as(token, "/v1/me/trips", body)
}

fn delete_as(app: &TestApp, token: &str, path: &str) -> Response {
    let auth = format!("Bearer {token}");
    app.request("DELETE", path, &[("Authorization", &auth)], b"")
}

#[test]
fn a_member_joins_with_an_invite_logs_and_sees_their_own_figures() {
    // Arrange
    let app = TestApp::spawn();
    let w = campaign(&app, true);
    let (code, created) = invite(&app, &w, 0, json!({}));

    // Act
    let preview = app
        .get(&format!("/v1/join/{code}"))
        .assert_status(200)
        .json();
    let joined = app
        .post_json(&format!("/v1/join/{code}"), &json!({ "nickname": "小林" }))
        .assert_status(201)
        .json();
    let token = joined["token"].as_str().unwrap();
    let one = log_own(
        &app,
        token,
        &json!({ "date": "2026-06-02", "direction": "to_work", "mode": "bicycle", "distance_km": 4 }),
    );
    let batch = log_own(
        &app,
        token,
        &json!({ "trips": [
            { "date": "2026-06-02", "direction": "from_work", "mode": "bicycle", "distance_km": 4 },
            { "date": "2026-06-03", "direction": "round_trip",
              "legs": [{ "mode": "walk", "distance_km": 1 }, { "mode": "metro", "distance_km": 8 }] },
            { "date": "2026-06-02", "direction": "to_work", "mode": "bus", "distance_km": 4 }
        ]}),
    );
    let me = app.get_as(token, "/v1/me").assert_status(200).json();

    // Assert
    assert_eq!(code.len(), 20, "100 random bits in 5-bit letters: {code}");
    assert_eq!(created["url"], format!("/join/{code}"));
    assert!(created["created_at"].is_string());
    assert_eq!(preview["organization"]["id"], w.organizations[0].0.as_str());
    assert_eq!(preview["campaign"]["id"], "walk-week");
    let participant = joined["participant"].as_str().unwrap();
    assert!(
        participant.len() == 12 && participant.starts_with("p-"),
        "{participant}"
    );
    assert!(token.starts_with("gcp_"), "{token}");
    assert_eq!(joined["organization"]["kind"], "community");
    assert_eq!(joined["campaign"]["name"], "Campaign walk-week");

    let one = one.assert_status(201).json();
    assert_eq!(one["trips"][0]["participant"], participant);
    let batch = batch.assert_status(201).json();
    assert_eq!(
        (batch["accepted"].as_u64(), batch["duplicates"].as_u64()),
        (Some(2), Some(1))
    );

    assert_eq!(me["role"], "participant");
    assert_eq!(me["participant"], participant);
    assert_eq!(me["nickname"], "小林");
    assert_eq!(me["trips"], 3);
    assert_eq!(me["participants"], 1);
    let stored: Vec<&Value> = one["trips"]
        .as_array()
        .unwrap()
        .iter()
        .chain(batch["trips"].as_array().unwrap().iter().take(2))
        .collect();
    let saved: i64 = stored
        .iter()
        .map(|t| t["savings_g"].as_i64().unwrap())
        .sum();
    assert_eq!(me["savings_g"], saved);
    assert_eq!(pluck(&me["by_day"], "date"), ["2026-06-02", "2026-06-03"]);
    let organization = app
        .get(&format!(
            "/v1/campaigns/walk-week/organizations/{}/summary",
            w.organizations[0].0
        ))
        .assert_status(200)
        .json();
    assert_eq!(
        organization["savings_g"], saved,
        "the trips count for the organization"
    );
    assert_eq!(organization["joined_by_invite"], 1);
    assert_eq!(me["organization_savings_per_participant_g"], saved);
    // Their trips are the organization's only ones: "totals as in an organization summary".
    for field in [
        "trips",
        "participants",
        "organizations",
        "distance_km",
        "co2e_g",
        "baseline_co2e_g",
        "savings_g",
        "savings_per_participant_g",
        "active_minutes",
        "active_minutes_per_participant_week",
        "regularity",
        "air_saved",
        "air_incomplete_trips",
        "by_mode",
        "by_day",
    ] {
        assert!(!me[field].is_null(), "/v1/me has {field}");
        assert_eq!(me[field], organization[field], "{field}");
    }
    assert!(
        me["regularity"].as_f64().unwrap() > 0.0,
        "{}",
        me["regularity"]
    );
}

#[test]
fn invites_and_joins_take_no_body_or_json_and_refuse_other_media_types() {
    // Arrange
    let app = TestApp::spawn();
    let w = campaign(&app, true);
    let key = format!("Bearer {}", w.key(0));
    let path = invites_path(&w, 0);

    // Act
    let plain_invite = app.request(
        "POST",
        &path,
        &[("Authorization", &key), ("Content-Type", "text/plain")],
        b"{}",
    );
    let bare_invite = app.request("POST", &path, &[("Authorization", &key)], b"");
    let code = bare_invite.assert_status(201).json()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let join_path = format!("/v1/join/{code}");
    let plain_join = app.request(
        "POST",
        &join_path,
        &[("Content-Type", "text/plain")],
        br#"{"nickname":"bob"}"#,
    );
    let bare_join = app.request("POST", &join_path, &[], b"");

    // Assert
    for refused in [plain_invite, plain_join] {
        let problem = refused.problem(415);
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("application/json"),
            "{problem}"
        );
    }
    bare_join.assert_status(201);
    let invites = app.get_as(w.key(0), &path).assert_status(200).json();
    assert_eq!(
        invites["invites"].as_array().map(Vec::len),
        Some(1),
        "the refused request made no invite: {invites}"
    );
}

#[test]
fn a_participant_reaches_only_their_own_trips() {
    // Arrange
    let app = TestApp::spawn();
    let w = campaign(&app, true);
    let (code, _) = invite(&app, &w, 0, json!({}));
    let (me, token) = join(&app, &code);
    let (_, neighbour) = join(&app, &code);
    let mine = log_own(
        &app,
        &token,
        &json!({ "date": "2026-06-04", "direction": "to_work", "mode": "walk", "distance_km": 1.5 }),
    )
    .assert_status(201)
    .json();
    let theirs = log_own(
        &app,
        &neighbour,
        &json!({ "date": "2026-06-04", "direction": "to_work", "mode": "walk", "distance_km": 2 }),
    )
    .assert_status(201)
    .json();
    let organizations = log(
        &app,
        w.key(0),
        "walk-week",
        json!([{ "participant": "staff-1", "date": "2026-06-04", "direction": "to_work", "mode": "bus", "distance_km": 6 }]),
    )
    .assert_status(201)
    .json();

    // Act
    let listed = app.get_as(&token, "/v1/me/trips").assert_status(200).json();
    let all = app
        .get_as(w.key(0), "/v1/campaigns/walk-week/trips")
        .assert_status(200)
        .json();
    let other_participant = delete_as(
        &app,
        &token,
        &format!("/v1/me/trips/{}", theirs["trips"][0]["id"]),
    );
    let organization_trip = delete_as(
        &app,
        &token,
        &format!("/v1/me/trips/{}", organizations["trips"][0]["id"]),
    );
    let own = delete_as(
        &app,
        &token,
        &format!("/v1/me/trips/{}", mine["trips"][0]["id"]),
    );

    // Assert
    assert_eq!(pluck(&listed["trips"], "participant"), [me.as_str()]);
    assert_eq!(
        all["trips"].as_array().unwrap().len(),
        3,
        "an organization sees its participants' trips"
    );
    other_participant.problem(404);
    organization_trip.problem(404);
    own.assert_status(204);
    let left = app.get_as(&token, "/v1/me/trips").assert_status(200).json();
    assert_eq!(left["trips"], json!([]));
}

#[test]
fn a_participant_and_their_organization_share_one_trip_key() {
    // Arrange
    let app = TestApp::spawn();
    let w = campaign(&app, true);
    let (code, _) = invite(&app, &w, 0, json!({}));
    let (me, token) = join(&app, &code);
    log_own(
        &app,
        &token,
        &json!({ "date": "2026-06-05", "direction": "round_trip", "mode": "bicycle", "distance_km": 3 }),
    )
    .assert_status(201);

    // Act: the coordinator's spreadsheet has the same commute.
    let again = log(
        &app,
        w.key(0),
        "walk-week",
        json!([{ "participant": me, "date": "2026-06-05", "direction": "to_work", "mode": "bicycle", "distance_km": 3 }]),
    )
    .assert_status(201)
    .json();

    // Assert
    assert_eq!(again["duplicates"], 1);
    let summary = app
        .get("/v1/campaigns/walk-week/summary")
        .assert_status(200)
        .json();
    assert_eq!(summary["trips"], 1, "counted once");
}

#[test]
fn a_participant_token_opens_only_the_participants_own_doors() {
    // Arrange
    let app = TestApp::spawn();
    let w = campaign(&app, false);
    create_campaign(&app, "elsewhere", json!({ "public": false }));
    let (code, _) = invite(&app, &w, 0, json!({}));
    let (me, token) = join(&app, &code);
    let organization = &w.organizations[0].0;
    let trip = json!({ "participant": "x", "date": "2026-06-02", "direction": "to_work", "mode": "walk", "distance_km": 1 });

    // Act + Assert: the organization's and the admin's operations are refused.
    let refused = [
        app.post_json_as(&token, "/v1/campaigns/walk-week/trips", &json!({ "trips": [trip] })),
        app.get_as(&token, "/v1/campaigns/walk-week/trips"),
        delete_as(&app, &token, "/v1/campaigns/walk-week/trips/1"),
        app.get_as(&token, &format!("/v1/organizations/{organization}")),
        app.get_as(&token, "/v1/organizations"),
        app.post_json_as(&token, &invites_path(&w, 0), &json!({})),
        app.get_as(&token, &invites_path(&w, 0)),
        app.post_json_as(&token, "/v1/campaigns", &json!({ "id": "mine", "name": "x", "starts_on": "2026-06-01", "ends_on": "2026-06-02" })),
    ];
    for response in refused {
        response.problem(403);
    }
    // A private campaign that is not theirs does not exist for them, whatever the operation.
    app.send_json_as(
        &token,
        "PUT",
        &format!("/v1/campaigns/elsewhere/organizations/{organization}"),
        &json!(null),
    )
    .problem(404);
    // Their own private campaign's results are theirs to read; another private campaign is
    // unknown to them.
    app.get_as(&token, "/v1/campaigns/walk-week/summary")
        .assert_status(200);
    app.get_as(&token, "/v1/campaigns/elsewhere").problem(404);
    let listed = app
        .get_as(&token, "/v1/campaigns")
        .assert_status(200)
        .json();
    assert_eq!(pluck(&listed["campaigns"], "id"), ["walk-week"]);
    // A participant's trip body has no `participant`: it is them.
    let problem = log_own(&app, &token, &trip).problem(422);
    assert_eq!(error_fields(&problem), ["participant"]);
    // Dates outside the campaign are refused as for an organization.
    let problem = log_own(
        &app,
        &token,
        &json!({ "date": "2026-07-01", "direction": "to_work", "mode": "walk", "distance_km": 1 }),
    )
    .problem(422);
    assert_eq!(error_fields(&problem), ["date"]);
    // An organization key is not a participant's.
    log_own(
        &app,
        w.key(0),
        &json!({ "date": "2026-06-02", "direction": "to_work", "mode": "walk", "distance_km": 1 }),
    )
    .problem(403);
    app.get_as(ADMIN_TOKEN, "/v1/me/trips").problem(403);
    // No credentials at all: 401, the answer that says to send a token.
    app.get("/v1/me/trips").problem(401);
    app.request("DELETE", "/v1/me/trips/1", &[], b"")
        .problem(401);
    app.request(
        "POST",
        "/v1/me/trips",
        &[("Content-Type", "application/json")],
        br#"{"date":"2026-06-02","direction":"to_work","mode":"walk","distance_km":1}"#,
    )
    .problem(401);

    // Revoked by the organization: the token stops at once, the trips stay.
    log_own(
        &app,
        &token,
        &json!({ "date": "2026-06-02", "direction": "to_work", "mode": "walk", "distance_km": 1 }),
    )
    .assert_status(201);
    let participant_path =
        format!("/v1/campaigns/walk-week/organizations/{organization}/participants/{me}");
    delete_as(&app, w.key(1), &participant_path).problem(403);
    delete_as(&app, w.key(0), &participant_path).assert_status(204);
    app.get_as(&token, "/v1/me").problem(401);
    let summary = app
        .get_as(ADMIN_TOKEN, "/v1/campaigns/walk-week/summary")
        .json();
    assert_eq!(summary["trips"], 1);
}

#[test]
fn invites_are_an_organizations_own_and_stop_when_revoked_expired_or_full() {
    // Arrange
    let app = TestApp::spawn();
    let w = campaign(&app, true);
    create_organization(&app, "outsider", "other");
    let (code, created) = invite(&app, &w, 0, json!({ "max_participants": 2 }));
    let (expiring, _) = invite(
        &app,
        &w,
        0,
        json!({ "expires_at": "2099-01-01T00:00:00+08:00" }),
    );

    // Act + Assert
    app.post_json_as(w.key(1), &invites_path(&w, 0), &json!({}))
        .problem(403);
    app.get_as(w.key(1), &invites_path(&w, 0)).problem(403);
    let problem = app
        .post_json_as(
            w.key(0),
            &invites_path(&w, 0),
            &json!({ "expires_at": "2020-01-01T00:00:00Z", "max_participants": 0 }),
        )
        .problem(422);
    assert_eq!(error_fields(&problem), ["expires_at", "max_participants"]);
    let problem = app
        .post_json_as(
            w.key(0),
            &invites_path(&w, 0),
            &json!({ "expires_at": "next week" }),
        )
        .problem(422);
    assert_eq!(error_fields(&problem), ["expires_at"]);
    admin(
        &app,
        "POST",
        "/v1/campaigns/walk-week/organizations/outsider/invites",
        &json!({}),
    )
    .problem(409);
    enroll(&app, "walk-week", "outsider");
    admin(
        &app,
        "POST",
        "/v1/campaigns/walk-week/organizations/outsider/invites",
        &json!({}),
    )
    .assert_status(201);

    join(&app, &code);
    join(&app, &code);
    app.post_json(&format!("/v1/join/{code}"), &json!({}))
        .problem(409);
    app.get(&format!("/v1/join/{code}")).problem(409);
    app.post_json(&format!("/v1/join/{}", "x".repeat(20)), &json!({}))
        .problem(404);
    let problem = app
        .post_json(
            &format!("/v1/join/{expiring}"),
            &json!({ "nickname": "n".repeat(41) }),
        )
        .problem(422);
    assert_eq!(error_fields(&problem), ["nickname"]);

    let listed = app
        .get_as(w.key(0), &invites_path(&w, 0))
        .assert_status(200)
        .json();
    let invites = listed["invites"].as_array().unwrap();
    assert_eq!(invites.len(), 2);
    assert_eq!(invites[0]["id"], created["id"]);
    assert_eq!(invites[0]["participants"], 2);
    assert_eq!(invites[0]["code_hint"], &code[..4]);
    assert_eq!(invites[1]["expires_at"], "2098-12-31T16:00:00Z");
    assert!(
        !listed.to_string().contains(&code),
        "a code is never shown again"
    );

    // Revoked by code: nobody joins from now on; who joined keeps working.
    let (_, token) = join(&app, &expiring);
    delete_as(
        &app,
        w.key(1),
        &format!("{}/{expiring}", invites_path(&w, 0)),
    )
    .problem(403);
    delete_as(
        &app,
        w.key(0),
        &format!("{}/{expiring}", invites_path(&w, 0)),
    )
    .assert_status(204);
    app.post_json(&format!("/v1/join/{expiring}"), &json!({}))
        .problem(410);
    app.get(&format!("/v1/join/{expiring}")).problem(410);
    app.get_as(&token, "/v1/me").assert_status(200);
    // Revoked by id, by the admin.
    delete_as(
        &app,
        ADMIN_TOKEN,
        &format!(
            "{}/{}",
            invites_path(&w, 0),
            created["id"].as_str().unwrap()
        ),
    )
    .assert_status(204);
    delete_as(
        &app,
        ADMIN_TOKEN,
        &format!("{}/inv_000000000000", invites_path(&w, 0)),
    )
    .problem(404);
}

#[test]
fn joins_are_limited_per_address() {
    // Arrange
    let app = TestApp::spawn_with(|config| {
        config.join_rate = 0.01;
        config.join_burst = 3;
    });
    let w = campaign(&app, true);
    let (code, _) = invite(&app, &w, 0, json!({}));
    for _ in 0..3 {
        join(&app, &code);
    }

    // Act
    let refused = app.post_json(&format!("/v1/join/{code}"), &json!({}));

    // Assert
    refused.problem(429);
    assert!(refused.header("retry-after").is_some());
}

#[test]
fn results_equal_the_sums_of_what_organizations_and_participants_logged() {
    // Arrange: two organizations log spreadsheet-style batches; their members log themselves.
    let app = TestApp::spawn();
    let w = campaign(&app, true);
    let mut rng = Rng(20_260_601);
    let modes = [
        "walk", "bicycle", "bus", "metro", "car", "e_bike", "telework",
    ];
    let mut logged: Vec<(usize, Value)> = Vec::new();
    for organization in 0..2 {
        let (code, _) = invite(&app, &w, organization, json!({}));
        for _ in 0..6 {
            let (_, token) = join(&app, &code);
            for day in 1..=rng.between(1, 10) {
                let trip = json!({
                    "date": format!("2026-06-{:02}", day),
                    "direction": *rng.pick(&["to_work", "from_work", "round_trip"]),
                    "mode": *rng.pick(&modes),
                    "distance_km": rng.between(1, 300) as f64 / 10.0,
                });
                let response = log_own(&app, &token, &trip).assert_status(201).json();
                logged.push((organization, response["trips"][0].clone()));
            }
        }
        let trips: Vec<Value> = (0..40)
            .map(|i| {
                json!({
                    "participant": format!("staff-{}", i % 13),
                    "date": format!("2026-06-{:02}", 1 + i % 14),
                    "direction": *rng.pick(&["to_work", "from_work", "round_trip"]),
                    "mode": *rng.pick(&modes),
                    "distance_km": rng.between(1, 300) as f64 / 10.0,
                })
            })
            .collect();
        let response = log(&app, w.key(organization), "walk-week", json!(trips))
            .assert_status(201)
            .json();
        for trip in response["trips"].as_array().unwrap() {
            logged.push((organization, trip.clone()));
        }
    }

    // Act
    let summary = app
        .get("/v1/campaigns/walk-week/summary")
        .assert_status(200)
        .json();
    let board = app
        .get("/v1/campaigns/walk-week/leaderboard")
        .assert_status(200)
        .json();

    // Assert: every trip counted once, whoever logged it.
    let counted: Vec<&Value> = logged
        .iter()
        .filter(|(_, t)| t["duplicate"] == false)
        .map(|(_, t)| t)
        .collect();
    let sum = |key: &str| {
        counted
            .iter()
            .map(|t| t[key].as_i64().unwrap())
            .sum::<i64>()
    };
    assert_eq!(summary["trips"], counted.len());
    assert_eq!(summary["savings_g"], sum("savings_g"));
    assert_eq!(summary["co2e_g"], sum("co2e_g"));
    for (organization, (id, _, _)) in w.organizations.iter().enumerate() {
        let own: i64 = logged
            .iter()
            .filter(|(o, t)| *o == organization && t["duplicate"] == false)
            .map(|(_, t)| t["savings_g"].as_i64().unwrap())
            .sum();
        let entry = board["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["organization"]["id"] == id.as_str())
            .unwrap();
        assert_eq!(entry["savings_g"], own, "{id}");
    }
}
