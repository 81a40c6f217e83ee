//! Merging validated rows into the store, all in one transaction, written by the import's
//! [`Writer`] task while the next rows are parsed and matched.
//!
//! Customers merge by Customer ID, else by Domain (only onto a customer without another
//! Customer ID); contacts by Contact ID, else by e-mail (likewise). The customers' merge
//! keys are loaded once (`index.rs`) and kept current as rows create records, so a file
//! that names a record twice updates it instead of duplicating it. Stored contacts are read
//! chunk by chunk through their unique indexes, only for keys the store may hold
//! ([`StoredKeys`]); what the import does to a contact key is remembered only when a later
//! row may name it ([`FirstPass`], a pass over the file's key columns beside the merge).
//!
//! A row matching a record updates it (a soft-deleted one is restored), or counts as
//! unchanged when nothing differs; `Deleted` soft-deletes (already deleted = unchanged;
//! unknown = rejected). New customers get the status `client`. Unique keys (Customer ID,
//! SIRET, Contact ID, e-mail) are checked before writing, so a conflict rejects the row
//! instead of aborting the transaction.
//!
//! Rows go by chunks of [`CHUNK`]: validated, matched, the matched records read in one
//! statement, then merged in file order. New records wait in a batch of [`INSERT_BATCH`]
//! for one multi-row insert, under a negative placeholder id; the insert's ids come back
//! later (at most [`IN_FLIGHT`] inserts wait for theirs), and a row that matches a record not
//! inserted yet waits for them. A dry run never writes: its new records keep placeholder ids.

use std::collections::{HashMap, HashSet, VecDeque};

use tokio::sync::oneshot;

use crate::store::company::{Company, CompanyFields};
use crate::store::contact::{Contact, ContactFields};
use crate::store::import_support::{BoundRows, EntitySql, ImportTx, UniqueKey};
use crate::store::{Entity, FieldError, Store};

use super::columns::{ColumnMap, Field};
use super::first_pass::FirstPass;
use super::index::{Index, Key, KeyMap, load_index, load_refs};
use super::key_filters::{Namespace, StoredKeys};
use super::report::{ImportReport, MAX_REPORTED_ERRORS, RejectSink, RejectedRow, RowError};
use super::rows::{self, CompanyRow, ContactRow, Refs};
use super::writer::{Desk, Writer};
use super::{ImportError, ImportKind, PreparedImport, Progress};

/// Rows between two progress updates.
const PROGRESS_EVERY: u64 = 1000;
/// Records created per multi-row insert.
const INSERT_BATCH: usize = 200;
/// Multi-row inserts of one entity sent to the writer and not yet answered, at most.
const IN_FLIGHT: usize = 4;
/// Rows read, validated and matched together; the records they match are read in one
/// statement.
const CHUNK: usize = 500;

/// A row validated ahead of its merge.
enum Parsed {
    Company(Result<CompanyRow, Vec<RowError>>),
    Contact(Result<ContactRow, Vec<RowError>>),
}

/// Records inserted by the writer, handed back with their ids (in the same order) so that
/// their keys get the real ids, and so that they are freed on the thread that made them.
type Inserted<F> = oneshot::Receiver<(Vec<(i64, F)>, Vec<i64>)>;

/// New records of one entity on their way to the store.
struct Queue<F> {
    /// Records to create, with their placeholder (negative) id, not yet sent to the writer.
    pending: Vec<(i64, F)>,
    /// Inserts sent to the writer whose ids have not come back yet.
    inserting: VecDeque<Inserted<F>>,
}

impl<F> Default for Queue<F> {
    fn default() -> Self {
        Self {
            pending: Vec::new(),
            inserting: VecDeque::new(),
        }
    }
}

/// What the merge needs to know of an entity it writes.
trait Merged: Entity<Fields: 'static> + 'static {
    /// The entity's queue in the engine.
    fn queue<'e>(engine: &'e mut Engine<'_>) -> &'e mut Queue<Self::Fields>;
    /// The entity's statements on the writer's desk.
    fn sql(desk: &mut Desk) -> (&mut ImportTx, &mut EntitySql, &str);
    /// Points the keys of `fields`, created under `placeholder`, at `id`.
    fn repoint(index: &mut Index, fields: &Self::Fields, placeholder: i64, id: i64);
}

impl Merged for Company {
    fn queue<'e>(engine: &'e mut Engine<'_>) -> &'e mut Queue<CompanyFields> {
        &mut engine.companies
    }
    fn sql(d: &mut Desk) -> (&mut ImportTx, &mut EntitySql, &str) {
        (&mut d.tx, &mut d.company_sql, &d.tenant)
    }
    fn repoint(index: &mut Index, fields: &CompanyFields, placeholder: i64, id: i64) {
        if let Some(e) = &fields.external_id {
            index.company_by_ext.repoint(e, placeholder, id);
        }
        if let Some(d) = &fields.domain {
            index.company_by_domain.repoint(d, placeholder, id);
        }
        if let Some(rk) = &fields.registration_key
            && index.company_by_regkey.get(rk) == Some(placeholder)
        {
            index.company_by_regkey.insert(rk, id);
        }
    }
}

