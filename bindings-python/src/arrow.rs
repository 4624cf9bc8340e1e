//! Arrow tables (`to_arrow`), handed to Python through the Arrow PyCapsule interface.
//!
//! The job's workers pack each patient's typed row with milmed-core's
//! [`TableEncoder`]; the sink here appends the cells to Arrow builders and cuts a
//! record batch every [`ROWS_PER_BATCH`] rows (or [`BUILDER_BYTES`] of builders). The
//! finished batches are exported with `__arrow_c_stream__`, so pyarrow, polars and pandas
//! take them without a copy.
//!
//! The table is memory the job holds until it returns, so it counts against the budget's
//! `max_memory`: after every batch the sink adds up the builders' allocated buffers and
//! the record batches made so far, and when the sum passes the limit it stops the job
//! (milmed-core's `JobSink::stopped`), which ends `BudgetExceeded { memory }` like any
//! other limit. The rows made before a stop come with the exception (`partial`).

use std::ffi::CStr;
use std::io;
use std::sync::{Arc, Mutex};

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
    TimestampSecondBuilder,
};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{ArrayRef, RecordBatch, RecordBatchIterator};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use milmed_core::budget::Resource;
use milmed_core::format::table::{Cell, Column, ColumnType, Table, TableEncoder, cells};
use milmed_core::job::{EncodedBatch, JobEnd, JobSink};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::budget::PyBudget;
use crate::errors::bad_argument;
use crate::options::{
    RunOptions, batch_size_arg, patients_arg, seed_arg, start_arg, stop_arg, threads_arg,
};
use crate::running::{Outbox, Running};
use crate::scenario::PyScenario;

/// Most rows per Arrow record batch.
const ROWS_PER_BATCH: usize = 1 << 16;

/// Bytes of builders at which their rows are cut into a record batch even before
/// [`ROWS_PER_BATCH`]. Builders grow by doubling their buffers, so this bounds how far one
/// growth step can take the table past a memory limit.
const BUILDER_BYTES: u64 = 8 << 20;

/// The time zone of timestamp columns.
const UTC: &str = "UTC";

/// The Arrow type of a column.
fn data_type(kind: ColumnType) -> DataType {
    match kind {
        ColumnType::Int => DataType::Int64,
        ColumnType::Decimal => DataType::Float64,
        ColumnType::Text => DataType::Utf8,
        ColumnType::TextList => DataType::List(Arc::new(list_item())),
        ColumnType::Bool => DataType::Boolean,
        ColumnType::Date => DataType::Date32,
        ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Second, Some(UTC.into())),
    }
}

/// The items of a list column: texts, never null.
fn list_item() -> Field {
    Field::new("item", DataType::Utf8, false)
}

/// The Arrow schema of a table: one field per column, nullable where the column is.
fn schema(table: Table) -> SchemaRef {
    let fields: Vec<Field> = table
        .columns()
        .iter()
        .map(|c| Field::new(c.name, data_type(c.kind), c.nullable))
        .collect();
    Arc::new(Schema::new(fields))
}

/// Builds one column.
enum Builder {
    Int(Int64Builder),
    Decimal(Float64Builder),
    Text(StringBuilder),
    List(ListBuilder<StringBuilder>),
    Bool(BooleanBuilder),
    Date(Date32Builder),
    Timestamp(TimestampSecondBuilder),
}

impl Builder {
    fn new(column: &Column) -> Builder {
        match column.kind {
            ColumnType::Int => Builder::Int(Int64Builder::new()),
            ColumnType::Decimal => Builder::Decimal(Float64Builder::new()),
            ColumnType::Text => Builder::Text(StringBuilder::new()),
            ColumnType::TextList => {
                Builder::List(ListBuilder::new(StringBuilder::new()).with_field(list_item()))
            }
            ColumnType::Bool => Builder::Bool(BooleanBuilder::new()),
            ColumnType::Date => Builder::Date(Date32Builder::new()),
            ColumnType::Timestamp => {
                Builder::Timestamp(TimestampSecondBuilder::new().with_timezone(UTC))
            }
        }
    }

