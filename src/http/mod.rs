//! The HTTP layer: extract → convert to domain types → call → respond. One module per resource.

pub mod body;
pub mod cors;
pub mod error;
pub mod estimate;
pub mod factor_sets;
pub mod observe;
pub mod openapi;
pub mod ops;
pub mod wire;

use std::sync::Arc;

use actix_web::{web, HttpRequest};

use crate::factors::Catalogue;

use error::ApiError;

/// OpenAPI tag of the estimate operations.
pub const TAG_ESTIMATES: &str = "Estimates";
/// OpenAPI tag of the factor-set operations.
pub const TAG_FACTORS: &str = "Factor sets";
/// OpenAPI tag of health, readiness and metrics.
pub const TAG_OPERATIONS: &str = "Operations";

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Factor sets on offer.
    pub catalogue: Arc<Catalogue>,
}

/// Registers every route of the API.
pub fn configure(cfg: &mut web::ServiceConfig) {
    estimate::configure(cfg);
    factor_sets::configure(cfg);
    ops::configure(cfg);
    openapi::configure(cfg);
}

/// A handler answering 405 with the methods a path does take.
pub fn method_not_allowed(
    allow: &'static str,
) -> impl Fn() -> std::future::Ready<Result<actix_web::HttpResponse, ApiError>> + Clone + 'static {
    move || std::future::ready(Err(ApiError::MethodNotAllowed { allow }))
}

/// The answer for any path this service does not have.
pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "no resource at {}; the API is described at /api-docs/openapi.json",
        crate::domain::mode::truncate_for_message(req.path())
    )))
}
