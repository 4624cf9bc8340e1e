//! Care at each facility: the SNOMED CT procedures of each level of care, what calls for
//! each, and when it is given.
//!
//! The table follows the doctrine of each level: at the point of injury, Tactical Combat
//! Casualty Care (MARCH: massive haemorrhage, airway, respiration, circulation,
//! hypothermia) by self, buddy and medic aid; at Role 1, resuscitation and stabilisation;
//! at Role 2, damage-control resuscitation and surgery; at Role 3, imaging, definitive
//! surgery and intensive care; at Role 4, reconstruction and rehabilitation. A procedure
//! is given only where its facility has the capability, only to patients whose injuries
//! call for it ([`CareNeed`]), and at a time set by its [`Anchor`]: first aid within
//! minutes, surgery once the surgical team is ready. There is no cap on the number of
//! procedures, so no wound goes unoperated where surgery exists.

use super::Mask;
use crate::model::Facility;

/// What a patient must present with for a procedure to apply. Evaluated on the patient's
/// injuries and physiological picture (see `care::Needs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CareNeed {
    /// Every patient.
    Any,
    /// Any injury (battle or non-battle) of grade 2 or more.
    Injury,
    /// Life-threatening bleeding from a limb (class II+ shock or an amputation).
    LimbBleeding,
    /// An open wound (gunshot, fragment, amputation, open fracture, deep burn).
    OpenWound,
    /// A minor wound or laceration (grade 1-2) that is closed.
    MinorWound,
    /// Bleeding with shock of class II or more.
    Haemorrhage,
    /// Bleeding with shock of class III or IV.
    SevereHaemorrhage,
    /// Shock of class II or more without bleeding (dehydration, burns, sepsis).
    Hypovolaemia,
    /// A compromised airway, GCS 8 or less, or respiratory failure.
    Airway,
    /// A tension pneumothorax.
    TensionPneumothorax,
    /// Respiratory compromise (SpO₂ below 96 %) or shock of class III or IV.
    Oxygen,
    /// Respiratory failure or coma: mechanical ventilation.
    Ventilation,
    /// A chest injury of grade 3 or more.
    ChestInjury,
    /// A penetrating abdominal injury of grade 3 or more, or bleeding into the abdomen or
    /// pelvis with shock.
    AbdominalInjury,
    /// A chest injury of grade 5 or more, or a haemothorax with class III+ shock.
    Thoracotomy,
    /// A traumatic amputation of a leg.
    LegAmputation,
    /// A fracture of a limb (closed of grade 2+, or open).
    LimbFracture,
    /// An open fracture, or a pelvic fracture of grade 3+.
    ExternalFixation,
    /// A crush injury of grade 3+ or a limb wound of grade 4+ (compartment syndrome).
    Fasciotomy,
    /// A pelvic fracture of grade 3 or more.
    PelvicFracture,
    /// A head injury (any grade).
    HeadInjury,
    /// A head injury with a GCS of 12 or less.
    SevereHeadInjury,
    /// A head injury of grade 4 or more: an expanding haematoma or open skull.
    Craniotomy,
    /// A chest or abdominal injury of grade 3 or more (trunk CT).
    TorsoInjury,
    /// An eye injury of grade 2 or more.
    EyeInjury,
    /// A burn of grade 2 or more.
    Burn,
    /// A burn of grade 3 or more (grafting).
    DeepBurn,
    /// Nerve-agent (organophosphate) poisoning of grade 2 or more: the cholinergic crisis
    /// that atropine reverses.
    Poisoning,
    /// Contamination by a chemical or radiological agent (an agent casualty or a chemical
    /// burn): decontamination before the clean treatment area of a medical facility.
    Contamination,
    /// Accidental hypothermia.
    Hypothermia,
    /// A battle or non-battle casualty of triage T1 or T2 (hypothermia prevention).
    SeriousTrauma,
    /// A bacterial infection of grade 2 or more.
    BacterialInfection,
    /// A bacterial infection of grade 3 or more, or sepsis.
    SevereInfection,
    /// Fever or dehydration from illness or heat.
    Dehydration,
    /// A mild head injury or another condition needing observation (grade 1-2).
    Observation,
    /// A psychological condition.
    Psychological,
    /// A minor condition that returns to duty (rest, light duty).
    Minor,
    /// Critical illness or injury: triage T1 on arrival.
    Critical,
}

