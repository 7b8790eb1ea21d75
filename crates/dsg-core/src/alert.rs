//! Alerts raised by the analysis rules over the audit log: how urgent they
//! are, and the life an operator takes them through.

use crate::entities::string_enum;

string_enum!(
    /// How urgent an alert is.
    AlertSeverity {
        /// Look now.
        High => "high",
        /// Look today.
        Medium => "medium",
        /// Review in the routine.
        Low => "low",
    }
);

string_enum!(
    /// Where an alert stands.
    AlertStatus {
        /// Raised; nobody has taken it up. New entries of its rule and key
        /// are attached to it.
        Open => "open",
        /// Someone is looking into it; entries are still attached.
        Acknowledged => "acknowledged",
        /// Done with; the next entries of its rule and key open a new alert.
        Closed => "closed",
    }
);

/// An operator's change of an alert's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertChange {
    /// open → acknowledged.
    Acknowledge,
    /// open or acknowledged → closed.
    Close,
}

impl AlertStatus {
    /// The status after `change`, or `None` when this status does not
    /// allow it: only an open alert is acknowledged, and a closed alert
    /// stays closed.
    pub fn after(self, change: AlertChange) -> Option<Self> {
        match (self, change) {
            (Self::Open, AlertChange::Acknowledge) => Some(Self::Acknowledged),
            (Self::Open | Self::Acknowledged, AlertChange::Close) => Some(Self::Closed),
            (Self::Acknowledged | Self::Closed, AlertChange::Acknowledge)
            | (Self::Closed, AlertChange::Close) => None,
        }
    }

    /// Whether new entries of the alert's rule and key are attached to it
    /// (rather than opening a new alert).
    pub fn is_active(self) -> bool {
        self != Self::Closed
    }
}

impl serde::Serialize for AlertSeverity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for AlertSeverity {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw)
            .map_err(|_| serde::de::Error::unknown_variant(&raw, &["high", "medium", "low"]))
    }
}

impl serde::Serialize for AlertStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const ALL: [AlertStatus; 3] = [
        AlertStatus::Open,
        AlertStatus::Acknowledged,
        AlertStatus::Closed,
    ];

    #[test]
    fn stored_names_never_change() {
        let names: Vec<&str> = ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["open", "acknowledged", "closed"]);
        for s in ALL {
            assert_eq!(AlertStatus::parse(s.as_str()).ok(), Some(s));
        }
        for (s, name) in [
            (AlertSeverity::High, "high"),
            (AlertSeverity::Medium, "medium"),
            (AlertSeverity::Low, "low"),
        ] {
            assert_eq!(s.as_str(), name);
            assert_eq!(AlertSeverity::parse(name).ok(), Some(s));
        }
        assert!(AlertStatus::parse("Open").is_err());
        assert!(AlertSeverity::parse("critical").is_err());
    }

    #[test]
    fn the_transitions_an_operator_may_make() {
        use AlertChange::{Acknowledge, Close};
        use AlertStatus::{Acknowledged, Closed, Open};
        assert_eq!(Open.after(Acknowledge), Some(Acknowledged));
        assert_eq!(Open.after(Close), Some(Closed));
        assert_eq!(Acknowledged.after(Close), Some(Closed));
        assert_eq!(Acknowledged.after(Acknowledge), None);
        assert_eq!(Closed.after(Acknowledge), None);
        assert_eq!(Closed.after(Close), None);
    }

    fn change() -> impl Strategy<Value = AlertChange> {
        prop_oneof![Just(AlertChange::Acknowledge), Just(AlertChange::Close)]
    }

    proptest! {
        /// Whatever operators do, an alert only moves forward (open →
        /// acknowledged → closed), is acknowledged at most once, and once
        /// closed never changes again.
        #[test]
        fn alerts_only_move_forward(changes in proptest::collection::vec(change(), 0..12)) {
            let rank = |s: AlertStatus| ALL.iter().position(|x| *x == s);
            let mut status = AlertStatus::Open;
            let mut acknowledged = 0;
            for change in changes {
                match status.after(change) {
                    Some(next) => {
                        prop_assert!(rank(next) > rank(status));
                        prop_assert!(status.is_active());
                        if next == AlertStatus::Acknowledged {
                            acknowledged += 1;
                        }
                        status = next;
                    }
                    None => prop_assert!(
                        status == AlertStatus::Closed || change == AlertChange::Acknowledge
                    ),
                }
            }
            prop_assert!(acknowledged <= 1);
        }
    }
}