    /// Appends a cell; `false` if it does not fit the column (a bug, reported as such).
    fn append(&mut self, cell: Cell<'_>) -> bool {
        match (self, cell) {
            (Builder::Int(b), Cell::Int(v)) => b.append_value(v),
            (Builder::Decimal(b), Cell::Decimal(tenths)) => b.append_value(tenths as f64 / 10.0),
            (Builder::Text(b), Cell::Text(v)) => b.append_value(v),
            (Builder::List(b), Cell::List(items)) => {
                for item in items {
                    b.values().append_value(item);
                }
                b.append(true);
            }
            (Builder::Bool(b), Cell::Bool(v)) => b.append_value(v),
            (Builder::Date(b), Cell::Date(days)) => match i32::try_from(days) {
                Ok(days) => b.append_value(days),
                Err(_) => return false,
            },
            (Builder::Timestamp(b), Cell::Timestamp(unix)) => b.append_value(unix),
            (Builder::Int(b), Cell::Null) => b.append_null(),
            (Builder::Decimal(b), Cell::Null) => b.append_null(),
            (Builder::Text(b), Cell::Null) => b.append_null(),
            (Builder::List(b), Cell::Null) => b.append(false),
            (Builder::Bool(b), Cell::Null) => b.append_null(),
            (Builder::Date(b), Cell::Null) => b.append_null(),
            (Builder::Timestamp(b), Cell::Null) => b.append_null(),
            _ => return false,
        }
        true
    }

    /// Bytes of the buffers the builder has allocated (capacity, not length).
    fn allocated(&self) -> u64 {
        fn text(b: &StringBuilder) -> usize {
            b.values_capacity() + b.offsets_capacity() * size_of::<i32>() + b.validity_capacity()
        }
        let bytes = match self {
            Builder::Int(b) => b.capacity() * size_of::<i64>() + b.validity_capacity(),
            Builder::Decimal(b) => b.capacity() * size_of::<f64>() + b.validity_capacity(),
            Builder::Text(b) => text(b),
            Builder::List(b) => {
                b.offsets_capacity() * size_of::<i32>()
                    + b.validity_capacity()
                    + text(b.values_ref())
            }
            // Values and validity are bitmaps of the same length.
            Builder::Bool(b) => b.capacity().div_ceil(8) * 2,
            Builder::Date(b) => b.capacity() * size_of::<i32>() + b.validity_capacity(),
            Builder::Timestamp(b) => b.capacity() * size_of::<i64>() + b.validity_capacity(),
        };
        bytes as u64
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Decimal(b) => Arc::new(b.finish()),
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::List(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::Date(b) => Arc::new(b.finish()),
            Builder::Timestamp(b) => Arc::new(b.finish()),
        }
    }
}

/// Appends packed rows to Arrow builders and sends a record batch every
/// [`ROWS_PER_BATCH`] rows or [`BUILDER_BYTES`] bytes of builders.
struct ArrowSink {
    outbox: Outbox<RecordBatch>,
    table: Table,
    schema: SchemaRef,
    builders: Vec<Builder>,
    /// Rows in the builders.
    rows: usize,
    /// Packed bytes taken in (the job's byte count: about the size of the Arrow data).
    bytes: u64,
    /// Bytes of the record batches sent so far: Python keeps every one until the table
    /// is returned.
    sent: u64,
    /// The budget's memory limit, which the table counts against.
    max_memory: Option<u64>,
    /// Set when the table passed `max_memory`: the job stops with this end.
    exceeded: Option<JobEnd>,
}

impl ArrowSink {
    fn new(outbox: Outbox<RecordBatch>, table: Table, max_memory: Option<u64>) -> ArrowSink {
        ArrowSink {
            outbox,
            table,
            schema: schema(table),
            builders: table.columns().iter().map(Builder::new).collect(),
            rows: 0,
            bytes: 0,
            sent: 0,
            max_memory,
            exceeded: None,
        }
    }

    /// Bytes the builders have allocated.
    fn building(&self) -> u64 {
        self.builders.iter().map(Builder::allocated).sum()
    }

    /// Bytes the table holds: the record batches made and the builders.
    fn held(&self) -> u64 {
        self.sent + self.building()
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let columns = self.builders.iter_mut().map(Builder::finish).collect();
        let batch =
            RecordBatch::try_new(Arc::clone(&self.schema), columns).map_err(io::Error::other)?;
        self.rows = 0;
        let size = batch.get_array_memory_size() as u64;
        self.sent += size;
        self.outbox.send(batch, size)
    }
}

impl JobSink for ArrowSink {
    type Output = ();

