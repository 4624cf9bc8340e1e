//! Personnel facts: NATO rank codes and the age of their holders, blood groups, the share
//! of women by nation and by casualty class, and body weight.
//!
//! Every figure names its source; `docs/reference-data.md` ("Personnel") says where the
//! sources disagree and what we chose.

use crate::model::BloodGroup;

/// A NATO rank code (STANAG 2116) with its share of deployed personnel and the age of the
/// personnel who hold it.
#[derive(Debug)]
pub struct Rank {
    /// NATO code, e.g. `"OR-4"` or `"OF-2"`.
    pub code: &'static str,
    /// Share of deployed personnel holding the rank; all shares sum to 1.
    pub share: f64,
    /// Youngest age (completed years) at which the grade is held.
    pub min_age: u8,
    /// Oldest age (completed years) at which the grade is held; at most [`MAX_AGE`].
    pub max_age: u8,
    /// Median exact age, in years, of the grade's holders.
    pub median_age: f64,
    /// Exact age, in years, that 90 % of the grade's holders have not yet reached.
    pub p90_age: f64,
}

/// Oldest age, in completed years at the injury date, that any rank can have.
///
/// The senior grades reach it: the US retires regular officers below general rank at 62
/// (10 U.S.C. § 1251). Stopping at 60 cuts only the tail of the OF-5 and OF-6 laws (about
/// 0.6 % and 1.3 % of their holders would otherwise be 61 or older, 6 in 100,000 of all
/// personnel), and the law is renormalised below the cut rather than piled up at 60.
pub const MAX_AGE: u32 = 60;

