//! The window's staged edits: journaled per connection in the app's data folder as they are made, and
//! committed through the connection's session. The journal is rewritten after a commit with only what was
//! not applied, before the window hears the results, so a crash right after a commit never offers an
//! applied change again.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use d365_common::ErrorPayload;
use d365_connections::{CommitMode, CommitOutcome, CommitResult, Journal, PendingChange, RecordRead};
use d365_vault::Vault;
use tokio::sync::Mutex;

use crate::data::DataService;
use crate::sandbox::SandboxService;

pub struct EditsService {
    journal: Journal,
    /// One commit or save at a time per connection: a journal rewritten by two at once would lose one's
    /// changes. Per connection, so that a commit waiting out throttling on one never holds back the
    /// journaling of another's edits.
    writing: std::sync::Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

impl EditsService {
    pub fn new(data_dir: PathBuf) -> Self {
        Self { journal: Journal::new(data_dir.join("pending")), writing: Default::default() }
    }

    fn writing(&self, connection: &str) -> Arc<Mutex<()>> {
        let mut locks = self.writing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        locks.entry(connection.to_owned()).or_default().clone()
    }

    pub fn load(&self, connection: &str) -> Result<Vec<PendingChange>, ErrorPayload> {
        Ok(self.journal.load(connection)?)
    }

    pub async fn save(&self, connection: &str, changes: &[PendingChange]) -> Result<(), ErrorPayload> {
        let writing = self.writing(connection);
        let _writing = writing.lock().await;
        Ok(self.journal.save(connection, changes)?)
    }

    pub fn connections(&self) -> Vec<String> {
        self.journal.connections()
    }

    /// Commits `changes` (all or part of what is staged) and keeps in the journal everything staged that
    /// was not applied: the changes not committed now stay, whatever the window sent.
    #[allow(clippy::too_many_arguments)] // the services it goes through, and the window's three arguments
    pub async fn commit(
        &self,
        data: &DataService,
        vault: &Vault,
        sandbox: &SandboxService,
        connection: &str,
        changes: &[PendingChange],
        mode: CommitMode,
        reads: &[RecordRead],
    ) -> Result<Vec<CommitResult>, ErrorPayload> {
        let writing = self.writing(connection);
        let _writing = writing.lock().await;
        // What is sent is journaled first, in place of what was staged under the same keys (by key:
        // thousands at once).
        let mut staged = self.journal.load(connection)?;
        let sent: HashSet<String> = changes.iter().map(PendingChange::key).collect();
        staged.retain(|change| !sent.contains(&change.key()));
        staged.extend(changes.iter().cloned());
        self.journal.save(connection, &staged)?;
        let results = data.commit(vault, sandbox, connection, changes, mode, reads).await?;
        let applied: HashSet<String> = results
            .iter()
            .filter(|r| matches!(r.outcome, CommitOutcome::Applied { .. }))
            .flat_map(|r| r.changes.iter().filter_map(|i| changes.get(*i)).map(PendingChange::key))
            .collect();
        staged.retain(|change| !applied.contains(&change.key()));
        // The results say what was applied: a journal that could not be rewritten now is written again by
        // the window (it journals what is left after every commit), never a reason to hide them and have
        // the applied changes sent twice.
        if let Err(error) = self.journal.save(connection, &staged) {
            tracing::warn!(kind = error.kind(), "the journal could not be rewritten after a commit");
        }
        Ok(results)
    }
}
