//! Real signals sent to real `milmed` processes: whatever the signal and the format, the
//! output is afterwards either a complete, well-formed document at its name or absent,
//! never a `.partial` left behind; `decrypt` leaves no plaintext at all.

mod common;

use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, STREAM_FORMATS, TempDir, milmed_with};

const PASSWORD: (&str, &str) = ("MILMED_PASSWORD", "correct horse battery staple");

/// Patients asked for: far more than any run reaches before it is signalled.
const TOTAL: &str = "20000000";

/// Every format: the stream formats and `ndef` (a directory).
fn formats() -> impl Iterator<Item = &'static str> {
    STREAM_FORMATS.into_iter().chain(["ndef"])
}

/// `milmed generate -n 20000000 --threads 1 --format FORMAT [extra…] -o OUTPUT`.
fn spawn(format: &str, extra: &[&str], output: &Path) -> Child {
    Command::new(BIN)
        .args([
            "generate",
            "-n",
            TOTAL,
            "--threads",
            "1",
            "--format",
            format,
        ])
        .args(extra)
        .arg("-o")
        .arg(output)
        .env_remove("MILMED_PASSWORD")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run milmed")
}

fn kill(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal}");
}

/// Waits (at most a minute) until `partial` holds more than `bytes` bytes, or more than
/// `bytes / 1000` entries when it is a directory.
#[track_caller]
fn wait_for_progress(partial: &Path, bytes: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let progress = match fs::metadata(partial) {
            Ok(meta) if meta.is_dir() => {
                fs::read_dir(partial).map_or(0, |d| d.count() as u64) * 1000
            }
            Ok(meta) => meta.len(),
            Err(_) => 0,
        };
        if progress > bytes {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} did not grow past {bytes} bytes within a minute",
            partial.display()
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Waits for the child and returns its exit code and stderr.
fn finish(child: Child) -> (Option<i32>, String) {
    let out = child.wait_with_output().expect("wait for milmed");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "no panic: {err}");
    (out.status.code(), err)
}

