//! The real `green-commute` binary as a child process on a database and a free port, for tests
//! that stop, kill and restart the service; and a client that survives the server's death.
//!
//! The binary is the one cargo builds for integration tests (the debug build under `cargo test`).
//! Set `GREEN_COMMUTE_BIN` to run another build, e.g. the release binary in CI or a benchmark:
//!
//! ```text
//! cargo build --release
//! GREEN_COMMUTE_BIN=$PWD/target/release/green-commute cargo test --test crash --test restart
//! ```

use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::app::{Response, ADMIN_TOKEN};

/// The binary under test: `GREEN_COMMUTE_BIN`, else the one cargo built for this test run.
pub fn binary() -> PathBuf {
    std::env::var_os("GREEN_COMMUTE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_green-commute")))
}

/// A port that was free a moment ago: bound to port 0, read and released, so that the child can
/// be told which port to listen on (`--bind 127.0.0.1:0` would hide the port from this process).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().unwrap().port()
}

/// A running `green-commute serve`; killed when dropped.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub address: String,
    /// Where the child's standard output and error go.
    pub log: PathBuf,
}

impl Server {
    /// Starts the binary on `database_url` and waits until `/readyz` answers 200; its output goes
    /// to a file in `logs`. Retries on another port if the chosen one was taken in the meantime.
    pub fn start(database_url: &str, logs: &Path) -> Self {
        Self::start_with(database_url, logs, &[])
    }

    /// Like [`Server::start`], with more arguments for `serve` (e.g. `--write-rate 0`).
    pub fn start_with(database_url: &str, logs: &Path, extra: &[&str]) -> Self {
        let mut last_failure = String::new();
        for _ in 0..5 {
            let port = free_port();
            let address = format!("127.0.0.1:{port}");
            let log = logs.join(format!("server-{port}.log"));
            let out = File::create(&log).expect("a log file");
            let child = Command::new(binary())
                .arg("serve")
                .args(["--bind", &address])
                .args(["--database-url", database_url])
                .args(["--admin-token", ADMIN_TOKEN])
                .args(["--workers", "2"])
                .args(extra)
                .env("RUST_LOG", "warn")
                .stdin(Stdio::null())
                .stdout(out.try_clone().unwrap())
                .stderr(out)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary().display()));
            let mut server = Self {
                child,
                address,
                log,
            };
            match server.wait_until_ready(Duration::from_secs(60)) {
                Ok(()) => return server,
                Err(failure) => last_failure = failure,
            }
        }
        panic!("the server did not start: {last_failure}");
    }

    fn wait_until_ready(&mut self, timeout: Duration) -> Result<(), String> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Err(format!("exited with {status}: {}", self.log_text()));
            }
            if let Some((200, _)) = try_send(&self.address, "GET", "/readyz", &[], b"") {
                return Ok(());
            }
            if started.elapsed() > timeout {
                return Err(format!("not ready after {timeout:?}: {}", self.log_text()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("the child is reaped");
    }

    /// SIGTERM, then waits for the graceful shutdown to end; the exit status.
    pub fn terminate(mut self) -> ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill(1) runs");
        assert!(sent.success(), "SIGTERM was not delivered");
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not stop within 60 s of SIGTERM: {}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the child printed so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One HTTP/1.1 exchange that reports failure instead of panicking: `None` when the connection
/// is refused or breaks, or the response is incomplete (as when the server is killed mid-request).
/// Otherwise the status and the body (responses must carry `Content-Length`).
pub fn try_send(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<(u16, Vec<u8>)> {
    try_exchange(address, method, path, headers, body).map(|r| (r.status, r.body))
}

/// Like [`try_send`], with the response's headers.
pub fn try_exchange(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<Response> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .ok()?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = head
        .split("\r\n")
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse().ok())?;
    let body = raw[split + 4..].to_vec();
    (body.len() == length).then_some(Response {
        status,
        headers,
        body,
    })
}
