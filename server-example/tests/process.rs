//! The `milmed-server` binary: bad settings stop it at start, SIGTERM stops it cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_milmed-server");

#[test]
fn a_bad_setting_prints_one_line_and_exits_2() {
    for (var, value, message) in [
        (
            "MILMED_BIND",
            "localhost",
            "MILMED_BIND=\"localhost\": give an address and port",
        ),
        (
            "MILMED_LOG_FORMAT",
            "yaml",
            "MILMED_LOG_FORMAT=\"yaml\": give json or text",
        ),
        (
            "MILMED_DB_MAX_SIZE",
            "0",
            "MILMED_DB_MAX_SIZE=\"0\": give a whole number from 1 to 10000",
        ),
    ] {
        let mut command = Command::new(BIN);
        command.env(var, value).env_remove("DATABASE_URL");
        if var.starts_with("MILMED_DB_") {
            command.env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none");
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{var}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(message), "{stderr}");
    }
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_with_status_0() {
    let mut child = Command::new(BIN)
        .env("MILMED_BIND", "127.0.0.1:0")
        .env("MILMED_LOG_FORMAT", "text")
        .env_remove("DATABASE_URL")
        .stderr(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it listens (it logs so), then send SIGTERM.
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    assert!(
        lines
            .by_ref()
            .map_while(Result::ok)
            .any(|l| l.contains("listening"))
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let lines: Vec<String> = lines.map_while(Result::ok).collect();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert!(
        lines.iter().any(|l| l.contains("shutting down")),
        "{lines:?}"
    );
}
