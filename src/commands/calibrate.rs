//! `secsim calibrate`: ABC-SMC of one or more scenarios' uncertain parameters against observed
//! series ([`crate::calibration`]), then the posterior's files and a calibrated scenario.
//!
//! Every input is read and checked before anything runs: the scenarios, the observed files
//! against their scenarios, the chosen series and the shared priors.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};

use super::options::{DEFAULT_SEED, RunOptions, file_stem, provenance};
use super::{Invocation, RunError, Terminal, say, thread_pool};
use crate::calibration::statistics::Summaries;
use crate::calibration::{self, Settings, Target};
use crate::cli::CalibrateArgs;
use crate::engine::{RunPlan, budget};
use crate::output::calibration::{
    self as writers, CALIBRATION_JSON, CalibrationResults, POSTERIOR_CSV,
};
use crate::output::files::{CHARTS_FOLDER, REPORT_FILE};
use crate::output::manifest::{self, Contents, Input};
use crate::output::{OutputError, StagedDir, results};
use crate::scenario::{self, canonical_text};
use crate::scoring::observed;

/// Refuses more simulated replications than this in one calibration (particles x runs per
/// particle x generations x the proposals a generation may need, at the acceptance floor):
/// a typo rather than a plan.
pub const MAX_REPLICATIONS: f64 = 1e12;

/// The scenario and observed file of each target, from the arguments.
fn pairs(args: &CalibrateArgs) -> anyhow::Result<Vec<(PathBuf, PathBuf)>> {
    match &args.observed {
        Some(observed) => {
            if args.targets.len() != 1 || args.targets[0].contains('=') {
                bail!(
                    "--observed goes with one scenario file; for several, give SCENARIO.ron=OBSERVED.csv pairs without --observed"
                );
            }
            Ok(vec![(PathBuf::from(&args.targets[0]), observed.clone())])
        }
        None => args
            .targets
            .iter()
            .map(|target| match target.split_once('=') {
                Some((scenario, observed)) if !scenario.is_empty() && !observed.is_empty() => {
                    Ok((PathBuf::from(scenario), PathBuf::from(observed)))
                }
                _ => bail!(
                    "{target:?}: give --observed FILE.csv with one scenario, or SCENARIO.ron=OBSERVED.csv pairs"
                ),
            })
            .collect(),
    }
}

