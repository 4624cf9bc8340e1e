//! Throughput of the hot paths: generating compact patients and rendering them in every
//! format, in patients per second (`Throughput::Elements`); and the output sinks (gzip,
//! encryption, decryption) in bytes per second (`Throughput::Bytes`).
//!
//! Run: `cargo bench -p milmed-benches`; figures go to `docs/performance.md`.

use std::hint::black_box;
use std::io::Write;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use milmed_core::format::Format;
use milmed_core::output::{Compression, Encryption, Output, decrypt};
use milmed_core::{Generator, Patient, Scenario};

const PATIENTS: u64 = 100_000;

fn generator(preset: &str) -> Generator {
    let scenario = Scenario {
        patients: PATIENTS,
        ..Scenario::preset(preset).unwrap()
    };
    Generator::new(&scenario, 42).unwrap()
}

fn generation(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate_compact");
    group.throughput(Throughput::Elements(PATIENTS));
    group.sample_size(20);
    for preset in ["nato_article_5", "peacekeeping"] {
        let g = generator(preset);
        group.bench_with_input(BenchmarkId::from_parameter(preset), &g, |b, g| {
            b.iter(|| {
                let mut checksum = 0u64;
                for p in g.patients() {
                    checksum = checksum.wrapping_add(black_box(&p).detail_seed());
                }
                checksum
            })
        });
    }
    group.finish();
}

fn rendering(c: &mut Criterion) {
    let g = generator("nato_article_5");
    let patients: Vec<Patient> = g.range(0..20_000).unwrap().collect();
    let mut group = c.benchmark_group("render");
    group.throughput(Throughput::Elements(patients.len() as u64));
    group.sample_size(20);
    for format in Format::ALL {
        let encoder = format.encoder(&g);
        let mut out = Vec::with_capacity(64 << 20);
        group.bench_function(BenchmarkId::from_parameter(format), |b| {
            b.iter(|| {
                out.clear();
                encoder.encode_chunk(black_box(&patients), 0, &mut out);
                out.len()
            })
        });
    }
    group.finish();
}

fn end_to_end(c: &mut Criterion) {
    let g = generator("nato_article_5");
    let encoder = Format::Ndjson.encoder(&g);
    let mut group = c.benchmark_group("generate_ndjson");
    group.throughput(Throughput::Elements(PATIENTS));
    group.sample_size(10);
    for threads in [1usize, 2] {
        group.bench_with_input(
            BenchmarkId::new("threads", threads),
            &threads,
            |b, &threads| {
                b.iter(|| {
                    let mut bytes = 0usize;
                    g.for_each_chunk(
                        0..g.len(),
                        threads,
                        milmed_core::DEFAULT_CHUNK,
                        |first, chunk| {
                            let mut out = Vec::with_capacity(chunk.len() * 3000);
                            encoder.encode_chunk(chunk, first, &mut out);
                            out
                        },
                        |out| {
                            bytes += out.len();
                            Ok::<(), ()>(())
                        },
                    )
                    .unwrap()
                    .unwrap();
                    bytes
                })
            },
        );
    }
    group.finish();
}

/// Gzip, encryption and decryption of 16 MB of real NDJSON. The key derivation (PBKDF2,
/// 600,000 rounds, once per file) is included: it is part of every encrypted file.
fn output(c: &mut Criterion) {
    let g = generator("nato_article_5");
    let patients: Vec<Patient> = g.range(0..4_600).unwrap().collect();
    let mut text = Vec::new();
    Format::Ndjson
        .encoder(&g)
        .encode_chunk(&patients, 0, &mut text);
    let encryption = Encryption::new("benchmark").unwrap();
    let mut group = c.benchmark_group("output");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10);
    for (name, compression, encrypt) in [
        ("gzip", Compression::Gzip, false),
        ("encrypt", Compression::None, true),
        ("gzip+encrypt", Compression::Gzip, true),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut out = Output::new(
                    Vec::with_capacity(text.len() + 4096),
                    compression,
                    encrypt.then_some(&encryption),
                )
                .unwrap();
                out.write_all(black_box(&text)).unwrap();
                out.finish().unwrap().len()
            })
        });
    }
    let mut sealed = Output::new(Vec::new(), Compression::None, Some(&encryption)).unwrap();
    sealed.write_all(&text).unwrap();
    let sealed = sealed.finish().unwrap();
    group.bench_function("decrypt", |b| {
        b.iter(|| {
            let mut plain = Vec::with_capacity(text.len());
            decrypt(black_box(&sealed[..]), &mut plain, b"benchmark").unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, generation, rendering, end_to_end, output);
criterion_main!(benches);
