//! `GET /v1/me`: who the credentials belong to.

use serde_json::json;

use crate::common::{create_campaign, enroll, issue_key, pluck, world};
use crate::common::{TestApp, ADMIN_TOKEN};

#[test]
fn an_organization_key_shows_its_organization_and_only_its_campaigns() {
    // Arrange
    let app = TestApp::spawn();
    let w = world(&app, "open-week", &["enterprise"], json!({}));
    create_campaign(&app, "closed-week", json!({ "public": false }));
    enroll(&app, "closed-week", &w.organizations[0].0);
    create_campaign(&app, "elsewhere", json!({ "public": false }));

    // Act
    let me = app.get_as(w.key(0), "/v1/me").assert_status(200).json();

    // Assert
    assert_eq!(me["role"], "organization");
    assert_eq!(me["organization"]["id"], w.organizations[0].0.as_str());
    assert_eq!(me["organization"]["kind"], "enterprise");
    assert_eq!(
        pluck(&me["campaigns"], "id"),
        ["closed-week", "open-week"],
        "enrolled campaigns, private ones included; never another's"
    );
    assert_eq!(me["campaigns"][0]["public"], false);
}

#[test]
fn the_admin_is_told_so_and_anyone_else_is_refused() {
    // Arrange
    let app = TestApp::spawn();
    let w = world(&app, "week", &["community"], json!({}));
    let (revoked_id, revoked) = issue_key(&app, &w.organizations[0].0);
    app.request(
        "DELETE",
        &format!(
            "/v1/organizations/{}/keys/{revoked_id}",
            w.organizations[0].0
        ),
        &[("Authorization", &format!("Bearer {ADMIN_TOKEN}"))],
        b"",
    )
    .assert_status(204);

    // Act
    let admin = app.get_as(ADMIN_TOKEN, "/v1/me");
    let nobody = app.get("/v1/me");
    let unknown = app.get_as("gck_0000000000000000000000000000000000000000", "/v1/me");
    let stale = app.get_as(&revoked, "/v1/me");

    // Assert
    assert_eq!(admin.assert_status(200).json(), json!({ "role": "admin" }));
    for refused in [nobody, unknown, stale] {
        let problem = refused.problem(401);
        assert!(problem["detail"].is_string(), "{problem}");
    }
}
