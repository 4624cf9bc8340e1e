//! The clinical audit (`milmed_core::audit`) over a million patients of every preset, and
//! checks that the audit measures what it says.
//!
//! Run with `cargo test -p milmed-core --test clinical -- --nocapture` to see each
//! preset's table.

use milmed_core::audit::{Audit, Bound, Report, Verdict};
use milmed_core::model::{Environment, InjuryType, Outcome, Triage};
use milmed_core::{Generator, Scenario};

/// Seed of the audited runs.
const SEED: u64 = 3;

/// Audits every patient of `scenario` (with `patients` patients) on two threads.
fn audit(mut scenario: Scenario, patients: u64) -> Audit {
    scenario.patients = patients;
    let generator = Generator::new(&scenario, SEED).expect("valid scenario");
    Audit::of_run(&generator, 2)
}

fn verdict<'a>(report: &'a Report, rule: &str) -> &'a Verdict {
    report
        .verdicts()
        .iter()
        .find(|v| v.rule == rule)
        .unwrap_or_else(|| panic!("no rule {rule} in\n{report}"))
}

#[test]
fn a_million_patients_of_each_preset_pass_the_clinical_audit() {
    let mut failed = Vec::new();
    for name in milmed_core::scenario::PRESETS {
        let audit = audit(Scenario::preset(name).unwrap(), 1_000_000);
        assert_eq!(audit.patients(), 1_000_000, "{name}");
        let report = audit.report();
        println!("== {name}: 1,000,000 patients, seed {SEED}\n{report}");
        if !report.passed() {
            failed.push(format!("== {name}\n{report}"));
        }
    }
    assert!(
        failed.is_empty(),
        "clinical rules failed:\n{}",
        failed.join("\n")
    );
}

/// Evacuation slowed by weather and terrain (storm, mountains, dust storm: lower mobility
/// and longer delays) must kill more of the wounded: the outcome depends on the time to
/// care.
#[test]
fn slower_evacuation_kills_more_of_the_wounded() {
    let fatality = |scenario: Scenario| {
        let report = audit(scenario, 200_000).report();
        let v = verdict(&report, "battle-case-fatality");
        assert!(v.count > 10_000, "{report}");
        v.value
    };
    let mut slow = Scenario::default();
    for e in [
        Environment::Storm,
        Environment::MountainousTerrain,
        Environment::DustStorm,
    ] {
        slow.environmental_conditions.insert(e, true);
    }
    let (normal, slowed) = (fatality(Scenario::default()), fatality(slow));
    println!(
        "battle-injury case fatality, 200,000 patients: {:.2} % as is, {:.2} % with storm, \
         mountains and dust storm",
        normal * 100.0,
        slowed * 100.0
    );
    assert!(
        slowed > normal * 1.05,
        "battle-injury case fatality: {:.2} % with slowed evacuation, {:.2} % without",
        slowed * 100.0,
        normal * 100.0
    );
}

/// The audit's counts and values agree with a direct count over the same patients, and
/// merging shards gives the audit of the whole.
#[test]
fn the_audit_counts_what_it_says() {
    let mut scenario = Scenario::preset("nato_article_5").unwrap();
    scenario.patients = 20_000;
    let generator = Generator::new(&scenario, SEED).unwrap();
    let mut whole = Audit::new();
    let (mut first, mut second) = (Audit::new(), Audit::new());
    let (mut battle, mut battle_deaths, mut minor, mut minor_t1) = (0u64, 0u64, 0u64, 0u64);
    for p in generator.patients() {
        whole.add(&p);
        if p.index() < 7_000 {
            &mut first
        } else {
            &mut second
        }
        .add(&p);
        if p.injury_type() == InjuryType::BattleInjury {
            battle += 1;
            battle_deaths += u64::from(matches!(p.outcome(), Outcome::Kia | Outcome::Dow));
        }
        if p.injuries().all(|i| i.grade <= 2) {
            minor += 1;
            minor_t1 += u64::from(p.triage() == Triage::T1);
        }
    }
    first.merge(second);
    assert_eq!(first, whole);
    assert_eq!(whole.patients(), 20_000);
    let report = whole.report();
    let cfr = verdict(&report, "battle-case-fatality");
    assert!(battle > 0 && battle_deaths > 0);
    assert_eq!(cfr.count, battle);
    assert_eq!(cfr.value, battle_deaths as f64 / battle as f64);
    let minor_rule = verdict(&report, "minor-never-t1");
    assert!(minor > 0);
    assert_eq!(minor_rule.count, minor);
    assert_eq!(minor_rule.value, minor_t1 as f64 / minor as f64);
    // Every rule of the table is measured on this run except, possibly, the rare ones.
    for rule in [
        "shock-is-t1",
        "txa-within-3h",
        "tourniquet-on-limb-bleeding",
    ] {
        assert!(verdict(&report, rule).count > 0, "{rule}\n{report}");
    }
}

/// A rule measured on nobody is `n/a` and passes; a rule outside its bound fails and the
/// table says so.
#[test]
fn verdicts_fail_outside_their_bounds_and_pass_when_not_applicable() {
    let report = Audit::new().report();
    assert!(report.passed());
    assert!(report.verdicts().iter().all(|v| v.count == 0));
    let shown = report.to_string();
    let row = shown
        .lines()
        .find(|l| l.starts_with("shock-is-t1 "))
        .unwrap();
    assert!(row.contains("n/a") && row.contains(" ok "), "{row}");

    // Disease only: the battle rules are not applicable, the disease rules are measured.
    let mut scenario = Scenario::preset("peacekeeping").unwrap();
    scenario.injury_mix.battle_injury = 0.0;
    scenario.injury_mix.non_battle_injury = 0.0;
    scenario.injury_mix.disease = 1.0;
    let report = audit(scenario, 5_000).report();
    assert_eq!(
        verdict(&report, "battle-case-fatality").count,
        0,
        "{report}"
    );
    assert_eq!(
        verdict(&report, "disease-mortality").count,
        5_000,
        "{report}"
    );
    assert_eq!(
        verdict(&report, "dnbi-return-to-duty").count,
        5_000,
        "{report}"
    );

    let failing = Verdict {
        rule: "minor-never-die",
        what: "patients whose every condition is grade <= 2 who die",
        value: 1.0 / 1_000.0,
        count: 1_000,
        bound: Bound::AtMost(0.0),
        source: "test",
        share: true,
    };
    assert!(!failing.passed());
    let text = Report(vec![failing.clone()]).to_string();
    assert!(text.contains("0.10 %") && text.contains("FAIL"), "{text}");
    assert!(text.contains("1 of 1 rules failed"), "{text}");
    assert!(
        Verdict {
            count: 0,
            ..failing.clone()
        }
        .passed()
    );
    assert!(
        !Verdict {
            value: 0.30,
            bound: Bound::Between(0.05, 0.25),
            ..failing
        }
        .passed()
    );
}
