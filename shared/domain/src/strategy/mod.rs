//! Collection strategies: the TOML a company writes (segments, reminder steps,
//! cadences, escalations, event sequences), its checks, and the pure planner
//! that turns (ledger, customers, strategy, as-of date, sent log) into the
//! actions due that day.

pub mod action;
pub mod calendar;
pub mod contact;
pub mod events;
pub mod holiday;
pub mod lint;
pub mod load;
pub mod model;
pub mod planner;
pub mod portal;
pub mod pressure;
pub mod sent_index;
pub mod simulate;
pub mod threshold;
mod validate;

pub use action::{Action, ActionKind, Recipients};
pub use load::{Diagnostic, Severity, StrategyError};
pub use model::{Role, Strategy, Tone};
pub use planner::{
    CreditStanding, DayPlan, PlanInput, Planner, credit_standings, plan, plan_with_held,
};
pub use sent_index::SentIndex;
pub use simulate::{Simulation, simulate};

/// The reference strategy shipped in `examples/strategies/default.toml`.
pub const DEFAULT_STRATEGY: &str = include_str!("../../../../examples/strategies/default.toml");

/// The default strategy, parsed (a test pins that it loads).
pub fn default_strategy() -> Result<Strategy, StrategyError> {
    Strategy::from_toml(DEFAULT_STRATEGY, "default.toml")
}

impl Strategy {
    /// The JSON Schema of the strategy file, for editors.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Strategy)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_strategy_loads_without_warnings() {
        assert!(default_strategy().is_ok());
        let diags = lint::lint(DEFAULT_STRATEGY, "default.toml", None);
        assert!(diags.is_empty(), "{diags:#?}");
    }

    #[test]
    fn the_default_strategy_names_these_templates() {
        let s = default_strategy().unwrap();
        let used: Vec<&str> = s.templates_used().into_iter().collect();
        assert_eq!(
            used,
            vec![
                "account_manager_call",
                "cadence_reminder",
                "call_script",
                "collections_handover",
                "credit_hold",
                "credit_release",
                "credit_review",
                "dispute_ack",
                "dispute_escalation",
                "dispute_resolved",
                "due_today",
                "escalation_notice",
                "final_notice",
                "firm_follow_up",
                "friendly_reminder",
                "instalment_reminder",
                "invoice_notification",
                "missed_instalment",
                "promise_broken",
                "statement",
                "thank_you",
                "touch_base",
                "welcome",
            ]
        );
    }

    #[test]
    fn the_json_schema_describes_the_file() {
        let schema = Strategy::json_schema();
        assert_eq!(schema["type"], "object");
        let text = schema.to_string();
        for key in [
            "segments",
            "catch_up_days",
            "min_gap_days",
            "escalations",
            "white_glove",
            "Threshold",
        ] {
            assert!(text.contains(key), "schema lacks {key}");
        }
    }
}
