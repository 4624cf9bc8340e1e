//! Warfare profiles, tempo, intensity, special events and environmental modifiers.
//!
//! Facts from the ancestor's `warfare_patterns.json` (weights, clustering tendency, tempo
//! curves, environment modifiers, hourly baseline). Its triage tables are gone on
//! purpose: a patient's triage follows from his injuries ([`crate::clinical::triage`]).
//! So are its per-warfare injury-mix modifiers and hourly clusters: the scenario's injury
//! mix is split exactly, and mass-casualty incidents are special events, so that every
//! share holds at any number of patients ([`crate::schedule`]). The three
//! temporal patterns the ancestor declared but never implemented (naval waves, CBRN
//! contamination spread, peacekeeping routine) are our own designs, described on
//! [`TemporalPattern`].

use crate::model::{Environment, Intensity, SpecialEvent, Tempo, WarfareType};

/// How a warfare type spreads its casualties over the 24 hours of a day.
///
/// Each pattern yields one weight per hour; random parts (surge starts, strike hours…)
/// are drawn once per day from the scenario's schedule stream.
#[derive(Debug)]
pub enum TemporalPattern {
    /// Steady combat with morning and evening peaks and quiet nights (conventional).
    SustainedCombat {
        /// Hours of peak activity.
        peak_hours: &'static [u8],
        /// Weight of a peak hour (times the hourly baseline).
        peak: f64,
        /// Weight of an ordinary daytime hour.
        base: f64,
        /// Weight of a night hour (22:00-05:59).
        night: f64,
    },
    /// A few short, very intense bombardments a day (artillery).
    Surge {
        /// Bombardments per day.
        per_day: u8,
        /// Length of one bombardment, hours.
        duration_hours: u8,
        /// Weight of a bombardment hour.
        intensity: f64,
        /// Weight of any other hour.
        between: f64,
        /// Hours a bombardment may start at.
        preferred_hours: &'static [u8],
    },
    /// Assault phases at fixed times of day over a baseline (urban).
    PhasedAssault {
        /// `(start hour, hours, weight)` of each phase.
        phases: &'static [(u8, u8, f64)],
        /// Weight outside the phases.
        baseline: f64,
    },
    /// A handful of incidents at random hours, more at dawn and dusk (guerrilla).
    Sporadic {
        /// Inclusive range of incidents per day.
        incidents: (u8, u8),
        /// Factor for dawn (05-07) and dusk (17-19) hours.
        dawn_dusk: f64,
        /// Factor for night hours (00-04, 20-23).
        night: f64,
    },
    /// One to a few precision strikes a day, mostly in daylight (drone).
    PrecisionStrike {
        /// Inclusive range of strikes per day.
        strikes: (u8, u8),
        /// Inclusive daylight hours.
        daylight: (u8, u8),
        /// Probability that a strike falls in daylight.
        daylight_share: f64,
    },
    /// Assault waves that build up, peak and ebb, over round-the-clock shipboard
    /// accidents (naval). Our design: the ancestor declared `wave_assault` without code.
    WaveAssault {
        /// Inclusive range of waves per day.
        waves: (u8, u8),
        /// Hours a wave may start at (landings favour first light and dusk).
        start_hours: &'static [u8],
        /// Weight of each successive hour of a wave.
        ramp: &'static [f64],
        /// Weight of any other hour.
        baseline: f64,
    },
    /// One release a day whose casualties present over the following hours with an
    /// exponential decay as exposure and symptom onset spread (CBRN). Our design.
    ContaminationSpread {
        /// Inclusive range of the release hour.
        release_hours: (u8, u8),
        /// Decay time constant, hours.
        decay_hours: f64,
        /// Weight before the release and far after it.
        baseline: f64,
    },
    /// Routine garrison life: a morning sick call, quiet days and nights (peacekeeping).
    /// Our design.
    LowIntensity {
        /// Inclusive sick-call hours.
        sick_call: (u8, u8),
        /// Weight of a sick-call hour.
        sick_call_weight: f64,
        /// Weight of other daytime hours (07-19).
        day: f64,
        /// Weight of night hours.
        night: f64,
    },
}

/// Everything milmed knows about one warfare type.
#[derive(Debug)]
pub struct WarfareProfile {
    /// The warfare type.
    pub kind: WarfareType,
    /// Default relative casualty weight when the scenario does not set one.
    pub weight: f64,
    /// Hourly pattern.
    pub pattern: TemporalPattern,
    /// Probability that a battle injury is polytrauma.
    pub polytrauma_rate: f64,
}