/// When a procedure is given, minutes after its anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// After first aid at the point of injury (self or buddy aid).
    FirstAid,
    /// After a combat medic reached the casualty at the point of injury (not given there
    /// when no medic did).
    Medic,
    /// After arrival at the facility.
    Arrival,
    /// After the start of surgery at the facility (arrival plus the surgical team's delay).
    Surgery,
}

/// A drug given by a procedure (SNOMED CT substance).
#[derive(Debug)]
pub struct Substance {
    /// SNOMED CT substance code.
    pub code: &'static str,
    /// SNOMED CT preferred term.
    pub display: &'static str,
}

/// Tranexamic acid.
pub static TRANEXAMIC_ACID: Substance = Substance {
    code: "386960009",
    display: "Tranexamic acid",
};

/// Atropine.
pub static ATROPINE: Substance = Substance {
    code: "372832002",
    display: "Atropine",
};

/// A SNOMED CT procedure and when it is given.
#[derive(Debug)]
pub struct Procedure {
    /// SNOMED CT concept id.
    pub code: &'static str,
    /// SNOMED CT preferred term.
    pub display: &'static str,
    /// The drug given, for a drug administration.
    pub substance: Option<&'static Substance>,
    /// Facilities that give it ([`Mask::facilities`]).
    pub facilities: Mask,
    /// What the patient must present with.
    pub need: CareNeed,
    /// Probability that a patient who needs it receives it at a facility that gives it.
    pub probability: f64,
    /// What its time counts from.
    pub anchor: Anchor,
    /// Minutes after the anchor, uniform.
    pub after: (u16, u16),
    /// Given once per journey (a tourniquet, a decompression, an operation): not again
    /// at a later facility once given.
    pub once: bool,
}

const fn procedure(
    code: &'static str,
    display: &'static str,
    facilities: &[Facility],
    need: CareNeed,
    anchor: Anchor,
    after: (u16, u16),
) -> Procedure {
    Procedure {
        code,
        display,
        substance: None,
        facilities: Mask::facilities(facilities),
        need,
        probability: 1.0,
        anchor,
        after,
        once: false,
    }
}

const fn once(p: Procedure) -> Procedure {
    Procedure { once: true, ..p }
}

const fn sometimes(probability: f64, p: Procedure) -> Procedure {
    Procedure { probability, ..p }
}

const fn with_drug(substance: &'static Substance, p: Procedure) -> Procedure {
    Procedure {
        substance: Some(substance),
        once: true,
        ..p
    }
}

use Anchor::{Arrival, FirstAid, Medic, Surgery};
use CareNeed as N;
use Facility::{Poi, Role1, Role2, Role3, Role4};

/// Minutes a patient's decontamination takes, uniform: the care of the clean treatment
/// area starts after it (our choice; see docs/reference-data.md, "Care").
pub const DECONTAMINATION_MINUTES: (u16, u16) = (10, 20);

