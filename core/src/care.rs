//! Care at each facility: the procedures a patient receives and the vital signs taken.
//!
//! Care is a pure function of the patient: it is expanded on demand from the patient's
//! injuries, course and timeline (and [`detail_seed`](crate::Patient::detail_seed) for the
//! small variations), so the compact patient stays small and generation stays
//! allocation-free, while every writer renders the same care.
//!
//! - **Treatments** follow the doctrine table [`PROCEDURES`]: each is given where the
//!   facility has the capability, to patients whose injuries call for it, at the time its
//!   anchor sets (first aid within minutes of wounding, surgery once the team is ready),
//!   and only while the patient is there and alive. Once-only procedures (a tourniquet, an
//!   operation) are not repeated further up the chain. A contaminated casualty is
//!   decontaminated on arrival at the first medical facility, and the rest of the care
//!   there waits until he is clean.
//! - **Vital signs** are taken after each arrival and, for longer stays, again before the
//!   patient leaves (or dies). They follow the patient's physiology over time
//!   ([`Physiology`]): a bleed worsens until it is controlled, resuscitation and surgery
//!   bring the signs back towards normal, and a dying patient declines to the end.

use crate::clinical::Assessment;
use crate::model::{EventKind, Facility, InjuryType, Mechanism, Site, Triage};
use crate::patient::{Course, Patient, Stay};
use crate::reference::care::{
    Anchor, CareNeed, DECONTAMINATION_MINUTES, FEVER_HEART_RATE_PER_DEGREE, GCS_BY_NEURO,
    HYPOTHERMIA_SIGNS, PROCEDURES, Procedure, RECOVERY_HALF_LIFE_HOURS, SHOCK_SIGNS,
    SPO2_BY_RESPIRATORY, TACHYPNOEA_BY_RESPIRATORY, TOXIC_COMA_HALF_LIFE_HOURS, TRANEXAMIC_ACID,
    TRAUMA_TEMPERATURE_DC,
};
use crate::reference::clinical::{Bleeding, Effect, Picture, Temperature};
use crate::rng::{round_non_negative, splitmix64};

/// Most procedures of one journey.
pub const MAX_TREATMENTS: usize = 64;

/// Most sets of vital signs of one journey (two per stay).
pub const MAX_VITAL_SIGNS: usize = 10;

/// Latest minute after wounding at which tranexamic acid is given (CRASH-2: no benefit,
/// and more deaths from bleeding, when given later than three hours).
pub const TXA_DEADLINE_MINUTES: u32 = 180;

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
    treatments: [Option<Treatment>; MAX_TREATMENTS],
    treatment_count: usize,
    vitals: [Option<VitalSigns>; MAX_VITAL_SIGNS],
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

/// What a patient's injuries call for: one bit per [`CareNeed`].
#[derive(Clone, Copy, Debug)]
pub struct Needs(u64);

impl Needs {
    /// The needs of `patient`.
    pub fn of(patient: &Patient) -> Needs {
        Needs::assessed(patient, &patient.assessment())
    }

