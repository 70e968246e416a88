//! Operations: health, readiness, metrics, request ids and Swagger UI.

use serde_json::json;

use crate::common::TestApp;

#[test]
fn healthz_answers_200_while_the_process_is_up() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let response = app.get("/healthz");

    // Assert
    response.assert_status(200);
    assert_eq!(response.json(), json!({ "status": "ok" }));
}

#[test]
fn readyz_answers_200_when_the_store_is_reachable() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let response = app.get("/readyz");

    // Assert
    response.assert_status(200);
    assert_eq!(response.json()["status"], "ok");
}

#[test]
fn metrics_count_estimate_requests_in_the_prometheus_text_format() {
    // Arrange
    let app = TestApp::spawn();
    app.estimate(&json!({ "mode": "walk", "distance_km": 1.0 }))
        .assert_status(200);

    // Act
    let response = app.get("/metrics");

    // Assert
    response.assert_status(200);
    let content_type = response.header("content-type").unwrap_or("");
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text();
    assert!(
        text.contains("# TYPE http_requests_total counter"),
        "{text}"
    );
    let counted = text.lines().any(|line| {
        line.starts_with("http_requests_total{")
            && line.contains(r#"method="POST""#)
            && line.contains(r#"route="/v1/estimate""#)
            && line.contains(r#"status="200""#)
    });
    assert!(
        counted,
        "no http_requests_total line for POST /v1/estimate 200 in:\n{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket{"),
        "latency histogram"
    );
}

#[test]
fn every_response_carries_a_request_id() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let ok = app.get("/healthz");
    let problem = app.get("/no-such-path");
    let echoed = app.request(
        "GET",
        "/healthz",
        &[("X-Request-Id", "client-chosen-42")],
        b"",
    );

    // Assert
    for response in [&ok, &problem] {
        let id = response.header("x-request-id").unwrap_or("");
        assert!(
            !id.is_empty(),
            "status {}: x-request-id present",
            response.status
        );
    }
    assert_ne!(
        ok.header("x-request-id"),
        problem.header("x-request-id"),
        "ids differ per request"
    );
    assert_eq!(
        echoed.header("x-request-id"),
        Some("client-chosen-42"),
        "a sane client id is kept"
    );
}

#[test]
fn an_unreasonable_client_request_id_is_replaced() {
    // Arrange
    let app = TestApp::spawn();
    let long = "x".repeat(200);

    // Act
    let response = app.request("GET", "/healthz", &[("X-Request-Id", &long)], b"");

    // Assert
    let id = response.header("x-request-id").expect("x-request-id");
    assert!(!id.is_empty() && id.len() <= 64, "{id}");
}

#[test]
fn swagger_ui_serves_html() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let response = app.get("/swagger-ui/");

    // Assert
    response.assert_status(200);
    let content_type = response.header("content-type").unwrap_or("");
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(
        response.text().to_ascii_lowercase().contains("<html"),
        "an HTML page"
    );
}

#[test]
fn swagger_ui_without_the_slash_redirects_to_it() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let response = app.get("/swagger-ui");

    // Assert
    assert!(
        (300..400).contains(&response.status),
        "a redirect, got {}",
        response.status
    );
    assert_eq!(response.header("location"), Some("/swagger-ui/"));
}
