//! Arbitrary bytes as a scenario, read as JSON and as TOML: each read gives a scenario or
//! an error, never a panic. A scenario that reads either fails validation — and then
//! `Generator::new` refuses it too — or builds a generator whose first, middle and last
//! patients can be generated and encoded (for runs of at most a million patients: finding
//! one patient rebuilds its hour's incidents, which takes seconds when an hour holds
//! millions of patients — slow, not wrong, and it would starve the fuzzer).
#![no_main]

use libfuzzer_sys::fuzz_target;
use milmed_core::format::{Format, PatientWriter};
use milmed_core::{Generator, Scenario};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for read in [Scenario::from_json(text), Scenario::from_toml(text)] {
        match read {
            Ok(scenario) => check(&scenario),
            // Building the message must not panic either.
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
});

/// Largest run whose patients are generated.
const MAX_GENERATED: u64 = 1_000_000;

fn check(scenario: &Scenario) {
    let valid = scenario.validate().is_ok();
    match Generator::new(scenario, 0x5EED) {
        Ok(generator) => {
            assert!(
                valid,
                "Generator::new accepted a scenario that validate() refuses"
            );
            let n = generator.len();
            assert_eq!(n, scenario.patients);
            if n > MAX_GENERATED {
                return;
            }
            let mut writer = PatientWriter::new(Format::Ndjson.encoder(&generator), Vec::new());
            for index in [0, n / 2, n - 1] {
                let patient = generator.patient(index).expect("index below len()");
                writer.write_batch(&[patient]).expect("writing to a Vec");
            }
            let written = writer.finish().expect("writing to a Vec");
            assert_eq!(written.patients, 3);
        }
        Err(e) => {
            assert!(
                !valid,
                "validate() accepted a scenario that Generator::new refuses: {e}"
            );
            assert!(!e.to_string().is_empty());
        }
    }
}
