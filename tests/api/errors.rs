//! Invalid input to `POST /v1/estimate`, table-driven: every case is answered with the right
//! status as `application/problem+json` naming the offending field, and never with a 500.

use serde_json::{json, Value};

use crate::common::TestApp;

/// One bad request and what the service must answer.
struct Case {
    /// Why the request is bad (shown when the case fails).
    reason: &'static str,
    /// `Content-Type` sent, if any.
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    /// A field the problem's `errors` must name (`None`: the body as a whole).
    field: Option<&'static str>,
    /// Text the problem's `detail` must contain.
    mentions: &'static str,
}

/// A JSON body answered with 422 at `field`.
fn invalid(reason: &'static str, body: Value, field: &'static str) -> Case {
    Case {
        reason,
        content_type: Some("application/json"),
        body: serde_json::to_vec(&body).unwrap(),
        status: 422,
        field: Some(field),
        mentions: field,
    }
}

/// A raw body sent as `content_type`, answered with `status`.
fn raw(
    reason: &'static str,
    content_type: Option<&'static str>,
    body: &str,
    status: u16,
    mentions: &'static str,
) -> Case {
    Case {
        reason,
        content_type,
        body: body.as_bytes().to_vec(),
        status,
        field: None,
        mentions,
    }
}

fn legs(count: usize) -> Value {
    json!(vec![json!({ "mode": "walk", "distance_km": 1.0 }); count])
}

