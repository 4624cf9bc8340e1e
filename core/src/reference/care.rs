//! Care at each facility: SNOMED CT procedures and vital-sign ranges by triage.

use super::{Mask, Routing};
use crate::model::{Facility, InjuryType, Triage};

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
///
/// SNOMED CT International Edition procedures (and regimes/therapies), from care under
/// fire at the point of injury to rehabilitation at Role 4. `display` is the preferred
/// term. Every (facility, injury type, triage) combination has at least one procedure
/// with `CareNeed::Any` and probability ≥ 0.9 (at least the vital-signs check), so no
/// patient leaves a facility without care.
pub static PROCEDURES: &[Procedure] = &[
    // Triage and vital-sign taking are not listed: every record already carries the
    // triage category and one set of vital signs per stay, so listing them again as
    // procedures would only duplicate entries.
    // Care under fire and tactical field care: self, buddy and medic aid.
    Procedure {
        code: "20655006",
        display: "Application of tourniquet",
        facilities: Mask::facilities(&[Facility::Poi, Facility::Role1]),
        injury_types: INJURIES,
        triage: URGENT,
        need: CareNeed::LimbInjury,
        probability: 0.6,
    },
    Procedure {
        code: "447686008",
        display: "Application of pressure to wound",
        facilities: Mask::facilities(&[Facility::Poi]),
        injury_types: INJURIES,
        triage: Mask::ALL,
        need: CareNeed::Any,
        probability: 0.55,
    },
    Procedure {
        code: "26906007",
        display: "Application of dressing, pressure",
        facilities: Mask::facilities(&[Facility::Poi, Facility::Role1]),
        injury_types: INJURIES,
        triage: Mask::ALL,
        need: CareNeed::Any,
        probability: 0.8,
    },
    Procedure {
        code: "232666000",
        display: "Jaw thrust",
        facilities: Mask::facilities(&[Facility::Poi]),
        injury_types: INJURIES,
        triage: Mask::triage(&[Triage::T1]),
        need: CareNeed::HeadInjury,
        probability: 0.5,
    },
    Procedure {
        code: "79321009",
        display: "Application of splint",
        facilities: Mask::facilities(&[Facility::Poi, Facility::Role1]),
        injury_types: INJURIES,
        triage: Mask::ALL,
        need: CareNeed::LimbInjury,
        probability: 0.6,
    },
    Procedure {
        code: "278414003",
        display: "Pain management",
        facilities: Mask::ALL,
        injury_types: INJURIES,
        triage: Mask::ALL,
        need: CareNeed::Any,
        probability: 0.85,
    },
    // Role 1: resuscitation and stabilisation.
    Procedure {
        code: "115979005",
        display: "Stabilization",
        facilities: Mask::facilities(&[Facility::Role1, Facility::Role2]),
        injury_types: Mask::ALL,
        triage: Mask::triage(&[Triage::T1]),
        need: CareNeed::Any,
        probability: 0.9,
    },
    Procedure {
        code: "57485005",
        display: "Oxygen therapy",
        facilities: Mask::facilities(&[Facility::Role1, Facility::Role2, Facility::Role3]),
        injury_types: Mask::ALL,
        triage: URGENT,
        need: CareNeed::Any,
        probability: 0.7,
    },
    Procedure {
        code: "14152002",
        display: "Intravenous infusion",
        facilities: Mask::facilities(&[Facility::Role1, Facility::Role2, Facility::Role3]),
        injury_types: Mask::ALL,
        triage: URGENT,
        need: CareNeed::Any,
        probability: 0.85,
    },
    Procedure {
        code: "112798008",
        display: "Insertion of endotracheal tube",
        facilities: Mask::facilities(&[Facility::Role1, Facility::Role2]),
        injury_types: INJURIES,
        triage: Mask::triage(&[Triage::T1]),
        need: CareNeed::Any,
        probability: 0.3,
    },
    Procedure {
        code: "51241000",
        display: "Control of hemorrhage",
        facilities: Mask::facilities(&[Facility::Role1, Facility::Role2]),
        injury_types: Mask::injury_types(&[InjuryType::BattleInjury]),
        triage: URGENT,
        need: CareNeed::Any,
        probability: 0.5,
    },
    Procedure {
        code: "281790008",
        display: "Intravenous antibiotic therapy",
        facilities: Mask::facilities(&[Facility::Role1, Facility::Role2, Facility::Role3]),
        injury_types: Mask::injury_types(&[InjuryType::BattleInjury]),
        triage: URGENT,
        need: CareNeed::Any,
        probability: 0.7,
    },
    Procedure {
        code: "384700001",
        display: "Injection of tetanus antitoxin",
        facilities: Mask::facilities(&[Facility::Role1]),
        injury_types: INJURIES,
        triage: Mask::ALL,
        need: CareNeed::Any,
        probability: 0.35,
    },
    Procedure {
        code: "288086009",
        display: "Suture open wound",
        facilities: Mask::facilities(&[Facility::Role1, Facility::Role2, Facility::Role3]),
        injury_types: INJURIES,
        triage: Mask::triage(&[Triage::T2, Triage::T3]),
        need: CareNeed::Any,
        probability: 0.35,
    },
    // Role 2: damage-control resuscitation and surgery.
    Procedure {
        code: "264957007",
        display: "Insertion of pleural tube drain",
        facilities: Mask::facilities(&[Facility::Role2, Facility::Role3]),
        injury_types: INJURIES,
        triage: URGENT,
        need: CareNeed::TorsoInjury,
        probability: 0.45,
    },
    Procedure {
        code: "116859006",
        display: "Transfusion of blood product",
        facilities: Mask::facilities(&[Facility::Role2, Facility::Role3]),
        injury_types: INJURIES,
        triage: Mask::triage(&[Triage::T1]),
        need: CareNeed::Any,
        probability: 0.7,
    },
    Procedure {
        code: "74770008",
        display: "Exploratory laparotomy",
        facilities: Mask::facilities(&[Facility::Role2, Facility::Role3]),
        injury_types: Mask::injury_types(&[InjuryType::BattleInjury]),
        triage: Mask::triage(&[Triage::T1]),
        need: CareNeed::TorsoInjury,
        probability: 0.5,
    },
    Procedure {
        code: "36777000",
        display: "Debridement",
        facilities: Mask::facilities(&[Facility::Role2, Facility::Role3]),
        injury_types: Mask::injury_types(&[InjuryType::BattleInjury]),
        triage: URGENT,
        need: CareNeed::Any,
        probability: 0.6,
    },
    Procedure {
        code: "274474001",
        display: "Bone immobilization",
        facilities: Mask::facilities(&[Facility::Role1, Facility::Role2, Facility::Role3]),
        injury_types: INJURIES,
        triage: Mask::ALL,
        need: CareNeed::LimbInjury,
        probability: 0.5,
    },
    // Role 3: imaging, specialist surgery and intensive care.
    Procedure {
        code: "399208008",
        display: "Plain chest X-ray",
        facilities: Mask::facilities(&[Facility::Role2, Facility::Role3]),
        injury_types: Mask::ALL,
        triage: URGENT,
        need: CareNeed::TorsoInjury,
        probability: 0.7,
    },
    Procedure {
        code: "303653007",
        display: "CT of head",
        facilities: Mask::facilities(&[Facility::Role3]),
        injury_types: INJURIES,
        triage: Mask::ALL,
        need: CareNeed::HeadInjury,
        probability: 0.85,
    },
    Procedure {
        code: "305351004",
        display: "Admission to intensive care unit",
        facilities: Mask::facilities(&[Facility::Role3]),
        injury_types: Mask::ALL,
        triage: Mask::triage(&[Triage::T1]),
        need: CareNeed::Any,
        probability: 0.75,
    },
    Procedure {
        code: "133901003",
        display: "Burn care",
        facilities: Mask::facilities(&[
            Facility::Role1,
            Facility::Role2,
            Facility::Role3,
            Facility::Role4,
        ]),
        injury_types: INJURIES,
        triage: Mask::ALL,
        need: CareNeed::Routing(Routing::Burn),
        probability: 0.95,
    },
    // Disease and non-battle care.
    Procedure {
        code: "281789004",
        display: "Antibiotic therapy",
        facilities: Mask::facilities(&[Facility::Role1, Facility::Role2, Facility::Role3]),
        injury_types: Mask::injury_types(&[InjuryType::Disease]),
        triage: Mask::ALL,
        need: CareNeed::Infection,
        probability: 0.8,
    },
    Procedure {
        code: "225358003",
        display: "Wound care",
        facilities: Mask::facilities(&[
            Facility::Role1,
            Facility::Role2,
            Facility::Role3,
            Facility::Role4,
        ]),
        injury_types: INJURIES,
        triage: Mask::ALL,
        need: CareNeed::Any,
        probability: 0.9,
    },
    Procedure {
        code: "183051005",
        display: "Recommendation to rest",
        facilities: Mask::facilities(&[Facility::Role1, Facility::Role2, Facility::Role3]),
        injury_types: Mask::injury_types(&[InjuryType::NonBattleInjury, InjuryType::Disease]),
        triage: Mask::ALL,
        need: CareNeed::Any,
        probability: 0.9,
    },
    // Role 4: rehabilitation and psychological care.
    Procedure {
        code: "75516001",
        display: "Psychotherapy",
        facilities: Mask::facilities(&[Facility::Role3, Facility::Role4]),
        injury_types: Mask::ALL,
        triage: Mask::ALL,
        need: CareNeed::Routing(Routing::Psychological),
        probability: 0.9,
    },
    Procedure {
        code: "91251008",
        display: "Physical therapy procedure",
        facilities: Mask::facilities(&[Facility::Role3, Facility::Role4]),
        injury_types: INJURIES,
        triage: Mask::ALL,
        need: CareNeed::Any,
        probability: 0.7,
    },
    Procedure {
        code: "47387005",
        display: "Head injury rehabilitation",
        facilities: Mask::facilities(&[Facility::Role4]),
        injury_types: INJURIES,
        triage: Mask::ALL,
        need: CareNeed::Routing(Routing::BrainInjury),
        probability: 0.9,
    },
    Procedure {
        code: "52052004",
        display: "Rehabilitation therapy",
        facilities: Mask::facilities(&[Facility::Role4]),
        injury_types: Mask::ALL,
        triage: Mask::ALL,
        need: CareNeed::Any,
        probability: 0.9,
    },
];

