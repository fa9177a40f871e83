//! `secsim discover`: scenario discovery on a run's results folder. Reads `outcomes.csv` and
//! `parameters.csv` (joined by `run`), marks the runs of interest (`--above`, `--below`,
//! `--true` on one outcome), runs PRIM (`experiment::prim`) on every parameter and event column,
//! and writes `trajectory.csv`, `boxes.csv`, `stability.csv`, `report.html`, `charts/` (unless
//! `--no-charts`) and `manifest.json` (`output::discovery`) through `StagedDir`. With
//! `--method cart` ([`execute_cart`]) it grows a classification tree (`experiment::cart`) on
//! the same table instead and writes every leaf as a box (`output::cart`).
//!
//! The dimensions: each uncertain parameter; `<event>_fired` as 0 or 1; `<event>_month` with an
//! event that did not fire counted as the horizon (the first month after the run's end, read
//! from `timeseries.csv`), as PRIM takes no missing values and "never" sorts after every month.
//! A run without a value of the outcome (a month outcome that never happened) is not a case of
//! interest for `--above` or `--below`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::options::provenance;
use super::{Invocation, Terminal, say};
use crate::cli::{DiscoverArgs, DiscoveryMethodArg};
use crate::experiment::prim::{self, PrimData, PrimSettings};
use crate::output::StagedDir;
use crate::output::discovery::{self, DiscoveryResult, ReportContext, TRAJECTORY_FILE};
use crate::output::files::{OUTCOMES_FILE, PARAMETERS_FILE, TIMESERIES_FILE};
use crate::output::manifest::{self, Contents, Input, MANIFEST_FILE};
use crate::output::outcomes::OutcomesReader;
use crate::output::parameters::ParametersReader;

/// Default density threshold PRIM's last box must reach to be chosen: the value of EMA
/// Workbench's PRIM examples (EMA has no default).
pub const DEFAULT_THRESHOLD: f64 = 0.8;

/// Most values (runs times dimensions) held in memory for PRIM: 50 million, 400 MB of f64,
/// and PRIM's peeling sorts each column many times, so larger tables take too long anyway.
pub const MAX_VALUES: usize = 50_000_000;

/// Resamples for `stability.csv` (EMA's default) and their fixed seed, so that the file is
/// the same on every invocation.
pub const STABILITY_RESAMPLES: usize = prim::DEFAULT_RESAMPLES;
/// Seed of the resamples.
pub const STABILITY_SEED: u64 = 1;

/// Which runs are of interest.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Case {
    Above(f64),
    Below(f64),
    True,
}

impl Case {
    fn from_args(args: &DiscoverArgs) -> Case {
        match (args.above, args.below) {
            (Some(threshold), _) => Case::Above(threshold),
            (_, Some(threshold)) => Case::Below(threshold),
            _ => Case::True,
        }
    }

    /// Whether a run with outcome `value` (NaN when missing) is a case of interest.
    fn holds(self, value: f64) -> bool {
        match self {
            Case::Above(threshold) => value > threshold,
            Case::Below(threshold) => value < threshold,
            Case::True => value == 1.0,
        }
    }

    fn describe(self, outcome: &str) -> String {
        match self {
            Case::Above(threshold) => format!("{outcome} above {threshold}"),
            Case::Below(threshold) => format!("{outcome} below {threshold}"),
            Case::True => format!("{outcome} true"),
        }
    }
}

/// The joined table: dimension columns and the outcome per run.
struct Table {
    names: Vec<String>,
    columns: Vec<Vec<f64>>,
    outcome: Vec<f64>,
}

