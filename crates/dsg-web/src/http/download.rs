//! Sending a file: always as an opaque attachment that the browser may not
//! render in the gateway's origin.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use http_range_header::SyntacticallyCorrectRange;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use dsg_app::Download;
use dsg_core::RequestedRange;

/// RFC 8187 `attr-char`s stay as they are; everything else is encoded.
const FILENAME_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment; filename*=UTF-8''…` for any display name.
pub fn content_disposition(name: &str) -> String {
    format!(
        "attachment; filename*=UTF-8''{}",
        utf8_percent_encode(name, FILENAME_SET)
    )
}

/// The marking header value: "protected information" in Japanese, RFC 8187 encoded.
fn marking_header() -> String {
    format!(
        "protected; label*=UTF-8''{}",
        utf8_percent_encode(dsg_core::PROTECTED_MARKING, FILENAME_SET)
    )
}

/// The one byte range a request asks for. A header that is malformed,
/// names another unit or asks for several ranges is ignored and the whole
/// version is sent, as RFC 9110 §14.2 lets a server do.
pub fn requested_range(headers: &HeaderMap) -> Option<RequestedRange> {
    let value = headers.get(header::RANGE)?.to_str().ok()?;
    let ranges = http_range_header::parse_range_header(value).ok()?;
    let [range] = ranges.into_ranges()[..] else {
        return None;
    };
    Some(match range {
        SyntacticallyCorrectRange::FromStart(first) => RequestedRange::From(first),
        SyntacticallyCorrectRange::FromLast(n) => RequestedRange::Last(n),
        SyntacticallyCorrectRange::Indexed(first, last) => RequestedRange::Between(first, last),
    })
}

/// The `If-Range` validator, when the request carries one.
pub fn if_range(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::IF_RANGE)?.to_str().ok()
}

/// Builds the streaming response of a download: `200` with the whole
/// version, or `206` with the part asked for.
pub fn download_response(download: Download) -> Response {
    let (status, length) = match download.part {
        Some((first, last)) => (StatusCode::PARTIAL_CONTENT, last - first + 1),
        None => (StatusCode::OK, download.size_bytes),
    };
    let mut response = (status, Body::from_stream(download.body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some((first, last)) = download.part {
        let range = format!("bytes {first}-{last}/{}", download.size_bytes);
        if let Ok(value) = HeaderValue::from_str(&range) {
            headers.insert(header::CONTENT_RANGE, value);
        }
    }
    if let Ok(value) = HeaderValue::from_str(&download.entity_tag) {
        headers.insert(header::ETAG, value);
    }
    if let Ok(value) = HeaderValue::from_str(&content_disposition(download.name.as_str())) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    headers.insert("x-dsg-version", HeaderValue::from(download.version));
    if let Ok(value) = HeaderValue::from_str(&marking_header()) {
        headers.insert("x-dsg-marking", value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_encoded_not_interpreted() {
        assert_eq!(
            content_disposition("a b.txt"),
            "attachment; filename*=UTF-8''a%20b.txt"
        );
        assert_eq!(
            content_disposition("図面\";x=.pdf"),
            "attachment; filename*=UTF-8''%E5%9B%B3%E9%9D%A2%22%3Bx%3D.pdf"
        );
    }
}
