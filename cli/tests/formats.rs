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
    let out = milmed(["generate", "-n", "3", "--format", "ndef"]);
    let line = one_error_line(&out, 2);
    assert!(
        line.contains("one file per patient") && line.contains("-o DIR"),
        "{line}"
    );

    let file = tmp.write("taken", "x");
    let out = milmed([
        "generate",
        "-n",
        "3",
        "--format",
        "ndef",
        "-o",
        file.to_str().unwrap(),
    ]);
    let line = one_error_line(&out, 2);
    assert!(line.contains("is a file"), "{line}");

    let full = tmp.path("full");
    fs::create_dir(&full).unwrap();
    fs::write(full.join("keep.txt"), "mine").unwrap();
    let out = milmed([
        "generate",
        "-n",
        "3",
        "--format",
        "ndef",
        "-o",
        full.to_str().unwrap(),
    ]);
    let line = one_error_line(&out, 2);
    assert!(line.contains("not empty"), "{line}");
    assert_eq!(fs::read_to_string(full.join("keep.txt")).unwrap(), "mine");

    let empty = tmp.path("empty");
    fs::create_dir(&empty).unwrap();
    let out = milmed([
        "generate",
        "-n",
        "3",
        "--format",
        "ndef",
        "-o",
        empty.to_str().unwrap(),
    ]);
    success(&out);
    assert_eq!(fs::read_dir(&empty).unwrap().count(), 3);
}