/// NATO rank codes with their share of the deployed force and the age of their holders.
///
/// STANAG 2116 grades OR-1 to OR-9 (other ranks) and OF-1 to OF-6 (officers up to
/// brigadier / one-star). Other ranks hold 85 % of the deployed force and officers 15 %.
/// The shares follow the shape of published force-strength tables: OR-4 is the largest
/// grade, then OR-5 and OR-3, and numbers thin out grade by grade above; OR-1 and OR-2
/// are smaller than OR-3 because recruits pass through them within months.
///
/// **Age.** The exact age of a holder is `min_age + (median_age − min_age) · e^(σz)` with
/// `z` standard normal and `σ = ln((p90_age − min_age) / (median_age − min_age)) / 1.2816`
/// (a log-normal law above `min_age`, skewed to the old side as promotion is), cut at
/// `max_age + 1`. The medians are the age at entry plus the time in service at which the
/// grade is usually held, from US figures, the only ones we found by grade:
///
/// - Entry age: enlisted recruits 19.9 years on average, 62.6 % aged 19 or younger and
///   90.2 % aged 23 or younger (Population Representation in the Military Services
///   FY 1998 table 4.4 and FY 1999 table 2.4, DoD / CNA); new officers 22.7 years on
///   average (FY 1998), 46 % aged 23 or younger, 89.8 % aged 34 or younger (FY 2006 table
///   B-30; the older ones are directly appointed officers, 31 on average in FY 2004).
/// - Enlisted time in service at promotion ("pin-on point", DoD promotion data quoted by
///   T. Philpott, Military Update, 2000 and 2013): E-5 after 4.2 (Army) to 6.9 years (Air
///   Force) in 1999; E-6 after 8.2 (Army) to 11.1 years (Air Force) in 2012; E-7 after 14,
///   E-8 after 18.4 and E-9 after 22.6 years (all-service averages, 2012).
/// - Officer promotion timing (DoD Instruction 1320.13, as summarised from Army Pamphlet
///   600-3 by About.com's US Military guide): O-2 at 18 months, O-3 at 4 years, O-4 at
///   10 ± 1, O-5 at 16 ± 1, O-6 at 22 ± 1 years of commissioned service.
/// - STANAG 2116 places E-1 … E-9 at OR-1 … OR-9, O-1 and O-2 at OF-1, and O-3 … O-7 at
///   OF-2 … OF-6.
///
/// | grade | min | median | p90 | max | reasoning |
/// |---|---|---|---|---|---|
/// | OR-1 | 18 | 19.7 | 24.2 | 42 | entry age (no one under 18 deploys); enlistment up to 42 (10 U.S.C. § 505) |
/// | OR-2 | 18 | 20.3 | 25.0 | 43 | entry + ½ year |
/// | OR-3 | 18 | 21.0 | 26.5 | 45 | entry + 1–2 years |
/// | OR-4 | 19 | 23.0 | 29.0 | 47 | entry + 2–5 years |
/// | OR-5 | 21 | 27.0 | 34.0 | 55 | pin-on at 4–7 years, next grade at 8–11 |
/// | OR-6 | 24 | 32.0 | 39.0 | 55 | pin-on at 8–11 years, next grade at 14 |
/// | OR-7 | 27 | 36.5 | 42.5 | 58 | pin-on at 14 years; many retire at 20 |
/// | OR-8 | 31 | 40.5 | 46.5 | 58 | pin-on at 18.4 years |
/// | OR-9 | 34 | 45.5 | 51.0 | 60 | pin-on at 22.6 years, serve to 30 |
/// | OF-1 | 21 | 25.5 | 31.0 | 45 | commission at 22–24, 0–4 years |
/// | OF-2 | 24 | 31.0 | 37.0 | 50 | 4–10 years, plus direct appointees |
/// | OF-3 | 30 | 37.0 | 42.5 | 55 | 10–16 years |
/// | OF-4 | 36 | 43.0 | 48.0 | 60 | 16–22 years |
/// | OF-5 | 40 | 48.0 | 53.0 | 60 | 22–30 years |
/// | OF-6 | 44 | 51.5 | 56.0 | 60 | about 26–32 years |
///
/// With the shares above this gives a mean age of 27.3 for other ranks and 33.7 for
/// officers (DoD 2022 Demographics Profile of the Military Community, text reproduced by
/// USNI News: enlisted 27.3, officers 34.3, all 28.5 — our officer mix has more
/// lieutenants than the US one), 49 % aged 25 or younger (2020 Demographics as quoted by
/// Positively Naperville: 45 % under 25) and 9.7 % aged 40 or older (same: under 8 %
/// over 41; we have 8.2 % aged 41 or older).
pub static RANKS: &[Rank] = &[
    Rank {
        code: "OR-1",
        share: 0.05,
        min_age: 18,
        max_age: 42,
        median_age: 19.7,
        p90_age: 24.2,
    },
    Rank {
        code: "OR-2",
        share: 0.09,
        min_age: 18,
        max_age: 43,
        median_age: 20.3,
        p90_age: 25.0,
    },
    Rank {
        code: "OR-3",
        share: 0.14,
        min_age: 18,
        max_age: 45,
        median_age: 21.0,
        p90_age: 26.5,
    },
    Rank {
        code: "OR-4",
        share: 0.19,
        min_age: 19,
        max_age: 47,
        median_age: 23.0,
        p90_age: 29.0,
    },
    Rank {
        code: "OR-5",
        share: 0.15,
        min_age: 21,
        max_age: 55,
        median_age: 27.0,
        p90_age: 34.0,
    },
    Rank {
        code: "OR-6",
        share: 0.11,
        min_age: 24,
        max_age: 55,
        median_age: 32.0,
        p90_age: 39.0,
    },
    Rank {
        code: "OR-7",
        share: 0.07,
        min_age: 27,
        max_age: 58,
        median_age: 36.5,
        p90_age: 42.5,
    },
    Rank {
        code: "OR-8",
        share: 0.035,
        min_age: 31,
        max_age: 58,
        median_age: 40.5,
        p90_age: 46.5,
    },
    Rank {
        code: "OR-9",
        share: 0.015,
        min_age: 34,
        max_age: 60,
        median_age: 45.5,
        p90_age: 51.0,
    },
    Rank {
        code: "OF-1",
        share: 0.048,
        min_age: 21,
        max_age: 45,
        median_age: 25.5,
        p90_age: 31.0,
    },
    Rank {
        code: "OF-2",
        share: 0.045,
        min_age: 24,
        max_age: 50,
        median_age: 31.0,
        p90_age: 37.0,
    },
    Rank {
        code: "OF-3",
        share: 0.03,
        min_age: 30,
        max_age: 55,
        median_age: 37.0,
        p90_age: 42.5,
    },
    Rank {
        code: "OF-4",
        share: 0.018,
        min_age: 36,
        max_age: 60,
        median_age: 43.0,
        p90_age: 48.0,
    },
    Rank {
        code: "OF-5",
        share: 0.0075,
        min_age: 40,
        max_age: 60,
        median_age: 48.0,
        p90_age: 53.0,
    },
    Rank {
        code: "OF-6",
        share: 0.0015,
        min_age: 44,
        max_age: 60,
        median_age: 51.5,
        p90_age: 56.0,
    },
];

