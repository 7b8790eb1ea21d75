//! A typed client of the dsg API: one call per API path, each sending and
//! reading the `dsg-proto` types the gateway answers with, over reqwest
//! with rustls. It keeps the session cookie the gateway sets and sends the
//! session's CSRF token on every state-changing request.
//!
//! The TLS trust (the gateway's CA, a terminal's client certificate) is
//! the caller's: it hands over a configured `reqwest::Client`.

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use dsg_proto::access::{CompartmentAccess, PersonAccess};
use dsg_proto::files::{
    Company, Compartment, CompartmentList, Contract, CreatedUser, FileList, HandlerList,
    NewCompany, NewContract, NewUser, Overview, ParticipantList, VersionList,
};
use dsg_proto::identity::{
    Enrolment, EnrolmentStarted, FactorRegistered, Login, LoginStarted, Me, PasskeyName,
    SecondFactor, SessionOpened,
};
use dsg_proto::terminals::{
    IssuedTerminal, NewTerminal, PostureReceipt, PostureReport, StatusReason, Terminal,
    TerminalList,
};
use dsg_proto::{ErrorBody, Object};

mod content;
mod contract_end;
mod ledger;
pub use content::RangeAnswer;
mod memberships;
mod policies;
mod reading;
mod records;
mod requests;

pub use requests::RequestKind;

/// The cookie that carries the session.
const SESSION_COOKIE: &str = "__Host-dsg_session";

/// Why a call did not give its answer.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The gateway refused, in the one error shape.
    #[error("{status}: {} ({})", error.error.code, error.error.message)]
    Refused {
        /// The status it answered.
        status: StatusCode,
        /// What it said.
        error: ErrorBody,
    },
    /// The gateway answered a status the call does not expect, not in the
    /// error shape.
    #[error("unexpected {status}: {body}")]
    Unexpected {
        /// The status it answered.
        status: StatusCode,
        /// The body, as text.
        body: String,
    },
    /// The request did not get an answer.
    #[error("transport: {0}")]
    Transport(#[from] reqwest::Error),
    /// The answer did not fit the call's type.
    #[error("answer: {0}")]
    Decode(#[from] serde_json::Error),
}

impl ClientError {
    /// The status the gateway answered, when it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Refused { status, .. } | Self::Unexpected { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The stable error code, when the gateway refused.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Refused { error, .. } => Some(&error.error.code),
            _ => None,
        }
    }
}

/// A client of one gateway, with the session it holds (if any).
#[derive(Debug, Clone)]
pub struct ApiClient {
    /// The HTTP client (TLS trust and client certificate configured).
    pub http: reqwest::Client,
    /// `https://host:port`, without a trailing slash.
    pub base: String,
    /// The session cookie (`name=value`), once the gateway set one.
    pub cookie: Option<String>,
    /// The session's CSRF token, sent on every state-changing request.
    pub csrf: Option<String>,
}

impl ApiClient {
    /// A client with no session.
    pub fn new(http: reqwest::Client, base: impl Into<String>) -> Self {
        Self {
            http,
            base: base.into(),
            cookie: None,
            csrf: None,
        }
    }

