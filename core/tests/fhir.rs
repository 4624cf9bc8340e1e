//! The FHIR R4 output (`fhir` and `fhir-transaction`).
//!
//! - Every Bundle of every preset is valid R4 for `fhirkit`, an independent reader with
//!   typed models generated from the R4 4.0.1 specification package (structure, unknown
//!   elements, cardinality, required elements, choice types, primitive formats), and
//!   passes the checks fhirkit does not make: the codes of required bindings, the Bundle
//!   and Condition invariants, and the R4 vital-signs profile.
//! - Every reference resolves to an entry of the same Bundle; ids are unique.
//! - Ids and bytes are deterministic; seeds, patients and resource types never share ids.
//! - Deaths carry the time of the terminal event; the Bundle carries the same facts as the
//!   JSON record.

use std::collections::{HashMap, HashSet};

use milmed_core::format::fhir::{ResourceKind, resource_id};
use milmed_core::format::{Format, PatientWriter};
use milmed_core::{Generator, Scenario};
use serde_json::Value;

fn generator(preset: &str, patients: u64, seed: u64) -> Generator {
    let scenario = Scenario {
        patients,
        ..Scenario::preset(preset).unwrap()
    };
    Generator::new(&scenario, seed).unwrap()
}

fn encode(g: &Generator, format: Format) -> Vec<u8> {
    let mut w = PatientWriter::new(format.encoder(g), Vec::new());
    let patients: Vec<_> = g.patients().collect();
    w.write_batch(&patients).unwrap();
    w.finish().unwrap().inner
}

/// The lines of NDJSON output, checking that each ends with `\n`.
fn lines(bytes: &[u8]) -> Vec<&str> {
    assert!(bytes.ends_with(b"\n"), "output must end with a newline");
    std::str::from_utf8(&bytes[..bytes.len() - 1])
        .unwrap()
        .split('\n')
        .collect()
}

fn parse(line: &str) -> Value {
    serde_json::from_str(line).unwrap()
}

fn resources(bundle: &Value) -> impl Iterator<Item = &Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
}

fn of_type<'a>(bundle: &'a Value, t: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    resources(bundle).filter(move |r| r["resourceType"] == t)
}

fn str_of(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, found {v}"))
}

// ---- codes of the R4 (4.0.1) bindings the output uses --------------------------------

const BUNDLE_TYPE: &[&str] = &[
    "document",
    "message",
    "transaction",
    "transaction-response",
    "batch",
    "batch-response",
    "history",
    "searchset",
    "collection",
];
const HTTP_VERB: &[&str] = &["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"];
const GENDER: &[&str] = &["male", "female", "other", "unknown"];
const IDENTIFIER_USE: &[&str] = &["usual", "official", "temp", "secondary", "old"];
const NAME_USE: &[&str] = &[
    "usual",
    "official",
    "temp",
    "nickname",
    "anonymous",
    "old",
    "maiden",
];
const ENCOUNTER_STATUS: &[&str] = &[
    "planned",
    "arrived",
    "triaged",
    "in-progress",
    "onleave",
    "finished",
    "cancelled",
    "entered-in-error",
    "unknown",
];
const CONDITION_CLINICAL: &[&str] = &[
    "active",
    "recurrence",
    "relapse",
    "inactive",
    "remission",
    "resolved",
];
const CONDITION_VERIFICATION: &[&str] = &[
    "unconfirmed",
    "provisional",
    "differential",
    "confirmed",
    "refuted",
    "entered-in-error",
];
const EVENT_STATUS: &[&str] = &[
    "preparation",
    "in-progress",
    "not-done",
    "on-hold",
    "stopped",
    "completed",
    "entered-in-error",
    "unknown",
];
const OBSERVATION_STATUS: &[&str] = &[
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
    "entered-in-error",
    "unknown",
];
const REQUEST_STATUS: &[&str] = &[
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
];
const REQUEST_INTENT: &[&str] = &[
    "proposal",
    "plan",
    "directive",
    "order",
    "original-order",
    "reflex-order",
    "filler-order",
    "instance-order",
    "option",
];

