//! Locust's envelope: one msgpack array `[type, data, node_id]` per ZeroMQ
//! payload, with msgpack ≥ 1.0 defaults (str as str, bytes as bin, floats
//! as float64, ints in their smallest form, maps with string keys).

use std::fmt;

use rmpv::Value;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A decoded message. `data` stays a dynamic value until its type is known.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub kind: String,
    pub data: Value,
    pub node_id: String,
}

impl Message {
    pub fn new(kind: impl Into<String>, data: Value, node_id: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            data,
            node_id: node_id.into(),
        }
    }

    /// The data as a typed payload; the error names what is wrong
    /// ("missing field `state`").
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        rmpv::ext::from_value(self.data.clone())
            .map_err(|e| DecodeError(format!("bad '{}' message: {e}", self.kind)))
    }

    pub fn encode(&self) -> Vec<u8> {
        encode(&self.kind, &self.data, &self.node_id)
    }
}

/// Why a payload is not a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

/// Nesting deeper than this is refused (Locust's own messages nest 4 deep).
const MAX_DEPTH: usize = 64;

/// Encodes `(kind, data, node_id)` as Locust's `msgpack.dumps` does.
pub fn encode<T: Serialize + ?Sized>(kind: &str, data: &T, node_id: &str) -> Vec<u8> {
    rmp_serde::to_vec_named(&(kind, data, node_id))
        .expect("msgpack encoding of owned data into a Vec cannot fail")
}

/// The message type of a payload, read without decoding its data (so the
/// frequent messages can be decoded straight into their types).
pub fn peek_kind(payload: &[u8]) -> Option<&str> {
    let (&first, rest) = payload.split_first()?;
    if first != 0x93 {
        return None;
    }
    let (len, rest) = match rest.split_first()? {
        (&b, rest) if (0xa0..=0xbf).contains(&b) => ((b & 0x1f) as usize, rest),
        (0xd9, rest) => {
            let (&n, rest) = rest.split_first()?;
            (n as usize, rest)
        }
        _ => return None,
    };
    std::str::from_utf8(rest.get(..len)?).ok()
}

/// Decodes a payload whose data is a `T`, without the dynamic value in
/// between: `(data, node_id)`. `None` when it does not read as one (the
/// caller then decodes it with [`decode`] for the precise error).
pub fn decode_as<T: DeserializeOwned>(payload: &[u8]) -> Option<(T, String)> {
    let mut rest = payload;
    let mut de = rmp_serde::Deserializer::new(&mut rest);
    let (_, data, node_id): (serde::de::IgnoredAny, T, String) =
        serde::Deserialize::deserialize(&mut de).ok()?;
    rest.is_empty().then_some((data, node_id))
}

/// Decodes one payload; anything but exactly one 3-element array of
/// (str, any, str) is an error, as Locust's `Message(*loads(...))` refuses it.
pub fn decode(payload: &[u8]) -> Result<Message, DecodeError> {
    let mut rest = payload;
    let value = rmpv::decode::read_value_with_max_depth(&mut rest, MAX_DEPTH)
        .map_err(|e| DecodeError(format!("malformed msgpack: {e}")))?;
    if !rest.is_empty() {
        return Err(DecodeError(format!(
            "{} bytes after the message",
            rest.len()
        )));
    }
    let Value::Array(items) = value else {
        return Err(DecodeError("the message is not an array".into()));
    };
    let [kind, data, node_id]: [Value; 3] = items.try_into().map_err(|items: Vec<Value>| {
        DecodeError(format!(
            "the message has {} elements instead of 3",
            items.len()
        ))
    })?;
    let text = |v: Value, what: &str| match v {
        Value::String(s) => s
            .into_str()
            .ok_or_else(|| DecodeError(format!("the {what} is not valid UTF-8"))),
        _ => Err(DecodeError(format!("the {what} is not a string"))),
    };
    Ok(Message {
        kind: text(kind, "message type")?,
        data,
        node_id: text(node_id, "node id")?,
    })
}

