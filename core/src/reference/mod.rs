//! milmed's reference data: every table the generator draws from, compiled into the crate.
//!
//! The facts come from the ancestor project's data files and from public standards
//! (SNOMED CT, LOINC, NATO STANAG 2116 rank codes, blood-group surveys); the tables
//! themselves are our own, in our own schema. `docs/reference-data.md` says where each
//! table's facts come from. Tables are plain `static` Rust data so that drawing from them
//! never allocates and never parses anything at run time.
//!
//! A test (`tests/reference_tables.rs`) checks the tables: probability rows sum to 1,
//! ranges are ordered, codes are unique and every code referenced exists.

pub mod care;
pub(crate) mod climate;
pub mod clinical;
pub mod conditions;
pub mod evacuation;
pub mod nations;
pub mod personnel;
pub mod warfare;

pub use care::{Anchor, CareNeed, PROCEDURES, Procedure, SHOCK_SIGNS, ShockSigns, Substance};
pub use clinical::{Effect, PROFILES, Picture, Profile};
pub use conditions::{
    BATTLE_MIX, BODY_SITES, BodySite, CONDITIONS, Climate, Condition, SEVERITIES, Severity,
    SiteRule, severity_of_grade, severity_score,
};
pub use nations::{NATIONS, Nation};
pub use personnel::{BLOOD_GROUPS, BODY_WEIGHT, BodyWeight, FEMALE_SHARE, RANKS, Rank};

use crate::model::{Facility, InjuryType, Triage};

/// A small set of [`Facility`], [`Triage`] or [`InjuryType`] values, one bit per value.
///
/// Used by the care tables to say where and for whom a procedure applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mask(pub u8);

impl Mask {
    /// Every value.
    pub const ALL: Mask = Mask(0xff);

    /// The set of the given facilities.
    pub const fn facilities(list: &[Facility]) -> Mask {
        let mut bits = 0u8;
        let mut i = 0;
        while i < list.len() {
            bits |= 1 << list[i] as u8;
            i += 1;
        }
        Mask(bits)
    }

    /// The set of the given triage categories.
    pub const fn triage(list: &[Triage]) -> Mask {
        let mut bits = 0u8;
        let mut i = 0;
        while i < list.len() {
            bits |= 1 << list[i] as u8;
            i += 1;
        }
        Mask(bits)
    }

    /// The set of the given injury types.
    pub const fn injury_types(list: &[InjuryType]) -> Mask {
        let mut bits = 0u8;
        let mut i = 0;
        while i < list.len() {
            bits |= 1 << list[i] as u8;
            i += 1;
        }
        Mask(bits)
    }

    /// Whether the value with this `index` (an enum's `as u8`) is in the set.
    pub const fn contains(self, index: u8) -> bool {
        self.0 & (1 << index) != 0
    }
}

/// Index of the NATO nation with this ISO 3166 alpha-3 code in [`NATIONS`].
pub fn nation_index(code: &str) -> Option<usize> {
    NATIONS.iter().position(|n| n.code == code)
}

/// Index of the condition with this SNOMED CT code in [`CONDITIONS`].
pub fn condition_index(code: &str) -> Option<usize> {
    CONDITIONS.iter().position(|c| c.code == code)
}
