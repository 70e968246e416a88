//! Organizations and their keys: the admin creates and issues; an organization reads itself.

use super::caller::{hash_key, new_key, random_hex};
use super::{now, Caller, Service, ServiceError};
use crate::domain::campaign::OrganizationKind;
use crate::domain::text::TextRule;
use crate::domain::{FieldErrors, Slug};
use crate::store::{ApiKeyRecord, OrganizationRecord, Store};

/// The most members an organization may state.
const MAX_HEADCOUNT: i64 = 10_000_000;

/// An organization to create, as requested.
#[derive(Debug, Clone)]
pub struct NewOrganization {
    /// Slug, unique.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What kind of body it is.
    pub kind: OrganizationKind,
    /// City.
    pub city: Option<String>,
    /// Members, for participation rates.
    pub headcount: Option<i64>,
}

/// A newly issued key: the secret is shown once and stored only as a hash.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    /// The stored record (hash only).
    pub record: ApiKeyRecord,
    /// The key itself.
    pub key: String,
}

impl Service {
    /// Creates an organization (admin).
    pub async fn create_organization(
        &self,
        caller: &Caller,
        request: NewOrganization,
    ) -> Result<OrganizationRecord, ServiceError> {
        caller.require_admin()?;
        let mut errors = FieldErrors::default();
        if let Err(message) = Slug::try_from(request.id.as_str()) {
            errors.push("id", message);
        }
        if let Err(message) = TextRule::name(200).check(&request.name) {
            errors.push("name", message);
        }
        if let Some(Err(message)) = request
            .city
            .as_deref()
            .map(|c| TextRule::name(100).check(c))
        {
            errors.push("city", message);
        }
        if let Some(headcount) = request.headcount {
            if !(0..=MAX_HEADCOUNT).contains(&headcount) {
                errors.push("headcount", "must be from 0 to 10,000,000");
            }
        }
        let record = errors.into_result(OrganizationRecord {
            id: request.id,
            name: request.name,
            kind: request.kind,
            city: request.city,
            headcount: request.headcount,
            created_at: now(),
        })?;
        self.store.create_organization(&record).await?;
        Ok(record)
    }

    /// Every organization, by id (admin).
    pub async fn list_organizations(
        &self,
        caller: &Caller,
    ) -> Result<Vec<OrganizationRecord>, ServiceError> {
        caller.require_admin()?;
        Ok(self.store.list_organizations().await?)
    }

    /// One organization: the admin reads any, an organization key its own.
    pub async fn organization(
        &self,
        caller: &Caller,
        organization_id: &str,
    ) -> Result<OrganizationRecord, ServiceError> {
        caller.require_admin_or_organization()?;
        if caller
            .organization_id()
            .is_some_and(|own| own != organization_id)
        {
            return Err(ServiceError::Forbidden(
                "an organization key reads only its own organization".into(),
            ));
        }
        self.organization_record(organization_id).await
    }

    /// Issues a key for an organization (admin).
    pub async fn issue_key(
        &self,
        caller: &Caller,
        organization_id: &str,
    ) -> Result<IssuedKey, ServiceError> {
        caller.require_admin()?;
        let organization = self.organization_record(organization_id).await?;
        let key = new_key();
        let record = ApiKeyRecord {
            id: format!("key_{}", random_hex(6)),
            organization_id: organization.id,
            key_hash: hash_key(&key),
            created_at: now(),
        };
        self.store.create_key(&record).await?;
        Ok(IssuedKey { record, key })
    }

    /// Revokes an organization's key (admin); it stops working at once.
    pub async fn revoke_key(
        &self,
        caller: &Caller,
        organization_id: &str,
        key_id: &str,
    ) -> Result<(), ServiceError> {
        caller.require_admin()?;
        self.store
            .revoke_key(organization_id, key_id, &now())
            .await?;
        Ok(())
    }
}
