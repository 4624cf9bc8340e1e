//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use milmed_core::format::Format;
use milmed_core::output::Compression;

/// Exit codes, shown after `--help` and documented in docs/cli.md.
pub const EXIT_CODES: &str = "\
Exit codes:
  0    success (also when a reader closes the pipe early, e.g. `milmed generate | head`)
  1    runtime failure: an I/O error while writing the output
  2    bad input or usage: unknown flag or value, unreadable or invalid scenario, unknown preset,
       output path that cannot be created, no password; for decrypt: a wrong password, or a
       file that is not milmed's, truncated or tampered with
  130  interrupted (Ctrl-C); a partial output file is removed";

/// milmed: deterministic synthetic casualties for military medical exercises.
///
/// Generates patients injured in a NATO scenario and carried through the evacuation chain
/// (POI, Role 1-4). The output is a pure function of the scenario, the seed and the milmed
/// version: the same command always writes the same bytes, whatever the number of threads.
#[derive(Debug, Parser)]
#[command(name = "milmed", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate patients in any format, optionally compressed and encrypted.
    #[command(after_help = EXIT_CODES)]
    Generate(GenerateArgs),
    /// Decrypt a file written by `generate --encrypt`.
    #[command(after_help = EXIT_CODES)]
    Decrypt(DecryptArgs),
    /// List the named presets: name, patients, days, description.
    Presets,
    /// Work with scenario files.
    #[command(subcommand)]
    Scenario(ScenarioCommand),
    /// Check a scenario file (JSON, or TOML when the name ends in .toml) and report every
    /// problem with its path.
    #[command(after_help = EXIT_CODES)]
    Validate {
        /// The scenario file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// Print a preset as pretty JSON, ready to edit and pass to `generate --scenario`.
    Show {
        /// Preset name (see `milmed presets`); without it, the default scenario.
        preset: Option<String>,
    },
}

/// Arguments of `milmed generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Named preset (see `milmed presets`). Default: the default scenario.
    #[arg(long, value_name = "NAME", conflicts_with = "scenario")]
    pub preset: Option<String>,

    /// Scenario file: JSON, or TOML when the name ends in .toml.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,

    /// Number of patients, overriding the scenario's `patients`.
    #[arg(short = 'n', long = "patients", value_name = "N", value_parser = parse_patients)]
    pub patients: Option<u64>,

    /// Random seed; the same scenario and seed always give the same output.
    #[arg(long, value_name = "S", default_value_t = 0, value_parser = parse_seed)]
    pub seed: u64,

    /// Output format: ndjson (one patient per line), json (one array), csv (one row per
    /// patient), events-csv (one row per timeline event), xml (one document), viewer (the
    /// timeline viewer's JSON), fhir or fhir-transaction (one FHIR R4 Bundle per line), ndef
    /// (one NFC NDEF file per patient, into the directory given by -o).
    #[arg(long, value_name = "FORMAT", default_value = "ndjson", value_parser = parse_format)]
    pub format: Format,

    /// Compression: none or gzip. For ndef, each tag's payload is compressed.
    #[arg(long, value_name = "C", default_value = "none", value_parser = parse_compression)]
    pub compress: Compression,

    /// Encrypt with AES-256-GCM under a password taken from MILMED_PASSWORD, --password-file
    /// or a terminal prompt (never from the command line). For ndef, each tag's payload.
    #[arg(long)]
    pub encrypt: bool,

    /// File whose first line is the password (with --encrypt).
    #[arg(long, value_name = "FILE", requires = "encrypt")]
    pub password_file: Option<PathBuf>,

    /// Output file; `-` or absent for standard output. A file is written as FILE.partial
    /// and renamed to FILE only when complete.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Worker threads (1-1024). Default: the available parallelism. Never changes the output.
    #[arg(long, value_name = "T", value_parser = parse_threads)]
    pub threads: Option<usize>,

    /// Patients per unit of work (1-1048576). Never changes the output.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CHUNK, value_parser = parse_chunk)]
    pub chunk: usize,
}

/// Arguments of `milmed decrypt`.
#[derive(Debug, Args)]
pub struct DecryptArgs {
    /// The encrypted file; `-` for standard input.
    pub input: PathBuf,

    /// Where the plaintext goes; `-` or absent for standard output. A file is written as
    /// FILE.partial and renamed to FILE only when every chunk has been verified.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// File whose first line is the password (else MILMED_PASSWORD, else a prompt).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

fn parse_compression(text: &str) -> Result<Compression, String> {
    text.parse::<Compression>().map_err(|e| e.to_string())
}

fn parse_format(text: &str) -> Result<Format, String> {
    text.parse::<Format>().map_err(|e| e.to_string())
}

fn parse_patients(text: &str) -> Result<u64, String> {
    whole_number(text, 1, milmed_core::scenario::MAX_PATIENTS)
}

fn parse_seed(text: &str) -> Result<u64, String> {
    whole_number(text, 0, u64::MAX)
}

fn parse_threads(text: &str) -> Result<usize, String> {
    whole_number(text, 1, MAX_THREADS as u64).map(|n| n as usize)
}

fn parse_chunk(text: &str) -> Result<usize, String> {
    whole_number(text, 1, MAX_CHUNK as u64).map(|n| n as usize)
}

/// Default `--chunk`: the library's, small enough to keep memory flat.
pub const DEFAULT_CHUNK: usize = milmed_core::DEFAULT_CHUNK;

/// Most worker threads `--threads` accepts.
const MAX_THREADS: usize = 1024;
/// Largest `--chunk`.
const MAX_CHUNK: usize = 1 << 20;

/// A decimal integer inside `min..=max` (underscores allowed as separators).
fn whole_number(text: &str, min: u64, max: u64) -> Result<u64, String> {
    let digits: String = text.chars().filter(|&c| c != '_').collect();
    match digits.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from {min} to {max}")),
    }
}
