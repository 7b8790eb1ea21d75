//! Calls on versions of the policy set.

use reqwest::{Method, StatusCode};

use dsg_proto::policies::{
    PolicyProposal, PolicyStatus, PolicyVersion, PolicyVersionList, WhatIfReport,
};

use crate::{ApiClient, ClientError};

impl ApiClient {
    /// `GET /api/v1/admin/policies`
    pub async fn policies(&mut self) -> Result<PolicyVersionList, ClientError> {
        self.get("/api/v1/admin/policies").await
    }

    /// `GET /api/v1/admin/policies/{version}`
    pub async fn policy(&mut self, version: i64) -> Result<PolicyVersion, ClientError> {
        self.get(&format!("/api/v1/admin/policies/{version}")).await
    }

    /// `POST /api/v1/admin/policies`: a proposal.
    pub async fn propose_policy(
        &mut self,
        proposal: &PolicyProposal,
    ) -> Result<PolicyStatus, ClientError> {
        self.post("/api/v1/admin/policies", proposal, StatusCode::CREATED)
            .await
    }

    /// `POST /api/v1/admin/policies/{version}/what-if?limit=`
    pub async fn what_if(
        &mut self,
        version: i64,
        limit: Option<i64>,
    ) -> Result<WhatIfReport, ClientError> {
        let query = limit.map(|l| format!("?limit={l}")).unwrap_or_default();
        let req = self.request(
            Method::POST,
            &format!("/api/v1/admin/policies/{version}/what-if{query}"),
        );
        self.answer(req, StatusCode::OK).await
    }

    /// `POST /api/v1/admin/policies/{version}/{change}` (`approve`,
    /// `reject`, `rollback`).
    pub async fn change_policy(
        &mut self,
        version: i64,
        change: &str,
    ) -> Result<PolicyStatus, ClientError> {
        let req = self.request(
            Method::POST,
            &format!("/api/v1/admin/policies/{version}/{change}"),
        );
        self.answer(req, StatusCode::OK).await
    }
}
