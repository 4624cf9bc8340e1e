//! The casualty schedule: how many casualties happen in which hour, from which warfare
//! type, special event, accident or illness, grouped into which incidents.
//!
//! It is the ancestor's temporal model made exact. The injury mix is split first, exactly:
//! battle injuries follow the combat (the tempo over the days, each warfare type's pattern
//! over the hours, special events), non-battle injuries follow the working day, and
//! disease follows the morning sick call, both steady from day to day since they come
//! from the size of the force, not from the fighting. The whole operation is split into
//! hour buckets; each hour holds a count per *column* (the eight warfare types, the three
//! special events, non-battle injury and disease). Counts are apportioned with the
//! largest-remainder method, so they always add up to exactly the requested number of
//! patients (the ancestor dumped its rounding error on the last event, or trimmed
//! patients).
//!
//! Every share is a share of the whole — a special event takes a share of its day's
//! battle casualties — so what a scenario says holds at any number of patients: the
//! number only changes how many casualties each cell holds, and with it the size of
//! incidents and events.
//!
//! An incident is coherent: its casualties share one minute, one front, one attack
//! (the warfare type whose weapons hurt them) and one mechanism; a special event is a
//! single incident. Non-battle injuries and illnesses are incidents of one. Memory is the table of
//! counts — days × 24 × 11 — plus the incidents of one hour, which a cursor rebuilds from
//! that hour's own random stream when it gets there. So patient `i` can be located
//! without generating patients `0..i`, and ten million patients cost no more schedule
//! memory than ten thousand, bar the size of one hour's incident list.

use crate::model::{Environment, InjuryType, SpecialEvent, WarfareType};
use crate::reference::warfare::{
    HOURLY_BASELINE, INTENSITY, NIGHT_OPERATIONS_FACTOR, NON_BATTLE_HOURLY, SICK_CALL_HOURLY,
    SPECIAL_EVENTS, TEMPO, TemporalPattern, WARFARE,
};
use crate::rng::{Domain, Stream, apportion, cumulative, key, pick};
use crate::scenario::Scenario;

/// Number of columns per hour: 8 warfare types, 3 special events, non-battle injury and
/// disease.
pub const COLUMNS: usize = 13;

/// Column of non-battle injuries.
pub(crate) const NON_BATTLE: usize = 11;

/// Column of disease.
pub(crate) const DISEASE: usize = 12;

/// Where a casualty comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// Ordinary combat of this warfare type.
    Warfare(WarfareType),
    /// A special event: one attack of some warfare type (see [`Slot::attack`]).
    Special(SpecialEvent),
    /// An accident or injury outside combat.
    NonBattle,
    /// An illness, presenting at the morning sick call.
    Disease,
}

impl Source {
    /// Column index: warfare types 0-7, special events 8-10, non-battle injury 11,
    /// disease 12.
    pub const fn column(self) -> u8 {
        match self {
            Source::Warfare(w) => w as u8,
            Source::Special(s) => 8 + s as u8,
            Source::NonBattle => NON_BATTLE as u8,
            Source::Disease => DISEASE as u8,
        }
    }

    /// The source of a column index (`None` when out of range).
    pub fn from_column(column: u8) -> Option<Source> {
        match column {
            0..=7 => Some(Source::Warfare(WarfareType::ALL[column as usize])),
            8..=10 => Some(Source::Special(SpecialEvent::ALL[column as usize - 8])),
            11 => Some(Source::NonBattle),
            12 => Some(Source::Disease),
            _ => None,
        }
    }

    /// The casualty class of the source.
    pub const fn injury_type(self) -> InjuryType {
        match self {
            Source::Warfare(_) | Source::Special(_) => InjuryType::BattleInjury,
            Source::NonBattle => InjuryType::NonBattleInjury,
            Source::Disease => InjuryType::Disease,
        }
    }
}

/// One casualty's place in the schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// Patient index (0-based, in injury-time order).
    pub index: u64,
    /// Minutes from the scenario start to the injury.
    pub minute: u32,
    /// Column of the source (see [`Source::column`]).
    pub column: u8,
    /// Whether the casualty is part of a mass-casualty event (one attack, many
    /// casualties: the `mass_casualty` event or a major offensive's opening strike).
    pub mass_casualty: bool,
    /// Ordinal of the incident within its hour (for incident ids).
    pub incident: u32,
    /// Front of the incident (index into the scenario's fronts).
    pub front: u8,
    /// Warfare type of the attack (for battle injuries; 0 otherwise).
    pub attack: u8,
    /// The incident's own uniform draw, 16 bits: picks its mechanism.
    pub draw: u16,
}

