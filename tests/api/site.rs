//! The campaign website: the page shell at `/` and `/campaigns/{id}`, and its embedded assets
//! with their media types and caching headers.

use crate::common::{Response, TestApp};

/// The fingerprinted asset URLs the page references (`/assets/app.js?v=…`).
fn asset_urls(page: &str) -> Vec<String> {
    page.split('"')
        .filter(|part| part.starts_with("/assets/"))
        .map(str::to_owned)
        .collect()
}

#[track_caller]
fn assert_html_page(response: &Response) {
    response.assert_status(200);
    assert_eq!(
        response.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(response.header("cache-control"), Some("no-cache"));
    assert!(response.header("etag").is_some(), "pages carry an ETag");
    let policy = response.header("content-security-policy").unwrap_or("");
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let page = response.text();
    assert!(page.contains(r#"id="green-commute""#), "{page}");
    assert!(
        !page.contains("{{"),
        "every asset placeholder is filled: {page}"
    );
}

#[test]
fn the_home_page_is_html_that_loads_the_embedded_script_and_styles() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let response = app.get("/");

    // Assert
    assert_html_page(&response);
    let urls = asset_urls(&response.text());
    for name in ["app.js", "style.css", "favicon.svg"] {
        assert!(
            urls.iter()
                .any(|u| u.starts_with(&format!("/assets/{name}?v="))),
            "the page references {name}: {urls:?}"
        );
    }
}

#[test]
fn a_campaign_page_is_the_same_html_whatever_the_campaign() {
    // Arrange
    let app = TestApp::spawn();
    let home = app.get("/");

    // Act
    let response = app.get("/campaigns/x");

    // Assert
    assert_html_page(&response);
    assert_eq!(response.text(), home.text());
}

#[test]
fn each_kit_page_loads_the_kit_before_its_script_and_keeps_referrers_to_itself() {
    // Arrange
    let app = TestApp::spawn();
    let pages = [
        ("/organize", "organize.js"),
        ("/me", "me.js"),
        ("/join/k7mq2xw9hd4ra6tzpe3n", "me.js"),
        ("/network", "network.js"),
    ];

    for (path, script) in pages {
        // Act
        let response = app.get(path);

        // Assert
        assert_html_page(&response);
        let page = response.text();
        let urls = asset_urls(&page);
        let position = |name: &str| {
            urls.iter()
                .position(|u| u.starts_with(&format!("/assets/{name}?v=")))
                .unwrap_or_else(|| panic!("{path} references {name}: {urls:?}"))
        };
        assert!(position("kit.js") < position(script), "{path}");
        position("style.css");
        assert!(page.contains(r#"<meta name="referrer" content="no-referrer">"#));
        for url in &urls {
            app.get(url).assert_status(200);
        }
    }
}

#[test]
fn each_asset_is_served_with_its_media_type_and_cached_by_fingerprint() {
    // Arrange
    let app = TestApp::spawn();
    let urls = asset_urls(&app.get("/").text());
    let expected = [
        ("app.js", "text/javascript; charset=utf-8"),
        ("style.css", "text/css; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
    ];

    for (name, content_type) in expected {
        let url = urls
            .iter()
            .find(|u| u.starts_with(&format!("/assets/{name}?")))
            .unwrap_or_else(|| panic!("{name} is referenced: {urls:?}"));

        // Act
        let response = app.get(url);

        // Assert
        response.assert_status(200);
        assert_eq!(
            response.header("content-type"),
            Some(content_type),
            "{name}"
        );
        assert_eq!(
            response.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{name}"
        );
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        assert!(!response.body.is_empty(), "{name} has content");
    }
}

#[test]
fn an_asset_without_its_current_fingerprint_is_revalidated_instead_of_cached() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let response = app.get("/assets/app.js?v=stale");

    // Assert
    response.assert_status(200);
    assert_eq!(response.header("cache-control"), Some("no-cache"));
}

#[test]
fn a_matching_etag_gets_304_without_a_body() {
    // Arrange
    let app = TestApp::spawn();
    let first = app.get("/assets/style.css");
    let etag = first.header("etag").expect("an ETag").to_owned();

    // Act
    let response = app.request(
        "GET",
        "/assets/style.css",
        &[("If-None-Match", etag.as_str())],
        b"",
    );

    // Assert
    response.assert_status(304);
    assert!(response.body.is_empty());
    assert_eq!(response.header("etag"), Some(etag.as_str()));
}

#[test]
fn head_answers_like_get_without_a_body() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let response = app.request("HEAD", "/", &[], b"");

    // Assert
    response.assert_status(200);
    assert_eq!(
        response.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(response.body.is_empty());
}

#[test]
fn an_unknown_asset_is_a_404_problem() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let response = app.get("/assets/missing.js");

    // Assert
    let problem = response.problem(404);
    let detail = problem["detail"].as_str().unwrap_or("");
    assert!(detail.contains("missing.js"), "{detail}");
}

#[test]
fn writing_to_a_page_is_a_405_naming_get_and_head() {
    // Arrange
    let app = TestApp::spawn();

    for path in ["/", "/campaigns/x", "/assets/app.js"] {
        // Act
        let response = app.request("POST", path, &[], b"");

        // Assert
        response.problem(405);
        assert_eq!(response.header("allow"), Some("GET, HEAD"), "{path}");
    }
}
