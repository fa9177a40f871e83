//! Scoring forecasts against what happened: observed data ([`observed`]), forecast
//! distributions and proper scoring rules ([`forecast`]), the benchmark forecasts, and the
//! scorecard of a run.
//!
//! The benchmarks are built only from observations before the scenario's start, as in the VIEWS
//! prediction challenges (Hegre et al. 2022; Vesco et al. 2022), and forecast every month of
//! the horizon alike:
//! - `persistence`: the last observed value, as a point mass;
//! - `last_12_months`: the empirical distribution of the (up to) 12 months before the start
//!   (VIEWS' "conflictology" benchmark);
//! - `negative_binomial`: a negative binomial fitted by moments to the same months (counts
//!   only: attacks and fatalities), a Poisson when they are not overdispersed.
//!
//! Skill against a benchmark, per series: 1 - mean CRPS of the model / mean CRPS of the
//! benchmark over the scored months. Positive is better than the benchmark; 1 is perfect.

pub mod forecast;
pub mod observed;

use crate::model::rng::mix;
use crate::scenario::{Metric, Scenario, stream_key};
use forecast::{Forecast, Scores};
use observed::ObservedSeries;

/// Months before the start that the `last_12_months` and `negative_binomial` benchmarks use.
pub const HISTORY_MONTHS: i64 = 12;

/// Quantiles reported with each scored month, as in `timeseries.csv`.
pub const QUANTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// A benchmark forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Benchmark {
    Persistence,
    LastTwelveMonths,
    NegativeBinomial,
}

impl Benchmark {
    pub const ALL: [Benchmark; 3] = [
        Benchmark::Persistence,
        Benchmark::LastTwelveMonths,
        Benchmark::NegativeBinomial,
    ];

    /// The name in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Benchmark::Persistence => "persistence",
            Benchmark::LastTwelveMonths => "last_12_months",
            Benchmark::NegativeBinomial => "negative_binomial",
        }
    }

    /// The benchmark named `name`.
    pub fn named(name: &str) -> Option<Benchmark> {
        Benchmark::ALL
            .into_iter()
            .find(|benchmark| benchmark.name() == name)
    }

    /// This benchmark's forecast from a series' `history` (month, value; months before the
    /// start, oldest first); None when the history has nothing it can use.
    pub fn forecast(self, history: &[(i64, f64)], metric: Metric) -> Option<Forecast> {
        let window: Vec<f64> = history
            .iter()
            .filter(|(month, _)| *month >= -HISTORY_MONTHS)
            .map(|(_, value)| *value)
            .collect();
        match self {
            Benchmark::Persistence => {
                let (_, last) = history.last()?;
                Forecast::from_sample(&[*last])
            }
            Benchmark::LastTwelveMonths => Forecast::from_sample(&window),
            Benchmark::NegativeBinomial => {
                let is_count = metric.is_count();
                if !is_count || window.len() < 2 {
                    return None;
                }
                let n = window.len() as f64;
                let mean = window.iter().sum::<f64>() / n;
                let variance =
                    window.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
                Forecast::negative_binomial(mean, variance)
            }
        }
    }
}

/// `--min-skill BENCHMARK=X`: every scored series' skill against BENCHMARK must be at least X.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MinSkill {
    pub benchmark: Benchmark,
    pub minimum: f64,
}

impl std::str::FromStr for MinSkill {
    type Err = String;

    fn from_str(text: &str) -> Result<MinSkill, String> {
        let names = Benchmark::ALL.map(Benchmark::name).join(", ");
        let Some((name, value)) = text.split_once('=') else {
            return Err(format!(
                "expected BENCHMARK=X with BENCHMARK one of {names}, got {text:?}"
            ));
        };
        let Some(benchmark) = Benchmark::named(name.trim()) else {
            return Err(format!(
                "unknown benchmark {name:?}: the benchmarks are {names}"
            ));
        };
        match value.trim().parse::<f64>() {
            Ok(minimum) if minimum.is_finite() && minimum <= 1.0 => {
                Ok(MinSkill { benchmark, minimum })
            }
            _ => Err(format!(
                "{value:?} in {text:?} is not a skill: a finite number at most 1 (1 - CRPS ratio)"
            )),
        }
    }
}

