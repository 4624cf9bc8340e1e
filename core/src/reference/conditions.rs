//! One consistent SNOMED CT table of conditions, with severities and body sites.
//!
//! What each condition does to a casualty (its grade, physiology, care and course) is its
//! clinical profile, in [`super::clinical`], row for row in the same order.

use crate::model::{InjuryType, Site};

/// Where on the body a condition sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteRule {
    /// Always this site.
    At(Site),
    /// One of the four limbs, chosen at random.
    AnyLimb,
    /// One of the two legs, chosen at random.
    AnyLeg,
    /// Any region, drawn from the body-site weights of [`BODY_SITES`].
    Anywhere,
    /// No single site (illness).
    Systemic,
}

/// Climate a condition is tied to: the theatre's climate and the season scale its weight
/// (`docs/reference-data.md`, "Climate and season").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Climate {
    /// Not tied to climate.
    Any,
    /// Heat illness (dehydration from heat, up to heat stroke).
    Heat,
    /// Cold injury (frostbite, hypothermia).
    Cold,
    /// Tropical vector-borne disease (dengue, malaria): transmitted only where the
    /// mosquito vectors live, in hot and wet theatres.
    Tropical,
}

/// One SNOMED CT condition that a casualty can present with.
#[derive(Debug)]
pub struct Condition {
    /// SNOMED CT concept id.
    pub code: &'static str,
    /// SNOMED CT preferred term, without the semantic tag.
    pub display: &'static str,
    /// The casualty class whose pool this condition belongs to.
    pub injury_type: InjuryType,
    /// Relative weight within its injury type's pool (battle injuries use [`BATTLE_MIX`]).
    pub weight: f64,
    /// Where on the body it sits.
    pub site: SiteRule,
    /// Climate it is tied to.
    pub climate: Climate,
    /// Whether it is an infectious disease (more frequent in rain, heat, debris).
    pub infectious: bool,
    /// Codes of conditions that often come with it in polytrauma (each in [`CONDITIONS`]).
    pub secondary: &'static [&'static str],
}

