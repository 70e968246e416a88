//! Who is on the other end, by address, and the limits kept per address: anonymous estimates
//! (off unless configured), failed authentications and joins.

use actix_web::http::header::HeaderName;
use actix_web::HttpRequest;

use crate::http::error::ApiError;
use crate::service::RateLimiter;

/// Rate limits kept per client address.
pub struct ClientLimits {
    /// Estimates per address.
    pub estimates: RateLimiter,
    /// Failed authentications per address.
    pub auth_failures: RateLimiter,
    /// Joins with invite codes per address.
    pub joins: RateLimiter,
    /// The header a trusted proxy puts the client's address in, if one is configured.
    pub address_header: Option<HeaderName>,
}

impl ClientLimits {
    /// The client's address: the last entry of the configured proxy header (the one the proxy
    /// added), else the connection's peer.
    pub fn address(&self, req: &HttpRequest) -> String {
        let forwarded = self
            .address_header
            .as_ref()
            .and_then(|name| req.headers().get(name))
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.rsplit(',').next())
            .map(str::trim)
            .filter(|address| !address.is_empty());
        match forwarded {
            Some(address) => address.to_owned(),
            None => req
                .peer_addr()
                .map_or_else(|| "unknown".to_owned(), |peer| peer.ip().to_string()),
        }
    }

    /// Takes one estimate from the client's bucket (429 when it is empty); free when off.
    pub fn limit_estimate(&self, req: &HttpRequest) -> Result<(), ApiError> {
        if !self.estimates.is_on() {
            return Ok(());
        }
        Ok(self.estimates.check(&self.address(req))?)
    }

    /// Takes one join from the client's bucket (429 when it is empty).
    pub fn limit_join(&self, req: &HttpRequest) -> Result<(), ApiError> {
        Ok(self.joins.check(&self.address(req))?)
    }
}
