//! The demo campaign behind `serve --demo`: a fortnight of believable commutes in Beijing, seeded
//! through the service as an admin and the organizations would, so testers see living results
//! at once. The roster and habits are data (`roster.json`); the generator is in [`commutes`].
//!
//! Seeding is deterministic (a fixed-seed generator, one stream per organization) and idempotent:
//! an existing campaign and existing organizations are reused, and every trip is logged under the
//! trip key, so a second run finds each one already stored and counts nothing twice.

mod commutes;

use std::collections::BTreeSet;
use std::time::Instant;

use jiff::civil::Date;
use once_cell::sync::Lazy;
use serde::Deserialize;

use crate::config::ServeConfig;
use crate::domain::plan::{BaselineSpec, LegSpec, TripPlan};
use crate::domain::trip::TripFields;
use crate::domain::{Distance, FieldErrors, Passengers};
use crate::service::{
    hash_key, new_key, now, Caller, NewCampaign, NewOrganization, NewOrganizer, Place, Service,
    ServiceError, TripRow,
};
use crate::store::{AnyStore, ApiKeyRecord, CampaignRecord, OrganizerKeyRecord, Store, StoreError};
use commutes::{commutes, Calendar, Commute, OrganizationPlan};

/// Id of the demo campaign (the id the OpenAPI examples use).
pub const CAMPAIGN_ID: &str = "beijing-green-week-2026";
/// The organization whose key the demo prints (the one the OpenAPI examples use).
pub const KEY_ORGANIZATION_ID: &str = "sunrise-tech";
/// A key of `sunrise-tech` that the demo creates already revoked, so that the OpenAPI example of
/// revoking a key succeeds without touching the key a tester was given.
pub const SPARE_KEY_ID: &str = "key_demo_spare";

/// The organizer that runs the demo campaign (the one the OpenAPI examples use).
pub const ORGANIZER_ID: &str = "green-beijing";
/// A key of the demo organizer created already revoked, so that the OpenAPI example of revoking
/// an organizer key succeeds.
pub const SPARE_ORGANIZER_KEY_ID: &str = "key_demo_organizer_spare";

/// The demo's data: the campaign and its organizations, in seeding order (`sunrise-tech` first,
/// so that its trips get the first ids and the OpenAPI example of deleting trip 1 works with its
/// key).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Roster {
    campaign: CampaignPlan,
    organizations: Vec<OrganizationPlan>,
}

/// The demo campaign as the roster describes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CampaignPlan {
    name: String,
    description: String,
    region: String,
    city: String,
    starts_on: Date,
    ends_on: Date,
    rainy_days: Vec<Date>,
}

impl CampaignPlan {
    /// The days commutes are generated for, in a campaign whose set calls employer shuttles
    /// `shuttle_mode`.
    fn calendar(&self, shuttle_mode: &'static str) -> Calendar {
        Calendar {
            first: self.starts_on,
            last: self.ends_on,
            rainy: self.rainy_days.clone(),
            shuttle_mode,
        }
    }
}

/// The roster, parsed once.
fn roster() -> &'static Roster {
    static ROSTER: Lazy<Roster> = Lazy::new(|| {
        serde_json::from_str(include_str!("roster.json")).expect("the demo roster is valid")
    });
    &ROSTER
}

/// Why the demo could not be seeded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A service call failed.
    #[error("{0}")]
    Service(#[from] ServiceError),
    /// A store call failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// What seeding did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    /// Whether the campaign was created (false: an existing one was reused).
    pub campaign_created: bool,
    /// Organizations enrolled in the demo.
    pub organizations: usize,
    /// Of those, newly created.
    pub organizations_created: usize,
    /// Distinct (organization, participant) pairs among the generated trips.
    pub participants: usize,
    /// Trips newly stored.
    pub trips_new: usize,
    /// Trips found already stored (not counted again).
    pub trips_existing: usize,
    /// Distinct days with trips.
    pub days: usize,
}

/// A key issued for the tester.
#[derive(Debug, Clone)]
pub struct DemoKey {
    /// Key id, for revocation.
    pub id: String,
    /// The secret, shown once.
    pub key: String,
}

