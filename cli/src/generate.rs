//! `milmed generate`: ordered parallel generation streamed into a file or stdout.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use milmed_core::Generator;
use milmed_core::format::ndef::{self, NdefEncoder};
use milmed_core::format::{Encoder, Format, PatientWriter, RenderContext, write_record};
use milmed_core::model::Outcome;
use milmed_core::output::{Compression, Encryption, Output};

use crate::args::GenerateArgs;
use crate::commands::{generator, load_file, load_preset};
use crate::exit::{Exit, INTERRUPTED, print_stderr};
use crate::partial::Partial;
use crate::password::{Purpose, password};

/// Set by the Ctrl-C handler; checked before each chunk is written.
static INTERRUPT: AtomicBool = AtomicBool::new(false);

const OUTCOMES: usize = Outcome::ALL.len();

/// Runs `milmed generate`.
pub fn generate(args: &GenerateArgs) -> Result<(), Exit> {
    let (mut scenario, source) = match (&args.preset, &args.scenario) {
        (Some(name), _) => (load_preset(name)?, format!("preset {name}")),
        (None, Some(file)) => (load_file(file)?, file.display().to_string()),
        (None, None) => (
            milmed_core::Scenario::default(),
            "default scenario".to_owned(),
        ),
    };
    if let Some(n) = args.patients {
        scenario.patients = n;
    }
    let generator = generator(&scenario, args.seed, &source)?;
    let threads = match args.threads {
        Some(t) => t,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let encryption = if args.encrypt {
        let password = password(args.password_file.as_deref(), Purpose::Encrypt)?;
        Some(Encryption::new(password).map_err(|e| Exit::usage(e.to_string()))?)
    } else {
        None
    };
    let encoder = match args.format {
        // NDEF packs each payload itself; the stream of files is not compressed again.
        Format::Ndef => Arc::new(NdefEncoder::new(
            RenderContext::new(&generator),
            args.compress,
        )) as Arc<dyn Encoder>,
        other => other.encoder(&generator),
    };
    let job = Job {
        generator: &generator,
        format: args.format,
        encoder,
        compression: args.compress,
        encryption,
        ctx: RenderContext::new(&generator),
        threads,
        chunk: args.chunk,
    };

    install_interrupt_handler();
    let output = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    let stats = match output {
        None if job.format.one_file_per_patient() => {
            return Err(Exit::usage(format!(
                "the {} format writes one file per patient: give a directory with -o DIR",
                job.format
            )));
        }
        None => job
            .stream(io::stdout().lock())
            .and_then(|sink| job.run(sink))
            .map_err(|f| f.into_exit(Exit::stdout))?,
        Some(path) if job.format.one_file_per_patient() => write_directory(&job, path)?,
        Some(path) => write_file(&job, path)?,
    };
    let target = output.map_or_else(|| "stdout".to_owned(), |p| p.display().to_string());
    print_stderr(&stats.summary(&target));
    Ok(())
}

/// Writes into `<path>.partial` and renames it to `path` once complete; any failure
/// removes the partial file, so a file named `path` is always a complete document.
fn write_file(job: &Job<'_>, path: &Path) -> Result<Stats, Exit> {
    let (partial, file) = Partial::file(path)?;
    let cannot_write =
        |e: &io::Error| Exit::runtime(format!("cannot write {}: {e}", path.display()));
    let stats = job
        .stream(file)
        .and_then(|sink| job.run(sink))
        .map_err(|f| f.into_exit(cannot_write))?;
    partial.commit()?;
    Ok(stats)
}

/// Writes one file per patient into `<dir>.partial/` and renames it to `dir` once
/// complete, so a directory named `dir` always holds the whole run. `dir` may exist only
/// if it is empty.
fn write_directory(job: &Job<'_>, dir: &Path) -> Result<Stats, Exit> {
    let partial = Partial::directory(dir, &format!("the {} format", job.format))?;
    let cannot_write =
        |e: &io::Error| Exit::runtime(format!("cannot write into {}: {e}", dir.display()));
    let sink = DirectorySink::new(partial.path().to_owned(), job.format, job.generator.len());
    let stats = job.run(sink).map_err(|f| f.into_exit(cannot_write))?;
    partial.commit()?;
    Ok(stats)
}

fn install_interrupt_handler() {
    // A second Ctrl-C exits at once (the first one lets the current chunk finish so
    // the partial file is removed). If a handler cannot be installed, Ctrl-C keeps its
    // default behaviour, which is acceptable.
    let _ = ctrlc::set_handler(|| {
        if INTERRUPT.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(INTERRUPTED));
        }
    });
}

