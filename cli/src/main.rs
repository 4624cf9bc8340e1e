//! `milmed`: the command line of milmed-core.
//!
//! Every failure ends with exactly one line `milmed: error: <message>` on stderr and the
//! exit code documented in docs/cli.md (0 success, 1 runtime failure, 2 bad input or usage,
//! 3 budget exceeded, 128 + the signal number when interrupted: 129 SIGHUP, 130 SIGINT,
//! 143 SIGTERM).

mod args;
mod audit;
mod commands;
mod decrypt;
mod exit;
mod generate;
mod password;
mod signals;

use std::process::ExitCode;

use std::fmt::Write as _;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser};

use crate::args::{Cli, Command, ScenarioCommand};
use crate::exit::{Exit, print_stderr};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let result = match &cli.command {
        Command::Generate(args) => generate::generate(args),
        Command::Decrypt(args) => decrypt::decrypt(args),
        Command::Presets => commands::presets(),
        Command::Scenario(ScenarioCommand::Show { preset }) => {
            commands::scenario_show(preset.as_deref())
        }
        Command::Validate { file } => commands::validate(file),
        Command::Audit(args) => audit::audit(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Exit { code, message }) => {
            if let Some(message) = message {
                print_stderr(&format!("milmed: error: {message}"));
            }
            ExitCode::from(code)
        }
    }
}

/// Help and version go to stdout (exit 0), a missing subcommand prints the help (exit 2);
/// any other clap error becomes one line on stderr, with clap's tip if it has one (exit 2).
fn usage_error(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::SUCCESS
            });
        }
        _ => {}
    }
    let text = e.to_string();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("invalid command line");
    let mut message = first.strip_prefix("error: ").unwrap_or(first).to_owned();
    // "the following required arguments were not provided:" lists them on the lines
    // below, which are not kept: name them on this line.
    if let Some(ContextValue::Strings(names)) = e.get(ContextKind::InvalidArg) {
        if message.ends_with(':') {
            message.push(' ');
            message.push_str(&names.join(", "));
        }
    }
    for tip in lines.filter_map(|l| l.strip_prefix("tip: ")) {
        message.push_str("; ");
        message.push_str(tip);
    }
    let _ = write!(message, " (try '{} --help')", usage_command());
    print_stderr(&format!("milmed: error: {message}"));
    ExitCode::from(exit::USAGE)
}

/// `milmed SUBCOMMAND` when the first argument names one, else `milmed`.
fn usage_command() -> String {
    let first = std::env::args_os().nth(1);
    match first.as_ref().and_then(|a| a.to_str()) {
        Some(name) if Cli::command().find_subcommand(name).is_some() => format!("milmed {name}"),
        _ => "milmed".to_owned(),
    }
}
