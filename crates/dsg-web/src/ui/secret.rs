//! One-time secrets (an enrolment link, a PKCS#12 password, recovery
//! codes): shown large, with copy, download as a text file and print. The
//! buttons work through the one script (`data-copy`, `data-print`); the
//! download is a `data:` link, so it needs no script and no second request
//! for a secret the server no longer holds.

use maud::{html, Markup};

use super::{Lang, Text};

/// What a secret box shows.
pub(super) struct Secret<'a> {
    /// The id of the element holding the value (tests and the copy button
    /// find it by this id).
    pub id: &'a str,
    /// What the value is, above it.
    pub label: &'a str,
    /// The text copied, saved and printed.
    pub text: &'a str,
    /// The saved file's name.
    pub file: &'a str,
    /// A `data-path` attribute (the enrolment link's path, for tests).
    pub path: Option<&'a str>,
}

/// A `data:` address of `text` as a UTF-8 text file.
pub(super) fn text_file_url(text: &str) -> String {
    format!(
        "data:text/plain;charset=utf-8,{}",
        percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC)
    )
}

/// The copy, save and print buttons of the secret held by element `id`;
/// `download` is the saved file's address (empty: filled in by the script).
pub(super) fn actions(lang: Lang, id: &str, file: &str, download: &str) -> Markup {
    html! {
        div class="secret-actions" {
            button type="button" class="secondary" id={ (id) "-copy" } data-copy=(id)
                data-text-copied=(lang.t(Text::CopiedSecret)) data-text-failed=(lang.t(Text::CopyFailed)) {
                (lang.t(Text::CopySecret))
            }
            a class="button" id={ (id) "-download" } download=(file) href=(download) { (lang.t(Text::DownloadSecret)) }
            button type="button" class="secondary" id={ (id) "-print" } data-print="true" { (lang.t(Text::PrintSecret)) }
            span class="copy-status" id={ (id) "-status" } role="status" aria-live="polite" {}
        }
    }
}

/// A secret shown once, as one large value.
pub(super) fn secret_box(lang: Lang, secret: &Secret<'_>) -> Markup {
    html! {
        section class="secret" aria-labelledby={ (secret.id) "-label" } {
            p class="secret-label" id={ (secret.id) "-label" } { strong { (secret.label) } }
            p class="note" { (lang.t(Text::SecretOnce)) }
            code class="secret-value" id=(secret.id) data-path=[secret.path] { (secret.text) }
            (actions(lang, secret.id, secret.file, &text_file_url(&format!("{}\n", secret.text))))
        }
    }
}

/// Recovery codes shown once, as a numbered list; `hidden` until the
/// script fills it in (after enrolling an authenticator).
pub(super) fn codes_box(lang: Lang, codes: &[String], hidden: bool) -> Markup {
    let text: String = codes.iter().map(|c| format!("{c}\n")).collect();
    html! {
        section class="secret" id="recovery-codes" aria-labelledby="recovery-codes-label" hidden[hidden] {
            p class="secret-label" id="recovery-codes-label" { strong { (lang.t(Text::RecoveryCodesTitle)) } }
            p class="note" { (lang.t(Text::SecretOnce)) }
            ol class="secret-value" id="recovery-code-list" { @for c in codes { li { (c) } } }
            (actions(lang, "recovery-code-list", "dsg-recovery-codes.txt", &text_file_url(&text)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::text_file_url;

    #[test]
    fn a_text_file_url_escapes_everything_but_letters_and_digits() {
        assert_eq!(
            text_file_url("https://gw/enrol?token=a+b\n"),
            "data:text/plain;charset=utf-8,https%3A%2F%2Fgw%2Fenrol%3Ftoken%3Da%2Bb%0A"
        );
    }
}
