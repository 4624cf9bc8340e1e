//! Personnel facts: NATO rank codes, blood groups, sex ratio and body weight.

use crate::model::BloodGroup;

/// A NATO rank code (STANAG 2116) with its share of deployed personnel.
#[derive(Debug)]
pub struct Rank {
    /// NATO code, e.g. `"OR-4"` or `"OF-2"`.
    pub code: &'static str,
    /// Share of deployed personnel holding the rank; all shares sum to 1.
    pub share: f64,
    /// Youngest plausible age (years) for the rank.
    pub min_age: u8,
}

/// NATO rank codes with a realistic distribution.
///
/// STANAG 2116 grades OR-1 to OR-9 (other ranks) and OF-1 to OF-6 (officers up to
/// brigadier / one-star). Other ranks hold 85 % of the deployed force and officers 15 %.
/// The shares follow the shape of published force-strength tables: OR-4 is the largest
/// grade, then OR-5 and OR-3, and numbers thin out grade by grade above; OR-1 and OR-2
/// are smaller than OR-3 because recruits pass through them within months. `min_age` is
/// the youngest age at which the grade is plausibly held.
pub static RANKS: &[Rank] = &[
    Rank {
        code: "OR-1",
        share: 0.05,
        min_age: 18,
    },
    Rank {
        code: "OR-2",
        share: 0.09,
        min_age: 18,
    },
    Rank {
        code: "OR-3",
        share: 0.14,
        min_age: 18,
    },
    Rank {
        code: "OR-4",
        share: 0.19,
        min_age: 19,
    },
    Rank {
        code: "OR-5",
        share: 0.15,
        min_age: 21,
    },
    Rank {
        code: "OR-6",
        share: 0.11,
        min_age: 24,
    },
    Rank {
        code: "OR-7",
        share: 0.07,
        min_age: 27,
    },
    Rank {
        code: "OR-8",
        share: 0.035,
        min_age: 31,
    },
    Rank {
        code: "OR-9",
        share: 0.015,
        min_age: 34,
    },
    Rank {
        code: "OF-1",
        share: 0.048,
        min_age: 21,
    },
    Rank {
        code: "OF-2",
        share: 0.045,
        min_age: 24,
    },
    Rank {
        code: "OF-3",
        share: 0.03,
        min_age: 30,
    },
    Rank {
        code: "OF-4",
        share: 0.018,
        min_age: 36,
    },
    Rank {
        code: "OF-5",
        share: 0.0075,
        min_age: 40,
    },
    Rank {
        code: "OF-6",
        share: 0.0015,
        min_age: 44,
    },
];

/// ABO and Rh blood-group frequencies, indexed by [`BloodGroup::index`]; they sum to 1.
///
/// The AABB / American Red Cross frequencies for the US donor population (O+ 37.4 %,
/// A+ 35.7 %, B+ 8.5 %, AB+ 3.4 %, O- 6.6 %, A- 6.3 %, B- 1.5 %, AB- 0.6 %), which are
/// within a few points of the European national figures; about 85 % are Rh(D) positive.
pub static BLOOD_GROUPS: [(BloodGroup, f64); 8] = [
    (BloodGroup::OPos, 0.374),
    (BloodGroup::ONeg, 0.066),
    (BloodGroup::APos, 0.357),
    (BloodGroup::ANeg, 0.063),
    (BloodGroup::BPos, 0.085),
    (BloodGroup::BNeg, 0.015),
    (BloodGroup::AbPos, 0.034),
    (BloodGroup::AbNeg, 0.006),
];

/// Share of women among deployed personnel.
///
/// About 12 % of the active armed forces of NATO members are women, as reported in the
/// Summary of the National Reports of NATO Member and Partner Nations to the NATO
/// Committee on Gender Perspectives (2019 edition).
pub const FEMALE_SHARE: f64 = 0.12;

/// Body-weight distribution for one gender: a normal law cut to a plausible range.
#[derive(Debug)]
pub struct BodyWeight {
    /// Mean, kg.
    pub mean_kg: f64,
    /// Standard deviation, kg.
    pub sd_kg: f64,
    /// Lightest plausible weight, kg.
    pub min_kg: f64,
    /// Heaviest plausible weight, kg.
    pub max_kg: f64,
}

/// Body weight by [`Gender`](crate::model::Gender) index (male, female).
///
/// Means and deviations are the ancestor's (male N(80, 12), female N(65, 10)); the
/// bounds cut the tails it left unbounded to weights a serving soldier can have.
pub static BODY_WEIGHT: [BodyWeight; 2] = [
    BodyWeight {
        mean_kg: 80.0,
        sd_kg: 12.0,
        min_kg: 50.0,
        max_kg: 130.0,
    },
    BodyWeight {
        mean_kg: 65.0,
        sd_kg: 10.0,
        min_kg: 42.0,
        max_kg: 110.0,
    },
];
