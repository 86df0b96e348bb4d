//! The digits Godot 4.6 writes for a float: the Grisu2 algorithm (Loitsch, "Printing
//! Floating-Point Numbers Quickly and Accurately with Integers", PLDI 2010) as the `to_chars`
//! Godot's `String::num_scientific` uses runs it.
//!
//! Grisu2 finds digits that read back to the value, almost always the shortest and closest
//! ones, but not always: measured in Godot 4.6, `3370849.7` for the float Rust writes as
//! `3370849.8` (same length, another digit) and `-7.4223319951676816e-298` for the double Rust
//! writes with 16 digits. Writing Godot's exact text takes Godot's algorithm, with its choices:
//! boundaries computed in the value's own precision (a float's neighbours are floats), cached
//! powers of ten every 8 decades with the scaled exponent kept in [-60, -32], products rounded
//! half up, and the final digit nudged down while that brings it closer to the value.

/// A number `f × 2^e` with a 64-bit significand ("do-it-yourself floating point").
#[derive(Debug, Clone, Copy)]
struct DiyFp {
    f: u64,
    e: i32,
}

impl DiyFp {
    fn minus(self, other: DiyFp) -> DiyFp {
        DiyFp {
            f: self.f.wrapping_sub(other.f),
            e: self.e,
        }
    }

    /// The upper 64 bits of the 128-bit product, rounded half up.
    fn times(self, other: DiyFp) -> DiyFp {
        let product = u128::from(self.f) * u128::from(other.f) + (1u128 << 63);
        DiyFp {
            f: (product >> 64) as u64,
            e: self.e + other.e + 64,
        }
    }

    fn normalized(self) -> DiyFp {
        let shift = self.f.leading_zeros();
        DiyFp {
            f: self.f << shift,
            e: self.e - shift as i32,
        }
    }

    fn with_exponent(self, e: i32) -> DiyFp {
        DiyFp {
            f: self.f << (self.e - e),
            e,
        }
    }
}

/// The smallest exponent a scaled value may have, and the largest.
const ALPHA: i32 = -60;

