//! Clinical profiles: what each condition does to a casualty.
//!
//! A condition's profile says how it comes about ([`Mechanism`]), how bad it can be (a
//! grade: the Abbreviated Injury Scale for injuries, an acuity grade of the same 1-6 range
//! for illness), the physiological picture each grade produces ([`picture`]), the care it
//! needs and where it can end ([`disposition`]). The generator draws a grade, derives the
//! picture, and from the picture the triage, the vital signs, the treatments and the
//! outcome, so that the diagnosis is the cause of everything else.
//!
//! Every figure is listed with its source in `docs/reference-data.md` ("Clinical model").
//! Where sources are silent (how long an uncontrolled bleed takes to kill, how long a
//! sprain is held) the value is our choice, said so there, and kept here as a named
//! constant.

use crate::model::{Facility, Mechanism, Site};

/// How a condition acts on the body: the rules of [`picture`] and [`disposition`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// A penetrating wound (bullet, fragment): what it does depends on where it is.
    Wound,
    /// A retained fragment or other foreign body: usually minor.
    ForeignBody,
    /// Traumatic amputation of a limb: compressible haemorrhage, always disabling.
    Amputation,
    /// Traumatic brain injury (moderate to severe).
    BrainInjury,
    /// Concussion: mild traumatic brain injury.
    Concussion,
    /// Thermal burn; grade follows the burnt body surface.
    Burn,
    /// Chemical burn; milder than a thermal burn of the same grade.
    ChemicalBurn,
    /// Haemorrhagic shock from internal, non-compressible bleeding.
    HaemorrhagicShock,
    /// Tension pneumothorax: obstructive shock and respiratory failure until decompressed.
    TensionPneumothorax,
    /// Haemothorax: blood in the chest, bleeding and impaired breathing.
    Haemothorax,
    /// Open fracture of a limb.
    OpenFracture,
    /// Closed fracture of a limb.
    Fracture,
    /// Pelvic fracture: non-compressible bleeding when severe.
    PelvicFracture,
    /// Penetrating injury of the eye.
    EyeInjury,
    /// Crush injury: blood loss and muscle breakdown.
    Crush,
    /// Poisoning by a toxic chemical other than a warfare agent: impaired breathing, coma
    /// when severe.
    Poisoning,
    /// Nerve-agent (organophosphate) poisoning: the cholinergic crisis — secretions and
    /// bronchospasm, then convulsions, apnoea and coma; reversed by atropine and an oxime.
    NerveAgent,
    /// Toxic pulmonary oedema from a choking agent (phosgene, chlorine): after a latent
    /// period, impaired gas exchange up to respiratory failure.
    ChokingAgent,
    /// Acute radiation syndrome from whole-body irradiation, graded by dose band: prodrome
    /// (vomiting), then marrow failure with fever and infection, and at the highest doses
    /// gastrointestinal fluid loss with shock.
    RadiationSickness,
    /// Several injuries from one blunt event (vehicle crash, fall).
    MultipleInjuries,
    /// Sprain, contusion, laceration, whiplash, back pain: local, no systemic effect.
    SoftTissue,
    /// Heat illness with dehydration, up to heat stroke.
    HeatIllness,
    /// Cold injury of the tissue (frostbite).
    Frostbite,
    /// Accidental hypothermia: core temperature below 35 °C.
    Hypothermia,
    /// Infectious or other gastrointestinal illness: dehydration.
    Enteric,
    /// Upper respiratory infection or influenza: fever, little else.
    RespiratoryInfection,
    /// Pneumonia: fever and impaired gas exchange, sepsis when severe.
    Pneumonia,
    /// A febrile illness (fever of unknown origin, dengue): shock when severe.
    FebrileIllness,
    /// A local infection (urinary, skin, eye, throat): sepsis when severe.
    LocalInfection,
    /// Combat and operational stress reaction or post-traumatic stress.
    Psychological,
    /// A symptom presentation (headache, abdominal pain, dyspnoea).
    Symptom,
}

/// A condition's clinical profile.
#[derive(Debug)]
pub struct Profile {
    /// SNOMED CT code of the condition (the row of [`CONDITIONS`](super::CONDITIONS) with
    /// the same index).
    pub code: &'static str,
    /// How it acts on the body.
    pub effect: Effect,
    /// Mechanisms it can come from, with their relative weights.
    pub mechanisms: &'static [(Mechanism, f64)],
    /// Probability of each grade 1-6 (index 0 is grade 1); sums to 1.
    pub grades: [f64; 6],
    /// Whether it is a bacterial infection (antibiotics are given).
    pub bacterial: bool,
}

