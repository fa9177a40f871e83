//! The summary statistics an ABC distance compares: computed the same way from the observed
//! series and from each simulated replication.
//!
//! For every chosen observed series, over the months it has inside the horizon:
//! - `mean`: the mean of the monthly values;
//! - `variance`: their sample variance (n - 1; with at least 2 months);
//! - `change at EVENT`: for each event the scenario schedules at a fixed month m inside the
//!   horizon (`At(month: m)`), the mean of the months from m on minus the mean of the months
//!   before m (with months on both sides).
//!
//! For every actor whose attacks and fatalities are both chosen: `deaths per event`, the sum of
//! fatalities over the sum of attacks over their common months (0 when there are no attacks).

use crate::scenario::{Metric, Scenario, Source, Trigger};
use crate::scoring::observed::ObservedSeries;

/// How one statistic is computed from a series' monthly values.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Mean { series: usize },
    Variance { series: usize },
    Change { series: usize, month: usize },
    DeathsPerEvent { attacks: usize, fatalities: usize },
}

/// One summary statistic: its name and how to compute it.
#[derive(Debug, Clone, PartialEq)]
pub struct Statistic {
    pub name: String,
    kind: Kind,
}

/// The statistics of one scenario's chosen observed series, and their observed values.
#[derive(Debug, Clone, PartialEq)]
pub struct Summaries {
    pub statistics: Vec<Statistic>,
    /// Per chosen observed series: its scenario series index and scored months.
    months: Vec<(usize, Vec<usize>)>,
    pub observed: Vec<f64>,
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut n) = (0.0, 0.0);
    for value in values {
        sum += value;
        n += 1.0;
    }
    if n > 0.0 { sum / n } else { 0.0 }
}

fn variance(values: &[f64]) -> f64 {
    let m = mean(values.iter().copied());
    values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (values.len() as f64 - 1.0)
}

impl Summaries {
    /// The statistics of `chosen` (observed series of `scenario`), with their observed values.
    pub fn new(scenario: &Scenario, chosen: &[&ObservedSeries]) -> Summaries {
        let label = |series: usize| {
            let described = &scenario.series[series];
            format!("{} {}", described.metric.as_str(), described.actor_name)
        };
        let event_months: Vec<(String, usize)> = scenario
            .events
            .iter()
            .filter_map(|event| match event.trigger {
                Trigger::At { month } => match scenario.slots.sources[month.0 as usize] {
                    Source::Literal(value) => Some((event.name.clone(), value.round() as usize)),
                    Source::Param(_) => None,
                },
                _ => None,
            })
            .filter(|(_, month)| *month > 0 && *month < scenario.horizon_months)
            .collect();
        let mut statistics = Vec::new();
        for observed in chosen {
            let series = observed.series_index;
            let months: Vec<usize> = observed.scored.iter().map(|(month, _)| *month).collect();
            statistics.push(Statistic {
                name: format!("mean {}", label(series)),
                kind: Kind::Mean { series },
            });
            if months.len() >= 2 {
                statistics.push(Statistic {
                    name: format!("variance {}", label(series)),
                    kind: Kind::Variance { series },
                });
            }
            for (event, month) in &event_months {
                if months.iter().any(|m| m < month) && months.iter().any(|m| m >= month) {
                    statistics.push(Statistic {
                        name: format!("change at {event} {}", label(series)),
                        kind: Kind::Change {
                            series,
                            month: *month,
                        },
                    });
                }
            }
        }
        for attacks in chosen {
            let described = &scenario.series[attacks.series_index];
            if described.metric != Metric::Attacks {
                continue;
            }
            let fatalities = chosen.iter().find(|other| {
                let other_series = &scenario.series[other.series_index];
                other_series.metric == Metric::Fatalities
                    && other_series.actor_name == described.actor_name
            });
            if let Some(fatalities) = fatalities {
                statistics.push(Statistic {
                    name: format!("deaths per event {}", described.actor_name),
                    kind: Kind::DeathsPerEvent {
                        attacks: attacks.series_index,
                        fatalities: fatalities.series_index,
                    },
                });
            }
        }
        let months: Vec<(usize, Vec<usize>)> = chosen
            .iter()
            .map(|observed| {
                (
                    observed.series_index,
                    observed.scored.iter().map(|(month, _)| *month).collect(),
                )
            })
            .collect();
        let mut summaries = Summaries {
            statistics,
            months,
            observed: Vec::new(),
        };
        let horizon = scenario.horizon_months;
        let mut values = vec![f64::NAN; scenario.series.len() * horizon];
        for observed in chosen {
            for (month, value) in &observed.scored {
                values[observed.series_index * horizon + month] = *value;
            }
        }
        summaries.observed = summaries.compute(&values, horizon);
        summaries
    }

    fn months_of(&self, series: usize) -> &[usize] {
        self.months
            .iter()
            .find(|(index, _)| *index == series)
            .map_or(&[], |(_, months)| months.as_slice())
    }

    /// The statistics of one replication's (or the observed) series, laid out as
    /// `RunOutput::series`: `series_index * horizon + month`.
    pub fn compute(&self, series: &[f64], horizon: usize) -> Vec<f64> {
        let value = |index: usize, month: usize| series[index * horizon + month];
        self.statistics
            .iter()
            .map(|statistic| match statistic.kind {
                Kind::Mean { series: index } => {
                    mean(self.months_of(index).iter().map(|m| value(index, *m)))
                }
                Kind::Variance { series: index } => {
                    let values: Vec<f64> = self
                        .months_of(index)
                        .iter()
                        .map(|m| value(index, *m))
                        .collect();
                    variance(&values)
                }
                Kind::Change {
                    series: index,
                    month,
                } => {
                    let months = self.months_of(index);
                    let after = mean(
                        months
                            .iter()
                            .filter(|m| **m >= month)
                            .map(|m| value(index, *m)),
                    );
                    let before = mean(
                        months
                            .iter()
                            .filter(|m| **m < month)
                            .map(|m| value(index, *m)),
                    );
                    after - before
                }
                Kind::DeathsPerEvent {
                    attacks,
                    fatalities,
                } => {
                    let attack_months = self.months_of(attacks);
                    let common: Vec<usize> = self
                        .months_of(fatalities)
                        .iter()
                        .copied()
                        .filter(|m| attack_months.contains(m))
                        .collect();
                    let events: f64 = common.iter().map(|m| value(attacks, *m)).sum();
                    let deaths: f64 = common.iter().map(|m| value(fatalities, *m)).sum();
                    if events > 0.0 { deaths / events } else { 0.0 }
                }
            })
            .collect()
    }
}
