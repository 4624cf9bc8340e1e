//! The compact model: a patient is at most 128 bytes and generating one allocates nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use milmed_core::{Generator, Patient, Scenario};

struct Counting;

thread_local! {
    /// Allocations made by this thread (other test threads do not count).
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    ALLOCATIONS.with(|c| c.set(c.get() + 1));
}

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: forwards to the system allocator and only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn a_patient_fits_in_128_bytes() {
    let size = std::mem::size_of::<Patient>();
    assert!(size <= 128, "Patient is {size} bytes");
}

#[test]
fn generating_patients_allocates_nothing() {
    for name in milmed_core::scenario::PRESETS {
        let scenario = Scenario {
            patients: 20_000,
            ..Scenario::preset(name).unwrap()
        };
        let generator = Generator::new(&scenario, 1).unwrap();
        let mut patients = generator.patients();
        let first = patients.next().unwrap();
        let before = allocations();
        let mut checksum = u64::from(first.injury_minute());
        for p in patients {
            checksum = checksum.wrapping_add(u64::from(p.injury_minute()) ^ p.detail_seed());
        }
        let after = allocations();
        assert_eq!(
            after - before,
            0,
            "{name}: {} allocations for 19,999 patients (checksum {checksum})",
            after - before
        );
    }
}
