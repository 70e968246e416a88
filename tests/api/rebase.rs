//! Rebasing (issue 15, part 4): a campaign moved onto another factor set explicitly, in one
//! transaction, on the record. After a rebase every figure of every result equals the sums over
//! the listed trips and the comparison's `recomputed`, each trip equals an independent
//! recomputation from the new set's file, and the campaign is indistinguishable from a twin
//! whose same trips were logged under the new set from the start. A rebase the set cannot
//! compute changes nothing. Who may rebase.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use super::compare::{
    compare, delete_some, log_all, random_trips, results, round_half_away, Plan, SetFile,
};
use crate::common::rng::Rng;
use crate::common::{admin, world, Response, TestApp, World, ADMIN_TOKEN};

fn rebase(app: &TestApp, token: &str, campaign: &str, set: &str) -> Response {
    app.post_json_as(
        token,
        &format!("/v1/campaigns/{campaign}/rebase"),
        &json!({ "factor_set": set }),
    )
}

fn ok(response: Response) -> Value {
    response.assert_status(200);
    response.json()
}

fn metres(km: &Value) -> i64 {
    (km.as_f64().unwrap() * 1000.0).round() as i64
}

/// Every trip of the campaign, as the admin lists them.
fn listed(app: &TestApp, campaign: &str) -> Vec<Value> {
    let mut trips = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = ok(app.get_as(
            ADMIN_TOKEN,
            &format!("/v1/campaigns/{campaign}/trips?limit=1000{cursor}"),
        ));
        trips.extend(page["trips"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return trips,
        }
    }
}

/// Exact sums over listed trips, in the results' shape.
#[derive(Debug, Default, Clone)]
struct Sums {
    trips: i64,
    participants: BTreeSet<(String, String)>,
    distance_m: i64,
    co2e_g: i64,
    baseline_co2e_g: i64,
    savings_g: i64,
    active_minutes: i64,
    air_saved: (i64, i64),
    air_incomplete_trips: i64,
    /// (organization, participant) → workdays with a green trip.
    green: BTreeMap<(String, String), BTreeSet<String>>,
}

/// The campaign's workdays, June 1–14, 2026, Monday to Friday.
const WORKDAYS: i64 = 10;

impl Sums {
    fn add(&mut self, trip: &Value) {
        let key = (
            trip["organization_id"].as_str().unwrap().to_owned(),
            trip["participant"].as_str().unwrap().to_owned(),
        );
        self.trips += 1;
        self.participants.insert(key.clone());
        self.distance_m += metres(&trip["distance_km"]);
        self.co2e_g += trip["co2e_g"].as_i64().unwrap();
        self.baseline_co2e_g += trip["baseline_co2e_g"].as_i64().unwrap();
        self.savings_g += trip["savings_g"].as_i64().unwrap();
        self.active_minutes += trip["active_minutes"].as_i64().unwrap();
        self.air_saved.0 += trip["air_saved"]["nox_mg"].as_i64().unwrap();
        self.air_saved.1 += trip["air_saved"]["pm25_mg"].as_i64().unwrap();
        if !trip["air_complete"].as_bool().unwrap() {
            self.air_incomplete_trips += 1;
        }
        let date: jiff::civil::Date = trip["date"].as_str().unwrap().parse().unwrap();
        let workday = date.weekday().to_monday_one_offset() <= 5;
        if workday && trip["savings_g"].as_i64().unwrap() > 0 {
            self.green.entry(key).or_default().insert(date.to_string());
        }
    }

