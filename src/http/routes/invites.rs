//! Invites (join codes) and joining: an organization hands out a link, a member opens it and
//! becomes a pseudonymous participant with a token of their own.

use actix_web::{delete, post, route, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::wire::WholeNumber;
use crate::domain::campaign::OrganizationKind;
use crate::http::error::ApiError;
use crate::http::extract::body::OptionalJsonBody;
use crate::http::problems::problems;
use crate::http::{AppState, TAG_PARTICIPANTS};
use crate::service::{Caller, InviteTarget, IssuedInvite, NewInvite};
use crate::store::InviteListing;

/// Options of a new invite (the body may be `{}` or empty).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "max_participants": 500 }))]
pub struct InviteCreate {
    /// When the code stops admitting participants (RFC 3339, in the future).
    #[schema(example = "2026-06-14T23:59:59+08:00")]
    pub expires_at: Option<String>,
    /// The most participants the code admits (1–1,000,000).
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1000000)]
    pub max_participants: Option<WholeNumber>,
}

/// A new invite: the code is shown only here and stored only as a hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct InviteCreated {
    /// The join code (100 random bits): whoever has it may join the organization in the
    /// campaign, until it is revoked, expires or is full.
    #[schema(example = "k7mq2xw9hd4ra6tzpe3n")]
    pub code: String,
    /// The join page on this service, `/join/{code}`: share it as a link or a QR code.
    #[schema(example = "/join/k7mq2xw9hd4ra6tzpe3n")]
    pub url: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// The invite's id, to revoke it without the code.
    #[schema(example = "inv_3f9a1c7e20b4")]
    pub id: String,
    /// Campaign.
    pub campaign_id: String,
    /// Organization the participants join.
    pub organization_id: String,
    /// When it stops admitting participants, if ever.
    pub expires_at: Option<String>,
    /// The most participants it admits, if limited.
    pub max_participants: Option<i64>,
}

impl From<IssuedInvite> for InviteCreated {
    fn from(issued: IssuedInvite) -> Self {
        let invite = issued.invite;
        Self {
            url: format!("/join/{}", issued.code),
            code: issued.code,
            created_at: invite.created_at,
            id: invite.id,
            campaign_id: invite.campaign_id,
            organization_id: invite.organization_id,
            expires_at: invite.expires_at,
            max_participants: invite.max_participants,
        }
    }
}

/// An invite as listed (its code is not kept; `code_hint` is its first characters).
#[derive(Debug, Serialize, ToSchema)]
pub struct InviteSummary {
    /// Id.
    pub id: String,
    /// The code's first four characters.
    #[schema(example = "k7mq")]
    pub code_hint: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// When it stops admitting participants, if ever.
    pub expires_at: Option<String>,
    /// The most participants it admits, if limited.
    pub max_participants: Option<i64>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
    /// Participants who joined with it.
    pub participants: i64,
}

impl From<InviteListing> for InviteSummary {
    fn from(listing: InviteListing) -> Self {
        let invite = listing.invite;
        Self {
            id: invite.id,
            code_hint: invite.code_hint,
            created_at: invite.created_at,
            expires_at: invite.expires_at,
            max_participants: invite.max_participants,
            revoked_at: invite.revoked_at,
            participants: listing.participants,
        }
    }
}

/// An organization's invites in a campaign.
#[derive(Debug, Serialize, ToSchema)]
pub struct InviteList {
    /// Oldest first.
    pub invites: Vec<InviteSummary>,
}

/// Joining (the body may be `{}` or empty).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "nickname": "小林" }))]
pub struct JoinRequest {
    /// A name only you see (up to 40 characters); never published, never required.
    pub nickname: Option<String>,
}

/// A campaign as a participant sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignBrief {
    /// Id.
    #[schema(example = "beijing-green-week-2026")]
    pub id: String,
    /// Name.
    pub name: String,
    /// First day.
    #[schema(value_type = String, example = "2026-06-01")]
    pub starts_on: String,
    /// Last day (inclusive).
    #[schema(value_type = String, example = "2026-06-14")]
    pub ends_on: String,
    /// IANA time zone of the dates.
    pub time_zone: String,
    /// Factor set id (its modes are the modes to log).
    pub factor_set: String,
    /// The campaign's baseline mode.
    pub baseline_mode: String,
}

/// An organization as a participant sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationBrief {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrganizationKind,
}

