//! Participants who log their own commutes: invites (join codes) an organization hands out, joining
//! with one, and a participant's own trips. A participant is pseudonymous by design: an id the
//! service makes up, a token, and a nickname only they see.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::Timestamp;

use super::caller::{hash_key, new_participant_token, random_code, random_hex};
use super::logging::{parse_trip_id, trip_scope};
use super::{now, Caller, LoggingTarget, Service, ServiceError, TripLog, TripRow};
use crate::domain::mode::truncate_for_message;
use crate::domain::text::TextRule;
use crate::domain::FieldErrors;
use crate::store::{
    CampaignRecord, DayTotals, InviteListing, InviteRecord, JoinOutcome, ModeTotals,
    NewParticipant, OrganizationRecord, Store, StoredTrip, Totals, TripQuery,
};

/// Characters of a join code: 100 random bits (the contract asks for at least 80).
const CODE_LENGTH: usize = 20;
/// Characters of a code kept in clear to tell invites apart (the other 80 bits stay secret).
const CODE_HINT_LENGTH: usize = 4;
/// Random characters of a participant id after `p-`.
const PARTICIPANT_ID_LENGTH: usize = 10;
/// The most participants one invite may be limited to.
const MAX_PARTICIPANTS_LIMIT: i64 = 1_000_000;
/// Tries at a fresh participant id before giving up (50 random bits: a clash is rare).
const PARTICIPANT_ID_TRIES: usize = 5;

/// What an invite is created with.
#[derive(Debug, Clone, Default)]
pub struct NewInvite {
    /// When the code stops admitting participants (RFC 3339).
    pub expires_at: Option<String>,
    /// The most participants the code admits.
    pub max_participants: Option<i64>,
}

/// An invite just created, with its code (shown only now).
#[derive(Debug, Clone)]
pub struct IssuedInvite {
    pub invite: InviteRecord,
    pub code: String,
}

/// Where a join code leads.
#[derive(Debug, Clone)]
pub struct InviteTarget {
    pub campaign: CampaignRecord,
    pub organization: OrganizationRecord,
}

/// A participant who just joined, with their token (shown only now).
#[derive(Debug, Clone)]
pub struct Joined {
    pub participant_id: String,
    pub token: String,
    pub target: InviteTarget,
}

/// A participant as they see themselves.
#[derive(Debug, Clone)]
pub struct ParticipantView {
    pub participant_id: String,
    pub nickname: Option<String>,
    pub joined_at: String,
    pub target: InviteTarget,
    /// Every one of their trips, oldest first.
    pub trips: Vec<StoredTrip>,
    /// Their organization's participants and saving, to compare with.
    pub organization_participants: i64,
    pub organization_savings_g: i64,
}

/// A nickname: optional, short, one line.
const NICKNAME: TextRule = TextRule {
    max_chars: 40,
    required: false,
    multiline: false,
};

/// The most trips one participant can have in a campaign: two a day over a long campaign.
const MAX_OWN_TRIPS: u32 = 10_000;

