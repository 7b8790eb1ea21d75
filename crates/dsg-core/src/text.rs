//! Text from requests, cut safely. A byte index into UTF-8 text panics when
//! it falls inside a character, so text that came from a caller is only ever
//! shortened at a character boundary.

/// The longest prefix of `text` that is at most `max_bytes` long and ends on
/// a character boundary (never splits a character).
pub fn clip(text: &str, max_bytes: usize) -> &str {
    let mut end = max_bytes.min(text.len());
    while !text.is_char_boundary(end) {
        // 0 is always a boundary, so this stops before underflowing.
        end = end.saturating_sub(1);
    }
    text.get(..end).unwrap_or_default()
}

/// [`clip`] as an owned string, for audit object ids and log fields.
pub fn clip_owned(text: &str, max_bytes: usize) -> String {
    clip(text, max_bytes).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_splits_a_character() {
        let text = format!("{}é", "a".repeat(63));
        assert_eq!(text.len(), 65);
        assert_eq!(clip(&text, 64), "a".repeat(63));
        assert_eq!(clip(&text, 65), text);
        assert_eq!(clip("保護すべき情報", 4), "保");
        assert_eq!(clip("保", 2), "");
        assert_eq!(clip("", 10), "");
        assert_eq!(clip("abc", 0), "");
    }

    #[test]
    fn every_cut_of_mixed_text_is_a_prefix() {
        let text = "a😀bé保\u{200b}c";
        for max in 0..=text.len() + 2 {
            let cut = clip(text, max);
            assert!(cut.len() <= max);
            assert!(text.starts_with(cut));
        }
    }
}
