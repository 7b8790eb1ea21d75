//! The embedded assets: the one script, the stylesheet (the Digital Agency
//! design system's tokens, vendored, with their licence, then the UI's own
//! rules) and the bundled web font with its licence. Nothing is fetched from
//! elsewhere: the gateway runs on a closed network.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

const SCRIPT: &str = include_str!("../../assets/app.js");

/// The tokens first (custom properties only), so the rules below can use them.
const STYLESHEET: &str = concat!(
    "/*! Design tokens of the Digital Agency design system ",
    "(@digital-go-jp/design-tokens), under this licence:\n\n",
    include_str!("../../assets/vendor/design-tokens/LICENSE"),
    "*/\n",
    include_str!("../../assets/vendor/design-tokens/tokens.css"),
    include_str!("../../assets/app.css"),
);

/// Noto Sans JP (Noto Sans CJK JP), subset by `scripts/subset-font`.
const FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSansJP-Regular.subset.woff2");
const FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSansJP-Bold.subset.woff2");
const FONT_LICENCE: &str = include_str!("../../assets/fonts/OFL.txt");

/// Fonts hold nothing protected and are large: unlike pages (`no-store`),
/// browsers may keep them for a day.
const FONT_CACHE: &str = "public, max-age=86400";

/// `GET /assets/app.js`
pub(super) async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

/// `GET /assets/app.css`
pub(super) async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STYLESHEET,
    )
        .into_response()
}

/// `GET /assets/fonts/{name}`: the two weights of the font and its licence.
pub(super) async fn font(Path(name): Path<String>) -> Response {
    match name.as_str() {
        "NotoSansJP-Regular.subset.woff2" => woff2(FONT_REGULAR),
        "NotoSansJP-Bold.subset.woff2" => woff2(FONT_BOLD),
        "OFL.txt" => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            FONT_LICENCE,
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn woff2(bytes: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, "font/woff2"),
            (header::CACHE_CONTROL, FONT_CACHE),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::STYLESHEET;

    #[test]
    fn the_stylesheet_carries_the_tokens_licence_and_the_font_faces() {
        assert!(STYLESHEET.starts_with("/*! Design tokens"));
        assert!(STYLESHEET.contains("Copyright (c) 2023 デジタル庁"));
        assert!(STYLESHEET.contains("--color-primitive-blue-900"));
        assert!(STYLESHEET.contains("/assets/fonts/NotoSansJP-Regular.subset.woff2"));
        // The licence comment closes once, where it ends.
        assert_eq!(
            STYLESHEET.matches("*/").count(),
            STYLESHEET.matches("/*").count()
        );
    }
}