    fn over<'a>(trips: impl IntoIterator<Item = &'a Value>) -> Self {
        let mut sums = Self::default();
        for trip in trips {
            sums.add(trip);
        }
        sums
    }

    /// The mean share of workdays with a green trip over the participants, 4 decimals.
    fn regularity(&self) -> f64 {
        let participants = self.participants.len() as i64;
        if participants == 0 {
            return 0.0;
        }
        let green: i64 = self.green.values().map(|days| days.len() as i64).sum();
        round_half_away(
            i128::from(green) * 10_000,
            i128::from(participants * WORKDAYS),
        ) as f64
            / 10_000.0
    }

    /// (field, value) pairs a result with these sums must show.
    fn expect(&self, figures: &Value, with_participants: bool, context: &str) {
        let mut expected = vec![
            ("trips", json!(self.trips)),
            ("co2e_g", json!(self.co2e_g)),
            ("savings_g", json!(self.savings_g)),
            ("active_minutes", json!(self.active_minutes)),
            (
                "air_saved",
                json!({ "nox_mg": self.air_saved.0, "pm25_mg": self.air_saved.1 }),
            ),
        ];
        if figures.get("baseline_co2e_g").is_some() {
            expected.push(("baseline_co2e_g", json!(self.baseline_co2e_g)));
        }
        if figures.get("air_incomplete_trips").is_some() {
            expected.push(("air_incomplete_trips", json!(self.air_incomplete_trips)));
        }
        if with_participants {
            let participants = self.participants.len() as i64;
            expected.push(("participants", json!(participants)));
            expected.push(("regularity", json!(self.regularity())));
            if figures.get("savings_per_participant_g").is_some() {
                let per = if participants == 0 {
                    0
                } else {
                    round_half_away(i128::from(self.savings_g), i128::from(participants))
                };
                expected.push(("savings_per_participant_g", json!(per)));
            }
        }
        for (field, value) in expected {
            assert_eq!(figures[field], value, "{context}: {field}");
        }
        assert_eq!(
            metres(&figures["distance_km"]),
            self.distance_m,
            "{context}: distance"
        );
    }
}

/// Trips by main mode.
fn by_main_mode<'a>(subset: &[&'a Value]) -> BTreeMap<String, Vec<&'a Value>> {
    let mut modes: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for t in subset {
        modes
            .entry(t["main_mode"].as_str().unwrap().to_owned())
            .or_default()
            .push(t);
    }
    modes
}

/// Every figure of the campaign's results against sums over its listed trips.
fn check_results(app: &TestApp, w: &World, trips: &[Value]) {
    let c = &w.campaign;
    let summary = ok(app.get(&format!("/v1/campaigns/{c}/summary")));
    Sums::over(trips).expect(&summary, true, "summary");
    let all: Vec<&Value> = trips.iter().collect();
    let modes = by_main_mode(&all);
    let shown: Vec<&str> = summary["by_mode"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["mode"].as_str().unwrap())
        .collect();
    assert_eq!(shown, modes.keys().map(String::as_str).collect::<Vec<_>>());
    for row in summary["by_mode"].as_array().unwrap() {
        let mode = row["mode"].as_str().unwrap();
        Sums::over(modes[mode].iter().copied()).expect(
            row,
            false,
            &format!("summary by_mode {mode}"),
        );
    }
    let board = ok(app.get(&format!("/v1/campaigns/{c}/leaderboard")));
    assert_eq!(
        board["entries"].as_array().unwrap().len(),
        w.organizations.len()
    );
    for entry in board["entries"].as_array().unwrap() {
        let id = entry["organization"]["id"].as_str().unwrap();
        let mine: Vec<&Value> = trips
            .iter()
            .filter(|t| t["organization_id"] == id)
            .collect();
        Sums::over(mine.iter().copied()).expect(entry, true, &format!("leaderboard {id}"));
        let own = ok(app.get(&format!("/v1/campaigns/{c}/organizations/{id}/summary")));
        Sums::over(mine.iter().copied()).expect(&own, true, &format!("summary of {id}"));
        let modes = by_main_mode(&mine);
        assert_eq!(
            own["by_mode"].as_array().unwrap().len(),
            modes.len(),
            "{id}: modes"
        );
        for row in own["by_mode"].as_array().unwrap() {
            let mode = row["mode"].as_str().unwrap();
            Sums::over(modes[mode].iter().copied()).expect(
                row,
                false,
                &format!("{id} by_mode {mode}"),
            );
        }
        let mut days: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
        for t in &mine {
            days.entry(t["date"].as_str().unwrap()).or_default().push(t);
        }
        let shown: Vec<&str> = own["by_day"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["date"].as_str().unwrap())
            .collect();
        assert_eq!(
            shown,
            days.keys().copied().collect::<Vec<_>>(),
            "{id}: days"
        );
        for row in own["by_day"].as_array().unwrap() {
            let day = row["date"].as_str().unwrap();
            Sums::over(days[day].iter().copied()).expect(row, false, &format!("{id} on {day}"));
        }
    }
}

/// The campaign's answers with its id replaced (its organizations' ids and names contain it),
/// for comparison with a twin's.
fn answers(app: &TestApp, w: &World) -> Vec<(String, Value)> {
    let c = &w.campaign;
    let mut paths = vec![
        format!("/v1/campaigns/{c}/summary"),
        format!("/v1/campaigns/{c}/leaderboard"),
        format!("/v1/campaigns/{c}/leaderboard?sort=regularity"),
    ];
    paths.extend(
        w.organizations
            .iter()
            .map(|(id, _, _)| format!("/v1/campaigns/{c}/organizations/{id}/summary")),
    );
    paths
        .into_iter()
        .map(|path| {
            let text = app.get(&path).text().replace(c.as_str(), "CAMPAIGN");
            (
                path.replace(c.as_str(), "CAMPAIGN"),
                serde_json::from_str(&text).unwrap(),
            )
        })
        .collect()
}