/// The model's forecast of one month and its scores, with each benchmark's.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthScore {
    pub month: usize,
    pub observed: f64,
    /// The model's mean and [`QUANTILES`].
    pub mean: f64,
    pub quantiles: [f64; 5],
    pub model: Scores,
    /// In [`Benchmark::ALL`] order; None where the benchmark has no forecast.
    pub benchmarks: [Option<Scores>; 3],
}

/// An observed total (or ratio) over the scored months against the model's distribution of it
/// (computed replication by replication, so the interval is the total's, not a sum of months').
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Total {
    pub observed: f64,
    pub mean: f64,
    pub p05: f64,
    pub p95: f64,
}

impl Total {
    fn of(observed: f64, per_replication: &[f64]) -> Total {
        match Forecast::from_sample(per_replication) {
            Some(forecast) => Total {
                observed,
                mean: forecast.mean(),
                p05: forecast.quantile(0.05),
                p95: forecast.quantile(0.95),
            },
            None => Total {
                observed,
                mean: f64::NAN,
                p05: f64::NAN,
                p95: f64::NAN,
            },
        }
    }

    /// Whether the observed value lies in the forecast's 90% interval.
    pub fn inside_90(&self) -> bool {
        self.p05 <= self.observed && self.observed <= self.p95
    }
}

/// The scores of one observed series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesScore {
    pub series_index: usize,
    /// Months of history the benchmarks had (within [`HISTORY_MONTHS`]).
    pub history_months: usize,
    pub months: Vec<MonthScore>,
    /// The sum over the scored months.
    pub total: Total,
}

/// Deaths per event of one actor over the months where both its attacks and its fatalities
/// are observed: observed sum of fatalities / sum of attacks, against the model's ratio per
/// replication.
#[derive(Debug, Clone, PartialEq)]
pub struct DeathsPerEvent {
    pub actor: String,
    pub months: usize,
    pub ratio: Total,
}

/// Averages over a series' scored months.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Means {
    pub crps: f64,
    pub interval_score_90: f64,
    pub coverage_50: f64,
    pub coverage_90: f64,
    pub bias: f64,
}

fn means<'a>(scores: impl Iterator<Item = &'a Scores>) -> Option<Means> {
    let mut n = 0.0;
    let mut sums = [0.0; 5];
    for score in scores {
        n += 1.0;
        sums[0] += score.crps;
        sums[1] += score.interval_score_90;
        sums[2] += f64::from(u8::from(score.covered_50));
        sums[3] += f64::from(u8::from(score.covered_90));
        sums[4] += score.bias;
    }
    (n > 0.0).then(|| Means {
        crps: sums[0] / n,
        interval_score_90: sums[1] / n,
        coverage_50: sums[2] / n,
        coverage_90: sums[3] / n,
        bias: sums[4] / n,
    })
}

impl SeriesScore {
    /// The model's averages.
    pub fn model(&self) -> Means {
        means(self.months.iter().map(|month| &month.model)).unwrap_or(Means {
            crps: f64::NAN,
            interval_score_90: f64::NAN,
            coverage_50: f64::NAN,
            coverage_90: f64::NAN,
            bias: f64::NAN,
        })
    }

    /// A benchmark's averages; None if it forecast no month.
    pub fn benchmark(&self, benchmark: Benchmark) -> Option<Means> {
        let position = Benchmark::ALL.iter().position(|b| *b == benchmark)?;
        if self
            .months
            .iter()
            .any(|month| month.benchmarks[position].is_none())
        {
            return None;
        }
        means(
            self.months
                .iter()
                .filter_map(|month| month.benchmarks[position].as_ref()),
        )
    }

