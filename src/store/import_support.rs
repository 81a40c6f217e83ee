//! What file imports (spec §5) need from the store: one [`ImportTx`] per import that reads
//! the tenant's users, reference codes and merge keys once, reads records in batches,
//! creates them with multi-row inserts and updates them one by one, with statement texts
//! built once per import (no per-row SQL text); and the `import_job` / `import_error`
//! bookkeeping behind the control API.
//!
//! A real run is one write transaction marked [`Origin::Import`], so the change log sends the
//! import's changes out like any local change and a failure rolls everything back. A dry run
//! is a plain read transaction that is rolled back: it never takes SQLite's write lock.
//! Reference checks are the importer's job (against the preloaded codes), so the writes here
//! skip [`WriteTx::check_refs`] and its query per reference.

use serde::Serialize;
use sqlx::Arguments as _;
use sqlx::postgres::PgArguments;
use sqlx::sqlite::SqliteArguments;
use sqlx::types::Json;

use super::args::{bind_args, bind_owned};
use super::crud::Entity;
use super::tx::{TxInner, on_tx};
use super::{Arg, Origin, Pool, Store, StoreError, Timestamp, WriteTx, with_pool};

/// One stored record's merge keys.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CompanyKeys {
    /// Local id.
    pub company_id: i64,
    /// Customer ID.
    pub external_id: Option<String>,
    /// Normalized domain.
    pub domain: Option<String>,
    /// Normalized registration key.
    pub registration_key: Option<String>,
    /// Soft-deleted.
    pub deleted: bool,
}

/// One stored contact's merge keys.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ContactKeys {
    /// Local id.
    pub contact_id: i64,
    /// Contact ID.
    pub external_id: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Soft-deleted.
    pub deleted: bool,
}

/// A code of a reference table with its label.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CodeLabel {
    /// The code stored on records.
    pub code: String,
    /// Its label.
    pub label: String,
}

/// SQL text of one entity, built once per import (multi-row inserts once per batch size).
#[derive(Debug, Clone)]
pub struct EntitySql {
    table: &'static str,
    id: &'static str,
    columns: &'static [&'static str],
    fetch: String,
    update: String,
    delete: String,
    insert_many: std::collections::HashMap<(usize, bool), String>,
    select_in: std::collections::HashMap<(usize, bool, &'static str), String>,
}

/// A unique key of contacts an import looks records up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueKey {
    /// The Contact ID (`external_id`).
    ExternalId,
    /// The lower-cased e-mail.
    Email,
}

impl UniqueKey {
    /// The key's expression in its unique index.
    fn expression(self) -> &'static str {
        match self {
            Self::ExternalId => "external_id",
            Self::Email => "lower(email)",
        }
    }
}

impl EntitySql {
    /// Builds the statements of `E`.
    #[must_use]
    pub fn of<E: Entity>() -> Self {
        let sets: Vec<String> = E::COLUMNS
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect();
        let n = E::COLUMNS.len();
        Self {
            table: E::NAME,
            id: E::ID,
            columns: E::COLUMNS,
            insert_many: std::collections::HashMap::new(),
            select_in: std::collections::HashMap::new(),
            fetch: format!(
                "select * from {} where tenant_id = $1 and {} = $2",
                E::NAME,
                E::ID
            ),
            update: format!(
                "update {} set {}, deleted_at = null, updated_at = ${} where tenant_id = ${} and {} = ${}",
                E::NAME,
                sets.join(", "),
                n + 1,
                n + 2,
                E::ID,
                n + 3
            ),
            delete: format!(
                "update {} set deleted_at = $1, updated_at = $1 where tenant_id = $2 and {} = $3 and deleted_at is null",
                E::NAME,
                E::ID
            ),
        }
    }
}

