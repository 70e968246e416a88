//! Organizations and their keys: the admin, or the organizer that created one, creates,
//! changes and issues keys; an organization reads itself.

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

/// Changes to an organization; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub kind: Option<OrganizationKind>,
    /// `Some(None)` forgets the city.
    pub city: Option<Option<String>>,
    /// `Some(None)` forgets the headcount.
    pub headcount: Option<Option<i64>>,
}

/// A newly issued key: the secret is shown once and stored only as a hash.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    /// The stored record (hash only).
    pub record: ApiKeyRecord,
    /// The key itself.
    pub key: String,
}

/// Every problem of an organization's fields.
fn check_organization(o: &OrganizationRecord, errors: &mut FieldErrors) {
    if let Err(message) = TextRule::name(200).check(&o.name) {
        errors.push("name", message);
    }
    if let Some(Err(message)) = o.city.as_deref().map(|c| TextRule::name(100).check(c)) {
        errors.push("city", message);
    }
    if let Some(headcount) = o.headcount {
        if !(0..=MAX_HEADCOUNT).contains(&headcount) {
            errors.push("headcount", "must be from 0 to 10,000,000");
        }
    }
}

impl Service {
    /// Creates an organization: the admin, or an organizer (which may then issue its keys).
    pub async fn create_organization(
        &self,
        caller: &Caller,
        request: NewOrganization,
    ) -> Result<OrganizationRecord, ServiceError> {
        let created_by = match caller {
            Caller::Organizer { organizer_id, .. } => Some(organizer_id.clone()),
            _ => {
                caller.require_admin()?;
                None
            }
        };
        let mut errors = FieldErrors::default();
        if let Err(message) = Slug::try_from(request.id.as_str()) {
            errors.push("id", message);
        }
        let record = OrganizationRecord {
            id: request.id,
            name: request.name,
            kind: request.kind,
            city: request.city,
            headcount: request.headcount,
            created_at: now(),
            created_by,
        };
        check_organization(&record, &mut errors);
        let record = errors.into_result(record)?;
        self.store.create_organization(&record).await?;
        self.record(
            caller,
            "organization.create",
            None,
            &record.id,
            serde_json::json!({ "name": record.name, "kind": record.kind.as_str(), "headcount": record.headcount }),
        )
        .await;
        Ok(record)
    }

    /// Changes an organization (its name, kind, city, headcount): the admin, or the organizer
    /// that created it. An organization does not set its own headcount, which ranks it.
    pub async fn update_organization(
        &self,
        caller: &Caller,
        organization_id: &str,
        changes: OrganizationChanges,
    ) -> Result<OrganizationRecord, ServiceError> {
        let current = self.managed_organization(caller, organization_id).await?;
        let updated = OrganizationRecord {
            name: changes.name.unwrap_or_else(|| current.name.clone()),
            kind: changes.kind.unwrap_or(current.kind),
            city: changes.city.unwrap_or_else(|| current.city.clone()),
            headcount: changes.headcount.unwrap_or(current.headcount),
            ..current.clone()
        };
        let mut errors = FieldErrors::default();
        check_organization(&updated, &mut errors);
        errors.into_result(())?;
        self.store.update_organization(&updated).await?;
        let mut detail = serde_json::Map::new();
        if current.headcount != updated.headcount {
            detail.insert(
                "headcount".into(),
                serde_json::json!({ "from": current.headcount, "to": updated.headcount }),
            );
        }
        for (field, before, after) in [
            ("name", Some(&current.name), Some(&updated.name)),
            ("city", current.city.as_ref(), updated.city.as_ref()),
        ] {
            if before != after {
                detail.insert(
                    field.into(),
                    serde_json::json!({ "from": before, "to": after }),
                );
            }
        }
        if current.kind != updated.kind {
            detail.insert(
                "kind".into(),
                serde_json::json!({ "from": current.kind.as_str(), "to": updated.kind.as_str() }),
            );
        }
        self.record(
            caller,
            "organization.update",
            None,
            &updated.id,
            serde_json::Value::Object(detail),
        )
        .await;
        Ok(updated)
    }

    /// The organizations the caller may list, by id: every one for the admin, those it
    /// created for an organizer.
    pub async fn list_organizations(
        &self,
        caller: &Caller,
    ) -> Result<Vec<OrganizationRecord>, ServiceError> {
        let all = self.store.list_organizations().await?;
        match caller {
            Caller::Organizer { organizer_id, .. } => Ok(all
                .into_iter()
                .filter(|o| o.created_by.as_deref() == Some(organizer_id))
                .collect()),
            _ => {
                caller.require_admin()?;
                Ok(all)
            }
        }
    }

    /// One organization: the admin reads any, an organizer those it created, an organization
    /// key its own.
    pub async fn organization(
        &self,
        caller: &Caller,
        organization_id: &str,
    ) -> Result<OrganizationRecord, ServiceError> {
        caller.require_key_or_admin()?;
        if let Some(own) = caller.organization_id() {
            if own != organization_id {
                return Err(ServiceError::Forbidden(
                    "an organization key reads only its own organization".into(),
                ));
            }
            return self.organization_record(organization_id).await;
        }
        self.managed_organization(caller, organization_id).await
    }

    /// Issues a key for an organization: the admin, or the organizer that created it.
    pub async fn issue_key(
        &self,
        caller: &Caller,
        organization_id: &str,
    ) -> Result<IssuedKey, ServiceError> {
        let organization = self.managed_organization(caller, organization_id).await?;
        let key = new_key();
        let record = ApiKeyRecord {
            id: format!("key_{}", random_hex(6)),
            organization_id: organization.id,
            key_hash: hash_key(&key),
            created_at: now(),
        };
        self.store.create_key(&record).await?;
        self.record(
            caller,
            "organization_key.issue",
            None,
            &record.organization_id,
            serde_json::json!({ "key_id": record.id }),
        )
        .await;
        Ok(IssuedKey { record, key })
    }

    /// Revokes an organization's key (the admin, or the organizer that created it); it stops
    /// working at once.
    pub async fn revoke_key(
        &self,
        caller: &Caller,
        organization_id: &str,
        key_id: &str,
    ) -> Result<(), ServiceError> {
        self.managed_organization(caller, organization_id).await?;
        self.store
            .revoke_key(organization_id, key_id, &now())
            .await?;
        self.record(
            caller,
            "organization_key.revoke",
            None,
            organization_id,
            serde_json::json!({ "key_id": key_id }),
        )
        .await;
        Ok(())
    }

    /// An organization the caller manages: the admin any, an organizer those it created (403
    /// for another's); 401 without credentials, 403 for anyone else.
    async fn managed_organization(
        &self,
        caller: &Caller,
        organization_id: &str,
    ) -> Result<OrganizationRecord, ServiceError> {
        match caller {
            Caller::Organizer { organizer_id, .. } => {
                let organization = self.organization_record(organization_id).await?;
                if organization.created_by.as_deref() == Some(organizer_id) {
                    Ok(organization)
                } else {
                    Err(ServiceError::Forbidden(format!(
                        "organization `{}` was not created by organizer `{organizer_id}`",
                        organization.id
                    )))
                }
            }
            other => {
                other.require_admin()?;
                self.organization_record(organization_id).await
            }
        }
    }
}
