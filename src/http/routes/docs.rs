//! The OpenAPI document (generated from the registered handlers and their types) and Swagger UI.

use actix_web::dev::HttpServiceFactory;
use actix_web::{FromRequest, Handler, HttpResponse, Responder};
use once_cell::sync::Lazy;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::OpenApiFactory;
use utoipa_swagger_ui::SwaggerUi;

use super::{register, Access, Routes};

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Green Commute API",
        description = "Carbon calculator for green-commuting campaigns: emission-factor sets with their sources, per-trip CO2e and savings against a baseline, campaigns in which organizations log commutes, and results aggregated by organization. Alongside CO2e, the co-benefits: active minutes of walking, cycling and e-bike legs, and tailpipe NOx and exhaust PM2.5 avoided.\n\nAmounts are whole grams of CO2e (fields ending in `_g`), whole minutes and whole milligrams (`_mg`); each leg is rounded half away from zero and totals are exact sums. Errors are `application/problem+json` with the path of every invalid field.\n\n**Try it.** Start the service with `green-commute serve --demo` (`cargo run -- serve --demo`): it seeds the demo campaign `beijing-green-week-2026` (13 organizations, two weeks of commutes) and prints an admin token and a key of the organization `sunrise-tech`. Click **Authorize** and paste one of them: the admin token for campaigns and organizations, the `sunrise-tech` key for trips. Every example below is written against the demo campaign and succeeds as given, except where an id is one you create: for the participant operations, create an invite (**Participants**), join with its code, **Authorize** with the `gcp_…` token you get, and use your own invite, participant and trip ids. Estimates, factor sets and the results of public campaigns need no credentials. The campaign page is at [/campaigns/beijing-green-week-2026](/campaigns/beijing-green-week-2026).",
        license(name = "MIT OR Apache-2.0"),
    ),
    components(schemas(
        crate::http::error::Problem,
        super::leaderboard::SortKey,
        super::leaderboard::SizeBand,
        crate::domain::campaign::OrganizationKind,
        crate::domain::campaign::Direction,
        super::templates::TemplateLanguage
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "Estimates", description = "Per-trip CO2e and savings; no account needed, any origin."),
        (name = "Factor sets", description = "Emission factors with their sources, quality and derivations; no account needed."),
        (name = "Campaigns", description = "Campaigns and enrollment: the admin token writes; public campaigns are readable by anyone."),
        (name = "Organizations", description = "Organizations and their keys: the admin token."),
        (name = "Organizers", description = "Partner NGOs and city offices running their own campaigns with organizer keys: the admin token."),
        (name = "Participants", description = "Invites (join codes) an organization hands out, and joining with one: members of communities and associations log their own commutes, pseudonymously."),
        (name = "Me", description = "Who the credentials sent belong to; a participant's own trips."),
        (name = "Trips", description = "Logging commutes with an organization key (in the demo: the `sunrise-tech` key): atomic batches, no double counting."),
        (name = "Results", description = "Campaign summary, leaderboard and per-organization figures; public campaigns need no credentials."),
        (name = "Network", description = "The network's own totals over its public campaigns; no account needed."),
        (name = "Audit", description = "Who created, changed, enrolled, issued or revoked what, and when: the admin, or a campaign's organizer for its campaign."),
        (name = "Operations", description = "Health, readiness and Prometheus metrics."),
    )
)]
pub struct ApiDoc;

/// Declares the bearer scheme used by the admin token and organization keys.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The admin token (from configuration), an organization key (issued by the admin; `serve --demo` prints one of each) or a participant token (from joining with an invite).",
                    ))
                    .build(),
            ),
        );
    }
}

/// Collects the registered operations' paths and schemas into the document.
struct SpecRoutes(utoipa::openapi::OpenApi);

impl Routes for SpecRoutes {
    fn operation<F>(&mut self, _: Access, operation: F)
    where
        F: HttpServiceFactory + OpenApiFactory + 'static,
    {
        self.0.paths.merge(operation.paths());
        let mut schemas = Vec::new();
        operation.schemas(&mut schemas);
        self.0
            .components
            .get_or_insert_with(Default::default)
            .schemas
            .extend(schemas);
    }

    fn page<H, Args>(&mut self, _: Access, _: &'static str, _: H)
    where
        H: Handler<Args>,
        Args: FromRequest + 'static,
        H::Output: Responder + 'static,
    {
    }
}

/// The spec as served and committed (`openapi/openapi.json`), pretty-printed with a final newline.
pub static SPEC_JSON: Lazy<String> = Lazy::new(|| {
    let mut spec = SpecRoutes(ApiDoc::openapi());
    register(&mut spec);
    let mut json = spec
        .0
        .to_pretty_json()
        .expect("the OpenAPI document serializes");
    json.push('\n');
    json
});

/// Swagger UI, reading the served spec.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/swagger-ui/{_:.*}").external_url_unchecked(
        "/api-docs/openapi.json",
        serde_json::from_str::<serde_json::Value>(&SPEC_JSON).expect("the spec is JSON"),
    )
}

/// `/swagger-ui` without the slash: Swagger UI lives under `/swagger-ui/`.
pub async fn swagger_ui_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header(("Location", "/swagger-ui/"))
        .finish()
}

/// `/api-docs/openapi.json`: the spec.
pub async fn spec() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(SPEC_JSON.as_str())
}
