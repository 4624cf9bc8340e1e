//! Compressed output: names, deterministic gzip bytes that any gzip reader decodes, and a
//! valid stream however early writing stops.

use std::io::{Read, Write};

use milmed_core::format::{Format, PatientWriter};
use milmed_core::output::{Compression, GZIP_LEVEL, Output, UnknownCompression};
use milmed_core::{Generator, Scenario};

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a valid gzip stream");
    out
}

/// 2,000 patients of a preset, encoded into `output`.
fn patients_into(format: Format, output: Output<Vec<u8>>) -> Vec<u8> {
    let generator = Generator::new(&Scenario::preset("nato_article_5").unwrap(), 17).unwrap();
    let mut writer = PatientWriter::new(format.encoder(&generator), output);
    let patients: Vec<_> = generator.range(0..2000).unwrap().collect();
    for batch in patients.chunks(64) {
        writer.write_batch(batch).unwrap();
    }
    writer.finish().unwrap().inner.finish().unwrap()
}

#[test]
fn names_parse_and_print() {
    for c in Compression::ALL {
        assert_eq!(c.as_str().parse::<Compression>().unwrap(), *c);
        assert_eq!(c.to_string(), c.as_str());
    }
    assert_eq!("GZIP".parse::<Compression>().unwrap(), Compression::Gzip);
    assert_eq!("none".parse::<Compression>().unwrap(), Compression::None);
    assert_eq!(Compression::default(), Compression::None);
    let err = "zstd".parse::<Compression>().unwrap_err();
    assert_eq!(err, UnknownCompression("zstd".into()));
    assert_eq!(
        err.to_string(),
        "unknown compression `zstd`; allowed: none, gzip"
    );
    assert_eq!(Compression::Gzip.extension(), Some("gz"));
    assert_eq!(Compression::None.extension(), None);
}

#[test]
fn gzip_decodes_to_the_plain_output() {
    for format in Format::ALL {
        let plain = patients_into(*format, Output::plain(Vec::new()));
        let gz = patients_into(
            *format,
            Output::new(Vec::new(), Compression::Gzip, None).unwrap(),
        );
        assert!(
            gunzip(&gz) == plain,
            "{format}: gzip does not decode to the plain output"
        );
        assert!(
            gz.len() * 5 < plain.len(),
            "{format}: {} bytes compressed to {}",
            plain.len(),
            gz.len()
        );
    }
}

#[test]
fn gzip_is_byte_identical_across_runs() {
    let gz = || {
        patients_into(
            Format::Ndjson,
            Output::new(Vec::new(), Compression::Gzip, None).unwrap(),
        )
    };
    let first = gz();
    assert!(first == gz(), "two runs gave different gzip bytes");
    // The header: gzip magic, deflate, no flags (no file name), mtime 0, OS unknown.
    assert_eq!(&first[..4], &[0x1f, 0x8b, 8, 0]);
    assert_eq!(&first[4..8], &[0, 0, 0, 0], "mtime");
    assert_eq!(first[9], 255, "operating system");
    assert_eq!(GZIP_LEVEL, 6);
}

#[test]
fn gzip_bytes_do_not_depend_on_flushes() {
    let text: Vec<u8> = (0..30_000)
        .flat_map(|i| format!("line {i}\n").into_bytes())
        .collect();
    let mut quiet = Output::new(Vec::new(), Compression::Gzip, None).unwrap();
    quiet.write_all(&text).unwrap();
    let quiet = quiet.finish().unwrap();
    let mut flushed = Output::new(Vec::new(), Compression::Gzip, None).unwrap();
    for piece in text.chunks(1000) {
        flushed.write_all(piece).unwrap();
        flushed.flush().unwrap();
    }
    let flushed = flushed.finish().unwrap();
    assert!(quiet == flushed, "flushing changed the gzip bytes");
    assert!(gunzip(&quiet) == text);
}

#[test]
fn gzip_stopped_early_is_a_valid_stream() {
    let plain = patients_into(Format::Ndjson, Output::plain(Vec::new()));
    for stop in [0, 1, 65_536, 100_003, plain.len() / 2] {
        let mut output = Output::new(Vec::new(), Compression::Gzip, None).unwrap();
        output.write_all(&plain[..stop]).unwrap();
        let gz = output.finish().unwrap();
        assert!(gunzip(&gz) == plain[..stop], "stopped after {stop} bytes");
    }
}

#[test]
fn plain_output_passes_bytes_through() {
    let mut output = Output::new(Vec::new(), Compression::None, None).unwrap();
    assert!(!output.is_encrypted());
    assert_eq!(output.compression(), Compression::None);
    output.write_all(b"as written").unwrap();
    assert_eq!(output.get_ref(), b"as written");
    assert_eq!(output.finish().unwrap(), b"as written");
    let output = Output::new(Vec::<u8>::new(), Compression::Gzip, None).unwrap();
    assert_eq!(output.compression(), Compression::Gzip);
    assert!(!output.is_encrypted());
}