impl Merged for Contact {
    fn queue<'e>(engine: &'e mut Engine<'_>) -> &'e mut Queue<ContactFields> {
        &mut engine.contacts
    }
    fn sql(d: &mut Desk) -> (&mut ImportTx, &mut EntitySql, &str) {
        (&mut d.tx, &mut d.contact_sql, &d.tenant)
    }
    fn repoint(index: &mut Index, fields: &ContactFields, placeholder: i64, id: i64) {
        if let Some(e) = &fields.external_id {
            index.contact_by_ext.repoint(e, placeholder, id);
        }
        if let Some(e) = &fields.email {
            index
                .contact_by_email
                .repoint(&e.to_lowercase(), placeholder, id);
        }
    }
}

/// A contact's Contact ID, lower-cased e-mail and deleted state.
type KeyState = (Option<String>, Option<String>, bool);

/// What a contacts import knows of contact keys (see `key_filters.rs`).
struct ContactFilters {
    stored: StoredKeys,
    file: FirstPass,
}

/// The stored contacts the current chunk names, by their keys.
#[derive(Default)]
struct ChunkView {
    by_ext: KeyMap<Key>,
    by_email: KeyMap<Key>,
}

/// A row's outcome.
enum Outcome {
    Created,
    Updated,
    Deleted,
    Unchanged,
    Rejected(Vec<RowError>),
}

/// The merge of one import.
pub struct Engine<'a> {
    writer: Writer,
    tenant: String,
    /// The store is SQLite (else PostgreSQL).
    sqlite: bool,
    dry_run: bool,
    columns: ColumnMap,
    kind: ImportKind,
    refs: Refs,
    index: Index,
    /// Contacts import only.
    filters: Option<ContactFilters>,
    view: ChunkView,
    next_fake_id: i64,
    companies: Queue<CompanyFields>,
    contacts: Queue<ContactFields>,
    /// Stored records the current chunk matches, read ahead; taken when used.
    company_cache: HashMap<i64, CompanyFields>,
    contact_cache: HashMap<i64, ContactFields>,
    report: ImportReport,
    sink: &'a mut dyn RejectSink,
}

fn reject_one(line: u64, column: String, reason: impl Into<String>) -> Outcome {
    Outcome::Rejected(vec![RowError {
        line,
        column,
        reason: reason.into(),
    }])
}

impl<'a> Engine<'a> {
    /// Runs `prepared` against `store`.
    ///
    /// # Errors
    /// See [`PreparedImport::run`].
    pub async fn run(
        prepared: PreparedImport,
        store: &Store,
        sink: &'a mut dyn RejectSink,
        progress: &mut dyn Progress,
    ) -> Result<ImportReport, ImportError> {
        let PreparedImport {
            path,
            options,
            mut reader,
            columns,
        } = prepared;
        let mut tx = store.begin_import(options.dry_run).await?;
        tx.require_tenant(&options.tenant).await?;
        // A contacts import's first pass over the file runs while the tenant's data loads
        // and the merge starts (`first_pass.rs`).
        let first_pass = match options.kind {
            ImportKind::Customers => None,
            _ => Some(FirstPass::start(&mut reader, &path, &columns)?),
        };
        let refs = load_refs(&mut tx, &options.tenant, options.kind).await?;
        let index = load_index(&mut tx, &options.tenant).await?;
        let filters = match first_pass {
            None => None,
            Some(file) => Some(ContactFilters {
                stored: StoredKeys::load(&mut tx, &options.tenant).await?,
                file,
            }),
        };
        let sqlite = tx.is_sqlite();
        let writer = Writer::start(Desk {
            tx,
            tenant: options.tenant.clone(),
            company_sql: EntitySql::of::<Company>(),
            contact_sql: EntitySql::of::<Contact>(),
        });
        let mut engine = Engine {
            writer,
            tenant: options.tenant.clone(),
            sqlite,
            dry_run: options.dry_run,
            kind: options.kind,
            refs,
            index,
            filters,
            view: ChunkView::default(),
            next_fake_id: -1,
            companies: Queue::default(),
            contacts: Queue::default(),
            company_cache: HashMap::new(),
            contact_cache: HashMap::new(),
            report: ImportReport {
                kind: options.kind.as_str().to_owned(),
                dry_run: options.dry_run,
                warnings: columns.warnings.clone(),
                ..ImportReport::default()
            },
            columns,
            sink,
        };
        let mut chunk: Vec<(u64, Vec<String>, Parsed)> = Vec::with_capacity(CHUNK);
        // Cell vectors of merged rows, read into again: their strings keep their memory.
        let mut spare: Vec<Vec<String>> = Vec::with_capacity(CHUNK);
        loop {
            while chunk.len() < CHUNK {
                let mut cells = spare.pop().unwrap_or_default();
                let Some(line) = reader.next_row(&mut cells, &path)? else {
                    break;
                };
                let parsed = engine.parse(line, &cells);
                chunk.push((line, cells, parsed));
            }
            if chunk.is_empty() {
                break;
            }
            if engine.report.rows == 0 {
                engine.reserve_keys(chunk.len(), reader.fraction_read());
            }
            engine.settle_first_pass().await?;
            engine.prefetch(&chunk).await?;
            for (line, cells, parsed) in chunk.drain(..) {
                engine.report.rows += 1;
                let outcome = match parsed {
                    Parsed::Company(row) => engine.company(line, row).await?,
                    Parsed::Contact(row) => engine.contact(line, row).await?,
                };
                engine.count(line, outcome, &cells)?;
                spare.push(cells);
                if engine.report.rows.is_multiple_of(PROGRESS_EVERY) {
                    progress.update(engine.report.rows, reader.fraction_read());
                }
            }
            engine.company_cache.clear();
            engine.contact_cache.clear();
        }
        engine.flush().await?;
        engine.settle().await?;
        progress.update(engine.report.rows, 1.0);
        engine.writer.finish().await?.finish().await?;
        Ok(engine.report)
    }

