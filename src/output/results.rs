//! The files of a run's results folder besides the streamed `outcomes.csv` and `parameters.csv`
//! ([`crate::output::rows`]) and `manifest.json`: the registry's files made from the
//! aggregate (`summary.json`, `timeseries.csv`), charts and `report.html`, written into a
//! [`StagedDir`].

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use rayon::prelude::*;

use crate::engine::Aggregate;
use crate::output::charts::{self, ChartFile};
use crate::output::report::{self, Figure};
use crate::output::summary::Stopping;
use crate::output::{OutputError, StagedDir, figures};
use crate::scenario::Scenario;

use crate::output::files::{CHARTS_FOLDER, OUTCOMES_FILE, REPORT_FILE, RUN_FILES, RunResults};

/// Writes `files` into `folder` as PNG and SVG, in parallel; returns the figures to embed in a
/// report, in the order given.
pub fn write_charts(files: &[ChartFile], folder: &Path) -> Result<Vec<Figure>, OutputError> {
    std::fs::create_dir_all(folder)
        .map_err(OutputError::io(folder, "cannot create the charts folder"))?;
    charts::with_unique_stems(files)
        .par_iter()
        .map(|file| {
            let [_, svg_path] = charts::save(file, folder)?;
            let svg = std::fs::read_to_string(&svg_path)
                .map_err(OutputError::io(&svg_path, "cannot read back"))?;
            Ok(Figure {
                title: file.frame.title.clone(),
                stem: file.stem.clone(),
                svg,
            })
        })
        .collect()
}

/// Report order: the time series first (the first is the report's key chart), then the
/// outcomes and events.
fn report_order(files: &mut [ChartFile]) {
    files.sort_by_key(|file| if file.stem.starts_with("fan_") { 0 } else { 1 });
}

/// Writes every file of a results folder but the streamed ones (already in `staged`) and
/// `manifest.json`; returns the outcome histograms.
pub fn write_result_files(
    staged: &StagedDir,
    scenario: &Scenario,
    seed: u64,
    aggregate: &Aggregate,
    stopping: Option<&Stopping>,
    charts: bool,
    pool: &rayon::ThreadPool,
) -> Result<Vec<figures::OutcomeHistogram>, OutputError> {
    let results = RunResults {
        scenario,
        seed,
        aggregate,
        stopping,
    };
    for file in RUN_FILES {
        let Some(export) = file.export else { continue };
        let path = staged.path().join(file.name);
        let handle = File::create(&path).map_err(OutputError::io(&path, "cannot create"))?;
        let mut writer = BufWriter::new(handle);
        export(&results, &mut writer)?;
        writer
            .flush()
            .map_err(OutputError::io(&path, "cannot write"))?;
    }

    let outcomes_path = staged.path().join(OUTCOMES_FILE);
    let histograms = figures::outcome_histograms(aggregate, &outcomes_path)?;
    if charts {
        let mut files = figures::run_charts(scenario, seed, aggregate, &histograms);
        report_order(&mut files);
        let embedded = pool.install(|| write_charts(&files, &staged.path().join(CHARTS_FOLDER)))?;
        let report_path = staged.path().join(REPORT_FILE);
        let html = report::run_report(scenario, seed, aggregate, &embedded);
        std::fs::write(&report_path, html)
            .map_err(OutputError::io(&report_path, "cannot write"))?;
    }
    Ok(histograms)
}