    /// 1 - mean CRPS of the model / mean CRPS of `benchmark`; None without the benchmark or
    /// when its CRPS is 0 (a benchmark that was exactly right every month).
    pub fn skill(&self, benchmark: Benchmark) -> Option<f64> {
        let reference = self.benchmark(benchmark)?.crps;
        (reference > 0.0).then(|| 1.0 - self.model().crps / reference)
    }
}

/// The uniform draw of the randomised PIT of one forecast of one series-month: fixed by the
/// seed, the series and the month, so that scores are the same bytes on every run.
pub fn pit_uniform(seed: u64, label: &str, month: usize, forecast_index: u64) -> f64 {
    let bits = mix(seed ^ mix(stream_key(label) ^ mix(month as u64 ^ (forecast_index << 32))));
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Scores one observed series. `samples(month)` gives the model's values of the series in that
/// month, one per replication.
pub fn score_series<'a>(
    scenario: &Scenario,
    seed: u64,
    observed: &ObservedSeries,
    samples: impl Fn(usize) -> &'a [f64],
) -> SeriesScore {
    let series = &scenario.series[observed.series_index];
    let label = format!("pit:{}:{}", series.metric.as_str(), series.actor_name);
    let benchmarks =
        Benchmark::ALL.map(|benchmark| benchmark.forecast(&observed.history, series.metric));
    let months = observed
        .scored
        .iter()
        .filter_map(|&(month, value)| {
            let forecast = Forecast::from_sample(samples(month))?;
            let model = forecast.score(value, pit_uniform(seed, &label, month, 0));
            let benchmark_scores = std::array::from_fn(|index| {
                benchmarks[index].as_ref().map(|benchmark| {
                    benchmark.score(value, pit_uniform(seed, &label, month, index as u64 + 1))
                })
            });
            Some(MonthScore {
                month,
                observed: value,
                mean: forecast.mean(),
                quantiles: QUANTILES.map(|p| forecast.quantile(p)),
                model,
                benchmarks: benchmark_scores,
            })
        })
        .collect();
    let months_scored: Vec<usize> = observed.scored.iter().map(|(month, _)| *month).collect();
    let observed_total = observed.scored.iter().map(|(_, value)| value).sum();
    SeriesScore {
        total: Total::of(observed_total, &sums(&months_scored, &samples)),
        series_index: observed.series_index,
        history_months: observed
            .history
            .iter()
            .filter(|(month, _)| *month >= -HISTORY_MONTHS)
            .count(),
        months,
    }
}

/// Per replication, the sum of a series over `months`.
fn sums<'a>(months: &[usize], samples: &impl Fn(usize) -> &'a [f64]) -> Vec<f64> {
    let mut sums: Vec<f64> = Vec::new();
    for &month in months {
        let values = samples(month);
        if sums.is_empty() {
            sums = vec![0.0; values.len()];
        }
        for (sum, value) in sums.iter_mut().zip(values) {
            *sum += value;
        }
    }
    sums
}

/// Deaths per event of every actor whose attacks and fatalities are both observed, over the
/// months both are. `samples(series_index, month)` as in [`score_series`].
pub fn deaths_per_event<'a>(
    scenario: &Scenario,
    observed: &[ObservedSeries],
    samples: impl Fn(usize, usize) -> &'a [f64],
) -> Vec<DeathsPerEvent> {
    let find = |metric: Metric, actor: &str| {
        observed.iter().find(|series| {
            let described = &scenario.series[series.series_index];
            described.metric == metric && described.actor_name == actor
        })
    };
    let mut results = Vec::new();
    for attacks in observed {
        let described = &scenario.series[attacks.series_index];
        if described.metric != Metric::Attacks {
            continue;
        }
        let Some(fatalities) = find(Metric::Fatalities, &described.actor_name) else {
            continue;
        };
        let months: Vec<usize> = attacks
            .scored
            .iter()
            .map(|(month, _)| *month)
            .filter(|month| fatalities.scored.iter().any(|(other, _)| other == month))
            .collect();
        if months.is_empty() {
            continue;
        }
        let observed_sum = |series: &ObservedSeries| -> f64 {
            series
                .scored
                .iter()
                .filter(|(month, _)| months.contains(month))
                .map(|(_, value)| value)
                .sum()
        };
        let events = sums(&months, &|month| samples(attacks.series_index, month));
        let deaths = sums(&months, &|month| samples(fatalities.series_index, month));
        // A replication without events has no deaths per event: left out (NaN).
        let ratios: Vec<f64> = deaths
            .iter()
            .zip(&events)
            .map(|(d, e)| if *e > 0.0 { d / e } else { f64::NAN })
            .collect();
        results.push(DeathsPerEvent {
            actor: described.actor_name.clone(),
            months: months.len(),
            ratio: Total::of(observed_sum(fatalities) / observed_sum(attacks), &ratios),
        });
    }
    results
}

