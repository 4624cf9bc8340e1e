//! `milmed audit`: the clinical rules as a table on stdout; exit 0 when every rule
//! passes, 1 when one fails, 2 for bad input.

mod common;

use common::{TempDir, milmed, one_error_line, stderr, stdout, success};

/// Every row of the table, in order.
const RULES: [&str; 40] = [
    "minor-never-t1",
    "minor-never-die",
    "harmless-never-die",
    "shock-is-t1",
    "tension-is-t1",
    "airway-is-t1",
    "expectant-is-unsurvivable",
    "shock-hypotensive",
    "hypothermia-below-35",
    "febrile-at-38",
    "coma-has-a-cause",
    "amputee-leaves-theatre",
    "severe-tbi-leaves-theatre",
    "tourniquet-on-limb-bleeding",
    "tourniquet-within-10-min",
    "laparotomy-on-abdomen",
    "t1-torso-operated",
    "txa-within-3h",
    "surgery-within-capability",
    "tension-decompressed",
    "battle-case-fatality",
    "kia-share-of-deaths",
    "unsurvivable-die",
    "mortality-rises-with-grade",
    "death-rate-ais-3",
    "death-rate-ais-4",
    "death-rate-ais-5",
    "death-rate-ais-6",
    "dnbi-return-to-duty",
    "disease-mortality",
    "deaths-in-transit",
    "treatments-inside-stays",
    "t1-care-within-1h",
    "t1-surgery-within-2h",
    "sick-call-at-role1",
    "mass-casualty-is-battle",
    "junior-enlisted-young",
    "women-among-battle-casualties",
    "climate-fits-theatre",
    "decontaminated-first",
];

/// The rule names of the table's rows, in order (the lines between the header and the
/// closing summary).
fn rows(table: &str) -> Vec<&str> {
    let mut lines = table.lines();
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("clinical audit of ")),
        "{table}"
    );
    let header = lines.next().expect("a header");
    assert!(
        header
            .split_whitespace()
            .eq(["rule", "value", "bound", "n", "verdict", "source"]),
        "{header}"
    );
    lines
        .take_while(|l| !l.starts_with("all ") && !l.contains(" rules failed:"))
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect()
}

/// The names of the rows marked FAIL.
fn failed(table: &str) -> Vec<&str> {
    table
        .lines()
        .filter(|l| l.split_whitespace().any(|w| w == "FAIL"))
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect()
}

#[test]
fn audit_of_a_preset_prints_every_rule_and_passes() {
    let out = milmed(["audit", "--preset", "nato_article_5", "-n", "20000"]);
    let table = stdout(&out);
    assert_eq!(rows(&table), RULES, "{table}");
    assert!(
        table.starts_with("clinical audit of preset nato_article_5: 20000 patients, seed 0\n"),
        "{table}"
    );
    assert!(
        table.ends_with(&format!("all {} rules passed\n", RULES.len())),
        "{table}"
    );
    success(&out);
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

/// Exit 1 exactly when a row says FAIL, with one stderr line naming every failed rule;
/// and the table does not depend on the number of threads.
#[test]
fn the_exit_code_follows_the_table_whatever_the_threads() {
    let args = [
        "audit",
        "--preset",
        "mass_casualty",
        "-n",
        "20000",
        "--seed",
        "5",
    ];
    let one = milmed(args.iter().chain(&["--threads", "1"]));
    let three = milmed(args.iter().chain(&["--threads", "3"]));
    let table = stdout(&one);
    assert_eq!(table, stdout(&three));
    assert_eq!(one.status.code(), three.status.code());
    assert_eq!(rows(&table), RULES, "{table}");
    let failures = failed(&table);
    if failures.is_empty() {
        success(&one);
        assert!(
            table.ends_with(&format!("all {} rules passed\n", RULES.len())),
            "{table}"
        );
    } else {
        let line = one_error_line(&one, 1);
        assert!(
            line.starts_with("milmed: error: clinical audit failed: "),
            "{line}"
        );
        for rule in failures {
            assert!(line.contains(rule), "{rule} not named in {line}");
        }
    }
}

#[test]
fn audit_reads_a_scenario_file() {
    let dir = TempDir::new("audit-scenario");
    let shown = milmed(["scenario", "show", "training_exercise"]);
    success(&shown);
    let file = dir.write("training.json", &stdout(&shown));
    let out = milmed([
        "audit".as_ref(),
        "--scenario".as_ref(),
        file.as_os_str(),
        "-n".as_ref(),
        "3000".as_ref(),
    ]);
    let table = stdout(&out);
    assert!(
        table.starts_with(&format!(
            "clinical audit of {}: 3000 patients, seed 0\n",
            file.display()
        )),
        "{table}"
    );
    assert_eq!(rows(&table), RULES, "{table}");
}

#[test]
fn an_unknown_preset_is_bad_input_and_named() {
    let out = milmed(["audit", "--preset", "nato", "-n", "20000"]);
    let line = one_error_line(&out, 2);
    assert!(line.contains("unknown preset `nato`"), "{line}");
    assert!(line.contains("nato_article_5"), "{line}");
    assert!(stdout(&out).is_empty());
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["audit", "-n", "0"][..],
        &["audit", "--preset", "peacekeeping", "--scenario", "x.json"],
        &["audit", "--threads", "0"],
        &["audit", "--bogus"],
    ] {
        let out = milmed(args);
        let line = one_error_line(&out, 2);
        assert!(line.contains("milmed audit --help"), "{args:?}: {line}");
    }
}
