//! `d365`: see `d365 --help`.

fn main() -> std::process::ExitCode {
    d365_cli::run(std::env::args_os())
}
