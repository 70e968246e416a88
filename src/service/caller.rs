//! Who is calling and what they may do: the admin (token from configuration), an organization
//! (a key the admin issued, stored only as a hash), or anyone.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Service, ServiceError};
use crate::store::Store;

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
    pub fn require_admin(&self) -> Result<(), ServiceError> {
        match self {
            Self::Admin => Ok(()),
            Self::Anonymous => Err(unauthenticated()),
            Self::Organization { .. } => Err(ServiceError::Forbidden(
                "this operation needs the admin token; organization keys cannot use it".into(),
            )),
        }
    }

    /// Any credentials: 401 without.
    pub fn require_any(&self) -> Result<(), ServiceError> {
        match self {
            Self::Anonymous => Err(unauthenticated()),
            _ => Ok(()),
        }
    }

    /// Whether this is the admin.
    pub fn is_admin(&self) -> bool {
        *self == Self::Admin
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

/// The answer to a call without credentials that needs some.
pub fn unauthenticated() -> ServiceError {
    ServiceError::Unauthorized(
        "this operation needs `Authorization: Bearer <token>` with the admin token or an organization key".into(),
    )
}

/// SHA-256 of a key, hex: the only form in which keys are stored.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Random hex of `bytes` bytes from the operating system.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    getrandom::getrandom(&mut buffer).expect("the operating system provides randomness");
    hex::encode(buffer)
}

/// A new organization key: the prefix and 192 random bits.
pub fn new_key() -> String {
    format!("{KEY_PREFIX}{}", random_hex(24))
}

impl Service {
    /// The caller a bearer token stands for (`None`: no credentials). An unknown or revoked
    /// token is a 401, never a silent downgrade to anonymous.
    pub async fn authenticate(&self, token: Option<&str>) -> Result<Caller, ServiceError> {
        let Some(token) = token else {
            return Ok(Caller::Anonymous);
        };
        // Compared in time independent of where the two differ.
        if bool::from(token.as_bytes().ct_eq(self.admin_token.as_bytes())) {
            return Ok(Caller::Admin);
        }
        if !token.starts_with(KEY_PREFIX) {
            return Err(invalid_token());
        }
        match self.store.find_key(&hash_key(token)).await? {
            Some(owner) => Ok(Caller::Organization {
                organization_id: owner.organization_id,
                key_id: owner.key_id,
            }),
            None => Err(invalid_token()),
        }
    }
}

fn invalid_token() -> ServiceError {
    ServiceError::Unauthorized(
        "the bearer token is not the admin token or a valid organization key (revoked keys stop working at once)"
            .into(),
    )
}
