//! Campaigns and enrollment: the admin writes; public campaigns are readable by anyone, private
//! ones by the admin and enrolled organizations.

use jiff::civil::Date;

use super::{now, Caller, Service, ServiceError};
use crate::calculator::resolve_grid;
use crate::domain::campaign::{check_period, is_time_zone, parse_date};
use crate::domain::mode::truncate_for_message;
use crate::domain::text::TextRule;
use crate::domain::workdays::Workdays;
use crate::domain::{FieldErrors, Slug};
use crate::factors::FactorSet;
use crate::store::{CampaignRecord, CampaignUpdate, Store};

/// The answer for a campaign that does not exist, or that the caller may not know of.
pub(super) fn unknown_campaign(campaign_id: &str) -> ServiceError {
    ServiceError::NotFound(format!(
        "no campaign `{}`",
        truncate_for_message(campaign_id)
    ))
}

/// Time zone of a campaign that names none: the campaigns are Chinese.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

/// A campaign to create, as requested (checked by [`Service::create_campaign`]).
#[derive(Debug, Clone, Default)]
pub struct NewCampaign {
    /// Slug, unique.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What the campaign is about.
    pub description: String,
    /// Grid region (id or alias) for sets with grid regions.
    pub region: Option<String>,
    /// IANA time zone; the default when absent.
    pub time_zone: Option<String>,
    /// First day, `YYYY-MM-DD`.
    pub starts_on: String,
    /// Last day, `YYYY-MM-DD`.
    pub ends_on: String,
    /// Factor-set id; the default set when absent.
    pub factor_set: Option<String>,
    /// Baseline mode; the set's default when absent.
    pub baseline_mode: Option<String>,
    /// Public results; true when absent.
    pub public: Option<bool>,
    /// Weekdays regularity counts (`mon` … `sun`); Monday to Friday when absent.
    pub workdays: Option<Vec<String>>,
}

/// Changes to a campaign; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CampaignChanges {
    /// Display name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Grid region; `Some(None)` returns to the set's default grid.
    pub region: Option<Option<String>>,
    /// IANA time zone.
    pub time_zone: Option<String>,
    /// First day.
    pub starts_on: Option<String>,
    /// Last day.
    pub ends_on: Option<String>,
    /// Factor set (refused once trips exist).
    pub factor_set: Option<String>,
    /// Baseline mode (refused once trips exist).
    pub baseline_mode: Option<String>,
    /// Public results.
    pub public: Option<bool>,
    /// Weekdays regularity counts.
    pub workdays: Option<Vec<String>>,
}

/// The checked fields of a campaign, before it gets its id and timestamps.
struct CampaignFields {
    name: String,
    description: String,
    region: Option<String>,
    time_zone: String,
    starts_on: Date,
    ends_on: Date,
    baseline_mode: String,
    public: bool,
    workdays: Workdays,
}

/// A campaign's fields before they are checked against the chosen set.
struct Proposed {
    name: String,
    description: String,
    region: Option<String>,
    time_zone: String,
    starts_on: Option<Date>,
    ends_on: Option<Date>,
    baseline_mode: Option<String>,
    public: bool,
    workdays: WorkdaysInput,
}

/// A campaign's workdays: kept as they are, or named in the request.
enum WorkdaysInput {
    Keep(Workdays),
    Named(Vec<String>),
}

impl WorkdaysInput {
    fn new(named: Option<Vec<String>>, current: Workdays) -> Self {
        named.map_or(Self::Keep(current), Self::Named)
    }
}

impl CampaignFields {
    /// The campaign as stored, computed with `set`.
    fn into_record(
        self,
        id: String,
        set: &FactorSet,
        (created_at, updated_at): (String, String),
        revision: i64,
        organizer: Option<(String, String)>,
    ) -> CampaignRecord {
        let (organizer_id, organizer_name) = organizer.unzip();
        CampaignRecord {
            id,
            name: self.name,
            description: self.description,
            region: self.region,
            time_zone: self.time_zone,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            factor_set_id: set.id().to_owned(),
            factor_set_version: set.version().to_owned(),
            baseline_mode: self.baseline_mode,
            public: self.public,
            created_at,
            updated_at,
            revision,
            organizer_id,
            organizer_name,
            workdays: self.workdays,
        }
    }
}

/// A campaign's name.
const NAME: TextRule = TextRule::name(200);
/// A campaign's description: several lines allowed.
const DESCRIPTION: TextRule = TextRule {
    max_chars: 2000,
    required: false,
    multiline: true,
};

