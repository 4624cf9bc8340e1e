//! Consistency checks on milmed's reference tables: every probability row sums to 1,
//! every range is ordered, every code is unique and every referenced code exists.
//! Failures name the offending entry.

use std::collections::BTreeSet;

use milmed_core::model::{BloodGroup, Facility, InjuryType, Mechanism, Site, WarfareType};
use milmed_core::reference::{
    Anchor, BATTLE_MIX, BLOOD_GROUPS, BODY_SITES, BODY_WEIGHT, CONDITIONS, CareNeed, Climate,
    Condition, Effect, FEMALE_SHARE, NATIONS, PROCEDURES, PROFILES, Profile, RANKS, SEVERITIES,
    SHOCK_SIGNS, SiteRule,
};

const EPSILON: f64 = 1e-9;

/// The NATO members, as listed in the ancestor's `demographics.json`.
const NATO_CODES: [&str; 32] = [
    "ALB", "BEL", "BGR", "CAN", "CZE", "DEU", "DNK", "ESP", "EST", "FIN", "FRA", "GBR", "GRC",
    "HRV", "HUN", "ISL", "ITA", "LTU", "LUX", "LVA", "MKD", "MNE", "NLD", "NOR", "POL", "PRT",
    "ROU", "SVK", "SVN", "SWE", "TUR", "USA",
];

fn assert_distinct_names(nation: &str, list_name: &str, names: &[&str]) {
    assert!(!names.is_empty(), "{nation}: {list_name} is empty");
    let mut seen = BTreeSet::new();
    for name in names {
        assert!(
            !name.trim().is_empty(),
            "{nation}: {list_name} has an empty name"
        );
        assert_eq!(
            name.trim(),
            *name,
            "{nation}: {list_name} entry {name:?} has stray spaces"
        );
        assert!(
            seen.insert(*name),
            "{nation}: {list_name} lists {name:?} twice"
        );
    }
}

#[test]
fn nations_are_the_32_nato_members_sorted_by_code() {
    let codes: Vec<&str> = NATIONS.iter().map(|n| n.code).collect();
    assert_eq!(
        codes.len(),
        32,
        "expected 32 nations, found {}: {codes:?}",
        codes.len()
    );
    for pair in codes.windows(2) {
        assert!(
            pair[0] < pair[1],
            "nations not sorted or duplicated at {} / {}",
            pair[0],
            pair[1]
        );
    }
    let expected: BTreeSet<&str> = NATO_CODES.iter().copied().collect();
    let actual: BTreeSet<&str> = codes.iter().copied().collect();
    assert_eq!(
        actual, expected,
        "nation codes differ from the NATO member list"
    );
}

#[test]
fn nation_names_are_distinct_and_aligned() {
    for nation in NATIONS {
        let code = nation.code;
        assert!(!nation.name.is_empty(), "{code}: empty country name");
        assert_distinct_names(code, "given_male", nation.given_male);
        assert_distinct_names(code, "given_female", nation.given_female);
        assert_distinct_names(code, "family_male", nation.family_male);
        assert_distinct_names(code, "family_female", nation.family_female);
        assert_eq!(
            nation.family_female.len(),
            nation.family_male.len(),
            "{code}: family_female is not index-aligned with family_male"
        );
    }
}

#[test]
fn service_number_patterns_are_usable() {
    for nation in NATIONS {
        let pattern = nation.service_number;
        assert!(
            pattern.chars().filter(|&c| c == '9' || c == 'A').count() >= 6,
            "{}: service-number pattern {pattern:?} has too few random positions",
            nation.code
        );
        assert!(
            pattern.chars().all(|c| c.is_ascii_graphic()),
            "{}: service-number pattern {pattern:?} has characters other than printable ASCII",
            nation.code
        );
    }
}