    fn assessed(patient: &Patient, assessment: &Assessment) -> Needs {
        let p = assessment.picture;
        let trauma = patient.injury_type() != InjuryType::Disease;
        let mut bits = 0u64;
        let mut set = |need: CareNeed, yes: bool| {
            if yes {
                bits |= 1 << need as u8;
            }
        };
        set(CareNeed::Any, true);
        set(CareNeed::Injury, trauma && assessment.max_grade >= 2);
        set(
            CareNeed::Haemorrhage,
            p.bleeding != Bleeding::None && p.shock >= 2,
        );
        set(
            CareNeed::SevereHaemorrhage,
            p.bleeding != Bleeding::None && p.shock >= 3,
        );
        set(CareNeed::Hypovolaemia, p.shock >= 2);
        set(
            CareNeed::Airway,
            p.airway || p.neuro >= 3 || p.respiratory >= 3,
        );
        set(CareNeed::TensionPneumothorax, p.tension);
        set(
            CareNeed::Oxygen,
            p.respiratory >= 1 || p.shock >= 3 || p.neuro >= 3,
        );
        set(CareNeed::Ventilation, p.respiratory >= 3 || p.neuro >= 3);
        set(CareNeed::Hypothermia, p.temperature.is_hypothermia());
        set(
            CareNeed::SeriousTrauma,
            trauma && assessment.triage != Triage::T3,
        );
        set(CareNeed::Critical, assessment.triage == Triage::T1);
        set(CareNeed::Minor, assessment.max_grade <= 2);
        for injury in patient.injuries() {
            let g = injury.grade;
            let pic = injury.picture();
            let effect = injury.effect();
            let wound = matches!(
                effect,
                Effect::Wound | Effect::ForeignBody | Effect::MultipleInjuries
            );
            let limb = injury.site.is_limb();
            set(
                CareNeed::LimbBleeding,
                pic.bleeding == Bleeding::Compressible
                    && (pic.shock >= 2 || effect == Effect::Amputation),
            );
            set(CareNeed::OpenWound, injury.is_open_wound() && g >= 2);
            set(
                CareNeed::MinorWound,
                g <= 2
                    && (injury.condition.code == "312608009"
                        || (matches!(effect, Effect::Wound | Effect::ForeignBody) && g == 1)),
            );
            // Penetrating or blunt (crush, multiple injuries) trauma of the trunk.
            let trunk = wound || effect == Effect::Crush;
            let chest = (trunk && injury.site == Site::Chest && g >= 3)
                || matches!(effect, Effect::Haemothorax | Effect::TensionPneumothorax);
            set(CareNeed::ChestInjury, chest);
            let abdomen = (trunk && injury.site == Site::Abdomen && g >= 3)
                || (effect == Effect::HaemorrhagicShock
                    && matches!(injury.site, Site::Abdomen | Site::Systemic));
            set(CareNeed::AbdominalInjury, abdomen);
            set(
                CareNeed::Thoracotomy,
                (wound && injury.site == Site::Chest && g >= 5)
                    || (effect == Effect::Haemothorax && g >= 5),
            );
            set(
                CareNeed::LegAmputation,
                effect == Effect::Amputation
                    && matches!(injury.site, Site::LeftLeg | Site::RightLeg),
            );
            set(
                CareNeed::LimbFracture,
                (effect == Effect::Fracture && g >= 2) || effect == Effect::OpenFracture,
            );
            set(
                CareNeed::ExternalFixation,
                effect == Effect::OpenFracture || (effect == Effect::PelvicFracture && g >= 3),
            );
            set(
                CareNeed::Fasciotomy,
                (effect == Effect::Crush && g >= 3) || (wound && limb && g >= 4),
            );
            set(
                CareNeed::PelvicFracture,
                effect == Effect::PelvicFracture && g >= 3,
            );
            set(
                CareNeed::TorsoInjury,
                chest || abdomen || (effect == Effect::PelvicFracture && g >= 3),
            );
            let head = injury.site == Site::Head
                && (wound
                    || matches!(effect, Effect::BrainInjury | Effect::Concussion)
                    || (effect == Effect::SoftTissue && g >= 2));
            set(
                CareNeed::HeadInjury,
                head && (effect != Effect::Concussion || g >= 2),
            );
            set(CareNeed::SevereHeadInjury, head && pic.neuro >= 2);
            set(
                CareNeed::Craniotomy,
                head && g >= 4 && matches!(effect, Effect::BrainInjury | Effect::Wound),
            );
            set(CareNeed::EyeInjury, effect == Effect::EyeInjury && g >= 2);
            let burn = matches!(effect, Effect::Burn | Effect::ChemicalBurn);
            set(CareNeed::Burn, burn && g >= 2);
            set(CareNeed::DeepBurn, burn && g >= 3);
            set(CareNeed::Poisoning, effect == Effect::NerveAgent && g >= 2);
            set(
                CareNeed::Contamination,
                injury
                    .profile
                    .mechanisms
                    .iter()
                    .any(|&(m, _)| matches!(m, Mechanism::Chemical | Mechanism::Radiological)),
            );
            set(
                CareNeed::BacterialInfection,
                injury.profile.bacterial && g >= 2,
            );
            // Marrow failure after irradiation: infection is treated as sepsis.
            set(
                CareNeed::SevereInfection,
                (injury.profile.bacterial && g >= 3)
                    || (effect == Effect::RadiationSickness && g >= 4),
            );
            set(
                CareNeed::Dehydration,
                p.shock < 2
                    && (matches!(
                        effect,
                        Effect::Enteric
                            | Effect::HeatIllness
                            | Effect::FebrileIllness
                            | Effect::RadiationSickness
                    ) && g >= 2),
            );
            // A choking agent's oedema comes after a latent period, so every exposed
            // casualty is observed; so are mild poisonings and low radiation doses.
            set(
                CareNeed::Observation,
                effect == Effect::Concussion
                    || effect == Effect::ChokingAgent
                    || (matches!(effect, Effect::Poisoning | Effect::NerveAgent) && g == 1)
                    || (effect == Effect::RadiationSickness && g <= 2)
                    || (effect == Effect::Symptom && g >= 2),
            );
            set(CareNeed::Psychological, effect == Effect::Psychological);
        }
        Needs(bits)
    }