/// The condition table: every condition code milmed can emit.
///
/// One SNOMED CT International Edition concept per row; `display` is its preferred term.
/// Rows are grouped by pool: battle injuries, non-battle injuries, then diseases.
/// `docs/reference-data.md` lists how each code was verified and which ancestor codes
/// were dropped or remapped.
pub static CONDITIONS: &[Condition] = &[
    // Battle injuries (drawn through BATTLE_MIX; `weight` is the default share).
    battle(
        "283545005",
        "Gunshot wound",
        0.27,
        SiteRule::Anywhere,
        &["397181002", "31892009"],
    ),
    battle(
        "262560006",
        "Penetrating wound",
        0.16,
        SiteRule::Anywhere,
        &["125670008", "397181002"],
    ),
    battle(
        "125670008",
        "Foreign body",
        0.10,
        SiteRule::Anywhere,
        &["262560006", "312608009", "231794000"],
    ),
    battle(
        "262595009",
        "Traumatic amputation",
        0.05,
        SiteRule::AnyLimb,
        &["397181002", "125670008", "125666000"],
    ),
    battle(
        "127295002",
        "Traumatic brain injury",
        0.06,
        SiteRule::At(Site::Head),
        &["231794000", "312608009", "262560006"],
    ),
    battle(
        "110030002",
        "Concussion injury of brain",
        0.08,
        SiteRule::At(Site::Head),
        &["312608009", "125667009"],
    ),
    battle(
        "125666000",
        "Burn",
        0.07,
        SiteRule::Anywhere,
        &["262560006", "125670008", "231794000"],
    ),
    battle(
        "355001",
        "Hemorrhagic shock",
        0.03,
        SiteRule::Systemic,
        &["283545005", "262595009", "262560006"],
    ),
    battle(
        "233645004",
        "Tension pneumothorax",
        0.02,
        SiteRule::At(Site::Chest),
        &["31892009", "283545005", "262560006"],
    ),
    battle(
        "31892009",
        "Hemothorax",
        0.02,
        SiteRule::At(Site::Chest),
        &["233645004", "262560006"],
    ),
    battle(
        "397181002",
        "Open fracture",
        0.05,
        SiteRule::AnyLimb,
        &["262560006", "125670008"],
    ),
    battle(
        "231794000",
        "Injury of globe of eye",
        0.02,
        SiteRule::At(Site::Head),
        &["125670008", "127295002"],
    ),
    battle(
        "125665001",
        "Crushing injury",
        0.03,
        SiteRule::Anywhere,
        &["397181002", "125667009", "77493009"],
    ),
    battle(
        "426284001",
        "Chemical burn",
        0.03,
        SiteRule::Anywhere,
        &["231794000", "75478009", "40541001"],
    ),
    battle(
        "75478009",
        "Poisoning",
        0.01,
        SiteRule::Systemic,
        &["426284001", "231794000"],
    ),
    // CBRN agents: a nerve agent is an organophosphorus cholinesterase inhibitor; a
    // choking agent (phosgene, chlorine) causes toxic pulmonary oedema; whole-body
    // irradiation causes the acute radiation syndrome, whose dose-limiting injury is the
    // bone marrow's. A vesicant (sulfur mustard) casualty is coded as a chemical burn.
    battle(
        "8260003",
        "Organophosphate poisoning",
        0.01,
        SiteRule::Systemic,
        &["262560006", "110030002"],
    ),
    battle(
        "40541001",
        "Acute pulmonary edema",
        0.01,
        SiteRule::Systemic,
        &["426284001", "231794000"],
    ),
    battle(
        "109953003",
        "Radiation injury of bone marrow",
        0.01,
        SiteRule::Systemic,
        &["125666000", "262560006"],
    ),
    // Non-battle injuries: accidents, sport and training injuries, climate.
    injury(
        "125605004",
        "Fracture of bone",
        0.14,
        SiteRule::AnyLimb,
        Climate::Any,
        &["125667009", "312608009"],
    ),
    injury(
        "44465007",
        "Sprain of ankle",
        0.16,
        SiteRule::AnyLeg,
        Climate::Any,
        &[],
    ),
    injury(
        "125667009",
        "Contusion",
        0.13,
        SiteRule::Anywhere,
        Climate::Any,
        &["312608009", "125605004"],
    ),
    injury(
        "312608009",
        "Laceration - injury",
        0.13,
        SiteRule::Anywhere,
        Climate::Any,
        &["125667009", "125670008"],
    ),
    injury(
        "279039007",
        "Low back pain",
        0.12,
        SiteRule::At(Site::Abdomen),
        Climate::Any,
        &[],
    ),
    injury(
        "39848009",
        "Whiplash injury to neck",
        0.05,
        SiteRule::At(Site::Head),
        Climate::Any,
        &["110030002", "125667009"],
    ),
    injury(
        "77493009",
        "Fracture of pelvis",
        0.02,
        SiteRule::At(Site::Abdomen),
        Climate::Any,
        &["125667009"],
    ),
    injury(
        "1163387009",
        "Multiple traumatic injuries",
        0.03,
        SiteRule::Anywhere,
        Climate::Any,
        &["125605004", "110030002", "312608009"],
    ),
    injury(
        "34095006",
        "Dehydration",
        0.12,
        SiteRule::Systemic,
        Climate::Heat,
        &[],
    ),
    injury(
        "370977006",
        "Frostbite",
        0.05,
        SiteRule::AnyLimb,
        Climate::Cold,
        &[],
    ),
    injury(
        "386689009",
        "Hypothermia",
        0.05,
        SiteRule::Systemic,
        Climate::Cold,
        &[],
    ),
    // Diseases, infectious or not, including combat stress.
    disease(
        "25374005",
        "Gastroenteritis",
        0.15,
        SiteRule::Systemic,
        true,
    ),
    disease("62315008", "Diarrhea", 0.09, SiteRule::Systemic, true),
    disease(
        "16932000",
        "Nausea and vomiting",
        0.04,
        SiteRule::Systemic,
        false,
    ),
    disease(
        "54150009",
        "Upper respiratory infection",
        0.15,
        SiteRule::Systemic,
        true,
    ),
    disease("6142004", "Influenza", 0.05, SiteRule::Systemic, true),
    disease(
        "233604007",
        "Pneumonia",
        0.02,
        SiteRule::At(Site::Chest),
        true,
    ),
    disease(
        "43878008",
        "Streptococcal sore throat",
        0.04,
        SiteRule::At(Site::Head),
        true,
    ),
    disease(
        "68566005",
        "Urinary tract infectious disease",
        0.04,
        SiteRule::At(Site::Abdomen),
        true,
    ),
    disease(
        "9826008",
        "Conjunctivitis",
        0.03,
        SiteRule::At(Site::Head),
        true,
    ),
    disease("128045006", "Cellulitis", 0.04, SiteRule::AnyLimb, true),
    disease("386661006", "Fever", 0.07, SiteRule::Systemic, true),
    tropical("38362002", "Dengue", 0.01),
    tropical("61462000", "Malaria", 0.01),
    disease("73595000", "Stress", 0.10, SiteRule::Systemic, false),
    disease(
        "47505003",
        "Posttraumatic stress disorder",
        0.02,
        SiteRule::Systemic,
        false,
    ),
    disease(
        "25064002",
        "Headache",
        0.08,
        SiteRule::At(Site::Head),
        false,
    ),
    disease(
        "21522001",
        "Abdominal pain",
        0.05,
        SiteRule::At(Site::Abdomen),
        false,
    ),
    disease(
        "267036007",
        "Dyspnea",
        0.02,
        SiteRule::At(Site::Chest),
        false,
    ),
];

