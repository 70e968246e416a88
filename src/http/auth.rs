//! Who is calling: the admin (token from configuration), an organization (key issued by the
//! admin, stored as a hash), or nobody.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::AppState;

/// Prefix of every organization key, so that leaked keys are recognisable.
pub const KEY_PREFIX: &str = "gck_";

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No credentials.
    Anonymous,
    /// The admin token.
    Admin,
    /// An organization key.
    Organization {
        /// The organization.
        organization_id: String,
        /// The key used.
        key_id: String,
    },
}

impl Caller {
    /// Admin only: 401 without credentials, 403 with an organization key.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self {
            Self::Admin => Ok(()),
            Self::Anonymous => Err(unauthenticated()),
            Self::Organization { .. } => Err(ApiError::Forbidden(
                "this operation needs the admin token; organization keys cannot use it".into(),
            )),
        }
    }

    /// An organization key: 401 without credentials, 403 for the admin token.
    pub fn require_organization(&self) -> Result<&str, ApiError> {
        match self {
            Self::Organization {
                organization_id, ..
            } => Ok(organization_id),
            Self::Anonymous => Err(unauthenticated()),
            Self::Admin => Err(ApiError::Forbidden(
                "trips are logged with an organization key, not the admin token".into(),
            )),
        }
    }

    /// The key's bucket for trip writes (the admin is not limited): 429 when it is empty.
    pub fn limit_writes(&self, state: &AppState) -> Result<(), ApiError> {
        match self {
            Self::Organization { key_id, .. } => state.write_limits.check(key_id),
            _ => Ok(()),
        }
    }

    /// Admin or organization: 401 without credentials.
    pub fn require_any(&self) -> Result<(), ApiError> {
        match self {
            Self::Anonymous => Err(unauthenticated()),
            _ => Ok(()),
        }
    }

    /// The organization, for an organization key.
    pub fn organization_id(&self) -> Option<&str> {
        match self {
            Self::Organization {
                organization_id, ..
            } => Some(organization_id),
            _ => None,
        }
    }
}

fn unauthenticated() -> ApiError {
    ApiError::Unauthorized(
        "this operation needs `Authorization: Bearer <token>` with the admin token or an organization key".into(),
    )
}

/// SHA-256 of a key, hex: the only form in which keys are stored.
pub fn hash_key(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares secrets in time independent of where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Random hex of `bytes` bytes from the operating system.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    getrandom::getrandom(&mut buffer).expect("the operating system provides randomness");
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let authorization = req
            .headers()
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().map(str::to_owned));
        Box::pin(async move {
            let Some(authorization) = authorization else {
                return Ok(Caller::Anonymous);
            };
            let invalid = || {
                ApiError::Unauthorized(
                    "the bearer token is not the admin token or a valid organization key (revoked keys stop working at once)"
                        .into(),
                )
            };
            let authorization = authorization.map_err(|_| invalid())?;
            let token = match authorization.split_once(' ') {
                Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
                _ => {
                    return Err(ApiError::Unauthorized(
                        "use `Authorization: Bearer <token>`".into(),
                    ))
                }
            };
            let state = state.ok_or_else(invalid)?;
            if constant_time_eq(token.as_bytes(), state.admin_token.as_bytes()) {
                return Ok(Caller::Admin);
            }
            if !token.starts_with(KEY_PREFIX) {
                return Err(invalid());
            }
            match state.store.find_key(&hash_key(token)).await? {
                Some(owner) => Ok(Caller::Organization {
                    organization_id: owner.organization_id,
                    key_id: owner.key_id,
                }),
                None => Err(invalid()),
            }
        })
    }
}
