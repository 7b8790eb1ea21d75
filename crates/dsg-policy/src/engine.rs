//! Loading, validating and evaluating the Cedar policy set.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::LazyLock;

use cedar_policy::{
    ActionConstraint, Authorizer, Context, Entities, Entity, EntityId, EntityTypeName, EntityUid,
    Policy, PolicyId, PolicySet, Request, RestrictedExpression, Schema, ValidationMode, Validator,
};

use crate::request::{AccessRequest, DeviceFacts, Principal, Resource};
#[cfg(test)]
use slice::IP_EXPRESSIONS_KEPT;
use slice::{
    company_entity, compartment_entity, end_request_entities, file_entity, push_new,
    request_context, role_designation_entities, terminal_entities, user_entities,
};

/// The schema shipped with this version of dsg.
pub const SCHEMA: &str = include_str!("../policy/schema.cedarschema");
/// The policies shipped with this version of dsg.
pub const POLICIES: &str = include_str!("../policy/policies.cedar");
/// The format tag of decision records ([`PolicyEngine::slice`]); it
/// changes with the schema, whose entity shapes the records follow.
pub const SLICE_FORMAT: &str = "dsg-decision/schema-v12";
/// Decision records of schema versions 3 to 11 replay under version 12:
/// each later version only added optional attributes, resource kinds and
/// actions.
const SLICE_FORMATS_READ: [&str; 10] = [
    SLICE_FORMAT,
    "dsg-decision/schema-v11",
    "dsg-decision/schema-v10",
    "dsg-decision/schema-v9",
    "dsg-decision/schema-v8",
    "dsg-decision/schema-v7",
    "dsg-decision/schema-v6",
    "dsg-decision/schema-v5",
    "dsg-decision/schema-v4",
    "dsg-decision/schema-v3",
];

/// Why the policy engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The schema does not parse.
    #[error("policy schema: {0}")]
    Schema(String),
    /// The policies do not parse.
    #[error("policies: {0}")]
    Parse(String),
    /// The policies do not validate against the schema.
    #[error("policies do not validate against the schema: {0}")]
    Validation(String),
}

/// A parser's or validator's message with where it points in `src`, as
/// a person finds it in an editor: `line 3, column 7: <message>` (lines
/// and columns from 1, columns in characters). Without a location, the
/// message alone.
fn located(src: &str, error: &dyn miette::Diagnostic) -> String {
    let offset = error
        .labels()
        .and_then(|mut labels| labels.next())
        .map(|label| label.offset());
    match offset {
        Some(offset) => {
            let (line, column) = line_column(src, offset);
            format!("line {line}, column {column}: {error}")
        }
        None => error.to_string(),
    }
}

/// The line and column (from 1) of byte `offset` in `src`.
fn line_column(src: &str, offset: usize) -> (usize, usize) {
    src.char_indices()
        .take_while(|(i, _)| *i < offset)
        .fold((1, 1), |(line, column), (_, c)| {
            if c == '\n' {
                (line + 1, 1)
            } else {
                (line, column + 1)
            }
        })
}

/// The answer to an [`AccessRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// The `@id`s of the policies that determined the decision (empty for a
    /// default deny).
    pub policies: Vec<String>,
    /// Evaluation errors (a policy that errors is skipped, which can only
    /// make the answer a deny).
    pub errors: Vec<String>,
}

impl Decision {
    fn deny(error: String) -> Self {
        Self {
            allowed: false,
            policies: Vec::new(),
            errors: vec![error],
        }
    }

    /// A short reason to store in the audit log: the deciding policies, or
    /// `default-deny` when nothing permitted the request.
    pub fn reason(&self) -> String {
        match (self.allowed, self.policies.is_empty()) {
            (_, false) => self.policies.join(","),
            (true, true) => "allowed".to_owned(),
            (false, true) => "default-deny".to_owned(),
        }
    }
}

