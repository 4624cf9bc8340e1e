//! Statistical checks over 200,000 patients of a fixed scenario: the configured shares
//! come out. (The clinical coherence of each patient is checked by the clinical audit,
//! `core/tests/clinical.rs`.)

use std::collections::BTreeMap;

use milmed_core::model::{InjuryType, Triage, WarfareType};
use milmed_core::scenario::{Front, InjuryMix, TriageWeights, WarfareSetting};
use milmed_core::{Generator, Patient, Scenario};

const N: u64 = 200_000;

fn scenario() -> Scenario {
    let nations = |list: &[(&str, f64)]| list.iter().map(|&(c, w)| (c.to_owned(), w)).collect();
    Scenario {
        name: "statistics".into(),
        patients: N,
        days: 10,
        warfare_types: [
            WarfareType::Conventional,
            WarfareType::Artillery,
            WarfareType::Urban,
            WarfareType::Cbrn,
        ]
        .into_iter()
        .map(|w| (w, WarfareSetting::ON))
        .collect(),
        special_events: BTreeMap::new(),
        environmental_conditions: BTreeMap::new(),
        injury_mix: InjuryMix {
            battle_injury: 0.45,
            non_battle_injury: 0.35,
            disease: 0.20,
        },
        fronts: vec![
            Front {
                name: "North".into(),
                casualty_rate: 0.7,
                nationalities: nations(&[("NOR", 50.0), ("DEU", 30.0), ("USA", 20.0)]),
            },
            Front {
                name: "South".into(),
                casualty_rate: 0.3,
                nationalities: nations(&[("ITA", 60.0), ("USA", 40.0)]),
            },
        ],
        triage_weights: [
            (
                InjuryType::BattleInjury,
                TriageWeights {
                    t1: 0.4,
                    t2: 0.4,
                    t3: 0.2,
                },
            ),
            (
                InjuryType::NonBattleInjury,
                TriageWeights {
                    t1: 0.15,
                    t2: 0.35,
                    t3: 0.5,
                },
            ),
            (
                InjuryType::Disease,
                TriageWeights {
                    t1: 0.1,
                    t2: 0.3,
                    t3: 0.6,
                },
            ),
        ]
        .into_iter()
        .collect(),
        ..Scenario::default()
    }
}

fn patients() -> Vec<Patient> {
    Generator::new(&scenario(), 99)
        .unwrap()
        .patients()
        .collect()
}

fn assert_share(what: &str, count: usize, of: usize, expected: f64, points: f64) {
    let share = count as f64 / of as f64;
    assert!(
        (share - expected).abs() * 100.0 <= points,
        "{what}: {:.2} % observed, {:.2} % expected (tolerance {points} points)",
        share * 100.0,
        expected * 100.0
    );
}

#[test]
fn configured_shares_come_out() {
    let s = scenario();
    let all = patients();
    let n = all.len();
    for (kind, expected) in InjuryType::ALL.iter().zip(s.injury_mix.shares()) {
        let count = all.iter().filter(|p| p.injury_type() == *kind).count();
        assert_share(&format!("injury type {kind}"), count, n, expected, 1.0);
    }
    let front_total: f64 = s.fronts.iter().map(|f| f.casualty_rate).sum();
    for code in ["NOR", "DEU", "USA", "ITA"] {
        let expected: f64 = s
            .fronts
            .iter()
            .map(|f| {
                let total: f64 = f.nationalities.values().sum();
                f.casualty_rate / front_total * f.nationalities.get(code).copied().unwrap_or(0.0)
                    / total
            })
            .sum();
        let count = all.iter().filter(|p| p.nation().code == code).count();
        assert_share(&format!("nationality {code}"), count, n, expected, 1.0);
    }
    for (kind, weights) in &s.triage_weights {
        let of_kind: Vec<_> = all.iter().filter(|p| p.injury_type() == *kind).collect();
        for (triage, expected) in Triage::ALL.iter().zip(weights.weights()) {
            let count = of_kind.iter().filter(|p| p.triage() == *triage).count();
            assert_share(
                &format!("triage {triage} of {kind}"),
                count,
                of_kind.len(),
                expected,
                1.0,
            );
        }
    }
}

#[test]
fn triage_weights_keep_every_patient_coherent() {
    // Asking for 40 % T1 among battle injuries shifts the injuries, never the rules: every
    // patient's category is the one his injuries call for.
    for p in patients() {
        let assessed = p.assessment().triage;
        assert_eq!(p.triage(), assessed, "patient {}", p.index());
    }
}

#[test]
fn expectant_only_where_the_scenario_asks_and_only_for_the_unsurvivable() {
    let run = |expectant: bool| -> Vec<Patient> {
        let mut s = Scenario::preset("mass_casualty").unwrap();
        s.patients = 30_000;
        s.expectant_triage = expectant;
        Generator::new(&s, 7).unwrap().patients().collect()
    };
    let with = run(true);
    let expectant: Vec<_> = with.iter().filter(|p| p.triage() == Triage::T4).collect();
    assert!(
        expectant.len() > 100,
        "{} expectant casualties",
        expectant.len()
    );
    for p in &expectant {
        assert!(p.assessment().picture.unsurvivable, "patient {}", p.index());
        assert_eq!(p.outcome(), milmed_core::model::Outcome::Kia);
    }
    assert!(
        with.iter()
            .filter(|p| p.assessment().picture.unsurvivable)
            .all(|p| p.triage() == Triage::T4)
    );
    let without = run(false);
    assert!(without.iter().all(|p| p.triage() != Triage::T4));
    // The same casualties, triaged T1 instead.
    let unsurvivable = without
        .iter()
        .filter(|p| p.assessment().picture.unsurvivable)
        .count();
    assert_eq!(unsurvivable, expectant.len());
}
