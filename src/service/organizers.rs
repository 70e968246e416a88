//! Organizers (partner NGOs, city offices) and their keys: the admin creates them and issues
//! and revokes their keys; an organizer reads itself.

use super::caller::{hash_key, new_organizer_key, random_hex};
use super::{now, Caller, Service, ServiceError};
use crate::domain::mode::truncate_for_message;
use crate::domain::slug::is_slug;
use crate::domain::text::TextRule;
use crate::domain::{FieldErrors, Slug};
use crate::store::{OrganizerKeyRecord, OrganizerRecord, Store};

/// An organizer to create, as requested.
#[derive(Debug, Clone)]
pub struct NewOrganizer {
    pub id: String,
    pub name: String,
    pub city: Option<String>,
}

/// A newly issued organizer key: shown once, stored only as a hash.
#[derive(Debug, Clone)]
pub struct IssuedOrganizerKey {
    pub record: OrganizerKeyRecord,
    pub key: String,
}

impl Service {
    /// Creates an organizer (admin).
    pub async fn create_organizer(
        &self,
        caller: &Caller,
        request: NewOrganizer,
    ) -> Result<OrganizerRecord, ServiceError> {
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
        let record = errors.into_result(OrganizerRecord {
            id: request.id,
            name: request.name,
            city: request.city,
            created_at: now(),
        })?;
        self.store.create_organizer(&record).await?;
        self.record(
            caller,
            "organizer.create",
            None,
            &record.id,
            serde_json::json!({ "name": record.name, "city": record.city }),
        )
        .await;
        Ok(record)
    }

    /// Every organizer, by id (admin).
    pub async fn list_organizers(
        &self,
        caller: &Caller,
    ) -> Result<Vec<OrganizerRecord>, ServiceError> {
        caller.require_admin()?;
        Ok(self.store.list_organizers().await?)
    }

    /// One organizer: the admin reads any, an organizer itself.
    pub async fn organizer(
        &self,
        caller: &Caller,
        organizer_id: &str,
    ) -> Result<OrganizerRecord, ServiceError> {
        match caller.organizer_id() {
            Some(own) if own == organizer_id => {}
            Some(_) => {
                return Err(ServiceError::Forbidden(
                    "an organizer key reads only its own organizer".into(),
                ))
            }
            None => caller.require_admin()?,
        }
        self.organizer_record(organizer_id).await
    }

    /// Issues a key for an organizer (admin).
    pub async fn issue_organizer_key(
        &self,
        caller: &Caller,
        organizer_id: &str,
    ) -> Result<IssuedOrganizerKey, ServiceError> {
        caller.require_admin()?;
        let organizer = self.organizer_record(organizer_id).await?;
        let key = new_organizer_key();
        let record = OrganizerKeyRecord {
            id: format!("key_{}", random_hex(6)),
            organizer_id: organizer.id,
            key_hash: hash_key(&key),
            created_at: now(),
        };
        self.store.create_organizer_key(&record).await?;
        self.record(
            caller,
            "organizer_key.issue",
            None,
            &record.organizer_id,
            serde_json::json!({ "key_id": record.id }),
        )
        .await;
        Ok(IssuedOrganizerKey { record, key })
    }

    /// Revokes an organizer key (admin); it stops working at once.
    pub async fn revoke_organizer_key(
        &self,
        caller: &Caller,
        organizer_id: &str,
        key_id: &str,
    ) -> Result<(), ServiceError> {
        caller.require_admin()?;
        self.store
            .revoke_organizer_key(organizer_id, key_id, &now())
            .await?;
        self.record(
            caller,
            "organizer_key.revoke",
            None,
            organizer_id,
            serde_json::json!({ "key_id": key_id }),
        )
        .await;
        Ok(())
    }

    /// The stored organizer with that id (404 for an id that is not a slug).
    pub(super) async fn organizer_record(&self, id: &str) -> Result<OrganizerRecord, ServiceError> {
        if !is_slug(id) {
            return Err(ServiceError::NotFound(format!(
                "no organizer `{}`",
                truncate_for_message(id)
            )));
        }
        Ok(self.store.get_organizer(id).await?)
    }
}