/// Whether [`PolicyEngine::build`] checks the request and entities against
/// the schema. The decision path trusts them: they are built here, by typed
/// code, and every policy was validated against the schema, so checking
/// again on each request would only cost time (most of the decision's).
/// Decision records are checked, and the tests check every shape `build`
/// makes (the property test records each request it decides).
#[derive(Debug, Clone, Copy)]
enum Typing {
    Checked,
    Trusted,
}

/// A request as Cedar takes it: what [`PolicyEngine::prepare`] builds from
/// an [`AccessRequest`].
#[derive(Debug)]
pub struct PreparedRequest {
    request: Request,
    entities: Entities,
}

/// The validated policy set and the schema it was validated against.
pub struct PolicyEngine {
    schema: Schema,
    policies: PolicySet,
    /// For each action of the schema, the policies that can apply to it
    /// (see [`policies_by_action`]): a request names one action, and Cedar
    /// evaluates every policy of the set it is given.
    by_action: HashMap<EntityUid, PolicySet>,
    names: HashMap<PolicyId, String>,
    /// Whether the policies name files (`Dsg::File`); see [`Self::decides_files`].
    decides_files: bool,
    authorizer: Authorizer,
}

impl std::fmt::Debug for PolicyEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyEngine")
            .field("policies", &self.names.len())
            .finish()
    }
}

/// The entity type names of the embedded schema, parsed once: parsing one
/// runs Cedar's parser, which would otherwise be much of a decision's cost.
/// Read from the schema, so a new entity type cannot be forgotten here.
static TYPE_NAMES: LazyLock<Vec<(String, EntityTypeName)>> = LazyLock::new(|| {
    let Ok((schema, _)) = Schema::from_cedarschema_str(SCHEMA) else {
        return Vec::new();
    };
    let mut names: Vec<(String, EntityTypeName)> = Vec::new();
    let types = schema
        .entity_types()
        .chain(schema.actions().map(EntityUid::type_name));
    for ty in types {
        let name = ty.to_string();
        if !names.iter().any(|(known, _)| *known == name) {
            names.push((name, ty.clone()));
        }
    }
    names
});

fn uid(type_name: &str, id: &str) -> Result<EntityUid, String> {
    let known = TYPE_NAMES.iter().find(|(name, _)| name == type_name);
    let ty = match known {
        Some((_, ty)) => ty.clone(),
        None => EntityTypeName::from_str(type_name).map_err(|e| e.to_string())?,
    };
    Ok(EntityUid::from_type_name_and_id(ty, EntityId::new(id)))
}

fn action_uid(action: &str) -> Result<EntityUid, String> {
    uid("Dsg::Action", action)
}

/// For each action the schema declares, the policies that can apply to a
/// request for it, in the order of the set: those whose action scope is
/// unconstrained, or names the action or (conservatively: a request's slice
/// need not carry the action hierarchy) one of its action groups.
///
/// Deciding on this subset gives the same decision, determining policies
/// and errors as deciding on the whole set: a policy's scope is evaluated
/// before its conditions, so a policy whose action scope does not match is
/// never satisfied and never errs. Evaluating every policy of the set on
/// every request was about half of a decision; the tests compare both ways
/// on every action.
///
/// A set with template-linked policies, or anything unexpected, leaves the
/// map empty: every request is then decided on the whole set.
fn policies_by_action(schema: &Schema, policies: &PolicySet) -> HashMap<EntityUid, PolicySet> {
    if policies.policies().any(|policy| !policy.is_static()) {
        return HashMap::new();
    }
    let Ok(hierarchy) = schema.action_entities() else {
        return HashMap::new();
    };
    let mut by_action = HashMap::new();
    for action in schema.actions() {
        let mut groups: HashSet<&EntityUid> = HashSet::from([action]);
        groups.extend(hierarchy.ancestors(action).into_iter().flatten());
        let mut subset = PolicySet::new();
        for policy in policies.policies() {
            let (applies, names_action) = match policy.action_constraint() {
                ActionConstraint::Any => (true, false),
                ActionConstraint::Eq(uid) => (groups.contains(&uid), uid == *action),
                ActionConstraint::In(uids) => (
                    uids.iter().any(|uid| groups.contains(uid)),
                    uids.contains(action),
                ),
            };
            if !applies {
                continue;
            }
            let policy = if names_action {
                match without_action_scope(policy) {
                    Some(policy) => policy,
                    None => return HashMap::new(),
                }
            } else {
                policy.clone()
            };
            if subset.add(policy).is_err() {
                return HashMap::new();
            }
        }
        by_action.insert(action.clone(), subset);
    }
    by_action
}

