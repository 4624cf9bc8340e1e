//! Independent readers of every stream format, for tests that check outputs are
//! complete documents.

use milmed_core::format::Format;

/// Parses `bytes` as `format` with an independent reader; returns the patient count.
pub fn patients_in(format: Format, bytes: &[u8]) -> usize {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    match format {
        Format::Ndjson | Format::Fhir | Format::FhirTransaction => text
            .lines()
            .filter(|l| {
                serde_json::from_str::<serde_json::Value>(l)
                    .expect("JSON line")
                    .is_object()
            })
            .count(),
        Format::Json | Format::Viewer => serde_json::from_str::<Vec<serde_json::Value>>(text)
            .expect("a closed JSON array")
            .len(),
        Format::Csv => csv::Reader::from_reader(bytes)
            .records()
            .filter(|r| !r.as_ref().expect("CSV row").is_empty())
            .count(),
        Format::EventsCsv => {
            let mut reader = csv::Reader::from_reader(bytes);
            let mut ids: Vec<String> = reader
                .records()
                .map(|r| r.expect("CSV row")[0].to_owned())
                .collect();
            ids.dedup();
            ids.len()
        }
        Format::Xml => {
            let doc = roxmltree::Document::parse(text).expect("well-formed XML");
            assert_eq!(doc.root_element().tag_name().name(), "patients");
            doc.root_element()
                .children()
                .filter(|n| n.has_tag_name("patient"))
                .count()
        }
        Format::Ndef => unreachable!("one file per patient: not a stream"),
    }
}

pub fn stream_formats() -> impl Iterator<Item = Format> {
    Format::ALL
        .iter()
        .copied()
        .filter(|f| !f.one_file_per_patient())
}
