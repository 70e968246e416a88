//! The demo campaign (`serve --demo`): big enough to look real, idempotent, and the ground on which
//! every request example of the OpenAPI spec succeeds as given (what a tester meets in Swagger UI).
//! Runs on the backend the API tests use (`GREEN_COMMUTE_TEST_BACKEND`).

mod common;

use std::collections::BTreeSet;

use green_commute::config::ServeConfig;
use green_commute::demo::{self, DemoKey, SeedReport, CAMPAIGN_ID};
use green_commute::service::Service;
use green_commute::store::{AnyStore, DatabaseUrl};
use serde_json::Value;

use common::{Response, TestApp, TestDatabase, ADMIN_TOKEN};

/// The service and store over the database at `url`, as `serve --demo` opens them.
fn open(url: &str) -> (Service, AnyStore) {
    let url = DatabaseUrl::new(url);
    let store = AnyStore::open(&url).expect("the store opens");
    let config = ServeConfig {
        database_url: url,
        ..ServeConfig::default()
    };
    let service = green_commute::startup::service_on(store.clone(), &config, ADMIN_TOKEN.into())
        .expect("the service starts");
    (service, store)
}

/// Seeds the demo into the database at `url`, as `serve --demo` does before serving.
fn seed(url: &str) -> SeedReport {
    actix_web::rt::System::new().block_on(async {
        let (service, _) = open(url);
        demo::seed(&service).await.expect("the demo seeds")
    })
}

/// Issues the demo key of `sunrise-tech`, as `serve --demo` does.
fn issue_key(url: &str) -> DemoKey {
    actix_web::rt::System::new().block_on(async {
        let (service, store) = open(url);
        demo::issue_key(&service, &store)
            .await
            .expect("a key is issued")
    })
}

/// The application on the seeded database.
fn serve(url: &str) -> TestApp {
    let url = url.to_owned();
    TestApp::spawn_with(move |config| config.database_url = DatabaseUrl::new(url))
}

fn get_json(app: &TestApp, path: &str) -> Value {
    let response = app.get(path);
    response.assert_status(200);
    response.json()
}

/// Everything the campaign page shows: summary, leaderboard and each organization's summary.
fn results(app: &TestApp) -> Value {
    let campaign = format!("/v1/campaigns/{CAMPAIGN_ID}");
    let leaderboard = get_json(app, &format!("{campaign}/leaderboard"));
    let organizations: Vec<Value> = leaderboard["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| {
            let id = entry["organization"]["id"].as_str().expect("an id");
            get_json(app, &format!("{campaign}/organizations/{id}/summary"))
        })
        .collect();
    serde_json::json!({
        "summary": get_json(app, &format!("{campaign}/summary")),
        "leaderboard": leaderboard,
        "organizations": organizations,
    })
}

#[test]
fn seeding_twice_stores_nothing_new_and_changes_no_total() {
    // Arrange
    let (_database, url) = TestDatabase::create();
    let first = seed(&url);
    let before = results(&serve(&url));

    // Act
    let second = seed(&url);

    // Assert
    assert!(first.campaign_created && first.trips_new > 0, "{first:?}");
    assert!(!second.campaign_created, "{second:?}");
    assert_eq!(second.organizations_created, 0, "{second:?}");
    assert_eq!(second.trips_new, 0, "{second:?}");
    assert_eq!(second.trips_existing, first.trips_new, "{second:?}");
    let after = results(&serve(&url));
    assert_eq!(before, after, "the second seeding changed the results");
}

#[test]
fn the_demo_campaign_has_a_dozen_organizations_hundreds_of_participants_and_two_weeks_of_trips() {
    // Arrange
    let (_database, url) = TestDatabase::create();
    seed(&url);
    let app = serve(&url);

    // Act
    let results = results(&app);

    // Assert
    let summary = &results["summary"];
    assert!(summary["organizations"].as_i64() >= Some(12), "{summary}");
    assert!(summary["participants"].as_i64() >= Some(200), "{summary}");
    let kinds: BTreeSet<&str> = summary["by_organization_kind"]
        .as_array()
        .expect("kinds")
        .iter()
        .filter_map(|k| k["kind"].as_str())
        .collect();
    for kind in [
        "enterprise",
        "institution",
        "social_organization",
        "community",
    ] {
        assert!(kinds.contains(kind), "no {kind} in {kinds:?}");
    }
    let modes: BTreeSet<&str> = summary["by_mode"]
        .as_array()
        .expect("modes")
        .iter()
        .filter_map(|m| m["mode"].as_str())
        .collect();
    for mode in [
        "walk", "bicycle", "e_bike", "bus", "metro", "car", "telework",
    ] {
        assert!(modes.contains(mode), "no {mode} trips in {modes:?}");
    }
    let days: BTreeSet<&str> = results["organizations"]
        .as_array()
        .expect("organizations")
        .iter()
        .flat_map(|o| o["by_day"].as_array().into_iter().flatten())
        .filter_map(|d| d["date"].as_str())
        .collect();
    assert!(days.len() >= 14, "trips on {} days: {days:?}", days.len());
    let leaderboard = results["leaderboard"]["entries"]
        .as_array()
        .expect("entries");
    assert!(
        leaderboard
            .iter()
            .any(|e| e["organization"]["id"] == "sunrise-tech"
                && e["organization"]["kind"] == "enterprise"),
        "sunrise-tech, an enterprise, takes part"
    );
    assert!(
        summary["savings_g"].as_i64() > Some(0),
        "the campaign saves CO2e: {summary}"
    );
}

/// The example of a parameter, as Swagger UI fills it in.
fn parameter_example(parameter: &Value) -> Option<String> {
    let example = parameter
        .get("example")
        .or_else(|| parameter["schema"].get("example"))?;
    Some(match example {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    })
}