const GUNSHOT: &[(Mechanism, f64)] = &[(Mechanism::Gunshot, 1.0)];
const FRAGMENT: &[(Mechanism, f64)] = &[(Mechanism::Explosive, 1.0)];
const PENETRATING: &[(Mechanism, f64)] = &[(Mechanism::Explosive, 0.8), (Mechanism::Gunshot, 0.2)];
const BLAST: &[(Mechanism, f64)] = &[(Mechanism::Explosive, 0.8), (Mechanism::Blunt, 0.2)];
const HEAD: &[(Mechanism, f64)] = &[
    (Mechanism::Explosive, 0.6),
    (Mechanism::Gunshot, 0.2),
    (Mechanism::Blunt, 0.2),
];
const FIRE: &[(Mechanism, f64)] = &[(Mechanism::Thermal, 0.7), (Mechanism::Explosive, 0.3)];
const CHEMICAL: &[(Mechanism, f64)] = &[(Mechanism::Chemical, 1.0)];
const RADIATION: &[(Mechanism, f64)] = &[(Mechanism::Radiological, 1.0)];
const BLUNT: &[(Mechanism, f64)] = &[(Mechanism::Blunt, 1.0)];
const CLIMATE: &[(Mechanism, f64)] = &[(Mechanism::Environmental, 1.0)];
const INFECTION: &[(Mechanism, f64)] = &[(Mechanism::Infectious, 1.0)];
const STRAIN: &[(Mechanism, f64)] = &[(Mechanism::Psychological, 1.0)];
const ILLNESS: &[(Mechanism, f64)] = &[(Mechanism::Medical, 1.0)];

const fn profile(
    code: &'static str,
    effect: Effect,
    mechanisms: &'static [(Mechanism, f64)],
    grades: [f64; 6],
) -> Profile {
    Profile {
        code,
        effect,
        mechanisms,
        grades,
        bacterial: false,
    }
}

const fn bacterial(code: &'static str, effect: Effect, grades: [f64; 6]) -> Profile {
    Profile {
        code,
        effect,
        mechanisms: INFECTION,
        grades,
        bacterial: true,
    }
}

