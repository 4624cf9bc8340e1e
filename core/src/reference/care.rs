//! Care at each facility: SNOMED CT procedures and vital-sign ranges by triage.

use super::{Mask, Routing};

/// What a patient must present with for a procedure to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CareNeed {
    /// Any patient of the procedure's injury types and triage.
    Any,
    /// An injury to an arm or leg.
    LimbInjury,
    /// An injury to the head.
    HeadInjury,
    /// An injury to the torso.
    TorsoInjury,
    /// A condition with this routing (burn, amputation, …).
    Routing(Routing),
    /// An infectious disease.
    Infection,
}

/// A SNOMED CT procedure and when it is given.
#[derive(Debug)]
pub struct Procedure {
    /// SNOMED CT concept id.
    pub code: &'static str,
    /// SNOMED CT preferred term.
    pub display: &'static str,
    /// Facilities that give it ([`Mask::facilities`]).
    pub facilities: Mask,
    /// Injury types it is given for ([`Mask::injury_types`]).
    pub injury_types: Mask,
    /// Triage categories it is given for ([`Mask::triage`]).
    pub triage: Mask,
    /// Extra requirement on the patient's conditions or body site.
    pub need: CareNeed,
    /// Probability that an eligible patient receives it during one stay.
    pub probability: f64,
}

/// Procedures, in the order they are given during a stay.
pub static PROCEDURES: &[Procedure] = &[];

/// Vital-sign ranges (inclusive) for one clinical state.
#[derive(Debug)]
pub struct VitalRanges {
    /// Heart rate, beats/min.
    pub heart_rate: (u16, u16),
    /// Respiratory rate, breaths/min.
    pub respiratory_rate: (u16, u16),
    /// Systolic blood pressure, mmHg.
    pub systolic: (u16, u16),
    /// Diastolic blood pressure, mmHg.
    pub diastolic: (u16, u16),
    /// Oxygen saturation, %.
    pub spo2: (u16, u16),
    /// Body temperature, tenths of °C.
    pub temperature_dc: (u16, u16),
    /// Glasgow coma scale, 3-15.
    pub gcs: (u16, u16),
}

/// Vital signs on arrival by triage (T1, T2, T3).
pub static VITALS_BY_TRIAGE: [VitalRanges; 3] = [
    VitalRanges { heart_rate: (0, 0), respiratory_rate: (0, 0), systolic: (0, 0), diastolic: (0, 0), spo2: (0, 0), temperature_dc: (0, 0), gcs: (0, 0) },
    VitalRanges { heart_rate: (0, 0), respiratory_rate: (0, 0), systolic: (0, 0), diastolic: (0, 0), spo2: (0, 0), temperature_dc: (0, 0), gcs: (0, 0) },
    VitalRanges { heart_rate: (0, 0), respiratory_rate: (0, 0), systolic: (0, 0), diastolic: (0, 0), spo2: (0, 0), temperature_dc: (0, 0), gcs: (0, 0) },
];

/// Normal vital signs: what a recovering patient converges to.
pub static VITALS_NORMAL: VitalRanges =
    VitalRanges { heart_rate: (0, 0), respiratory_rate: (0, 0), systolic: (0, 0), diastolic: (0, 0), spo2: (0, 0), temperature_dc: (0, 0), gcs: (0, 0) };
