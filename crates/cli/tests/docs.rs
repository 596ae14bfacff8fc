//! `d365 completions SHELL` and the hidden `d365 man-pages DIR`, as the packages use them: each shell accepts its
//! script and completes with it, `man` renders every page without a warning, and the hidden commands are in
//! neither.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clap::CommandFactory;
use common::{d365, d365_with, home};

/// The hidden commands: for packaging, never shown to users.
const HIDDEN: &[&str] = &["man-pages"];

/// A data folder that does not exist: these commands must neither need nor create it.
fn no_data_folder() -> PathBuf {
    home().join("data")
}

fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// `d365 completions SHELL`, written to a file as a user or the package would.
fn completion_script(shell: &str) -> PathBuf {
    let data = no_data_folder();
    let script = ok(d365(&data, &["completions", shell], ""));
    assert!(!data.exists(), "d365 completions created the data folder");
    let path = home().join(format!("d365.{shell}"));
    std::fs::write(&path, script).unwrap();
    path
}

/// Runs a program the tests need from the system; its absence fails the test, naming the Debian package.
fn system(program: &str, debian_package: &str, args: &[&str], env: &[(&str, &Path)]) -> Output {
    Command::new(program).args(args).envs(env.iter().copied()).output().unwrap_or_else(|error| {
        panic!("cannot run {program} ({error}): install the Debian package {debian_package} (scripts/apt-packages.txt)")
    })
}

fn lines(output: Output) -> Vec<String> {
    ok(output).lines().map(str::to_owned).collect()
}

/// What bash's completion for `d365` offers for `words`, the last one being completed (as on pressing Tab).
fn bash_completes(script: &Path, words: &[&str]) -> Vec<String> {
    // The function registered for d365 (`complete -p d365`), called as bash's completion calls it.
    let program = r#"source "$1"; shift
        spec=$(complete -p d365) || exit 1
        function=${spec#*-F }; function=${function%% *}
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        "$function" d365 "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf '%s\n' "${COMPREPLY[@]}""#;
    let mut args = vec!["-c", program, "bash", script.to_str().unwrap()];
    args.extend(words);
    lines(system("bash", "bash", &args, &[]))
}

#[test]
fn bash_completes_subcommands_and_values() {
    let script = completion_script("bash");
    ok(system("bash", "bash", &["-n", script.to_str().unwrap()], &[]));
    assert_eq!(bash_completes(&script, &["d365", "conn"]), ["connection"]);
    let add = bash_completes(&script, &["d365", "connection", "add", ""]);
    for kind in ["org", "user", "bearer", "sandbox"] {
        assert!(add.contains(&kind.to_owned()), "{kind} not offered: {add:?}");
    }
    let shells = bash_completes(&script, &["d365", "completions", ""]);
    for shell in ["bash", "zsh", "fish"] {
        assert!(shells.contains(&shell.to_owned()), "{shell} not offered: {shells:?}");
    }
}

/// Types `d365 conn` and Tab into an interactive zsh (in a pseudo-terminal) that loaded `$1` after compinit, and
/// waits until the line reads `d365 connection`; `timeout` ends the wait when it never does.
const ZSH_COMPLETES_CONN: &str = r#"zmodload zsh/zpty
zpty shell zsh -f -i
zpty -w shell "PS1='> '; autoload -Uz compinit; compinit -u -D; source ${(q)1}; print LOADED''SCRIPT"
zpty -r shell out '*LOADEDSCRIPT*'
zpty -w -n shell $'d365 conn\t'
zpty -r shell out '*d365 connection*' && print COMPLETED
zpty -d shell"#;

#[test]
fn zsh_accepts_the_script_and_completes_with_it() {
    let script = completion_script("zsh");
    ok(system("zsh", "zsh", &["-n", script.to_str().unwrap()], &[]));
    // Sourced after compinit (as a file in $fpath is autoloaded), it binds its function to d365.
    let home = home();
    let program = r#"autoload -Uz compinit && compinit -u -D && source "$1" && print -r -- "$_comps[d365]""#;
    let registered = system(
        "zsh",
        "zsh",
        &["-f", "-c", program, "zsh", script.to_str().unwrap()],
        &[("HOME", &home), ("ZDOTDIR", &home)],
    );
    assert_eq!(ok(registered).trim(), "_d365");
    // And pressing Tab completes with it (in a folder with no file that zsh's default completion could offer).
    let completed = Command::new("timeout")
        .args(["20", "zsh", "-f", "-c", ZSH_COMPLETES_CONN, "zsh", script.to_str().unwrap()])
        .current_dir(&home)
        .env("HOME", &home)
        .env("ZDOTDIR", &home)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&completed.stdout).contains("COMPLETED"),
        "zsh did not complete `d365 conn` to `d365 connection` (exit {:?}): {}",
        completed.status,
        String::from_utf8_lossy(&completed.stderr)
    );
}

/// What fish's completion for `d365` offers for `line` (the candidates, without their descriptions).
fn fish_completes(script: &Path, line: &str) -> Vec<String> {
    let home = home();
    let program = r#"source $argv[1]; complete -C $argv[2]"#;
    let output = system(
        "fish",
        "fish",
        &["--no-config", "-c", program, script.to_str().unwrap(), line],
        &[("HOME", &home)],
    );
    lines(output).into_iter().map(|l| l.split('\t').next().unwrap().to_owned()).collect()
}