/// Clinical profiles, row for row with [`CONDITIONS`](super::CONDITIONS).
///
/// Grades of battle wounds are shaped so that, with the wound mix of the warfare tables,
/// about a third of the wounded are seriously injured (AIS ≥ 3) and a few percent carry
/// an unsurvivable injury (AIS 6) — the casualties who die within minutes, whatever the
/// care (Eastridge 2012: three quarters of the deaths before a medical facility were not
/// survivable). Non-battle injuries are mostly minor (AIS 1-2); illnesses mostly acuity
/// 1-2 (sick call), with a tail of admissions and a little critical illness.
pub static PROFILES: &[Profile] = &[
    // Battle injuries.
    profile(
        "283545005",
        Effect::Wound,
        GUNSHOT,
        [0.10, 0.36, 0.28, 0.10, 0.06, 0.10],
    ),
    profile(
        "262560006",
        Effect::Wound,
        PENETRATING,
        [0.18, 0.39, 0.25, 0.07, 0.04, 0.07],
    ),
    profile(
        "125670008",
        Effect::ForeignBody,
        FRAGMENT,
        [0.30, 0.48, 0.20, 0.02, 0.0, 0.0],
    ),
    profile(
        "262595009",
        Effect::Amputation,
        FRAGMENT,
        [0.0, 0.0, 0.42, 0.35, 0.15, 0.08],
    ),
    profile(
        "127295002",
        Effect::BrainInjury,
        HEAD,
        [0.0, 0.0, 0.45, 0.25, 0.15, 0.15],
    ),
    profile(
        "110030002",
        Effect::Concussion,
        BLAST,
        [0.60, 0.40, 0.0, 0.0, 0.0, 0.0],
    ),
    profile(
        "125666000",
        Effect::Burn,
        FIRE,
        [0.25, 0.35, 0.22, 0.11, 0.05, 0.02],
    ),
    profile(
        "355001",
        Effect::HaemorrhagicShock,
        PENETRATING,
        [0.0, 0.0, 0.30, 0.40, 0.30, 0.0],
    ),
    profile(
        "233645004",
        Effect::TensionPneumothorax,
        PENETRATING,
        [0.0, 0.0, 0.0, 0.60, 0.40, 0.0],
    ),
    profile(
        "31892009",
        Effect::Haemothorax,
        PENETRATING,
        [0.0, 0.0, 0.55, 0.35, 0.10, 0.0],
    ),
    profile(
        "397181002",
        Effect::OpenFracture,
        PENETRATING,
        [0.0, 0.30, 0.55, 0.15, 0.0, 0.0],
    ),
    profile(
        "231794000",
        Effect::EyeInjury,
        FRAGMENT,
        [0.20, 0.45, 0.35, 0.0, 0.0, 0.0],
    ),
    profile(
        "125665001",
        Effect::Crush,
        BLUNT,
        [0.15, 0.40, 0.30, 0.12, 0.03, 0.0],
    ),
    profile(
        "426284001",
        Effect::ChemicalBurn,
        CHEMICAL,
        [0.35, 0.35, 0.20, 0.08, 0.02, 0.0],
    ),
    profile(
        "75478009",
        Effect::Poisoning,
        CHEMICAL,
        [0.30, 0.30, 0.22, 0.12, 0.06, 0.0],
    ),
    profile(
        "8260003",
        Effect::NerveAgent,
        CHEMICAL,
        [0.35, 0.30, 0.17, 0.12, 0.06, 0.0],
    ),
    profile(
        "40541001",
        Effect::ChokingAgent,
        CHEMICAL,
        [0.35, 0.30, 0.18, 0.12, 0.05, 0.0],
    ),
    profile(
        "109953003",
        Effect::RadiationSickness,
        RADIATION,
        [0.40, 0.30, 0.15, 0.10, 0.05, 0.0],
    ),
    // Non-battle injuries.
    profile(
        "125605004",
        Effect::Fracture,
        BLUNT,
        [0.0, 0.80, 0.20, 0.0, 0.0, 0.0],
    ),
    profile(
        "44465007",
        Effect::SoftTissue,
        BLUNT,
        [0.85, 0.15, 0.0, 0.0, 0.0, 0.0],
    ),
    profile(
        "125667009",
        Effect::SoftTissue,
        BLUNT,
        [0.85, 0.15, 0.0, 0.0, 0.0, 0.0],
    ),
    profile(
        "312608009",
        Effect::SoftTissue,
        BLUNT,
        [0.70, 0.30, 0.0, 0.0, 0.0, 0.0],
    ),
    profile(
        "279039007",
        Effect::SoftTissue,
        BLUNT,
        [0.80, 0.20, 0.0, 0.0, 0.0, 0.0],
    ),
    profile(
        "39848009",
        Effect::SoftTissue,
        BLUNT,
        [0.80, 0.20, 0.0, 0.0, 0.0, 0.0],
    ),
    profile(
        "77493009",
        Effect::PelvicFracture,
        BLUNT,
        [0.0, 0.35, 0.35, 0.20, 0.10, 0.0],
    ),
    profile(
        "1163387009",
        Effect::MultipleInjuries,
        BLUNT,
        [0.0, 0.20, 0.35, 0.28, 0.13, 0.04],
    ),
    profile(
        "34095006",
        Effect::HeatIllness,
        CLIMATE,
        [0.45, 0.40, 0.12, 0.03, 0.0, 0.0],
    ),
    profile(
        "370977006",
        Effect::Frostbite,
        CLIMATE,
        [0.45, 0.35, 0.20, 0.0, 0.0, 0.0],
    ),
    profile(
        "386689009",
        Effect::Hypothermia,
        CLIMATE,
        [0.0, 0.60, 0.28, 0.12, 0.0, 0.0],
    ),
    // Diseases.
    bacterial(
        "25374005",
        Effect::Enteric,
        [0.55, 0.35, 0.09, 0.01, 0.0, 0.0],
    ),
    bacterial(
        "62315008",
        Effect::Enteric,
        [0.65, 0.30, 0.05, 0.0, 0.0, 0.0],
    ),
    profile(
        "16932000",
        Effect::Enteric,
        ILLNESS,
        [0.70, 0.28, 0.02, 0.0, 0.0, 0.0],
    ),
    profile(
        "54150009",
        Effect::RespiratoryInfection,
        INFECTION,
        [0.85, 0.15, 0.0, 0.0, 0.0, 0.0],
    ),
    profile(
        "6142004",
        Effect::FebrileIllness,
        INFECTION,
        [0.35, 0.55, 0.10, 0.0, 0.0, 0.0],
    ),
    bacterial(
        "233604007",
        Effect::Pneumonia,
        [0.0, 0.45, 0.40, 0.13, 0.02, 0.0],
    ),
    bacterial(
        "43878008",
        Effect::LocalInfection,
        [0.60, 0.40, 0.0, 0.0, 0.0, 0.0],
    ),
    bacterial(
        "68566005",
        Effect::LocalInfection,
        [0.70, 0.28, 0.02, 0.0, 0.0, 0.0],
    ),
    profile(
        "9826008",
        Effect::LocalInfection,
        INFECTION,
        [0.90, 0.10, 0.0, 0.0, 0.0, 0.0],
    ),
    bacterial(
        "128045006",
        Effect::LocalInfection,
        [0.40, 0.45, 0.14, 0.01, 0.0, 0.0],
    ),
    profile(
        "386661006",
        Effect::FebrileIllness,
        INFECTION,
        [0.30, 0.55, 0.13, 0.02, 0.0, 0.0],
    ),
    profile(
        "38362002",
        Effect::FebrileIllness,
        INFECTION,
        [0.15, 0.55, 0.25, 0.05, 0.0, 0.0],
    ),
    profile(
        "61462000",
        Effect::FebrileIllness,
        INFECTION,
        [0.10, 0.50, 0.28, 0.10, 0.02, 0.0],
    ),
    profile(
        "73595000",
        Effect::Psychological,
        STRAIN,
        [0.50, 0.40, 0.10, 0.0, 0.0, 0.0],
    ),
    profile(
        "47505003",
        Effect::Psychological,
        STRAIN,
        [0.0, 0.60, 0.40, 0.0, 0.0, 0.0],
    ),
    profile(
        "25064002",
        Effect::Symptom,
        ILLNESS,
        [0.85, 0.15, 0.0, 0.0, 0.0, 0.0],
    ),
    profile(
        "21522001",
        Effect::Symptom,
        ILLNESS,
        [0.40, 0.42, 0.16, 0.02, 0.0, 0.0],
    ),
    profile(
        "267036007",
        Effect::Symptom,
        ILLNESS,
        [0.30, 0.45, 0.20, 0.05, 0.0, 0.0],
    ),
];