    /// Whether the patient needs this.
    pub fn has(self, need: CareNeed) -> bool {
        self.0 & (1 << need as u8) != 0
    }
}

/// A patient's physiology over time: the picture on wounding, and when each derangement
/// is brought under control.
#[derive(Clone, Copy, Debug)]
pub struct Physiology {
    picture: Picture,
    /// Minute the bleeding (or, without bleeding, the shock) is controlled.
    shock_control: f64,
    /// Minute resuscitation starts (arrival at the first medical facility).
    resuscitation: f64,
    /// Minute the breathing problem is relieved (decompression, oxygen).
    breathing_control: f64,
    /// Minute the brain injury or other cause of coma is treated.
    neuro_control: f64,
    /// Hours for half of the depressed consciousness to resolve once treated.
    neuro_half_life: f64,
    /// Minute the temperature starts to be corrected.
    temperature_control: f64,
    /// Minute of death, if the patient dies.
    death: Option<f64>,
}

/// Continuous levels of each derangement at one moment.
#[derive(Clone, Copy, Debug)]
struct Levels {
    shock: f64,
    respiratory: f64,
    neuro: f64,
    temperature: f64,
}

/// Shock class `t` minutes into an uncontrolled bleed that started at class `s0`: worse
/// the longer it lasts (by 0.6 of a class over two hours), short of class IV for a
/// survivor (a patient who dies declines further, see `levels`).
fn uncontrolled(s0: f64, t: f64) -> f64 {
    (s0 + 0.6 * (t / 120.0).min(1.0)).min(3.6)
}

fn decay(level: f64, since: f64, half_life_hours: f64) -> f64 {
    if since <= 0.0 {
        level
    } else {
        level * 0.5f64.powf(since / (half_life_hours * 60.0))
    }
}

impl Physiology {
    /// The physiology of `patient`.
    pub fn of(patient: &Patient) -> Physiology {
        Physiology::assessed(patient, &patient.assessment())
    }

    fn assessed(patient: &Patient, assessment: &Assessment) -> Physiology {
        let p = assessment.picture;
        let course: Course = patient.course();
        let arrival = |f: Facility| {
            patient
                .timeline()
                .events()
                .iter()
                .find(|e| e.kind == EventKind::Arrival && e.facility == f)
                .map(|e| f64::from(e.minute))
        };
        let first_facility = arrival(Facility::Role1).unwrap_or(f64::INFINITY);
        let surgical = arrival(Facility::Role2)
            .or_else(|| arrival(Facility::Role3))
            .map_or(f64::INFINITY, |a| a + f64::from(course.surgery_delay));
        let medic = course.medic_minute.map(f64::from);
        let shock_control = match p.bleeding {
            Bleeding::Compressible => f64::from(course.first_aid_minute),
            Bleeding::NonCompressible => surgical,
            Bleeding::None => first_facility,
        };
        let breathing_control = if p.tension {
            medic.unwrap_or(first_facility)
        } else {
            first_facility
        };
        let head = patient
            .injuries()
            .any(|i| i.site == Site::Head && i.picture().neuro >= 2);
        let neuro_control = if head {
            arrival(Facility::Role3).unwrap_or(f64::INFINITY)
        } else {
            first_facility
        };
        // The coma of a poisoning is the poison's: it lifts with the antidotes and
        // ventilation, faster than the hypoxaemia that comes with it.
        let toxic_coma = !head
            && patient.injuries().any(|i| {
                matches!(i.effect(), Effect::NerveAgent | Effect::Poisoning)
                    && i.picture().neuro >= 3
            });
        let neuro_half_life = if toxic_coma {
            TOXIC_COMA_HALF_LIFE_HOURS
        } else {
            RECOVERY_HALF_LIFE_HOURS[2]
        };
        let terminal = patient.timeline().terminal();
        let death = terminal
            .kind
            .is_terminal()
            .then_some(terminal)
            .and_then(|e| {
                matches!(
                    e.kind,
                    crate::model::EventKind::Kia | crate::model::EventKind::Dow
                )
                .then_some(f64::from(e.minute))
            });
        Physiology {
            picture: p,
            shock_control,
            resuscitation: first_facility,
            breathing_control,
            neuro_control,
            neuro_half_life,
            temperature_control: first_facility,
            death,
        }
    }