    /// Sizes a customers import's key maps for the whole file, estimated from the share of
    /// it the first `rows` rows took (CSV: bytes read). Rows that update stored records make
    /// it over-reserve, by a few tens of bytes a row. (A contacts import keeps no such maps.)
    fn reserve_keys(&mut self, rows: usize, fraction: f64) {
        if self.kind == ImportKind::Customers && fraction > 0.0 && fraction < 1.0 {
            // Far past any file this tool is for: a wrong guess must not ask for terabytes.
            const MAX_ESTIMATE: f64 = 50_000_000.0;
            let estimate = (rows as f64 / fraction).min(MAX_ESTIMATE) as usize;
            self.index.reserve_customers(estimate);
        }
    }

    fn count(&mut self, line: u64, outcome: Outcome, cells: &[String]) -> Result<(), ImportError> {
        let r = &mut self.report;
        match outcome {
            Outcome::Created => r.created += 1,
            Outcome::Updated => r.updated += 1,
            Outcome::Deleted => r.deleted += 1,
            Outcome::Unchanged => r.unchanged += 1,
            Outcome::Rejected(errors) => {
                r.rejected += 1;
                let row = RejectedRow {
                    line,
                    errors,
                    cells: cells.to_vec(),
                };
                if r.rejected <= MAX_REPORTED_ERRORS as u64 {
                    r.errors.extend(row.errors.iter().cloned());
                }
                self.sink.reject(&row).map_err(ImportError::Sink)?;
            }
        }
        Ok(())
    }

    fn parse(&self, line: u64, cells: &[String]) -> Parsed {
        match self.kind {
            ImportKind::Customers => {
                Parsed::Company(rows::company_row(&self.columns, &self.refs, cells, line))
            }
            _ => Parsed::Contact(rows::contact_row(&self.columns, &self.refs, cells, line)),
        }
    }

    /// Reads the stored records the chunk's valid rows match, in one statement per
    /// [`CHUNK`] ids (contacts: first by their keys, see [`Engine::look_up_contacts`]).
    async fn prefetch(&mut self, chunk: &[(u64, Vec<String>, Parsed)]) -> Result<(), ImportError> {
        self.look_up_contacts(chunk).await?;
        let mut ids: Vec<i64> = chunk
            .iter()
            .filter_map(|(_, _, parsed)| match parsed {
                Parsed::Company(Ok(row)) => self.find_company(row),
                Parsed::Contact(Ok(row)) => self.find_contact(row),
                _ => None,
            })
            .map(|k| k.id)
            .filter(|id| *id > 0 && !self.contact_cache.contains_key(id))
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        ids.sort_unstable();
        ids.dedup();
        match self.kind {
            ImportKind::Customers => {
                let found: Vec<Company> = self
                    .writer
                    .call(move |d| {
                        Box::pin(async move {
                            d.tx.fetch_many(&mut d.company_sql, &d.tenant, &ids, CHUNK)
                                .await
                        })
                    })
                    .await?;
                self.company_cache
                    .extend(found.into_iter().map(|c| (c.company_id, c.fields)));
            }
            _ => {
                let found: Vec<Contact> = self
                    .writer
                    .call(move |d| {
                        Box::pin(async move {
                            d.tx.fetch_many(&mut d.contact_sql, &d.tenant, &ids, CHUNK)
                                .await
                        })
                    })
                    .await?;
                self.contact_cache
                    .extend(found.into_iter().map(|c| (c.contact_id, c.fields)));
            }
        }
        Ok(())
    }

