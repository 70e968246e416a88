//! Small wire-level types shared by several resources.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;

use crate::domain::cobenefit::AirMg;
use crate::http::extract::body::HOLDS_MORE;

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

/// Tailpipe pollutants in whole milligrams: NOx (as NO2) and exhaust PM2.5 (tyre, brake and
/// road wear, and power-plant emissions of electric modes, are outside this boundary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct AirAmounts {
    /// NOx, whole milligrams.
    #[schema(example = 1391)]
    pub nox_mg: i64,
    /// Exhaust PM2.5, whole milligrams.
    #[schema(example = 57)]
    pub pm25_mg: i64,
}

impl From<AirMg> for AirAmounts {
    fn from(air: AirMg) -> Self {
        Self {
            nox_mg: air.nox_mg,
            pm25_mg: air.pm25_mg,
        }
    }
}

/// A JSON array of at most `MAX` items, each kept as raw JSON to be parsed on its own. Counted
/// while it is read: past `MAX` items the body is refused at once, without reading (or holding)
/// the rest, so a huge batch costs no more memory than a full one.
#[derive(Debug)]
pub struct RawItems<const MAX: usize>(pub Vec<Box<RawValue>>);

impl<'de, const MAX: usize> Deserialize<'de> for RawItems<MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Items<const MAX: usize>;
        impl<'de, const MAX: usize> Visitor<'de> for Items<MAX> {
            type Value = RawItems<MAX>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an array of 1 to {MAX} items")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX));
                while let Some(item) = seq.next_element::<Box<RawValue>>()? {
                    if items.len() == MAX {
                        return Err(de::Error::custom(format!(
                            "must hold 1 to {MAX} items; {HOLDS_MORE}"
                        )));
                    }
                    items.push(item);
                }
                Ok(RawItems(items))
            }
        }
        deserializer.deserialize_seq(Items::<MAX>)
    }
}
