//! Batch writes to HubSpot with per-record failures: a record HubSpot refuses goes to the
//! failed-record journal and the rest of its batch goes through.

use std::collections::{BTreeMap, HashMap};

use super::fields::Kind;
use super::run::{Run, RunError};
use crate::connectors::hubspot::HubSpotError;
use crate::connectors::hubspot::models::{HsObject, ObjectInput};

/// Update by id, or create-or-update by a unique property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `batch/update`.
    Update,
    /// `batch/upsert`.
    Upsert,
}

/// One input and the local record it belongs to.
#[derive(Debug, Clone)]
pub struct Input {
    /// Local record.
    pub local_id: i64,
    /// What is sent.
    pub input: ObjectInput,
    /// Properties (for emptiness checks).
    pub properties: BTreeMap<String, String>,
}

impl Input {
    /// An update of a few properties.
    #[must_use]
    pub fn update<'a>(
        local_id: i64,
        remote_id: &str,
        props: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        let properties: BTreeMap<String, String> = props
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Self::with_properties(local_id, Some(remote_id.to_owned()), None, properties)
    }

    /// An input with an id (and the property it refers to, for upserts).
    #[must_use]
    pub fn with_properties(
        local_id: i64,
        id: Option<String>,
        id_property: Option<&str>,
        properties: BTreeMap<String, String>,
    ) -> Self {
        Self {
            local_id,
            input: ObjectInput {
                id,
                id_property: id_property.map(str::to_owned),
                properties: properties.clone(),
                ..ObjectInput::default()
            },
            properties,
        }
    }
}

fn result_key(op: Op, object: &HsObject, id_property: Option<&str>) -> Option<String> {
    match (op, id_property) {
        (Op::Upsert, Some(p)) => object.prop(p).map(str::to_lowercase),
        _ => Some(object.id.clone()),
    }
}

fn is_record_error(e: &HubSpotError) -> bool {
    matches!(
        e,
        HubSpotError::Rejected { .. } | HubSpotError::Conflict { .. } | HubSpotError::NotFound
    )
}

fn describe(e: &HubSpotError) -> String {
    match e {
        // HubSpot's message may quote values: keep the category and the first words only.
        HubSpotError::Rejected {
            status,
            category,
            message,
        } => {
            let head: String = message.chars().take(200).collect();
            format!("HubSpot refused the record ({status} {category}): {head}")
        }
        other => other.to_string(),
    }
}

impl Run<'_> {
    /// Writes `inputs` 100 at a time; returns local id → remote id of those that passed.
    /// A batch HubSpot refuses as a whole is retried record by record to find the culprit.
    ///
    /// # Errors
    /// Failures of whole calls that are not about a record (transport, auth, limits).
    pub async fn write_batch(
        &mut self,
        kind: Kind,
        object: &str,
        op: Op,
        inputs: Vec<Input>,
    ) -> Result<HashMap<i64, String>, RunError> {
        let mut done = HashMap::new();
        let mut queue: Vec<Vec<Input>> = inputs.chunks(100).map(<[Input]>::to_vec).collect();
        while let Some(chunk) = queue.pop() {
            let id_property = chunk.first().and_then(|i| i.input.id_property.clone());
            let body: Vec<ObjectInput> = chunk.iter().map(|i| i.input.clone()).collect();
            let result = match op {
                Op::Update => self
                    .client
                    .batch_update(object, &body)
                    .await
                    .map(|o| (o.results, o.errors)),
                Op::Upsert => self
                    .client
                    .batch_upsert(object, &body)
                    .await
                    .map(|o| (o.results.into_iter().map(|r| r.object).collect(), o.errors)),
            };
            match result {
                Ok((results, errors)) => {
                    let by_key: HashMap<String, String> = results
                        .iter()
                        .filter_map(|r| {
                            Some((result_key(op, r, id_property.as_deref())?, r.id.clone()))
                        })
                        .collect();
                    let reason = errors
                        .first()
                        .map(|e| format!("HubSpot refused the record ({})", e.category))
                        .unwrap_or_else(|| "HubSpot returned no result for the record".to_owned());
                    for i in chunk {
                        let key = i.input.id.clone().unwrap_or_default();
                        let key = if op == Op::Upsert {
                            key.to_lowercase()
                        } else {
                            key
                        };
                        match by_key.get(&key) {
                            Some(remote) => {
                                done.insert(i.local_id, remote.clone());
                            }
                            None => self.fail_outbound(kind, i.local_id, &reason),
                        }
                    }
                }
                Err(e) if is_record_error(&e) && chunk.len() > 1 => {
                    queue.extend(chunk.into_iter().map(|i| vec![i]));
                }
                Err(e) if is_record_error(&e) => {
                    if let Some(i) = chunk.first() {
                        self.fail_outbound(kind, i.local_id, &describe(&e));
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(done)
    }
}
