//! Calls on a contractor's records: its roster and training, its
//! protected-system users' consent and its security roles.

use reqwest::{Method, StatusCode};

use dsg_proto::records::{
    CompanyRecords, ConsentStatus, NewRoleDesignation, RoleDesignated, SystemUseConsent,
};

use crate::{ApiClient, ClientError};

impl ApiClient {
    /// `GET /api/v1/records/companies/{id}`
    pub async fn company_records(&mut self, company: &str) -> Result<CompanyRecords, ClientError> {
        self.get(&format!("/api/v1/records/companies/{company}"))
            .await
    }

    /// `PUT /api/v1/records/consent/{uid}`
    pub async fn record_consent(
        &mut self,
        user: &str,
        consent: &SystemUseConsent,
    ) -> Result<ConsentStatus, ClientError> {
        let req = self
            .request(Method::PUT, &format!("/api/v1/records/consent/{user}"))
            .json(consent);
        self.answer(req, StatusCode::OK).await
    }

    /// `DELETE /api/v1/records/consent/{uid}`
    pub async fn withdraw_consent(&mut self, user: &str) -> Result<ConsentStatus, ClientError> {
        let req = self.request(Method::DELETE, &format!("/api/v1/records/consent/{user}"));
        self.answer(req, StatusCode::OK).await
    }

    /// `POST /api/v1/records/companies/{id}/roles`
    pub async fn designate_role(
        &mut self,
        company: &str,
        designation: &NewRoleDesignation,
    ) -> Result<RoleDesignated, ClientError> {
        self.post(
            &format!("/api/v1/records/companies/{company}/roles"),
            designation,
            StatusCode::CREATED,
        )
        .await
    }

    /// `DELETE /api/v1/records/companies/{id}/roles/{rid}`
    pub async fn revoke_role(
        &mut self,
        company: &str,
        designation: &str,
    ) -> Result<(), ClientError> {
        let req = self.request(
            Method::DELETE,
            &format!("/api/v1/records/companies/{company}/roles/{designation}"),
        );
        self.done(req).await
    }
}
