//! The compact patient: everything about one casualty in about a hundred bytes.
//!
//! A [`Patient`] owns no heap data. Enums are bytes, names and codes are indices into the
//! static [`crate::reference`] tables, times are minutes, and the journey is
//! an inline [`Timeline`]. Strings exist only when a writer renders the patient. Details
//! that are a pure function of the patient — service number, treatments, vital signs —
//! are expanded on demand from [`Patient::detail_seed`] by [`care`](crate::care) and the
//! writers, so generating a patient costs no allocation at all.

use crate::clinical::{Assessment, Injury};
use crate::model::{
    BloodGroup, BodyRegion, EventKind, Facility, Gender, InjuryType, Mechanism, Outcome, Site,
    Triage, WarfareType,
};
use crate::reference::{self, Condition, Nation, Rank};
use crate::schedule::Source;

/// Most events a timeline can hold: arrival, evacuation request and departure at POI and
/// Roles 1-3, arrival at Role 4, and one terminal event.
pub const MAX_EVENTS: usize = 14;

/// Most conditions one patient presents with (a primary and up to three secondaries).
pub const MAX_CONDITIONS: usize = 4;

/// One event of a journey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimelineEvent {
    /// Minutes since the injury.
    pub minute: u16,
    /// What happened.
    pub kind: EventKind,
    /// Where it happened (for a departure: the facility left).
    pub facility: Facility,
}

/// A patient's journey through the evacuation chain, in time order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeline {
    events: [TimelineEvent; MAX_EVENTS],
    len: u8,
    en_route_to: Option<Facility>,
}

impl Timeline {
    pub(crate) const fn new() -> Timeline {
        Timeline {
            events: [TimelineEvent {
                minute: 0,
                kind: EventKind::Arrival,
                facility: Facility::Poi,
            }; MAX_EVENTS],
            len: 0,
            en_route_to: None,
        }
    }

    /// Ends the journey with a death after an evacuation request or during a transit,
    /// on the way to `destination` (the event is placed at the facility left).
    pub(crate) fn die_en_route(&mut self, minute: u32, kind: EventKind, destination: Facility) {
        let left = self.events[usize::from(self.len) - 1].facility;
        self.push(minute, kind, left);
        self.en_route_to = Some(destination);
    }

    /// The facility the patient was waiting for or being carried to when he died, if he
    /// died after an evacuation request.
    pub fn died_en_route_to(&self) -> Option<Facility> {
        self.en_route_to
    }

    /// Whether the patient died while being carried between two facilities.
    pub fn died_in_transit(&self) -> bool {
        let events = self.events();
        events.len() >= 2
            && events[events.len() - 1].kind.is_terminal()
            && events[events.len() - 2].kind == EventKind::TransitStart
    }

    pub(crate) fn push(&mut self, minute: u32, kind: EventKind, facility: Facility) {
        let minute = u16::try_from(minute).unwrap_or(u16::MAX);
        self.events[usize::from(self.len)] = TimelineEvent {
            minute,
            kind,
            facility,
        };
        self.len += 1;
    }

    /// The events, first to last.
    pub fn events(&self) -> &[TimelineEvent] {
        &self.events[..usize::from(self.len)]
    }

    /// The terminal event (always the last one).
    pub fn terminal(&self) -> TimelineEvent {
        self.events()[usize::from(self.len) - 1]
    }

    /// The next arrival after event `i`, if any.
    pub fn next_arrival_after(&self, i: usize) -> Option<TimelineEvent> {
        self.events()[i + 1..]
            .iter()
            .copied()
            .find(|e| e.kind == EventKind::Arrival)
    }

    /// Where the departure or evacuation request at event `i` leads: the facility of the
    /// next arrival, or the destination of a transit the patient died in.
    pub fn destination_after(&self, i: usize) -> Option<Facility> {
        self.next_arrival_after(i)
            .map(|e| e.facility)
            .or(self.en_route_to)
    }

