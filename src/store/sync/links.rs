//! The link table (spec §2.1), per-connection cursors and the conflict journal.

use std::collections::{BTreeMap, HashMap};

use super::super::tx::on_tx;
use super::super::{Store, StoreError, Timestamp, WriteTx, with_pool};

/// Field values (canonical names) both sides held at the last sync of a record.
pub type Base = BTreeMap<String, String>;

/// One link: a local record ⇄ a remote record of a connection.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// Row id.
    pub link_id: i64,
    /// Local record id.
    pub local_id: i64,
    /// Remote record id.
    pub remote_id: String,
    /// Values at the last sync.
    pub base: Base,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    link_id: i64,
    local_id: i64,
    remote_id: String,
    base: String,
}

impl From<LinkRow> for Link {
    fn from(r: LinkRow) -> Self {
        Self {
            link_id: r.link_id,
            local_id: r.local_id,
            remote_id: r.remote_id,
            // A base that cannot be read is treated as empty: the next comparison then sees
            // every differing field as a change on both sides and resolves it by the rules.
            base: serde_json::from_str(&r.base).unwrap_or_default(),
        }
    }
}

const LINK_COLUMNS: &str = "link_id, local_id, remote_id, base";

impl WriteTx {
    /// The link of a remote record.
    ///
    /// # Errors
    /// On database errors.
    pub async fn link_by_remote(
        &mut self,
        tenant: &str,
        entity: &str,
        connection: &str,
        remote_id: &str,
    ) -> Result<Option<Link>, StoreError> {
        let sql = format!(
            "select {LINK_COLUMNS} from entity_link where tenant_id = $1 and entity = $2 and connection = $3 and remote_id = $4"
        );
        let row: Option<LinkRow> = on_tx!(self, conn => sqlx::query_as(&sql).bind(tenant).bind(entity).bind(connection).bind(remote_id).fetch_optional(conn).await?);
        Ok(row.map(Link::from))
    }

    /// The link of a local record.
    ///
    /// # Errors
    /// On database errors.
    pub async fn link_by_local(
        &mut self,
        tenant: &str,
        entity: &str,
        connection: &str,
        local_id: i64,
    ) -> Result<Option<Link>, StoreError> {
        let sql = format!(
            "select {LINK_COLUMNS} from entity_link where tenant_id = $1 and entity = $2 and connection = $3 and local_id = $4"
        );
        let row: Option<LinkRow> = on_tx!(self, conn => sqlx::query_as(&sql).bind(tenant).bind(entity).bind(connection).bind(local_id).fetch_optional(conn).await?);
        Ok(row.map(Link::from))
    }