/// One incident of an hour: casualties hit together at the same minute.
#[derive(Clone, Copy, Debug)]
struct Incident {
    /// Creation order within the hour: the tie-break that keeps the sort deterministic.
    seq: u32,
    minute: u8,
    column: u8,
    mass_casualty: bool,
    size: u32,
    front: u8,
    attack: u8,
    draw: u16,
}

/// Hour-by-hour casualty counts of a scenario, drawn once from the seed.
#[derive(Debug)]
pub struct CasualtySchedule {
    /// Patients before each hour; `hours + 1` entries, the last is the total.
    hour_start: Vec<u64>,
    /// Count per hour and column.
    cells: Vec<u32>,
    /// The same before rounding: the expected count per hour and column, the same at any
    /// number of patients up to the scale (what congestion is computed from).
    expected: Vec<f32>,
    /// Key of the per-hour incident streams.
    hour_key: [u8; 32],
    /// Cumulative casualty rates of the fronts.
    fronts: Vec<f64>,
    /// Warfare types a special event's attack can be, with cumulative weights.
    attacks: (Vec<u8>, Vec<f64>),
    /// Largest group of casualties hit together in ordinary combat.
    max_group: u32,
    /// Largest number of patients in one hour.
    max_hour: u32,
}

impl CasualtySchedule {
    /// Draws the schedule of a validated scenario.
    pub(crate) fn build(scenario: &Scenario, seed: u64) -> CasualtySchedule {
        let days = scenario.days as usize;
        let hours = days * 24;
        let intensity = &INTENSITY[scenario.intensity.index()];
        let night_ops = scenario
            .active_environment()
            .contains(&Environment::NightOperations);
        let warfare = scenario.active_warfare();
        let warfare_total: f64 = warfare.iter().map(|&(_, w)| w).sum();
        let by_type = apportion(scenario.patients, &scenario.injury_mix.shares());
        let (battle, non_battle, disease) = (by_type[0], by_type[1], by_type[2]);

        // Which days hold which special events, and how busy each day is. An event that
        // is switched on happens at least once.
        let mut scenario_rng = Stream::new(&key(seed, Domain::Scenario), 0);
        let mut day_events: Vec<Vec<SpecialEvent>> = vec![Vec::new(); days];
        for profile in &SPECIAL_EVENTS {
            let on = scenario.has_special_event(profile.kind);
            let mut happened = false;
            for (d, events) in day_events.iter_mut().enumerate() {
                let happens = if profile.cycle_days.is_empty() {
                    let p = (profile.daily_probability * intensity.mass_casualty_factor).min(1.0);
                    scenario_rng.chance(p)
                } else {
                    profile.cycle_days.contains(&((d % 8) as u8))
                };
                if on && happens {
                    events.push(profile.kind);
                    happened = true;
                }
            }
            // Drawn whether needed or not, so that switching one event on or off leaves
            // the days of the others as they were.
            let fallback = scenario_rng.below(days as u32) as usize;
            if on && !happened {
                day_events[fallback].push(profile.kind);
            }
        }
        let curve = &TEMPO[scenario.tempo.index()].1;
        let day_weights: Vec<f64> = (0..days)
            .map(|d| {
                let x = if days == 1 {
                    0.0
                } else {
                    d as f64 * 7.0 / (days - 1) as f64
                };
                let i = (x.floor() as usize).min(6);
                let f = x - i as f64;
                let tempo = curve[i] * (1.0 - f) + curve[i + 1] * f;
                let boost: f64 = day_events[d]
                    .iter()
                    .map(|e| SPECIAL_EVENTS[e.index()].day_boost)
                    .product();
                tempo * boost
            })
            .collect();
        let battle_days = apportion(battle, &day_weights);
        let day_total: f64 = day_weights.iter().sum();
        let steady = vec![1.0; days];
        let non_battle_days = apportion(non_battle, &steady);
        let disease_days = apportion(disease, &steady);

        let day_key = key(seed, Domain::ScheduleDay);
        let mut cells = vec![0u32; hours * COLUMNS];
        let mut expected = vec![0.0f32; hours * COLUMNS];
        let share = |part: u64, weight: f64, total: f64| part as f64 * weight / total;
        let mut weights = vec![0.0f64; 24 * 8];
        for d in 0..days {
            let mut rng = Stream::new(&day_key, d as u64);
            let mut left = battle_days[d];
            let day_battle = share(battle, day_weights[d], day_total);
            let mut left_expected = day_battle;
            // The day's combat patterns first, so that a special event changes only the
            // hours it boosts, never the shape of the day.
            let patterns: Vec<[f64; 24]> = warfare
                .iter()
                .map(|&(kind, _)| pattern_weights(&WARFARE[kind.index()].pattern, &mut rng))
                .collect();

            // Special events take their share of the day's battle casualties first.
            let mut hour_boost = [1.0f64; 24];
            for &event in &day_events[d] {
                let profile = &SPECIAL_EVENTS[event.index()];
                let hour =
                    profile.start_hours[rng.below(profile.start_hours.len() as u32) as usize];
                let part = rng.uniform(profile.share_of_day.0, profile.share_of_day.1);
                for boost in hour_boost
                    .iter_mut()
                    .skip(hour as usize)
                    .take(profile.boost_hours as usize)
                {
                    *boost *= profile.hour_boost;
                }
                let column = Source::Special(event).column() as usize;
                let cell = (d * 24 + hour as usize) * COLUMNS + column;
                let exact = (day_battle * part).min(left_expected);
                left_expected -= exact;
                expected[cell] += exact as f32;
                if left == 0 {
                    continue;
                }
                let size = ((battle_days[d] as f64 * part).round() as u64).clamp(1, left);
                left -= size;
                cells[cell] += size as u32;
            }

            // The rest of the battle casualties over hours and warfare types.
            weights.iter_mut().for_each(|w| *w = 0.0);
            // Night operations and an offensive's boost move casualties between hours,
            // never between warfare types: each type keeps its configured share.
            for (&(kind, weight), &pattern) in warfare.iter().zip(&patterns) {
                let mut hourly = pattern;
                for (h, w) in hourly.iter_mut().enumerate() {
                    let night = if night_ops && !(6..20).contains(&h) {
                        NIGHT_OPERATIONS_FACTOR
                    } else {
                        1.0
                    };
                    *w *= night * hour_boost[h];
                }
                let total: f64 = hourly.iter().sum();
                for h in 0..24 {
                    weights[h * 8 + kind.index()] = hourly[h] / total * (weight / warfare_total);
                }
            }
            let weight_total: f64 = weights.iter().sum();
            for (i, count) in apportion(left, &weights).into_iter().enumerate() {
                let (h, k) = (i / 8, i % 8);
                cells[(d * 24 + h) * COLUMNS + k] += count as u32;
                if weight_total > 0.0 {
                    expected[(d * 24 + h) * COLUMNS + k] +=
                        (left_expected * weights[i] / weight_total) as f32;
                }
            }
            // Accidents over the working day, illness at the sick call.
            for (column, total, count, hourly) in [
                (
                    NON_BATTLE,
                    non_battle,
                    non_battle_days[d],
                    &NON_BATTLE_HOURLY,
                ),
                (DISEASE, disease, disease_days[d], &SICK_CALL_HOURLY),
            ] {
                let hourly_total: f64 = hourly.iter().sum();
                for (h, c) in apportion(count, hourly).into_iter().enumerate() {
                    cells[(d * 24 + h) * COLUMNS + column] += c as u32;
                    expected[(d * 24 + h) * COLUMNS + column] +=
                        (share(total, hourly[h], hourly_total) / days as f64) as f32;
                }
            }
        }

        let mut hour_start = Vec::with_capacity(hours + 1);
        let mut total = 0u64;
        let mut max_hour = 0u32;
        hour_start.push(0);
        for h in 0..hours {
            let in_hour: u64 = cells[h * COLUMNS..(h + 1) * COLUMNS]
                .iter()
                .map(|&c| u64::from(c))
                .sum();
            max_hour = max_hour.max(in_hour as u32);
            total += in_hour;
            hour_start.push(total);
        }
        debug_assert_eq!(total, scenario.patients);

        // A special event's attack: an active warfare type, by its weight.
        let (kinds, attack_weights): (Vec<u8>, Vec<f64>) =
            warfare.iter().map(|&(k, w)| (k as u8, w)).unzip();
        CasualtySchedule {
            hour_start,
            cells,
            expected,
            hour_key: key(seed, Domain::ScheduleHour),
            fronts: cumulative(scenario.fronts.iter().map(|f| f.casualty_rate)),
            attacks: (kinds, cumulative(attack_weights)),
            max_group: intensity.max_group,
            max_hour,
        }
    }