    /// Whether an acute need (bleeding, shock, oxygen) is still there at minute `t`:
    /// control and resuscitation end them, so a patient whose bleeding was stopped at
    /// Role 2 is not transfused again at Role 3. Other needs last.
    fn still(&self, need: CareNeed, t: f64) -> bool {
        match need {
            CareNeed::Haemorrhage | CareNeed::Hypovolaemia => self.levels(t).shock >= 1.5,
            CareNeed::SevereHaemorrhage => self.levels(t).shock >= 2.5,
            CareNeed::Oxygen => {
                let l = self.levels(t);
                l.respiratory >= 0.5 || l.shock >= 2.5 || l.neuro >= 2.5
            }
            _ => true,
        }
    }

    fn levels(&self, t: f64) -> Levels {
        let p = &self.picture;
        let [h_shock, h_resp, _, h_temp] = RECOVERY_HALF_LIFE_HOURS;
        let s0 = f64::from(p.shock);
        let shock = if s0 == 0.0 {
            0.0
        } else if t < self.shock_control {
            uncontrolled(s0, t)
        } else {
            let at_control = uncontrolled(s0, self.shock_control);
            decay(
                at_control,
                t - self.shock_control.max(self.resuscitation),
                h_shock,
            )
        };
        let r0 = f64::from(p.respiratory);
        let respiratory = if t < self.breathing_control {
            r0
        } else if p.tension {
            decay(1.0, t - self.breathing_control, h_resp)
        } else {
            decay(r0, t - self.breathing_control, h_resp)
        };
        let neuro = decay(
            f64::from(p.neuro),
            t - self.neuro_control,
            self.neuro_half_life,
        );
        let temperature = if p.temperature == Temperature::Normal {
            0.0
        } else {
            decay(1.0, t - self.temperature_control, h_temp)
        };
        let mut levels = Levels {
            shock,
            respiratory,
            neuro,
            temperature,
        };
        if let Some(death) = self.death {
            // The last decline: everything heads to the worst in the final part of the
            // patient's time.
            let start = (death * 0.5).min((death - 60.0).max(0.0));
            if t > start && death > start {
                let k = ((t - start) / (death - start)).clamp(0.0, 1.0);
                levels.shock = levels.shock + (4.0 - levels.shock) * k;
                levels.respiratory = levels.respiratory + (3.0 - levels.respiratory) * k * 0.7;
                levels.neuro = levels.neuro.max(levels.shock - 2.0);
            }
        }
        levels
    }

