//! `Generator::shards`: a run split into contiguous ranges whose outputs, concatenated in
//! order, are the whole run's output byte for byte.

use std::sync::Arc;

use milmed_core::format::{Encoder, Format};
use milmed_core::job::{Job, NoShards, StreamSink, run_job, shards};
use milmed_core::output::Compression;
use milmed_core::{Generator, Scenario};

fn generator(patients: u64) -> Generator {
    let scenario = Scenario {
        patients,
        ..Scenario::preset("mass_casualty").unwrap()
    };
    Generator::new(&scenario, 4).unwrap()
}

fn output(job: &Job, encoder: &Arc<dyn Encoder>) -> Vec<u8> {
    let sink = StreamSink::new(Arc::clone(encoder), Vec::new(), Compression::None, None).unwrap();
    run_job(job, sink, |_| {}).unwrap().output
}

/// Whether the format writes nothing but its patients (no header, no footer): the
/// formats whose shards concatenate to the whole document.
fn bare(encoder: &Arc<dyn Encoder>) -> bool {
    let (mut header, mut footer) = (Vec::new(), Vec::new());
    encoder.header(&mut header);
    encoder.footer(&mut footer, 1);
    header.is_empty() && footer.is_empty()
}

#[test]
fn shards_concatenate_to_the_whole_run_byte_for_byte() {
    let g = generator(1_001);
    let mut checked = Vec::new();
    for &format in Format::ALL {
        let encoder = format.encoder(&g);
        if !bare(&encoder) {
            continue;
        }
        checked.push(format);
        let whole = output(&Job::new(&g, Arc::clone(&encoder)).threads(2), &encoder);
        for n in [1, 2, 3, 7, 64, 1_001, 1_005] {
            let parts: Vec<u8> = g
                .shards(n)
                .unwrap()
                .flat_map(|range| {
                    output(
                        &Job::new(&g, Arc::clone(&encoder)).range(range).batch(50),
                        &encoder,
                    )
                })
                .collect();
            assert!(parts == whole, "{format}, {n} shards");
        }
    }
    assert!(
        checked.contains(&Format::Ndjson) && checked.contains(&Format::Fhir),
        "{checked:?}"
    );
}

#[test]
fn shards_are_contiguous_ordered_and_nearly_equal() {
    for (patients, n) in [(10, 3), (2, 4), (1_001, 7), (0, 2), (5, 1), (u64::MAX, 3)] {
        let ranges: Vec<_> = shards(patients, n).unwrap().collect();
        assert_eq!(ranges.len() as u64, n, "{patients}/{n}");
        assert_eq!(ranges[0].start, 0, "{patients}/{n}");
        assert_eq!(ranges.last().unwrap().end, patients, "{patients}/{n}");
        assert!(
            ranges.windows(2).all(|w| w[0].end == w[1].start),
            "{patients}/{n}: contiguous"
        );
        let sizes: Vec<u64> = ranges.iter().map(|r| r.end - r.start).collect();
        assert!(
            sizes.windows(2).all(|w| w[0] >= w[1] && w[0] - w[1] <= 1),
            "{patients}/{n}: {sizes:?}"
        );
    }
    assert_eq!(
        shards(10, 3).unwrap().collect::<Vec<_>>(),
        [0..4, 4..7, 7..10]
    );
    assert_eq!(
        generator(2).shards(4).unwrap().collect::<Vec<_>>(),
        [0..1, 1..2, 2..2, 2..2]
    );
    // A billion shards are made one at a time, not held.
    let mut many = shards(5, 1_000_000_000).unwrap();
    assert_eq!(many.size_hint(), (1_000_000_000, Some(1_000_000_000)));
    assert_eq!(many.nth(999_999_999), Some(5..5));
    assert_eq!(many.next(), None);
}

#[test]
fn zero_shards_is_an_error_that_says_what_is_allowed() {
    assert_eq!(generator(10).shards(0).unwrap_err(), NoShards);
    assert_eq!(
        NoShards.to_string(),
        "0 shards is not allowed: give a number of shards from 1 up"
    );
}

#[test]
fn skipping_to_a_shard_gives_the_shard_iterating_gives() {
    for (patients, n) in [(1_001, 7), (10, 3), (2, 4), (100, 100)] {
        let all: Vec<_> = shards(patients, n).unwrap().collect();
        for (i, range) in all.iter().enumerate() {
            let mut skipping = shards(patients, n).unwrap();
            assert_eq!(skipping.nth(i).as_ref(), Some(range), "{patients}/{n}: {i}");
            assert_eq!(
                skipping.next().as_ref(),
                all.get(i + 1),
                "{patients}/{n}: after {i}"
            );
        }
        assert_eq!(shards(patients, n).unwrap().nth(all.len()), None);
    }
}
