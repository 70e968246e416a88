//! The audit trail: who created, changed, enrolled, issued or revoked what, and when.

use actix_web::{route, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::error::ApiError;
use crate::http::extract::paging;
use crate::http::problems::problems;
use crate::http::{AppState, TAG_AUDIT};
use crate::service::Caller;
use crate::store::AuditEntry;

/// One entry of the trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryResponse {
    /// Position in the trail.
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// `admin`, `organizer`, `organization` or `participant`.
    #[schema(example = "organizer")]
    pub actor: String,
    /// The organizer, organization or participant id; null for the admin.
    pub actor_id: Option<String>,
    /// The key used (its id, never the key), when a key was.
    pub key_id: Option<String>,
    /// What was done: `campaign.create`, `campaign.update`, `campaign.rebase` (its detail:
    /// `from` and `to` sets, the totals `before` and `after`), `enrollment.create`,
    /// `organization.create`, `organization.update`, `organization_key.issue`,
    /// `organization_key.revoke`, `organizer.create`, `organizer_key.issue`,
    /// `organizer_key.revoke`, `invite.create`, `invite.revoke`, `participant.revoke`.
    #[schema(example = "campaign.update")]
    pub action: String,
    /// The campaign concerned, if any.
    pub campaign_id: Option<String>,
    /// What it was done to (an id).
    pub subject: String,
    /// The values set or changed (`{ "field": { "from", "to" } }` for updates).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<AuditEntry> for AuditEntryResponse {
    fn from(e: AuditEntry) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            actor_id: e.actor_id,
            key_id: e.key_id,
            action: e.action,
            campaign_id: e.campaign_id,
            subject: e.subject,
            // Stored as JSON by the service; anything else is shown as text rather than lost.
            detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::String(e.detail)),
        }
    }
}

/// A page of the trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Oldest first.
    pub entries: Vec<AuditEntryResponse>,
    /// Pass as `cursor` for the next page; null at the end.
    pub next_cursor: Option<String>,
}

problems! {
    AuditProblems {
        401 => "No or unknown credentials",
        403 => "Not the admin",
        422 => "Bad `limit` or `cursor`",
    }
    CampaignAuditProblems {
        401 => "No or unknown credentials",
        403 => "Not the admin or the campaign's organizer",
        404 => "No such campaign, or a private one the caller may not read",
        422 => "Bad `limit` or `cursor`",
    }
}

async fn page(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    campaign_id: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let page = paging::page(req)?;
    let after = paging::after_id(&page)?;
    let limit = page.limit;
    let entries = state
        .service
        .audit_trail(
            caller,
            campaign_id,
            after,
            u32::try_from(limit + 1).unwrap_or(u32::MAX),
        )
        .await?;
    let has_more = entries.len() > limit;
    let entries: Vec<AuditEntryResponse> =
        entries.into_iter().take(limit).map(Into::into).collect();
    let next_cursor = has_more
        .then(|| entries.last().map(|e| paging::id_cursor(e.seq)))
        .flatten();
    Ok(HttpResponse::Ok().json(AuditPage {
        entries,
        next_cursor,
    }))
}

/// The audit trail
///
/// Admin only. Who (the admin, which organizer key, which organization key) created, changed,
/// enrolled, issued or revoked what, and when, oldest first.
#[utoipa::path(
    get,
    tag = TAG_AUDIT,
    security(("bearer" = [])),
    params(paging::PageQuery),
    responses((status = 200, description = "A page of the trail", body = AuditPage), AuditProblems)
)]
#[route("/v1/audit", method = "GET", method = "HEAD")]
pub async fn audit(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    page(&state, &caller, &req, None).await
}

/// A campaign's audit trail
///
/// The admin or the campaign's organizer: the entries concerning the campaign (its changes,
/// enrollments, invites, participants revoked).
#[utoipa::path(
    get,
    tag = TAG_AUDIT,
    security(("bearer" = [])),
    params(("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"), paging::PageQuery),
    responses((status = 200, description = "A page of the campaign's trail", body = AuditPage), CampaignAuditProblems)
)]
#[route("/v1/campaigns/{campaign_id}/audit", method = "GET", method = "HEAD")]
pub async fn campaign_audit(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    page(&state, &caller, &req, Some(&path)).await
}
