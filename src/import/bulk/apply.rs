//! Importing an `[old]`/`[new]` file back: the header's value columns are checked against
//! the tenant's criteria (or authorization names) before any row; then, in one
//! [`ImportTx`], each row's contact is found by Contact ID, else e-mail; every non-empty
//! `[new]` cell is validated (criterion value codes must exist; booleans in the accepted
//! forms) and compared with the stored value through its `[old]` cell. A row with a
//! conflict is reported and skipped unless `force` is set.

use std::collections::{BTreeMap, HashMap};

use crate::import::columns::Field;
use crate::import::index::{Key, KeyMap};
use crate::import::report::{ImportReport, MAX_REPORTED_ERRORS, RejectedRow, RowError};
use crate::import::{ImportError, PreparedImport, Progress, RejectSink};
use crate::store::Store;
use crate::store::contact::{Contact, ContactFields};
use crate::store::import_support::{EntitySql, ImportTx};

use super::{BulkKind, parse_bool, split_header, unneutralize};

/// Rows matched and read together.
const CHUNK: usize = 500;
/// Valid values listed in an error before it refers to `crmsync reference list`.
const MAX_LISTED: usize = 20;

/// One criterion or authorization of the file: its code and columns.
#[derive(Debug, Clone)]
struct Pair {
    code: String,
    old: usize,
    new: usize,
    /// Criteria: the valid value codes; authorizations: empty.
    values: Vec<String>,
}

/// A validated change of one row.
struct Change {
    pair: usize,
    old: Option<String>,
    new: String,
}

/// A row ready to be compared with its contact.
struct Planned {
    line: u64,
    cells: Vec<String>,
    plan: Result<(i64, Vec<Change>), Vec<RowError>>,
}

/// Lists valid codes for an error message.
fn listed(codes: &[String], what: &str) -> String {
    if codes.is_empty() {
        return format!("this tenant has no {what}");
    }
    let mut text = codes
        .iter()
        .take(MAX_LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if codes.len() > MAX_LISTED {
        text.push_str(&format!(", … ({} in all)", codes.len()));
    }
    format!("valid: {text}")
}

/// Resolves `name` among `codes`: exactly, else ignoring case.
fn resolve<'a>(codes: &'a [String], name: &str) -> Option<&'a String> {
    codes
        .iter()
        .find(|c| c.as_str() == name)
        .or_else(|| codes.iter().find(|c| c.eq_ignore_ascii_case(name)))
}

async fn pairs(
    store: &Store,
    tenant: &str,
    kind: BulkKind,
    header: &[String],
) -> Result<Vec<Pair>, ImportError> {
    let catalog: Vec<(String, Vec<String>)> = match kind {
        BulkKind::Criteria => store
            .criteria(tenant)
            .await?
            .into_iter()
            .map(|c| (c.code, c.values.into_iter().map(|v| v.0).collect()))
            .collect(),
        BulkKind::Authorizations => store
            .authorization_names(tenant)
            .await?
            .into_iter()
            .map(|(name, _)| (name, Vec::new()))
            .collect(),
    };
    let codes: Vec<String> = catalog.iter().map(|(c, _)| c.clone()).collect();
    let what = match kind {
        BulkKind::Criteria => "criterion",
        BulkKind::Authorizations => "authorization",
    };
    let mut found: BTreeMap<String, (Option<usize>, Option<usize>)> = BTreeMap::new();
    for (col, h) in header.iter().enumerate() {
        let Some((is_new, name)) = split_header(h) else {
            continue;
        };
        let code = resolve(&codes, name).ok_or_else(|| {
            ImportError::Mapping(format!(
                "column {h:?}: {name:?} is no {what} of this tenant ({}; see `crmsync reference list {}`)",
                listed(&codes, kind.as_str()),
                kind.as_str()
            ))
        })?;
        let entry = found.entry(code.clone()).or_default();
        if is_new {
            entry.1 = Some(col);
        } else {
            entry.0 = Some(col);
        }
    }
    let mut out = Vec::new();
    for (code, (old, new)) in found {
        let Some(new) = new else { continue };
        let Some(old) = old else {
            return Err(ImportError::MissingColumns(format!(
                "[old] {code} (it tells whether [new] {code} conflicts with a later change)"
            )));
        };
        let values = catalog
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        out.push(Pair {
            code,
            old,
            new,
            values,
        });
    }
    if out.is_empty() {
        return Err(ImportError::MissingColumns(format!(
            "[new] {what} columns (export a template with `crmsync export template {}`)",
            kind.as_str()
        )));
    }
    Ok(out)
}

/// The stored value of `code`, as a cell would hold it.
fn stored(kind: BulkKind, fields: &ContactFields, code: &str) -> Option<String> {
    match kind {
        BulkKind::Criteria => fields.criteria.get(code).cloned(),
        BulkKind::Authorizations => fields.authorizations.get(code).map(ToString::to_string),
    }
}

