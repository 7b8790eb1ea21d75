//! Designations on a contract, and agency participants: beside the
//! contractor's handlers, the agency designates its own staff on a contract
//! (契約担当官等, programme engineers), who then reach the contract's
//! compartment under the same conditions as its handlers (the policy
//! `agency-participant-need-to-know`).

use dsg_core::{AuditAction, AuditObject, Contract, ContractId, Designation, Outcome, UserId};
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
        let on = (contract_id, user_id);
        self.designate(meta, caller, Designation::AgencyParticipant, on)
            .await
    }

    /// Designates a user of the contract's company as its handler.
    pub async fn designate_handler(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        contract_id: &str,
        user_id: &str,
    ) -> Result<(), AppError> {
        self.designate(meta, caller, Designation::Handler, (contract_id, user_id))
            .await
    }

    /// Gives a user `designation` on a contract: decided by the policy
    /// point, checked against the contract's rule for who may hold it, and
    /// written with its audit entry in one transaction.
    async fn designate(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        designation: Designation,
        (contract_id, user_id): (&str, &str),
    ) -> Result<(), AppError> {
        let (action, audit_action) = match designation {
            Designation::Handler => (Action::HandlerDesignate, AuditAction::HandlerDesignate),
            Designation::AgencyParticipant => (
                Action::ParticipantDesignate,
                AuditAction::ParticipantDesignate,
            ),
        };
        let (operator, decision) = self
            .authorize_admin(meta, caller, action, audit_action)
            .await?;
        let contract_id: ContractId = parse_id(contract_id, "contract")?;
        let user_id: UserId = parse_id(user_id, "user")?;
        let org = &self.inner.org;
        let contract = org.contract(contract_id).await?.ok_or(AppError::NotFound)?;
        let user = org.user(user_id).await?.ok_or(AppError::NotFound)?;
        let company = org
            .company(user.company_id)
            .await?
            .ok_or_else(|| AppError::Internal("user without company".into()))?;
        contract.check_designation(designation, &company)?;
        let record = with_decision(
            Self::audit(
                meta,
                caller,
                audit_action,
                AuditObject::Contract(contract_id),
                Outcome::Success,
                format!("{};user={user_id}", decision.reason()),
            ),
            &decision,
        );
        let on = (contract_id, user_id);
        org.designate(designation, on, operator.id, self.now(), &record)
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
