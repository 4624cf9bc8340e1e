//! Care at each facility: which procedures a patient receives and the vital signs taken.
//!
//! Care is a pure function of the patient: it is expanded on demand from the patient's
//! [`detail_seed`](crate::Patient::detail_seed) and timeline, so the compact patient stays
//! small and generation stays allocation-free, while every writer renders the same care.
//! Procedures happen inside their stay (after arrival, before departure or death), each
//! at most once per stay; vital signs are taken shortly after each arrival and move
//! from the triage ranges towards normal as a survivor moves up the chain, or stay at the
//! worst ranges during the stay in which a patient dies.

use crate::model::{BodyRegion, EventKind, Facility, Triage};
use crate::patient::{Patient, Stay};
use crate::reference::care::{
    CareNeed, PROCEDURES, Procedure, VITALS_BY_TRIAGE, VITALS_NORMAL, VitalRanges,
};
use crate::rng::splitmix64;

/// Most procedures given during one stay.
pub const MAX_PROCEDURES_PER_STAY: usize = 5;

/// Most stays of one journey (POI and Roles 1-4).
const MAX_STAYS: usize = 5;

/// One procedure given to a patient.
#[derive(Clone, Copy, Debug)]
pub struct Treatment {
    /// The procedure.
    pub procedure: &'static Procedure,
    /// Where it was given.
    pub facility: Facility,
    /// Minutes since injury.
    pub minute: u16,
}

/// One set of vital signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VitalSigns {
    /// Where they were taken.
    pub facility: Facility,
    /// Minutes since injury.
    pub minute: u16,
    /// Heart rate, beats/min.
    pub heart_rate: u16,
    /// Respiratory rate, breaths/min.
    pub respiratory_rate: u16,
    /// Systolic blood pressure, mmHg.
    pub systolic: u16,
    /// Diastolic blood pressure, mmHg.
    pub diastolic: u16,
    /// Oxygen saturation, %.
    pub spo2: u16,
    /// Body temperature, tenths of °C.
    pub temperature_dc: u16,
    /// Glasgow coma scale.
    pub gcs: u16,
}

/// A patient's care, expanded on the stack.
#[derive(Clone, Debug)]
pub struct CarePlan {
    treatments: [Option<Treatment>; MAX_STAYS * MAX_PROCEDURES_PER_STAY],
    treatment_count: usize,
    vitals: [Option<VitalSigns>; MAX_STAYS],
    vitals_count: usize,
}

/// A tiny deterministic stream for care draws.
struct Draws(u64);

