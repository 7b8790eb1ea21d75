//! Attachments of applications and tickets (添付資料): a facility layout,
//! an audit-result notice, a screenshot. Only a few types are taken, each
//! recognised by its content (magic bytes), not by its name alone, and the
//! name's extension must agree: an executable renamed `.pdf` is refused.
//! They are never rendered or run on the server; they are served back as
//! downloads only.

use crate::entities::string_enum;
use crate::DomainError;

/// The largest attachment taken (20 MiB).
pub const MAX_ATTACHMENT_BYTES: u64 = 20 * 1024 * 1024;

/// How many leading bytes [`AttachmentType::recognise`] needs at most.
pub const SNIFF_BYTES: usize = 512;

string_enum!(
    /// The types an attachment may be.
    AttachmentType {
        /// A PDF document.
        Pdf => "pdf",
        /// A PNG image.
        Png => "png",
        /// A JPEG image.
        Jpeg => "jpeg",
        /// An Office Open XML spreadsheet.
        Xlsx => "xlsx",
        /// Comma-separated values, UTF-8.
        Csv => "csv",
    }
);

impl AttachmentType {
    /// The media type it is served as (always as an attachment).
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::Pdf => &["pdf"],
            Self::Png => &["png"],
            Self::Jpeg => &["jpg", "jpeg"],
            Self::Xlsx => &["xlsx"],
            Self::Csv => &["csv"],
        }
    }

    /// The type of a file named `name` whose content begins with `head`
    /// (its first [`SNIFF_BYTES`] bytes or all of it): the content must be
    /// one of the types and the name's extension that type's.
    pub fn recognise(name: &str, head: &[u8]) -> Result<Self, DomainError> {
        let by_content = Self::by_content(head).ok_or(DomainError::invalid(
            "attachment",
            "PDF, PNG, JPEG, XLSX or CSV only, recognised by content",
        ))?;
        let extension = name
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase())
            .unwrap_or_default();
        if !by_content.extensions().contains(&extension.as_str()) {
            return Err(DomainError::invalid(
                "attachment",
                "the file name's extension does not match its content",
            ));
        }
        Ok(by_content)
    }

    fn by_content(head: &[u8]) -> Option<Self> {
        if head.starts_with(b"%PDF-") {
            return Some(Self::Pdf);
        }
        if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Some(Self::Png);
        }
        if head.starts_with(b"\xff\xd8\xff") {
            return Some(Self::Jpeg);
        }
        if head.starts_with(b"PK\x03\x04") {
            // An XLSX is a ZIP whose parts name the spreadsheet; another
            // ZIP (an archive that may carry anything) is not taken.
            return contains(head, b"[Content_Types].xml")
                .then_some(())
                .or_else(|| contains(head, b"xl/").then_some(()))
                .map(|()| Self::Xlsx);
        }
        is_text(head).then_some(Self::Csv)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Text a CSV may hold: UTF-8 (a character cut at the end of the head
/// allowed), no control characters but line breaks and tabs, not empty.
fn is_text(head: &[u8]) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) if e.error_len().is_none() => {
            match head.get(..e.valid_up_to()).map(std::str::from_utf8) {
                Some(Ok(text)) => text,
                _ => return false,
            }
        }
        Err(_) => return false,
    };
    !text.trim().is_empty()
        && text
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
}

/// Whether an attachment of `size` bytes may be taken.
pub fn check_size(size: u64) -> Result<(), DomainError> {
    if size == 0 {
        return Err(DomainError::invalid("attachment", "must not be empty"));
    }
    if size > MAX_ATTACHMENT_BYTES {
        return Err(DomainError::invalid("attachment", "larger than 20 MiB"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognised_by_content_and_name() {
        assert_eq!(
            AttachmentType::recognise("layout.pdf", b"%PDF-1.7\n...").unwrap(),
            AttachmentType::Pdf
        );
        assert_eq!(
            AttachmentType::recognise("screen.PNG", b"\x89PNG\r\n\x1a\n\0\0").unwrap(),
            AttachmentType::Png
        );
        assert_eq!(
            AttachmentType::recognise("photo.jpg", b"\xff\xd8\xff\xe0").unwrap(),
            AttachmentType::Jpeg
        );
        assert_eq!(
            AttachmentType::recognise(
                "list.xlsx",
                b"PK\x03\x04\x14\0\0\0\x08\0[Content_Types].xml"
            )
            .unwrap(),
            AttachmentType::Xlsx
        );
        assert_eq!(
            AttachmentType::recognise("list.csv", "名前,数量\n端末,3\n".as_bytes()).unwrap(),
            AttachmentType::Csv
        );
    }

    #[test]
    fn an_executable_renamed_is_refused() {
        assert!(AttachmentType::recognise("notice.pdf", b"MZ\x90\0\x03\0\0\0").is_err());
        // ELF, a shell script named .csv with a NUL, a plain ZIP.
        assert!(AttachmentType::recognise("a.pdf", b"\x7fELF\x02\x01").is_err());
        assert!(AttachmentType::recognise("a.csv", b"#!/bin/sh\0").is_err());
        assert!(AttachmentType::recognise("a.xlsx", b"PK\x03\x04\x14\0payload.exe").is_err());
    }

    #[test]
    fn the_extension_must_agree() {
        assert!(AttachmentType::recognise("notice.exe", b"%PDF-1.7").is_err());
        assert!(AttachmentType::recognise("notice", b"%PDF-1.7").is_err());
        assert!(AttachmentType::recognise("image.pdf", b"\x89PNG\r\n\x1a\n").is_err());
    }

    #[test]
    fn a_cut_character_at_the_end_of_the_head_is_text() {
        let text = "端末".as_bytes();
        assert!(AttachmentType::recognise("a.csv", text.get(..4).unwrap()).is_ok());
    }

    #[test]
    fn sizes() {
        assert!(check_size(0).is_err());
        assert!(check_size(1).is_ok());
        assert!(check_size(MAX_ATTACHMENT_BYTES).is_ok());
        assert!(check_size(MAX_ATTACHMENT_BYTES + 1).is_err());
    }
}
