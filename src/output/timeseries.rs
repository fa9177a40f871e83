//! `timeseries.csv`: one row per metric, actor and month.

use std::io::Write;

use crate::engine::Aggregate;
use crate::output::{OutputError, format_number};
use crate::scenario::Scenario;

/// The header, fixed: other tools read these names.
pub const HEADER: [&str; 11] = [
    "metric", "actor", "month", "date", "mean", "sd", "p05", "p25", "p50", "p75", "p95",
];

/// Writes the time series of `aggregate` as CSV.
pub fn write(
    scenario: &Scenario,
    aggregate: &Aggregate,
    writer: impl Write,
) -> Result<(), OutputError> {
    let mut csv = csv::Writer::from_writer(writer);
    csv.write_record(HEADER)?;
    let horizon = scenario.horizon_months;
    for (series_index, series) in scenario.series.iter().enumerate() {
        for month in 0..horizon {
            let summary = aggregate.series[series_index * horizon + month].summary();
            let mut record = vec![
                series.metric.as_str().to_owned(),
                series.actor_name.clone(),
                month.to_string(),
                scenario.start.plus(month).to_string(),
                format_number(summary.mean),
                format_number(summary.sd),
            ];
            record.extend(
                summary
                    .quantiles
                    .iter()
                    .map(|&quantile| format_number(quantile)),
            );
            csv.write_record(&record)?;
        }
    }
    csv.flush().map_err(csv::Error::from)?;
    Ok(())
}