/// Core temperature band of a picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Temperature {
    /// 36.1-37.7 °C (after trauma with shock: 35.0-36.4 °C, see [`picture`]).
    Normal,
    /// Fever, 38.0-38.9 °C.
    Fever,
    /// High fever, 39.0-40.0 °C.
    HighFever,
    /// Hyperthermia of heat stroke, above 40 °C.
    Hyperthermia,
    /// Mild hypothermia, 32-35 °C.
    MildHypothermia,
    /// Moderate hypothermia, 28-32 °C.
    ModerateHypothermia,
    /// Severe hypothermia, below 28 °C.
    SevereHypothermia,
}

impl Temperature {
    /// Range of the band, tenths of °C, inclusive.
    pub const fn range_dc(self) -> (u16, u16) {
        match self {
            Temperature::Normal => (361, 377),
            Temperature::Fever => (380, 389),
            Temperature::HighFever => (390, 400),
            Temperature::Hyperthermia => (402, 420),
            Temperature::MildHypothermia => (320, 349),
            Temperature::ModerateHypothermia => (280, 319),
            Temperature::SevereHypothermia => (240, 279),
        }
    }

    /// Whether the band is a hypothermia.
    pub const fn is_hypothermia(self) -> bool {
        matches!(
            self,
            Temperature::MildHypothermia
                | Temperature::ModerateHypothermia
                | Temperature::SevereHypothermia
        )
    }

    /// Whether the band is a fever (38 °C or more).
    pub const fn is_fever(self) -> bool {
        matches!(
            self,
            Temperature::Fever | Temperature::HighFever | Temperature::Hyperthermia
        )
    }

    /// How far the band is from normal, 0-3.
    const fn severity(self) -> u8 {
        match self {
            Temperature::Normal => 0,
            Temperature::Fever | Temperature::MildHypothermia => 1,
            Temperature::HighFever | Temperature::ModerateHypothermia => 2,
            Temperature::Hyperthermia | Temperature::SevereHypothermia => 3,
        }
    }
}

/// Whether a bleed can be stopped by pressure or a tourniquet in the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bleeding {
    /// No significant bleeding.
    None,
    /// Extremity bleeding: a tourniquet or packing stops it at the point of injury.
    Compressible,
    /// Bleeding inside the chest, abdomen or pelvis: only surgery stops it.
    NonCompressible,
}

/// The physiological picture a condition produces on the patient's arrival at care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Picture {
    /// Haemorrhagic (or obstructive, or distributive) shock, ATLS class 0-4.
    pub shock: u8,
    /// Respiratory compromise: 0 none, 1 mild (SpO₂ 92-95 %), 2 moderate (85-91 %),
    /// 3 failure (< 85 %).
    pub respiratory: u8,
    /// Depressed consciousness: 0 GCS 15, 1 GCS 13-14, 2 GCS 9-12, 3 GCS 3-8.
    pub neuro: u8,
    /// Core temperature band.
    pub temperature: Temperature,
    /// The airway is compromised (needs positioning, an adjunct or intubation).
    pub airway: bool,
    /// Tension pneumothorax (needs decompression).
    pub tension: bool,
    /// Kind of bleeding, if any.
    pub bleeding: Bleeding,
    /// The injury cannot be survived (AIS 6).
    pub unsurvivable: bool,
}

impl Picture {
    /// No physiological derangement.
    pub const NORMAL: Picture = Picture {
        shock: 0,
        respiratory: 0,
        neuro: 0,
        temperature: Temperature::Normal,
        airway: false,
        tension: false,
        bleeding: Bleeding::None,
        unsurvivable: false,
    };

    /// The worse of two pictures, axis by axis (a patient's conditions combine so).
    pub fn worst(self, other: Picture) -> Picture {
        let temperature = if other.temperature.severity() > self.temperature.severity() {
            other.temperature
        } else {
            self.temperature
        };
        Picture {
            shock: self.shock.max(other.shock),
            respiratory: self.respiratory.max(other.respiratory),
            neuro: self.neuro.max(other.neuro),
            temperature,
            airway: self.airway || other.airway,
            tension: self.tension || other.tension,
            bleeding: self.bleeding.max(other.bleeding),
            unsurvivable: self.unsurvivable || other.unsurvivable,
        }
    }

    /// Whether the picture shows any derangement at all.
    pub fn is_normal(&self) -> bool {
        *self == Picture::NORMAL
    }
}

const fn shocked(shock: u8, bleeding: Bleeding) -> Picture {
    Picture {
        shock,
        bleeding,
        ..Picture::NORMAL
    }
}