/// Why a run stopped early.
enum Failure {
    /// Writing the output failed.
    Io(io::Error),
    /// Ctrl-C.
    Interrupted,
}

impl Failure {
    fn into_exit(self, io: impl FnOnce(&io::Error) -> Exit) -> Exit {
        match self {
            Failure::Io(e) => io(&e),
            Failure::Interrupted => Exit {
                code: INTERRUPTED,
                message: Some("interrupted".to_owned()),
            },
        }
    }
}

/// One chunk, encoded on a worker thread.
struct Encoded {
    /// Index of the chunk's first patient.
    first: u64,
    bytes: Vec<u8>,
    /// End offset of each patient's bytes, for formats with one file per patient.
    ends: Vec<usize>,
    /// Why packing a patient failed (encrypted NDEF: no randomness from the OS).
    error: Option<io::Error>,
    count: u64,
    outcomes: [u64; OUTCOMES],
}

/// What a run produced.
struct Stats {
    patients: u64,
    outcomes: [u64; OUTCOMES],
    elapsed: Duration,
}

impl Stats {
    /// `milmed: 100000 patients (KIA 1523, …) in 0.84 s, 119048 patients/s -> a.ndjson`
    fn summary(&self, target: &str) -> String {
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            (self.patients as f64 / secs).round() as u64
        } else {
            self.patients
        };
        let mut line = format!("milmed: {} patients (", self.patients);
        for (i, outcome) in Outcome::ALL.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            let _ = write!(line, "{sep}{outcome} {}", self.outcomes[outcome.index()]);
        }
        let _ = write!(line, ") in {secs:.2} s, {rate} patients/s -> {target}");
        line
    }
}

/// A generation run: what to generate and how.
struct Job<'a> {
    generator: &'a Generator,
    format: Format,
    /// Shared by the workers and the sink.
    encoder: Arc<dyn Encoder>,
    compression: Compression,
    encryption: Option<Encryption>,
    /// For NDEF payloads packed one by one (encrypted tags).
    ctx: RenderContext,
    threads: usize,
    chunk: usize,
}