    /// Vital signs at minute `t` after wounding, drawn from `draws`.
    fn signs(&self, t: f64, draws: &mut Draws) -> (u16, u16, u16, u16, u16, u16, u16) {
        let l = self.levels(t);
        let mix = |a: (u16, u16), b: (u16, u16), f: f64| {
            let m = |x: u16, y: u16| {
                round_non_negative(f64::from(x) + (f64::from(y) - f64::from(x)) * f) as u16
            };
            (m(a.0, b.0), m(a.1, b.1))
        };
        let class = l.shock.clamp(0.0, 4.0);
        let lo = class.floor() as usize;
        let hi = (lo + 1).min(4);
        let f = class - lo as f64;
        let (a, b) = (&SHOCK_SIGNS[lo], &SHOCK_SIGNS[hi]);
        let mut heart_rate = f64::from(draws.in_range(mix(a.heart_rate, b.heart_rate, f)));
        let systolic = draws.in_range(mix(a.systolic, b.systolic, f));
        let pulse = draws.in_range(mix(a.pulse_pressure, b.pulse_pressure, f));
        let mut respiratory_rate =
            f64::from(draws.in_range(mix(a.respiratory_rate, b.respiratory_rate, f)));
        let r = l.respiratory.clamp(0.0, 3.0);
        let (rlo, rf) = (r.floor() as usize, r - r.floor());
        let rhi = (rlo + 1).min(3);
        respiratory_rate += f64::from(draws.in_range(mix(
            TACHYPNOEA_BY_RESPIRATORY[rlo],
            TACHYPNOEA_BY_RESPIRATORY[rhi],
            rf,
        )));
        let spo2 = draws.in_range(mix(SPO2_BY_RESPIRATORY[rlo], SPO2_BY_RESPIRATORY[rhi], rf));

        // Temperature: the band, fading back to normal once corrected.
        let normal = f64::from(draws.in_range(Temperature::Normal.range_dc()));
        let band = self.picture.temperature;
        let mut temperature = if band == Temperature::Normal {
            normal
        } else {
            let value = f64::from(draws.in_range(band.range_dc()));
            normal + (value - normal) * l.temperature
        };
        if band == Temperature::Normal && l.shock >= 3.0 {
            temperature = f64::from(draws.in_range(TRAUMA_TEMPERATURE_DC));
        }
        if temperature > 370.0 {
            heart_rate += FEVER_HEART_RATE_PER_DEGREE * (temperature - 370.0) / 10.0;
        }
        if l.temperature > 0.5 {
            let cold = match band {
                Temperature::ModerateHypothermia => Some(HYPOTHERMIA_SIGNS[0]),
                Temperature::SevereHypothermia => Some(HYPOTHERMIA_SIGNS[1]),
                _ => None,
            };
            if let Some((hr, rr)) = cold {
                heart_rate = f64::from(draws.in_range(hr));
                respiratory_rate = f64::from(draws.in_range(rr));
            }
        }

        // Consciousness: the brain's own state, or shock's (confused in class III,
        // lethargic in IV).
        let n = l.neuro.max(l.shock - 2.0).clamp(0.0, 3.0);
        let (nlo, nf) = (n.floor() as usize, n - n.floor());
        let nhi = (nlo + 1).min(3);
        let gcs = draws.in_range(mix(GCS_BY_NEURO[nlo], GCS_BY_NEURO[nhi], nf));

        (
            round_non_negative(heart_rate) as u16,
            round_non_negative(respiratory_rate) as u16,
            systolic,
            systolic.saturating_sub(pulse).max(20),
            spo2,
            round_non_negative(temperature) as u16,
            gcs,
        )
    }
}

fn minute_of(t: &Option<Treatment>) -> u16 {
    t.map_or(0, |t| t.minute)
}

fn anchor_minute(procedure: &Procedure, stay: &Stay, course: &Course) -> Option<u32> {
    let arrival = u32::from(stay.arrival);
    let at_poi = stay.facility == Facility::Poi;
    Some(match procedure.anchor {
        Anchor::FirstAid if at_poi => u32::from(course.first_aid_minute),
        Anchor::Medic if at_poi => u32::from(course.medic_minute?),
        Anchor::Surgery => arrival + u32::from(course.surgery_delay),
        Anchor::FirstAid | Anchor::Medic | Anchor::Arrival => arrival,
    })
}

