//! CORS: estimates and public reads answer any origin; authenticated endpoints only the
//! configured ones. No cookies are used, so credentials are never allowed.

use crate::common::{Response, TestApp};

const ANY_ORIGIN: &str = "https://campaign-site.example";
const ALLOWED_ORIGIN: &str = "https://allowed.example";

impl TestApp {
    /// A CORS preflight for `method` on `path` from `origin`.
    pub fn preflight(&self, path: &str, method: &str, origin: &str) -> Response {
        self.request(
            "OPTIONS",
            path,
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", method),
                (
                    "Access-Control-Request-Headers",
                    "content-type, authorization",
                ),
            ],
            b"",
        )
    }
}

#[track_caller]
fn assert_allows(response: &Response, origin: &str) {
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some(origin),
        "status {}; headers {:?}",
        response.status,
        response.headers
    );
    assert_ne!(
        response.header("access-control-allow-credentials"),
        Some("true"),
        "credentials are never allowed"
    );
}

#[test]
fn a_preflight_for_an_estimate_from_any_origin_is_allowed() {
    // Arrange: even with origins configured, estimates stay open to every origin.
    let app = TestApp::spawn_with(|c| c.cors_origins = vec![ALLOWED_ORIGIN.into()]);

    for path in ["/v1/estimate", "/v1/estimate/batch"] {
        // Act
        let response = app.preflight(path, "POST", ANY_ORIGIN);

        // Assert
        assert!(response.status < 300, "{path}: {}", response.status);
        assert_allows(&response, ANY_ORIGIN);
        let methods = response
            .header("access-control-allow-methods")
            .unwrap_or("");
        assert!(methods.contains("POST"), "{path}: {methods}");
        let headers = response
            .header("access-control-allow-headers")
            .unwrap_or("")
            .to_ascii_lowercase();
        assert!(headers.contains("content-type"), "{path}: {headers}");
    }
}

#[test]
fn an_estimate_from_any_origin_carries_the_allow_origin_header() {
    // Arrange
    let app = TestApp::spawn();
    let body = br#"{"mode":"walk","distance_km":1}"#;

    // Act
    let response = app.request(
        "POST",
        "/v1/estimate",
        &[("Content-Type", "application/json"), ("Origin", ANY_ORIGIN)],
        body,
    );

    // Assert
    response.assert_status(200);
    assert_allows(&response, ANY_ORIGIN);
    let exposed = response
        .header("access-control-expose-headers")
        .unwrap_or("");
    assert!(
        exposed.contains("x-request-id"),
        "scripts can read the request id: {exposed}"
    );
}

#[test]
fn reading_factor_sets_from_any_origin_is_allowed() {
    // Arrange
    let app = TestApp::spawn_with(|c| c.cors_origins = vec![ALLOWED_ORIGIN.into()]);

    for path in ["/v1/factor-sets", "/v1/factor-sets/cn-2022"] {
        // Act
        let response = app.request("GET", path, &[("Origin", ANY_ORIGIN)], b"");

        // Assert
        response.assert_status(200);
        assert_allows(&response, ANY_ORIGIN);
    }
}

#[test]
fn an_authenticated_endpoint_answers_only_the_configured_origins() {
    // Arrange
    let app = TestApp::spawn_with(|c| c.cors_origins = vec![ALLOWED_ORIGIN.into()]);

    // Act
    let allowed = app.preflight("/v1/campaigns", "POST", ALLOWED_ORIGIN);
    let other = app.preflight("/v1/campaigns", "POST", ANY_ORIGIN);

    // Assert
    assert!(allowed.status < 300, "{}", allowed.status);
    assert_allows(&allowed, ALLOWED_ORIGIN);
    assert_eq!(
        other.header("access-control-allow-origin"),
        None,
        "an unlisted origin gets no Access-Control-Allow-Origin"
    );
    let refusal = other.problem(403);
    assert!(
        refusal["detail"].as_str().unwrap().contains("Origin"),
        "{refusal}"
    );
    let methods = allowed
        .header("access-control-allow-methods")
        .unwrap_or_default();
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        assert!(methods.contains(method), "{methods}");
    }
    for unsupported in ["TRACE", "CONNECT"] {
        assert!(!methods.contains(unsupported), "{methods}");
    }
}

#[test]
fn without_configured_origins_an_authenticated_endpoint_answers_no_origin() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let response = app.preflight("/v1/campaigns", "POST", ANY_ORIGIN);

    // Assert
    assert_eq!(response.header("access-control-allow-origin"), None);
    assert!(response.status < 500, "never a 500: {}", response.status);
}

#[test]
fn a_public_read_sent_with_credentials_answers_only_the_configured_origins() {
    // Arrange: with credentials a read may reach what is private (a private campaign's results,
    // the admin's list of every campaign).
    let app = TestApp::spawn_with(|c| c.cors_origins = vec![ALLOWED_ORIGIN.into()]);
    let auth = format!("Bearer {}", crate::common::ADMIN_TOKEN);
    let get = |origin: &str, credentials: bool| {
        let mut headers = vec![("Origin", origin)];
        if credentials {
            headers.push(("Authorization", auth.as_str()));
        }
        app.request("GET", "/v1/campaigns", &headers, b"")
    };
    let anonymous_preflight = app.request(
        "OPTIONS",
        "/v1/campaigns",
        &[
            ("Origin", ANY_ORIGIN),
            ("Access-Control-Request-Method", "GET"),
        ],
        b"",
    );

    // Act and assert
    assert_allows(&get(ANY_ORIGIN, false), ANY_ORIGIN);
    assert_allows(&get(ALLOWED_ORIGIN, true), ALLOWED_ORIGIN);
    let foreign = get(ANY_ORIGIN, true);
    assert_eq!(foreign.header("access-control-allow-origin"), None);
    assert!(foreign.status < 500, "never a 500: {}", foreign.status);
    assert!(
        anonymous_preflight.status < 300,
        "{}",
        anonymous_preflight.status
    );
    assert_allows(&anonymous_preflight, ANY_ORIGIN);
    let credentialed_preflight = app.preflight("/v1/campaigns", "GET", ANY_ORIGIN);
    assert_eq!(
        credentialed_preflight.header("access-control-allow-origin"),
        None
    );
    assert_allows(
        &app.preflight("/v1/campaigns", "GET", ALLOWED_ORIGIN),
        ALLOWED_ORIGIN,
    );
    // Estimates never read stored data: any origin, credentials or not.
    assert_allows(
        &app.preflight("/v1/estimate", "POST", ANY_ORIGIN),
        ANY_ORIGIN,
    );
}
