//! The small commands: `presets`, `scenario show`, `validate`; and scenario loading.

use std::fmt::Write as _;
use std::path::Path;

use milmed_core::scenario::{ScenarioError, preset_names};
use milmed_core::{Generator, Scenario};

use crate::exit::{Exit, USAGE, print_stdout};

/// One line per preset: name, patients, days, description.
pub fn presets() -> Result<(), Exit> {
    let mut text = String::new();
    let width = preset_names().iter().map(|n| n.len()).max().unwrap_or(0);
    for name in preset_names() {
        let s = load_preset(name)?;
        let _ = writeln!(
            text,
            "{name:<width$}  {patients:>6} patients  {days:>3} {unit}  {description}",
            patients = s.patients,
            days = s.days,
            unit = if s.days == 1 { "day " } else { "days" },
            description = s.description
        );
    }
    print_stdout(&text)
}

/// A preset (or, without a name, the default scenario) as pretty JSON.
pub fn scenario_show(name: Option<&str>) -> Result<(), Exit> {
    let scenario = match name {
        Some(name) => load_preset(name)?,
        None => Scenario::default(),
    };
    let mut text = scenario.to_json_pretty();
    text.push('\n');
    print_stdout(&text)
}

/// Checks a scenario file: `FILE: valid (…)` and exit 0, or one line per problem (shape
/// and values together) and exit 2 — 2 even when standard output could not take the
/// lines (`milmed validate FILE | head -1`), so that the verdict does not depend on the
/// reader.
pub fn validate(file: &Path) -> Result<(), Exit> {
    let shown = file.display();
    let checked = Scenario::from_path(file).and_then(|s| s.validate().map(|()| s));
    match checked {
        Ok(scenario) => print_stdout(&format!(
            "{shown}: valid ({} patients over {} day{})\n",
            scenario.patients,
            scenario.days,
            if scenario.days == 1 { "" } else { "s" }
        )),
        Err(ScenarioError::Invalid(issues)) => {
            let mut text = String::new();
            for issue in &issues {
                let _ = writeln!(text, "{shown}: {issue}");
            }
            // A reader that went away is quiet; another write failure is said, but the
            // file is invalid either way.
            let message = print_stdout(&text).err().and_then(|e| e.message);
            Err(Exit {
                code: USAGE,
                message,
            })
        }
        // The I/O message already names the file.
        Err(e @ ScenarioError::Io { .. }) => Err(Exit::usage(e.to_string())),
        Err(other) => Err(Exit::usage(format!("{shown}: {other}"))),
    }
}

/// A named preset; an unknown name is bad input.
pub fn load_preset(name: &str) -> Result<Scenario, Exit> {
    Scenario::preset(name).map_err(|e| Exit::usage(e.to_string()))
}

/// A scenario file, read and parsed (not validated). Errors name the file once.
pub fn load_file(file: &Path) -> Result<Scenario, Exit> {
    Scenario::from_path(file).map_err(|e| match e {
        // The I/O message already names the file.
        ScenarioError::Io { .. } => Exit::usage(e.to_string()),
        _ => Exit::usage(format!("{}: {e}", file.display())),
    })
}

/// A generator for `scenario`; an invalid scenario is bad input, reported on one line.
pub fn generator(scenario: &Scenario, seed: u64, source: &str) -> Result<Generator, Exit> {
    Generator::new(scenario, seed).map_err(|e| Exit::usage(format!("{source}: {e}")))
}
