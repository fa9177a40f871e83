//! The scratch space of a replication, in one part per kind of element (the replication's
//! parameter values, flows, states, groups, group-state cells, events), each holding that
//! kind's per-element vectors and the formulas read from them in more than one step.
//!
//! Reused across replications on one thread, so that the month loop allocates nothing: every
//! vector is resized and refilled at the start of a replication.

use super::rng::ElementStreams;
use super::sample::{Severity, SeverityBatch};
use crate::scenario::Slot;

/// Floor of a capacity or effectiveness in a ratio (MODEL.md, "Floors and clamps").
pub(super) const RATIO_FLOOR: f64 = 1e-9;

/// Every slot's value in this replication: literals, uncertain draws, and what events set.
#[derive(Debug, Default)]
pub(super) struct Values(pub(super) Vec<f64>);

impl Values {
    pub(super) fn get(&self, slot: Slot) -> f64 {
        self.0[slot.0 as usize]
    }

    pub(super) fn set(&mut self, slot: Slot, value: f64) {
        self.0[slot.0 as usize] = value;
    }
}

/// Per flow (M1): its timing, the scale events put on it and its current effect.
#[derive(Debug, Default)]
pub(super) struct Flows {
    pub(super) start: Vec<i64>,
    pub(super) end: Vec<i64>,
    pub(super) scale: Vec<f64>,
    pub(super) effect: Vec<f64>,
    /// rho_f of M1: the share of the effect kept from one month to the next.
    pub(super) retention: Vec<f64>,
    pub(super) lag: Vec<i64>,
    pub(super) streams: Vec<ElementStreams>,
}

/// Per state (M2, M3, M8, M11, M12), with the references its rates are relative to.
#[derive(Debug, Default)]
pub(super) struct States {
    pub(super) own_capacity: Vec<f64>,
    /// C_s(t) and I_s(t) of the current month (M2, M3).
    pub(super) capacity: Vec<f64>,
    pub(super) intelligence: Vec<f64>,
    /// The sum of the intelligence flows' effects, the exponent of M3.
    pub(super) intel_sum: Vec<f64>,
    /// C_s(0), I_s(0) and e_s(0) (MODEL.md, "Notation").
    pub(super) capacity_ref: Vec<f64>,
    pub(super) intelligence_ref: Vec<f64>,
    pub(super) effectiveness_ref: Vec<f64>,
    pub(super) control: Vec<f64>,
    pub(super) control_start: Vec<f64>,
    pub(super) stability: Vec<f64>,
    pub(super) stability_start: Vec<f64>,
    /// F_s(0): fighters in the state at month 0 (M11).
    pub(super) fighters_start: Vec<f64>,
    /// V_s(t) and V_s(-1) (M12).
    pub(super) violence_memory: Vec<f64>,
    pub(super) violence_ref: Vec<f64>,
    pub(super) streams: Vec<ElementStreams>,
    /// The factors of M4 and M6c and the exponential of M3, last computed (see
    /// [`Remembered`]).
    pub(super) capacity_factor: Vec<Remembered>,
    pub(super) intelligence_factor: Vec<Remembered>,
    pub(super) intelligence_exp: Vec<Remembered>,
    pub(super) operations_factor: Vec<Remembered>,
}

impl States {
    /// C_s(0) / C_s(t), the ratio M4 and M7b raise to their capacity sensitivities.
    pub(super) fn capacity_shortfall(&self, state: usize) -> f64 {
        self.capacity_ref[state] / self.capacity[state].max(RATIO_FLOOR)
    }

    /// I_s(0) - I_s(t), the gap M4 and M7b multiply by their intelligence sensitivities.
    pub(super) fn intelligence_gap(&self, state: usize) -> f64 {
        self.intelligence_ref[state] - self.intelligence[state]
    }

    /// e_s(t) of M8, from this month's capacity and intelligence.
    pub(super) fn effectiveness(&self, state: usize, area_fire: f64) -> f64 {
        effectiveness(self.capacity[state], self.intelligence[state], area_fire)
    }
}

/// e = C (a + (1 - a) I) (M8): intelligence multiplies the effectiveness of operations.
pub(super) fn effectiveness(capacity: f64, intelligence: f64, area_fire: f64) -> f64 {
    capacity * (area_fire + (1.0 - area_fire) * intelligence)
}