/// `10^k` for k = -300, -292, …, 324, each as the 64-bit significand (rounded to nearest)
/// and binary exponent of `f × 2^e`, then k.
const CACHED_POWERS: [(u64, i32, i32); 79] = [
    (0xAB70FE17C79AC6CA, -1060, -300),
    (0xFF77B1FCBEBCDC4F, -1034, -292),
    (0xBE5691EF416BD60C, -1007, -284),
    (0x8DD01FAD907FFC3C, -980, -276),
    (0xD3515C2831559A83, -954, -268),
    (0x9D71AC8FADA6C9B5, -927, -260),
    (0xEA9C227723EE8BCB, -901, -252),
    (0xAECC49914078536D, -874, -244),
    (0x823C12795DB6CE57, -847, -236),
    (0xC21094364DFB5637, -821, -228),
    (0x9096EA6F3848984F, -794, -220),
    (0xD77485CB25823AC7, -768, -212),
    (0xA086CFCD97BF97F4, -741, -204),
    (0xEF340A98172AACE5, -715, -196),
    (0xB23867FB2A35B28E, -688, -188),
    (0x84C8D4DFD2C63F3B, -661, -180),
    (0xC5DD44271AD3CDBA, -635, -172),
    (0x936B9FCEBB25C996, -608, -164),
    (0xDBAC6C247D62A584, -582, -156),
    (0xA3AB66580D5FDAF6, -555, -148),
    (0xF3E2F893DEC3F126, -529, -140),
    (0xB5B5ADA8AAFF80B8, -502, -132),
    (0x87625F056C7C4A8B, -475, -124),
    (0xC9BCFF6034C13053, -449, -116),
    (0x964E858C91BA2655, -422, -108),
    (0xDFF9772470297EBD, -396, -100),
    (0xA6DFBD9FB8E5B88F, -369, -92),
    (0xF8A95FCF88747D94, -343, -84),
    (0xB94470938FA89BCF, -316, -76),
    (0x8A08F0F8BF0F156B, -289, -68),
    (0xCDB02555653131B6, -263, -60),
    (0x993FE2C6D07B7FAC, -236, -52),
    (0xE45C10C42A2B3B06, -210, -44),
    (0xAA242499697392D3, -183, -36),
    (0xFD87B5F28300CA0E, -157, -28),
    (0xBCE5086492111AEB, -130, -20),
    (0x8CBCCC096F5088CC, -103, -12),
    (0xD1B71758E219652C, -77, -4),
    (0x9C40000000000000, -50, 4),
    (0xE8D4A51000000000, -24, 12),
    (0xAD78EBC5AC620000, 3, 20),
    (0x813F3978F8940984, 30, 28),
    (0xC097CE7BC90715B3, 56, 36),
    (0x8F7E32CE7BEA5C70, 83, 44),
    (0xD5D238A4ABE98068, 109, 52),
    (0x9F4F2726179A2245, 136, 60),
    (0xED63A231D4C4FB27, 162, 68),
    (0xB0DE65388CC8ADA8, 189, 76),
    (0x83C7088E1AAB65DB, 216, 84),
    (0xC45D1DF942711D9A, 242, 92),
    (0x924D692CA61BE758, 269, 100),
    (0xDA01EE641A708DEA, 295, 108),
    (0xA26DA3999AEF774A, 322, 116),
    (0xF209787BB47D6B85, 348, 124),
    (0xB454E4A179DD1877, 375, 132),
    (0x865B86925B9BC5C2, 402, 140),
    (0xC83553C5C8965D3D, 428, 148),
    (0x952AB45CFA97A0B3, 455, 156),
    (0xDE469FBD99A05FE3, 481, 164),
    (0xA59BC234DB398C25, 508, 172),
    (0xF6C69A72A3989F5C, 534, 180),
    (0xB7DCBF5354E9BECE, 561, 188),
    (0x88FCF317F22241E2, 588, 196),
    (0xCC20CE9BD35C78A5, 614, 204),
    (0x98165AF37B2153DF, 641, 212),
    (0xE2A0B5DC971F303A, 667, 220),
    (0xA8D9D1535CE3B396, 694, 228),
    (0xFB9B7CD9A4A7443C, 720, 236),
    (0xBB764C4CA7A44410, 747, 244),
    (0x8BAB8EEFB6409C1A, 774, 252),
    (0xD01FEF10A657842C, 800, 260),
    (0x9B10A4E5E9913129, 827, 268),
    (0xE7109BFBA19C0C9D, 853, 276),
    (0xAC2820D9623BF429, 880, 284),
    (0x80444B5E7AA7CF85, 907, 292),
    (0xBF21E44003ACDD2D, 933, 300),
    (0x8E679C2F5E44FF8F, 960, 308),
    (0xD433179D9C8CB841, 986, 316),
    (0x9E19DB92B4E31BA9, 1013, 324),
];

/// The cached power of ten `c` (with its decimal exponent k) that brings a number with binary
/// exponent `e` into the range the digit generation needs: `e + c.e + 64` in [-60, -32].
fn cached_power(e: i32) -> (DiyFp, i32) {
    // ceil((ALPHA - e - 1) × log10(2)), with log10(2) ≈ 78913 / 2^18.
    let f = ALPHA - e - 1;
    let k = (f * 78913) / (1 << 18) + i32::from(f > 0);
    let index = (300 + k + 7) / 8;
    let (f, e, k) = CACHED_POWERS[index.clamp(0, CACHED_POWERS.len() as i32 - 1) as usize];
    (DiyFp { f, e }, k)
}