/// The picture of one condition at `grade` (1-6) sitting at `site`.
///
/// Shock classes follow ATLS (class II: heart rate 100-120 with a normal systolic
/// pressure; class III: 120-140 and hypotension; class IV: above 140, systolic below
/// 70); GCS bands follow the TBI classes (mild 13-15, moderate 9-12, severe 3-8);
/// temperature bands follow the clinical staging of hypothermia (mild 32-35 °C,
/// moderate 28-32 °C, severe < 28 °C) and the fever threshold of 38 °C.
pub fn picture(effect: Effect, grade: u8, site: Site) -> Picture {
    use Bleeding::{Compressible, NonCompressible};
    let g = grade.clamp(1, 6);
    let mut p = match effect {
        Effect::Wound | Effect::MultipleInjuries => match (site, g) {
            (_, 1..=2) => Picture::NORMAL,
            (Site::Head, 3) => Picture {
                neuro: 2,
                ..Picture::NORMAL
            },
            (Site::Head, _) => Picture {
                neuro: 3,
                airway: true,
                ..Picture::NORMAL
            },
            (Site::Chest, _) => Picture {
                shock: g - 2,
                respiratory: g - 2,
                bleeding: NonCompressible,
                ..Picture::NORMAL
            },
            (Site::Abdomen | Site::Systemic, _) => shocked(g - 2, NonCompressible),
            (_, _) => shocked(g - 2, Compressible),
        },
        Effect::ForeignBody => match g {
            1..=2 => Picture::NORMAL,
            _ if site.is_limb() => shocked(1, Compressible),
            _ => shocked(1, NonCompressible),
        },
        Effect::Amputation => shocked((g - 1).min(4), Compressible),
        Effect::BrainInjury => match g {
            1..=2 => Picture {
                neuro: 1,
                ..Picture::NORMAL
            },
            3 => Picture {
                neuro: 2,
                ..Picture::NORMAL
            },
            4 => Picture {
                neuro: 3,
                ..Picture::NORMAL
            },
            _ => Picture {
                neuro: 3,
                airway: true,
                ..Picture::NORMAL
            },
        },
        Effect::Concussion => Picture {
            neuro: 1,
            ..Picture::NORMAL
        },
        Effect::Burn => match g {
            1..=2 => Picture::NORMAL,
            3 => shocked(1, Bleeding::None),
            4 => shocked(2, Bleeding::None),
            _ => Picture {
                shock: 3,
                respiratory: 2,
                airway: true,
                ..Picture::NORMAL
            },
        },
        Effect::ChemicalBurn => match g {
            1..=2 => Picture::NORMAL,
            3 => Picture {
                respiratory: 1,
                ..Picture::NORMAL
            },
            _ => Picture {
                shock: 2,
                respiratory: 2,
                ..Picture::NORMAL
            },
        },
        // Coded as a complication of a limb wound, the bleeding is the limb's.
        Effect::HaemorrhagicShock if site.is_limb() => {
            shocked(if g >= 5 { 4 } else { 3 }, Compressible)
        }
        Effect::HaemorrhagicShock => shocked(if g >= 5 { 4 } else { 3 }, NonCompressible),
        Effect::TensionPneumothorax => Picture {
            shock: g - 2,
            respiratory: 3,
            tension: true,
            ..Picture::NORMAL
        },
        Effect::Haemothorax => Picture {
            shock: g - 2,
            respiratory: (g - 2).min(2),
            bleeding: NonCompressible,
            ..Picture::NORMAL
        },
        Effect::OpenFracture => match g {
            1..=2 => Picture::NORMAL,
            _ => shocked(g - 2, Compressible),
        },
        Effect::Fracture => match g {
            1..=2 => Picture::NORMAL,
            _ => shocked(1, Bleeding::None),
        },
        Effect::PelvicFracture => match g {
            1..=2 => Picture::NORMAL,
            _ => shocked(g - 2, NonCompressible),
        },
        Effect::Crush => match g {
            1..=2 => Picture::NORMAL,
            _ => shocked(g - 2, Bleeding::None),
        },
        // Mild: miosis and rhinorrhoea; moderate: dyspnoea and bronchorrhoea; severe:
        // convulsions, apnoea and coma (USAMRICD handbook).
        Effect::Poisoning | Effect::NerveAgent => match g {
            1 => Picture::NORMAL,
            2 => Picture {
                respiratory: 1,
                ..Picture::NORMAL
            },
            3 => Picture {
                respiratory: 2,
                neuro: 1,
                ..Picture::NORMAL
            },
            _ => Picture {
                shock: if g >= 5 { 2 } else { 0 },
                respiratory: 3,
                neuro: 3,
                airway: true,
                ..Picture::NORMAL
            },
        },
        // The oedema once it has declared itself: no upper-airway threat, but hypoxaemia and
        // the hypovolaemia of the fluid lost into the lungs when severe.
        Effect::ChokingAgent => Picture {
            respiratory: (g - 1).min(3),
            shock: g.saturating_sub(3),
            ..Picture::NORMAL
        },
        // Dose bands (REMM, AFRRI): < 2 Gy mild prodrome; 2-4 Gy vomiting; 4-6 Gy vomiting
        // and fever; 6-8 Gy fluid loss and high fever; > 8 Gy gastrointestinal and
        // neurovascular syndrome with shock and confusion.
        Effect::RadiationSickness => match g {
            1 => Picture::NORMAL,
            2 => shocked(1, Bleeding::None),
            3 => Picture {
                shock: 1,
                temperature: Temperature::Fever,
                ..Picture::NORMAL
            },
            4 => Picture {
                shock: 2,
                temperature: Temperature::HighFever,
                ..Picture::NORMAL
            },
            _ => Picture {
                shock: 3,
                neuro: 1,
                temperature: Temperature::HighFever,
                ..Picture::NORMAL
            },
        },
        Effect::EyeInjury | Effect::SoftTissue | Effect::Frostbite | Effect::Psychological => {
            Picture::NORMAL
        }
        Effect::HeatIllness => match g {
            1 => Picture::NORMAL,
            2 => shocked(1, Bleeding::None),
            3 => Picture {
                shock: 2,
                temperature: Temperature::HighFever,
                ..Picture::NORMAL
            },
            _ => Picture {
                shock: 2,
                neuro: 2,
                temperature: Temperature::Hyperthermia,
                ..Picture::NORMAL
            },
        },
        Effect::Hypothermia => match g {
            1..=2 => Picture {
                temperature: Temperature::MildHypothermia,
                ..Picture::NORMAL
            },
            3 => Picture {
                neuro: 1,
                temperature: Temperature::ModerateHypothermia,
                ..Picture::NORMAL
            },
            _ => Picture {
                neuro: 3,
                shock: 2,
                temperature: Temperature::SevereHypothermia,
                ..Picture::NORMAL
            },
        },
        Effect::Enteric => match g {
            1 => Picture::NORMAL,
            2 => Picture {
                shock: 1,
                temperature: Temperature::Fever,
                ..Picture::NORMAL
            },
            3 => shocked(2, Bleeding::None),
            _ => shocked(3, Bleeding::None),
        },
        Effect::RespiratoryInfection => match g {
            1 => Picture::NORMAL,
            2 => Picture {
                temperature: Temperature::Fever,
                ..Picture::NORMAL
            },
            _ => Picture {
                respiratory: 1,
                temperature: Temperature::HighFever,
                ..Picture::NORMAL
            },
        },
        Effect::Pneumonia => match g {
            1..=2 => Picture {
                respiratory: 1,
                temperature: Temperature::Fever,
                ..Picture::NORMAL
            },
            3 => Picture {
                respiratory: 1,
                shock: 1,
                temperature: Temperature::HighFever,
                ..Picture::NORMAL
            },
            4 => Picture {
                respiratory: 2,
                shock: 2,
                temperature: Temperature::HighFever,
                ..Picture::NORMAL
            },
            _ => Picture {
                respiratory: 3,
                shock: 3,
                neuro: 1,
                temperature: Temperature::HighFever,
                ..Picture::NORMAL
            },
        },
        Effect::FebrileIllness => match g {
            1 => Picture {
                temperature: Temperature::Fever,
                ..Picture::NORMAL
            },
            2 => Picture {
                temperature: Temperature::HighFever,
                ..Picture::NORMAL
            },
            3 => Picture {
                shock: 1,
                temperature: Temperature::HighFever,
                ..Picture::NORMAL
            },
            _ => Picture {
                shock: 3,
                temperature: Temperature::HighFever,
                ..Picture::NORMAL
            },
        },
        Effect::LocalInfection => match g {
            1 => Picture::NORMAL,
            2 => Picture {
                temperature: Temperature::Fever,
                ..Picture::NORMAL
            },
            3 => Picture {
                shock: 1,
                temperature: Temperature::HighFever,
                ..Picture::NORMAL
            },
            _ => Picture {
                shock: 3,
                temperature: Temperature::HighFever,
                ..Picture::NORMAL
            },
        },
        Effect::Symptom => match g {
            1..=2 => Picture::NORMAL,
            3 => Picture {
                shock: 1,
                temperature: Temperature::Fever,
                ..Picture::NORMAL
            },
            _ => Picture {
                shock: 2,
                respiratory: 2,
                ..Picture::NORMAL
            },
        },
    };
    p.shock = p.shock.min(4);
    p.respiratory = p.respiratory.min(3);
    if g == 6 {
        p.unsurvivable = true;
        p.shock = p.shock.max(4);
        p.neuro = 3;
    }
    p
}

