//! The tamper-evident history. Each event stores the hash of the event before it (in its
//! organization) and an HMAC-SHA256, keyed with the audit key, over that hash and its own
//! content. Changing, removing or reordering any stored event breaks the chain from there on,
//! and without the key nobody can compute a chain that holds again; `tiltak audit verify`
//! (`services::audit`) walks it.
//!
//! Events sealed before the key existed (migration 5, and everything written until
//! `tiltak audit reseal`) carry a plain SHA-256 over the same bytes: the legacy form.

use chrono::{DateTime, Datelike, DurationRound, TimeDelta, Timelike, Utc};
use hmac::Mac;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::LockType,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    audit_key::AuditKey,
    domain::{EventKind, Via},
    entities::{action_event, organization},
    error::{AppError, AppResult},
};

/// The hash the first event of an organization links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A hash as stored: 64 lowercase hex digits.
pub type HexHash = [u8; 64];

/// An event to append.
pub struct NewEvent {
    pub organization_id: Uuid,
    pub action_id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub kind: EventKind,
    pub from: Option<String>,
    pub to: Option<String>,
    pub comment: Option<String>,
    /// How the change came in, when it is worth noting (`email-link`).
    pub via: Option<Via>,
}

/// What an event's hash covers besides the hash before it.
#[derive(Debug, Clone, Copy)]
pub struct Content<'a> {
    pub organization_id: Uuid,
    pub action_id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub kind: &'a str,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub comment: Option<&'a str>,
    pub via: Option<&'a str>,
}

impl<'a> Content<'a> {
    pub fn of(event: &'a action_event::Model) -> Self {
        Self {
            organization_id: event.organization_id,
            action_id: event.action_id,
            at: event.at,
            actor_id: event.actor_id,
            kind: event.kind.code(),
            from: event.from_value.as_deref(),
            to: event.to_value.as_deref(),
            comment: event.comment.as_deref(),
            via: event.via.map(Via::code),
        }
    }

    /// Appends the canonical form to `out`: the compact JSON array
    /// `[prev, organization_id, action_id, at, actor_id, kind, from, to, comment]`, with `at`
    /// as `YYYY-MM-DDTHH:MM:SS.ffffffZ` and absent values as `null`. These are exactly the
    /// bytes `serde_json::json!([...]).to_string()` gives (the form migration 5 sealed with,
    /// so legacy hashes still check), written without building a JSON value per event. An
    /// event with `via` has it as a tenth element; one without has the nine as before.
    pub fn write_canonical(&self, prev: &str, out: &mut Vec<u8>) {
        out.push(b'[');
        json_str(out, prev);
        out.push(b',');
        json_uuid(out, Some(self.organization_id));
        out.push(b',');
        json_uuid(out, Some(self.action_id));
        out.push(b',');
        json_time(out, self.at);
        out.push(b',');
        json_uuid(out, self.actor_id);
        out.push(b',');
        json_str(out, self.kind);
        for value in [self.from, self.to, self.comment] {
            out.push(b',');
            match value {
                Some(text) => json_str(out, text),
                None => out.extend_from_slice(b"null"),
            }
        }
        if let Some(via) = self.via {
            out.push(b',');
            json_str(out, via);
        }
        out.push(b']');
    }

    /// The canonical form as a new buffer.
    pub fn canonical(&self, prev: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        self.write_canonical(prev, &mut out);
        out
    }
}

fn json_str(out: &mut Vec<u8>, text: &str) {
    serde_json::to_writer(&mut *out, text).expect("writing JSON to memory cannot fail");
}