/// The 90th percentile of the standard normal law.
const Z90: f64 = 1.281_551_565_544_600_5;

/// Age in completed years of a holder of `RANKS[rank]`, from one uniform draw `u` in
/// `[0, 1)`; increases with `u`.
fn age_years(rank: usize, u: f64) -> u32 {
    let table = &age_tables()[rank];
    u32::from(RANKS[rank].min_age) + crate::rng::pick(table, u) as u32
}

/// Cumulative probability of each completed year of age, `min_age ..= max_age`, per rank:
/// the cut log-normal law of [`RANKS`] integrated year by year, computed once (a table
/// look-up per patient instead of a normal quantile).
fn age_tables() -> &'static [Vec<f64>] {
    static TABLES: std::sync::OnceLock<Vec<Vec<f64>>> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        RANKS
            .iter()
            .map(|r| {
                let low = f64::from(r.min_age);
                let scale = r.median_age - low;
                let sigma = ((r.p90_age - low) / scale).ln() / Z90;
                // Share of the law below age `a` (0 at or below the youngest age).
                let below = |a: f64| {
                    if a <= low {
                        0.0
                    } else {
                        normal_cdf(((a - low) / scale).ln() / sigma)
                    }
                };
                let years = u32::from(r.min_age)..=u32::from(r.max_age);
                crate::rng::cumulative(years.map(|y| {
                    // The youngest year also takes the (empty) mass below it.
                    below(f64::from(y + 1)) - below(f64::from(y))
                }))
            })
            .collect()
    })
}

/// Age in days at the injury of a holder of `RANKS[rank]`, from two uniform draws in
/// `[0, 1)`: `u1` gives the completed years (see [`RANKS`]), always within the rank's
/// `min_age ..= max_age`, and `u2` the day within that year, uniform, so that birthdates
/// spread over the calendar.
///
/// The day range of each year leaves out the two or three days whose completed years
/// depend on leap days, so the age in completed years is the drawn one whatever the
/// injury date.
pub(crate) fn age_days(rank: usize, u1: f64, u2: f64) -> u32 {
    let years = age_years(rank, u1);
    let first = days_at_least(years);
    let last = days_below(years + 1);
    (first + (u2 * f64::from(last - first + 1)) as u32).min(last)
}

/// Days that are surely `years` full calendar years or more (leap days included).
const fn days_at_least(years: u32) -> u32 {
    years * 365 + years / 4 + 2
}

/// Days that are surely less than `years` full calendar years.
const fn days_below(years: u32) -> u32 {
    years * 365 + years / 4 - 1
}

/// Standard normal distribution function (complementary error function by the Chebyshev
/// fit of Numerical Recipes, `erfcc`: absolute error below 1e-7).
fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * (-z * z + poly).exp();
    if x >= 0.0 {
        1.0 - 0.5 * erfc
    } else {
        0.5 * erfc
    }
}

/// Quantile of the standard normal law for `p` in `(0, 1)` (P. J. Acklam's rational
/// approximation: absolute error below 1e-8).
#[cfg(test)]
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.024_25;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

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

