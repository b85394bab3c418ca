//! A number that remembers whether Python would hold it as an `int` or a `float`.
//!
//! Locust starts several response-time fields at the integer `0` and turns them
//! into floats on the first timed request. The difference shows in its outputs
//! (`0` versus `0.0` in CSV and JSON), so the fields keep the distinction.

use std::cmp::Ordering;
use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::pyfmt::python_float_repr;

#[derive(Clone, Copy, Debug)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl Default for Number {
    fn default() -> Self {
        Number::Int(0)
    }
}

impl Number {
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }

    /// Python truthiness: zero (of either kind) is false.
    pub fn is_truthy(self) -> bool {
        match self {
            Number::Int(i) => i != 0,
            Number::Float(f) => f != 0.0,
        }
    }

    /// Python's `x or 0`.
    pub fn or_zero(self) -> Number {
        if self.is_truthy() {
            self
        } else {
            Number::Int(0)
        }
    }

    /// Python's `max(self, other)`: the first argument wins ties.
    pub fn py_max(self, other: Number) -> Number {
        if other.py_cmp(self) == Ordering::Greater {
            other
        } else {
            self
        }
    }

    /// Python's `min(self, other)`: the first argument wins ties.
    pub fn py_min(self, other: Number) -> Number {
        if other.py_cmp(self) == Ordering::Less {
            other
        } else {
            self
        }
    }

    /// Compares by value across kinds (NaN compares equal, so it never wins).
    pub fn py_cmp(self, other: Number) -> Ordering {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a.cmp(&b),
            (a, b) => a
                .as_f64()
                .partial_cmp(&b.as_f64())
                .unwrap_or(Ordering::Equal),
        }
    }

    /// Python's `int(x)`: truncation toward zero (used by `%d` on floats).
    pub fn trunc(self) -> i64 {
        match self {
            Number::Int(i) => i,
            Number::Float(f) => f.trunc() as i64,
        }
    }
}

/// Python's `a + b`: int + int stays int, anything else is a float.
impl std::ops::Add for Number {
    type Output = Number;
    fn add(self, other: Number) -> Number {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => Number::Int(a.saturating_add(b)),
            (a, b) => Number::Float(a.as_f64() + b.as_f64()),
        }
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a == b,
            (Number::Float(a), Number::Float(b)) => a.to_bits() == b.to_bits() || a == b,
            _ => false,
        }
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Self {
        Number::Int(v)
    }
}

impl From<f64> for Number {
    fn from(v: f64) -> Self {
        Number::Float(v)
    }
}

/// Python's `str(x)`: `3` for ints, the float repr (`3.0`, `1e-05`) for floats.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => f.write_str(&python_float_repr(*x)),
        }
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Number::Int(i) => s.serialize_i64(i),
            Number::Float(f) => s.serialize_f64(f),
        }
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NumberVisitor;
        impl Visitor<'_> for NumberVisitor {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a float")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(Number::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
                i64::try_from(v)
                    .map(Number::Int)
                    .or(Ok(Number::Float(v as f64)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
                Ok(Number::Float(v))
            }
        }
        d.deserialize_any(NumberVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_arithmetic_and_ties() {
        assert_eq!(Number::Int(0) + Number::Int(3), Number::Int(3));
        assert_eq!(Number::Int(0) + Number::Float(1.5), Number::Float(1.5));
        // max(0, 0.0) keeps the int 0, max(0, 0.5) takes the float
        assert_eq!(Number::Int(0).py_max(Number::Float(0.0)), Number::Int(0));
        assert_eq!(
            Number::Int(0).py_max(Number::Float(0.5)),
            Number::Float(0.5)
        );
        assert_eq!(
            Number::Float(2.0).py_min(Number::Int(2)),
            Number::Float(2.0)
        );
        assert_eq!(Number::Float(-2.7).trunc(), -2);
        assert_eq!(Number::Float(0.0).or_zero(), Number::Int(0));
    }

    #[test]
    fn display_like_python_str() {
        assert_eq!(Number::Int(0).to_string(), "0");
        assert_eq!(Number::Float(0.0).to_string(), "0.0");
        assert_eq!(Number::Float(312.0).to_string(), "312.0");
        assert_eq!(Number::Float(1e-5).to_string(), "1e-05");
    }

    #[test]
    fn serde_keeps_kind() {
        let v: Vec<Number> = serde_json::from_str("[1, 1.0, 2.5]").unwrap();
        assert_eq!(
            v,
            vec![Number::Int(1), Number::Float(1.0), Number::Float(2.5)]
        );
        assert_eq!(serde_json::to_string(&v).unwrap(), "[1,1.0,2.5]");
    }
}
