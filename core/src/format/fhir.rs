//! FHIR R4 (4.0.1) output: one Bundle per patient, one Bundle per line.
//!
//! Each Bundle holds the patient's `Patient`, one `Encounter` per facility stay, a
//! `Condition` per condition, a `Procedure` per treatment, a `ServiceRequest` per
//! evacuation, and `Observation`s for every vital-sign set, the blood group, the body
//! weight and (for injuries) the Injury Severity Score: the same facts as the JSON record ([`write_record`](super::write_record)).
//! `docs/formats.md` lists every element, code system and identifier namespace.
//!
//! Resources refer to each other by `urn:uuid:` full URLs, so references resolve inside the
//! Bundle whether it is a `collection` or a `transaction`. Resource ids are UUIDs hashed from
//! the seed, the patient's index, the resource type and the resource's ordinal within its
//! type (see [`resource_id`]): the same run always gives the same ids, and nothing random or
//! clock-dependent enters the output.
//!
//! Like the record writer, this writes JSON straight into the output buffer from static
//! fragments; nothing is allocated per patient.

use super::json_out::{int, string, tenths};
use super::record::{Origin, RenderContext};
use super::time::{write_date, write_timestamp};
use crate::care::CarePlan;
use crate::model::{EventKind, Facility, Outcome, Triage};
use crate::patient::{Patient, Stay};
use crate::reference::{BODY_SITES, severity_of_grade};
use crate::rng::{Domain, key, splitmix64};

/// The two kinds of Bundle milmed writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BundleType {
    /// `collection`: the patient's resources, to read or store as they are.
    Collection,
    /// `transaction`: the same resources, each entry with `request` `POST <type>`, ready to
    /// be posted to a FHIR server's base URL.
    Transaction,
}

impl BundleType {
    /// The `Bundle.type` code.
    pub const fn as_str(self) -> &'static str {
        match self {
            BundleType::Collection => "collection",
            BundleType::Transaction => "transaction",
        }
    }
}

/// The resource types of a Bundle, with the tag that keys their ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ResourceKind {
    /// The Bundle itself (ordinal 0 for a collection, 1 for a transaction).
    Bundle = 1,
    /// The casualty.
    Patient = 2,
    /// A facility stay.
    Encounter = 3,
    /// A condition.
    Condition = 4,
    /// A treatment.
    Procedure = 5,
    /// A vital sign, the blood group or the body weight.
    Observation = 6,
    /// An evacuation to the next facility.
    ServiceRequest = 7,
}

impl ResourceKind {
    /// The FHIR resource type name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Bundle => "Bundle",
            ResourceKind::Patient => "Patient",
            ResourceKind::Encounter => "Encounter",
            ResourceKind::Condition => "Condition",
            ResourceKind::Procedure => "Procedure",
            ResourceKind::Observation => "Observation",
            ResourceKind::ServiceRequest => "ServiceRequest",
        }
    }
}

/// A UUID in its 36-character text form (lower-case hex, 8-4-4-4-12).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Uuid([u8; 36]);

impl Uuid {
    /// The 128 bits as a version-4, variant-1 UUID (RFC 9562): the six version and
    /// variant bits are overwritten, the other 122 kept.
    pub fn from_words(hi: u64, lo: u64) -> Uuid {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&hi.to_be_bytes());
        bytes[8..].copy_from_slice(&lo.to_be_bytes());
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [b'-'; 36];
        let mut at = 0;
        for (i, b) in bytes.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                at += 1;
            }
            text[at] = HEX[usize::from(b >> 4)];
            text[at + 1] = HEX[usize::from(b & 0xf)];
            at += 2;
        }
        Uuid(text)
    }

    /// The UUID as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("hex digits and dashes")
    }
}

impl std::fmt::Debug for Uuid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for Uuid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The run's id key: the first word of the seed's key in the FHIR-ids domain.
fn run_key(seed: u64) -> u64 {
    let k = key(seed, Domain::FhirIds);
    u64::from_le_bytes(k[..8].try_into().expect("8 bytes"))
}

/// The patient's id key: SplitMix64 of the run key and the index (a bijection of the index).
fn patient_key(run_key: u64, index: u64) -> u64 {
    let mut state = run_key ^ index;
    splitmix64(&mut state)
}