/// Seeds the demo and prints how to try it: the pages, Swagger UI, the admin token (said to be
/// generated for this run when `token_generated`) and a fresh key of `sunrise-tech`.
pub async fn prepare(
    config: &ServeConfig,
    service: &Service,
    store: &AnyStore,
    token_generated: bool,
) -> Result<(), DemoError> {
    let started = Instant::now();
    let admin = if token_generated {
        format!(
            "{}  (generated for this run)",
            config.admin_token.as_deref().unwrap_or_default()
        )
    } else {
        "the one configured (--admin-token / GREEN_COMMUTE_ADMIN_TOKEN)".to_owned()
    };
    let report = seed(service).await?;
    let key = issue_key(service, store).await?;
    let base = format!("http://{}", config.bind);
    // Printed on standard output, never through the logs: the secrets are for the person at the terminal.
    println!(
        "Demo campaign `{CAMPAIGN_ID}` ready in {:.1} s: {} organizations, {} participants, \
         {} trips over {} days ({} new, {} already stored).\n\
         \x20 Campaign page:  {base}/campaigns/{CAMPAIGN_ID}\n\
         \x20 Swagger UI:     {base}/swagger-ui/  (\"Authorize\" with one of these)\n\
         \x20   admin token:       {admin}\n\
         \x20   {KEY_ORGANIZATION_ID} key:  {}  (key id {}; logs that organization's commutes)",
        started.elapsed().as_secs_f64(),
        report.organizations,
        report.participants,
        report.trips_new + report.trips_existing,
        report.days,
        report.trips_new,
        report.trips_existing,
        key.key,
        key.id,
    );
    Ok(())
}

/// Seeds the campaign, its organizations and their commutes; safe to run any number of times.
pub async fn seed(service: &Service) -> Result<SeedReport, DemoError> {
    let roster = roster();
    ensure_organizer(service, &roster.campaign.city).await?;
    let (campaign, campaign_created) = ensure_campaign(service, &roster.campaign).await?;
    let has_shuttle = service
        .catalogue()
        .get(&campaign.factor_set_id)
        .is_some_and(|set| set.mode("shuttle").is_some());
    let calendar = roster
        .campaign
        .calendar(if has_shuttle { "shuttle" } else { "coach" });
    let mut report = SeedReport {
        campaign_created,
        organizations: roster.organizations.len(),
        organizations_created: 0,
        participants: 0,
        trips_new: 0,
        trips_existing: 0,
        days: 0,
    };
    let mut days = BTreeSet::new();
    for plan in &roster.organizations {
        if ensure_organization(service, plan, &roster.campaign.city).await? {
            report.organizations_created += 1;
        }
        service
            .enroll(&Caller::Admin, &campaign.id, &plan.id)
            .await?;
        let generated = commutes(plan, &calendar, campaign.starts_on, campaign.ends_on);
        let participants: BTreeSet<&str> =
            generated.iter().map(|c| c.participant.as_str()).collect();
        report.participants += participants.len();
        days.extend(generated.iter().map(|c| c.date));
        if generated.is_empty() {
            continue;
        }
        // Logged as the organization itself would, with a bucket of its own for the rate limit.
        let organization = Caller::Organization {
            organization_id: plan.id.clone(),
            key_id: format!("demo-seed-{}", plan.id),
        };
        let target = service.logging_target(&organization, &campaign.id).await?;
        let rows = generated.into_iter().enumerate().map(trip_row).collect();
        let logged = service.log_trips(target, rows, false).await?;
        report.trips_existing += logged.duplicates;
        report.trips_new += logged.accepted;
    }
    report.days = days.len();
    Ok(report)
}

/// A generated commute as an upload row.
fn trip_row((index, commute): (usize, Commute)) -> TripRow {
    let mut errors = FieldErrors::default();
    let legs = commute
        .legs
        .iter()
        .enumerate()
        .filter_map(|(i, leg)| {
            let distance = Distance::try_from(leg.distance_km)
                .map_err(|e| errors.push(format!("legs[{i}].distance_km"), e.to_string()))
                .ok()?;
            let passengers = leg
                .passengers
                .map(|p| Passengers::try_from(i64::from(p)))
                .transpose()
                .map_err(|m| errors.push(format!("legs[{i}].passengers"), m))
                .ok()?;
            Some(LegSpec {
                mode: leg.mode.to_owned(),
                distance,
                passengers,
                index: Some(i),
            })
        })
        .collect();
    let plan = TripPlan {
        legs,
        round_trip: false,
        baseline: BaselineSpec {
            mode: commute.baseline.map(str::to_owned),
            distance: None,
            passengers: None,
        },
    };
    TripRow {
        place: Place::Trip(index),
        trip: Ok(TripFields {
            participant: commute.participant,
            date: commute.date.to_string(),
            direction: commute.direction,
            plan: errors.into_result(plan),
        }),
    }
}

