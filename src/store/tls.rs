//! TLS to PostgreSQL with rustls, set by libpq's `sslmode` and `sslrootcert` in the database URL.
//! tokio-postgres's own configuration knows only `disable`, `prefer` and `require` and refuses
//! `sslrootcert`, so [`PostgresTarget::parse`] takes both out of the URL (see
//! `DatabaseUrl::take_parameters`) and builds the connector here:
//!
//! | sslmode | encryption | certificate |
//! |---|---|---|
//! | `disable` | none | — |
//! | `prefer` (the default, as in libpq) | TLS when the server offers it, else plain | not checked |
//! | `require` | TLS | not checked; with `sslrootcert`, the chain is (libpq's verify-ca) |
//! | `verify-ca` | TLS | chain against `sslrootcert` (or the built-in roots) |
//! | `verify-full` | TLS | chain against `sslrootcert` (or the built-in roots) and host name |
//!
//! The built-in roots are Mozilla's (webpki-roots), compiled in. The crypto provider is `ring`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use std::future::Future;
use std::pin::Pin;

use deadpool_postgres::Connect;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio::task::JoinHandle;
use tokio_postgres::config::SslMode as DriverSslMode;
use tokio_postgres::{Client as PgClient, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::url::DatabaseUrl;

/// How long a connection attempt may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

const KNOWN_MODES: &str = "use disable, prefer, require, verify-ca or verify-full";

/// libpq's `sslmode` values this service understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<Self, String> {
        match value {
            "disable" => Ok(Self::Disable),
            "prefer" => Ok(Self::Prefer),
            "require" => Ok(Self::Require),
            "verify-ca" => Ok(Self::VerifyCa),
            "verify-full" => Ok(Self::VerifyFull),
            other => Err(format!("unknown sslmode `{other}`: {KNOWN_MODES}")),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        }
    }
}

/// A PostgreSQL URL taken apart: the driver's configuration and how to secure the connection.
pub struct PostgresTarget {
    /// Everything tokio-postgres understands, with its `sslmode` set to what it can do.
    pub config: tokio_postgres::Config,
    /// The connector for every connection: the migrations' and the pool's.
    pub connector: Connector,
}

impl PostgresTarget {
    /// Reads the URL; an error names what is wrong (never the password).
    pub fn parse(url: &DatabaseUrl) -> Result<Self, String> {
        let (rest, taken) = url.take_parameters(&["sslmode", "sslrootcert"]);
        let mut mode = SslMode::Prefer;
        let mut root_cert = None;
        for (key, value) in taken {
            match key.as_str() {
                "sslmode" => mode = SslMode::parse(&value)?,
                _ => root_cert = Some(PathBuf::from(value)).filter(|p| !p.as_os_str().is_empty()),
            }
        }
        let mut config: tokio_postgres::Config = rest
            .parse()
            .map_err(|e| format!("invalid PostgreSQL URL: {e}"))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.ssl_mode(match mode {
            SslMode::Disable => DriverSslMode::Disable,
            SslMode::Prefer => DriverSslMode::Prefer,
            _ => DriverSslMode::Require,
        });
        let check = match (mode, &root_cert) {
            (SslMode::Disable, _) => None,
            (SslMode::Prefer, _) | (SslMode::Require, None) => Some(Check::Nothing),
            (SslMode::Require | SslMode::VerifyCa, _) => Some(Check::Chain),
            (SslMode::VerifyFull, _) => Some(Check::ChainAndName),
        };
        let tls = check
            .map(|check| client_config(check, root_cert.as_ref()).map(MakeRustlsConnect::new))
            .transpose()?;
        Ok(Self {
            config,
            connector: Connector { tls, mode },
        })
    }
}

/// What is checked of the server's certificate.
#[derive(Clone, Copy)]
enum Check {
    Nothing,
    Chain,
    ChainAndName,
}

fn client_config(check: Check, root_cert: Option<&PathBuf>) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let verifier: Arc<dyn ServerCertVerifier> = match check {
        Check::Nothing => Arc::new(AnyCertificate(provider)),
        Check::Chain | Check::ChainAndName => {
            let roots = Arc::new(roots(root_cert)?);
            let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider)
                .build()
                .map_err(|e| format!("TLS: {e}"))?;
            match check {
                Check::Chain => Arc::new(ChainOnly(webpki)),
                _ => webpki,
            }
        }
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// The certificates of `sslrootcert` (PEM), or Mozilla's roots without one.
fn roots(root_cert: Option<&PathBuf>) -> Result<RootCertStore, String> {
    let Some(path) = root_cert else {
        return Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        });
    };
    let unreadable = |e: &dyn std::fmt::Display| format!("sslrootcert {}: {e}", path.display());
    let mut store = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))? {
        let cert = cert.map_err(|e| unreadable(&e))?;
        store.add(cert).map_err(|e| unreadable(&e))?;
    }
    if store.is_empty() {
        return Err(unreadable(&"no certificate in the file"));
    }
    Ok(store)
}

