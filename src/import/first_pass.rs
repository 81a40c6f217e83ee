//! The first pass of a contacts import over the file's key columns ([`FileKeys`]), run
//! alongside the merge instead of before it.
//!
//! Why: the pass reads the whole file, about 0.8 s per million rows; waiting for it made a
//! dry run a fifth slower. A CSV file is opened again and read on a blocking thread while
//! the merge starts on the first rows. Until the pass ends, the merge cannot know which
//! keys later rows name, so it remembers every key it changes ([`FirstPass::later`] says
//! yes, which is never wrong) and notes them; when the pass ends, the keys it shows no
//! later row names are forgotten again. The notes are capped: past the cap the merge waits
//! for the pass, so the import's memory stays flat.
//!
//! An XLSX sheet is in memory already and is scanned in place, before the merge.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::task::JoinHandle;

use super::columns::ColumnMap;
use super::key_filters::{FileKeys, Namespace};
use super::{ImportError, RowReader};

/// Keys noted while the pass runs, at most: a few MiB. A 100,000-row file's pass ends
/// before the merge reaches it; a longer file's merge then waits.
const MAX_NOTED: usize = 1 << 16;

/// A key the merge remembered while the pass ran, and whether the row that did so names
/// the key itself.
struct Noted {
    ns: Namespace,
    key: String,
    own: bool,
}

enum State {
    Running {
        pass: JoinHandle<Result<FileKeys, ImportError>>,
        noted: Vec<Noted>,
    },
    Done(FileKeys),
}

/// The keys a contacts file names, known once its first pass ends.
pub(super) struct FirstPass {
    state: State,
    file: PathBuf,
    /// Set when the import ends first (on an error, or a file of a few rows): the pass
    /// stops reading.
    stop: Arc<AtomicBool>,
}

impl FirstPass {
    /// Starts the pass over the rows `reader` has not read yet.
    ///
    /// # Errors
    /// [`ImportError::Unreadable`] when an XLSX sheet's pass fails (a CSV pass reports its
    /// errors at [`FirstPass::settle`]).
    pub(super) fn start(
        reader: &mut RowReader,
        file: &Path,
        columns: &ColumnMap,
    ) -> Result<Self, ImportError> {
        let stop = Arc::new(AtomicBool::new(false));
        let state = if reader.sheet_rows().is_some() {
            State::Done(FileKeys::scan(reader, file, columns, &stop)?)
        } else {
            let (path, columns, flag) = (file.to_owned(), columns.clone(), Arc::clone(&stop));
            let pass = tokio::task::spawn_blocking(move || {
                let mut again = RowReader::open(&path, None)?;
                FileKeys::scan(&mut again, &path, &columns, &flag)
            });
            State::Running {
                pass,
                noted: Vec::new(),
            }
        };
        Ok(Self {
            state,
            file: file.to_owned(),
            stop,
        })
    }

    /// Whether a row after the current one may name `key`. `own`: the current row names
    /// it, so it matters only if the file names it again. While the pass runs: yes, and the
    /// key is noted to be looked at again when it ends.
    pub(super) fn later(&mut self, ns: Namespace, key: &str, own: bool) -> bool {
        match &mut self.state {
            State::Done(keys) if own => keys.repeated(ns, key),
            State::Done(keys) => keys.named(ns, key),
            State::Running { noted, .. } => {
                noted.push(Noted {
                    ns,
                    key: key.to_owned(),
                    own,
                });
                true
            }
        }
    }

    /// Between two chunks of rows: if the pass has ended, or the noted keys reach their cap,
    /// takes the pass's result (waiting for it) and returns the noted keys no later row
    /// names, to be forgotten. A key the current row named is among them when the file
    /// names it only once; any other key, when the file does not name it at all.
    ///
    /// # Errors
    /// [`ImportError::Unreadable`] when the pass failed to read the file.
    pub(super) async fn settle(&mut self) -> Result<Vec<(Namespace, String)>, ImportError> {
        let State::Running { pass, noted } = &mut self.state else {
            return Ok(Vec::new());
        };
        if !pass.is_finished() && noted.len() < MAX_NOTED {
            return Ok(Vec::new());
        }
        let keys = pass.await.map_err(|_| ImportError::Unreadable {
            file: self.file.display().to_string(),
            reason: "the first pass over the file stopped".to_owned(),
        })??;
        let forget = std::mem::take(noted)
            .into_iter()
            .filter(|n| {
                if n.own {
                    !keys.repeated(n.ns, &n.key)
                } else {
                    !keys.named(n.ns, &n.key)
                }
            })
            .map(|n| (n.ns, n.key))
            .collect();
        self.state = State::Done(keys);
        Ok(forget)
    }
}

impl Drop for FirstPass {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::ImportKind;

    #[tokio::test]
    async fn keys_remembered_while_the_pass_runs_are_forgotten_unless_a_later_row_names_them() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("contacts.csv");
        std::fs::write(
            &path,
            "Contact ID,Email,Customer domain\n\
             P-1,a@example.com,acme.fr\n\
             P-2,b@example.com,acme.fr\n\
             P-1,,acme.fr\n",
        )
        .expect("write");
        let mut reader = RowReader::open(&path, None).expect("open");
        let columns = ColumnMap::build(ImportKind::Contacts, reader.header(), &[]).expect("map");
        let mut pass = FirstPass::start(&mut reader, &path, &columns).expect("start");
        let (ext, email) = (Namespace::ContactExt, Namespace::ContactEmail);
        // Before the pass has been settled, every key may be named later.
        assert!(pass.later(ext, "P-1", true), "named again");
        assert!(pass.later(ext, "P-2", true), "named once, by this row");
        assert!(pass.later(email, "b@example.com", false), "named by a row");
        assert!(
            pass.later(email, "gone@example.com", false),
            "named by none"
        );
        let mut forget = Vec::new();
        while matches!(pass.state, State::Running { .. }) {
            forget.extend(pass.settle().await.expect("settle"));
            tokio::task::yield_now().await;
        }
        forget.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(
            forget,
            [
                (ext, "P-2".to_owned()),
                (email, "gone@example.com".to_owned())
            ]
        );
        // Once settled, the pass answers from what it found.
        assert!(pass.later(ext, "P-1", true) && !pass.later(ext, "P-2", true));
        assert!(pass.settle().await.expect("settled").is_empty());
        // The merge's reader has not moved: it still reads the first row.
        let mut cells = Vec::new();
        assert_eq!(reader.next_row(&mut cells, &path).expect("row"), Some(2));
    }

    #[tokio::test]
    async fn a_failing_pass_fails_the_import_with_the_file_named() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("contacts.csv");
        std::fs::write(
            &path,
            "Contact ID,Email,Customer domain\nP-1,a@example.com,acme.fr\n",
        )
        .expect("write");
        let mut reader = RowReader::open(&path, None).expect("open");
        let columns = ColumnMap::build(ImportKind::Contacts, reader.header(), &[]).expect("map");
        std::fs::remove_file(&path).expect("remove");
        let mut pass = FirstPass::start(&mut reader, &path, &columns).expect("start");
        let err = loop {
            match pass.settle().await {
                Ok(_) if matches!(pass.state, State::Done(_)) => panic!("the pass cannot read"),
                Ok(_) => tokio::task::yield_now().await,
                Err(e) => break e,
            }
        };
        assert!(
            err.to_string().contains("contacts.csv"),
            "names the file: {err}"
        );
    }
}
