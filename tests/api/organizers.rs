//! A network of campaigns: organizers with keys of their own, what each caller may do where
//! (the authorization matrix), fair rankings against an independent recomputation, the network's
//! totals and the audit trail.

use serde_json::{json, Value};

use crate::common::rng::Rng;
use crate::common::{admin, pluck, Response, TestApp, ADMIN_TOKEN};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum As {
    Anonymous,
    Admin,
    OrganizerA,
    OrganizerB,
    OrganizationOfA,
    OrganizationOfB,
    Participant,
}

const EVERYONE: [As; 7] = [
    As::Anonymous,
    As::Admin,
    As::OrganizerA,
    As::OrganizerB,
    As::OrganizationOfA,
    As::OrganizationOfB,
    As::Participant,
];

/// Two organizers, each with a public and a private campaign and an organization of its own
/// (with a key) enrolled in both; a participant of A's organization in A's private campaign.
struct Network {
    app: TestApp,
    tokens: Vec<(As, String)>,
}

impl Network {
    fn token(&self, who: As) -> Option<&str> {
        self.tokens
            .iter()
            .find(|(w, _)| *w == who)
            .map(|(_, t)| t.as_str())
    }

    fn call(&self, who: As, method: &str, path: &str, body: &Value) -> Response {
        let auth = self.token(who).map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(auth) = &auth {
            headers.push(("Authorization", auth.as_str()));
        }
        let body = if body.is_null() {
            Vec::new()
        } else {
            serde_json::to_vec(body).unwrap()
        };
        self.app.request(method, path, &headers, &body)
    }
}