    /// The stays, facility by facility.
    pub fn stays(&self) -> impl Iterator<Item = Stay> + '_ {
        let events = self.events();
        events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == EventKind::Arrival)
            .map(move |(i, arrival)| {
                let end = events[i + 1..]
                    .iter()
                    .find(|e| e.kind == EventKind::TransitStart || e.kind.is_terminal())
                    .copied()
                    .unwrap_or(*arrival);
                Stay {
                    facility: arrival.facility,
                    arrival: arrival.minute,
                    end: end.minute,
                    ends_with: end.kind,
                }
            })
    }
}

/// A patient's time at one facility.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stay {
    /// The facility.
    pub facility: Facility,
    /// Arrival, minutes since injury.
    pub arrival: u16,
    /// Departure or terminal event, minutes since injury.
    pub end: u16,
    /// `TransitStart` when the patient moved on, else the terminal event.
    pub ends_with: EventKind,
}

/// One synthetic casualty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Patient {
    pub(crate) index: u32,
    pub(crate) injury_minute: u32,
    pub(crate) incident: u32,
    pub(crate) detail_seed: u64,
    pub(crate) age_days: u16,
    pub(crate) weight_dg: u16,
    pub(crate) nation: u8,
    pub(crate) front: u8,
    pub(crate) given: u8,
    pub(crate) family: u8,
    pub(crate) rank: u8,
    pub(crate) source: u8,
    pub(crate) attack: u8,
    pub(crate) gender: Gender,
    pub(crate) injury_type: InjuryType,
    pub(crate) triage: Triage,
    pub(crate) blood_group: BloodGroup,
    pub(crate) mechanism: Mechanism,
    pub(crate) outcome: Outcome,
    pub(crate) mass_casualty: bool,
    pub(crate) condition_count: u8,
    pub(crate) conditions: [u8; MAX_CONDITIONS],
    pub(crate) grades: [u8; MAX_CONDITIONS],
    pub(crate) sites: [Site; MAX_CONDITIONS],
    pub(crate) course: Course,
    pub(crate) timeline: Timeline,
}

/// The moments of a patient's first hours that decide whether a threat to life kills him:
/// drawn with the patient, so that the outcome and the care plan see the same times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Course {
    /// Minutes from injury to first aid at the point of injury (tourniquet, pressure): by
    /// a comrade, or by the medic when he comes first.
    pub first_aid_minute: u8,
    /// Minutes from injury to a combat medic's intervention at the point of injury
    /// (decompression, airway, TXA), if a medic reached the casualty there.
    pub medic_minute: Option<u8>,
    /// Minutes from arrival at the first surgical facility to the start of surgery.
    pub surgery_delay: u16,
}

impl Patient {
    /// Index of the patient in the run (its `id`), in injury-time order.
    pub fn index(&self) -> u64 {
        u64::from(self.index)
    }

    /// Minutes from the scenario start to the injury.
    pub fn injury_minute(&self) -> u32 {
        self.injury_minute
    }

    /// Ordinal of the patient's incident within its hour.
    pub fn incident(&self) -> u32 {
        self.incident
    }

    /// Seed of the details expanded on demand (service number, treatments, vital signs).
    pub fn detail_seed(&self) -> u64 {
        self.detail_seed
    }

    /// Age at the injury date, in days.
    pub fn age_days(&self) -> u16 {
        self.age_days
    }

    /// Body weight in tenths of a kilogram.
    pub fn weight_dg(&self) -> u16 {
        self.weight_dg
    }