/// A battle-injury row (never climate-bound, never infectious).
const fn battle(
    code: &'static str,
    display: &'static str,
    weight: f64,
    site: SiteRule,
    secondary: &'static [&'static str],
) -> Condition {
    Condition {
        code,
        display,
        injury_type: InjuryType::BattleInjury,
        weight,
        site,
        climate: Climate::Any,
        infectious: false,
        secondary,
    }
}

/// A non-battle-injury row (never infectious).
const fn injury(
    code: &'static str,
    display: &'static str,
    weight: f64,
    site: SiteRule,
    climate: Climate,
    secondary: &'static [&'static str],
) -> Condition {
    Condition {
        code,
        display,
        injury_type: InjuryType::NonBattleInjury,
        weight,
        site,
        climate,
        infectious: false,
        secondary,
    }
}

/// A disease row without climate tie and without secondary conditions.
const fn disease(
    code: &'static str,
    display: &'static str,
    weight: f64,
    site: SiteRule,
    infectious: bool,
) -> Condition {
    Condition {
        code,
        display,
        injury_type: InjuryType::Disease,
        weight,
        site,
        climate: Climate::Any,
        infectious,
        secondary: &[],
    }
}

/// A tropical vector-borne disease row (infectious, systemic, no secondary conditions).
const fn tropical(code: &'static str, display: &'static str, weight: f64) -> Condition {
    Condition {
        code,
        display,
        injury_type: InjuryType::Disease,
        weight,
        site: SiteRule::Systemic,
        climate: Climate::Tropical,
        infectious: true,
        secondary: &[],
    }
}

// Battle-injury codes used by BATTLE_MIX.
const GUNSHOT: &str = "283545005";
const PENETRATING: &str = "262560006";
const FOREIGN_BODY: &str = "125670008";
const AMPUTATION: &str = "262595009";
const TBI: &str = "127295002";
const CONCUSSION: &str = "110030002";
const BURN: &str = "125666000";
const HEMORRHAGIC_SHOCK: &str = "355001";
const TENSION_PNEUMOTHORAX: &str = "233645004";
const HEMOTHORAX: &str = "31892009";
const OPEN_FRACTURE: &str = "397181002";
const EYE: &str = "231794000";
const CRUSH: &str = "125665001";
const CHEMICAL_BURN: &str = "426284001";
const POISONING: &str = "75478009";
const NERVE_AGENT: &str = "8260003";
const CHOKING_AGENT: &str = "40541001";
const RADIATION: &str = "109953003";

