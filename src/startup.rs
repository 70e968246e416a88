//! Wires factors, store, service and HTTP into a running server. Tests start the same
//! application on port 0. The only module that knows every layer.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use std::future::ready;

use actix_http::HttpService;
use actix_service::{fn_service, map_config, IntoServiceFactory, ServiceFactoryExt};
use actix_web::dev::{AppConfig, Server};
use actix_web::rt::net::TcpStream;
use actix_web::{web, App};

use crate::config::{Cli, Command, ServeConfig};
use crate::factors::Catalogue;
use crate::http::extract::body::BodyRules;
use crate::http::extract::client::ClientLimits;
use crate::http::middleware::cors::cors;
use crate::http::middleware::observe::Observe;
use crate::http::routes::estimate_json::EstimateWriter;
use crate::http::transport::HeadDeadline;
use crate::http::{self, AppState};
use crate::service::{random_hex, RateLimiter, Service, ServiceOptions};
use crate::store::AnyStore;
use actix_web::http::header::HeaderName;

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
    /// The configured admin token is too short to guard the network.
    #[error("the admin token must be at least {MIN_ADMIN_TOKEN_CHARS} characters; leave it out to have one generated")]
    WeakAdminToken,
    /// The configured client-address header is not a header name.
    #[error("`{0}` is not an HTTP header name (--client-ip-header)")]
    BadHeaderName(String),
    /// The address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Does what the command line asks: print the OpenAPI spec, or serve (after seeding the demo
/// when asked) until stopped.
pub async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let mut config = match cli.command {
        Some(Command::Openapi) => {
            print!("{}", *crate::http::routes::docs::SPEC_JSON);
            return Ok(());
        }
        Some(Command::Serve(config)) => *config,
        None => cli.serve,
    };
    if config.demo {
        // The banner shows the admin token the server will accept, so it is fixed here.
        let generated = config
            .admin_token
            .as_deref()
            .is_none_or(|token| token.trim().is_empty());
        if generated {
            config.admin_token = Some(random_hex(24));
        }
        let store = AnyStore::open(&config.database_url)?;
        let service = service_on(store.clone(), &config, admin_token(&config)?)?;
        crate::demo::prepare(&config, &service, &store, generated).await?;
    }
    Ok(Application::build(config)?.run_until_stopped().await?)
}

/// The shortest admin token accepted: the token is the master key of the whole network.
pub const MIN_ADMIN_TOKEN_CHARS: usize = 16;

/// The admin token configured (refused when shorter than [`MIN_ADMIN_TOKEN_CHARS`]), or one
/// generated (and printed once) for this run.
pub fn admin_token(config: &ServeConfig) -> Result<Arc<str>, StartupError> {
    match config.admin_token.as_deref().map(str::trim) {
        Some(token) if !token.is_empty() => {
            if token.chars().count() < MIN_ADMIN_TOKEN_CHARS {
                return Err(StartupError::WeakAdminToken);
            }
            Ok(token.into())
        }
        _ => {
            let token = random_hex(24);
            // Printed once, on standard output and never through the logs.
            println!("No admin token configured; generated one for this run: {token}");
            Ok(token.into())
        }
    }
}

/// The service over the configured store and factor sets.
pub fn service(config: &ServeConfig, admin_token: Arc<str>) -> Result<Service, StartupError> {
    service_on(AnyStore::open(&config.database_url)?, config, admin_token)
}

/// The service over `store` and the configured factor sets.
pub fn service_on(
    store: AnyStore,
    config: &ServeConfig,
    admin_token: Arc<str>,
) -> Result<Service, StartupError> {
    let catalogue = Arc::new(load_catalogue(config)?);
    Ok(Service::new(
        store,
        catalogue,
        ServiceOptions {
            admin_token,
            write_rate: config.write_rate,
            write_burst: config.write_burst,
            join_code_rate: config.join_code_rate,
            join_code_burst: config.join_code_burst,
        },
    ))
}

/// The limits kept per client address, as configured.
fn client_limits(config: &ServeConfig) -> Result<ClientLimits, StartupError> {
    let address_header = config
        .client_ip_header
        .as_deref()
        .map(|name| {
            HeaderName::try_from(name).map_err(|_| StartupError::BadHeaderName(name.to_owned()))
        })
        .transpose()?;
    Ok(ClientLimits {
        estimates: RateLimiter::new(config.estimate_rate, config.estimate_burst),
        auth_failures: RateLimiter::new(config.auth_failure_rate, config.auth_failure_burst),
        joins: RateLimiter::new(config.join_rate, config.join_burst),
        address_header,
    })
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
        let service = Arc::new(service(&config, admin_token(&config)?)?);
        let state = AppState {
            estimate_writer: Arc::new(EstimateWriter::new(service.catalogue())),
            service,
            clients: Arc::new(client_limits(&config)?),
        };
        let listener = TcpListener::bind(config.bind).map_err(|source| StartupError::Bind {
            address: config.bind,
            source,
        })?;
        let port = listener.local_addr().map_err(|source| StartupError::Bind {
            address: config.bind,
            source,
        })?;
        let cors_origins = Arc::new(config.cors_origins.clone());
        let body_limit = config.body_limit;
        let body_timeout = Duration::from_secs(config.body_timeout_s.max(1));
        let request_timeout = Duration::from_secs(config.request_timeout_s.max(1));
        let keep_alive = Duration::from_secs(config.keep_alive_s);
        let mut builder = actix_server::Server::build().shutdown_timeout(30);
        if let Some(workers) = config.workers {
            builder = builder.workers(workers);
        }
        // What actix-web's HttpServer builds, with each connection wrapped so that every
        // request head has a deadline (see http::transport).
        let server = builder
            .listen("green-commute", listener, move || {
                let app = App::new()
                    .app_data(web::Data::new(state.clone()))
                    .app_data(BodyRules {
                        limit: body_limit,
                        timeout: body_timeout,
                    })
                    .wrap(Observe::new(cors(cors_origins.clone())))
                    .configure(http::configure)
                    .into_factory()
                    .map_err(|error| error.error_response());
                let http = HttpService::build()
                    .keep_alive(keep_alive)
                    .client_request_timeout(request_timeout)
                    .local_addr(port)
                    .h1(map_config(app, |_| AppConfig::default()));
                fn_service(move |io: TcpStream| {
                    let peer = io.peer_addr().ok();
                    // Small answers go out at once, as actix-web's own server sends them.
                    let _ = io.set_nodelay(true);
                    ready(Ok((HeadDeadline::new(io, request_timeout), peer)))
                })
                .and_then(http)
            })
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
