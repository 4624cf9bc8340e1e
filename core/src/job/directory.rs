//! A job sink writing one file per patient, for formats whose every patient is a document
//! of its own ([`Format::one_file_per_patient`]: NDEF tags).

use std::fs;
use std::io;
use std::path::PathBuf;

use super::run::{EncodedBatch, JobSink};
use crate::format::Format;

/// One file per patient in a directory: `patient-<index>.<extension>`, the index
/// zero-padded to the width of the largest one so that names sort in patient order.
///
/// The directory must exist; write into a [`Partial`](crate::output::Partial) directory
/// so that it appears only when complete.
#[derive(Debug)]
pub struct DirectorySink {
    dir: PathBuf,
    extension: &'static str,
    width: usize,
    bytes: u64,
}

impl DirectorySink {
    /// A sink for up to `patients` patients of `format` into `dir`.
    pub fn new(dir: PathBuf, format: Format, patients: u64) -> DirectorySink {
        DirectorySink {
            dir,
            extension: format.extension(),
            width: patients.saturating_sub(1).max(1).ilog10() as usize + 1,
            bytes: 0,
        }
    }
}

impl JobSink for DirectorySink {
    type Output = ();

    fn per_patient(&self) -> bool {
        true
    }

    fn write_batch(&mut self, batch: &mut EncodedBatch) -> io::Result<()> {
        let mut start = 0;
        for (i, &end) in batch.ends.iter().enumerate() {
            let name = format!(
                "patient-{:0width$}.{}",
                batch.first + i as u64,
                self.extension,
                width = self.width
            );
            fs::write(self.dir.join(name), &batch.bytes[start..end])?;
            start = end;
        }
        self.bytes += batch.bytes.len() as u64;
        Ok(())
    }

    fn bytes(&self) -> u64 {
        self.bytes
    }

    fn finish(self) -> io::Result<((), u64)> {
        Ok(((), self.bytes))
    }
}
