//! Integration tests that run the `milmed` binary.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;

#[test]
fn generate_ndjson_file_has_every_patient_once() {
    let dir = TempDir::new("ndjson");
    let path = dir.path("a.ndjson");
    let out = milmed([
        "generate".as_ref(),
        "--preset".as_ref(),
        "nato_article_5".as_ref(),
        "--seed".as_ref(),
        "7".as_ref(),
        "-n".as_ref(),
        "1500".as_ref(),
        "-o".as_ref(),
        path.as_os_str(),
    ]);
    success(&out);
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout when writing a file"
    );
    check_ndjson(&fs::read(&path).unwrap(), 1500);
    assert_eq!(dir.files(), ["a.ndjson"], "no partial file left behind");

    // One summary line: patients, every outcome, seconds, rate, target.
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one summary line: {err:?}");
    let summary = lines[0];
    assert!(
        summary.starts_with("milmed: 1500 patients (KIA "),
        "{summary}"
    );
    for part in [
        ", DOW ",
        ", RTD ",
        ", Remains_Role4 ",
        ") in ",
        " s, ",
        " patients/s -> ",
    ] {
        assert!(summary.contains(part), "summary has {part:?}: {summary}");
    }
    assert!(summary.ends_with("a.ndjson"), "{summary}");
    // The outcome counts add up to the patients.
    let inside = &summary[summary.find('(').unwrap() + 1..summary.find(')').unwrap()];
    let total: u64 = inside
        .split(", ")
        .map(|p| p.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 1500, "{summary}");
}

#[test]
fn same_seed_gives_identical_bytes() {
    let dir = TempDir::new("same-seed");
    let a = generate_file(
        &dir,
        "a.ndjson",
        &["--preset", "urban_assault", "--seed", "11", "-n", "800"],
    );
    let b = generate_file(
        &dir,
        "b.ndjson",
        &["--preset", "urban_assault", "--seed", "11", "-n", "800"],
    );
    assert!(a == b, "same scenario and seed must give the same bytes");
}

#[test]
fn thread_count_and_chunk_size_never_change_the_output() {
    let dir = TempDir::new("threads");
    let args = ["--preset", "nato_article_5", "--seed", "3", "-n", "1000"];
    let one = generate_file(
        &dir,
        "one.ndjson",
        &[&args[..], &["--threads", "1", "--chunk", "64"]].concat(),
    );
    let two = generate_file(
        &dir,
        "two.ndjson",
        &[&args[..], &["--threads", "2", "--chunk", "64"]].concat(),
    );
    let three = generate_file(
        &dir,
        "three.ndjson",
        &[&args[..], &["--threads", "3", "--chunk", "37"]].concat(),
    );
    let default = generate_file(&dir, "default.ndjson", &args);
    check_ndjson(&one, 1000);
    assert!(one == two, "--threads 1 and --threads 2 differ");
    assert!(one == three, "--threads 3 --chunk 37 differs");
    assert!(one == default, "default threads and chunk differ");

    let json_one = generate_stdout(
        &[
            &args[..],
            &["--format", "json", "--threads", "1", "--chunk", "50"],
        ]
        .concat(),
    );
    let json_two = generate_stdout(
        &[
            &args[..],
            &["--format", "json", "--threads", "2", "--chunk", "50"],
        ]
        .concat(),
    );
    assert!(
        json_one == json_two,
        "JSON output depends on the thread count"
    );
}

#[test]
fn stdout_equals_file_output() {
    let dir = TempDir::new("stdout");
    let args = ["--preset", "training_exercise", "--seed", "5"];
    let file = generate_file(&dir, "t.ndjson", &args);
    let out = milmed(["generate"].iter().chain(&args));
    success(&out);
    assert!(out.stdout == file, "stdout and file output differ");
    check_ndjson(&out.stdout, 100);
    assert!(
        stderr(&out).trim_end().ends_with("-> stdout"),
        "{}",
        stderr(&out)
    );
    // `-o -` is standard output too.
    let dash = generate_stdout(&[&args[..], &["-o", "-"]].concat());
    assert!(dash == file, "`-o -` differs from the file output");
}

