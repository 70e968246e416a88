//! Every route of the service, registered once in [`register`]: the router, the OpenAPI document
//! and the CORS policy all read that one list. One module per resource.

pub mod audit;
pub mod campaigns;
pub mod compare;
pub mod docs;
pub mod estimate;
pub mod estimate_json;
pub mod factor_sets;
pub mod invites;
pub mod leaderboard;
pub mod me;
pub mod network;
pub mod ops;
pub mod organizations;
pub mod organizers;
pub mod policy;
pub mod rebase;
pub mod results;
pub mod site;
pub mod templates;
pub mod trips;
pub mod wire;

use actix_web::dev::HttpServiceFactory;
use actix_web::http::Method;
use actix_web::{guard, web, FromRequest, Handler, Responder};
use utoipa_actix_web::OpenApiFactory;

/// Which browser origins may read a route's answers (no cookies are ever used).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Any origin, with credentials or without: estimates, which never read stored data.
    AnyOrigin,
    /// Any origin for a request without credentials (factor sets, public results, health); a
    /// request with them may read what is private (a private campaign's results, the admin's
    /// list of every campaign), so it answers only the configured origins.
    PublicRead,
    /// Only the origins configured with `--cors-origin`: everything that takes credentials.
    ConfiguredOrigins,
}

/// What a route list is registered into: the router, the OpenAPI document or the route policy.
pub trait Routes {
    /// A documented API operation: a handler with both `#[utoipa::path]` and an actix route
    /// attribute, which gives its path and methods.
    fn operation<F>(&mut self, access: Access, operation: F)
    where
        F: HttpServiceFactory + OpenApiFactory + 'static;

    /// An undocumented page or file, answered to GET and HEAD.
    fn page<H, Args>(&mut self, access: Access, path: &'static str, handler: H)
    where
        H: Handler<Args>,
        Args: FromRequest + 'static,
        H::Output: Responder + 'static;
}

/// The service's routes, in the order the OpenAPI document lists them.
pub fn register(routes: &mut impl Routes) {
    use Access::*;
    routes.operation(AnyOrigin, estimate::estimate_one);
    routes.operation(AnyOrigin, estimate::estimate_batch);
    routes.operation(PublicRead, factor_sets::list_factor_sets);
    routes.operation(PublicRead, factor_sets::get_factor_set);
    routes.operation(ConfiguredOrigins, campaigns::create_campaign);
    routes.operation(PublicRead, campaigns::list_campaigns);
    routes.operation(PublicRead, campaigns::get_campaign);
    routes.operation(ConfiguredOrigins, campaigns::update_campaign);
    routes.operation(ConfiguredOrigins, campaigns::enroll_organization);
    routes.operation(ConfiguredOrigins, rebase::rebase);
    routes.operation(PublicRead, rebase::history);
    routes.operation(ConfiguredOrigins, organizations::create_organization);
    routes.operation(ConfiguredOrigins, organizations::list_organizations);
    routes.operation(ConfiguredOrigins, organizations::get_organization);
    routes.operation(ConfiguredOrigins, organizations::update_organization);
    routes.operation(ConfiguredOrigins, organizations::issue_key);
    routes.operation(ConfiguredOrigins, organizations::revoke_key);
    routes.operation(ConfiguredOrigins, organizers::create_organizer);
    routes.operation(ConfiguredOrigins, organizers::list_organizers);
    routes.operation(ConfiguredOrigins, organizers::get_organizer);
    routes.operation(ConfiguredOrigins, organizers::issue_organizer_key);
    routes.operation(ConfiguredOrigins, organizers::revoke_organizer_key);
    routes.operation(ConfiguredOrigins, invites::create_invite);
    routes.operation(ConfiguredOrigins, invites::list_invites);
    routes.operation(ConfiguredOrigins, invites::revoke_invite);
    routes.operation(ConfiguredOrigins, invites::revoke_participant);
    routes.operation(ConfiguredOrigins, invites::preview_invite);
    routes.operation(ConfiguredOrigins, invites::join);
    routes.operation(ConfiguredOrigins, me::me);
    routes.operation(ConfiguredOrigins, me::log_own_trips);
    routes.operation(ConfiguredOrigins, me::list_own_trips);
    routes.operation(ConfiguredOrigins, me::delete_own_trip);
    routes.operation(ConfiguredOrigins, trips::log_trips);
    routes.operation(ConfiguredOrigins, trips::list_trips);
    routes.operation(PublicRead, templates::template_csv);
    routes.operation(PublicRead, templates::template_xlsx);
    routes.operation(ConfiguredOrigins, trips::delete_trip);
    routes.operation(PublicRead, results::campaign_summary);
    routes.operation(PublicRead, leaderboard::leaderboard);
    routes.operation(PublicRead, leaderboard::leaderboard_csv);
    routes.operation(PublicRead, results::organization_summary);
    routes.operation(PublicRead, compare::compare);
    routes.operation(PublicRead, network::network_summary);
    routes.operation(ConfiguredOrigins, audit::audit);
    routes.operation(ConfiguredOrigins, audit::campaign_audit);
    routes.operation(PublicRead, ops::healthz);
    routes.operation(PublicRead, ops::readyz);
    routes.operation(ConfiguredOrigins, ops::metrics);
    routes.page(PublicRead, "/api-docs/openapi.json", docs::spec);
    routes.page(ConfiguredOrigins, "/swagger-ui", docs::swagger_ui_redirect);
    routes.page(ConfiguredOrigins, "/", site::page);
    routes.page(ConfiguredOrigins, "/campaigns/{campaign_id}", site::page);
    routes.page(ConfiguredOrigins, "/organize", site::organize);
    routes.page(ConfiguredOrigins, "/join/{code}", site::participant);
    routes.page(ConfiguredOrigins, "/me", site::participant);
    routes.page(ConfiguredOrigins, "/network", site::network);
    routes.page(ConfiguredOrigins, "/assets/{name}", site::asset);
}

/// A 201 with the new resource's `Location` and its JSON.
pub fn created(location: String, body: &impl serde::Serialize) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(body)
}

/// A route for GET and HEAD (actix answers HEAD without the body).
pub fn read() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// The methods a path item documents, in the order an `Allow` header lists them.
pub fn documented_methods(item: &utoipa::openapi::PathItem) -> Vec<Method> {
    [
        (item.get.is_some(), Method::GET),
        (item.get.is_some(), Method::HEAD),
        (item.post.is_some(), Method::POST),
        (item.put.is_some(), Method::PUT),
        (item.patch.is_some(), Method::PATCH),
        (item.delete.is_some(), Method::DELETE),
    ]
    .into_iter()
    .filter_map(|(present, method)| present.then_some(method))
    .collect()
}
