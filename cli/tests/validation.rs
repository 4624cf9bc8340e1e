//! `milmed validate` lists every problem of a scenario file at once and exits 2 for an
//! invalid file, even when its reader stops early (`milmed validate FILE | head -1`).

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

use common::{BIN, TempDir, milmed, one_error_line, stderr, stdout, success};

/// Runs `milmed ARGS`, reads one line of its standard output, closes the pipe (as
/// `| head -1` does) and returns the line and how the process ended.
fn first_line_then_close(args: &[&std::ffi::OsStr]) -> (String, ExitStatus) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run milmed");
    let mut line = String::new();
    {
        let stdout = child.stdout.take().expect("piped stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read a line");
        // Dropped here: the pipe's reading end is closed.
    }
    let output = child.wait_with_output().expect("wait for milmed");
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!err.contains("panicked"), "no panic: {err}");
    (line, output.status)
}

fn validate(file: &Path) -> std::process::Output {
    milmed(["validate".as_ref(), file.as_os_str()])
}

#[test]
fn validate_prints_an_unknown_field_and_a_broken_rule_together() {
    let dir = TempDir::new("validation-two");
    let file = dir.write("bad.json", r#"{"days": 0, "bogus": 1}"#);
    let out = validate(&file);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    let shown = file.display().to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with(&format!(
            "{shown}: bogus: unknown field `bogus`; allowed fields: "
        )),
        "{text}"
    );
    assert_eq!(
        lines[1],
        format!("{shown}: days: must be from 1 to 365, got 0")
    );
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));

    // generate refuses it on one line naming both.
    let out = milmed(["generate".as_ref(), "--scenario".as_ref(), file.as_os_str()]);
    let line = one_error_line(&out, 2);
    assert!(line.contains("2 problems"), "{line}");
    assert!(line.contains("bogus: unknown field") && line.contains("days: must be"));
    assert!(out.stdout.is_empty());
}

#[test]
fn an_invalid_file_exits_2_when_the_reader_stops_after_one_line() {
    let dir = TempDir::new("validation-head");
    // Enough problems that their lines do not fit in a pipe's buffer: the writer is
    // still writing when the reader goes away.
    let fields: Vec<String> = (0..4000).map(|i| format!("\"field{i}\": {i}")).collect();
    let file = dir.write(
        "bad.json",
        &format!("{{\"days\": 0, {}}}", fields.join(", ")),
    );
    let (line, status) = first_line_then_close(&["validate".as_ref(), file.as_os_str()]);
    assert!(line.contains(": field0: unknown field `field0`"), "{line}");
    assert_eq!(status.code(), Some(2));

    // A small invalid file (written at once, before the reader goes) exits 2 as well.
    let file = dir.write("two.json", r#"{"days": 0, "bogus": 1}"#);
    let (line, status) = first_line_then_close(&["validate".as_ref(), file.as_os_str()]);
    assert!(line.contains("bogus"), "{line}");
    assert_eq!(status.code(), Some(2));

    // A valid file read by `head` succeeds.
    let file = dir.write("ok.json", r#"{"patients": 10, "days": 2}"#);
    let (line, status) = first_line_then_close(&["validate".as_ref(), file.as_os_str()]);
    assert!(
        line.ends_with(": valid (10 patients over 2 days)\n"),
        "{line}"
    );
    assert_eq!(status.code(), Some(0));

    // Listings read partly are not errors.
    let (line, status) = first_line_then_close(&["presets".as_ref()]);
    assert!(line.starts_with("nato_article_5"), "{line}");
    assert_eq!(status.code(), Some(0));
    let (line, status) = first_line_then_close(&["scenario".as_ref(), "show".as_ref()]);
    assert_eq!(line, "{\n");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_document_that_is_not_an_object_is_invalid() {
    let dir = TempDir::new("validation-array");
    for (name, text) in [
        ("array.json", "[]"),
        ("number.json", "1"),
        ("null.json", "null"),
    ] {
        let file = dir.write(name, text);
        let out = validate(&file);
        assert_eq!(out.status.code(), Some(2), "{text}: {}", stderr(&out));
        let shown = file.display().to_string();
        assert!(
            stdout(&out).starts_with(&format!("{shown}: .: a scenario must be a JSON object")),
            "{text}: {}",
            stdout(&out)
        );
        let out = milmed(["generate".as_ref(), "--scenario".as_ref(), file.as_os_str()]);
        one_error_line(&out, 2);
        assert!(out.stdout.is_empty(), "{text}: nothing generated");
    }
}

#[test]
fn a_start_outside_1900_to_2200_is_invalid() {
    let dir = TempDir::new("validation-dates");
    for start in ["9999-01-01T00:00:00Z", "1899-12-31T00:00:00Z"] {
        let file = dir.write("far.json", &format!(r#"{{"start": "{start}"}}"#));
        let out = validate(&file);
        assert_eq!(out.status.code(), Some(2), "{start}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains(": start: ") && text.contains("1900-01-01T00:00:00Z"),
            "{text}"
        );
        let out = milmed(["generate".as_ref(), "--scenario".as_ref(), file.as_os_str()]);
        let line = one_error_line(&out, 2);
        assert!(line.contains("start"), "{line}");
    }
    // The edges are allowed and generate.
    for (start, days) in [("1900-01-01T00:00:00Z", 30), ("2199-12-02T00:00:00Z", 30)] {
        let file = dir.write(
            "edge.json",
            &format!(r#"{{"start": "{start}", "days": {days}, "patients": 50}}"#),
        );
        success(&validate(&file));
        let out = milmed(["generate".as_ref(), "--scenario".as_ref(), file.as_os_str()]);
        success(&out);
        for line in stdout(&out).lines() {
            let record: serde_json::Value = serde_json::from_str(line).expect("NDJSON");
            let injury = record["injury_time"].as_str().expect("injury_time");
            assert!(injury >= &start[..19], "{injury} before {start}");
            let born = record["demographics"]["birthdate"]
                .as_str()
                .expect("birthdate");
            assert!(born.len() == 10 && born >= "1839", "{born}");
        }
    }
}