    /// A request to `path` carrying the session (cookie, and the CSRF token
    /// unless the method is GET).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(cookie) = &self.cookie {
            req = req.header("cookie", cookie);
        }
        if method != Method::GET {
            if let Some(csrf) = &self.csrf {
                req = req.header("x-csrf-token", csrf);
            }
        }
        req
    }

    /// Sends `req`, keeping (or dropping) the session cookie it answers.
    pub async fn send(&mut self, req: RequestBuilder) -> Result<Response, ClientError> {
        let response = req.send().await?;
        self.remember_cookie(&response);
        Ok(response)
    }

    fn remember_cookie(&mut self, response: &Response) {
        let prefix = format!("{SESSION_COOKIE}=");
        for value in response.headers().get_all("set-cookie") {
            let Ok(value) = value.to_str() else { continue };
            if let Some(rest) = value.strip_prefix(&prefix) {
                let token = rest.split(';').next().unwrap_or_default();
                self.cookie = if token.is_empty() {
                    None
                } else {
                    Some(format!("{prefix}{token}"))
                };
            }
        }
    }

    /// Sends `req` and reads the answer as `T` when its status is
    /// `expected`; any other status is an error.
    async fn answer<T: DeserializeOwned>(
        &mut self,
        req: RequestBuilder,
        expected: StatusCode,
    ) -> Result<T, ClientError> {
        let response = self.send(req).await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        if status == expected {
            return Ok(serde_json::from_slice(&bytes)?);
        }
        Err(refusal(status, &bytes))
    }

    /// Sends `req` that answers no body (204).
    async fn done(&mut self, req: RequestBuilder) -> Result<(), ClientError> {
        let response = self.send(req).await?;
        let status = response.status();
        if status == StatusCode::NO_CONTENT {
            return Ok(());
        }
        let bytes = response.bytes().await?;
        Err(refusal(status, &bytes))
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &mut self,
        path: &str,
        body: &B,
        expected: StatusCode,
    ) -> Result<T, ClientError> {
        let req = self.request(Method::POST, path).json(body);
        self.answer(req, expected).await
    }

    async fn get<T: DeserializeOwned>(&mut self, path: &str) -> Result<T, ClientError> {
        let req = self.request(Method::GET, path);
        self.answer(req, StatusCode::OK).await
    }

    /// Keeps the CSRF token of a session the gateway just opened.
    fn hold_session(&mut self, session: &SessionOpened) {
        self.csrf = Some(session.csrf_token.clone());
    }

    /// `POST /api/v1/session`: the password step.
    pub async fn login(&mut self, login: &Login) -> Result<LoginStarted, ClientError> {
        let started: LoginStarted = self.post("/api/v1/session", login, StatusCode::OK).await?;
        self.hold_session(&started.session);
        Ok(started)
    }

    /// `POST /api/v1/session/second-factor`
    pub async fn second_factor(
        &mut self,
        factor: &SecondFactor,
    ) -> Result<SessionOpened, ClientError> {
        let session: SessionOpened = self
            .post("/api/v1/session/second-factor", factor, StatusCode::OK)
            .await?;
        self.hold_session(&session);
        Ok(session)
    }

    /// `DELETE /api/v1/session`
    pub async fn logout(&mut self) -> Result<(), ClientError> {
        let req = self.request(Method::DELETE, "/api/v1/session");
        self.done(req).await
    }

    /// `POST /api/v1/enrolment`: follows an enrolment link.
    pub async fn start_enrolment(
        &mut self,
        enrolment: &Enrolment,
    ) -> Result<EnrolmentStarted, ClientError> {
        let started: EnrolmentStarted = self
            .post("/api/v1/enrolment", enrolment, StatusCode::OK)
            .await?;
        self.hold_session(&started.session);
        Ok(started)
    }

    /// `POST /api/v1/me/passkeys/options`: WebAuthn creation options.
    pub async fn passkey_options(&mut self, name: &PasskeyName) -> Result<Object, ClientError> {
        self.post("/api/v1/me/passkeys/options", name, StatusCode::OK)
            .await
    }

    /// `POST /api/v1/me/passkeys`: the authenticator's credential.
    pub async fn register_passkey(
        &mut self,
        credential: &Object,
    ) -> Result<FactorRegistered, ClientError> {
        self.post("/api/v1/me/passkeys", credential, StatusCode::CREATED)
            .await
    }

    /// `GET /api/v1/me`
    pub async fn me(&mut self) -> Result<Me, ClientError> {
        self.get("/api/v1/me").await
    }

    /// `GET /api/v1/compartments`
    pub async fn compartments(&mut self) -> Result<CompartmentList, ClientError> {
        self.get("/api/v1/compartments").await
    }

    /// `GET /api/v1/compartments/{cid}/files`
    pub async fn files(&mut self, compartment: &str) -> Result<FileList, ClientError> {
        self.get(&format!("/api/v1/compartments/{compartment}/files"))
            .await
    }

    /// `GET /api/v1/compartments/{cid}/files/{fid}/versions`
    pub async fn versions(
        &mut self,
        compartment: &str,
        file: &str,
    ) -> Result<VersionList, ClientError> {
        self.get(&format!(
            "/api/v1/compartments/{compartment}/files/{file}/versions"
        ))
        .await
    }

    /// `GET /api/v1/admin/overview`
    pub async fn admin_overview(&mut self) -> Result<Overview, ClientError> {
        self.get("/api/v1/admin/overview").await
    }

    /// `POST /api/v1/admin/companies`
    pub async fn create_company(&mut self, company: &NewCompany) -> Result<Company, ClientError> {
        self.post("/api/v1/admin/companies", company, StatusCode::CREATED)
            .await
    }

    /// `POST /api/v1/admin/users`: the account and its enrolment link.
    pub async fn create_user(&mut self, user: &NewUser) -> Result<CreatedUser, ClientError> {
        self.post("/api/v1/admin/users", user, StatusCode::CREATED)
            .await
    }

    /// `POST /api/v1/admin/contracts`
    pub async fn create_contract(
        &mut self,
        contract: &NewContract,
    ) -> Result<Contract, ClientError> {
        self.post("/api/v1/admin/contracts", contract, StatusCode::CREATED)
            .await
    }

    /// `POST /api/v1/admin/contracts/{id}/compartment`
    pub async fn open_compartment(&mut self, contract: &str) -> Result<Compartment, ClientError> {
        let req = self.request(
            Method::POST,
            &format!("/api/v1/admin/contracts/{contract}/compartment"),
        );
        self.answer(req, StatusCode::CREATED).await
    }

    /// `GET /api/v1/admin/contracts/{id}/handlers`
    pub async fn handlers(&mut self, contract: &str) -> Result<HandlerList, ClientError> {
        self.get(&format!("/api/v1/admin/contracts/{contract}/handlers"))
            .await
    }

    /// `PUT /api/v1/admin/contracts/{id}/handlers/{uid}`
    pub async fn designate_handler(
        &mut self,
        contract: &str,
        user: &str,
    ) -> Result<(), ClientError> {
        let req = self.request(
            Method::PUT,
            &format!("/api/v1/admin/contracts/{contract}/handlers/{user}"),
        );
        self.done(req).await
    }

    /// `DELETE /api/v1/admin/contracts/{id}/handlers/{uid}`
    pub async fn remove_handler(&mut self, contract: &str, user: &str) -> Result<(), ClientError> {
        let req = self.request(
            Method::DELETE,
            &format!("/api/v1/admin/contracts/{contract}/handlers/{user}"),
        );
        self.done(req).await
    }

    /// `GET /api/v1/admin/contracts/{id}/participants`
    pub async fn participants(&mut self, contract: &str) -> Result<ParticipantList, ClientError> {
        self.get(&format!("/api/v1/admin/contracts/{contract}/participants"))
            .await
    }

    /// `PUT /api/v1/admin/contracts/{id}/participants/{uid}`
    pub async fn designate_participant(
        &mut self,
        contract: &str,
        user: &str,
    ) -> Result<(), ClientError> {
        let req = self.request(
            Method::PUT,
            &format!("/api/v1/admin/contracts/{contract}/participants/{user}"),
        );
        self.done(req).await
    }

    /// `DELETE /api/v1/admin/contracts/{id}/participants/{uid}`
    pub async fn remove_participant(
        &mut self,
        contract: &str,
        user: &str,
    ) -> Result<(), ClientError> {
        let req = self.request(
            Method::DELETE,
            &format!("/api/v1/admin/contracts/{contract}/participants/{user}"),
        );
        self.done(req).await
    }

    /// `POST /api/v1/admin/terminals`
    pub async fn register_terminal(
        &mut self,
        terminal: &NewTerminal,
    ) -> Result<IssuedTerminal, ClientError> {
        self.post("/api/v1/admin/terminals", terminal, StatusCode::CREATED)
            .await
    }

    /// `GET /api/v1/admin/terminals`: the register.
    pub async fn terminals(&mut self) -> Result<TerminalList, ClientError> {
        self.get("/api/v1/admin/terminals").await
    }

    /// `POST /api/v1/terminal/posture`: a terminal's own report (its
    /// client certificate, no session).
    pub async fn report_posture(
        &mut self,
        report: &PostureReport,
    ) -> Result<PostureReceipt, ClientError> {
        self.post("/api/v1/terminal/posture", report, StatusCode::OK)
            .await
    }

    /// `POST /api/v1/admin/terminals/{id}/{change}` (`quarantine`,
    /// `release`, `revoke`), with the reason recorded.
    pub async fn change_terminal(
        &mut self,
        terminal: &str,
        change: &str,
        reason: &StatusReason,
    ) -> Result<Terminal, ClientError> {
        self.post(
            &format!("/api/v1/admin/terminals/{terminal}/{change}"),
            reason,
            StatusCode::OK,
        )
        .await
    }

    /// `GET /api/v1/admin/access/compartments/{id}`
    pub async fn compartment_access(
        &mut self,
        compartment: &str,
    ) -> Result<CompartmentAccess, ClientError> {
        self.get(&format!("/api/v1/admin/access/compartments/{compartment}"))
            .await
    }

    /// `GET /api/v1/admin/access/users/{id}`
    pub async fn person_access(&mut self, user: &str) -> Result<PersonAccess, ClientError> {
        self.get(&format!("/api/v1/admin/access/users/{user}"))
            .await
    }
}

/// The error an unexpected answer stands for.
fn refusal(status: StatusCode, body: &[u8]) -> ClientError {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(error) => ClientError::Refused { status, error },
        Err(_) => ClientError::Unexpected {
            status,
            body: String::from_utf8_lossy(body).into_owned(),
        },
    }
}
