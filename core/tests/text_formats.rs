//! The text formats read back by independent readers: CSV with the `csv` crate's reader,
//! XML with roxmltree, the viewer's JSON as the viewer validates it. Every value is
//! compared with the JSON record of the same patients.

use std::fmt;

use milmed_core::format::table::{Column, EVENT_COLUMNS, PATIENT_COLUMNS};
use milmed_core::format::{Format, PatientWriter};
use milmed_core::reference::CONDITIONS;
use milmed_core::scenario::PRESETS;
use milmed_core::{Generator, Scenario};
use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

const PATIENTS: u64 = 300;
const SEED: u64 = 2024;

fn generator(scenario: &Scenario, patients: u64) -> Generator {
    let scenario = Scenario {
        patients,
        ..scenario.clone()
    };
    Generator::new(&scenario, SEED).unwrap()
}

fn preset(name: &str) -> Generator {
    generator(&Scenario::preset(name).unwrap(), PATIENTS)
}

/// A preset whose first front (and, so that every patient shows it, only front) is
/// called `name`.
fn with_front(name: &str) -> Generator {
    let mut scenario = Scenario::preset("training_exercise").unwrap();
    scenario.fronts.truncate(1);
    scenario.fronts[0].name = name.to_owned();
    generator(&scenario, 120)
}

/// The whole output of `format` for every patient of `g`, in batches.
fn render(g: &Generator, format: Format) -> Vec<u8> {
    let mut writer = PatientWriter::new(format.encoder(g), Vec::new());
    let patients: Vec<_> = g.patients().collect();
    for batch in patients.chunks(77) {
        writer.write_batch(batch).unwrap();
    }
    let written = writer.finish().unwrap();
    assert_eq!(written.patients, g.len());
    assert_eq!(written.bytes, written.inner.len() as u64);
    written.inner
}

/// The JSON records of every patient of `g`, from the NDJSON format.
fn records(g: &Generator) -> Vec<Value> {
    let text = String::from_utf8(render(g, Format::Ndjson)).unwrap();
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// A JSON scalar as the text formats write it: strings as they are, numbers and booleans
/// as in JSON, `null` as nothing.
fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Number(_) | Value::Bool(_) => v.to_string(),
        Value::Array(_) | Value::Object(_) => panic!("not a scalar: {v}"),
    }
}

fn join(items: &Value, key: &str) -> String {
    let items = items.as_array().unwrap();
    items
        .iter()
        .map(|i| cell(&i[key]))
        .collect::<Vec<_>>()
        .join(";")
}

/// The `csv` row of a patient, derived from its JSON record as `docs/formats.md` says.
fn expected_csv_row(r: &Value) -> Vec<String> {
    let d = &r["demographics"];
    let conditions = &r["conditions"];
    let events = r["movement_timeline"].as_array().unwrap();
    let last = events.last().unwrap();
    let arrivals: Vec<&Value> = events
        .iter()
        .filter(|e| e["event_type"] == "arrival")
        .collect();
    let hours_to = |role: &str| {
        arrivals
            .iter()
            .find(|e| e["facility"] == role)
            .map_or(String::new(), |e| cell(&e["hours_since_injury"]))
    };
    let vitals = &r["vital_signs"][0];
    let mut row = vec![
        cell(&r["id"]),
        cell(&d["given_name"]),
        cell(&d["family_name"]),
        cell(&d["gender"]),
        cell(&d["birthdate"]),
        cell(&d["age"]),
        cell(&d["nationality"]),
        cell(&d["rank"]),
        cell(&d["service_number"]),
        cell(&d["blood_type"]),
        cell(&d["weight"]),
        cell(&r["injury_type"]),
        cell(&r["triage_category"]),
        cell(&r["severity"]),
        cell(&conditions[0]["severity"]),
        cell(&r["polytrauma"]),
        conditions.as_array().unwrap().len().to_string(),
        cell(&conditions[0]["code"]),
        cell(&conditions[0]["name"]),
        join(conditions, "code"),
        join(conditions, "name"),
        cell(&r["body_part"]),
        if r["body_site"].is_null() {
            String::new()
        } else {
            cell(&r["body_site"]["code"])
        },
        cell(&r["front"]),
        cell(&r["scenario"]),
        cell(&r["special_event"]),
        cell(&r["event_id"]),
        cell(&r["mass_casualty"]),
        cell(&r["injury_time"]),
        r["day"]
            .as_str()
            .unwrap()
            .strip_prefix("Day ")
            .unwrap()
            .into(),
        cell(&r["final_status"]),
        cell(&r["last_facility"]),
        cell(&last["timestamp"]),
        cell(&last["hours_since_injury"]),
    ];
    row.extend(["Role1", "Role2", "Role3", "Role4"].map(hours_to));
    row.push(events.len().to_string());
    row.push(
        arrivals
            .iter()
            .map(|e| cell(&e["facility"]))
            .collect::<Vec<_>>()
            .join(";"),
    );
    row.push(r["treatments"].as_array().unwrap().len().to_string());
    row.push(join(&r["treatments"], "code"));
    for key in [
        "heart_rate",
        "respiratory_rate",
        "systolic_bp",
        "diastolic_bp",
        "spo2",
        "temperature",
        "gcs",
    ] {
        row.push(cell(&vitals[key]));
    }
    row
}

fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// The names of a table's columns, as the CSV header should list them.
fn names(columns: &[Column]) -> Vec<&'static str> {
    columns.iter().map(|c| c.name).collect()
}

fn assert_csv_matches(g: &Generator, what: &str) {
    let records = records(g);
    let bytes = render(g, Format::Csv);
    let (header, rows) = read_csv(&bytes);
    assert_eq!(header, names(PATIENT_COLUMNS), "{what}: header");
    assert_eq!(rows.len(), records.len(), "{what}: one row per patient");
    for (row, record) in rows.iter().zip(&records) {
        assert_eq!(row.len(), PATIENT_COLUMNS.len(), "{what}: columns");
        let expected = expected_csv_row(record);
        for ((column, got), want) in names(PATIENT_COLUMNS).iter().zip(row).zip(&expected) {
            assert_eq!(
                got, want,
                "{what}, patient {}: column {column}",
                record["id"]
            );
        }
    }
}

#[test]
fn csv_rows_read_back_as_the_json_records_for_every_preset() {
    for name in PRESETS {
        assert_csv_matches(&preset(name), name);
    }
}

#[test]
fn csv_quotes_a_front_name_with_commas_quotes_and_a_newline() {
    let front = "Front \"North\", sector 3\nrear; line";
    let g = with_front(front);
    assert_csv_matches(&g, "odd front");
    let bytes = render(&g, Format::Csv);
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        text.contains("\"Front \"\"North\"\", sector 3\nrear; line\""),
        "RFC 4180 quoting"
    );
    let (_, rows) = read_csv(&bytes);
    let column = PATIENT_COLUMNS
        .iter()
        .position(|c| c.name == "front")
        .unwrap();
    assert!(rows.iter().all(|row| row[column] == front));
    assert_eq!(rows.len(), 120);
}

#[test]
fn condition_names_never_contain_the_list_separator() {
    assert!(CONDITIONS.iter().all(|c| !c.display.contains(';')));
}

#[test]
fn events_csv_has_one_row_per_timeline_event() {
    for name in PRESETS {
        let g = preset(name);
        let records = records(&g);
        let (header, rows) = read_csv(&render(&g, Format::EventsCsv));
        assert_eq!(header, names(EVENT_COLUMNS));
        let events: Vec<(&Value, usize, &Value)> = records
            .iter()
            .flat_map(|r| {
                let timeline = r["movement_timeline"].as_array().unwrap();
                timeline.iter().enumerate().map(move |(i, e)| (r, i, e))
            })
            .collect();
        assert_eq!(rows.len(), events.len(), "{name}: one row per event");
        for (row, (record, i, e)) in rows.iter().zip(events) {
            let expected = [
                cell(&record["id"]),
                i.to_string(),
                cell(&e["event_type"]),
                cell(&e["facility"]),
                cell(&e["timestamp"]),
                cell(&e["hours_since_injury"]),
                cell(&e["to_facility"]),
                cell(&e["evacuation_duration_hours"]),
                cell(&e["transit_duration_hours"]),
            ];
            assert_eq!(
                row, &expected,
                "{name}: patient {}, event {i}",
                record["id"]
            );
        }
    }
}

