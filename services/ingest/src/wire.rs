//! Ingest's domain values to and from their protobuf contracts.

use tagar_model::BrandId;
use tagar_proto::v1::{self, envelope::Event};
use uuid::Uuid;

use tagar_kernel::Refusal;

use crate::domain::{ListeningRule, Pattern, RuleEvent, RuleKind};

/// The wire kind of a rule kind.
pub fn kind_to(kind: RuleKind) -> v1::RuleKind {
    match kind {
        RuleKind::Hashtag => v1::RuleKind::Hashtag,
        RuleKind::Keyword => v1::RuleKind::Keyword,
        RuleKind::Handle => v1::RuleKind::Handle,
        RuleKind::Competitor => v1::RuleKind::Competitor,
    }
}

/// The rule kind of a wire value, refused with the field named.
pub fn kind_from(value: i32, field: &'static str) -> Result<RuleKind, Refusal> {
    match v1::RuleKind::try_from(value) {
        Ok(v1::RuleKind::Hashtag) => Ok(RuleKind::Hashtag),
        Ok(v1::RuleKind::Keyword) => Ok(RuleKind::Keyword),
        Ok(v1::RuleKind::Handle) => Ok(RuleKind::Handle),
        Ok(v1::RuleKind::Competitor) => Ok(RuleKind::Competitor),
        Ok(v1::RuleKind::Unspecified) => Err(Refusal::invalid(field, "is required")),
        Err(_) => Err(Refusal::invalid(field, format!("unknown kind {value}"))),
    }
}

/// A rule on the wire.
pub fn rule_to(rule: &ListeningRule) -> v1::ListeningRule {
    v1::ListeningRule {
        rule_id: rule.rule_id.to_string(),
        brand_id: rule.brand_id.to_string(),
        kind: kind_to(rule.kind) as i32,
        pattern: rule.pattern.to_stored(rule.kind),
    }
}

/// A rule read back from the wire.
pub fn rule_from(rule: &v1::ListeningRule) -> Result<ListeningRule, String> {
    let kind = kind_from(rule.kind, "rule.kind").map_err(|e| e.to_string())?;
    Ok(ListeningRule {
        rule_id: Uuid::parse_str(&rule.rule_id).map_err(|e| format!("rule.rule_id: {e}"))?,
        brand_id: BrandId::parse(&rule.brand_id).map_err(|e| format!("rule.brand_id: {e}"))?,
        kind,
        pattern: Pattern::parse(kind, &rule.pattern).map_err(|e| e.to_string())?,
    })
}

/// A rule event as the envelope's payload.
pub fn rule_event_to(event: &RuleEvent) -> Event {
    match event {
        RuleEvent::Added(rule) => Event::ListeningRuleAdded(v1::ListeningRuleAdded {
            rule: Some(rule_to(rule)),
        }),
        RuleEvent::Removed { rule_id, brand_id } => {
            Event::ListeningRuleRemoved(v1::ListeningRuleRemoved {
                rule_id: rule_id.to_string(),
                brand_id: brand_id.to_string(),
            })
        }
    }
}

/// A stored envelope read back as a rule event.
pub fn rule_event_from(envelope: &v1::Envelope) -> Result<RuleEvent, String> {
    match &envelope.event {
        Some(Event::ListeningRuleAdded(added)) => {
            let rule = added
                .rule
                .as_ref()
                .ok_or("ListeningRuleAdded.rule is missing")?;
            rule_from(rule).map(RuleEvent::Added)
        }
        Some(Event::ListeningRuleRemoved(removed)) => Ok(RuleEvent::Removed {
            rule_id: Uuid::parse_str(&removed.rule_id).map_err(|e| format!("rule_id: {e}"))?,
            brand_id: BrandId::parse(&removed.brand_id).map_err(|e| format!("brand_id: {e}"))?,
        }),
        other => Err(format!(
            "not a listening-rule event: {:?}",
            other.as_ref().map(tagar_proto::envelope::event_type)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_events_round_trip() {
        let rule = ListeningRule {
            rule_id: Uuid::now_v7(),
            brand_id: BrandId::new(),
            kind: RuleKind::Competitor,
            pattern: Pattern::parse(RuleKind::Competitor, "#Rival").unwrap(),
        };
        for event in [
            RuleEvent::Added(rule.clone()),
            RuleEvent::Removed {
                rule_id: rule.rule_id,
                brand_id: rule.brand_id,
            },
        ] {
            let payload = rule_event_to(&event);
            let envelope =
                tagar_proto::EnvelopeBuilder::new(tagar_model::TenantId::new(), payload).build();
            assert_eq!(rule_event_from(&envelope).unwrap(), event);
        }
    }
}
