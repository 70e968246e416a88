//! Test harness: the real application on port 0 with its own database, and a tiny HTTP client
//! that can send anything (malformed bodies, odd media types) and reads raw responses.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::time::Duration;

use green_commute::config::ServeConfig;
use green_commute::startup::Application;
use serde_json::Value;

/// The admin token every test app is configured with.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

/// A running application and what a test needs to talk to it.
pub struct TestApp {
    /// `127.0.0.1:PORT`.
    pub address: String,
    /// The store the application uses (another application may share it).
    pub database_url: String,
    /// Keeps the database (a SQLite folder, or a PostgreSQL database) alive for the test.
    _database: TestDatabase,
}

/// Which backend the tests run against: `GREEN_COMMUTE_TEST_BACKEND=postgres` selects a fresh
/// PostgreSQL database per test on `GREEN_COMMUTE_TEST_POSTGRES` (default: the local server);
/// anything else, a fresh SQLite file.
pub fn backend_is_postgres() -> bool {
    std::env::var("GREEN_COMMUTE_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// A database made for one test and removed after it.
pub enum TestDatabase {
    /// A SQLite file in a temporary folder (removed with it).
    Sqlite { _folder: tempfile::TempDir },
    /// A PostgreSQL database, dropped (forcibly) at the end of the test.
    Postgres { server: String, name: String },
}

impl TestDatabase {
    /// Creates a database for the backend under test; returns it with its URL.
    pub fn create() -> (Self, String) {
        if !backend_is_postgres() {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            return (Self::Sqlite { _folder: dir }, url);
        }
        let server = std::env::var("GREEN_COMMUTE_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        let mut suffix = [0u8; 6];
        getrandom::getrandom(&mut suffix).unwrap();
        let name = format!(
            "gc_test_{}",
            suffix
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        admin_sql(&server, &format!("CREATE DATABASE {name}"));
        let url = format!("{server}/{name}");
        (Self::Postgres { server, name }, url)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Self::Postgres { server, name } = self {
            admin_sql(
                server,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}

/// Runs one statement on the server's `postgres` database.
fn admin_sql(server: &str, sql: &str) {
    let url = format!("{server}/postgres");
    let sql = sql.to_owned();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {url}: {e}"));
            let driver = tokio::spawn(connection);
            client.batch_execute(&sql).await.unwrap();
            drop(client);
            let _ = driver.await;
        })
    })
    .join()
    .unwrap();
}

/// A response as received.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The body as JSON (panics with the body text otherwise).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// First header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn assert_status(&self, expected: u16) -> &Self {
        assert_eq!(
            self.status,
            expected,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }

    /// Asserts an RFC 9457 problem with that status and returns it.
    #[track_caller]
    pub fn problem(&self, expected: u16) -> Value {
        self.assert_status(expected);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "problem responses are application/problem+json; body: {}",
            self.text()
        );
        let problem = self.json();
        assert_eq!(problem["status"], expected);
        assert!(problem["title"].is_string() && problem["type"].is_string());
        assert!(problem["detail"].is_string() && problem["errors"].is_array());
        problem
    }
}

impl AsRef<str> for TestApp {
    fn as_ref(&self) -> &str {
        &self.address
    }
}

impl TestApp {
    /// Starts the application on the embedded store in a fresh folder.
    pub fn spawn() -> Self {
        Self::spawn_with(|_| {})
    }

    /// Starts the application after `adjust` has changed its configuration.
    pub fn spawn_with(adjust: impl FnOnce(&mut ServeConfig)) -> Self {
        Self::try_spawn_with(adjust).expect("the application builds")
    }

    /// Like [`TestApp::spawn_with`], with the start-up error as text when the application does
    /// not build (as the binary would print it).
    pub fn try_spawn_with(adjust: impl FnOnce(&mut ServeConfig)) -> Result<Self, String> {
        let (database, database_url) = TestDatabase::create();
        let mut config = ServeConfig {
            bind: "127.0.0.1:0".parse().unwrap(),
            database_url: database_url.as_str().parse().expect("any URL"),
            admin_token: Some(ADMIN_TOKEN.into()),
            workers: Some(1),
            ..ServeConfig::default()
        };
        adjust(&mut config);
        let database_url = config.database_url.expose().to_owned();
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                match Application::build(config) {
                    Ok(app) => {
                        sender.send(Ok(app.port())).unwrap();
                        let _ = app.run_until_stopped().await;
                    }
                    Err(error) => sender.send(Err(error.to_string())).unwrap(),
                }
            })
        });
        let port = receiver
            .recv_timeout(Duration::from_secs(30))
            .expect("the application starts or fails")?;
        Ok(Self {
            address: format!("127.0.0.1:{port}"),
            database_url,
            _database: database,
        })
    }

    /// Sends a request with any method, headers and body.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        send(&self.address, method, path, headers, body)
    }

    /// GET without credentials.
    pub fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[], b"")
    }

    /// GET with a bearer token.
    pub fn get_as(&self, token: &str, path: &str) -> Response {
        let auth = format!("Bearer {token}");
        self.request("GET", path, &[("Authorization", &auth)], b"")
    }

    /// POST JSON without credentials.
    pub fn post_json(&self, path: &str, body: &Value) -> Response {
        let body = serde_json::to_vec(body).unwrap();
        self.request("POST", path, &[("Content-Type", "application/json")], &body)
    }

    /// Any method with a JSON body and a bearer token.
    pub fn send_json_as(&self, token: &str, method: &str, path: &str, body: &Value) -> Response {
        send_json_as(&self.address, token, method, path, body)
    }

    /// POST JSON with a bearer token.
    pub fn post_json_as(&self, token: &str, path: &str, body: &Value) -> Response {
        self.send_json_as(token, "POST", path, body)
    }

    /// POST /v1/estimate.
    pub fn estimate(&self, body: &Value) -> Response {
        self.post_json("/v1/estimate", body)
    }
}

/// Any method with a JSON body and a bearer token, to the service at `address`.
pub fn send_json_as(
    address: &str,
    token: &str,
    method: &str,
    path: &str,
    body: &Value,
) -> Response {
    let body = serde_json::to_vec(body).unwrap();
    let auth = format!("Bearer {token}");
    send(
        address,
        method,
        path,
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &auth),
        ],
        &body,
    )
}

/// One HTTP/1.1 exchange on a fresh connection.
pub fn send(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut stream = TcpStream::connect(address).expect("connect to the test app");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the response");
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Response {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..end]);
        let size =
            usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
}
