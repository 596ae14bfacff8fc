//! `d365-sandbox`: the sandbox as a process. Prints one JSON line with everything a client needs on stdout,
//! then logs to stderr until Ctrl-C or SIGTERM.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use d365_sandbox::{Fault, Limits, Sandbox, SandboxOptions, Storage, ViewPaging};

/// A local Entra ID + Dataverse emulator (the D365 Desk sandbox).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Loopback address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// Access token lifetime in seconds.
    #[arg(long, default_value_t = 3599, value_parser = clap::value_parser!(u64).range(1..))]
    token_lifetime: u64,
    /// Refresh token lifetime in seconds: how long one stays valid without use (Entra: 90 days).
    #[arg(long, default_value_t = 90 * 24 * 3600, value_parser = clap::value_parser!(u64).range(1..))]
    refresh_token_lifetime: u64,
    /// Serve HTTPS with a certificate from a CA made for this run (its PEM is in the config line as
    /// `ca_certificate`). Some clients, MSAL among them, accept only https authorities.
    #[arg(long)]
    tls: bool,
    /// Keep the organisation's data in this SQLite file (created and seeded when missing); edits survive
    /// restarts, and so do the signing key, the org client secret, the users' password, consents and
    /// refresh tokens (the file is private to you: it holds them).
    #[arg(long, value_name = "FILE", conflicts_with = "memory")]
    data: Option<std::path::PathBuf>,
    /// Keep the data in memory only (the default).
    #[arg(long)]
    memory: bool,
    /// Give every user the documented demo password (`Contoso-Sandbox-Demo-1`, as the app's built-in
    /// sandbox does) instead of a random one kept with the data. The org client secret stays random.
    #[arg(long)]
    demo_credentials: bool,
    /// Service protection: at most REQUESTS per SECONDS per user (Dataverse: 6000/300), then 429.
    #[arg(long, value_name = "REQUESTS/SECONDS", value_parser = parse_throttle)]
    throttle: Option<(u32, u64)>,
    /// Service protection: at most MS milliseconds of requests' combined execution time per user in the
    /// throttle's window (Dataverse: 1200000 in 300 s), then 429.
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    execution_time: Option<u64>,
    /// Service protection: at most N concurrent requests per user (Dataverse: 52), then 429.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    concurrency: Option<u32>,
    /// Inject a fault, e.g. `status=503,retry-after=2,path=/api/data/v9.2/accounts*,every=3`, `latency=800`,
    /// `reset,path=*WhoAmI`, `truncate`, `malformed`. Repeatable.
    #[arg(long, value_name = "SPEC", value_parser = Fault::parse)]
    fault: Vec<Fault>,
    /// How a view's rows page (`?savedQuery=`/`?userQuery=`): `next-link` (OData next links, the default) or
    /// `cookie` (only FetchXML's paging cookie and morerecords; Dataverse's way is unconfirmed).
    #[arg(long, value_name = "HOW", default_value = "next-link", value_parser = ["next-link", "cookie"])]
    view_paging: String,
    /// How many accounts a new store gets; contacts, leads, opportunities, cases and projects follow.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    seed: u32,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let defaults = Limits::default();
    let options = SandboxOptions {
        token_lifetime: Duration::from_secs(args.token_lifetime),
        refresh_token_lifetime: Duration::from_secs(args.refresh_token_lifetime),
        tls: args.tls,
        storage: args.data.map_or(Storage::Memory, Storage::File),
        seed: args.seed,
        limits: Limits {
            requests: args.throttle.map_or(defaults.requests, |(n, _)| n),
            window: args.throttle.map_or(defaults.window, |(_, s)| Duration::from_secs(s)),
            concurrent: args.concurrency.unwrap_or(defaults.concurrent),
            execution: args.execution_time.map_or(defaults.execution, Duration::from_millis),
        },
        faults: args.fault,
        view_paging: if args.view_paging == "cookie" { ViewPaging::Cookie } else { ViewPaging::NextLink },
        user_password: args.demo_credentials.then(|| d365_sandbox::directory::DEMO_PASSWORD.to_owned()),
        ..Default::default()
    };
    let sandbox = match Sandbox::bind(&args.listen, options).await {
        Ok(sandbox) => sandbox,
        Err(err) => {
            eprintln!("d365-sandbox: {err}");
            return ExitCode::FAILURE;
        }
    };
    let line = serde_json::to_string(sandbox.info()).unwrap_or_default();
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{line}").and_then(|()| stdout.flush()).is_err() {
        eprintln!("d365-sandbox: could not write the configuration line to stdout");
        return ExitCode::FAILURE;
    }
    drop(stdout);
    wait_for_stop_signal().await;
    tracing::info!("stopping");
    match sandbox.shutdown().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("d365-sandbox: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn parse_throttle(text: &str) -> Result<(u32, u64), String> {
    let (requests, seconds) = text.split_once('/').ok_or("expected REQUESTS/SECONDS, e.g. 6000/300")?;
    let requests = requests.trim().parse::<u32>().map_err(|_| "REQUESTS must be a whole number")?;
    let seconds = seconds.trim().parse::<u64>().map_err(|_| "SECONDS must be a whole number")?;
    if requests == 0 || seconds == 0 {
        return Err("both numbers must be above zero".into());
    }
    Ok((requests, seconds))
}
