//! The clinical audit: named rules a military physician would check on generated patients.
//!
//! The audit reads patients only through the public API — the patient, his
//! [`assessment`](Patient::assessment), his [`timeline`](Patient::timeline) and his
//! [`CarePlan`] — and counts, rule by rule, how many patients (or treatments) a rule
//! applies to and how many of them satisfy it. A rule is a share with a bound: "every
//! casualty in haemorrhagic shock is T1" is the share of shocked casualties who are T1,
//! bounded below by 100 %. Rules are clinical, not statistical: each says something a
//! doctor reviewing an exercise would object to if it were false, and cites where it comes
//! from.
//!
//! ```
//! use milmed_core::audit::Audit;
//! use milmed_core::{Generator, Scenario};
//!
//! let scenario = Scenario::preset("training_exercise")?;
//! let generator = Generator::new(&scenario, 7)?;
//! let mut audit = Audit::new();
//! for patient in generator.patients() {
//!     audit.add(&patient);
//! }
//! let report = audit.report();
//! println!("{report}");
//! assert!(report.verdicts().iter().any(|v| v.rule == "shock-is-t1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! An [`Audit`] is a set of counters: audit shards of a run on several threads and
//! [`merge`](Audit::merge) them; the result does not depend on the split.
//!
//! # The rules
//!
//! | rule | why it exists |
//! | --- | --- |
//! | `minor-never-t1`, `minor-never-die` | a casualty whose every condition is minor (grade ≤ 2) has no threat to life: he cannot be immediate, and he cannot die of it |
//! | `harmless-never-die` | psychological, soft-tissue, eye, frostbite and concussion casualties do not die of their condition, whatever its grade |
//! | `shock-is-t1`, `tension-is-t1`, `airway-is-t1` | the threats to life that TCCC's MARCH sequence treats first are immediate (T1) by definition — or expectant (T4) in mass-casualty triage when the injury cannot be survived |
//! | `expectant-is-unsurvivable` | expectant (T4) is only for a casualty who cannot be saved: an AIS 6 injury |
//! | `shock-hypotensive` | haemorrhagic shock is a diagnosis made on the signs: ATLS class III/IV means tachycardia above 120 or hypotension |
//! | `hypothermia-below-35` | accidental hypothermia is a core temperature below 35 °C; a hypothermic patient measured warm is a contradiction |
//! | `febrile-at-38` | fever, influenza, pneumonia and dengue present with a temperature of 38 °C or more |
//! | `coma-has-a-cause` | a GCS of 8 or less needs a cause: a head injury, shock, hypoxia, poisoning, hypothermia, polytrauma or dying |
//! | `amputee-leaves-theatre`, `severe-tbi-leaves-theatre` | an amputee or a serious brain injury never returns to duty in theatre: he is evacuated to Role 4 |
//! | `tourniquet-on-limb-bleeding`, `tourniquet-within-10-min` | a tourniquet is for extremity haemorrhage, and within ten minutes (NATO 10-1-2) |
//! | `laparotomy-on-abdomen`, `t1-torso-operated` | a laparotomy needs an abdominal injury or internal haemorrhage; a serious torso injury (a burn aside) that survives to a surgical facility is operated, drained or, for the pelvis, fixed |
//! | `txa-within-3h` | tranexamic acid after three hours harms (CRASH-2) |
//! | `surgery-within-capability` | surgery needs Role 2, CT and intensive care need Role 3 |
//! | `tension-decompressed` | a surviving tension pneumothorax was decompressed or drained |
//! | `battle-case-fatality`, `kia-share-of-deaths`, `unsurvivable-die`, `mortality-rises-with-grade` | mortality as the wars in Iraq and Afghanistan measured it: about one wounded in ten dies, most before reaching care, an AIS 6 injury always, and more often the worse the injury |
//! | `dnbi-return-to-duty`, `disease-mortality` | most disease and non-battle injury returns to duty, and disease almost never kills |
//! | `deaths-in-transit` | informational: the share of deaths on the way between facilities |
//! | `treatments-inside-stays` | a procedure is given where the patient is, while he is there |
//! | `t1-care-within-1h`, `t1-surgery-within-2h` | NATO's 10-1-2: an immediate casualty reaches advanced resuscitation within an hour and damage-control surgery within two; bounded under the `10-1-2` policy, informational under the degraded ones |
//! | `sick-call-at-role1` | illness presents at the unit's Role 1, not at a point of injury |
//! | `mass-casualty-is-battle` | a mass-casualty event is one attack: its casualties are its battle injuries, never illness |
//! | `junior-enlisted-young`, `women-among-battle-casualties` | junior enlisted soldiers are young, and few battle casualties are women (direct-combat exposure) |
//! | `climate-fits-theatre` | no cold injury in a hot theatre, no heat illness in the Arctic, no tropical disease outside the tropics |
//! | `decontaminated-first` | a contaminated casualty is decontaminated on arrival at the first facility, before the clean treatment area |

use std::fmt;

use crate::Generator;
use crate::Scenario;
use crate::care::CarePlan;
use crate::model::{EvacuationPolicy, Facility, InjuryType, Outcome, Site, Triage};
use crate::patient::{Patient, Stay};
use crate::reference::climate::{Theatre, climate_factor};
use crate::reference::clinical::{Bleeding, Effect};
use crate::reference::conditions::Climate;