fn cases() -> Vec<Case> {
    let car = |km: Value| json!({ "mode": "car", "distance_km": km });
    let car_with =
        |passengers: Value| json!({ "mode": "car", "distance_km": 5.0, "passengers": passengers });
    vec![
        // Not JSON → 400
        raw(
            "malformed JSON",
            Some("application/json"),
            r#"{"mode": "car", "distance_km": "#,
            400,
            "not valid JSON",
        ),
        raw(
            "characters after the JSON value",
            Some("application/json"),
            r#"{"mode":"car","distance_km":1} x"#,
            400,
            "not valid JSON",
        ),
        raw(
            "a bare NaN is not JSON",
            Some("application/json"),
            r#"{"mode":"car","distance_km":NaN}"#,
            400,
            "not valid JSON",
        ),
        raw(
            "an empty body",
            Some("application/json"),
            "",
            400,
            "not valid JSON",
        ),
        raw(
            "a body cut short after an unknown field is malformed before it is invalid",
            Some("application/json"),
            r#"{"a":"#,
            400,
            "not valid JSON",
        ),
        Case {
            body: br#"{"mode":"bus","distance_km":5,"mode":"walk"}"#.to_vec(),
            ..invalid("a field given twice", json!(null), "mode")
        },
        Case {
            body: b"null".to_vec(),
            status: 422,
            field: None,
            mentions: "expected a JSON object",
            ..invalid("null instead of an object", json!(null), "")
        },
        // Not JSON at all → 415
        raw(
            "text/plain",
            Some("text/plain"),
            r#"{"mode":"car","distance_km":1}"#,
            415,
            "application/json",
        ),
        raw(
            "no Content-Type",
            None,
            r#"{"mode":"car","distance_km":1}"#,
            415,
            "application/json",
        ),
        raw(
            "form encoded",
            Some("application/x-www-form-urlencoded"),
            "mode=car&distance_km=1",
            415,
            "application/json",
        ),
        // Unknown fields → 422 naming them
        invalid(
            "a typo must not fall back to a default",
            json!({ "mode": "car", "distance_km": 5.0, "distanse_km": 3.0 }),
            "distanse_km",
        ),
        invalid(
            "unknown field in a leg",
            json!({ "legs": [{ "mode": "car", "distance_km": 5.0, "pasengers": 2 }] }),
            "legs[0].pasengers",
        ),
        invalid(
            "unknown field in the baseline",
            json!({ "mode": "bus", "distance_km": 5.0, "baseline": { "mode": "car", "km": 3 } }),
            "baseline.km",
        ),
        // Distances
        invalid(
            "distance given as the string NaN",
            car(json!("NaN")),
            "distance_km",
        ),
        Case {
            body: br#"{"mode":"car","distance_km":1e999}"#.to_vec(),
            ..invalid(
                "distance overflowing a double (1e999) is well-formed JSON",
                json!(null),
                "distance_km",
            )
        },
        invalid("negative distance", car(json!(-5.0)), "distance_km"),
        invalid("zero distance", car(json!(0)), "distance_km"),
        invalid("under a metre", car(json!(0.0004)), "distance_km"),
        invalid(
            "longer than any leg (5000 km)",
            car(json!(5000.5)),
            "distance_km",
        ),
        invalid(
            "longer than a metro leg can be (200 km)",
            json!({ "mode": "metro", "distance_km": 201.0 }),
            "distance_km",
        ),
        invalid("null distance", car(json!(null)), "distance_km"),
        invalid(
            "mode without distance",
            json!({ "mode": "car" }),
            "distance_km",
        ),
        invalid(
            "a bad distance in the second leg",
            json!({ "legs": [{ "mode": "walk", "distance_km": 1.0 }, { "mode": "bus", "distance_km": -1.0 }] }),
            "legs[1].distance_km",
        ),
        invalid(
            "distance beside legs",
            json!({ "legs": [{ "mode": "walk", "distance_km": 1.0 }], "distance_km": 2.0 }),
            "distance_km",
        ),
        invalid(
            "negative baseline distance",
            json!({ "mode": "bus", "distance_km": 5.0, "baseline": { "mode": "car", "distance_km": -1.0 } }),
            "baseline.distance_km",
        ),
        // Legs
        invalid("no legs", json!({ "legs": [] }), "legs"),
        invalid("11 legs", json!({ "legs": legs(11) }), "legs"),
        invalid(
            "both mode and legs",
            json!({ "mode": "car", "distance_km": 1.0, "legs": legs(1) }),
            "legs",
        ),
        invalid("neither mode nor legs", json!({}), "mode"),
        invalid(
            "a leg without mode",
            json!({ "legs": [{ "distance_km": 1.0 }] }),
            "legs[0].mode",
        ),
        invalid(
            "telework as one leg among others",
            json!({ "legs": [{ "mode": "telework", "distance_km": 5.0 }, { "mode": "walk", "distance_km": 1.0 }] }),
            "legs[0].mode",
        ),
        // Passengers
        invalid("zero passengers", car_with(json!(0)), "passengers"),
        invalid("ten passengers", car_with(json!(10)), "passengers"),
        invalid("half a passenger", car_with(json!(2.5)), "passengers"),
        invalid("negative passengers", car_with(json!(-1)), "passengers"),
        invalid("passengers as a string", car_with(json!("2")), "passengers"),
        invalid(
            "passengers on a bus (per passenger-km)",
            json!({ "mode": "bus", "distance_km": 5.0, "passengers": 2 }),
            "passengers",
        ),
        invalid(
            "passengers on a per-passenger baseline",
            json!({ "mode": "walk", "distance_km": 1.0, "baseline": { "mode": "bus", "passengers": 2 } }),
            "baseline.passengers",
        ),
        // Names
        invalid(
            "unknown mode",
            json!({ "mode": "hovercraft", "distance_km": 5.0 }),
            "mode",
        ),
        invalid(
            "unknown mode in a leg",
            json!({ "legs": [{ "mode": "walk", "distance_km": 1.0 }, { "mode": "jetpack", "distance_km": 1.0 }] }),
            "legs[1].mode",
        ),
        invalid(
            "unknown baseline mode",
            json!({ "mode": "bus", "distance_km": 5.0, "baseline": { "mode": "horse" } }),
            "baseline.mode",
        ),
        invalid(
            "baseline without mode",
            json!({ "mode": "bus", "distance_km": 5.0, "baseline": { "distance_km": 5.0 } }),
            "baseline.mode",
        ),
        invalid(
            "unknown factor set",
            json!({ "factor_set": "mars-2030", "mode": "bus", "distance_km": 5.0 }),
            "factor_set",
        ),
        invalid(
            "unknown region",
            json!({ "region": "Gondor", "mode": "metro", "distance_km": 5.0 }),
            "region",
        ),
        invalid(
            "region on a set without grids",
            json!({ "factor_set": "uk-desnz-2025", "region": "north", "mode": "metro", "distance_km": 5.0 }),
            "region",
        ),
        // Shapes
        invalid(
            "round_trip as a string",
            json!({ "mode": "bus", "distance_km": 5.0, "round_trip": "yes" }),
            "round_trip",
        ),
        invalid(
            "mode as a number",
            json!({ "mode": 7, "distance_km": 5.0 }),
            "mode",
        ),
        invalid("the body is null", json!(null), ""),
    ]
}