fn check_text(value: &str, field: &str, rule: TextRule, errors: &mut FieldErrors) {
    if let Err(message) = rule.check(value) {
        errors.push(field, message);
    }
}

fn date(text: &str, field: &str, errors: &mut FieldErrors) -> Option<Date> {
    parse_date(text).map_err(|m| errors.push(field, m)).ok()
}

/// Validates campaign fields against the chosen set; the region becomes its canonical id.
fn check_campaign(
    set: &FactorSet,
    proposed: Proposed,
    mut errors: FieldErrors,
) -> Result<CampaignFields, FieldErrors> {
    check_text(&proposed.name, "name", NAME, &mut errors);
    check_text(
        &proposed.description,
        "description",
        DESCRIPTION,
        &mut errors,
    );
    if !is_time_zone(&proposed.time_zone) {
        errors.push(
            "time_zone",
            format!(
                "`{}` is not an IANA time zone such as Asia/Shanghai",
                truncate_for_message(&proposed.time_zone)
            ),
        );
    }
    if let (Some(starts_on), Some(ends_on)) = (proposed.starts_on, proposed.ends_on) {
        if let Err(message) = check_period(starts_on, ends_on) {
            errors.push("ends_on", message);
        }
    }
    let region = match proposed.region {
        None => None,
        Some(_) if set.grid_regions().is_empty() => {
            // A region the set cannot resolve would make every trip of the campaign fail.
            errors.push(
                "region",
                format!(
                    "factor set `{}` has no grid regions; leave `region` out",
                    set.id()
                ),
            );
            None
        }
        Some(name) => match resolve_grid(set, Some(&name)) {
            Ok(grid) => grid.map(|g| g.id.clone()),
            Err(message) => {
                errors.push("region", message);
                None
            }
        },
    };
    let workdays = match proposed.workdays {
        WorkdaysInput::Keep(workdays) => Some(workdays),
        WorkdaysInput::Named(names) => Workdays::parse(&names)
            .map_err(|m| errors.push("workdays", m))
            .ok(),
    };
    let baseline_mode = proposed
        .baseline_mode
        .unwrap_or_else(|| set.default_baseline_mode().mode.as_str().to_owned());
    if set.mode(&baseline_mode).is_none() {
        errors.push(
            "baseline_mode",
            format!(
                "unknown mode `{}` in factor set `{}`",
                truncate_for_message(&baseline_mode),
                set.id()
            ),
        );
    }
    match (
        errors.is_empty(),
        proposed.starts_on,
        proposed.ends_on,
        workdays,
    ) {
        (true, Some(starts_on), Some(ends_on), Some(workdays)) => Ok(CampaignFields {
            name: proposed.name,
            description: proposed.description,
            region,
            time_zone: proposed.time_zone,
            starts_on,
            ends_on,
            baseline_mode,
            public: proposed.public,
            workdays,
        }),
        _ => Err(errors),
    }
}

impl Service {
    /// Creates a campaign (the admin, or an organizer, who then runs it) with a snapshot of
    /// its factor set, so that its results never change when factor files do.
    pub async fn create_campaign(
        &self,
        caller: &Caller,
        request: NewCampaign,
    ) -> Result<CampaignRecord, ServiceError> {
        let organizer = match caller {
            Caller::Organizer { organizer_id, .. } => {
                let organizer = self.organizer_record(organizer_id).await?;
                Some((organizer.id, organizer.name))
            }
            _ => {
                caller.require_admin()?;
                None
            }
        };
        let mut errors = FieldErrors::default();
        if let Err(message) = Slug::try_from(request.id.as_str()) {
            errors.push("id", message);
        }
        let starts_on = date(&request.starts_on, "starts_on", &mut errors);
        let ends_on = date(&request.ends_on, "ends_on", &mut errors);
        let set = self.factor_set(request.factor_set.as_deref(), "factor_set")?;
        let fields = check_campaign(
            set,
            Proposed {
                name: request.name,
                description: request.description,
                region: request.region,
                time_zone: request
                    .time_zone
                    .unwrap_or_else(|| DEFAULT_TIME_ZONE.into()),
                starts_on,
                ends_on,
                baseline_mode: request.baseline_mode,
                public: request.public.unwrap_or(true),
                workdays: WorkdaysInput::new(request.workdays, Workdays::default()),
            },
            errors,
        )?;
        let now = now();
        let record = fields.into_record(request.id, set, (now.clone(), now), 1, organizer);
        let snapshot = serde_json::to_string(set.file()).map_err(ServiceError::internal)?;
        self.store.create_campaign(&record, &snapshot).await?;
        self.record(
            caller,
            "campaign.create",
            Some(&record.id),
            &record.id,
            serde_json::json!({ "name": record.name, "public": record.public, "factor_set": record.factor_set_id }),
        )
        .await;
        Ok(record)
    }