/// Share of women in the armed forces of NATO members taken together.
///
/// NATO put it at 10.8 % in 2015 and 10.9 % in 2016 (NATO news releases on the 2015 and
/// 2016 Summaries of the National Reports to the NATO Committee on Gender Perspectives);
/// Spanish press reports of Ministry of Defence figures give 12 % as the NATO average in
/// 2021 and 2022 (Heraldo, 14 November 2021; La Razón, 6 February 2022). Per-nation
/// shares are in [`WOMEN_IN_FORCES`]; this figure stands in where a nation has no armed
/// forces (Iceland).
pub const FEMALE_SHARE: f64 = 0.12;

/// The share of women in one nation's armed forces.
#[derive(Debug)]
pub struct WomenInForces {
    /// ISO 3166-1 alpha-3 code of the nation, as in [`NATIONS`](super::NATIONS).
    pub nation: &'static str,
    /// Share of women among the nation's military personnel (0–1).
    pub share: f64,
}

/// Share of women among the military personnel of each NATO nation, index-aligned with
/// [`NATIONS`](super::NATIONS).
///
/// The NATO Committee on Gender Perspectives publishes every nation's share each year,
/// but we could not read those tables (only the NATO-wide totals, see [`FEMALE_SHARE`]),
/// so each figure comes from the nation's ministry of defence, as published or as quoted
/// by the press, the latest we found. Figures count active (regular) military personnel,
/// not civilians, unless noted.
///
/// | nation | share | as of | source |
/// |---|---|---|---|
/// | ALB | 14.0 % | 2020 | Balkan Defence Monitor 2022, "Women in defence system – Albania" (14.01 %; minister O. Xhaçka, ATA, 23 May 2020: 14 %) |
/// | BEL | 10.8 % | Oct 2022 | Defence figures quoted by MP D. Pillen, HLN, Jan 2023: 2,619 women of 24,348 military |
/// | BGR | 14.7 % | Oct 2015 | Minister of Defence N. Nenchev, BTA via chernomore.bg, 27 Oct 2015 |
/// | CAN | 15.4 % | Feb 2019 | National Defence backgrounder "Women in the Canadian Armed Forces", 7 Mar 2019 (Regular Force) |
/// | CZE | 14 % | Mar 2023 | iDNES.cz, 1 Mar 2023 (about 3,800 women) |
/// | DEU | 13 % | Dec 2023 | Deutsche Welle, "Frauen in der Bundeswehr", 2024 (over 24,000 women); BMVg: 12.1 % in Dec 2018 |
/// | DNK | 6 % | 2012 | Forsvaret news, "Kvinder kæmper fortsat i forsvaret", 2012 ("about six percent" of uniformed staff); the latest military-only figure we found |
/// | ESP | 13.1 % | Jan 2025 | Ministerio de Defensa via La Razón, 19 Jan 2025 (15,291 women) |
/// | EST | 10 % | 2021 | ERR, "Naised vormi", Mar 2021 (10 % of active-service posts) |
/// | FIN | 4 % | estimate | no figure found; Finland fields a conscript army: about 1,000 of 21,000 yearly conscripts are women (wp.pl) and 12,262 women had been trained into a reserve of about 870,000 (Helsingin Sanomat, Jan 2023) |
/// | FRA | 16.8 % | 2022 | Ministère des Armées, high official for equality C. Bourdès, Mar 2023 (adorac.fr) |
/// | GBR | 11.9 % | Apr 2025 | MOD, UK armed forces biannual diversity statistics, April 2025 (UK Regular Forces) |
/// | GRC | 17 % | Oct 2025 | Minister of National Defence N. Dendias, 30 Oct 2025 (mediafax / evz.ro) |
/// | HRV | 14.5 % | Dec 2023 | Annual defence report 2023, Croatian Parliament committee report, 25 Mar 2025 (2,048 of 14,103) |
/// | HUN | 20 % | 2018 | Honvédelem.hu, 26 Apr 2018 ("mintegy 20 százaléka"); vg.hu, Aug 2024 |
/// | ISL | 12 % | — | no armed forces; NATO-wide share ([`FEMALE_SHARE`]) |
/// | ITA | 8 % | Dec 2023 | Camera dei deputati, "Il personale militare femminile", Mar 2025 (22,565 women, incl. Carabinieri) |
/// | LTU | 10 % | 2015 | Ministry of National Defence via Universiteto žurnalistas, Apr 2015 |
/// | LUX | 10 % | Mar 2025 | Chief of Defence S. Thull, RTL Today, Mar 2025 |
/// | LVA | 20 % | Nov 2023 | Minister of Defence A. Sprūds, LETA via tvnet.lv, Nov 2023 ("about 20 %" of professional service; MoD earlier: 16 %) |
/// | MKD | 10.7 % | 2022 | Balkan Defence Monitor 2023, "Women in defence system – North Macedonia" (10.66 %) |
/// | MNE | 15 % | n.d. | Ministry of Defence via Dan (about 15 %); RTNK: 15.7 % of the Army's members, 10 % of professional soldiers |
/// | NLD | 12 % | Mar 2024 | Lt-Gen E. Boekholt-O'Sullivan, technical briefing to the Tweede Kamer ("12 and some percent"; NRC, Mar 2022: 11 %) |
/// | NOR | 15.7 % | 2024 | Deutsche Welle, 2024 (15.7 % of military personnel) |
/// | POL | 12 % | Dec 2023 | Dziennik Gazeta Prawna, Dec 2023 (almost 16,000 of over 130,000 professional soldiers) |
/// | PRT | 12.7 % | 2022 | Secretary of State for Defence A. I. Xavier, Lusa via dnoticias.pt, 21 Mar 2025 (12.73 % in 2022; the 15.3 % for 2024 may include civilians) |
/// | ROU | 13.5 % | Apr 2024 | Ministerul Apărării Naționale to Newsweek România, 26 Apr 2024 |
/// | SVK | 13.8 % | Nov 2023 | Ministry of Defence via TASR, 4 Nov 2023 (1,800 women) |
/// | SVN | 16.5 % | c. 2017 | Brožič & Pešec, NATO STO paper MP-SAS-137-11 ("16.5 % in August last year") |
/// | SWE | 10 % | Dec 2020 | Försvarsmakten, "Personalsiffror", 31 Dec 2020: 750 of 9,300 officers and 800 of 5,900 full-time soldiers and sailors |
/// | TUR | 0.3 % | 2021 chart | NATO data as charted by Statista ("20 percent to 0.3 percent … the latter in the case of Turkey"); probably counts conscripts: a Ministry of National Defence answer to parliament counts 1,343 women officers and 370 women NCOs among 723,741 personnel, 0.24 % (hamzadurgen.com) |
/// | USA | 17.5 % | FY 2022 | DoD, 2022 Demographics: Profile of the Military Community (active duty) |
#[rustfmt::skip]
pub static WOMEN_IN_FORCES: [WomenInForces; 32] = [
    WomenInForces { nation: "ALB", share: 0.140 },
    WomenInForces { nation: "BEL", share: 0.108 },
    WomenInForces { nation: "BGR", share: 0.147 },
    WomenInForces { nation: "CAN", share: 0.154 },
    WomenInForces { nation: "CZE", share: 0.140 },
    WomenInForces { nation: "DEU", share: 0.130 },
    WomenInForces { nation: "DNK", share: 0.060 },
    WomenInForces { nation: "ESP", share: 0.131 },
    WomenInForces { nation: "EST", share: 0.100 },
    WomenInForces { nation: "FIN", share: 0.040 },
    WomenInForces { nation: "FRA", share: 0.168 },
    WomenInForces { nation: "GBR", share: 0.119 },
    WomenInForces { nation: "GRC", share: 0.170 },
    WomenInForces { nation: "HRV", share: 0.145 },
    WomenInForces { nation: "HUN", share: 0.200 },
    WomenInForces { nation: "ISL", share: FEMALE_SHARE },
    WomenInForces { nation: "ITA", share: 0.080 },
    WomenInForces { nation: "LTU", share: 0.100 },
    WomenInForces { nation: "LUX", share: 0.100 },
    WomenInForces { nation: "LVA", share: 0.200 },
    WomenInForces { nation: "MKD", share: 0.107 },
    WomenInForces { nation: "MNE", share: 0.150 },
    WomenInForces { nation: "NLD", share: 0.120 },
    WomenInForces { nation: "NOR", share: 0.157 },
    WomenInForces { nation: "POL", share: 0.120 },
    WomenInForces { nation: "PRT", share: 0.127 },
    WomenInForces { nation: "ROU", share: 0.135 },
    WomenInForces { nation: "SVK", share: 0.138 },
    WomenInForces { nation: "SVN", share: 0.165 },
    WomenInForces { nation: "SWE", share: 0.100 },
    WomenInForces { nation: "TUR", share: 0.003 },
    WomenInForces { nation: "USA", share: 0.175 },
];

