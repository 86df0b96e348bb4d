//! A fast hasher for the small integer keys of the hot RPC path (peer ids, node ids, cache
//! ids) whose values this side chose or the transport assigned. Maps keyed by ids a remote
//! peer picks (its announced cache ids) keep std's DoS-resistant hasher.

use std::hash::{BuildHasherDefault, Hasher};

/// Multiply-rotate hashing of integer keys (FxHash's scheme).
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_i32(&mut self, n: i32) {
        self.write_u64(u64::from(n as u32));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(SEED);
    }
}

pub(crate) type IdBuild = BuildHasherDefault<IdHasher>;
pub(crate) type IdMap<K, V> = std::collections::HashMap<K, V, IdBuild>;
pub(crate) type IdSet<K> = std::collections::HashSet<K, IdBuild>;
