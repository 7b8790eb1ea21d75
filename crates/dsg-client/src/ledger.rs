//! Calls on the inventory of protected information (目録).

use reqwest::{Method, StatusCode};

use dsg_proto::ledger::{
    Ledger, LedgerEntered, NewLedgerEvent, NewLedgerItem, NewLedgerPermission, OpenItems,
};

use crate::{ApiClient, ClientError};

impl ApiClient {
    /// `GET /api/v1/compartments/{cid}/ledger`
    pub async fn ledger(&mut self, compartment: &str) -> Result<Ledger, ClientError> {
        self.get(&format!("/api/v1/compartments/{compartment}/ledger"))
            .await
    }

    /// `GET /api/v1/ledger/open`
    pub async fn open_items(&mut self) -> Result<OpenItems, ClientError> {
        self.get("/api/v1/ledger/open").await
    }

    /// `POST /api/v1/compartments/{cid}/ledger/items`
    pub async fn add_ledger_item(
        &mut self,
        compartment: &str,
        item: &NewLedgerItem,
    ) -> Result<LedgerEntered, ClientError> {
        self.post(
            &format!("/api/v1/compartments/{compartment}/ledger/items"),
            item,
            StatusCode::CREATED,
        )
        .await
    }

    /// `POST /api/v1/compartments/{cid}/ledger/items/{iid}/events`
    pub async fn record_ledger_event(
        &mut self,
        compartment: &str,
        item: &str,
        event: &NewLedgerEvent,
    ) -> Result<LedgerEntered, ClientError> {
        self.post(
            &format!("/api/v1/compartments/{compartment}/ledger/items/{item}/events"),
            event,
            StatusCode::CREATED,
        )
        .await
    }

    /// `POST /api/v1/compartments/{cid}/ledger/items/{iid}/permissions`
    pub async fn permit_ledger_movement(
        &mut self,
        compartment: &str,
        item: &str,
        permission: &NewLedgerPermission,
    ) -> Result<LedgerEntered, ClientError> {
        self.post(
            &format!("/api/v1/compartments/{compartment}/ledger/items/{item}/permissions"),
            permission,
            StatusCode::CREATED,
        )
        .await
    }

    /// `POST /api/v1/compartments/{cid}/ledger/items/{iid}/check`
    pub async fn check_ledger_item(
        &mut self,
        compartment: &str,
        item: &str,
    ) -> Result<(), ClientError> {
        let req = self.request(
            Method::POST,
            &format!("/api/v1/compartments/{compartment}/ledger/items/{item}/check"),
        );
        self.done(req).await
    }
}