/// The eight warfare profiles, indexed by [`WarfareType::index`].
pub static WARFARE: [WarfareProfile; 8] = [
    WarfareProfile {
        kind: WarfareType::Conventional,
        weight: 1.0,
        pattern: TemporalPattern::SustainedCombat {
            peak_hours: &[6, 7, 8, 9, 16, 17, 18, 19],
            peak: 2.5,
            base: 0.5,
            night: 0.15,
        },
        polytrauma_rate: 0.40,
    },
    WarfareProfile {
        kind: WarfareType::Artillery,
        weight: 1.2,
        pattern: TemporalPattern::Surge {
            per_day: 3,
            duration_hours: 2,
            intensity: 5.0,
            between: 0.1,
            preferred_hours: &[5, 6, 11, 12, 17, 18, 22, 23],
        },
        polytrauma_rate: 0.65,
    },
    WarfareProfile {
        kind: WarfareType::Urban,
        weight: 1.1,
        pattern: TemporalPattern::PhasedAssault {
            phases: &[(6, 4, 3.0), (14, 3, 2.5)],
            baseline: 0.8,
        },
        polytrauma_rate: 0.45,
    },
    WarfareProfile {
        kind: WarfareType::Guerrilla,
        weight: 0.8,
        pattern: TemporalPattern::Sporadic {
            incidents: (3, 7),
            dawn_dusk: 1.4,
            night: 0.7,
        },
        polytrauma_rate: 0.60,
    },
    WarfareProfile {
        kind: WarfareType::Drone,
        weight: 0.6,
        pattern: TemporalPattern::PrecisionStrike {
            strikes: (1, 4),
            daylight: (6, 17),
            daylight_share: 0.8,
        },
        polytrauma_rate: 0.55,
    },
    WarfareProfile {
        kind: WarfareType::Naval,
        weight: 0.9,
        pattern: TemporalPattern::WaveAssault {
            waves: (1, 3),
            start_hours: &[4, 5, 6, 16, 17, 18],
            ramp: &[1.5, 3.0, 2.0, 1.0],
            baseline: 0.3,
        },
        polytrauma_rate: 0.45,
    },
    WarfareProfile {
        kind: WarfareType::Cbrn,
        weight: 2.0,
        pattern: TemporalPattern::ContaminationSpread {
            release_hours: (4, 16),
            decay_hours: 3.0,
            baseline: 0.05,
        },
        polytrauma_rate: 0.20,
    },
    WarfareProfile {
        kind: WarfareType::Peacekeeping,
        weight: 0.4,
        pattern: TemporalPattern::LowIntensity {
            sick_call: (7, 9),
            sick_call_weight: 1.5,
            day: 1.0,
            night: 0.3,
        },
        polytrauma_rate: 0.30,
    },
];

/// Polytrauma rate of special-event battle injuries.
pub const SPECIAL_EVENT_POLYTRAUMA_RATE: f64 = 0.50;

/// Activity weight of each hour of the day, shared by all patterns.
pub static HOURLY_BASELINE: [f64; 24] = [
    0.3, 0.2, 0.2, 0.3, 0.5, 0.8, 1.2, 1.5, 1.3, 1.0, 0.9, 1.0, 1.1, 1.0, 0.9, 1.0, 1.3, 1.5, 1.2,
    0.8, 0.6, 0.5, 0.4, 0.3,
];

/// When non-battle injuries happen, by hour of the day: over the working day (training,
/// vehicles, maintenance, sport), less in the evening, few at night. Our design; the
/// shape of occupational injury by hour of day.
pub static NON_BATTLE_HOURLY: [f64; 24] = [
    0.2, 0.2, 0.2, 0.2, 0.2, 0.3, 0.6, 1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 1.0, 1.0, 1.0, 1.0, 0.9, 0.7,
    0.6, 0.5, 0.4, 0.3, 0.2,
];

/// When illness presents, by hour of the day: most at the morning sick call (07:00-08:59),
/// some during the day, a few at night (acute illness). Our design, after the routine of
/// a unit medical station.
pub static SICK_CALL_HOURLY: [f64; 24] = [
    0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.3, 6.0, 6.0, 1.5, 1.0, 0.8, 0.6, 0.8, 0.8, 0.6, 0.5, 0.4, 0.3,
    0.3, 0.2, 0.2, 0.1, 0.1,
];

/// What the intensity of a scenario changes.
#[derive(Debug)]
pub struct IntensityProfile {
    /// The intensity level.
    pub level: Intensity,
    /// Multiplier of mass-casualty probabilities (clusters and special events).
    pub mass_casualty_factor: f64,
    /// Largest group of casualties hit together outside clusters.
    pub max_group: u32,
}

/// Intensity profiles, indexed by [`Intensity::index`].
pub static INTENSITY: [IntensityProfile; 4] = [
    IntensityProfile {
        level: Intensity::Low,
        mass_casualty_factor: 0.5,
        max_group: 2,
    },
    IntensityProfile {
        level: Intensity::Medium,
        mass_casualty_factor: 1.0,
        max_group: 3,
    },
    IntensityProfile {
        level: Intensity::High,
        mass_casualty_factor: 1.2,
        max_group: 3,
    },
    IntensityProfile {
        level: Intensity::Extreme,
        mass_casualty_factor: 1.5,
        max_group: 4,
    },
];

/// Daily intensity curves (8 points), indexed by [`Tempo::index`]. A scenario of `D` days
/// reads the curve stretched over its length by linear interpolation.
pub static TEMPO: [(Tempo, [f64; 8]); 5] = [
    (Tempo::Sustained, [1.0; 8]),
    (Tempo::Escalating, [0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8]),
    (Tempo::Surge, [0.5, 1.5, 2.0, 1.5, 0.5, 0.8, 1.2, 0.6]),
    (Tempo::Declining, [1.8, 1.6, 1.4, 1.2, 1.0, 0.8, 0.6, 0.4]),
    (
        Tempo::Intermittent,
        [1.0, 0.3, 1.5, 0.4, 1.2, 0.2, 1.0, 0.5],
    ),
];