/// A finite, positive value's significand and exponent fields, and its format's layout.
struct Parts {
    fraction: u64,
    biased_exponent: u64,
    /// Stored fraction bits (52 for a double, 23 for a float).
    fraction_bits: u32,
    /// Exponent bias plus `fraction_bits`: the value is `(2^fraction_bits + F) × 2^(E - bias)`.
    bias: i32,
}

/// Digits (ASCII) and decimal exponent: the value is `digits × 10^exponent`.
pub(crate) struct Digits {
    pub(crate) digits: Vec<u8>,
    pub(crate) exponent: i32,
}

/// Grisu2 digits of a finite, positive double.
pub(crate) fn digits_f64(x: f64) -> Digits {
    let bits = x.to_bits();
    digits(Parts {
        fraction: bits & ((1 << 52) - 1),
        biased_exponent: (bits >> 52) & 0x7ff,
        fraction_bits: 52,
        bias: 1075,
    })
}

/// Grisu2 digits of a finite, positive float, its neighbours taken among floats.
pub(crate) fn digits_f32(x: f32) -> Digits {
    let bits = u64::from(x.to_bits());
    digits(Parts {
        fraction: bits & ((1 << 23) - 1),
        biased_exponent: (bits >> 23) & 0xff,
        fraction_bits: 23,
        bias: 150,
    })
}

fn digits(p: Parts) -> Digits {
    let hidden = 1u64 << p.fraction_bits;
    let v = if p.biased_exponent == 0 {
        DiyFp {
            f: p.fraction,
            e: 1 - p.bias,
        }
    } else {
        DiyFp {
            f: p.fraction + hidden,
            e: p.biased_exponent as i32 - p.bias,
        }
    };
    // The halfway points to the neighbours; the lower one is closer at a power of two.
    let lower_is_closer = p.fraction == 0 && p.biased_exponent > 1;
    let plus = DiyFp {
        f: 2 * v.f + 1,
        e: v.e - 1,
    }
    .normalized();
    let minus = if lower_is_closer {
        DiyFp {
            f: 4 * v.f - 1,
            e: v.e - 2,
        }
    } else {
        DiyFp {
            f: 2 * v.f - 1,
            e: v.e - 1,
        }
    }
    .with_exponent(plus.e);
    let w = v.normalized();

    let (power, k) = cached_power(plus.e);
    let w = w.times(power);
    let low = minus.times(power);
    let high = plus.times(power);
    // Stay inside the rounding interval whatever the products' rounding did.
    let low = DiyFp {
        f: low.f.wrapping_add(1),
        e: low.e,
    };
    let high = DiyFp {
        f: high.f.wrapping_sub(1),
        e: high.e,
    };
    let mut out = Digits {
        digits: Vec::with_capacity(20),
        exponent: -k,
    };
    generate(&mut out, low, w, high);
    out
}

/// The largest power of ten not above `n` (n ≥ 1), and how many digits `n` has.
fn largest_pow10(n: u32) -> (u32, i32) {
    let mut pow10 = 1u32;
    let mut count = 1;
    while count < 10 && n / pow10 >= 10 {
        pow10 *= 10;
        count += 1;
    }
    (pow10, count)
}

/// Digits of `high` from the left until what is left of it fits in the interval's width;
/// then the last digit is rounded towards `w`.
fn generate(out: &mut Digits, low: DiyFp, w: DiyFp, high: DiyFp) {
    let delta = high.minus(low).f;
    let dist = high.minus(w).f;
    let shift = (-high.e).clamp(0, 63) as u32;
    let one = 1u64 << shift;
    let mut integral = (high.f >> shift) as u32;
    let mut fractional = high.f & (one - 1);

    let (mut pow10, mut n) = largest_pow10(integral.max(1));
    while n > 0 {
        out.digits.push(b'0' + (integral / pow10) as u8);
        integral %= pow10;
        n -= 1;
        let rest = (u64::from(integral) << shift).wrapping_add(fractional);
        if rest <= delta {
            out.exponent += n;
            round_last(out, dist, delta, rest, u64::from(pow10) << shift);
            return;
        }
        pow10 /= 10;
    }

    let (mut delta, mut dist) = (delta, dist);
    let mut m = 0;
    loop {
        fractional = fractional.wrapping_mul(10);
        out.digits.push(b'0' + (fractional >> shift) as u8);
        fractional &= one - 1;
        m += 1;
        delta = delta.wrapping_mul(10);
        dist = dist.wrapping_mul(10);
        // 17 digits always suffice for a double; the bound only guards the loop.
        if fractional <= delta || out.digits.len() >= 20 {
            break;
        }
    }
    out.exponent -= m;
    round_last(out, dist, delta, fractional, one);
}