/// Multi-row statements are written per backend: SQLite gets anonymous `?` parameters,
/// because it resolves each numbered one (`$n`, `?n`) by a linear search, which costs
/// quadratic time on statements with thousands of them; PostgreSQL only knows `$n`.
impl EntitySql {
    /// `select * … where {by} in (…)` with `n` values and the tenant, `by` being the id
    /// column or the expression of a `(tenant_id, by)` unique index. For ids on SQLite the
    /// tenant term is kept out of index choice (`+tenant_id`): its planner would otherwise
    /// scan the tenant's rows through the `(tenant_id, …)` unique indexes instead of looking
    /// the ids up.
    fn select_in(&mut self, n: usize, sqlite: bool, by: &'static str) -> &str {
        let table = self.table;
        let tenant = if by == self.id {
            "+tenant_id"
        } else {
            "tenant_id"
        };
        self.select_in.entry((n, sqlite, by)).or_insert_with(|| {
            if sqlite {
                let params = vec!["?"; n].join(", ");
                format!("select * from {table} where {by} in ({params}) and {tenant} = ?")
            } else {
                let params: Vec<String> = (0..n).map(|i| format!("${}", i + 2)).collect();
                format!(
                    "select * from {table} where tenant_id = $1 and {by} in ({})",
                    params.join(", ")
                )
            }
        })
    }

    /// `insert … values (…), (…) returning id` for `rows` rows. SQLite: every row binds the
    /// tenant first; PostgreSQL: the tenant is `$1` in all rows.
    fn insert_many(&mut self, rows: usize, sqlite: bool) -> &str {
        let (table, id, columns) = (self.table, self.id, self.columns);
        self.insert_many.entry((rows, sqlite)).or_insert_with(|| {
            let n = columns.len();
            let tuples: Vec<String> = (0..rows)
                .map(|r| {
                    if sqlite {
                        format!("({})", vec!["?"; n + 1].join(", "))
                    } else {
                        let params: Vec<String> =
                            (0..n).map(|c| format!("${}", 2 + r * n + c)).collect();
                        format!("($1, {})", params.join(", "))
                    }
                })
                .collect();
            format!(
                "insert into {table} (tenant_id, {}) values {} returning {id}",
                columns.join(", "),
                tuples.join(", ")
            )
        })
    }
}

/// Records bound to the parameters of a multi-row insert, ahead of
/// [`ImportTx::insert_bound`]: an import binds (copies, JSON-encodes) the next batch while the
/// database writes the one before.
pub struct BoundRows {
    rows: usize,
    args: BackendArgs,
}

enum BackendArgs {
    Sqlite(SqliteArguments<'static>),
    Postgres(PgArguments),
}

/// Adds each [`Arg`] of `$args` (consumed) to the sqlx arguments `$out`.
macro_rules! add_owned {
    ($out:expr, $args:expr) => {{
        for arg in $args {
            match arg {
                Arg::Text(v) => $out.add(v),
                Arg::Int(v) => $out.add(v),
                Arg::Bool(v) => $out.add(v),
                Arg::Time(v) => $out.add(v),
                Arg::Date(v) => $out.add(v),
                Arg::Json(v) => $out.add(Json(v)),
            }
            .map_err(|e| StoreError::Backend(sqlx::Error::Encode(e)))?;
        }
    }};
}

impl BoundRows {
    /// Binds `rows` of `E` for the tenant's insert on SQLite (`sqlite`) or PostgreSQL.
    ///
    /// # Errors
    /// A value that cannot be encoded.
    pub fn bind<E: Entity>(
        sqlite: bool,
        tenant: &str,
        rows: &[&E::Fields],
    ) -> Result<Self, StoreError> {
        let args = if sqlite {
            let mut out = SqliteArguments::default();
            for fields in rows {
                out.add(tenant.to_owned())
                    .map_err(|e| StoreError::Backend(sqlx::Error::Encode(e)))?;
                add_owned!(out, E::args(fields));
            }
            BackendArgs::Sqlite(out)
        } else {
            let mut out = PgArguments::default();
            out.add(tenant.to_owned())
                .map_err(|e| StoreError::Backend(sqlx::Error::Encode(e)))?;
            for fields in rows {
                add_owned!(out, E::args(fields));
            }
            BackendArgs::Postgres(out)
        };
        Ok(Self {
            rows: rows.len(),
            args,
        })
    }
}

/// The transaction of one import.
pub struct ImportTx {
    tx: WriteTx,
    dry_run: bool,
    /// Records inserted so far.
    inserted: usize,
}

/// Records an import must insert before it refreshes PostgreSQL's statistics of the tables
/// it wrote (see [`ImportTx::finish`]).
const ANALYZE_AFTER: usize = 1_000;

impl Store {
    /// Begins an import: a write transaction marked `import`, or for a dry run a read
    /// transaction that [`ImportTx::finish`] rolls back.
    ///
    /// # Errors
    /// On database errors.
    pub async fn begin_import(&self, dry_run: bool) -> Result<ImportTx, StoreError> {
        let tx = if dry_run {
            let inner = match &self.pool {
                Pool::Sqlite(pool) => TxInner::Sqlite(pool.begin().await?),
                Pool::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
            };
            WriteTx { inner }
        } else {
            let mut tx = self.begin(&Origin::Import).await?;
            // Records this import creates are logged by `insert_bound`, not row by row by
            // the insert triggers (migration 0003).
            let flag = match tx.inner {
                TxInner::Sqlite(_) => "update write_context set bulk_inserts = 1",
                TxInner::Postgres(_) => "select set_config('crmsync.bulk_inserts', 'on', true)",
            };
            on_tx!(tx, conn => sqlx::query(flag).execute(conn).await?.rows_affected());
            tx
        };
        Ok(ImportTx {
            tx,
            dry_run,
            inserted: 0,
        })
    }
}

impl ImportTx {
    /// Commits a real run; rolls a dry run back.
    ///
    /// A real run on PostgreSQL that inserted [`ANALYZE_AFTER`] records or more refreshes
    /// the statistics of `company` and `contact` first, as PostgreSQL advises after a bulk
    /// load. Until autovacuum gets to it, a table filled by an import keeps the statistics
    /// of the empty table, and the next import's key lookups were then planned as scans of
    /// the tenant's rows: 23 to 95 ms a lookup of 500 keys at 100,000 contacts instead of
    /// one index probe per key.
    ///
    /// # Errors
    /// On database errors (nothing is then written).
    pub async fn finish(mut self) -> Result<(), StoreError> {
        if self.dry_run {
            match self.tx.inner {
                TxInner::Sqlite(t) => t.rollback().await?,
                TxInner::Postgres(t) => t.rollback().await?,
            }
            Ok(())
        } else {
            if self.inserted >= ANALYZE_AFTER
                && let TxInner::Postgres(t) = &mut self.tx.inner
            {
                sqlx::query("analyze company, contact")
                    .execute(&mut **t)
                    .await?;
            }
            self.tx.commit().await
        }
    }