/// The id of resource `ordinal` (0-based) of type `kind` of patient `index` in a run of
/// `seed`.
///
/// Keyed hashing with SplitMix64 (the crate's mixer): `run = key(seed, FHIR ids)`,
/// `patient = splitmix64(run ^ index)`, then the two next SplitMix64 outputs from
/// `patient ^ (kind << 32 | ordinal)` are the 128 bits, stamped as version 4 variant 1.
/// Each step is a bijection of its input, so within a patient distinct (kind, ordinal)
/// pairs — and for one (index, kind, ordinal) distinct seeds — differ in their first 64
/// bits before stamping; everything else collides with probability about 2^-122.
pub fn resource_id(seed: u64, index: u64, kind: ResourceKind, ordinal: u32) -> Uuid {
    id_of(patient_key(run_key(seed), index), kind, ordinal)
}

fn id_of(patient_key: u64, kind: ResourceKind, ordinal: u32) -> Uuid {
    let mut state = patient_key ^ ((u64::from(kind as u8) << 32) | u64::from(ordinal));
    let hi = splitmix64(&mut state);
    let lo = splitmix64(&mut state);
    Uuid::from_words(hi, lo)
}

/// Appends the patient's Bundle (one line of JSON, no trailing newline).
pub fn write_bundle(ctx: &RenderContext, p: &Patient, bundle: BundleType, out: &mut Vec<u8>) {
    write_with_key(ctx, p, bundle, run_key(ctx.seed()), out);
}

/// The FHIR encoders: one Bundle per line.
pub(crate) struct FhirEncoder {
    ctx: RenderContext,
    bundle: BundleType,
    run_key: u64,
}

impl FhirEncoder {
    pub(crate) fn new(ctx: RenderContext, bundle: BundleType) -> FhirEncoder {
        let run_key = run_key(ctx.seed());
        FhirEncoder {
            ctx,
            bundle,
            run_key,
        }
    }
}

impl super::Encoder for FhirEncoder {
    fn encode(&self, patient: &Patient, _position: u64, out: &mut Vec<u8>) {
        write_with_key(&self.ctx, patient, self.bundle, self.run_key, out);
        out.push(b'\n');
    }
}

// ---- static fragments ----------------------------------------------------------------

const SNOMED: &[u8] = b"http://snomed.info/sct";
const UCUM: &[u8] = br#"","system":"http://unitsofmeasure.org","code":""#;

const OBS_VITAL: &[u8] = br#","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs","display":"Vital Signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":""#;
const OBS_SURVEY: &[u8] = br#","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"survey","display":"Survey"}]}],"code":{"coding":[{"system":"http://loinc.org","code":""#;
const OBS_LAB: &[u8] = br#","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory","display":"Laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":""#;

/// A LOINC-coded observation: its head (status, category, start of the code) and the rest
/// of its code up to the closing of `code`.
struct ObservationCode {
    head: &'static [u8],
    code: &'static [u8],
}

const HEART_RATE: ObservationCode = ObservationCode {
    head: OBS_VITAL,
    code: br#"8867-4","display":"Heart rate"}]}"#,
};
const RESPIRATORY_RATE: ObservationCode = ObservationCode {
    head: OBS_VITAL,
    code: br#"9279-1","display":"Respiratory rate"}]}"#,
};
const BLOOD_PRESSURE: ObservationCode = ObservationCode {
    head: OBS_VITAL,
    code: br#"85354-9","display":"Blood pressure panel with all children optional"}]}"#,
};
/// Oxygen saturation: the R4 vital-signs code 2708-6 and the pulse-oximetry code 59408-5.
const SPO2: ObservationCode = ObservationCode {
    head: OBS_VITAL,
    code: br#"2708-6","display":"Oxygen saturation in Arterial blood"},{"system":"http://loinc.org","code":"59408-5","display":"Oxygen saturation in Arterial blood by Pulse oximetry"}]}"#,
};
const TEMPERATURE: ObservationCode = ObservationCode {
    head: OBS_VITAL,
    code: br#"8310-5","display":"Body temperature"}]}"#,
};
const GCS: ObservationCode = ObservationCode {
    head: OBS_SURVEY,
    code: br#"9269-2","display":"Glasgow coma score total"}]}"#,
};
const BODY_WEIGHT: ObservationCode = ObservationCode {
    head: OBS_VITAL,
    code: br#"29463-7","display":"Body weight"}]}"#,
};
const ABO: ObservationCode = ObservationCode {
    head: OBS_LAB,
    code: br#"883-9","display":"ABO group [Type] in Blood"}]}"#,
};
/// The Injury Severity Score, a SNOMED CT observable (LOINC has no code for it).
const ISS: ObservationCode = ObservationCode {
    head: br#","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"exam","display":"Exam"}]}],"code":{"coding":[{"system":"http://snomed.info/sct","code":""#,
    code: br#"1255875007","display":"Injury Severity Score"}]}"#,
};
const RH: ObservationCode = ObservationCode {
    head: OBS_LAB,
    code: br#"10331-7","display":"Rh [Type] in Blood"}]}"#,
};

