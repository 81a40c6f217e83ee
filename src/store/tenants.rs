//! Tenants and their reference data. A tenant is created with sensible defaults for its
//! label and decision tables (spec §3.5), written once here for both backends; rows an
//! admin already changed are left alone (`on conflict do nothing`).

use super::args::bind_args;
use super::tx::on_tx;
use super::{Arg, Origin, Store, StoreError};

/// Civility codes ("Qualité personne"), in order: the first is the default (spec §3.5).
pub const DEFAULT_CIVILITIES: &[(&str, &str)] = &[
    ("M", "Monsieur"),
    ("MME", "Madame"),
    ("MLLE", "Mademoiselle"),
];

/// The commercial role the HubSpot creator of a deal gets (spec §3.2; code kept exactly).
pub const TELEVENDEUR_HUBSPOT: &str = "TELEVENDEUR_HUBSPOT";

/// Deal stage name in HubSpot, local status, progress % (spec §3.5).
pub const DEFAULT_DEAL_STAGES: &[(&str, &str, i64)] = &[
    ("Approche", "approche", 10),
    ("Négociation", "negociation", 40),
    ("Conclusion", "conclusion", 70),
    ("Gagnée", "gagnee", 100),
    ("Perdue", "perdue", 100),
    ("Annulée", "annulee", 100),
];

/// `TD_HubspotAction` defaults: (domain, type, reason) ⇄ engagement type (spec §3.5).
pub const DEFAULT_ACTIVITY_TYPES: &[(&str, &str, &str, &str)] = &[
    ("COMMERCIAL", "APPEL", "appel", "CALL"),
    ("COMMERCIAL", "RENDEZ_VOUS", "rendez-vous", "MEETING"),
    ("COMMERCIAL", "MAIL", "mail", "EMAIL"),
];

impl Store {
    /// Creates the tenant if missing and fills default reference rows that are missing.
    ///
    /// # Errors
    /// On database errors.
    pub async fn ensure_tenant(&self, tenant: &str, name: &str) -> Result<(), StoreError> {
        let mut tx = self.begin(&Origin::Daemon).await?;
        let mut statements: Vec<(&str, Vec<Arg>)> = vec![(
            "insert into tenant (tenant_id, name) values ($1, $2) on conflict (tenant_id) do nothing",
            vec![Arg::text(tenant), Arg::text(name)],
        )];
        for (i, (code, label)) in DEFAULT_CIVILITIES.iter().enumerate() {
            statements.push((
                LABEL_SQL,
                vec![
                    Arg::text(tenant),
                    Arg::text("civility"),
                    Arg::text(code),
                    Arg::text(label),
                    pos(i),
                ],
            ));
        }
        statements.push((
            LABEL_SQL,
            vec![
                Arg::text(tenant),
                Arg::text("commercial_role"),
                Arg::text(TELEVENDEUR_HUBSPOT),
                Arg::text("Télévendeur HubSpot"),
                pos(0),
            ],
        ));
        for (i, (stage, status, pct)) in DEFAULT_DEAL_STAGES.iter().enumerate() {
            statements.push((
                "insert into deal_stage_map (tenant_id, stage_name, status, progress_pct, position) values ($1, $2, $3, $4, $5) on conflict do nothing",
                vec![Arg::text(tenant), Arg::text(stage), Arg::text(status), Arg::Int(Some(*pct)), pos(i)],
            ));
        }
        for (i, (domain, kind, reason, engagement)) in DEFAULT_ACTIVITY_TYPES.iter().enumerate() {
            statements.push((
                "insert into activity_type_map (tenant_id, action_domain, action_type, action_reason, engagement_type, position) values ($1, $2, $3, $4, $5, $6) on conflict do nothing",
                vec![Arg::text(tenant), Arg::text(domain), Arg::text(kind), Arg::text(reason), Arg::text(engagement), pos(i)],
            ));
        }
        for (sql, args) in &statements {
            on_tx!(tx, conn => bind_args!(sqlx::query(sql), args).execute(conn).await?.rows_affected());
        }
        tx.commit().await
    }

