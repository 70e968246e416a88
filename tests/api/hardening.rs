//! What an outsider can send does not crash, flood or trick the service: each test reproduces a
//! finding of the hardening review against the real application.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::{
    create_organization, enroll, error_fields, issue_key, log, send, world, TestApp, ADMIN_TOKEN,
};

#[test]
fn a_cursor_with_a_multibyte_character_is_a_422_and_never_drops_the_connection() {
    let app = TestApp::spawn();
    for path in [
        "/v1/campaigns?cursor=ka%C3%A9b",
        "/v1/organizations?cursor=k%F0%9F%98%800",
    ] {
        for _ in 0..20 {
            let response = app.get_as(ADMIN_TOKEN, path);
            let problem = response.problem(422);
            assert_eq!(error_fields(&problem), ["cursor"]);
        }
    }
    app.get("/healthz").assert_status(200);
}

#[test]
fn made_up_methods_do_not_grow_the_metrics() {
    let app = TestApp::spawn();
    for i in 0..30 {
        let response = app.request(&format!("BREW{i}"), "/v1/estimate", &[], b"");
        assert_eq!(response.status, 405, "{}", response.text());
    }
    let metrics = app.get("/metrics").text();
    assert!(!metrics.contains("BREW"), "{metrics}");
    assert!(metrics.contains(r#"method="OTHER""#), "{metrics}");
}

/// `{"trips":[1,1,…]}` with `count` items.
fn huge_batch(count: usize) -> Vec<u8> {
    let mut body = b"{\"trips\":[".to_vec();
    for i in 0..count {
        if i > 0 {
            body.push(b',');
        }
        body.push(b'1');
    }
    body.extend_from_slice(b"]}");
    body
}

#[test]
fn a_batch_past_the_row_limit_is_refused_while_it_is_read() {
    let app = TestApp::spawn();
    let w = world(&app, "huge", &["enterprise"], json!({}));
    // 2,000,000 items, and a syntax error at the very end that is never reached.
    let mut body = huge_batch(2_000_000);
    body.truncate(body.len() - 2);
    body.extend_from_slice(b",]}");
    let auth = format!("Bearer {}", w.key(0));
    for (path, headers) in [
        ("/v1/estimate/batch".to_owned(), vec![]),
        (
            format!("/v1/campaigns/{}/trips", w.campaign),
            vec![("Authorization", auth.as_str())],
        ),
    ] {
        let mut headers = headers;
        headers.push(("Content-Type", "application/json"));
        let started = Instant::now();
        let problem = app.request("POST", &path, &headers, &body).problem(422);
        assert_eq!(error_fields(&problem), ["trips"], "{path}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains("10000"),
            "{problem}"
        );
        assert!(started.elapsed() < Duration::from_secs(20), "{path}");
    }
}

#[test]
fn error_lists_stop_at_100_and_say_how_many_more_there_were() {
    let app = TestApp::spawn();
    let legs: Vec<Value> = (0..20_000)
        .map(|_| json!({ "mode": "bus", "distance_km": 0 }))
        .collect();
    let response = app.estimate(&json!({ "legs": legs }));
    let problem = response.problem(422);
    assert_eq!(problem["errors"].as_array().unwrap().len(), 100);
    assert_eq!(
        problem["errors_omitted"], 19_901,
        "20,000 legs and the count"
    );
    assert!(
        response.body.len() < 64 * 1024,
        "{} bytes",
        response.body.len()
    );
    let one = app.estimate(&json!({ "mode": "bus", "distance_km": 0 }));
    assert!(one.problem(422).get("errors_omitted").is_none());
}

/// Reads until the server closes the connection or `within` passes; what arrived.
fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (Vec<u8>, bool) {
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let deadline = Instant::now() + within;
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    while Instant::now() < deadline {
        match stream.read(&mut buffer) {
            Ok(0) => return (received, true),
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return (received, true),
        }
    }
    (received, false)
}

fn quick_timeouts() -> TestApp {
    TestApp::spawn_with(|c| {
        c.request_timeout_s = 1;
        c.body_timeout_s = 1;
        c.keep_alive_s = 1;
    })
}

#[test]
fn a_body_stalled_after_one_byte_is_answered_408_and_the_connection_closed() {
    let app = quick_timeouts();
    let mut stream = TcpStream::connect(&app.address).unwrap();
    write!(
        stream,
        "POST /v1/estimate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
    )
    .unwrap();
    let started = Instant::now();
    let (received, closed) = read_until_closed(&mut stream, Duration::from_secs(8));
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 408"), "{text:?}");
    assert!(text.contains("application/problem+json"), "{text:?}");
    assert!(closed, "the connection is closed after the 408");
    assert!(started.elapsed() < Duration::from_secs(6));
}

#[test]
fn requests_actix_cannot_read_are_answered_with_problem_json_too() {
    let app = TestApp::spawn();
    let long_header = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: {}\r\n\r\n",
        "a".repeat(200 * 1024)
    );
    for (request, status) in [
        ("GARBAGE\r\n\r\n".to_owned(), 400),
        ("GET / HTTP/1.1\r\nHost x\r\n\r\n".to_owned(), 400),
        (
            "POST /v1/estimate HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n".to_owned(),
            400,
        ),
        (long_header, 431),
    ] {
        let mut stream = TcpStream::connect(&app.address).unwrap();
        // The server may answer and close before reading all of a long head.
        let _ = stream.write_all(request.as_bytes());
        let (received, closed) = read_until_closed(&mut stream, Duration::from_secs(8));
        let text = String::from_utf8_lossy(&received);
        let first_line = request.lines().next().unwrap_or_default();
        let shown = &first_line[..first_line.len().min(40)];
        assert!(
            text.starts_with(&format!("HTTP/1.1 {status} ")),
            "{shown}: {text:?}"
        );
        assert!(
            text.contains("content-type: application/problem+json"),
            "{shown}: {text:?}"
        );
        assert!(
            text.contains("x-content-type-options: nosniff"),
            "{shown}: {text:?}"
        );
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, body)| body)
            .unwrap_or_default();
        let problem: Value =
            serde_json::from_str(body).unwrap_or_else(|e| panic!("{shown}: {e}: {body:?}"));
        assert_eq!(problem["status"], status, "{shown}");
        assert!(closed, "{shown}: the connection is closed after it");
    }
    // The service still answers.
    app.get("/healthz").assert_status(200);
}

