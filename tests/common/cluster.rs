//! A private PostgreSQL 15 cluster for one test: `initdb` into a temporary folder, started with
//! `pg_ctl` as the `postgres` user on a free port of 127.0.0.1, with its socket in the same
//! folder; optionally with TLS (a CA and a server certificate made with the `openssl` command,
//! `ssl=on`, and a pg_hba.conf that accepts TLS connections only). Tests stop, kill and start it
//! again; dropping it stops it (`-m immediate`) and removes the folder. It never touches the
//! shared cluster on port 5432.
//!
//! [`Cluster::start`] answers `Err(reason)` where this machine cannot run one (not root, no
//! PostgreSQL server package, no `openssl`); the tests print the reason and skip.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// What the cluster offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Plain TCP (`host` lines, trust).
    Plain,
    /// TLS only (`hostssl` lines, trust): a client without TLS is refused.
    TlsOnly,
}

/// The TLS files of a cluster started with [`Transport::TlsOnly`].
pub struct TlsFiles {
    /// The CA that signed the server's certificate (PEM).
    pub ca: PathBuf,
    /// Another CA, which signed nothing the server shows (PEM).
    pub other_ca: PathBuf,
    /// The names in the server certificate's subjectAltName.
    pub server_names: &'static str,
}

/// A running (or stopped) private cluster.
pub struct Cluster {
    folder: tempfile::TempDir,
    bindir: PathBuf,
    /// The TCP port on 127.0.0.1.
    pub port: u16,
    /// Present when the cluster speaks TLS.
    pub tls: Option<TlsFiles>,
    running: bool,
}

impl Cluster {
    /// Creates and starts a cluster; `Err` says why this machine cannot.
    pub fn start(transport: Transport) -> Result<Self, String> {
        if !is_root() {
            return Err("a private PostgreSQL cluster needs root (to run it as `postgres`)".into());
        }
        let bindir = bindir()?;
        let folder = tempfile::Builder::new()
            .prefix("gc-cluster-")
            .tempdir()
            .map_err(|e| format!("a temporary folder: {e}"))?;
        let data = folder.path().join("data");
        let tls = match transport {
            Transport::Plain => None,
            Transport::TlsOnly => Some(make_certificates(folder.path())?),
        };
        chown_postgres(folder.path())?;
        let initdb = as_postgres(
            &bindir.join("initdb"),
            &[
                "-D",
                path_str(&data),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "--encoding=UTF8",
                "--locale=C",
            ],
        )?;
        if !initdb.status.success() {
            return Err(format!("initdb failed: {}", output_text(&initdb)));
        }
        let port = free_port();
        let socket_dir = folder.path();
        // fsync off: the tests stop PostgreSQL, never the machine, so what was written reaches
        // the files anyway. synchronous_commit stays on: an acknowledged commit is in the WAL.
        let mut conf = format!(
            "\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             fsync = off\nfull_page_writes = off\n\
             shared_buffers = 16MB\nmax_connections = 60\nlogging_collector = off\n",
            socket_dir.display()
        );
        let mut hba = String::from("local all all trust\n");
        match &tls {
            None => hba.push_str("host all all 127.0.0.1/32 trust\n"),
            Some(_) => {
                conf.push_str(&format!(
                    "ssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'\n",
                    folder.path().join("server.crt").display(),
                    folder.path().join("server.key").display()
                ));
                hba.push_str("hostssl all all 127.0.0.1/32 trust\n");
            }
        }
        append(&data.join("postgresql.conf"), &conf)?;
        std::fs::write(data.join("pg_hba.conf"), hba).map_err(|e| format!("pg_hba.conf: {e}"))?;
        let mut cluster = Self {
            folder,
            bindir,
            port,
            tls,
            running: false,
        };
        cluster.start_again()?;
        Ok(cluster)
    }

    /// Starts the stopped cluster and waits until it accepts connections.
    pub fn start_again(&mut self) -> Result<(), String> {
        let log = self.folder.path().join("postgres.log");
        let started = self.pg_ctl(&["start", "-w", "-t", "30", "-l", path_str(&log)])?;
        if !started.status.success() {
            return Err(format!(
                "pg_ctl start failed: {}\n{}",
                output_text(&started),
                std::fs::read_to_string(&log).unwrap_or_default()
            ));
        }
        self.running = true;
        Ok(())
    }

    /// Stops the cluster: `fast` (clients are disconnected, a clean shutdown) or `immediate`
    /// (every server process quits at once; recovery runs at the next start).
    pub fn stop(&mut self, mode: &str) {
        let stopped = self
            .pg_ctl(&["stop", "-w", "-t", "30", "-m", mode])
            .expect("pg_ctl runs");
        assert!(
            stopped.status.success(),
            "pg_ctl stop -m {mode}: {}",
            output_text(&stopped)
        );
        self.running = false;
    }