    /// Total number of patients.
    pub fn len(&self) -> u64 {
        *self.hour_start.last().unwrap_or(&0)
    }

    /// Whether the schedule holds no patient (never true for a valid scenario).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of hour buckets (days × 24).
    pub fn hours(&self) -> usize {
        self.hour_start.len() - 1
    }

    /// Patients injured during hour `hour` (0-based from the start).
    pub fn patients_in_hour(&self, hour: usize) -> u64 {
        self.hour_start[hour + 1] - self.hour_start[hour]
    }

    /// Patients of `source` injured during hour `hour`.
    pub fn count(&self, hour: usize, source: Source) -> u32 {
        self.cells[hour * COLUMNS + source.column() as usize]
    }

    /// Expected patients of column `column` during hour `hour`: the count before
    /// rounding to whole patients.
    pub(crate) fn expected_in_column(&self, hour: usize, column: usize) -> f64 {
        f64::from(self.expected[hour * COLUMNS + column])
    }

    /// Patients per column over the whole operation.
    pub fn column_totals(&self) -> [u64; COLUMNS] {
        let mut totals = [0u64; COLUMNS];
        for row in self.cells.chunks_exact(COLUMNS) {
            for (t, &c) in totals.iter_mut().zip(row) {
                *t += u64::from(c);
            }
        }
        totals
    }