#[test]
fn a_slow_second_request_head_on_a_kept_alive_connection_does_not_hold_it_open() {
    let app = quick_timeouts();
    let mut stream = TcpStream::connect(&app.address).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    // The first answer, then half of a second head, and nothing more.
    let mut first = [0u8; 1024];
    let n = stream.read(&mut first).unwrap();
    assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHo").unwrap();
    let started = Instant::now();
    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(8));
    assert!(closed, "the connection is closed");
    assert!(started.elapsed() < Duration::from_secs(6));
}

#[test]
fn csv_exports_neutralize_formulas_and_names_refuse_control_characters() {
    let app = TestApp::spawn();
    let w = world(&app, "formulas", &[], json!({}));
    for (i, name) in [
        "=HYPERLINK(\"http://evil.example\",\"click\")",
        "+1+1",
        "@SUM(1+1)",
        "-2+3",
    ]
    .iter()
    .enumerate()
    {
        let id = format!("formula-{i}");
        app.post_json_as(
            ADMIN_TOKEN,
            "/v1/organizations",
            &json!({ "id": id, "name": name, "kind": "other" }),
        )
        .assert_status(201);
        enroll(&app, &w.campaign, &id);
    }
    let csv = app
        .get(&format!("/v1/campaigns/{}/leaderboard.csv", w.campaign))
        .assert_status(200)
        .text();
    for line in csv.lines().skip(1) {
        let name = line.split(',').nth(2).unwrap().trim_start_matches('"');
        assert!(name.starts_with('\''), "{line}");
    }
    for bad in ["nul \u{0} here", "bell\u{7}", "line\nbreak"] {
        let problem = app
            .post_json_as(
                ADMIN_TOKEN,
                "/v1/organizations",
                &json!({ "id": "controls", "name": bad, "kind": "other" }),
            )
            .problem(422);
        assert_eq!(error_fields(&problem), ["name"], "{bad:?}");
    }
}