/// `N` in "… interrupted by SIG…: N of 20000000 patients written to …".
fn patients_written(err: &str) -> usize {
    let after = err
        .split("interrupted by ")
        .nth(1)
        .unwrap_or_else(|| panic!("an interruption message: {err}"));
    let n = after
        .split(": ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .unwrap_or_else(|| panic!("a count: {err}"));
    n.parse().unwrap_or_else(|_| panic!("a count: {err}"))
}

/// Checks that `path` is a complete document of `format` holding `n` patients.
#[track_caller]
fn check_document(format: &str, path: &Path, n: usize) {
    if format == "ndef" {
        let files = fs::read_dir(path).expect("the tag directory").count();
        assert_eq!(files, n, "one NDEF file per patient written");
        return;
    }
    let bytes = fs::read(path).expect("the output file");
    let text = std::str::from_utf8(&bytes).expect("UTF-8");
    let count = match format {
        "ndjson" | "fhir" | "fhir-transaction" => {
            assert!(
                text.is_empty() || text.ends_with('\n'),
                "{format}: last line ends"
            );
            for line in text.lines() {
                serde_json::from_str::<serde_json::Value>(line)
                    .unwrap_or_else(|e| panic!("{format}: a line is not JSON ({e})"));
            }
            text.lines().count()
        }
        "json" | "viewer" => serde_json::from_str::<Vec<serde_json::Value>>(text)
            .unwrap_or_else(|e| panic!("{format}: not a closed JSON array ({e})"))
            .len(),
        "csv" => {
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let mut count = 0;
            for record in reader.records() {
                record.expect("a CSV record");
                count += 1;
            }
            count
        }
        "events-csv" => {
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let mut ids: Vec<String> = reader
                .records()
                .map(|r| r.expect("a CSV record")[0].to_owned())
                .collect();
            ids.dedup();
            ids.len()
        }
        "xml" => {
            let doc = roxmltree::Document::parse(text)
                .unwrap_or_else(|e| panic!("xml: not well-formed ({e})"));
            doc.root_element()
                .children()
                .filter(|c| c.has_tag_name("patient"))
                .count()
        }
        other => panic!("no check for {other}"),
    };
    assert_eq!(count, n, "{format}: patients in the document");
}

fn output_name(format: &str) -> String {
    if format == "ndef" {
        "tags".to_owned()
    } else {
        format!("out.{format}")
    }
}

/// One signal: the run stops at its next batch, closes the document and renames it into
/// place; the exit code is 128 + the signal number.
fn one_signal_leaves_a_complete_document(signal: &str, code: i32) {
    for format in formats() {
        let tmp = TempDir::new(&format!("{signal}-{format}"));
        let name = output_name(format);
        let output = tmp.path(&name);
        let child = spawn(format, &[], &output);
        wait_for_progress(&tmp.path(&format!("{name}.partial")), 64 << 10);
        kill(&child, signal);
        let (status, err) = finish(child);
        assert_eq!(status, Some(code), "{format}: exit code; stderr: {err}");
        assert!(
            err.contains(&format!("interrupted by SIG{signal}")),
            "{err}"
        );
        let n = patients_written(&err);
        assert!(n > 0, "{format}: some patients were written");
        assert_eq!(
            tmp.files(),
            std::slice::from_ref(&name),
            "{format}: only the output is left"
        );
        check_document(format, &output, n);
    }
}

#[test]
fn sigint_leaves_a_complete_document_in_every_format() {
    one_signal_leaves_a_complete_document("INT", 130);
}

#[test]
fn sigterm_leaves_a_complete_document_in_every_format() {
    one_signal_leaves_a_complete_document("TERM", 143);
}

#[test]
fn sighup_leaves_a_complete_document_in_every_format() {
    one_signal_leaves_a_complete_document("HUP", 129);
}

/// A second signal while the run is still finishing its batch (a batch of 262,144
/// patients takes far longer than the two signals) stops at once: the partial output is
/// removed, nothing is left, and the exit code is that of the second signal.
#[test]
fn a_second_signal_removes_the_partial_output_in_every_format() {
    for format in formats() {
        let tmp = TempDir::new(&format!("twice-{format}"));
        let name = output_name(format);
        let output = tmp.path(&name);
        let partial = tmp.path(&format!("{name}.partial"));
        let child = spawn(format, &["--chunk", "262144"], &output);
        let deadline = Instant::now() + Duration::from_secs(60);
        while !partial.exists() {
            assert!(Instant::now() < deadline, "{format}: no partial output");
            std::thread::sleep(Duration::from_millis(2));
        }
        kill(&child, "INT");
        std::thread::sleep(Duration::from_millis(50));
        kill(&child, "TERM");
        let (status, err) = finish(child);
        assert_eq!(status, Some(143), "{format}: exit code; stderr: {err}");
        assert!(err.contains("stopped by SIGTERM"), "{err}");
        assert!(err.contains("was removed"), "{err}");
        assert!(
            tmp.files().is_empty(),
            "{format}: nothing left: {:?}",
            tmp.files()
        );
    }
}

/// Compressed and encrypted output is closed too (gzip trailer, last sealed chunk).
#[test]
fn sigterm_closes_compressed_and_encrypted_output() {
    let tmp = TempDir::new("term-gz-enc");
    let output = tmp.path("out.json.gz.enc");
    let password = tmp.write("password.txt", PASSWORD.1);
    let password = password.to_str().unwrap();
    let extra = [
        "--compress",
        "gzip",
        "--encrypt",
        "--password-file",
        password,
    ];
    let child = spawn("json", &extra, &output);
    wait_for_progress(&tmp.path("out.json.gz.enc.partial"), 256 << 10);
    kill(&child, "TERM");
    let (status, err) = finish(child);
    assert_eq!(status, Some(143), "{err}");
    let n = patients_written(&err);
    assert_eq!(tmp.files(), ["out.json.gz.enc", "password.txt"]);

    let out = milmed_with(&["decrypt", output.to_str().unwrap()], &[PASSWORD], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut json = String::new();
    flate2::read::GzDecoder::new(&out.stdout[..])
        .read_to_string(&mut json)
        .expect("a finished gzip stream");
    let records: Vec<serde_json::Value> = serde_json::from_str(&json).expect("a closed array");
    assert_eq!(records.len(), n);
}

/// An encrypted file of about 4 MiB of NDJSON.
fn encrypted(tmp: &TempDir) -> Vec<u8> {
    let path = tmp.path("in.enc");
    let out = milmed_with(
        &[
            "generate",
            "-n",
            "4000",
            "--encrypt",
            "-o",
            path.to_str().unwrap(),
        ],
        &[PASSWORD],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::read(&path).expect("the encrypted file")
}

/// `decrypt -o FILE` stopped by any signal removes every byte of plaintext it wrote: the
/// input comes through a pipe that the test stops feeding half-way, so the signal always
/// lands while the partial plaintext exists. While in progress it is private (mode 600).
#[test]
fn an_interrupted_decrypt_leaves_no_plaintext() {
    let tmp = TempDir::new("decrypt-signals");
    let file = encrypted(&tmp);
    for (signal, code) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
        let output = tmp.path("plain.ndjson");
        let partial = tmp.path("plain.ndjson.partial");
        let mut child = Command::new(BIN)
            .args(["decrypt", "-", "-o"])
            .arg(&output)
            .env(PASSWORD.0, PASSWORD.1)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run milmed");
        let mut stdin = child.stdin.take().expect("piped stdin");
        stdin.write_all(&file[..file.len() / 2]).expect("feed half");
        stdin.flush().expect("flush");
        wait_for_progress(&partial, 64 << 10);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&partial)
                .expect("partial")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "partial plaintext is private");
        }
        kill(&child, signal);
        let (status, err) = finish(child);
        drop(stdin);
        assert_eq!(status, Some(code), "{signal}: {err}");
        assert!(err.contains(&format!("stopped by SIG{signal}")), "{err}");
        assert!(
            !output.exists() && !partial.exists(),
            "{signal}: no plaintext left"
        );
        assert_eq!(tmp.files(), ["in.enc"], "{signal}");
    }
}
