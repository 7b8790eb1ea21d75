//! Agency participants: the agency designates its own staff on a contract
//! (契約担当官等, programme engineers), who then reach the contract's
//! compartment under the same conditions as its handlers (the policy
//! `agency-participant-need-to-know`).

use dsg_core::{AuditAction, AuditObject, Contract, ContractId, Outcome, UserId};
use dsg_policy::Action;
use dsg_store::HandlerRow;

use super::admin::parse_id;
use super::policies::with_decision;
use super::{App, AppError, Caller, RequestMeta};

impl App {
    /// Designates a user of the agency an agency participant of a contract.
    pub async fn designate_participant(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        contract_id: &str,
        user_id: &str,
    ) -> Result<(), AppError> {
        let (operator, decision) = self
            .authorize_admin(
                meta,
                caller,
                Action::ParticipantDesignate,
                AuditAction::ParticipantDesignate,
            )
            .await?;
        let contract_id: ContractId = parse_id(contract_id, "contract")?;
        let user_id: UserId = parse_id(user_id, "user")?;
        let contract = self
            .inner
            .org
            .contract(contract_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let user = self
            .inner
            .org
            .user(user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let company = self
            .inner
            .org
            .company(user.company_id)
            .await?
            .ok_or_else(|| AppError::Internal("user without company".into()))?;
        contract.check_participant(company.kind)?;
        let record = with_decision(
            Self::audit(
                meta,
                caller,
                AuditAction::ParticipantDesignate,
                AuditObject::Contract(contract_id),
                Outcome::Success,
                format!("{};user={user_id}", decision.reason()),
            ),
            &decision,
        );
        self.inner
            .org
            .designate_participant(contract_id, user_id, operator.id, self.now(), &record)
            .await?;
        Ok(())
    }

    /// Removes an agency participant's designation. Unlike a handler's
    /// last designation, it leaves the account as it is: the agency's
    /// staff have other work than one contract.
    pub async fn remove_participant(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        contract_id: &str,
        user_id: &str,
    ) -> Result<(), AppError> {
        let (_, decision) = self
            .authorize_admin(
                meta,
                caller,
                Action::ParticipantRemove,
                AuditAction::ParticipantRemove,
            )
            .await?;
        let contract_id: ContractId = parse_id(contract_id, "contract")?;
        let user_id: UserId = parse_id(user_id, "user")?;
        let record = with_decision(
            Self::audit(
                meta,
                caller,
                AuditAction::ParticipantRemove,
                AuditObject::Contract(contract_id),
                Outcome::Success,
                format!("{};user={user_id}", decision.reason()),
            ),
            &decision,
        );
        self.inner
            .org
            .remove_participant(contract_id, user_id, self.now(), &record)
            .await?;
        Ok(())
    }

    /// The agency participants of a contract (operators only).
    pub async fn contract_participants(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        contract_id: &str,
    ) -> Result<(Contract, Vec<HandlerRow>), AppError> {
        self.authorize_admin(meta, caller, Action::AdminRead, AuditAction::AdminView)
            .await?;
        let contract_id: ContractId = parse_id(contract_id, "contract")?;
        let contract = self
            .inner
            .org
            .contract(contract_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let participants = self.inner.org.participants(contract_id).await?;
        Ok((contract, participants))
    }
}