    fn write_batch(&mut self, batch: &mut EncodedBatch) -> io::Result<()> {
        let columns = self.table.columns();
        let width = columns.len();
        let mut column = 0;
        for cell in cells(&batch.bytes) {
            let cell = cell.map_err(io::Error::other)?;
            if !self.builders[column].append(cell) {
                return Err(io::Error::other(format!(
                    "cell {cell:?} does not fit column {} of the {} table",
                    columns[column].name,
                    self.table.as_str()
                )));
            }
            column += 1;
            if column == width {
                column = 0;
                self.rows += 1;
            }
        }
        self.bytes += batch.bytes.len() as u64;
        if self.rows >= ROWS_PER_BATCH || self.building() >= BUILDER_BYTES {
            self.flush()?;
        }
        if let Some(limit) = self.max_memory {
            let used = self.held();
            if used > limit && self.exceeded.is_none() {
                self.exceeded = Some(JobEnd::BudgetExceeded {
                    resource: Resource::Memory,
                    limit,
                    used,
                });
            }
        }
        Ok(())
    }

    fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Read by the job once, before its first batch (its fixed costs); from then on the
    /// sink checks the table's growth itself, in `write_batch`.
    fn memory(&self) -> u64 {
        self.held()
    }

    /// The table passed the memory limit: the job stops now (unless that was its last
    /// batch: the run is then complete, as for the job's own limits).
    fn stopped(&self) -> Option<JobEnd> {
        self.exceeded
    }

    fn finish(mut self) -> io::Result<((), u64)> {
        self.flush()?;
        Ok(((), self.bytes))
    }
}

/// A finished Arrow table held in Rust, exported through the Arrow PyCapsule interface
/// (`__arrow_c_stream__`); each export shares the same buffers.
#[pyclass(module = "milmed._native", frozen)]
pub(crate) struct ArrowTable {
    schema: SchemaRef,
    batches: Mutex<Vec<RecordBatch>>,
}

const STREAM_CAPSULE: &CStr = c"arrow_array_stream";

#[pymethods]
impl ArrowTable {
    /// Exports the table as an Arrow C stream (the PyCapsule interface). A requested
    /// schema is ignored: the columns have one fixed type each.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let batches = self.batches.lock().expect("not poisoned").clone();
        let reader =
            RecordBatchIterator::new(batches.into_iter().map(Ok), Arc::clone(&self.schema));
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, STREAM_CAPSULE)
    }

    /// Rows in the table.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batches
            .lock()
            .expect("not poisoned")
            .iter()
            .map(RecordBatch::num_rows)
            .sum()
    }

    /// Column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }
}

/// Generates a run into an Arrow table: `table="patients"` (one row per patient, the
/// `csv` columns) or `"events"` (one row per timeline event, the `events-csv` columns).
#[pyfunction]
#[pyo3(signature = (scenario=None, *, patients=None, seed=0, start=0, stop=None, threads=None, budget=None, table="patients", batch_size=1024, progress=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn table(
    py: Python<'_>,
    scenario: Option<PyRef<'_, PyScenario>>,
    #[pyo3(from_py_with = patients_arg)] patients: Option<u64>,
    #[pyo3(from_py_with = seed_arg)] seed: u64,
    #[pyo3(from_py_with = start_arg)] start: u64,
    #[pyo3(from_py_with = stop_arg)] stop: Option<u64>,
    #[pyo3(from_py_with = threads_arg)] threads: Option<usize>,
    budget: Option<PyRef<'_, PyBudget>>,
    table: &str,
    #[pyo3(from_py_with = batch_size_arg)] batch_size: usize,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<ArrowTable> {
    let table: Table = table.parse().map_err(|e| bad_argument("table", e))?;
    let options = RunOptions::new(
        py,
        scenario.as_deref(),
        patients,
        seed,
        start,
        stop,
        threads,
        budget.as_deref(),
        batch_size,
    )?;
    let encoder = Arc::new(TableEncoder::new(&options.generator, table));
    let max_memory = options.budget.max_memory;
    let running = Running::start(options.job(encoder), move |outbox| {
        Ok(ArrowSink::new(outbox, table, max_memory))
    });
    let mut batches = Vec::new();
    let finished = loop {
        match running.next(py, progress.as_ref())? {
            Ok(batch) => batches.push(batch),
            Err(finished) => break finished,
        }
    };
    let whole = ArrowTable {
        schema: schema(table),
        batches: Mutex::new(batches),
    };
    if let Err(stop) = finished.check_budget(py) {
        // `BudgetExceeded.partial`: the rows made before the stop, converted by the Python
        // wrapper into the type its function returns. Should setting it ever fail, the
        // exception still says why the run stopped.
        let _ = Py::new(py, whole).and_then(|partial| stop.value(py).setattr("partial", partial));
        return Err(stop);
    }
    Ok(whole)
}