    /// The campaigns the caller may see, by id: the public ones, the private ones an
    /// organization is enrolled in or a participant belongs to, and every one for the admin.
    pub async fn list_campaigns(
        &self,
        caller: &Caller,
    ) -> Result<Vec<CampaignRecord>, ServiceError> {
        let all = self.store.list_campaigns().await?;
        let enrolled = match caller {
            Caller::Organization {
                organization_id, ..
            } => self.store.enrolled_campaigns(organization_id).await?,
            Caller::Participant { campaign_id, .. } => vec![campaign_id.clone()],
            _ => Vec::new(),
        };
        Ok(all
            .into_iter()
            .filter(|c| {
                c.public || caller.runs(c.organizer_id.as_deref()) || enrolled.contains(&c.id)
            })
            .collect())
    }

    /// A campaign the caller may read: public, or private for the admin, enrolled
    /// organizations and its participants. To anyone else a private campaign is a 404 exactly
    /// like an unknown one, so that its existence is not revealed.
    pub async fn readable_campaign(
        &self,
        caller: &Caller,
        campaign_id: &str,
    ) -> Result<CampaignRecord, ServiceError> {
        let campaign = self.campaign(campaign_id).await?;
        if campaign.public || caller.runs(campaign.organizer_id.as_deref()) {
            return Ok(campaign);
        }
        match caller {
            Caller::Organization {
                organization_id, ..
            } if self.store.is_enrolled(campaign_id, organization_id).await? => Ok(campaign),
            Caller::Participant {
                campaign_id: own, ..
            } if *own == campaign.id => Ok(campaign),
            _ => Err(unknown_campaign(campaign_id)),
        }
    }

    /// A campaign the caller may read, with its factor-set snapshot.
    pub async fn readable_campaign_and_set(
        &self,
        caller: &Caller,
        campaign_id: &str,
    ) -> Result<(CampaignRecord, std::sync::Arc<FactorSet>), ServiceError> {
        let campaign = self.readable_campaign(caller, campaign_id).await?;
        let set = self.snapshot(&campaign).await?;
        Ok((campaign, set))
    }

    /// Changes a campaign (the admin or its organizer). The factor set and baseline cannot
    /// change once trips exist, nor can the period shrink past stored trips.
    pub async fn update_campaign(
        &self,
        caller: &Caller,
        campaign_id: &str,
        changes: CampaignChanges,
    ) -> Result<CampaignRecord, ServiceError> {
        let current = self.runnable_campaign(caller, campaign_id).await?;
        let mut errors = FieldErrors::default();
        let starts_on = match &changes.starts_on {
            Some(text) => date(text, "starts_on", &mut errors),
            None => Some(current.starts_on),
        };
        let ends_on = match &changes.ends_on {
            Some(text) => date(text, "ends_on", &mut errors),
            None => Some(current.ends_on),
        };
        let new_set = match changes.factor_set.as_deref() {
            Some(id) if id != current.factor_set_id => {
                Some(self.factor_set(Some(id), "factor_set")?.clone())
            }
            _ => None,
        };
        let set = match &new_set {
            Some(set) => set.clone(),
            None => self.snapshot(&current).await?,
        };
        let baseline_mode = changes.baseline_mode.or_else(|| {
            // A new set keeps the old baseline only if it defines that mode.
            (new_set.is_none() || set.mode(&current.baseline_mode).is_some())
                .then(|| current.baseline_mode.clone())
        });
        let fields = check_campaign(
            &set,
            Proposed {
                name: changes.name.unwrap_or_else(|| current.name.clone()),
                description: changes
                    .description
                    .unwrap_or_else(|| current.description.clone()),
                region: changes.region.unwrap_or_else(|| current.region.clone()),
                time_zone: changes
                    .time_zone
                    .unwrap_or_else(|| current.time_zone.clone()),
                starts_on,
                ends_on,
                baseline_mode,
                public: changes.public.unwrap_or(current.public),
                workdays: WorkdaysInput::new(changes.workdays.clone(), current.workdays),
            },
            errors,
        )?;
        let updated = fields.into_record(
            current.id.clone(),
            &set,
            (current.created_at.clone(), now()),
            current.revision + 1,
            current
                .organizer_id
                .clone()
                .zip(current.organizer_name.clone()),
        );
        let snapshot = match &new_set {
            Some(set) => Some(serde_json::to_string(set.file()).map_err(ServiceError::internal)?),
            None => None,
        };
        self.store
            .update_campaign(&CampaignUpdate {
                campaign: updated.clone(),
                snapshot,
                expected_revision: current.revision,
            })
            .await?;
        self.record(
            caller,
            "campaign.update",
            Some(&updated.id),
            &updated.id,
            changed_fields(&current, &updated),
        )
        .await;
        Ok(updated)
    }

