//! A small, fast, seedable random number generator (wyrand) whose sequence is fixed forever:
//! the same seed gives the same replay on every machine and every release, which a
//! dependency's generator does not promise.

/// wyrand: 64-bit state, one multiply per draw; good enough for synthetic data.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator for `seed`; `stream` separates independent sequences of one seed.
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut rng = Self {
            state: seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        };
        rng.next_u64();
        rng
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0xA076_1D64_78BD_642F);
        let t = u128::from(self.state) * u128::from(self.state ^ 0xE703_7ED1_A0B4_28DB);
        ((t >> 64) as u64) ^ (t as u64)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + ((u128::from(self.next_u64()) * u128::from(hi - lo + 1)) >> 64) as u64
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A heavy-tailed count: Pareto with minimum `min` and shape `alpha`, capped at `max`.
    pub fn pareto(&mut self, min: f64, alpha: f64, max: f64) -> u64 {
        let u = 1.0 - self.unit(); // (0, 1]
        (min / u.powf(1.0 / alpha)).min(max) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_is_fixed_by_the_seed() {
        let a: Vec<u64> = (0..4)
            .scan(Rng::new(7, 0), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..4)
            .scan(Rng::new(7, 0), |r, _| Some(r.next_u64()))
            .collect();
        let c: Vec<u64> = (0..4)
            .scan(Rng::new(7, 1), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn draws_stay_in_range() {
        let mut r = Rng::new(1, 2);
        for _ in 0..10_000 {
            assert!(r.below(7) < 7);
            let x = r.unit();
            assert!((0.0..1.0).contains(&x));
            assert!((3..=5).contains(&r.between(3, 5)));
            assert!(r.pareto(10.0, 1.2, 1e6) >= 10);
        }
        let share = (0..100_000).filter(|_| r.chance(0.05)).count() as f64 / 100_000.0;
        assert!((share - 0.05).abs() < 0.005, "{share}");
    }
}
