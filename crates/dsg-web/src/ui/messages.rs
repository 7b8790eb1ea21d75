//! What a person reads when a request is refused, in their language only.
//!
//! The use cases and the domain state their refusals in English, once, at
//! the place the rule lives; the API passes that text on (with a stable
//! code beside it). A page translates it here, the way gettext does: the
//! English text is the key. Messages with values in them are templates
//! whose `{}` stand for the values (a field name, a number), and a value
//! that is itself a known text is translated too. Text with no entry is
//! shown as it is; a test keeps every refusal written in the domain and the
//! use cases in this catalogue.

use super::message_catalogue::CATALOGUE;
use super::Lang;

/// `message` for a person reading `lang`.
pub(super) fn in_lang(message: &str, lang: Lang) -> String {
    match lang {
        Lang::En => message.to_owned(),
        Lang::Ja => japanese(message, 0).unwrap_or_else(|| message.to_owned()),
    }
}

/// Values are translated one level deep at most (a field inside a refusal).
fn japanese(message: &str, depth: u8) -> Option<String> {
    CATALOGUE.iter().find_map(|(en, ja)| {
        if !en.contains("{}") {
            return (*en == message).then(|| (*ja).to_owned());
        }
        let values = matches(en, message)?;
        let mut out = String::new();
        let mut values = values.into_iter();
        let mut parts = ja.split("{}").peekable();
        while let Some(part) = parts.next() {
            out.push_str(part);
            if parts.peek().is_some() {
                let value = values.next().unwrap_or_default();
                let shown = (depth == 0)
                    .then(|| japanese(value, depth + 1))
                    .flatten()
                    .unwrap_or_else(|| value.to_owned());
                out.push_str(&shown);
            }
        }
        Some(out)
    })
}

/// The values `message` gives the `{}` of `template`, if it has its shape.
/// Each value but the last is as short as possible.
fn matches<'m>(template: &str, message: &'m str) -> Option<Vec<&'m str>> {
    let mut literals = template.split("{}");
    let first = literals.next()?;
    let mut rest = message.strip_prefix(first)?;
    let mut values = Vec::new();
    let literals: Vec<&str> = literals.collect();
    for (i, literal) in literals.iter().enumerate() {
        let last = i + 1 == literals.len();
        if last {
            let value = rest.strip_suffix(literal)?;
            if value.is_empty() {
                return None;
            }
            values.push(value);
            rest = "";
        } else {
            // A value is at least one character: look for the literal after
            // the first one (by character, so text in any script splits safely).
            let first = rest.chars().next()?.len_utf8();
            let at = rest.get(first..)?.find(literal)? + first;
            let (value, after) = rest.split_at_checked(at)?;
            values.push(value);
            rest = after.strip_prefix(literal)?;
        }
    }
    rest.is_empty().then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_in_the_chosen_language_only() {
        assert_eq!(
            in_lang("auditors are agency staff", Lang::Ja),
            "監査担当は防衛省の職員です"
        );
        assert_eq!(
            in_lang("auditors are agency staff", Lang::En),
            "auditors are agency staff"
        );
        assert_eq!(
            in_lang("invalid birth_date: must be in the past", Lang::Ja),
            "生年月日: 過去の日付にしてください"
        );
        assert_eq!(
            in_lang("password must be at least 12 characters", Lang::Ja),
            "パスワードは12文字以上にしてください"
        );
        assert_eq!(
            in_lang("already exists: company name", Lang::Ja),
            "既に登録されています: 同じ名前の企業"
        );
        assert_eq!(
            in_lang("a active terminal cannot become active", Lang::Ja),
            "この端末の状態（active）からはactiveにできません"
        );
        // Values in any script split safely.
        assert_eq!(
            in_lang("invalid 生年月日: must be in the past", Lang::Ja),
            "生年月日: 過去の日付にしてください"
        );
        assert_eq!(
            in_lang(
                "Add another word or two. Uncommon words are better.",
                Lang::Ja
            ),
            "単語をあと一つか二つ加えてください。あまり使われない語がよいです。"
        );
        // Unknown text passes through.
        assert_eq!(in_lang("something new", Lang::Ja), "something new");
    }

    /// Every refusal the domain and the use cases write as a literal has
    /// its Japanese here: the sources are read for `refused("…")`, the
    /// reasons of `invalid(…, "…")`, `AppError::Invalid("…")` and what
    /// the store names in a conflict.
    #[test]
    fn every_written_refusal_is_in_the_catalogue() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut missing = Vec::new();
        for dir in ["dsg-core/src", "dsg-app/src", "dsg-store/src"] {
            for text in literals(&root.join(dir)) {
                if japanese(&text, 0).is_none() {
                    missing.push(text);
                }
            }
        }
        assert!(missing.is_empty(), "no Japanese for: {missing:#?}");
    }

    fn literals(dir: &std::path::Path) -> Vec<String> {
        let mut found = Vec::new();
        let mut dirs = vec![dir.to_path_buf()];
        while let Some(d) = dirs.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let source = std::fs::read_to_string(&path).unwrap();
                // Only the code before a file's tests.
                let source = source.split("#[cfg(test)]").next().unwrap();
                for open in [
                    "refused(",
                    "AppError::Invalid(",
                    "AppError::Refused(",
                    "AppError::InvalidContent(",
                    "Conflict(",
                    "conflict_as(e,",
                ] {
                    for piece in source.split(open).skip(1) {
                        if let Some(literal) = piece.trim_start().strip_prefix('"') {
                            found.push(literal.split('"').next().unwrap().to_owned());
                        }
                    }
                }
                for piece in source.split("DomainError::invalid(").skip(1) {
                    let call = piece.split(')').next().unwrap();
                    if let Some(reason) = call.split(", \"").nth(1) {
                        found.push(reason.split('"').next().unwrap().to_owned());
                    }
                }
            }
        }
        found
    }
}
