//! What handlers take from a request: the caller, the body (size, media type, JSON with field
//! paths) and paging parameters.

pub mod auth;
pub mod body;
pub mod client;
pub mod paging;
