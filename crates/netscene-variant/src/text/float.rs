//! Floats as Godot's text form writes them (`rtos_fix` in core/variant/variant_parser.cpp):
//! `0` for zero (the sign of `-0.0` is dropped, as Godot does), `nan`, `inf`, `inf_neg`, else
//! the shortest decimal that reads back to the same value.
//!
//! Layout of that decimal follows the grisu2 formatter newer Godot versions use for
//! `String::num_scientific` (the `to_chars` layout): plain digits while the decimal exponent is
//! within `(-4, digits10]` (15 for `f64`, 6 for `f32`; the exponent here is the position of the
//! decimal point), scientific with a signed two-digit exponent (`1e+15`, `1e-05`) outside it. Integral values are written without a fraction
//! (`Vector2(1, 2)`); [`float_text`] appends `.0` for `float` values as Godot's writer does.

/// Text for a `float` (f64) Variant: `1.0`, `0.1`, `1e+20`, `inf`, `inf_neg`, `nan`.
pub(crate) fn float_text(x: f64) -> String {
    let mut s = real_fix_f64(x);
    if !matches!(s.as_str(), "inf" | "inf_neg" | "nan") && !s.contains(['.', 'e', 'E']) {
        s.push_str(".0");
    }
    s
}

/// Godot's `rtos_fix` for a double value (packed float64 elements).
pub(crate) fn real_fix_f64(x: f64) -> String {
    special(x).map_or_else(|| layout(&format!("{x:e}"), 15), str::to_owned)
}

/// Godot's `rtos_fix` for a single-precision component (math types, colors, float32 arrays).
pub(crate) fn real_fix_f32(x: f32) -> String {
    special(f64::from(x)).map_or_else(|| layout(&format!("{x:e}"), 6), str::to_owned)
}

fn special(x: f64) -> Option<&'static str> {
    if x == 0.0 {
        Some("0")
    } else if x.is_nan() {
        Some("nan")
    } else if x.is_infinite() {
        Some(if x > 0.0 { "inf" } else { "inf_neg" })
    } else {
        None
    }
}

/// Lays out Rust's shortest round-trip scientific form (`-1.25e-7`) as described above.
fn layout(scientific: &str, max_exp: i32) -> String {
    let (negative, body) = match scientific.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, scientific),
    };
    let (mantissa, exp) = body.split_once('e').unwrap_or((body, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = digits.len() as i32;
    // The decimal point sits after `n` digits: value = 0.digits × 10^n.
    let n = exp + 1;
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    if k <= n && n <= max_exp {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= max_exp {
        let (int_part, frac) = digits.split_at(n as usize);
        out.push_str(int_part);
        out.push('.');
        out.push_str(frac);
    } else if -4 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        let (first, rest) = digits.split_at(1);
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
        assert_eq!(real_fix_f32(1234567.0), "1.234567e+06");
        assert_eq!(real_fix_f32(f32::MAX), "3.4028235e+38");
        assert_eq!(real_fix_f64(2.0), "2");
    }
}