    /// Reads the stored contacts the chunk's valid rows name by Contact ID or e-mail, when
    /// the store may hold that key and the import has not changed it: they make the chunk's
    /// [`ChunkView`] and are cached for the merge. One statement per key column. Nothing
    /// for a customers import.
    async fn look_up_contacts(
        &mut self,
        chunk: &[(u64, Vec<String>, Parsed)],
    ) -> Result<(), ImportError> {
        self.view = ChunkView::default();
        let Some(filters) = &self.filters else {
            return Ok(());
        };
        let (mut exts, mut emails, mut ids) = (Vec::new(), Vec::new(), Vec::new());
        for (_, _, parsed) in chunk {
            let Parsed::Contact(Ok(row)) = parsed else {
                continue;
            };
            if let Some(e) = &row.external_id
                && self.index.contact_by_ext.get(e).is_none()
                && filters.stored.may_hold(Namespace::ContactExt, e)
            {
                exts.push(e.clone());
            }
            if let Some(e) = &row.email
                && self.index.contact_by_email.get(e).is_none()
                && filters.stored.may_hold(Namespace::ContactEmail, e)
            {
                match filters.stored.unicode_email(e) {
                    Some(id) => ids.push(id),
                    None => emails.push(e.clone()),
                }
            }
        }
        if exts.is_empty() && emails.is_empty() && ids.is_empty() {
            return Ok(());
        }
        for keys in [&mut exts, &mut emails] {
            keys.sort_unstable();
            keys.dedup();
        }
        ids.sort_unstable();
        ids.dedup();
        let found: Vec<Contact> = self
            .writer
            .call(move |d| {
                Box::pin(async move {
                    let (tx, sql, tenant) = (&mut d.tx, &mut d.contact_sql, &d.tenant);
                    let mut found: Vec<Contact> = Vec::new();
                    if !ids.is_empty() {
                        found = tx.fetch_many(sql, tenant, &ids, CHUNK).await?;
                    }
                    if !exts.is_empty() {
                        found.extend(
                            tx.fetch_by_key(sql, tenant, UniqueKey::ExternalId, &exts, CHUNK)
                                .await?,
                        );
                    }
                    // An e-mail of a contact found by its Contact ID is that contact's
                    // alone: not read twice (a re-import names both keys of each row).
                    let have: HashSet<String> = found
                        .iter()
                        .filter_map(|c| c.fields.email.as_ref().map(|e| e.to_lowercase()))
                        .collect();
                    emails.retain(|e| !have.contains(e));
                    if !emails.is_empty() {
                        found.extend(
                            tx.fetch_by_key(sql, tenant, UniqueKey::Email, &emails, CHUNK)
                                .await?,
                        );
                    }
                    Ok(found)
                })
            })
            .await?;
        for c in found {
            let key = Key {
                id: c.contact_id,
                deleted: c.deleted_at.is_some(),
                has_external_id: c.fields.external_id.is_some(),
            };
            if let Some(e) = &c.fields.external_id {
                self.view.by_ext.insert(e, key);
            }
            if let Some(e) = &c.fields.email {
                self.view.by_email.insert(&e.to_lowercase(), key);
            }
            self.contact_cache.insert(c.contact_id, c.fields);
        }
        Ok(())
    }

    /// Where a contact key points: what this import did to it, else the stored contact
    /// of the chunk's view.
    fn contact_key(&self, ns: Namespace, key: &str) -> Option<Key> {
        let (done, view) = match ns {
            Namespace::ContactExt => (&self.index.contact_by_ext, &self.view.by_ext),
            Namespace::ContactEmail => (&self.index.contact_by_email, &self.view.by_email),
        };
        match done.get(key) {
            Some(k) => (k.id != 0).then_some(k),
            None => view.get(key),
        }
    }

    /// The stored fields of company `id`: read ahead, else read now (a record an earlier
    /// row of the chunk already changed is read again, so it is seen as changed).
    async fn company_fields(&mut self, id: i64) -> Result<CompanyFields, ImportError> {
        if let Some(fields) = self.company_cache.remove(&id) {
            return Ok(fields);
        }
        let record: Company = self
            .writer
            .call(move |d| Box::pin(async move { d.tx.fetch(&d.company_sql, &d.tenant, id).await }))
            .await?;
        Ok(record.fields)
    }

