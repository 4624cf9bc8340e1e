//! `milmed generate` in every format, with compression and encryption.

mod common;

use std::fs;

use common::*;

#[test]
fn ndef_writes_one_message_per_patient_into_a_directory() {
    let tmp = TempDir::new("ndef");
    let dir = tmp.path("tags");
    let out = milmed([
        "generate",
        "--preset",
        "training_exercise",
        "-n",
        "120",
        "--format",
        "ndef",
        "-o",
        dir.to_str().unwrap(),
    ]);
    success(&out);
    let records = generate_stdout(&["--preset", "training_exercise", "-n", "120"]);
    let records: Vec<&[u8]> = records.split(|&b| b == b'\n').collect();

    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let expected: Vec<String> = (0..120).map(|i| format!("patient-{i:03}.ndef")).collect();
    assert_eq!(names, expected);
    for (i, name) in names.iter().enumerate() {
        let bytes = fs::read(dir.join(name)).unwrap();
        // MB ME, not short (records are > 255 bytes), TNF 2; 22-byte type; u32 length.
        assert_eq!(bytes[0], 0xC2, "{name}");
        assert_eq!(bytes[1], 22, "{name}");
        let length = u32::from_be_bytes(bytes[2..6].try_into().unwrap()) as usize;
        assert_eq!(&bytes[6..28], b"application/x.ips.v1-0", "{name}");
        assert_eq!(bytes.len(), 28 + length, "{name}: nothing after the record");
        assert_eq!(
            &bytes[28..],
            records[i],
            "{name}: payload is the JSON record"
        );
    }
    assert_eq!(tmp.files(), ["tags"], "no partial directory left behind");
}

#[test]
fn ndef_needs_an_empty_or_new_directory() {
    let tmp = TempDir::new("ndef-dir");
    let ndef_into = |dir: &std::path::Path| {
        milmed([
            "generate",
            "-n",
            "3",
            "--format",
            "ndef",
            "-o",
            dir.to_str().unwrap(),
        ])
    };
    let out = milmed(["generate", "-n", "3", "--format", "ndef"]);
    let line = one_error_line(&out, 2);
    assert!(
        line.contains("one file per patient") && line.contains("-o DIR"),
        "{line}"
    );

    let file = tmp.write("taken", "x");
    let line = one_error_line(&ndef_into(&file), 2);
    assert!(line.contains("is a file"), "{line}");

    let full = tmp.path("full");
    fs::create_dir(&full).unwrap();
    fs::write(full.join("keep.txt"), "mine").unwrap();
    let line = one_error_line(&ndef_into(&full), 2);
    assert!(line.contains("not empty"), "{line}");
    assert_eq!(fs::read_to_string(full.join("keep.txt")).unwrap(), "mine");

    let empty = tmp.path("empty");
    fs::create_dir(&empty).unwrap();
    success(&ndef_into(&empty));
    assert_eq!(fs::read_dir(&empty).unwrap().count(), 3);
}

const PASSWORD: (&str, &str) = ("MILMED_PASSWORD", "correct horse battery staple");

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

#[test]
fn gzip_of_every_stream_format_decompresses_to_the_plain_bytes() {
    let tmp = TempDir::new("gzip");
    for format in STREAM_FORMATS {
        let args = ["--preset", "peacekeeping", "-n", "300", "--format", format];
        let plain = generate_stdout(&args);
        let name = format!("{format}.gz");
        let packed = generate_file(&tmp, &name, &[&args[..], &["--compress", "gzip"]].concat());
        assert_eq!(&packed[..2], &[0x1f, 0x8b], "{format}: gzip magic");
        assert_eq!(gunzip(&packed), plain, "{format}");
        let again = generate_file(&tmp, &name, &[&args[..], &["--compress", "gzip"]].concat());
        assert_eq!(again, packed, "{format}: gzip output is deterministic");
    }
    let out = milmed(["generate", "--compress", "zstd"]);
    let line = one_error_line(&out, 2);
    assert!(line.contains("allowed: none, gzip"), "{line}");
}

