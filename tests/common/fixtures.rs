//! Campaign fixtures built through the public API, as an organization's admin would.

use serde_json::{json, Value};

use super::app::{TestApp, ADMIN_TOKEN};

/// A campaign with enrolled organizations and their keys.
pub struct World {
    pub campaign: String,
    /// (organization id, key id, key)
    pub organizations: Vec<(String, String, String)>,
}

impl World {
    /// The key of the `i`th organization.
    pub fn key(&self, i: usize) -> &str {
        &self.organizations[i].2
    }
}

/// Creates a campaign (June 1–14, 2026) and one enrolled organization per kind given, each with a key.
pub fn world(app: &TestApp, campaign: &str, kinds: &[&str], extra: Value) -> World {
    let mut body = json!({
        "id": campaign,
        "name": format!("Campaign {campaign}"),
        "starts_on": "2026-06-01",
        "ends_on": "2026-06-14",
    });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    app.post_json_as(ADMIN_TOKEN, "/v1/campaigns", &body)
        .assert_status(201);
    let organizations = kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            let id = format!("{campaign}-org-{i}");
            create_organization(app, &id, kind);
            enroll(app, campaign, &id);
            let (key_id, key) = issue_key(app, &id);
            (id, key_id, key)
        })
        .collect();
    World {
        campaign: campaign.to_owned(),
        organizations,
    }
}

/// Creates an organization as the admin.
pub fn create_organization(app: &TestApp, id: &str, kind: &str) {
    app.post_json_as(
        ADMIN_TOKEN,
        "/v1/organizations",
        &json!({ "id": id, "name": format!("Organization {id}"), "kind": kind }),
    )
    .assert_status(201);
}

/// Enrolls an organization as the admin.
pub fn enroll(app: &TestApp, campaign: &str, organization: &str) {
    app.send_json_as(
        ADMIN_TOKEN,
        "PUT",
        &format!("/v1/campaigns/{campaign}/organizations/{organization}"),
        &json!(null),
    )
    .assert_status(204);
}

/// Issues a key as the admin: (key id, key).
pub fn issue_key(app: &TestApp, organization: &str) -> (String, String) {
    let issued = app
        .post_json_as(
            ADMIN_TOKEN,
            &format!("/v1/organizations/{organization}/keys"),
            &json!(null),
        )
        .assert_status(201)
        .json();
    (
        issued["id"].as_str().unwrap().to_owned(),
        issued["key"].as_str().unwrap().to_owned(),
    )
}

/// Logs trips with a key; returns the response.
pub fn log(app: &TestApp, key: &str, campaign: &str, trips: Value) -> super::app::Response {
    app.post_json_as(
        key,
        &format!("/v1/campaigns/{campaign}/trips"),
        &json!({ "trips": trips }),
    )
}