#[test]
fn fish_completes_subcommands() {
    let script = completion_script("fish");
    ok(system("fish", "fish", &["--no-execute", script.to_str().unwrap()], &[]));
    assert_eq!(fish_completes(&script, "d365 conn"), ["connection"]);
    let add = fish_completes(&script, "d365 connection add ");
    for kind in ["org", "user", "bearer", "sandbox"] {
        assert!(add.contains(&kind.to_owned()), "{kind} not offered: {add:?}");
    }
}

/// The page names the command line should have: `d365.1` and one per subcommand, nested as git names them.
fn expected_pages(command: &clap::Command, prefix: &str, pages: &mut BTreeSet<String>) {
    let name = if prefix.is_empty() {
        command.get_name().to_owned()
    } else {
        format!("{prefix}-{}", command.get_name())
    };
    pages.insert(format!("{name}.1"));
    for subcommand in command.get_subcommands().filter(|s| s.get_name() != "help") {
        expected_pages(subcommand, &name, pages);
    }
}

/// `d365 man-pages DIR` into a folder that does not exist yet; the paths it printed.
fn man_pages(env: &[(&str, &str)]) -> (PathBuf, Vec<String>) {
    let dir = home().join("share").join("man1");
    let data = no_data_folder();
    let printed = lines(d365_with(&data, &["man-pages", dir.to_str().unwrap()], "", env));
    assert!(!data.exists(), "d365 man-pages created the data folder");
    (dir, printed)
}

fn page_text(page: &Path) -> String {
    let output = system(
        "man",
        "man-db",
        &["-l", "--warnings", "-E", "UTF-8", "-P", "cat", page.to_str().unwrap()],
        &[],
    );
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(stderr.is_empty(), "man warns about {}:\n{stderr}", page.display());
    ok(output)
}

#[test]
fn man_pages_cover_every_subcommand_and_render_without_warnings() {
    let (dir, printed) = man_pages(&[]);
    let mut expected = BTreeSet::new();
    expected_pages(&d365_cli::Cli::command(), "", &mut expected);
    assert!(expected.contains("d365-connection-add-org.1") && expected.contains("d365-completions.1"));
    let written: BTreeSet<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(written, expected);
    let printed: BTreeSet<String> = printed.into_iter().collect();
    let paths: BTreeSet<String> = expected.iter().map(|p| dir.join(p).display().to_string()).collect();
    assert_eq!(printed, paths, "d365 man-pages prints the paths it wrote");

    for page in &expected {
        let path = dir.join(page);
        let text = page_text(&path);
        assert!(text.contains("NAME") && text.contains("SYNOPSIS"), "{page}:\n{text}");
        // groff's own check with every warning on (the roff itself, not only what man shows).
        let groff = system("groff", "groff-base", &["-man", "-ww", "-z", path.to_str().unwrap()], &[]);
        let warnings = String::from_utf8_lossy(&groff.stderr);
        assert!(groff.status.success() && warnings.is_empty(), "groff warns about {page}:\n{warnings}");
    }

    let top = page_text(&dir.join("d365.1"));
    for subcommand in d365_cli::Cli::command().get_subcommands().filter(|s| s.get_name() != "help") {
        assert!(
            top.contains(&format!("d365-{}(1)", subcommand.get_name())),
            "d365.1 lacks {}:\n{top}",
            subcommand.get_name()
        );
    }
    assert!(
        top.contains(&format!("D365 Desk {}", env!("CARGO_PKG_VERSION"))),
        "no version in d365.1:\n{top}"
    );
}

#[test]
fn man_pages_take_their_date_from_source_date_epoch() {
    // 2021-01-01T00:00:00Z, as a reproducible package build sets it.
    let (dir, _) = man_pages(&[("SOURCE_DATE_EPOCH", "1609459200")]);
    for page in ["d365.1", "d365-connection-add-org.1"] {
        let roff = std::fs::read_to_string(dir.join(page)).unwrap();
        let title = roff.lines().find(|l| l.starts_with(".TH ")).unwrap();
        assert!(title.contains(" 1 2021-01-01 "), "{page}: {title}");
    }
}

#[test]
fn hidden_commands_are_in_no_help_completion_or_page() {
    let help = ok(d365(&no_data_folder(), &["--help"], ""));
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = std::fs::read_to_string(completion_script(shell)).unwrap();
        for hidden in HIDDEN {
            assert!(!script.contains(hidden), "{shell} completion offers {hidden}");
            assert!(!help.contains(hidden), "--help shows {hidden}");
        }
    }
    let (dir, _) = man_pages(&[]);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        // As rendered: in the roff source a `-` is written `\-`.
        let text = page_text(&path);
        for hidden in HIDDEN {
            assert!(!path.to_str().unwrap().contains(hidden), "a page for {hidden}: {}", path.display());
            assert!(!text.contains(hidden), "{} mentions {hidden}", path.display());
        }
    }
}
