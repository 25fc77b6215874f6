//! What a measurement observes besides its own clock: CPU time used, and progress on stderr.

use std::time::Duration;

/// CPU time this process (every thread, librdkafka's included) used since `start`.
pub(crate) struct Cpu(Duration);

impl Cpu {
    pub(crate) fn start() -> Self {
        Self(Self::now())
    }

    pub(crate) fn used(&self) -> Duration {
        Self::now().saturating_sub(self.0)
    }

    /// User plus system time from /proc/self/stat, in the kernel's fixed 100 Hz user ticks.
    fn now() -> Duration {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let ticks: u64 = stat
            .rsplit_once(')')
            .map(|(_, fields)| {
                fields
                    .split_whitespace()
                    .skip(11)
                    .take(2)
                    .filter_map(|t| t.parse::<u64>().ok())
                    .sum()
            })
            .unwrap_or(0);
        Duration::from_millis(ticks * 10)
    }
}