/// `policy` with its action scope removed: the same policy for a request
/// whose action the scope names itself (`action == A`, or `A` in the list of
/// `action in [...]`), where the scope always holds, so Cedar need not build
/// and search the list on each request. A scope met only through an action
/// group is kept: whether it holds depends on the slice's action entities.
fn without_action_scope(policy: &Policy) -> Option<Policy> {
    let mut json = policy.to_json().ok()?;
    *json.get_mut("action")? = serde_json::json!({ "op": "All" });
    Policy::from_json(Some(policy.id().clone()), json).ok()
}

impl PolicyEngine {
    /// Builds the engine from the embedded schema and policies.
    pub fn embedded() -> Result<Self, PolicyError> {
        Self::from_sources(SCHEMA, POLICIES)
    }

    /// Builds an engine from policy text (a stored or proposed version),
    /// validated strictly against the schema of this release. The error
    /// carries the parser's or validator's message for the proposer.
    pub fn from_policies(policy_src: &str) -> Result<Self, PolicyError> {
        Self::from_sources(SCHEMA, policy_src)
    }

    /// Builds an engine from schema and policy text, validating strictly.
    pub fn from_sources(schema_src: &str, policy_src: &str) -> Result<Self, PolicyError> {
        let (schema, _warnings) = Schema::from_cedarschema_str(schema_src)
            .map_err(|e| PolicyError::Schema(e.to_string()))?;
        let policies = PolicySet::from_str(policy_src)
            .map_err(|e| PolicyError::Parse(located(policy_src, &e)))?;
        let result = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
        if !result.validation_passed() {
            let errors: Vec<String> = result
                .validation_errors()
                .map(|e| located(policy_src, e))
                .collect();
            return Err(PolicyError::Validation(errors.join("; ")));
        }
        let mut names = HashMap::new();
        for policy in policies.policies() {
            let Some(name) = policy.annotation("id") else {
                return Err(PolicyError::Validation(format!(
                    "policy {} has no @id annotation",
                    policy.id()
                )));
            };
            names.insert(policy.id().clone(), name.to_owned());
        }
        let by_action = policies_by_action(&schema, &policies);
        Ok(Self {
            decides_files: policy_src.contains("Dsg::File"),
            schema,
            policies,
            by_action,
            names,
            authorizer: Authorizer::new(),
        })
    }

    /// Whether file actions on an existing file are to be decided on the
    /// file ([`crate::Resource::File`]) rather than on its compartment. A
    /// policy version written before files were resources of their own
    /// never names `Dsg::File`: its rules about compartments were meant
    /// for every file action, so such a version keeps being asked about
    /// the compartment, as it was written for (neither refusing every file
    /// nor letting a rule on compartments stop applying to files).
    pub fn decides_files(&self) -> bool {
        self.decides_files
    }

    /// Decides one request. Never fails open: any error building the request
    /// is a deny that carries the error.
    pub fn decide(&self, request: &AccessRequest) -> Decision {
        match self.try_decide(request) {
            Ok(decision) => decision,
            Err(error) => Decision::deny(error),
        }
    }

    fn try_decide(&self, request: &AccessRequest) -> Result<Decision, String> {
        let prepared = self.prepare(request)?;
        Ok(self.decide_prepared(&prepared))
    }

    /// The first half of [`Self::decide`]: the Cedar request and the entity
    /// slice built from the facts. The benchmark times both halves apart.
    pub fn prepare(&self, request: &AccessRequest) -> Result<PreparedRequest, String> {
        let (request, entities) = self.build(request, Typing::Trusted)?;
        Ok(PreparedRequest { request, entities })
    }