/// Where a join code leads.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitePreview {
    /// The organization the participant joins.
    pub organization: OrganizationBrief,
    /// Its campaign.
    pub campaign: CampaignBrief,
}

impl From<InviteTarget> for InvitePreview {
    fn from(target: InviteTarget) -> Self {
        let (campaign, organization) = (target.campaign, target.organization);
        Self {
            organization: OrganizationBrief {
                id: organization.id,
                name: organization.name,
                kind: organization.kind,
            },
            campaign: CampaignBrief {
                id: campaign.id,
                name: campaign.name,
                starts_on: campaign.starts_on.to_string(),
                ends_on: campaign.ends_on.to_string(),
                time_zone: campaign.time_zone,
                factor_set: campaign.factor_set_id,
                baseline_mode: campaign.baseline_mode,
            },
        }
    }
}

/// A new participant: the token is shown only here and stored only as a hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct Joined {
    /// Your pseudonymous participant id.
    #[schema(example = "p-k7mq2xw9hd")]
    pub participant: String,
    /// Your token: send it as `Authorization: Bearer <token>` to `/v1/me` and `/v1/me/trips`.
    #[schema(example = "gcp_5b0e…")]
    pub token: String,
    /// The organization you joined.
    pub organization: OrganizationBrief,
    /// Its campaign.
    pub campaign: CampaignBrief,
}

problems! {
    InviteProblems {
        400 => "Malformed JSON",
        401 => "No or unknown credentials",
        413 => "Body too large",
        415 => "A body that is not application/json",
        403 => "A participant token, or another organization's key",
        404 => "No such campaign (or a private one the caller may not read) or organization",
        409 => "The organization is not enrolled in the campaign",
        422 => "Invalid `expires_at` or `max_participants`",
    }
    InviteListProblems {
        401 => "No or unknown credentials",
        403 => "A participant token, or another organization's key",
        404 => "No such campaign (or a private one the caller may not read) or organization",
        409 => "The organization is not enrolled in the campaign",
    }
    RevokeProblems {
        401 => "No or unknown credentials",
        403 => "A participant token, or another organization's key",
        404 => "No such invite or participant of this organization in this campaign",
        409 => "The organization is not enrolled in the campaign",
    }
    JoinProblems {
        400 => "Malformed JSON",
        413 => "Body too large",
        415 => "A body that is not application/json",
        404 => "No invite has this code",
        409 => "The invite admitted as many participants as it may",
        410 => "The invite was revoked or expired",
        422 => "Invalid `nickname`",
        429 => "Too many joins from this address or with this code; retry after `Retry-After` seconds",
    }
    PreviewProblems {
        404 => "No invite has this code",
        409 => "The invite admitted as many participants as it may",
        410 => "The invite was revoked or expired",
        429 => "Too many requests from this address; retry after `Retry-After` seconds",
    }
}

/// Create an invite
///
/// A join code for members of an organization to log their own commutes in a campaign: the
/// organization's own key or the admin. Share `url` (a link or a QR code); whoever opens it
/// joins as a pseudonymous participant. Optional expiry and maximum of participants.
#[utoipa::path(
    post,
    tag = TAG_PARTICIPANTS,
    security(("bearer" = [])),
    params(
        ("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"),
        ("organization_id" = String, Path, description = "Organization id", example = "sunrise-tech"),
    ),
    request_body(content = Option<InviteCreate>, description = "Options; `{}` or no body for none", example = json!({ "max_participants": 500 })),
    responses((status = 201, description = "The invite, with its code (shown only now)", body = InviteCreated), InviteProblems)
)]
#[post("/v1/campaigns/{campaign_id}/organizations/{organization_id}/invites")]
pub async fn create_invite(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    OptionalJsonBody(request): OptionalJsonBody<InviteCreate>,
) -> Result<HttpResponse, ApiError> {
    let (campaign_id, organization_id) = path.into_inner();
    let issued = state
        .service
        .create_invite(
            &caller,
            &campaign_id,
            &organization_id,
            NewInvite {
                expires_at: request.expires_at,
                max_participants: request.max_participants.map(|WholeNumber(n)| n),
            },
        )
        .await?;
    Ok(HttpResponse::Created().json(InviteCreated::from(issued)))
}