/// Where a condition is cared for and how it ends, if the patient survives.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Disposition {
    /// The lowest facility that can give the care the condition needs in theatre.
    pub level: Facility,
    /// Hours under care at the last facility before a return to duty, uniform.
    pub holding_hours: (u32, u32),
    /// Chance that the patient leaves theatre for Role 4 (disabling injury, or recovery
    /// longer than the theatre holding policy) instead of returning to duty.
    pub leaves_theatre: f64,
}

const fn stays(level: Facility, hours: (u32, u32), leaves: f64) -> Disposition {
    Disposition {
        level,
        holding_hours: hours,
        leaves_theatre: leaves,
    }
}

/// Days a patient may be held in theatre before evacuation home: the theatre evacuation
/// policy. Patients expected to need longer leave for Role 4.
pub const THEATRE_HOLDING_DAYS: u32 = 7;

/// Most hours a Role 1 holds a patient before returning him to duty or moving him on.
pub const ROLE1_HOLDING_HOURS: u32 = 72;

/// The care and course of one condition at `grade`.
pub fn disposition(effect: Effect, grade: u8, site: Site) -> Disposition {
    use Facility::{Role1, Role2, Role3};
    let g = grade.clamp(1, 6);
    match effect {
        Effect::Wound | Effect::MultipleInjuries => match g {
            1 => stays(Role1, (2, 24), 0.0),
            2 => stays(Role2, (24, 96), 0.1),
            3 if site == Site::Head => stays(Role3, (72, 168), 1.0),
            3 => stays(Role2, (72, 168), 0.6),
            _ => stays(Role3, (72, 168), 1.0),
        },
        Effect::ForeignBody => match g {
            1 => stays(Role1, (2, 24), 0.0),
            2 => stays(Role2, (24, 72), 0.05),
            _ => stays(Role3, (72, 168), 0.6),
        },
        Effect::Amputation => stays(Role3, (24, 72), 1.0),
        Effect::BrainInjury => match g {
            1..=2 => stays(Role3, (72, 168), 0.5),
            _ => stays(Role3, (24, 72), 1.0),
        },
        Effect::Concussion => match g {
            1 => stays(Role1, (24, 72), 0.0),
            _ => stays(Role2, (72, 168), 0.15),
        },
        Effect::Burn | Effect::ChemicalBurn => match g {
            1 => stays(Role1, (4, 48), 0.0),
            2 => stays(Role2, (48, 168), 0.3),
            _ => stays(Role3, (24, 72), 1.0),
        },
        Effect::HaemorrhagicShock | Effect::PelvicFracture if g >= 3 => stays(Role3, (24, 72), 1.0),
        Effect::PelvicFracture => stays(Role2, (72, 168), 0.7),
        Effect::TensionPneumothorax | Effect::Haemothorax | Effect::HaemorrhagicShock => {
            stays(Role3, (48, 120), 0.9)
        }
        Effect::OpenFracture => match g {
            1..=2 => stays(Role2, (72, 168), 0.8),
            _ => stays(Role3, (24, 72), 1.0),
        },
        Effect::Fracture => match g {
            1 => stays(Role1, (4, 48), 0.2),
            2 => stays(Role2, (24, 96), 0.75),
            _ => stays(Role3, (24, 72), 1.0),
        },
        Effect::EyeInjury => match g {
            1 => stays(Role1, (4, 24), 0.0),
            2 => stays(Role3, (24, 96), 0.4),
            _ => stays(Role3, (24, 72), 1.0),
        },
        Effect::Crush => match g {
            1 => stays(Role1, (4, 24), 0.0),
            2 => stays(Role2, (24, 96), 0.2),
            _ => stays(Role3, (48, 168), 0.9),
        },
        Effect::Poisoning => match g {
            1 => stays(Role1, (6, 24), 0.0),
            2 => stays(Role2, (24, 72), 0.1),
            _ => stays(Role3, (48, 168), 0.8),
        },
        Effect::NerveAgent => match g {
            1 => stays(Role1, (6, 24), 0.0),
            2 => stays(Role2, (24, 72), 0.05),
            3 => stays(Role2, (48, 120), 0.2),
            _ => stays(Role3, (72, 168), 0.8),
        },
        Effect::ChokingAgent => match g {
            1 => stays(Role1, (24, 36), 0.0),
            2 => stays(Role2, (48, 120), 0.1),
            3 => stays(Role2, (72, 168), 0.3),
            _ => stays(Role3, (72, 168), 0.9),
        },
        Effect::RadiationSickness => match g {
            1 => stays(Role1, (12, 48), 0.0),
            2 => stays(Role2, (24, 72), 0.9),
            _ => stays(Role3, (24, 72), 1.0),
        },
        Effect::SoftTissue => match g {
            1 => stays(Role1, (1, 12), 0.0),
            _ => stays(Role1, (12, 72), 0.02),
        },
        Effect::HeatIllness => match g {
            1 => stays(Role1, (2, 12), 0.0),
            2 => stays(Role1, (12, 48), 0.0),
            3 => stays(Role2, (24, 96), 0.05),
            _ => stays(Role3, (72, 168), 0.7),
        },
        Effect::Frostbite => match g {
            1 => stays(Role1, (6, 48), 0.0),
            2 => stays(Role2, (48, 168), 0.4),
            _ => stays(Role3, (48, 168), 1.0),
        },
        Effect::Hypothermia => match g {
            1..=2 => stays(Role1, (6, 48), 0.0),
            3 => stays(Role2, (24, 96), 0.2),
            _ => stays(Role3, (72, 168), 0.8),
        },
        Effect::Enteric | Effect::RespiratoryInfection | Effect::LocalInfection => match g {
            1 => stays(Role1, (1, 24), 0.0),
            2 => stays(Role1, (24, 72), 0.0),
            3 => stays(Role2, (48, 120), 0.05),
            _ => stays(Role3, (72, 168), 0.5),
        },
        Effect::FebrileIllness | Effect::Pneumonia => match g {
            1 => stays(Role1, (12, 48), 0.0),
            2 => stays(Role2, (48, 120), 0.05),
            3 => stays(Role2, (72, 168), 0.15),
            _ => stays(Role3, (96, 168), 0.7),
        },
        Effect::Psychological => match g {
            1 => stays(Role1, (12, 72), 0.0),
            2 => stays(Role2, (48, 120), 0.2),
            _ => stays(Role3, (48, 168), 0.8),
        },
        Effect::Symptom => match g {
            1 => stays(Role1, (1, 12), 0.0),
            2 => stays(Role1, (12, 48), 0.0),
            3 => stays(Role2, (24, 96), 0.1),
            _ => stays(Role3, (48, 168), 0.5),
        },
    }
}