/// Array containers of the XML mapping and the name of their items.
const XML_ARRAYS: &[(&str, &str)] = &[
    ("conditions", "condition"),
    ("treatments", "treatment"),
    ("vital_signs", "reading"),
    ("movement_timeline", "event"),
];

/// An element as a JSON value, by the documented mapping: a container of [`XML_ARRAYS`]
/// is an array of its items; an element with child elements is an object; any other
/// element is its text.
fn xml_to_value(node: roxmltree::Node) -> Value {
    let name = node.tag_name().name();
    let children: Vec<_> = node.children().filter(|c| c.is_element()).collect();
    if let Some(&(_, item)) = XML_ARRAYS.iter().find(|(array, _)| *array == name) {
        for c in &children {
            assert_eq!(c.tag_name().name(), item, "items of <{name}>");
        }
        return Value::Array(children.into_iter().map(xml_to_value).collect());
    }
    if children.is_empty() {
        return Value::String(node.text().unwrap_or("").to_owned());
    }
    let mut object = Map::new();
    for c in children {
        let previous = object.insert(c.tag_name().name().to_owned(), xml_to_value(c));
        assert!(previous.is_none(), "<{}> repeated", c.tag_name().name());
    }
    Value::Object(object)
}

/// A JSON value as XML can carry it: scalars as text, `null` members left out.
fn textual(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), textual(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(textual).collect()),
        scalar => Value::String(cell(scalar)),
    }
}

/// The member names of a JSON value in document order (serde_json's `Value` sorts them).
#[derive(Debug, PartialEq)]
enum Shape {
    Scalar,
    Null,
    Array(Vec<Shape>),
    Object(Vec<(String, Shape)>),
}

impl Shape {
    fn of_xml(node: roxmltree::Node) -> Shape {
        let name = node.tag_name().name();
        let children = node.children().filter(|c| c.is_element());
        if XML_ARRAYS.iter().any(|(array, _)| *array == name) {
            Shape::Array(children.map(Shape::of_xml).collect())
        } else if node.children().any(|c| c.is_element()) {
            Shape::Object(
                children
                    .map(|c| (c.tag_name().name().to_owned(), Shape::of_xml(c)))
                    .collect(),
            )
        } else {
            Shape::Scalar
        }
    }

    /// The shape without `null` members (absent elements in XML).
    fn without_nulls(self) -> Shape {
        match self {
            Shape::Object(members) => Shape::Object(
                members
                    .into_iter()
                    .filter(|(_, s)| *s != Shape::Null)
                    .map(|(k, s)| (k, s.without_nulls()))
                    .collect(),
            ),
            Shape::Array(items) => {
                Shape::Array(items.into_iter().map(Shape::without_nulls).collect())
            }
            other => other,
        }
    }
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Shape, D::Error> {
        struct ShapeVisitor;
        impl<'de> Visitor<'de> for ShapeVisitor {
            type Value = Shape;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, _: bool) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
            fn visit_unit<E>(self) -> Result<Shape, E> {
                Ok(Shape::Null)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Shape::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Shape::Object(members))
            }
        }
        d.deserialize_any(ShapeVisitor)
    }
}

fn assert_xml_matches(g: &Generator, what: &str) {
    let ndjson = String::from_utf8(render(g, Format::Ndjson)).unwrap();
    let xml = String::from_utf8(render(g, Format::Xml)).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{what}: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "patients");
    assert_eq!(root.attribute("generator"), Some("milmed"));
    assert_eq!(root.attribute("seed"), Some(SEED.to_string().as_str()));
    let patients: Vec<_> = root.children().filter(|c| c.is_element()).collect();
    assert_eq!(patients.len() as u64, g.len(), "{what}: patients");
    for (node, line) in patients.into_iter().zip(ndjson.lines()) {
        assert_eq!(node.tag_name().name(), "patient");
        let record: Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            xml_to_value(node),
            textual(&record),
            "{what}: patient {}",
            record["id"]
        );
        let order: Shape = serde_json::from_str(line).unwrap();
        assert_eq!(
            Shape::of_xml(node),
            order.without_nulls(),
            "{what}: element order of patient {}",
            record["id"]
        );
    }
}

