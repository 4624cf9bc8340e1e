//! Every patient invariant, over random valid scenarios and seeds (proptest) and over a
//! million patients of each preset.

mod common;

use std::collections::BTreeMap;

use milmed_core::model::{Environment, InjuryType, Intensity, SpecialEvent, Tempo, WarfareType};
use milmed_core::reference::NATIONS;
use milmed_core::scenario::{Front, InjuryMix, TriageWeights, WarfareSetting};
use milmed_core::{Generator, Scenario};
use proptest::prelude::*;

fn arb_scenario() -> impl Strategy<Value = Scenario> {
    let warfare = proptest::collection::btree_map(
        proptest::sample::select(WarfareType::ALL.to_vec()),
        (any::<bool>(), proptest::option::of(0.1f64..5.0))
            .prop_map(|(enabled, weight)| WarfareSetting { enabled, weight }),
        1..=8,
    )
    .prop_filter("one type enabled", |m| m.values().any(|s| s.enabled));
    let fronts = proptest::collection::vec(
        (
            "[A-Za-z ,\"]{1,12}",
            0.0f64..3.0,
            proptest::collection::btree_map(
                proptest::sample::select(
                    NATIONS
                        .iter()
                        .map(|n| n.code.to_owned())
                        .collect::<Vec<_>>(),
                ),
                0.5f64..100.0,
                1..5,
            ),
        ),
        1..4,
    )
    .prop_map(|fronts| {
        let mut fronts: Vec<Front> = fronts
            .into_iter()
            .enumerate()
            .map(|(i, (name, casualty_rate, nationalities))| Front {
                name: format!("{name}{i}"),
                casualty_rate,
                nationalities,
            })
            .collect();
        fronts[0].casualty_rate += 0.1;
        fronts
    });
    let mix = (0.0f64..1.0, 0.0f64..1.0).prop_map(|(a, b)| {
        let (a, b) = (a.min(b), a.max(b));
        InjuryMix {
            battle_injury: a,
            non_battle_injury: b - a,
            disease: 1.0 - b,
        }
    });
    let triage = proptest::collection::btree_map(
        proptest::sample::select(InjuryType::ALL.to_vec()),
        (0.0f64..1.0, 0.0f64..1.0).prop_map(|(a, b)| {
            let (a, b) = (a.min(b), a.max(b));
            TriageWeights {
                t1: a,
                t2: b - a,
                t3: 1.0 - b,
            }
        }),
        0..3,
    );
    (
        (
            1u64..400,
            1u32..40,
            warfare,
            proptest::sample::select(Intensity::ALL.to_vec()),
            proptest::sample::select(Tempo::ALL.to_vec()),
        ),
        (
            proptest::collection::btree_map(
                proptest::sample::select(SpecialEvent::ALL.to_vec()),
                any::<bool>(),
                0..3,
            ),
            proptest::collection::btree_map(
                proptest::sample::select(Environment::ALL.to_vec()),
                any::<bool>(),
                0..5,
            ),
        ),
        (mix, fronts, triage),
    )
        .prop_map(
            |(
                (patients, days, warfare_types, intensity, tempo),
                (special_events, environmental_conditions),
                (injury_mix, fronts, triage_weights),
            )| Scenario {
                patients,
                days,
                warfare_types,
                intensity,
                tempo,
                special_events,
                environmental_conditions,
                injury_mix,
                fronts,
                triage_weights,
                ..Scenario::default()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_patient_of_any_valid_scenario_holds_the_invariants(scenario in arb_scenario(), seed in any::<u64>()) {
        prop_assert!(scenario.validate().is_ok(), "{:?}", scenario.validate());
        let g = Generator::new(&scenario, seed).unwrap();
        let patients: Vec<_> = g.patients().collect();
        prop_assert_eq!(patients.len() as u64, scenario.patients);
        for (i, p) in patients.iter().enumerate() {
            prop_assert_eq!(p.index(), i as u64);
            if let Err(e) = common::check_patient(&g, p) {
                prop_assert!(false, "patient {}: {}", i, e);
            }
        }
        prop_assert!(patients.windows(2).all(|w| w[0].injury_minute() <= w[1].injury_minute()));
    }
}

/// Patients per preset checked one by one. The clinical suite already generates a million
/// of each preset; here a quarter of that (every hour and event of a preset's days is still
/// drawn, since patients are spread over the whole run) keeps this check to about a minute.
const PRESET_PATIENTS: u64 = 250_000;

#[test]
fn a_quarter_million_patients_of_each_preset_hold_the_invariants() {
    for name in milmed_core::scenario::PRESETS {
        let mut scenario = Scenario::preset(name).unwrap();
        scenario.patients = PRESET_PATIENTS;
        let g = Generator::new(&scenario, 2024).unwrap();
        let mut last = 0;
        let mut count = 0u64;
        let mut outcomes = BTreeMap::new();
        for p in g.patients() {
            if let Err(e) = common::check_patient(&g, &p) {
                panic!("{name}: patient {}: {e}", p.index());
            }
            assert!(
                p.injury_minute() >= last,
                "{name}: injury times out of order at {}",
                p.index()
            );
            last = p.injury_minute();
            *outcomes.entry(p.outcome()).or_insert(0u64) += 1;
            count += 1;
        }
        assert_eq!(count, PRESET_PATIENTS, "{name}");
        // Every doctrinal outcome occurs in every preset.
        assert_eq!(outcomes.len(), 4, "{name}: {outcomes:?}");
    }
}
