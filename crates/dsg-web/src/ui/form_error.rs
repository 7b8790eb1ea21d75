//! A form the use case refused, shown again on its own page: what was
//! typed kept, the message next to the field it concerns (`aria-invalid`,
//! `aria-describedby`), the page answered with the error's status. Only
//! refusals of the input are shown this way; anything else (a denial, a
//! lost session) still goes to the error page.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
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

    /// The failure of `form` for `error` if it is about what was typed
    /// (see [`Failed::new`]); any other error back, for the caller to
    /// answer as before (a step-up, the error page).
    pub(super) fn of(
        ctx: &Ctx,
        form: &'static str,
        error: AppError,
        values: Vec<(&'static str, String)>,
        fields: &[(&'static str, &[&str])],
    ) -> Result<Self, AppError> {
        if about_input(&error) {
            Ok(Self::new(ctx, form, &error, values, fields))
        } else {
            Err(error)
        }
    }

    /// Form `form` shown with `values` already in it (an edit form with
    /// the values as they stand), nothing refused.
    pub(super) fn filled(form: &'static str, values: Vec<(&'static str, String)>) -> Self {
        Self {
            form,
            field: "",
            message: String::new(),
            values,
            status: StatusCode::OK,
        }
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

/// A page answered with the refusal's status, or 200 with no refusal.
pub(super) fn answer(failed: Option<&Failed>, markup: Markup) -> Response {
    let status = failed.map_or(StatusCode::OK, Failed::status);
    (status, Html(markup.into_string())).into_response()
}

/// The control of a [`Field`].
pub(super) enum Control<'a> {
    /// `input` of this type (`text`, `date`).
    Input(&'a str),
    /// A `textarea` of this many rows.
    Area(u32),
    /// A `select` of (value, label); with `choose`, no option is chosen
    /// beforehand: a person must pick one.
    Select {
        options: &'a [(String, String)],
        choose: bool,
    },
}

/// One field of a form that may come back refused: its label, its control
/// with what was typed put back, and the message beside it when it is the
/// field the refusal names. Every form of the UI draws its fields with
/// this, so a refused form looks the same everywhere.
pub(super) struct Field<'a> {
    /// The form's element id.
    pub form: &'static str,
    /// The input's name.
    pub name: &'static str,
    /// The control's element id.
    pub id: &'a str,
    /// The label.
    pub label: &'a str,
    /// What kind of control.
    pub control: Control<'a>,
    /// Whether it must be filled.
    pub required: bool,
    /// The most characters it takes.
    pub max: Option<u32>,
}

/// The markup of `field`, after `failed` if the form was refused.
pub(super) fn field(failed: Option<&Failed>, field: &Field<'_>) -> Markup {
    let (form, name) = (field.form, field.name);
    let typed = kept(failed, form, name);
    html! {
        label for=(field.id) { (field.label) }
        @match &field.control {
            Control::Input(kind) => {
                input type=(kind) name=(name) id=(field.id) required[field.required] maxlength=[field.max]
                    value=[typed]
                    aria-invalid=[invalid(failed, form, name)]
                    aria-describedby=[described(failed, form, name)];
            }
            Control::Area(rows) => {
                textarea name=(name) id=(field.id) required[field.required] maxlength=[field.max] rows=(rows)
                    aria-invalid=[invalid(failed, form, name)]
                    aria-describedby=[described(failed, form, name)] { (typed.unwrap_or_default()) }
            }
            Control::Select { options, choose } => {
                select name=(name) id=(field.id) required[field.required]
                    aria-invalid=[invalid(failed, form, name)]
                    aria-describedby=[described(failed, form, name)] {
                    @if *choose { option value="" disabled selected[typed.is_none()] { "—" } }
                    @for (value, label) in options.iter() {
                        option value=(value) selected[typed == Some(value.as_str())] { (label) }
                    }
                }
            }
        }
        (beside(failed, form, name))
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
