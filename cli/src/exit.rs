//! How a command ends: an exit code and at most one line on stderr.

use std::io::{self, Write};

/// Success.
pub const SUCCESS: u8 = 0;
/// Runtime failure: I/O while writing the output.
pub const RUNTIME: u8 = 1;
/// Bad input or usage.
pub const USAGE: u8 = 2;
/// A `--max-*` budget stopped the run (the output is a complete, truncated document).
pub const BUDGET: u8 = 3;

/// A command that did not succeed normally.
#[derive(Debug)]
pub struct Exit {
    /// Process exit code.
    pub code: u8,
    /// The one line printed as `milmed: error: <message>`, if any.
    pub message: Option<String>,
}

impl Exit {
    /// Bad input or usage (exit 2).
    pub fn usage(message: impl Into<String>) -> Exit {
        Exit {
            code: USAGE,
            message: Some(message.into()),
        }
    }

    /// Runtime failure (exit 1).
    pub fn runtime(message: impl Into<String>) -> Exit {
        Exit {
            code: RUNTIME,
            message: Some(message.into()),
        }
    }

    /// Exit with `code` and print nothing more (what had to be said was said).
    pub fn quiet(code: u8) -> Exit {
        Exit {
            code,
            message: None,
        }
    }

    /// A failed write to standard output: quiet success when the reader went away
    /// (`milmed … | head`), a runtime failure otherwise.
    pub fn stdout(error: &io::Error) -> Exit {
        if error.kind() == io::ErrorKind::BrokenPipe {
            Exit::quiet(SUCCESS)
        } else {
            Exit::runtime(format!("cannot write to standard output: {error}"))
        }
    }
}

/// Writes `text` to standard output, mapping errors with [`Exit::stdout`].
pub fn print_stdout(text: &str) -> Result<(), Exit> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Exit::stdout(&e))
}

/// Writes one line to standard error, ignoring failures (there is nowhere left to report
/// them, and a closed stderr must not turn into a panic).
pub fn print_stderr(line: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{line}");
}