#[test]
fn ranks_are_stanag_codes_with_shares_summing_to_one() {
    let total: f64 = RANKS.iter().map(|r| r.share).sum();
    assert!(
        (total - 1.0).abs() < EPSILON,
        "rank shares sum to {total}, not 1"
    );
    let mut seen = BTreeSet::new();
    for rank in RANKS {
        assert!(seen.insert(rank.code), "rank {} listed twice", rank.code);
        let valid = match rank.code.split_once('-') {
            Some(("OR", n)) => matches!(n.parse::<u8>(), Ok(1..=9)),
            Some(("OF", n)) => matches!(n.parse::<u8>(), Ok(1..=10)),
            _ => false,
        };
        assert!(
            valid,
            "rank {} is not a STANAG 2116 OR-/OF- code",
            rank.code
        );
        assert!(
            rank.share > 0.0,
            "rank {} has share {}",
            rank.code,
            rank.share
        );
        assert!(
            (18..=50).contains(&rank.min_age),
            "rank {} has min_age {} outside 18..=50",
            rank.code,
            rank.min_age
        );
    }
    let officers: f64 = RANKS
        .iter()
        .filter(|r| r.code.starts_with("OF"))
        .map(|r| r.share)
        .sum();
    assert!(
        (0.10..=0.20).contains(&officers),
        "officers hold {officers} of the force, expected about 0.15"
    );
}

#[test]
fn blood_groups_cover_each_group_once_and_sum_to_one() {
    let total: f64 = BLOOD_GROUPS.iter().map(|&(_, p)| p).sum();
    assert!(
        (total - 1.0).abs() < EPSILON,
        "blood-group frequencies sum to {total}, not 1"
    );
    assert_eq!(BLOOD_GROUPS.len(), BloodGroup::ALL.len());
    for (i, &(group, p)) in BLOOD_GROUPS.iter().enumerate() {
        assert_eq!(
            group.index(),
            i,
            "blood group {group} is at index {i}, not {}",
            group.index()
        );
        assert!(p > 0.0 && p < 1.0, "blood group {group} has frequency {p}");
    }
    let rh_positive: f64 = BLOOD_GROUPS
        .iter()
        .filter(|(g, _)| g.rh_positive())
        .map(|&(_, p)| p)
        .sum();
    assert!(
        (0.8..=0.9).contains(&rh_positive),
        "Rh(D)-positive share {rh_positive} is implausible"
    );
}

#[test]
fn sex_ratio_and_body_weight_are_plausible() {
    assert!(
        (0.05..=0.25).contains(&FEMALE_SHARE),
        "female share {FEMALE_SHARE} is implausible"
    );
    for (i, w) in BODY_WEIGHT.iter().enumerate() {
        assert!(
            w.min_kg < w.mean_kg && w.mean_kg < w.max_kg,
            "body weight {i}: mean {} not inside [{}, {}]",
            w.mean_kg,
            w.min_kg,
            w.max_kg
        );
        assert!(
            w.sd_kg > 0.0,
            "body weight {i}: non-positive standard deviation"
        );
        assert!(
            w.min_kg >= 40.0 && w.max_kg <= 150.0,
            "body weight {i}: implausible bounds"
        );
    }
}

#[test]
fn condition_codes_are_unique_snomed_ids_with_displays() {
    let mut seen = BTreeSet::new();
    for c in CONDITIONS {
        assert!(
            seen.insert(c.code),
            "condition {} ({}) listed twice",
            c.code,
            c.display
        );
        assert!(
            !c.code.is_empty() && c.code.len() <= 18 && c.code.bytes().all(|b| b.is_ascii_digit()),
            "condition {:?} ({}) is not a SNOMED CT concept id",
            c.code,
            c.display
        );
        assert!(
            !c.code.starts_with('0'),
            "condition {} has a leading zero",
            c.code
        );
        assert!(
            !c.display.trim().is_empty(),
            "condition {} has an empty display",
            c.code
        );
        assert!(
            !c.display.ends_with(')'),
            "condition {} display {:?} keeps its semantic tag",
            c.code,
            c.display
        );
        assert!(
            c.weight > 0.0,
            "condition {} ({}) has weight {}",
            c.code,
            c.display,
            c.weight
        );
    }
    assert!(
        CONDITIONS.len() <= 255,
        "condition indices must fit in a u8"
    );
    for kind in InjuryType::ALL {
        assert!(
            CONDITIONS.iter().any(|c| c.injury_type == *kind),
            "no condition in the {kind} pool"
        );
    }
}