    fn writable(&self) -> Result<(), StoreError> {
        if self.dry_run {
            return Err(super::FieldError::new("dry_run", "a dry run does not write").into());
        }
        Ok(())
    }

    /// `NotFound` unless the tenant exists.
    ///
    /// # Errors
    /// `NotFound { entity: "tenant" }` or database errors.
    pub async fn require_tenant(&mut self, tenant: &str) -> Result<(), StoreError> {
        self.tx.require_tenant(tenant).await
    }

    /// Users of the tenant: (id, e-mail).
    ///
    /// # Errors
    /// On database errors.
    pub async fn users(&mut self, tenant: &str) -> Result<Vec<(i64, String)>, StoreError> {
        let sql = "select user_id, email from app_user where tenant_id = $1";
        Ok(on_tx!(self.tx, conn => sqlx::query_as(sql).bind(tenant).fetch_all(conn).await?))
    }

    /// Codes and labels of `table` (`customer_stage`, `health_score_profile`,
    /// `interaction_goal`) or, for `civility`, of that label kind.
    ///
    /// # Errors
    /// `Invalid` for another table; database errors.
    pub async fn codes(&mut self, tenant: &str, table: &str) -> Result<Vec<CodeLabel>, StoreError> {
        let sql = match table {
            "customer_stage" => "select code, label from customer_stage where tenant_id = $1",
            "health_score_profile" => {
                "select code, label from health_score_profile where tenant_id = $1"
            }
            "interaction_goal" => "select code, label from interaction_goal where tenant_id = $1",
            "civility" => {
                "select code, label from label where tenant_id = $1 and kind = 'civility'"
            }
            _ => return Err(super::FieldError::new("table", "not a reference table").into()),
        };
        Ok(on_tx!(self.tx, conn => sqlx::query_as(sql).bind(tenant).fetch_all(conn).await?))
    }

    /// Merge keys of every company of the tenant, deleted ones included.
    ///
    /// # Errors
    /// On database errors.
    pub async fn company_keys(&mut self, tenant: &str) -> Result<Vec<CompanyKeys>, StoreError> {
        let sql = "select company_id, external_id, domain, registration_key, deleted_at is not null as deleted from company where tenant_id = $1 order by company_id";
        Ok(on_tx!(self.tx, conn => sqlx::query_as(sql).bind(tenant).fetch_all(conn).await?))
    }