/// Codes of the HL7 code systems the output uses, per system (the whole code system).
fn hl7_code_systems() -> HashMap<&'static str, &'static [&'static str]> {
    HashMap::from([
        (
            "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            // ActEncounterCode, the extensible binding of Encounter.class.
            &[
                "AMB", "EMER", "FLD", "HH", "IMP", "ACUTE", "NONAC", "OBSENC", "PRENC", "SS", "VR",
            ][..],
        ),
        (
            "http://terminology.hl7.org/CodeSystem/v3-ActPriority",
            &[
                "A", "CR", "CS", "CSP", "CSR", "EL", "EM", "P", "PRN", "R", "RR", "S", "T", "UD",
                "UR",
            ][..],
        ),
        (
            "http://terminology.hl7.org/CodeSystem/discharge-disposition",
            &[
                "home",
                "alt-home",
                "other-hcf",
                "hosp",
                "long",
                "aadvice",
                "exp",
                "psy",
                "rehab",
                "snf",
                "oth",
            ][..],
        ),
        (
            "http://terminology.hl7.org/CodeSystem/condition-clinical",
            CONDITION_CLINICAL,
        ),
        (
            "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            CONDITION_VERIFICATION,
        ),
        (
            "http://terminology.hl7.org/CodeSystem/condition-category",
            &["problem-list-item", "encounter-diagnosis"][..],
        ),
        (
            "http://terminology.hl7.org/CodeSystem/observation-category",
            &[
                "social-history",
                "vital-signs",
                "imaging",
                "laboratory",
                "procedure",
                "survey",
                "exam",
                "therapy",
                "activity",
            ][..],
        ),
        (
            "http://terminology.hl7.org/CodeSystem/location-physical-type",
            &[
                "si", "bu", "wi", "wa", "lvl", "co", "ro", "bd", "ve", "ho", "ca", "rd", "area",
                "jdn",
            ][..],
        ),
        (
            "http://terminology.hl7.org/CodeSystem/v2-0203",
            // The identifier types used (a subset of table 0203).
            &["MI", "MR"][..],
        ),
    ])
}

fn is_fhir_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// Walks every object of `v`, calling `f(key_of_parent, object)`.
fn walk<'a>(
    v: &'a Value,
    parent: &str,
    f: &mut impl FnMut(&str, &'a serde_json::Map<String, Value>),
) {
    match v {
        Value::Object(m) => {
            f(parent, m);
            for (k, child) in m {
                walk(child, k, f);
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(item, parent, f);
            }
        }
        _ => {}
    }
}

/// What `fhirkit` finds wrong with one Bundle (empty when valid).
fn fhirkit_issues(line: &str) -> Vec<String> {
    match fhirkit::from_json::<fhirkit::r4::Bundle>(line) {
        Ok((Some(_), issues)) => issues.iter().map(ToString::to_string).collect(),
        Ok((None, issues)) => {
            let mut all: Vec<String> = issues.iter().map(ToString::to_string).collect();
            all.push("not usable as a Bundle".into());
            all
        }
        Err(e) => vec![format!("not JSON: {e}")],
    }
}