/// When and how big a special event is.
#[derive(Debug)]
pub struct SpecialEventProfile {
    /// The event.
    pub kind: SpecialEvent,
    /// Days of each 8-day cycle on which it happens (0-based); empty: by probability.
    pub cycle_days: &'static [u8],
    /// Probability per day when `cycle_days` is empty (times the intensity factor).
    pub daily_probability: f64,
    /// Hours it may start at.
    pub start_hours: &'static [u8],
    /// Share of the day's casualties caught in its cluster (inclusive range).
    pub share_of_day: (f64, f64),
    /// Multiplier of the day's weight (a major offensive makes a busy day).
    pub day_boost: f64,
    /// Multiplier of every warfare type's hourly weight while it lasts.
    pub hour_boost: f64,
    /// How long the hour boost lasts, hours.
    pub boost_hours: u8,
}

/// Special-event profiles, indexed by [`SpecialEvent::index`].
pub static SPECIAL_EVENTS: [SpecialEventProfile; 3] = [
    SpecialEventProfile {
        kind: SpecialEvent::MajorOffensive,
        cycle_days: &[1],
        daily_probability: 0.0,
        start_hours: &[5, 6, 7],
        share_of_day: (0.08, 0.12),
        day_boost: 3.0,
        hour_boost: 3.0,
        boost_hours: 6,
    },
    SpecialEventProfile {
        kind: SpecialEvent::Ambush,
        cycle_days: &[0, 3, 5],
        daily_probability: 0.0,
        start_hours: &[6, 7, 17, 18, 19],
        share_of_day: (0.02, 0.05),
        day_boost: 1.0,
        hour_boost: 1.0,
        boost_hours: 0,
    },
    SpecialEventProfile {
        kind: SpecialEvent::MassCasualty,
        cycle_days: &[],
        daily_probability: 0.2,
        start_hours: &[6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18],
        share_of_day: (0.05, 0.15),
        day_boost: 1.0,
        hour_boost: 1.0,
        boost_hours: 0,
    },
];

/// How one environmental condition changes operations.
#[derive(Debug)]
pub struct EnvironmentModifier {
    /// The condition.
    pub kind: Environment,
    /// Visibility factor (1 = clear): multiplies the chance that a helicopter flies.
    pub visibility: f64,
    /// Mobility factor (1 = unhindered); transit times are divided by the product.
    pub mobility: f64,
    /// Extra wait before each evacuation, minutes (drawn 0.5-1.5 times this).
    pub evacuation_delay_minutes: u32,
    /// Factor on the weight of infectious diseases.
    pub disease_multiplier: f64,
}

/// Environmental modifiers, indexed by [`Environment::index`].
pub static ENVIRONMENT: [EnvironmentModifier; 9] = [
    EnvironmentModifier {
        kind: Environment::Rain,
        visibility: 0.8,
        mobility: 0.9,
        evacuation_delay_minutes: 15,
        disease_multiplier: 1.2,
    },
    EnvironmentModifier {
        kind: Environment::Fog,
        visibility: 0.5,
        mobility: 0.8,
        evacuation_delay_minutes: 30,
        disease_multiplier: 1.0,
    },
    EnvironmentModifier {
        kind: Environment::Storm,
        visibility: 0.3,
        mobility: 0.5,
        evacuation_delay_minutes: 90,
        disease_multiplier: 1.1,
    },
    EnvironmentModifier {
        kind: Environment::ExtremeHeat,
        visibility: 1.0,
        mobility: 0.7,
        evacuation_delay_minutes: 0,
        disease_multiplier: 1.4,
    },
    EnvironmentModifier {
        kind: Environment::ExtremeCold,
        visibility: 0.9,
        mobility: 0.8,
        evacuation_delay_minutes: 10,
        disease_multiplier: 1.3,
    },
    EnvironmentModifier {
        kind: Environment::DustStorm,
        visibility: 0.4,
        mobility: 0.6,
        evacuation_delay_minutes: 45,
        disease_multiplier: 1.2,
    },
    EnvironmentModifier {
        kind: Environment::NightOperations,
        visibility: 0.6,
        mobility: 0.8,
        evacuation_delay_minutes: 20,
        disease_multiplier: 1.0,
    },
    EnvironmentModifier {
        kind: Environment::MountainousTerrain,
        visibility: 0.9,
        mobility: 0.6,
        evacuation_delay_minutes: 60,
        disease_multiplier: 1.1,
    },
    EnvironmentModifier {
        kind: Environment::UrbanDebris,
        visibility: 0.8,
        mobility: 0.7,
        evacuation_delay_minutes: 40,
        disease_multiplier: 1.3,
    },
];

/// Factor on night hours (00-05, 20-23) when `night_operations` is on.
pub const NIGHT_OPERATIONS_FACTOR: f64 = 2.0;
