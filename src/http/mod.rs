//! The HTTP layer: routes (one module per resource, registered once), middleware and
//! extractors. Handlers extract, convert into service inputs, call the service and respond;
//! nothing below this layer imports it.

pub mod answer_block;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod problems;
pub mod routes;
pub mod transport;

use std::sync::Arc;

use actix_web::dev::HttpServiceFactory;
use actix_web::{web, FromRequest, Handler, HttpRequest, Responder};
use utoipa_actix_web::OpenApiFactory;

use crate::service::Service;
use error::ApiError;
use routes::{Access, Routes};

/// OpenAPI tag of the estimate operations.
pub const TAG_ESTIMATES: &str = "Estimates";
/// OpenAPI tag of the factor-set operations.
pub const TAG_FACTORS: &str = "Factor sets";
/// OpenAPI tag of campaign administration.
pub const TAG_CAMPAIGNS: &str = "Campaigns";
/// OpenAPI tag of organizations and their keys.
pub const TAG_ORGANIZATIONS: &str = "Organizations";
/// OpenAPI tag of invites and joining.
pub const TAG_PARTICIPANTS: &str = "Participants";
/// OpenAPI tag of the caller's own identity.
pub const TAG_ME: &str = "Me";
/// OpenAPI tag of organizers and their keys.
pub const TAG_ORGANIZERS: &str = "Organizers";
/// OpenAPI tag of the audit trail.
pub const TAG_AUDIT: &str = "Audit";
/// OpenAPI tag of the network's totals.
pub const TAG_NETWORK: &str = "Network";
/// OpenAPI tag of trip logging.
pub const TAG_TRIPS: &str = "Trips";
/// OpenAPI tag of campaign results.
pub const TAG_RESULTS: &str = "Results";
/// OpenAPI tag of health, readiness and metrics.
pub const TAG_OPERATIONS: &str = "Operations";

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The service.
    pub service: Arc<Service>,
    /// Writes estimate answers (the catalogue's sets prepared once).
    pub estimate_writer: Arc<routes::estimate_json::EstimateWriter>,
    /// Limits kept per client address.
    pub clients: Arc<extract::client::ClientLimits>,
}

/// Registers the route list into actix.
struct Router<'a>(&'a mut web::ServiceConfig);

impl Routes for Router<'_> {
    fn operation<F>(&mut self, _: Access, operation: F)
    where
        F: HttpServiceFactory + OpenApiFactory + 'static,
    {
        self.0.service(operation);
    }

    fn page<H, Args>(&mut self, _: Access, path: &'static str, handler: H)
    where
        H: Handler<Args>,
        Args: FromRequest + 'static,
        H::Output: Responder + 'static,
    {
        self.0
            .service(web::resource(path).route(routes::read().to(handler)));
    }
}

/// Registers every route of the service, Swagger UI, and the answer for anything else.
pub fn configure(cfg: &mut web::ServiceConfig) {
    routes::register(&mut Router(cfg));
    cfg.service(routes::docs::swagger_ui())
        .default_service(web::to(unrouted));
}

/// The answer for a request no route takes: 405 with `Allow` when the path exists with other
/// methods, else 404.
async fn unrouted(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(match routes::policy::POLICY.allowed(req.path()) {
        Some(allow) => ApiError::MethodNotAllowed { allow },
        None => ApiError::not_found(format!(
            "no resource at {}; the API is described at /api-docs/openapi.json",
            crate::domain::mode::truncate_for_message(req.path())
        )),
    })
}
