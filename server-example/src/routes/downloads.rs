//! `GET /api/v1/downloads/{id}`: a completed job's output, regenerated and streamed.
//!
//! Without `?format=`, always a ZIP with one file per requested format (written as a
//! stream: no seeking, no temporary file), even for a job of one format: the ancestor's
//! clients open the download as a ZIP. With `?format=`, that format alone, served with
//! its own media type ([`media_type`]). Each file is gzipped and
//! encrypted when the job asked; since the password is never stored, an encrypted job's
//! downloads need it again in `X-Encryption-Password`. Generation runs on a blocking
//! thread and feeds the body through a bounded channel, so memory stays flat whatever the
//! job's size.

use std::io::{self, Write};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use milmed_core::budget::Budget;
use milmed_core::format::Format;
use milmed_core::job::{Job as CoreJob, JobEnd, StreamSink, run_job};
use milmed_core::output::{Compression, ENCRYPTED_EXTENSION, Encryption};
use milmed_core::{Generator, Scenario};
use milmed_postgres::{ApiKey, JobStatus};
use serde::Deserialize;
use tokio::sync::mpsc;
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use crate::error::ApiError;
use crate::extract::{ApiExtension, ApiPath, ApiQuery};
use crate::jobs::JobBudget;
use crate::routes::jobs::owned;
use crate::state::AppState;

/// Bytes gathered before a chunk is sent to the response.
const CHUNK: usize = 1 << 16;

/// Chunks in flight between the generating thread and the response.
const CHANNEL_CHUNKS: usize = 4;

/// The query of a download.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DownloadQuery {
    /// One of the job's formats, alone rather than in a ZIP.
    #[param(nullable = false, example = "csv")]
    format: Option<String>,
}

/// Sends what is written to it through a bounded channel, in chunks of [`CHUNK`]
/// bytes; blocks while the channel is full.
struct ChannelWriter {
    tx: mpsc::Sender<Result<Vec<u8>, io::Error>>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// The media type of one format's file: its own (`application/json`, `text/csv`, …),
/// `application/gzip` when gzipped, `application/octet-stream` when encrypted.
pub fn media_type(format: Format, compression: Compression, encrypted: bool) -> &'static str {
    if encrypted {
        return "application/octet-stream";
    }
    if compression == Compression::Gzip {
        return "application/gzip";
    }
    match format {
        Format::Json | Format::Viewer => "application/json",
        Format::Ndjson => "application/x-ndjson",
        Format::Csv | Format::EventsCsv => "text/csv",
        Format::Xml => "application/xml",
        Format::Fhir | Format::FhirTransaction => "application/fhir+ndjson",
        Format::Ndef => "application/octet-stream",
    }
}

/// A file's name inside the download.
/// Formats that share an extension with another (events-csv and csv, viewer and json,
/// the two FHIR formats) carry their name too, so that no two files of a ZIP have one
/// name (a ZIP of both used to break off at the second).
fn file_name(id: i64, format: Format, compression: Compression, encrypted: bool) -> String {
    let suffix = match format {
        Format::EventsCsv => "events.csv",
        Format::Viewer => "viewer.json",
        Format::FhirTransaction => "fhir-transaction.ndjson",
        other => other.extension(),
    };
    let mut name = format!("milmed-job-{id}.{suffix}");
    if compression == Compression::Gzip {
        name.push_str(".gz");
    }
    if encrypted {
        name.push('.');
        name.push_str(ENCRYPTED_EXTENSION);
    }
    name
}