/// `secsim discover`.
pub fn execute(
    args: DiscoverArgs,
    invocation: &Invocation,
    terminal: &mut Terminal,
) -> anyhow::Result<ExitCode> {
    if args.method == DiscoveryMethodArg::Cart {
        return execute_cart(args, invocation, terminal);
    }
    let case = Case::from_args(&args);
    let table = read_table(&args.results, &args.outcome)?;
    let description = case.describe(&args.outcome);
    let of_interest = cases_of_interest(&table, case, &args.outcome, &description)?;
    let settings = PrimSettings {
        peel_alpha: args.alpha,
        min_mass: args.min_mass,
        threshold: args.threshold,
        ..PrimSettings::with_threshold(args.threshold)
    };
    let data = PrimData::new(table.names.clone(), table.columns, of_interest)?;
    let found = prim::find_box(&data, &settings)?;
    let steps = found.trajectory.steps.len();
    let (step, chosen) = match (args.box_step, found.chosen) {
        (Some(step), _) if step >= steps => bail!(
            "--box {step}: the trajectory has steps 0 to {}; see trajectory.csv without --box",
            steps - 1
        ),
        (Some(step), _) => (step, true),
        (None, Some(step)) => (step, true),
        (None, None) => (0, false),
    };
    let stability = prim::resample_stability(
        &data,
        &settings,
        &found,
        step,
        STABILITY_RESAMPLES,
        STABILITY_SEED,
    )?;
    let result = DiscoveryResult {
        names: &table.names,
        discovery: &found,
        step,
        chosen,
        stability: &stability,
        case: &description,
    };
    let destination = args.out.clone().unwrap_or_else(|| {
        args.results.join(format!(
            "discover_{}",
            crate::output::charts::file_stem(&[&args.outcome])
        ))
    });
    let inputs = source_inputs(&args.results);
    let names: Vec<&str> = inputs.iter().map(|input| input.name.as_str()).collect();
    let staged = StagedDir::new(&destination, TRAJECTORY_FILE, &names, args.force)
        .with_context(|| format!("cannot write results to {}", destination.display()))?;
    let scenario = inputs
        .iter()
        .map(|input| input.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let context = ReportContext {
        scenario: &scenario,
        settings: &settings,
        resamples: STABILITY_RESAMPLES,
        seed: STABILITY_SEED,
    };
    discovery::write_files(staged.path(), &result, &context, !args.no_charts)?;
    let contents = Contents {
        inputs: inputs.clone(),
        seed: STABILITY_SEED,
        runs: data.n_rows() as u64,
        points: 1,
        threads: 1,
    };
    manifest::write(
        staged.path(),
        &contents,
        &provenance("discover", invocation, std::slice::from_ref(&args.results)),
    )?;
    let folder = staged.commit()?;
    let mut text = discovery::render(&result);
    text.push_str(&format!("\nresults in {}\n", folder.display()));
    say(terminal, &text)?;
    Ok(ExitCode::SUCCESS)
}

/// Reads `outcomes.csv` and `parameters.csv` of `results` into the dimension columns and the
/// values of `outcome`, checking that both list the same runs in the same order.
fn read_table(results: &Path, outcome: &str) -> anyhow::Result<Table> {
    let outcomes_path = results.join(OUTCOMES_FILE);
    if !outcomes_path.is_file() {
        bail!(
            "{}: no {OUTCOMES_FILE}, so not the results of `secsim run`",
            results.display()
        );
    }
    let mut outcomes = OutcomesReader::open(&outcomes_path)?;
    let Some(outcome_column) = outcomes.column_of(outcome) else {
        bail!(
            "{}: no outcome named {outcome:?}; the outcomes are {}",
            outcomes_path.display(),
            outcomes.names().join(", ")
        );
    };
    let parameters_path = results.join(PARAMETERS_FILE);
    if !parameters_path.is_file() {
        bail!(
            "{}: no {PARAMETERS_FILE}, which discover needs; rerun the scenario without --no-parameters",
            results.display()
        );
    }
    let mut parameters = ParametersReader::open(&parameters_path)?;
    let names = parameters.names().to_vec();
    if names.is_empty() {
        bail!(
            "{}: no uncertain parameters and no events, so nothing to discover",
            parameters_path.display()
        );
    }
    let is_month: Vec<bool> = names.iter().map(|name| name.ends_with("_month")).collect();
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    let mut outcome_values = Vec::new();
    let mut horizon: Option<f64> = None;
    let mut row = 0usize;
    loop {
        let outcome_row = outcomes.next_row()?.map(|values| values[outcome_column]);
        let outcome_run = outcomes.run();
        let Some((parameter_run, values)) = parameters.next_row()? else {
            if outcome_row.is_some() {
                bail!(
                    "{} has more runs than {}; rerun the scenario",
                    outcomes_path.display(),
                    parameters_path.display()
                );
            }
            break;
        };
        let Some(outcome_value) = outcome_row else {
            bail!(
                "{} has more runs than {}; rerun the scenario",
                parameters_path.display(),
                outcomes_path.display()
            );
        };
        if parameter_run.is_none() || parameter_run != outcome_run {
            bail!(
                "{} and {} disagree on the run in row {}; rerun the scenario",
                outcomes_path.display(),
                parameters_path.display(),
                row + 1
            );
        }
        if (row + 1).saturating_mul(names.len()) > MAX_VALUES {
            bail!(
                "{}: more than {MAX_VALUES} values ({} columns), more than discover holds in memory; run fewer replications",
                parameters_path.display(),
                names.len()
            );
        }
        for (index, &value) in values.iter().enumerate() {
            let value = if value.is_nan() && is_month[index] {
                match horizon {
                    Some(horizon) => horizon,
                    None => *horizon.insert(read_horizon(results)?),
                }
            } else if value.is_finite() {
                value
            } else {
                bail!(
                    "{}: column {} of run {} is not a number",
                    parameters_path.display(),
                    names[index],
                    parameter_run.unwrap_or_default()
                );
            };
            columns[index].push(value);
        }
        outcome_values.push(outcome_value);
        row += 1;
    }
    if row == 0 {
        bail!("{}: no runs", parameters_path.display());
    }
    Ok(Table {
        names,
        columns,
        outcome: outcome_values,
    })
}

/// The horizon in months: the number of months in `timeseries.csv` (its last month + 1), which
/// an event that did not fire counts as.
fn read_horizon(results: &Path) -> anyhow::Result<f64> {
    let path = results.join(TIMESERIES_FILE);
    let mut csv = csv::Reader::from_path(&path)
        .with_context(|| format!("{}: cannot read the horizon", path.display()))?;
    let month_column = csv
        .headers()?
        .iter()
        .position(|name| name == "month")
        .with_context(|| format!("{}: no month column", path.display()))?;
    let mut last: Option<u64> = None;
    for record in csv.records() {
        let month: u64 = record?
            .get(month_column)
            .and_then(|field| field.parse().ok())
            .with_context(|| format!("{}: a month is not a whole number", path.display()))?;
        last = Some(last.map_or(month, |last| last.max(month)));
    }
    let last = last.with_context(|| format!("{}: no months", path.display()))?;
    Ok((last + 1) as f64)
}

/// The inputs recorded in the results folder's `manifest.json` (the scenario's name and hash),
/// so the discovery folder names the same scenario; the folder's name when it has none.
fn source_inputs(results: &Path) -> Vec<Input> {
    let text = std::fs::read_to_string(results.join(MANIFEST_FILE)).unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let inputs: Vec<Input> = value["inputs"]
        .as_array()
        .map(|inputs| {
            inputs
                .iter()
                .filter_map(|input| {
                    Some(Input {
                        kind: "scenario",
                        file: input["file"].as_str().map(PathBuf::from),
                        library: input["library"].as_str().map(str::to_owned),
                        name: input["name"].as_str()?.to_owned(),
                        hash: input["hash"].as_str().unwrap_or_default().to_owned(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    if inputs.is_empty() {
        let name = results.file_name().map_or_else(
            || "results".into(),
            |name| name.to_string_lossy().into_owned(),
        );
        vec![Input {
            kind: "scenario",
            file: None,
            library: None,
            name,
            hash: String::new(),
        }]
    } else {
        inputs
    }
}

/// `secsim discover --method cart`: EMA's CART (`experiment::cart`) on the same table as PRIM;
/// writes `boxes.csv` (every leaf as a box, by density then mass) and `manifest.json`. PRIM's
/// `--alpha` is refused; `--threshold` picks the leaves printed and `--box K` the box the
/// sentence describes (1 = the densest).
fn execute_cart(
    args: DiscoverArgs,
    invocation: &Invocation,
    terminal: &mut Terminal,
) -> anyhow::Result<ExitCode> {
    if args.alpha != prim::DEFAULT_PEEL_ALPHA {
        bail!("--alpha is PRIM's peeling share; CART has none (leave it out with --method cart)");
    }
    let case = Case::from_args(&args);
    let table = read_table(&args.results, &args.outcome)?;
    let description = case.describe(&args.outcome);
    let of_interest = cases_of_interest(&table, case, &args.outcome, &description)?;
    let data = PrimData::new(table.names.clone(), table.columns, of_interest)?;
    let tree = crate::experiment::cart::build_tree(&data, args.min_mass)?;
    let reported = match args.box_step {
        Some(rank) if rank == 0 || rank > tree.boxes.len() => bail!(
            "--box {rank}: CART found boxes 1 to {} (1 = the densest); see boxes.csv without --box",
            tree.boxes.len()
        ),
        Some(rank) => rank,
        None => 1,
    };
    let result = crate::output::cart::CartResult {
        names: &table.names,
        tree: &tree,
        threshold: args.threshold,
        reported,
        selected: args.box_step.is_some(),
        case: &description,
    };
    let destination = args.out.clone().unwrap_or_else(|| {
        args.results.join(format!(
            "discover_cart_{}",
            crate::output::charts::file_stem(&[&args.outcome])
        ))
    });
    let inputs = source_inputs(&args.results);
    let names: Vec<&str> = inputs.iter().map(|input| input.name.as_str()).collect();
    let staged = StagedDir::new(
        &destination,
        crate::output::discovery::BOXES_FILE,
        &names,
        args.force,
    )
    .with_context(|| format!("cannot write results to {}", destination.display()))?;
    crate::output::cart::write_files(staged.path(), &result)?;
    let contents = Contents {
        inputs: inputs.clone(),
        // CART draws no random numbers.
        seed: 0,
        runs: data.n_rows() as u64,
        points: 1,
        threads: 1,
    };
    manifest::write(
        staged.path(),
        &contents,
        &provenance("discover", invocation, std::slice::from_ref(&args.results)),
    )?;
    let folder = staged.commit()?;
    let mut text = crate::output::cart::render(&result);
    text.push_str(&format!("\nresults in {}\n", folder.display()));
    say(terminal, &text)?;
    Ok(ExitCode::SUCCESS)
}

/// Whether each run is a case of interest, refusing `--true` on an outcome that is not yes/no
/// and a threshold that no run, or every run, meets (as PRIM's path does).
fn cases_of_interest(
    table: &Table,
    case: Case,
    outcome: &str,
    description: &str,
) -> anyhow::Result<Vec<bool>> {
    if case == Case::True
        && let Some(value) = table
            .outcome
            .iter()
            .find(|value| !value.is_nan() && **value != 0.0 && **value != 1.0)
    {
        bail!(
            "--true needs a yes/no outcome, but {outcome} has the value {value}; use --above or --below"
        );
    }
    let of_interest: Vec<bool> = table
        .outcome
        .iter()
        .map(|&value| case.holds(value))
        .collect();
    let n_of_interest = of_interest.iter().filter(|&&case| case).count();
    let present = table.outcome.iter().filter(|value| !value.is_nan());
    let smallest = present
        .clone()
        .fold(f64::INFINITY, |low, &value| low.min(value));
    let largest = present.fold(f64::NEG_INFINITY, |high, &value| high.max(value));
    if n_of_interest == 0 || n_of_interest == of_interest.len() {
        let which = if n_of_interest == 0 { "no" } else { "every" };
        bail!(
            "{which} run has {description} (values from {smallest} to {largest}); choose another threshold"
        );
    }
    Ok(of_interest)
}