const BP_SYSTOLIC: &[u8] = br#","component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6","display":"Systolic blood pressure"}]},"valueQuantity":{"value":"#;
const BP_DIASTOLIC: &[u8] = br#"}},{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4","display":"Diastolic blood pressure"}]},"valueQuantity":{"value":"#;
const MM_HG: &[u8] = br#","unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]""#;

/// SNOMED CT blood-group findings: (code, display) of the ABO group.
fn abo_finding(abo: &str) -> (&'static str, &'static str) {
    match abo {
        "A" => ("112144000", "Blood group A"),
        "B" => ("112149005", "Blood group B"),
        "AB" => ("165743006", "Blood group AB"),
        _ => ("58460004", "Blood group O"),
    }
}

/// SNOMED CT RhD findings: (code, display).
fn rh_finding(positive: bool) -> (&'static str, &'static str) {
    if positive {
        ("165747007", "RhD positive")
    } else {
        ("165746003", "RhD negative")
    }
}

/// Human-readable name of a facility (`Role 1`), for `display`s.
fn facility_display(f: Facility) -> &'static str {
    match f {
        Facility::Poi => "POI",
        Facility::Role1 => "Role 1",
        Facility::Role2 => "Role 2",
        Facility::Role3 => "Role 3",
        Facility::Role4 => "Role 4",
    }
}

/// `Encounter.class` (v3 ActCode): field at the point of injury, emergency at Role 1,
/// inpatient from Role 2 on.
fn encounter_class(f: Facility) -> &'static [u8] {
    match f {
        Facility::Poi => br#""code":"FLD","display":"field"}"#,
        Facility::Role1 => br#""code":"EMER","display":"emergency"}"#,
        _ => br#""code":"IMP","display":"inpatient encounter"}"#,
    }
}

/// `Encounter.priority`: v3 ActPriority plus the NATO triage category.
fn priority(t: Triage) -> &'static [u8] {
    match t {
        Triage::T1 => {
            br#","priority":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActPriority","code":"EM","display":"emergency"},{"system":"urn:milmed:triage","code":"T1","display":"Immediate"}],"text":"T1"}"#
        }
        Triage::T2 => {
            br#","priority":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActPriority","code":"UR","display":"urgent"},{"system":"urn:milmed:triage","code":"T2","display":"Delayed"}],"text":"T2"}"#
        }
        Triage::T3 => {
            br#","priority":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActPriority","code":"R","display":"routine"},{"system":"urn:milmed:triage","code":"T3","display":"Minimal"}],"text":"T3"}"#
        }
        // No v3 ActPriority says "comfort care only".
        Triage::T4 => {
            br#","priority":{"coding":[{"system":"urn:milmed:triage","code":"T4","display":"Expectant"}],"text":"T4"}"#
        }
    }
}