    /// As [`Engine::company_fields`], for contacts.
    async fn contact_fields(&mut self, id: i64) -> Result<ContactFields, ImportError> {
        if let Some(fields) = self.contact_cache.remove(&id) {
            return Ok(fields);
        }
        let record: Contact = self
            .writer
            .call(move |d| Box::pin(async move { d.tx.fetch(&d.contact_sql, &d.tenant, id).await }))
            .await?;
        Ok(record.fields)
    }

    fn fake_id(&mut self) -> i64 {
        self.next_fake_id -= 1;
        self.next_fake_id
    }

    fn field_error(&self, line: u64, e: &FieldError) -> Outcome {
        let field = match e.field.as_str() {
            "name" => Some(Field::Name),
            "domain" => Some(Field::Domain),
            "registration_key" | "registration_country" => Some(Field::Siret),
            "csm_pulse" => Some(Field::CsmPulse),
            "email" => Some(Field::Email),
            "additional_emails" => Some(Field::AdditionalEmails),
            "gender" => Some(Field::Gender),
            "nps_score" => Some(Field::NpsScore),
            _ => None,
        };
        let column = field.map_or_else(|| e.field.clone(), |f| self.columns.header_of(f));
        reject_one(line, column, e.reason.clone())
    }

    async fn company(
        &mut self,
        line: u64,
        parsed: Result<CompanyRow, Vec<RowError>>,
    ) -> Result<Outcome, ImportError> {
        let row: CompanyRow = match parsed {
            Ok(row) => row,
            Err(errors) => return Ok(Outcome::Rejected(errors)),
        };
        let mut found = self.find_company(&row);
        if !self.dry_run && found.is_some_and(|k| k.id < 0) {
            // A record this file creates, not inserted yet: insert it and learn its id.
            self.flush().await?;
            self.settle().await?;
            found = self.find_company(&row);
        }
        if row.deleted {
            return Ok(match found {
                None => reject_one(line, self.merge_column_company(&row), "no such customer"),
                Some(k) if k.deleted => Outcome::Unchanged,
                Some(k) => {
                    // Every key of the record is marked, not only the one the row used.
                    let keys = if k.id > 0 {
                        let stored = self.company_fields(k.id).await?;
                        if !same_company(&stored, &row) {
                            return Ok(collision(line, self.merge_column_company(&row)));
                        }
                        row_keys(&stored)
                    } else {
                        row
                    };
                    if !self.dry_run {
                        let id = k.id;
                        self.writer
                            .submit(move |d| {
                                Box::pin(async move {
                                    d.tx.soft_delete(&d.company_sql, &d.tenant, id).await?;
                                    Ok(())
                                })
                            })
                            .await?;
                    }
                    self.mark_company(&keys, k.id, true, None);
                    Outcome::Deleted
                }
            });
        }
        let (current, key) = match found {
            Some(k) if k.id > 0 => (Some(self.company_fields(k.id).await?), Some(k)),
            Some(k) => (None, Some(k)),
            None => (None, None),
        };
        if let Some(cur) = &current
            && !same_company(cur, &row)
        {
            return Ok(collision(line, self.merge_column_company(&row)));
        }
        let mut fields = current.clone().unwrap_or_else(|| CompanyFields {
            status: "client".to_owned(),
            ..CompanyFields::default()
        });
        if let Err(e) = Company::apply(row.patch, &mut fields) {
            return Ok(self.field_error(line, &e));
        }
        if let Err(e) = Company::check_complete(&fields) {
            return Ok(self.field_error(line, &e));
        }
        let own_id = key.map(|k| k.id);
        if let Some(e) = &fields.external_id
            && let Some(other) = self.index.company_by_ext.get(e)
            && Some(other.id) != own_id
        {
            let col = self.columns.header_of(Field::CustomerId);
            return Ok(reject_one(line, col, "already belongs to another customer"));
        }
        if let Some(rk) = &fields.registration_key
            && let Some(other) = self.index.company_by_regkey.get(rk)
            && Some(other) != own_id
        {
            let col = self.columns.header_of(Field::Siret);
            return Ok(reject_one(line, col, "already belongs to another customer"));
        }
        let outcome = match key {
            Some(k) if current.as_ref() == Some(&fields) && !k.deleted => {
                return Ok(Outcome::Unchanged);
            }
            Some(k) => (k.id, Outcome::Updated),
            None => (self.fake_id(), Outcome::Created),
        };
        if let Some(cur) = &current {
            // A key the stored customer gave up no longer finds it.
            if let Some(old) = cur
                .domain
                .as_deref()
                .filter(|o| Some(*o) != fields.domain.as_deref())
            {
                self.index
                    .company_by_domain
                    .release(&old.to_lowercase(), outcome.0);
            }
            if let Some(old) = cur
                .external_id
                .as_deref()
                .filter(|o| Some(*o) != fields.external_id.as_deref())
            {
                self.index.company_by_ext.release(old, outcome.0);
            }
        }
        self.mark_company(
            &row_keys(&fields),
            outcome.0,
            false,
            fields.registration_key.clone(),
        );
        if !self.dry_run {
            self.save::<Company>(outcome.0, fields).await?;
        }
        Ok(outcome.1)
    }