    /// Merge keys of every contact of the tenant, deleted ones included.
    ///
    /// # Errors
    /// On database errors.
    pub async fn contact_keys(&mut self, tenant: &str) -> Result<Vec<ContactKeys>, StoreError> {
        self.contact_keys_after(tenant, 0, i64::MAX).await
    }

    /// The number of the tenant's contacts, deleted ones included.
    ///
    /// # Errors
    /// On database errors.
    pub async fn contact_count(&mut self, tenant: &str) -> Result<i64, StoreError> {
        let sql = "select count(*) from contact where tenant_id = $1";
        let (n,): (i64,) =
            on_tx!(self.tx, conn => sqlx::query_as(sql).bind(tenant).fetch_one(conn).await?);
        Ok(n)
    }

    /// Merge keys of the tenant's contacts (deleted ones included) with an id above `after`,
    /// at most `limit` of them, by id: the keys of a large store a page at a time.
    ///
    /// # Errors
    /// On database errors.
    pub async fn contact_keys_after(
        &mut self,
        tenant: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<ContactKeys>, StoreError> {
        let sql = "select contact_id, external_id, email, deleted_at is not null as deleted from contact where tenant_id = $1 and contact_id > $2 order by contact_id limit $3";
        Ok(on_tx!(self.tx, conn => {
            sqlx::query_as(sql).bind(tenant).bind(after).bind(limit).fetch_all(conn).await?
        }))
    }

    /// Reads record `id`, deleted or not.
    ///
    /// # Errors
    /// `NotFound` when absent.
    pub async fn fetch<E: Entity>(
        &mut self,
        sql: &EntitySql,
        tenant: &str,
        id: i64,
    ) -> Result<E, StoreError> {
        let found: Option<E> = on_tx!(self.tx, conn => {
            sqlx::query_as(&sql.fetch).bind(tenant).bind(id).fetch_optional(conn).await?
        });
        found.ok_or(StoreError::NotFound { entity: E::NAME })
    }

    /// Whether the store is SQLite (else PostgreSQL).
    #[must_use]
    pub fn is_sqlite(&self) -> bool {
        matches!(self.tx.inner, TxInner::Sqlite(_))
    }

    /// Reads several records, deleted or not, in one statement per `size` ids.
    ///
    /// # Errors
    /// On database errors.
    pub async fn fetch_many<E: Entity>(
        &mut self,
        sql: &mut EntitySql,
        tenant: &str,
        ids: &[i64],
        size: usize,
    ) -> Result<Vec<E>, StoreError> {
        let ids: Vec<Arg> = ids.iter().map(|id| Arg::Int(Some(*id))).collect();
        let by = sql.id;
        let text = sql.select_in(size.max(1), self.is_sqlite(), by);
        self.fetch_in(text, tenant, &ids, size).await
    }

    /// Reads the records whose unique key `by` is one of `keys` (e-mails lower-cased),
    /// deleted or not, in one statement per `size` keys, through that key's index.
    ///
    /// # Errors
    /// On database errors.
    pub async fn fetch_by_key<E: Entity>(
        &mut self,
        sql: &mut EntitySql,
        tenant: &str,
        by: UniqueKey,
        keys: &[String],
        size: usize,
    ) -> Result<Vec<E>, StoreError> {
        let keys: Vec<Arg> = keys.iter().map(|k| Arg::text(k)).collect();
        let text = sql.select_in(size.max(1), self.is_sqlite(), by.expression());
        self.fetch_in(text, tenant, &keys, size).await
    }

    /// Runs `text`, a `select … in (…)` of `size` values and the tenant, for each `size`
    /// of `values`, the last padded with a value already asked for so that one text serves.
    ///
    /// The statements are not kept prepared: PostgreSQL plans a kept statement once for all
    /// values after a few runs, and a plan made while the table was still small (an import
    /// into an empty store) scans the tenant's rows instead of using the key's index.
    async fn fetch_in<E: Entity>(
        &mut self,
        text: &str,
        tenant: &str,
        values: &[Arg],
        size: usize,
    ) -> Result<Vec<E>, StoreError> {
        let size = size.max(1);
        let sqlite = self.is_sqlite();
        let mut out = Vec::with_capacity(values.len());
        for part in values.chunks(size) {
            let mut args = Vec::with_capacity(size + 1);
            if !sqlite {
                args.push(Arg::text(tenant));
            }
            args.extend_from_slice(part);
            args.resize(args.len() + size - part.len(), part[0].clone());
            if sqlite {
                args.push(Arg::text(tenant));
            }
            let found: Vec<E> = on_tx!(self.tx, conn => {
                bind_args!(sqlx::query_as(text), &args).persistent(false).fetch_all(conn).await?
            });
            out.extend(found);
        }
        Ok(out)
    }

    /// Inserts the records `bound` holds in one statement; returns their ids in the order of
    /// the rows (ids grow in insertion order within a statement, on both backends).
    ///
    /// # Errors
    /// `Conflict` for a taken key; database errors.
    pub async fn insert_bound<E: Entity>(
        &mut self,
        sql: &mut EntitySql,
        tenant: &str,
        bound: BoundRows,
    ) -> Result<Vec<i64>, StoreError> {
        self.writable()?;
        if bound.rows == 0 {
            return Ok(Vec::new());
        }
        let text = sql.insert_many(bound.rows, self.is_sqlite());
        let mut ids: Vec<i64> = match (&mut self.tx.inner, bound.args) {
            (TxInner::Sqlite(t), BackendArgs::Sqlite(args)) => {
                sqlx::query_scalar_with(text, args)
                    .fetch_all(&mut **t)
                    .await?
            }
            (TxInner::Postgres(t), BackendArgs::Postgres(args)) => {
                sqlx::query_scalar_with(text, args)
                    .fetch_all(&mut **t)
                    .await?
            }
            _ => {
                return Err(super::FieldError::new("rows", "bound for the other database").into());
            }
        };
        ids.sort_unstable();
        self.log_inserts(E::NAME, tenant, &ids).await?;
        self.inserted += ids.len();
        Ok(ids)
    }

    /// The change-log rows of records just created, in one statement: the insert triggers
    /// leave them to the import (see [`Store::begin_import`]).
    async fn log_inserts(
        &mut self,
        entity: &str,
        tenant: &str,
        ids: &[i64],
    ) -> Result<(), StoreError> {
        let sql = if self.is_sqlite() {
            "insert into change_log (tenant_id, entity, entity_id, op, origin) \
             select $1, $2, value, 'insert', $3 from json_each($4)"
        } else {
            "insert into change_log (tenant_id, entity, entity_id, op, origin) \
             select $1, $2, value::bigint, 'insert', $3 from jsonb_array_elements_text($4)"
        };
        let origin = Origin::Import.as_str();
        on_tx!(self.tx, conn => {
            sqlx::query(sql)
                .bind(tenant)
                .bind(entity)
                .bind(&origin)
                .bind(Json(ids))
                .execute(conn)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// Writes every column of record `id` and clears its `deleted_at` (restoring it).
    ///
    /// # Errors
    /// `Conflict` for a taken key; database errors.
    pub async fn write<E: Entity>(
        &mut self,
        sql: &EntitySql,
        tenant: &str,
        id: i64,
        fields: &E::Fields,
    ) -> Result<(), StoreError> {
        self.writable()?;
        let mut args = E::args(fields);
        args.extend([
            Arg::Time(Some(Timestamp::now())),
            Arg::text(tenant),
            Arg::Int(Some(id)),
        ]);
        on_tx!(self.tx, conn => bind_owned!(sqlx::query(&sql.update), args).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Soft-deletes record `id`; `false` when it was absent or already deleted.
    ///
    /// # Errors
    /// On database errors.
    pub async fn soft_delete(
        &mut self,
        sql: &EntitySql,
        tenant: &str,
        id: i64,
    ) -> Result<bool, StoreError> {
        self.writable()?;
        let now = Timestamp::now();
        let done = on_tx!(self.tx, conn => {
            sqlx::query(&sql.delete).bind(now).bind(tenant).bind(id).execute(conn).await?.rows_affected()
        });
        Ok(done > 0)
    }
}

/// An `import_job` row: one import started through the control API.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ImportJob {
    /// Job id.
    pub import_id: String,
    /// Tenant.
    pub tenant_id: String,
    /// `customers` or `contacts`.
    pub kind: String,
    /// Name of the uploaded file.
    pub file_name: String,
    /// Dry run.
    pub dry_run: bool,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub state: String,
    /// Data rows in the file, once known.
    pub total_rows: Option<i64>,
    /// Data rows processed.
    pub processed_rows: i64,
    /// Records created.
    pub created_count: i64,
    /// Records updated.
    pub updated_count: i64,
    /// Records deleted.
    pub deleted_count: i64,
    /// Rows that changed nothing.
    pub unchanged_count: i64,
    /// Rows rejected.
    pub rejected_count: i64,
    /// Bulk updates: rows changed since the export, skipped.
    pub conflict_count: i64,
    /// Why the import failed as a whole.
    pub error: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// End time.
    pub finished_at: Option<Timestamp>,
}

/// Final counts of a job.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    /// Data rows processed.
    pub processed: i64,
    /// Created.
    pub created: i64,
    /// Updated.
    pub updated: i64,
    /// Deleted.
    pub deleted: i64,
    /// Unchanged.
    pub unchanged: i64,
    /// Rejected.
    pub rejected: i64,
    /// Bulk updates: conflicts.
    pub conflicts: i64,
}

/// One stored rejected row. The row at line 0 holds the file's header (its `raw_row`), so
/// that the errors CSV can be rebuilt with the original column names.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ImportErrorRow {
    /// Physical line of the row (0 = the header record).
    pub line: i64,
    /// Column at fault (the file's header text).
    pub column_name: Option<String>,
    /// Why the row was rejected.
    pub reason: String,
    /// The row's original cells.
    pub raw_row: Json<Vec<String>>,
}

impl Store {
    /// Records a new import job in state `running`.
    ///
    /// # Errors
    /// On database errors.
    pub async fn create_import_job(
        &self,
        import_id: &str,
        tenant: &str,
        kind: &str,
        file_name: &str,
        dry_run: bool,
    ) -> Result<(), StoreError> {
        let sql = "insert into import_job (import_id, tenant_id, kind, file_name, dry_run, state) values ($1, $2, $3, $4, $5, 'running')";
        with_pool!(self, pool => sqlx::query(sql).bind(import_id).bind(tenant).bind(kind).bind(file_name).bind(dry_run).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Ends an import job with its counts, or its error.
    ///
    /// # Errors
    /// On database errors.
    pub async fn finish_import_job(
        &self,
        import_id: &str,
        counts: JobCounts,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let state = if error.is_some() {
            "failed"
        } else {
            "succeeded"
        };
        let sql = "update import_job set state = $1, total_rows = $2, processed_rows = $2, created_count = $3, updated_count = $4, deleted_count = $5, unchanged_count = $6, rejected_count = $7, error = $8, finished_at = $9, conflict_count = $11 where import_id = $10";
        with_pool!(self, pool => sqlx::query(sql)
            .bind(state).bind(counts.processed).bind(counts.created).bind(counts.updated)
            .bind(counts.deleted).bind(counts.unchanged).bind(counts.rejected).bind(error)
            .bind(Timestamp::now()).bind(import_id).bind(counts.conflicts)
            .execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Reads an import job.
    ///
    /// # Errors
    /// `NotFound { entity: "import" }` or database errors.
    pub async fn import_job(&self, import_id: &str) -> Result<ImportJob, StoreError> {
        let sql = "select * from import_job where import_id = $1";
        let found: Option<ImportJob> = with_pool!(self, pool => sqlx::query_as(sql).bind(import_id).fetch_optional(pool).await?);
        found.ok_or(StoreError::NotFound { entity: "import" })
    }

    /// Stores rejected rows of a job, in one transaction.
    ///
    /// # Errors
    /// On database errors.
    pub async fn add_import_errors(
        &self,
        tenant: &str,
        import_id: &str,
        rows: &[ImportErrorRow],
    ) -> Result<(), StoreError> {
        let sql = "insert into import_error (tenant_id, import_id, line, column_name, reason, raw_row) values ($1, $2, $3, $4, $5, $6)";
        let mut tx = self.begin(&Origin::Daemon).await?;
        for row in rows {
            on_tx!(tx, conn => sqlx::query(sql).bind(tenant).bind(import_id).bind(row.line)
                .bind(row.column_name.as_deref()).bind(&row.reason).bind(&row.raw_row)
                .execute(conn).await?.rows_affected());
        }
        tx.commit().await
    }

    /// Rejected rows of a job by line (the header record first).
    ///
    /// # Errors
    /// On database errors.
    pub async fn import_errors(&self, import_id: &str) -> Result<Vec<ImportErrorRow>, StoreError> {
        let sql = "select line, column_name, reason, raw_row from import_error where import_id = $1 order by line, import_error_id";
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(import_id).fetch_all(pool).await?))
    }
}
