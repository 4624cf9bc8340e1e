//! Helpers shared by the integration tests that run the `milmed` binary.
#![allow(dead_code)] // each test file uses its own subset

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const BIN: &str = env!("CARGO_BIN_EXE_milmed");

pub const PRESETS: [&str; 8] = [
    "nato_article_5",
    "peacekeeping",
    "urban_assault",
    "cbrn_incident",
    "training_exercise",
    "mass_casualty",
    "arctic_operation",
    "maritime_operation",
];

/// Every format that writes one document (all but `ndef`, one file per patient).
pub const STREAM_FORMATS: [&str; 8] = [
    "ndjson",
    "json",
    "csv",
    "events-csv",
    "xml",
    "viewer",
    "fhir",
    "fhir-transaction",
];

/// A fresh directory under the system temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("milmed-cli-{}-{n}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        fs::write(&path, text).expect("write test file");
        path
    }

    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.0)
            .expect("read temp dir")
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

pub fn milmed<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run milmed")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

/// Asserts the exit code and that stderr is exactly one `milmed: error: …` line; returns it.
#[track_caller]
pub fn one_error_line(out: &Output, code: i32) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "exit code; stderr: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one stderr line, got: {err:?}");
    assert!(
        lines[0].starts_with("milmed: error: "),
        "error prefix: {err:?}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "no panic: {err:?}"
    );
    lines[0].to_owned()
}

#[track_caller]
pub fn success(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}; stderr: {}",
        out.status.code(),
        stderr(out)
    );
}

/// Generates into `dir/name` and returns the file's bytes.
pub fn generate_file(dir: &TempDir, name: &str, args: &[&str]) -> Vec<u8> {
    let path = dir.path(name);
    let out = milmed(
        ["generate", "-o"]
            .iter()
            .map(|s| s.as_ref())
            .chain([path.as_os_str()])
            .chain(args.iter().map(|s| s.as_ref())),
    );
    success(&out);
    fs::read(&path).expect("output file exists")
}

pub fn generate_stdout(args: &[&str]) -> Vec<u8> {
    let out = milmed(["generate"].iter().chain(args));
    success(&out);
    out.stdout
}

/// Parses NDJSON and checks the ids are 0..n-1 in order.
#[track_caller]
pub fn check_ndjson(bytes: &[u8], n: u64) {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    assert!(text.ends_with('\n'), "last line ends with a newline");
    let mut count = 0;
    for (i, line) in text.lines().enumerate() {
        let record: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("line {i} is not JSON: {e}: {line}"));
        assert_eq!(record["id"], i as u64, "id of line {i}");
        count += 1;
    }
    assert_eq!(count, n, "number of lines");
}

/// Runs milmed with extra environment variables and, if given, bytes on stdin.
pub fn milmed_with(args: &[&str], env: &[(&str, &str)], input: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env_remove("MILMED_PASSWORD")
        .envs(env.iter().copied())
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("run milmed");
    // Feed stdin from another thread while this one collects stdout, or a child that
    // writes as it reads would block on a full pipe.
    let feeder = input.map(|input| {
        let mut stdin = child.stdin.take().expect("piped stdin");
        let input = input.to_vec();
        std::thread::spawn(move || {
            // The child may stop reading early (e.g. on a bad chunk): not an error here.
            let _ = stdin.write_all(&input);
        })
    });
    let output = child.wait_with_output().expect("wait for milmed");
    if let Some(feeder) = feeder {
        feeder.join().expect("stdin feeder");
    }
    output
}
