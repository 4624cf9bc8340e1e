//! Where a password comes from: never the command line, where other users could read it
//! in the process list and it would land in shell history.
//!
//! In order: `--password-file FILE` (its first line), the `MILMED_PASSWORD` environment
//! variable, then a prompt on the terminal (twice when encrypting, to catch typos).

use std::fs;
use std::io::{self, IsTerminal};
use std::path::Path;

use crate::exit::Exit;

/// The environment variable holding the password.
pub const PASSWORD_ENV: &str = "MILMED_PASSWORD";

/// Why the password is wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A new encrypted output: the prompt asks twice.
    Encrypt,
    /// Reading an encrypted file.
    Decrypt,
}

/// The password, from the first source that has one.
pub fn password(file: Option<&Path>, purpose: Purpose) -> Result<String, Exit> {
    if let Some(file) = file {
        let text = fs::read_to_string(file).map_err(|e| {
            Exit::usage(format!("cannot read password file {}: {e}", file.display()))
        })?;
        let first = text.lines().next().unwrap_or("");
        return non_empty(
            first.to_owned(),
            &format!("password file {}", file.display()),
        );
    }
    if let Some(value) = std::env::var_os(PASSWORD_ENV) {
        let value = value
            .into_string()
            .map_err(|_| Exit::usage(format!("{PASSWORD_ENV} is not valid UTF-8")))?;
        return non_empty(value, PASSWORD_ENV);
    }
    if !io::stdin().is_terminal() {
        return Err(Exit::usage(format!(
            "a password is needed: set {PASSWORD_ENV}, give --password-file FILE, or run in a terminal to be asked"
        )));
    }
    let prompt_failed = |e: io::Error| Exit::usage(format!("cannot read the password: {e}"));
    let first = rpassword::prompt_password("milmed password: ").map_err(prompt_failed)?;
    let first = non_empty(first, "the password typed")?;
    if purpose == Purpose::Encrypt {
        let again =
            rpassword::prompt_password("milmed password (again): ").map_err(prompt_failed)?;
        if again != first {
            return Err(Exit::usage("the two passwords typed differ"));
        }
    }
    Ok(first)
}

fn non_empty(password: String, source: &str) -> Result<String, Exit> {
    if password.is_empty() {
        Err(Exit::usage(format!("{source}: the password is empty")))
    } else {
        Ok(password)
    }
}