/// The doctrine's procedures. The order of the table is the clinical order at equal
/// times; a patient's treatments are listed by time.
pub static PROCEDURES: &[Procedure] = &[
    // A contaminated casualty is decontaminated on arrival at the first medical facility,
    // before he enters its clean treatment area (NATO AJP-4.10, AMedP-7.1); it comes first
    // and the rest of the care at that facility waits for it (see `care::CarePlan`).
    once(procedure(
        "409530006",
        "Decontamination",
        &[Role1, Role2, Role3],
        N::Contamination,
        Arrival,
        (0, 5),
    )),
    // Point of injury: Tactical Combat Casualty Care.
    once(procedure(
        "20655006",
        "Application of tourniquet",
        &[Poi, Role1],
        N::LimbBleeding,
        FirstAid,
        (0, 0),
    )),
    procedure(
        "26906007",
        "Application of dressing, pressure",
        &[Poi],
        N::OpenWound,
        FirstAid,
        (1, 6),
    ),
    once(procedure(
        "182692007",
        "Nasopharyngeal airway insertion",
        &[Poi],
        N::Airway,
        Medic,
        (0, 3),
    )),
    once(procedure(
        "1290622004",
        "Needle chest decompression for tension pneumothorax",
        &[Poi, Role1],
        N::TensionPneumothorax,
        Medic,
        (0, 4),
    )),
    with_drug(
        &ATROPINE,
        procedure(
            "18629005",
            "Administration of drug or medicament",
            &[Poi, Role1],
            N::Poisoning,
            FirstAid,
            (0, 5),
        ),
    ),
    once(procedure(
        "182556001",
        "Pelvic sling",
        &[Poi, Role1],
        N::PelvicFracture,
        Medic,
        (2, 10),
    )),
    with_drug(
        &TRANEXAMIC_ACID,
        procedure(
            "18629005",
            "Administration of drug or medicament",
            &[Poi, Role1, Role2],
            N::Haemorrhage,
            Medic,
            (5, 15),
        ),
    ),
    once(procedure(
        "182656008",
        "General body warming therapy",
        &[Poi, Role1],
        N::SeriousTrauma,
        FirstAid,
        (8, 20),
    )),
    once(procedure(
        "79321009",
        "Application of splint",
        &[Poi, Role1],
        N::LimbFracture,
        FirstAid,
        (10, 25),
    )),
    procedure(
        "278414003",
        "Pain management",
        &[Poi, Role1, Role2, Role3],
        N::Injury,
        Medic,
        (10, 30),
    ),
    // Role 1: resuscitation and stabilisation.
    once(procedure(
        "112798008",
        "Insertion of endotracheal tube",
        &[Role1, Role2],
        N::Airway,
        Arrival,
        (5, 15),
    )),
    procedure(
        "57485005",
        "Oxygen therapy",
        &[Role1, Role2, Role3],
        N::Oxygen,
        Arrival,
        (3, 10),
    ),
    procedure(
        "14152002",
        "Intravenous infusion",
        &[Role1, Role2, Role3],
        N::Hypovolaemia,
        Arrival,
        (5, 20),
    ),
    procedure(
        "116859006",
        "Transfusion of blood product",
        &[Role1],
        N::SevereHaemorrhage,
        Arrival,
        (8, 25),
    ),
    once(procedure(
        "281790008",
        "Intravenous antibiotic therapy",
        &[Role1, Role2],
        N::OpenWound,
        Arrival,
        (15, 60),
    )),
    once(procedure(
        "384700001",
        "Injection of tetanus antitoxin",
        &[Role1, Role2],
        N::OpenWound,
        Arrival,
        (30, 90),
    )),
    once(procedure(
        "274474001",
        "Bone immobilization",
        &[Role1, Role2],
        N::LimbFracture,
        Arrival,
        (20, 60),
    )),
    once(procedure(
        "288086009",
        "Suture open wound",
        &[Role1],
        N::MinorWound,
        Arrival,
        (20, 90),
    )),
    procedure(
        "225358003",
        "Wound care",
        &[Role1, Role2, Role3, Role4],
        N::OpenWound,
        Arrival,
        (60, 240),
    ),
    procedure(
        "182656008",
        "General body warming therapy",
        &[Role1, Role2],
        N::Hypothermia,
        Arrival,
        (2, 10),
    ),
    once(procedure(
        "281789004",
        "Antibiotic therapy",
        &[Role1, Role2],
        N::BacterialInfection,
        Arrival,
        (15, 60),
    )),
    procedure(
        "14152002",
        "Intravenous infusion",
        &[Role1, Role2],
        N::Dehydration,
        Arrival,
        (10, 40),
    ),
    once(procedure(
        "225307000",
        "Special observation",
        &[Role1, Role2],
        N::Observation,
        Arrival,
        (10, 30),
    )),
    once(procedure(
        "409063005",
        "Counseling",
        &[Role1, Role2],
        N::Psychological,
        Arrival,
        (30, 120),
    )),
    once(procedure(
        "183051005",
        "Recommendation to rest",
        &[Role1, Role2, Role3],
        N::Minor,
        Arrival,
        (30, 120),
    )),
    // Role 2: damage-control resuscitation and surgery.
    procedure(
        "116859006",
        "Transfusion of blood product",
        &[Role2, Role3],
        N::Haemorrhage,
        Arrival,
        (5, 20),
    ),
    once(procedure(
        "399208008",
        "Plain chest X-ray",
        &[Role2, Role3],
        N::ChestInjury,
        Arrival,
        (10, 30),
    )),
    once(procedure(
        "264957007",
        "Insertion of pleural tube drain",
        &[Role2, Role3],
        N::ChestInjury,
        Arrival,
        (15, 40),
    )),
    once(procedure(
        "177765008",
        "Opening of chest",
        &[Role2, Role3],
        N::Thoracotomy,
        Surgery,
        (0, 10),
    )),
    once(procedure(
        "74770008",
        "Exploratory laparotomy",
        &[Role2, Role3],
        N::AbdominalInjury,
        Surgery,
        (0, 15),
    )),
    once(procedure(
        "397117006",
        "Amputation of lower limb",
        &[Role2, Role3],
        N::LegAmputation,
        Surgery,
        (10, 60),
    )),
    once(procedure(
        "36777000",
        "Debridement",
        &[Role2, Role3],
        N::OpenWound,
        Surgery,
        (15, 90),
    )),
    once(procedure(
        "363051003",
        "Decompressive fasciotomy",
        &[Role2, Role3],
        N::Fasciotomy,
        Surgery,
        (30, 90),
    )),
    once(procedure(
        "288161003",
        "Orthopedic device application",
        &[Role2, Role3],
        N::ExternalFixation,
        Surgery,
        (45, 120),
    )),
    once(procedure(
        "40617009",
        "Artificial respiration",
        &[Role2, Role3],
        N::Ventilation,
        Arrival,
        (10, 40),
    )),
    once(procedure(
        "281790008",
        "Intravenous antibiotic therapy",
        &[Role2, Role3],
        N::SevereInfection,
        Arrival,
        (15, 60),
    )),
    // Role 3: imaging, definitive surgery and intensive care.
    once(procedure(
        "303653007",
        "CT of head",
        &[Role3],
        N::HeadInjury,
        Arrival,
        (15, 60),
    )),
    once(procedure(
        "169069000",
        "Computed tomography of chest",
        &[Role3],
        N::TorsoInjury,
        Arrival,
        (15, 60),
    )),
    once(procedure(
        "169070004",
        "Computed tomography of abdomen",
        &[Role3],
        N::TorsoInjury,
        Arrival,
        (20, 70),
    )),
    once(procedure(
        "25353009",
        "Craniotomy",
        &[Role3],
        N::Craniotomy,
        Surgery,
        (30, 120),
    )),
    once(procedure(
        "305351004",
        "Admission to intensive care unit",
        &[Role3],
        N::Critical,
        Arrival,
        (60, 240),
    )),
    once(procedure(
        "20701002",
        "Open reduction of fracture with internal fixation",
        &[Role3, Role4],
        N::LimbFracture,
        Surgery,
        (600, 2880),
    )),
    once(procedure(
        "373353005",
        "Surgical procedure on eye proper",
        &[Role3],
        N::EyeInjury,
        Surgery,
        (60, 360),
    )),
    procedure(
        "133901003",
        "Burn care",
        &[Role1, Role2, Role3, Role4],
        N::Burn,
        Arrival,
        (20, 90),
    ),
    once(procedure(
        "304040003",
        "Grafting to skin",
        &[Role3, Role4],
        N::DeepBurn,
        Surgery,
        (1440, 4320),
    )),
    // Role 4 (and Role 3 for the last days in theatre): rehabilitation.
    once(procedure(
        "75516001",
        "Psychotherapy",
        &[Role3, Role4],
        N::Psychological,
        Arrival,
        (120, 720),
    )),
    once(sometimes(
        0.8,
        procedure(
            "91251008",
            "Physical therapy procedure",
            &[Role4],
            N::Injury,
            Arrival,
            (240, 1440),
        ),
    )),
    once(procedure(
        "47387005",
        "Head injury rehabilitation",
        &[Role4],
        N::SevereHeadInjury,
        Arrival,
        (240, 1440),
    )),
    once(procedure(
        "52052004",
        "Rehabilitation therapy",
        &[Role4],
        N::Any,
        Arrival,
        (120, 720),
    )),
];