/// Minutes to death after an unsurvivable injury (AIS 6), uniform: these casualties die
/// where they fall.
pub const UNSURVIVABLE_DEATH_MINUTES: (f64, f64) = (0.0, 15.0);

/// Median minutes to death of an uncontrolled bleed, by shock class 0-4 (`f64::INFINITY`:
/// it does not kill on its own). Log-normal with [`THREAT_SPREAD`].
///
/// Our choice, shaped on the observation that most haemorrhage deaths happen within the
/// first hour and potentially survivable deaths are mostly truncal haemorrhage that
/// outlasted the time to surgery (Eastridge 2012; Kelly 2008); see docs/reference-data.md.
pub const BLEED_DEATH_MEDIAN_MINUTES: [f64; 5] = [f64::INFINITY, f64::INFINITY, 600.0, 240.0, 45.0];

/// Median minutes to death of an untreated tension pneumothorax.
pub const TENSION_DEATH_MEDIAN_MINUTES: f64 = 90.0;

/// Median minutes to death of an unmanaged compromised airway.
pub const AIRWAY_DEATH_MEDIAN_MINUTES: f64 = 25.0;

/// Log-normal σ of the time to death of a time-critical threat.
pub const THREAT_SPREAD: f64 = 0.7;

/// How much longer a non-compressible bleeder lasts once damage-control resuscitation
/// (blood products, TXA) has started at a medical facility: remaining time × this factor.
pub const RESUSCITATION_TIME_FACTOR: f64 = 3.0;

