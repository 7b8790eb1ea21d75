//! A form the use case refused, shown again on its own page: what was
//! typed kept, the message next to the field it concerns (`aria-invalid`,
//! `aria-describedby`), the page answered with the error's status. Only
//! refusals of the input are shown this way; anything else (a denial, a
//! lost session) still goes to the error page.

use axum::http::StatusCode;
use maud::{html, Markup};

use super::layout::message_of;
use crate::http::context::Ctx;
use crate::http::error::{public_message, status_and_code};
use dsg_app::AppError;

/// A refused form.
#[derive(Debug)]
pub(super) struct Failed {
    form: &'static str,
    field: &'static str,
    message: String,
    values: Vec<(&'static str, String)>,
    status: StatusCode,
}

/// Whether `error` is about what was typed (shown beside the form).
pub(super) fn about_input(error: &AppError) -> bool {
    matches!(
        error,
        AppError::Invalid(_)
            | AppError::PolicyInvalid(_)
            | AppError::Conflict(_)
            | AppError::Refused(_)
    )
}

impl Failed {
    /// The failure of form `form` (its element id) with `values` (input
    /// name, as typed). `fields` pairs each input's name with the names
    /// the use cases give it in their messages; the message goes beside
    /// the first field it names, else beside the first field.
    pub(super) fn new(
        ctx: &Ctx,
        form: &'static str,
        error: &AppError,
        values: Vec<(&'static str, String)>,
        fields: &[(&'static str, &[&str])],
    ) -> Self {
        let english = public_message(error);
        let named = |name: &str| {
            english.starts_with(&format!("{name}:"))
                || english.contains(&format!("invalid {name}:"))
                || english.ends_with(&format!(": {name}"))
        };
        let field = fields
            .iter()
            .find(|(_, names)| names.iter().any(|n| named(n)))
            .or(fields.first())
            .map_or("", |(input, _)| *input);
        Self {
            form,
            field,
            message: message_of(ctx.lang, error),
            values,
            status: status_and_code(error).0,
        }
    }

    /// The same failure answered with `status` (a denial shown beside the
    /// form keeps the status of a denial).
    pub(super) fn with_status(self, status: StatusCode) -> Self {
        Self { status, ..self }
    }

    /// The status to answer with.
    pub(super) fn status(&self) -> StatusCode {
        self.status
    }

    fn concerns(&self, form: &str, input: &str) -> bool {
        self.form == form && self.field == input
    }

    /// The element id of the message beside `input` of `form`.
    pub(super) fn error_id(form: &str, input: &str) -> String {
        format!("{form}-{input}-error")
    }
}

/// What was typed into `input` of `form`, if that form failed.
pub(super) fn kept<'a>(failed: Option<&'a Failed>, form: &str, input: &str) -> Option<&'a str> {
    let failed = failed.filter(|f| f.form == form)?;
    failed
        .values
        .iter()
        .find(|(name, _)| *name == input)
        .map(|(_, v)| v.as_str())
}

/// `aria-invalid` for `input` of `form`.
pub(super) fn invalid(failed: Option<&Failed>, form: &str, input: &str) -> Option<&'static str> {
    failed.filter(|f| f.concerns(form, input)).map(|_| "true")
}

/// `aria-describedby` for `input` of `form`: its message's id.
pub(super) fn described(failed: Option<&Failed>, form: &str, input: &str) -> Option<String> {
    failed
        .filter(|f| f.concerns(form, input))
        .map(|_| Failed::error_id(form, input))
}

/// The message beside `input` of `form` (nothing if it is not the one).
pub(super) fn beside(failed: Option<&Failed>, form: &str, input: &str) -> Markup {
    html! {
        @if let Some(f) = failed.filter(|f| f.concerns(form, input)) {
            p class="error field-error" id=(Failed::error_id(form, input)) role="alert" { (f.message) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_input_is_only_what_the_person_can_correct() {
        assert!(about_input(&AppError::Conflict("company name")));
        assert!(about_input(&AppError::Invalid("invalid x: y".into())));
        assert!(!about_input(&AppError::Forbidden));
        assert!(!about_input(&AppError::Unauthenticated));
    }
}
