//! The seven topics a handler's training covers (第7-1 (1)–(7)), as a
//! checklist rather than free text, so the yearly rule can tell whether a
//! handler was trained on all of them within the year.

use crate::entities::string_enum;
use crate::DomainError;

string_enum!(
    /// One of the seven topics of 第7-1.
    TrainingTopic {
        /// (1) 情報セキュリティの重要性、意義.
        Importance => "importance",
        /// (2) the need-to-know principle.
        NeedToKnow => "need-to-know",
        /// (3) the basic policy, rules and procedures.
        Policies => "policies",
        /// (4) careful conduct in public and private.
        Conduct => "conduct",
        /// (5) procedures against malicious code, insider wrongdoing,
        /// events and incidents.
        IncidentProcedures => "incident-procedures",
        /// (6) other matters needed to handle incidents.
        IncidentMatters => "incident-matters",
        /// (7) technical matters the handler's role and duties need.
        RoleTechnical => "role-technical",
    }
);

impl TrainingTopic {
    /// The topic's label in Japanese (the standard's wording, shortened).
    pub fn ja(self) -> &'static str {
        match self {
            Self::Importance => "(1) 情報セキュリティの重要性・意義",
            Self::NeedToKnow => "(2) need to knowの原則の確実な履行",
            Self::Policies => "(3) 情報セキュリティ基本方針等の確実な履行",
            Self::Conduct => "(4) 公私における慎重な行動",
            Self::IncidentProcedures => {
                "(5) 悪意のあるコード・内部不正・事象及び事故等への対処手順"
            }
            Self::IncidentMatters => "(6) その他事故等への対処に必要な事項",
            Self::RoleTechnical => "(7) 役割と責任に応じた技術的・専門的な事項",
        }
    }

    /// The topic's label in English.
    pub fn en(self) -> &'static str {
        match self {
            Self::Importance => "(1) Importance and meaning of information security",
            Self::NeedToKnow => "(2) The need-to-know principle",
            Self::Policies => "(3) The basic policy, rules and procedures",
            Self::Conduct => "(4) Careful conduct in public and private",
            Self::IncidentProcedures => {
                "(5) Procedures against malicious code, insider wrongdoing, events and incidents"
            }
            Self::IncidentMatters => "(6) Other matters needed to handle incidents",
            Self::RoleTechnical => "(7) Technical matters of the handler's role",
        }
    }

    /// Parses the topics a session covered: each known, none twice, at
    /// least one; returned in the standard's order.
    pub fn parse_list<S: AsRef<str>>(raw: &[S]) -> Result<Vec<TrainingTopic>, DomainError> {
        let mut topics = Vec::new();
        for item in raw {
            let topic = Self::parse(item.as_ref().trim())
                .map_err(|_| DomainError::invalid("covered_topics", "unknown topic"))?;
            if topics.contains(&topic) {
                return Err(DomainError::invalid("covered_topics", "a topic twice"));
            }
            topics.push(topic);
        }
        if topics.is_empty() {
            return Err(DomainError::invalid("covered_topics", "at least one topic"));
        }
        Ok(Self::ALL
            .iter()
            .copied()
            .filter(|t| topics.contains(t))
            .collect())
    }

    /// The stored form of a list: the codes joined by commas.
    pub fn encode_list(topics: &[TrainingTopic]) -> String {
        topics
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads the stored form back; an unknown code is corrupt data.
    pub fn decode_list(stored: &str) -> Result<Vec<TrainingTopic>, DomainError> {
        stored
            .split(',')
            .filter(|s| !s.is_empty())
            .map(Self::parse)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_lists_seven_topics() {
        assert_eq!(TrainingTopic::ALL.len(), 7);
        for t in TrainingTopic::ALL {
            assert!(t.ja().starts_with('('));
            assert!(t.en().starts_with('('));
        }
    }

    #[test]
    fn lists_parse_in_order_and_round_trip() {
        let list = TrainingTopic::parse_list(&["policies", " importance "]).unwrap();
        assert_eq!(
            list,
            vec![TrainingTopic::Importance, TrainingTopic::Policies]
        );
        let stored = TrainingTopic::encode_list(&list);
        assert_eq!(stored, "importance,policies");
        assert_eq!(TrainingTopic::decode_list(&stored).unwrap(), list);
        let all: Vec<&str> = TrainingTopic::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(TrainingTopic::parse_list(&all).unwrap().len(), 7);
        for broken in [&[][..], &["importance", "importance"], &["magic"]] {
            assert!(TrainingTopic::parse_list(broken).is_err(), "{broken:?}");
        }
        assert!(TrainingTopic::decode_list("importance,magic").is_err());
    }
}
