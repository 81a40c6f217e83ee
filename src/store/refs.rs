//! References a record makes to other rows of its tenant (users, companies, reference
//! tables). Foreign keys alone do not check the tenant and SQLite's messages do not name
//! the column, so references are checked explicitly, each error naming its field.

use super::tx::on_tx;
use super::{Arg, FieldError, StoreError, WriteTx};

/// One reference to check.
#[derive(Debug, Clone)]
pub struct Ref {
    field: &'static str,
    table: &'static str,
    key_sql: &'static str,
    args: Vec<Arg>,
}

impl Ref {
    /// A user id.
    #[must_use]
    pub fn user(field: &'static str, id: i64) -> Self {
        Self::id(field, "app_user", "user_id", id)
    }
    /// A company id.
    #[must_use]
    pub fn company(field: &'static str, id: i64) -> Self {
        Self::id(field, "company", "company_id", id)
    }
    /// A deal id.
    #[must_use]
    pub fn deal(field: &'static str, id: i64) -> Self {
        Self::id(field, "deal", "deal_id", id)
    }
    /// A contact id.
    #[must_use]
    pub fn contact(field: &'static str, id: i64) -> Self {
        Self::id(field, "contact", "contact_id", id)
    }
    fn id(field: &'static str, table: &'static str, column: &'static str, id: i64) -> Self {
        let key_sql = match column {
            "user_id" => "user_id = $2",
            "company_id" => "company_id = $2 and deleted_at is null",
            "deal_id" => "deal_id = $2 and deleted_at is null",
            _ => "contact_id = $2 and deleted_at is null",
        };
        Self {
            field,
            table,
            key_sql,
            args: vec![Arg::Int(Some(id))],
        }
    }
    /// A code of a simple reference table (`customer_stage`, `health_score_profile`,
    /// `interaction_goal`).
    #[must_use]
    pub fn code(field: &'static str, table: &'static str, code: &str) -> Self {
        Self {
            field,
            table,
            key_sql: "code = $2",
            args: vec![Arg::text(code)],
        }
    }
    /// A code of a label table (`civility`, `commercial_role`, `structure_type`).
    #[must_use]
    pub fn label(field: &'static str, kind: &str, code: &str) -> Self {
        Self {
            field,
            table: "label",
            key_sql: "kind = $2 and code = $3",
            args: vec![Arg::text(kind), Arg::text(code)],
        }
    }
    /// A criterion value code.
    #[must_use]
    pub fn criterion(field: &'static str, criterion: &str, value: &str) -> Self {
        Self {
            field,
            table: "criterion_value",
            key_sql: "criterion_code = $2 and code = $3",
            args: vec![Arg::text(criterion), Arg::text(value)],
        }
    }
    /// An authorization name.
    #[must_use]
    pub fn authorization(field: &'static str, name: &str) -> Self {
        Self {
            field,
            table: "authorization_name",
            key_sql: "name = $2",
            args: vec![Arg::text(name)],
        }
    }
    /// A deal status of the deal-stage decision table.
    #[must_use]
    pub fn deal_status(field: &'static str, status: &str) -> Self {
        Self {
            field,
            table: "deal_stage_map",
            key_sql: "status = $2",
            args: vec![Arg::text(status)],
        }
    }
}

impl WriteTx {
    /// Checks that every reference exists in `tenant`.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming the first field whose reference is missing.
    pub async fn check_refs(&mut self, tenant: &str, refs: &[Ref]) -> Result<(), StoreError> {
        for r in refs {
            let sql = format!(
                "select count(*) from {} where tenant_id = $1 and {}",
                r.table, r.key_sql
            );
            let mut args = vec![Arg::text(tenant)];
            args.extend(r.args.iter().cloned());
            let found: i64 = on_tx!(self, conn => {
                super::args::bind_args!(sqlx::query_scalar::<_, i64>(&sql), &args).fetch_one(conn).await?
            });
            if found == 0 {
                return Err(FieldError::new(
                    r.field,
                    format!("no such {} in this tenant", describe(r.table)),
                )
                .into());
            }
        }
        Ok(())
    }
}

fn describe(table: &str) -> &str {
    match table {
        "app_user" => "user",
        "label" => "code",
        "criterion_value" => "criterion value",
        "authorization_name" => "authorization",
        "deal_stage_map" => "deal status",
        other => other,
    }
}