    fn find_company(&self, row: &CompanyRow) -> Option<Key> {
        let by_ext = row
            .external_id
            .as_ref()
            .and_then(|e| self.index.company_by_ext.get(e));
        by_ext.or_else(|| {
            let k = self.index.company_by_domain.get(row.domain.as_ref()?)?;
            // A domain match onto a customer with another Customer ID is another customer.
            (row.external_id.is_none() || !k.has_external_id).then_some(k)
        })
    }

    fn find_contact(&self, row: &ContactRow) -> Option<Key> {
        row.external_id
            .as_ref()
            .and_then(|e| self.contact_key(Namespace::ContactExt, e))
            .or_else(|| {
                let k = self.contact_key(Namespace::ContactEmail, row.email.as_ref()?)?;
                // An e-mail match onto a contact with another Contact ID is another contact.
                (row.external_id.is_none() || !k.has_external_id).then_some(k)
            })
    }

    /// Writes record `id`, or queues it for insertion under its placeholder id.
    async fn save<E: Merged>(&mut self, id: i64, fields: E::Fields) -> Result<(), ImportError> {
        if id < 0 {
            let queue = E::queue(self);
            queue.pending.push((id, fields));
            if queue.pending.len() >= INSERT_BATCH {
                self.flush().await?;
            }
            return Ok(());
        }
        self.writer
            .submit(move |d| {
                Box::pin(async move {
                    let (tx, sql, tenant) = E::sql(d);
                    tx.write::<E>(sql, tenant, id, &fields).await
                })
            })
            .await?;
        Ok(())
    }

    /// Sends the pending records to the writer, without waiting for their ids.
    async fn flush(&mut self) -> Result<(), ImportError> {
        self.send_pending::<Company>().await?;
        self.send_pending::<Contact>().await?;
        // Bounds the rows held in flight, which come back with their ids.
        self.settle_down_to(IN_FLIGHT).await
    }

    /// Sends the pending records of `E` as one multi-row insert.
    async fn send_pending<E: Merged>(&mut self) -> Result<(), ImportError> {
        let batch = std::mem::take(&mut E::queue(self).pending);
        if batch.is_empty() {
            return Ok(());
        }
        let rows: Vec<&E::Fields> = batch.iter().map(|(_, f)| f).collect();
        let bound = BoundRows::bind::<E>(self.sqlite, &self.tenant, &rows)?;
        let (reply, inserted) = oneshot::channel();
        self.writer
            .submit(move |d| {
                Box::pin(async move {
                    let (tx, sql, tenant) = E::sql(d);
                    let ids = tx.insert_bound::<E>(sql, tenant, bound).await?;
                    let _ = reply.send((batch, ids));
                    Ok(())
                })
            })
            .await?;
        E::queue(self).inserting.push_back(inserted);
        Ok(())
    }

    /// Waits for the records sent to the writer and gives their keys the real ids.
    async fn settle(&mut self) -> Result<(), ImportError> {
        self.settle_down_to(0).await
    }

    /// As [`Engine::settle`], for the oldest inserts, until at most `keep` of each entity
    /// remain in flight.
    async fn settle_down_to(&mut self, keep: usize) -> Result<(), ImportError> {
        self.settle_entity::<Company>(keep).await?;
        self.settle_entity::<Contact>(keep).await
    }

    async fn settle_entity<E: Merged>(&mut self, keep: usize) -> Result<(), ImportError> {
        while E::queue(self).inserting.len() > keep {
            let Some(inserted) = E::queue(self).inserting.pop_front() else {
                break;
            };
            let (batch, ids) = self.writer.answer(inserted).await?;
            for ((placeholder, fields), id) in batch.iter().zip(ids) {
                E::repoint(&mut self.index, fields, *placeholder, id);
            }
        }
        Ok(())
    }

    fn merge_column_contact(&self, row: &ContactRow) -> String {
        if row.external_id.is_some() {
            self.columns.header_of(Field::ContactId)
        } else {
            self.columns.header_of(Field::Email)
        }
    }

    fn merge_column_company(&self, row: &CompanyRow) -> String {
        if row.external_id.is_some() {
            self.columns.header_of(Field::CustomerId)
        } else {
            self.columns.header_of(Field::Domain)
        }
    }

