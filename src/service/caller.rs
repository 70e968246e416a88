//! Who is calling and what they may do: the admin (token from configuration), an organization
//! (a key the admin issued), a participant (a token they got by joining with an invite), or
//! anyone. Keys and tokens are stored only as hashes.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Service, ServiceError};
use crate::store::Store;

/// Prefix of every organization key, so that leaked keys are recognisable.
pub const KEY_PREFIX: &str = "gck_";

/// Prefix of every participant token.
pub const PARTICIPANT_TOKEN_PREFIX: &str = "gcp_";

/// Prefix of every organizer key.
pub const ORGANIZER_KEY_PREFIX: &str = "gco_";

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No credentials.
    Anonymous,
    /// The admin token.
    Admin,
    /// An organizer key: a partner running its own campaigns.
    Organizer {
        /// The organizer.
        organizer_id: String,
        /// The key used.
        key_id: String,
    },
    /// An organization key.
    Organization {
        /// The organization.
        organization_id: String,
        /// The key used.
        key_id: String,
    },
    /// A participant's own token: one member of one organization in one campaign.
    Participant {
        /// The participant id (`p-…`), the `participant` of their trips.
        participant_id: String,
        /// Their organization.
        organization_id: String,
        /// Their campaign.
        campaign_id: String,
        /// The nickname only they see.
        nickname: Option<String>,
        /// When they joined (RFC 3339, UTC).
        joined_at: String,
    },
}

impl Caller {
    /// Admin only: 401 without credentials, 403 with an organization key or participant token.
    pub fn require_admin(&self) -> Result<(), ServiceError> {
        match self {
            Self::Admin => Ok(()),
            Self::Anonymous => Err(unauthenticated()),
            _ => Err(ServiceError::Forbidden(
                "this operation needs the admin token; organizer and organization keys and participant tokens cannot use it".into(),
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

    /// The admin, an organizer key or an organization key: 401 without credentials, 403 for a
    /// participant, who works through `/v1/me`.
    pub fn require_key_or_admin(&self) -> Result<(), ServiceError> {
        match self {
            Self::Anonymous => Err(unauthenticated()),
            Self::Participant { .. } => Err(participant_forbidden()),
            _ => Ok(()),
        }
    }

    /// Whether this is the admin.
    pub fn is_admin(&self) -> bool {
        *self == Self::Admin
    }

    /// The organizer, for an organizer key.
    pub fn organizer_id(&self) -> Option<&str> {
        match self {
            Self::Organizer { organizer_id, .. } => Some(organizer_id),
            _ => None,
        }
    }

    /// Whether the caller runs campaigns of this organizer (`None`: the admin's): the admin
    /// runs every campaign, an organizer its own.
    pub fn runs(&self, organizer_id: Option<&str>) -> bool {
        self.is_admin() || (self.organizer_id().is_some() && self.organizer_id() == organizer_id)
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

/// The answer to a participant token on an organization's or the admin's operation.
pub fn participant_forbidden() -> ServiceError {
    ServiceError::Forbidden(
        "a participant token works on /v1/me and /v1/me/trips only; this operation needs an organization key or the admin token".into(),
    )
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

/// A new organizer key: the prefix and 192 random bits.
pub fn new_organizer_key() -> String {
    format!("{ORGANIZER_KEY_PREFIX}{}", random_hex(24))
}

/// A new participant token: the prefix and 192 random bits.
pub fn new_participant_token() -> String {
    format!("{PARTICIPANT_TOKEN_PREFIX}{}", random_hex(24))
}

/// Letters for codes people may type: lower case, without the look-alikes 0, 1, l and o.
const CODE_ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// `length` random characters of [`CODE_ALPHABET`], 5 bits each.
pub fn random_code(length: usize) -> String {
    let mut buffer = vec![0u8; length];
    getrandom::getrandom(&mut buffer).expect("the operating system provides randomness");
    // 256 is a multiple of 32, so taking the low five bits keeps every letter equally likely.
    buffer
        .iter()
        .map(|b| char::from(CODE_ALPHABET[usize::from(b & 31)]))
        .collect()
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
        if token.starts_with(PARTICIPANT_TOKEN_PREFIX) {
            return match self.store.find_participant(&hash_key(token)).await? {
                Some(participant) => Ok(Caller::Participant {
                    participant_id: participant.id,
                    organization_id: participant.organization_id,
                    campaign_id: participant.campaign_id,
                    nickname: participant.nickname,
                    joined_at: participant.created_at,
                }),
                None => Err(invalid_token()),
            };
        }
        if token.starts_with(ORGANIZER_KEY_PREFIX) {
            return match self.store.find_organizer_key(&hash_key(token)).await? {
                Some(owner) => Ok(Caller::Organizer {
                    organizer_id: owner.organizer_id,
                    key_id: owner.key_id,
                }),
                None => Err(invalid_token()),
            };
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
        "the bearer token is not the admin token, a valid organizer or organization key or a participant token (revoked keys and tokens stop working at once)"
            .into(),
    )
}