#[test]
fn xml_patients_mirror_the_json_records_for_every_preset() {
    for name in PRESETS {
        assert_xml_matches(&preset(name), name);
    }
}

#[test]
fn xml_escapes_quotes_ampersands_and_angle_brackets() {
    let front = "Front \"North\" & <South>, 'sector' 3\r\n]]>";
    let g = with_front(front);
    assert_xml_matches(&g, "odd front");
    let xml = String::from_utf8(render(&g, Format::Xml)).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let fronts: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("front"))
        .map(|n| n.text().unwrap_or(""))
        .collect();
    assert_eq!(fronts.len(), 120);
    assert!(fronts.iter().all(|f| *f == front));
}

const VIEWER_FACILITIES: &[&str] = &["POI", "Role1", "Role2", "Role3", "Role4"];
const VIEWER_EVENTS: &[&str] = &[
    "arrival",
    "evacuation_start",
    "transit_start",
    "kia",
    "rtd",
    "remains_role4",
];
/// Every field of the viewer's `Patient` type that we write.
const VIEWER_PATIENT_KEYS: &[&str] = &[
    "id",
    "nationality",
    "gender",
    "injury_type",
    "triage_category",
    "day_of_injury",
    "last_facility",
    "final_status",
    "movement_timeline",
    "injury_timestamp",
    "current_status",
    "given_name",
    "family_name",
    "front",
    "primary_condition",
];
/// The fields of the viewer's `TimelineEvent` type.
const VIEWER_EVENT_KEYS: &[&str] = &[
    "event_type",
    "facility",
    "timestamp",
    "hours_since_injury",
    "evacuation_duration_hours",
    "transit_duration_hours",
    "from_facility",
    "to_facility",
    "triage_category",
    "kia_timing",
    "rtd_timing",
    "evacuation_hours_completed",
    "transit_hours_completed",
    "destination_facility",
];