    /// Stops (`fast`) and starts again.
    pub fn restart(&mut self) {
        self.stop("fast");
        self.start_again().expect("the cluster starts again");
    }

    /// A `postgres://` URL of database `postgres` as user `postgres`, with `query` appended
    /// (e.g. `sslmode=disable`) when not empty.
    pub fn url(&self, query: &str) -> String {
        self.url_for("127.0.0.1", query)
    }

    /// Like [`Cluster::url`] with another host name, still connecting to 127.0.0.1
    /// (`hostaddr`), so that TLS checks the certificate against `host`.
    pub fn url_for(&self, host: &str, query: &str) -> String {
        let mut url = format!("postgres://postgres@{host}:{}/postgres", self.port);
        let mut parameters = Vec::new();
        if host != "127.0.0.1" {
            parameters.push("hostaddr=127.0.0.1".to_owned());
        }
        if !query.is_empty() {
            parameters.push(query.to_owned());
        }
        if !parameters.is_empty() {
            url.push('?');
            url.push_str(&parameters.join("&"));
        }
        url
    }

    /// Runs SQL with `psql` over the cluster's socket (no TLS involved); its output.
    pub fn psql(&self, sql: &str) -> String {
        let output = as_postgres(
            &self.bindir.join("psql"),
            &[
                "-h",
                path_str(self.folder.path()),
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ],
        )
        .expect("psql runs");
        assert!(output.status.success(), "psql: {}", output_text(&output));
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    fn pg_ctl(&self, args: &[&str]) -> Result<Output, String> {
        let data = self.folder.path().join("data");
        let mut all = vec!["-D", path_str(&data)];
        all.extend_from_slice(args);
        as_postgres(&self.bindir.join("pg_ctl"), &all)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.running {
            let _ = self.pg_ctl(&["stop", "-w", "-t", "30", "-m", "immediate"]);
        }
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The PostgreSQL server's programs: `pg_config --bindir` (they are not on PATH).
fn bindir() -> Result<PathBuf, String> {
    let output = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .map_err(|e| format!("pg_config: {e} (is PostgreSQL installed?)"))?;
    let bindir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if bindir.join("initdb").is_file() && bindir.join("pg_ctl").is_file() {
        Ok(bindir)
    } else {
        Err(format!(
            "no initdb and pg_ctl in {} (the PostgreSQL server package is missing)",
            bindir.display()
        ))
    }
}

fn as_postgres(program: &Path, args: &[&str]) -> Result<Output, String> {
    Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(program)
        .args(args)
        // The cluster folder is the working directory of nothing: run from one postgres may read.
        .current_dir("/")
        .output()
        .map_err(|e| format!("runuser {}: {e}", program.display()))
}

fn chown_postgres(folder: &Path) -> Result<(), String> {
    let done = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(folder)
        .output()
        .map_err(|e| format!("chown: {e}"))?;
    if done.status.success() {
        Ok(())
    } else {
        Err(format!("chown: {}", output_text(&done)))
    }
}

/// A CA, a server certificate it signed for `localhost` and 127.0.0.1, and an unrelated CA.
fn make_certificates(folder: &Path) -> Result<TlsFiles, String> {
    const SERVER_NAMES: &str = "DNS:localhost,IP:127.0.0.1";
    let openssl = |args: &[&str]| -> Result<(), String> {
        let output = Command::new("openssl")
            .args(args)
            .current_dir(folder)
            .output()
            .map_err(|e| format!("openssl: {e} (is it installed?)"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "openssl {}: {}",
                args.join(" "),
                output_text(&output)
            ))
        }
    };
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
    for (name, subject) in [
        ("ca", "/CN=Green Commute test CA"),
        ("other-ca", "/CN=Another CA"),
    ] {
        let (key, crt) = (format!("{name}.key"), format!("{name}.crt"));
        let mut args = vec!["req", "-x509", "-nodes", "-days", "2", "-subj", subject];
        args.extend_from_slice(&ec);
        args.extend_from_slice(&["-keyout", &key, "-out", &crt]);
        openssl(&args)?;
    }
    let mut args = vec![
        "req",
        "-new",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ];
    args.extend_from_slice(&ec);
    openssl(&args)?;
    std::fs::write(
        folder.join("server.ext"),
        format!(
            "subjectAltName={SERVER_NAMES}\nbasicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        ),
    )
    .map_err(|e| format!("server.ext: {e}"))?;
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.crt",
    ])?;
    // PostgreSQL refuses a key that others may read.
    std::fs::set_permissions(
        folder.join("server.key"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .map_err(|e| format!("server.key: {e}"))?;
    Ok(TlsFiles {
        ca: folder.join("ca.crt"),
        other_ca: folder.join("other-ca.crt"),
        server_names: SERVER_NAMES,
    })
}

fn append(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().unwrap().port()
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

fn output_text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Waits up to `limit` for `ready`, polling every 50 ms; whether it came.
pub fn wait_for(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if ready() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    ready()
}
