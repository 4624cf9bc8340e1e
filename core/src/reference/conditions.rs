//! One consistent SNOMED CT table of conditions, with severities and body sites.

use crate::model::{BodyRegion, InjuryType};

/// Where on the body a condition sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteRule {
    /// Always this region.
    Region(BodyRegion),
    /// One of the four limbs, chosen at random.
    AnyLimb,
    /// Any region, drawn from the body-site weights of [`BODY_SITES`].
    Anywhere,
    /// No single site (illness).
    Systemic,
}

/// Flow modifiers of the Markov chain that a condition triggers (ancestor's keyword rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Routing {
    /// No special routing.
    Standard,
    /// Traumatic amputation: priority evacuation from Role 1 to Role 2.
    Amputation,
    /// Major burn: sent on to Role 3 burn care.
    Burn,
    /// Brain injury: needs neurosurgical capability (Role 2 and up).
    BrainInjury,
    /// Psychological casualty: managed and returned to duty at Role 1.
    Psychological,
    /// Injury in or near a vehicle: may bypass Role 1.
    VehicleCrash,
}

/// Climate a condition is tied to; environmental conditions make it more likely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Climate {
    /// Not tied to climate.
    Any,
    /// Heat illness.
    Heat,
    /// Cold injury.
    Cold,
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
    /// Flow modifier it triggers.
    pub routing: Routing,
    /// Climate it is tied to.
    pub climate: Climate,
    /// Whether it is an infectious disease (more frequent in rain, heat, debris).
    pub infectious: bool,
    /// Codes of conditions that often come with it in polytrauma (each in [`CONDITIONS`]).
    pub secondary: &'static [&'static str],
}

/// The condition table: every condition code milmed can emit.
pub static CONDITIONS: &[Condition] = &[];

/// Battle-injury condition weights by warfare type: index [`WarfareType::index`](crate::model::WarfareType::index),
/// and index 8 for special events (a mixed pattern). Each entry is `(code, weight)`; weights sum to 1.
pub static BATTLE_MIX: [&[(&str, f64)]; 9] = [&[], &[], &[], &[], &[], &[], &[], &[], &[]];

/// SNOMED CT severity qualifier, indexed by [`Triage::index`](crate::model::Triage::index)
/// (T1 severe, T2 moderate, T3 mild): the FHIR `condition-severity` value set.
#[derive(Debug)]
pub struct Severity {
    /// SNOMED CT code.
    pub code: &'static str,
    /// Display term.
    pub display: &'static str,
    /// The ancestor's numeric severity (1-10 scale) for the `severity` field.
    pub score: u8,
}

/// Severity by triage.
pub static SEVERITIES: [Severity; 3] = [
    Severity { code: "24484000", display: "Severe", score: 8 },
    Severity { code: "6736007", display: "Moderate", score: 5 },
    Severity { code: "255604002", display: "Mild", score: 2 },
];

/// A body site with its SNOMED CT code.
#[derive(Debug)]
pub struct BodySite {
    /// The coarse region (ancestor's `body_part`).
    pub region: BodyRegion,
    /// SNOMED CT body structure code.
    pub code: &'static str,
    /// SNOMED CT display.
    pub display: &'static str,
    /// Weight of the region for conditions that can sit anywhere; sums to 1.
    pub weight: f64,
}

/// Body sites, indexed by [`BodyRegion::index`] (six regions; `Systemic` has none).
pub static BODY_SITES: [BodySite; 6] = [
    BodySite { region: BodyRegion::Head, code: "", display: "", weight: 0.15 },
    BodySite { region: BodyRegion::Torso, code: "", display: "", weight: 0.30 },
    BodySite { region: BodyRegion::LeftArm, code: "", display: "", weight: 0.125 },
    BodySite { region: BodyRegion::RightArm, code: "", display: "", weight: 0.125 },
    BodySite { region: BodyRegion::LeftLeg, code: "", display: "", weight: 0.15 },
    BodySite { region: BodyRegion::RightLeg, code: "", display: "", weight: 0.15 },
];
