//! `GET /v1/me`: who the credentials belong to, so that a page can greet a pasted key by name.

use actix_web::{route, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::campaigns::CampaignResponse;
use super::organizations::OrganizationResponse;
use crate::http::error::ApiError;
use crate::http::problems::problems;
use crate::http::{AppState, TAG_ME};
use crate::service::{Caller, Identity};

/// The caller, by the kind of credentials sent (`role`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum MeResponse<'a> {
    /// The admin token.
    Admin {},
    /// An organization key: its organization and the campaigns it is enrolled in (private ones
    /// included), by id.
    Organization {
        organization: OrganizationResponse<'a>,
        campaigns: Vec<CampaignResponse<'a>>,
    },
}

impl<'a> From<&'a Identity> for MeResponse<'a> {
    fn from(identity: &'a Identity) -> Self {
        match identity {
            Identity::Admin => Self::Admin {},
            Identity::Organization {
                organization,
                campaigns,
            } => Self::Organization {
                organization: organization.into(),
                campaigns: campaigns.iter().map(CampaignResponse::from).collect(),
            },
        }
    }
}

problems! {
    MeProblems {
        401 => "No or unknown credentials",
    }
}

/// Who am I
///
/// The owner of the credentials sent: for an organization key, its organization and the
/// campaigns it is enrolled in (the coordinators' page at `/organize` starts here); for the admin
/// token, `{"role": "admin"}`.
#[utoipa::path(
    get,
    tag = TAG_ME,
    security(("bearer" = [])),
    responses((status = 200, description = "The caller", body = MeResponse), MeProblems)
)]
#[route("/v1/me", method = "GET", method = "HEAD")]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let identity = state.service.identity(&caller).await?;
    Ok(HttpResponse::Ok().json(MeResponse::from(&identity)))
}