/// `GET /api/v1/downloads/{id}[?format=]`.
#[utoipa::path(
    get,
    path = "/api/v1/downloads/{id}",
    operation_id = "download_job",
    summary = "Download a completed job's output",
    tag = "downloads",
    security(("api_key" = [])),
    params(
        ("id" = String, Path, description = "The job's id, a string of digits as `job_id` gives it."),
        DownloadQuery,
        ("X-Encryption-Password" = Option<String>, Header, nullable = false, description = "The job's encryption password, asked again for an encrypted job's downloads (it is never stored)."),
    ),
    responses(
        (status = 200, description = "The completed job's output, streamed: without `format`, always a ZIP with one file per format (even for one format); with `format`, that format alone with its media type (`application/json` for json and viewer, `application/x-ndjson`, `text/csv` for csv and events-csv, `application/xml`, `application/fhir+ndjson` for the FHIR formats), `application/gzip` when the job asked for compression, `application/octet-stream` when it asked for encryption. Files are gzipped (`.gz`) or encrypted (`.enc`) when the job asked.",
            content(
                (crate::openapi::Binary = "application/zip"),
                (crate::openapi::Binary = "application/json"),
                (crate::openapi::Binary = "application/x-ndjson"),
                (crate::openapi::Binary = "text/csv"),
                (crate::openapi::Binary = "application/xml"),
                (crate::openapi::Binary = "application/fhir+ndjson"),
                (crate::openapi::Binary = "application/gzip"),
                (crate::openapi::Binary = "application/octet-stream"),
            ),
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"milmed-job-{id}.zip\"` (or the one file's name)."))
        ),
        (status = 400, description = "The job is not completed, or the encryption password is missing or wrong in form.", body = crate::openapi::ErrorBody),
        (status = 404, description = "No such job for this key.", body = crate::openapi::ErrorBody),
        (status = 422, description = "`format` is not one of the job's formats, or a query parameter is unknown.", body = crate::openapi::ErrorBody),
    )
)]
pub async fn download(
    State(state): State<AppState>,
    ApiExtension(key): ApiExtension<ApiKey>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<DownloadQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let job = owned(&state, &key, &id).await?;
    if job.status != JobStatus::Completed {
        return Err(ApiError::bad_request(format!(
            "job {} is not completed yet; its status is {}",
            job.id,
            job.status.as_str()
        )));
    }
    let formats: Vec<Format> = job
        .formats
        .iter()
        .map(|f| f.parse::<Format>())
        .collect::<Result<_, _>>()
        .map_err(ApiError::internal)?;
    let formats = match &query.format {
        None => formats,
        Some(name) => {
            let wanted: Format = name
                .parse()
                .map_err(|e| ApiError::unprocessable(format!("format: {e}")))?;
            if !formats.contains(&wanted) {
                return Err(ApiError::unprocessable(format!(
                    "format: job {} has {}, not {name}",
                    job.id,
                    job.formats.join(", ")
                )));
            }
            vec![wanted]
        }
    };
    let compression = if job.budget["compress"] == true {
        Compression::Gzip
    } else {
        Compression::None
    };
    let encryption = if job.budget["encrypt"] == true {
        let password = headers
            .get("x-encryption-password")
            .and_then(|v| v.to_str().ok())
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                ApiError::bad_request(
                    "this job's downloads are encrypted: send the password in the X-Encryption-Password header (it is never stored)",
                )
            })?;
        Some(
            Encryption::new(password)
                .map_err(|e| ApiError::bad_request(format!("X-Encryption-Password: {e}")))?,
        )
    } else {
        None
    };
    let scenario = Scenario::from_value(job.scenario.clone()).map_err(ApiError::internal)?;
    let generator = Generator::new(&scenario, job.seed).map_err(ApiError::internal)?;
    let zipped = query.format.is_none();
    let content_type = if zipped {
        "application/zip"
    } else {
        media_type(formats[0], compression, encryption.is_some())
    };
    let attachment = if zipped {
        format!("milmed-job-{}.zip", job.id)
    } else {
        file_name(job.id, formats[0], compression, encryption.is_some())
    };
    // A download regenerates the job: it takes a place in the generation pool and runs
    // under the job's memory budget (not its time budget: a slow client may take long).
    let budget = Budget {
        max_memory: serde_json::from_value::<JobBudget>(job.budget.clone())
            .map_err(ApiError::internal)?
            .core()
            .max_memory,
        ..Budget::default()
    };
    let permit = super::admit(&state).await?;
    let (tx, rx) = mpsc::channel::<Result<Vec<u8>, io::Error>>(CHANNEL_CHUNKS);
    let range = job.range.clone();
    let id = job.id;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let errors = tx.clone();
        let writer = ChannelWriter {
            tx,
            buffer: Vec::with_capacity(CHUNK),
        };
        let write_one = |format: Format, out: &mut dyn Write| -> io::Result<()> {
            let encoder = format.encoder(&generator);
            let core = CoreJob::new(&generator, Arc::clone(&encoder))
                .range(range.clone())
                .budget(budget);
            let sink = StreamSink::new(encoder, out, compression, encryption.as_ref())?;
            let report = run_job(&core, sink, |_| {}).map_err(io::Error::other)?;
            match report.end {
                JobEnd::Complete => Ok(()),
                end => Err(io::Error::other(format!(
                    "the download stopped early: {end:?}"
                ))),
            }
        };
        let result = (|| -> io::Result<()> {
            if zipped {
                let mut zip = ZipWriter::new_stream(writer);
                let options = SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Stored)
                    .large_file(true);
                for &format in &formats {
                    zip.start_file(
                        file_name(id, format, compression, encryption.is_some()),
                        options,
                    )
                    .map_err(io::Error::other)?;
                    write_one(format, &mut zip)?;
                }
                zip.finish().map_err(io::Error::other)?.into_inner().flush()
            } else {
                let mut writer = writer;
                write_one(formats[0], &mut writer)?;
                writer.flush()
            }
        })();
        if let Err(e) = result {
            // The body ends with an error: the client sees a broken transfer, never a
            // truncated file that looks complete.
            tracing::warn!(job = id, error = %e, "download stopped");
            let _ = errors.blocking_send(Err(e));
        }
    });
    let body = Body::from_stream(stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    }));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{attachment}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
