//! The caller, from `Authorization: Bearer <token>`, authenticated by the service.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::http::error::ApiError;
use crate::http::AppState;
use crate::service::{Caller, ServiceError};

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        let client = match (&state, &token) {
            (Some(state), Ok(Some(_))) => state.clients.address(req),
            _ => String::new(),
        };
        Box::pin(async move {
            let Some(token) = token? else {
                return Ok(Caller::Anonymous);
            };
            let state = state
                .ok_or_else(|| ApiError::unauthorized("this service cannot check credentials"))?;
            // An address that keeps presenting wrong tokens is refused before its next token is
            // even checked, so that guessing one is slow.
            let failures = &state.clients.auth_failures;
            failures.ensure_available(&client)?;
            match state.service.authenticate(Some(&token)).await {
                Err(error @ ServiceError::Unauthorized(_)) => {
                    let _ = failures.check(&client);
                    Err(error.into())
                }
                other => Ok(other?),
            }
        })
    }
}

/// The bearer token of the request: `None` without an `Authorization` header, 401 for any
/// other scheme or a header that is not text.
fn bearer_token(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(authorization) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let unusable = || ApiError::unauthorized("use `Authorization: Bearer <token>`");
    let authorization = authorization.to_str().map_err(|_| {
        ApiError::unauthorized(
            "the bearer token is not the admin token, a valid organization key or a participant token (revoked keys and tokens stop working at once)",
        )
    })?;
    match authorization.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(unusable()),
    }
}
