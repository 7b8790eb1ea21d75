//! Calls on terminal and removable-media requests, the media list and the
//! inbox of every kind. Both kinds take their steps through one call.

use reqwest::StatusCode;

use dsg_proto::applications::ApplicationStepBody;
use dsg_proto::changes::{MembershipChange, MembershipChangeList, NewMembershipChange};
use dsg_proto::requests::{
    Inbox, MediaList, MediaRequest, NewMediaRequest, NewTerminalRequest, TerminalRequest,
};

use crate::content::percent;
use crate::{ApiClient, ClientError};

/// The kinds of request the agency approves, by their path segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// `/api/v1/applications/terminal`
    Terminal,
    /// `/api/v1/applications/media`
    Media,
    /// `/api/v1/applications/change`
    Change,
}

impl RequestKind {
    fn path(self) -> &'static str {
        match self {
            Self::Terminal => "/api/v1/applications/terminal",
            Self::Media => "/api/v1/applications/media",
            Self::Change => "/api/v1/applications/change",
        }
    }
}

impl ApiClient {
    /// `POST /api/v1/applications/terminal`
    pub async fn file_terminal_request(
        &mut self,
        request: &NewTerminalRequest,
    ) -> Result<TerminalRequest, ClientError> {
        self.post(RequestKind::Terminal.path(), request, StatusCode::CREATED)
            .await
    }

    /// `GET /api/v1/applications/terminal/{id}`
    pub async fn terminal_request(&mut self, id: &str) -> Result<TerminalRequest, ClientError> {
        self.get(&format!("{}/{}", RequestKind::Terminal.path(), percent(id)))
            .await
    }

    /// `POST /api/v1/applications/media`
    pub async fn file_media_request(
        &mut self,
        request: &NewMediaRequest,
    ) -> Result<MediaRequest, ClientError> {
        self.post(RequestKind::Media.path(), request, StatusCode::CREATED)
            .await
    }

    /// `GET /api/v1/applications/media/{id}`
    pub async fn media_request(&mut self, id: &str) -> Result<MediaRequest, ClientError> {
        self.get(&format!("{}/{}", RequestKind::Media.path(), percent(id)))
            .await
    }

    /// `POST /api/v1/applications/change`
    pub async fn file_membership_change(
        &mut self,
        change: &NewMembershipChange,
    ) -> Result<MembershipChange, ClientError> {
        self.post(RequestKind::Change.path(), change, StatusCode::CREATED)
            .await
    }

    /// `GET /api/v1/applications/change/{id}`
    pub async fn membership_change(&mut self, id: &str) -> Result<MembershipChange, ClientError> {
        self.get(&format!("{}/{}", RequestKind::Change.path(), percent(id)))
            .await
    }

    /// `GET /api/v1/applications/change`
    pub async fn membership_changes(&mut self) -> Result<MembershipChangeList, ClientError> {
        self.get(RequestKind::Change.path()).await
    }

    /// `POST /api/v1/applications/{terminal|media|change}/{id}/{action}`: the
    /// request after the step, as JSON of its kind's shape.
    pub async fn request_step<T: serde::de::DeserializeOwned>(
        &mut self,
        kind: RequestKind,
        id: &str,
        action: &str,
        reason: &str,
    ) -> Result<T, ClientError> {
        self.post(
            &format!("{}/{}/{}", kind.path(), percent(id), percent(action)),
            &ApplicationStepBody {
                reason: reason.to_owned(),
            },
            StatusCode::OK,
        )
        .await
    }

    /// `GET /api/v1/removable-media`
    pub async fn removable_media(&mut self) -> Result<MediaList, ClientError> {
        self.get("/api/v1/removable-media").await
    }

    /// `GET /api/v1/inbox/all`
    pub async fn inbox_all(&mut self) -> Result<Inbox, ClientError> {
        self.get("/api/v1/inbox/all").await
    }
}