    fn mark_company(&mut self, row: &CompanyRow, id: i64, deleted: bool, regkey: Option<String>) {
        let has_external_id = row.external_id.is_some();
        let key = Key {
            id,
            deleted,
            has_external_id,
        };
        if let Some(e) = &row.external_id {
            self.index.company_by_ext.insert(e, key);
        }
        if let Some(d) = &row.domain {
            match self.index.company_by_domain.get(d) {
                None => self.index.company_by_domain.insert(d, key),
                Some(entry) if entry.id == id || entry.deleted => {
                    self.index.company_by_domain.insert(
                        d,
                        Key {
                            has_external_id: entry.has_external_id || has_external_id,
                            ..key
                        },
                    );
                }
                Some(_) => {}
            }
        }
        if let Some(rk) = regkey {
            self.index.company_by_regkey.insert(&rk, id);
        }
    }

    async fn contact(
        &mut self,
        line: u64,
        parsed: Result<ContactRow, Vec<RowError>>,
    ) -> Result<Outcome, ImportError> {
        let mut row: ContactRow = match parsed {
            Ok(row) => row,
            Err(errors) => return Ok(Outcome::Rejected(errors)),
        };
        let mut found = self.find_contact(&row);
        if !self.dry_run && found.is_some_and(|k| k.id < 0) {
            self.flush().await?;
            self.settle().await?;
            found = self.find_contact(&row);
        }
        if row.deleted {
            return Ok(match found {
                None => {
                    let field = if row.external_id.is_some() {
                        Field::ContactId
                    } else {
                        Field::Email
                    };
                    reject_one(line, self.columns.header_of(field), "no such contact")
                }
                Some(k) if k.deleted => Outcome::Unchanged,
                Some(k) => {
                    let before = if k.id > 0 {
                        let fields = self.contact_fields(k.id).await?;
                        if !same_contact(&fields, &row) {
                            return Ok(collision(line, self.merge_column_contact(&row)));
                        }
                        let email = fields.email.map(|e| e.to_lowercase());
                        (fields.external_id, email, false)
                    } else {
                        (row.external_id.clone(), row.email.clone(), false)
                    };
                    if !self.dry_run {
                        let id = k.id;
                        self.writer
                            .submit(move |d| {
                                Box::pin(async move {
                                    d.tx.soft_delete(&d.contact_sql, &d.tenant, id).await?;
                                    Ok(())
                                })
                            })
                            .await?;
                    }
                    let after = (before.0.clone(), before.1.clone(), true);
                    let own = (row.external_id.as_deref(), row.email.as_deref());
                    self.mark_contact(k.id, Some(before), after, own);
                    Outcome::Deleted
                }
            });
        }
        let company = match self.customer_of(&row, line) {
            Ok(id) => id,
            Err(outcome) => return Ok(outcome),
        };
        row.patch.company_id = Some(Some(company));
        let (current, key) = match found {
            Some(k) if k.id > 0 => (Some(self.contact_fields(k.id).await?), Some(k)),
            Some(k) => (None, Some(k)),
            None => (None, None),
        };
        if let Some(cur) = &current
            && !same_contact(cur, &row)
        {
            return Ok(collision(line, self.merge_column_contact(&row)));
        }
        let mut fields = current.clone().unwrap_or_default();
        if let Err(e) = Contact::apply(row.patch, &mut fields) {
            return Ok(self.field_error(line, &e));
        }
        if let Err(e) = Contact::check_complete(&fields) {
            return Ok(self.field_error(line, &e));
        }
        let own_id = key.map(|k| k.id);
        if let Some(e) = &fields.external_id
            && let Some(other) = self.contact_key(Namespace::ContactExt, e)
            && Some(other.id) != own_id
        {
            let col = self.columns.header_of(Field::ContactId);
            return Ok(reject_one(line, col, "already belongs to another contact"));
        }
        // The row's e-mail key is the lower-cased e-mail the patch just set.
        let email = row
            .email
            .clone()
            .or_else(|| fields.email.as_ref().map(|e| e.to_lowercase()));
        if let Some(e) = &email
            && let Some(other) = self.contact_key(Namespace::ContactEmail, e)
            && Some(other.id) != own_id
        {
            let col = self.columns.header_of(Field::Email);
            return Ok(reject_one(line, col, "already belongs to another contact"));
        }
        let (id, outcome) = match key {
            Some(k) if current.as_ref() == Some(&fields) && !k.deleted => {
                return Ok(Outcome::Unchanged);
            }
            Some(k) => (k.id, Outcome::Updated),
            None => (self.fake_id(), Outcome::Created),
        };
        let before = current.as_ref().zip(key).map(|(c, k)| {
            let email = c.email.as_ref().map(|e| e.to_lowercase());
            (c.external_id.clone(), email, k.deleted)
        });
        let after = (fields.external_id.clone(), email, false);
        let own = (row.external_id.as_deref(), row.email.as_deref());
        self.mark_contact(id, before, after, own);
        if !self.dry_run {
            self.save::<Contact>(id, fields).await?;
        }
        Ok(outcome)
    }

