//! The authorization matrix: every protected operation against no credentials, a wrong key,
//! another organization's key, a revoked key, the organization's own key and the admin token.

use serde_json::{json, Value};

use crate::common::{create_organization, issue_key, log, pluck, world};
use crate::common::{TestApp, ADMIN_TOKEN};

/// Who calls.
#[derive(Debug, Clone, Copy)]
enum As {
    Nobody,
    WrongKey,
    Admin,
    Own,
    Other,
    Outsider,
    Revoked,
}

struct Setup {
    app: TestApp,
    campaign: String,
    own: String,
    own_key: String,
    other_key: String,
    outsider_key: String,
    revoked_key: String,
}

fn setup(public: bool) -> Setup {
    let app = TestApp::spawn();
    let w = world(
        &app,
        "matrix",
        &["enterprise", "community"],
        json!({ "public": public }),
    );
    create_organization(&app, "outsider", "other");
    let (_, outsider_key) = issue_key(&app, "outsider");
    let (revoked_id, revoked_key) = issue_key(&app, &w.organizations[0].0);
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
    Setup {
        campaign: w.campaign.clone(),
        own: w.organizations[0].0.clone(),
        own_key: w.key(0).to_owned(),
        other_key: w.key(1).to_owned(),
        outsider_key,
        revoked_key,
        app,
    }
}

impl Setup {
    fn token(&self, who: As) -> Option<String> {
        match who {
            As::Nobody => None,
            As::WrongKey => Some("gck_0000000000000000000000000000000000000000000000".into()),
            As::Admin => Some(ADMIN_TOKEN.into()),
            As::Own => Some(self.own_key.clone()),
            As::Other => Some(self.other_key.clone()),
            As::Outsider => Some(self.outsider_key.clone()),
            As::Revoked => Some(self.revoked_key.clone()),
        }
    }

