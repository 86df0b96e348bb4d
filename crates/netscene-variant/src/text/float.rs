//! Floats as Godot's text form writes them (`rtos_fix` in core/variant/variant_parser.cpp):
//! `0` for zero (the sign of `-0.0` is dropped, as Godot does), `nan`, `inf`, `inf_neg`, else
//! the digits Godot's Grisu2 finds (see [`super::grisu2`]): ones that read back to the same
//! value, nearly always the shortest.
//!
//! A double that a single-precision float holds exactly is written with the float's shortest
//! digits (Godot's guard against the noise digits of a widened `real_t`): `3.4028235e+38` for
//! `f32::MAX`, `0.5`, but `0.1` for the double nearest 0.1.
//!
//! The layout of the digits follows the grisu2 formatter Godot 4.6 uses for
//! `String::num_scientific` (the `to_chars` layout): plain digits while the decimal point sits
//! within `(-4, 15]` digits of the first one (15 being `digits10` of a double, for floats
//! too), scientific with a signed two-digit exponent (`1e+15`, `1e-05`) outside it. Integral
//! values are written without a fraction (`Vector2(1, 2)`); [`float_text`] appends `.0` for
//! `float` values as Godot's writer does.

use super::grisu2::{Digits, digits_f32, digits_f64};

/// Godot's layout bound (`numeric_limits<double>::digits10`), used for floats and doubles.
const MAX_PLAIN_EXPONENT: i32 = 15;

/// Text for a `float` (f64) Variant: `1.0`, `0.1`, `1e+20`, `inf`, `inf_neg`, `nan`.
pub(crate) fn float_text(x: f64) -> String {
    let mut s = real_fix_f64(x);
    if !matches!(s.as_str(), "inf" | "inf_neg" | "nan") && !s.contains(['.', 'e', 'E']) {
        s.push_str(".0");
    }
    s
}

/// Godot's `rtos_fix` for a double value (`float` Variants, packed float64 elements).
pub(crate) fn real_fix_f64(x: f64) -> String {
    let narrowed = x as f32;
    if f64::from(narrowed) == x {
        return real_fix_f32(narrowed);
    }
    special(x).unwrap_or_else(|| layout(x < 0.0, digits_f64(x.abs())))
}

/// Godot's `rtos_fix` for a single-precision component (math types, colors, float32 arrays).
pub(crate) fn real_fix_f32(x: f32) -> String {
    special(f64::from(x)).unwrap_or_else(|| layout(x < 0.0, digits_f32(x.abs())))
}

fn special(x: f64) -> Option<String> {
    let text = if x == 0.0 {
        "0"
    } else if x.is_nan() {
        "nan"
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "inf_neg" }
    } else {
        return None;
    };
    Some(text.to_owned())
}

/// Lays out Grisu2's digits as described above.
fn layout(negative: bool, Digits { digits, exponent }: Digits) -> String {
    let digits = String::from_utf8(digits).unwrap_or_default();
    let k = digits.len() as i32;
    // The decimal point sits after `n` digits: value = 0.digits × 10^n.
    let n = k + exponent;
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    if k <= n && n <= MAX_PLAIN_EXPONENT {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= MAX_PLAIN_EXPONENT {
        let (int_part, frac) = digits.split_at(n as usize);
        out.push_str(int_part);
        out.push('.');
        out.push_str(frac);
    } else if -4 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let e = n - 1;
        out.push('e');
        out.push(if e < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", e.unsigned_abs()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_godot_writes_them() {
        assert_eq!(float_text(1.0), "1.0");
        assert_eq!(float_text(0.0), "0.0");
        assert_eq!(float_text(-0.0), "0.0");
        assert_eq!(float_text(0.1), "0.1");
        assert_eq!(float_text(-2.5), "-2.5");
        assert_eq!(float_text(123456.789), "123456.789");
        assert_eq!(float_text(1e14), "100000000000000.0");
        assert_eq!(float_text(1e15), "1e+15");
        assert_eq!(float_text(1.5e300), "1.5e+300");
        assert_eq!(float_text(0.0001), "0.0001");
        assert_eq!(float_text(0.00001), "1e-05");
        assert_eq!(float_text(f64::INFINITY), "inf");
        assert_eq!(float_text(f64::NEG_INFINITY), "inf_neg");
        assert_eq!(float_text(f64::NAN), "nan");
        assert_eq!(float_text(0.1 + 0.2), "0.30000000000000004");
    }

    #[test]
    fn reals_as_godot_writes_them() {
        assert_eq!(real_fix_f32(1.0), "1");
        assert_eq!(real_fix_f32(0.1), "0.1");
        assert_eq!(real_fix_f32(-0.0), "0");
        assert_eq!(real_fix_f32(123456.0), "123456");
        // Measured in Godot 4.6: floats keep plain digits up to 15 places, as doubles do.
        assert_eq!(real_fix_f32(1234567.0), "1234567");
        assert_eq!(real_fix_f32(1e10), "10000000000");
        assert_eq!(real_fix_f32(123456789012.0), "123456790000");
        assert_eq!(real_fix_f32(1e15), "1e+15");
        assert_eq!(real_fix_f32(f32::MAX), "3.4028235e+38");
        assert_eq!(real_fix_f32(1e-5), "1e-05");
        assert_eq!(real_fix_f64(2.0), "2");
    }

    #[test]
    fn doubles_a_float_holds_exactly_use_the_floats_digits() {
        // Measured in Godot 4.6: var_to_str(float(f32::MAX)) is "3.4028235e+38".
        assert_eq!(float_text(f64::from(f32::MAX)), "3.4028235e+38");
        assert_eq!(float_text(f64::from(0.1f32)), "0.1");
        assert_eq!(real_fix_f64(f64::from(1e-5f32)), "1e-05");
        // Doubles a float cannot hold keep their own digits.
        assert_eq!(float_text(3.402823466385289e38), "3.402823466385289e+38");
        assert_eq!(float_text(5e-324), "5e-324");
        assert_eq!(float_text(1.0 / 3.0), "0.3333333333333333");
    }
}