/// Keys of the tenant's contacts: Contact ID and lower-cased e-mail → contact, as digests
/// (see `import/index.rs`); a match is checked against the contact read back.
type Keys = (KeyMap<Key>, KeyMap<Key>);

struct Run<'a> {
    kind: BulkKind,
    force: bool,
    dry_run: bool,
    tenant: String,
    pairs: Vec<Pair>,
    keys: Keys,
    tx: ImportTx,
    sql: EntitySql,
    report: ImportReport,
    sink: &'a mut dyn RejectSink,
}

impl Run<'_> {
    fn plan(
        &self,
        prepared_columns: &crate::import::ColumnMap,
        line: u64,
        cells: &[String],
    ) -> Result<(i64, Vec<Change>), Vec<RowError>> {
        let fail = |column: String, reason: String| RowError {
            line,
            column,
            reason,
        };
        let ext = prepared_columns
            .cell(cells, Field::ContactId)
            .map(unneutralize);
        let email = prepared_columns.cell(cells, Field::Email).map(unneutralize);
        let found = ext
            .and_then(|e| self.keys.0.get(e))
            .or_else(|| email.and_then(|e| self.keys.1.get(&e.to_lowercase())));
        let key_column = if ext.is_some() {
            prepared_columns.header_of(Field::ContactId)
        } else {
            prepared_columns.header_of(Field::Email)
        };
        let id = match found {
            None if ext.is_none() && email.is_none() => {
                return Err(vec![fail(
                    key_column,
                    "Contact ID or Email is required".into(),
                )]);
            }
            None => return Err(vec![fail(key_column, "no such contact".into())]),
            Some(k) if k.deleted => {
                return Err(vec![fail(key_column, "the contact is deleted".into())]);
            }
            Some(k) => k.id,
        };
        let header = prepared_columns.headers();
        let mut errors = Vec::new();
        let mut changes = Vec::new();
        for (i, pair) in self.pairs.iter().enumerate() {
            let cell = |col: usize| unneutralize(cells.get(col).map_or("", |c| c.trim())).trim();
            let new = cell(pair.new);
            if new.is_empty() {
                continue;
            }
            let col_name = |col: usize| header.get(col).cloned().unwrap_or_default();
            let old = cell(pair.old);
            let (old, new) = match self.kind {
                BulkKind::Criteria => {
                    let Some(code) = resolve(&pair.values, new) else {
                        errors.push(fail(
                            col_name(pair.new),
                            format!(
                                "unknown code {new:?} for criterion {} ({}; see `crmsync reference list criteria`)",
                                pair.code,
                                listed(&pair.values, "value codes")
                            ),
                        ));
                        continue;
                    };
                    ((!old.is_empty()).then(|| old.to_owned()), code.clone())
                }
                BulkKind::Authorizations => {
                    let old = match parse_bool(old) {
                        Ok(v) => v.map(|b| b.to_string()),
                        Err(reason) => {
                            errors.push(fail(col_name(pair.old), reason.to_owned()));
                            continue;
                        }
                    };
                    match parse_bool(new) {
                        Ok(Some(b)) => (old, b.to_string()),
                        Ok(None) => continue,
                        Err(reason) => {
                            errors.push(fail(col_name(pair.new), reason.to_owned()));
                            continue;
                        }
                    }
                }
            };
            changes.push(Change { pair: i, old, new });
        }
        if errors.is_empty() {
            Ok((id, changes))
        } else {
            Err(errors)
        }
    }

    fn reject(&mut self, row: RejectedRow) -> Result<(), ImportError> {
        if self.report.rejected + self.report.conflicts <= MAX_REPORTED_ERRORS as u64 {
            self.report.errors.extend(row.errors.iter().cloned());
        }
        self.sink.reject(&row).map_err(ImportError::Sink)
    }

    async fn chunk(
        &mut self,
        columns: &crate::import::ColumnMap,
        chunk: Vec<Planned>,
    ) -> Result<(), ImportError> {
        let mut ids: Vec<i64> = chunk
            .iter()
            .filter_map(|p| p.plan.as_ref().ok().map(|(id, _)| *id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut current: HashMap<i64, ContactFields> = HashMap::new();
        if !ids.is_empty() {
            let found: Vec<Contact> = self
                .tx
                .fetch_many(&mut self.sql, &self.tenant, &ids, CHUNK)
                .await?;
            current.extend(found.into_iter().map(|c| (c.contact_id, c.fields)));
        }
        for Planned { line, cells, plan } in chunk {
            self.report.rows += 1;
            let (id, changes) = match plan {
                Ok(p) => p,
                Err(errors) => {
                    self.report.rejected += 1;
                    self.reject(RejectedRow {
                        line,
                        errors,
                        cells,
                    })?;
                    continue;
                }
            };
            let mut fields = match current.remove(&id) {
                Some(fields) => fields,
                None => {
                    let c: Contact = self.tx.fetch(&self.sql, &self.tenant, id).await?;
                    c.fields
                }
            };
            if !matches_key(columns, &cells, &fields) {
                self.report.rejected += 1;
                let column = columns.header_of(Field::Email);
                self.reject(RejectedRow {
                    line,
                    errors: vec![RowError {
                        line,
                        column,
                        reason: "cannot be matched safely (two keys share one index digest); import this row on its own".into(),
                    }],
                    cells,
                })?;
                current.insert(id, fields);
                continue;
            }
            let before = fields.clone();
            let mut conflicts = Vec::new();
            for change in &changes {
                let pair = &self.pairs[change.pair];
                let now = stored(self.kind, &before, &pair.code);
                if now != change.old {
                    conflicts.push(RowError {
                        line,
                        column: columns.headers().get(pair.old).cloned().unwrap_or_default(),
                        reason: format!(
                            "conflict: the stored value is now {:?}, the file expected {:?}; export again or use --force",
                            now.unwrap_or_default(),
                            change.old.clone().unwrap_or_default()
                        ),
                    });
                }
                match self.kind {
                    BulkKind::Criteria => {
                        fields
                            .criteria
                            .insert(pair.code.clone(), change.new.clone());
                    }
                    BulkKind::Authorizations => {
                        fields
                            .authorizations
                            .insert(pair.code.clone(), change.new == "true");
                    }
                }
            }
            if !conflicts.is_empty() {
                self.report.conflicts += 1;
                if !self.force {
                    self.reject(RejectedRow {
                        line,
                        errors: conflicts,
                        cells,
                    })?;
                    current.insert(id, before);
                    continue;
                }
            }
            if fields == before {
                self.report.unchanged += 1;
            } else {
                if !self.dry_run {
                    self.tx
                        .write::<Contact>(&self.sql, &self.tenant, id, &fields)
                        .await?;
                }
                self.report.updated += 1;
            }
            current.insert(id, fields);
        }
        Ok(())
    }
}

/// Whether the contact read back has the Contact ID or e-mail of the row.
fn matches_key(
    columns: &crate::import::ColumnMap,
    cells: &[String],
    stored: &ContactFields,
) -> bool {
    let ext = columns.cell(cells, Field::ContactId).map(unneutralize);
    let email = columns.cell(cells, Field::Email).map(unneutralize);
    (ext.is_some() && stored.external_id.as_deref() == ext)
        || email.is_some_and(|e| {
            stored
                .email
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(e) || s.to_lowercase() == e.to_lowercase())
        })
}

