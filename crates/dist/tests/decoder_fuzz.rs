//! Property tests of the wire decoder: whatever arrives, decoding and reading
//! a message's data is an error or a value, never a panic; what rocust sends
//! reads back as sent. Case counts are fixed so CI runs the same amount.

use proptest::prelude::*;
use rmpv::Value;
use rocust_dist::codec::{decode, encode};
use rocust_dist::messages::{
    Ack, ExceptionData, Heartbeat, LocustfileRequest, Logs, MasterSpawningComplete, Spawn,
    StatsData, WorkerSpawningComplete,
};

/// Random bytes, and random bytes behind a valid array header.
const BYTE_CASES: u32 = 20_000;
/// Random values as message data, read as every message type.
const VALUE_CASES: u32 = 5_000;
/// Valid messages cut short or with one byte changed.
const MUTATION_CASES: u32 = 10_000;

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::Boolean),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::F64),
        "[a-z_]{0,12}".prop_map(Value::from),
        prop::collection::vec(any::<u8>(), 0..8).prop_map(Value::Binary),
        prop_oneof![
            Just("state"),
            Just("current_cpu_usage"),
            Just("stats"),
            Just("user_classes_count"),
            Just("timestamp"),
            Just("index"),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((inner.clone(), inner), 0..6).prop_map(Value::Map),
        ]
    })
}

/// Reads `data` as each of Locust's message types; only errors may come out.
fn read_as_every_type(data: &Value) {
    let msg = rocust_dist::codec::Message::new("x", data.clone(), "n");
    let _ = msg.parse::<Ack>();
    let _ = msg.parse::<Heartbeat>();
    let _ = msg.parse::<StatsData>();
    let _ = msg.parse::<Spawn>();
    let _ = msg.parse::<WorkerSpawningComplete>();
    let _ = msg.parse::<MasterSpawningComplete>();
    let _ = msg.parse::<ExceptionData>();
    let _ = msg.parse::<Logs>();
    let _ = msg.parse::<LocustfileRequest>();
    let _ = rocust_dist::codec::value_to_json(data);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(BYTE_CASES))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode(&bytes);
        let mut framed = vec![0x93];
        framed.extend_from_slice(&bytes);
        if let Ok(msg) = decode(&framed) {
            read_as_every_type(&msg.data);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(VALUE_CASES))]

    #[test]
    fn any_data_reads_back_as_sent_and_parses_without_panic(
        data in value(),
        kind in "[a-z_]{1,20}",
        node in "[a-z0-9_]{0,40}",
    ) {
        let bytes = encode(&kind, &data, &node);
        let msg = decode(&bytes).expect("what rocust encodes decodes");
        prop_assert_eq!(&msg.kind, &kind);
        prop_assert_eq!(&msg.node_id, &node);
        // NaN is not equal to itself; compare the encodings instead.
        prop_assert_eq!(encode(&kind, &msg.data, &node), bytes);
        read_as_every_type(&msg.data);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(MUTATION_CASES))]

    #[test]
    fn damaged_messages_never_panic(
        data in value(),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let bytes = encode("stats", &data, "worker_1");
        let _ = decode(&bytes[..cut.index(bytes.len())]);
        let mut changed = bytes.clone();
        let at = flip.index(changed.len());
        changed[at] = byte;
        if let Ok(msg) = decode(&changed) {
            read_as_every_type(&msg.data);
        }
    }
}
