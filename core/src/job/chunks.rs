//! A job sink that hands the output on in chunks, for consumers on another thread: a
//! Python iterator, an HTTP response body.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::run::{EncodedBatch, JobSink};
use crate::format::Encoder;

/// Passes each batch's bytes to `send` as one chunk: the format's header goes with the
/// first, the footer after the last, so the chunks concatenated are exactly the document
/// a [`StreamSink`](super::StreamSink) would write. With a one-file-per-patient format
/// each patient's bytes are a chunk of their own.
///
/// `send` usually pushes into a bounded channel, blocking while it is full, which slows
/// the job down to the consumer's pace; an error from it (the consumer has gone) stops
/// the job. Bytes sent but not yet consumed count in the job's memory when the consumer
/// reports them through [`ChunkSink::queued`].
pub struct ChunkSink<F> {
    encoder: Arc<dyn Encoder>,
    send: F,
    per_patient: bool,
    started: bool,
    patients: u64,
    bytes: u64,
    queued: Option<Arc<AtomicU64>>,
}

impl<F: FnMut(Vec<u8>) -> io::Result<()>> ChunkSink<F> {
    /// A sink sending the chunks of `encoder`'s document (one per patient when
    /// `per_patient`) to `send`.
    pub fn new(encoder: Arc<dyn Encoder>, per_patient: bool, send: F) -> ChunkSink<F> {
        ChunkSink {
            encoder,
            send,
            per_patient,
            started: false,
            patients: 0,
            bytes: 0,
            queued: None,
        }
    }

    /// Counts `queued` (bytes sent and not yet consumed, kept by the consumer) in the
    /// job's memory.
    pub fn queued(mut self, queued: Arc<AtomicU64>) -> ChunkSink<F> {
        self.queued = Some(queued);
        self
    }

    fn emit(&mut self, chunk: Vec<u8>) -> io::Result<()> {
        self.bytes += chunk.len() as u64;
        (self.send)(chunk)
    }

    /// The header, the first time.
    fn header(&mut self) -> Vec<u8> {
        let mut chunk = Vec::new();
        if !self.started {
            self.started = true;
            self.encoder.header(&mut chunk);
        }
        chunk
    }
}

impl<F: FnMut(Vec<u8>) -> io::Result<()>> JobSink for ChunkSink<F> {
    type Output = ();

    fn per_patient(&self) -> bool {
        self.per_patient
    }

    fn write_batch(&mut self, batch: &mut EncodedBatch) -> io::Result<()> {
        let mut chunk = self.header();
        self.patients += batch.count;
        if self.per_patient {
            if !chunk.is_empty() {
                self.emit(chunk)?;
            }
            let mut start = 0;
            for &end in &batch.ends {
                self.emit(batch.bytes[start..end].to_vec())?;
                start = end;
            }
            Ok(())
        } else if chunk.is_empty() {
            // Most batches: hand the worker's buffer on, without a copy.
            self.emit(std::mem::take(&mut batch.bytes))
        } else {
            chunk.extend_from_slice(&batch.bytes);
            self.emit(chunk)
        }
    }

    fn bytes(&self) -> u64 {
        self.bytes
    }

    fn memory(&self) -> u64 {
        self.queued
            .as_ref()
            .map_or(0, |q| q.load(Ordering::Relaxed))
    }

    fn finish(mut self) -> io::Result<((), u64)> {
        let mut tail = self.header();
        self.encoder.footer(&mut tail, self.patients);
        if !tail.is_empty() {
            self.emit(tail)?;
        }
        Ok(((), self.bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::Budget;
    use crate::format::Format;
    use crate::job::{Job, StreamSink, run_job};
    use crate::output::Compression;
    use crate::{Generator, Scenario};

    /// The chunks concatenate to the document a StreamSink writes, in every format.
    #[test]
    fn chunks_concatenate_to_the_document() {
        let generator = Generator::new(&Scenario::preset("peacekeeping").unwrap(), 4).unwrap();
        for format in Format::ALL {
            let encoder = format.encoder(&generator);
            for budget in [
                Budget::default(),
                Budget {
                    max_patients: Some(0),
                    ..Budget::default()
                },
            ] {
                let job = Job::new(&generator, Arc::clone(&encoder))
                    .batch(37)
                    .threads(2)
                    .budget(budget);
                let mut chunks = Vec::new();
                let sink =
                    ChunkSink::new(Arc::clone(&encoder), format.one_file_per_patient(), |c| {
                        chunks.push(c);
                        Ok(())
                    });
                run_job(&job, sink, |_| {}).unwrap();
                let whole =
                    StreamSink::new(Arc::clone(&encoder), Vec::new(), Compression::None, None)
                        .unwrap();
                let expected = run_job(&job, whole, |_| {}).unwrap().output;
                assert_eq!(chunks.concat(), expected, "{format}");
                if format.one_file_per_patient() && budget.max_patients.is_none() {
                    assert_eq!(chunks.len(), 500, "{format}: a chunk per patient");
                }
            }
        }
    }
}
