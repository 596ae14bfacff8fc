//! Where the app's log lines go: stderr, and a daily file in [`crate::app_dirs::log_dir`]
//! (`d365-desk.<date>.log`, the last [`KEPT_FILES`] kept). `RUST_LOG` sets the level (default `info`).
//! A log folder that cannot be made costs the file only: the app starts, logs to stderr and says why.

use std::path::Path;

use tracing::Level;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{InitError, RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::combinator::And;
use tracing_subscriber::filter::{FilterExt, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

/// Log files are `d365-desk.<yyyy-mm-dd>.log`: the app's name first, so the folder sorts by day.
pub const FILE_PREFIX: &str = "d365-desk";
pub const FILE_SUFFIX: &str = "log";
/// One file a day; older ones are deleted, so the folder stays bounded.
pub const KEPT_FILES: usize = 7;

/// Keeps the file writer's thread alive; dropping it flushes what is still queued. Hold it for the whole run.
#[must_use = "dropping the guard stops the file log"]
pub struct LogGuard(#[allow(dead_code)] Option<WorkerGuard>);

/// Starts logging (once per process). Call before anything logs.
pub fn init() -> LogGuard {
    let dir = crate::app_dirs::log_dir();
    let (file, guard, problem) = match open_log_file(&dir) {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = fmt::layer()
                .with_ansi(false)
                .fmt_fields(FileFields::default())
                .with_writer(writer)
                .with_filter(filter());
            (Some(layer), Some(guard), None)
        }
        Err(err) => (None, None, Some(err)),
    };
    let stderr = fmt::layer().with_writer(std::io::stderr).with_filter(filter());
    // Another subscriber already set (a test harness) is no reason to stop the app.
    let _ = tracing_subscriber::registry().with(stderr).with(file).try_init();
    // A crash's message in the file too, not only on a terminal nobody watches.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!("panic: {info}");
        report(info);
    }));
    match problem {
        Some(err) => {
            tracing::warn!("logging to stderr only: the log folder {} cannot be used: {err}", dir.display())
        }
        None => tracing::debug!("logging to {}", dir.display()),
    }
    LogGuard(guard)
}

/// The file's span fields, formatted on their own: with the same formatter type as stderr's, both layers
/// share the fields formatted once per span, with stderr's colour codes, which then land in the file.
#[derive(Default)]
struct FileFields(fmt::format::DefaultFields);

impl<'writer> fmt::FormatFields<'writer> for FileFields {
    fn format_fields<R: tracing_subscriber::field::RecordFields>(
        &self,
        writer: fmt::format::Writer<'writer>,
        fields: R,
    ) -> std::fmt::Result {
        self.0.format_fields(writer, fields)
    }
}

/// The daily log file in `dir`, the folder made if missing.
pub fn open_log_file(dir: &Path) -> Result<RollingFileAppender, String> {
    // Made here first: the appender prunes old files before it makes the folder, and a missing one
    // prints a spurious error on stderr.
    std::fs::create_dir_all(dir).map_err(|err| err.to_string())?;
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(FILE_PREFIX)
        .filename_suffix(FILE_SUFFIX)
        .max_log_files(KEPT_FILES)
        .build(dir)
        .map_err(|err: InitError| err.to_string())
}

/// `RUST_LOG` (default `info`), with the crates that see secrets on the wire held at `info`
/// ([`secret_safe_targets`]).
fn filter<S>() -> And<EnvFilter, Targets, S> {
    let wanted = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    wanted.and(secret_safe_targets())
}

/// Crates that handle requests, responses, TLS records, D-Bus messages or the keyring log them at debug
/// or trace (headers with `Authorization: Bearer …`, token responses, the client-secret form, Secret
/// Service payloads). Whatever `RUST_LOG` asks, they log at `info` at most, so that a trace log someone
/// attaches to an issue holds no token or secret. Everything else (our crates, tauri, tao, wry) may trace.
pub fn secret_safe_targets() -> Targets {
    const SEE_SECRETS: &[&str] = &[
        "hyper", // hyper and hyper_util
        "h2",
        "h3",
        "reqwest",
        "rustls", // rustls and tokio_rustls share no prefix: both listed
        "tokio_rustls",
        "hyper_rustls",
        "oauth2",
        "http",
        "tower",
        "zbus",
        "dbus",
        "secret_service",
        "keyring",
        "keyring_core",
        "dbus_secret_service",
    ];
    SEE_SECRETS.iter().fold(Targets::new().with_default(Level::TRACE), |targets, target| {
        targets.with_target(*target, Level::INFO)
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::path::PathBuf;

    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("d365desk-logging-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn crates_that_see_secrets_never_log_below_info() {
        let targets = secret_safe_targets();
        for target in [
            "hyper::proto::h1::role",
            "hyper_util::client",
            "h2::codec",
            "reqwest::connect",
            "rustls::client",
            "tokio_rustls",
            "oauth2",
            "zbus::connection",
            "secret_service",
            "keyring",
        ] {
            assert!(!targets.would_enable(target, &Level::DEBUG), "{target} at debug");
            assert!(!targets.would_enable(target, &Level::TRACE), "{target} at trace");
            assert!(targets.would_enable(target, &Level::INFO), "{target}'s warnings and info still show");
        }
    }

    #[test]
    fn the_app_and_the_window_may_trace() {
        let targets = secret_safe_targets();
        for target in ["d365_desk_lib::edits", "d365_dataverse::client", "tauri::manager", "tao", "wry"] {
            assert!(targets.would_enable(target, &Level::TRACE), "{target}");
        }
    }

    #[test]
    fn the_log_folder_is_made_and_the_file_named_after_the_app() {
        let dir = scratch("made").join("nested").join("logs");
        let mut file = open_log_file(&dir).expect("a folder that can be made");
        writeln!(file, "a line").expect("written");
        file.flush().expect("flushed");
        let names: Vec<String> = std::fs::read_dir(&dir)
            .expect("the folder exists")
            .map(|entry| entry.expect("an entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(names[0].starts_with("d365-desk.") && names[0].ends_with(".log"), "{names:?}");
        let _ = std::fs::remove_dir_all(dir.parent().and_then(Path::parent).expect("scratch"));
    }

    #[test]
    fn a_log_folder_that_cannot_be_made_is_an_error_not_a_panic() {
        let blocker = scratch("blocked");
        std::fs::write(&blocker, "a file where the folder would go").expect("written");
        assert!(open_log_file(&blocker.join("logs")).is_err());
        let _ = std::fs::remove_file(&blocker);
    }
}
