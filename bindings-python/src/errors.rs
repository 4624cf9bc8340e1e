//! Python exceptions raised by the module.
//!
//! `ScenarioError` and `BudgetExceeded` are plain Python classes (in `milmed/_errors.py`),
//! so that they pickle across processes (Dask workers) and carry documented attributes;
//! this module builds and raises them.

use milmed_core::ScenarioError;
use milmed_core::budget::Resource;
use pyo3::call::PyCallArgs;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;

/// Builds an instance of the exception class `name` of `milmed._errors`.
fn raise<'py>(py: Python<'py>, name: &str, args: impl PyCallArgs<'py>) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let class = py.import("milmed._errors")?.getattr(name)?;
        Ok(PyErr::from_value(class.call1(args)?))
    };
    build().unwrap_or_else(|e| e)
}

/// `milmed.ScenarioError`, whose `issues` are `(path, message)` pairs.
pub(crate) fn scenario_error(py: Python<'_>, error: &ScenarioError) -> PyErr {
    let issues: Vec<(String, String)> = match error {
        ScenarioError::Invalid(issues) => issues
            .iter()
            .map(|i| (i.path.clone(), i.message.clone()))
            .collect(),
        ScenarioError::Parse {
            path,
            message,
            line,
            column,
            ..
        } => {
            let at = if *line > 0 {
                format!(" (line {line}, column {column})")
            } else {
                String::new()
            };
            vec![(path.clone(), format!("{message}{at}"))]
        }
        ScenarioError::UnknownPreset { .. } => vec![("preset".to_owned(), error.to_string())],
        ScenarioError::Io { path, message } => vec![(path.clone(), message.clone())],
        // ScenarioError is non-exhaustive in spirit: whatever it says, say it.
        #[allow(unreachable_patterns)]
        _ => vec![(".".to_owned(), error.to_string())],
    };
    raise(py, "ScenarioError", (error.to_string(), issues))
}

/// `milmed.BudgetExceeded`. Times are given in seconds, other resources in their unit.
pub(crate) fn budget_exceeded(
    py: Python<'_>,
    resource: Resource,
    limit: u64,
    used: u64,
    patients_written: u64,
) -> PyErr {
    let (limit, used): (Py<PyAny>, Py<PyAny>) = match resource {
        Resource::WallTime | Resource::CpuTime => (seconds(py, limit), seconds(py, used)),
        _ => (int(py, limit), int(py, used)),
    };
    raise(
        py,
        "BudgetExceeded",
        (resource.as_str(), limit, used, patients_written),
    )
}

fn seconds(py: Python<'_>, ms: u64) -> Py<PyAny> {
    (ms as f64 / 1000.0)
        .into_pyobject(py)
        .expect("a float converts")
        .into_any()
        .unbind()
}

fn int(py: Python<'_>, value: u64) -> Py<PyAny> {
    value
        .into_pyobject(py)
        .expect("an int converts")
        .into_any()
        .unbind()
}

/// A `ValueError` naming the argument, what was given and what is allowed.
pub(crate) fn bad_argument(name: &str, message: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!("{name}: {message}"))
}

/// An `OSError` for a failed write or read.
pub(crate) fn io_error(error: impl std::fmt::Display) -> PyErr {
    PyOSError::new_err(error.to_string())
}