    /// A cursor positioned on patient `start`.
    pub(crate) fn cursor(&self, start: u64) -> ScheduleCursor<'_> {
        let mut cursor = ScheduleCursor {
            schedule: self,
            hour: usize::MAX,
            incidents: Vec::with_capacity(self.max_hour as usize),
            incident: 0,
            within: 0,
            next: 0,
        };
        cursor.seek(start);
        cursor
    }

    /// The incidents of hour `hour`, in time order.
    fn incidents_of(&self, hour: usize, out: &mut Vec<Incident>) {
        out.clear();
        let mut rng = Stream::new(&self.hour_key, hour as u64);
        for column in 0..COLUMNS {
            let count = self.cells[hour * COLUMNS + column];
            if count == 0 {
                continue;
            }
            let mut add = |rng: &mut Stream, size: u32, attack: u8, mass_casualty: bool| {
                let word = rng.u64();
                out.push(Incident {
                    seq: out.len() as u32,
                    minute: (((word & 0xFFFF) * 60) >> 16) as u8,
                    column: column as u8,
                    mass_casualty,
                    size,
                    front: crate::rng::pick(&self.fronts, ((word >> 16) & 0xFFFF) as f64 / 65_536.0)
                        as u8,
                    attack,
                    draw: (word >> 32) as u16,
                });
            };
            match column {
                0..=7 => {
                    // Ordinary combat: small groups hit together.
                    let mut left = count;
                    while left > 0 {
                        let size = rng.between(1, self.max_group).min(left);
                        add(&mut rng, size, column as u8, false);
                        left -= size;
                    }
                }
                8..=10 => {
                    // A special event is one attack, all at once.
                    let (kinds, cumulative) = &self.attacks;
                    let attack = kinds[rng.pick(cumulative)];
                    let event = SpecialEvent::ALL[column - 8];
                    add(&mut rng, count, attack, event != SpecialEvent::Ambush);
                }
                _ => {
                    for _ in 0..count {
                        add(&mut rng, 1, 0, false);
                    }
                }
            }
        }
        // Unstable sort on a total key: no allocation, same order as a stable sort.
        out.sort_unstable_by_key(|i| (i.minute, i.seq));
    }
}

/// Walks the schedule patient by patient, one hour's incidents in memory.
pub(crate) struct ScheduleCursor<'a> {
    schedule: &'a CasualtySchedule,
    hour: usize,
    incidents: Vec<Incident>,
    incident: usize,
    within: u32,
    next: u64,
}