fn is_timestamp(v: &Value) -> bool {
    let s = v.as_str().unwrap_or("");
    let b = s.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn viewer_records_hold_what_the_timeline_viewer_requires() {
    let mut dow = 0;
    for name in PRESETS {
        let g = preset(name);
        let records = records(&g);
        let viewer: Value = serde_json::from_slice(&render(&g, Format::Viewer)).unwrap();
        let viewer = viewer.as_array().expect("the viewer reads an array");
        assert_eq!(viewer.len(), records.len());
        for (v, r) in viewer.iter().zip(&records) {
            let object = v.as_object().unwrap();
            for key in object.keys() {
                assert!(VIEWER_PATIENT_KEYS.contains(&key.as_str()), "{key}");
            }
            assert_eq!(v["id"], r["id"]);
            assert!(v["nationality"].is_string());
            assert_eq!(v["nationality"], r["nationality"]);
            assert!(["T1", "T2", "T3"].contains(&v["triage_category"].as_str().unwrap()));
            let last = v["last_facility"].as_str().unwrap();
            assert!(VIEWER_FACILITIES.contains(&last));
            assert_eq!(v["last_facility"], r["last_facility"]);
            let status = v["final_status"].as_str().unwrap();
            assert!(["KIA", "RTD", "Remains_Role4"].contains(&status));
            assert_eq!(v["current_status"], r["final_status"]);
            assert_eq!(v["given_name"], r["demographics"]["given_name"]);
            assert_eq!(v["family_name"], r["demographics"]["family_name"]);
            assert_eq!(v["day_of_injury"], r["day"]);
            assert_eq!(v["injury_timestamp"], r["injury_time"]);
            assert!(is_timestamp(&v["injury_timestamp"]));
            let primary = &v["primary_condition"];
            assert_eq!(primary["code"], r["conditions"][0]["code"]);
            assert_eq!(primary["display"], r["conditions"][0]["name"]);
            assert_eq!(primary["severity"], r["conditions"][0]["severity"]);
            assert_eq!(
                primary["severity_code"],
                r["conditions"][0]["severity_code"]
            );

            let events = v["movement_timeline"].as_array().unwrap();
            let json_events = r["movement_timeline"].as_array().unwrap();
            assert_eq!(events.len(), json_events.len());
            for (e, je) in events.iter().zip(json_events) {
                for key in e.as_object().unwrap().keys() {
                    assert!(VIEWER_EVENT_KEYS.contains(&key.as_str()), "{key}");
                }
                let kind = e["event_type"].as_str().unwrap();
                assert!(VIEWER_EVENTS.contains(&kind), "{kind}");
                assert!(VIEWER_FACILITIES.contains(&e["facility"].as_str().unwrap()));
                if let Some(to) = e.get("to_facility") {
                    assert!(VIEWER_FACILITIES.contains(&to.as_str().unwrap()));
                }
                assert!(e["hours_since_injury"].is_number());
                assert!(is_timestamp(&e["timestamp"]));
                for key in [
                    "facility",
                    "timestamp",
                    "hours_since_injury",
                    "from_facility",
                    "to_facility",
                    "evacuation_duration_hours",
                    "transit_duration_hours",
                ] {
                    assert_eq!(e.get(key), je.get(key), "{key}");
                }
            }
            let terminal = events.last().unwrap();
            match r["final_status"].as_str().unwrap() {
                "DOW" => {
                    dow += 1;
                    assert_eq!(status, "KIA", "a death of wounds is shown as KIA");
                    assert_eq!(terminal["event_type"], "kia");
                    assert_eq!(terminal["kia_timing"], "died_of_wounds");
                    assert_ne!(terminal["facility"], "POI");
                }
                "KIA" => {
                    assert_eq!(status, "KIA");
                    assert_eq!(terminal["event_type"], "kia");
                    assert_eq!(terminal["kia_timing"], "killed_in_action");
                }
                other => {
                    assert_eq!(status, other);
                    assert_eq!(terminal["event_type"], other.to_lowercase());
                }
            }
        }
    }
    assert!(dow > 0, "the presets have deaths of wounds to map");
}

#[test]
fn an_empty_run_is_still_a_document() {
    let g = preset("training_exercise");
    let empty = |format: Format| {
        let writer = PatientWriter::new(format.encoder(&g), Vec::new());
        let written = writer.finish().unwrap();
        assert_eq!(written.patients, 0);
        written.inner
    };
    for format in [Format::Json, Format::Viewer] {
        let parsed: Value = serde_json::from_slice(&empty(format)).unwrap();
        assert_eq!(parsed, Value::Array(vec![]), "{format}");
    }
    let xml = String::from_utf8(empty(Format::Xml)).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), "patients");
    assert_eq!(
        doc.root_element()
            .children()
            .filter(|c| c.is_element())
            .count(),
        0
    );
    for (format, columns) in [
        (Format::Csv, names(PATIENT_COLUMNS)),
        (Format::EventsCsv, names(EVENT_COLUMNS)),
    ] {
        let text = String::from_utf8(empty(format)).unwrap();
        assert_eq!(text, format!("{}\n", columns.join(",")), "{format}");
    }
    assert!(empty(Format::Ndjson).is_empty());
}

#[test]
fn format_names_and_extensions() {
    let expected = [
        ("ndjson", "ndjson"),
        ("json", "json"),
        ("csv", "csv"),
        ("events-csv", "csv"),
        ("xml", "xml"),
        ("viewer", "json"),
        ("fhir", "fhir.ndjson"),
        ("fhir-transaction", "fhir.ndjson"),
        ("ndef", "ndef"),
    ];
    assert_eq!(Format::ALL.len(), expected.len());
    for (format, (name, extension)) in Format::ALL.iter().zip(expected) {
        assert_eq!(format.as_str(), name);
        assert_eq!(format.extension(), extension);
        assert_eq!(name.parse::<Format>().unwrap(), *format);
    }
    assert_eq!(
        "yaml".parse::<Format>().unwrap_err().to_string(),
        "unknown format `yaml`; allowed: ndjson, json, csv, events-csv, xml, viewer, fhir, fhir-transaction, ndef"
    );
}