/// The modes cn-2022 and cn-2023 share.
fn shared_modes(a: &SetFile, b: &SetFile) -> Vec<String> {
    a.mode_ids().into_iter().filter(|m| b.has(m)).collect()
}

#[test]
fn a_rebase_recomputes_every_trip_and_every_figure_follows_exactly() {
    // Arrange: a cn-2022 campaign in Beijing with random trips in the modes both sets have; a
    // twin campaign on cn-2023 with the same organizations' keys logging the same trips.
    let app = TestApp::spawn();
    let kinds = ["enterprise", "institution", "community"];
    let w = world(
        &app,
        "rebase-week",
        &kinds,
        json!({ "factor_set": "cn-2022", "region": "CN-BJ" }),
    );
    let twin = world(
        &app,
        "rebase-twin",
        &kinds,
        json!({ "factor_set": "cn-2023", "region": "CN-BJ" }),
    );
    let (cn2022, cn2023) = (SetFile::load("cn-2022"), SetFile::load("cn-2023"));
    let mut rng = Rng(0x7265_6261_7365_2101);
    let modes = shared_modes(&cn2022, &cn2023);
    let baselines = [
        "car",
        "car_petrol",
        "taxi",
        "motorcycle",
        "car_electric",
        "bus",
    ];
    let mut trips = random_trips(&mut rng, &cn2022, &modes, &baselines, 3, 300);
    let mut twin_trips = trips.clone();
    log_all(&app, &w, &mut trips, &cn2022, "CN-BJ");
    log_all(&app, &twin, &mut twin_trips, &cn2023, "CN-BJ");
    let mut deletions = Rng(7);
    let trips: Vec<Plan> = delete_some(&app, &w, &mut deletions, trips);
    let mut deletions = Rng(7);
    delete_some(&app, &twin, &mut deletions, twin_trips);
    let summary_before = ok(app.get(&format!("/v1/campaigns/{}/summary", w.campaign)));
    let comparison = ok(compare(&app, None, &w.campaign, "cn-2023"));
    assert_eq!(comparison["not_computable"]["trips"], 0);

    // Act
    let rebased = ok(rebase(&app, ADMIN_TOKEN, &w.campaign, "cn-2023"));

    // Assert: the answer, against the summary before and the comparison.
    assert_eq!(
        rebased["from"],
        json!({ "id": "cn-2022", "version": cn2022.version })
    );
    assert_eq!(
        rebased["to"],
        json!({ "id": "cn-2023", "version": cn2023.version })
    );
    assert_eq!(
        (rebased["actor"].as_str(), &rebased["actor_id"]),
        (Some("admin"), &Value::Null)
    );
    for field in [
        "trips",
        "participants",
        "distance_km",
        "co2e_g",
        "baseline_co2e_g",
        "savings_g",
    ] {
        assert_eq!(
            rebased["before"][field], summary_before[field],
            "before.{field}"
        );
    }
    for field in ["trips", "co2e_g", "baseline_co2e_g", "savings_g"] {
        assert_eq!(
            rebased["after"][field], comparison["recomputed"][field],
            "after.{field}"
        );
    }
    assert_ne!(
        rebased["after"]["savings_g"],
        rebased["before"]["savings_g"]
    );
    let campaign = ok(app.get(&format!("/v1/campaigns/{}", w.campaign)));
    assert_eq!(campaign["factor_set"], rebased["to"]);

    // Each trip: the new set's figures (independently recomputed) and factors.
    let stored = listed(&app, &w.campaign);
    assert_eq!(stored.len(), trips.len());
    let plans: BTreeMap<i64, &Plan> = trips.iter().map(|t| (t.id, t)).collect();
    for trip in &stored {
        let plan = plans[&trip["id"].as_i64().unwrap()];
        let expected = cn2023.figures(plan, Some("CN-BJ")).unwrap();
        assert_eq!(trip["co2e_g"], expected.co2e_g, "{plan:?}");
        assert_eq!(
            trip["baseline_co2e_g"], expected.baseline_co2e_g,
            "{plan:?}"
        );
        assert_eq!(trip["savings_g"], expected.savings_g, "{plan:?}");
        assert_eq!(trip["main_mode"], expected.main_mode, "{plan:?}");
        assert_eq!(trip["detail"]["factor_set"]["id"], "cn-2023");
        assert_eq!(trip["detail"]["grid_region"], "CN-BJ");
    }
    // Every result: sums over the listed trips, the summary equal to the rebase's `after`.
    check_results(&app, &w, &stored);
    let summary_after = ok(app.get(&format!("/v1/campaigns/{}/summary", w.campaign)));
    for field in [
        "trips",
        "participants",
        "distance_km",
        "co2e_g",
        "baseline_co2e_g",
        "savings_g",
        "active_minutes",
        "air_saved",
    ] {
        assert_eq!(
            rebased["after"][field], summary_after[field],
            "after.{field}"
        );
    }
    // And exactly what logging the same trips under cn-2023 gave the twin (ids aside).
    let (ours, theirs) = (answers(&app, &w), answers(&app, &twin));
    for ((path, a), (_, b)) in ours.iter().zip(&theirs) {
        assert_eq!(a, b, "{path}");
    }

    // The history records it; new trips are computed under the new set.
    let history = ok(app.get(&format!("/v1/campaigns/{}/history", w.campaign)));
    assert_eq!(history["rebases"].as_array().unwrap().len(), 1);
    let entry = &history["rebases"][0];
    for field in ["at", "actor", "actor_id", "from", "to", "before", "after"] {
        assert_eq!(entry[field], rebased[field], "history: {field}");
    }
    let shuttle = crate::common::log(
        &app,
        w.key(0),
        &w.campaign,
        json!([{ "participant": "new", "date": "2026-06-03", "direction": "to_work", "mode": "shuttle", "distance_km": 12.0 }]),
    );
    shuttle.assert_status(201);
}

