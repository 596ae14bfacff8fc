//! The `d365` command line: the same connection profiles and Dataverse client as the desktop app, for
//! scripts, CI jobs and tests.
//!
//! Belongs here: argument parsing and output formatting (table, JSON, CSV) for commands such as listing
//! connections, verifying one, querying and exporting tables and editing records. Logic that the app shares
//! lives in `d365-dataverse` and `d365-vault`; this crate only turns it into a command line.

mod args;
mod connection;
mod docs;
mod output;
mod records;
mod sandbox;

use std::ffi::OsString;
use std::process::ExitCode;

use d365_dataverse::data::write::UpsertMode;

pub use args::Cli;

/// Parses `args` and runs the command; prints the result (or the error) and returns the exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match args::parse(args) {
        Ok(args::Parsed::Cli(cli)) => cli,
        Ok(args::Parsed::Tooling { command, json }) => return report(docs::tooling(command), json),
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { output::BAD_INPUT } else { 0 });
        }
    };
    init_logging();
    let json = cli.json;
    // One thread: a command waits on the network, not the CPU, and memory stays flat for long reads (with
    // a thread per core, each thread's allocator arena would keep its own high-water mark of pages).
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("d365: could not start: {err}");
            return ExitCode::FAILURE;
        }
    };
    report(runtime.block_on(execute(cli.command)), json)
}

/// Prints a command's result (or its error) and returns the exit code.
fn report(result: Result<output::Done, output::Failure>, json: bool) -> ExitCode {
    match result {
        Ok(done) => {
            output::success(&done, json);
            ExitCode::SUCCESS
        }
        Err(failure) => ExitCode::from(output::failure(&failure, json)),
    }
}

async fn execute(command: args::Command) -> Result<output::Done, output::Failure> {
    let vault = d365_vault::Vault::open(&d365_vault::default_dir());
    match command {
        args::Command::Connection(command) => connection::execute(&vault, command).await,
        args::Command::Environments { name } => connection::environments(&vault, &name).await,
        args::Command::Sandbox => sandbox::run().await,
        args::Command::Completions { shell } => Ok(docs::completions(shell)),
        args::Command::Tables { name, refresh } => records::tables(&vault, &name, refresh).await,
        args::Command::Columns { name, table } => records::columns(&vault, &name, &table).await,
        args::Command::Query(args) => records::query(&vault, args).await,
        args::Command::Get { name, table, key, select } => {
            records::get(&vault, &name, &table, &key, select).await
        }
        args::Command::Export(args) => records::export(&vault, args).await,
        args::Command::Create { name, table, data } => {
            records::edit::create(&vault, &name, &table, data).await
        }
        args::Command::Update { name, table, key, data, if_match, force } => {
            records::edit::update(&vault, records::edit::Target { name, table, key }, data, if_match, force)
                .await
        }
        args::Command::Upsert { name, table, key, data, create_only, update_only } => {
            let mode = match (create_only, update_only) {
                (true, _) => UpsertMode::CreateOnly,
                (_, true) => UpsertMode::UpdateOnly,
                _ => UpsertMode::Either,
            };
            records::edit::upsert(&vault, records::edit::Target { name, table, key }, data, mode).await
        }
        args::Command::Delete { name, table, key, if_match } => {
            records::edit::delete(&vault, records::edit::Target { name, table, key }, if_match).await
        }
        args::Command::Import(args) => records::import::import(&vault, args).await,
        args::Command::Api { name, method, path, data } => {
            records::api(&vault, &name, method, &path, data).await
        }
    }
}

/// Diagnostics on stderr when `D365_LOG` is set (`debug`, `d365_dataverse=trace`, ...): requests, statuses,
/// retries. They never contain a secret or token; a test scans them at the most verbose level.
fn init_logging() {
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("D365_LOG") {
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
    }
}