    /// Enrolls an organization in a campaign (the admin or the campaign's organizer);
    /// enrolling twice changes nothing.
    pub async fn enroll(
        &self,
        caller: &Caller,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<(), ServiceError> {
        let campaign = self.runnable_campaign(caller, campaign_id).await?;
        self.organization_record(organization_id).await?;
        self.store
            .enroll(&campaign.id, organization_id, &now())
            .await?;
        self.record(
            caller,
            "enrollment.create",
            Some(&campaign.id),
            organization_id,
            serde_json::json!({}),
        )
        .await;
        Ok(())
    }

    /// A campaign the caller runs (the admin any, an organizer its own): 401 without
    /// credentials, 404 for a private campaign the caller may not read (its existence is not
    /// revealed), 403 for one it may read but not run.
    pub async fn runnable_campaign(
        &self,
        caller: &Caller,
        campaign_id: &str,
    ) -> Result<CampaignRecord, ServiceError> {
        caller.require_any()?;
        let campaign = self.readable_campaign(caller, campaign_id).await?;
        if caller.runs(campaign.organizer_id.as_deref()) {
            Ok(campaign)
        } else {
            Err(ServiceError::Forbidden(format!(
                "campaign `{}` is run by {}; only they and the admin may change it",
                campaign.id,
                campaign
                    .organizer_id
                    .as_deref()
                    .map_or_else(|| "the admin".to_owned(), |o| format!("organizer `{o}`"))
            )))
        }
    }

    /// The set with that id (the default set when `None`), or a 422 at `field`.
    pub fn factor_set(
        &self,
        id: Option<&str>,
        field: &str,
    ) -> Result<&std::sync::Arc<FactorSet>, FieldErrors> {
        let catalogue = &self.catalogue;
        match id {
            None => Ok(catalogue.default_set()),
            Some(id) => catalogue.get(id).ok_or_else(|| {
                let known: Vec<&str> = catalogue.sets().iter().map(|s| s.id()).collect();
                crate::domain::FieldError::new(
                    field,
                    format!(
                        "unknown factor set `{}`; available: {}",
                        truncate_for_message(id),
                        known.join(", ")
                    ),
                )
                .into()
            }),
        }
    }
}

/// The fields an update changed, old and new, for the audit trail.
fn changed_fields(before: &CampaignRecord, after: &CampaignRecord) -> serde_json::Value {
    let mut changed = serde_json::Map::new();
    let mut compare = |name: &str, old: serde_json::Value, new: serde_json::Value| {
        if old != new {
            changed.insert(
                name.to_owned(),
                serde_json::json!({ "from": old, "to": new }),
            );
        }
    };
    compare(
        "name",
        before.name.clone().into(),
        after.name.clone().into(),
    );
    compare(
        "description",
        before.description.clone().into(),
        after.description.clone().into(),
    );
    compare(
        "region",
        before.region.clone().into(),
        after.region.clone().into(),
    );
    compare(
        "time_zone",
        before.time_zone.clone().into(),
        after.time_zone.clone().into(),
    );
    compare(
        "starts_on",
        before.starts_on.to_string().into(),
        after.starts_on.to_string().into(),
    );
    compare(
        "ends_on",
        before.ends_on.to_string().into(),
        after.ends_on.to_string().into(),
    );
    compare(
        "factor_set",
        before.factor_set_id.clone().into(),
        after.factor_set_id.clone().into(),
    );
    compare(
        "baseline_mode",
        before.baseline_mode.clone().into(),
        after.baseline_mode.clone().into(),
    );
    compare("public", before.public.into(), after.public.into());
    compare(
        "workdays",
        before.workdays.names().into(),
        after.workdays.names().into(),
    );
    serde_json::Value::Object(changed)
}