/// Lowers the last digit while the result stays in the interval and gets closer to `w`.
fn round_last(out: &mut Digits, dist: u64, delta: u64, mut rest: u64, ten_k: u64) {
    let Some(last) = out.digits.last_mut() else {
        return;
    };
    while rest < dist
        && delta.wrapping_sub(rest) >= ten_k
        && (rest.wrapping_add(ten_k) < dist
            || dist.wrapping_sub(rest) > rest.wrapping_add(ten_k).wrapping_sub(dist))
        && *last > b'0'
    {
        *last -= 1;
        rest = rest.wrapping_add(ten_k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(d: Digits) -> String {
        format!("{}e{}", String::from_utf8(d.digits).unwrap(), d.exponent)
    }

    #[test]
    fn digits_godot_4_6_writes() {
        // Measured in Godot 4.6 (var_to_str of random values), where Rust's shortest
        // formatting differs.
        assert_eq!(text(digits_f32(3370849.8)), "33708497e-1");
        assert_eq!(
            text(digits_f64(7.422331995167682e-298)),
            "74223319951676816e-314"
        );
        assert_eq!(
            text(digits_f64(2.3542598802946835e-281)),
            "23542598802946834e-297"
        );
        // And where they agree.
        assert_eq!(text(digits_f64(0.1)), "1e-1");
        assert_eq!(text(digits_f32(0.1)), "1e-1");
        assert_eq!(text(digits_f32(f32::MAX)), "34028235e31");
        assert_eq!(text(digits_f64(5e-324)), "5e-324");
        assert_eq!(text(digits_f64(1.0 / 3.0)), "3333333333333333e-16");
    }

    #[test]
    fn the_table_holds_powers_of_ten() {
        assert_eq!(CACHED_POWERS.len(), 79);
        for (i, &(f, e, k)) in CACHED_POWERS.iter().enumerate() {
            assert_eq!(k, -300 + 8 * i as i32);
            assert!(f >> 63 == 1, "normalized, k = {k}");
            // Where 10^k fits in 128 bits, f is its top 64 bits rounded to nearest.
            if (0..=38).contains(&k) {
                let exact = 10u128.pow(k as u32);
                let bits = 128 - exact.leading_zeros() as i32;
                assert_eq!(e, bits - 64, "k = {k}");
                let top = if bits > 64 {
                    let cut = bits - 64;
                    (exact + (1u128 << (cut - 1))) >> cut
                } else {
                    exact << (64 - bits)
                };
                assert_eq!(u128::from(f), top, "k = {k}");
            }
        }
    }

    #[test]
    fn digits_read_back_to_the_value() {
        let mut state = 0x853c_49e6_748f_ea9b_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let d = f64::from_bits(next() >> 1);
            if d.is_finite() && d > 0.0 {
                let g = digits_f64(d);
                assert!(g.digits.len() <= 17, "{d:e}");
                assert_eq!(text(g).parse::<f64>().unwrap(), d);
            }
            let f = f32::from_bits((next() >> 33) as u32);
            if f.is_finite() && f > 0.0 {
                let g = digits_f32(f);
                assert!(g.digits.len() <= 9, "{f:e}");
                assert_eq!(text(g).parse::<f32>().unwrap(), f);
            }
        }
    }
}