#[test]
fn secondary_conditions_exist_and_battle_injuries_have_some() {
    for c in CONDITIONS {
        for code in c.secondary {
            assert!(
                CONDITIONS.iter().any(|x| x.code == *code),
                "condition {} ({}) names secondary {code}, which is not in CONDITIONS",
                c.code,
                c.display
            );
            assert_ne!(
                *code, c.code,
                "condition {} lists itself as secondary",
                c.code
            );
        }
        let distinct: BTreeSet<&str> = c.secondary.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            c.secondary.len(),
            "condition {} repeats a secondary",
            c.code
        );
        if c.injury_type == InjuryType::BattleInjury {
            assert!(
                (2..=4).contains(&c.secondary.len()),
                "battle injury {} ({}) has {} secondaries, expected 2-4",
                c.code,
                c.display,
                c.secondary.len()
            );
            for code in c.secondary {
                let s = CONDITIONS
                    .iter()
                    .find(|x| x.code == *code)
                    .expect("checked above");
                assert_ne!(
                    s.injury_type,
                    InjuryType::Disease,
                    "battle injury {} has disease {} as secondary",
                    c.code,
                    s.code
                );
            }
        }
    }
}

#[test]
fn battle_mix_rows_sum_to_one_over_battle_injuries() {
    for (row, mix) in BATTLE_MIX.iter().enumerate() {
        assert!(!mix.is_empty(), "BATTLE_MIX row {row} is empty");
        let total: f64 = mix.iter().map(|&(_, w)| w).sum();
        assert!(
            (total - 1.0).abs() < EPSILON,
            "BATTLE_MIX row {row} sums to {total}, not 1"
        );
        let mut seen = BTreeSet::new();
        for &(code, w) in *mix {
            assert!(seen.insert(code), "BATTLE_MIX row {row} lists {code} twice");
            assert!(w > 0.0, "BATTLE_MIX row {row}: {code} has weight {w}");
            let c = CONDITIONS
                .iter()
                .find(|c| c.code == code)
                .unwrap_or_else(|| panic!("BATTLE_MIX row {row}: {code} is not in CONDITIONS"));
            assert_eq!(
                c.injury_type,
                InjuryType::BattleInjury,
                "BATTLE_MIX row {row}: {code} ({}) is not a battle injury",
                c.display
            );
        }
    }
}

#[test]
fn body_sites_are_coded_and_weighted() {
    let total: f64 = BODY_SITES.iter().map(|s| s.weight).sum();
    assert!(
        (total - 1.0).abs() < EPSILON,
        "body-site weights sum to {total}, not 1"
    );
    let mut seen = BTreeSet::new();
    for (i, body) in BODY_SITES.iter().enumerate() {
        assert_eq!(
            body.site.index(),
            i,
            "body site {} is at index {i}",
            body.site
        );
        assert_ne!(body.site, Site::Systemic, "body site {i} is Systemic");
        assert!(
            seen.insert(body.code),
            "body-site code {} listed twice",
            body.code
        );
        assert!(
            !body.code.is_empty() && body.code.bytes().all(|b| b.is_ascii_digit()),
            "body site {} has code {:?}",
            body.site,
            body.code
        );
        assert!(
            !body.display.is_empty(),
            "body site {} has no display",
            body.site
        );
    }
}

#[test]
fn severities_are_coded() {
    for (i, s) in SEVERITIES.iter().enumerate() {
        assert!(
            s.code.bytes().all(|b| b.is_ascii_digit()),
            "severity {i} code {:?}",
            s.code
        );
        assert!(!s.display.is_empty(), "severity {i} has no display");
    }
}

#[test]
fn procedures_are_coded_with_valid_probabilities_and_times() {
    let mut seen = BTreeSet::new();
    for p in PROCEDURES {
        let drug = p.substance.map(|s| s.code);
        assert!(
            seen.insert((p.code, drug, p.need as u8)),
            "procedure {} ({}) listed twice for {:?}",
            p.code,
            p.display,
            p.need
        );
        assert!(
            !p.code.is_empty() && p.code.bytes().all(|b| b.is_ascii_digit()),
            "procedure {:?} ({}) is not a SNOMED CT concept id",
            p.code,
            p.display
        );
        assert!(
            !p.display.trim().is_empty(),
            "procedure {} has an empty display",
            p.code
        );
        assert!(
            p.probability > 0.0 && p.probability <= 1.0,
            "procedure {} ({}) has probability {} outside (0, 1]",
            p.code,
            p.display,
            p.probability
        );
        assert!(
            Facility::ALL
                .iter()
                .any(|f| p.facilities.contains(*f as u8)),
            "procedure {} is given at no facility",
            p.code
        );
        assert!(
            p.after.0 <= p.after.1,
            "procedure {} has an unordered time range",
            p.code
        );
        if matches!(p.anchor, Anchor::FirstAid | Anchor::Medic) {
            assert!(
                p.facilities.contains(Facility::Poi as u8),
                "procedure {} counts from first aid but is not given at the point of injury",
                p.code
            );
        }
        if p.anchor == Anchor::Surgery {
            assert!(
                !p.facilities.contains(Facility::Poi as u8)
                    && !p.facilities.contains(Facility::Role1 as u8),
                "surgery {} ({}) at a facility without surgeons",
                p.code,
                p.display
            );
        }
    }
    assert!(
        PROCEDURES.len() <= 64,
        "the care plan tracks at most 64 procedures"
    );
}