/// Runs a bulk update file.
///
/// # Errors
/// As [`PreparedImport::run`]; also [`ImportError::Mapping`] / [`ImportError::MissingColumns`]
/// for value columns that name no criterion (or authorization), before any row.
pub async fn run(
    prepared: PreparedImport,
    kind: BulkKind,
    store: &Store,
    sink: &mut dyn RejectSink,
    progress: &mut dyn Progress,
) -> Result<ImportReport, ImportError> {
    let PreparedImport {
        path,
        options,
        mut reader,
        columns,
    } = prepared;
    let pairs = pairs(store, &options.tenant, kind, reader.header()).await?;
    let mut tx = store.begin_import(options.dry_run).await?;
    tx.require_tenant(&options.tenant).await?;
    let mut keys: Keys = (KeyMap::default(), KeyMap::default());
    for c in tx.contact_keys(&options.tenant).await? {
        let key = Key {
            id: c.contact_id,
            deleted: c.deleted,
            has_external_id: c.external_id.is_some(),
        };
        if let Some(e) = c.external_id {
            keys.0.insert(&e, key);
        }
        if let Some(e) = c.email {
            keys.1.insert(&e.to_lowercase(), key);
        }
    }
    let mut run = Run {
        kind,
        force: options.force,
        dry_run: options.dry_run,
        tenant: options.tenant.clone(),
        pairs,
        keys,
        tx,
        sql: EntitySql::of::<Contact>(),
        report: ImportReport {
            kind: kind.as_str().to_owned(),
            dry_run: options.dry_run,
            warnings: columns.warnings.clone(),
            ..ImportReport::default()
        },
        sink,
    };
    let mut cells = Vec::new();
    loop {
        let mut chunk = Vec::with_capacity(CHUNK);
        while chunk.len() < CHUNK {
            let Some(line) = reader.next_row(&mut cells, &path)? else {
                break;
            };
            let plan = run.plan(&columns, line, &cells);
            chunk.push(Planned {
                line,
                cells: std::mem::take(&mut cells),
                plan,
            });
        }
        if chunk.is_empty() {
            break;
        }
        run.chunk(&columns, chunk).await?;
        progress.update(run.report.rows, reader.fraction_read());
    }
    progress.update(run.report.rows, 1.0);
    run.tx.finish().await?;
    Ok(run.report)
}