#[test]
fn a_rebase_the_new_set_cannot_compute_is_refused_and_changes_nothing() {
    // Arrange: a cn-2023 campaign with 130 shuttle trips and some others.
    let app = TestApp::spawn();
    let w = world(
        &app,
        "shuttle-week",
        &["enterprise"],
        json!({ "factor_set": "cn-2023" }),
    );
    let mut trips: Vec<Value> = (0..130)
        .map(|i| json!({ "participant": format!("s{i}"), "date": "2026-06-02", "direction": "round_trip", "mode": "shuttle", "distance_km": 15.0 }))
        .collect();
    trips.extend((0..20).map(|i| json!({ "participant": format!("m{i}"), "date": "2026-06-03", "direction": "to_work", "legs": [{ "mode": "metro", "distance_km": 9.0 }, { "mode": "ferry", "distance_km": 2.0 }] })));
    trips.push(json!({ "participant": "walker", "date": "2026-06-03", "direction": "to_work", "mode": "walk", "distance_km": 1.5 }));
    crate::common::log(&app, w.key(0), &w.campaign, json!(trips)).assert_status(201);
    let before = results(&app, &w.campaign);
    let audit_before = ok(app.get_as(ADMIN_TOKEN, &format!("/v1/campaigns/{}/audit", w.campaign)));

    // Act
    let refused = rebase(&app, ADMIN_TOKEN, &w.campaign, "cn-2022");

    // Assert
    let problem = refused.problem(422);
    let errors = problem["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 100, "the first 100 refused trips are listed");
    assert_eq!(problem["errors_omitted"], 50, "150 refused in all");
    assert!(errors
        .iter()
        .all(|e| e["field"].as_str().unwrap().starts_with("trips/")));
    assert_eq!(
        errors[0]["message"],
        "mode `shuttle` is not in factor set `cn-2022`"
    );
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("mode `shuttle` is not in factor set `cn-2022` (130 trips)"),
        "{detail}"
    );
    assert!(
        detail.contains("mode `ferry` is not in factor set `cn-2022` (20 trips)"),
        "{detail}"
    );
    assert_eq!(results(&app, &w.campaign), before, "nothing changed");
    let audit_after = ok(app.get_as(ADMIN_TOKEN, &format!("/v1/campaigns/{}/audit", w.campaign)));
    assert_eq!(audit_after, audit_before, "nothing recorded");
    // The campaign's region must exist in the new set: the UK sets have no grid regions.
    let regional = world(
        &app,
        "regional-week",
        &["enterprise"],
        json!({ "factor_set": "cn-2023", "region": "CN-SH" }),
    );
    let problem = rebase(&app, ADMIN_TOKEN, &regional.campaign, "uk-desnz-2025").problem(422);
    assert_eq!(problem["errors"][0]["field"], "factor_set");
}

