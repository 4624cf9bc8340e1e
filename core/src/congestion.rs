//! Capacity and congestion: how long a casualty waits for an evacuation platform or an
//! operating table when many arrive together.
//!
//! The whole casualty schedule is known before the first patient is generated, so the
//! load it puts on the medical system can be worked out up front, hour by hour, from the
//! counts alone: every patient can still be generated on his own, and any shard of a run
//! sees the same waits as the whole run.
//!
//! The model is a fluid queue per resource (forward evacuation, surgery). Each hour's
//! demand is the expected number of casualties injured in that hour (the schedule's count
//! before rounding to whole patients, so that a run of 1,000 and a run of 10,000,000 see
//! the same waits) times the share of them who need the resource (the expected triage and level of care of each schedule column,
//! from the injury tables). Capacity is sized as NATO medical planning sizes it, from the
//! casualty estimate: [`Scenario::medical_capacity`](crate::Scenario::medical_capacity)
//! times the peak of the planned flow (the busiest six hours of everything but special
//! events, which are the surges the plan did not foresee). What exceeds an hour's capacity is carried
//! over as a backlog; a casualty waits for the backlog ahead of him to clear. T1
//! casualties go first, so they wait only for the T1 backlog. Being relative to the
//! planned peak, the waits do not depend on the number of patients, only on the shape of
//! the schedule.

use crate::compiled::Demand;
use crate::schedule::{COLUMNS, CasualtySchedule, DISEASE};

/// Longest wait the model gives, minutes: beyond three days the casualty has long been
/// moved by whatever means there are.
const MAX_WAIT_MINUTES: f64 = 4320.0;

/// Waits for one resource, minutes, for each hour of the operation.
#[derive(Debug, Default)]
pub(crate) struct Queue {
    /// Wait of a T1 casualty arriving in each hour.
    immediate: Vec<u16>,
    /// Wait of any other casualty arriving in each hour.
    other: Vec<u16>,
}

impl Queue {
    /// A fluid queue fed by `all` casualties per hour, of whom `immediate` are T1, served
    /// at `capacity` casualties per hour.
    fn new(all: &[f64], immediate: &[f64], capacity: f64) -> Queue {
        let waits = |demand: &[f64]| {
            let mut backlog = 0.0f64;
            demand
                .iter()
                .map(|&d| {
                    // Half of the hour's own arrivals are ahead of a casualty, on average.
                    let ahead = (backlog + (d - capacity) / 2.0).max(0.0);
                    backlog = (backlog + d - capacity).max(0.0);
                    if capacity > 0.0 {
                        (60.0 * ahead / capacity).min(MAX_WAIT_MINUTES).round() as u16
                    } else {
                        0
                    }
                })
                .collect()
        };
        Queue {
            immediate: waits(immediate),
            other: waits(all),
        }
    }

    /// Minutes a casualty needing the resource in `hour` waits for it.
    pub fn wait(&self, hour: usize, immediate: bool) -> u32 {
        let waits = if immediate {
            &self.immediate
        } else {
            &self.other
        };
        waits
            .get(hour)
            .or(waits.last())
            .map_or(0, |&w| u32::from(w))
    }
}

/// The waits of a run, computed from its schedule.
#[derive(Debug, Default)]
pub(crate) struct Congestion {
    /// Evacuation platforms from the point of injury (battle and non-battle injuries).
    pub evacuation: Queue,
    /// Operating tables at the first surgical facility, one hour after the injury.
    pub surgery: Queue,
}

impl Congestion {
    /// The waits a schedule causes when each column asks for `demand` and capacity is
    /// `factor` times the average planned demand.
    pub fn new(schedule: &CasualtySchedule, demand: &[Demand; COLUMNS], factor: f64) -> Self {
        let hours = schedule.hours();
        let mut lifts = vec![0.0; hours];
        let mut lifts_t1 = vec![0.0; hours];
        let mut operations = vec![0.0; hours];
        let mut operations_t1 = vec![0.0; hours];
        let mut planned_lifts = vec![0.0; hours];
        let mut planned_operations = vec![0.0; hours];
        for h in 0..hours {
            for (column, d) in demand.iter().enumerate() {
                let count = schedule.expected_in_column(h, column);
                if count == 0.0 {
                    continue;
                }
                let evacuated = column != DISEASE;
                let planned = !(8..=10).contains(&column);
                if evacuated {
                    lifts[h] += count;
                    lifts_t1[h] += count * d.immediate;
                }
                // Surgery comes about an hour after wounding.
                if let Some(o) = operations.get_mut(h + 1) {
                    *o += count * d.surgical;
                    operations_t1[h + 1] += count * d.immediate.min(d.surgical);
                }
                if planned {
                    if evacuated {
                        planned_lifts[h] += count;
                    }
                    if let Some(o) = planned_operations.get_mut(h + 1) {
                        *o += count * d.surgical;
                    }
                }
            }
        }
        let capacity = |planned: &[f64], all: &[f64]| {
            let busiest = busiest_window(planned);
            factor
                * if busiest > 0.0 {
                    busiest
                } else {
                    busiest_window(all)
                }
        };
        Congestion {
            evacuation: Queue::new(&lifts, &lifts_t1, capacity(&planned_lifts, &lifts)),
            surgery: Queue::new(
                &operations,
                &operations_t1,
                capacity(&planned_operations, &operations),
            ),
        }
    }
}

/// Hours over which the planned peak load is averaged: a planner sizes for the busy part
/// of a day, not for one unlucky hour.
const PEAK_WINDOW_HOURS: usize = 6;

/// The average hourly demand of the busiest [`PEAK_WINDOW_HOURS`] consecutive hours.
fn busiest_window(demand: &[f64]) -> f64 {
    let window = PEAK_WINDOW_HOURS.min(demand.len()).max(1);
    demand
        .windows(window)
        .map(|w| w.iter().sum::<f64>() / window as f64)
        .fold(0.0, f64::max)
}
