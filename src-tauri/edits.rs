//! The window's staged edits: journaled per connection in the app's data folder as they are made, and
//! committed through the connection's session. The journal is rewritten after a commit with only what was
//! not applied, before the window hears the results, so a crash right after a commit never offers an
//! applied change again.

use std::path::PathBuf;

use d365_common::ErrorPayload;
use d365_connections::{CommitMode, CommitOutcome, CommitResult, Journal, PendingChange, RecordRead};
use d365_vault::Vault;
use tokio::sync::Mutex;

use crate::data::DataService;
use crate::sandbox::SandboxService;

pub struct EditsService {
    journal: Journal,
    /// One commit or save at a time: a journal rewritten by two at once would lose one's changes.
    writing: Mutex<()>,
}

impl EditsService {
    pub fn new(data_dir: PathBuf) -> Self {
        Self { journal: Journal::new(data_dir.join("pending")), writing: Mutex::new(()) }
    }

    pub fn load(&self, connection: &str) -> Result<Vec<PendingChange>, ErrorPayload> {
        Ok(self.journal.load(connection)?)
    }

    pub async fn save(&self, connection: &str, changes: &[PendingChange]) -> Result<(), ErrorPayload> {
        let _writing = self.writing.lock().await;
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
        let _writing = self.writing.lock().await;
        // What is sent is journaled first, beside what was staged already.
        let mut staged = self.journal.load(connection)?;
        for change in changes {
            if !staged.contains(change) {
                staged.push(change.clone());
            }
        }
        self.journal.save(connection, &staged)?;
        let results = data.commit(vault, sandbox, connection, changes, mode, reads).await?;
        let applied: Vec<&PendingChange> = results
            .iter()
            .filter(|r| matches!(r.outcome, CommitOutcome::Applied { .. }))
            .flat_map(|r| r.changes.iter().filter_map(|i| changes.get(*i)))
            .collect();
        staged.retain(|change| !applied.contains(&change));
        self.journal.save(connection, &staged)?;
        Ok(results)
    }
}