/// The score of one outcome against its observed value.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeScore {
    pub outcome_index: usize,
    pub observed: f64,
    /// Replications with a value.
    pub n: usize,
    pub mean: f64,
    pub quantiles: [f64; 5],
    pub scores: Scores,
}

/// Scores an outcome: `values` are its values, one per replication (NaN where missing).
pub fn score_outcome(
    scenario: &Scenario,
    seed: u64,
    outcome_index: usize,
    observed: f64,
    values: &[f64],
) -> Option<OutcomeScore> {
    let forecast = Forecast::from_sample(values)?;
    let label = format!("pit:outcome:{}", scenario.outcomes[outcome_index].name);
    Some(OutcomeScore {
        outcome_index,
        observed,
        n: values.iter().filter(|value| value.is_finite()).count(),
        mean: forecast.mean(),
        quantiles: QUANTILES.map(|p| forecast.quantile(p)),
        scores: forecast.score(observed, pit_uniform(seed, &label, 0, 0)),
    })
}

/// Everything `secsim score` found.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    pub series: Vec<SeriesScore>,
    pub deaths_per_event: Vec<DeathsPerEvent>,
    pub outcomes: Vec<OutcomeScore>,
}

impl Scorecard {
    /// Every model PIT value of the scored series-months, in series and month order.
    pub fn pit_values(&self) -> Vec<f64> {
        self.series
            .iter()
            .flat_map(|series| series.months.iter().map(|month| month.model.pit))
            .collect()
    }

    /// Series whose skill against `benchmark` is below `minimum`, with their skill; series
    /// without the benchmark are not judged.
    pub fn below_skill(&self, benchmark: Benchmark, minimum: f64) -> Vec<(usize, f64)> {
        self.series
            .iter()
            .filter_map(|series| {
                let skill = series.skill(benchmark)?;
                (skill < minimum).then_some((series.series_index, skill))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benchmarks_use_only_the_last_twelve_months_before_the_start() {
        let history: Vec<(i64, f64)> = (-20..0).map(|m| (m, (m + 30) as f64)).collect();
        let last = Benchmark::Persistence
            .forecast(&history, Metric::Attacks)
            .unwrap();
        assert_eq!(last.quantile(0.5), 29.0);
        let empirical = Benchmark::LastTwelveMonths
            .forecast(&history, Metric::Attacks)
            .unwrap();
        // Months -12..-1: values 18..=29.
        assert_eq!(empirical.quantile(0.0), 18.0);
        assert_eq!(empirical.quantile(1.0), 29.0);
        assert!(
            Benchmark::NegativeBinomial
                .forecast(&history, Metric::Control)
                .is_none()
        );
        assert!(
            Benchmark::LastTwelveMonths
                .forecast(&[], Metric::Attacks)
                .is_none()
        );
    }

    #[test]
    fn pit_uniforms_are_in_the_unit_interval_and_differ_by_month() {
        let a = pit_uniform(1, "x", 0, 0);
        let b = pit_uniform(1, "x", 1, 0);
        assert!((0.0..1.0).contains(&a) && (0.0..1.0).contains(&b));
        assert_ne!(a, b);
        assert_eq!(a, pit_uniform(1, "x", 0, 0));
    }
}
