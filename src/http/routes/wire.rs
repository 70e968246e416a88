//! Small wire-level types shared by several resources.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// A JSON integer that also accepts an integral float such as `2.0` (JSON Schema counts it as one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct WholeNumber(pub i64);

impl<'de> Deserialize<'de> for WholeNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WholeVisitor;
        impl Visitor<'_> for WholeVisitor {
            type Value = WholeNumber;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<WholeNumber, E> {
                Ok(WholeNumber(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<WholeNumber, E> {
                i64::try_from(v)
                    .map(WholeNumber)
                    .map_err(|_| E::custom("number too large"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<WholeNumber, E> {
                if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(WholeNumber(v as i64))
                } else {
                    // Shown as given for ordinary values, in scientific notation for huge ones.
                    let shown = if v.abs() < 1e9 {
                        v.to_string()
                    } else {
                        format!("{v:e}")
                    };
                    Err(E::custom(format!("expected a whole number, got {shown}")))
                }
            }
        }
        deserializer.deserialize_any(WholeVisitor)
    }
}

/// A factor set named by id and version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FactorSetRef<'a> {
    /// Set id.
    #[schema(example = "cn-2022")]
    pub id: &'a str,
    /// Set version.
    #[schema(example = "2022.2")]
    pub version: &'a str,
}