impl Draws {
    fn unit(&mut self) -> f64 {
        (splitmix64(&mut self.0) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn in_range(&mut self, (lo, hi): (u16, u16)) -> u16 {
        let span = u64::from(hi.saturating_sub(lo)) + 1;
        lo + (splitmix64(&mut self.0) % span) as u16
    }
}

fn applies(procedure: &Procedure, patient: &Patient, facility: Facility) -> bool {
    if !procedure.facilities.contains(facility as u8)
        || !procedure.injury_types.contains(patient.injury_type() as u8)
        || !procedure.triage.contains(patient.triage() as u8)
    {
        return false;
    }
    match procedure.need {
        CareNeed::Any => true,
        CareNeed::LimbInjury => matches!(
            patient.body_region(),
            BodyRegion::LeftArm | BodyRegion::RightArm | BodyRegion::LeftLeg | BodyRegion::RightLeg
        ),
        CareNeed::HeadInjury => patient.body_region() == BodyRegion::Head,
        CareNeed::TorsoInjury => patient.body_region() == BodyRegion::Torso,
        CareNeed::Routing(r) => patient.conditions().any(|c| c.routing == r),
        CareNeed::Infection => patient.conditions().any(|c| c.infectious),
    }
}

fn lerp(from: (u16, u16), to: (u16, u16), t: f64) -> (u16, u16) {
    let mix = |a: u16, b: u16| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u16;
    let (lo, hi) = (mix(from.0, to.0), mix(from.1, to.1));
    (lo.min(hi), lo.max(hi))
}

impl CarePlan {
    /// Expands the care of `patient`.
    pub fn of(patient: &Patient) -> CarePlan {
        let mut plan = CarePlan {
            treatments: [None; MAX_STAYS * MAX_PROCEDURES_PER_STAY],
            treatment_count: 0,
            vitals: [None; MAX_STAYS],
            vitals_count: 0,
        };
        let stays = patient.timeline().stays().count();
        for (j, stay) in patient.timeline().stays().enumerate() {
            let mut draws =
                Draws(patient.detail_seed() ^ (j as u64 + 1).wrapping_mul(0xA076_1D64_78BD_642F));
            plan.add_vitals(patient, &stay, j, stays, &mut draws);
            plan.add_treatments(patient, &stay, &mut draws);
        }
        plan
    }

    fn add_treatments(&mut self, patient: &Patient, stay: &Stay, draws: &mut Draws) {
        let mut chosen = [0usize; MAX_PROCEDURES_PER_STAY];
        let mut n = 0;
        for (i, procedure) in PROCEDURES.iter().enumerate() {
            if n == MAX_PROCEDURES_PER_STAY {
                break;
            }
            if applies(procedure, patient, stay.facility) && draws.unit() < procedure.probability {
                chosen[n] = i;
                n += 1;
            }
        }
        let span = u32::from(stay.end - stay.arrival);
        for (k, &i) in chosen[..n].iter().enumerate() {
            let minute = u32::from(stay.arrival) + span * (k as u32 + 1) / (n as u32 + 1);
            self.treatments[self.treatment_count] = Some(Treatment {
                procedure: &PROCEDURES[i],
                facility: stay.facility,
                minute: minute as u16,
            });
            self.treatment_count += 1;
        }
    }

    fn add_vitals(
        &mut self,
        patient: &Patient,
        stay: &Stay,
        j: usize,
        stays: usize,
        draws: &mut Draws,
    ) {
        let dies_here = matches!(stay.ends_with, EventKind::Kia | EventKind::Dow);
        let (from, t): (&VitalRanges, f64) = if dies_here {
            (&VITALS_BY_TRIAGE[Triage::T1.index()], 0.0)
        } else {
            (
                &VITALS_BY_TRIAGE[patient.triage().index()],
                j as f64 / stays as f64,
            )
        };
        let to = &VITALS_NORMAL;
        let minute = stay.arrival + (stay.end - stay.arrival).min(10);
        let systolic = draws.in_range(lerp(from.systolic, to.systolic, t));
        let diastolic_range = lerp(from.diastolic, to.diastolic, t);
        let diastolic = draws
            .in_range(diastolic_range)
            .min(systolic.saturating_sub(10));
        self.vitals[self.vitals_count] = Some(VitalSigns {
            facility: stay.facility,
            minute,
            heart_rate: draws.in_range(lerp(from.heart_rate, to.heart_rate, t)),
            respiratory_rate: draws.in_range(lerp(from.respiratory_rate, to.respiratory_rate, t)),
            systolic,
            diastolic,
            spo2: draws.in_range(lerp(from.spo2, to.spo2, t)),
            temperature_dc: draws.in_range(lerp(from.temperature_dc, to.temperature_dc, t)),
            gcs: draws.in_range(lerp(from.gcs, to.gcs, t)),
        });
        self.vitals_count += 1;
    }

    /// Procedures, in time order.
    pub fn treatments(&self) -> impl ExactSizeIterator<Item = Treatment> + '_ {
        self.treatments[..self.treatment_count]
            .iter()
            .map(|t| t.expect("filled"))
    }

    /// Vital signs, one set per stay, in time order.
    pub fn vital_signs(&self) -> impl ExactSizeIterator<Item = VitalSigns> + '_ {
        self.vitals[..self.vitals_count]
            .iter()
            .map(|v| v.expect("filled"))
    }
}