/// SNOMED CT codes of the conditions the rules name.
mod condition {
    pub const HAEMORRHAGIC_SHOCK: &str = "355001";
    pub const TENSION_PNEUMOTHORAX: &str = "233645004";
    pub const HYPOTHERMIA: &str = "386689009";
    pub const FEVER: &str = "386661006";
    pub const INFLUENZA: &str = "6142004";
    pub const PNEUMONIA: &str = "233604007";
    pub const DENGUE: &str = "38362002";
    pub const TRAUMATIC_AMPUTATION: &str = "262595009";
    pub const TRAUMATIC_BRAIN_INJURY: &str = "127295002";
    pub const POISONING: &str = "75478009";
}

/// SNOMED CT codes of the procedures (and the one substance) the rules name.
mod procedure {
    pub const TOURNIQUET: &str = "20655006";
    pub const LAPAROTOMY: &str = "74770008";
    pub const THORACOTOMY: &str = "177765008";
    pub const PLEURAL_DRAIN: &str = "264957007";
    pub const NEEDLE_DECOMPRESSION: &str = "1290622004";
    pub const DRUG_ADMINISTRATION: &str = "18629005";
    pub const TRANEXAMIC_ACID: &str = "386960009";
    pub const LOWER_LIMB_AMPUTATION: &str = "397117006";
    pub const CRANIOTOMY: &str = "25353009";
    pub const DEBRIDEMENT: &str = "36777000";
    pub const CT_HEAD: &str = "303653007";
    pub const CT_CHEST: &str = "169069000";
    pub const CT_ABDOMEN: &str = "169070004";
    pub const ICU_ADMISSION: &str = "305351004";
    pub const EXTERNAL_FIXATION: &str = "288161003";
    pub const DECONTAMINATION: &str = "409530006";
}

/// The range a rule's value must lie in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    /// The value is at least this.
    AtLeast(f64),
    /// The value is at most this.
    AtMost(f64),
    /// The value lies in this closed interval.
    Between(f64, f64),
}

impl Bound {
    /// Whether `value` satisfies the bound.
    pub fn contains(self, value: f64) -> bool {
        match self {
            Bound::AtLeast(lo) => value >= lo,
            Bound::AtMost(hi) => value <= hi,
            Bound::Between(lo, hi) => (lo..=hi).contains(&value),
        }
    }
}

/// The result of one rule over the audited patients.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// The rule's name, kebab-case (`shock-is-t1`).
    pub rule: &'static str,
    /// What the rule measures, in one line.
    pub what: &'static str,
    /// The measured value: a share 0-1 when [`share`](Self::share), else a flag 0 or 1.
    pub value: f64,
    /// How many patients (or treatments, for rules on treatments) the rule was measured
    /// on. 0 when it applies to none of them: the rule is then not applicable, and passes.
    pub count: u64,
    /// Where the value must lie.
    pub bound: Bound,
    /// Where the rule comes from, in short.
    pub source: &'static str,
    /// Whether the value is a share (shown as a percentage) rather than a flag.
    pub share: bool,
}

impl Verdict {
    /// Whether the rule holds: it was measured on nobody, or its value is within bounds.
    pub fn passed(&self) -> bool {
        self.count == 0 || self.bound.contains(self.value)
    }

    /// Whether the rule applied to no patient (shown as `n/a`).
    pub fn not_applicable(&self) -> bool {
        self.count == 0
    }
}

/// Hits out of the cases a rule applies to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Share {
    hits: u64,
    n: u64,
}

impl Share {
    #[inline]
    fn add(&mut self, applies: bool, hit: bool) {
        self.n += u64::from(applies);
        self.hits += u64::from(applies && hit);
    }

    fn merge(&mut self, other: Share) {
        self.hits += other.hits;
        self.n += other.n;
    }

    fn value(self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.hits as f64 / self.n as f64
        }
    }
}

/// The share rules, in report order (before and after `mortality-rises-with-grade`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
enum Rule {
    MinorNeverT1,
    MinorNeverDie,
    HarmlessNeverDie,
    ShockIsT1,
    TensionIsT1,
    AirwayIsT1,
    ExpectantIsUnsurvivable,
    ShockHypotensive,
    HypothermiaBelow35,
    FebrileAt38,
    ComaHasACause,
    AmputeeLeavesTheatre,
    SevereTbiLeavesTheatre,
    TourniquetOnLimbBleeding,
    TourniquetWithin10Min,
    LaparotomyOnAbdomen,
    T1TorsoOperated,
    TxaWithin3h,
    SurgeryWithinCapability,
    TensionDecompressed,
    BattleCaseFatality,
    KiaShareOfDeaths,
    UnsurvivableDie,
    // mortality-rises-with-grade and the death rates by grade come here.
    DnbiReturnToDuty,
    DiseaseMortality,
    DeathsInTransit,
    TreatmentsInsideStays,
    T1CareWithin1h,
    T1SurgeryWithin2h,
    SickCallAtRole1,
    MassCasualtyIsBattle,
    JuniorEnlistedYoung,
    WomenAmongBattleCasualties,
    ClimateFitsTheatre,
    DecontaminatedFirst,
}

const RULE_COUNT: usize = Rule::DecontaminatedFirst as usize + 1;

