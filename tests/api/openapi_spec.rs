//! The OpenAPI spec: served byte-for-byte as committed in `openapi/openapi.json` (a golden file),
//! and complete enough for clients: summaries, tags, request examples, problem+json errors.

use serde_json::Value;

use crate::common::TestApp;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
const REGENERATE: &str = "run `cargo run -- openapi > openapi/openapi.json` and commit the result";

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn served_spec(app: &TestApp) -> Value {
    let response = app.get("/api-docs/openapi.json");
    response.assert_status(200);
    response.json()
}

/// Every operation of the spec as (`METHOD path`, operation).
fn operations(spec: &Value) -> Vec<(String, &Value)> {
    let paths = spec["paths"].as_object().expect("paths");
    let mut found = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                found.push((format!("{} {path}", method.to_ascii_uppercase()), operation));
            }
        }
    }
    found
}

/// Follows a local `$ref` (`#/components/...`) once.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => spec
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling $ref {reference}")),
        None => value,
    }
}

#[test]
fn the_served_spec_is_byte_identical_to_the_committed_file() {
    // Arrange
    let app = TestApp::spawn();
    let committed = std::fs::read_to_string(COMMITTED)
        .unwrap_or_else(|e| panic!("cannot read {COMMITTED} ({e}); {REGENERATE}"));

    // Act
    let response = app.get("/api-docs/openapi.json");

    // Assert
    response.assert_status(200);
    let content_type = response.header("content-type").unwrap_or("");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let served = response.text();
    if served != committed {
        let line = served
            .lines()
            .zip(committed.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| served.lines().count().min(committed.lines().count()));
        panic!(
            "openapi/openapi.json is out of date: it first differs from the served spec at line {} \
             (served: {:?}, committed: {:?}); {REGENERATE}",
            line + 1,
            served.lines().nth(line).unwrap_or("<end>"),
            committed.lines().nth(line).unwrap_or("<end>"),
        );
    }
}

#[test]
fn every_operation_has_a_summary_and_a_tag() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let spec = served_spec(&app);

    // Assert
    let operations = operations(&spec);
    assert!(operations.len() >= 7, "{} operations", operations.len());
    for (name, operation) in operations {
        let summary = operation["summary"].as_str().unwrap_or("");
        assert!(!summary.trim().is_empty(), "{name} has no summary");
        let tags = operation["tags"].as_array().map_or(0, Vec::len);
        assert!(tags > 0, "{name} has no tag");
    }
}

#[test]
fn every_request_body_has_an_example() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let spec = served_spec(&app);

    // Assert
    for (name, operation) in operations(&spec) {
        let Some(body) = operation.get("requestBody") else {
            continue;
        };
        let body = resolve(&spec, body);
        let content = body["content"]
            .as_object()
            .unwrap_or_else(|| panic!("{name}: content"));
        for (media_type, media) in content {
            let schema = resolve(&spec, &media["schema"]);
            if schema["format"] == "binary" {
                // A file has no example to write down: Swagger UI offers a file picker.
                continue;
            }
            let has_example = media.get("example").is_some()
                || media.get("examples").is_some()
                || schema.get("example").is_some()
                || schema.get("examples").is_some();
            assert!(
                has_example,
                "{name} ({media_type}): the request body has no example"
            );
        }
    }
}

#[test]
fn every_error_response_listed_is_problem_json() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let spec = served_spec(&app);

    // Assert
    for (name, operation) in operations(&spec) {
        let responses = operation["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{name}: responses"));
        for (status, response) in responses {
            if !(status.starts_with('4') || status.starts_with('5')) {
                continue;
            }
            let response = resolve(&spec, response);
            let media_types: Vec<&String> = response["content"]
                .as_object()
                .map(|c| c.keys().collect())
                .unwrap_or_default();
            assert_eq!(
                media_types,
                ["application/problem+json"],
                "{name} {status}: errors are application/problem+json"
            );
        }
    }
}

#[test]
fn the_estimate_operations_are_documented_at_their_fixed_paths() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let spec = served_spec(&app);

    // Assert
    for (path, method) in [
        ("/v1/estimate", "post"),
        ("/v1/estimate/batch", "post"),
        ("/v1/factor-sets", "get"),
        ("/v1/factor-sets/{id}", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
    ] {
        assert!(
            spec["paths"][path][method].is_object(),
            "{method} {path} is in the spec"
        );
    }
    assert!(
        spec["openapi"].as_str().unwrap_or("").starts_with("3."),
        "an OpenAPI 3 document"
    );
}

#[test]
fn every_schema_reference_resolves() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let spec = served_spec(&app);

    // Assert: a validator (and every client generator) refuses a dangling `$ref`.
    let text = spec.to_string();
    let dangling: Vec<&str> = text
        .split("\"$ref\":\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|reference| spec.pointer(reference.trim_start_matches('#')).is_none())
        .collect();
    assert!(dangling.is_empty(), "unresolved: {dangling:?}");
}

#[test]
fn every_operation_that_checks_credentials_documents_the_failed_authentication_limit() {
    // Arrange: one wrong token spends this address's failures, so every token it presents next
    // is refused before it is checked, the admin's included.
    let app = TestApp::spawn_with(|c| {
        c.auth_failure_rate = 0.001;
        c.auth_failure_burst = 1;
    });
    let spec = served_spec(&app);
    app.request(
        "GET",
        "/v1/organizations",
        &[("Authorization", "Bearer gck_wrong")],
        b"",
    )
    .problem(401);

    // Act + Assert
    let admin = format!("Bearer {}", crate::common::ADMIN_TOKEN);
    let mut limited = 0;
    for (name, operation) in operations(&spec) {
        let (method, template) = name.split_once(' ').expect("METHOD path");
        let path: String = template
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "x"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let answer = app.request(method, &path, &[("Authorization", &admin)], b"");
        let documented = &operation["responses"];
        if answer.status == 429 {
            limited += 1;
            assert!(
                documented.get("429").is_some(),
                "{name} answers 429 but does not document it"
            );
        }
        if method == "GET" && documented.get("401").is_some() {
            assert_eq!(
                answer.status, 429,
                "{name}: checks credentials, so it is limited"
            );
        }
    }
    assert!(limited > 20, "only {limited} operations were limited");
}