#[test]
fn clinical_profiles_follow_the_condition_table() {
    assert_eq!(PROFILES.len(), CONDITIONS.len());
    for (profile, condition) in PROFILES.iter().zip(CONDITIONS) {
        assert_eq!(
            profile.code, condition.code,
            "profiles are row for row with conditions"
        );
        let total: f64 = profile.grades.iter().sum();
        assert!(
            (total - 1.0).abs() < EPSILON,
            "grades of {} sum to {total}",
            condition.display
        );
        let total: f64 = profile.mechanisms.iter().map(|m| m.1).sum();
        assert!(
            (total - 1.0).abs() < EPSILON,
            "mechanisms of {} sum to {total}",
            condition.display
        );
        if condition.injury_type == InjuryType::Disease {
            assert_eq!(
                profile.grades[5], 0.0,
                "{}: an illness has no AIS 6",
                condition.display
            );
        }
    }
}

#[test]
fn condition_and_procedure_codes_do_not_collide() {
    for p in PROCEDURES {
        assert!(
            CONDITIONS.iter().all(|c| c.code != p.code),
            "procedure {} ({}) reuses a condition code",
            p.code,
            p.display
        );
    }
}

#[test]
fn every_care_need_is_served_and_role_4_rehabilitates_everyone() {
    for need in 0..=CareNeed::Critical as u8 {
        assert!(
            PROCEDURES.iter().any(|p| p.need as u8 == need),
            "no procedure serves care need {need}"
        );
    }
    assert!(PROCEDURES.iter().any(|p| p.need == CareNeed::Any
        && p.facilities.contains(Facility::Role4 as u8)
        && p.probability == 1.0));
}

fn check_range(state: &str, name: &str, (lo, hi): (u16, u16)) {
    assert!(
        lo <= hi,
        "{state}: {name} range ({lo}, {hi}) is not ordered"
    );
}

#[test]
fn shock_signs_follow_the_atls_classes() {
    for (class, s) in SHOCK_SIGNS.iter().enumerate() {
        let state = format!("class {class}");
        check_range(&state, "heart rate", s.heart_rate);
        check_range(&state, "systolic", s.systolic);
        check_range(&state, "pulse pressure", s.pulse_pressure);
        check_range(&state, "respiratory rate", s.respiratory_rate);
        assert!(
            s.pulse_pressure.1 < s.systolic.0,
            "{state}: diastolic would be below zero"
        );
    }
    for pair in SHOCK_SIGNS.windows(2) {
        assert!(
            pair[1].heart_rate.0 >= pair[0].heart_rate.0,
            "heart rate rises with the class"
        );
        assert!(
            pair[1].systolic.1 <= pair[0].systolic.1,
            "pressure falls with the class"
        );
    }
    // Hypotension (systolic below 90) from class III on, never before.
    assert!(SHOCK_SIGNS[2].systolic.0 >= 90 && SHOCK_SIGNS[3].systolic.1 < 90);
    assert!(SHOCK_SIGNS[4].heart_rate.0 > 140);
}

#[test]
fn site_rules_name_real_sites() {
    for c in CONDITIONS {
        if let SiteRule::At(site) = c.site {
            assert_ne!(
                site,
                Site::Systemic,
                "condition {} uses At(Systemic)",
                c.code
            );
        }
    }
}

/// The CBRN agent rows (SNOMED CT code, effect, mechanism).
const CBRN_AGENTS: [(&str, Effect, Mechanism); 3] = [
    ("8260003", Effect::NerveAgent, Mechanism::Chemical),
    ("40541001", Effect::ChokingAgent, Mechanism::Chemical),
    (
        "109953003",
        Effect::RadiationSickness,
        Mechanism::Radiological,
    ),
];

/// Chemical and radiological conditions of the CBRN battle mix (the agents, the vesicant
/// coded as a chemical burn, other toxic chemicals).
const CBRN_CONDITIONS: [&str; 5] = ["8260003", "40541001", "109953003", "426284001", "75478009"];