impl CarePlan {
    /// Expands the care of `patient`.
    pub fn of(patient: &Patient) -> CarePlan {
        let mut plan = CarePlan {
            treatments: [None; MAX_TREATMENTS],
            treatment_count: 0,
            vitals: [None; MAX_VITAL_SIGNS],
            vitals_count: 0,
        };
        let assessment = patient.assessment();
        let needs = Needs::assessed(patient, &assessment);
        let physiology = Physiology::assessed(patient, &assessment);
        let course = patient.course();
        // The procedures this patient needs, worked out once for all stays.
        let mut wanted = [0u8; 64];
        let mut wanted_count = 0;
        for (i, procedure) in PROCEDURES.iter().enumerate() {
            if needs.has(procedure.need) {
                wanted[wanted_count] = i as u8;
                wanted_count += 1;
            }
        }
        let mut given = [false; 64];
        let triage = assessment.triage;
        for (j, stay) in patient.timeline().stays().enumerate() {
            let mut draws =
                Draws(patient.detail_seed() ^ (j as u64 + 1).wrapping_mul(0xA076_1D64_78BD_642F));
            plan.add_vitals(&physiology, &stay, &course, triage, &mut draws);
            let first = plan.treatment_count;
            // Minute the patient leaves the decontamination line for the clean area, when he
            // is decontaminated at this facility: the rest of its care waits for it.
            let mut clean_from = 0u32;
            for &i in &wanted[..wanted_count] {
                let i = usize::from(i);
                let procedure = &PROCEDURES[i];
                if !procedure.facilities.contains(stay.facility as u8)
                    || (procedure.once && given[i])
                {
                    continue;
                }
                let Some(anchor) = anchor_minute(procedure, &stay, &course) else {
                    continue;
                };
                let (lo, hi) = procedure.after;
                let minute = (anchor.max(u32::from(stay.arrival))
                    + u32::from(draws.in_range((lo, hi))))
                .max(clean_from);
                let in_stay = minute <= u32::from(stay.end)
                    && physiology.still(procedure.need, f64::from(minute));
                let in_time = procedure
                    .substance
                    .is_none_or(|s| s.code != TRANEXAMIC_ACID.code)
                    || minute <= TXA_DEADLINE_MINUTES;
                if !in_stay || !in_time || draws.unit() >= procedure.probability {
                    continue;
                }
                // One entry per procedure and drug in a stay, even where two needs call
                // for it (warming for a wounded patient who is also hypothermic).
                let repeated = plan.treatments[first..plan.treatment_count]
                    .iter()
                    .any(|t| {
                        t.is_some_and(|t| {
                            t.procedure.code == procedure.code
                                && t.procedure.substance.map(|s| s.code)
                                    == procedure.substance.map(|s| s.code)
                        })
                    });
                if repeated {
                    given[i] |= procedure.once;
                    continue;
                }
                if plan.treatment_count == MAX_TREATMENTS {
                    break;
                }
                plan.treatments[plan.treatment_count] = Some(Treatment {
                    procedure,
                    facility: stay.facility,
                    minute: minute as u16,
                });
                plan.treatment_count += 1;
                given[i] = true;
                if procedure.need == CareNeed::Contamination {
                    clean_from = minute + u32::from(draws.in_range(DECONTAMINATION_MINUTES));
                }
            }
            // In time order within the stay, the table's order at equal times (an insertion
            // sort: stable, and without the allocation a library sort may make).
            let stay_treatments = &mut plan.treatments[first..plan.treatment_count];
            for k in 1..stay_treatments.len() {
                let mut m = k;
                while m > 0 && minute_of(&stay_treatments[m - 1]) > minute_of(&stay_treatments[m]) {
                    stay_treatments.swap(m - 1, m);
                    m -= 1;
                }
            }
        }
        plan
    }

    fn add_vitals(
        &mut self,
        physiology: &Physiology,
        stay: &Stay,
        course: &Course,
        triage: Triage,
        draws: &mut Draws,
    ) {
        let arrival = u32::from(stay.arrival);
        let end = u32::from(stay.end);
        let first = if stay.facility == Facility::Poi {
            // The first check when someone reaches the casualty.
            let reached = course
                .medic_minute
                .map_or(u32::from(course.first_aid_minute), u32::from)
                .min(u32::from(course.first_aid_minute))
                + 2;
            reached.min(end)
        } else {
            (arrival + 10).min(end)
        };
        let mut times = [first, first];
        let mut n = 1;
        // A second reading before a longer stay ends shows the course of an unstable
        // patient (worse while waiting, better with care) or a dying one; a stable minor
        // case is seen once.
        let dies_here = matches!(stay.ends_with, EventKind::Kia | EventKind::Dow);
        if end >= first + 120 && (triage != Triage::T3 || dies_here) {
            times[1] = end - 10;
            n = 2;
        }
        for &minute in &times[..n] {
            if self.vitals_count == MAX_VITAL_SIGNS {
                return;
            }
            let (heart_rate, respiratory_rate, systolic, diastolic, spo2, temperature_dc, gcs) =
                physiology.signs(f64::from(minute), draws);
            self.vitals[self.vitals_count] = Some(VitalSigns {
                facility: stay.facility,
                minute: minute as u16,
                heart_rate,
                respiratory_rate,
                systolic,
                diastolic,
                spo2,
                temperature_dc,
                gcs,
            });
            self.vitals_count += 1;
        }
    }

