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
pub static RANKS: &[Rank] = &[];

/// ABO and Rh blood-group frequencies, indexed by [`BloodGroup::index`]; they sum to 1.
pub static BLOOD_GROUPS: [(BloodGroup, f64); 8] = [
    (BloodGroup::OPos, 0.125),
    (BloodGroup::ONeg, 0.125),
    (BloodGroup::APos, 0.125),
    (BloodGroup::ANeg, 0.125),
    (BloodGroup::BPos, 0.125),
    (BloodGroup::BNeg, 0.125),
    (BloodGroup::AbPos, 0.125),
    (BloodGroup::AbNeg, 0.125),
];

/// Share of women among deployed personnel.
pub const FEMALE_SHARE: f64 = 0.5;

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
pub static BODY_WEIGHT: [BodyWeight; 2] = [
    BodyWeight { mean_kg: 80.0, sd_kg: 12.0, min_kg: 50.0, max_kg: 130.0 },
    BodyWeight { mean_kg: 65.0, sd_kg: 10.0, min_kg: 42.0, max_kg: 110.0 },
];
