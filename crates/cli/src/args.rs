//! The command line's shape.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// D365 Desk on the command line: manage connections to Dynamics 365 / Dataverse environments.
///
/// Exit codes: 0 done; 2 bad input (unknown connection, table or column, invalid value, usage); 3
/// authentication or authorization failure (Entra ID refused, no application user, missing role); 4 record not
/// found; 5 conflict (the record changed since it was read: 412); 6 throttled beyond retries; 7 refused by a
/// read-only connection; 1 anything else (network, keyring, files).
#[derive(Debug, Parser)]
#[command(name = "d365", version, about, long_about)]
pub struct Cli {
    /// Machine-readable output: one JSON document on stdout (errors as {"error": {kind, message, hint}}).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Saved connections.
    #[command(subcommand)]
    Connection(ConnectionCommand),
    /// The environments a user connection's account can reach (Global Discovery).
    Environments { name: String },
    /// The tables of the connection's environment (from the metadata cache; --refresh fetches them again).
    Tables {
        name: String,
        #[arg(long)]
        refresh: bool,
    },
    /// A table's columns: type, required level, what they are valid for, options and lookup targets.
    Columns { name: String, table: String },
    /// Read rows of a table, checked against its metadata first.
    Query(QueryArgs),
    /// One record, by id or by alternate key (column=value[,column=value]).
    Get {
        name: String,
        table: String,
        key: String,
        /// Columns to read (comma-separated).
        #[arg(long)]
        select: Option<String>,
    },
    /// Export a table (or the rows --filter keeps) to CSV or JSON Lines, streamed. When the table tracks
    /// changes (and there is no filter), the delta link is kept beside the file, and --changes later applies
    /// what changed since (new, changed and deleted rows) to the same file.
    Export(ExportArgs),
    /// Create a record from a JSON object of column values (--data, or stdin). Lookups take
    /// `<table>(<id>)`, option sets their value or label; everything is checked against the table's metadata.
    Create {
        name: String,
        table: String,
        /// The values as JSON (`-` or absent: read from stdin).
        #[arg(long)]
        data: Option<String>,
    },
    /// Update a record (by id or alternate key) only if it has not changed since it was read: the ETag of
    /// --if-match, or else the one read just before. A changed record exits 5 and shows the difference.
    Update {
        name: String,
        table: String,
        key: String,
        #[arg(long)]
        data: Option<String>,
        /// The ETag the change is based on (`W/"1234"`, from `d365 get`).
        #[arg(long, conflicts_with = "force")]
        if_match: Option<String>,
        /// Overwrite whatever the record holds now (it is still never re-created once deleted).
        #[arg(long)]
        force: bool,
    },
    /// Create or update the record an alternate key names (column=value[,column=value]).
    Upsert {
        name: String,
        table: String,
        key: String,
        #[arg(long)]
        data: Option<String>,
        /// Only create: an existing record is a conflict (exit 5).
        #[arg(long, conflicts_with = "update_only")]
        create_only: bool,
        /// Only update: a missing record is not found (exit 4).
        #[arg(long)]
        update_only: bool,
    },
    /// Delete a record; with --if-match only if it has not changed since it was read.
    Delete {
        name: String,
        table: String,
        key: String,
        #[arg(long)]
        if_match: Option<String>,
    },
    /// Create, update or upsert many rows of one table from a file: JSON Lines (one object of columns per
    /// line) or CSV (a header of column names; an empty cell leaves the column as it is). Every value is
    /// checked against the table's metadata before anything is sent. The rows go in calls of --chunk with
    /// Dataverse's bulk messages (CreateMultiple, UpdateMultiple, UpsertMultiple), or as $batch change sets
    /// when the table does not support them; each call applies all its rows or none, and the first failed
    /// call stops the rest. Failed rows are listed by number.
    Import(ImportArgs),
    /// Any Web API request with the connection's sign-in (PATH under /api/data/v9.2/); the body from
    /// --data (`-` for stdin). Read-only connections refuse everything but GET.
    Api {
        name: String,
        #[arg(value_enum)]
        method: ApiMethod,
        path: String,
        #[arg(long)]
        data: Option<String>,
    },
    /// Run the sandbox (the local Entra ID + Dataverse emulator) on the same data as the app, until Ctrl-C.
    /// Prints its connection details as one JSON line.
    Sandbox,
    /// Print the shell completion script (bash, zsh, fish, elvish or PowerShell).
    ///
    /// The packages install it already; otherwise, e.g. `d365 completions bash >
    /// ~/.local/share/bash-completion/completions/d365`, `d365 completions zsh > _d365` in a directory of
    /// $fpath, or `d365 completions fish > ~/.config/fish/completions/d365.fish`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Commands for building the packages, not for users: hidden from `--help`, and not part of [`Cli`], so the
/// man pages and completions (generated from `Cli` alone) cannot list them.
#[derive(Debug, Subcommand)]
pub enum Tooling {
    /// Write the man pages (d365.1 and one per subcommand) into DIR, created if missing; prints their paths.
    #[command(hide = true)]
    ManPages { dir: std::path::PathBuf },
}

/// What the arguments asked for: a user's command, or a packaging one.
#[derive(Debug)]
pub enum Parsed {
    Cli(Cli),
    Tooling { command: Tooling, json: bool },
}

/// Parses the arguments with [`Cli`]'s commands and the hidden [`Tooling`] ones.
pub fn parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Parsed, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let mut command = Tooling::augment_subcommands(Cli::command());
    let matches = command.try_get_matches_from_mut(args)?;
    let parsed = if matches.subcommand_name().is_some_and(Tooling::has_subcommand) {
        Tooling::from_arg_matches(&matches)
            .map(|tooling| Parsed::Tooling { command: tooling, json: matches.get_flag("json") })
    } else {
        Cli::from_arg_matches(&matches).map(Parsed::Cli)
    };
    parsed.map_err(|err| err.format(&mut command))
}

