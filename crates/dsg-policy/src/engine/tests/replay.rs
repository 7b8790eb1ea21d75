//! Decision records: what a decision was made on, decided again under
//! another policy version.

use super::*;

fn handler_request(source: Option<&str>) -> (AccessRequest, CompanyId) {
    let company = CompanyId::random();
    let contract = ContractId::random();
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let request = AccessRequest {
        principal: Principal::User(handler),
        action: Action::FileRead,
        resource: Resource::Compartment(CompartmentFacts {
            id: CompartmentId::random(),
            contract,
            company,
            phase: dsg_core::CompartmentPhase::Active,
        }),
        session: FRESH_PASSKEY,
        device: terminal_of(company, CompanyKind::Contractor),
        environment: Environment {
            source: source.map(|s| s.parse().unwrap()),
            hour: 23,
            weekday: 3,
            agency_terminals_accepted: false,
            posture_max_age_secs: None,
            roster_confirmation_required: false,
            training_max_age_secs: None,
            designation_training_required: false,
            consent_required: false,
        },
    };
    (request, company)
}

#[test]
fn a_record_replays_to_the_same_decision_under_the_same_policies() {
    let engine = PolicyEngine::embedded().unwrap();
    let (request, _) = handler_request(Some("192.0.2.7"));
    let slice = engine.slice(&request).unwrap();
    let decision = engine.decide(&request);
    assert!(decision.allowed);
    assert_eq!(engine.replay(&slice).unwrap(), decision);
    // The record names ids and attributes, in Cedar's JSON forms.
    let value: serde_json::Value = serde_json::from_str(&slice).unwrap();
    assert_eq!(value["format"], SLICE_FORMAT);
    assert_eq!(value["action"]["id"], "file.read");
    assert_eq!(value["context"]["hour"], 23);
    assert!(value["entities"].as_array().unwrap().len() >= 4);
}

#[test]
fn a_record_is_decided_again_on_its_own_facts_under_a_new_policy() {
    let engine = PolicyEngine::embedded().unwrap();
    let night = PolicyEngine::from_policies(&format!(
        "{POLICIES}\n@id(\"office-hours\")\nforbid (principal, action, resource) \
         when {{ context.hour < 7 || context.hour >= 22 }};"
    ))
    .unwrap();
    let network = PolicyEngine::from_policies(&format!(
        "{POLICIES}\n@id(\"office-network\")\nforbid (principal, action, resource) \
         unless {{ context has sourceAddress && \
         context.sourceAddress.isInRange(ip(\"192.0.2.0/24\")) }};"
    ))
    .unwrap();
    let (inside, _) = handler_request(Some("192.0.2.7"));
    let (outside, _) = handler_request(Some("198.51.100.1"));
    for request in [&inside, &outside] {
        let slice = engine.slice(request).unwrap();
        // The recorded hour was 23: the night rule flips it.
        let flipped = night.replay(&slice).unwrap();
        assert!(!flipped.allowed);
        assert_eq!(flipped.policies, vec!["office-hours"]);
    }
    assert!(
        network
            .replay(&engine.slice(&inside).unwrap())
            .unwrap()
            .allowed
    );
    assert_eq!(
        network
            .replay(&engine.slice(&outside).unwrap())
            .unwrap()
            .policies,
        vec!["office-network"]
    );
}

#[test]
fn a_damaged_record_is_refused_with_the_reason() {
    let engine = PolicyEngine::embedded().unwrap();
    let (request, _) = handler_request(None);
    let slice = engine.slice(&request).unwrap();
    for damaged in [
        "not json".to_owned(),
        slice.replace(SLICE_FORMAT, "dsg-decision/schema-v0"),
        slice.replace("\"Dsg::Compartment\"", "\"Dsg::Nothing\""),
        slice.replace("\"entities\"", "\"entitiez\""),
    ] {
        let error = engine.replay(&damaged).unwrap_err();
        assert!(!error.is_empty(), "{damaged}");
    }
}

#[test]
fn an_invalid_proposal_is_refused_with_the_validators_message() {
    let unknown_attribute = format!(
        "{POLICIES}\n@id(\"typo\")\nforbid (principal, action, resource) \
         when {{ context.hours > 22 }};"
    );
    let message = PolicyEngine::from_policies(&unknown_attribute)
        .unwrap_err()
        .to_string();
    assert!(message.contains("hours"), "{message}");
    let syntax = PolicyEngine::from_policies("permit (principal, action, resource").unwrap_err();
    assert!(matches!(syntax, PolicyError::Parse(_)), "{syntax}");
    // Where: the line and column a person finds in the text area.
    let line_of = |text: &str, needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .unwrap()
    };
    let broken =
        format!("{POLICIES}\n@id(\"x\")\npermit (principal, action, resource)\n  when {{ 1 + }};");
    let message = PolicyEngine::from_policies(&broken)
        .unwrap_err()
        .to_string();
    let at = format!("line {}, column 14: ", line_of(&broken, "when { 1 + }"));
    assert!(message.contains(&at), "{message}");
    let message = PolicyEngine::from_policies(&unknown_attribute)
        .unwrap_err()
        .to_string();
    let at = format!(
        "line {}, column ",
        line_of(&unknown_attribute, "context.hours")
    );
    assert!(
        message.contains(&at),
        "the validator's error is located too: {message}"
    );
    let unnamed = PolicyEngine::from_policies("permit (principal, action, resource);").unwrap_err();
    assert!(unnamed.to_string().contains("@id"), "{unnamed}");
}
