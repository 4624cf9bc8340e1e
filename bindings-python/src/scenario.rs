//! `milmed.Scenario`: a checked scenario, read from a preset, a dict or JSON.

use milmed_core::Scenario;
use milmed_core::scenario::preset_names;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use crate::errors::scenario_error;

/// A scenario: how many casualties, over how many days, from which kinds of warfare and
/// fronts, and how they fare. Immutable; build a new one to change it.
#[pyclass(name = "Scenario", module = "milmed", frozen)]
pub(crate) struct PyScenario {
    scenario: Scenario,
}

impl PyScenario {
    pub(crate) fn inner(&self) -> &Scenario {
        &self.scenario
    }

    /// Wraps a scenario after checking every rule, so an invalid one never reaches Python.
    fn checked(py: Python<'_>, scenario: Scenario) -> PyResult<PyScenario> {
        scenario.validate().map_err(|e| scenario_error(py, &e))?;
        Ok(PyScenario { scenario })
    }
}

#[pymethods]
impl PyScenario {
    /// The default scenario (`milmed.Scenario()`).
    #[new]
    fn new() -> PyScenario {
        PyScenario {
            scenario: Scenario::default(),
        }
    }

    /// One of the named presets.
    #[classmethod]
    fn preset(_cls: &Bound<'_, PyType>, py: Python<'_>, name: &str) -> PyResult<PyScenario> {
        let scenario = Scenario::preset(name).map_err(|e| scenario_error(py, &e))?;
        PyScenario::checked(py, scenario)
    }

    /// The names of the presets.
    #[staticmethod]
    fn presets() -> Vec<&'static str> {
        preset_names().to_vec()
    }

    /// Reads a scenario from JSON text; shape errors and broken rules raise `ScenarioError`.
    #[classmethod]
    fn from_json(_cls: &Bound<'_, PyType>, py: Python<'_>, text: &str) -> PyResult<PyScenario> {
        let scenario = Scenario::from_json(text).map_err(|e| scenario_error(py, &e))?;
        PyScenario::checked(py, scenario)
    }

    /// Reads a scenario from a dict of the JSON shape (through `json.dumps`). Anything but
    /// a dict (or a subclass) is a `TypeError` naming the type given.
    #[classmethod]
    fn from_dict(
        cls: &Bound<'_, PyType>,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
    ) -> PyResult<PyScenario> {
        if !data.is_instance_of::<PyDict>() {
            let given = data
                .get_type()
                .name()
                .map_or_else(|_| "?".to_owned(), |n| n.to_string());
            return Err(PyTypeError::new_err(format!(
                "Scenario.from_dict: expected a dict of the scenario's fields, got {given}; for JSON text use Scenario.from_json"
            )));
        }
        let text: String = py
            .import("json")?
            .call_method1("dumps", (data,))?
            .extract()?;
        PyScenario::from_json(cls, py, &text)
    }

    /// The scenario as JSON text, every field spelled out.
    fn to_json(&self) -> String {
        self.scenario.to_json_pretty()
    }

    /// The scenario as a dict of the JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?
            .call_method1("loads", (self.scenario.to_json_pretty(),))
    }

    /// Checks every rule again; raises `ScenarioError` listing each broken one.
    fn validate(&self, py: Python<'_>) -> PyResult<()> {
        self.scenario.validate().map_err(|e| scenario_error(py, &e))
    }

    /// The scenario's name.
    #[getter]
    fn name(&self) -> &str {
        &self.scenario.name
    }

    /// Patients in a run of this scenario.
    #[getter]
    fn patients(&self) -> u64 {
        self.scenario.patients
    }

    /// Days of the operation.
    #[getter]
    fn days(&self) -> u32 {
        self.scenario.days
    }

    fn __repr__(&self) -> String {
        format!(
            "Scenario(name={:?}, patients={}, days={})",
            self.scenario.name, self.scenario.patients, self.scenario.days
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyScenario>()
            .is_ok_and(|o| o.get().scenario == self.scenario)
    }

    /// Hash of the JSON, consistent with `==`.
    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.scenario.to_json_pretty().hash(&mut hasher);
        hasher.finish()
    }

    /// Pickles as its JSON (Dask ships scenarios to workers).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let from_json = slf.get_type().getattr("from_json")?;
        Ok((from_json, (slf.get().to_json(),)))
    }
}