/// The share rules, in [`Rule`] order.
const ORDER: [Rule; RULE_COUNT] = [
    Rule::MinorNeverT1,
    Rule::MinorNeverDie,
    Rule::HarmlessNeverDie,
    Rule::ShockIsT1,
    Rule::TensionIsT1,
    Rule::AirwayIsT1,
    Rule::ExpectantIsUnsurvivable,
    Rule::ShockHypotensive,
    Rule::HypothermiaBelow35,
    Rule::FebrileAt38,
    Rule::ComaHasACause,
    Rule::AmputeeLeavesTheatre,
    Rule::SevereTbiLeavesTheatre,
    Rule::TourniquetOnLimbBleeding,
    Rule::TourniquetWithin10Min,
    Rule::LaparotomyOnAbdomen,
    Rule::T1TorsoOperated,
    Rule::TxaWithin3h,
    Rule::SurgeryWithinCapability,
    Rule::TensionDecompressed,
    Rule::BattleCaseFatality,
    Rule::KiaShareOfDeaths,
    Rule::UnsurvivableDie,
    Rule::DnbiReturnToDuty,
    Rule::DiseaseMortality,
    Rule::DeathsInTransit,
    Rule::TreatmentsInsideStays,
    Rule::T1CareWithin1h,
    Rule::T1SurgeryWithin2h,
    Rule::SickCallAtRole1,
    Rule::MassCasualtyIsBattle,
    Rule::JuniorEnlistedYoung,
    Rule::WomenAmongBattleCasualties,
    Rule::ClimateFitsTheatre,
    Rule::DecontaminatedFirst,
];

/// Share of T1 casualties reaching care within an hour that the 10-1-2 policy must reach.
const T1_CARE_WITHIN_1H: f64 = 0.60;

/// Share of T1 surgical casualties operated within two hours under the 10-1-2 policy.
const T1_SURGERY_WITHIN_2H: f64 = 0.50;

const TCCC_TRIAGE: &str = "NATO/TCCC triage: T1 = life-threatening";
const DISPOSITION: &str = "disposition: evacuated to Role 4";

