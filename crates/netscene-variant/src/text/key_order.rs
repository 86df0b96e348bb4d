//! The order `var_to_str` writes dictionary keys in, as Godot 4.6's `VariantWriter` does.
//!
//! Godot takes the keys in insertion order and sorts them with its own introsort
//! (`SortArray`, core/templates/sort_array.h) under `StringLikeVariantOrder`
//! (core/variant/variant.cpp):
//!
//! * a `String` or `StringName` against a `String` or `StringName`: by text, code point by
//!   code point (`StringName::AlphCompare`), so `"b"` and `&"a"` interleave as text;
//! * anything else: `Variant`'s `<`, i.e. by type id first (`null` < `bool` < `int` < `float` <
//!   `String` < `Vector2` < … < `StringName` < … < `Array` < packed arrays), then by value for
//!   the types Godot defines `<` on: `bool`, `int`, `float`, `String`, `StringName`, the
//!   `Vector2/3/4(i)` types (component by component), `RID` (unsigned id) and `Array`
//!   (element by element with this same `<`, then the shorter first). Every other pair of the
//!   same type (two `null`s, colors, dictionaries, objects, packed arrays, …) is "not less"
//!   either way, and so is any comparison with a NaN.
//!
//! That order is not total (NaN keys, same-typed keys without `<`) and, for mixed keys, not
//! even transitive (`"z"` < `Vector2` by type, `Vector2` < `&"a"` by type, `&"a"` < `"z"` by
//! text). The result then depends on the sorting algorithm itself, so this module sorts with
//! the same steps Godot's `SortArray::sort` takes (median-of-three introsort with a heapsort
//! fallback, then insertion sort over the first 16 and an unguarded insertion for the rest),
//! which gives Godot's order for every key set, broken orders included. Where Godot's debug
//! build stops a scan that would run off the array ("bad comparison function"), this stops
//! too: it never indexes out of bounds and never panics, whatever the keys. One difference
//! is left: Godot compares two `StringName`s nested in `Array` keys by interned pointer
//! (an order that changes from run to run); here they compare by text.

use std::cmp::Ordering;

use crate::variant::Variant;

/// Godot's threshold below which a range is left to the final insertion sort.
const INSERTION_THRESHOLD: usize = 16;

/// Sorts dictionary entries by key into the order Godot's `var_to_str` writes them.
///
/// Godot sorts the keys, then looks each value up; sorting the pairs gives the same text
/// without a lookup per key (and finds a NaN key's value, which `==` would not).
pub(crate) fn sort_dictionary_entries(entries: &mut [(&Variant, &Variant)]) {
    GodotSort {
        v: entries,
        less: |a: (&Variant, &Variant), b: (&Variant, &Variant)| string_like_less(a.0, b.0),
    }
    .sort();
}

/// Godot's `StringLikeVariantOrder::compare`: is `a` written before `b`?
pub(crate) fn string_like_less(a: &Variant, b: &Variant) -> bool {
    match (as_text(a), as_text(b)) {
        (Some(x), Some(y)) => code_point_cmp(x, y) == Ordering::Less,
        _ => variant_less(a, b),
    }
}

fn as_text(v: &Variant) -> Option<&str> {
    match v {
        Variant::String(s) => Some(s),
        Variant::StringName(s) => Some(s.as_str()),
        _ => None,
    }
}

/// Godot's string comparison (`str_compare`): code point by code point, where the end of a
/// string and a NUL character both read as 0 and end the comparison.
fn code_point_cmp(a: &str, b: &str) -> Ordering {
    let mut a = a.chars();
    let mut b = b.chars();
    loop {
        let x = a.next().map_or(0, u32::from);
        let y = b.next().map_or(0, u32::from);
        if x == 0 || x != y {
            return x.cmp(&y);
        }
    }
}

/// Godot's `Variant::operator<`: by type id, then the type's own `<` where Godot has one.
fn variant_less(a: &Variant, b: &Variant) -> bool {
    variant_order(a, b) == Ordering::Less
}