#[test]
fn a_private_campaign_is_a_404_exactly_like_an_unknown_one_to_those_who_may_not_read_it() {
    let app = TestApp::spawn();
    let private = world(&app, "private", &["enterprise"], json!({ "public": false }));
    create_organization(&app, "outsider", "enterprise");
    let (_, outsider) = issue_key(&app, "outsider");
    for path in [
        "/v1/campaigns/{}",
        "/v1/campaigns/{}/summary",
        "/v1/campaigns/{}/leaderboard",
        "/v1/campaigns/{}/leaderboard.csv",
        "/v1/campaigns/{}/trips",
    ] {
        let private_path = path.replace("{}", &private.campaign);
        let unknown_path = path.replace("{}", "no-such-campaign");
        for token in [None, Some(outsider.as_str())] {
            let get = |p: &str| match token {
                Some(token) => app.get_as(token, p),
                None => app.get(p),
            };
            let (hidden, unknown) = (get(&private_path), get(&unknown_path));
            if token.is_none() && path.ends_with("/trips") {
                // Listing trips needs credentials whatever the campaign.
                hidden.problem(401);
                continue;
            }
            let (hidden, unknown) = (hidden.problem(404), unknown.problem(404));
            assert_eq!(
                hidden["detail"]
                    .as_str()
                    .unwrap()
                    .replace(&private.campaign, "X"),
                unknown["detail"]
                    .as_str()
                    .unwrap()
                    .replace("no-such-campaign", "X"),
                "{path} as {token:?}"
            );
        }
    }
    let logged = log(&app, &outsider, &private.campaign, json!([]));
    logged.problem(404);
    app.get_as(
        private.key(0),
        &format!("/v1/campaigns/{}", private.campaign),
    )
    .assert_status(200);
}

#[test]
fn a_campaign_cannot_name_a_region_its_factor_set_cannot_resolve() {
    let app = TestApp::spawn();
    let problem = app
        .post_json_as(
            ADMIN_TOKEN,
            "/v1/campaigns",
            &json!({ "id": "uk-bj", "name": "UK set in Beijing", "starts_on": "2026-06-01",
                     "ends_on": "2026-06-14", "factor_set": "uk-desnz-2025", "region": "CN-BJ" }),
        )
        .problem(422);
    assert_eq!(error_fields(&problem), ["region"]);
    let w = world(&app, "cn-bj", &[], json!({ "region": "CN-BJ" }));
    let problem = app
        .send_json_as(
            ADMIN_TOKEN,
            "PATCH",
            &format!("/v1/campaigns/{}", w.campaign),
            &json!({ "factor_set": "uk-desnz-2025" }),
        )
        .problem(422);
    assert_eq!(error_fields(&problem), ["region"]);
}

#[test]
fn a_json_array_is_never_read_as_an_object_by_position() {
    // serde would read `[null, null]` as a struct of two absent fields: an empty update, a 200.
    let app = TestApp::spawn();
    let w = world(&app, "week", &["enterprise"], json!({}));
    let organization = &w.organizations[0].0;
    let before = app
        .get_as(ADMIN_TOKEN, &format!("/v1/organizations/{organization}"))
        .json();
    for (method, path) in [
        ("PATCH", format!("/v1/organizations/{organization}")),
        ("PATCH", format!("/v1/campaigns/{}", w.campaign)),
        (
            "POST",
            format!(
                "/v1/campaigns/{}/organizations/{organization}/invites",
                w.campaign
            ),
        ),
    ] {
        let problem = app
            .request(
                method,
                &path,
                &[
                    ("Authorization", &format!("Bearer {ADMIN_TOKEN}")),
                    ("Content-Type", "application/json"),
                ],
                b"[null, null]",
            )
            .problem(422);
        assert!(
            problem["detail"].as_str().unwrap().contains("object")
                || problem.to_string().contains("object"),
            "{method} {path}: {problem}"
        );
    }
    assert_eq!(
        app.get_as(ADMIN_TOKEN, &format!("/v1/organizations/{organization}"))
            .json(),
        before
    );
    // An invite needs no body at all.
    app.request(
        "POST",
        &format!(
            "/v1/campaigns/{}/organizations/{organization}/invites",
            w.campaign
        ),
        &[("Authorization", &format!("Bearer {ADMIN_TOKEN}"))],
        b"",
    )
    .assert_status(201);
}

#[test]
fn every_answer_says_nosniff_and_varies_by_origin() {
    let app = TestApp::spawn();
    for response in [
        app.get("/healthz"),
        app.get("/v1/factor-sets"),
        app.get("/v1/nothing"),
        app.estimate(&json!({ "mode": "bus", "distance_km": 3 })),
        app.get("/"),
    ] {
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        assert!(
            response
                .header("vary")
                .is_some_and(|v| v.contains("Origin")),
            "{:?}",
            response.headers
        );
    }
}