#[test]
fn encrypted_output_decrypts_to_the_plain_bytes() {
    let tmp = TempDir::new("encrypt");
    let args = [
        "generate",
        "--preset",
        "nato_article_5",
        "-n",
        "3000",
        "--format",
        "xml",
    ];
    let plain = generate_stdout(&args[1..]);
    let enc = tmp.path("a.xml.gz.enc");
    let out = milmed_with(
        &[
            &args[..],
            &[
                "--compress",
                "gzip",
                "--encrypt",
                "-o",
                enc.to_str().unwrap(),
            ],
        ]
        .concat(),
        &[PASSWORD],
        None,
    );
    success(&out);
    let file = fs::read(&enc).unwrap();
    assert_eq!(&file[..8], b"MILMEDE\0");
    assert!(
        !file.windows(9).any(|w| w == b"<patients"),
        "no plaintext in the file"
    );

    // Into a file, password from the environment.
    let gz = tmp.path("a.xml.gz");
    let out = milmed_with(
        &["decrypt", enc.to_str().unwrap(), "-o", gz.to_str().unwrap()],
        &[PASSWORD],
        None,
    );
    success(&out);
    assert_eq!(gunzip(&fs::read(&gz).unwrap()), plain);

    // From stdin to stdout, password from a file (first line only).
    let password_file = tmp.write("pw", "correct horse battery staple\nignored\n");
    let out = milmed_with(
        &[
            "decrypt",
            "-",
            "--password-file",
            password_file.to_str().unwrap(),
        ],
        &[],
        Some(&file),
    );
    success(&out);
    assert_eq!(gunzip(&out.stdout), plain);

    // Two encryptions of the same run differ (salt and nonce) yet decrypt alike.
    let enc2 = tmp.path("b.xml.gz.enc");
    let out = milmed_with(
        &[
            &args[..],
            &[
                "--compress",
                "gzip",
                "--encrypt",
                "-o",
                enc2.to_str().unwrap(),
            ],
        ]
        .concat(),
        &[PASSWORD],
        None,
    );
    success(&out);
    assert_ne!(fs::read(&enc2).unwrap(), file);
}

/// Encrypts 3000 NDJSON patients (about 11 MB: many 64 KiB chunks) into `dir/name`.
fn encrypted_ndjson(tmp: &TempDir, name: &str) -> (Vec<u8>, Vec<u8>) {
    let args = ["--preset", "nato_article_5", "-n", "3000"];
    let plain = generate_stdout(&args);
    let path = tmp.path(name);
    let out = milmed_with(
        &[
            &["generate"][..],
            &args,
            &["--encrypt", "-o", path.to_str().unwrap()],
        ]
        .concat(),
        &[PASSWORD],
        None,
    );
    success(&out);
    (plain, fs::read(path).unwrap())
}

#[test]
fn tampering_is_detected_and_leaves_no_plaintext_file() {
    let tmp = TempDir::new("tamper");
    let (_, file) = encrypted_ndjson(&tmp, "a.enc");
    let header = milmed_core::output::HEADER_LEN;
    let chunk = milmed_core::output::DEFAULT_CHUNK_SIZE as usize + milmed_core::output::TAG_LEN;
    assert!(file.len() > header + 3 * chunk);

    let mut flipped = file.clone();
    flipped[header + chunk + 100] ^= 0x01;
    let mut swapped = file.clone();
    swapped[header..header + 2 * chunk].rotate_left(chunk);
    let truncated_mid = file[..file.len() - 10].to_vec();
    let truncated_boundary = file[..header + 2 * chunk].to_vec();
    let mut bad_header = file.clone();
    bad_header[20] ^= 0x80; // in the salt

    let cases: [(&str, &[u8], &str); 6] = [
        ("flipped bit", &flipped, "chunk 1"),
        ("swapped chunks", &swapped, "chunk 0"),
        (
            "cut inside a chunk",
            &truncated_mid,
            "failed authentication",
        ),
        (
            "cut at a chunk boundary",
            &truncated_boundary,
            "truncated file",
        ),
        ("changed salt", &bad_header, "wrong password"),
        (
            "not encrypted",
            b"{\"id\":0}\n",
            "not a milmed encrypted file",
        ),
    ];
    for (what, bytes, expected) in cases {
        let input = tmp.path("in.enc");
        fs::write(&input, bytes).unwrap();
        let output = tmp.path("out.ndjson");
        let out = milmed_with(
            &[
                "decrypt",
                input.to_str().unwrap(),
                "-o",
                output.to_str().unwrap(),
            ],
            &[PASSWORD],
            None,
        );
        let line = one_error_line(&out, 2);
        assert!(line.contains(expected), "{what}: {line}");
        assert!(!output.exists(), "{what}: no output file");
        assert!(
            !tmp.path("out.ndjson.partial").exists(),
            "{what}: no partial file"
        );
    }

    let input = tmp.path("a.enc");
    let out = milmed_with(
        &["decrypt", input.to_str().unwrap()],
        &[("MILMED_PASSWORD", "wrong")],
        None,
    );
    let line = one_error_line(&out, 2);
    assert!(line.contains("wrong password"), "{line}");
    assert!(
        out.stdout.is_empty(),
        "nothing released on a wrong password"
    );
}