/// Name, description, bound and source of a share rule.
fn definition(rule: Rule) -> (&'static str, &'static str, Bound, &'static str) {
    use Bound::{AtLeast, AtMost, Between};
    match rule {
        Rule::MinorNeverT1 => (
            "minor-never-t1",
            "patients whose every condition is grade <= 2 who are triaged T1",
            AtMost(0.0),
            TCCC_TRIAGE,
        ),
        Rule::MinorNeverDie => (
            "minor-never-die",
            "patients whose every condition is grade <= 2 who die (KIA or DOW)",
            AtMost(0.0),
            TCCC_TRIAGE,
        ),
        Rule::HarmlessNeverDie => (
            "harmless-never-die",
            "patients whose conditions are all psychological, soft-tissue, eye, frostbite or \
             concussion (any grade) who die",
            AtMost(0.0),
            "clinical course: these conditions do not kill",
        ),
        Rule::ShockIsT1 => (
            "shock-is-t1",
            "patients in haemorrhagic shock (355001) who are T1 (or T4 when unsurvivable)",
            AtLeast(1.0),
            "TCCC: shock is immediate",
        ),
        Rule::TensionIsT1 => (
            "tension-is-t1",
            "patients with a tension pneumothorax (233645004) who are T1 (or T4 when \
             unsurvivable)",
            AtLeast(1.0),
            "TCCC MARCH: respiration",
        ),
        Rule::AirwayIsT1 => (
            "airway-is-t1",
            "patients with a compromised airway who are T1 (or T4 when unsurvivable)",
            AtLeast(1.0),
            "TCCC MARCH: airway",
        ),
        Rule::ExpectantIsUnsurvivable => (
            "expectant-is-unsurvivable",
            "expectant (T4) patients whose injuries cannot be survived (AIS 6)",
            AtLeast(1.0),
            "NATO mass-casualty triage: T4 = expectant",
        ),
        Rule::ShockHypotensive => (
            "shock-hypotensive",
            "haemorrhagic shock: first vital signs with systolic < 90 mmHg or heart rate > 120",
            AtLeast(0.99),
            "ATLS shock class III/IV",
        ),
        Rule::HypothermiaBelow35 => (
            "hypothermia-below-35",
            "accidental hypothermia (386689009): first temperature below 35.0 °C",
            AtLeast(0.99),
            "clinical staging (Swiss)",
        ),
        Rule::FebrileAt38 => (
            "febrile-at-38",
            "fever, influenza, pneumonia or dengue: first temperature at least 38.0 °C",
            AtLeast(0.99),
            "fever definition >= 38.0 °C",
        ),
        Rule::ComaHasACause => (
            "coma-has-a-cause",
            "patients with a GCS <= 8 whose every such reading has a cause (head injury, \
             shock, hypoxia, poisoning, hypothermia, polytrauma, dying)",
            AtLeast(1.0),
            "GCS / ATLS",
        ),
        Rule::AmputeeLeavesTheatre => (
            "amputee-leaves-theatre",
            "surviving patients with a traumatic amputation (262595009) who return to duty",
            AtMost(0.0),
            DISPOSITION,
        ),
        Rule::SevereTbiLeavesTheatre => (
            "severe-tbi-leaves-theatre",
            "surviving patients with a brain injury (127295002) of grade >= 3 who return to duty",
            AtMost(0.0),
            DISPOSITION,
        ),
        Rule::TourniquetOnLimbBleeding => (
            "tourniquet-on-limb-bleeding",
            "tourniquets given to a patient with compressible bleeding from a limb",
            AtLeast(1.0),
            "TCCC: extremity haemorrhage",
        ),
        Rule::TourniquetWithin10Min => (
            "tourniquet-within-10-min",
            "tourniquets at the point of injury applied within 10 minutes of wounding",
            AtLeast(0.8),
            "NATO 10-1-2",
        ),
        Rule::LaparotomyOnAbdomen => (
            "laparotomy-on-abdomen",
            "laparotomies on a patient with an abdominal injury or internal haemorrhagic shock",
            AtLeast(1.0),
            "damage-control surgery",
        ),
        Rule::T1TorsoOperated => (
            "t1-torso-operated",
            "T1 battle casualties with a chest or abdominal injury of grade >= 3 (burns aside) \
             who survive and stay at Role 2 or 3: laparotomy, thoracotomy, pleural drain or \
             pelvic fixation",
            AtLeast(0.95),
            "Role 2 damage-control surgery (AJP-4.10)",
        ),
        Rule::TxaWithin3h => (
            "txa-within-3h",
            "tranexamic acid given within 180 minutes of wounding",
            AtLeast(1.0),
            "CRASH-2 (2010), TCCC",
        ),
        Rule::SurgeryWithinCapability => (
            "surgery-within-capability",
            "operations at POI or Role 1, and CT or ICU below Role 3, among all of them",
            AtMost(0.0),
            "AJP-4.10 capabilities by Role",
        ),
        Rule::TensionDecompressed => (
            "tension-decompressed",
            "surviving tension pneumothorax with a needle decompression or a pleural drain",
            AtLeast(0.99),
            "TCCC MARCH: respiration",
        ),
        Rule::BattleCaseFatality => (
            "battle-case-fatality",
            "battle-injury patients who die (KIA or DOW); from 3 %: the casualties of a \
             chemical incident are mostly mild",
            Between(0.03, 0.25),
            "Holcomb 2006; Howard 2019",
        ),
        Rule::KiaShareOfDeaths => (
            "kia-share-of-deaths",
            "battle-injury deaths that are KIA (before a medical facility)",
            AtLeast(0.70),
            "Eastridge 2012 (87.3 %)",
        ),
        Rule::UnsurvivableDie => (
            "unsurvivable-die",
            "patients with an unsurvivable (AIS 6) injury who die",
            AtLeast(1.0),
            "AIS 6 = maximal, unsurvivable",
        ),
        Rule::DnbiReturnToDuty => (
            "dnbi-return-to-duty",
            "disease and non-battle-injury patients who return to duty",
            AtLeast(0.70),
            "Owens 2008; DNBI evacuation data",
        ),
        Rule::DiseaseMortality => (
            "disease-mortality",
            "disease patients who die",
            AtMost(0.005),
            "DNBI mortality",
        ),
        Rule::DeathsInTransit => (
            "deaths-in-transit",
            "informational: deaths that happened in transit between facilities",
            Between(0.0, 1.0),
            "informational",
        ),
        Rule::TreatmentsInsideStays => (
            "treatments-inside-stays",
            "treatments given during a stay at their facility (arrival to departure or end)",
            AtLeast(1.0),
            "consistency of the record",
        ),
        Rule::T1CareWithin1h => (
            "t1-care-within-1h",
            "T1 casualties (injured, not sick call) reaching a medical facility alive who \
             reach it within 60 minutes of wounding; bounded under the 10-1-2 policy only",
            AtLeast(T1_CARE_WITHIN_1H),
            "AJP-4.10 10-1-2; Kotwal 2016 (75 % flown within 60 min)",
        ),
        Rule::T1SurgeryWithin2h => (
            "t1-surgery-within-2h",
            "T1 casualties reaching a surgical facility (Role 2 or 3) alive whose surgery \
             starts within 120 minutes of wounding; bounded under the 10-1-2 policy only",
            AtLeast(T1_SURGERY_WITHIN_2H),
            "AJP-4.10 10-1-2",
        ),
        Rule::SickCallAtRole1 => (
            "sick-call-at-role1",
            "disease patients who present at Role 1 (sick call), not at a point of injury",
            AtLeast(1.0),
            "AJP-4.10: Role 1 primary care and sick call",
        ),
        Rule::MassCasualtyIsBattle => (
            "mass-casualty-is-battle",
            "patients of a mass-casualty event who are battle casualties of its attack",
            AtLeast(1.0),
            "a mass-casualty event is one attack",
        ),
        Rule::JuniorEnlistedYoung => (
            "junior-enlisted-young",
            "OR-1 to OR-3 patients aged 18 to 25",
            AtLeast(0.80),
            "DoD Demographics 2022; promotion timing (docs/reference-data.md)",
        ),
        Rule::WomenAmongBattleCasualties => (
            "women-among-battle-casualties",
            "battle casualties who are women",
            AtMost(0.05),
            "Cross et al.: 1.9 % of US casualties, Iraq and Afghanistan",
        ),
        Rule::ClimateFitsTheatre => (
            "climate-fits-theatre",
            "patients with a heat, cold or tropical condition that the theatre's climate and \
             season allow (no frostbite in a hot theatre, no dengue in the Arctic)",
            AtLeast(1.0),
            "climate and season (docs/reference-data.md)",
        ),
        Rule::DecontaminatedFirst => (
            "decontaminated-first",
            "decontaminated patients whose decontamination is at the first medical facility, \
             before any other care there",
            AtLeast(1.0),
            "AMedP-7.1: decontamination before the clean treatment area",
        ),
    }
}

/// Counters of the clinical rules over a set of patients.
///
/// [`add`](Self::add) costs one [`CarePlan`] and one [`assessment`](Patient::assessment)
/// per patient and allocates nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audit {
    /// The evacuation policy the timelines are judged against (`None`: not judged).
    policy: Option<EvacuationPolicy>,
    /// The theatre's climate and the month of the start (`None`: not judged).
    climate: Option<(Theatre, u8)>,
    patients: u64,
    shares: [Share; RULE_COUNT],
    /// Deaths of battle-injury patients by worst grade (index = grade, 0-6).
    battle_deaths_by_grade: [Share; 7],
}

