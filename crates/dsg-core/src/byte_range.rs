//! A byte range a download asks for (`Range: bytes=…`), resolved against
//! the size of the version only after the request is authorised, so that
//! a refused request learns nothing about the file, not even its size.

/// One range of bytes, as asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestedRange {
    /// `first-`: from `first` to the end.
    From(u64),
    /// `first-last`, both included.
    Between(u64, u64),
    /// `-n`: the last `n` bytes.
    Last(u64),
}

impl RequestedRange {
    /// The first and last byte (inclusive) this range names in a version of
    /// `size` bytes, clipped to its end as HTTP says (RFC 9110 §14.1.2);
    /// `None` when it names no byte of it (an answer of 416).
    pub fn resolve(self, size: u64) -> Option<(u64, u64)> {
        let end = size.checked_sub(1)?;
        match self {
            Self::From(first) if first <= end => Some((first, end)),
            Self::Between(first, last) if first <= last && first <= end => {
                Some((first, last.min(end)))
            }
            Self::Last(n) if n > 0 => Some((size.saturating_sub(n), end)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RequestedRange::{Between, From, Last};

    #[test]
    fn ranges_resolve_as_http_says() {
        assert_eq!(From(0).resolve(10), Some((0, 9)));
        assert_eq!(From(9).resolve(10), Some((9, 9)));
        assert_eq!(From(10).resolve(10), None);
        assert_eq!(Between(2, 4).resolve(10), Some((2, 4)));
        assert_eq!(
            Between(2, 400).resolve(10),
            Some((2, 9)),
            "clipped to the end"
        );
        assert_eq!(Between(4, 2).resolve(10), None);
        assert_eq!(Last(3).resolve(10), Some((7, 9)));
        assert_eq!(Last(30).resolve(10), Some((0, 9)), "longer than the file");
        assert_eq!(Last(0).resolve(10), None);
        assert_eq!(From(0).resolve(0), None, "an empty file has no byte");
        assert_eq!(Last(5).resolve(0), None);
    }
}
