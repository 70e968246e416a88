//! `GET /v1/factor-sets` and `GET /v1/factor-sets/{id}`.

use actix_web::{route, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::cobenefit::mg_per_km_from_ug;
use crate::domain::grams::g_per_km_from_ug;
use crate::factors::file::{AirDerivationFile, DerivationFile, SourceFile};
use crate::factors::{Boundary, FactorSet, GridLevel, LabelFile, Quality};

use crate::http::error::ApiError;
use crate::http::problems::problems;
use crate::http::{AppState, TAG_FACTORS};

/// The available factor sets.
#[derive(Debug, Serialize, ToSchema)]
pub struct FactorSetList<'a> {
    /// Every set, the default first.
    pub factor_sets: Vec<FactorSetSummary<'a>>,
}

/// A factor set in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct FactorSetSummary<'a> {
    /// Set id.
    #[schema(example = "cn-2022")]
    pub id: &'a str,
    /// Version; changes whenever a value changes.
    #[schema(example = "2022.2")]
    pub version: &'a str,
    /// Title.
    pub title: &'a str,
    /// ISO 3166-1 code of where the set applies.
    #[schema(example = "CN")]
    pub region: &'a str,
    /// `tank_to_wheel` or `well_to_wheel`.
    pub boundary: Boundary,
    /// Mode used as baseline when none is given.
    #[schema(example = "car")]
    pub default_baseline_mode: &'a str,
    /// Whether requests that name no set use this one.
    pub is_default: bool,
}

/// A factor set in full: every factor with its source, quality and derivation.
#[derive(Debug, Serialize, ToSchema)]
pub struct FactorSetDetail<'a> {
    /// Set id.
    pub id: &'a str,
    /// Version.
    pub version: &'a str,
    /// Title.
    pub title: &'a str,
    /// ISO 3166-1 code of where the set applies.
    pub region: &'a str,
    /// `tank_to_wheel` or `well_to_wheel`.
    pub boundary: Boundary,
    /// Gases and global-warming potentials counted.
    pub gwp_basis: &'a str,
    /// Mode used as baseline when none is given.
    pub default_baseline_mode: &'a str,
    /// Whether requests that name no set use this one.
    pub is_default: bool,
    /// What the set covers and excludes.
    pub description: &'a str,
    /// Publications the factors cite.
    pub sources: Vec<SourceOut<'a>>,
    /// Grid regions whose electricity factors the electric modes use (empty when the set has none).
    pub grid_regions: Vec<GridRegionOut<'a>>,
    /// The grid region used when a request names none.
    pub default_grid_region: Option<&'a str>,
    /// One factor per mode.
    pub modes: Vec<ModeOut<'a>>,
}

/// A cited publication.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceOut<'a> {
    /// Id that factors cite.
    pub id: &'a str,
    /// Title.
    pub title: &'a str,
    /// Publisher.
    pub publisher: &'a str,
    /// Year of publication.
    pub year: i32,
    /// Where to read it, when known.
    pub url: Option<&'a str>,
}

/// A grid region.
#[derive(Debug, Serialize, ToSchema)]
pub struct GridRegionOut<'a> {
    /// Id to pass as `region`.
    #[schema(example = "CN-BJ")]
    pub id: &'a str,
    /// Names.
    pub name: &'a LabelFile,
    /// `national`, `regional` or `provincial`.
    pub level: GridLevel,
    /// The enclosing grid.
    pub parent: Option<&'a str>,
    /// Other names accepted as `region`.
    pub aliases: &'a [String],
    /// Grams CO2 per kWh applied (its own, or inherited from `factor_from`).
    pub co2e_g_per_kwh: f64,
    /// Region whose published factor applies.
    pub factor_from: &'a str,
    /// Remarks.
    pub note: Option<&'a str>,
}