/// Battle-injury condition weights by warfare type: index [`WarfareType::index`](crate::model::WarfareType::index),
/// and index 8 for special events (a mixed pattern). Each entry is `(code, weight)`; weights sum to 1.
///
/// Shaped after the ancestor's per-pattern code distribution (remapped to codes that mean
/// what the ancestor intended): gunshot wounds lead in conventional, urban and
/// peacekeeping operations; fragment wounds, amputations and blast brain injuries lead
/// under artillery, IED (guerrilla) and drone fire; burns and crush injuries rise at sea.
/// In CBRN incidents the agents dominate (78 %): nerve agent, vesicant (coded as chemical
/// burn), choking agent, radiation and other toxic chemicals, beside the blast, fragment
/// and thermal injuries of the munitions and of a nuclear detonation.
pub static BATTLE_MIX: [&[(&str, f64)]; 9] = [
    // Conventional.
    &[
        (GUNSHOT, 0.30),
        (PENETRATING, 0.18),
        (FOREIGN_BODY, 0.07),
        (OPEN_FRACTURE, 0.10),
        (TBI, 0.05),
        (CONCUSSION, 0.06),
        (BURN, 0.05),
        (AMPUTATION, 0.04),
        (HEMORRHAGIC_SHOCK, 0.03),
        (TENSION_PNEUMOTHORAX, 0.03),
        (HEMOTHORAX, 0.02),
        (EYE, 0.02),
        (CRUSH, 0.05),
    ],
    // Artillery.
    &[
        (PENETRATING, 0.30),
        (FOREIGN_BODY, 0.14),
        (AMPUTATION, 0.10),
        (CONCUSSION, 0.09),
        (TBI, 0.07),
        (BURN, 0.08),
        (OPEN_FRACTURE, 0.06),
        (CRUSH, 0.04),
        (HEMORRHAGIC_SHOCK, 0.03),
        (TENSION_PNEUMOTHORAX, 0.03),
        (HEMOTHORAX, 0.02),
        (EYE, 0.02),
        (GUNSHOT, 0.02),
    ],
    // Urban.
    &[
        (GUNSHOT, 0.32),
        (PENETRATING, 0.14),
        (FOREIGN_BODY, 0.06),
        (CRUSH, 0.08),
        (OPEN_FRACTURE, 0.08),
        (CONCUSSION, 0.07),
        (TBI, 0.05),
        (BURN, 0.05),
        (AMPUTATION, 0.03),
        (EYE, 0.03),
        (HEMORRHAGIC_SHOCK, 0.03),
        (TENSION_PNEUMOTHORAX, 0.03),
        (HEMOTHORAX, 0.02),
        (CHEMICAL_BURN, 0.01),
    ],
    // Guerrilla (improvised explosive devices and ambushes).
    &[
        (PENETRATING, 0.22),
        (AMPUTATION, 0.14),
        (GUNSHOT, 0.16),
        (FOREIGN_BODY, 0.08),
        (CONCUSSION, 0.09),
        (TBI, 0.07),
        (BURN, 0.07),
        (OPEN_FRACTURE, 0.06),
        (HEMORRHAGIC_SHOCK, 0.04),
        (EYE, 0.03),
        (TENSION_PNEUMOTHORAX, 0.02),
        (HEMOTHORAX, 0.02),
    ],
    // Drone.
    &[
        (PENETRATING, 0.30),
        (FOREIGN_BODY, 0.15),
        (BURN, 0.12),
        (AMPUTATION, 0.08),
        (CONCUSSION, 0.08),
        (TBI, 0.06),
        (OPEN_FRACTURE, 0.06),
        (EYE, 0.04),
        (HEMORRHAGIC_SHOCK, 0.04),
        (TENSION_PNEUMOTHORAX, 0.03),
        (HEMOTHORAX, 0.02),
        (GUNSHOT, 0.02),
    ],
    // Naval.
    &[
        (BURN, 0.22),
        (PENETRATING, 0.18),
        (CRUSH, 0.10),
        (FOREIGN_BODY, 0.08),
        (OPEN_FRACTURE, 0.08),
        (CONCUSSION, 0.08),
        (TBI, 0.05),
        (GUNSHOT, 0.08),
        (AMPUTATION, 0.04),
        (HEMORRHAGIC_SHOCK, 0.03),
        (CHEMICAL_BURN, 0.03),
        (TENSION_PNEUMOTHORAX, 0.02),
        (HEMOTHORAX, 0.01),
    ],
    // CBRN.
    &[
        (NERVE_AGENT, 0.28),
        (CHEMICAL_BURN, 0.22),
        (CHOKING_AGENT, 0.15),
        (RADIATION, 0.08),
        (POISONING, 0.05),
        (PENETRATING, 0.06),
        (BURN, 0.05),
        (EYE, 0.04),
        (GUNSHOT, 0.03),
        (CONCUSSION, 0.02),
        (FOREIGN_BODY, 0.02),
    ],
    // Peacekeeping.
    &[
        (GUNSHOT, 0.30),
        (PENETRATING, 0.20),
        (FOREIGN_BODY, 0.08),
        (OPEN_FRACTURE, 0.08),
        (CRUSH, 0.08),
        (CONCUSSION, 0.08),
        (TBI, 0.04),
        (BURN, 0.05),
        (AMPUTATION, 0.04),
        (EYE, 0.02),
        (HEMORRHAGIC_SHOCK, 0.03),
    ],
    // Special events (mixed pattern).
    &[
        (GUNSHOT, 0.22),
        (PENETRATING, 0.22),
        (FOREIGN_BODY, 0.08),
        (OPEN_FRACTURE, 0.08),
        (CONCUSSION, 0.07),
        (TBI, 0.05),
        (BURN, 0.06),
        (AMPUTATION, 0.05),
        (CRUSH, 0.05),
        (HEMORRHAGIC_SHOCK, 0.03),
        (TENSION_PNEUMOTHORAX, 0.03),
        (HEMOTHORAX, 0.02),
        (EYE, 0.02),
        (CHEMICAL_BURN, 0.01),
        (POISONING, 0.01),
    ],
];

