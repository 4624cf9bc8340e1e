//! The eight named presets, from the ancestor's `scenario_presets.json`, corrected.
//!
//! Corrections, on purpose: Australia and New Zealand are not NATO members, so their
//! places go to Canada (urban assault), Spain (beach landing, Spanish marines) and Italy
//! (inland objective, San Marco marines); "amphibious" is not a warfare type, so the
//! maritime preset combines naval and conventional warfare. The ancestor's presets carried
//! a single warfare type and a duration that nothing read; here each preset sets days,
//! warfare, intensity (from its difficulty), tempo and environment so that it means what
//! its description says: dates in the season it describes, and an evacuation policy that
//! fits its setting (contested airspace in the Baltic, prolonged field care in the Arctic
//! winter). A test checks each description's claims on the output of every seed.

use std::collections::BTreeMap;

use super::{Front, InjuryMix, Scenario, ScenarioError, TriageWeights, WarfareSetting};
use crate::model::EvacuationPolicy;
use crate::model::{Environment, InjuryType, Intensity, SpecialEvent, Tempo, WarfareType};

/// Names of the presets, in the order they are listed.
pub static PRESETS: [&str; 8] = [
    "nato_article_5",
    "peacekeeping",
    "urban_assault",
    "cbrn_incident",
    "training_exercise",
    "mass_casualty",
    "arctic_operation",
    "maritime_operation",
];

/// Names of the presets.
pub fn preset_names() -> &'static [&'static str] {
    &PRESETS
}

