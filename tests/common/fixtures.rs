//! Campaign fixtures built through the public API, as a network's admin would, against any
//! running service: a [`TestApp`](super::app::TestApp) or a service process, by address.

use serde_json::{json, Value};

use super::app::{send_json_as, Response, ADMIN_TOKEN};

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

/// Any request as the admin.
pub fn admin(service: &impl AsRef<str>, method: &str, path: &str, body: &Value) -> Response {
    send_json_as(service.as_ref(), ADMIN_TOKEN, method, path, body)
}

/// Creates a campaign (June 1–14, 2026, named after its id); `extra` adds or replaces fields.
pub fn create_campaign(service: &impl AsRef<str>, campaign: &str, extra: Value) {
    let mut body = json!({
        "id": campaign,
        "name": format!("Campaign {campaign}"),
        "starts_on": "2026-06-01",
        "ends_on": "2026-06-14",
    });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    admin(service, "POST", "/v1/campaigns", &body).assert_status(201);
}

/// Creates a campaign and one enrolled organization per kind given, each with a key.
pub fn world(service: &impl AsRef<str>, campaign: &str, kinds: &[&str], extra: Value) -> World {
    create_campaign(service, campaign, extra);
    let organizations = kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            let id = format!("{campaign}-org-{i}");
            create_organization(service, &id, kind);
            enroll(service, campaign, &id);
            let (key_id, key) = issue_key(service, &id);
            (id, key_id, key)
        })
        .collect();
    World {
        campaign: campaign.to_owned(),
        organizations,
    }
}

/// Creates an organization.
pub fn create_organization(service: &impl AsRef<str>, id: &str, kind: &str) {
    admin(
        service,
        "POST",
        "/v1/organizations",
        &json!({ "id": id, "name": format!("Organization {id}"), "kind": kind }),
    )
    .assert_status(201);
}

/// Enrolls an organization.
pub fn enroll(service: &impl AsRef<str>, campaign: &str, organization: &str) {
    admin(
        service,
        "PUT",
        &format!("/v1/campaigns/{campaign}/organizations/{organization}"),
        &json!(null),
    )
    .assert_status(204);
}

/// Issues a key: (key id, key).
pub fn issue_key(service: &impl AsRef<str>, organization: &str) -> (String, String) {
    let issued = admin(
        service,
        "POST",
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

/// Logs JSON trips with a key; returns the response.
pub fn log(service: &impl AsRef<str>, key: &str, campaign: &str, trips: Value) -> Response {
    send_json_as(
        service.as_ref(),
        key,
        "POST",
        &format!("/v1/campaigns/{campaign}/trips"),
        &json!({ "trips": trips }),
    )
}

/// The text at `key` of every object of a JSON array.
pub fn pluck<'a>(array: &'a Value, key: &str) -> Vec<&'a str> {
    array
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {array}"))
        .iter()
        .map(|item| {
            item[key]
                .as_str()
                .unwrap_or_else(|| panic!("no text at `{key}` in {item}"))
        })
        .collect()
}

/// The `field` of every error of a problem body.
pub fn error_fields(problem: &Value) -> Vec<&str> {
    pluck(&problem["errors"], "field")
}
