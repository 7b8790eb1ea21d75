//! The message a page shows after an action: a form posts, the handler
//! redirects back with `?done=<notice>`, and the page it returns to says
//! what happened. Only the names below are shown (nothing from the query
//! reaches the page as text).

use axum::response::{IntoResponse, Redirect, Response};

use super::{Lang, Text};

macro_rules! notices {
    ($($variant:ident => $name:literal, $text:ident;)+) => {
        /// What an action did.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Notice {
            $(
                #[allow(missing_docs, reason = "the names say what was done")]
                $variant,
            )+
        }

        impl Notice {
            /// Every notice.
            pub const ALL: &'static [Notice] = &[$(Self::$variant),+];

            /// The name in the query.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name),+ }
            }

            /// The notice of a name in the query, if it is one.
            pub fn parse(name: &str) -> Option<Self> {
                match name { $($name => Some(Self::$variant),)+ _ => None }
            }

            /// The text shown.
            pub fn text(self, lang: Lang) -> &'static str {
                lang.t(match self { $(Self::$variant => Text::$text),+ })
            }
        }
    };
}

notices! {
    Saved => "saved", NoticeSaved;
    FileDeleted => "file-deleted", NoticeFileDeleted;
    HandlerDesignated => "handler-designated", NoticeHandlerDesignated;
    HandlerRemoved => "handler-removed", NoticeHandlerRemoved;
    AccountChanged => "account-changed", NoticeAccountChanged;
    TerminalChanged => "terminal-changed", NoticeTerminalChanged;
    AuthenticatorRemoved => "authenticator-removed", NoticeAuthenticatorRemoved;
    SessionEnded => "session-ended", NoticeSessionEnded;
    RosterChanged => "roster-changed", NoticeRosterChanged;
    StepUpRedo => "step-up-redo", NoticeStepUpRedo;
    ParticipantDesignated => "participant-designated", NoticeParticipantDesignated;
    ParticipantRemoved => "participant-removed", NoticeParticipantRemoved;
    RoleDesignated => "role-designated", NoticeRoleDesignated;
    RoleRevoked => "role-revoked", NoticeRoleRevoked;
    ConsentRecorded => "consent-recorded", NoticeConsentRecorded;
    ConsentWithdrawn => "consent-withdrawn", NoticeConsentWithdrawn;
}

/// A redirect to `path` that shows `notice` there.
pub(super) fn done(path: &str, notice: Notice) -> Response {
    Redirect::to(&with_notice(path, notice)).into_response()
}

/// `path` with `notice` in its query.
pub(super) fn with_notice(path: &str, notice: Notice) -> String {
    let joiner = if path.contains('?') { '&' } else { '?' };
    format!("{path}{joiner}done={}", notice.as_str())
}

/// The notice named in a query string, if any.
pub fn from_query(query: Option<&str>) -> Option<Notice> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("done="))
        .and_then(Notice::parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_texts_exist_in_both_languages() {
        for n in Notice::ALL {
            assert_eq!(Notice::parse(n.as_str()), Some(*n));
            assert_ne!(n.text(Lang::Ja), n.text(Lang::En));
        }
        assert_eq!(
            from_query(Some("a=1&done=file-deleted")),
            Some(Notice::FileDeleted)
        );
        assert_eq!(from_query(Some("done=<script>")), None);
        assert_eq!(from_query(None), None);
    }
}