/// Request bodies to try for an operation: each example of each media type.
fn body_examples(spec: &Value, operation: &Value) -> Vec<(String, Vec<u8>)> {
    let Some(content) = operation["requestBody"]["content"].as_object() else {
        return vec![(String::new(), Vec::new())];
    };
    let mut bodies = Vec::new();
    for (media_type, media) in content {
        let schema = match media["schema"]["$ref"].as_str() {
            Some(reference) => spec
                .pointer(reference.trim_start_matches('#'))
                .expect("the $ref resolves"),
            None => &media["schema"],
        };
        let mut examples: Vec<&Value> = Vec::new();
        if let Some(named) = media["examples"].as_object() {
            examples.extend(named.values().map(|e| &e["value"]));
        } else if let Some(example) = media.get("example").or_else(|| schema.get("example")) {
            examples.push(example);
        }
        for example in examples {
            let body = match example {
                Value::String(text) if media_type != "application/json" => {
                    text.clone().into_bytes()
                }
                other => serde_json::to_vec(other).expect("JSON"),
            };
            bodies.push((media_type.clone(), body));
        }
    }
    bodies
}

/// What a tester creates before trying the participant operations: an invite of the demo
/// organization, a participant who joined with it, and one of their trips.
struct Joined {
    code: String,
    invite_id: String,
    participant: String,
    token: String,
    trip_id: String,
}

fn join_the_demo(app: &TestApp) -> Joined {
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let invite = app
        .request(
            "POST",
            &format!("/v1/campaigns/{CAMPAIGN_ID}/organizations/sunrise-tech/invites"),
            &[("Authorization", auth.as_str())],
            b"",
        )
        .assert_status(201)
        .json();
    let code = invite["code"].as_str().expect("a code").to_owned();
    let joined = app
        .request("POST", &format!("/v1/join/{code}"), &[], b"{}")
        .assert_status(201)
        .json();
    let token = joined["token"].as_str().expect("a token").to_owned();
    let auth = format!("Bearer {token}");
    let logged = app
        .request(
            "POST",
            "/v1/me/trips",
            &[
                ("Authorization", auth.as_str()),
                ("Content-Type", "application/json"),
            ],
            br#"{"date":"2026-06-03","direction":"to_work","mode":"bicycle","distance_km":3}"#,
        )
        .assert_status(201)
        .json();
    Joined {
        code,
        invite_id: invite["id"].as_str().expect("an id").to_owned(),
        participant: joined["participant"].as_str().expect("an id").to_owned(),
        token,
        trip_id: logged["trips"][0]["id"].to_string(),
    }
}

#[test]
fn every_example_of_the_spec_succeeds_against_the_demo_campaign() {
    // Arrange
    let (_database, url) = TestDatabase::create();
    seed(&url);
    let key = issue_key(&url);
    let app = serve(&url);
    let joined = join_the_demo(&app);
    let spec = get_json(&app, "/api-docs/openapi.json");
    let mut calls = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("an item") {
            calls.push((method.to_ascii_uppercase(), path.clone(), operation.clone()));
        }
    }
    // Deletions last, as a tester trying the examples top to bottom would rather not start with
    // them; a participant's own deletion before their token is revoked.
    calls.sort_by_key(|(method, path, _)| (method == "DELETE", !path.starts_with("/v1/me")));

    let operations = calls.len();
    let mut tried = 0;
    let mut failures = Vec::new();
    for (method, template, operation) in calls {
        let mut path = template.clone();
        let mut query = Vec::new();
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            let name = parameter["name"].as_str().expect("a name");
            let Some(example) = parameter_example(parameter) else {
                assert_ne!(
                    parameter["in"], "path",
                    "{method} {template}: `{name}` has no example"
                );
                continue;
            };
            // Codes, participants and their trips are made by the tester (see `join_the_demo`).
            let example = match (template.as_str(), name) {
                (t, "code") if t.starts_with("/v1/join/") => joined.code.clone(),
                (_, "code") => joined.invite_id.clone(),
                (_, "participant_id") => joined.participant.clone(),
                (t, "trip_id") if t.starts_with("/v1/me/") => joined.trip_id.clone(),
                _ => example,
            };
            match parameter["in"].as_str() {
                Some("path") => path = path.replace(&format!("{{{name}}}"), &example),
                Some("query") => query.push(format!("{name}={example}")),
                _ => {}
            }
        }
        if !query.is_empty() {
            path = format!("{path}?{}", query.join("&"));
        }
        // A participant's own operations take their token; other trips are an organization's;
        // every other protected operation is the admin's.
        let token = if template.starts_with("/v1/me") {
            joined.token.as_str()
        } else if template.contains("/trips") {
            key.key.as_str()
        } else {
            ADMIN_TOKEN
        };
        let secured = operation.get("security").is_some();
        for (media_type, body) in body_examples(&spec, &operation) {
            let auth = format!("Bearer {token}");
            let mut headers = Vec::new();
            if secured {
                headers.push(("Authorization", auth.as_str()));
            }
            if !media_type.is_empty() {
                headers.push(("Content-Type", media_type.as_str()));
            }

            // Act
            let response: Response = app.request(&method, &path, &headers, &body);
            tried += 1;

            // Assert
            if !(200..300).contains(&response.status) {
                failures.push(format!(
                    "{method} {path} ({media_type}) → {}: {}",
                    response.status,
                    response.text()
                ));
            }
        }
    }
    assert!(
        operations >= 24 && tried > operations,
        "{tried} requests for {operations} operations"
    );
    assert!(
        failures.is_empty(),
        "examples that fail:\n{}",
        failures.join("\n")
    );
}