fn organizer_key(app: &TestApp, id: &str) -> String {
    admin(
        app,
        "POST",
        "/v1/organizers",
        &json!({ "id": id, "name": format!("Organizer {id}"), "city": "Beijing" }),
    )
    .assert_status(201);
    admin(
        app,
        "POST",
        &format!("/v1/organizers/{id}/keys"),
        &json!(null),
    )
    .assert_status(201)
    .json()["key"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn as_organizer(app: &TestApp, key: &str, method: &str, path: &str, body: &Value) -> Response {
    app.send_json_as(key, method, path, body)
}

/// An organizer's world: campaigns `{x}-open` and `{x}-closed`, organization `org-{x}`.
fn organizer_world(app: &TestApp, x: &str, key: &str) -> String {
    for (suffix, public) in [("open", true), ("closed", false)] {
        as_organizer(
            app,
            key,
            "POST",
            "/v1/campaigns",
            &json!({ "id": format!("{x}-{suffix}"), "name": format!("{x} {suffix}"),
                     "starts_on": "2026-06-01", "ends_on": "2026-06-14", "public": public }),
        )
        .assert_status(201);
    }
    let organization = format!("org-{x}");
    as_organizer(
        app,
        key,
        "POST",
        "/v1/organizations",
        &json!({ "id": organization, "name": format!("Organization {x}"), "kind": "community", "headcount": 40 }),
    )
    .assert_status(201);
    for suffix in ["open", "closed"] {
        as_organizer(
            app,
            key,
            "PUT",
            &format!("/v1/campaigns/{x}-{suffix}/organizations/{organization}"),
            &json!(null),
        )
        .assert_status(204);
    }
    as_organizer(
        app,
        key,
        "POST",
        &format!("/v1/organizations/{organization}/keys"),
        &json!(null),
    )
    .assert_status(201)
    .json()["key"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn network() -> Network {
    let app = TestApp::spawn();
    let a = organizer_key(&app, "ngo-a");
    let b = organizer_key(&app, "ngo-b");
    let org_a = organizer_world(&app, "a", &a);
    let org_b = organizer_world(&app, "b", &b);
    admin(
        &app,
        "POST",
        "/v1/organizations",
        &json!({ "id": "spare", "name": "Spare", "kind": "other" }),
    )
    .assert_status(201);
    let invite = app
        .post_json_as(
            &org_a,
            "/v1/campaigns/a-closed/organizations/org-a/invites",
            &json!({}),
        )
        .assert_status(201)
        .json();
    let joined = app
        .post_json(
            &format!("/v1/join/{}", invite["code"].as_str().unwrap()),
            &json!({}),
        )
        .assert_status(201)
        .json();
    let tokens = vec![
        (As::Admin, ADMIN_TOKEN.to_owned()),
        (As::OrganizerA, a),
        (As::OrganizerB, b),
        (As::OrganizationOfA, org_a),
        (As::OrganizationOfB, org_b),
        (
            As::Participant,
            joined["token"].as_str().unwrap().to_owned(),
        ),
    ];
    Network { app, tokens }
}

#[test]
fn each_caller_may_do_exactly_what_the_contract_says_on_every_route() {
    // Arrange
    let n = network();
    use As::*;
    let trip = json!({ "trips": [{ "participant": "x", "date": "2026-06-02", "direction": "to_work", "mode": "walk", "distance_km": 1 }] });
    // (method, path, body, expected status for each caller in EVERYONE's order)
    let cases: Vec<(&str, String, Value, [u16; 7])> = vec![
        (
            "GET",
            "/v1/campaigns/a-closed".into(),
            json!(null),
            [404, 200, 200, 404, 200, 404, 200],
        ),
        ("GET", "/v1/campaigns/a-open".into(), json!(null), [200; 7]),
        (
            "GET",
            "/v1/campaigns/a-closed/summary".into(),
            json!(null),
            [404, 200, 200, 404, 200, 404, 200],
        ),
        (
            "GET",
            "/v1/campaigns/a-closed/leaderboard".into(),
            json!(null),
            [404, 200, 200, 404, 200, 404, 200],
        ),
        (
            "GET",
            "/v1/campaigns/a-closed/organizations/org-a/summary".into(),
            json!(null),
            [404, 200, 200, 404, 200, 404, 200],
        ),
        (
            "PATCH",
            "/v1/campaigns/a-closed".into(),
            json!({ "description": "x" }),
            [401, 200, 200, 404, 403, 404, 403],
        ),
        (
            "PATCH",
            "/v1/campaigns/a-open".into(),
            json!({ "description": "x" }),
            [401, 200, 200, 403, 403, 403, 403],
        ),
        (
            "GET",
            "/v1/campaigns/a-closed/trips".into(),
            json!(null),
            [401, 200, 200, 404, 200, 404, 403],
        ),
        (
            "POST",
            "/v1/campaigns/a-closed/trips".into(),
            trip.clone(),
            [401, 403, 403, 404, 201, 404, 403],
        ),
        (
            "POST",
            "/v1/campaigns/a-open/trips".into(),
            trip,
            [401, 403, 403, 403, 201, 403, 403],
        ),
        (
            "GET",
            "/v1/campaigns/a-closed/organizations/org-a/invites".into(),
            json!(null),
            [401, 200, 200, 404, 200, 404, 403],
        ),
        (
            "POST",
            "/v1/campaigns/a-open/organizations/org-a/invites".into(),
            json!({}),
            [401, 201, 201, 403, 201, 403, 403],
        ),
        (
            "GET",
            "/v1/organizations/org-a".into(),
            json!(null),
            [401, 200, 200, 403, 200, 403, 403],
        ),
        (
            "PATCH",
            "/v1/organizations/org-a".into(),
            json!({ "headcount": 45 }),
            [401, 200, 200, 403, 403, 403, 403],
        ),
        (
            "POST",
            "/v1/organizations/org-a/keys".into(),
            json!(null),
            [401, 201, 201, 403, 403, 403, 403],
        ),
        (
            "GET",
            "/v1/organizations".into(),
            json!(null),
            [401, 200, 200, 200, 403, 403, 403],
        ),
        (
            "GET",
            "/v1/organizers".into(),
            json!(null),
            [401, 200, 403, 403, 403, 403, 403],
        ),
        (
            "GET",
            "/v1/organizers/ngo-a".into(),
            json!(null),
            [401, 200, 200, 403, 403, 403, 403],
        ),
        (
            "POST",
            "/v1/organizers/ngo-a/keys".into(),
            json!(null),
            [401, 201, 403, 403, 403, 403, 403],
        ),
        (
            "GET",
            "/v1/audit".into(),
            json!(null),
            [401, 200, 403, 403, 403, 403, 403],
        ),
        (
            "GET",
            "/v1/campaigns/a-closed/audit".into(),
            json!(null),
            [401, 200, 200, 404, 403, 404, 403],
        ),
        (
            "GET",
            "/v1/campaigns/a-open/audit".into(),
            json!(null),
            [401, 200, 200, 403, 403, 403, 403],
        ),
        ("GET", "/v1/network/summary".into(), json!(null), [200; 7]),
        (
            "GET",
            "/v1/me".into(),
            json!(null),
            [401, 200, 200, 200, 200, 200, 200],
        ),
        (
            "PUT",
            "/v1/campaigns/a-closed/organizations/spare".into(),
            json!(null),
            [401, 204, 204, 404, 403, 404, 403],
        ),
        (
            "PUT",
            "/v1/campaigns/a-open/organizations/spare".into(),
            json!(null),
            [401, 204, 204, 403, 403, 403, 403],
        ),
    ];

    // Act + Assert
    let mut wrong = Vec::new();
    for (method, path, body, expected) in &cases {
        for (who, want) in EVERYONE.iter().zip(expected) {
            let response = n.call(*who, method, path, body);
            if response.status != *want {
                wrong.push(format!(
                    "{who:?} {method} {path}: {} (want {want}) {}",
                    response.status,
                    response.text()
                ));
            } else if *want >= 400 {
                response.problem(*want);
            }
        }
    }
    // Creating is everyone's who runs campaigns: the admin and organizers.
    for (i, who) in EVERYONE.iter().enumerate() {
        let want = if matches!(who, Admin | OrganizerA | OrganizerB) {
            201
        } else if *who == Anonymous {
            401
        } else {
            403
        };
        let campaign = n.call(*who, "POST", "/v1/campaigns", &json!({ "id": format!("new-{i}"), "name": "New", "starts_on": "2026-07-01", "ends_on": "2026-07-02" }));
        let organization = n.call(
            *who,
            "POST",
            "/v1/organizations",
            &json!({ "id": format!("new-{i}"), "name": "New", "kind": "other" }),
        );
        for (what, response) in [("campaign", campaign), ("organization", organization)] {
            if response.status != want {
                wrong.push(format!(
                    "{who:?} creates a {what}: {} (want {want})",
                    response.status
                ));
            }
        }
        let organizer = n.call(
            *who,
            "POST",
            "/v1/organizers",
            &json!({ "id": format!("new-{i}"), "name": "New" }),
        );
        let want = match who {
            Admin => 201,
            Anonymous => 401,
            _ => 403,
        };
        if organizer.status != want {
            wrong.push(format!(
                "{who:?} creates an organizer: {} (want {want})",
                organizer.status
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // A campaign shows who runs it; an organizer sees its own campaigns and organizations.
    let campaign = n
        .call(Anonymous, "GET", "/v1/campaigns/a-open", &json!(null))
        .json();
    assert_eq!(
        campaign["organizer"],
        json!({ "id": "ngo-a", "name": "Organizer ngo-a" })
    );
    let listed = n
        .call(OrganizerA, "GET", "/v1/campaigns", &json!(null))
        .json();
    let ids = pluck(&listed["campaigns"], "id");
    assert!(
        ids.contains(&"a-closed") && !ids.contains(&"b-closed"),
        "{ids:?}"
    );
    let me = n.call(OrganizerA, "GET", "/v1/me", &json!(null)).json();
    assert_eq!(me["role"], "organizer");
    assert_eq!(me["organizer"]["id"], "ngo-a");
    // A revoked organizer key stops at once.
    let key = admin(&n.app, "POST", "/v1/organizers/ngo-b/keys", &json!(null)).json();
    admin(
        &n.app,
        "DELETE",
        &format!("/v1/organizers/ngo-b/keys/{}", key["id"].as_str().unwrap()),
        &json!(null),
    )
    .assert_status(204);
    n.app
        .get_as(key["key"].as_str().unwrap(), "/v1/me")
        .problem(401);
}

#[test]
fn the_audit_trail_names_who_did_what_and_never_a_secret() {
    // Arrange
    let n = network();

    // Act
    let all = n
        .call(As::Admin, "GET", "/v1/audit?limit=1000", &json!(null))
        .json();
    let campaign = n
        .call(
            As::OrganizerA,
            "GET",
            "/v1/campaigns/a-closed/audit",
            &json!(null),
        )
        .json();

    // Assert
    let entries = all["entries"].as_array().unwrap();
    let seen: Vec<(String, String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                e["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for expected in [
        ("admin", "organizer.create", "ngo-a"),
        ("admin", "organizer_key.issue", "ngo-a"),
        ("organizer", "campaign.create", "a-closed"),
        ("organizer", "organization.create", "org-a"),
        ("organizer", "enrollment.create", "org-a"),
        ("organizer", "organization_key.issue", "org-a"),
        ("organization", "invite.create", "org-a"),
    ] {
        assert!(
            seen.iter()
                .any(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()) == expected),
            "{expected:?} missing from {seen:?}"
        );
    }
    let seqs: Vec<i64> = entries.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order");
    let organizer_entry = entries
        .iter()
        .find(|e| e["action"] == "campaign.create")
        .unwrap();
    assert_eq!(organizer_entry["actor_id"], "ngo-a");
    assert!(organizer_entry["key_id"]
        .as_str()
        .unwrap()
        .starts_with("key_"));
    let text = all.to_string();
    assert!(
        !text.contains("gco_") && !text.contains("gck_") && !text.contains("gcp_"),
        "no secret in the trail"
    );
    let campaign_entries = campaign["entries"].as_array().unwrap();
    assert!(!campaign_entries.is_empty());
    assert!(campaign_entries
        .iter()
        .all(|e| e["campaign_id"] == "a-closed"));

    // An update records what changed.
    n.call(
        As::OrganizerA,
        "PATCH",
        "/v1/campaigns/a-closed",
        &json!({ "name": "Renamed" }),
    )
    .assert_status(200);
    let after = n
        .call(
            As::OrganizerA,
            "GET",
            "/v1/campaigns/a-closed/audit",
            &json!(null),
        )
        .json();
    let last = after["entries"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "campaign.update");
    assert_eq!(
        last["detail"]["name"],
        json!({ "from": "a closed", "to": "Renamed" })
    );
    // Pages follow the cursor.
    let first = n
        .call(As::Admin, "GET", "/v1/audit?limit=2", &json!(null))
        .json();
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = n
        .call(
            As::Admin,
            "GET",
            &format!("/v1/audit?limit=2&cursor={cursor}"),
            &json!(null),
        )
        .json();
    assert!(second["entries"][0]["seq"].as_i64() > first["entries"][1]["seq"].as_i64());
}

/// An organization's expected fairness from its logged trips: (participants, regularity ×
/// 10,000 rounded half away from zero).
fn expected_regularity(
    trips: &[(String, String, i64)],
    workdays: &[String],
    total_workdays: i64,
) -> (i64, i64) {
    use std::collections::{BTreeMap, BTreeSet};
    let mut green: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut participants = BTreeSet::new();
    for (participant, date, savings) in trips {
        participants.insert(participant.as_str());
        if *savings > 0 && workdays.contains(date) {
            green.entry(participant).or_default().insert(date);
        }
    }
    let green_days: i64 = green.values().map(|d| d.len() as i64).sum();
    let p = participants.len() as i64;
    if p == 0 {
        return (0, 0);
    }
    let numerator = green_days * 10_000;
    let denominator = total_workdays * p;
    let rounded = (2 * numerator + denominator) / (2 * denominator);
    (p, rounded)
}

/// Trips kept: (id, participant, date, savings_g).
type Kept = Vec<(i64, String, String, i64)>;

#[test]
fn participation_rate_and_regularity_equal_an_independent_recomputation() {
    // Arrange: a campaign of three weeks (June 1 is a Monday) counting Monday to Saturday,
    // four organizations of different sizes, random trips on workdays and Sundays, car trips
    // that save nothing, deletions.
    let app = TestApp::spawn();
    admin(&app, "POST", "/v1/campaigns", &json!({ "id": "fair", "name": "Fair", "starts_on": "2026-06-01", "ends_on": "2026-06-21",
        "workdays": ["mon", "tue", "wed", "thu", "fri", "sat"], "factor_set": "cn-2023", "region": "CN-BJ" })).assert_status(201);
    let sizes = [
        (Some(12), "o-small"),
        (Some(120), "o-medium"),
        (Some(2000), "o-large"),
        (None, "o-unknown"),
    ];
    let mut rng = Rng(7);
    let mut logged: Vec<(String, Kept)> = Vec::new();
    for (headcount, id) in sizes {
        admin(
            &app,
            "POST",
            "/v1/organizations",
            &json!({ "id": id, "name": id, "kind": "enterprise", "headcount": headcount }),
        )
        .assert_status(201);
        admin(
            &app,
            "PUT",
            &format!("/v1/campaigns/fair/organizations/{id}"),
            &json!(null),
        )
        .assert_status(204);
        let key = admin(
            &app,
            "POST",
            &format!("/v1/organizations/{id}/keys"),
            &json!(null),
        )
        .json()["key"]
            .as_str()
            .unwrap()
            .to_owned();
        let members = rng.between(1, 9);
        let trips: Vec<Value> = (0..rng.between(5, 120))
            .map(|_| {
                json!({
                    "participant": format!("m{}", rng.below(members)),
                    "date": format!("2026-06-{:02}", rng.between(1, 21)),
                    "direction": *rng.pick(&["to_work", "from_work", "round_trip"]),
                    "mode": *rng.pick(&["walk", "bicycle", "metro", "bus", "car", "car"]),
                    "distance_km": rng.between(1, 200) as f64 / 10.0,
                })
            })
            .collect();
        let response = app
            .post_json_as(&key, "/v1/campaigns/fair/trips", &json!({ "trips": trips }))
            .assert_status(201)
            .json();
        let mut kept: Kept = response["trips"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["duplicate"] == false)
            .map(|t| {
                (
                    t["id"].as_i64().unwrap(),
                    t["participant"].as_str().unwrap().to_owned(),
                    t["date"].as_str().unwrap().to_owned(),
                    t["savings_g"].as_i64().unwrap(),
                )
            })
            .collect();
        // Delete a few, as coordinators do.
        for _ in 0..kept.len() / 5 {
            let (trip_id, ..) = kept.remove(rng.index(kept.len()));
            app.request(
                "DELETE",
                &format!("/v1/campaigns/fair/trips/{trip_id}"),
                &[("Authorization", &format!("Bearer {key}"))],
                b"",
            )
            .assert_status(204);
        }
        logged.push((id.to_owned(), kept));
    }
    let workdays: Vec<String> = (1..=21)
        .filter(|d| (d - 1) % 7 != 6)
        .map(|d| format!("2026-06-{d:02}"))
        .collect();

    // Act
    let board = app
        .get("/v1/campaigns/fair/leaderboard?sort=regularity")
        .assert_status(200)
        .json();
    let by_rate = app
        .get("/v1/campaigns/fair/leaderboard?sort=participation_rate")
        .json();
    let summary = app.get("/v1/campaigns/fair/summary").json();
    let medium = app.get("/v1/campaigns/fair/leaderboard?size=50-249").json();

    // Assert
    let mut all_trips = Vec::new();
    for (id, trips) in &logged {
        let simple: Vec<(String, String, i64)> = trips
            .iter()
            .map(|(_, p, d, s)| (format!("{id}/{p}"), d.clone(), *s))
            .collect();
        all_trips.extend(simple.clone());
        let (participants, regularity) = expected_regularity(&simple, &workdays, 18);
        let entry = board["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["organization"]["id"] == id.as_str())
            .unwrap();
        assert_eq!(entry["participants"], participants, "{id}");
        assert_eq!(
            (entry["regularity"].as_f64().unwrap() * 10_000.0).round() as i64,
            regularity,
            "{id}"
        );
        let headcount = sizes.iter().find(|(_, i)| i == id).unwrap().0;
        match headcount {
            Some(h) => {
                let rate = (2 * participants * 10_000 + h) / (2 * h);
                assert_eq!(
                    (entry["participation_rate"].as_f64().unwrap() * 10_000.0).round() as i64,
                    rate,
                    "{id}"
                );
            }
            None => assert!(entry["participation_rate"].is_null(), "{id}"),
        }
    }
    let regularities: Vec<f64> = board["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["regularity"].as_f64().unwrap())
        .collect();
    assert!(
        regularities.windows(2).all(|w| w[0] >= w[1]),
        "{regularities:?}"
    );
    let last = by_rate["entries"].as_array().unwrap().last().unwrap();
    assert_eq!(
        last["organization"]["id"], "o-unknown",
        "no headcount ranks last"
    );
    assert_eq!(
        medium["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["organization"]["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["o-medium"]
    );
    let (_, campaign_regularity) = expected_regularity(&all_trips, &workdays, 18);
    assert_eq!(
        (summary["regularity"].as_f64().unwrap() * 10_000.0).round() as i64,
        campaign_regularity
    );
    app.get("/v1/campaigns/fair/leaderboard?size=huge")
        .problem(422);

    // Workdays changed later: the same rollups, another reading.
    admin(
        &app,
        "PATCH",
        "/v1/campaigns/fair",
        &json!({ "workdays": ["sun"] }),
    )
    .assert_status(200);
    let sundays: Vec<String> = ["2026-06-07", "2026-06-14", "2026-06-21"]
        .map(String::from)
        .to_vec();
    let (_, on_sundays) = expected_regularity(&all_trips, &sundays, 3);
    let summary = app.get("/v1/campaigns/fair/summary").json();
    assert_eq!(
        (summary["regularity"].as_f64().unwrap() * 10_000.0).round() as i64,
        on_sundays
    );
}

#[test]
fn the_network_sums_its_public_campaigns_by_campaign_and_region() {
    // Arrange
    let n = network();
    let key_a = n.token(As::OrganizationOfA).unwrap().to_owned();
    for campaign in ["a-open", "a-closed"] {
        n.app.post_json_as(&key_a, &format!("/v1/campaigns/{campaign}/trips"), &json!({ "trips": [
            { "participant": "p", "date": "2026-06-02", "direction": "to_work", "mode": "bicycle", "distance_km": 3 }
        ]})).assert_status(201);
    }
    admin(
        &n.app,
        "PATCH",
        "/v1/campaigns/b-open",
        &json!({ "region": "CN-SH" }),
    )
    .assert_status(200);

    // Act
    let network = n.app.get("/v1/network/summary").assert_status(200).json();

    // Assert
    let summary = n.app.get("/v1/campaigns/a-open/summary").json();
    assert_eq!(
        pluck(&network["by_campaign"], "id"),
        ["a-open", "b-open"],
        "public campaigns only"
    );
    assert_eq!(network["campaigns"], 2);
    assert_eq!(network["trips"], 1);
    assert_eq!(network["savings_g"], summary["savings_g"]);
    assert_eq!(network["organizations"], 2);
    assert_eq!(network["by_campaign"][0]["organizer"]["id"], "ngo-a");
    let regions: Vec<(Value, i64)> = network["by_region"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["region"].clone(), r["campaigns"].as_i64().unwrap()))
        .collect();
    assert_eq!(regions, [(json!("CN-SH"), 1), (Value::Null, 1)]);
    assert_eq!(network["participants"], 1);

    // The same person commuting in a second public campaign counts once in the network.
    admin(
        &n.app,
        "PUT",
        "/v1/campaigns/b-open/organizations/org-a",
        &json!(null),
    )
    .assert_status(204);
    n.app.post_json_as(&key_a, "/v1/campaigns/b-open/trips", &json!({ "trips": [
        { "participant": "p", "date": "2026-06-03", "direction": "to_work", "mode": "bicycle", "distance_km": 3 }
    ]})).assert_status(201);
    let network = n.app.get("/v1/network/summary").assert_status(200).json();
    assert_eq!(network["trips"], 2);
    assert_eq!(
        network["participants"], 1,
        "distinct (organization, participant) pairs"
    );
    assert_eq!(network["by_campaign"][0]["participants"], 1);
    assert_eq!(network["by_campaign"][1]["participants"], 1);
}
