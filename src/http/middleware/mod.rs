//! The one middleware layer ([`observe`]: request ids, access logs, metrics, problem bodies) and
//! the CORS policy it applies.

pub mod cors;
pub mod observe;
