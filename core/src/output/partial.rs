//! Outputs that never destroy anything.
//!
//! A regular file is written as `<target>.partial` and renamed into place only when
//! complete, so a file with the name the user gave always holds a whole document; any
//! failure, interruption or panic removes the partial one (when the [`Partial`] is dropped
//! without [`commit`](Partial::commit)). The rules, in the order they are applied:
//!
//! - **A symbolic link** is followed: the output goes where the link points (a partial file
//!   beside the link's final target, renamed over that target) and the link stays a link.
//!   A link that points nowhere is refused rather than replaced by a file.
//! - **Something that is not a regular file** — a character or block device, a named pipe
//!   (`/dev/null`, `/dev/stdout`, a FIFO) — is written in place, directly: it is never
//!   renamed over or replaced, and there is nothing to commit or remove.
//! - **An existing regular file** must be writable by the user: milmed opens it for
//!   writing (without truncating it) before any work, and refuses it otherwise, instead of
//!   replacing a file the user could not have written.
//! - **The partial file is created exclusively** (`O_CREAT | O_EXCL`): it never follows a
//!   symbolic link and never truncates a file that someone else made. If it already
//!   exists (another run writing the same file, or one that was killed), the output is
//!   refused with a message naming it; it is never written through.
//!
//! Directories (formats with one file per patient) follow the same rules: the partial
//! directory is created exclusively, and the target may exist only as an empty directory.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// An output being written: a `<target>.partial` file or directory until
/// [`commit`](Partial::commit), or a non-regular target written in place.
#[derive(Debug)]
pub struct Partial {
    /// Where the output ends: the user's path, with symbolic links resolved.
    target: PathBuf,
    state: State,
}

#[derive(Debug)]
enum State {
    /// Written as this `.partial` path, renamed to the target on commit.
    Pending(PathBuf),
    /// Written directly into a device or pipe: nothing to rename or remove.
    InPlace,
    /// Committed (or its partial output already removed).
    Done,
}

/// Who may read a partial file while it is written, and the final file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The process's usual permissions (`0o666` less the umask).
    Default,
    /// The owner only (`0o600`): for plaintext restored from an encrypted file.
    Private,
}

fn error(kind: io::ErrorKind, message: String) -> io::Error {
    io::Error::new(kind, message)
}

/// The kind of filesystem object at a path (following symbolic links).
enum Existing {
    Nothing,
    RegularFile,
    Directory,
    /// Device, named pipe or socket.
    Special,
}

/// Resolves `path` through symbolic links and says what is there.
///
/// A link is replaced by the canonical path of what it points to, so that a partial file
/// is made beside the real file and the rename replaces that file, not the link.
fn resolve(path: &Path) -> io::Result<(PathBuf, Existing)> {
    let link = match fs::symlink_metadata(path) {
        Ok(meta) => meta.file_type().is_symlink(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok((path.to_owned(), Existing::Nothing));
        }
        Err(e) => {
            return Err(error(
                e.kind(),
                format!("cannot inspect output path {}: {e}", path.display()),
            ));
        }
    };
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if link && e.kind() == io::ErrorKind::NotFound => {
            let to =
                fs::read_link(path).map_or_else(|_| "?".to_owned(), |p| p.display().to_string());
            return Err(error(
                io::ErrorKind::NotFound,
                format!(
                    "output path {} is a symbolic link to {to}, which does not exist; create the file it points to, or give another path",
                    path.display()
                ),
            ));
        }
        Err(e) => {
            return Err(error(
                e.kind(),
                format!("cannot inspect output path {}: {e}", path.display()),
            ));
        }
    };
    let kind = if meta.is_file() {
        Existing::RegularFile
    } else if meta.is_dir() {
        Existing::Directory
    } else {
        Existing::Special
    };
    if !link || !matches!(kind, Existing::RegularFile | Existing::Directory) {
        // A device or pipe behind a link is opened through the link (`/dev/stdout`).
        return Ok((path.to_owned(), kind));
    }
    let real = fs::canonicalize(path).map_err(|e| {
        error(
            e.kind(),
            format!("cannot resolve the symbolic link {}: {e}", path.display()),
        )
    })?;
    Ok((real, kind))
}

impl Partial {
    /// Opens the output file for `target` with the process's usual permissions: a new
    /// `<target>.partial`, or `target` itself when it is a device or pipe (see the module
    /// documentation for every rule).
    pub fn file(target: &Path) -> io::Result<(Partial, File)> {
        Partial::file_with(target, Access::Default)
    }

