//! The determinism contract: same scenario and seed give the same bytes; shards
//! concatenate to the whole run; the thread count never changes the output; and a
//! committed golden digest guards accidental model changes.

mod common;

use milmed_core::format::{Format, PatientWriter};
use milmed_core::{Generator, Scenario};
use sha2::{Digest, Sha256};

fn parallel(g: &Generator, format: Format, threads: usize, chunk: usize) -> Vec<u8> {
    let mut writer = PatientWriter::new(format.encoder(g), Vec::new());
    let encoder = format.encoder(g);
    g.for_each_chunk(
        0..g.len(),
        threads,
        chunk,
        |first, patients| {
            let mut out = Vec::new();
            encoder.encode_chunk(patients, first, &mut out);
            (out, patients.len() as u64)
        },
        |(bytes, n)| writer.write_encoded(&bytes, n),
    )
    .unwrap()
    .unwrap();
    writer.finish().unwrap().inner
}

#[test]
fn same_scenario_and_seed_give_the_same_bytes() {
    let scenario = Scenario::preset("nato_article_5").unwrap();
    let a = common::ndjson(&Generator::new(&scenario, 7).unwrap(), 0..2500);
    let b = common::ndjson(&Generator::new(&scenario, 7).unwrap(), 0..2500);
    assert_eq!(a, b);
    let c = common::ndjson(&Generator::new(&scenario, 8).unwrap(), 0..2500);
    assert_ne!(a, c, "a different seed must give a different run");
}

#[test]
fn shards_concatenate_to_the_whole_run() {
    let scenario = Scenario {
        patients: 3000,
        ..Scenario::preset("urban_assault").unwrap()
    };
    let g = Generator::new(&scenario, 11).unwrap();
    let whole = common::ndjson(&g, 0..3000);
    for cuts in [
        vec![0, 3000],
        vec![0, 1, 2999, 3000],
        vec![0, 777, 1500, 1501, 2222, 3000],
    ] {
        let mut joined = Vec::new();
        for w in cuts.windows(2) {
            joined.extend(common::ndjson(&g, w[0]..w[1]));
        }
        assert_eq!(joined, whole, "cuts {cuts:?}");
    }
}

#[test]
fn thread_count_and_chunk_size_never_change_the_output() {
    let scenario = Scenario {
        patients: 5000,
        ..Scenario::default()
    };
    let g = Generator::new(&scenario, 3).unwrap();
    for format in Format::ALL {
        let reference = parallel(&g, *format, 1, 4096);
        let mut serial = PatientWriter::new(format.encoder(&g), Vec::new());
        serial
            .write_batch(&g.patients().collect::<Vec<_>>())
            .unwrap();
        assert_eq!(
            serial.finish().unwrap().inner,
            reference,
            "{format}: serial"
        );
        for (threads, chunk) in [(2, 1000), (4, 333), (3, 1), (8, 5000)] {
            assert_eq!(
                parallel(&g, *format, threads, chunk),
                reference,
                "{format}: {threads} threads, chunk {chunk}"
            );
        }
    }
}

#[test]
fn a_patient_alone_equals_the_same_patient_in_the_run() {
    let g = Generator::new(&Scenario::preset("maritime_operation").unwrap(), 5).unwrap();
    let all: Vec<_> = g.patients().collect();
    for i in [0u64, 1, 899, 1799] {
        assert_eq!(g.patient(i).unwrap(), all[i as usize]);
    }
    assert!(g.patient(1800).is_none());
    let err = g.range(10..1801).err().unwrap();
    assert_eq!(
        err.to_string(),
        "patient range 10..1801 is not inside the run of 1800 patients (0..1800)"
    );
}

/// The golden digest: SHA-256 of the NDJSON of the default scenario, seed 42, 1,000
/// patients. Changing it is a deliberate model change: regenerate with
/// `MILMED_UPDATE_GOLDEN=1 cargo test -p milmed-core --test determinism` and say why in
/// the commit message.
#[test]
fn golden_digest_of_the_default_scenario() {
    let scenario = Scenario {
        patients: 1000,
        ..Scenario::default()
    };
    let bytes = common::ndjson(&Generator::new(&scenario, 42).unwrap(), 0..1000);
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/default-seed42-1000.ndjson.sha256"
    );
    if std::env::var_os("MILMED_UPDATE_GOLDEN").is_some() {
        std::fs::write(path, format!("{digest}\n")).unwrap();
    }
    let expected = std::fs::read_to_string(path).expect("golden digest file");
    assert_eq!(
        digest,
        expected.trim(),
        "the output of the default scenario changed (see the doc comment)"
    );
}