#[test]
fn only_the_admin_and_the_campaigns_organizer_rebase_and_private_campaigns_stay_hidden() {
    // Arrange: organizers A and B; A runs a public and a private campaign, each with an
    // enrolled organization and a trip.
    let app = TestApp::spawn();
    let key_of = |id: &str| {
        admin(
            &app,
            "POST",
            "/v1/organizers",
            &json!({ "id": id, "name": id }),
        )
        .assert_status(201);
        ok2(admin(
            &app,
            "POST",
            &format!("/v1/organizers/{id}/keys"),
            &json!(null),
        ))["key"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (a, b) = (key_of("ngo-a"), key_of("ngo-b"));
    let mut org_keys = Vec::new();
    for (campaign, public) in [("a-open", true), ("a-closed", false)] {
        app.post_json_as(&a, "/v1/campaigns", &json!({
            "id": campaign, "name": campaign, "starts_on": "2026-06-01", "ends_on": "2026-06-14",
            "factor_set": "cn-2022", "public": public
        })).assert_status(201);
        let organization = format!("{campaign}-org");
        app.post_json_as(
            &a,
            "/v1/organizations",
            &json!({ "id": organization, "name": organization, "kind": "enterprise" }),
        )
        .assert_status(201);
        app.send_json_as(
            &a,
            "PUT",
            &format!("/v1/campaigns/{campaign}/organizations/{organization}"),
            &json!(null),
        )
        .assert_status(204);
        let key = ok2(app.post_json_as(
            &a,
            &format!("/v1/organizations/{organization}/keys"),
            &json!(null),
        ))["key"]
            .as_str()
            .unwrap()
            .to_owned();
        crate::common::log(&app, &key, campaign, json!([{ "participant": "x", "date": "2026-06-02", "direction": "to_work", "mode": "car", "distance_km": 8.0 }])).assert_status(201);
        org_keys.push(key);
    }

    // Act and assert: reading.
    compare(&app, None, "a-closed", "cn-2023").problem(404);
    app.get("/v1/campaigns/a-closed/history").problem(404);
    compare(&app, Some(&b), "a-closed", "cn-2023").problem(404);
    compare(&app, Some(&org_keys[0]), "a-closed", "cn-2023").problem(404);
    compare(&app, None, "a-open", "cn-2023").assert_status(200);
    compare(&app, Some(&org_keys[1]), "a-closed", "cn-2023").assert_status(200);
    compare(&app, Some(&a), "a-closed", "cn-2023").assert_status(200);

    // Rebasing.
    app.post_json(
        "/v1/campaigns/a-closed/rebase",
        &json!({ "factor_set": "cn-2023" }),
    )
    .problem(401);
    rebase(&app, &b, "a-open", "cn-2023").problem(403);
    rebase(&app, &b, "a-closed", "cn-2023").problem(404);
    rebase(&app, &org_keys[0], "a-open", "cn-2023").problem(403);
    rebase(&app, &org_keys[0], "a-closed", "cn-2023").problem(404);
    rebase(&app, &org_keys[1], "a-closed", "cn-2023").problem(403);
    for (body, field) in [
        (json!({ "factor_set": "cn-1999" }), "factor_set"),
        (json!({}), "factor_set"),
        (json!({ "factor_set": "cn-2023", "force": true }), ""),
    ] {
        let problem = app
            .post_json_as(&a, "/v1/campaigns/a-open/rebase", &body)
            .problem(422);
        let got = problem["errors"][0]["field"].as_str().unwrap();
        assert!(field.is_empty() || got == field, "{body}: {problem}");
    }
    let done = ok(rebase(&app, &a, "a-closed", "cn-2023"));
    assert_eq!(
        (done["actor"].as_str(), done["actor_id"].as_str()),
        (Some("organizer"), Some("ngo-a"))
    );
    let history = ok(app.get_as(&org_keys[1], "/v1/campaigns/a-closed/history"));
    assert_eq!(history["rebases"][0]["to"]["id"], "cn-2023");
    let audit = ok(app.get_as(&a, "/v1/campaigns/a-closed/audit"));
    let rebases: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "campaign.rebase")
        .collect();
    assert_eq!(rebases.len(), 1);
    assert_eq!(rebases[0]["actor_id"], "ngo-a");
    assert_eq!(
        rebases[0]["detail"]["after"]["savings_g"],
        done["after"]["savings_g"]
    );
}

fn ok2(response: Response) -> Value {
    assert!(
        response.status == 200 || response.status == 201,
        "{}",
        response.text()
    );
    response.json()
}
