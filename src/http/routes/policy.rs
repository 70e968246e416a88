//! What the route list says about any request path: which methods it takes (for 405 and
//! `Allow`) and which origins may read it (for CORS). Built once from [`super::register`].

use actix_web::dev::{HttpServiceFactory, ResourceDef};
use actix_web::http::Method;
use actix_web::{FromRequest, Handler, Responder};
use once_cell::sync::Lazy;
use utoipa_actix_web::OpenApiFactory;

use super::{documented_methods, register, Access, Routes};

/// The methods the service serves, in the order in which `Allow` (and CORS) list them.
pub const SERVED_METHODS: [Method; 6] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

/// One route: its path pattern, a method it takes and who may read it.
struct Entry {
    pattern: ResourceDef,
    method: Method,
    access: Access,
}

/// Every registered route, in registration order.
#[derive(Default)]
pub struct RoutePolicy {
    entries: Vec<Entry>,
}

/// The policy of this service's routes.
pub static POLICY: Lazy<RoutePolicy> = Lazy::new(|| {
    let mut policy = RoutePolicy::default();
    register(&mut policy);
    policy
});

impl RoutePolicy {
    /// The routes whose pattern matches `path` most literally: `/trips/template.csv` is its own
    /// resource, not a trip id, so `/trips/{trip_id}` does not lend it its methods.
    fn matching(&self, path: &str) -> impl Iterator<Item = &Entry> {
        let matching: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.pattern.is_match(path))
            .collect();
        let fewest = matching
            .iter()
            .map(|e| dynamic_segments(&e.pattern))
            .min()
            .unwrap_or(0);
        matching
            .into_iter()
            .filter(move |e| dynamic_segments(&e.pattern) == fewest)
    }

    /// Who may read `method` on `path`, if some route takes it.
    pub fn access(&self, path: &str, method: &Method) -> Option<Access> {
        self.entries
            .iter()
            .find(|e| e.method == method && e.pattern.is_match(path))
            .map(|e| e.access)
    }

    /// The methods some route takes on `path` (`GET, HEAD, POST`), if the path exists at all.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let mut methods: Vec<&Method> = self.matching(path).map(|e| &e.method).collect();
        methods.sort_by_key(|m| SERVED_METHODS.iter().position(|o| o == *m));
        methods.dedup();
        let names: Vec<&str> = methods.iter().map(|m| m.as_str()).collect();
        (!names.is_empty()).then(|| names.join(", "))
    }

    fn add(&mut self, path: &str, methods: Vec<Method>, access: Access) {
        for method in methods {
            self.entries.push(Entry {
                pattern: ResourceDef::new(path),
                method,
                access,
            });
        }
    }
}

impl Routes for RoutePolicy {
    fn operation<F>(&mut self, access: Access, operation: F)
    where
        F: HttpServiceFactory + OpenApiFactory + 'static,
    {
        for (path, item) in operation.paths().paths {
            self.add(&path, documented_methods(&item), access);
        }
    }

    fn page<H, Args>(&mut self, access: Access, path: &'static str, _: H)
    where
        H: Handler<Args>,
        Args: FromRequest + 'static,
        H::Output: Responder + 'static,
    {
        self.add(path, vec![Method::GET, Method::HEAD], access);
    }
}

/// How many `{…}` segments a pattern has.
fn dynamic_segments(pattern: &ResourceDef) -> usize {
    pattern.pattern().map_or(0, |p| p.matches('{').count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_and_access_come_from_the_registered_routes() {
        assert_eq!(
            POLICY.allowed("/v1/campaigns").as_deref(),
            Some("GET, HEAD, POST")
        );
        assert_eq!(POLICY.allowed("/v1/estimate").as_deref(), Some("POST"));
        assert_eq!(POLICY.allowed("/v1/nothing-here"), None);
        assert_eq!(
            POLICY.access("/v1/campaigns/x/summary", &Method::GET),
            Some(Access::PublicRead)
        );
        assert_eq!(
            POLICY.access("/v1/estimate", &Method::POST),
            Some(Access::AnyOrigin)
        );
        assert_eq!(
            POLICY.access("/v1/campaigns/x/trips", &Method::POST),
            Some(Access::ConfiguredOrigins)
        );
        assert_eq!(POLICY.access("/v1/estimate", &Method::GET), None);
    }
}
