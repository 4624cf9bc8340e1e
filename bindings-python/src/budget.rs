//! `milmed.Budget`: limits on one job, converted to [`milmed_core::budget::Budget`].

use std::time::Duration;

use milmed_core::budget::Budget;
use pyo3::prelude::*;

use crate::options::{bytes_limit, patient_count, seconds};

/// Limits on one call: patients, bytes written, wall-clock and CPU seconds, and memory.
#[pyclass(name = "Budget", module = "milmed", frozen, eq)]
#[derive(Clone, Copy, PartialEq)]
pub(crate) struct PyBudget {
    budget: Budget,
}

impl PyBudget {
    pub(crate) fn inner(&self) -> Budget {
        self.budget
    }
}

// The extractors of the keyword arguments (`#[pyo3(from_py_with = …)]`); None is no limit.

fn max_patients_arg(value: &Bound<'_, PyAny>) -> PyResult<Option<u64>> {
    if value.is_none() {
        return Ok(None);
    }
    patient_count("max_patients", value).map(Some)
}

fn max_bytes_arg(value: &Bound<'_, PyAny>) -> PyResult<Option<u64>> {
    bytes_limit("max_bytes", value)
}

fn max_memory_arg(value: &Bound<'_, PyAny>) -> PyResult<Option<u64>> {
    bytes_limit("max_memory", value)
}

/// Seconds as a duration: finite and not negative.
fn duration(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Option<Duration>> {
    if value.is_none() {
        return Ok(None);
    }
    // `seconds` checked it finite and not negative; a value too large for a Duration
    // (over 584 billion years) is as good as no limit.
    Ok(Some(
        Duration::try_from_secs_f64(seconds(name, value)?).unwrap_or(Duration::MAX),
    ))
}

fn max_seconds_arg(value: &Bound<'_, PyAny>) -> PyResult<Option<Duration>> {
    duration("max_seconds", value)
}

fn max_cpu_seconds_arg(value: &Bound<'_, PyAny>) -> PyResult<Option<Duration>> {
    duration("max_cpu_seconds", value)
}

fn as_seconds(d: Option<Duration>) -> Option<f64> {
    d.map(|d| d.as_secs_f64())
}

#[pymethods]
impl PyBudget {
    #[new]
    #[pyo3(signature = (*, max_patients=None, max_bytes=None, max_seconds=None, max_cpu_seconds=None, max_memory=None))]
    fn new(
        #[pyo3(from_py_with = max_patients_arg)] max_patients: Option<u64>,
        #[pyo3(from_py_with = max_bytes_arg)] max_bytes: Option<u64>,
        #[pyo3(from_py_with = max_seconds_arg)] max_seconds: Option<Duration>,
        #[pyo3(from_py_with = max_cpu_seconds_arg)] max_cpu_seconds: Option<Duration>,
        #[pyo3(from_py_with = max_memory_arg)] max_memory: Option<u64>,
    ) -> PyBudget {
        PyBudget {
            budget: Budget {
                max_patients,
                max_bytes,
                max_wall_time: max_seconds,
                max_cpu_time: max_cpu_seconds,
                max_memory,
            },
        }
    }

    #[getter]
    fn max_patients(&self) -> Option<u64> {
        self.budget.max_patients
    }

    #[getter]
    fn max_bytes(&self) -> Option<u64> {
        self.budget.max_bytes
    }

    #[getter]
    fn max_seconds(&self) -> Option<f64> {
        as_seconds(self.budget.max_wall_time)
    }

    #[getter]
    fn max_cpu_seconds(&self) -> Option<f64> {
        as_seconds(self.budget.max_cpu_time)
    }

    #[getter]
    fn max_memory(&self) -> Option<u64> {
        self.budget.max_memory
    }

    fn __repr__(&self) -> String {
        let mut parts = Vec::new();
        let mut add = |name: &str, value: Option<String>| {
            if let Some(v) = value {
                parts.push(format!("{name}={v}"));
            }
        };
        add(
            "max_patients",
            self.budget.max_patients.map(|v| v.to_string()),
        );
        add("max_bytes", self.budget.max_bytes.map(|v| v.to_string()));
        add("max_seconds", self.max_seconds().map(|v| v.to_string()));
        add(
            "max_cpu_seconds",
            self.max_cpu_seconds().map(|v| v.to_string()),
        );
        add("max_memory", self.budget.max_memory.map(|v| v.to_string()));
        format!("Budget({})", parts.join(", "))
    }

    /// Pickles as the keyword arguments that rebuild it (Dask ships budgets to workers).
    fn __getnewargs_ex__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<((), Bound<'py, pyo3::types::PyDict>)> {
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("max_patients", self.max_patients())?;
        kwargs.set_item("max_bytes", self.max_bytes())?;
        kwargs.set_item("max_seconds", self.max_seconds())?;
        kwargs.set_item("max_cpu_seconds", self.max_cpu_seconds())?;
        kwargs.set_item("max_memory", self.max_memory())?;
        Ok(((), kwargs))
    }
}