/// Battle and non-battle injuries (every injury type except disease).
const INJURIES: Mask = Mask::injury_types(&[InjuryType::BattleInjury, InjuryType::NonBattleInjury]);

/// Immediate and delayed casualties (T1, T2).
const URGENT: Mask = Mask::triage(&[Triage::T1, Triage::T2]);

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
///
/// T1: decompensating (tachycardic, hypotensive, hypoxic, possibly hypothermic, reduced
/// consciousness); T2: compensated shock or moderate illness; T3: near normal.
pub static VITALS_BY_TRIAGE: [VitalRanges; 3] = [
    VitalRanges {
        heart_rate: (120, 160),
        respiratory_rate: (26, 40),
        systolic: (60, 89),
        diastolic: (30, 55),
        spo2: (80, 91),
        temperature_dc: (345, 390),
        gcs: (3, 12),
    },
    VitalRanges {
        heart_rate: (95, 125),
        respiratory_rate: (20, 28),
        systolic: (90, 115),
        diastolic: (55, 75),
        spo2: (90, 96),
        temperature_dc: (355, 385),
        gcs: (12, 15),
    },
    VitalRanges {
        heart_rate: (65, 100),
        respiratory_rate: (12, 20),
        systolic: (110, 140),
        diastolic: (65, 90),
        spo2: (95, 100),
        temperature_dc: (361, 378),
        gcs: (15, 15),
    },
];

/// Normal vital signs: what a recovering patient converges to.
pub static VITALS_NORMAL: VitalRanges = VitalRanges {
    heart_rate: (60, 90),
    respiratory_rate: (12, 18),
    systolic: (110, 130),
    diastolic: (65, 85),
    spo2: (96, 100),
    temperature_dc: (361, 375),
    gcs: (15, 15),
};