impl Default for Audit {
    fn default() -> Audit {
        Audit {
            policy: None,
            climate: None,
            patients: 0,
            shares: [Share::default(); RULE_COUNT],
            battle_deaths_by_grade: [Share::default(); 7],
        }
    }
}

impl Audit {
    /// An audit of no patient.
    pub fn new() -> Audit {
        Audit::default()
    }

    /// An audit of no patient that judges timelines against `scenario`'s evacuation
    /// policy: the 10-1-2 time rules are bounded only under the 10-1-2 policy, and
    /// informational under the degraded ones.
    pub fn for_scenario(scenario: &Scenario) -> Audit {
        let environment = scenario.active_environment();
        let month = crate::scenario::validate::parse_start(&scenario.start)
            .map_or(1, crate::reference::climate::month_of);
        Audit {
            policy: Some(scenario.evacuation_policy),
            climate: Some((Theatre::of(|e| environment.contains(&e)), month)),
            ..Audit::default()
        }
    }

    /// Audits every patient of `generator`'s run on `threads` workers, chunk by chunk;
    /// the counts, and so the report, do not depend on the number of threads.
    pub fn of_run(generator: &Generator, threads: usize) -> Audit {
        const CHUNK: usize = 2048;
        let empty = Audit::for_scenario(generator.scenario());
        let mut total = empty.clone();
        generator
            .for_each_chunk(
                0..generator.len(),
                threads.max(1),
                CHUNK,
                |_, patients| {
                    let mut audit = empty.clone();
                    for patient in patients {
                        audit.add(patient);
                    }
                    audit
                },
                |audit| {
                    total.merge(audit);
                    Ok::<(), std::convert::Infallible>(())
                },
            )
            .expect("the whole run is a valid range")
            .unwrap_or_else(|never| match never {});
        total
    }

    /// Number of patients audited.
    pub fn patients(&self) -> u64 {
        self.patients
    }

    fn rule(&mut self, rule: Rule) -> &mut Share {
        &mut self.shares[rule as usize]
    }

