//! A run that stops early (a budget, Ctrl-C, a cancelled job) still leaves a complete,
//! valid document: `finish` closes arrays and documents, the gzip stream and the last
//! encrypted chunk, whatever the format.

use std::io::Read;

use milmed_core::format::{Format, PatientWriter};
use milmed_core::output::{Compression, Encryption, Output, decrypt};
use milmed_core::{Generator, Scenario};

mod common;

use common::parse::{patients_in, stream_formats};

/// Writes the first `stop` of 500 patients, then finishes, through `output`.
fn stopped_early(format: Format, stop: usize, output: Output<Vec<u8>>) -> Vec<u8> {
    let scenario = Scenario {
        patients: 500,
        ..Scenario::preset("nato_article_5").unwrap()
    };
    let g = Generator::new(&scenario, 11).unwrap();
    let patients: Vec<_> = g.range(0..stop as u64).unwrap().collect();
    let mut writer = PatientWriter::new(format.encoder(&g), output);
    for batch in patients.chunks(64) {
        writer.write_batch(batch).unwrap();
    }
    let written = writer.finish().unwrap();
    assert_eq!(written.patients, stop as u64);
    written.inner.finish().unwrap()
}

#[test]
fn every_format_is_complete_after_an_early_stop() {
    for format in stream_formats() {
        for stop in [0, 1, 137] {
            let bytes = stopped_early(format, stop, Output::plain(Vec::new()));
            assert_eq!(
                patients_in(format, &bytes),
                stop,
                "{format}, stopped at {stop}"
            );
        }
    }
}

#[test]
fn gzip_stream_is_finished_after_an_early_stop() {
    for format in stream_formats() {
        let plain = stopped_early(format, 137, Output::plain(Vec::new()));
        let packed = stopped_early(
            format,
            137,
            Output::new(Vec::new(), Compression::Gzip, None).unwrap(),
        );
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_end(&mut unpacked)
            .expect("a complete gzip stream (trailer with CRC and length)");
        assert_eq!(unpacked, plain, "{format}");
    }
}

#[test]
fn last_encrypted_chunk_is_sealed_after_an_early_stop() {
    let encryption = Encryption::new("stop early").unwrap();
    for (format, compression) in [
        (Format::Json, Compression::Gzip),
        (Format::Xml, Compression::None),
    ] {
        let plain = stopped_early(format, 137, Output::plain(Vec::new()));
        let sealed = stopped_early(
            format,
            137,
            Output::new(Vec::new(), compression, Some(&encryption)).unwrap(),
        );
        let mut opened = Vec::new();
        decrypt(&sealed[..], &mut opened, b"stop early").expect("a complete encrypted file");
        if compression == Compression::Gzip {
            let mut unpacked = Vec::new();
            flate2::read::GzDecoder::new(&opened[..])
                .read_to_end(&mut unpacked)
                .unwrap();
            opened = unpacked;
        }
        assert_eq!(opened, plain, "{format}");
        assert_eq!(patients_in(format, &opened), 137);
    }
}
