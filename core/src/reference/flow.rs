//! Dwell and transit times of the evacuation chain.
//!
//! Facts from the ancestor's `evacuation_transit_times.json` (dwell and transit ranges).
//! Its Markov transition rows are gone on purpose: where a patient goes and how his
//! journey ends now follow from his injuries ([`super::clinical::disposition`]) and from
//! the race between each threat to life and the care that stops it. Changes, on purpose:
//! - transit ranges for routes that skip a facility (POI→Role2, POI→Role3, Role1→Role3,
//!   Role2→Role4), which the ancestor did not define, are authored here from its
//!   evacuation-minute distributions (ground and air means); Role 3 → Role 4 follows its
//!   strategic-air figure (360 ± 60 min) rather than its 1-5 h table, which no aircraft
//!   leaving theatre could meet.

/// Care time at each facility, hours, uniform: `[facility][triage] = (min, max)`.
pub static STAY_HOURS: [[(f64, f64); 3]; 5] = [
    [(0.5, 1.5), (2.0, 5.0), (3.0, 8.0)],
    [(1.0, 3.0), (8.0, 16.0), (12.0, 16.0)],
    [(1.0, 3.0), (5.0, 12.0), (8.0, 12.0)],
    [(2.0, 6.0), (4.0, 12.0), (6.0, 12.0)],
    [(6.0, 12.0), (12.0, 24.0), (12.0, 24.0)],
];

/// Wait between the evacuation request and departure, minutes, by triage (before
/// environmental delays).
pub static EVACUATION_WAIT_MINUTES: [(u32, u32); 3] = [(5, 20), (15, 60), (30, 120)];

/// Transit time, hours, uniform: `[from][to][triage] = (min, max)`; `(0, 0)` where no
/// route exists (backwards, or a jump the chain never makes).
pub static TRANSIT_HOURS: [[[(f64, f64); 3]; 5]; 5] = {
    const NONE: [(f64, f64); 3] = [(0.0, 0.0); 3];
    [
        // from POI: to POI, Role1, Role2, Role3, Role4
        [
            NONE,
            [(0.5, 2.0), (1.0, 3.0), (1.5, 3.0)],
            [(0.75, 2.5), (1.5, 3.5), (2.0, 4.0)],
            [(1.5, 3.5), (2.5, 4.5), (3.0, 5.5)],
            NONE,
        ],
        // from Role 1
        [
            NONE,
            NONE,
            [(1.0, 3.0), (2.0, 4.0), (3.0, 5.0)],
            [(2.0, 4.0), (3.0, 5.0), (4.0, 6.0)],
            NONE,
        ],
        // from Role 2
        [
            NONE,
            NONE,
            NONE,
            [(2.0, 4.0), (3.0, 5.0), (4.0, 6.0)],
            [(5.5, 8.0), (5.5, 8.5), (6.0, 9.0)],
        ],
        // from Role 3
        [NONE, NONE, NONE, NONE, [(5.0, 7.0), (5.0, 7.5), (5.5, 8.0)]],
        // from Role 4
        [NONE; 5],
    ]
};