/// SNOMED CT severity qualifier (the FHIR `condition-severity` value set).
#[derive(Debug)]
pub struct Severity {
    /// SNOMED CT code.
    pub code: &'static str,
    /// Display term.
    pub display: &'static str,
}

/// Mild, moderate and severe.
pub static SEVERITIES: [Severity; 3] = [
    Severity {
        code: "255604002",
        display: "Mild",
    },
    Severity {
        code: "6736007",
        display: "Moderate",
    },
    Severity {
        code: "24484000",
        display: "Severe",
    },
];

/// The severity qualifier of a condition's grade: AIS 1 (minor) is mild, AIS 2-3
/// (moderate, serious) moderate, AIS 4-6 (severe, critical, maximal) severe; the same
/// for illness acuity.
pub fn severity_of_grade(grade: u8) -> &'static Severity {
    match grade {
        0..=1 => &SEVERITIES[0],
        2..=3 => &SEVERITIES[1],
        _ => &SEVERITIES[2],
    }
}

/// The ancestor's numeric severity (1-10) of a patient whose worst grade is `grade`.
pub fn severity_score(grade: u8) -> u8 {
    [2, 4, 6, 8, 9, 10][usize::from(grade.clamp(1, 6) - 1)]
}

/// Names of the grades 1-6: the Abbreviated Injury Scale's for injuries.
pub const AIS_NAMES: [&str; 6] = [
    "minor", "moderate", "serious", "severe", "critical", "maximal",
];

/// A body site with its SNOMED CT code.
#[derive(Debug)]
pub struct BodySite {
    /// The site.
    pub site: Site,
    /// SNOMED CT body structure code.
    pub code: &'static str,
    /// SNOMED CT display.
    pub display: &'static str,
    /// Weight of the site for conditions that can sit anywhere; sums to 1.
    pub weight: f64,
}

/// Body sites, indexed by [`Site::index`] (seven sites; `Systemic` has none).
///
/// Region weights are the ancestor's `body_part_distribution` (head 15 %, torso 30 %,
/// each arm 12.5 %, each leg 15 %); the torso is split into chest and abdomen 35 : 65,
/// the ratio of thoracic (6 %) to abdominal (11 %) wounds in Owens et al. 2008. Codes are
/// SNOMED CT body structures (laterality-specific limb structures).
pub static BODY_SITES: [BodySite; 7] = [
    BodySite {
        site: Site::Head,
        code: "69536005",
        display: "Head structure",
        weight: 0.15,
    },
    BodySite {
        site: Site::Chest,
        code: "51185008",
        display: "Thoracic structure",
        weight: 0.105,
    },
    BodySite {
        site: Site::Abdomen,
        code: "113345001",
        display: "Abdominal structure",
        weight: 0.195,
    },
    BodySite {
        site: Site::LeftArm,
        code: "80768000",
        display: "Structure of left upper limb",
        weight: 0.125,
    },
    BodySite {
        site: Site::RightArm,
        code: "6921000",
        display: "Structure of right upper limb",
        weight: 0.125,
    },
    BodySite {
        site: Site::LeftLeg,
        code: "32153003",
        display: "Structure of left lower limb",
        weight: 0.15,
    },
    BodySite {
        site: Site::RightLeg,
        code: "62175007",
        display: "Structure of right lower limb",
        weight: 0.15,
    },
];
