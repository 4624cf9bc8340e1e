//! `milmed.Budget`: limits on one job, converted to [`milmed_core::budget::Budget`].

use std::time::Duration;

use milmed_core::budget::Budget;
use pyo3::prelude::*;

use crate::errors::bad_argument;
use crate::options::natural;

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

/// Seconds as a duration: finite and not negative.
fn duration(name: &str, seconds: Option<f64>) -> PyResult<Option<Duration>> {
    seconds
        .map(|s| {
            Duration::try_from_secs_f64(s).map_err(|_| {
                bad_argument(
                    name,
                    format!("{s} is not allowed; give a finite number of seconds >= 0"),
                )
            })
        })
        .transpose()
}

fn seconds(d: Option<Duration>) -> Option<f64> {
    d.map(|d| d.as_secs_f64())
}

#[pymethods]
impl PyBudget {
    #[new]
    #[pyo3(signature = (*, max_patients=None, max_bytes=None, max_seconds=None, max_cpu_seconds=None, max_memory=None))]
    fn new(
        max_patients: Option<i128>,
        max_bytes: Option<i128>,
        max_seconds: Option<f64>,
        max_cpu_seconds: Option<f64>,
        max_memory: Option<i128>,
    ) -> PyResult<PyBudget> {
        let count = |name: &str, value: Option<i128>| value.map(|v| natural(name, v)).transpose();
        Ok(PyBudget {
            budget: Budget {
                max_patients: count("max_patients", max_patients)?,
                max_bytes: count("max_bytes", max_bytes)?,
                max_wall_time: duration("max_seconds", max_seconds)?,
                max_cpu_time: duration("max_cpu_seconds", max_cpu_seconds)?,
                max_memory: count("max_memory", max_memory)?,
            },
        })
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
        seconds(self.budget.max_wall_time)
    }

    #[getter]
    fn max_cpu_seconds(&self) -> Option<f64> {
        seconds(self.budget.max_cpu_time)
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
