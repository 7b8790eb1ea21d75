//! The scrub: reading every stored blob back to find damage before a
//! download does.

use serde::Deserialize;

/// How often and how fast the background scrub reads the blobs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScrubConfig {
    /// Hours between the starts of two background scrubs; 0 turns the
    /// background scrub off (`dsg admin scrub` still runs one).
    pub interval_hours: u32,
    /// Plaintext bytes read per second at most, so a scrub does not starve
    /// downloads of the disk; 0 reads as fast as the storage allows.
    pub bytes_per_second: u64,
}

impl Default for ScrubConfig {
    fn default() -> Self {
        Self {
            interval_hours: 168,
            bytes_per_second: 32 * 1024 * 1024,
        }
    }
}