/// `secsim calibrate`.
pub fn execute(
    args: CalibrateArgs,
    invocation: &Invocation,
    terminal: &mut Terminal,
) -> anyhow::Result<ExitCode> {
    if !(args.quantile > 0.0 && args.quantile < 1.0) {
        bail!("--quantile {} is outside (0, 1)", args.quantile);
    }
    if !(args.min_acceptance > 0.0 && args.min_acceptance < 1.0) {
        bail!("--min-acceptance {} is outside (0, 1)", args.min_acceptance);
    }
    let pairs = pairs(&args)?;
    let mut targets = Vec::new();
    let mut used_series = vec![false; args.series.len()];
    for (scenario_path, observed_path) in &pairs {
        let scenario = scenario::load_named(scenario_path)?;
        let observed = observed::read_series(observed_path, &scenario)?;
        let chosen: Vec<&observed::ObservedSeries> = observed
            .series
            .iter()
            .filter(|series| !series.scored.is_empty())
            .filter(|series| {
                if args.series.is_empty() {
                    return true;
                }
                let described = &scenario.series[series.series_index];
                let name = format!("{}:{}", described.metric.as_str(), described.actor_name);
                match args.series.iter().position(|wanted| *wanted == name) {
                    Some(position) => {
                        used_series[position] = true;
                        true
                    }
                    None => false,
                }
            })
            .collect();
        let summaries = Summaries::new(&scenario, &chosen);
        targets.push(Target {
            scenario,
            summaries,
        });
    }
    if let Some(position) = used_series.iter().position(|used| !used) {
        bail!(
            "--series {}: no observed series of that METRIC:ACTOR inside a scenario's horizon",
            args.series[position]
        );
    }
    // Checked here, before anything is staged or run (calibrate checks again).
    calibration::parameters(&targets).map_err(anyhow::Error::msg)?;
    let seed = args
        .seed
        .or(targets[0].scenario.default_seed)
        .unwrap_or(DEFAULT_SEED);
    let settings = Settings {
        particles: args.particles as usize,
        generations: args.generations as usize,
        runs_per_particle: args.runs_per_particle,
        seed,
        quantile: args.quantile,
        min_acceptance: args.min_acceptance,
    };
    let worst_case = args.particles as f64
        * args.runs_per_particle as f64
        * targets.len() as f64
        * (1.0 + (args.generations as f64 - 1.0) / args.min_acceptance);
    if worst_case > MAX_REPLICATIONS {
        bail!(
            "up to {worst_case:.3e} replications (particles x runs per particle x scenarios x proposals at the acceptance floor) is more than the {MAX_REPLICATIONS:.0e} a calibration may run; ask for fewer"
        );
    }

    let options = RunOptions::from_args(&args.threads, &args.output);
    let destination = args
        .output
        .destination(&format!("{}_calibration", file_stem(&pairs[0].0)));
    let names: Vec<&str> = targets.iter().map(|t| t.scenario.name.as_str()).collect();
    let mut inputs: Vec<PathBuf> = Vec::new();
    for (scenario_path, observed_path) in &pairs {
        inputs.push(scenario_path.clone());
        inputs.push(observed_path.clone());
    }
    let provenance = provenance("calibrate", invocation, &inputs);
    let pool = thread_pool(options.threads)?;
    let threads = pool.current_num_threads();
    // The least a calibration runs: every generation accepting every proposal. `--max-hours`
    // refuses one whose least already takes too long.
    for target in &targets {
        let least = RunPlan {
            seed,
            runs: args.runs_per_particle,
        };
        budget::check(
            &target.scenario,
            &least,
            args.particles * args.generations,
            threads,
            false,
            options.max_hours,
        )
        .map_err(RunError::from)?;
    }
    let staged = StagedDir::new(&destination, CALIBRATION_JSON, &names, options.force)
        .map_err(RunError::from)
        .with_context(|| format!("cannot write results to {}", destination.display()))?;

    let started = Instant::now();
    let progress = super::options::progress_bar(args.generations, args.output.quiet);
    progress.set_message("generations");
    let posterior = pool.install(|| {
        calibration::calibrate(&targets, &settings, |generation| {
            progress.set_position(generation.index as u64 + 1);
        })
    })?;
    progress.finish_and_clear();

    let results = CalibrationResults {
        scenarios: names.iter().map(|name| (*name).to_owned()).collect(),
        seed,
        particles: settings.particles,
        runs_per_particle: settings.runs_per_particle,
        posterior: &posterior,
    };
    let write = || -> Result<(), OutputError> {
        let path = staged.path().join(POSTERIOR_CSV);
        let file = std::fs::File::create(&path).map_err(OutputError::io(&path, "cannot create"))?;
        writers::write_posterior(&posterior, std::io::BufWriter::new(file))?;
        let path = staged.path().join(CALIBRATION_JSON);
        std::fs::write(&path, writers::render_json(&results)?)
            .map_err(OutputError::io(&path, "cannot write"))?;
        for (index, target) in targets.iter().enumerate() {
            let name = if targets.len() == 1 {
                "calibrated.ron".to_owned()
            } else {
                format!("calibrated_{}.ron", file_stem(&pairs[index].0))
            };
            let raw = calibration::calibrated_raw(target, index, &posterior);
            let path = staged.path().join(name);
            std::fs::write(&path, canonical_text(&raw) + "\n")
                .map_err(OutputError::io(&path, "cannot write"))?;
        }
        if options.charts {
            let files = writers::charts(&results);
            let figures =
                pool.install(|| results::write_charts(&files, &staged.path().join(CHARTS_FOLDER)))?;
            let path = staged.path().join(REPORT_FILE);
            std::fs::write(&path, writers::report(&results, &figures))
                .map_err(OutputError::io(&path, "cannot write"))?;
        }
        Ok(())
    };
    write()
        .map_err(RunError::from)
        .with_context(|| format!("cannot write results to {}", destination.display()))?;
    let simulated: u64 = posterior
        .generations
        .iter()
        .map(|generation| generation.proposed)
        .sum();
    let contents = Contents {
        inputs: targets
            .iter()
            .zip(&pairs)
            .map(|(target, (path, _))| Input::scenario(Some(path), &target.scenario))
            .collect(),
        seed,
        runs: settings.runs_per_particle,
        points: simulated,
        threads,
    };
    manifest::write(staged.path(), &contents, &provenance).map_err(RunError::from)?;
    let folder = staged.commit().map_err(RunError::from)?;
    let elapsed = started.elapsed().as_secs_f64();
    let mut text = writers::render_table(&results);
    text.push_str(&format!(
        "\n{simulated} particles simulated in {elapsed:.2} s on {threads} threads ({:.0} particles a second)\ncalibration written to {}\n",
        simulated as f64 / elapsed.max(1e-9),
        folder.display()
    ));
    say(terminal, &text)?;
    Ok(ExitCode::SUCCESS)
}