#[test]
fn json_format_is_one_array() {
    let dir = TempDir::new("json");
    let bytes = generate_file(
        &dir,
        "a.json",
        &[
            "--format", "json", "--seed", "2", "-n", "300", "--chunk", "70",
        ],
    );
    let value: serde_json::Value = serde_json::from_slice(&bytes).expect("one JSON document");
    let array = value.as_array().expect("a JSON array");
    assert_eq!(array.len(), 300);
    for (i, record) in array.iter().enumerate() {
        assert_eq!(record["id"], i as u64);
    }
    // The same patients as NDJSON, record for record.
    let ndjson = generate_stdout(&["--seed", "2", "-n", "300"]);
    let lines: Vec<serde_json::Value> = std::str::from_utf8(&ndjson)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(&lines, array);
}

#[test]
fn default_scenario_and_patient_override() {
    let bytes = generate_stdout(&["-n", "25"]);
    check_ndjson(&bytes, 25);
}

#[test]
fn different_seeds_differ() {
    let a = generate_stdout(&["--preset", "training_exercise", "--seed", "1"]);
    let b = generate_stdout(&["--preset", "training_exercise", "--seed", "2"]);
    check_ndjson(&a, 100);
    check_ndjson(&b, 100);
    assert!(a != b, "seeds 1 and 2 gave the same output");
}

const THREE_PROBLEMS: &str = r#"{
  "days": 0,
  "injury_mix": { "Battle Injury": 0.5, "Non-Battle Injury": 0.3, "Disease": 0.1 },
  "fronts": [
    { "name": "Baltic", "casualty_rate": 1.0, "nationalities": { "AUS": 1.0, "USA": 2.0 } }
  ]
}
"#;

#[test]
fn validate_prints_every_problem_with_its_path() {
    let dir = TempDir::new("validate-bad");
    let file = dir.write("bad.json", THREE_PROBLEMS);
    let out = milmed(["validate".as_ref(), file.as_os_str()]);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "three problem lines: {text}");
    let shown = file.display().to_string();
    for (line, path) in lines
        .iter()
        .zip(["days", "injury_mix", "fronts[0].nationalities.AUS"])
    {
        assert!(
            line.starts_with(&format!("{shown}: {path}: ")),
            "{line:?} names {path}"
        );
    }
    assert!(lines[2].contains("NATO"), "{}", lines[2]);
    assert!(
        stderr(&out).is_empty(),
        "problems go to stdout only: {}",
        stderr(&out)
    );

    // generate refuses the same file on one line, naming all three.
    let out = milmed(["generate".as_ref(), "--scenario".as_ref(), file.as_os_str()]);
    let line = one_error_line(&out, 2);
    assert!(line.contains("3 problems"), "{line}");
    assert!(out.stdout.is_empty());
}

