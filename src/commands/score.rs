//! `secsim score`: runs a scenario, keeps every replication's value of each observed
//! series-month, and scores the forecasts against the observations and the benchmarks.
//!
//! The observed files are read and checked against the scenario before anything runs, so a bad
//! file costs nothing and leaves nothing behind.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::Context;

use super::options::{RunOptions, file_stem, progress_bar, provenance};
use super::{EXIT_INTERRUPTED, Invocation, RunError, Terminal, exit_code, note, say, thread_pool};
use crate::cli::ScoreArgs;
use crate::engine::{self, Aggregate, Next, RunPlan, Summaries, budget};
use crate::output::files::{CHARTS_FOLDER, REPORT_FILE};
use crate::output::manifest::{self, Contents};
use crate::output::scores::{self, SCORES_CSV, SCORES_JSON, ScoreResults};
use crate::output::{OutputError, StagedDir, results};
use crate::scenario::{self, Scenario};
use crate::scoring::observed::{self, Observed, ObservedOutcome};
use crate::scoring::{self, Scorecard};

/// Values `score` may keep in memory (one per replication and scored series-month or
/// outcome): 2^28 values are 2 GiB.
pub const MAX_KEPT_VALUES: u64 = 1 << 28;

/// Every replication's value of what is scored, in replication order.
struct Kept {
    /// (series index, month) -> values.
    series: BTreeMap<(usize, usize), Vec<f64>>,
    /// Per observed outcome, its values.
    outcomes: Vec<Vec<f64>>,
}

impl Kept {
    fn new(observed: &Observed, outcomes: &[ObservedOutcome]) -> Kept {
        Kept {
            series: observed
                .series
                .iter()
                .flat_map(|series| {
                    series
                        .scored
                        .iter()
                        .map(|(month, _)| ((series.series_index, *month), Vec::new()))
                })
                .collect(),
            outcomes: vec![Vec::new(); outcomes.len()],
        }
    }

    fn add(&mut self, block: &engine::Block, horizon: usize, outcomes: &[ObservedOutcome]) {
        let runs = block.series.len() / block.series_width.max(1);
        for (&(series, month), values) in &mut self.series {
            let position = series * horizon + month;
            values.extend((0..runs).map(|run| block.series[run * block.series_width + position]));
        }
        for (_, row) in block.rows() {
            for (kept, outcome) in self.outcomes.iter_mut().zip(outcomes) {
                kept.push(row[outcome.outcome_index]);
            }
        }
    }

    fn values(&self, series: usize, month: usize) -> &[f64] {
        self.series
            .get(&(series, month))
            .map_or(&[], |values| values.as_slice())
    }
}

