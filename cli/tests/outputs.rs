//! `-o PATH` never destroys anything: devices and pipes are written in place, symbolic
//! links are followed, a `.partial` that is not ours is never written through, and a
//! target the user may not write is refused before any work. Cases that depend on who
//! runs milmed run it as an unprivileged user when the tests run as root.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, PermissionsExt, symlink};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{BIN, TempDir, milmed, milmed_with, one_error_line, stdout, success};

const PASSWORD: (&str, &str) = ("MILMED_PASSWORD", "correct horse battery staple");

/// `generate -n N -o PATH`.
fn generate_args<'a>(path: &'a Path, n: &'a str) -> [&'a OsStr; 5] {
    [
        "generate".as_ref(),
        "-n".as_ref(),
        n.as_ref(),
        "-o".as_ref(),
        path.as_os_str(),
    ]
}

fn generate_to(path: &Path, n: &str) -> Output {
    milmed(generate_args(path, n))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs milmed as user and group 65534 (nobody) when the tests run as root, else as the
/// current user; `None` (with the reason printed) when that cannot be done here.
fn milmed_unprivileged(args: &[&OsStr]) -> Option<Output> {
    let mut command = if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
        c
    } else {
        Command::new(BIN)
    };
    let out = command.args(args).stdin(Stdio::null()).output();
    match out {
        Ok(out) if out.status.code() == Some(127) || out.status.code() == Some(126) => {
            eprintln!(
                "skipped: cannot run milmed as an unprivileged user here: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            None
        }
        Ok(out) => Some(out),
        Err(e) => {
            eprintln!("skipped: cannot run setpriv: {e}");
            None
        }
    }
}

#[test]
fn dev_null_is_written_in_place_and_stays_a_device() {
    let out = generate_to(Path::new("/dev/null"), "50");
    success(&out);
    let meta = fs::metadata("/dev/null").unwrap();
    assert!(
        meta.file_type().is_char_device(),
        "/dev/null is still a device"
    );
    assert!(!Path::new("/dev/null.partial").exists());

    // A full device is a runtime failure (exit 1), like a full disk.
    let out = generate_to(Path::new("/dev/full"), "50");
    let line = one_error_line(&out, 1);
    assert!(
        line.contains("/dev/full") && line.contains("No space left"),
        "{line}"
    );
    assert!(
        fs::metadata("/dev/full")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

#[test]
fn dev_stdout_writes_to_the_pipe() {
    let out = milmed(["generate", "-n", "7", "-o", "/dev/stdout"]);
    success(&out);
    assert_eq!(stdout(&out).lines().count(), 7);
}

#[test]
fn a_named_pipe_is_written_in_place_and_stays_a_pipe() {
    let tmp = TempDir::new("fifo");
    let fifo = tmp.path("patients.fifo");
    let status = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(status.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            fs::File::open(&fifo)
                .expect("open the fifo")
                .read_to_string(&mut text)
                .expect("read the fifo");
            text
        })
    };
    let out = generate_to(&fifo, "25");
    success(&out);
    let text = reader.join().unwrap();
    assert_eq!(text.lines().count(), 25);
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(tmp.files(), ["patients.fifo"]);
}

#[test]
fn a_partial_file_that_is_not_ours_is_never_written_through() {
    let tmp = TempDir::new("foreign-partial");
    let target = tmp.path("a.ndjson");
    fs::write(tmp.path("a.ndjson.partial"), "someone else's data").unwrap();
    let out = generate_to(&target, "10");
    let line = one_error_line(&out, 2);
    assert!(line.contains("a.ndjson.partial already exists"), "{line}");
    assert_eq!(
        fs::read_to_string(tmp.path("a.ndjson.partial")).unwrap(),
        "someone else's data"
    );
    assert!(!target.exists());

    // A symbolic link planted at the partial path is not followed either.
    let tmp = TempDir::new("planted-link");
    let victim = tmp.write("victim.txt", "precious");
    symlink(&victim, tmp.path("a.ndjson.partial")).unwrap();
    let out = generate_to(&tmp.path("a.ndjson"), "10");
    one_error_line(&out, 2);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");

    // The same for a directory format.
    let tmp = TempDir::new("foreign-partial-dir");
    fs::create_dir(tmp.path("tags.partial")).unwrap();
    tmp.write("tags.partial/keep.txt", "mine");
    let out = milmed([
        "generate".as_ref(),
        "-n".as_ref(),
        "3".as_ref(),
        "--format".as_ref(),
        "ndef".as_ref(),
        "-o".as_ref(),
        tmp.path("tags").as_os_str(),
    ]);
    let line = one_error_line(&out, 2);
    assert!(line.contains("tags.partial already exists"), "{line}");
    assert_eq!(
        fs::read_to_string(tmp.path("tags.partial/keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn a_symbolic_link_is_followed_and_stays_a_link() {
    let tmp = TempDir::new("symlink");
    let real = tmp.write("real.ndjson", "old\n");
    let link = tmp.path("link.ndjson");
    symlink("real.ndjson", &link).unwrap();
    let out = generate_to(&link, "4");
    success(&out);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_to_string(&real).unwrap().lines().count(), 4);
    assert_eq!(tmp.files(), ["link.ndjson", "real.ndjson"]);

    // A link that points nowhere is refused, not replaced by a file.
    let dangling = tmp.path("dangling.ndjson");
    symlink("missing.ndjson", &dangling).unwrap();
    let out = generate_to(&dangling, "4");
    let line = one_error_line(&out, 2);
    assert!(line.contains("symbolic link to missing.ndjson"), "{line}");
    assert!(
        fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(!tmp.path("missing.ndjson").exists());
}

#[test]
fn a_target_the_user_cannot_write_is_refused_before_any_work() {
    let tmp = TempDir::new("read-only");
    // Others may create files here: only the file's own mode protects it.
    fs::set_permissions(&tmp.0, fs::Permissions::from_mode(0o777)).unwrap();
    let target = tmp.write("kept.ndjson", "do not replace\n");
    fs::set_permissions(&target, fs::Permissions::from_mode(0o444)).unwrap();
    let Some(out) = milmed_unprivileged(&generate_args(&target, "10")) else {
        return;
    };
    let line = one_error_line(&out, 2);
    assert!(
        line.contains("kept.ndjson exists and cannot be written"),
        "{line}"
    );
    assert_eq!(fs::read_to_string(&target).unwrap(), "do not replace\n");
    assert_eq!(tmp.files(), ["kept.ndjson"]);

    // A read-only directory.
    let dir = TempDir::new("read-only-dir");
    fs::set_permissions(&dir.0, fs::Permissions::from_mode(0o555)).unwrap();
    let target = dir.path("a.ndjson");
    let Some(out) = milmed_unprivileged(&generate_args(&target, "10")) else {
        return;
    };
    let line = one_error_line(&out, 2);
    assert!(line.contains("Permission denied"), "{line}");
    assert!(dir.files().is_empty());
    fs::set_permissions(&dir.0, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn decrypted_output_is_private_and_a_full_disk_is_a_runtime_failure() {
    let tmp = TempDir::new("decrypt-private");
    let enc = tmp.path("a.enc");
    let out = milmed_with(
        &[
            "generate",
            "-n",
            "20",
            "--encrypt",
            "-o",
            enc.to_str().unwrap(),
        ],
        &[PASSWORD],
        None,
    );
    success(&out);
    let plain = tmp.path("a.ndjson");
    let out = milmed_with(
        &[
            "decrypt",
            enc.to_str().unwrap(),
            "-o",
            plain.to_str().unwrap(),
        ],
        &[PASSWORD],
        None,
    );
    success(&out);
    let mode = fs::metadata(&plain).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "the plaintext is readable by its owner only"
    );

    let out = milmed_with(
        &["decrypt", enc.to_str().unwrap(), "-o", "/dev/full"],
        &[PASSWORD],
        None,
    );
    let line = one_error_line(&out, 1);
    assert!(line.contains("cannot write the plaintext"), "{line}");
}

#[test]
fn usage_errors_name_the_missing_argument() {
    let out = milmed(["decrypt"]);
    let line = one_error_line(&out, 2);
    assert!(line.contains("<INPUT>"), "{line}");
    let out = milmed(["validate"]);
    let line = one_error_line(&out, 2);
    assert!(line.contains("<FILE>"), "{line}");
}
