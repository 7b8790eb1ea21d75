//! What a recorded decision was made on ([`dsg_policy::PolicyEngine::slice`]),
//! typed for its readers.

use serde::{Deserialize, Serialize};

/// One entity of a request, in Cedar's plain JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityRef {
    /// The entity type (`Dsg::User`, `Dsg::Action`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// The entity id.
    pub id: String,
}

/// The request, context and entity slice a decision was made on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionSlice {
    /// The record's format (`dsg-decision/schema-vN`).
    pub format: String,
    /// Who asked.
    pub principal: EntityRef,
    /// What they asked to do.
    pub action: EntityRef,
    /// On what.
    pub resource: EntityRef,
    /// The request's context. Free-form on purpose: its attributes are the
    /// Cedar schema's for the action (a different record per action and
    /// schema version), which the policy engine, not this type, validates
    /// on replay.
    pub context: serde_json::Map<String, serde_json::Value>,
    /// The entities the decision saw, each in Cedar's entity JSON form
    /// (`uid`, `attrs`, `parents`); free-form for the same reason as
    /// `context`: the attributes differ per entity type and schema version.
    pub entities: Vec<serde_json::Map<String, serde_json::Value>>,
}

impl DecisionSlice {
    /// The slice of a stored record; `None` when the text is not one (it
    /// is shown as absent rather than failing the whole record).
    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    // A record made by the policy engine reads back whole: serializing the
    // typed slice gives the very JSON that was stored.
    #[test]
    fn a_recorded_slice_reads_back_unchanged() {
        let text = r#"{"format":"dsg-decision/schema-v6","principal":{"type":"Dsg::User","id":"u1"},"action":{"type":"Dsg::Action","id":"download"},"resource":{"type":"Dsg::File","id":"f1"},"context":{"terminal":{"trusted":true}},"entities":[{"uid":{"type":"Dsg::User","id":"u1"},"attrs":{},"parents":[]}]}"#;
        let slice = DecisionSlice::parse(text).unwrap();
        assert_eq!(slice.principal.id, "u1");
        assert_eq!(serde_json::to_string(&slice).unwrap(), text);
        assert!(DecisionSlice::parse("{\"format\":1}").is_none());
    }
}