/// JSON as msgpack (for data that arrives as JSON, from the web UI).
pub fn json_to_value(value: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match value {
        J::Null => Value::Nil,
        J::Bool(b) => Value::Boolean(*b),
        J::Number(n) => n
            .as_i64()
            .map(Value::from)
            .or_else(|| n.as_u64().map(Value::from))
            .unwrap_or_else(|| Value::F64(n.as_f64().unwrap_or(0.0))),
        J::String(s) => Value::from(s.as_str()),
        J::Array(items) => Value::Array(items.iter().map(json_to_value).collect()),
        J::Object(map) => Value::Map(
            map.iter()
                .map(|(k, v)| (Value::from(k.as_str()), json_to_value(v)))
                .collect(),
        ),
    }
}

/// A msgpack value as JSON (for the parts of rocust that speak JSON).
pub fn value_to_json(value: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Nil => J::Null,
        Value::Boolean(b) => J::Bool(*b),
        Value::Integer(i) => i
            .as_i64()
            .map(J::from)
            .or_else(|| i.as_u64().map(J::from))
            .unwrap_or(J::Null),
        Value::F32(f) => serde_json::Number::from_f64(*f as f64).map_or(J::Null, J::Number),
        Value::F64(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::String(s) => J::String(s.as_str().unwrap_or_default().to_owned()),
        Value::Binary(b) => J::String(String::from_utf8_lossy(b).into_owned()),
        Value::Array(items) => J::Array(items.iter().map(value_to_json).collect()),
        Value::Map(entries) => J::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        Value::String(s) => s.as_str().unwrap_or_default().to_owned(),
                        other => other.to_string(),
                    };
                    (key, value_to_json(v))
                })
                .collect(),
        ),
        Value::Ext(_, _) => J::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ack_bytes_are_lockusts() {
        let id = "x".repeat(41);
        let data = Value::Map(vec![(Value::from("index"), Value::from(0))]);
        let bytes = encode("ack", &data, &id);
        let mut expected = vec![0x93, 0xa3, b'a', b'c', b'k', 0x81, 0xa5];
        expected.extend_from_slice(b"index");
        expected.extend_from_slice(&[0x00, 0xd9, 41]);
        expected.extend_from_slice(id.as_bytes());
        assert_eq!(bytes, expected);
        let back = decode(&bytes).unwrap();
        assert_eq!(back, Message::new("ack", data, id));
    }

    #[test]
    fn nil_data_and_floats_are_encoded_as_python_does() {
        assert_eq!(
            encode("heartbeat", &Value::Nil, "n"),
            [0x93, 0xa9, b'h', b'e', b'a', b'r', b't', b'b', b'e', b'a', b't', 0xc0, 0xa1, b'n']
        );
        let bytes = encode("x", &(1.0f64,), "n");
        assert!(bytes
            .windows(9)
            .any(|w| w == [0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]));
    }

    #[test]
    fn the_kind_is_read_first_and_typed_data_straight() {
        let data = Value::Map(vec![("index".into(), 3.into())]);
        let bytes = encode("ack", &data, "node");
        assert_eq!(peek_kind(&bytes), Some("ack"));
        #[derive(serde::Deserialize)]
        struct Ack {
            index: i64,
        }
        let (ack, node) = decode_as::<Ack>(&bytes).unwrap();
        assert_eq!((ack.index, node.as_str()), (3, "node"));
        assert!(decode_as::<Ack>(&bytes[..bytes.len() - 1]).is_none());
        assert!(decode_as::<Ack>(&[bytes.clone(), vec![0]].concat()).is_none());
        let long = "k".repeat(40);
        assert_eq!(
            peek_kind(&encode(&long, &Value::Nil, "n")),
            Some(long.as_str())
        );
        assert_eq!(peek_kind(b"\x92\xa1a"), None);
        assert_eq!(peek_kind(b"\x93\xa5ab"), None);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [
            &b""[..],
            b"\xc1",
            b"\x92\xa1a\xc0",
            b"\x93\x01\xc0\xa1n",
            b"\x93\xa1a\xc0\x01",
            b"\x93\xa1a\xc0\xa1n\x00",
            b"\x93\xa1a\xdd\xff\xff\xff\xff",
            b"\x93\xa2\xff\xfe\xc0\xa1n",
        ] {
            assert!(decode(bad).is_err(), "{bad:?}");
        }
        let deep = [vec![0x91u8; 10_000], vec![0xc0]].concat();
        assert!(decode(&deep).is_err());
    }
}