/// Factor on a nation's share of women that gives their share of battle injuries.
///
/// In Iraq and Afghanistan (2001–2009) women were 1.9 % of US casualties (wounded in
/// action and killed) and 2.4 % of deaths (Cross, Johnson, Wenke, Bosse & Ficke,
/// "Mortality in female war veterans of Operations Enduring Freedom and Iraqi Freedom",
/// Clinical Orthopaedics and Related Research, pp. 1956–1961, from Defense Manpower Data
/// Center casualty statistics), while they were about 14–15 % of the US active-duty force
/// (DoD 2013 Demographics: 14.9 %): 1.9 / 14.5 ≈ 0.13. Press counts agree: 139 women among
/// 6,740 US dead, 2 % (StrategyPage, April 2012), and over 800 women among some 50,000
/// wounded in action (AllGov, April 2012; CBO working paper 2014-08 for the total).
///
/// Disease and non-battle injuries keep the force share: fewer women deploy (NATO
/// operations 6.4–6.8 % women in 2015–16 against 10.8–10.9 % of the forces; women were
/// about 10 % of US troops in the combat zones), but deployed women are evacuated for
/// disease and non-battle injuries more often than men (6,376 women among 50,634 medical
/// evacuations from Iraq, 2003–2011 — GAO-13-182 as quoted by the Center for Deployment
/// Psychology — about 15.5 % of the non-battle evacuations once the 19 % battle share is
/// set aside, AFHSC via Stars and Stripes 2010), and the two effects about cancel.
pub const BATTLE_INJURY_FEMALE_FACTOR: f64 = 0.13;