impl Job<'_> {
    /// A sink writing one document into `out`, compressed and encrypted as asked.
    fn stream<W: Write>(&self, out: W) -> Result<StreamSink<W>, Failure> {
        let output =
            Output::new(out, self.compression, self.encryption.as_ref()).map_err(Failure::Io)?;
        Ok(StreamSink(PatientWriter::new(
            Arc::clone(&self.encoder),
            output,
        )))
    }

    /// Generates the whole run into `sink`: chunks are generated and encoded on worker
    /// threads and written in index order, so the bytes never depend on `threads`.
    fn run(&self, mut sink: impl Sink) -> Result<Stats, Failure> {
        let started = Instant::now();
        let generator = self.generator;
        let progress = progress_bar(generator.len());
        let encoder = &self.encoder;
        let per_patient = self.format.one_file_per_patient();
        // Chunk buffers go back to the workers once written, to avoid reallocating them.
        let pool: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
        let mut outcomes = [0u64; OUTCOMES];

        let map = |first: u64, patients: &[milmed_core::Patient]| {
            let mut bytes = pool
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pop()
                .unwrap_or_default();
            bytes.clear();
            let mut ends = Vec::new();
            let mut error = None;
            if let (true, Some(encryption)) = (per_patient, &self.encryption) {
                let mut record = Vec::with_capacity(4096);
                for patient in patients {
                    record.clear();
                    write_record(&self.ctx, patient, &mut record);
                    let packed = ndef::write_packed_message(
                        &record,
                        self.compression,
                        Some(encryption),
                        &mut bytes,
                    );
                    if let Err(e) = packed {
                        error = Some(e);
                        break;
                    }
                    ends.push(bytes.len());
                }
            } else if per_patient {
                ends.reserve(patients.len());
                for (i, patient) in patients.iter().enumerate() {
                    encoder.encode(patient, first + i as u64, &mut bytes);
                    ends.push(bytes.len());
                }
            } else {
                encoder.encode_chunk(patients, first, &mut bytes);
            }
            let mut counts = [0u64; OUTCOMES];
            for patient in patients {
                counts[patient.outcome().index()] += 1;
            }
            Encoded {
                first,
                bytes,
                ends,
                error,
                count: patients.len() as u64,
                outcomes: counts,
            }
        };
        let consume = |mut chunk: Encoded| {
            if INTERRUPT.load(Ordering::Relaxed) {
                return Err(Failure::Interrupted);
            }
            if let Some(e) = chunk.error.take() {
                return Err(Failure::Io(e));
            }
            sink.write(&chunk).map_err(Failure::Io)?;
            for (total, n) in outcomes.iter_mut().zip(chunk.outcomes) {
                *total += n;
            }
            if let Some(bar) = &progress {
                bar.inc(chunk.count);
            }
            pool.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(chunk.bytes);
            Ok(())
        };
        let result = generator
            .for_each_chunk(0..generator.len(), self.threads, self.chunk, map, consume)
            .map_err(|e| Failure::Io(io::Error::other(e)))
            .and_then(|r| r)
            .and_then(|()| sink.finish().map_err(Failure::Io));
        if let Some(bar) = &progress {
            bar.finish_and_clear();
        }
        let patients = result?;
        Ok(Stats {
            patients,
            outcomes,
            elapsed: started.elapsed(),
        })
    }
}

/// Where encoded chunks go, in order.
trait Sink {
    /// Writes one encoded chunk.
    fn write(&mut self, chunk: &Encoded) -> io::Result<()>;
    /// Closes the output; returns the number of patients written.
    fn finish(self) -> io::Result<u64>;
}

/// One document in one stream (file or stdout), through gzip and encryption if asked.
struct StreamSink<W: Write>(PatientWriter<Output<W>>);

impl<W: Write> Sink for StreamSink<W> {
    fn write(&mut self, chunk: &Encoded) -> io::Result<()> {
        self.0.write_encoded(&chunk.bytes, chunk.count)
    }

    /// Closes the document, then the gzip stream and the last encrypted chunk.
    fn finish(self) -> io::Result<u64> {
        let written = self.0.finish()?;
        written.inner.finish()?;
        Ok(written.patients)
    }
}

/// One file per patient in a directory: `patient-<index>.<extension>`, the index
/// zero-padded to the width of the largest one so names sort in patient order.
struct DirectorySink {
    dir: PathBuf,
    extension: &'static str,
    width: usize,
    written: u64,
}

impl DirectorySink {
    fn new(dir: PathBuf, format: Format, patients: u64) -> DirectorySink {
        DirectorySink {
            dir,
            extension: format.extension(),
            width: patients.saturating_sub(1).max(1).ilog10() as usize + 1,
            written: 0,
        }
    }
}

impl Sink for DirectorySink {
    fn write(&mut self, chunk: &Encoded) -> io::Result<()> {
        let mut start = 0;
        for (i, &end) in chunk.ends.iter().enumerate() {
            let name = format!(
                "patient-{:0width$}.{}",
                chunk.first + i as u64,
                self.extension,
                width = self.width
            );
            fs::write(self.dir.join(name), &chunk.bytes[start..end])?;
            start = end;
        }
        self.written += chunk.count;
        Ok(())
    }

    fn finish(self) -> io::Result<u64> {
        Ok(self.written)
    }
}

/// A progress bar on stderr, only when stderr is a terminal.
fn progress_bar(len: u64) -> Option<ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} patients ({rate}, {eta} left)",
    )
    .map(|s| {
        s.progress_chars("=> ").with_key(
            "rate",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0} patients/s", state.per_sec());
            },
        )
    });
    if let Ok(style) = style {
        bar.set_style(style);
    }
    Some(bar)
}