    /// Counts `patient` in every rule that applies to him.
    pub fn add(&mut self, patient: &Patient) {
        use condition as c;
        use procedure as pr;
        self.patients += 1;
        let assessment = patient.assessment();
        let picture = assessment.picture;
        let plan = CarePlan::of(patient);
        let outcome = patient.outcome();
        let died = matches!(outcome, Outcome::Kia | Outcome::Dow);
        let rtd = outcome == Outcome::Rtd;
        let t1 = patient.triage() == Triage::T1;
        let expectant = patient.triage() == Triage::T4;
        // Immediate, or expectant when the injury cannot be survived (mass-casualty triage).
        let immediate = t1 || (expectant && picture.unsurvivable);
        let injury_type = patient.injury_type();
        let battle = injury_type == InjuryType::BattleInjury;

        let mut shock = false;
        let mut tension = false;
        let mut hypothermia = false;
        let mut febrile = false;
        let mut amputation = false;
        let mut severe_tbi = false;
        let mut poisoning = false;
        let mut head = false;
        let mut limb_bleeding = false;
        let mut abdominal = false;
        let mut serious_torso = false;
        let mut harmless = true;
        for injury in patient.injuries() {
            harmless &= matches!(
                injury.effect(),
                Effect::Psychological
                    | Effect::SoftTissue
                    | Effect::EyeInjury
                    | Effect::Frostbite
                    | Effect::Concussion
            );
            match injury.condition.code {
                c::HAEMORRHAGIC_SHOCK => shock = true,
                c::TENSION_PNEUMOTHORAX => tension = true,
                c::HYPOTHERMIA => hypothermia = true,
                c::FEVER | c::INFLUENZA | c::PNEUMONIA | c::DENGUE => febrile = true,
                c::TRAUMATIC_AMPUTATION => amputation = true,
                c::TRAUMATIC_BRAIN_INJURY => severe_tbi |= injury.grade >= 3,
                c::POISONING => poisoning = true,
                _ => {}
            }
            let site = injury.site;
            head |= site == Site::Head;
            limb_bleeding |= site.is_limb() && injury.picture().bleeding == Bleeding::Compressible;
            let trauma = injury.condition.injury_type != InjuryType::Disease;
            abdominal |= (trauma && site == Site::Abdomen)
                || (injury.condition.code == c::HAEMORRHAGIC_SHOCK
                    && matches!(site, Site::Abdomen | Site::Systemic));
            // A burn of the trunk is dressed and grafted, not opened.
            let burn = matches!(injury.effect(), Effect::Burn | Effect::ChemicalBurn);
            serious_torso |=
                matches!(site, Site::Chest | Site::Abdomen) && injury.grade >= 3 && !burn;
        }

        // Triage and death of minor casualties; immediate threats.
        let minor = assessment.max_grade <= 2;
        self.rule(Rule::MinorNeverT1).add(minor, t1);
        self.rule(Rule::MinorNeverDie).add(minor, died);
        self.rule(Rule::HarmlessNeverDie).add(harmless, died);
        self.rule(Rule::ShockIsT1).add(shock, immediate);
        self.rule(Rule::TensionIsT1).add(tension, immediate);
        self.rule(Rule::AirwayIsT1).add(picture.airway, immediate);
        self.rule(Rule::ExpectantIsUnsurvivable)
            .add(expectant, picture.unsurvivable);

        // Vital signs.
        let mut vitals = plan.vital_signs();
        let readings = vitals.len();
        if let Some(first) = vitals.next() {
            let hypotensive = first.systolic < 90 || first.heart_rate > 120;
            self.rule(Rule::ShockHypotensive).add(shock, hypotensive);
            self.rule(Rule::HypothermiaBelow35)
                .add(hypothermia, first.temperature_dc < 350);
            self.rule(Rule::FebrileAt38)
                .add(febrile, first.temperature_dc >= 380);
        }
        let standing_cause = head
            || picture.shock >= 3
            || poisoning
            || picture.temperature.is_hypothermia()
            || patient.polytrauma();
        let mut coma = false;
        let mut explained = true;
        for (i, v) in plan.vital_signs().enumerate() {
            if v.gcs <= 8 {
                coma = true;
                let dying = died && i + 1 == readings;
                explained &= standing_cause || v.systolic < 90 || v.spo2 < 90 || dying;
            }
        }
        self.rule(Rule::ComaHasACause).add(coma, explained);

        // Disposition.
        self.rule(Rule::AmputeeLeavesTheatre)
            .add(amputation && !died, rtd);
        self.rule(Rule::SevereTbiLeavesTheatre)
            .add(severe_tbi && !died, rtd);

        // Treatments.
        let mut stays = [None::<Stay>; 8];
        let mut surgical_stay = false;
        for (slot, stay) in stays.iter_mut().zip(patient.timeline().stays()) {
            surgical_stay |= matches!(stay.facility, Facility::Role2 | Facility::Role3);
            *slot = Some(stay);
        }
        let mut torso_operated = false;
        let mut decompressed = false;
        for t in plan.treatments() {
            let code = t.procedure.code;
            let facility = t.facility;
            match code {
                pr::TOURNIQUET => {
                    self.rule(Rule::TourniquetOnLimbBleeding)
                        .add(true, limb_bleeding);
                    self.rule(Rule::TourniquetWithin10Min)
                        .add(facility == Facility::Poi, t.minute <= 10);
                }
                pr::DRUG_ADMINISTRATION => {
                    let txa = t
                        .procedure
                        .substance
                        .is_some_and(|s| s.code == pr::TRANEXAMIC_ACID);
                    self.rule(Rule::TxaWithin3h).add(txa, t.minute <= 180);
                }
                pr::LAPAROTOMY => self.rule(Rule::LaparotomyOnAbdomen).add(true, abdominal),
                _ => {}
            }
            torso_operated |= matches!(
                code,
                pr::LAPAROTOMY | pr::THORACOTOMY | pr::PLEURAL_DRAIN | pr::EXTERNAL_FIXATION
            );
            decompressed |= matches!(code, pr::NEEDLE_DECOMPRESSION | pr::PLEURAL_DRAIN);
            let surgery = matches!(
                code,
                pr::LAPAROTOMY
                    | pr::THORACOTOMY
                    | pr::LOWER_LIMB_AMPUTATION
                    | pr::CRANIOTOMY
                    | pr::DEBRIDEMENT
            );
            let role3 = matches!(
                code,
                pr::CT_HEAD | pr::CT_CHEST | pr::CT_ABDOMEN | pr::ICU_ADMISSION
            );
            let beyond = (surgery && matches!(facility, Facility::Poi | Facility::Role1))
                || (role3 && facility < Facility::Role3);
            self.rule(Rule::SurgeryWithinCapability)
                .add(surgery || role3, beyond);
            let inside = stays
                .iter()
                .flatten()
                .any(|s| s.facility == facility && s.arrival <= t.minute && t.minute <= s.end);
            self.rule(Rule::TreatmentsInsideStays).add(true, inside);
        }
        self.rule(Rule::T1TorsoOperated).add(
            t1 && battle && serious_torso && !died && surgical_stay,
            torso_operated,
        );
        self.rule(Rule::TensionDecompressed)
            .add(tension && !died, decompressed);

        // Mortality and disposition by casualty class.
        self.rule(Rule::BattleCaseFatality).add(battle, died);
        self.rule(Rule::KiaShareOfDeaths)
            .add(battle && died, outcome == Outcome::Kia);
        self.rule(Rule::UnsurvivableDie)
            .add(picture.unsurvivable, died);
        if battle {
            self.battle_deaths_by_grade[usize::from(assessment.max_grade.min(6))].add(true, died);
        }
        self.rule(Rule::DnbiReturnToDuty).add(!battle, rtd);
        self.rule(Rule::DiseaseMortality)
            .add(injury_type == InjuryType::Disease, died);
        let in_transit = died && patient.timeline().died_in_transit();
        self.rule(Rule::DeathsInTransit).add(died, in_transit);

        // Timelines, incidents and who the casualties are.
        let disease = injury_type == InjuryType::Disease;
        let first_care = stays.iter().flatten().find(|s| s.facility != Facility::Poi);
        self.rule(Rule::T1CareWithin1h).add(
            t1 && !disease && first_care.is_some(),
            first_care.is_some_and(|s| s.arrival <= 60),
        );
        let surgical = stays
            .iter()
            .flatten()
            .find(|s| matches!(s.facility, Facility::Role2 | Facility::Role3));
        self.rule(Rule::T1SurgeryWithin2h).add(
            t1 && !disease && surgical.is_some(),
            surgical.is_some_and(|s| {
                u32::from(s.arrival) + u32::from(patient.course().surgery_delay) <= 120
            }),
        );
        self.rule(Rule::SickCallAtRole1).add(
            disease,
            stays.first().copied().flatten().map(|s| s.facility) == Some(Facility::Role1),
        );
        self.rule(Rule::MassCasualtyIsBattle).add(
            patient.mass_casualty(),
            battle && patient.attack().is_some(),
        );
        let rank = patient.rank().code;
        let junior = matches!(rank, "OR-1" | "OR-2" | "OR-3");
        let age = u32::from(patient.age_days());
        self.rule(Rule::JuniorEnlistedYoung)
            .add(junior, (18 * 365..26 * 365 + 6).contains(&age));
        self.rule(Rule::WomenAmongBattleCasualties)
            .add(battle, patient.gender() == crate::model::Gender::Female);
        if let Some((theatre, month)) = self.climate {
            let mut bound = false;
            let mut allowed = true;
            for condition in patient.conditions() {
                if condition.climate != Climate::Any {
                    bound = true;
                    allowed &= climate_factor(condition.climate, theatre, month) > 0.0;
                }
            }
            self.rule(Rule::ClimateFitsTheatre).add(bound, allowed);
        }
        let mut decontamination = None;
        let mut first_elsewhere = u16::MAX;
        for t in plan.treatments() {
            if t.procedure.code == pr::DECONTAMINATION {
                decontamination = Some(t);
            }
        }
        if let Some(decon) = decontamination {
            for t in plan.treatments() {
                if t.facility == decon.facility && t.procedure.code != pr::DECONTAMINATION {
                    first_elsewhere = first_elsewhere.min(t.minute);
                }
            }
        }
        let first_facility = first_care.map(|s| s.facility);
        self.rule(Rule::DecontaminatedFirst).add(
            decontamination.is_some(),
            decontamination
                .is_some_and(|d| Some(d.facility) == first_facility && d.minute <= first_elsewhere),
        );
    }