/// Probability that a casualty of `NATIONS[nation]` is a woman: the nation's
/// [`WOMEN_IN_FORCES`] share, times [`BATTLE_INJURY_FEMALE_FACTOR`] for battle injuries.
pub(crate) fn female_share(nation: usize, battle_injury: bool) -> f64 {
    let share = WOMEN_IN_FORCES[nation].share;
    if battle_injury {
        share * BATTLE_INJURY_FEMALE_FACTOR
    } else {
        share
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::NATIONS;

    /// Points of a stratified grid over `[0, 1)`: drawing ages at them gives every rank's
    /// age distribution to within 1/N.
    const N: usize = 20_000;

    fn grid() -> impl Iterator<Item = f64> {
        (0..N).map(|i| (i as f64 + 0.5) / N as f64)
    }

    /// Share of each age in completed years among holders of the given ranks, weighted
    /// by the ranks' shares of the force.
    fn ages(ranks: impl Iterator<Item = usize>) -> Vec<f64> {
        let mut hist = vec![0.0; MAX_AGE as usize + 1];
        let mut total = 0.0;
        for r in ranks {
            for u in grid() {
                hist[age_years(r, u) as usize] += RANKS[r].share;
                total += RANKS[r].share;
            }
        }
        hist.iter().map(|w| w / total).collect()
    }

    fn median(hist: &[f64]) -> usize {
        let mut sum = 0.0;
        hist.iter()
            .position(|w| {
                sum += w;
                sum >= 0.5
            })
            .unwrap()
    }

    /// Mean age in years, counting each completed year at its middle.
    fn mean(hist: &[f64]) -> f64 {
        hist.iter()
            .enumerate()
            .map(|(y, w)| (y as f64 + 0.5) * w)
            .sum()
    }

    fn share_from(hist: &[f64], years: usize) -> f64 {
        hist[years..].iter().sum()
    }

    fn other_ranks() -> impl Iterator<Item = usize> {
        (0..RANKS.len()).filter(|&r| RANKS[r].code.starts_with("OR-"))
    }

    fn officers() -> impl Iterator<Item = usize> {
        (0..RANKS.len()).filter(|&r| RANKS[r].code.starts_with("OF-"))
    }

    #[test]
    fn rank_age_parameters_are_ordered() {
        for r in RANKS {
            let (min, max) = (f64::from(r.min_age), f64::from(r.max_age));
            assert!(
                min < r.median_age && r.median_age < r.p90_age && r.p90_age < max + 1.0,
                "{}: min {min} median {} p90 {} max {max} out of order",
                r.code,
                r.median_age,
                r.p90_age
            );
            assert!(r.min_age >= 18, "{} can be held under 18", r.code);
            assert!(
                u32::from(r.max_age) <= MAX_AGE,
                "{} goes past MAX_AGE",
                r.code
            );
        }
        // Ages rise grade by grade within other ranks and within officers.
        for group in [other_ranks().collect::<Vec<_>>(), officers().collect()] {
            for pair in group.windows(2) {
                let (a, b) = (&RANKS[pair[0]], &RANKS[pair[1]]);
                assert!(
                    a.median_age < b.median_age,
                    "{} older than {}",
                    a.code,
                    b.code
                );
            }
        }
    }

    #[test]
    fn junior_enlisted_are_mostly_18_to_25() {
        let hist = ages(0..3);
        assert_eq!(&RANKS[2].code, &"OR-3");
        let median = median(&hist);
        assert!(
            (19..=24).contains(&median),
            "OR-1..OR-3 median age {median}"
        );
        let young: f64 = hist[18..=25].iter().sum();
        assert!(young > 0.85, "only {young:.3} of OR-1..OR-3 are 18-25");
    }

    #[test]
    fn the_force_is_young_like_published_figures() {
        let all = ages(0..RANKS.len());
        let forty_plus = share_from(&all, 40);
        assert!(
            forty_plus < 0.12,
            "{forty_plus:.3} of all personnel are 40+"
        );
        assert!(
            forty_plus > 0.04,
            "only {forty_plus:.3} of all personnel are 40+"
        );
        // US DoD Demographics: 45 % under 25 (2020), mean age 28.5 (2022).
        let up_to_25: f64 = all[..=25].iter().sum();
        assert!(
            (0.40..0.55).contains(&up_to_25),
            "{up_to_25:.3} are 25 or younger"
        );
        let mean_all = mean(&all);
        assert!((27.0..30.0).contains(&mean_all), "mean age {mean_all:.1}");
    }

    #[test]
    fn officers_are_older_than_other_ranks() {
        let enlisted = mean(&ages(other_ranks()));
        let officer = mean(&ages(officers()));
        // DoD 2022 Demographics: enlisted 27.3, officers 34.3 years on average.
        assert!(
            (26.0..29.0).contains(&enlisted),
            "other ranks' mean age {enlisted:.1}"
        );
        assert!(
            (32.0..36.0).contains(&officer),
            "officers' mean age {officer:.1}"
        );
        assert!(
            officer > enlisted + 4.0,
            "officers {officer:.1}, other ranks {enlisted:.1}"
        );
    }

    #[test]
    fn every_age_is_within_its_rank_bounds() {
        let extremes = [0.0, 1e-12, 0.5, 1.0 - 1e-12, 1.0 - f64::EPSILON];
        for (r, rank) in RANKS.iter().enumerate() {
            let lowest = days_at_least(u32::from(rank.min_age));
            let highest = days_below(u32::from(rank.max_age) + 1);
            for u1 in grid().chain(extremes) {
                let years = age_years(r, u1);
                assert!(
                    (u32::from(rank.min_age)..=u32::from(rank.max_age)).contains(&years),
                    "{} aged {years} for u = {u1}",
                    rank.code
                );
                for u2 in extremes {
                    let days = age_days(r, u1, u2);
                    assert!(
                        (lowest..=highest).contains(&days),
                        "{}: {days} days for u = ({u1}, {u2})",
                        rank.code
                    );
                    assert!(days < u32::from(u16::MAX));
                }
            }
            let draws: Vec<u32> = grid().map(|u| age_years(r, u)).collect();
            assert!(
                draws.windows(2).all(|w| w[0] <= w[1]),
                "{}: age falls as u rises",
                rank.code
            );
            // The lowest draw gives the youngest age, the highest the oldest not cut.
            assert_eq!(age_years(r, 0.0), u32::from(rank.min_age));
        }
    }

    #[test]
    fn birthdays_spread_over_the_year() {
        for (r, rank) in RANKS.iter().enumerate() {
            let u1 = 0.5;
            let years = age_years(r, u1);
            let days: Vec<u32> = (0..1000)
                .map(|i| age_days(r, u1, i as f64 / 1000.0))
                .collect();
            assert_eq!(days[0], days_at_least(years));
            assert_eq!(*days.last().unwrap(), days_below(years + 1));
            let distinct = days.windows(2).filter(|w| w[0] != w[1]).count() + 1;
            assert!(
                distinct > 350,
                "{}: only {distinct} different days",
                rank.code
            );
        }
    }

    #[test]
    fn normal_law_helpers_are_accurate() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(Z90) - 0.9).abs() < 1e-7);
        assert!((normal_cdf(-1.959_964) - 0.025).abs() < 2e-7);
        for i in 1..1000 {
            let p = i as f64 / 1000.0;
            assert!((normal_cdf(normal_quantile(p)) - p).abs() < 1e-6, "p = {p}");
        }
        assert!((normal_quantile(0.9) - Z90).abs() < 1e-8);
        assert!((normal_quantile(1e-10) + 6.361_340_902).abs() < 1e-6);
    }

    #[test]
    fn every_nation_has_a_plausible_share_of_women() {
        assert_eq!(WOMEN_IN_FORCES.len(), NATIONS.len());
        for (i, (women, nation)) in WOMEN_IN_FORCES.iter().zip(NATIONS).enumerate() {
            assert_eq!(
                women.nation, nation.code,
                "row {i} is not aligned with NATIONS"
            );
            assert!(
                women.share > 0.0 && women.share < 0.3,
                "{}: share {}",
                nation.code,
                women.share
            );
            assert_eq!(female_share(i, false), women.share);
        }
        // The unweighted mean of the nations sits near NATO's 11-12 %.
        let mean = WOMEN_IN_FORCES.iter().map(|w| w.share).sum::<f64>() / 32.0;
        assert!((0.10..0.15).contains(&mean), "mean share {mean:.3}");
    }

    #[test]
    fn far_fewer_women_among_battle_injuries() {
        for (i, nation) in NATIONS.iter().enumerate() {
            let force = female_share(i, false);
            let battle = female_share(i, true);
            assert!(
                battle > 0.0,
                "{}: no women among battle injuries",
                nation.code
            );
            assert!(
                battle < 0.25 * force,
                "{}: {battle:.4} of battle injuries against {force:.3} of the force",
                nation.code
            );
        }
        // US: 17.5 % of the force; about 2 % of battle casualties, as in Iraq and
        // Afghanistan.
        let usa = NATIONS.iter().position(|n| n.code == "USA").unwrap();
        let battle = female_share(usa, true);
        assert!(
            (0.015..0.03).contains(&battle),
            "US battle share {battle:.4}"
        );
    }
}