/// The checks fhirkit does not make: required bindings, invariants, the vital-signs
/// profile. Returns every problem found.
fn binding_and_invariant_problems(b: &Value, expected_type: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    check(
        b["type"] == expected_type,
        format!("Bundle.type {}", b["type"]),
    );
    check(
        BUNDLE_TYPE.contains(&str_of(&b["type"])),
        "Bundle.type not in bundle-type".into(),
    );
    check(
        is_fhir_id(str_of(&b["id"])),
        format!("Bundle.id {}", b["id"]),
    );
    let transaction = expected_type == "transaction";
    let systems = hl7_code_systems();
    let mut full_urls = HashSet::new();
    for entry in b["entry"].as_array().unwrap() {
        let r = &entry["resource"];
        let rt = str_of(&r["resourceType"]);
        let id = str_of(&r["id"]);
        check(is_fhir_id(id), format!("{rt}.id {id}"));
        // bdl-7: fullUrl unique; here always the urn:uuid: of the resource id.
        let full_url = str_of(&entry["fullUrl"]);
        check(
            full_urls.insert(full_url),
            format!("duplicate fullUrl {full_url}"),
        );
        check(
            full_url == format!("urn:uuid:{id}"),
            format!("fullUrl {full_url} is not the id {id}"),
        );
        // bdl-3: request in transactions, not elsewhere; bdl-4: no response.
        if transaction {
            check(
                entry["request"]["method"] == "POST" && entry["request"]["url"] == rt,
                format!("{rt} entry request {}", entry["request"]),
            );
            check(
                HTTP_VERB.contains(&str_of(&entry["request"]["method"])),
                "request.method not in http-verb".into(),
            );
        } else {
            check(
                entry.get("request").is_none(),
                "request in a collection".into(),
            );
        }
        check(entry.get("response").is_none(), "response".into());

        match rt {
            "Patient" => {
                check(
                    GENDER.contains(&str_of(&r["gender"])),
                    "Patient.gender".into(),
                );
                for i in r["identifier"].as_array().unwrap() {
                    check(
                        IDENTIFIER_USE.contains(&str_of(&i["use"])),
                        "Identifier.use".into(),
                    );
                }
                for n in r["name"].as_array().unwrap() {
                    check(
                        NAME_USE.contains(&str_of(&n["use"])),
                        "HumanName.use".into(),
                    );
                }
                check(
                    r.get("deceasedBoolean").is_some() != r.get("deceasedDateTime").is_some(),
                    "Patient.deceased[x]: exactly one".into(),
                );
            }
            "Encounter" => {
                check(
                    ENCOUNTER_STATUS.contains(&str_of(&r["status"])),
                    format!("Encounter.status {}", r["status"]),
                );
                let period = &r["period"];
                if let Some(end) = period.get("end") {
                    // per-1: start <= end (same format, so text order is time order).
                    check(str_of(&period["start"]) <= str_of(end), "per-1".into());
                } else {
                    check(
                        r["status"] == "in-progress",
                        "open period when finished".into(),
                    );
                }
            }
            "Condition" => {
                let clinical = str_of(&r["clinicalStatus"]["coding"][0]["code"]);
                check(
                    CONDITION_CLINICAL.contains(&clinical),
                    "Condition.clinicalStatus".into(),
                );
                check(
                    CONDITION_VERIFICATION
                        .contains(&str_of(&r["verificationStatus"]["coding"][0]["code"])),
                    "Condition.verificationStatus".into(),
                );
                // con-4: if abated, then inactive, resolved or remission.
                if r.get("abatementDateTime").is_some() {
                    check(
                        ["inactive", "resolved", "remission"].contains(&clinical),
                        "con-4".into(),
                    );
                }
            }
            "Procedure" => {
                check(
                    EVENT_STATUS.contains(&str_of(&r["status"])),
                    "Procedure.status".into(),
                );
            }
            "ServiceRequest" => {
                check(
                    REQUEST_STATUS.contains(&str_of(&r["status"])),
                    "ServiceRequest.status".into(),
                );
                check(
                    REQUEST_INTENT.contains(&str_of(&r["intent"])),
                    "ServiceRequest.intent".into(),
                );
                // A revoked evacuation (the patient died waiting or on the way) has no
                // end, and no period at all when it never left.
                if let Some(p) = r.get("occurrencePeriod") {
                    if let Some(end) = p.get("end") {
                        check(str_of(&p["start"]) <= str_of(end), "per-1".into());
                    }
                    check(
                        str_of(&r["authoredOn"]) <= str_of(&p["start"]),
                        "evacuation requested after departure".into(),
                    );
                }
            }
            "Observation" => {
                check(
                    OBSERVATION_STATUS.contains(&str_of(&r["status"])),
                    "Observation.status".into(),
                );
                let has_value = r
                    .as_object()
                    .unwrap()
                    .keys()
                    .any(|k| k.starts_with("value"));
                let components = r.get("component").and_then(Value::as_array);
                // obs-6 (no dataAbsentReason with a value); vs-2 (a value or components).
                check(
                    r.get("dataAbsentReason").is_none(),
                    "dataAbsentReason".into(),
                );
                check(
                    has_value != components.is_some(),
                    "value or component".into(),
                );
                let vital = r["category"][0]["coding"][0]["code"] == "vital-signs";
                if vital {
                    // The R4 vital-signs profile: subject, effective[x], UCUM quantities.
                    check(
                        r.get("subject").is_some(),
                        "vital sign without subject".into(),
                    );
                    check(
                        r.get("effectiveDateTime").is_some(),
                        "vital sign without effective".into(),
                    );
                    let quantities: Vec<&Value> = match components {
                        Some(cs) => cs.iter().map(|c| &c["valueQuantity"]).collect(),
                        None => vec![&r["valueQuantity"]],
                    };
                    for q in quantities {
                        check(
                            q["value"].is_number()
                                && q["unit"].is_string()
                                && q["system"] == "http://unitsofmeasure.org"
                                && q["code"].is_string(),
                            format!("vital-sign quantity {q}"),
                        );
                    }
                }
            }
            other => check(false, format!("unexpected resource {other}")),
        }

        walk(r, rt, &mut |parent, m| {
            // ext-1: an extension has a value or extensions, not both.
            if parent == "extension" {
                let values = m.keys().filter(|k| k.starts_with("value")).count();
                let nested = m.contains_key("extension");
                check((values == 1) != nested, format!("ext-1 in {rt}: {m:?}"));
            }
            // Codings: a system and a code, from the code system.
            if parent == "coding" {
                let system = m.get("system").and_then(Value::as_str).unwrap_or("");
                let code = m.get("code").and_then(Value::as_str).unwrap_or("");
                check(
                    !system.is_empty() && !code.is_empty(),
                    format!("coding {m:?}"),
                );
                match system {
                    "http://snomed.info/sct" => check(
                        (6..=18).contains(&code.len()) && code.bytes().all(|c| c.is_ascii_digit()),
                        format!("SNOMED CT code {code}"),
                    ),
                    "http://loinc.org" => check(
                        code.split_once('-').is_some_and(|(a, b)| {
                            !a.is_empty()
                                && a.bytes().all(|c| c.is_ascii_digit())
                                && b.len() == 1
                                && b.bytes().all(|c| c.is_ascii_digit())
                        }),
                        format!("LOINC code {code}"),
                    ),
                    "urn:iso:std:iso:3166" => check(
                        code.len() == 3 && code.bytes().all(|c| c.is_ascii_uppercase()),
                        format!("ISO 3166 alpha-3 {code}"),
                    ),
                    s if s.starts_with("urn:milmed:") => {}
                    s => match systems.get(s) {
                        Some(codes) => check(codes.contains(&code), format!("{s}|{code}")),
                        None => check(false, format!("unexpected code system {s}")),
                    },
                }
            }
        });
    }
    problems
}