    /// Adds the counts of `other` (an audit of other patients) to this one.
    pub fn merge(&mut self, other: Audit) {
        self.patients += other.patients;
        self.policy = self.policy.or(other.policy);
        self.climate = self.climate.or(other.climate);
        for (mine, theirs) in self.shares.iter_mut().zip(other.shares) {
            mine.merge(theirs);
        }
        for (mine, theirs) in self
            .battle_deaths_by_grade
            .iter_mut()
            .zip(other.battle_deaths_by_grade)
        {
            mine.merge(theirs);
        }
    }

    /// Every rule's verdict, in report order: the share rules, with
    /// `mortality-rises-with-grade` and the informational death rates by grade
    /// (`death-rate-ais-3` to `-6`) after `unsurvivable-die`.
    pub fn rules(&self) -> Vec<Verdict> {
        let share = |rule: Rule| {
            let (name, what, mut bound, source) = definition(rule);
            let judged_by_policy = matches!(rule, Rule::T1CareWithin1h | Rule::T1SurgeryWithin2h);
            if judged_by_policy && self.policy != Some(EvacuationPolicy::TenOneTwo) {
                bound = Bound::Between(0.0, 1.0);
            }
            let s = self.shares[rule as usize];
            Verdict {
                rule: name,
                what,
                value: s.value(),
                count: s.n,
                bound,
                source,
                share: true,
            }
        };
        let mut verdicts: Vec<Verdict> = Vec::with_capacity(RULE_COUNT + 5);
        for rule in ORDER {
            verdicts.push(share(rule));
            if rule == Rule::UnsurvivableDie {
                verdicts.push(self.mortality_rises());
                verdicts.extend(self.death_rates());
            }
        }
        verdicts
    }

    /// The audit's verdicts as a report (a table when displayed).
    pub fn report(&self) -> Report {
        Report(self.rules())
    }

    /// `mortality-rises-with-grade`: 1 when the death rate of battle injuries does not fall
    /// from grade 3 to 4 to 5 (grades without patients are skipped).
    fn mortality_rises(&self) -> Verdict {
        let measured: Vec<Share> = self.battle_deaths_by_grade[3..=5]
            .iter()
            .copied()
            .filter(|s| s.n > 0)
            .collect();
        let rises = measured.windows(2).all(|w| w[0].value() <= w[1].value());
        Verdict {
            rule: "mortality-rises-with-grade",
            what: "1 if the death rate of battle injuries by worst grade (AIS) 3, 4, 5 never \
                   decreases, else 0",
            value: if rises { 1.0 } else { 0.0 },
            count: measured.iter().map(|s| s.n).sum(),
            bound: Bound::AtLeast(1.0),
            source: "AIS / ISS mortality (Baker 1974)",
            share: false,
        }
    }

    /// Informational rows: the death rate of battle injuries by worst grade 3-6.
    fn death_rates(&self) -> impl Iterator<Item = Verdict> + '_ {
        const NAMES: [&str; 4] = [
            "death-rate-ais-3",
            "death-rate-ais-4",
            "death-rate-ais-5",
            "death-rate-ais-6",
        ];
        (3..=6).map(move |grade| {
            let s = self.battle_deaths_by_grade[grade];
            Verdict {
                rule: NAMES[grade - 3],
                what: "informational: battle-injury patients of this worst grade who die",
                value: s.value(),
                count: s.n,
                bound: Bound::Between(0.0, 1.0),
                source: "informational",
                share: true,
            }
        })
    }
}

/// The verdicts of an audit; displayed as an aligned table
/// `rule  value  bound  n  verdict  source`, with shares as percentages, rules measured
/// on nobody as `n/a`, and a closing line naming the failed rules, each with what it
/// measures.
#[derive(Clone, Debug, PartialEq)]
pub struct Report(pub Vec<Verdict>);

impl Report {
    /// The verdicts, in report order.
    pub fn verdicts(&self) -> &[Verdict] {
        &self.0
    }

    /// Whether every rule passed.
    pub fn passed(&self) -> bool {
        self.0.iter().all(Verdict::passed)
    }

    /// The rules that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Verdict> {
        self.0.iter().filter(|v| !v.passed())
    }
}