    fn call(
        &self,
        who: As,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> crate::common::Response {
        let auth = self.token(who).map(|t| format!("Bearer {t}"));
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if let Some(auth) = &auth {
            headers.push(("Authorization", auth));
        }
        let bytes = body
            .map(|b| serde_json::to_vec(b).unwrap())
            .unwrap_or_default();
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        self.app.request(method, path, &headers, &bytes)
    }
}

fn trip(participant: &str) -> Value {
    json!([{ "participant": participant, "date": "2026-06-03", "direction": "to_work", "mode": "bus", "distance_km": 5.0 }])
}

#[test]
fn admin_operations_refuse_organization_keys_and_anonymous_calls() {
    let s = setup(true);
    let c = s.campaign.clone();
    let cases: Vec<(&str, String, Option<Value>, u16)> = vec![
        (
            "POST",
            "/v1/campaigns".into(),
            Some(
                json!({ "id": "new-one", "name": "N", "starts_on": "2026-07-01", "ends_on": "2026-07-02" }),
            ),
            201,
        ),
        (
            "PATCH",
            format!("/v1/campaigns/{c}"),
            Some(json!({ "name": "Renamed" })),
            200,
        ),
        (
            "PUT",
            format!("/v1/campaigns/{c}/organizations/outsider"),
            None,
            204,
        ),
        (
            "POST",
            "/v1/organizations".into(),
            Some(json!({ "id": "fresh-org", "name": "F", "kind": "institution" })),
            201,
        ),
        ("GET", "/v1/organizations".into(), None, 200),
        (
            "POST",
            format!("/v1/organizations/{}/keys", s.own),
            None,
            201,
        ),
    ];
    for (method, path, body, admin_status) in cases {
        for (who, expected) in [
            (As::Nobody, 401),
            (As::WrongKey, 401),
            (As::Revoked, 401),
            (As::Own, 403),
            (As::Other, 403),
        ] {
            let response = s.call(who, method, &path, body.as_ref());
            let problem = response.problem(expected);
            assert!(
                problem["detail"].as_str().unwrap().len() > 10,
                "{method} {path} as {who:?}: the problem says why"
            );
        }
        s.call(As::Admin, method, &path, body.as_ref())
            .assert_status(admin_status);
    }
}

#[test]
fn a_missing_token_is_answered_with_a_bearer_challenge() {
    let s = setup(true);
    let response = s.call(As::Nobody, "GET", "/v1/organizations", None);
    response.problem(401);
    assert_eq!(response.header("www-authenticate"), Some("Bearer"));
}

#[test]
fn revoking_a_key_stops_it_at_once() {
    let s = setup(true);
    let (key_id, key) = issue_key(&s.app, &s.own);
    log(&s.app, &key, &s.campaign, trip("before-revocation")).assert_status(201);
    s.call(
        As::Admin,
        "DELETE",
        &format!("/v1/organizations/{}/keys/{key_id}", s.own),
        None,
    )
    .assert_status(204);
    log(&s.app, &key, &s.campaign, trip("after-revocation")).problem(401);
    // The organization's other keys keep working.
    log(&s.app, &s.own_key, &s.campaign, trip("other-key")).assert_status(201);
}

#[test]
fn revoking_another_organizations_key_id_is_not_found() {
    let s = setup(true);
    let (key_id, _) = issue_key(&s.app, &s.own);
    s.call(
        As::Admin,
        "DELETE",
        &format!("/v1/organizations/outsider/keys/{key_id}"),
        None,
    )
    .problem(404);
}

#[test]
fn organizations_read_only_themselves() {
    let s = setup(true);
    let path = format!("/v1/organizations/{}", s.own);
    for (who, expected) in [
        (As::Nobody, 401),
        (As::WrongKey, 401),
        (As::Revoked, 401),
        (As::Other, 403),
        (As::Outsider, 403),
        (As::Own, 200),
        (As::Admin, 200),
    ] {
        assert_eq!(s.call(who, "GET", &path, None).status, expected, "{who:?}");
    }
}

#[test]
fn only_enrolled_organizations_log_trips_with_their_own_key() {
    let s = setup(true);
    let path = format!("/v1/campaigns/{}/trips", s.campaign);
    let body = json!({ "trips": trip("p-matrix") });
    for (who, expected) in [
        (As::Nobody, 401),
        (As::WrongKey, 401),
        (As::Revoked, 401),
        (As::Admin, 403),
        (As::Outsider, 403),
        (As::Own, 201),
    ] {
        assert_eq!(
            s.call(who, "POST", &path, Some(&body)).status,
            expected,
            "{who:?}"
        );
    }
}

#[test]
fn no_key_lists_or_deletes_another_organizations_trips() {
    let s = setup(true);
    let logged = log(&s.app, &s.own_key, &s.campaign, trip("mine")).json();
    let trip_id = logged["trips"][0]["id"].as_i64().unwrap();
    log(&s.app, &s.other_key, &s.campaign, trip("theirs")).assert_status(201);

    let list = format!("/v1/campaigns/{}/trips", s.campaign);
    let own_list = s
        .call(As::Own, "GET", &list, None)
        .assert_status(200)
        .json();
    let participants: Vec<&str> = pluck(&own_list["trips"], "participant");
    assert_eq!(participants, ["mine"]);
    let all = s
        .call(As::Admin, "GET", &list, None)
        .assert_status(200)
        .json();
    assert_eq!(all["trips"].as_array().unwrap().len(), 2);
    for who in [As::Nobody, As::WrongKey, As::Revoked] {
        s.call(who, "GET", &list, None).problem(401);
    }
    s.call(As::Outsider, "GET", &list, None).problem(403);

    let delete = format!("/v1/campaigns/{}/trips/{trip_id}", s.campaign);
    s.call(As::Other, "DELETE", &delete, None).problem(404);
    s.call(As::Outsider, "DELETE", &delete, None).problem(404);
    s.call(As::Nobody, "DELETE", &delete, None).problem(401);
    s.call(As::Own, "DELETE", &delete, None).assert_status(204);
    s.call(As::Own, "DELETE", &delete, None).problem(404);
}

#[test]
fn private_campaign_results_are_for_the_admin_and_enrolled_organizations() {
    let s = setup(false);
    let c = &s.campaign;
    for path in [
        format!("/v1/campaigns/{c}"),
        format!("/v1/campaigns/{c}/summary"),
        format!("/v1/campaigns/{c}/leaderboard"),
        format!("/v1/campaigns/{c}/leaderboard.csv"),
        format!("/v1/campaigns/{c}/organizations/{}/summary", s.own),
    ] {
        // A private campaign is a 404 like an unknown one to those who may not read it.
        for (who, expected) in [
            (As::Nobody, 404),
            (As::WrongKey, 401),
            (As::Revoked, 401),
            (As::Outsider, 404),
            (As::Own, 200),
            (As::Other, 200),
            (As::Admin, 200),
        ] {
            assert_eq!(
                s.call(who, "GET", &path, None).status,
                expected,
                "GET {path} as {who:?}"
            );
        }
    }
    let anonymous_list = s.call(As::Nobody, "GET", "/v1/campaigns", None).json();
    assert!(anonymous_list["campaigns"].as_array().unwrap().is_empty());
    let member_list = s.call(As::Own, "GET", "/v1/campaigns", None).json();
    assert_eq!(member_list["campaigns"][0]["id"], c.as_str());
}

#[test]
fn public_campaign_results_are_readable_by_anyone() {
    let s = setup(true);
    let c = &s.campaign;
    for path in [
        format!("/v1/campaigns/{c}/summary"),
        format!("/v1/campaigns/{c}/leaderboard"),
        format!("/v1/campaigns/{c}/organizations/{}/summary", s.own),
    ] {
        s.call(As::Nobody, "GET", &path, None).assert_status(200);
    }
}
