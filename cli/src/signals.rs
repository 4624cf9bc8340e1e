//! How `generate` and `decrypt` end on SIGINT, SIGTERM and SIGHUP.
//!
//! The signals are received on a thread of their own (signal-hook's iterator), where any
//! work is allowed, instead of in a signal handler. What they do depends on the command:
//!
//! - [`Policy::Graceful`] (`generate`): the first signal cancels the job, which stops at
//!   its next batch and closes the document; the command then exits with 128 + the signal
//!   number. A second signal (of any of the three) aborts.
//! - [`Policy::Abort`] (`decrypt`): the first signal aborts, since a part of a plaintext
//!   is not a document.
//!
//! Aborting removes the output being written — the `.partial` file or directory
//! registered with [`Protected`] — and exits with 128 + the signal number. Registration and
//! the rename that commits an output take the same lock as the abort, so an output is
//! either renamed into place whole or removed, never left half-written under any name.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use milmed_core::budget::CancelToken;
use milmed_core::output::{Partial, remove_partial};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::exit::{Exit, print_stderr};

/// What the first signal does.
pub enum Policy {
    /// Cancel this token; a second signal aborts.
    Graceful(CancelToken),
    /// Abort at once.
    Abort,
}

/// The output to remove if the command is aborted.
static PARTIAL: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The number of the first signal received, 0 before any.
static FIRST: AtomicI32 = AtomicI32::new(0);

fn partial_slot() -> MutexGuard<'static, Option<PathBuf>> {
    // A panic while holding the lock leaves a path that is still right to remove.
    PARTIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts receiving SIGINT, SIGTERM and SIGHUP with `policy` (call once per process).
pub fn install(policy: Policy) -> Result<(), Exit> {
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])
        .map_err(|e| Exit::runtime(format!("cannot install the signal handlers: {e}")))?;
    std::thread::Builder::new()
        .name("signals".to_owned())
        .spawn(move || {
            for signal in signals.forever() {
                let first = FIRST
                    .compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok();
                match &policy {
                    Policy::Graceful(token) if first => token.cancel(),
                    _ => abort(signal),
                }
            }
        })
        .map_err(|e| Exit::runtime(format!("cannot start the signal thread: {e}")))?;
    Ok(())
}

/// The first signal received, if any: its name and the exit code it calls for.
pub fn received() -> Option<(&'static str, u8)> {
    match FIRST.load(Ordering::SeqCst) {
        0 => None,
        signal => Some((name(signal), exit_code(signal))),
    }
}

/// Removes the registered output and exits with 128 + `signal`, holding the lock so that
/// no commit can happen in between.
fn abort(signal: i32) -> ! {
    let slot = partial_slot();
    let what = match slot.as_deref() {
        Some(path) => {
            remove_partial(path);
            format!("; the unfinished output {} was removed", path.display())
        }
        None => String::new(),
    };
    print_stderr(&format!("milmed: error: stopped by {}{what}", name(signal)));
    std::process::exit(i32::from(exit_code(signal)));
}

/// 128 + the signal number, as shells report a process killed by a signal.
fn exit_code(signal: i32) -> u8 {
    u8::try_from(128 + signal).unwrap_or(u8::MAX)
}

fn name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

/// A [`Partial`] output registered for removal if a signal aborts the command.
pub struct Protected {
    /// `None` once committed.
    partial: Option<Partial>,
}

impl Protected {
    /// Registers `partial` (only one output is protected at a time).
    pub fn new(partial: Partial) -> Protected {
        *partial_slot() = partial.removable().map(Path::to_owned);
        Protected {
            partial: Some(partial),
        }
    }

    /// Where the output is being written.
    pub fn path(&self) -> &Path {
        self.partial.as_ref().map_or(Path::new(""), Partial::path)
    }

    /// Renames the output into place (see [`Partial::commit`]), unless an abort is under
    /// way, in which case the process ends before this returns.
    pub fn commit(mut self) -> io::Result<()> {
        let mut slot = partial_slot();
        let result = match self.partial.take() {
            Some(partial) => partial.commit(),
            None => Ok(()),
        };
        *slot = None;
        result
    }
}

impl Drop for Protected {
    /// Removes an uncommitted output, under the lock.
    fn drop(&mut self) {
        let mut slot = partial_slot();
        drop(self.partial.take());
        *slot = None;
    }
}