/// `Less` when Godot's `a < b`, `Greater` when its `b < a`, else `Equal` (equal, or not
/// ordered). Godot's `Array` `<` asks `p < q`, then `q < p`, of each pair of elements, which
/// walks equal nested arrays twice per level (2^depth work for a key nesting equal arrays);
/// deciding both at once gives the same answer in one walk.
fn variant_order(a: &Variant, b: &Variant) -> Ordering {
    let (ta, tb) = (a.get_type(), b.get_type());
    if ta != tb {
        return ta.cmp(&tb);
    }
    if let (Variant::Array(x), Variant::Array(y)) = (a, b) {
        for (p, q) in x.items.iter().zip(&y.items) {
            match variant_order(p, q) {
                Ordering::Equal => {}
                decided => return decided,
            }
        }
        return x.items.len().cmp(&y.items.len());
    }
    if same_type_less(a, b) {
        Ordering::Less
    } else if same_type_less(b, a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// Godot's `<` between two values of one type (arrays aside): false where Godot has no `<`.
fn same_type_less(a: &Variant, b: &Variant) -> bool {
    match (a, b) {
        (Variant::Bool(x), Variant::Bool(y)) => !x & y,
        (Variant::Int(x), Variant::Int(y)) => x < y,
        (Variant::Float(x), Variant::Float(y)) => x < y,
        (Variant::String(x), Variant::String(y)) => code_point_cmp(x, y) == Ordering::Less,
        (Variant::StringName(x), Variant::StringName(y)) => {
            code_point_cmp(x.as_str(), y.as_str()) == Ordering::Less
        }
        (Variant::Vector2(x), Variant::Vector2(y)) => reals_less(&[x.x, x.y], &[y.x, y.y]),
        (Variant::Vector3(x), Variant::Vector3(y)) => {
            reals_less(&[x.x, x.y, x.z], &[y.x, y.y, y.z])
        }
        (Variant::Vector4(x), Variant::Vector4(y)) => {
            reals_less(&[x.x, x.y, x.z, x.w], &[y.x, y.y, y.z, y.w])
        }
        (Variant::Vector2i(x), Variant::Vector2i(y)) => (x.x, x.y) < (y.x, y.y),
        (Variant::Vector3i(x), Variant::Vector3i(y)) => (x.x, x.y, x.z) < (y.x, y.y, y.z),
        (Variant::Vector4i(x), Variant::Vector4i(y)) => (x.x, x.y, x.z, x.w) < (y.x, y.y, y.z, y.w),
        (Variant::Rid(x), Variant::Rid(y)) => x.0 < y.0,
        _ => false,
    }
}

/// Godot's vector `<`: the first component that is not `==` decides (so a NaN there makes
/// the vectors "not less" either way).
fn reals_less(x: &[f32], y: &[f32]) -> bool {
    for (p, q) in x.iter().zip(y) {
        if p != q {
            return p < q;
        }
    }
    false
}

/// Godot's `SortArray::sort` over a slice of cheap copies, with a strict "less" predicate.
struct GodotSort<'a, T: Copy, F: Fn(T, T) -> bool> {
    v: &'a mut [T],
    less: F,
}

impl<T: Copy, F: Fn(T, T) -> bool> GodotSort<'_, T, F> {
    fn lt(&self, i: usize, j: usize) -> bool {
        (self.less)(self.v[i], self.v[j])
    }

    fn sort(&mut self) {
        let len = self.v.len();
        if len == 0 {
            return;
        }
        self.introsort(0, len, 2 * len.ilog2() as usize);
        self.final_insertion_sort(0, len);
    }

    fn introsort(&mut self, first: usize, mut last: usize, mut depth: usize) {
        while last - first > INSERTION_THRESHOLD {
            if depth == 0 {
                self.heap_sort(first, last);
                return;
            }
            depth -= 1;
            let pivot = self.median_of_three(first, first + (last - first) / 2, last - 1);
            let cut = self.partition(first, last, pivot);
            self.introsort(cut, last, depth);
            last = cut;
        }
    }

    /// The index holding the middle one of three elements, as Godot picks it.
    fn median_of_three(&self, a: usize, b: usize, c: usize) -> usize {
        if self.lt(a, b) {
            if self.lt(b, c) {
                b
            } else if self.lt(a, c) {
                c
            } else {
                a
            }
        } else if self.lt(a, c) {
            a
        } else if self.lt(b, c) {
            c
        } else {
            b
        }
    }

    /// Hoare partition around the element at `pivot`, following it when a swap moves it.
    fn partition(&mut self, mut first: usize, mut last: usize, mut pivot: usize) -> usize {
        let (range_first, range_last) = (first, last);
        loop {
            while first != pivot && self.lt(first, pivot) {
                if first == range_last - 1 {
                    break;
                }
                first += 1;
            }
            last -= 1;
            while last != pivot && self.lt(pivot, last) {
                if last == range_first {
                    break;
                }
                last -= 1;
            }
            if first >= last {
                return first;
            }
            if pivot == first {
                pivot = last;
            } else if pivot == last {
                pivot = first;
            }
            self.v.swap(first, last);
            first += 1;
        }
    }

    /// Godot's `partial_sort(first, last, last)`: make a heap, then pop it into place.
    fn heap_sort(&mut self, first: usize, last: usize) {
        let len = last - first;
        if len >= 2 {
            let mut parent = (len - 2) / 2;
            loop {
                let value = self.v[first + parent];
                self.adjust_heap(first, parent, len, value);
                if parent == 0 {
                    break;
                }
                parent -= 1;
            }
        }
        let mut end = last;
        while end - first > 1 {
            let value = self.v[end - 1];
            self.v[end - 1] = self.v[first];
            self.adjust_heap(first, 0, end - 1 - first, value);
            end -= 1;
        }
    }

    fn adjust_heap(&mut self, first: usize, mut hole: usize, len: usize, value: T) {
        let top = hole;
        let mut child = 2 * hole + 2;
        while child < len {
            if self.lt(first + child, first + child - 1) {
                child -= 1;
            }
            self.v[first + hole] = self.v[first + child];
            hole = child;
            child = 2 * (child + 1);
        }
        if child == len {
            self.v[first + hole] = self.v[first + child - 1];
            hole = child - 1;
        }
        // Godot's push_heap: sift the value back up towards `top`.
        let mut parent = hole.saturating_sub(1) / 2;
        while hole > top && (self.less)(self.v[first + parent], value) {
            self.v[first + hole] = self.v[first + parent];
            hole = parent;
            parent = hole.saturating_sub(1) / 2;
        }
        self.v[first + hole] = value;
    }

    fn final_insertion_sort(&mut self, first: usize, last: usize) {
        if last - first > INSERTION_THRESHOLD {
            self.insertion_sort(first, first + INSERTION_THRESHOLD);
            for i in first + INSERTION_THRESHOLD..last {
                self.unguarded_insert(i, self.v[i]);
            }
        } else {
            self.insertion_sort(first, last);
        }
    }

    fn insertion_sort(&mut self, first: usize, last: usize) {
        for i in first + 1..last {
            let value = self.v[i];
            if (self.less)(value, self.v[first]) {
                self.v.copy_within(first..i, first + 1);
                self.v[first] = value;
            } else {
                self.unguarded_insert(i, value);
            }
        }
    }

    /// Moves `value` (from `hole`) left past the elements it is less than; stops at the
    /// array's start where Godot's debug build reports a bad comparison.
    fn unguarded_insert(&mut self, mut hole: usize, value: T) {
        let mut next = hole - 1;
        while (self.less)(value, self.v[next]) {
            if next == 0 {
                break;
            }
            self.v[hole] = self.v[next];
            hole = next;
            next -= 1;
        }
        self.v[hole] = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn godot_sorted(values: &[i64], less: fn(i64, i64) -> bool) -> Vec<i64> {
        let mut v = values.to_vec();
        GodotSort { v: &mut v, less }.sort();
        v
    }

    #[test]
    fn sorts_like_a_sort_when_the_order_is_total() {
        // Long enough for partitioning, deep enough in places for the heapsort fallback.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for len in [0, 1, 2, 3, 15, 16, 17, 33, 100, 1000] {
            let values: Vec<i64> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state % 50) as i64
                })
                .collect();
            let mut expected = values.clone();
            expected.sort();
            assert_eq!(godot_sorted(&values, |a, b| a < b), expected, "len {len}");
        }
        let organ_pipe: Vec<i64> = (0..200).chain((0..200).rev()).collect();
        let mut expected = organ_pipe.clone();
        expected.sort();
        assert_eq!(godot_sorted(&organ_pipe, |a, b| a < b), expected);
    }

    #[test]
    fn broken_orders_never_panic_nor_lose_elements() {
        let orders: [fn(i64, i64) -> bool; 4] = [
            |_, _| true,
            |_, _| false,
            |a, b| (a + b) % 3 == 0,
            |a, b| (a * 7 + b) % 5 < 2,
        ];
        for less in orders {
            for len in [2, 16, 17, 40, 300] {
                let values: Vec<i64> = (0..len).collect();
                let mut sorted = godot_sorted(&values, less);
                sorted.sort();
                assert_eq!(sorted, values);
            }
        }
    }

    #[test]
    fn nothing_less_keeps_a_short_array_as_it_was() {
        // All "equal": Godot's sort leaves a short array as it was.
        let values: Vec<i64> = (0..16).rev().collect();
        assert_eq!(godot_sorted(&values, |_, _| false), values);
    }
}