#[test]
fn on_stdout_only_verified_chunks_are_released() {
    let tmp = TempDir::new("partial");
    let (plain, file) = encrypted_ndjson(&tmp, "a.enc");
    let header = milmed_core::output::HEADER_LEN;
    let chunk_plain = milmed_core::output::DEFAULT_CHUNK_SIZE as usize;
    let chunk = chunk_plain + milmed_core::output::TAG_LEN;
    let mut flipped = file.clone();
    flipped[header + 2 * chunk + 5] ^= 0x40;
    let out = milmed_with(&["decrypt", "-"], &[PASSWORD], Some(&flipped));
    let line = one_error_line(&out, 2);
    assert!(line.contains("chunk 2"), "{line}");
    assert_eq!(
        out.stdout,
        &plain[..2 * chunk_plain],
        "exactly the two good chunks"
    );
}

#[test]
fn passwords_never_come_from_the_command_line() {
    let out = milmed(["generate", "-n", "3", "--encrypt", "--password", "x"]);
    one_error_line(&out, 2);
    let out = milmed_with(&["generate", "-n", "3", "--encrypt"], &[], None);
    let line = one_error_line(&out, 2);
    assert!(
        line.contains("MILMED_PASSWORD") && line.contains("--password-file"),
        "{line}"
    );
    let out = milmed_with(
        &["generate", "-n", "3", "--encrypt"],
        &[("MILMED_PASSWORD", "")],
        None,
    );
    let line = one_error_line(&out, 2);
    assert!(line.contains("empty"), "{line}");
    let out = milmed(["generate", "-n", "3", "--password-file", "pw"]);
    one_error_line(&out, 2);
}

#[test]
fn encrypted_ndef_payloads_decrypt_to_the_records() {
    let tmp = TempDir::new("ndef-enc");
    let dir = tmp.path("tags");
    let out = milmed_with(
        &[
            "generate",
            "-n",
            "4",
            "--format",
            "ndef",
            "--compress",
            "gzip",
            "--encrypt",
            "-o",
            dir.to_str().unwrap(),
        ],
        &[PASSWORD],
        None,
    );
    success(&out);
    let records = generate_stdout(&["-n", "4"]);
    let records: Vec<&[u8]> = records.split(|&b| b == b'\n').collect();
    let mime = b"application/x.ips.gzip.aes256.v1-0";
    for (i, record) in records.iter().take(4).enumerate() {
        let bytes = fs::read(dir.join(format!("patient-{i}.ndef"))).unwrap();
        assert_eq!(
            bytes[0], 0xC2,
            "MB ME TNF=2, long payload (header + chunk > 255)"
        );
        assert_eq!(usize::from(bytes[1]), mime.len());
        let length = u32::from_be_bytes(bytes[2..6].try_into().unwrap()) as usize;
        assert_eq!(&bytes[6..6 + mime.len()], mime);
        let payload = &bytes[6 + mime.len()..];
        assert_eq!(payload.len(), length);
        let out = milmed_with(&["decrypt", "-"], &[PASSWORD], Some(payload));
        success(&out);
        assert_eq!(gunzip(&out.stdout), *record);
    }
}

#[test]
fn a_budget_stops_with_exit_3_and_a_complete_document() {
    let tmp = TempDir::new("budget");
    let path = tmp.path("a.json");
    let out = milmed([
        "generate",
        "-n",
        "5000",
        "--format",
        "json",
        "--max-patients",
        "1000",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    let line = err.lines().last().unwrap();
    assert!(
        line.starts_with("milmed: error: budget exceeded: patients limit 1000 patients, used 1000 patients; 1000 of 5000 patients written to"),
        "{line}"
    );
    let records: Vec<serde_json::Value> =
        serde_json::from_slice(&fs::read(&path).unwrap()).expect("a closed JSON array");
    assert_eq!(records.len(), 1000);

    let path = tmp.path("b.xml.gz");
    let out = milmed([
        "generate",
        "-n",
        "20000",
        "--format",
        "csv",
        "--compress",
        "gzip",
        "--max-bytes",
        "64K",
        "--chunk",
        "50",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("bytes limit 65536 bytes"),
        "{}",
        stderr(&out)
    );
    let text = gunzip(&fs::read(&path).unwrap());
    let rows = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count()
        - 1;
    assert!(rows > 0 && rows < 20000 && rows % 50 == 0, "{rows} rows");

    let out = milmed(["generate", "-n", "5000", "--max-memory", "1000"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("memory limit 1000 bytes"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty(), "ndjson of no patient is empty");

    let out = milmed(["generate", "--max-seconds", "soon"]);
    let line = one_error_line(&out, 2);
    assert!(line.contains("number of seconds"), "{line}");
}
