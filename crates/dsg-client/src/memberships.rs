//! Calls on membership applications (加入申請).

use reqwest::{Method, StatusCode};

use dsg_proto::memberships::{
    MembershipDetail, MembershipList, MembershipNotice, MembershipStepBody, NewMembership,
    ScheduleAdjustment,
};

use crate::content::percent;
use crate::{ApiClient, ClientError};

impl ApiClient {
    /// `POST /api/v1/applications/membership`
    pub async fn file_membership(
        &mut self,
        membership: &NewMembership,
    ) -> Result<MembershipDetail, ClientError> {
        self.post(
            "/api/v1/applications/membership",
            membership,
            StatusCode::CREATED,
        )
        .await
    }

    /// `GET /api/v1/applications/membership`
    pub async fn memberships(&mut self) -> Result<MembershipList, ClientError> {
        self.get("/api/v1/applications/membership").await
    }

    /// `GET /api/v1/inbox/memberships`
    pub async fn membership_inbox(&mut self) -> Result<MembershipList, ClientError> {
        self.get("/api/v1/inbox/memberships").await
    }

    /// `GET /api/v1/applications/membership/{id}`
    pub async fn membership(&mut self, id: &str) -> Result<MembershipDetail, ClientError> {
        self.get(&format!("/api/v1/applications/membership/{}", percent(id)))
            .await
    }

    /// `GET /api/v1/applications/membership/{id}/notice`
    pub async fn membership_notice(&mut self, id: &str) -> Result<MembershipNotice, ClientError> {
        self.get(&format!(
            "/api/v1/applications/membership/{}/notice",
            percent(id)
        ))
        .await
    }

    /// `POST /api/v1/applications/membership/{id}/{action}`
    pub async fn membership_step(
        &mut self,
        id: &str,
        action: &str,
        body: &MembershipStepBody,
    ) -> Result<MembershipDetail, ClientError> {
        self.post(
            &format!(
                "/api/v1/applications/membership/{}/{}",
                percent(id),
                percent(action)
            ),
            body,
            StatusCode::OK,
        )
        .await
    }

    /// `PUT /api/v1/applications/membership/{id}/schedule`
    pub async fn adjust_membership_schedule(
        &mut self,
        id: &str,
        adjustment: &ScheduleAdjustment,
    ) -> Result<MembershipDetail, ClientError> {
        let req = self
            .request(
                Method::PUT,
                &format!("/api/v1/applications/membership/{}/schedule", percent(id)),
            )
            .json(adjustment);
        self.answer(req, StatusCode::OK).await
    }
}
