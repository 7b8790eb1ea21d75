//! Integers in request bodies as JSON Schema counts them: `3.0` is the
//! integer 3 (any number with a zero fractional part is), so a body the
//! document allows is not refused for writing one that way.

use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Int(i64),
    Float(f64),
}

/// Largest magnitude below 2^63 that an `f64` holds exactly.
const LIMIT: f64 = 9_223_372_036_854_774_784.0;

fn integral<E: serde::de::Error>(n: Number) -> Result<i64, E> {
    match n {
        Number::Int(i) => Ok(i),
        Number::Float(f) if f.fract() == 0.0 && (-LIMIT..=LIMIT).contains(&f) => {
            // Integral and within range (checked above): exact.
            Ok(f as i64)
        }
        Number::Float(f) => Err(E::custom(format!("{f} is not an integer"))),
    }
}

/// An `i64` written as a JSON integer or an integral number.
pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    integral(Number::deserialize(d)?)
}

/// An optional `i64`, likewise.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Option::<Number>::deserialize(d)?.map(integral).transpose()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    #[derive(serde::Deserialize)]
    struct T {
        #[serde(deserialize_with = "super::i64")]
        a: i64,
        #[serde(default, deserialize_with = "super::opt_i64")]
        b: Option<i64>,
    }

    #[test]
    fn integral_numbers_are_integers_and_others_are_not() {
        let t: T = serde_json::from_str(r#"{"a": -307799.0, "b": 5}"#).unwrap();
        assert_eq!((t.a, t.b), (-307_799, Some(5)));
        let t: T = serde_json::from_str(r#"{"a": 1, "b": null}"#).unwrap();
        assert_eq!((t.a, t.b), (1, None));
        let t: T = serde_json::from_str(r#"{"a": 1}"#).unwrap();
        assert_eq!(t.b, None);
        assert!(serde_json::from_str::<T>(r#"{"a": 1.5}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"a": 1e300}"#).is_err());
    }
}