    /// Procedures, in time order.
    pub fn treatments(&self) -> impl ExactSizeIterator<Item = Treatment> + '_ {
        self.treatments[..self.treatment_count]
            .iter()
            .map(|t| t.expect("filled"))
    }

    /// Vital signs, after each arrival and before each longer stay ends, in time order.
    pub fn vital_signs(&self) -> impl ExactSizeIterator<Item = VitalSigns> + '_ {
        self.vitals[..self.vitals_count]
            .iter()
            .map(|v| v.expect("filled"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Generator;
    use crate::scenario::{InjuryMix, Scenario};

    /// Patients of the CBRN incident preset, mostly battle casualties.
    fn cbrn_patients(n: u64) -> Vec<Patient> {
        let mut scenario = Scenario::preset("cbrn_incident").expect("preset");
        scenario.patients = n;
        scenario.injury_mix = InjuryMix {
            battle_injury: 0.9,
            non_battle_injury: 0.05,
            disease: 0.05,
        };
        Generator::new(&scenario, 11)
            .expect("valid scenario")
            .patients()
            .collect()
    }

    #[test]
    fn contaminated_casualties_are_decontaminated_first_at_the_first_facility() {
        const DECON: &str = "409530006";
        let mut decontaminated = 0;
        let mut contaminated = 0;
        for patient in cbrn_patients(4000) {
            let needs = Needs::of(&patient);
            let plan = CarePlan::of(&patient);
            let decons: Vec<Treatment> = plan
                .treatments()
                .filter(|t| t.procedure.code == DECON)
                .collect();
            if !needs.has(CareNeed::Contamination) {
                assert!(decons.is_empty(), "a clean patient was decontaminated");
                continue;
            }
            contaminated += 1;
            // The first medical facility the patient reached, if any.
            let Some(stay) = patient
                .timeline()
                .stays()
                .find(|s| s.facility != Facility::Poi)
            else {
                assert!(decons.is_empty());
                continue;
            };
            if stay.end < stay.arrival + 5 {
                continue; // Died on arrival, before the decontamination line.
            }
            assert_eq!(
                decons.len(),
                1,
                "decontaminated once, at the first facility"
            );
            let decon = decons[0];
            assert_eq!(decon.facility, stay.facility);
            decontaminated += 1;
            let here: Vec<Treatment> = plan
                .treatments()
                .filter(|t| t.facility == stay.facility)
                .collect();
            assert_eq!(
                here[0].procedure.code, DECON,
                "decontamination comes first at {:?}",
                stay.facility
            );
            for t in &here[1..] {
                assert!(
                    t.minute >= decon.minute + DECONTAMINATION_MINUTES.0,
                    "{} at minute {} before the decontamination (minute {}) ended",
                    t.procedure.display,
                    t.minute,
                    decon.minute
                );
            }
        }
        assert!(
            decontaminated > 1000,
            "{decontaminated} of {contaminated} contaminated patients decontaminated"
        );
    }

    #[test]
    fn nerve_agent_casualties_get_atropine_and_a_severe_one_an_airway() {
        let mut atropine = 0;
        let mut airway = 0;
        for patient in cbrn_patients(4000) {
            let worst = patient
                .injuries()
                .filter(|i| i.effect() == Effect::NerveAgent)
                .map(|i| i.grade)
                .max();
            let Some(grade) = worst else { continue };
            // Killed in action, or dead on arrival before the tube: may die before any
            // airway care reaches him.
            if patient.outcome() == crate::model::Outcome::Kia {
                continue;
            }
            let first_care = patient
                .timeline()
                .stays()
                .find(|s| s.facility != crate::model::Facility::Poi)
                .map_or(0, |s| s.arrival);
            let death = patient.timeline().terminal();
            if patient.outcome() == crate::model::Outcome::Dow && death.minute < first_care + 15 {
                continue;
            }
            let plan = CarePlan::of(&patient);
            let has = |code: &str, drug: Option<&str>| {
                plan.treatments().any(|t| {
                    t.procedure.code == code && t.procedure.substance.map(|s| s.code) == drug
                })
            };
            if grade >= 2 {
                assert!(
                    has("18629005", Some("372832002")),
                    "no atropine for a grade-{grade} nerve-agent casualty"
                );
                atropine += 1;
            }
            if grade >= 4 {
                assert!(
                    has("182692007", None) || has("112798008", None),
                    "no airway for a comatose nerve-agent casualty: {:?}",
                    patient.timeline().events()
                );
                airway += 1;
            }
        }
        assert!(atropine > 100 && airway > 20, "{atropine} {airway}");
    }
}
