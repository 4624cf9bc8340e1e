//! A job sink that hands the output on in chunks through a bounded channel, for
//! consumers on another thread: a Python iterator, an HTTP response body, a database
//! `COPY`.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use super::run::{EncodedBatch, JobEnd, JobSink};
use crate::format::Encoder;

/// The sending half of a bounded channel of chunks, whatever the channel: a
/// [`ChunkSink`] sends through it.
///
/// `send_chunk` blocks while the channel is full, which slows the job down to the
/// consumer's pace and keeps memory bounded. It returns an error of kind
/// [`BrokenPipe`](io::ErrorKind::BrokenPipe) (see [`receiver_gone`]) when the receiving
/// half has been dropped: the job then stops cleanly, ending
/// [`Cancelled`](JobEnd::Cancelled). Any other error fails the job.
///
/// Implemented for std's [`SyncSender`](mpsc::SyncSender) and [`Sender`](mpsc::Sender) of
/// `Vec<u8>`, and for any closure `FnMut(Vec<u8>) -> io::Result<()>`, which is how other
/// channels are plugged in. With tokio, whose channel items are often `Result`s, the
/// closure is `move |chunk| tx.blocking_send(Ok(chunk)).map_err(|_| receiver_gone())`
/// (on a thread outside the runtime: [`Job::spawn`](super::Job::spawn)'s, or a
/// `spawn_blocking` one). A closure wrapping std's channel, counting what it sends:
///
/// ```
/// use std::sync::mpsc::sync_channel;
/// use milmed_core::format::Format;
/// use milmed_core::job::{ChunkSink, Job, JobEnd, receiver_gone, run_job};
/// use milmed_core::{Generator, Scenario};
///
/// let generator = Generator::new(&Scenario::preset("training_exercise")?, 1)?;
/// let encoder = Format::Ndjson.encoder(&generator);
/// let (tx, rx) = sync_channel::<Vec<u8>>(1);
/// drop(rx); // the consumer has gone before the first chunk
/// let mut sent = 0;
/// let send = |chunk: Vec<u8>| {
///     sent += 1;
///     tx.send(chunk).map_err(|_| receiver_gone())
/// };
/// let report = run_job(&Job::new(&generator, encoder.clone()), ChunkSink::new(encoder, false, send), |_| {})?;
/// assert_eq!(report.end, JobEnd::Cancelled); // stopped cleanly, not an error
/// assert_eq!((sent, report.bytes), (1, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait ChunkChannel {
    /// Sends one chunk, waiting while the channel is full.
    fn send_chunk(&mut self, chunk: Vec<u8>) -> io::Result<()>;
}

impl<F: FnMut(Vec<u8>) -> io::Result<()>> ChunkChannel for F {
    fn send_chunk(&mut self, chunk: Vec<u8>) -> io::Result<()> {
        self(chunk)
    }
}

impl ChunkChannel for mpsc::SyncSender<Vec<u8>> {
    fn send_chunk(&mut self, chunk: Vec<u8>) -> io::Result<()> {
        self.send(chunk).map_err(|_| receiver_gone())
    }
}

impl ChunkChannel for mpsc::Sender<Vec<u8>> {
    fn send_chunk(&mut self, chunk: Vec<u8>) -> io::Result<()> {
        self.send(chunk).map_err(|_| receiver_gone())
    }
}

/// The error a [`ChunkChannel`] returns when its receiver has gone: kind
/// [`BrokenPipe`](io::ErrorKind::BrokenPipe), like a write into a pipe nobody reads.
pub fn receiver_gone() -> io::Error {
    io::Error::new(
        io::ErrorKind::BrokenPipe,
        "the receiver of the output has gone",
    )
}

/// Passes each batch's bytes to a [`ChunkChannel`] as one chunk: the format's header goes
/// with the first, the footer after the last, so the chunks concatenated are exactly the
/// document a [`StreamSink`](super::StreamSink) would write. With a one-file-per-patient
/// format each patient's bytes are a chunk of their own.
///
/// When the receiver has gone, the sink drops what comes next and asks the job to stop
/// ([`JobSink::stopped`]): the job ends [`Cancelled`](JobEnd::Cancelled), without an
/// error. (Should the receiver go while the footer, after the last patient, is being
/// sent, the job has nothing left to stop and ends as it would have.) Bytes count when
/// the channel took them.
///
/// Bytes sent but not yet consumed count in the job's memory when the consumer reports
/// them through [`ChunkSink::queued`].
pub struct ChunkSink<C> {
    encoder: Arc<dyn Encoder>,
    channel: C,
    per_patient: bool,
    started: bool,
    /// The receiver has gone.
    closed: bool,
    patients: u64,
    bytes: u64,
    queued: Option<Arc<AtomicU64>>,
}

impl<F: FnMut(Vec<u8>) -> io::Result<()>> ChunkSink<F> {
    /// A sink sending the chunks of `encoder`'s document (one per patient when
    /// `per_patient`) to the closure `send` (see [`ChunkChannel`] for what its errors
    /// mean).
    pub fn new(encoder: Arc<dyn Encoder>, per_patient: bool, send: F) -> ChunkSink<F> {
        ChunkSink::to_channel(encoder, per_patient, send)
    }
}

impl<C: ChunkChannel> ChunkSink<C> {
    /// A sink sending the chunks of `encoder`'s document (one per patient when
    /// `per_patient`) into `channel`: a std `SyncSender<Vec<u8>>`, say.
    pub fn to_channel(encoder: Arc<dyn Encoder>, per_patient: bool, channel: C) -> ChunkSink<C> {
        ChunkSink {
            encoder,
            channel,
            per_patient,
            started: false,
            closed: false,
            patients: 0,
            bytes: 0,
            queued: None,
        }
    }

    /// Counts `queued` (bytes sent and not yet consumed, kept by the consumer) in the
    /// job's memory.
    pub fn queued(mut self, queued: Arc<AtomicU64>) -> ChunkSink<C> {
        self.queued = Some(queued);
        self
    }

    fn emit(&mut self, chunk: Vec<u8>) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let len = chunk.len() as u64;
        match self.channel.send_chunk(chunk) {
            Ok(()) => {
                self.bytes += len;
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            Err(e) => Err(e),
        }
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

impl<C: ChunkChannel> JobSink for ChunkSink<C> {
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

    fn stopped(&self) -> Option<JobEnd> {
        self.closed.then_some(JobEnd::Cancelled)
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