#[test]
fn validate_accepts_a_valid_file() {
    let dir = TempDir::new("validate-ok");
    let file = dir.write("ok.json", r#"{ "patients": 500, "days": 3 }"#);
    let out = milmed(["validate".as_ref(), file.as_os_str()]);
    success(&out);
    assert_eq!(
        stdout(&out),
        format!("{}: valid (500 patients over 3 days)\n", file.display())
    );

    let toml = dir.write("ok.toml", "patients = 40\ndays = 1\n");
    let out = milmed(["validate".as_ref(), toml.as_os_str()]);
    success(&out);
    assert_eq!(
        stdout(&out),
        format!("{}: valid (40 patients over 1 day)\n", toml.display())
    );
}

#[test]
fn unknown_preset_names_the_available_ones() {
    for args in [
        &["generate", "--preset", "nope"][..],
        &["scenario", "show", "nope"],
    ] {
        let out = milmed(args);
        let line = one_error_line(&out, 2);
        assert!(line.contains("nope"), "{line}");
        for name in PRESETS {
            assert!(line.contains(name), "{line} lists {name}");
        }
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn scenario_show_round_trips_through_validate_and_generate() {
    let dir = TempDir::new("show");
    let out = milmed(["scenario", "show", "nato_article_5"]);
    success(&out);
    let file = dir.write("nato.json", &stdout(&out));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("pretty JSON");
    assert_eq!(value["name"], "nato_article_5");

    let out = milmed(["validate".as_ref(), file.as_os_str()]);
    success(&out);
    assert!(
        stdout(&out).contains(": valid (2500 patients over 8 days)"),
        "{}",
        stdout(&out)
    );

    // The shown scenario generates exactly what the preset does.
    let from_file = generate_stdout(&[
        "--scenario",
        file.to_str().unwrap(),
        "-n",
        "200",
        "--seed",
        "9",
    ]);
    let from_preset = generate_stdout(&["--preset", "nato_article_5", "-n", "200", "--seed", "9"]);
    assert!(
        from_file == from_preset,
        "scenario show output generates differently from its preset"
    );

    // Without a name: the default scenario, which `generate` uses without --preset.
    let out = milmed(["scenario", "show"]);
    success(&out);
    let file = dir.write("default.json", &stdout(&out));
    let from_file = generate_stdout(&["--scenario", file.to_str().unwrap(), "-n", "50"]);
    assert!(from_file == generate_stdout(&["-n", "50"]));
}

#[test]
fn every_preset_is_listed_shown_and_valid() {
    let out = milmed(["presets"]);
    success(&out);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 8, "{text}");
    let dir = TempDir::new("presets");
    for (line, name) in lines.iter().zip(PRESETS) {
        assert!(line.starts_with(name), "{line} starts with {name}");
        assert!(
            line.contains(" patients ") && line.contains(" day"),
            "{line}"
        );
        let shown = milmed(["scenario", "show", name]);
        success(&shown);
        let file = dir.write(&format!("{name}.json"), &stdout(&shown));
        success(&milmed(["validate".as_ref(), file.as_os_str()]));
    }
}

#[test]
fn malformed_json_reports_line_and_column() {
    let dir = TempDir::new("malformed");
    let file = dir.write(
        "broken.json",
        "{\n  \"days\": 3,\n  \"patients\": 10 x\n}\n",
    );
    for command in ["validate", "generate"] {
        let out = if command == "validate" {
            milmed([command.as_ref(), file.as_os_str()])
        } else {
            milmed([command.as_ref(), "--scenario".as_ref(), file.as_os_str()])
        };
        let line = one_error_line(&out, 2);
        assert!(line.contains("broken.json"), "{line}");
        assert!(line.contains("line 3, column"), "{line}");
        assert!(out.stdout.is_empty());
    }

    // An unknown field is a problem listed like the others (see validation.rs).
    let file = dir.write("unknown.json", r#"{ "patients": 10, "dayz": 3 }"#);
    let out = milmed(["validate".as_ref(), file.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains(": dayz: unknown field `dayz`"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn missing_scenario_file_is_bad_input() {
    let dir = TempDir::new("missing");
    let file = dir.path("absent.json");
    let line = one_error_line(&milmed(["validate".as_ref(), file.as_os_str()]), 2);
    assert!(line.contains("absent.json"), "{line}");
    one_error_line(
        &milmed(["generate".as_ref(), "--scenario".as_ref(), file.as_os_str()]),
        2,
    );
}

#[test]
fn unwritable_output_fails_on_one_line_without_a_partial_file() {
    let dir = TempDir::new("unwritable");
    let target = dir.path("no/such/dir/a.ndjson");
    let out = milmed([
        "generate".as_ref(),
        "-n".as_ref(),
        "10".as_ref(),
        "-o".as_ref(),
        target.as_os_str(),
    ]);
    let code = out.status.code();
    assert!(code == Some(1) || code == Some(2), "exit {code:?}");
    let line = one_error_line(&out, code.unwrap());
    assert!(line.contains("a.ndjson"), "{line}");
    assert!(
        dir.files().is_empty(),
        "nothing left behind: {:?}",
        dir.files()
    );

    // A directory as the output path is refused before anything is written.
    let out = milmed([
        "generate".as_ref(),
        "-n".as_ref(),
        "10".as_ref(),
        "-o".as_ref(),
        dir.0.as_os_str(),
    ]);
    one_error_line(&out, 2);
    assert!(
        dir.files().is_empty(),
        "nothing left behind: {:?}",
        dir.files()
    );
    assert!(!Path::new(&format!("{}.partial", dir.0.display())).exists());
}

#[test]
fn an_existing_file_is_replaced_only_when_the_run_succeeds() {
    let dir = TempDir::new("replace");
    let path = dir.write("a.ndjson", "old\n");
    // Bad input: the old file stays as it was.
    let out = milmed([
        "generate".as_ref(),
        "--preset".as_ref(),
        "nope".as_ref(),
        "-o".as_ref(),
        path.as_os_str(),
    ]);
    one_error_line(&out, 2);
    assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
    // Success: replaced.
    let bytes = generate_file(&dir, "a.ndjson", &["-n", "5"]);
    check_ndjson(&bytes, 5);
    assert_eq!(dir.files(), ["a.ndjson"]);
}

#[cfg(target_os = "linux")]
#[test]
fn write_failure_is_a_runtime_error() {
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full");
    let out = Command::new(BIN)
        .args(["generate", "-n", "200"])
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .expect("run milmed");
    let line = one_error_line(&out, 1);
    assert!(line.contains("standard output"), "{line}");
}

#[test]
fn closed_pipe_exits_quietly() {
    let mut child = Command::new(BIN)
        .args(["generate", "-n", "100000", "--threads", "2"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn milmed");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .expect("read one line");
    // The reader (and the pipe) are dropped here, like `milmed generate | head -1`.
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(first.starts_with("{\"id\":0,"), "{first}");
    assert_eq!(status.code(), Some(0), "stderr: {err}");
    assert!(err.is_empty(), "quiet on a closed pipe: {err:?}");
}

#[test]
fn bad_flag_values_are_one_line_usage_errors() {
    let cases: &[&[&str]] = &[
        &["generate", "--format", "yaml"],
        &["generate", "--threads", "0"],
        &["generate", "--seed", "-1"],
        &["generate", "--seed", "seven"],
        &["generate", "-n", "0"],
        &["generate", "-n", "lots"],
        &["generate", "--chunk", "0"],
        &[
            "generate",
            "--preset",
            "peacekeeping",
            "--scenario",
            "x.json",
        ],
        &["generate", "--unknown-flag"],
        &["frobnicate"],
    ];
    for args in cases {
        let out = milmed(*args);
        let line = one_error_line(&out, 2);
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(line.contains("--help"), "{args:?}: {line}");
    }
    let line = one_error_line(&milmed(["generate", "--format", "yaml"]), 2);
    assert!(line.contains("allowed: ndjson, json, csv"), "{line}");
}

#[test]
fn help_documents_the_exit_codes() {
    for args in [&["--help"][..], &["generate", "--help"]] {
        let out = milmed(args);
        success(&out);
        let text = stdout(&out);
        assert!(text.contains("Exit codes:"), "{text}");
        for code in [
            "  0 ",
            "  1 ",
            "  2 ",
            "  3 ",
            "  129 ",
            "130 SIGINT",
            "143 SIGTERM",
        ] {
            assert!(text.contains(code), "{args:?} documents {code:?}");
        }
    }
}
