//! `milmed generate`: one job of milmed-core (`run_job`) streamed into a file, a
//! directory or stdout, under the budget given by the `--max-*` flags.

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use milmed_core::budget::CancelToken;
use milmed_core::format::{Encoder, Format};
use milmed_core::job::{
    DirectorySink, Job, JobEnd, JobError, JobReport, JobSink, StreamSink, run_job,
};
use milmed_core::model::Outcome;
use milmed_core::output::{Compression, Encryption, Partial};

use crate::args::GenerateArgs;
use crate::commands::{generator, load_file, load_preset};
use crate::exit::{BUDGET, Exit, print_stderr};
use crate::password::{Purpose, password};
use crate::signals::{self, Policy, Protected};

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
    let output = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    if args.format.one_file_per_patient() && output.is_none() {
        return Err(Exit::usage(format!(
            "the {} format writes one file per patient: give a directory with -o DIR",
            args.format
        )));
    }
    let encoder = args
        .format
        .encoder_for_output(&generator, args.compress, encryption.as_ref())
        .map_err(|e| Exit::runtime(format!("cannot set up encryption: {e}")))?;
    // Cancelled by the first SIGINT, SIGTERM or SIGHUP; checked by the job at every batch.
    let cancel = CancelToken::new();
    signals::install(Policy::Graceful(cancel.clone()))?;
    let job = Job::new(&generator, Arc::clone(&encoder))
        .threads(threads)
        .batch(args.chunk)
        .budget(args.budget())
        .cancel(cancel);
    let run = Run {
        job: &job,
        encoder,
        format: args.format,
        compression: args.compress,
        encryption: encryption.as_ref(),
        total: generator.len(),
    };
    let (report, target) = match output {
        None => {
            let sink = run.stream(io::stdout().lock())?;
            let report = run.run(sink).map_err(|e| match e {
                JobError::Io(e) => Exit::stdout(&e),
                other => Exit::runtime(other.to_string()),
            })?;
            (report.map(|_| ()), "stdout".to_owned())
        }
        Some(path) if args.format.one_file_per_patient() => {
            (run.write_directory(path)?, path.display().to_string())
        }
        Some(path) => (run.write_file(path)?, path.display().to_string()),
    };
    print_stderr(&summary(&report, &target));
    match report.end {
        JobEnd::Complete => Ok(()),
        end @ JobEnd::BudgetExceeded { .. } => Err(Exit {
            code: BUDGET,
            message: Some(format!(
                "{end}; {patients} of {total} patients written to {target}, a complete document of a truncated run",
                patients = report.patients,
                total = generator.len(),
            )),
        }),
        JobEnd::Cancelled => {
            let (signal, code) = signals::received().unwrap_or(("a signal", 130));
            Err(Exit {
                code,
                message: Some(format!(
                    "interrupted by {signal}: {} of {} patients written to {target}, a complete document of a truncated run",
                    report.patients,
                    generator.len()
                )),
            })
        }
    }
}

/// One `generate` run: the job and where its output goes.
struct Run<'a> {
    job: &'a Job,
    encoder: Arc<dyn Encoder>,
    format: Format,
    compression: Compression,
    encryption: Option<&'a Encryption>,
    total: u64,
}

impl Run<'_> {
    /// A sink writing one document into `out`, compressed and encrypted as asked.
    fn stream<W: Write>(&self, out: W) -> Result<StreamSink<W>, Exit> {
        StreamSink::new(
            Arc::clone(&self.encoder),
            out,
            self.compression,
            self.encryption,
        )
        .map_err(|e| Exit::runtime(format!("cannot start the output: {e}")))
    }

    /// Runs the job with a progress bar on a terminal.
    fn run<S: JobSink>(&self, sink: S) -> Result<JobReport<S::Output>, JobError> {
        let bar = progress_bar(self.total);
        let result = run_job(self.job, sink, |p| {
            if let Some(bar) = &bar {
                bar.set_position(p.patients);
            }
        });
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
        result
    }

    /// Writes into `<path>.partial` and renames it to `path` once the document is
    /// complete (also when a budget or a first signal stopped the run: the document is
    /// then complete but holds fewer patients); any failure, or a second signal, removes
    /// the partial file. A device or pipe is written in place (see [`Partial`]).
    fn write_file(&self, path: &Path) -> Result<JobReport<()>, Exit> {
        let (partial, file) = Partial::file(path).map_err(|e| Exit::usage(e.to_string()))?;
        let partial = Protected::new(partial);
        let sink = self.stream(io::BufWriter::new(file))?;
        let report = self.run(sink).map_err(|e| cannot_write(path, e))?;
        partial.commit().map_err(|e| Exit::runtime(e.to_string()))?;
        Ok(report.map(|_| ()))
    }

    /// Writes one file per patient into `<dir>.partial/` and renames it to `dir` when
    /// done. `dir` may exist only if it is empty.
    fn write_directory(&self, dir: &Path) -> Result<JobReport<()>, Exit> {
        let partial = Partial::directory(dir, &format!("the {} format", self.format))
            .map_err(|e| Exit::usage(e.to_string()))?;
        let partial = Protected::new(partial);
        let sink = DirectorySink::new(partial.path().to_owned(), self.format, self.total);
        let report = self.run(sink).map_err(|e| cannot_write(dir, e))?;
        partial.commit().map_err(|e| Exit::runtime(e.to_string()))?;
        Ok(report.map(|_| ()))
    }
}

fn cannot_write(path: &Path, e: JobError) -> Exit {
    Exit::runtime(format!("cannot write {}: {e}", path.display()))
}

/// `milmed: 100000 patients (KIA 1523, …) in 0.84 s, 119048 patients/s -> a.ndjson`
fn summary(report: &JobReport<()>, target: &str) -> String {
    let secs = report.elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        (report.patients as f64 / secs).round() as u64
    } else {
        report.patients
    };
    let mut line = format!("milmed: {} patients (", report.patients);
    for (i, outcome) in Outcome::ALL.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(line, "{sep}{outcome} {}", report.outcomes[outcome.index()]);
    }
    let _ = write!(line, ") in {secs:.2} s, {rate} patients/s -> {target}");
    line
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
