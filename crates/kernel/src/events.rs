//! Events between the contracts, the store and the log, done one way for every service:
//! an `Envelope` becomes a stored event plus an outbox record (keyed by its aggregate, with
//! the event type and tenant in headers), and a consumed record becomes an envelope or a
//! poison record for the dead-letter topic.

use bytes::Bytes;
use prost::Message;
use tagar_eventlog::{HandleError, Headers, OutgoingRecord, Record};
use tagar_proto::envelope::{self, EnvelopeMeta};
use tagar_proto::topics::headers;
use tagar_proto::v1::Envelope;
use tagar_store::{AggregateRef, NewEvent, OutboxMessage, Store, StoreError, StoreTx};
use uuid::Uuid;

/// The headers every record of an envelope carries: its event type and tenant, so consumers
/// can route without decoding.
pub fn headers_of(envelope: &Envelope) -> Headers {
    Headers::new()
        .with(headers::EVENT_TYPE, envelope.event_type.clone())
        .with(headers::TENANT, envelope.tenant_id.clone())
}

/// A record for publishing an envelope straight to the log (ingest's posts), keyed by `key`.
pub fn outgoing(envelope: &Envelope, key: impl Into<Bytes>) -> OutgoingRecord {
    OutgoingRecord {
        key: key.into(),
        value: envelope.encode_to_vec().into(),
        headers: headers_of(envelope),
    }
}

fn stored(envelope: &Envelope, payload: &Bytes) -> Result<NewEvent, StoreError> {
    let event_id = Uuid::parse_str(&envelope.event_id).map_err(|e| StoreError::Corrupt {
        field: "envelope.event_id",
        reason: e.to_string(),
    })?;
    let occurred_at_us = envelope
        .occurred_at
        .as_ref()
        .map(|t| t.seconds * 1_000_000 + i64::from(t.nanos) / 1_000)
        .unwrap_or_else(tagar_store::now_us);
    Ok(NewEvent {
        event_id,
        event_type: envelope.event_type.clone(),
        payload: payload.clone(),
        occurred_at_us,
    })
}

/// Appends an aggregate's new events (built with `EnvelopeBuilder`, versions already set) in
/// `tx`, and their outbox records for `topic`, keyed by the aggregate id so its events stay
/// in order. Returns the aggregate's new version.
pub async fn append(
    tx: &mut StoreTx,
    aggregate: &AggregateRef,
    expected: u64,
    envelopes: &[Envelope],
    topic: &str,
) -> Result<u64, StoreError> {
    let mut events = Vec::with_capacity(envelopes.len());
    let mut outbox = Vec::with_capacity(envelopes.len());
    let key = Bytes::from(aggregate.id.to_string());
    for envelope in envelopes {
        let payload = Bytes::from(envelope.encode_to_vec());
        events.push(stored(envelope, &payload)?);
        outbox.push(OutboxMessage {
            topic: topic.to_owned(),
            key: key.clone(),
            payload,
            headers: headers_of(envelope),
        });
    }
    let version = tx.append(aggregate, expected, &events).await?;
    tx.enqueue(&outbox).await?;
    Ok(version)
}

/// [`append`] in a transaction of its own.
pub async fn record(
    store: &Store,
    aggregate: &AggregateRef,
    expected: u64,
    envelopes: &[Envelope],
    topic: &str,
) -> Result<u64, StoreError> {
    let mut tx = store.begin().await?;
    let version = append(&mut tx, aggregate, expected, envelopes, topic).await?;
    tx.commit().await?;
    Ok(version)
}

/// Reads a consumed record as an envelope; one that does not decode or lacks what every
/// consumer relies on is poison, for the dead-letter topic.
pub fn decode(record: &Record) -> Result<(EnvelopeMeta, Envelope), HandleError> {
    envelope::decode(&record.value).map_err(|e| HandleError::Poison(e.to_string()))
}

#[cfg(test)]
mod tests {
    use tagar_model::TenantId;
    use tagar_proto::envelope::EnvelopeBuilder;
    use tagar_proto::v1::{PostApproved, envelope::Event};

    use super::*;

    #[test]
    fn records_carry_type_and_tenant_and_decode_back() {
        let tenant = TenantId::new();
        let env = EnvelopeBuilder::new(
            tenant,
            Event::PostApproved(PostApproved {
                approver: "ana".into(),
            }),
        )
        .build();
        let out = outgoing(&env, "post-1");
        assert_eq!(
            out.headers.get_str(headers::EVENT_TYPE),
            Some("tagar.scheduling.PostApproved")
        );
        assert_eq!(
            out.headers.get_str(headers::TENANT),
            Some(tenant.to_string().as_str())
        );
        let record = Record {
            topic: "t".into(),
            partition: 0,
            offset: 0,
            key: out.key,
            value: out.value,
            headers: out.headers,
            timestamp_ms: None,
        };
        let (meta, back) = decode(&record).unwrap();
        assert_eq!((meta.tenant, back), (tenant, env));
    }

    #[test]
    fn garbage_is_poison() {
        let record = Record {
            topic: "t".into(),
            partition: 0,
            offset: 0,
            key: Bytes::new(),
            value: Bytes::from_static(b"\xff\x00garbage"),
            headers: Headers::new(),
            timestamp_ms: None,
        };
        assert!(matches!(decode(&record), Err(HandleError::Poison(_))));
    }
}