#[test]
fn a_short_admin_token_is_refused_at_start_up() {
    let config = green_commute::config::ServeConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        admin_token: Some("short-token".into()),
        ..green_commute::config::ServeConfig::default()
    };
    let error = green_commute::startup::admin_token(&config).unwrap_err();
    assert!(error.to_string().contains("at least 16"), "{error}");
}

#[test]
fn ids_no_store_could_hold_are_404s() {
    let app = TestApp::spawn();
    for path in [
        "/v1/campaigns/%00",
        "/v1/campaigns/a%00b/summary",
        "/v1/organizations/%00",
    ] {
        let response = send(
            &app.address,
            "GET",
            path,
            &[("Authorization", &format!("Bearer {ADMIN_TOKEN}"))],
            b"",
        );
        response.problem(404);
    }
}

#[test]
fn an_address_that_keeps_failing_to_authenticate_is_slowed_down() {
    let app = TestApp::spawn_with(|c| {
        c.auth_failure_rate = 0.001;
        c.auth_failure_burst = 3;
        c.client_ip_header = Some("X-Forwarded-For".into());
    });
    let attempt = |token: &str, address: &str| {
        app.request(
            "GET",
            "/v1/organizations",
            &[
                ("Authorization", &format!("Bearer {token}")),
                ("X-Forwarded-For", &format!("10.0.0.9, {address}")),
            ],
            b"",
        )
    };
    for _ in 0..3 {
        attempt("gck_wrong", "203.0.113.7").problem(401);
    }
    let limited = attempt("gck_wrong", "203.0.113.7");
    limited.problem(429);
    assert!(limited.header("retry-after").is_some());
    // Refused before the token is looked at: even the right one waits.
    attempt(ADMIN_TOKEN, "203.0.113.7").problem(429);
    attempt(ADMIN_TOKEN, "203.0.113.8").assert_status(200);
}

#[test]
fn estimates_can_be_limited_per_address_and_are_not_by_default() {
    let open = TestApp::spawn();
    for _ in 0..150 {
        open.estimate(&json!({ "mode": "bus", "distance_km": 3 }))
            .assert_status(200);
    }
    let limited = TestApp::spawn_with(|c| {
        c.estimate_rate = 0.001;
        c.estimate_burst = 2;
    });
    for _ in 0..2 {
        limited
            .estimate(&json!({ "mode": "bus", "distance_km": 3 }))
            .assert_status(200);
    }
    let refused = limited.estimate(&json!({ "mode": "bus", "distance_km": 3 }));
    refused.problem(429);
    assert!(refused.header("retry-after").is_some());
}

/// Sends `body` as chunked pieces of `piece` bytes, pausing between them so that each arrives
/// in a read of its own; what the server answered.
fn post_in_pieces(app: &TestApp, path: &str, body: &[u8], piece: usize) -> String {
    let mut stream = TcpStream::connect(&app.address).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    for chunk in body.chunks(piece) {
        write!(stream, "{:x}\r\n", chunk.len()).unwrap();
        stream.write_all(chunk).unwrap();
        stream.write_all(b"\r\n").unwrap();
        stream.flush().unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }
    // The server may have answered and closed already (a refused body).
    let _ = stream.write_all(b"0\r\n\r\n");
    let (received, _) = read_until_closed(&mut stream, Duration::from_secs(10));
    String::from_utf8_lossy(&received).into_owned()
}

#[test]
fn a_body_that_arrives_in_pieces_is_read_whole() {
    let app = TestApp::spawn();
    let request = json!({ "legs": [
        { "mode": "walk", "distance_km": 0.8 },
        { "mode": "metro", "distance_km": 14.2 },
        { "mode": "bus", "distance_km": 3.5 }
    ], "round_trip": true });
    let whole = app.estimate(&request);
    whole.assert_status(200);

    let answer = post_in_pieces(&app, "/v1/estimate", request.to_string().as_bytes(), 7);

    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let body = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
    let body = body.trim_end();
    assert!(
        body.ends_with(&whole.text()) || body.contains(whole.text().as_str()),
        "the same answer as the body in one piece: {body}"
    );
}

#[test]
fn a_body_in_pieces_past_the_limit_is_a_413_problem() {
    let app = TestApp::spawn_with(|c| c.body_limit = 256);
    let request = json!({ "trips": (0..20)
        .map(|_| json!({ "mode": "bus", "distance_km": 3.5 }))
        .collect::<Vec<_>>() });
    let body = request.to_string();
    assert!(body.len() > 256);

    let answer = post_in_pieces(&app, "/v1/estimate/batch", body.as_bytes(), 40);

    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
}