#[test]
fn bad_estimate_requests_get_the_right_problem_naming_the_field() {
    // Arrange
    let app = TestApp::spawn();

    for case in cases() {
        let reason = case.reason;
        let mut headers = Vec::new();
        if let Some(content_type) = case.content_type {
            headers.push(("Content-Type", content_type));
        }

        // Act
        let response = app.request("POST", "/v1/estimate", &headers, &case.body);

        // Assert
        assert!(
            response.status < 500,
            "{reason}: never a 500; got {} {}",
            response.status,
            response.text()
        );
        assert_eq!(
            response.status,
            case.status,
            "{reason}: {}",
            response.text()
        );
        assert_eq!(
            response.header("content-type"),
            Some("application/problem+json"),
            "{reason}: problem+json"
        );
        let problem = response.problem(case.status);
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains(case.mentions),
            "{reason}: detail `{detail}` should mention `{}`",
            case.mentions
        );
        let errors = problem["errors"].as_array().unwrap();
        match case.field {
            Some(field) => {
                let named = errors.iter().find(|e| e["field"] == field);
                let named =
                    named.unwrap_or_else(|| panic!("{reason}: no error at `{field}` in {problem}"));
                assert!(
                    !named["message"].as_str().unwrap_or("").is_empty(),
                    "{reason}: the error at `{field}` says what is wrong"
                );
            }
            None => assert!(
                errors.iter().all(|e| e["field"] == ""),
                "{reason}: no field to name, got {problem}"
            ),
        }
    }
}

#[test]
fn passengers_given_as_2_point_0_count_as_the_whole_number_2() {
    // Arrange: JSON Schema counts 2.0 as an integer.
    let app = TestApp::spawn();
    let body = br#"{"factor_set":"uk-desnz-2025","mode":"car","distance_km":10,"passengers":2.0}"#;

    // Act
    let response = app.request(
        "POST",
        "/v1/estimate",
        &[("Content-Type", "application/json")],
        body,
    );

    // Assert
    // 10 km × 167.25 ÷ 2 = 836.25 → 836 g
    response.assert_status(200);
    let estimate = response.json();
    assert_eq!(estimate["legs"][0]["passengers"], 2);
    assert_eq!(estimate["co2e_g"], 836);
}

#[test]
fn media_types_with_parameters_or_a_json_suffix_are_accepted() {
    // Arrange
    let app = TestApp::spawn();
    let body = br#"{"mode":"walk","distance_km":1}"#;

    for content_type in [
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/merge-patch+json",
    ] {
        // Act
        let response = app.request(
            "POST",
            "/v1/estimate",
            &[("Content-Type", content_type)],
            body,
        );

        // Assert
        assert_eq!(response.status, 200, "{content_type}: {}", response.text());
    }
}

#[test]
fn a_body_over_the_configured_limit_is_a_413_problem() {
    // Arrange
    let app = TestApp::spawn_with(|config| config.body_limit = 256);
    let small = serde_json::to_vec(&json!({ "legs": legs(2) })).unwrap();
    let large = serde_json::to_vec(&json!({ "legs": legs(10) })).unwrap();
    assert!(
        small.len() < 256 && large.len() > 256,
        "the bodies straddle the limit"
    );
    let json_type = [("Content-Type", "application/json")];

    // Act
    let accepted = app.request("POST", "/v1/estimate", &json_type, &small);
    let refused = app.request("POST", "/v1/estimate", &json_type, &large);
    let refused_batch = app.request("POST", "/v1/estimate/batch", &json_type, &large);

    // Assert
    accepted.assert_status(200);
    let problem = refused.problem(413);
    assert!(
        problem["detail"].as_str().unwrap().contains("256"),
        "{problem}"
    );
    refused_batch.problem(413);
}

