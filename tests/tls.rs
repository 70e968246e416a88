//! TLS to PostgreSQL: each test starts a private PostgreSQL 15 cluster that accepts TLS
//! connections only (`hostssl` in pg_hba.conf, `ssl=on`, a server certificate for `localhost`
//! and 127.0.0.1 signed by a CA the test made with `openssl`; see `common/cluster.rs`) and
//! starts the application on it with each `sslmode`. Skipped, with the reason printed, where
//! no cluster can be started (not root, no PostgreSQL server package).

mod common;

use serde_json::json;

use common::cluster::{Cluster, Transport};
use common::{log, world, TestApp, ADMIN_TOKEN};

/// A TLS-only cluster, or `None` (printed) where this machine cannot start one.
fn tls_cluster() -> Option<Cluster> {
    match Cluster::start(Transport::TlsOnly) {
        Ok(cluster) => Some(cluster),
        Err(reason) => {
            eprintln!("skipped: {reason}");
            None
        }
    }
}

/// The application on `url`, or its start-up error.
fn start(url: &str) -> Result<TestApp, String> {
    TestApp::try_spawn_with(|config| config.database_url = url.parse().unwrap())
}

/// How many client connections to the cluster are encrypted, and how many are not.
fn encrypted_connections(cluster: &Cluster) -> (i64, i64) {
    let counts = cluster.psql(
        "SELECT count(*) FILTER (WHERE s.ssl), count(*) FILTER (WHERE NOT s.ssl)
         FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.client_addr IS NOT NULL",
    );
    let (on, off) = counts.split_once('|').expect("two counts");
    (on.parse().unwrap(), off.parse().unwrap())
}

/// A campaign, a trip logged and the summary read back: the store works through the service.
fn log_a_trip_and_read_the_summary(app: &TestApp, campaign: &str) {
    let world = world(app, campaign, &["enterprise"], json!({}));
    log(
        app,
        world.key(0),
        campaign,
        json!([{ "participant": "p1", "date": "2026-06-02", "direction": "to_work",
                  "mode": "bicycle", "distance_km": 4.5 }]),
    )
    .assert_status(201);
    let summary = app
        .get_as(ADMIN_TOKEN, &format!("/v1/campaigns/{campaign}/summary"))
        .assert_status(200)
        .json();
    assert_eq!(summary["trips"], 1, "{summary}");
    assert_eq!(summary["distance_km"], 4.5, "{summary}");
}

#[test]
fn verify_full_with_the_right_ca_serves_campaigns_end_to_end_over_encrypted_connections() {
    let Some(cluster) = tls_cluster() else { return };
    let ca = cluster.tls.as_ref().unwrap().ca.display().to_string();

    // URL form, with the host name the certificate names.
    let url = cluster.url_for(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    );
    let app = start(&url).unwrap_or_else(|e| panic!("verify-full with the right CA: {e}"));
    log_a_trip_and_read_the_summary(&app, "tls-week");
    let (encrypted, plain) = encrypted_connections(&cluster);
    assert!(encrypted > 0, "the service's connections are encrypted");
    assert_eq!(plain, 0, "no connection without TLS");
    drop(app);

    // The libpq key=value form, with the certificate's IP address as the host.
    let pairs = format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=verify-full sslrootcert='{ca}'",
        cluster.port
    );
    let app = start(&pairs).unwrap_or_else(|e| panic!("verify-full, key=value form: {e}"));
    log_a_trip_and_read_the_summary(&app, "tls-week-2");
}

#[test]
fn verify_full_refuses_a_wrong_ca_or_a_wrong_host_name_at_start_up_without_showing_the_password() {
    let Some(cluster) = tls_cluster() else { return };
    let files = cluster.tls.as_ref().unwrap();
    let (ca, other_ca) = (files.ca.display(), files.other_ca.display());
    let with_password = |url: String| url.replacen("postgres@", "postgres:s3cret-pw@", 1);

    let wrong_ca = with_password(cluster.url_for(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={other_ca}"),
    ));
    let error = start(&wrong_ca)
        .err()
        .expect("a server certificate from another CA is refused");
    eprintln!("wrong CA: {error}");
    assert!(
        error.contains("sslmode=verify-full") && error.contains("UnknownIssuer"),
        "the error says the certificate's issuer is unknown: {error}"
    );
    assert!(
        !error.contains("s3cret-pw"),
        "the password is shown: {error}"
    );
    assert!(error.contains("postgres:[redacted]@localhost"), "{error}");

    let wrong_name = with_password(cluster.url_for(
        "db.example.test",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ));
    let error = start(&wrong_name)
        .err()
        .expect("a certificate for another host name is refused");
    eprintln!("wrong host name: {error}");
    assert!(
        error.contains("certificate not valid for name \"db.example.test\"")
            || error.contains("NotValidForName"),
        "the error says the name does not match ({}): {error}",
        files.server_names
    );
    assert!(
        !error.contains("s3cret-pw"),
        "the password is shown: {error}"
    );

    // require with sslrootcert is libpq's verify-ca: the chain is checked, the name is not.
    let verify_ca = cluster.url_for(
        "db.example.test",
        &format!("sslmode=require&sslrootcert={ca}"),
    );
    let app = start(&verify_ca).unwrap_or_else(|e| panic!("require with the right CA: {e}"));
    app.get("/readyz").assert_status(200);
    drop(app);
    let wrong_chain = cluster.url_for(
        "localhost",
        &format!("sslmode=require&sslrootcert={other_ca}"),
    );
    let error = start(&wrong_chain)
        .err()
        .expect("require with sslrootcert checks the chain");
    assert!(error.contains("UnknownIssuer"), "{error}");
}

#[test]
fn require_and_prefer_need_no_ca_and_disable_is_refused_by_a_tls_only_server() {
    let Some(cluster) = tls_cluster() else { return };

    // Unverified TLS, as libpq: any host name, no root certificate.
    let app = start(&cluster.url_for("db.example.test", "sslmode=require"))
        .unwrap_or_else(|e| panic!("require without a CA: {e}"));
    log_a_trip_and_read_the_summary(&app, "require-week");
    drop(app);
    let app = start(&cluster.url("sslmode=prefer")).unwrap_or_else(|e| panic!("prefer: {e}"));
    app.get("/readyz").assert_status(200);
    let (encrypted, plain) = encrypted_connections(&cluster);
    assert!(
        encrypted > 0 && plain == 0,
        "prefer uses the TLS the server offers"
    );
    drop(app);

    let error = start(&cluster.url("sslmode=disable"))
        .err()
        .expect("a TLS-only server refuses a plain connection");
    eprintln!("disable: {error}");
    assert!(
        error.contains("sslmode=disable") && error.contains("no encryption"),
        "the error says the server wants TLS (pg_hba.conf): {error}"
    );
}