/// Per group (M8-M10, M6d).
#[derive(Debug, Default)]
pub(super) struct Groups {
    pub(super) strength: Vec<f64>,
    pub(super) strength_start: Vec<f64>,
    /// room_g(0) of M10, floored.
    pub(super) room_start: Vec<f64>,
    /// w_gs of each of the group's areas, in the order of its `areas`, normalised.
    pub(super) area_weights: Vec<Vec<f64>>,
    pub(super) streams: Vec<ElementStreams>,
    /// With event types: cumulative shares of the group's events by type (M6d) and each type's
    /// severity relative to the group's mean (m_gk of M7c).
    pub(super) type_cumulative: Vec<[f64; 3]>,
    pub(super) type_scale: Vec<[f64; 3]>,
}

impl Groups {
    /// N_g(t) / N_g(0) (M4, M6c); 0 for a group with no fighters at month 0.
    pub(super) fn strength_ratio(&self, group: usize) -> f64 {
        let start = self.strength_start[group];
        if start > 0.0 {
            self.strength[group] / start
        } else {
            0.0
        }
    }
}

/// Per (group, state) cell, group-major: `cell = group * n_states + state` (M4-M7c).
#[derive(Debug, Default)]
pub(super) struct Cells {
    /// lambda_gs(t) (M4, M5) and, with event types, sigma_gs(t) (M6c).
    pub(super) expected_attacks: Vec<f64>,
    pub(super) state_rate: Vec<f64>,
    /// The month's events and deaths, both sides.
    pub(super) attacks: Vec<f64>,
    pub(super) fatalities: Vec<f64>,
    /// With event types: the month's events and deaths by type, and the state's side's events.
    pub(super) typed_events: Vec<[f64; 3]>,
    pub(super) typed_deaths: Vec<[f64; 3]>,
    pub(super) state_events: Vec<f64>,
    /// Attack counts and deaths draw from the cell's stream.
    pub(super) streams: Vec<ElementStreams>,
    /// Deaths per attack (M7), refreshed whenever an event changes parameters.
    pub(super) severity: Vec<Severity>,
    /// The month's severity draws of every cell, and each cell's first call in it (`usize::MAX`
    /// for a cell with none).
    pub(super) severity_draws: SeverityBatch,
    pub(super) first_call: Vec<usize>,
}

/// Per event: the months a trigger's condition has held, and the month it is due.
#[derive(Debug, Default)]
pub(super) struct Events {
    pub(super) streak: Vec<u32>,
    pub(super) pending: Vec<Option<usize>>,
    pub(super) streams: Vec<ElementStreams>,
}

/// The last result of a pure function of two numbers, kept with the bits of the arguments it was
/// computed from. Asked again with the same arguments it returns the kept value, which is exactly
/// what computing it would give; with others it computes. The month loop asks the same `powf` and
/// `exp` often: every link on a state shares the state's capacity ratio and intelligence gap and,
/// usually, its sensitivities, and a state without intelligence support keeps the same sum.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Remembered {
    arguments: Option<(u64, u64)>,
    value: f64,
}

impl Remembered {
    /// `compute()`, which must be a function of `arguments` alone, or the value kept for them.
    pub(super) fn get(&mut self, arguments: (f64, f64), compute: impl FnOnce() -> f64) -> f64 {
        let bits = Some((arguments.0.to_bits(), arguments.1.to_bits()));
        if self.arguments != bits {
            self.value = compute();
            self.arguments = bits;
        }
        self.value
    }
}

/// Empties `vector` and fills it with `len` copies of `value`, keeping its allocation.
pub(super) fn reset<T: Clone>(vector: &mut Vec<T>, len: usize, value: T) {
    vector.clear();
    vector.resize(len, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kept value is returned only for the very same argument bits (0.0 and -0.0 differ).
    #[test]
    fn remembered_computes_only_for_new_arguments() {
        let mut remembered = Remembered::default();
        let mut computed = 0;
        let mut get = |remembered: &mut Remembered, arguments: (f64, f64)| {
            remembered.get(arguments, || {
                computed += 1;
                arguments.0.powf(arguments.1)
            })
        };
        assert_eq!(get(&mut remembered, (2.0, 0.5)), 2f64.powf(0.5));
        assert_eq!(get(&mut remembered, (2.0, 0.5)), 2f64.powf(0.5));
        assert_eq!(get(&mut remembered, (2.0, 1.5)), 2f64.powf(1.5));
        assert_eq!(get(&mut remembered, (0.0, 1.0)), 0.0);
        assert!(get(&mut remembered, (-0.0, 1.0)).is_sign_negative());
        assert_eq!(computed, 4);
    }
}