/// Heart rate, systolic pressure, pulse pressure and respiratory rate of one ATLS
/// haemorrhagic shock class (inclusive ranges).
#[derive(Debug)]
pub struct ShockSigns {
    /// Heart rate, beats/min.
    pub heart_rate: (u16, u16),
    /// Systolic blood pressure, mmHg.
    pub systolic: (u16, u16),
    /// Pulse pressure (systolic minus diastolic), mmHg: narrowed from class II on.
    pub pulse_pressure: (u16, u16),
    /// Respiratory rate, breaths/min.
    pub respiratory_rate: (u16, u16),
}

/// Signs by shock class 0 (none) to IV, after ATLS: heart rate below 100 / 100-120 /
/// 120-140 / above 140; systolic pressure normal in classes I and II, decreased in III,
/// markedly decreased in IV; pulse pressure normal, then decreased; respiratory rate
/// 14-20 / 20-30 / 30-40 / above 35. Class 0 is a healthy adult at rest (heart rate
/// 60-100, respiratory rate 12-20, systolic 90-140).
pub static SHOCK_SIGNS: [ShockSigns; 5] = [
    ShockSigns {
        heart_rate: (60, 90),
        systolic: (110, 135),
        pulse_pressure: (35, 50),
        respiratory_rate: (12, 18),
    },
    ShockSigns {
        heart_rate: (80, 99),
        systolic: (110, 135),
        pulse_pressure: (35, 50),
        respiratory_rate: (14, 20),
    },
    ShockSigns {
        heart_rate: (100, 120),
        systolic: (100, 125),
        pulse_pressure: (20, 30),
        respiratory_rate: (20, 30),
    },
    ShockSigns {
        heart_rate: (121, 140),
        systolic: (70, 89),
        pulse_pressure: (20, 30),
        respiratory_rate: (30, 40),
    },
    ShockSigns {
        heart_rate: (141, 165),
        systolic: (45, 69),
        pulse_pressure: (15, 25),
        respiratory_rate: (36, 45),
    },
];