fn json_uuid(out: &mut Vec<u8>, id: Option<Uuid>) {
    match id {
        Some(id) => {
            out.push(b'"');
            out.extend_from_slice(id.hyphenated().encode_lower(&mut Uuid::encode_buffer()).as_bytes());
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
}

fn json_time(out: &mut Vec<u8>, at: DateTime<Utc>) {
    let nanos = at.nanosecond();
    if !(0..=9999).contains(&at.year()) || nanos >= 1_000_000_000 {
        // Years chrono writes with a sign, and leap seconds: rare enough to format slowly.
        json_str(out, &at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string());
        return;
    }
    out.push(b'"');
    digits(out, at.year() as u32, 4);
    out.push(b'-');
    digits(out, at.month(), 2);
    out.push(b'-');
    digits(out, at.day(), 2);
    out.push(b'T');
    digits(out, at.hour(), 2);
    out.push(b':');
    digits(out, at.minute(), 2);
    out.push(b':');
    digits(out, at.second(), 2);
    out.push(b'.');
    digits(out, nanos / 1000, 6);
    out.extend_from_slice(b"Z\"");
}

fn digits(out: &mut Vec<u8>, mut value: u32, width: usize) {
    let start = out.len();
    out.resize(start + width, b'0');
    for slot in out[start..].iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

fn hex(bytes: &[u8]) -> HexHash {
    let mut out = [0u8; 64];
    hex::encode_to_slice(bytes, &mut out).expect("32 bytes are 64 hex digits");
    out
}

/// HMAC-SHA256 with the audit key over a canonical form: the hash of every event written
/// since the key exists.
pub fn keyed(key: &AuditKey, canonical: &[u8]) -> HexHash {
    let mut mac = key.mac();
    mac.update(canonical);
    hex(&mac.finalize().into_bytes())
}

/// Plain SHA-256 over a canonical form: the legacy hash, which anyone can recompute.
pub fn legacy(canonical: &[u8]) -> HexHash {
    hex(&Sha256::digest(canonical))
}

/// The keyed hash of an event after `prev`, as stored.
pub fn event_hash(key: &AuditKey, prev: &str, content: &Content) -> String {
    as_str(&keyed(key, &content.canonical(prev))).to_owned()
}

pub(crate) fn as_str(hash: &HexHash) -> &str {
    std::str::from_utf8(hash).expect("hex digits are ASCII")
}

/// Appends events to their organization's chain, inside the caller's transaction. On
/// PostgreSQL the organization row is locked first (FOR NO KEY UPDATE, which does not block the
/// key-share locks that inserts referencing the organization take), so concurrent writers chain
/// one after the other; SQLite has a single writer anyway.
#[tracing::instrument(skip_all)]
pub async fn append(
    txn: &impl ConnectionTrait,
    key: &AuditKey,
    events: Vec<NewEvent>,
) -> AppResult<Vec<action_event::Model>> {
    let mut written = Vec::with_capacity(events.len());
    for event in events {
        lock_chain(txn, event.organization_id).await?;
        let prev = match action_event::Entity::find()
            .filter(action_event::Column::OrganizationId.eq(event.organization_id))
            .order_by_desc(action_event::Column::Id)
            .one(txn)
            .await?
        {
            None => GENESIS.to_owned(),
            Some(last) => last.hash.ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!(
                    "history event {} has no hash: the chain cannot be continued (run `tiltak audit verify`)",
                    last.id
                ))
            })?,
        };
        // Stored to the microsecond, as PostgreSQL keeps it, so the hash reads back the same.
        let at = event.at.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(event.at);
        let hash = event_hash(
            key,
            &prev,
            &Content {
                organization_id: event.organization_id,
                action_id: event.action_id,
                at,
                actor_id: event.actor_id,
                kind: event.kind.code(),
                from: event.from.as_deref(),
                to: event.to.as_deref(),
                comment: event.comment.as_deref(),
                via: event.via.map(Via::code),
            },
        );
        let row = action_event::ActiveModel {
            organization_id: Set(event.organization_id),
            action_id: Set(event.action_id),
            at: Set(at),
            actor_id: Set(event.actor_id),
            kind: Set(event.kind),
            from_value: Set(event.from),
            to_value: Set(event.to),
            comment: Set(event.comment),
            via: Set(event.via),
            prev_hash: Set(Some(prev)),
            hash: Set(Some(hash)),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        written.push(row);
    }
    // Counted when appended: a transaction rolled back later (a dry-run import) counts too.
    metrics::counter!("tiltak_history_events_total").increment(written.len() as u64);
    Ok(written)
}

/// Holds back other writers of the organization's chain until the transaction ends (on
/// PostgreSQL; SQLite has one writer).
pub(crate) async fn lock_chain(txn: &impl ConnectionTrait, organization_id: Uuid) -> AppResult<()> {
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        organization::Entity::find_by_id(organization_id)
            .lock(LockType::NoKeyUpdate)
            .one(txn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    /// The form migration 5 sealed with, built the slow way.
    fn json_form(prev: &str, c: &Content) -> Vec<u8> {
        let mut form = serde_json::json!([
            prev,
            c.organization_id,
            c.action_id,
            c.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            c.actor_id,
            c.kind,
            c.from,
            c.to,
            c.comment
        ]);
        if let Some(via) = c.via {
            form.as_array_mut().unwrap().push(via.into());
        }
        form.to_string().into_bytes()
    }

    #[test]
    fn the_canonical_form_is_byte_for_byte_the_json_one() {
        let texts = [
            None,
            Some(""),
            Some("Mangler ressurser – \"sitat\" \\ skråstrek"),
            Some("linje\nlinje\ttab\u{1}\u{1f}\u{7f} æøå 😀 </script>"),
        ];
        let moments = [
            Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            Utc.timestamp_opt(1_767_225_600, 123_456_789).unwrap(),
            Utc.timestamp_opt(0, 999_999_999).unwrap(),
            Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 12, 31, 23, 59, 59).unwrap(),
        ];
        for (i, at) in moments.into_iter().enumerate() {
            for from in texts {
                for (comment, via) in texts.into_iter().zip([None, Some("email-link"), None, Some("x\"y")]) {
                    let content = Content {
                        organization_id: Uuid::new_v4(),
                        action_id: Uuid::new_v4(),
                        at,
                        actor_id: (i % 2 == 0).then(Uuid::new_v4),
                        kind: "STATUS_CHANGED",
                        from,
                        to: Some("DELAYED"),
                        comment,
                        via,
                    };
                    assert_eq!(
                        String::from_utf8(content.canonical(GENESIS)).unwrap(),
                        String::from_utf8(json_form(GENESIS, &content)).unwrap()
                    );
                }
            }
        }
    }

    #[test]
    fn keyed_and_legacy_hashes_differ_and_depend_on_the_key() {
        let content = Content {
            organization_id: Uuid::nil(),
            action_id: Uuid::nil(),
            at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            actor_id: None,
            kind: "CREATED",
            from: None,
            to: None,
            comment: None,
            via: None,
        };
        let bytes = content.canonical(GENESIS);
        let a = AuditKey::new(&[1; 32], "a").unwrap();
        let b = AuditKey::new(&[2; 32], "b").unwrap();
        assert_eq!(
            legacy(&bytes).as_slice(),
            hex::encode(Sha256::digest(&bytes)).as_bytes()
        );
        assert_ne!(keyed(&a, &bytes), legacy(&bytes));
        assert_ne!(keyed(&a, &bytes), keyed(&b, &bytes));
        assert_eq!(
            keyed(&a, &bytes),
            keyed(&a.clone(), &bytes),
            "a cloned state is the same key"
        );
    }
}
