//! `milmed audit`: generates patients and checks them against the clinical rules of
//! milmed-core's `audit` module, printing one line per rule.

use milmed_core::Scenario;
use milmed_core::audit::Audit;

use crate::args::AuditArgs;
use crate::commands::{generator, load_file, load_preset};
use crate::exit::{Exit, RUNTIME, print_stdout};

/// Runs `milmed audit`: the table on stdout; exit 0 when every rule passed, 1 when one
/// failed (with one stderr line naming the failed rules), 2 for bad input.
pub fn audit(args: &AuditArgs) -> Result<(), Exit> {
    let (mut scenario, source) = match (&args.preset, &args.scenario) {
        (Some(name), _) => (load_preset(name)?, format!("preset {name}")),
        (None, Some(file)) => (load_file(file)?, file.display().to_string()),
        (None, None) => (Scenario::default(), "default scenario".to_owned()),
    };
    scenario.patients = args.patients;
    let generator = generator(&scenario, args.seed, &source)?;
    let threads = match args.threads {
        Some(t) => t,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let total = Audit::of_run(&generator, threads);
    let report = total.report();
    let text = format!(
        "clinical audit of {source}: {} patients, seed {}\n{report}",
        total.patients(),
        args.seed
    );
    // The verdict does not depend on the reader: a failed rule exits 1 even when stdout
    // was closed early.
    let printed = print_stdout(&text);
    let failed: Vec<&str> = report.failures().map(|v| v.rule).collect();
    if failed.is_empty() {
        printed
    } else {
        Err(Exit {
            code: RUNTIME,
            message: Some(format!(
                "clinical audit failed: {} of {} rules ({})",
                failed.len(),
                report.verdicts().len(),
                failed.join(", ")
            )),
        })
    }
}