impl ScheduleCursor<'_> {
    /// Moves to patient `index`; forward moves inside the current hour reuse its incidents.
    pub fn seek(&mut self, index: u64) {
        let s = self.schedule;
        let index = index.min(s.len());
        if index == s.len() {
            self.next = index;
            return;
        }
        let hour = s.hour_start.partition_point(|&start| start <= index) - 1;
        if hour != self.hour || index < self.next {
            self.hour = hour;
            s.incidents_of(hour, &mut self.incidents);
            self.incident = 0;
            self.within = 0;
            self.next = s.hour_start[hour];
        }
        let mut skip = index - self.next;
        while skip > 0 {
            let room = u64::from(self.incidents[self.incident].size - self.within);
            if skip < room {
                self.within += skip as u32;
                break;
            }
            skip -= room;
            self.incident += 1;
            self.within = 0;
        }
        self.next = index;
    }

    /// The next patient's slot, or `None` at the end of the schedule.
    pub fn next_slot(&mut self) -> Option<Slot> {
        let s = self.schedule;
        if self.next >= s.len() {
            return None;
        }
        while self.hour == usize::MAX || self.incident >= self.incidents.len() {
            self.hour = self.hour.wrapping_add(1);
            s.incidents_of(self.hour, &mut self.incidents);
            self.incident = 0;
            self.within = 0;
        }
        let incident = self.incidents[self.incident];
        let slot = Slot {
            index: self.next,
            minute: self.hour as u32 * 60 + u32::from(incident.minute),
            column: incident.column,
            mass_casualty: incident.mass_casualty,
            incident: self.incident as u32,
            front: incident.front,
            attack: incident.attack,
            draw: incident.draw,
        };
        self.within += 1;
        if self.within == incident.size {
            self.incident += 1;
            self.within = 0;
        }
        self.next += 1;
        Some(slot)
    }
}

