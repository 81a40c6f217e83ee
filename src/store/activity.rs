//! Activities ("actions commerciales", spec §2) as the store and the API see them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::crud::Entity;
use super::patch::{self, Change, double_option};
use super::refs::Ref;
use super::{Arg, FieldError, Timestamp};

/// The writable part of an activity.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, ToSchema)]
pub struct ActivityFields {
    /// `CALL`, `MEETING` or `EMAIL`.
    pub kind: String,
    /// Action domain.
    pub action_domain: Option<String>,
    /// Action type.
    pub action_type: Option<String>,
    /// Action reason.
    pub action_reason: Option<String>,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// Subject.
    pub subject: Option<String>,
    /// Body.
    pub body: Option<String>,
    /// Owner (user id).
    pub owner_user_id: Option<i64>,
    /// Company (local id).
    pub company_id: Option<i64>,
    /// Deal (local id).
    pub deal_id: Option<i64>,
    /// Inactive activities stay for history.
    pub active: bool,
}

impl Default for ActivityFields {
    fn default() -> Self {
        Self {
            kind: String::new(),
            action_domain: None,
            action_type: None,
            action_reason: None,
            occurred_at: Timestamp::now(),
            subject: None,
            body: None,
            owner_user_id: None,
            company_id: None,
            deal_id: None,
            active: true,
        }
    }
}

/// A stored activity.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, ToSchema)]
pub struct Activity {
    /// Local id.
    pub activity_id: i64,
    /// Tenant.
    pub tenant_id: String,
    /// The writable fields.
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub fields: ActivityFields,
    /// Set when deleted (tombstone).
    pub deleted_at: Option<Timestamp>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last write through the daemon.
    pub updated_at: Timestamp,
}

/// Fields to set on an activity: absent = unchanged, `null` = cleared.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityPatch {
    /// `CALL`, `MEETING` or `EMAIL` (required).
    #[serde(default, deserialize_with = "double_option")]
    pub kind: Change<String>,
    /// Action domain.
    #[serde(default, deserialize_with = "double_option")]
    pub action_domain: Change<String>,
    /// Action type.
    #[serde(default, deserialize_with = "double_option")]
    pub action_type: Change<String>,
    /// Action reason.
    #[serde(default, deserialize_with = "double_option")]
    pub action_reason: Change<String>,
    /// When it happened (RFC 3339); defaults to now on creation.
    #[serde(default)]
    pub occurred_at: Option<Timestamp>,
    /// Subject.
    #[serde(default, deserialize_with = "double_option")]
    pub subject: Change<String>,
    /// Body.
    #[serde(default, deserialize_with = "double_option")]
    pub body: Change<String>,
    /// Owner user id.
    #[serde(default, deserialize_with = "double_option")]
    pub owner_user_id: Change<i64>,
    /// Company id.
    #[serde(default, deserialize_with = "double_option")]
    pub company_id: Change<i64>,
    /// Deal id.
    #[serde(default, deserialize_with = "double_option")]
    pub deal_id: Change<i64>,
    /// Active flag.
    #[serde(default)]
    pub active: Option<bool>,
}

impl Entity for Activity {
    const NAME: &'static str = "activity";
    const ID: &'static str = "activity_id";
    const COLUMNS: &'static [&'static str] = &[
        "kind",
        "action_domain",
        "action_type",
        "action_reason",
        "occurred_at",
        "subject",
        "body",
        "owner_user_id",
        "company_id",
        "deal_id",
        "active",
    ];
    type Fields = ActivityFields;
    type Patch = ActivityPatch;

    fn args(f: &ActivityFields) -> Vec<Arg> {
        vec![
            Arg::text(&f.kind),
            Arg::Text(f.action_domain.clone()),
            Arg::Text(f.action_type.clone()),
            Arg::Text(f.action_reason.clone()),
            Arg::Time(Some(f.occurred_at)),
            Arg::Text(f.subject.clone()),
            Arg::Text(f.body.clone()),
            Arg::Int(f.owner_user_id),
            Arg::Int(f.company_id),
            Arg::Int(f.deal_id),
            Arg::Bool(f.active),
        ]
    }

    fn fields(&self) -> &ActivityFields {
        &self.fields
    }

    fn id(&self) -> i64 {
        self.activity_id
    }

    fn apply(p: ActivityPatch, f: &mut ActivityFields) -> Result<(), FieldError> {
        let mut kind = Some(f.kind.clone()).filter(|k| !k.is_empty());
        patch::one_of("kind", p.kind, &mut kind, &["CALL", "MEETING", "EMAIL"])?;
        f.kind = kind.unwrap_or_default();
        patch::text(p.action_domain, &mut f.action_domain);
        patch::text(p.action_type, &mut f.action_type);
        patch::text(p.action_reason, &mut f.action_reason);
        if let Some(at) = p.occurred_at {
            f.occurred_at = at;
        }
        patch::text(p.subject, &mut f.subject);
        patch::text(p.body, &mut f.body);
        patch::plain(p.owner_user_id, &mut f.owner_user_id);
        patch::plain(p.company_id, &mut f.company_id);
        patch::plain(p.deal_id, &mut f.deal_id);
        if let Some(active) = p.active {
            f.active = active;
        }
        Ok(())
    }

    fn check_complete(f: &ActivityFields) -> Result<(), FieldError> {
        if f.kind.is_empty() {
            return Err(FieldError::new("kind", "is required"));
        }
        Ok(())
    }

    fn refs(f: &ActivityFields) -> Vec<Ref> {
        let mut refs = Vec::new();
        if let Some(id) = f.owner_user_id {
            refs.push(Ref::user("owner_user_id", id));
        }
        if let Some(id) = f.company_id {
            refs.push(Ref::company("company_id", id));
        }
        if let Some(id) = f.deal_id {
            refs.push(Ref::deal("deal_id", id));
        }
        refs
    }
}
