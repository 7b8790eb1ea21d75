//! Sending a file: always as an opaque attachment that the browser may not
//! render in the gateway's origin.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use dsg_app::Download;

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

/// Builds the streaming response of a download.
pub fn download_response(download: Download) -> Response {
    let mut response = (StatusCode::OK, Body::from_stream(download.body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(download.size_bytes),
    );
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
