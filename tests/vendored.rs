//! The vendored serde_json (vendor/README.md) writes `Unexpected` values in its error
//! messages exactly as the published crate does: serde's own Display, except `null` for
//! the unit value and zmij's digits for a float.

use serde::de::{Error as _, Unexpected};

#[test]
fn unexpected_values_are_written_as_serde_writes_them() {
    let all = [
        Unexpected::Bool(true),
        Unexpected::Unsigned(7),
        Unexpected::Signed(-7),
        Unexpected::Char('\u{301}'),
        Unexpected::Str("a \"b\"\n\u{7f}é\u{301}"),
        Unexpected::Bytes(b"x"),
        Unexpected::Option,
        Unexpected::NewtypeStruct,
        Unexpected::Seq,
        Unexpected::Map,
        Unexpected::Enum,
        Unexpected::UnitVariant,
        Unexpected::NewtypeVariant,
        Unexpected::TupleVariant,
        Unexpected::StructVariant,
        Unexpected::Other("something else"),
    ];
    for u in all {
        let e = serde_json::Error::invalid_type(u, &"a string");
        assert_eq!(
            e.to_string(),
            format!("invalid type: {u}, expected a string")
        );
        let e = serde_json::Error::invalid_value(u, &"a string");
        assert_eq!(
            e.to_string(),
            format!("invalid value: {u}, expected a string")
        );
    }
    let e = serde_json::Error::invalid_type(Unexpected::Unit, &"a string");
    assert_eq!(e.to_string(), "invalid type: null, expected a string");
    let e = serde_json::Error::invalid_type(Unexpected::Float(1.5), &"a string");
    assert_eq!(
        e.to_string(),
        "invalid type: floating point `1.5`, expected a string"
    );
    let e = serde_json::Error::invalid_type(Unexpected::Float(1e300), &"a string");
    assert_eq!(
        e.to_string(),
        "invalid type: floating point `1e+300`, expected a string"
    );
}
