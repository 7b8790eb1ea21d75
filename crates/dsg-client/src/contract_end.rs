//! Calls on the end of a contract (第6-7).

use reqwest::{Method, StatusCode};

use dsg_proto::contract_end::{ContractEnd, EndDecision, EndRequestFiled, NewEndRequest};

use crate::{ApiClient, ClientError};

impl ApiClient {
    /// `GET /api/v1/compartments/{cid}/end`
    pub async fn contract_end(&mut self, compartment: &str) -> Result<ContractEnd, ClientError> {
        self.get(&format!("/api/v1/compartments/{compartment}/end"))
            .await
    }

    /// `POST /api/v1/compartments/{cid}/end/extensions`
    pub async fn request_extension(
        &mut self,
        compartment: &str,
        request: &NewEndRequest,
    ) -> Result<EndRequestFiled, ClientError> {
        self.post(
            &format!("/api/v1/compartments/{compartment}/end/extensions"),
            request,
            StatusCode::CREATED,
        )
        .await
    }

    /// `POST /api/v1/compartments/{cid}/end/extensions/{rid}/decision`
    pub async fn decide_extension(
        &mut self,
        compartment: &str,
        request: &str,
        decision: &EndDecision,
    ) -> Result<(), ClientError> {
        let req = self
            .request(
                Method::POST,
                &format!("/api/v1/compartments/{compartment}/end/extensions/{request}/decision"),
            )
            .json(decision);
        self.done(req).await
    }

    /// `POST /api/v1/compartments/{cid}/end/closing`
    pub async fn propose_close(
        &mut self,
        compartment: &str,
        request: &NewEndRequest,
    ) -> Result<EndRequestFiled, ClientError> {
        self.post(
            &format!("/api/v1/compartments/{compartment}/end/closing"),
            request,
            StatusCode::CREATED,
        )
        .await
    }

    /// `POST /api/v1/compartments/{cid}/end/closing/{rid}/decision`
    pub async fn decide_close(
        &mut self,
        compartment: &str,
        request: &str,
        decision: &EndDecision,
    ) -> Result<(), ClientError> {
        let req = self
            .request(
                Method::POST,
                &format!("/api/v1/compartments/{compartment}/end/closing/{request}/decision"),
            )
            .json(decision);
        self.done(req).await
    }
}
