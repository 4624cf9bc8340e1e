//! `milmed._native`: the Rust half of the `milmed` Python module.
//!
//! Everything here converts: Python arguments into a [`milmed_core`] job, and the job's
//! bytes, reports and errors back into Python objects. The generator, the formats, the
//! budgets and the job runner all live in milmed-core; `python/milmed/__init__.py` is the
//! public API, with docstrings, over these functions.
//!
//! Every job runs on a thread of its own ([`running`]); the calling Python thread waits for
//! its output with the GIL released, waking every few milliseconds to let Python handle
//! signals (Ctrl-C cancels the job within one batch) and to report progress.
#![warn(missing_docs)]

mod arrow;
mod budget;
mod errors;
mod options;
mod running;
mod scenario;
mod stream;

use pyo3::prelude::*;

/// The extension module, imported as `milmed._native`.
#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<scenario::PyScenario>()?;
    m.add_class::<budget::PyBudget>()?;
    m.add_class::<stream::ByteStream>()?;
    m.add_class::<arrow::ArrowTable>()?;
    m.add_function(wrap_pyfunction!(stream::stream, m)?)?;
    m.add_function(wrap_pyfunction!(stream::write, m)?)?;
    m.add_function(wrap_pyfunction!(arrow::table, m)?)?;
    m.add_function(wrap_pyfunction!(options::shards, m)?)?;
    m.add_function(wrap_pyfunction!(options::formats, m)?)?;
    Ok(())
}