/// `Encounter.hospitalization.dischargeDisposition` of a stay that ends with `kind`
/// (HL7 discharge-disposition code system), or `None` while the patient is still in care.
fn discharge_disposition(kind: EventKind) -> Option<&'static [u8]> {
    macro_rules! disposition {
        ($code:literal, $display:literal, $text:literal) => {
            concat!(
                r#""dischargeDisposition":{"coding":[{"system":""#,
                "http://terminology.hl7.org/CodeSystem/discharge-disposition",
                r#"","code":""#,
                $code,
                r#"","display":""#,
                $display,
                r#""}],"text":""#,
                $text,
                r#""}"#
            )
            .as_bytes()
        };
    }
    match kind {
        EventKind::TransitStart => Some(disposition!(
            "other-hcf",
            "Other healthcare facility",
            "Evacuated"
        )),
        EventKind::Kia => Some(disposition!("exp", "Expired", "Killed in action (KIA)")),
        EventKind::Dow => Some(disposition!("exp", "Expired", "Died of wounds (DOW)")),
        EventKind::Rtd => Some(disposition!("home", "Home", "Returned to duty (RTD)")),
        _ => None,
    }
}

/// Most stays of one journey (POI and Roles 1-4).
const MAX_STAYS: usize = 5;

/// An evacuation from stay `from`: requested, departed, arrived at `to`.
#[derive(Clone, Copy)]
struct Evacuation {
    from: usize,
    requested: u16,
    /// Departure, unless the patient died waiting.
    departed: Option<u16>,
    /// Arrival, unless the patient died before it.
    arrived: Option<u16>,
    to: Facility,
}

/// The writer of one Bundle.
struct Writer<'a> {
    out: &'a mut Vec<u8>,
    ctx: &'a RenderContext,
    p: &'a Patient,
    transaction: bool,
    key: u64,
    injury_unix: i64,
    patient: Uuid,
    first_entry: bool,
}

