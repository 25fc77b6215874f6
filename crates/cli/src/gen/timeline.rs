//! When each post is written: the shape's rate over the range, turned into sorted times by
//! inverting its cumulative distribution (post `i` of `n` falls at quantile `(i + u) / n`).

use super::config::Shape;

const BINS: usize = 4096;

/// Where the chat's first question falls, as a fraction of the range.
pub const CHAT_OPENS: f64 = 0.02;

/// Sorted positions in `[0, 1)` that follow a shape's rate.
#[derive(Debug, Clone)]
pub struct Timeline {
    cdf: Vec<f64>,
    bin: usize,
    n: f64,
}

impl Timeline {
    /// A timeline of `n` posts shaped like `shape` (`questions` for a chat).
    pub fn new(shape: Shape, questions: u32, n: u64) -> Self {
        let mut cdf = Vec::with_capacity(BINS + 1);
        let mut total = 0.0;
        cdf.push(0.0);
        for b in 0..BINS {
            let x = (b as f64 + 0.5) / BINS as f64;
            total += rate(shape, questions, x);
            cdf.push(total);
        }
        for c in &mut cdf {
            *c /= total;
        }
        Self {
            cdf,
            bin: 0,
            n: n.max(1) as f64,
        }
    }

    /// The position of post `i` with jitter `u` in `[0, 1)`; call with `i` increasing.
    pub fn position(&mut self, i: u64, u: f64) -> f64 {
        let q = ((i as f64 + u) / self.n).min(1.0 - 1e-12);
        while self.bin < BINS - 1 && self.cdf[self.bin + 1] <= q {
            self.bin += 1;
        }
        let (lo, hi) = (self.cdf[self.bin], self.cdf[self.bin + 1]);
        let within = if hi > lo { (q - lo) / (hi - lo) } else { 0.0 };
        ((self.bin as f64 + within.clamp(0.0, 1.0)) / BINS as f64).min(1.0 - 1e-12)
    }
}

/// The burst's extra rate at `x`: a sharp rise to the middle, a slower decay after.
pub fn burst(x: f64) -> f64 {
    let d = x - 0.5;
    if d < 0.0 {
        (-(d / 0.035).powi(2) / 2.0).exp()
    } else {
        (-d / 0.07).exp()
    }
}

/// How much higher than the baseline the burst peaks.
pub const BURST_PEAK: f64 = 14.0;

/// The share of posts at `x` that belong to the burst (and carry its hashtag).
pub fn burst_share(x: f64) -> f64 {
    let b = BURST_PEAK * burst(x);
    b / (1.0 + b)
}

/// The chat question whose segment `x` falls in (0-based), or `None` before the chat opens.
pub fn chat_segment(questions: u32, x: f64) -> Option<u32> {
    if x < CHAT_OPENS {
        return None;
    }
    let width = (1.0 - CHAT_OPENS) / f64::from(questions.max(1));
    Some((((x - CHAT_OPENS) / width) as u32).min(questions.max(1) - 1))
}

fn rate(shape: Shape, questions: u32, x: f64) -> f64 {
    match shape {
        Shape::Steady => 1.0,
        Shape::Burst => 1.0 + BURST_PEAK * burst(x),
        Shape::Chat => match chat_segment(questions, x) {
            None => 0.2,
            Some(k) => {
                let width = (1.0 - CHAT_OPENS) / f64::from(questions.max(1));
                let since = x - (CHAT_OPENS + f64::from(k) * width);
                0.3 + 3.0 * (-since / (width / 4.0)).exp()
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn positions(shape: Shape, n: u64) -> Vec<f64> {
        let mut t = Timeline::new(shape, 5, n);
        (0..n).map(|i| t.position(i, 0.5)).collect()
    }

    #[test]
    fn positions_are_sorted_and_in_range() {
        for shape in [Shape::Steady, Shape::Burst, Shape::Chat] {
            let p = positions(shape, 10_000);
            assert!(p.windows(2).all(|w| w[0] <= w[1]), "{shape:?}");
            assert!(p.iter().all(|x| (0.0..1.0).contains(x)));
        }
    }

    #[test]
    fn the_burst_peaks_in_the_middle() {
        let p = positions(Shape::Burst, 100_000);
        let mut tenths = [0usize; 10];
        for x in p {
            tenths[(x * 10.0) as usize] += 1;
        }
        let peak = (0..10).max_by_key(|&i| tenths[i]).unwrap();
        assert!(peak == 4 || peak == 5, "{tenths:?}");
        assert!(tenths[5] > 4 * tenths[0], "{tenths:?}");
    }

    #[test]
    fn steady_is_uniform() {
        let p = positions(Shape::Steady, 10_000);
        let first_half = p.iter().filter(|&&x| x < 0.5).count();
        assert!((4_900..=5_100).contains(&first_half));
    }
}