/// One mode's factor.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModeOut<'a> {
    /// Mode id.
    #[schema(example = "metro")]
    pub mode: &'a str,
    /// Names.
    pub label: &'a LabelFile,
    /// Other names people write for the mode, which spreadsheet uploads accept like the id and
    /// the labels (matched without case, spaces or brackets); empty when the set gives none.
    #[schema(example = json!(["轨道交通", "城轨", "subway"]))]
    pub aliases: &'a [String],
    /// `passenger_km` or `vehicle_km` (per-vehicle factors are divided by passengers).
    #[schema(example = "passenger_km")]
    pub basis: &'static str,
    /// Grams CO2e per km of the basis, full precision (on the default grid for grid-derived modes).
    pub co2e_g_per_km: f64,
    /// Electricity per km of the basis, for grid-derived modes: the factor is `fixed_g_per_km + grid_kwh_per_km × grid factor`.
    pub grid_kwh_per_km: Option<f64>,
    /// The part of a grid-derived factor that does not depend on the grid, g per km.
    pub fixed_g_per_km: Option<f64>,
    /// Id of the source.
    pub source: &'a str,
    /// `published`, `derived` or `proxy`.
    pub quality: Quality,
    /// Formula and inputs, for derived and proxy factors.
    pub derivation: Option<&'a DerivationFile>,
    /// Longest accepted leg in this mode, km.
    pub max_distance_km: f64,
    /// Remarks, including why a proxy is used.
    pub note: Option<&'a str>,
    /// Default speed and intensity, for modes whose trips count as physical activity (walking,
    /// cycling, e-bike); absent for other modes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<ActiveOut<'a>>,
    /// Tailpipe NOx and exhaust PM2.5 per km of the basis; absent where the set gives none (a
    /// trip in such a mode counts 0 and its estimate says `air_complete: false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub air: Option<AirOut<'a>>,
}

/// An active mode's parameters: a leg counts `distance_km ÷ speed_kmh × 60` active minutes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActiveOut<'a> {
    /// Default speed, km/h (as used: whole metres per hour).
    #[schema(example = 4.8)]
    pub speed_kmh: f64,
    /// Intensity, METs (Compendium of Physical Activities code or a measured study).
    #[schema(example = 4.0)]
    pub met: f64,
    /// Id of the source of the speed and MET value.
    #[schema(example = "who-heat-v3")]
    pub source: &'a str,
    /// Where each number was read, and caveats.
    pub note: Option<&'a str>,
}

/// A mode's tailpipe pollutants, per km of its basis (per-vehicle values are divided by the
/// travellers sharing the vehicle, like CO2e). Exhaust only: tyre, brake and road wear, and the
/// power plants of electric modes, are outside this boundary.
#[derive(Debug, Serialize, ToSchema)]
pub struct AirOut<'a> {
    /// `passenger_km` or `vehicle_km`: always the mode's basis.
    #[schema(example = "vehicle_km")]
    pub basis: &'static str,
    /// Milligrams NOx (as NO2) per km, as used (µg precision).
    #[schema(example = 139.082)]
    pub nox_mg_per_km: f64,
    /// Milligrams exhaust PM2.5 per km, as used (µg precision).
    #[schema(example = 5.677)]
    pub pm25_mg_per_km: f64,
    /// Id of the main source.
    #[schema(example = "mep-2014-vehicle-guide")]
    pub source: &'a str,
    /// `published`, `derived` or `proxy`.
    pub quality: Quality,
    /// Formula and inputs (occupancy included for per-passenger values), for derived and proxy
    /// values.
    pub derivation: Option<&'a AirDerivationFile>,
    /// The table or row read; why a proxy is used.
    pub note: Option<&'a str>,
}