    /// Creates the link of a local record, or moves it to another remote id, with its base.
    ///
    /// # Errors
    /// `Conflict` when the remote record is linked to another local record.
    #[allow(clippy::too_many_arguments)]
    pub async fn put_link(
        &mut self,
        tenant: &str,
        entity: &str,
        connection: &str,
        local_id: i64,
        remote_id: &str,
        match_key: Option<&str>,
        base: &Base,
    ) -> Result<(), StoreError> {
        let sql = "insert into entity_link (tenant_id, entity, local_id, connection, remote_id, match_key, base, updated_at) \
                   values ($1, $2, $3, $4, $5, $6, $7, $8) \
                   on conflict (tenant_id, entity, connection, local_id) do update set remote_id = excluded.remote_id, \
                   match_key = coalesce(excluded.match_key, entity_link.match_key), base = excluded.base, updated_at = excluded.updated_at";
        let base = serde_json::to_string(base).unwrap_or_else(|_| "{}".to_owned());
        on_tx!(self, conn => sqlx::query(sql).bind(tenant).bind(entity).bind(local_id).bind(connection).bind(remote_id).bind(match_key).bind(&base).bind(Timestamp::now()).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Replaces a link's base.
    ///
    /// # Errors
    /// On database errors.
    pub async fn set_link_base(&mut self, link_id: i64, base: &Base) -> Result<(), StoreError> {
        let base = serde_json::to_string(base).unwrap_or_else(|_| "{}".to_owned());
        on_tx!(self, conn => sqlx::query("update entity_link set base = $1, updated_at = $2 where link_id = $3").bind(&base).bind(Timestamp::now()).bind(link_id).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Removes a link (the remote record vanished into another one).
    ///
    /// # Errors
    /// On database errors.
    pub async fn delete_link(&mut self, link_id: i64) -> Result<(), StoreError> {
        on_tx!(self, conn => sqlx::query("delete from entity_link where link_id = $1").bind(link_id).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Moves a cursor; nothing is written when it is unchanged.
    ///
    /// # Errors
    /// On database errors.
    pub async fn put_cursor(
        &mut self,
        tenant: &str,
        connection: &str,
        object: &str,
        cursor: &str,
    ) -> Result<(), StoreError> {
        let sql = "insert into sync_cursor (tenant_id, connection, object_type, cursor, updated_at) values ($1, $2, $3, $4, $5) \
                   on conflict (tenant_id, connection, object_type) do update set cursor = excluded.cursor, updated_at = excluded.updated_at \
                   where sync_cursor.cursor <> excluded.cursor";
        on_tx!(self, conn => sqlx::query(sql).bind(tenant).bind(connection).bind(object).bind(cursor).bind(Timestamp::now()).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Journals a conflict resolved per field (spec §3.4).
    ///
    /// # Errors
    /// On database errors.
    #[allow(clippy::too_many_arguments)]
    pub async fn journal_conflict(
        &mut self,
        tenant: &str,
        connection: &str,
        entity: &str,
        local_id: i64,
        remote_id: &str,
        field: &str,
        winner: &str,
        kept: &str,
        overwritten: &str,
    ) -> Result<(), StoreError> {
        let sql = "insert into sync_journal (tenant_id, connection, entity, local_id, remote_id, field, winner, kept_value, overwritten_value) \
                   values ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        on_tx!(self, conn => sqlx::query(sql).bind(tenant).bind(connection).bind(entity).bind(local_id).bind(remote_id).bind(field).bind(winner).bind(kept).bind(overwritten).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// When the record was last changed by anyone but `connection`'s sync (epoch ms).
    ///
    /// # Errors
    /// On database errors.
    pub async fn last_local_change_ms(
        &mut self,
        tenant: &str,
        entity: &str,
        local_id: i64,
        connection: &str,
    ) -> Result<Option<i64>, StoreError> {
        let sql = "select changed_at from change_log where tenant_id = $1 and entity = $2 and entity_id = $3 and origin <> $4 \
                   order by change_id desc limit 1";
        let origin = format!("sync:{connection}");
        let at: Option<Timestamp> = on_tx!(self, conn => sqlx::query_scalar(sql).bind(tenant).bind(entity).bind(local_id).bind(&origin).fetch_optional(conn).await?);
        Ok(at.map(|t| i64::try_from(t.get().unix_timestamp_nanos() / 1_000_000).unwrap_or(0)))
    }
}

impl Store {
    /// A cursor's value.
    ///
    /// # Errors
    /// On database errors.
    pub async fn cursor(
        &self,
        tenant: &str,
        connection: &str,
        object: &str,
    ) -> Result<Option<String>, StoreError> {
        let sql = "select cursor from sync_cursor where tenant_id = $1 and connection = $2 and object_type = $3";
        Ok(
            with_pool!(self, pool => sqlx::query_scalar(sql).bind(tenant).bind(connection).bind(object).fetch_optional(pool).await?),
        )
    }

    /// When each cursor of a connection last moved.
    ///
    /// # Errors
    /// On database errors.
    pub async fn cursor_times(
        &self,
        tenant: &str,
        connection: &str,
    ) -> Result<Vec<(String, Timestamp)>, StoreError> {
        let sql = "select object_type, updated_at from sync_cursor where tenant_id = $1 and connection = $2 order by object_type";
        Ok(
            with_pool!(self, pool => sqlx::query_as(sql).bind(tenant).bind(connection).fetch_all(pool).await?),
        )
    }

    /// Remote ids of linked local records, by local id.
    ///
    /// # Errors
    /// On database errors.
    pub async fn remote_ids(
        &self,
        tenant: &str,
        entity: &str,
        connection: &str,
        local_ids: &[i64],
    ) -> Result<HashMap<i64, String>, StoreError> {
        let mut out = HashMap::new();
        for chunk in local_ids.chunks(500) {
            let rows: Vec<(i64, String)> = self
                .link_pairs(
                    "local_id, remote_id",
                    "local_id",
                    "bigint",
                    tenant,
                    entity,
                    connection,
                    chunk,
                )
                .await?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Local ids of linked remote records, by remote id.
    ///
    /// # Errors
    /// On database errors.
    pub async fn local_ids(
        &self,
        tenant: &str,
        entity: &str,
        connection: &str,
        remote_ids: &[String],
    ) -> Result<HashMap<String, i64>, StoreError> {
        let mut out = HashMap::new();
        for chunk in remote_ids.chunks(500) {
            let rows: Vec<(String, i64)> = self
                .link_pairs(
                    "remote_id, local_id",
                    "remote_id",
                    "text",
                    tenant,
                    entity,
                    connection,
                    chunk,
                )
                .await?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Links whose `column` is one of `ids` (bound as one JSON array), as `select` pairs.
    #[allow(clippy::too_many_arguments)]
    async fn link_pairs<T, I>(
        &self,
        select: &str,
        column: &str,
        pg_type: &str,
        tenant: &str,
        entity: &str,
        connection: &str,
        ids: &[I],
    ) -> Result<Vec<T>, StoreError>
    where
        I: serde::Serialize,
        T: Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        let ids = serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_owned());
        let list = match self.backend() {
            super::super::Backend::Sqlite => "select value from json_each($4)".to_owned(),
            super::super::Backend::Postgres => {
                format!("select jsonb_array_elements_text($4::jsonb)::{pg_type}")
            }
        };
        let sql = format!(
            "select {select} from entity_link where tenant_id = $1 and entity = $2 and connection = $3 and {column} in ({list})"
        );
        Ok(
            with_pool!(self, pool => sqlx::query_as(&sql).bind(tenant).bind(entity).bind(connection).bind(&ids).fetch_all(pool).await?),
        )
    }

    /// Number of links of an entity on a connection.
    ///
    /// # Errors
    /// On database errors.
    pub async fn link_count(
        &self,
        tenant: &str,
        entity: &str,
        connection: &str,
    ) -> Result<i64, StoreError> {
        let sql = "select count(*) from entity_link where tenant_id = $1 and entity = $2 and connection = $3";
        Ok(
            with_pool!(self, pool => sqlx::query_scalar(sql).bind(tenant).bind(entity).bind(connection).fetch_one(pool).await?),
        )
    }
}

impl Store {
    /// The link of a local record (outside a transaction).
    ///
    /// # Errors
    /// On database errors.
    pub async fn link_of_local(
        &self,
        tenant: &str,
        entity: &str,
        connection: &str,
        local_id: i64,
    ) -> Result<Option<Link>, StoreError> {
        let sql = format!(
            "select {LINK_COLUMNS} from entity_link where tenant_id = $1 and entity = $2 and connection = $3 and local_id = $4"
        );
        let row: Option<LinkRow> = with_pool!(self, pool => sqlx::query_as(&sql).bind(tenant).bind(entity).bind(connection).bind(local_id).fetch_optional(pool).await?);
        Ok(row.map(Link::from))
    }

    /// Local ids joined to a deal or activity (`deal_contact`, `activity_contact`).
    ///
    /// # Errors
    /// On database errors.
    pub async fn joined_contacts(
        &self,
        table: &str,
        owner_column: &str,
        id: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let sql =
            format!("select contact_id from {table} where {owner_column} = $1 order by contact_id");
        Ok(with_pool!(self, pool => sqlx::query_scalar(&sql).bind(id).fetch_all(pool).await?))
    }
}

impl Store {
    /// A few linked companies: local id, key, remote id, name (for the demo's tour).
    ///
    /// # Errors
    /// On database errors.
    pub async fn sync_examples(
        &self,
        tenant: &str,
        limit: i64,
    ) -> Result<Vec<(i64, String, String, String)>, StoreError> {
        let sql = "select c.company_id, coalesce(c.registration_key, ''), l.remote_id, c.name from company c \
                   join entity_link l on l.tenant_id = c.tenant_id and l.entity = 'company' and l.local_id = c.company_id \
                   where c.tenant_id = $1 order by c.company_id limit $2";
        Ok(
            with_pool!(self, pool => sqlx::query_as(sql).bind(tenant).bind(limit).fetch_all(pool).await?),
        )
    }
}
