//! Bytes per patient of every format, plain and gzip-compressed:
//! `cargo run --release -p milmed-core --example sizes -- nato_article_5 10000`.
use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use milmed_core::format::{Format, PatientWriter};
use milmed_core::{Generator, Scenario};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let preset = args.next().unwrap_or_else(|| "nato_article_5".to_owned());
    let count: u64 = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(10_000);
    let scenario = Scenario {
        patients: count,
        ..Scenario::preset(&preset)?
    };
    let generator = Generator::new(&scenario, 42)?;
    let patients: Vec<_> = generator.patients().collect();
    println!("{count} patients of {preset}, seed 42");
    println!(
        "{:<18} {:>14} {:>14}",
        "format", "bytes/patient", "gzip/patient"
    );
    for format in Format::ALL {
        let mut writer = PatientWriter::new(format.encoder(&generator), Vec::new());
        writer.write_batch(&patients)?;
        let plain = writer.finish()?.inner;
        let mut gzip = GzEncoder::new(Vec::new(), Compression::default());
        gzip.write_all(&plain)?;
        let packed = gzip.finish()?;
        let per = |n: usize| n as f64 / count as f64;
        println!(
            "{:<18} {:>14.0} {:>14.0}",
            format.as_str(),
            per(plain.len()),
            per(packed.len())
        );
    }
    Ok(())
}