impl<'a> FactorSetDetail<'a> {
    fn new(set: &'a FactorSet, is_default: bool) -> Self {
        let file = set.file();
        let regions_file = file.grid_regions.as_deref().unwrap_or_default();
        Self {
            id: set.id(),
            version: set.version(),
            title: &file.title,
            region: &file.region,
            boundary: file.boundary,
            gwp_basis: &file.gwp_basis,
            default_baseline_mode: &file.default_baseline_mode,
            is_default,
            description: &file.description,
            sources: file.sources.iter().map(SourceOut::from).collect(),
            grid_regions: set
                .grid_regions()
                .iter()
                .zip(regions_file)
                .map(|(region, raw)| GridRegionOut {
                    id: &region.id,
                    name: &region.name,
                    level: region.level,
                    parent: raw.parent.as_deref(),
                    aliases: &raw.aliases,
                    co2e_g_per_kwh: region.co2e_g_per_kwh,
                    factor_from: &set.grid_regions()[region.factor_from].id,
                    note: raw.note.as_deref(),
                })
                .collect(),
            default_grid_region: set.default_grid_region().map(|r| r.id.as_str()),
            modes: set
                .modes()
                .iter()
                .map(|mode| {
                    let raw = set.mode_file(mode);
                    ModeOut {
                        mode: mode.mode.as_str(),
                        label: &raw.label,
                        aliases: &raw.aliases,
                        basis: mode.basis.as_str(),
                        co2e_g_per_km: g_per_km_from_ug(set.resolve(mode, None).ug_per_km),
                        grid_kwh_per_km: raw.grid_kwh_per_km,
                        fixed_g_per_km: raw
                            .grid_kwh_per_km
                            .map(|_| raw.fixed_g_per_km.unwrap_or(0.0)),
                        source: &raw.source,
                        quality: raw.quality,
                        derivation: raw.derivation.as_ref(),
                        max_distance_km: raw.max_distance_km,
                        note: raw.note.as_deref(),
                        active: mode.active.zip(raw.active.as_ref()).map(|(active, file)| {
                            ActiveOut {
                                speed_kmh: active.speed_m_per_h as f64 / 1000.0,
                                met: active.met_x10 as f64 / 10.0,
                                source: &file.source,
                                note: file.note.as_deref(),
                            }
                        }),
                        air: mode.air.zip(raw.air.as_ref()).map(|(air, file)| AirOut {
                            basis: file.basis.as_str(),
                            nox_mg_per_km: mg_per_km_from_ug(air.nox_ug_per_km),
                            pm25_mg_per_km: mg_per_km_from_ug(air.pm25_ug_per_km),
                            source: &file.source,
                            quality: file.quality,
                            derivation: file.derivation.as_ref(),
                            note: file.note.as_deref(),
                        }),
                    }
                })
                .collect(),
        }
    }
}

impl<'a> From<&'a SourceFile> for SourceOut<'a> {
    fn from(source: &'a SourceFile) -> Self {
        Self {
            id: &source.id,
            title: &source.title,
            publisher: &source.publisher,
            year: source.year,
            url: source.url.as_deref(),
        }
    }
}

problems! {
    FactorSetProblems { 404 => "No such factor set" }
}

/// List factor sets
///
/// Every factor set this service offers, the default first. A campaign or request names one by id.
#[utoipa::path(
    get,
    tag = TAG_FACTORS,
    responses((status = 200, description = "The factor sets", body = FactorSetList))
)]
#[route("/v1/factor-sets", method = "GET", method = "HEAD")]
pub async fn list_factor_sets(state: web::Data<AppState>) -> HttpResponse {
    let catalogue = state.service.catalogue();
    let default_id = catalogue.default_set().id();
    let factor_sets = catalogue
        .sets()
        .iter()
        .map(|set| FactorSetSummary {
            id: set.id(),
            version: set.version(),
            title: &set.file().title,
            region: &set.file().region,
            boundary: set.file().boundary,
            default_baseline_mode: &set.file().default_baseline_mode,
            is_default: set.id() == default_id,
        })
        .collect();
    HttpResponse::Ok().json(FactorSetList { factor_sets })
}

/// Read a factor set
///
/// Every factor of the set with its basis, value in grams CO2e per km, source, quality
/// (`published`, `derived` or `proxy`) and derivation, plus the grid regions electric modes use.
/// Modes may carry co-benefit parameters: `active` (speed and MET of walking, cycling, e-bike)
/// and `air` (tailpipe NOx and exhaust PM2.5 per km, with source and quality).
#[utoipa::path(
    get,
    tag = TAG_FACTORS,
    params(("id" = String, Path, description = "Factor-set id", example = "cn-2022")),
    responses((status = 200, description = "The factor set", body = FactorSetDetail), FactorSetProblems)
)]
#[route("/v1/factor-sets/{id}", method = "GET", method = "HEAD")]
pub async fn get_factor_set(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let catalogue = state.service.catalogue();
    let set = catalogue.get(&id).ok_or_else(|| {
        ApiError::not_found(format!(
            "no factor set `{}`; see GET /v1/factor-sets",
            crate::domain::mode::truncate_for_message(&id)
        ))
    })?;
    let is_default = set.id() == catalogue.default_set().id();
    Ok(HttpResponse::Ok().json(FactorSetDetail::new(set, is_default)))
}
