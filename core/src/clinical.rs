//! The clinical assessment of a casualty: from his injuries to his triage category.
//!
//! A patient's conditions each carry a grade and a site; [`reference::clinical`] turns each
//! into a physiological [`Picture`], and the worst of them, axis by axis, is the patient's
//! picture. Triage follows from that picture and the worst grade by the rules of
//! [`triage`]; the generator, the care plan and the clinical audit all use these same
//! functions, so a patient's category is always the one his injuries call for.
//!
//! [`reference::clinical`]: crate::reference::clinical

use crate::model::{InjuryType, Site, Triage};
use crate::reference::clinical::{Bleeding, Effect, Picture, Profile, Temperature, picture};
use crate::reference::{CONDITIONS, Condition, PROFILES};

/// One of a patient's conditions, with its grade and site.
#[derive(Clone, Copy, Debug)]
pub struct Injury {
    /// The condition.
    pub condition: &'static Condition,
    /// Its clinical profile.
    pub profile: &'static Profile,
    /// Grade 1-6: AIS for injuries, acuity for illness.
    pub grade: u8,
    /// Where it sits.
    pub site: Site,
}

impl Injury {
    /// The condition at index `condition` of [`CONDITIONS`].
    pub fn new(condition: usize, grade: u8, site: Site) -> Injury {
        Injury {
            condition: &CONDITIONS[condition],
            profile: &PROFILES[condition],
            grade,
            site,
        }
    }

    /// What it acts like.
    pub fn effect(&self) -> Effect {
        self.profile.effect
    }

    /// Its physiological picture.
    pub fn picture(&self) -> Picture {
        picture(self.profile.effect, self.grade, self.site)
    }

    /// Whether it is a wound open to the air (antibiotics, tetanus, debridement).
    pub fn is_open_wound(&self) -> bool {
        match self.profile.effect {
            Effect::Wound | Effect::Amputation | Effect::OpenFracture => true,
            Effect::ForeignBody | Effect::Burn | Effect::ChemicalBurn => self.grade >= 2,
            _ => false,
        }
    }
}

/// NATO triage from a patient's picture and worst grade.
///
/// - **T1, immediate**: a threat to life that an intervention now can stop — a compromised
///   airway, a tension pneumothorax, shock of ATLS class III or IV, bleeding with class II
///   shock, respiratory compromise with SpO₂ below 92 %, GCS 8 or less, heat stroke, or
///   hypothermia below 32 °C;
/// - **T2, delayed**: serious but stable — a grade of 3 or more (AIS serious, or an illness
///   needing admission), class II shock, any respiratory compromise, GCS 9-12, or mild
///   hypothermia;
/// - **T3, minimal**: everything else, which is why a minor condition alone is always T3.
pub fn triage(p: &Picture, max_grade: u8) -> Triage {
    let threatened_temperature = matches!(
        p.temperature,
        Temperature::Hyperthermia
            | Temperature::ModerateHypothermia
            | Temperature::SevereHypothermia
    );
    if p.airway
        || p.tension
        || p.shock >= 3
        || (p.shock >= 2 && p.bleeding != Bleeding::None)
        || p.respiratory >= 2
        || p.neuro >= 3
        || threatened_temperature
        || p.unsurvivable
    {
        Triage::T1
    } else if max_grade >= 3
        || p.shock >= 2
        || p.respiratory >= 1
        || p.neuro >= 2
        || p.temperature == Temperature::MildHypothermia
    {
        Triage::T2
    } else {
        Triage::T3
    }
}

/// A patient's clinical state on arrival at care: the worst picture of his conditions,
/// his worst grade and the triage they call for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assessment {
    /// The combined picture.
    pub picture: Picture,
    /// The worst grade of any condition.
    pub max_grade: u8,
    /// The triage category.
    pub triage: Triage,
}

impl Assessment {
    /// Assesses a set of injuries.
    pub fn of(injuries: impl IntoIterator<Item = Injury>) -> Assessment {
        let mut picture = Picture::NORMAL;
        let mut max_grade = 0;
        for injury in injuries {
            picture = picture.worst(injury.picture());
            max_grade = max_grade.max(injury.grade);
        }
        Assessment {
            picture,
            max_grade,
            triage: triage(&picture, max_grade),
        }
    }
}

/// The Injury Severity Score (Baker 1974) of a set of injuries: the sum of the squares of
/// the highest AIS grade in each of the three most severely injured body regions, 75 when
/// any injury is AIS 6. `None` for illness (no injury carries an AIS grade).
///
/// Regions, as ISS counts them: head and neck, chest, abdomen and pelvis, extremities
/// (the four limbs together), and external (burns, cold and systemic injuries).
pub fn injury_severity_score(injuries: impl IntoIterator<Item = Injury>) -> Option<u8> {
    let mut regions = [0u8; 5];
    let mut any = false;
    for injury in injuries {
        if injury.condition.injury_type == InjuryType::Disease {
            continue;
        }
        any = true;
        if injury.grade >= 6 {
            return Some(75);
        }
        let region = match injury.site {
            Site::Head => 0,
            Site::Chest => 1,
            Site::Abdomen => 2,
            Site::LeftArm | Site::RightArm | Site::LeftLeg | Site::RightLeg => 3,
            Site::Systemic => 4,
        };
        let region = match injury.profile.effect {
            Effect::Burn | Effect::ChemicalBurn | Effect::Hypothermia | Effect::Frostbite => 4,
            _ => region,
        };
        regions[region] = regions[region].max(injury.grade);
    }
    if !any {
        return None;
    }
    regions.sort_unstable_by(|a, b| b.cmp(a));
    Some(regions[..3].iter().map(|&g| g * g).sum())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::condition_index;

    fn injury(code: &str, grade: u8, site: Site) -> Injury {
        Injury::new(condition_index(code).expect("known code"), grade, site)
    }

    #[test]
    fn a_minor_condition_alone_is_minimal() {
        for code in ["44465007", "9826008", "25064002", "279039007", "54150009"] {
            for grade in 1..=2 {
                let site = match CONDITIONS[condition_index(code).unwrap()].site {
                    crate::reference::SiteRule::At(s) => s,
                    _ => Site::LeftLeg,
                };
                let a = Assessment::of([injury(code, grade, site)]);
                assert_eq!(a.triage, Triage::T3, "{code} grade {grade}");
            }
        }
    }

    #[test]
    fn shock_tension_and_airway_are_immediate() {
        for (code, grade, site) in [
            ("355001", 3, Site::Systemic),
            ("233645004", 4, Site::Chest),
            ("127295002", 5, Site::Head),
            ("262595009", 4, Site::LeftLeg),
        ] {
            assert_eq!(
                Assessment::of([injury(code, grade, site)]).triage,
                Triage::T1
            );
        }
    }

    #[test]
    fn iss_sums_the_three_worst_regions() {
        let injuries = [
            injury("283545005", 4, Site::Abdomen),
            injury("31892009", 3, Site::Chest),
            injury("397181002", 3, Site::LeftLeg),
            injury("397181002", 2, Site::RightLeg),
        ];
        assert_eq!(injury_severity_score(injuries), Some(16 + 9 + 9));
        assert_eq!(
            injury_severity_score([injury("283545005", 6, Site::Head)]),
            Some(75)
        );
        assert_eq!(
            injury_severity_score([injury("6142004", 2, Site::Systemic)]),
            None
        );
    }
}
