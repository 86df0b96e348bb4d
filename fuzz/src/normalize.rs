//! Values that are the same on the wire and in text: a null `Object` is written as `NIL`
//! (`null` in text), as Godot does (spec golden vector D23), so it reads back as `Nil`.

use netscene_variant::{Array, Dictionary, ObjectValue, Variant};

/// True when `value` equals itself: false exactly when a NaN sits somewhere inside (then only
/// byte or text comparisons can tell a round trip went right).
#[allow(clippy::eq_op)]
pub fn self_equal(value: &Variant) -> bool {
    value == value
}

/// `value` with every null object replaced by `Nil`, at any depth.
pub fn normalized(value: &Variant) -> Variant {
    match value {
        Variant::Object(ObjectValue::Null) => Variant::Nil,
        Variant::Object(ObjectValue::Full { class, properties }) => {
            Variant::Object(ObjectValue::Full {
                class: class.clone(),
                properties: properties
                    .iter()
                    .map(|(name, v)| (name.clone(), normalized(v)))
                    .collect(),
            })
        }
        Variant::Array(array) => Variant::Array(Array::typed(
            array.element_type.clone(),
            array.items.iter().map(normalized).collect(),
        )),
        Variant::Dictionary(dict) => {
            let mut out = Dictionary::typed(dict.key_type.clone(), dict.value_type.clone());
            for (k, v) in dict.iter() {
                out.insert(normalized(k), normalized(v));
            }
            Variant::Dictionary(out)
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    //! The equivalences the fuzz targets found, replayed: each input is one the targets reported
    //! before these rules existed.
    use netscene_variant::*;

    #[test]
    fn a_null_object_reads_back_as_nil() {
        // An object sent as instance id 0 is a null object; it is written as NIL.
        let id_zero = [0x18, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let (value, _) = decode_variant(&id_zero, &DecodeOptions::default()).unwrap();
        assert_eq!(value, Variant::Object(ObjectValue::Null));
        let bytes = encode_variant_to_vec(&value, &EncodeOptions::default()).unwrap();
        assert_eq!(bytes, [0, 0, 0, 0]);
        assert_eq!(var_to_str(&value), "null");
        assert_eq!(super::normalized(&value), Variant::Nil);
    }

    #[test]
    fn nil_and_null_object_keys_merge_after_one_round() {
        // Dictionary[String, String] {NIL: NIL, Object(""): NIL} with objects allowed.
        let input = [
            0x1b, 0, 5, 0, 4, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 0, 0x61, 0, 0, 0, 1, 0x24, 0x18,
            0x18, 0x18, 0, 0, 0, 0, 0, 0, 0, 0x1f, 0x18, 0x18, 0x18, 0x18, 7, 1, 0, 0x2f, 0, 4, 0,
            0, 0, 1,
        ];
        super::super::variant_binary::check(&input);
    }
}
