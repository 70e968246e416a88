//! Trip templates to download: the header row and two example rows, as CSV or as a workbook
//! whose second sheet lists the campaign's modes and directions.

use actix_web::{route, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::trips::SpreadsheetFile;
use crate::http::error::ApiError;
use crate::http::extract::body::MediaType;
use crate::http::extract::paging::parse_query;
use crate::http::problems::problems;
use crate::http::{AppState, TAG_TRIPS};
use crate::import;
use crate::service::Caller;

problems! {
    TemplateProblems {
        401 => "Unknown credentials",
        404 => "No such campaign, or a private one the caller may not read",
        422 => "Bad `lang`",
    }
}

/// The language of a template.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TemplateLanguage {
    /// 中文.
    Zh,
    /// English.
    En,
}

/// Template options.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// `zh` (default) or `en`: the language of the headers and example values.
    pub lang: Option<TemplateLanguage>,
}

impl TemplateQuery {
    fn language(&self) -> import::Language {
        match self.lang {
            Some(TemplateLanguage::En) => import::Language::English,
            _ => import::Language::Chinese,
        }
    }
}

/// A template file, for download.
fn template_file(body: Vec<u8>, content_type: &'static str, file_name: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(body)
}

/// Trip template (CSV)
///
/// The header row and two example rows for a coordinator to fill in, in Chinese (`?lang=zh`,
/// the default) or English; UTF-8 with a byte-order mark so that Excel opens it right. It
/// uploads back as it is. Readable like the campaign.
#[utoipa::path(
    get,
    tag = TAG_TRIPS,
    security((), ("bearer" = [])),
    params(("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"), TemplateQuery),
    responses((status = 200, description = "The CSV template", body = String, content_type = "text/csv"), TemplateProblems)
)]
#[route(
    "/v1/campaigns/{campaign_id}/trips/template.csv",
    method = "GET",
    method = "HEAD"
)]
pub async fn template_csv(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let query: TemplateQuery = parse_query(&req)?;
    let (campaign, set) = state
        .service
        .readable_campaign_and_set(&caller, &path)
        .await?;
    let body = import::template::csv(&set, query.language(), campaign.starts_on);
    Ok(template_file(
        body,
        "text/csv; charset=utf-8",
        format!("{}-trips.csv", campaign.id),
    ))
}

/// Trip template (XLSX)
///
/// The same as the CSV template as a workbook: the trips sheet (dates as date cells) and a
/// second sheet listing the campaign's modes with their Chinese and English names and aliases,
/// and the directions. It uploads back as it is. Readable like the campaign.
#[utoipa::path(
    get,
    tag = TAG_TRIPS,
    security((), ("bearer" = [])),
    params(("campaign_id" = String, Path, description = "Campaign id", example = "beijing-green-week-2026"), TemplateQuery),
    responses((status = 200, description = "The XLSX template", body = SpreadsheetFile, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), TemplateProblems)
)]
#[route(
    "/v1/campaigns/{campaign_id}/trips/template.xlsx",
    method = "GET",
    method = "HEAD"
)]
pub async fn template_xlsx(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let query: TemplateQuery = parse_query(&req)?;
    let (campaign, set) = state
        .service
        .readable_campaign_and_set(&caller, &path)
        .await?;
    let body = import::template::xlsx(&set, query.language(), campaign.starts_on)
        .map_err(ApiError::internal)?;
    Ok(template_file(
        body,
        MediaType::Xlsx.name(),
        format!("{}-trips.xlsx", campaign.id),
    ))
}
