//! The import's store work, on a task of its own: SQLite (on sqlx's worker thread) or
//! PostgreSQL writes one batch while the import parses and matches the next rows, so the two
//! costs overlap instead of adding up.
//!
//! Jobs run one at a time, in the order they were queued, in the import's one transaction,
//! so a read queued after a write sees it. The first failing job stops the writer: the jobs
//! after it are dropped, and its error comes back from the next [`Writer::call`] or
//! [`Writer::submit`], or from [`Writer::finish`]. Dropping the writer without finishing
//! drops the transaction, which rolls it back.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::store::StoreError;
use crate::store::import_support::{EntitySql, ImportTx};

/// Jobs queued ahead of the one running: enough to keep the store busy, few enough that
/// the rows they hold stay a small, fixed amount of memory.
const QUEUE: usize = 8;

/// What jobs work on.
pub(super) struct Desk {
    pub(super) tx: ImportTx,
    pub(super) tenant: String,
    pub(super) company_sql: EntitySql,
    pub(super) contact_sql: EntitySql,
}

/// A job's future, borrowing the desk.
pub(super) type JobFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

type Job = Box<dyn for<'a> FnOnce(&'a mut Desk) -> JobFuture<'a, ()> + Send>;

/// The queue to the writing task.
pub(super) struct Writer {
    jobs: Option<mpsc::Sender<Job>>,
    task: Option<JoinHandle<Result<ImportTx, StoreError>>>,
}

impl Writer {
    /// Starts the task that runs jobs on `desk`.
    pub(super) fn start(desk: Desk) -> Self {
        let (jobs, mut queue) = mpsc::channel::<Job>(QUEUE);
        let task = tokio::spawn(async move {
            let mut desk = desk;
            while let Some(job) = queue.recv().await {
                job(&mut desk).await?;
            }
            Ok(desk.tx)
        });
        Self {
            jobs: Some(jobs),
            task: Some(task),
        }
    }

    /// Queues `job` without waiting for it.
    ///
    /// # Errors
    /// The error of a job that failed before.
    pub(super) async fn submit<F>(&mut self, job: F) -> Result<(), StoreError>
    where
        F: for<'a> FnOnce(&'a mut Desk) -> JobFuture<'a, ()> + Send + 'static,
    {
        let sent = match &self.jobs {
            Some(jobs) => jobs.send(Box::new(job)).await.is_ok(),
            None => false,
        };
        if sent {
            Ok(())
        } else {
            Err(self.failure().await)
        }
    }

    /// Queues `job` and waits for its answer (every job queued before it runs first).
    ///
    /// # Errors
    /// The job's error, or that of a job queued before it.
    pub(super) async fn call<T, F>(&mut self, job: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a mut Desk) -> JobFuture<'a, T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.submit(move |desk| {
            Box::pin(async move {
                let value = job(desk).await?;
                // The caller may have given up waiting; the job is done either way.
                let _ = reply.send(value);
                Ok(())
            })
        })
        .await?;
        self.answer(answer).await
    }

    /// Waits for the answer of a job queued with its own reply channel.
    ///
    /// # Errors
    /// The error of the job, or of one queued before it, that stopped the writer.
    pub(super) async fn answer<T>(
        &mut self,
        answer: oneshot::Receiver<T>,
    ) -> Result<T, StoreError> {
        match answer.await {
            Ok(value) => Ok(value),
            Err(_) => Err(self.failure().await),
        }
    }

    /// Runs the queued jobs and hands the transaction back.
    ///
    /// # Errors
    /// The first job error.
    pub(super) async fn finish(mut self) -> Result<ImportTx, StoreError> {
        self.jobs = None;
        match self.task.take() {
            Some(task) => joined(task.await),
            None => Err(stopped()),
        }
    }

    /// Why the writer stopped: the failing job's error.
    async fn failure(&mut self) -> StoreError {
        self.jobs = None;
        match self.task.take() {
            Some(task) => match joined(task.await) {
                Err(e) => e,
                Ok(_) => stopped(),
            },
            None => stopped(),
        }
    }
}

fn joined(
    result: Result<Result<ImportTx, StoreError>, tokio::task::JoinError>,
) -> Result<ImportTx, StoreError> {
    match result {
        Ok(done) => done,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(stopped()),
    }
}

/// The writer is gone without an error of its own (its task was cancelled, or it was asked
/// again after it reported its error).
fn stopped() -> StoreError {
    StoreError::Invalid(crate::store::FieldError::new(
        "import",
        "the import's writer stopped",
    ))
}