impl Writer<'_> {
    fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    fn id(&self, kind: ResourceKind, ordinal: usize) -> Uuid {
        id_of(self.key, kind, ordinal as u32)
    }

    /// `"…"` for `minute` minutes after the injury.
    fn time(&mut self, minute: u16) {
        self.out.push(b'"');
        write_timestamp(self.out, self.injury_unix + i64::from(minute) * 60);
        self.out.push(b'"');
    }

    /// `{"reference":"urn:uuid:…"}` after `prefix` (e.g. `,"subject":`).
    fn reference(&mut self, prefix: &[u8], id: &Uuid) {
        self.raw(prefix);
        self.raw(br#"{"reference":"urn:uuid:"#);
        self.raw(&id.0);
        self.raw(b"\"}");
    }

    fn subject(&mut self) {
        let patient = self.patient;
        self.reference(br#","subject":"#, &patient);
    }

    /// A SNOMED CT CodeableConcept with one coding.
    fn snomed(&mut self, code: &str, display: &str) {
        self.raw(br#"{"coding":[{"system":""#);
        self.raw(SNOMED);
        self.raw(br#"","code":""#);
        self.raw(code.as_bytes());
        self.raw(br#"","display":"#);
        string(self.out, display);
        self.raw(b"}]}");
    }

    /// Opens an entry and its resource, up to and including the resource's `id`.
    fn begin(&mut self, kind: ResourceKind, id: &Uuid) {
        if !self.first_entry {
            self.out.push(b',');
        }
        self.first_entry = false;
        self.raw(br#"{"fullUrl":"urn:uuid:"#);
        self.raw(&id.0);
        self.raw(br#"","resource":{"resourceType":""#);
        self.raw(kind.as_str().as_bytes());
        self.raw(br#"","id":""#);
        self.raw(&id.0);
        self.out.push(b'"');
    }

    /// Closes the resource and its entry (with `request` in a transaction).
    fn end(&mut self, kind: ResourceKind) {
        self.out.push(b'}');
        if self.transaction {
            self.raw(br#","request":{"method":"POST","url":""#);
            self.raw(kind.as_str().as_bytes());
            self.raw(b"\"}");
        }
        self.out.push(b'}');
    }

    /// Opens an Observation up to its `effectiveDateTime`.
    fn observation(
        &mut self,
        ordinal: &mut usize,
        code: &ObservationCode,
        encounter: Option<&Uuid>,
        minute: u16,
    ) {
        let id = self.id(ResourceKind::Observation, *ordinal);
        *ordinal += 1;
        self.begin(ResourceKind::Observation, &id);
        self.raw(code.head);
        self.raw(code.code);
        self.subject();
        if let Some(e) = encounter {
            self.reference(br#","encounter":"#, e);
        }
        self.raw(br#","effectiveDateTime":"#);
        self.time(minute);
    }

    /// `,"valueQuantity":{"value":V,"unit":"U","system":UCUM,"code":"C"}` then closes.
    fn quantity(&mut self, value: impl itoa::Integer, unit: &[u8], code: &[u8]) {
        self.raw(br#","valueQuantity":{"value":"#);
        int(self.out, value);
        self.unit(unit, code);
    }

    fn unit(&mut self, unit: &[u8], code: &[u8]) {
        self.raw(br#","unit":""#);
        self.raw(unit);
        self.raw(UCUM);
        self.raw(code);
        self.raw(b"\"}");
    }
}

fn write_with_key(
    ctx: &RenderContext,
    p: &Patient,
    bundle: BundleType,
    run_key: u64,
    out: &mut Vec<u8>,
) {
    let key = patient_key(run_key, p.index());
    let injury_unix = ctx.injury_unix(p);
    let timeline = p.timeline();
    let terminal = timeline.terminal();

    // The stays and the evacuations between them.
    let mut stays = [Stay {
        facility: Facility::Poi,
        arrival: 0,
        end: 0,
        ends_with: EventKind::Arrival,
    }; MAX_STAYS];
    let mut stay_count = 0;
    for s in timeline.stays().take(MAX_STAYS) {
        stays[stay_count] = s;
        stay_count += 1;
    }
    let stays = &stays[..stay_count];
    let mut evacuations = [None::<Evacuation>; MAX_STAYS];
    let events = timeline.events();
    for (j, s) in stays.iter().enumerate() {
        let requested = events
            .iter()
            .find(|e| e.kind == EventKind::EvacuationStart && e.facility == s.facility)
            .map(|e| e.minute);
        let next = stays.get(j + 1).copied();
        evacuations[j] = match (requested, s.ends_with, next) {
            (Some(requested), EventKind::TransitStart, Some(next)) => Some(Evacuation {
                from: j,
                requested,
                departed: Some(s.end),
                arrived: Some(next.arrival),
                to: next.facility,
            }),
            // Died on the way, or waiting for the transport: the order was never fulfilled.
            (Some(requested), kind, None) => timeline.died_en_route_to().map(|to| Evacuation {
                from: j,
                requested,
                departed: (kind == EventKind::TransitStart).then_some(s.end),
                arrived: None,
                to,
            }),
            _ => None,
        };
    }

    let mut w = Writer {
        out,
        ctx,
        p,
        transaction: bundle == BundleType::Transaction,
        key,
        injury_unix,
        patient: id_of(key, ResourceKind::Patient, 0),
        first_entry: true,
    };
    let encounter = |j: usize| id_of(key, ResourceKind::Encounter, j as u32);

    // Bundle.
    let bundle_id = id_of(
        key,
        ResourceKind::Bundle,
        u32::from(bundle == BundleType::Transaction),
    );
    w.raw(br#"{"resourceType":"Bundle","id":""#);
    w.raw(&bundle_id.0);
    w.raw(br#"","type":""#);
    w.raw(bundle.as_str().as_bytes());
    w.raw(br#"","timestamp":"#);
    w.time(terminal.minute);
    w.raw(br#","entry":["#);

    write_patient(&mut w, terminal.minute);
    for (j, stay) in stays.iter().enumerate() {
        let previous = j.checked_sub(1).and_then(|i| evacuations[i]);
        write_encounter(&mut w, j, stay, previous, evacuations[j]);
    }

    // Conditions, diagnosed at the point of injury.
    let first_encounter = encounter(0);
    for (i, injury) in w.p.injuries().enumerate() {
        let c = injury.condition;
        let severity = severity_of_grade(injury.grade);
        let id = w.id(ResourceKind::Condition, i);
        w.begin(ResourceKind::Condition, &id);
        if p.outcome() == Outcome::Rtd {
            w.raw(br#","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"resolved","display":"Resolved"}]}"#);
        } else {
            w.raw(br#","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active","display":"Active"}]}"#);
        }
        w.raw(br#","verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed","display":"Confirmed"}]},"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-category","code":"encounter-diagnosis","display":"Encounter Diagnosis"}]},{"coding":[{"system":"urn:milmed:injury-type","code":"#);
        string(w.out, p.injury_type().as_str());
        w.raw(br#","display":"#);
        string(w.out, p.injury_type().as_str());
        w.raw(br#"}]}],"severity":"#);
        w.snomed(severity.code, severity.display);
        w.raw(br#","code":"#);
        w.snomed(c.code, c.display);
        if let Some(site) = BODY_SITES.get(injury.site.index()) {
            w.raw(br#","bodySite":["#);
            w.snomed(site.code, site.display);
            w.out.push(b']');
        }
        w.subject();
        w.reference(br#","encounter":"#, &first_encounter);
        w.raw(br#","onsetDateTime":"#);
        w.time(0);
        if p.outcome() == Outcome::Rtd {
            w.raw(br#","abatementDateTime":"#);
            w.time(terminal.minute);
        }
        w.end(ResourceKind::Condition);
    }

    // Evacuations: ServiceRequest `j` takes the patient from stay `j` to stay `j + 1`.
    for e in evacuations.iter().flatten() {
        let id = w.id(ResourceKind::ServiceRequest, e.from);
        w.begin(ResourceKind::ServiceRequest, &id);
        // An evacuation the patient did not live to finish is revoked.
        if e.arrived.is_some() {
            w.raw(br#","status":"completed""#);
        } else {
            w.raw(br#","status":"revoked""#);
        }
        w.raw(br#","intent":"order","code":{"coding":[{"system":"http://snomed.info/sct","code":"19712007","display":"Patient transfer, to another health care facility"}],"text":"Evacuation to "#);
        w.raw(facility_display(e.to).as_bytes());
        w.raw(b"\"}");
        w.subject();
        w.reference(br#","encounter":"#, &encounter(e.from));
        if let Some(departed) = e.departed {
            w.raw(br#","occurrencePeriod":{"start":"#);
            w.time(departed);
            if let Some(arrived) = e.arrived {
                w.raw(br#","end":"#);
                w.time(arrived);
            }
            w.out.push(b'}');
        }
        w.raw(br#","authoredOn":"#);
        w.time(e.requested);
        w.end(ResourceKind::ServiceRequest);
    }

    // Treatments and vital signs.
    let care = CarePlan::of(p);
    let stay_of = |f: Facility| stays.iter().position(|s| s.facility == f).unwrap_or(0);
    for (i, t) in care.treatments().enumerate() {
        let id = w.id(ResourceKind::Procedure, i);
        w.begin(ResourceKind::Procedure, &id);
        w.raw(br#","status":"completed","code":"#);
        w.snomed(t.procedure.code, t.procedure.display);
        w.subject();
        w.reference(br#","encounter":"#, &encounter(stay_of(t.facility)));
        w.raw(br#","performedDateTime":"#);
        w.time(t.minute);
        if let Some(drug) = t.procedure.substance {
            w.raw(br#","usedCode":["#);
            w.snomed(drug.code, drug.display);
            w.out.push(b']');
        }
        w.end(ResourceKind::Procedure);
    }

    let mut ordinal = 0;
    for v in care.vital_signs() {
        let e = encounter(stay_of(v.facility));
        let e = Some(&e);
        w.observation(&mut ordinal, &HEART_RATE, e, v.minute);
        w.quantity(v.heart_rate, b"beats/minute", b"/min");
        w.end(ResourceKind::Observation);

        w.observation(&mut ordinal, &RESPIRATORY_RATE, e, v.minute);
        w.quantity(v.respiratory_rate, b"breaths/minute", b"/min");
        w.end(ResourceKind::Observation);

        w.observation(&mut ordinal, &BLOOD_PRESSURE, e, v.minute);
        w.raw(BP_SYSTOLIC);
        int(w.out, v.systolic);
        w.raw(MM_HG);
        w.raw(BP_DIASTOLIC);
        int(w.out, v.diastolic);
        w.raw(MM_HG);
        w.raw(b"}}]");
        w.end(ResourceKind::Observation);

        w.observation(&mut ordinal, &SPO2, e, v.minute);
        w.quantity(v.spo2, b"%", b"%");
        w.end(ResourceKind::Observation);

        w.observation(&mut ordinal, &TEMPERATURE, e, v.minute);
        w.raw(br#","valueQuantity":{"value":"#);
        tenths(w.out, u64::from(v.temperature_dc));
        w.unit(b"Cel", b"Cel");
        w.end(ResourceKind::Observation);

        w.observation(&mut ordinal, &GCS, e, v.minute);
        w.quantity(v.gcs, b"{score}", b"{score}");
        w.end(ResourceKind::Observation);
    }

    // What the casualty brings: blood group (from the identity tag) and body weight.
    let blood = p.blood_group();
    w.observation(&mut ordinal, &ABO, None, 0);
    w.raw(br#","valueCodeableConcept":"#);
    let (code, display) = abo_finding(blood.abo());
    w.snomed(code, display);
    w.end(ResourceKind::Observation);

    w.observation(&mut ordinal, &RH, None, 0);
    w.raw(br#","valueCodeableConcept":"#);
    let (code, display) = rh_finding(blood.rh_positive());
    w.snomed(code, display);
    w.end(ResourceKind::Observation);

    w.observation(&mut ordinal, &BODY_WEIGHT, None, 0);
    w.raw(br#","valueQuantity":{"value":"#);
    tenths(w.out, u64::from(p.weight_dg()));
    w.unit(b"kg", b"kg");
    w.end(ResourceKind::Observation);

    // How badly injured: the Injury Severity Score of the injuries, scored at the first
    // encounter.
    if let Some(iss) = p.injury_severity_score() {
        let first = encounter(0);
        w.observation(&mut ordinal, &ISS, Some(&first), 0);
        w.raw(br#","valueInteger":"#);
        int(w.out, iss);
        w.end(ResourceKind::Observation);
    }

    w.raw(b"]}");
}

fn write_patient(w: &mut Writer<'_>, terminal_minute: u16) {
    let p = w.p;
    let nation = p.nation();
    let patient = w.patient;
    w.begin(ResourceKind::Patient, &patient);
    w.raw(br#","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-nationality","extension":[{"url":"code","valueCodeableConcept":{"coding":[{"system":"urn:iso:std:iso:3166","code":""#);
    w.raw(nation.code.as_bytes());
    w.raw(br#""}],"text":"#);
    string(w.out, nation.name);
    w.raw(br#"}}]}],"identifier":[{"use":"official","type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MI","display":"Military ID number"}]},"system":"urn:milmed:service-number:"#);
    w.raw(nation.code.as_bytes());
    w.raw(br#"","value":"#);
    string(w.out, p.service_number().as_str());
    w.raw(br#"},{"use":"secondary","type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR","display":"Medical record number"}]},"system":"urn:milmed:patient-index","value":""#);
    int(w.out, p.index());
    w.raw(br#""}],"name":[{"use":"official","family":"#);
    string(w.out, p.family_name());
    w.raw(br#","given":["#);
    string(w.out, p.given_name());
    w.raw(br#"],"prefix":["#);
    string(w.out, p.rank().code);
    w.raw(br#"]}],"gender":""#);
    w.raw(p.gender().as_str().as_bytes());
    w.raw(br#"","birthDate":""#);
    write_date(w.out, w.ctx.birth(p).date);
    w.out.push(b'"');
    if matches!(p.outcome(), Outcome::Kia | Outcome::Dow) {
        w.raw(br#","deceasedDateTime":"#);
        w.time(terminal_minute);
    } else {
        w.raw(br#","deceasedBoolean":false"#);
    }
    w.end(ResourceKind::Patient);
}

fn write_encounter(
    w: &mut Writer<'_>,
    j: usize,
    stay: &Stay,
    arrived_by: Option<Evacuation>,
    left_by: Option<Evacuation>,
) {
    let p = w.p;
    let id = w.id(ResourceKind::Encounter, j);
    w.begin(ResourceKind::Encounter, &id);
    if j == 0 {
        // The incident: where the casualty came from.
        let origin = Origin::of(p);
        w.raw(br#","extension":[{"url":"urn:milmed:incident","extension":[{"url":"scenario","valueCode":""#);
        w.raw(origin.scenario.as_bytes());
        if let Some(special) = origin.special_event {
            w.raw(br#""},{"url":"special_event","valueCode":""#);
            w.raw(special.as_bytes());
        }
        w.raw(br#""},{"url":"event_id","valueString":""#);
        origin.write_event_id(w.out, p);
        w.raw(br#""},{"url":"mass_casualty","valueBoolean":"#);
        w.raw(if p.mass_casualty() { b"true" } else { b"false" });
        w.raw(b"}]}]");
    }
    let in_care = stay.ends_with == EventKind::RemainsRole4;
    w.raw(if in_care {
        br#","status":"in-progress""#
    } else {
        br#","status":"finished""#
    });
    w.raw(br#","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","#);
    w.raw(encounter_class(stay.facility));
    if j == 0 {
        w.raw(priority(p.triage()));
    }
    w.subject();
    if let Some(e) = arrived_by {
        let request = w.id(ResourceKind::ServiceRequest, e.from);
        w.raw(br#","basedOn":["#);
        w.reference(b"", &request);
        w.out.push(b']');
    }
    w.raw(br#","period":{"start":"#);
    w.time(stay.arrival);
    if !in_care {
        w.raw(br#","end":"#);
        w.time(stay.end);
    }
    w.out.push(b'}');
    if j == 0 {
        w.raw(br#","diagnosis":["#);
        for i in 0..p.conditions().len() {
            if i > 0 {
                w.out.push(b',');
            }
            let condition = w.id(ResourceKind::Condition, i);
            w.reference(br#"{"condition":"#, &condition);
            w.raw(br#","rank":"#);
            int(w.out, i + 1);
            w.out.push(b'}');
        }
        w.out.push(b']');
    }
    if let Some(disposition) = discharge_disposition(stay.ends_with) {
        w.raw(br#","hospitalization":{"#);
        if let Some(e) = left_by.filter(|e| e.departed.is_some()) {
            w.raw(br#""destination":{"display":""#);
            w.raw(facility_display(e.to).as_bytes());
            w.raw(br#""},"#);
        }
        w.raw(disposition);
        w.out.push(b'}');
    }
    w.raw(br#","location":[{"location":{"display":""#);
    w.raw(facility_display(stay.facility).as_bytes());
    w.raw(br#""}}"#);
    if j == 0 {
        w.raw(br#",{"location":{"display":"#);
        string(w.out, w.ctx.front_name(p));
        w.raw(br#"},"physicalType":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/location-physical-type","code":"area","display":"Area"}]}}"#);
    }
    w.out.push(b']');
    w.end(ResourceKind::Encounter);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_4_uuids_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for seed in [0u64, 1, 42, u64::MAX] {
            for index in [0u64, 1, 2, 999_999] {
                for kind in [
                    ResourceKind::Bundle,
                    ResourceKind::Patient,
                    ResourceKind::Encounter,
                    ResourceKind::Condition,
                    ResourceKind::Procedure,
                    ResourceKind::Observation,
                    ResourceKind::ServiceRequest,
                ] {
                    for ordinal in 0..40 {
                        let id = resource_id(seed, index, kind, ordinal);
                        let s = id.as_str();
                        assert_eq!(s.len(), 36);
                        assert_eq!(&s[14..15], "4", "{s}");
                        assert!(matches!(&s[19..20], "8" | "9" | "a" | "b"), "{s}");
                        assert_eq!(
                            s.char_indices()
                                .filter(|&(_, c)| c == '-')
                                .map(|(i, _)| i)
                                .collect::<Vec<_>>(),
                            [8, 13, 18, 23]
                        );
                        assert!(seen.insert(id), "duplicate {s}");
                        assert_eq!(id, resource_id(seed, index, kind, ordinal));
                    }
                }
            }
        }
    }

    #[test]
    fn uuid_layout_follows_rfc_9562() {
        let id = Uuid::from_words(0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210);
        assert_eq!(id.as_str(), "01234567-89ab-4def-bedc-ba9876543210");
    }
}
