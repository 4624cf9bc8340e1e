//! Markov transition rows of the evacuation chain, with dwell and transit times.
//!
//! Facts from the ancestor's `transition_matrices.json` (rows and modifiers) and
//! `evacuation_transit_times.json` (dwell and transit ranges). Changes, on purpose:
//! - only T1-T3 (milmed never assigns T4);
//! - the Role 4 rows keep the ancestor's death probabilities but split its 95-100 %
//!   "RTD" into a small RTD share and [`Next::Remain`]: Role 4 is definitive care out of
//!   theatre, from which few casualties return to the operation, and the ancestor's rows
//!   made `Remains_Role4` unreachable;
//! - transit ranges for routes that skip a facility (POI→Role2, POI→Role3, Role1→Role3,
//!   Role2→Role4), which the ancestor did not define, are authored here from its
//!   evacuation-minute distributions (ground and air means); Role 3 → Role 4 follows its
//!   strategic-air figure (360 ± 60 min) rather than its 1-5 h table, which no aircraft
//!   leaving theatre could meet.

/// Where a patient goes from a facility: a column of a transition row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Next {
    /// Evacuated to Role 1.
    Role1,
    /// Evacuated to Role 2.
    Role2,
    /// Evacuated to Role 3.
    Role3,
    /// Evacuated to Role 4.
    Role4,
    /// Returned to duty.
    Rtd,
    /// Died (KIA at POI, DOW elsewhere).
    Death,
    /// Still in care (Role 4 only).
    Remain,
}

impl Next {
    /// All columns in order.
    pub const ALL: [Next; 7] = [
        Next::Role1,
        Next::Role2,
        Next::Role3,
        Next::Role4,
        Next::Rtd,
        Next::Death,
        Next::Remain,
    ];
}

/// Base transition rows `[facility][triage][next]`; each row sums to 1.
pub static TRANSITIONS: [[[f64; 7]; 3]; 5] = [
    // POI
    [
        [0.85, 0.03, 0.02, 0.0, 0.0, 0.10, 0.0],
        [0.92, 0.02, 0.01, 0.0, 0.0, 0.05, 0.0],
        [0.96, 0.01, 0.01, 0.0, 0.0, 0.02, 0.0],
    ],
    // Role 1
    [
        [0.0, 0.75, 0.15, 0.0, 0.02, 0.08, 0.0],
        [0.0, 0.50, 0.20, 0.0, 0.25, 0.05, 0.0],
        [0.0, 0.20, 0.10, 0.0, 0.68, 0.02, 0.0],
    ],
    // Role 2
    [
        [0.0, 0.0, 0.60, 0.20, 0.15, 0.05, 0.0],
        [0.0, 0.0, 0.40, 0.20, 0.38, 0.02, 0.0],
        [0.0, 0.0, 0.20, 0.10, 0.69, 0.01, 0.0],
    ],
    // Role 3
    [
        [0.0, 0.0, 0.0, 0.70, 0.25, 0.05, 0.0],
        [0.0, 0.0, 0.0, 0.40, 0.58, 0.02, 0.0],
        [0.0, 0.0, 0.0, 0.15, 0.84, 0.01, 0.0],
    ],
    // Role 4
    [
        [0.0, 0.0, 0.0, 0.0, 0.10, 0.05, 0.85],
        [0.0, 0.0, 0.0, 0.0, 0.25, 0.02, 0.73],
        [0.0, 0.0, 0.0, 0.0, 0.45, 0.01, 0.54],
    ],
];

/// Mass-casualty modifier: death probabilities ×1.5 …
pub const MASS_CASUALTY_DEATH_FACTOR: f64 = 1.5;
/// … return-to-duty ×0.8 …
pub const MASS_CASUALTY_RTD_FACTOR: f64 = 0.8;
/// … and Role 1 → Role 2 for T1 ×1.3, capped at 0.9 (more bypassing).
pub const MASS_CASUALTY_BYPASS_FACTOR: f64 = 1.3;
/// Cap of the mass-casualty bypass probability.
pub const MASS_CASUALTY_BYPASS_CAP: f64 = 0.9;

/// Golden hour: a T1 patient whose POI care ends within this many minutes of injury …
pub const GOLDEN_HOUR_MINUTES: u32 = 60;
/// … has its POI death probability ×0.8 (the ancestor's 20 % survival bonus) …
pub const GOLDEN_HOUR_DEATH_FACTOR: f64 = 0.8;
/// … and ×1.4 when POI care takes longer.
pub const BEYOND_GOLDEN_HOUR_DEATH_FACTOR: f64 = 1.4;

/// POI death probability factor in a degraded environment (mobility product below
/// [`DEGRADED_MOBILITY`](super::warfare::DEGRADED_MOBILITY)).
pub const DEGRADED_KIA_FACTOR: f64 = 1.3;

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
/// route exists (backwards, or not in any transition row).
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
