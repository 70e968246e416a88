//! Configuration from flags and the environment. Secrets are redacted in `Debug`.
//! Owns the settings and their defaults; reads nothing at run time.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::store::DatabaseUrl;

/// Largest accepted body by default: a 10,000-trip request with several legs fits.
pub const DEFAULT_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "green-commute",
    version,
    about = "Carbon calculator service for green-commuting campaigns"
)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Settings for serving when no subcommand is given.
    #[command(flatten)]
    pub serve: ServeConfig,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service.
    Serve(Box<ServeConfig>),
    /// Print the OpenAPI spec (the content of `openapi/openapi.json`).
    Openapi,
}

/// Settings of `green-commute serve`.
#[derive(Clone, clap::Args)]
pub struct ServeConfig {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "GREEN_COMMUTE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Store: `sqlite://PATH` (the embedded default) or `postgres://…`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/green-commute.db"
    )]
    pub database_url: DatabaseUrl,

    /// Token that authorizes admin operations; generated and printed once when absent.
    #[arg(long, env = "GREEN_COMMUTE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,

    /// Origin allowed to call authenticated endpoints from a browser (repeatable).
    #[arg(
        long = "cors-origin",
        env = "GREEN_COMMUTE_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,

    /// Folder of factor-set files that add to or override the bundled sets.
    #[arg(long, env = "GREEN_COMMUTE_FACTORS_DIR")]
    pub factors_dir: Option<PathBuf>,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "GREEN_COMMUTE_WORKERS")]
    pub workers: Option<usize>,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "GREEN_COMMUTE_BODY_LIMIT", default_value_t = DEFAULT_BODY_LIMIT)]
    pub body_limit: usize,

    /// Trip writes (logging, deleting) allowed per organization key per second, on average; 0 turns the limit off.
    #[arg(long, env = "GREEN_COMMUTE_WRITE_RATE", default_value_t = 50.0)]
    pub write_rate: f64,

    /// Trip writes one organization key may make at once before the average rate applies.
    #[arg(long, env = "GREEN_COMMUTE_WRITE_BURST", default_value_t = 200)]
    pub write_burst: u32,

    /// Estimates allowed per client address per second, on average; 0 (the default) turns the
    /// limit off.
    #[arg(long, env = "GREEN_COMMUTE_ESTIMATE_RATE", default_value_t = 0.0)]
    pub estimate_rate: f64,

    /// Estimates one client address may ask for at once before the average rate applies.
    #[arg(long, env = "GREEN_COMMUTE_ESTIMATE_BURST", default_value_t = 100)]
    pub estimate_burst: u32,

    /// Failed authentications allowed per client address per second, on average, before that
    /// address is answered 429 without its token being checked; 0 turns the limit off.
    #[arg(long, env = "GREEN_COMMUTE_AUTH_FAILURE_RATE", default_value_t = 0.5)]
    pub auth_failure_rate: f64,

    /// Failed authentications one client address may make at once.
    #[arg(long, env = "GREEN_COMMUTE_AUTH_FAILURE_BURST", default_value_t = 20)]
    pub auth_failure_burst: u32,

    /// Joins (`POST /v1/join/{code}`) allowed per client address per second, on average; 0 turns
    /// the limit off.
    #[arg(long, env = "GREEN_COMMUTE_JOIN_RATE", default_value_t = 0.5)]
    pub join_rate: f64,

    /// Joins one client address may make at once (a room of people on one network joining
    /// together).
    #[arg(long, env = "GREEN_COMMUTE_JOIN_BURST", default_value_t = 60)]
    pub join_burst: u32,

    /// Joins allowed per invite code per second, on average; 0 turns the limit off.
    #[arg(long, env = "GREEN_COMMUTE_JOIN_CODE_RATE", default_value_t = 2.0)]
    pub join_code_rate: f64,

    /// Joins one invite code may admit at once.
    #[arg(long, env = "GREEN_COMMUTE_JOIN_CODE_BURST", default_value_t = 300)]
    pub join_code_burst: u32,

    /// Header in which a trusted reverse proxy passes the client's address (e.g.
    /// `X-Forwarded-For`, whose last entry is taken); without it, the connection's peer address.
    #[arg(long, env = "GREEN_COMMUTE_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,

    /// Seconds a client may take to send a request's head (the first or the next on a kept-alive
    /// connection) before it is answered 408 and disconnected.
    #[arg(long, env = "GREEN_COMMUTE_REQUEST_TIMEOUT", default_value_t = 10)]
    pub request_timeout_s: u64,

    /// Seconds a client may take to send a request's body before it is answered 408.
    #[arg(long, env = "GREEN_COMMUTE_BODY_TIMEOUT", default_value_t = 30)]
    pub body_timeout_s: u64,

    /// Seconds an idle kept-alive connection stays open.
    #[arg(long, env = "GREEN_COMMUTE_KEEP_ALIVE", default_value_t = 5)]
    pub keep_alive_s: u64,

    /// Seed the demo campaign `beijing-green-week-2026` before serving (idempotent).
    #[arg(long, env = "GREEN_COMMUTE_DEMO", value_parser = clap::builder::FalseyValueParser::new())]
    pub demo: bool,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".parse().expect("a valid address"),
            database_url: DatabaseUrl::new("sqlite://data/green-commute.db"),
            admin_token: None,
            cors_origins: Vec::new(),
            factors_dir: None,
            workers: None,
            body_limit: DEFAULT_BODY_LIMIT,
            write_rate: 50.0,
            write_burst: 200,
            estimate_rate: 0.0,
            estimate_burst: 100,
            auth_failure_rate: 0.5,
            auth_failure_burst: 20,
            join_rate: 0.5,
            join_burst: 60,
            join_code_rate: 2.0,
            join_code_burst: 300,
            client_ip_header: None,
            request_timeout_s: 10,
            body_timeout_s: 30,
            keep_alive_s: 5,
            demo: false,
        }
    }
}

impl fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeConfig")
            .field("bind", &self.bind)
            .field("database_url", &self.database_url)
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "[redacted]"),
            )
            .field("cors_origins", &self.cors_origins)
            .field("factors_dir", &self.factors_dir)
            .field("workers", &self.workers)
            .field("body_limit", &self.body_limit)
            .field("write_rate", &self.write_rate)
            .field("write_burst", &self.write_burst)
            .field("estimate_rate", &self.estimate_rate)
            .field("estimate_burst", &self.estimate_burst)
            .field("auth_failure_rate", &self.auth_failure_rate)
            .field("auth_failure_burst", &self.auth_failure_burst)
            .field("join_rate", &self.join_rate)
            .field("join_burst", &self.join_burst)
            .field("join_code_rate", &self.join_code_rate)
            .field("join_code_burst", &self.join_code_burst)
            .field("client_ip_header", &self.client_ip_header)
            .field("request_timeout_s", &self.request_timeout_s)
            .field("body_timeout_s", &self.body_timeout_s)
            .field("keep_alive_s", &self.keep_alive_s)
            .field("demo", &self.demo)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_debug_output() {
        let config = ServeConfig {
            database_url: DatabaseUrl::new("postgres://app:s3cret@db:5432/gc"),
            admin_token: Some("topsecret".into()),
            ..ServeConfig::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(!shown.contains("topsecret"), "{shown}");
        assert!(
            shown.contains("postgres://app:[redacted]@db:5432/gc"),
            "{shown}"
        );
    }
}