/// List invites
///
/// The organization's invites in the campaign with how many joined with each: its own key or
/// the admin. Codes are not kept; `code_hint` tells them apart.
#[utoipa::path(
    get,
    tag = TAG_PARTICIPANTS,
    security(("bearer" = [])),
    params(
        ("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"),
        ("organization_id" = String, Path, description = "Organization id", example = "sunrise-tech"),
    ),
    responses((status = 200, description = "The invites", body = InviteList), InviteListProblems)
)]
#[route(
    "/v1/campaigns/{campaign_id}/organizations/{organization_id}/invites",
    method = "GET",
    method = "HEAD"
)]
pub async fn list_invites(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (campaign_id, organization_id) = path.into_inner();
    let invites = state
        .service
        .invites(&caller, &campaign_id, &organization_id)
        .await?;
    Ok(HttpResponse::Ok().json(InviteList {
        invites: invites.into_iter().map(Into::into).collect(),
    }))
}

/// Revoke an invite
///
/// By its code or its id: the code admits nobody from now on; participants who joined keep
/// working. The organization's own key or the admin.
#[utoipa::path(
    delete,
    tag = TAG_PARTICIPANTS,
    security(("bearer" = [])),
    params(
        ("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"),
        ("organization_id" = String, Path, description = "Organization id", example = "sunrise-tech"),
        ("code" = String, Path, description = "The join code, or the invite's id (`inv_…`)", example = "inv_3f9a1c7e20b4"),
    ),
    responses((status = 204, description = "Revoked"), RevokeProblems)
)]
#[delete("/v1/campaigns/{campaign_id}/organizations/{organization_id}/invites/{code}")]
pub async fn revoke_invite(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (campaign_id, organization_id, code) = path.into_inner();
    state
        .service
        .revoke_invite(&caller, &campaign_id, &organization_id, &code)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Revoke a participant
///
/// The participant's token stops working at once; their trips stay and count. The
/// organization's own key or the admin.
#[utoipa::path(
    delete,
    tag = TAG_PARTICIPANTS,
    security(("bearer" = [])),
    params(
        ("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"),
        ("organization_id" = String, Path, description = "Organization id", example = "sunrise-tech"),
        ("participant_id" = String, Path, description = "Participant id (`p-…`)", example = "p-k7mq2xw9hd"),
    ),
    responses((status = 204, description = "Revoked"), RevokeProblems)
)]
#[delete(
    "/v1/campaigns/{campaign_id}/organizations/{organization_id}/participants/{participant_id}"
)]
pub async fn revoke_participant(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (campaign_id, organization_id, participant_id) = path.into_inner();
    state
        .service
        .revoke_participant(&caller, &campaign_id, &organization_id, &participant_id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// See an invite
///
/// The campaign and organization a code leads to, while it admits participants; no
/// credentials. The join page shows this before its one button.
#[utoipa::path(
    get,
    tag = TAG_PARTICIPANTS,
    params(("code" = String, Path, description = "The join code", example = "k7mq2xw9hd4ra6tzpe3n")),
    responses((status = 200, description = "Where the code leads", body = InvitePreview), PreviewProblems)
)]
#[route("/v1/join/{code}", method = "GET", method = "HEAD")]
pub async fn preview_invite(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.clients.limit_join(&req)?;
    let target = state.service.invite_target(&code).await?;
    Ok(HttpResponse::Ok().json(InvitePreview::from(target)))
}

/// Join
///
/// No credentials: the code is the invitation. Creates a pseudonymous participant (`p-…`) and
/// their token (`gcp_…`, shown only here, stored only as a hash); no name, phone or email. The
/// optional nickname is yours alone and never published. Limited per address and per code.
#[utoipa::path(
    post,
    tag = TAG_PARTICIPANTS,
    params(("code" = String, Path, description = "The join code", example = "k7mq2xw9hd4ra6tzpe3n")),
    request_body(content = Option<JoinRequest>, description = "No body, `{}`, or a nickname", example = json!({ "nickname": "小林" })),
    responses((status = 201, description = "Joined: your participant id and token", body = Joined), JoinProblems)
)]
#[post("/v1/join/{code}")]
pub async fn join(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
    OptionalJsonBody(request): OptionalJsonBody<JoinRequest>,
) -> Result<HttpResponse, ApiError> {
    state.clients.limit_join(&req)?;
    let joined = state.service.join(&code, request.nickname).await?;
    let preview = InvitePreview::from(joined.target);
    Ok(HttpResponse::Created().json(Joined {
        participant: joined.participant_id,
        token: joined.token,
        organization: preview.organization,
        campaign: preview.campaign,
    }))
}