/// `prefer` and `require` without a root certificate, as libpq: encrypted, the server's
/// certificate taken as it is (its handshake signature is still checked).
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// verify-ca: the chain must lead to a trusted root; the host name is not compared (webpki
/// checks the name after the chain, so a name error means the chain was good).
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// Opens connections as the URL's `sslmode` says, for the migrations and the pool alike.
#[derive(Clone)]
pub struct Connector {
    /// `None` for `disable`.
    tls: Option<MakeRustlsConnect>,
    mode: SslMode,
}

impl Connector {
    /// Connects and drives the connection on a task of the current runtime. With `prefer`, a
    /// failed TLS handshake is tried again in plain text, as libpq does.
    pub async fn connect(&self, config: &tokio_postgres::Config) -> Connected {
        let Some(tls) = &self.tls else {
            return spawned(config.connect(NoTls).await?);
        };
        match config.connect(tls.clone()).await {
            Ok(connected) => spawned(connected),
            Err(error) if self.mode == SslMode::Prefer && is_tls_failure(&error) => {
                tracing::warn!(%error, "TLS failed with sslmode=prefer; connecting without it");
                let mut plain = config.clone();
                plain.ssl_mode(DriverSslMode::Disable);
                spawned(plain.connect(NoTls).await?)
            }
            Err(error) => Err(error),
        }
    }

    /// The `sslmode` in force, for messages.
    pub fn mode(&self) -> &'static str {
        self.mode.name()
    }
}

impl Connect for Connector {
    fn connect(
        &self,
        config: &tokio_postgres::Config,
    ) -> Pin<Box<dyn Future<Output = Connected> + Send + '_>> {
        let config = config.clone();
        Box::pin(async move { Connector::connect(self, &config).await })
    }
}

/// A connected client and the task that drives its connection.
type Connected = Result<(PgClient, JoinHandle<()>), tokio_postgres::Error>;

/// Runs the connection on its own task, as deadpool expects.
fn spawned<S>(
    (client, connection): (
        PgClient,
        tokio_postgres::Connection<tokio_postgres::Socket, S>,
    ),
) -> Connected
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let task = tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(%error, "a PostgreSQL connection ended");
        }
    });
    Ok((client, task))
}

/// Whether the connection failed in the TLS handshake (rustls reported it).
fn is_tls_failure(error: &tokio_postgres::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if cause.is::<rustls::Error>()
            || cause
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .is_some_and(|inner| inner.is::<rustls::Error>())
        {
            return true;
        }
        source = cause.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Result<PostgresTarget, String> {
        PostgresTarget::parse(&DatabaseUrl::new(url))
    }

    #[test]
    fn sslmode_and_sslrootcert_are_read_from_either_form() {
        let plain = target("postgres://u@h/db?sslmode=disable").unwrap();
        assert_eq!(plain.config.get_ssl_mode(), DriverSslMode::Disable);
        assert!(plain.connector.tls.is_none());

        let default = target("host=h dbname=db").unwrap();
        assert_eq!(default.connector.mode(), "prefer");
        assert_eq!(default.config.get_ssl_mode(), DriverSslMode::Prefer);
        assert_eq!(default.config.get_connect_timeout(), Some(&CONNECT_TIMEOUT));

        let full = target("host=h sslmode=verify-full dbname=db connect_timeout=2").unwrap();
        assert_eq!(full.config.get_ssl_mode(), DriverSslMode::Require);
        assert_eq!(full.connector.mode(), "verify-full");
        assert_eq!(
            full.config.get_connect_timeout(),
            Some(&Duration::from_secs(2))
        );
    }

    #[test]
    fn bad_tls_settings_are_named() {
        let error = target("postgres://u:pw@h/db?sslmode=verify-everything")
            .err()
            .unwrap();
        assert!(
            error.contains("unknown sslmode `verify-everything`"),
            "{error}"
        );
        let error =
            target("postgres://u:pw@h/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem")
                .err()
                .unwrap();
        assert!(
            error.starts_with("sslrootcert /nonexistent/ca.pem: "),
            "{error}"
        );
        assert!(!error.contains("pw"), "{error}");
    }
}
