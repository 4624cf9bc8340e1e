//! Outputs written under a `.partial` name and renamed into place only when complete, so
//! a file or directory with the name the user gave always holds a whole document; any
//! failure, interruption or panic removes the partial one (when the [`Partial`] is
//! dropped without [`commit`](Partial::commit)).

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

/// An output being written as `<target>.partial`.
#[derive(Debug)]
pub struct Partial {
    target: PathBuf,
    /// `None` once committed.
    partial: Option<PathBuf>,
}

/// An error about `target`, with what was attempted.
fn error(kind: io::ErrorKind, message: String) -> io::Error {
    io::Error::new(kind, message)
}

impl Partial {
    /// Creates `<target>.partial` as a file. A directory at `target` is refused.
    pub fn file(target: &Path) -> io::Result<(Partial, File)> {
        if target.is_dir() {
            return Err(error(
                io::ErrorKind::IsADirectory,
                format!("output path {} is a directory", target.display()),
            ));
        }
        let partial = partial_path(target);
        let file = File::create(&partial).map_err(|e| {
            error(
                e.kind(),
                format!(
                    "cannot create output file {} (as {}): {e}",
                    target.display(),
                    partial.display()
                ),
            )
        })?;
        Ok((Partial::new(target, partial), file))
    }

    /// Creates `<target>.partial/` as a directory; `what` names what needs a directory
    /// (for messages). `target` may exist only as an empty directory (replaced on commit);
    /// what is there otherwise is never touched.
    pub fn directory(target: &Path, what: &str) -> io::Result<Partial> {
        if target.is_file() {
            return Err(error(
                io::ErrorKind::NotADirectory,
                format!(
                    "output path {} is a file; {what} needs a directory",
                    target.display()
                ),
            ));
        }
        if target.is_dir()
            && !matches!(
                fs::read_dir(target).map(|mut d| d.next().is_none()),
                Ok(true)
            )
        {
            return Err(error(
                io::ErrorKind::DirectoryNotEmpty,
                format!(
                    "output directory {} exists and is not empty",
                    target.display()
                ),
            ));
        }
        let partial = partial_path(target);
        if partial.is_dir() {
            // Left by a run that was killed; it is ours to replace.
            let _ = fs::remove_dir_all(&partial);
        }
        fs::create_dir_all(&partial).map_err(|e| {
            error(
                e.kind(),
                format!(
                    "cannot create output directory {} (as {}): {e}",
                    target.display(),
                    partial.display()
                ),
            )
        })?;
        Ok(Partial::new(target, partial))
    }

    fn new(target: &Path, partial: PathBuf) -> Partial {
        Partial {
            target: target.to_owned(),
            partial: Some(partial),
        }
    }

    /// Where to write: the `.partial` path.
    pub fn path(&self) -> &Path {
        self.partial.as_deref().expect("not committed yet")
    }

    /// Renames the complete output into place.
    pub fn commit(mut self) -> io::Result<()> {
        let partial = self.partial.take().expect("committed once");
        if self.target.is_dir() {
            // Checked empty when the output was created.
            let _ = fs::remove_dir(&self.target);
        }
        fs::rename(&partial, &self.target).map_err(|e| {
            self.partial = Some(partial.clone());
            error(
                e.kind(),
                format!(
                    "cannot rename {} to {}: {e}",
                    partial.display(),
                    self.target.display()
                ),
            )
        })
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if let Some(path) = self.partial.take() {
            if path.is_dir() {
                let _ = fs::remove_dir_all(path);
            } else {
                let _ = fs::remove_file(path);
            }
        }
    }
}

/// `a/b.ndjson` → `a/b.ndjson.partial`.
fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}