/// Hourly weights of one day for a pattern.
#[allow(clippy::needless_range_loop)] // hours are both indices and values here
fn pattern_weights(pattern: &TemporalPattern, rng: &mut Stream) -> [f64; 24] {
    let b = &HOURLY_BASELINE;
    let mut w = [0.0f64; 24];
    match *pattern {
        TemporalPattern::SustainedCombat {
            peak_hours,
            peak,
            base,
            night,
        } => {
            for h in 0..24 {
                let factor = if peak_hours.contains(&(h as u8)) {
                    peak
                } else if !(6..22).contains(&h) {
                    night
                } else {
                    base
                };
                w[h] = factor * b[h];
            }
        }
        TemporalPattern::Surge {
            per_day,
            duration_hours,
            intensity,
            between,
            preferred_hours,
        } => {
            w = [between; 24];
            let mut candidates: Vec<u8> = preferred_hours.to_vec();
            for _ in 0..per_day {
                if candidates.is_empty() {
                    break;
                }
                let start = candidates[rng.below(candidates.len() as u32) as usize];
                for j in 0..duration_hours {
                    w[usize::from((start + j) % 24)] = intensity;
                }
                candidates.retain(|&c| {
                    let gap = (i16::from(c) - i16::from(start)).rem_euclid(24);
                    gap.min(24 - gap) >= i16::from(duration_hours)
                });
            }
        }
        TemporalPattern::PhasedAssault { phases, baseline } => {
            for h in 0..24 {
                w[h] = baseline * b[h];
            }
            for &(start, len, weight) in phases {
                for h in start..(start + len).min(24) {
                    w[usize::from(h)] = weight * b[usize::from(h)];
                }
            }
        }
        TemporalPattern::Sporadic {
            incidents,
            dawn_dusk,
            night,
        } => {
            let choice = cumulative((0..24).map(|h| {
                let f = if (5..=7).contains(&h) || (17..=19).contains(&h) {
                    dawn_dusk
                } else if h <= 4 || h >= 20 {
                    night
                } else {
                    1.0
                };
                b[h] * f
            }));
            for _ in 0..rng.between(u32::from(incidents.0), u32::from(incidents.1)) {
                w[pick(&choice, rng.unit())] += 1.0;
            }
        }
        TemporalPattern::PrecisionStrike {
            strikes,
            daylight,
            daylight_share,
        } => {
            for _ in 0..rng.between(u32::from(strikes.0), u32::from(strikes.1)) {
                let h = if rng.chance(daylight_share) {
                    rng.between(u32::from(daylight.0), u32::from(daylight.1))
                } else {
                    rng.below(24)
                };
                w[h as usize] += 1.0;
            }
        }
        TemporalPattern::WaveAssault {
            waves,
            start_hours,
            ramp,
            baseline,
        } => {
            w = [baseline; 24];
            for _ in 0..rng.between(u32::from(waves.0), u32::from(waves.1)) {
                let start = start_hours[rng.below(start_hours.len() as u32) as usize];
                for (j, &r) in ramp.iter().enumerate() {
                    w[(usize::from(start) + j) % 24] += r;
                }
            }
        }
        TemporalPattern::ContaminationSpread {
            release_hours,
            decay_hours,
            baseline,
        } => {
            let release =
                rng.between(u32::from(release_hours.0), u32::from(release_hours.1)) as usize;
            for h in 0..24 {
                let exposure = if h >= release {
                    (-((h - release) as f64) / decay_hours).exp()
                } else {
                    0.0
                };
                w[h] = baseline + exposure;
            }
        }
        TemporalPattern::LowIntensity {
            sick_call,
            sick_call_weight,
            day,
            night,
        } => {
            for h in 0..24u8 {
                w[usize::from(h)] = if (sick_call.0..=sick_call.1).contains(&h) {
                    sick_call_weight
                } else if (7..=19).contains(&h) {
                    day
                } else {
                    night
                };
            }
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::preset;

    fn collect(schedule: &CasualtySchedule, start: u64, n: usize) -> Vec<Slot> {
        let mut c = schedule.cursor(start);
        (0..n).map_while(|_| c.next_slot()).collect()
    }

    #[test]
    fn exact_count_sorted_and_inside_the_operation() {
        for name in crate::scenario::PRESETS {
            let mut s = preset(name).unwrap();
            s.patients = 5000;
            let schedule = CasualtySchedule::build(&s, 7);
            assert_eq!(schedule.len(), 5000, "{name}");
            let slots = collect(&schedule, 0, 6000);
            assert_eq!(slots.len(), 5000, "{name}");
            assert!(
                slots.windows(2).all(|w| w[0].minute <= w[1].minute),
                "{name}: not sorted"
            );
            assert!(
                slots.iter().all(|s| s.minute < s_days(name) * 1440),
                "{name}"
            );
            assert!(slots.iter().enumerate().all(|(i, s)| s.index == i as u64));
        }
    }

    fn s_days(name: &str) -> u32 {
        preset(name).unwrap().days
    }

    #[test]
    fn seeking_equals_walking() {
        let mut s = preset("nato_article_5").unwrap();
        s.patients = 3000;
        let schedule = CasualtySchedule::build(&s, 3);
        let all = collect(&schedule, 0, 3000);
        for start in [0u64, 1, 17, 999, 1500, 2999] {
            assert_eq!(
                collect(&schedule, start, 50),
                all[start as usize..(start as usize + 50).min(3000)]
            );
        }
        let mut c = schedule.cursor(0);
        c.seek(1200);
        c.seek(1300);
        assert_eq!(c.next_slot(), Some(all[1300]));
        c.seek(10);
        assert_eq!(c.next_slot(), Some(all[10]));
    }

    #[test]
    fn every_pattern_spreads_its_patients() {
        // Naval, CBRN and peacekeeping were flat (and lost patients) in the ancestor.
        for kind in [
            WarfareType::Naval,
            WarfareType::Cbrn,
            WarfareType::Peacekeeping,
        ] {
            let mut s = Scenario {
                patients: 23,
                days: 3,
                ..Scenario::default()
            };
            s.warfare_types = [(kind, crate::scenario::WarfareSetting::ON)]
                .into_iter()
                .collect();
            s.special_events.clear();
            let schedule = CasualtySchedule::build(&s, 1);
            assert_eq!(schedule.len(), 23);
            let hours: Vec<u64> = (0..schedule.hours())
                .map(|h| schedule.patients_in_hour(h))
                .collect();
            assert!(
                hours.iter().filter(|&&c| c > 0).count() > 3,
                "{kind}: {hours:?}"
            );
        }
    }
}