/// `secsim score`.
pub fn execute(
    args: ScoreArgs,
    invocation: &Invocation,
    terminal: &mut Terminal,
) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load_named(&args.scenario)?;
    let observed = observed::read_series(&args.observed, &scenario)?;
    let observed_outcomes = match &args.observed_outcomes {
        Some(path) => observed::read_outcomes(path, &scenario)?,
        None => Vec::new(),
    };
    let plan = args
        .plan
        .resolve(scenario.default_runs, scenario.default_seed);
    let kept_per_run = observed
        .series
        .iter()
        .map(|series| series.scored.len() as u64)
        .sum::<u64>()
        + observed_outcomes.len() as u64;
    if plan.runs.saturating_mul(kept_per_run) > MAX_KEPT_VALUES {
        anyhow::bail!(
            "{} runs x {kept_per_run} scored values is more than the {MAX_KEPT_VALUES} values score keeps in memory; ask for fewer --runs",
            plan.runs
        );
    }
    let options = RunOptions::from_args(&args.threads, &args.output);
    let destination = args
        .output
        .destination(&format!("{}_scores", file_stem(&args.scenario)));
    let mut inputs = vec![args.scenario.clone(), args.observed.clone()];
    inputs.extend(args.observed_outcomes.clone());
    let provenance = provenance("score", invocation, &inputs);

    let pool = thread_pool(options.threads)?;
    let threads = pool.current_num_threads();
    budget::check(&scenario, &plan, 1, threads, true, options.max_hours).map_err(RunError::from)?;
    let staged = StagedDir::new(&destination, SCORES_JSON, &[&scenario.name], options.force)
        .map_err(RunError::from)
        .with_context(|| format!("cannot write results to {}", destination.display()))?;

    let started = Instant::now();
    let progress = progress_bar(plan.runs, args.output.quiet);
    let mut kept = Kept::new(&observed, &observed_outcomes);
    let mut total = Aggregate::new(&scenario);
    let mut interrupted = false;
    pool.install(|| {
        engine::run_blocks(
            &scenario,
            &plan,
            Summaries::WithSeriesRows,
            0..plan.n_blocks(),
            &mut total,
            |block, total| -> Result<Next, RunError> {
                kept.add(&block.rows, scenario.horizon_months, &observed_outcomes);
                progress.set_position(total.runs);
                if block.ends_wave
                    && invocation
                        .interrupt
                        .is_some_and(|flag| flag.load(Ordering::Relaxed))
                {
                    interrupted = true;
                    return Ok(Next::Stop);
                }
                Ok(Next::Continue)
            },
        )
    })?;
    progress.finish_and_clear();
    if interrupted && total.runs < plan.runs {
        note(
            terminal,
            &format!(
                "interrupted after {} of {} runs; nothing was written\n",
                total.runs, plan.runs
            ),
        );
        return Ok(ExitCode::from(EXIT_INTERRUPTED));
    }

    let card = score(&scenario, &plan, &observed, &observed_outcomes, &kept);
    let results = ScoreResults {
        scenario: &scenario,
        seed: plan.seed,
        runs: total.runs,
        observed_file: &args.observed,
        outcomes_file: args.observed_outcomes.as_deref(),
        observed: &observed,
        card: &card,
    };
    write_files(&staged, &results, options.charts, &pool)
        .map_err(RunError::from)
        .with_context(|| format!("cannot write results to {}", destination.display()))?;
    let contents = Contents::single(&provenance, &scenario, plan.seed, total.runs, threads);
    manifest::write(staged.path(), &contents, &provenance).map_err(RunError::from)?;
    let folder = staged.commit().map_err(RunError::from)?;

    let mut text = scores::render_table(&results);
    let mut passed = true;
    for gate in &args.min_skill {
        let failing = card.below_skill(gate.benchmark, gate.minimum);
        for (series_index, skill) in &failing {
            let series = &scenario.series[*series_index];
            text.push_str(&format!(
                "FAIL: skill of {} in {} against {} is {skill:.3}, below {}\n",
                series.metric.as_str(),
                series.actor_name,
                gate.benchmark.name(),
                gate.minimum
            ));
        }
        passed &= failing.is_empty();
    }
    text.push_str(&format!(
        "\n{} runs in {:.2} s on {threads} threads\nscores written to {}\n",
        total.runs,
        started.elapsed().as_secs_f64(),
        folder.display()
    ));
    say(terminal, &text)?;
    Ok(exit_code(passed))
}

/// The scorecard from the kept values.
fn score(
    scenario: &Scenario,
    plan: &RunPlan,
    observed: &Observed,
    outcomes: &[ObservedOutcome],
    kept: &Kept,
) -> Scorecard {
    let series = observed
        .series
        .iter()
        .map(|series| {
            scoring::score_series(scenario, plan.seed, series, |month| {
                kept.values(series.series_index, month)
            })
        })
        .collect();
    let deaths_per_event =
        scoring::deaths_per_event(scenario, &observed.series, |series, month| {
            kept.values(series, month)
        });
    let outcomes = outcomes
        .iter()
        .zip(&kept.outcomes)
        .filter_map(|(outcome, values)| {
            scoring::score_outcome(
                scenario,
                plan.seed,
                outcome.outcome_index,
                outcome.value,
                values,
            )
        })
        .collect();
    Scorecard {
        series,
        deaths_per_event,
        outcomes,
    }
}

fn write_files(
    staged: &StagedDir,
    results: &ScoreResults<'_>,
    charts: bool,
    pool: &rayon::ThreadPool,
) -> Result<(), OutputError> {
    let path = |name: &str| staged.path().join(name);
    let csv_path = path(SCORES_CSV);
    let file =
        std::fs::File::create(&csv_path).map_err(OutputError::io(&csv_path, "cannot create"))?;
    scores::write_csv(results, std::io::BufWriter::new(file))?;
    let json_path = path(SCORES_JSON);
    std::fs::write(&json_path, scores::render_json(results)?)
        .map_err(OutputError::io(&json_path, "cannot write"))?;
    if charts {
        let files = scores::charts(results);
        let figures =
            pool.install(|| results::write_charts(&files, &staged.path().join(CHARTS_FOLDER)))?;
        let report_path = path(REPORT_FILE);
        std::fs::write(&report_path, scores::report(results, &figures))
            .map_err(OutputError::io(&report_path, "cannot write"))?;
    }
    Ok(())
}
