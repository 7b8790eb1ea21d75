//! Calls on a compartment's files: upload, new versions, download,
//! disposal.

use reqwest::{Method, StatusCode};

use dsg_proto::disposal::{Disposal, DisposalList, NewDisposal};
use dsg_proto::files::Uploaded;

use crate::{refusal, ApiClient, ClientError};

/// A query value percent-encoded (RFC 3986 unreserved characters kept).
pub(crate) fn percent(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl ApiClient {
    /// `POST /api/v1/compartments/{cid}/files?name=`: a new file.
    pub async fn upload_file(
        &mut self,
        compartment: &str,
        name: &str,
        data: Vec<u8>,
    ) -> Result<Uploaded, ClientError> {
        let req = self
            .request(
                Method::POST,
                &format!(
                    "/api/v1/compartments/{compartment}/files?name={}",
                    percent(name)
                ),
            )
            .header("content-type", "application/octet-stream")
            .body(data);
        self.answer(req, StatusCode::CREATED).await
    }

    /// `POST /api/v1/compartments/{cid}/files?name=…&end=…`: a file the
    /// agency provides, with what becomes of it at the contract's end
    /// (`return` or `destroy`).
    pub async fn provide_file(
        &mut self,
        compartment: &str,
        name: &str,
        end_instruction: &str,
        data: Vec<u8>,
    ) -> Result<Uploaded, ClientError> {
        let req = self
            .request(
                Method::POST,
                &format!(
                    "/api/v1/compartments/{compartment}/files?name={}&end={}",
                    percent(name),
                    percent(end_instruction)
                ),
            )
            .header("content-type", "application/octet-stream")
            .body(data);
        self.answer(req, StatusCode::CREATED).await
    }

    /// `POST /api/v1/compartments/{cid}/files/{fid}/versions`
    pub async fn add_version(
        &mut self,
        compartment: &str,
        file: &str,
        data: Vec<u8>,
    ) -> Result<Uploaded, ClientError> {
        let req = self
            .request(
                Method::POST,
                &format!("/api/v1/compartments/{compartment}/files/{file}/versions"),
            )
            .body(data);
        self.answer(req, StatusCode::CREATED).await
    }

    /// `GET /api/v1/compartments/{cid}/files/{fid}/content`: the newest
    /// version, or `version`.
    pub async fn download_file(
        &mut self,
        compartment: &str,
        file: &str,
        version: Option<u32>,
    ) -> Result<Vec<u8>, ClientError> {
        let query = version.map(|v| format!("?version={v}")).unwrap_or_default();
        let req = self.request(
            Method::GET,
            &format!("/api/v1/compartments/{compartment}/files/{file}/content{query}"),
        );
        let response = self.send(req).await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        if status == StatusCode::OK {
            return Ok(bytes.to_vec());
        }
        Err(refusal(status, &bytes))
    }

    /// `GET /api/v1/compartments/{cid}/files/{fid}/content` with a `Range`
    /// header (and `If-Range` when given): the answer as it came, `200`
    /// or `206`; any other status is a refusal.
    pub async fn download_range(
        &mut self,
        (compartment, file): (&str, &str),
        range: &str,
        if_range: Option<&str>,
    ) -> Result<RangeAnswer, ClientError> {
        let mut req = self
            .request(
                Method::GET,
                &format!("/api/v1/compartments/{compartment}/files/{file}/content"),
            )
            .header(reqwest::header::RANGE, range);
        if let Some(tag) = if_range {
            req = req.header(reqwest::header::IF_RANGE, tag);
        }
        let response = self.send(req).await?;
        let status = response.status();
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_range = header(reqwest::header::CONTENT_RANGE);
        let entity_tag = header(reqwest::header::ETAG);
        let bytes = response.bytes().await?;
        if status == StatusCode::OK || status == StatusCode::PARTIAL_CONTENT {
            return Ok(RangeAnswer {
                status,
                content_range,
                entity_tag,
                bytes: bytes.to_vec(),
            });
        }
        Err(refusal(status, &bytes))
    }

    /// `GET /api/v1/compartments/{cid}/disposals`
    pub async fn disposals(&mut self, compartment: &str) -> Result<DisposalList, ClientError> {
        self.get(&format!("/api/v1/compartments/{compartment}/disposals"))
            .await
    }

    /// `POST /api/v1/compartments/{cid}/files/{fid}/disposal`
    pub async fn record_disposal(
        &mut self,
        compartment: &str,
        file: &str,
        disposal: &NewDisposal,
    ) -> Result<Disposal, ClientError> {
        self.post(
            &format!("/api/v1/compartments/{compartment}/files/{file}/disposal"),
            disposal,
            StatusCode::CREATED,
        )
        .await
    }

    /// `POST /api/v1/compartments/{cid}/disposals/{did}/confirm`
    pub async fn confirm_disposal(
        &mut self,
        compartment: &str,
        disposal: &str,
    ) -> Result<(), ClientError> {
        let req = self.request(
            Method::POST,
            &format!("/api/v1/compartments/{compartment}/disposals/{disposal}/confirm"),
        );
        self.done(req).await
    }

    /// `DELETE /api/v1/compartments/{cid}/files/{fid}`: marks the file for
    /// disposal.
    pub async fn delete_file(&mut self, compartment: &str, file: &str) -> Result<(), ClientError> {
        let req = self.request(
            Method::DELETE,
            &format!("/api/v1/compartments/{compartment}/files/{file}"),
        );
        self.done(req).await
    }
}

/// A download asked for with a `Range` header.
#[derive(Debug, Clone)]
pub struct RangeAnswer {
    /// `200` (the whole version) or `206` (the part).
    pub status: StatusCode,
    /// `Content-Range`, on a `206`.
    pub content_range: Option<String>,
    /// `ETag`: the version's content tag, for `If-Range`.
    pub entity_tag: Option<String>,
    /// The bytes received.
    pub bytes: Vec<u8>,
}
