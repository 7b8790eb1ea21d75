//! What the pages of every request kind share: the due date with its
//! overdue mark, the buttons of the steps the use case offers, and the
//! timeline. A kind's page supplies its form's fields and how its states
//! and steps read in words.

use maud::{html, Markup};

use super::layout::csrf_field;
use super::{segment, Lang, Text};
use crate::http::context::Ctx;

/// One line of a timeline (the store's row type is not named above the
/// use cases: a page maps its fields).
pub(super) struct Step<'a> {
    /// The action's stable name (`file` for the filing).
    pub(super) action: &'a str,
    /// The state after it.
    pub(super) to_state: &'a str,
    /// Why.
    pub(super) reason: &'a str,
    /// When (Unix ms).
    pub(super) at: i64,
}

/// The lines of a timeline, of the rows a view carries.
macro_rules! step_lines {
    ($rows:expr) => {
        $rows
            .iter()
            .map(|s| super::request_pages::Step {
                action: &s.action,
                to_state: &s.to_state,
                reason: &s.reason,
                at: s.at,
            })
            .collect::<Vec<_>>()
    };
}
pub(super) use step_lines;

/// The due date and, past it, the overdue mark.
pub(super) fn due(due_on: Option<&str>, overdue: bool, lang: Lang) -> Markup {
    html! {
        @if let Some(due) = due_on {
            (due)
            @if overdue { " " strong class="overdue" { (lang.t(Text::Overdue)) } }
        }
    }
}

/// One button per step offered, each posting to `{base}/{id}/{action}`
/// with an optional reason.
pub(super) fn step_buttons(
    ctx: &Ctx,
    (base, id): (&str, &str),
    actions: &[&'static str],
    label: fn(&str, Lang) -> String,
) -> Markup {
    let lang = ctx.lang;
    html! {
        @for action in actions {
            form method="post" action={ (base) "/" (segment(id)) "/" (action) } class="inline" {
                (csrf_field(ctx))
                input type="text" name="reason" placeholder=(lang.t(Text::ReasonOptional)) maxlength="2000";
                button type="submit" class={ "step-" (action) } { (label(action, lang)) }
            }
        }
    }
}

/// How a kind's step or state reads in words.
pub(super) type Words = fn(&str, Lang) -> String;

/// The timeline: every step, its time, the state after it and its reason.
pub(super) fn timeline(
    ctx: &Ctx,
    steps: &[Step<'_>],
    (step_label, state_label): (Words, Words),
) -> Markup {
    let lang = ctx.lang;
    html! {
        h2 { (lang.t(Text::Timeline)) }
        table id="timeline" {
            thead { tr {
                th { (lang.t(Text::Time)) } th { (lang.t(Text::Action)) }
                th { (lang.t(Text::Status)) } th { (lang.t(Text::ReasonOptional)) }
            } }
            tbody { @for s in steps {
                tr class="step" data-action=(s.action) {
                    td { (ctx.zone().when(s.at)) }
                    td { (step_label(s.action, lang)) }
                    td { (state_label(s.to_state, lang)) }
                    td { (s.reason) }
                }
            } }
        }
    }
}
