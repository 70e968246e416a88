//! Wires factors, store and HTTP into a running server. Tests start the same application on port 0.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};

use crate::config::ServeConfig;
use crate::factors::Catalogue;
use crate::http::body::BodyLimit;
use crate::http::{self, AppState};
use crate::store::Store;

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
}

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// Factor sets failed to load.
    #[error("factor sets: {0}")]
    Factors(#[from] crate::factors::CatalogueError),
    /// The store could not be opened.
    #[error("store: {0}")]
    Store(#[from] crate::store::OpenError),
    /// The address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// The bundled factor sets, plus or overridden by those of the configured folder.
pub fn load_catalogue(config: &ServeConfig) -> Result<Catalogue, StartupError> {
    Ok(match &config.factors_dir {
        Some(dir) => Catalogue::bundled_and_dir(dir)?,
        None => Catalogue::bundled()?,
    })
}

impl Application {
    /// Loads everything and binds the listener.
    pub fn build(config: ServeConfig) -> Result<Self, StartupError> {
        let catalogue = load_catalogue(&config)?;
        let store = Store::open(&config.database_url)?;
        let admin_token: Arc<str> = match &config.admin_token {
            Some(token) if !token.trim().is_empty() => token.trim().into(),
            _ => {
                let token = crate::http::auth::random_hex(24);
                // Printed once, on standard output and never through the logs.
                println!("No admin token configured; generated one for this run: {token}");
                token.into()
            }
        };
        let state = AppState {
            estimate_writer: Arc::new(crate::http::estimate_json::EstimateWriter::new(&catalogue)),
            catalogue: Arc::new(catalogue),
            store,
            admin_token,
            snapshots: Default::default(),
            write_limits: Arc::new(crate::http::rate_limit::RateLimiter::new(
                config.write_rate,
                config.write_burst,
            )),
        };
        let listener = TcpListener::bind(config.bind).map_err(|source| StartupError::Bind {
            address: config.bind,
            source,
        })?;
        let port = listener.local_addr().map_err(|source| StartupError::Bind {
            address: config.bind,
            source,
        })?;
        let cors_origins = http::cors::CorsOrigins(Arc::new(config.cors_origins.clone()));
        let body_limit = config.body_limit;
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(state.clone()))
                .app_data(web::PayloadConfig::new(body_limit))
                .app_data(BodyLimit(body_limit))
                .app_data(web::Data::new(cors_origins.clone()))
                .wrap(from_fn(http::observe::observe))
                .configure(http::configure)
                .default_service(web::to(http::not_found))
        })
        .shutdown_timeout(30);
        if let Some(workers) = config.workers {
            server = server.workers(workers);
        }
        let server = server
            .listen(listener)
            .map_err(|source| StartupError::Bind {
                address: config.bind,
                source,
            })?
            .run();
        Ok(Self {
            port: port.port(),
            server,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs until stopped (SIGINT/SIGTERM stop it gracefully, finishing requests in flight).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
