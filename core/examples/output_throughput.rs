//! Throughput of the output sinks on real NDJSON, in memory:
//! `cargo run --release -p milmed-core --example output_throughput -- [MEGABYTES]`.
//!
//! Prints MB/s (10^6 bytes of plaintext per second) for gzip, encryption, decryption, and
//! gzip + encryption, and the time of one key derivation (PBKDF2, 600,000 rounds), which
//! is counted separately from the streaming rates.
use std::io::Write;
use std::time::{Duration, Instant};

use milmed_core::format::{Format, PatientWriter};
use milmed_core::output::{
    Compression, DecryptingReader, EncryptingWriter, Encryption, Output, decrypt,
};
use milmed_core::{Generator, Scenario};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let megabytes: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(200);

    // Real records, repeated up to the size asked for.
    let generator = Generator::new(&Scenario::preset("nato_article_5")?, 42)?;
    let mut writer = PatientWriter::new(Format::Ndjson.encoder(&generator), Vec::new());
    writer.write_batch(&generator.patients().collect::<Vec<_>>())?;
    let records = writer.finish()?.inner;
    let mut text = Vec::with_capacity(megabytes * 1_000_000 + records.len());
    while text.len() < megabytes * 1_000_000 {
        text.extend_from_slice(&records);
    }
    let mb = text.len() as f64 / 1e6;
    println!("plaintext: {mb:.1} MB of NDJSON");

    let password = b"throughput";
    let start = Instant::now();
    let writer = EncryptingWriter::new(Vec::new(), password)?;
    let kdf = start.elapsed();
    println!("key derivation (PBKDF2-HMAC-SHA256, 600000 rounds): {kdf:.2?}");

    let rate = |d: Duration| mb / d.as_secs_f64();

    // Encryption (the key is already derived).
    let mut writer = writer;
    let start = Instant::now();
    for piece in text.chunks(1 << 20) {
        writer.write_all(piece)?;
    }
    let file = writer.finish()?;
    let enc = start.elapsed();
    println!("encrypt:          {:8.0} MB/s", rate(enc));

    // Decryption: total time less one key derivation.
    let mut plain = Vec::with_capacity(text.len());
    let start = Instant::now();
    let reader = DecryptingReader::new(&file[..], password)?;
    let kdf2 = start.elapsed();
    drop(reader);
    let start = Instant::now();
    decrypt(&file[..], &mut plain, password)?;
    let dec = start.elapsed().saturating_sub(kdf2);
    assert!(plain == text);
    println!("decrypt:          {:8.0} MB/s", rate(dec));

    let start = Instant::now();
    let mut gz = Output::new(Vec::new(), Compression::Gzip, None)?;
    gz.write_all(&text)?;
    let gz = gz.finish()?;
    let gzip = start.elapsed();
    println!(
        "gzip:             {:8.0} MB/s ({:.1}% of the size)",
        rate(gzip),
        100.0 * gz.len() as f64 / text.len() as f64
    );

    let encryption = Encryption::new(password.to_vec())?;
    let mut both = Output::new(Vec::new(), Compression::Gzip, Some(&encryption))?;
    let start = Instant::now();
    both.write_all(&text)?;
    both.finish()?;
    println!("gzip + encrypt:   {:8.0} MB/s", rate(start.elapsed()));
    Ok(())
}