    /// The second half of [`Self::decide`]: Cedar's authorizer on a
    /// [`PreparedRequest`].
    pub fn decide_prepared(&self, prepared: &PreparedRequest) -> Decision {
        self.evaluate(&prepared.request, &prepared.entities)
    }

    /// What a decision is made on, as JSON text for the decision record:
    /// the principal, action and resource, the context and the entity
    /// slice, in Cedar's JSON forms. [`Self::replay`] decides it again.
    pub fn slice(&self, request: &AccessRequest) -> Result<String, String> {
        let (cedar_request, entities) = self.build(request, Typing::Checked)?;
        // `{"type": …, "id": …}`: the plain form, easier for an auditor to
        // read than Cedar's `__entity` escape (both parse back).
        let uid_json = |uid: Option<EntityUid>| -> Result<serde_json::Value, String> {
            let mut value = uid
                .ok_or_else(|| "request without a uid".to_owned())?
                .to_json_value()
                .map_err(|e| e.to_string())?;
            Ok(match value.get_mut("__entity") {
                Some(plain) => plain.take(),
                None => value,
            })
        };
        let context = cedar_request
            .context()
            .ok_or_else(|| "request without a context".to_owned())?
            .to_json_value()
            .map_err(|e| e.to_string())?;
        let slice = serde_json::json!({
            "format": SLICE_FORMAT,
            "principal": uid_json(cedar_request.principal().cloned())?,
            "action": uid_json(cedar_request.action().cloned())?,
            "resource": uid_json(cedar_request.resource().cloned())?,
            "context": context,
            "entities": entities.to_json_value().map_err(|e| e.to_string())?,
        });
        Ok(slice.to_string())
    }

    /// Decides a recorded request (from [`Self::slice`], possibly made under
    /// another policy version) under this engine's policies: the facts of
    /// that moment, not today's data. A record that does not parse against
    /// the schema is an error.
    pub fn replay(&self, slice: &str) -> Result<Decision, String> {
        let mut value: serde_json::Value =
            serde_json::from_str(slice).map_err(|e| format!("decision record: {e}"))?;
        if !SLICE_FORMATS_READ
            .iter()
            .any(|format| value["format"] == *format)
        {
            return Err(format!("decision record format {}", value["format"]));
        }
        let mut take = |key: &str| value.get_mut(key).map(serde_json::Value::take);
        let uid = |v: Option<serde_json::Value>| -> Result<EntityUid, String> {
            EntityUid::from_json(v.ok_or("decision record without a uid")?)
                .map_err(|e| e.to_string())
        };
        let principal = uid(take("principal"))?;
        let action = uid(take("action"))?;
        let resource = uid(take("resource"))?;
        let context = Context::from_json_value(
            take("context").ok_or("decision record without a context")?,
            Some((&self.schema, &action)),
        )
        .map_err(|e| e.to_string())?;
        let entities = Entities::from_json_value(
            take("entities").ok_or("decision record without entities")?,
            Some(&self.schema),
        )
        .map_err(|e| e.to_string())?;
        let request = Request::new(principal, action, resource, context, Some(&self.schema))
            .map_err(|e| e.to_string())?;
        Ok(self.evaluate(&request, &entities))
    }

    /// Decides on the policies that can apply to the request's action (all
    /// of them for an action the schema does not declare).
    fn evaluate(&self, cedar_request: &Request, entities: &Entities) -> Decision {
        let policies = cedar_request
            .action()
            .and_then(|action| self.by_action.get(action))
            .unwrap_or(&self.policies);
        self.evaluate_on(cedar_request, entities, policies)
    }