/// SpO₂, %, by respiratory compromise 0-3 (normal ≥ 96 %; failure below 85 %).
pub static SPO2_BY_RESPIRATORY: [(u16, u16); 4] = [(96, 100), (92, 95), (85, 91), (70, 84)];

/// Extra breaths/min by respiratory compromise 0-3.
pub static TACHYPNOEA_BY_RESPIRATORY: [(u16, u16); 4] = [(0, 0), (4, 8), (8, 14), (12, 20)];

/// Glasgow coma scale by depressed consciousness 0-3: 15; mild 13-14; moderate 9-12;
/// severe 3-8.
pub static GCS_BY_NEURO: [(u16, u16); 4] = [(15, 15), (13, 14), (9, 12), (3, 8)];

/// Heart rate and respiratory rate in moderate and severe hypothermia (bradycardia and
/// bradypnoea), replacing the shock signs.
pub static HYPOTHERMIA_SIGNS: [((u16, u16), (u16, u16)); 2] =
    [((40, 60), (8, 12)), ((25, 45), (4, 9))];

/// Core temperature after major trauma with shock of class III or IV, tenths of °C: cooler
/// than normal but above the 35 °C of hypothermia (hypothermia prevention is part of care).
pub const TRAUMA_TEMPERATURE_DC: (u16, u16) = (350, 364);

/// Heart rate added per degree of fever above 37 °C.
pub const FEVER_HEART_RATE_PER_DEGREE: f64 = 10.0;

/// Hours for half of a controlled derangement to resolve under care, by axis: shock
/// (once bleeding is controlled and resuscitation has started), respiration, consciousness
/// and temperature.
pub const RECOVERY_HALF_LIFE_HOURS: [f64; 4] = [6.0, 24.0, 48.0, 12.0];

/// Hours for half of a poisoning's coma (nerve agent or other toxic chemical) to resolve
/// once treated (antidotes, anticonvulsant, ventilation), in place of the brain's 48 h of
/// [`RECOVERY_HALF_LIFE_HOURS`]: the coma of a poisoning lifts with the poison's effect,
/// and never outlasts the hypoxaemia that comes with it (our choice, half the respiratory
/// half-life; see docs/reference-data.md, "Care").
pub const TOXIC_COMA_HALF_LIFE_HOURS: f64 = 12.0;