/// Builds the preset called `name`.
pub fn preset(name: &str) -> Result<Scenario, ScenarioError> {
    let s = match name {
        "nato_article_5" => Preset {
            name,
            description: "High-intensity conventional warfare in the Baltic region in summer: an 8-day \
                          NATO defence with artillery and drones, escalating, a major offensive \
                          and mass-casualty attacks; contested airspace delays evacuation.",
            patients: 2500,
            days: 8,
            warfare: &[
                (WarfareType::Conventional, None),
                (WarfareType::Artillery, None),
                (WarfareType::Drone, None),
            ],
            intensity: Intensity::High,
            tempo: Tempo::Escalating,
            events: &[SpecialEvent::MajorOffensive, SpecialEvent::MassCasualty],
            environment: &[],
            mix: (0.55, 0.25, 0.20),
            fronts: &[
                (
                    "Northern Front",
                    0.45,
                    &[("EST", 35.0), ("FIN", 30.0), ("SWE", 20.0), ("USA", 15.0)],
                ),
                (
                    "Central Front",
                    0.35,
                    &[("POL", 40.0), ("DEU", 25.0), ("USA", 20.0), ("GBR", 15.0)],
                ),
                (
                    "Southern Front",
                    0.20,
                    &[("LVA", 30.0), ("LTU", 30.0), ("POL", 25.0), ("CAN", 15.0)],
                ),
            ],
            triage: &[],
            expectant: false,
            start: "2025-06-01T00:00:00Z",
            policy: EvacuationPolicy::DelayedEvacuation,
            capacity: 1.0,
        },
        "peacekeeping" => Preset {
            name,
            description: "Low-intensity peacekeeping mission in a hot, wet climate: mostly \
                          disease and non-battle injuries, with occasional guerrilla incidents.",
            patients: 500,
            days: 30,
            warfare: &[
                (WarfareType::Peacekeeping, Some(1.0)),
                (WarfareType::Guerrilla, Some(0.2)),
            ],
            intensity: Intensity::Low,
            tempo: Tempo::Sustained,
            events: &[],
            environment: &[Environment::ExtremeHeat, Environment::Rain],
            mix: (0.10, 0.35, 0.55),
            fronts: &[
                (
                    "Main Operating Base",
                    0.6,
                    &[
                        ("USA", 20.0),
                        ("GBR", 15.0),
                        ("FRA", 15.0),
                        ("ITA", 15.0),
                        ("ESP", 10.0),
                        ("DEU", 10.0),
                        ("CAN", 15.0),
                    ],
                ),
                (
                    "Forward Operating Base",
                    0.4,
                    &[("NOR", 25.0), ("DNK", 25.0), ("NLD", 25.0), ("BEL", 25.0)],
                ),
            ],
            triage: &[],
            expectant: false,
            start: "2025-07-01T00:00:00Z",
            policy: EvacuationPolicy::TenOneTwo,
            capacity: 1.0,
        },
        "urban_assault" => Preset {
            name,
            description: "High-intensity urban warfare with drone threats and building clearance: \
                          many T1 casualties and complex injuries.",
            patients: 3000,
            days: 5,
            warfare: &[(WarfareType::Urban, None), (WarfareType::Drone, Some(0.3))],
            intensity: Intensity::Extreme,
            tempo: Tempo::Surge,
            events: &[SpecialEvent::Ambush, SpecialEvent::MassCasualty],
            environment: &[Environment::UrbanDebris],
            mix: (0.70, 0.20, 0.10),
            fronts: &[
                (
                    "City Center",
                    0.5,
                    &[("USA", 50.0), ("GBR", 30.0), ("CAN", 20.0)],
                ),
                (
                    "Industrial Zone",
                    0.3,
                    &[("FRA", 40.0), ("DEU", 35.0), ("ITA", 25.0)],
                ),
                (
                    "Harbor District",
                    0.2,
                    &[("NLD", 35.0), ("NOR", 35.0), ("DNK", 30.0)],
                ),
            ],
            triage: &[],
            expectant: false,
            start: "2025-04-01T00:00:00Z",
            policy: EvacuationPolicy::TenOneTwo,
            capacity: 1.0,
        },
        "cbrn_incident" => Preset {
            name,
            description: "Chemical and radiological attacks on a forward area over 3 days: mass casualties \
                          of nerve, blister and choking agents and radiation, decontaminated \
                          before care, many of them T1.",
            patients: 1500,
            days: 3,
            warfare: &[(WarfareType::Cbrn, None)],
            intensity: Intensity::Extreme,
            tempo: Tempo::Declining,
            events: &[SpecialEvent::MassCasualty],
            environment: &[],
            mix: (0.75, 0.10, 0.15),
            fronts: &[
                (
                    "Primary Impact Zone",
                    0.7,
                    &[("USA", 60.0), ("GBR", 25.0), ("CAN", 15.0)],
                ),
                (
                    "Secondary Exposure Zone",
                    0.3,
                    &[("DEU", 40.0), ("FRA", 35.0), ("NLD", 25.0)],
                ),
            ],
            triage: &[],
            expectant: false,
            start: "2025-09-01T00:00:00Z",
            policy: EvacuationPolicy::TenOneTwo,
            capacity: 1.0,
        },
        "training_exercise" => Preset {
            name,
            description: "Small-scale training exercise for medical unit validation: limited \
                          casualties over 2 days.",
            patients: 100,
            days: 2,
            warfare: &[(WarfareType::Conventional, None)],
            intensity: Intensity::Low,
            tempo: Tempo::Sustained,
            events: &[],
            environment: &[],
            mix: (0.40, 0.35, 0.25),
            fronts: &[("Training Area Alpha", 1.0, &[("USA", 100.0)])],
            triage: &[],
            expectant: false,
            start: "2025-06-01T00:00:00Z",
            policy: EvacuationPolicy::TenOneTwo,
            capacity: 1.0,
        },
        "mass_casualty" => Preset {
            name,
            description: "One day of extreme fighting at a single site with at least one mass-casualty \
                          attack striking many at once: a surge-capacity stress test for \
                          medical facilities, with mass-casualty (expectant) triage.",
            patients: 800,
            days: 1,
            warfare: &[
                (WarfareType::Conventional, None),
                (WarfareType::Artillery, None),
            ],
            intensity: Intensity::Extreme,
            tempo: Tempo::Sustained,
            events: &[SpecialEvent::MassCasualty],
            environment: &[],
            mix: (0.60, 0.30, 0.10),
            fronts: &[(
                "Incident Site",
                1.0,
                &[("USA", 40.0), ("GBR", 30.0), ("DEU", 20.0), ("FRA", 10.0)],
            )],
            triage: &[(InjuryType::BattleInjury, (0.5, 0.35, 0.15))],
            expectant: true,
            start: "2025-06-01T00:00:00Z",
            policy: EvacuationPolicy::TenOneTwo,
            capacity: 1.0,
        },
        "arctic_operation" => Preset {
            name,
            description: "Winter operation in Arctic mountains: high non-battle injury and cold-injury \
                          rates, long distances and weather that hold casualties in prolonged \
                          field care, Nordic nations in the lead.",
            patients: 1200,
            days: 14,
            warfare: &[(WarfareType::Conventional, None)],
            intensity: Intensity::High,
            tempo: Tempo::Sustained,
            events: &[],
            environment: &[Environment::ExtremeCold, Environment::MountainousTerrain],
            mix: (0.30, 0.45, 0.25),
            fronts: &[
                (
                    "Arctic Forward Base",
                    0.55,
                    &[("NOR", 35.0), ("FIN", 30.0), ("SWE", 20.0), ("USA", 15.0)],
                ),
                (
                    "Mountain Sector",
                    0.45,
                    &[("CAN", 40.0), ("GBR", 30.0), ("USA", 30.0)],
                ),
            ],
            triage: &[],
            expectant: false,
            start: "2025-01-15T00:00:00Z",
            policy: EvacuationPolicy::ProlongedFieldCare,
            capacity: 1.0,
        },
        "maritime_operation" => Preset {
            name,
            description: "Naval and amphibious assault: shipboard casualties, beach landing \
                          injuries and an inland objective.",
            patients: 1800,
            days: 6,
            warfare: &[
                (WarfareType::Naval, None),
                (WarfareType::Conventional, Some(0.5)),
            ],
            intensity: Intensity::High,
            tempo: Tempo::Surge,
            events: &[SpecialEvent::MajorOffensive],
            environment: &[],
            mix: (0.55, 0.30, 0.15),
            fronts: &[
                (
                    "Naval Task Force",
                    0.35,
                    &[("USA", 45.0), ("GBR", 30.0), ("FRA", 25.0)],
                ),
                (
                    "Beach Landing Zone",
                    0.45,
                    &[("USA", 50.0), ("ESP", 25.0), ("NLD", 25.0)],
                ),
                (
                    "Inland Objective",
                    0.20,
                    &[("GBR", 40.0), ("CAN", 35.0), ("ITA", 25.0)],
                ),
            ],
            triage: &[],
            expectant: false,
            start: "2025-06-01T00:00:00Z",
            policy: EvacuationPolicy::TenOneTwo,
            capacity: 1.0,
        },
        _ => {
            return Err(ScenarioError::UnknownPreset {
                name: name.to_owned(),
                available: PRESETS.join(", "),
            });
        }
    };
    Ok(s.build())
}