/// Issues a fresh key for `sunrise-tech` (keys are stored only as hashes, so an earlier one
/// cannot be shown again), and makes sure the revoked spare key exists.
pub async fn issue_key(service: &Service, store: &AnyStore) -> Result<DemoKey, DemoError> {
    ensure_spare_organizer_key(store).await?;
    // The spare key is a fixture with a fixed id, which no API call makes: written directly.
    match store
        .revoke_key(KEY_ORGANIZATION_ID, SPARE_KEY_ID, &now())
        .await
    {
        Ok(()) => {}
        Err(StoreError::NotFound(_)) => {
            store
                .create_key(&ApiKeyRecord {
                    id: SPARE_KEY_ID.to_owned(),
                    organization_id: KEY_ORGANIZATION_ID.to_owned(),
                    key_hash: hash_key(&new_key()),
                    created_at: now(),
                })
                .await?;
            store
                .revoke_key(KEY_ORGANIZATION_ID, SPARE_KEY_ID, &now())
                .await?;
        }
        Err(other) => return Err(other.into()),
    }
    let issued = service
        .issue_key(&Caller::Admin, KEY_ORGANIZATION_ID)
        .await?;
    Ok(DemoKey {
        id: issued.record.id,
        key: issued.key,
    })
}

/// The demo campaign: the stored one if it exists (whatever was changed since), else a new one.
async fn ensure_campaign(
    service: &Service,
    plan: &CampaignPlan,
) -> Result<(CampaignRecord, bool), DemoError> {
    // Created by its organizer, as a partner NGO would, so that the campaign shows it.
    let organizer = Caller::Organizer {
        organizer_id: ORGANIZER_ID.to_owned(),
        key_id: "demo-seed".to_owned(),
    };
    let created = service
        .create_campaign(
            &organizer,
            NewCampaign {
                id: CAMPAIGN_ID.to_owned(),
                name: plan.name.clone(),
                description: plan.description.clone(),
                region: Some(plan.region.clone()),
                starts_on: plan.starts_on.to_string(),
                ends_on: plan.ends_on.to_string(),
                ..NewCampaign::default()
            },
        )
        .await;
    match created {
        Ok(campaign) => Ok((campaign, true)),
        // Seeded before, or by another process meanwhile: use that one.
        Err(ServiceError::Conflict(_)) => Ok((
            service
                .readable_campaign(&Caller::Admin, CAMPAIGN_ID)
                .await?,
            false,
        )),
        Err(other) => Err(other.into()),
    }
}

/// Creates the demo organizer unless it exists.
async fn ensure_organizer(service: &Service, city: &str) -> Result<(), DemoError> {
    let created = service
        .create_organizer(
            &Caller::Admin,
            NewOrganizer {
                id: ORGANIZER_ID.to_owned(),
                name: "Green Beijing 绿色北京".to_owned(),
                city: Some(city.to_owned()),
            },
        )
        .await;
    match created {
        Ok(_) | Err(ServiceError::Conflict(_)) => Ok(()),
        Err(other) => Err(other.into()),
    }
}

/// Makes sure the demo organizer's revoked spare key exists (a fixture with a fixed id, which
/// no API call makes: written directly).
async fn ensure_spare_organizer_key(store: &AnyStore) -> Result<(), DemoError> {
    match store
        .revoke_organizer_key(ORGANIZER_ID, SPARE_ORGANIZER_KEY_ID, &now())
        .await
    {
        Ok(()) => Ok(()),
        Err(StoreError::NotFound(_)) => {
            store
                .create_organizer_key(&OrganizerKeyRecord {
                    id: SPARE_ORGANIZER_KEY_ID.to_owned(),
                    organizer_id: ORGANIZER_ID.to_owned(),
                    key_hash: hash_key(&new_key()),
                    created_at: now(),
                })
                .await?;
            Ok(store
                .revoke_organizer_key(ORGANIZER_ID, SPARE_ORGANIZER_KEY_ID, &now())
                .await?)
        }
        Err(other) => Err(other.into()),
    }
}

/// Creates the organization unless it exists; true when created.
async fn ensure_organization(
    service: &Service,
    plan: &OrganizationPlan,
    city: &str,
) -> Result<bool, DemoError> {
    let created = service
        .create_organization(
            &Caller::Admin,
            NewOrganization {
                id: plan.id.clone(),
                name: plan.name.clone(),
                kind: plan.kind,
                city: Some(city.to_owned()),
                headcount: Some(plan.headcount),
            },
        )
        .await;
    match created {
        Ok(_) => Ok(true),
        Err(ServiceError::Conflict(_)) => Ok(false),
        Err(other) => Err(other.into()),
    }
}