    fn evaluate_on(
        &self,
        cedar_request: &Request,
        entities: &Entities,
        policy_set: &PolicySet,
    ) -> Decision {
        let response = self
            .authorizer
            .is_authorized(cedar_request, policy_set, entities);
        let diagnostics = response.diagnostics();
        let mut policies: Vec<String> = diagnostics
            .reason()
            .map(|id| {
                self.names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| id.to_string())
            })
            .collect();
        policies.sort();
        Decision {
            allowed: response.decision() == cedar_policy::Decision::Allow,
            policies,
            errors: diagnostics.errors().map(|e| e.to_string()).collect(),
        }
    }

    /// The Cedar request and the entity slice it is decided on: the
    /// principal and its company, the resource, and the terminal with its
    /// company.
    fn build(
        &self,
        request: &AccessRequest,
        typing: Typing,
    ) -> Result<(Request, Entities), String> {
        let mut entities: Vec<Entity> = Vec::new();
        let principal = match &request.principal {
            Principal::Anonymous => uid("Dsg::Anonymous", "anonymous")?,
            Principal::User(user) => {
                let (user_entity, company_entity) = user_entities(user)?;
                let principal = user_entity.uid();
                entities.push(user_entity);
                entities.push(company_entity);
                principal
            }
        };
        let resource = match &request.resource {
            Resource::Gateway => uid("Dsg::Gateway", "gateway")?,
            Resource::Compartment(c) => {
                let entity = compartment_entity(
                    &c.id.to_string(),
                    &c.company.to_string(),
                    &c.contract.to_string(),
                    Some(c.phase),
                )?;
                let resource = entity.uid();
                entities.push(entity);
                resource
            }
            Resource::File(f) => {
                let c = &f.compartment;
                let (company, contract) = (c.company.to_string(), c.contract.to_string());
                let compartment =
                    compartment_entity(&c.id.to_string(), &company, &contract, Some(c.phase))?;
                let file = file_entity(f, compartment.uid(), &company, &contract)?;
                let resource = file.uid();
                entities.push(file);
                entities.push(compartment);
                resource
            }
            Resource::MissingCompartment(id) => {
                // Same shape as an existing compartment, pointing at no company
                // or contract, so the evaluation path is the same.
                let entity = compartment_entity(id, "", "", None)?;
                let resource = entity.uid();
                entities.push(entity);
                resource
            }
            Resource::Company(company) => {
                let entity = company_entity(&company.id.to_string(), company.kind.as_str())?;
                let resource = entity.uid();
                push_new(&mut entities, entity);
                resource
            }
            Resource::Terminal(t) => {
                let (terminal, company) = terminal_entities(t)?;
                let resource = terminal.uid();
                push_new(&mut entities, terminal);
                push_new(&mut entities, company);
                resource
            }
            Resource::Account(user) => {
                let (user_entity, company_entity) = user_entities(user)?;
                let resource = user_entity.uid();
                push_new(&mut entities, user_entity);
                push_new(&mut entities, company_entity);
                resource
            }
            Resource::Application(application) => {
                let company = company_entity(
                    &application.company.to_string(),
                    application.company_kind.as_str(),
                )?;
                let mut attrs = HashMap::from([
                    (
                        "company".to_owned(),
                        RestrictedExpression::new_entity_uid(company.uid()),
                    ),
                    (
                        "requestedBy".to_owned(),
                        RestrictedExpression::new_entity_uid(uid(
                            "Dsg::User",
                            &application.requested_by.to_string(),
                        )?),
                    ),
                ]);
                if let Some(provider) = application.provider {
                    attrs.insert(
                        "provider".to_owned(),
                        RestrictedExpression::new_entity_uid(uid(
                            "Dsg::Company",
                            &provider.to_string(),
                        )?),
                    );
                }
                let entity = Entity::new(
                    uid("Dsg::Application", &application.id)?,
                    attrs,
                    HashSet::new(),
                )
                .map_err(|e| e.to_string())?;
                let resource = entity.uid();
                entities.push(entity);
                push_new(&mut entities, company);
                resource
            }
            Resource::Disposal(d) => {
                let c = &d.compartment;
                let (company, contract) = (c.company.to_string(), c.contract.to_string());
                let compartment =
                    compartment_entity(&c.id.to_string(), &company, &contract, Some(c.phase))?;
                let attrs = HashMap::from([
                    (
                        "compartment".to_owned(),
                        RestrictedExpression::new_entity_uid(compartment.uid()),
                    ),
                    (
                        "company".to_owned(),
                        RestrictedExpression::new_entity_uid(uid("Dsg::Company", &company)?),
                    ),
                    (
                        "contract".to_owned(),
                        RestrictedExpression::new_entity_uid(uid("Dsg::Contract", &contract)?),
                    ),
                    (
                        "performedBy".to_owned(),
                        RestrictedExpression::new_entity_uid(uid(
                            "Dsg::User",
                            &d.performed_by.to_string(),
                        )?),
                    ),
                ]);
                let entity = Entity::new(uid("Dsg::Disposal", &d.id)?, attrs, HashSet::new())
                    .map_err(|e| e.to_string())?;
                let resource = entity.uid();
                entities.push(entity);
                entities.push(compartment);
                resource
            }
            Resource::RoleDesignation(facts) => {
                let (entity, company) = role_designation_entities(facts)?;
                let resource = entity.uid();
                entities.push(entity);
                push_new(&mut entities, company);
                resource
            }
            Resource::LedgerItem(item) => {
                let c = &item.compartment;
                let (company, contract) = (c.company.to_string(), c.contract.to_string());
                let compartment =
                    compartment_entity(&c.id.to_string(), &company, &contract, Some(c.phase))?;
                let mut attrs = HashMap::from([
                    (
                        "compartment".to_owned(),
                        RestrictedExpression::new_entity_uid(compartment.uid()),
                    ),
                    (
                        "company".to_owned(),
                        RestrictedExpression::new_entity_uid(uid("Dsg::Company", &company)?),
                    ),
                    (
                        "contract".to_owned(),
                        RestrictedExpression::new_entity_uid(uid("Dsg::Contract", &contract)?),
                    ),
                ]);
                for (name, user) in [("holder", item.holder), ("closingBy", item.closing_by)] {
                    if let Some(user) = user {
                        attrs.insert(
                            name.to_owned(),
                            RestrictedExpression::new_entity_uid(uid(
                                "Dsg::User",
                                &user.to_string(),
                            )?),
                        );
                    }
                }
                let entity = Entity::new(uid("Dsg::LedgerItem", &item.id)?, attrs, HashSet::new())
                    .map_err(|e| e.to_string())?;
                let resource = entity.uid();
                entities.push(entity);
                entities.push(compartment);
                resource
            }
            Resource::EndRequest(facts) => {
                let (entity, compartment) = end_request_entities(facts)?;
                let resource = entity.uid();
                entities.push(entity);
                entities.push(compartment);
                resource
            }
            Resource::ChangeRequest(change) => {
                let attrs = HashMap::from([(
                    "requestedBy".to_owned(),
                    RestrictedExpression::new_entity_uid(uid(
                        "Dsg::User",
                        &change.requested_by.to_string(),
                    )?),
                )]);
                let entity = Entity::new(
                    uid("Dsg::ChangeRequest", &change.id)?,
                    attrs,
                    HashSet::new(),
                )
                .map_err(|e| e.to_string())?;
                let resource = entity.uid();
                entities.push(entity);
                resource
            }
        };
        let terminal = match &request.device {
            DeviceFacts::Terminal(t) => {
                let (terminal, company) = terminal_entities(t)?;
                let terminal_uid = terminal.uid();
                push_new(&mut entities, terminal);
                // The user's company may already be in the slice.
                push_new(&mut entities, company);
                Some(terminal_uid)
            }
            DeviceFacts::None | DeviceFacts::Unregistered => None,
        };
        let context = request_context(request, terminal)?;
        let action = action_uid(request.action.as_str())?;
        let schema = match typing {
            Typing::Checked => Some(&self.schema),
            Typing::Trusted => None,
        };
        let cedar_request = Request::new(principal, action, resource, context, schema)
            .map_err(|e| e.to_string())?;
        let entities = Entities::from_entities(entities, schema).map_err(|e| e.to_string())?;
        Ok((cedar_request, entities))
    }
}

mod slice;

#[cfg(test)]
mod tests;