impl Service {
    /// Creates a join code for an organization in a campaign: its own key (enrolled) or the
    /// admin (the organization must be enrolled).
    pub async fn create_invite(
        &self,
        caller: &Caller,
        campaign_id: &str,
        organization_id: &str,
        request: NewInvite,
    ) -> Result<IssuedInvite, ServiceError> {
        let campaign = self
            .invite_scope(caller, campaign_id, organization_id)
            .await?;
        let mut errors = FieldErrors::default();
        let created_at = now();
        let expires_at = request.expires_at.as_deref().and_then(|text| {
            // Whole seconds in UTC, the form the store compares its clock strings in.
            let whole_seconds = text.parse::<Timestamp>().map(|at| {
                Timestamp::from_second(at.as_second())
                    .unwrap_or(at)
                    .to_string()
            });
            match whole_seconds {
                Ok(at) if at > created_at => Some(at),
                Ok(_) => {
                    errors.push("expires_at", "must lie in the future");
                    None
                }
                Err(_) => {
                    errors.push(
                        "expires_at",
                        format!(
                            "`{}` is not an RFC 3339 time such as 2026-06-14T23:59:59+08:00",
                            truncate_for_message(text)
                        ),
                    );
                    None
                }
            }
        });
        if let Some(max) = request.max_participants {
            if !(1..=MAX_PARTICIPANTS_LIMIT).contains(&max) {
                errors.push(
                    "max_participants",
                    format!("must be 1 to {MAX_PARTICIPANTS_LIMIT}"),
                );
            }
        }
        errors.into_result(())?;
        let code = random_code(CODE_LENGTH);
        let invite = InviteRecord {
            id: format!("inv_{}", random_hex(6)),
            campaign_id: campaign.id,
            organization_id: organization_id.to_owned(),
            code_hash: hash_key(&code),
            code_hint: code[..CODE_HINT_LENGTH].to_owned(),
            created_at,
            expires_at,
            max_participants: request.max_participants,
            revoked_at: None,
        };
        self.store.create_invite(&invite).await?;
        self.record(
            caller,
            "invite.create",
            Some(&invite.campaign_id),
            organization_id,
            serde_json::json!({
                "invite_id": invite.id,
                "expires_at": invite.expires_at,
                "max_participants": invite.max_participants,
            }),
        )
        .await;
        Ok(IssuedInvite { invite, code })
    }