    /// Ids of all tenants.
    ///
    /// # Errors
    /// On database errors.
    pub async fn tenant_ids(&self) -> Result<Vec<String>, StoreError> {
        let sql = "select tenant_id from tenant order by tenant_id";
        Ok(super::with_pool!(self, pool => sqlx::query_scalar(sql).fetch_all(pool).await?))
    }

    /// Creates or renames a user (collaborator) matched by e-mail; returns its id.
    ///
    /// # Errors
    /// On database errors.
    pub async fn upsert_user(
        &self,
        tenant: &str,
        email: &str,
        name: Option<&str>,
    ) -> Result<i64, StoreError> {
        let email = crate::domain::email::Email::parse(email)
            .map_err(|e| super::FieldError::new("email", e.to_string()))?;
        let mut tx = self.begin(&Origin::Daemon).await?;
        tx.require_tenant(tenant).await?;
        let args = [
            Arg::text(tenant),
            Arg::text(email.as_str()),
            Arg::Text(name.map(str::to_owned)),
        ];
        let existing: Option<i64> = on_tx!(tx, conn => {
            bind_args!(sqlx::query_scalar("select user_id from app_user where tenant_id = $1 and lower(email) = lower($2)"), &args[..2])
                .fetch_optional(conn).await?
        });
        let id = match existing {
            Some(id) => {
                let upd = [Arg::Text(name.map(str::to_owned)), Arg::Int(Some(id))];
                on_tx!(tx, conn => bind_args!(sqlx::query("update app_user set name = coalesce($1, name) where user_id = $2"), &upd).execute(conn).await?.rows_affected());
                id
            }
            None => on_tx!(tx, conn => {
                bind_args!(sqlx::query_scalar("insert into app_user (tenant_id, email, name) values ($1, $2, $3) returning user_id"), &args)
                    .fetch_one(conn).await?
            }),
        };
        tx.commit().await?;
        Ok(id)
    }

    /// Adds a code to a simple reference table (`customer_stage`, `health_score_profile`,
    /// `interaction_goal`, `criterion`, `authorization_name` uses `name`).
    ///
    /// # Errors
    /// `Invalid` for an unknown table; database errors.
    pub async fn add_reference(
        &self,
        tenant: &str,
        table: &str,
        code: &str,
        label: &str,
    ) -> Result<(), StoreError> {
        let key = match table {
            "customer_stage" | "health_score_profile" | "interaction_goal" | "criterion" => "code",
            "authorization_name" => "name",
            _ => return Err(super::FieldError::new("table", "not a reference table").into()),
        };
        let sql = format!(
            "insert into {table} (tenant_id, {key}, label) values ($1, $2, $3) on conflict do nothing"
        );
        let args = [Arg::text(tenant), Arg::text(code), Arg::text(label)];
        let mut tx = self.begin(&Origin::Daemon).await?;
        on_tx!(tx, conn => bind_args!(sqlx::query(&sql), &args).execute(conn).await?.rows_affected());
        tx.commit().await
    }

    /// Adds a value code to a criterion.
    ///
    /// # Errors
    /// On database errors (unknown criterion: foreign key).
    pub async fn add_criterion_value(
        &self,
        tenant: &str,
        criterion: &str,
        code: &str,
        label: &str,
    ) -> Result<(), StoreError> {
        let sql = "insert into criterion_value (tenant_id, criterion_code, code, label) values ($1, $2, $3, $4) on conflict do nothing";
        let args = [
            Arg::text(tenant),
            Arg::text(criterion),
            Arg::text(code),
            Arg::text(label),
        ];
        let mut tx = self.begin(&Origin::Daemon).await?;
        on_tx!(tx, conn => bind_args!(sqlx::query(sql), &args).execute(conn).await?.rows_affected());
        tx.commit().await
    }
}

const LABEL_SQL: &str = "insert into label (tenant_id, kind, code, label, position) values ($1, $2, $3, $4, $5) on conflict do nothing";

fn pos(i: usize) -> Arg {
    Arg::Int(Some(i64::try_from(i).unwrap_or(i64::MAX)))
}