    /// The patient's nation.
    pub fn nation(&self) -> &'static Nation {
        &reference::NATIONS[usize::from(self.nation)]
    }

    /// Index of the front in the scenario's `fronts`.
    pub fn front_index(&self) -> usize {
        usize::from(self.front)
    }

    /// Given name.
    pub fn given_name(&self) -> &'static str {
        let n = self.nation();
        match self.gender {
            Gender::Male => n.given_male[usize::from(self.given)],
            Gender::Female => n.given_female[usize::from(self.given)],
        }
    }

    /// Family name, in the form for the patient's gender.
    pub fn family_name(&self) -> &'static str {
        let n = self.nation();
        match self.gender {
            Gender::Male => n.family_male[usize::from(self.family)],
            Gender::Female => n.family_female[usize::from(self.family)],
        }
    }

    /// NATO rank.
    pub fn rank(&self) -> &'static Rank {
        &reference::RANKS[usize::from(self.rank)]
    }

    /// Where the casualty came from: a warfare type or a special event.
    pub fn source(&self) -> Source {
        Source::from_column(self.source).expect("patients store valid columns")
    }

    /// Warfare type of the attack that caused a battle injury (`None` for non-battle
    /// injuries and illness).
    pub fn attack(&self) -> Option<WarfareType> {
        (self.injury_type == InjuryType::BattleInjury)
            .then(|| WarfareType::ALL[usize::from(self.attack)])
    }

    /// Gender.
    pub fn gender(&self) -> Gender {
        self.gender
    }

    /// Injury type.
    pub fn injury_type(&self) -> InjuryType {
        self.injury_type
    }

    /// Triage category.
    pub fn triage(&self) -> Triage {
        self.triage
    }

    /// Blood group with Rh factor.
    pub fn blood_group(&self) -> BloodGroup {
        self.blood_group
    }

    /// Body region of the primary condition.
    pub fn body_region(&self) -> BodyRegion {
        self.sites[0].region()
    }

    /// Site of the primary condition.
    pub fn site(&self) -> Site {
        self.sites[0]
    }

    /// How the primary condition came about.
    pub fn mechanism(&self) -> Mechanism {
        self.mechanism
    }

    /// Conditions with their grades and sites, primary first.
    pub fn injuries(&self) -> impl ExactSizeIterator<Item = Injury> + '_ {
        (0..usize::from(self.condition_count)).map(|i| {
            Injury::new(
                usize::from(self.conditions[i]),
                self.grades[i],
                self.sites[i],
            )
        })
    }

    /// The clinical assessment: the combined physiological picture, worst grade and the
    /// triage they call for (equal to [`triage`](Self::triage), except that an expectant
    /// casualty is assessed T1).
    pub fn assessment(&self) -> Assessment {
        Assessment::of(self.injuries())
    }

    /// The Injury Severity Score, for injuries (`None` for illness).
    pub fn injury_severity_score(&self) -> Option<u8> {
        crate::clinical::injury_severity_score(self.injuries())
    }

    /// The timing of first aid, medic care and surgery.
    pub fn course(&self) -> Course {
        self.course
    }

    /// How the journey ends.
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// Whether the patient is part of a mass-casualty cluster or special event.
    pub fn mass_casualty(&self) -> bool {
        self.mass_casualty
    }

    /// Whether the patient has several injuries (a primary and secondaries).
    pub fn polytrauma(&self) -> bool {
        // Haemorrhagic shock coded beside a wound is a complication, not a second injury.
        self.injuries()
            .filter(|i| i.effect() != crate::reference::Effect::HaemorrhagicShock)
            .count()
            > 1
    }

    /// Conditions, primary first.
    pub fn conditions(&self) -> impl ExactSizeIterator<Item = &'static Condition> + '_ {
        self.conditions[..usize::from(self.condition_count)]
            .iter()
            .map(|&i| &reference::CONDITIONS[usize::from(i)])
    }

    /// The journey.
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// The last facility reached.
    pub fn last_facility(&self) -> Facility {
        self.timeline.terminal().facility
    }
}

/// A service number, rendered on the stack.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ServiceNumber {
    bytes: [u8; 32],
    len: u8,
}

impl ServiceNumber {
    /// The service number as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).expect("patterns are ASCII")
    }
}

impl std::fmt::Display for ServiceNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for ServiceNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl Patient {
    /// The patient's service number, in the format of the patient's nation
    /// ([`Nation::service_number`]): synthetic, never a real person's identifier.
    pub fn service_number(&self) -> ServiceNumber {
        let mut state = self.detail_seed ^ 0x5E41_11CE_0000_0001;
        let mut out = ServiceNumber {
            bytes: [0; 32],
            len: 0,
        };
        for b in self.nation().service_number.bytes().take(32) {
            let value = match b {
                b'9' => b'0' + (crate::rng::splitmix64(&mut state) % 10) as u8,
                b'A' => b'A' + (crate::rng::splitmix64(&mut state) % 26) as u8,
                other => other,
            };
            out.bytes[usize::from(out.len)] = value;
            out.len += 1;
        }
        out
    }
}