#[test]
fn bundles_of_every_preset_are_valid_r4() {
    let mut checked = 0;
    for preset in milmed_core::scenario::PRESETS {
        let g = generator(preset, 1000, 7);
        for (format, bundle_type) in [
            (Format::Fhir, "collection"),
            (Format::FhirTransaction, "transaction"),
        ] {
            let bytes = encode(&g, format);
            let lines = lines(&bytes);
            assert_eq!(lines.len(), 1000, "{preset} {format}: one Bundle per line");
            for (i, line) in lines.iter().enumerate() {
                let issues = fhirkit_issues(line);
                assert!(
                    issues.is_empty(),
                    "{preset} {format} patient {i}: fhirkit found {} issue(s):\n{}",
                    issues.len(),
                    issues.join("\n")
                );
                let problems = binding_and_invariant_problems(&parse(line), bundle_type);
                assert!(
                    problems.is_empty(),
                    "{preset} {format} patient {i}:\n{}",
                    problems.join("\n")
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 8 * 2 * 1000);
}

/// A change that makes a Bundle invalid.
type Breaker<'a> = Box<dyn Fn(&mut Value) + 'a>;

/// fhirkit is a real check: it rejects the mistakes a writer could make.
#[test]
fn fhirkit_rejects_broken_bundles() {
    let g = generator("nato_article_5", 20, 7);
    let bytes = encode(&g, Format::FhirTransaction);
    let line = lines(&bytes)[0];
    assert!(fhirkit_issues(line).is_empty());
    let bundle = parse(line);
    // The body-weight Observation (the ISS, for injuries, comes after it).
    let at = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .position(|e| e["resource"]["code"]["coding"][0]["code"] == "29463-7")
        .expect("a body-weight observation");
    let weight = format!("/entry/{at}/resource");
    let cases: Vec<(&str, Breaker)> = vec![
        (
            "an unknown element",
            Box::new(|b| {
                b["entry"][0]["resource"]["nationality"] = "POL".into();
            }),
        ),
        (
            "a required element missing (Encounter.class)",
            Box::new(|b| {
                b["entry"][1]["resource"]
                    .as_object_mut()
                    .unwrap()
                    .remove("class");
            }),
        ),
        (
            "an array for a single value",
            Box::new(|b| b["entry"][0]["resource"]["gender"] = serde_json::json!(["male"])),
        ),
        (
            "a single value for an array",
            Box::new(|b| {
                let name = b["entry"][0]["resource"]["name"][0].clone();
                b["entry"][0]["resource"]["name"] = name;
            }),
        ),
        (
            "a dateTime without seconds",
            Box::new(|b| b["entry"][1]["resource"]["period"]["start"] = "2025-06-01T07:04Z".into()),
        ),
        (
            "a decimal as a string",
            Box::new(|b| {
                b.pointer_mut(&format!("{weight}/valueQuantity/value"))
                    .map(|v| *v = "81.4".into())
                    .unwrap()
            }),
        ),
        (
            "a choice of the wrong type",
            Box::new(|b| {
                let o = b.pointer_mut(&weight).unwrap().as_object_mut().unwrap();
                let q = o.remove("valueQuantity").unwrap();
                o.insert("valueString".into(), q);
            }),
        ),
        (
            "two choices of one element",
            Box::new(|b| {
                let o = b["entry"][0]["resource"].as_object_mut().unwrap();
                o.insert("deceasedBoolean".into(), false.into());
                o.insert("deceasedDateTime".into(), "2025-06-01T07:04:00Z".into());
            }),
        ),
        (
            "an empty string",
            Box::new(|b| b["entry"][0]["resource"]["name"][0]["family"] = "".into()),
        ),
        (
            "a code with leading whitespace",
            Box::new(|b| b["entry"][1]["resource"]["status"] = " finished".into()),
        ),
        (
            "a Bundle.timestamp that is not an instant",
            Box::new(|b| b["timestamp"] = "2025-06-01".into()),
        ),
        (
            "an unknown resource type",
            Box::new(|b| b["entry"][1]["resource"]["resourceType"] = "Encountre".into()),
        ),
    ];
    for (what, break_it) in cases {
        let mut broken = bundle.clone();
        break_it(&mut broken);
        assert_ne!(broken, bundle, "{what}: nothing changed");
        let text = serde_json::to_string(&broken).unwrap();
        assert!(!fhirkit_issues(&text).is_empty(), "fhirkit accepted {what}");
    }
    // Unchanged, the re-serialised Bundle is still valid (the cases test what they say).
    assert!(fhirkit_issues(&serde_json::to_string(&bundle).unwrap()).is_empty());
}

#[test]
fn references_resolve_inside_each_bundle_and_ids_are_unique() {
    for preset in milmed_core::scenario::PRESETS {
        let g = generator(preset, 1000, 11);
        for format in [Format::Fhir, Format::FhirTransaction] {
            let bytes = encode(&g, format);
            for (i, line) in lines(&bytes).iter().enumerate() {
                let b = parse(line);
                let entries = b["entry"].as_array().unwrap();
                let full_urls: HashSet<&str> =
                    entries.iter().map(|e| str_of(&e["fullUrl"])).collect();
                assert_eq!(full_urls.len(), entries.len(), "{preset} {i}: fullUrls");
                let ids: HashSet<&str> = resources(&b).map(|r| str_of(&r["id"])).collect();
                assert_eq!(ids.len(), entries.len(), "{preset} {i}: ids");
                assert!(!ids.contains(str_of(&b["id"])), "Bundle id reused");
                let mut references = 0;
                for r in resources(&b) {
                    walk(r, "", &mut |_, m| {
                        if let Some(reference) = m.get("reference") {
                            let reference = str_of(reference);
                            assert!(
                                full_urls.contains(reference),
                                "{preset} {format} patient {i}: {reference} does not resolve"
                            );
                            references += 1;
                        }
                    });
                }
                // Everything but the Patient refers to it; conditions to an encounter.
                assert!(
                    references >= entries.len() - 1 + 2,
                    "{preset} {i}: {references}"
                );
                for e in entries {
                    let rt = str_of(&e["resource"]["resourceType"]);
                    if format == Format::FhirTransaction {
                        assert_eq!(e["request"]["method"], "POST");
                        assert_eq!(e["request"]["url"], rt);
                    } else {
                        assert!(e.get("request").is_none());
                    }
                }
            }
        }
    }
}

fn all_ids(bytes: &[u8]) -> Vec<String> {
    lines(bytes)
        .iter()
        .flat_map(|line| {
            let b = parse(line);
            let mut ids = vec![str_of(&b["id"]).to_owned()];
            ids.extend(resources(&b).map(|r| str_of(&r["id"]).to_owned()));
            ids
        })
        .collect()
}

#[test]
fn ids_and_bytes_are_deterministic_and_distinct() {
    let a = encode(&generator("urban_assault", 1000, 7), Format::Fhir);
    let b = encode(&generator("urban_assault", 1000, 7), Format::Fhir);
    assert_eq!(a, b, "same seed, same bytes");
    let ta = encode(
        &generator("urban_assault", 1000, 7),
        Format::FhirTransaction,
    );
    let tb = encode(
        &generator("urban_assault", 1000, 7),
        Format::FhirTransaction,
    );
    assert_eq!(ta, tb, "same seed, same bytes");

    // Unique across every patient and resource type of the run.
    let ids = all_ids(&a);
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "an id is shared within a run");

    // Another seed shares none of them.
    let c = encode(&generator("urban_assault", 1000, 8), Format::Fhir);
    let other: HashSet<String> = all_ids(&c).into_iter().collect();
    assert!(
        unique.iter().all(|id| !other.contains(*id)),
        "seeds share an id"
    );

    // The transaction carries the same resources with the same ids, in its own Bundle.
    for (col, tra) in lines(&a).iter().zip(lines(&ta)) {
        let (col, mut tra) = (parse(col), parse(tra));
        assert_ne!(col["id"], tra["id"]);
        for e in tra["entry"].as_array_mut().unwrap() {
            e.as_object_mut().unwrap().remove("request");
        }
        assert_eq!(col["entry"], tra["entry"]);
    }

    // The id function: the documented derivation, and distinct per kind, index and seed.
    let b0 = parse(lines(&a)[0]);
    let patient = of_type(&b0, "Patient").next().unwrap();
    assert_eq!(
        str_of(&patient["id"]),
        resource_id(7, 0, ResourceKind::Patient, 0).as_str()
    );
    assert_eq!(
        str_of(&b0["id"]),
        resource_id(7, 0, ResourceKind::Bundle, 0).as_str()
    );
    let first = resource_id(7, 0, ResourceKind::Encounter, 0);
    assert_ne!(first, resource_id(7, 0, ResourceKind::Condition, 0));
    assert_ne!(first, resource_id(7, 1, ResourceKind::Encounter, 0));
    assert_ne!(first, resource_id(8, 0, ResourceKind::Encounter, 0));
    assert_ne!(first, resource_id(7, 0, ResourceKind::Encounter, 1));
}

/// NDJSON records of the same run, by index.
fn records(g: &Generator) -> Vec<Value> {
    lines(&encode(g, Format::Ndjson))
        .iter()
        .map(|l| parse(l))
        .collect()
}

#[test]
fn deaths_carry_the_time_of_the_terminal_event() {
    let g = generator("nato_article_5", 2500, 3);
    let records = records(&g);
    let bytes = encode(&g, Format::Fhir);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line, record) in lines(&bytes).iter().zip(&records) {
        let b = parse(line);
        let patient = of_type(&b, "Patient").next().unwrap();
        let status = str_of(&record["final_status"]);
        let terminal = record["movement_timeline"]
            .as_array()
            .unwrap()
            .last()
            .unwrap();
        let last_encounter = of_type(&b, "Encounter").last().unwrap();
        let disposition = &last_encounter["hospitalization"]["dischargeDisposition"];
        match status {
            "KIA" | "DOW" => {
                assert_eq!(patient["deceasedDateTime"], terminal["timestamp"]);
                assert!(patient.get("deceasedBoolean").is_none());
                let timeline = record["movement_timeline"].as_array().unwrap();
                let in_transit = timeline[timeline.len() - 2]["event_type"] == "transit_start";
                if in_transit {
                    // Died on the way: the last encounter ended with the transfer.
                    assert_eq!(disposition["coding"][0]["code"], "other-hcf");
                    assert_eq!(
                        last_encounter["period"]["end"],
                        timeline[timeline.len() - 2]["timestamp"]
                    );
                } else {
                    assert_eq!(disposition["coding"][0]["code"], "exp");
                    assert_eq!(last_encounter["period"]["end"], terminal["timestamp"]);
                }
                let place = if status == "KIA" { "POI" } else { "Role" };
                assert!(
                    str_of(&last_encounter["location"][0]["location"]["display"])
                        .starts_with(place)
                );
            }
            "RTD" => {
                assert_eq!(patient["deceasedBoolean"], false);
                assert!(patient.get("deceasedDateTime").is_none());
                assert_eq!(disposition["coding"][0]["code"], "home");
            }
            "Remains_Role4" => {
                assert_eq!(patient["deceasedBoolean"], false);
                assert_eq!(last_encounter["status"], "in-progress");
                assert!(last_encounter.get("hospitalization").is_none());
            }
            other => panic!("unknown status {other}"),
        }
        *seen.entry(status.to_owned()).or_default() += 1;
    }
    for status in ["KIA", "DOW", "RTD", "Remains_Role4"] {
        assert!(
            seen.get(status).copied().unwrap_or(0) > 0,
            "no {status} in {seen:?}"
        );
    }
}

fn facility_display(record_name: &str) -> String {
    match record_name.strip_prefix("Role") {
        Some(n) => format!("Role {n}"),
        None => record_name.to_owned(),
    }
}

fn codes(cc: &Value) -> Vec<&str> {
    cc["coding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| str_of(&c["code"]))
        .collect()
}

/// Every observed value as (LOINC code, time, value as text), sorted.
fn observation_values(b: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for o in of_type(b, "Observation") {
        let code = codes(&o["code"])[0].to_owned();
        let when = o["effectiveDateTime"].to_string();
        if let Some(cs) = o.get("component") {
            for c in cs.as_array().unwrap() {
                out.push((
                    codes(&c["code"])[0].to_owned(),
                    when.clone(),
                    c["valueQuantity"]["value"].to_string(),
                ));
            }
        } else if let Some(q) = o.get("valueQuantity") {
            out.push((code, when, q["value"].to_string()));
        } else if let Some(v) = o.get("valueInteger") {
            out.push((code, when, v.to_string()));
        } else {
            out.push((code, when, codes(&o["valueCodeableConcept"])[0].to_owned()));
        }
    }
    out.sort();
    out
}

#[test]
fn bundles_carry_the_facts_of_the_record() {
    for preset in ["nato_article_5", "mass_casualty", "maritime_operation"] {
        let g = generator(preset, 1000, 5);
        let records = records(&g);
        let bytes = encode(&g, Format::FhirTransaction);
        for (line, r) in lines(&bytes).iter().zip(&records) {
            let b = parse(line);
            let d = &r["demographics"];
            let timeline = r["movement_timeline"].as_array().unwrap();
            assert_eq!(b["timestamp"], timeline.last().unwrap()["timestamp"]);

            // Patient.
            let p = of_type(&b, "Patient").next().unwrap();
            let name = &p["name"][0];
            assert_eq!(name["family"], d["family_name"]);
            assert_eq!(name["given"][0], d["given_name"]);
            assert_eq!(name["prefix"][0], d["rank"]);
            assert_eq!(p["gender"], r["gender"]);
            assert_eq!(p["birthDate"], d["birthdate"]);
            let nationality = &p["extension"][0];
            assert_eq!(
                nationality["url"],
                "http://hl7.org/fhir/StructureDefinition/patient-nationality"
            );
            assert_eq!(nationality["extension"][0]["url"], "code");
            assert_eq!(
                nationality["extension"][0]["valueCodeableConcept"]["coding"][0]["code"],
                r["nationality"]
            );
            let service = &p["identifier"][0];
            assert_eq!(service["value"], d["service_number"]);
            assert_eq!(
                str_of(&service["system"]),
                format!("urn:milmed:service-number:{}", str_of(&r["nationality"]))
            );
            assert_eq!(p["identifier"][1]["value"], r["id"].to_string());

            // Encounters: one per stay, in order, with the stay's times.
            let encounters: Vec<&Value> = of_type(&b, "Encounter").collect();
            let arrivals: Vec<&Value> = timeline
                .iter()
                .filter(|e| e["event_type"] == "arrival")
                .collect();
            assert_eq!(encounters.len(), arrivals.len());
            let ids: HashMap<&str, usize> = encounters
                .iter()
                .enumerate()
                .map(|(j, e)| (str_of(&e["id"]), j))
                .collect();
            let encounter_of = |reference: &Value| {
                let id = str_of(reference).strip_prefix("urn:uuid:").unwrap();
                ids[id]
            };
            for (j, (e, a)) in encounters.iter().zip(&arrivals).enumerate() {
                assert_eq!(e["period"]["start"], a["timestamp"]);
                assert_eq!(
                    str_of(&e["location"][0]["location"]["display"]),
                    facility_display(str_of(&a["facility"]))
                );
                let leaves = timeline
                    .iter()
                    .find(|x| {
                        x["facility"] == a["facility"]
                            && ["transit_start", "kia", "dow", "rtd"]
                                .contains(&str_of(&x["event_type"]))
                    })
                    .map(|x| &x["timestamp"]);
                match leaves {
                    Some(t) => assert_eq!(&e["period"]["end"], t),
                    None => assert!(e["period"].get("end").is_none()),
                }
                if j == 0 {
                    assert_eq!(e["priority"]["text"], r["triage_category"]);
                    assert_eq!(e["location"][1]["location"]["display"], r["front"]);
                    let incident = &e["extension"][0];
                    assert_eq!(incident["url"], "urn:milmed:incident");
                    let field = |name: &str| {
                        incident["extension"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .find(|x| x["url"] == name)
                            .map(|x| {
                                x.as_object()
                                    .unwrap()
                                    .iter()
                                    .find(|(k, _)| k.starts_with("value"))
                                    .unwrap()
                                    .1
                                    .clone()
                            })
                            .unwrap_or(Value::Null)
                    };
                    assert_eq!(field("scenario"), r["scenario"]);
                    assert_eq!(field("special_event"), r["special_event"]);
                    assert_eq!(field("event_id"), r["event_id"]);
                    assert_eq!(field("mass_casualty"), r["mass_casualty"]);
                } else {
                    assert!(e.get("priority").is_none() && e.get("extension").is_none());
                }
            }

            // Conditions, primary first, ranked on the first encounter.
            let conditions: Vec<&Value> = of_type(&b, "Condition").collect();
            let expected: Vec<&Value> = r["conditions"].as_array().unwrap().iter().collect();
            assert_eq!(conditions.len(), expected.len());
            for (i, (c, x)) in conditions.iter().zip(&expected).enumerate() {
                assert_eq!(c["code"]["coding"][0]["code"], x["code"]);
                assert_eq!(c["code"]["coding"][0]["display"], x["name"]);
                assert_eq!(c["severity"]["coding"][0]["code"], x["severity_code"]);
                assert_eq!(c["category"][1]["coding"][0]["code"], r["injury_type"]);
                assert_eq!(c["onsetDateTime"], r["injury_time"]);
                assert_eq!(encounter_of(&c["encounter"]["reference"]), 0);
                let diagnosis = &encounters[0]["diagnosis"][i];
                assert_eq!(diagnosis["rank"], i + 1);
                assert_eq!(
                    str_of(&diagnosis["condition"]["reference"]),
                    format!("urn:uuid:{}", str_of(&c["id"]))
                );
                if i == 0 && !r["body_site"].is_null() {
                    assert_eq!(
                        c["bodySite"][0]["coding"][0]["code"],
                        r["body_site"]["code"]
                    );
                }
                // Every condition carries its own site, unless it is systemic.
                assert_eq!(c.get("bodySite").is_none(), x["site"] == "Systemic");
            }

            // Procedures: the treatments, at their facility's encounter.
            let procedures: Vec<&Value> = of_type(&b, "Procedure").collect();
            let treatments = r["treatments"].as_array().unwrap();
            assert_eq!(procedures.len(), treatments.len());
            for (pr, t) in procedures.iter().zip(treatments) {
                assert_eq!(pr["code"]["coding"][0]["code"], t["code"]);
                assert_eq!(pr["performedDateTime"], t["timestamp"]);
                let e = encounters[encounter_of(&pr["encounter"]["reference"])];
                assert_eq!(
                    str_of(&e["location"][0]["location"]["display"]),
                    facility_display(str_of(&t["facility"]))
                );
            }

            // Evacuations: requested, departed, arrived.
            let requests: Vec<&Value> = of_type(&b, "ServiceRequest").collect();
            let evacuations: Vec<(usize, &Value)> = timeline
                .iter()
                .enumerate()
                .filter(|(_, e)| e["event_type"] == "evacuation_start")
                .collect();
            assert_eq!(requests.len(), evacuations.len());
            for (j, (s, (k, e))) in requests.iter().zip(&evacuations).enumerate() {
                assert_eq!(s["authoredOn"], e["timestamp"]);
                let departed = timeline[k + 1]["event_type"] == "transit_start";
                let arrived = departed && timeline[k + 2]["event_type"] == "arrival";
                // An evacuation the patient died waiting for, or during, is revoked.
                assert_eq!(s["status"], if arrived { "completed" } else { "revoked" });
                if departed {
                    assert_eq!(s["occurrencePeriod"]["start"], timeline[k + 1]["timestamp"]);
                } else {
                    assert!(s.get("occurrencePeriod").is_none());
                }
                if arrived {
                    assert_eq!(s["occurrencePeriod"]["end"], timeline[k + 2]["timestamp"]);
                } else if departed {
                    assert!(s["occurrencePeriod"].get("end").is_none());
                }
                assert_eq!(encounter_of(&s["encounter"]["reference"]), j);
                if arrived {
                    assert_eq!(
                        encounters[j + 1]["basedOn"][0]["reference"],
                        format!("urn:uuid:{}", str_of(&s["id"]))
                    );
                } else {
                    assert_eq!(
                        encounters.len(),
                        j + 1,
                        "no encounter after a death en route"
                    );
                }
            }

            // Observations: every vital sign, the blood group and the weight.
            let mut expected = Vec::new();
            for v in r["vital_signs"].as_array().unwrap() {
                let when = v["timestamp"].to_string();
                for (code, key) in [
                    ("8867-4", "heart_rate"),
                    ("9279-1", "respiratory_rate"),
                    ("8480-6", "systolic_bp"),
                    ("8462-4", "diastolic_bp"),
                    ("2708-6", "spo2"),
                    ("8310-5", "temperature"),
                    ("9269-2", "gcs"),
                ] {
                    expected.push((code.to_owned(), when.clone(), v[key].to_string()));
                }
            }
            let injury = r["injury_time"].to_string();
            let blood = str_of(&d["blood_type"]);
            let (abo, rh) = blood.split_at(blood.len() - 1);
            let abo_code = match abo {
                "A" => "112144000",
                "B" => "112149005",
                "AB" => "165743006",
                "O" => "58460004",
                other => panic!("blood group {other}"),
            };
            let rh_code = if rh == "+" { "165747007" } else { "165746003" };
            expected.push(("883-9".into(), injury.clone(), abo_code.into()));
            expected.push(("10331-7".into(), injury.clone(), rh_code.into()));
            expected.push(("29463-7".into(), injury.clone(), d["weight"].to_string()));
            if !r["injury_severity_score"].is_null() {
                let iss = r["injury_severity_score"].to_string();
                expected.push(("1255875007".into(), injury, iss));
            }
            expected.sort();
            assert_eq!(observation_values(&b), expected, "patient {}", r["id"]);
        }
    }
}