#[test]
fn an_unknown_route_is_a_404_problem() {
    // Arrange
    let app = TestApp::spawn();

    for (method, path) in [
        ("GET", "/v1/estimates"),
        ("POST", "/v2/estimate"),
        ("GET", "/campaigns"),
    ] {
        // Act
        let response = app.request(method, path, &[], b"");

        // Assert
        response.problem(404);
    }
}

#[test]
fn a_wrong_method_is_a_405_problem_with_allow() {
    // Arrange
    let app = TestApp::spawn();
    let cases = [
        ("GET", "/v1/estimate", "POST"),
        ("PUT", "/v1/estimate", "POST"),
        ("GET", "/v1/estimate/batch", "POST"),
        ("DELETE", "/v1/factor-sets", "GET"),
        ("POST", "/v1/factor-sets/cn-2022", "GET"),
    ];

    for (method, path, allowed) in cases {
        // Act
        let response = app.request(method, path, &[], b"");

        // Assert
        response.problem(405);
        let allow = response
            .header("allow")
            .unwrap_or_else(|| panic!("{method} {path}: Allow header"));
        assert!(
            allow.split(',').any(|m| m.trim() == allowed),
            "{method} {path}: Allow: {allow}"
        );
    }
}

#[test]
fn a_literal_path_keeps_its_own_methods_where_a_pattern_would_also_match() {
    // Arrange: `/trips/template.csv` also matches `/trips/{trip_id}`, which takes DELETE.
    let app = TestApp::spawn();

    // Act
    let response = app.request("PUT", "/v1/campaigns/any/trips/template.csv", &[], b"");

    // Assert
    response.problem(405);
    assert_eq!(response.header("allow"), Some("GET, HEAD"));
}

/// The operations that take no body: (method, path) once the world below exists.
const BODILESS: [(&str, &str); 3] = [
    ("POST", "/v1/organizations/bodiless-org/keys"),
    ("POST", "/v1/organizers/bodiless-ngo/keys"),
    ("PUT", "/v1/campaigns/bodiless/organizations/bodiless-org"),
];

#[test]
fn operations_without_a_body_take_nothing_null_or_an_empty_object_and_refuse_fields() {
    // Arrange
    let app = TestApp::spawn();
    crate::common::create_campaign(&app, "bodiless", json!({}));
    crate::common::create_organization(&app, "bodiless-org", "enterprise");
    crate::common::admin(
        &app,
        "POST",
        "/v1/organizers",
        &json!({ "id": "bodiless-ngo", "name": "NGO", "city": "Beijing" }),
    )
    .assert_status(201);
    let admin = format!("Bearer {}", crate::common::ADMIN_TOKEN);

    for (method, path) in BODILESS {
        // Act
        let send = |content_type: Option<&str>, body: &[u8]| {
            let mut headers = vec![("Authorization", admin.as_str())];
            headers.extend(content_type.map(|t| ("Content-Type", t)));
            app.request(method, path, &headers, body)
        };
        let typo = send(Some("application/json"), br#"{"distanse_km": 1}"#);
        let plain = send(Some("text/plain"), b"label");
        let broken = send(Some("application/json"), b"{broken");
        let accepted = [
            send(None, b""),
            send(Some("application/json"), b"{}"),
            send(Some("application/json"), b"null"),
        ];

        // Assert
        let problem = typo.problem(422);
        assert_eq!(
            problem["errors"][0]["field"], "distanse_km",
            "{method} {path}: {problem}"
        );
        plain.problem(415);
        broken.problem(400);
        for answer in accepted {
            assert!(
                [201, 204].contains(&answer.status),
                "{method} {path}: {}",
                answer.status
            );
        }
    }
}