fn condition(code: &str) -> (&'static Condition, &'static Profile) {
    let i = CONDITIONS
        .iter()
        .position(|c| c.code == code)
        .unwrap_or_else(|| panic!("{code} is not in CONDITIONS"));
    (&CONDITIONS[i], &PROFILES[i])
}

#[test]
fn cbrn_agents_are_battle_injuries_with_their_own_clinical_profile() {
    for (code, effect, mechanism) in CBRN_AGENTS {
        let (c, p) = condition(code);
        assert_eq!(c.injury_type, InjuryType::BattleInjury, "{code}");
        assert_eq!(c.climate, Climate::Any, "{code}");
        assert!(!c.infectious, "{code}");
        assert_eq!(p.effect, effect, "{code}");
        assert_eq!(p.mechanisms, &[(mechanism, 1.0)], "{code}");
        assert_eq!(
            p.grades[5], 0.0,
            "{code}: an agent kills later, not on the spot"
        );
        assert!(
            p.grades[0] > 0.0 && p.grades[3] > 0.0,
            "{code}: mild to severe"
        );
    }
}

#[test]
fn agents_dominate_the_cbrn_battle_mix() {
    let row = BATTLE_MIX[WarfareType::Cbrn.index()];
    let share = |codes: &[&str]| -> f64 {
        row.iter()
            .filter(|(code, _)| codes.contains(code))
            .map(|&(_, w)| w)
            .sum()
    };
    let agents: Vec<&str> = CBRN_AGENTS.iter().map(|a| a.0).collect();
    assert!(
        agents.iter().all(|a| row.iter().any(|(code, _)| code == a)),
        "every agent is in the CBRN mix"
    );
    let chemical_and_radiological = share(&CBRN_CONDITIONS);
    assert!(
        chemical_and_radiological >= 0.7,
        "agents are {chemical_and_radiological} of CBRN battle injuries"
    );
    for (code, w) in row.iter() {
        if !CBRN_CONDITIONS.contains(code) {
            assert!(
                *w <= share(&["8260003"]),
                "{code} outweighs the nerve agent in the CBRN mix"
            );
        }
    }
}

#[test]
fn decontamination_comes_first_at_the_medical_facilities() {
    let decon = &PROCEDURES[0];
    assert_eq!(
        (decon.code, decon.display),
        ("409530006", "Decontamination")
    );
    assert_eq!(decon.need, CareNeed::Contamination);
    assert_eq!(decon.anchor, Anchor::Arrival);
    assert!(
        decon.once,
        "decontaminated once, at the first facility reached"
    );
    assert_eq!(decon.probability, 1.0);
    assert!(!decon.facilities.contains(Facility::Poi as u8));
    for f in [Facility::Role1, Facility::Role2, Facility::Role3] {
        assert!(
            decon.facilities.contains(f as u8),
            "no decontamination at {f}"
        );
    }
    assert!(
        PROCEDURES[1..]
            .iter()
            .all(|p| p.need != CareNeed::Contamination),
        "one decontamination procedure"
    );
    for code in CBRN_CONDITIONS {
        let (_, p) = condition(code);
        assert!(
            p.mechanisms
                .iter()
                .all(|(m, _)| matches!(m, Mechanism::Chemical | Mechanism::Radiological)),
            "{code} is a chemical or radiological condition (contaminated)"
        );
    }
}

#[test]
fn climate_tags_name_the_climate_bound_conditions() {
    let tagged = |climate: Climate| -> BTreeSet<&str> {
        CONDITIONS
            .iter()
            .filter(|c| c.climate == climate)
            .map(|c| c.code)
            .collect()
    };
    assert_eq!(
        tagged(Climate::Cold),
        BTreeSet::from(["370977006", "386689009"])
    );
    assert_eq!(tagged(Climate::Heat), BTreeSet::from(["34095006"]));
    assert_eq!(
        tagged(Climate::Tropical),
        BTreeSet::from(["38362002", "61462000"])
    );
    let (malaria, profile) = condition("61462000");
    assert_eq!(malaria.display, "Malaria");
    assert_eq!(malaria.injury_type, InjuryType::Disease);
    assert!(malaria.infectious && !profile.bacterial);
    assert_eq!(profile.effect, Effect::FebrileIllness);
    let (_, dehydration) = condition("34095006");
    assert_eq!(
        dehydration.effect,
        Effect::HeatIllness,
        "dehydration stands for heat illness"
    );
}