    /// Like [`Partial::file`], with the given access for a new file (which it keeps once
    /// committed).
    pub fn file_with(target: &Path, access: Access) -> io::Result<(Partial, File)> {
        let (real, existing) = resolve(target)?;
        match existing {
            Existing::Directory => {
                return Err(error(
                    io::ErrorKind::IsADirectory,
                    format!("output path {} is a directory", target.display()),
                ));
            }
            Existing::Special => {
                let file = OpenOptions::new().write(true).open(&real).map_err(|e| {
                    error(
                        e.kind(),
                        format!("cannot open output {} for writing: {e}", target.display()),
                    )
                })?;
                let partial = Partial {
                    target: real,
                    state: State::InPlace,
                };
                return Ok((partial, file));
            }
            Existing::RegularFile => {
                // Opened for writing, not truncated: only to learn whether the user may.
                OpenOptions::new().write(true).open(&real).map_err(|e| {
                    error(
                        e.kind(),
                        format!(
                            "output file {} exists and cannot be written ({e}); it is left as it is",
                            target.display()
                        ),
                    )
                })?;
            }
            Existing::Nothing => {}
        }
        let partial = partial_path(&real);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if access == Access::Private {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = access;
        let file = options
            .open(&partial)
            .map_err(|e| partial_error(target, &partial, "file", &e))?;
        Ok((Partial::pending(real, partial), file))
    }

    /// Creates `<target>.partial/` as a directory; `what` names what needs a directory
    /// (for messages). `target` may exist only as an empty directory (replaced on commit);
    /// what is there otherwise is never touched.
    pub fn directory(target: &Path, what: &str) -> io::Result<Partial> {
        let (real, existing) = resolve(target)?;
        match existing {
            Existing::Nothing => {}
            Existing::Directory => {
                if !matches!(
                    fs::read_dir(&real).map(|mut d| d.next().is_none()),
                    Ok(true)
                ) {
                    return Err(error(
                        io::ErrorKind::DirectoryNotEmpty,
                        format!(
                            "output directory {} exists and is not empty",
                            target.display()
                        ),
                    ));
                }
            }
            Existing::RegularFile | Existing::Special => {
                let is = if matches!(existing, Existing::RegularFile) {
                    "is a file"
                } else {
                    "is not a directory"
                };
                return Err(error(
                    io::ErrorKind::NotADirectory,
                    format!(
                        "output path {} {is}; {what} needs a directory",
                        target.display()
                    ),
                ));
            }
        }
        let partial = partial_path(&real);
        fs::create_dir(&partial).map_err(|e| partial_error(target, &partial, "directory", &e))?;
        Ok(Partial::pending(real, partial))
    }

    fn pending(target: PathBuf, partial: PathBuf) -> Partial {
        Partial {
            target,
            state: State::Pending(partial),
        }
    }

    /// Where the output is being written: the `.partial` path, or the target itself when
    /// it is written in place.
    pub fn path(&self) -> &Path {
        match &self.state {
            State::Pending(partial) => partial,
            State::InPlace | State::Done => &self.target,
        }
    }

    /// The path that [`Drop`] or an interruption must remove: the `.partial` file or
    /// directory, or `None` when the output is written in place.
    pub fn removable(&self) -> Option<&Path> {
        match &self.state {
            State::Pending(partial) => Some(partial),
            State::InPlace | State::Done => None,
        }
    }

    /// Renames the complete output into place (nothing to do when written in place).
    pub fn commit(mut self) -> io::Result<()> {
        let State::Pending(partial) = std::mem::replace(&mut self.state, State::Done) else {
            return Ok(());
        };
        if self.target.is_dir() {
            // Checked empty when the output was created.
            let _ = fs::remove_dir(&self.target);
        }
        fs::rename(&partial, &self.target).map_err(|e| {
            let message = format!(
                "cannot rename {} to {}: {e}",
                partial.display(),
                self.target.display()
            );
            self.state = State::Pending(partial);
            error(e.kind(), message)
        })
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if let State::Pending(path) = std::mem::replace(&mut self.state, State::Done) {
            remove_partial(&path);
        }
    }
}

/// Removes a partial file or directory (see [`Partial::removable`]), ignoring errors: it
/// may be gone already. For callers that must clean up without the [`Partial`] itself,
/// such as a signal handler on another thread.
pub fn remove_partial(path: &Path) {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            let _ = fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = fs::remove_file(path);
        }
        Err(_) => {}
    }
}

fn partial_error(target: &Path, partial: &Path, what: &str, e: &io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::AlreadyExists {
        return error(
            e.kind(),
            format!(
                "{} already exists: another run may be writing {}, or one was killed; remove it if it is stale (milmed never writes through a partial {what} it did not create)",
                partial.display(),
                target.display()
            ),
        );
    }
    error(
        e.kind(),
        format!(
            "cannot create output {what} {} (as {}): {e}",
            target.display(),
            partial.display()
        ),
    )
}

/// `a/b.ndjson` → `a/b.ndjson.partial`.
fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}
