//! A run that stops early (a budget, Ctrl-C, a cancelled job) still leaves a complete,
//! valid document: `finish` closes arrays and documents, the gzip stream and the last
//! encrypted chunk, whatever the format.

use std::io::Read;

use milmed_core::format::{Format, PatientWriter};
use milmed_core::output::{Compression, Encryption, Output, decrypt};
use milmed_core::{Generator, Scenario};

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

/// Parses `bytes` as `format` with an independent reader; returns the patient count.
fn patients_in(format: Format, bytes: &[u8]) -> usize {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    match format {
        Format::Ndjson | Format::Fhir | Format::FhirTransaction => text
            .lines()
            .filter(|l| {
                serde_json::from_str::<serde_json::Value>(l)
                    .expect("JSON line")
                    .is_object()
            })
            .count(),
        Format::Json | Format::Viewer => serde_json::from_str::<Vec<serde_json::Value>>(text)
            .expect("a closed JSON array")
            .len(),
        Format::Csv => csv::Reader::from_reader(bytes)
            .records()
            .filter(|r| !r.as_ref().expect("CSV row").is_empty())
            .count(),
        Format::EventsCsv => {
            let mut reader = csv::Reader::from_reader(bytes);
            let mut ids: Vec<String> = reader
                .records()
                .map(|r| r.expect("CSV row")[0].to_owned())
                .collect();
            ids.dedup();
            ids.len()
        }
        Format::Xml => {
            let doc = roxmltree::Document::parse(text).expect("well-formed XML");
            assert_eq!(doc.root_element().tag_name().name(), "patients");
            doc.root_element()
                .children()
                .filter(|n| n.has_tag_name("patient"))
                .count()
        }
        Format::Ndef => unreachable!("one file per patient: not a stream"),
    }
}

fn stream_formats() -> impl Iterator<Item = Format> {
    Format::ALL
        .iter()
        .copied()
        .filter(|f| !f.one_file_per_patient())
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
