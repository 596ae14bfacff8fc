//! What the packages install beside the binary, generated from the command line's own definition so that they
//! cannot drift from it: shell completion scripts (`d365 completions SHELL`) and man pages (the hidden
//! `d365 man-pages DIR`). Both come from [`Cli`] alone, which does not know the hidden commands.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;
use serde_json::json;

use crate::args::{Cli, Tooling};
use crate::output::{Done, Failure};

/// The name users type; the scripts register their completion for it.
const BIN_NAME: &str = "d365";

pub fn tooling(command: Tooling) -> Result<Done, Failure> {
    match command {
        Tooling::ManPages { dir } => man_pages(&dir),
    }
}

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> Done {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN_NAME, &mut script);
    // The output adds its own final newline.
    Done::Text(String::from_utf8_lossy(&script).trim_end().to_owned())
}

/// Writes `d365.1` and one page per subcommand, nested as git names them (`d365-connection-add-org.1`).
fn man_pages(dir: &Path) -> Result<Done, Failure> {
    std::fs::create_dir_all(dir).map_err(|e| write_failed(dir, &e))?;
    // Built once from the top, so that each subcommand knows its full name (`d365-connection-add`); `help`
    // is no page of its own (each page shows its subcommands).
    let mut root = Cli::command().disable_help_subcommand(true);
    root.build();
    let date = page_date();
    let mut written = Vec::new();
    write_pages(&root, dir, &date, &mut written)?;
    let paths: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    Ok(Done::Value { json: json!({ "written": paths }), human: paths.join("\n") })
}

fn write_pages(
    command: &clap::Command,
    dir: &Path,
    date: &str,
    written: &mut Vec<PathBuf>,
) -> Result<(), Failure> {
    let page = clap_mangen::Man::new(command.clone())
        .date(date)
        .source(format!("D365 Desk {}", env!("CARGO_PKG_VERSION")))
        .manual("D365 Desk");
    let path = dir.join(page.get_filename());
    page.generate_to(dir).map_err(|e| write_failed(&path, &e))?;
    written.push(path);
    for subcommand in command.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        write_pages(subcommand, dir, date, written)?;
    }
    Ok(())
}

/// The pages' date: from SOURCE_DATE_EPOCH when set (as Debian's and RPM's package builds do, so that the pages
/// are reproducible), otherwise today (UTC).
fn page_date() -> String {
    let when = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|epoch| epoch.trim().parse::<i64>().ok())
        .and_then(|epoch| time::OffsetDateTime::from_unix_timestamp(epoch).ok())
        .unwrap_or_else(time::OffsetDateTime::now_utc);
    let date = when.date();
    format!("{}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

fn write_failed(path: &Path, error: &std::io::Error) -> Failure {
    Failure::other("cli.write_failed", format!("Could not write {}: {error}", path.display()))
}
