//! Prints the first patients of a preset as NDJSON: `cargo run -p milmed-core --example sample -- nato_article_5 3`.
use milmed_core::format::{Format, PatientWriter};
use milmed_core::{Generator, Scenario};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let preset = args
        .next()
        .unwrap_or_else(|| "training_exercise".to_owned());
    let count: u64 = args.next().map(|n| n.parse()).transpose()?.unwrap_or(3);
    let generator = Generator::new(&Scenario::preset(&preset)?, 42)?;
    let mut writer =
        PatientWriter::new(Format::Ndjson.encoder(&generator), std::io::stdout().lock());
    let patients: Vec<_> = generator.range(0..count.min(generator.len()))?.collect();
    writer.write_batch(&patients)?;
    writer.finish()?;
    Ok(())
}
