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

/// The address in the `listening` log line (`… listening addr=127.0.0.1:…`, perhaps
/// with terminal colours around the field's name).
#[cfg(unix)]
fn listening_addr(line: &str) -> String {
    let at = line
        .find("127.0.0.1:")
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    let port: String = line[at + 10..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    format!("127.0.0.1:{port}")
}

/// A raw HTTP/1.1 GET: the status line and the body.
#[cfg(unix)]
fn get(addr: &str, path: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.lines().next().unwrap_or_default().to_owned();
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[cfg(unix)]
#[test]
fn the_server_starts_while_its_database_is_down() {
    let mut child = Command::new(BIN)
        .env("MILMED_BIND", "127.0.0.1:0")
        .env("MILMED_LOG_FORMAT", "text")
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")
        .stderr(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let listening = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.contains("listening"))
        .expect("it listens although the database is down");
    let addr = listening_addr(&listening);
    assert!(get(&addr, "/api/v1/health/live").0.contains(" 200 "));
    let (status, body) = get(&addr, "/api/v1/health/ready");
    assert!(status.contains(" 503 "), "{status}");
    assert!(
        body.contains("cannot connect to 127.0.0.1:1: connection refused"),
        "{body}"
    );
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    drop(lines);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
