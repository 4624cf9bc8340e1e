//! The evacuation system: policies, assets, distances and the time spent at each step.
//!
//! A casualty's journey is built from these figures (see `docs/architecture.md`,
//! "Evacuation"): collection at the point of injury, a request, the wait for an asset
//! (its dispatch time, the policy's hold, congestion and weather), the flight or drive
//! (distance over speed), care at the facility, and the next leg. Sources are in
//! `docs/reference-data.md`, "Evacuation".

use crate::model::{Asset, EvacuationPolicy, Facility};

/// What an evacuation policy changes.
#[derive(Debug)]
pub struct PolicyProfile {
    /// The policy.
    pub policy: EvacuationPolicy,
    /// Probability that a helicopter flies an urgent casualty's mission (T1, T2, T4),
    /// before weather: aircraft, crews and a permissive airspace.
    pub air_availability: f64,
    /// Whether a helicopter carrying a T1 casualty who needs surgery flies him straight
    /// to Role 2, past Role 1.
    pub bypass_role1: bool,
    /// Extra wait, minutes (uniform), before a ground or sea evacuation can leave the
    /// point of injury: a safe window, route clearance.
    pub forward_hold_minutes: (f64, f64),
    /// Extra wait, minutes (uniform), before a ground or sea evacuation leaves Role 1
    /// for Role 2.
    pub role1_hold_minutes: (f64, f64),
}

/// The policies, indexed by [`EvacuationPolicy::index`].
///
/// 10-1-2: AJP-4.10 (2019) sets the timelines; the 90 % availability is our reading of
/// Kotwal et al. 2016 (JAMA Surgery 151:15-24), where 75 % of critical casualties were
/// flown within 60 minutes after the 2009 golden-hour mandate, with weather and threat
/// taking the rest. The others are our designs for the settings AJP-4.10 names as
/// degraded: contested airspace (delayed), denied airspace (no air) and prolonged field
/// care (JTS Prolonged Casualty Care CPG, 2021: holding "beyond doctrinal planning
/// timelines", hours to days).
pub static POLICIES: [PolicyProfile; 4] = [
    PolicyProfile {
        policy: EvacuationPolicy::TenOneTwo,
        air_availability: 0.90,
        bypass_role1: true,
        forward_hold_minutes: (0.0, 0.0),
        role1_hold_minutes: (0.0, 0.0),
    },
    PolicyProfile {
        policy: EvacuationPolicy::DelayedEvacuation,
        air_availability: 0.30,
        bypass_role1: true,
        forward_hold_minutes: (30.0, 180.0),
        role1_hold_minutes: (60.0, 360.0),
    },
    PolicyProfile {
        policy: EvacuationPolicy::NoAirEvacuation,
        air_availability: 0.0,
        bypass_role1: false,
        forward_hold_minutes: (0.0, 0.0),
        role1_hold_minutes: (0.0, 0.0),
    },
    PolicyProfile {
        policy: EvacuationPolicy::ProlongedFieldCare,
        air_availability: 0.20,
        bypass_role1: true,
        forward_hold_minutes: (60.0, 360.0),
        role1_hold_minutes: (360.0, 2880.0),
    },
];

/// What an evacuation platform does.
#[derive(Debug)]
pub struct AssetProfile {
    /// The platform.
    pub asset: Asset,
    /// Average speed over the leg, km/h (before environmental mobility for ground).
    pub speed_kmh: f64,
    /// From the request to the platform leaving to fetch the casualty, minutes (uniform):
    /// mission approval and launch, or an ambulance setting off.
    pub dispatch_minutes: (f64, f64),
    /// Loading and unloading, minutes, added to the travel.
    pub handling_minutes: f64,
}

/// The platforms, indexed by [`Asset::index`].
///
/// Helicopter: UH-60 and NH90 cruise at 260-280 km/h; 220 km/h over a short leg with
/// climb and descent, and 10-20 minutes from request to launch (the US Army aims at
/// wheels-up within 15 minutes of mission approval). Ground: a protected ambulance
/// averaging 25 km/h on tactical routes. Boat: 35 km/h (a rigid-hull boat at 19 knots).
/// Speeds other than the helicopter's cruise are our estimates. Fixed wing: the strategic leg keeps its hours in
/// [`STRATEGIC_HOURS`].
pub static ASSETS: [AssetProfile; 4] = [
    AssetProfile {
        asset: Asset::Ground,
        speed_kmh: 25.0,
        dispatch_minutes: (10.0, 30.0),
        handling_minutes: 10.0,
    },
    AssetProfile {
        asset: Asset::RotaryWing,
        speed_kmh: 220.0,
        dispatch_minutes: (10.0, 20.0),
        handling_minutes: 10.0,
    },
    AssetProfile {
        asset: Asset::Naval,
        speed_kmh: 35.0,
        dispatch_minutes: (10.0, 30.0),
        handling_minutes: 15.0,
    },
    AssetProfile {
        asset: Asset::FixedWing,
        speed_kmh: 750.0,
        dispatch_minutes: (0.0, 0.0),
        handling_minutes: 0.0,
    },
];

/// Distance of a leg inside the theatre, km (uniform): `[from][to]`; `(0, 0)` where the
/// chain has no such leg. Role 1 sits with the battalion a few km behind the line, Role 2
/// with the brigade, Role 3 in the corps or theatre rear (AJP-4.10 layout; our figures).
pub static LEG_KM: [[(f64, f64); 5]; 5] = {
    const NONE: (f64, f64) = (0.0, 0.0);
    [
        [NONE, (3.0, 12.0), (15.0, 45.0), NONE, NONE],
        [NONE, NONE, (15.0, 40.0), NONE, NONE],
        [NONE, NONE, NONE, (40.0, 150.0), NONE],
        [NONE; 5],
        [NONE; 5],
    ]
};

/// The strategic leg out of theatre, hours (uniform), from Role 2 or Role 3 to Role 4:
/// the ancestor's strategic-air figure, 360 ± 60 min plus ground handling.
pub static STRATEGIC_HOURS: (f64, f64) = (5.0, 8.0);

/// Minutes at the point of injury before the evacuation request, by triage row
/// ([`crate::model::Triage::flow_index`]): care under fire, first aid, collection and the
/// 9-line request. TCCC puts the request within minutes for urgent casualties.
pub static COLLECTION_MINUTES: [(f64, f64); 3] = [(3.0, 12.0), (5.0, 20.0), (10.0, 45.0)];

/// Minutes at Role 1 before onward evacuation is requested, by triage row: damage-control
/// resuscitation and packaging for T1 (the 1 of 10-1-2), more for the others.
pub static ROLE1_MINUTES: [(f64, f64); 3] = [(20.0, 45.0), (45.0, 120.0), (60.0, 240.0)];

/// Care time before onward evacuation at Role 2, 3 and 4, hours (uniform), by
/// `[facility][triage row]`; rows 0 and 1 (point of injury, Role 1) are unused. From the
/// ancestor's dwell ranges.
pub static STAY_HOURS: [[(f64, f64); 3]; 5] = [
    [(0.0, 0.0); 3],
    [(0.0, 0.0); 3],
    [(1.0, 3.0), (5.0, 12.0), (8.0, 12.0)],
    [(2.0, 6.0), (4.0, 12.0), (6.0, 12.0)],
    [(6.0, 12.0), (12.0, 24.0), (12.0, 24.0)],
];

/// The distance range of the leg from `from` to `to`, km ([`LEG_KM`]).
pub const fn leg_km(from: Facility, to: Facility) -> (f64, f64) {
    LEG_KM[from as usize][to as usize]
}
