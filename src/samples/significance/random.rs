//! The random numbers of the permutation tests: one independent xoshiro256++ stream per
//! permutation, derived from `(seed, permutation index)`, so a null distribution is the same for a
//! given seed whatever the number of threads and the order in which permutations run.
//!
//! - Stream `i` of seed `s` starts from `t = mix(mix(s + γ) ⊕ (i · K))` (`mix` the `SplitMix64`
//!   finaliser, `γ` the golden-ratio increment, `K` an odd constant): for a fixed seed, distinct
//!   indices give distinct `t` (every step is a bijection of 64-bit words);
//! - the four words of xoshiro256++'s state are the next four outputs of `SplitMix64` from `t`, as
//!   its authors recommend (Blackman & Vigna 2021);
//! - integers below a bound use Lemire's multiply-and-reject method (no modulo bias); uniform
//!   floats in `[0, 1)` use the top 53 bits.
//!
//! # References
//! - D. Blackman, S. Vigna, "Scrambled linear pseudorandom number generators", ACM TOMS 47 (2021).
//! - D. Lemire, "Fast random integer generation in an interval", ACM TOMACS 29 (2019).

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;
const STREAM: u64 = 0xD1B5_4A32_D192_ED03;

/// The `SplitMix64` output function (a bijection of 64-bit words).
#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `SplitMix64` (Steele, Lea & Flood 2014): only used to fill xoshiro's state.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }
}

/// xoshiro256++ (Blackman & Vigna): 256 bits of state, period 2^256 − 1.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// The stream of permutation `index` for `seed`.
    #[must_use]
    pub fn stream(seed: u64, index: u64) -> Rng {
        let start = mix(mix(seed.wrapping_add(GOLDEN)) ^ index.wrapping_mul(STREAM));
        let mut fill = SplitMix64(start);
        let mut s = [fill.next(), fill.next(), fill.next(), fill.next()];
        if s == [0; 4] {
            s[0] = GOLDEN; // the one forbidden state (probability 2^-256)
        }
        Rng { s }
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)`, a multiple of 2^-53.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `0..bound` (`bound > 0`), unbiased (Lemire).
    #[inline]
    pub fn below(&mut self, bound: u64) -> u64 {
        let mut m = u128::from(self.next_u64()) * u128::from(bound);
        if (m as u64) < bound {
            let threshold = bound.wrapping_neg() % bound;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(bound);
            }
        }
        (m >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoshiro_matches_the_reference_implementation() {
        // State 1, 2, 3, 4: the first outputs of the reference C code (prng.di.unimi.it).
        let mut rng = Rng { s: [1, 2, 3, 4] };
        let first: Vec<u64> = (0..4).map(|_| rng.next_u64()).collect();
        assert_eq!(
            first,
            [
                41_943_041,
                58_720_359,
                3_588_806_011_781_223,
                3_591_011_842_654_386
            ]
        );
    }

    #[test]
    fn streams_differ_and_repeat() {
        let a: Vec<u64> = (0..4).map(|i| Rng::stream(7, i).next_u64()).collect();
        let b: Vec<u64> = (0..4).map(|i| Rng::stream(7, i).next_u64()).collect();
        assert_eq!(a, b);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 4);
        assert_ne!(Rng::stream(8, 0).next_u64(), a[0]);
    }

    #[test]
    fn bounded_integers_are_uniform() {
        let mut rng = Rng::stream(1, 2);
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            counts[rng.below(6) as usize] += 1;
        }
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{counts:?}");
        }
        let mean: f64 = (0..100_000).map(|_| rng.uniform()).sum::<f64>() / 100_000.0;
        assert!((mean - 0.5).abs() < 0.005);
    }
}