type FrontSpec<'a> = (&'a str, f64, &'a [(&'a str, f64)]);

struct Preset<'a> {
    name: &'a str,
    description: &'a str,
    patients: u64,
    days: u32,
    warfare: &'a [(WarfareType, Option<f64>)],
    intensity: Intensity,
    tempo: Tempo,
    events: &'a [SpecialEvent],
    environment: &'a [Environment],
    mix: (f64, f64, f64),
    fronts: &'a [FrontSpec<'a>],
    triage: &'a [(InjuryType, (f64, f64, f64))],
    /// Whether triage uses the expectant category (mass-casualty triage).
    expectant: bool,
    /// Start of the operation, in the season the preset describes.
    start: &'a str,
    /// How casualties are evacuated.
    policy: EvacuationPolicy,
    /// Medical capacity, as a multiple of the planned load.
    capacity: f64,
}

impl Preset<'_> {
    fn build(&self) -> Scenario {
        Scenario {
            name: self.name.to_owned(),
            description: self.description.to_owned(),
            patients: self.patients,
            days: self.days,
            warfare_types: self
                .warfare
                .iter()
                .map(|&(k, weight)| {
                    (
                        k,
                        WarfareSetting {
                            enabled: true,
                            weight,
                        },
                    )
                })
                .collect(),
            intensity: self.intensity,
            tempo: self.tempo,
            special_events: SpecialEvent::ALL
                .iter()
                .map(|&e| (e, self.events.contains(&e)))
                .collect(),
            environmental_conditions: self.environment.iter().map(|&e| (e, true)).collect(),
            injury_mix: InjuryMix {
                battle_injury: self.mix.0,
                non_battle_injury: self.mix.1,
                disease: self.mix.2,
            },
            fronts: self
                .fronts
                .iter()
                .map(|&(name, rate, nations)| Front {
                    name: name.to_owned(),
                    casualty_rate: rate,
                    nationalities: nations.iter().map(|&(c, w)| (c.to_owned(), w)).collect(),
                })
                .collect(),
            triage_weights: self
                .triage
                .iter()
                .map(|&(k, (t1, t2, t3))| (k, TriageWeights { t1, t2, t3 }))
                .collect::<BTreeMap<_, _>>(),
            expectant_triage: self.expectant,
            start: self.start.to_owned(),
            evacuation_policy: self.policy,
            medical_capacity: self.capacity,
        }
    }
}