/// A share as a percentage with two decimals, or more when two would round a value that
/// is not exactly 0 or 1 to `0.00` or `100.00` (so that a failing "never" shows).
fn percent(share: f64) -> String {
    let pct = share * 100.0;
    let exact = share == 0.0 || share == 1.0;
    let mut digits = 2;
    loop {
        let text = format!("{pct:.digits$}");
        let shown: f64 = text.parse().unwrap_or(pct);
        if exact || (shown != 0.0 && shown != 100.0) || digits == 8 {
            return format!("{text} %");
        }
        digits += 1;
    }
}

/// A bound's number: as a percentage (trailing zeros dropped) for shares.
fn bound_number(x: f64, share: bool) -> String {
    let text = if share {
        format!("{:.3}", x * 100.0)
    } else {
        format!("{x:.3}")
    };
    let text = text.trim_end_matches('0').trim_end_matches('.').to_owned();
    if share { format!("{text} %") } else { text }
}

fn bound_text(bound: Bound, share: bool) -> String {
    match bound {
        Bound::AtLeast(lo) => format!(">= {}", bound_number(lo, share)),
        Bound::AtMost(hi) => format!("<= {}", bound_number(hi, share)),
        Bound::Between(lo, hi) => {
            format!("{} - {}", bound_number(lo, share), bound_number(hi, share))
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows: Vec<[String; 6]> = self
            .0
            .iter()
            .map(|v| {
                let value = if v.not_applicable() {
                    "n/a".to_owned()
                } else if v.share {
                    percent(v.value)
                } else {
                    format!("{}", v.value)
                };
                [
                    v.rule.to_owned(),
                    value,
                    bound_text(v.bound, v.share),
                    v.count.to_string(),
                    if v.passed() { "ok" } else { "FAIL" }.to_owned(),
                    v.source.to_owned(),
                ]
            })
            .collect();
        let header = ["rule", "value", "bound", "n", "verdict", "source"];
        let mut widths = header.map(str::len);
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |f: &mut fmt::Formatter<'_>, cells: [&str; 6]| {
            let [w0, w1, w2, w3, w4, _] = widths;
            writeln!(
                f,
                "{:<w0$}  {:>w1$}  {:<w2$}  {:>w3$}  {:<w4$}  {}",
                cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]
            )
        };
        line(f, header)?;
        for row in &rows {
            line(f, row.each_ref().map(String::as_str))?;
        }
        let failed: Vec<&Verdict> = self.failures().collect();
        if failed.is_empty() {
            writeln!(f, "all {} rules passed", self.0.len())
        } else {
            writeln!(f, "{} of {} rules failed:", failed.len(), self.0.len())?;
            for v in failed {
                writeln!(f, "  {}: {}", v.rule, v.what)?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_audit_is_not_applicable_everywhere_and_passes() {
        let report = Audit::new().report();
        assert_eq!(report.verdicts().len(), RULE_COUNT + 5);
        assert!(report.verdicts().iter().all(Verdict::not_applicable));
        assert!(report.passed());
        let text = report.to_string();
        assert!(text.contains("n/a"), "{text}");
        assert!(text.ends_with(&format!("all {} rules passed\n", RULE_COUNT + 5)));
    }

    #[test]
    fn a_single_minor_t1_fails_its_rule_and_is_shown() {
        let mut audit = Audit::new();
        *audit.rule(Rule::MinorNeverT1) = Share {
            hits: 1,
            n: 1_000_000,
        };
        let report = audit.report();
        let failed: Vec<_> = report.failures().map(|v| v.rule).collect();
        assert_eq!(failed, ["minor-never-t1"]);
        let text = report.to_string();
        let row = text
            .lines()
            .find(|l| l.starts_with("minor-never-t1"))
            .unwrap();
        assert!(row.contains("0.0001 %") && row.contains("FAIL"), "{row}");
        let failed_line = format!("1 of {} rules failed:", RULE_COUNT + 5);
        assert!(text.contains(&failed_line), "{text}");
    }

    #[test]
    fn mortality_that_falls_with_grade_fails() {
        let mut audit = Audit::new();
        audit.battle_deaths_by_grade[3] = Share { hits: 10, n: 100 };
        audit.battle_deaths_by_grade[4] = Share { hits: 5, n: 100 };
        audit.battle_deaths_by_grade[5] = Share { hits: 50, n: 100 };
        let rises = audit.mortality_rises();
        assert_eq!((rises.value, rises.count), (0.0, 300));
        assert!(!rises.passed());
        audit.battle_deaths_by_grade[4] = Share { hits: 10, n: 100 };
        assert!(audit.mortality_rises().passed());
    }

    #[test]
    fn percentages_show_what_two_decimals_would_hide() {
        assert_eq!(percent(0.0), "0.00 %");
        assert_eq!(percent(1.0), "100.00 %");
        assert_eq!(percent(0.1234), "12.34 %");
        assert_eq!(percent(0.999_99), "99.999 %");
        assert_eq!(percent(0.000_001), "0.0001 %");
        assert_eq!(bound_text(Bound::Between(0.05, 0.25), true), "5 % - 25 %");
        assert_eq!(bound_text(Bound::AtMost(0.005), true), "<= 0.5 %");
        assert_eq!(bound_text(Bound::AtLeast(1.0), false), ">= 1");
    }

    #[test]
    fn rule_order_matches_the_enum() {
        for (i, rule) in ORDER.iter().enumerate() {
            assert_eq!(*rule as usize, i);
        }
        let names: Vec<_> = Audit::new().rules().iter().map(|v| v.rule).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
    }
}