/// Chance that a bleeding casualty gets a tourniquet or packing at the point of injury
/// (self, buddy or medic aid), and the minutes it takes (uniform); the rest are reached
/// later, in [`LATE_FIRST_AID_MINUTES`].
pub const FIRST_AID: (f64, (f64, f64)) = (0.88, (1.0, 10.0));

/// Minutes to first aid when it is not given within the first ten minutes (care under
/// fire, nobody near), uniform.
pub const LATE_FIRST_AID_MINUTES: (f64, f64) = (10.0, 40.0);

/// Chance that a combat medic decompresses a tension pneumothorax or secures an airway
/// at the point of injury (else it waits for the first medical facility).
pub const MEDIC_AT_POINT_OF_INJURY: f64 = 0.85;

/// Minutes from injury to the medic's intervention, uniform.
pub const MEDIC_MINUTES: (f64, f64) = (5.0, 25.0);

/// Minutes from arrival at Role 2 (or higher) to the start of damage-control surgery.
pub const SURGERY_AFTER_ARRIVAL_MINUTES: (f64, f64) = (20.0, 60.0);

/// Whether an injury of this effect can kill later on its own grade (through infection,
/// organ failure or brain swelling), beyond what its physiological picture says. Minor
/// local conditions, the eye, frostbite, psychological conditions and illness do not: an
/// illness kills only through its picture (shock, respiratory failure, temperature).
pub const fn kills_by_grade(effect: Effect) -> bool {
    matches!(
        effect,
        Effect::Wound
            | Effect::Amputation
            | Effect::BrainInjury
            | Effect::Burn
            | Effect::ChemicalBurn
            | Effect::HaemorrhagicShock
            | Effect::TensionPneumothorax
            | Effect::Haemothorax
            | Effect::OpenFracture
            | Effect::PelvicFracture
            | Effect::Crush
            | Effect::Poisoning
            | Effect::NerveAgent
            | Effect::ChokingAgent
            | Effect::RadiationSickness
            | Effect::MultipleInjuries
    )
}

/// Chance of a late death (sepsis, multiple organ failure, brain swelling) for a patient
/// who survives the first hours, by picture and by the worst grade among the injuries that
/// [`kills_by_grade`]; see docs/reference-data.md.
pub fn late_mortality(p: &Picture, max_grade: u8) -> f64 {
    let mut risk: f64 = match max_grade {
        0..=2 => 0.0,
        3 => 0.005,
        4 => 0.02,
        _ => 0.06,
    };
    if p.neuro >= 3 {
        risk = risk.max(0.12);
    }
    if p.shock >= 4 {
        risk = risk.max(0.08);
    } else if p.shock == 3 {
        risk = risk.max(0.03);
    }
    if p.respiratory >= 3 {
        risk = risk.max(0.06);
    }
    if p.temperature == Temperature::SevereHypothermia || p.temperature == Temperature::Hyperthermia
    {
        risk = risk.max(0.10);
    }
    risk
}

/// Extra late mortality per hour that damage-control surgery of a non-compressible
/// bleeder comes after the two-hour mark (relative: × (1 + this × hours late)).
pub const LATE_SURGERY_RISK_PER_HOUR: f64 = 0.15;

/// Hours from injury to a late death, log-normal median and σ.
pub const LATE_DEATH_HOURS: (f64, f64) = (30.0, 1.0);