    /// The organization's invites in the campaign, with how many joined with each.
    pub async fn invites(
        &self,
        caller: &Caller,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<Vec<InviteListing>, ServiceError> {
        let campaign = self
            .invite_scope(caller, campaign_id, organization_id)
            .await?;
        Ok(self.store.invites(&campaign.id, organization_id).await?)
    }

    /// Revokes an invite by its code or id: nobody joins with it from then on; participants
    /// who joined keep working.
    pub async fn revoke_invite(
        &self,
        caller: &Caller,
        campaign_id: &str,
        organization_id: &str,
        code_or_id: &str,
    ) -> Result<(), ServiceError> {
        let campaign = self
            .invite_scope(caller, campaign_id, organization_id)
            .await?;
        let reference = if code_or_id.starts_with("inv_") {
            code_or_id.to_owned()
        } else {
            hash_key(code_or_id)
        };
        let at = now();
        self.store
            .revoke_invite(&campaign.id, organization_id, &reference, &at)
            .await?;
        // The code itself is a secret: the trail names the invite by id when it was given.
        let invite = code_or_id.starts_with("inv_").then_some(code_or_id);
        self.record(
            caller,
            "invite.revoke",
            Some(&campaign.id),
            organization_id,
            serde_json::json!({ "invite_id": invite }),
        )
        .await;
        Ok(())
    }

    /// Revokes a participant's token; their trips stay and count.
    pub async fn revoke_participant(
        &self,
        caller: &Caller,
        campaign_id: &str,
        organization_id: &str,
        participant_id: &str,
    ) -> Result<(), ServiceError> {
        let campaign = self
            .invite_scope(caller, campaign_id, organization_id)
            .await?;
        let at = now();
        self.store
            .revoke_participant(&campaign.id, organization_id, participant_id, &at)
            .await?;
        self.record(
            caller,
            "participant.revoke",
            Some(&campaign.id),
            organization_id,
            serde_json::json!({ "participant": participant_id }),
        )
        .await;
        Ok(())
    }

    /// The campaign and organization a code leads to, while it admits participants.
    pub async fn invite_target(&self, code: &str) -> Result<InviteTarget, ServiceError> {
        let invite = self
            .store
            .find_invite(&hash_key(code))
            .await?
            .ok_or_else(unknown_code)?;
        let joined = self
            .store
            .invites(&invite.campaign_id, &invite.organization_id)
            .await?
            .into_iter()
            .find(|listing| listing.invite.id == invite.id)
            .map_or(0, |listing| listing.participants);
        if let Some(refusal) = crate::store::join_refusal(&invite, joined, &now()) {
            return Err(refused(refusal));
        }
        self.target_of(&invite.campaign_id, &invite.organization_id)
            .await
    }

    /// Joins with a code: a new pseudonymous participant and their token.
    pub async fn join(&self, code: &str, nickname: Option<String>) -> Result<Joined, ServiceError> {
        let nickname = nickname
            .map(|n| {
                NICKNAME
                    .check(&n)
                    .map_err(|m| ServiceError::invalid("nickname", m))
                    .map(|()| n.trim().to_owned())
            })
            .transpose()?
            .filter(|n| !n.is_empty());
        let code_hash = hash_key(code);
        self.join_limits.check(&code_hash)?;
        let token = new_participant_token();
        for _ in 0..PARTICIPANT_ID_TRIES {
            let participant = NewParticipant {
                id: format!("p-{}", random_code(PARTICIPANT_ID_LENGTH)),
                token_hash: hash_key(&token),
                nickname: nickname.clone(),
                created_at: now(),
            };
            let outcome = match self.store.join(&code_hash, &participant, &now()).await {
                Err(crate::store::StoreError::Conflict(_)) => continue,
                other => other?,
            };
            return match outcome {
                JoinOutcome::Joined(invite) => Ok(Joined {
                    participant_id: participant.id,
                    token,
                    target: self
                        .target_of(&invite.campaign_id, &invite.organization_id)
                        .await?,
                }),
                refusal => Err(refused(refusal)),
            };
        }
        Err(ServiceError::Unavailable(
            "no free participant id was found; try again".into(),
        ))
    }

    /// What a participant sees of themselves: who they are, their campaign and organization,
    /// their trips and their organization's figures to compare with.
    pub async fn participant_view(&self, caller: &Caller) -> Result<ParticipantView, ServiceError> {
        let Caller::Participant {
            participant_id,
            organization_id,
            campaign_id,
            nickname,
            joined_at,
        } = caller
        else {
            return Err(participant_only(caller));
        };
        let target = self.target_of(campaign_id, organization_id).await?;
        let trips = self.own_trips(caller, 0, MAX_OWN_TRIPS).await?;
        let standing = self
            .store
            .standing(campaign_id, organization_id)
            .await?
            .map(|s| s.totals)
            .unwrap_or_default();
        Ok(ParticipantView {
            participant_id: participant_id.clone(),
            nickname: nickname.clone(),
            joined_at: joined_at.clone(),
            target,
            trips,
            organization_participants: standing.participants,
            organization_savings_g: standing.savings_g,
        })
    }

    /// Where a participant logs: their campaign and organization (checked like an
    /// organization's logging, within the participant's write rate).
    pub async fn own_logging_target(&self, caller: &Caller) -> Result<LoggingTarget, ServiceError> {
        let Caller::Participant {
            organization_id,
            campaign_id,
            ..
        } = caller
        else {
            return Err(participant_only(caller));
        };
        self.limit_writes(caller)?;
        let campaign = self.campaign(campaign_id).await?;
        let set = self.snapshot(&campaign).await?;
        Ok(LoggingTarget::new(campaign, organization_id.clone(), set))
    }

    /// Logs a participant's own trips: every row is theirs, whatever it says.
    pub async fn log_own_trips(
        &self,
        caller: &Caller,
        target: LoggingTarget,
        mut rows: Vec<TripRow>,
        dry_run: bool,
    ) -> Result<TripLog, ServiceError> {
        let Caller::Participant { participant_id, .. } = caller else {
            return Err(participant_only(caller));
        };
        for row in &mut rows {
            if let Ok(fields) = &mut row.trip {
                fields.participant.clone_from(participant_id);
            }
        }
        self.log_trips(target, rows, dry_run).await
    }

    /// A page of the participant's own trips, in id order after `after_id`.
    pub async fn own_trips(
        &self,
        caller: &Caller,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<StoredTrip>, ServiceError> {
        let Caller::Participant { campaign_id, .. } = caller else {
            return Err(participant_only(caller));
        };
        Ok(self
            .store
            .list_trips(&TripQuery {
                campaign_id: campaign_id.clone(),
                scope: trip_scope(caller),
                after_id,
                limit,
            })
            .await?)
    }

    /// Deletes one of the participant's own trips.
    pub async fn delete_own_trip(
        &self,
        caller: &Caller,
        trip_id: &str,
    ) -> Result<(), ServiceError> {
        let Caller::Participant { campaign_id, .. } = caller else {
            return Err(participant_only(caller));
        };
        self.limit_writes(caller)?;
        let trip_id = parse_trip_id(trip_id)?;
        Ok(self
            .store
            .delete_trip(campaign_id, trip_id, &trip_scope(caller))
            .await?)
    }

    /// How many participants joined the organization in the campaign by invite.
    pub async fn joined_by_invite(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<i64, ServiceError> {
        Ok(self
            .store
            .joined_by_invite(campaign_id, organization_id)
            .await?)
    }

    /// Checks who may manage an organization's invites and participants in a campaign: the
    /// admin, or that organization's own key; the organization must be enrolled.
    async fn invite_scope(
        &self,
        caller: &Caller,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<CampaignRecord, ServiceError> {
        self.refuse_participants(caller, campaign_id).await?;
        if caller
            .organization_id()
            .is_some_and(|own| own != organization_id)
        {
            // Another organization may not learn whether a private campaign exists.
            self.readable_campaign(caller, campaign_id).await?;
            return Err(ServiceError::Forbidden(
                "an organization key manages only its own organization's invites".into(),
            ));
        }
        let campaign = match caller {
            // The campaign's organizer, like the admin, manages every enrolled organization's.
            Caller::Organizer { .. } => self.runnable_campaign(caller, campaign_id).await?,
            _ => self.readable_campaign(caller, campaign_id).await?,
        };
        self.organization_record(organization_id).await?;
        if !self
            .store
            .is_enrolled(&campaign.id, organization_id)
            .await?
        {
            return Err(ServiceError::Conflict(format!(
                "organization `{organization_id}` is not enrolled in campaign `{}`; enroll it first",
                campaign.id
            )));
        }
        Ok(campaign)
    }

    async fn target_of(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<InviteTarget, ServiceError> {
        Ok(InviteTarget {
            campaign: self.campaign(campaign_id).await?,
            organization: self.organization_record(organization_id).await?,
        })
    }
}

fn unknown_code() -> ServiceError {
    ServiceError::NotFound("no invite has this code; check the link you were given".into())
}

/// No credentials at all is a 401 (send the token); someone else's credentials are a 403.
fn participant_only(caller: &Caller) -> ServiceError {
    if matches!(caller, Caller::Anonymous) {
        return ServiceError::Unauthorized(
            "this operation needs `Authorization: Bearer <token>` with the token you got when you joined"
                .into(),
        );
    }
    ServiceError::Forbidden(
        "this operation is a participant's own: use the token you got when you joined".into(),
    )
}

/// Why a code admits nobody, as an error.
fn refused(outcome: JoinOutcome) -> ServiceError {
    match outcome {
        JoinOutcome::Revoked => {
            ServiceError::Gone("this invite was withdrawn; ask your organization for a new link".into())
        }
        JoinOutcome::Expired => {
            ServiceError::Gone("this invite has expired; ask your organization for a new link".into())
        }
        JoinOutcome::Full => ServiceError::Conflict(
            "this invite has admitted as many participants as it may; ask your organization for a new link".into(),
        ),
        JoinOutcome::Unknown | JoinOutcome::Joined(_) => unknown_code(),
    }
}

/// A participant's own figures, summed over their trips like an organization's rollups: totals
/// (`participants` is 1 once they have a trip), by main mode and by day, ascending.
pub fn own_figures(trips: &[StoredTrip]) -> (Totals, Vec<ModeTotals>, Vec<DayTotals>) {
    let mut totals = Totals::default();
    let mut by_mode: BTreeMap<&str, Totals> = BTreeMap::new();
    let mut by_day: BTreeMap<Date, Totals> = BTreeMap::new();
    for trip in trips {
        let one = Totals::of_trip(&trip.figures, 1);
        totals.add(&one);
        by_mode
            .entry(&trip.figures.main_mode)
            .or_default()
            .add(&one);
        by_day.entry(trip.date).or_default().add(&one);
    }
    totals.participants = i64::from(!trips.is_empty());
    (
        totals,
        by_mode
            .into_iter()
            .map(|(mode, totals)| ModeTotals {
                mode: mode.to_owned(),
                totals,
            })
            .collect(),
        by_day
            .into_iter()
            .map(|(date, totals)| DayTotals { date, totals })
            .collect(),
    )
}