#[derive(Debug, Subcommand)]
pub enum ConnectionCommand {
    /// Save a new connection.
    #[command(subcommand)]
    Add(AddCommand),
    /// List saved connections.
    List,
    /// Sign in and reach the Web API: org, user, version, or what to fix.
    Verify { name: String },
    /// Sign a user connection in again (its sign-in expired or was revoked, or it was imported).
    SignIn(SignInArgs),
    /// Give an org connection that has none (an imported one) its client secret, read from stdin
    /// (--client-secret-stdin) or D365_CLIENT_SECRET. A secret once set is never replaced.
    /// A certificate connection gets its certificate instead: --certificate FILE (PEM or PFX), its password
    /// from --certificate-password-stdin or D365_CERTIFICATE_PASSWORD; it must be the one it was made with.
    SetSecret {
        name: String,
        #[arg(long, conflicts_with = "certificate")]
        client_secret_stdin: bool,
        #[command(flatten)]
        certificate: CertificateArgs,
    },
    /// Show one connection (with its certificate's thumbprint and expiry, for a certificate connection).
    Show { name: String },
    /// Write every connection as JSON, without any secret or token (to stdout, or --out FILE).
    Export {
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Add the connections of an export file (`-` reads stdin), or with --from those of XrmToolBox's connection
    /// file or pac's authprofiles_v2.json (a preview first; --pick or --all imports). They arrive without
    /// secrets: org connections then need `set-secret`, user connections `sign-in`. Pasted-token connections
    /// are skipped.
    Import {
        file: String,
        /// Accept non-local custom authorities in the file.
        #[arg(long)]
        allow_custom_authority: bool,
        /// The tool the file comes from; without it, FILE is a D365 Desk export.
        #[arg(long, value_enum)]
        from: Option<ImportFromArg>,
        /// The connections to import, by their number in the preview (e.g. 1,3,4).
        #[arg(long, value_delimiter = ',', requires = "from", conflicts_with = "all")]
        pick: Vec<u32>,
        /// Import every connection that can be.
        #[arg(long, requires = "from")]
        all: bool,
        /// Show the preview and import nothing.
        #[arg(long, requires = "from")]
        dry_run: bool,
        /// Accept instance URLs outside the Dynamics 365 domains.
        #[arg(long, requires = "from")]
        allow_custom_host: bool,
    },
    /// Delete a connection and its secrets, and show how to revoke its access.
    Remove { name: String },
    /// Rename a connection.
    Rename { name: String, new_name: String },
    /// Set or clear the environment tag.
    Tag { name: String, tag: TagArg },
    /// Make a connection read-only (on) or writable (off).
    ReadOnly { name: String, state: OnOff },
}

#[derive(Debug, Subcommand)]
pub enum AddCommand {
    /// An app registration with a client secret (client credentials). The secret is read from stdin
    /// (--client-secret-stdin) or D365_CLIENT_SECRET, never from the command line. With --certificate FILE
    /// it signs in with a certificate instead.
    Org(AddOrg),
    /// Your own account: sign in in the system browser (it honours $BROWSER). D365 Desk keeps a refresh token
    /// in the keyring.
    User(AddUser),
    /// An access token you already have, read from stdin (--token-stdin) or D365_BEARER_TOKEN. It works
    /// until it expires; there is no refresh.
    Bearer(AddBearer),
    /// The built-in sandbox (no secret: it is local).
    Sandbox {
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct AddBearer {
    #[command(flatten)]
    pub common: Common,
    /// Read the token from standard input.
    #[arg(long)]
    pub token_stdin: bool,
}

#[derive(Debug, Args)]
pub struct SignInArgs {
    pub name: String,
    /// No browser here (SSH, WSL): show a code to enter in a browser anywhere.
    #[arg(long)]
    pub device_code: bool,
    /// The account to suggest on the sign-in page.
    #[arg(long)]
    pub login_hint: Option<String>,
}

#[derive(Debug, Args)]
pub struct AddUser {
    #[command(flatten)]
    pub common: Common,
    /// The Application (client) ID of your public-client app registration (redirect URI http://localhost,
    /// "Mobile and desktop applications", API permission Dynamics CRM user_impersonation). Without it,
    /// Microsoft's published sample client for Dataverse tools (51f81489-12ee-4a9e-aaae-a2591f45987d).
    #[arg(long)]
    pub client_id: Option<String>,
    /// Tenant ID or domain; `organizations` lets any work account sign in.
    #[arg(long, default_value = "organizations")]
    pub tenant: String,
    #[arg(long)]
    pub authority: Option<String>,
    #[arg(long)]
    pub allow_custom_authority: bool,
    /// The account to suggest on the sign-in page.
    #[arg(long)]
    pub login_hint: Option<String>,
    /// No browser here (SSH, WSL): show a code to enter in a browser anywhere.
    #[arg(long)]
    pub device_code: bool,
}

#[derive(Debug, Args)]
pub struct Common {
    #[arg(long)]
    pub name: String,
    /// The environment URL (or its Web API URL).
    #[arg(long)]
    pub instance: String,
    #[arg(long, value_enum, default_value_t = CloudArg::Public)]
    pub cloud: CloudArg,
    #[arg(long, value_enum)]
    pub tag: Option<TagArg>,
    /// Read-only (the default for --tag prod).
    #[arg(long)]
    pub read_only: bool,
    /// Accept an instance URL outside the Dynamics 365 domains.
    #[arg(long)]
    pub allow_custom_host: bool,
}

#[derive(Debug, Args)]
pub struct AddOrg {
    #[command(flatten)]
    pub common: Common,
    /// Directory (tenant) ID or verified domain.
    #[arg(long)]
    pub tenant: String,
    /// Application (client) ID.
    #[arg(long)]
    pub client_id: String,
    /// A custom authority URL (a local one such as the sandbox's is always accepted).
    #[arg(long)]
    pub authority: Option<String>,
    /// Accept a non-local custom authority.
    #[arg(long)]
    pub allow_custom_authority: bool,
    /// Read the client secret from standard input.
    #[arg(long, conflicts_with = "certificate")]
    pub client_secret_stdin: bool,
    #[command(flatten)]
    pub certificate: CertificateArgs,
}

/// A certificate instead of a client secret (Microsoft's recommendation for app registrations).
#[derive(Debug, Args)]
pub struct CertificateArgs {
    /// The certificate with its private key: a PEM (CERTIFICATE and PRIVATE KEY blocks; the key may be
    /// encrypted) or a PKCS#12 file (.pfx/.p12), told apart by content. Only RSA keys (Entra signs with
    /// PS256). The key goes to the keyring; the file is not needed afterwards.
    #[arg(long, value_name = "FILE")]
    pub certificate: Option<std::path::PathBuf>,
    /// Read the PEM key's passphrase or the PFX's password from standard input (or D365_CERTIFICATE_PASSWORD);
    /// it is used once and never kept.
    #[arg(long, requires = "certificate")]
    pub certificate_password_stdin: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFromArg {
    /// An XrmToolBox connection file (CrmConnections XML).
    Xrmtoolbox,
    /// The Power Platform CLI's authprofiles_v2.json.
    Pac,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CloudArg {
    Public,
    Gcc,
    Gcchigh,
    Dod,
    China,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TagArg {
    Dev,
    Test,
    Uat,
    Prod,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    pub name: String,
    pub table: String,
    /// Columns (comma-separated); lookups by name (`primarycontactid`) or as read (`_primarycontactid_value`).
    #[arg(long)]
    pub select: Option<String>,
    /// An OData filter, e.g. "startswith(name,'Con') and revenue gt 1000".
    #[arg(long)]
    pub filter: Option<String>,
    /// Column, or "column desc"; several comma-separated.
    #[arg(long)]
    pub orderby: Option<String>,
    #[arg(long)]
    pub top: Option<u32>,
    /// Every row, page after page (otherwise the first page, and a note when there are more).
    #[arg(long)]
    pub all: bool,
    /// The total number of rows (Dataverse counts up to 5000).
    #[arg(long)]
    pub count: bool,
    #[arg(long, value_enum, default_value_t = RowFormat::Table)]
    pub format: RowFormat,
    /// Rows per page.
    #[arg(long, default_value_t = 500)]
    pub page_size: u32,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    pub name: String,
    pub table: String,
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// Apply what changed since the file was exported (or last refreshed) instead of exporting again.
    #[arg(long, conflicts_with_all = ["select", "filter", "parallel"])]
    pub changes: bool,
    /// Columns (comma-separated); all readable columns when absent.
    #[arg(long)]
    pub select: Option<String>,
    /// An OData filter (an export with a filter cannot be refreshed by change tracking).
    #[arg(long)]
    pub filter: Option<String>,
    /// Read the table in this many parts at once (ranges of creation time, 1 to 64); requests in flight
    /// stay within the environment's recommended parallelism. Such an export cannot be refreshed by change
    /// tracking.
    #[arg(long, default_value_t = 1, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=64))]
    pub parallel: usize,
    #[arg(long, default_value_t = 5000)]
    pub page_size: u32,
    /// CSV for spreadsheets: text cells starting with = + - @ get a leading ' so they are shown, not run
    /// as formulas (numbers are left as they are).
    #[arg(long)]
    pub excel_safe: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Jsonl,
    /// An Excel workbook (numbers Excel cannot show exactly are kept as text); cannot be refreshed.
    Xlsx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RowFormat {
    /// Aligned columns of what the environment displays (formatted values).
    Table,
    /// One JSON object per line: raw values, and `column@formatted` where the display differs.
    Json,
    /// CSV with a header: what the environment displays.
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum ApiMethod {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub name: String,
    pub table: String,
    /// The rows (`-` reads stdin).
    #[arg(long)]
    pub file: String,
    /// The file's format (default: from its extension, .csv or .jsonl).
    #[arg(long, value_enum)]
    pub format: Option<ImportFormat>,
    #[arg(long, value_enum)]
    pub mode: ImportMode,
    /// The columns of each row that name its record, for update and upsert (comma-separated): the table's
    /// id column by default, or an alternate key's columns. They are not written; an upsert row without
    /// them creates a record.
    #[arg(long)]
    pub key: Option<String>,
    /// Rows per call (a $batch holds at most 1000).
    #[arg(long, default_value_t = 1000)]
    pub chunk: usize,
    /// bulk: the bulk messages only; batch: $batch change sets only; auto: bulk, and $batch for a table
    /// without the bulk messages (never for a refused row).
    #[arg(long, value_enum, default_value_t = ImportVia::Auto)]
    pub via: ImportVia,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    Csv,
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportMode {
    Create,
    Update,
    Upsert,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportVia {
    Auto,
    Bulk,
    Batch,
}
