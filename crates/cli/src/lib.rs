//! The `d365` command line: the same connection profiles and Dataverse client as the desktop app, for
//! scripts, CI jobs and tests.
//!
//! Belongs here: argument parsing and output formatting (table, JSON, CSV) for commands such as listing
//! connections, verifying one, querying and exporting tables and editing records. Logic that the app shares
//! lives in `d365-dataverse` and `d365-vault`; this crate only turns it into a command line.

mod args;
mod connection;
mod output;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

pub use args::Cli;

/// Parses `args` and runs the command; prints the result (or the error) and returns the exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { output::BAD_INPUT } else { 0 });
        }
    };
    let json = cli.json;
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("d365: could not start: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(connection::execute(cli.command)) {
        Ok(done) => {
            output::success(&done, json);
            ExitCode::SUCCESS
        }
        Err(failure) => ExitCode::from(output::failure(&failure, json)),
    }
}