    /// The contact's customer: by Customer ID, else by Customer domain; never a deleted one.
    fn customer_of(&self, row: &ContactRow, line: u64) -> Result<i64, Outcome> {
        let live = |k: Option<Key>| k.filter(|k| !k.deleted).map(|k| k.id);
        if let Some(id) = live(
            row.customer_id
                .as_ref()
                .and_then(|e| self.index.company_by_ext.get(e)),
        ) {
            return Ok(id);
        }
        if let Some(id) = live(
            row.customer_domain
                .as_ref()
                .and_then(|d| self.index.company_by_domain.get(d)),
        ) {
            return Ok(id);
        }
        let field = if row.customer_id.is_some() {
            Field::CustomerId
        } else {
            Field::CustomerDomain
        };
        Err(reject_one(
            line,
            self.columns.header_of(field),
            "no such customer: import the customer first",
        ))
    }

    /// Remembers what the import did to the keys of contact `id` (`before` → `after`), for
    /// the later rows that may name them: a key the row names (`own`: Contact ID, e-mail),
    /// when the file names it again;
    /// any other key (one the contact gave up, or its other key), when the file names it at
    /// all. A key the contact gave up then points nowhere (id 0).
    fn mark_contact(
        &mut self,
        id: i64,
        before: Option<KeyState>,
        after: KeyState,
        own: (Option<&str>, Option<&str>),
    ) {
        if before.as_ref() == Some(&after) {
            return;
        }
        let Some(filters) = &mut self.filters else {
            return;
        };
        let index = &mut self.index;
        let (ext, email, deleted) = after;
        let key = Key {
            id,
            deleted,
            has_external_id: ext.is_some(),
        };
        let (old_ext, old_email) = before.map(|(e, m, _)| (e, m)).unwrap_or_default();
        for (ns, old, new, own) in [
            (Namespace::ContactExt, old_ext, ext, own.0),
            (Namespace::ContactEmail, old_email, email, own.1),
        ] {
            let map = match ns {
                Namespace::ContactExt => &mut index.contact_by_ext,
                Namespace::ContactEmail => &mut index.contact_by_email,
            };
            if let Some(o) = old.as_deref()
                && old != new
                && filters.file.later(ns, o, own == Some(o))
            {
                map.insert(o, Key { id: 0, ..key });
            }
            if let Some(n) = new.as_deref()
                && filters.file.later(ns, n, own == Some(n))
            {
                map.insert(n, key);
            }
        }
    }

    /// Takes the first pass's result once it is there, and forgets what the merge
    /// remembered meanwhile of keys no later row names.
    async fn settle_first_pass(&mut self) -> Result<(), ImportError> {
        let Some(filters) = &mut self.filters else {
            return Ok(());
        };
        for (ns, key) in filters.file.settle().await? {
            match ns {
                Namespace::ContactExt => self.index.contact_by_ext.forget(&key),
                Namespace::ContactEmail => self.index.contact_by_email.forget(&key),
            }
        }
        Ok(())
    }
}

/// Whether the stored company really has the key the row was matched by (the index holds
/// key digests; see `index.rs`).
fn same_company(stored: &CompanyFields, row: &CompanyRow) -> bool {
    (row.external_id.is_some() && stored.external_id == row.external_id)
        || row.domain.as_ref().is_some_and(|d| {
            stored
                .domain
                .as_ref()
                .is_some_and(|s| s.eq_ignore_ascii_case(d))
        })
}

/// As [`same_company`], for contacts.
fn same_contact(stored: &ContactFields, row: &ContactRow) -> bool {
    (row.external_id.is_some() && stored.external_id == row.external_id)
        || row.email.as_ref().is_some_and(|e| {
            stored
                .email
                .as_ref()
                .is_some_and(|s| s.to_lowercase() == *e)
        })
}

/// Two keys share a digest: refuse to merge rather than merge into the wrong record.
fn collision(line: u64, column: String) -> Outcome {
    reject_one(
        line,
        column,
        "cannot be matched safely (two keys share one index digest); import this row on its own",
    )
}

/// The merge keys of stored fields, shaped as a row.
fn row_keys(fields: &CompanyFields) -> CompanyRow {
    CompanyRow {
        external_id: fields.external_id.clone(),
        domain: fields.domain.clone(),
        ..CompanyRow::default()
    }
}
