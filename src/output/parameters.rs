//! `parameters.csv`: one row per replication with what it drew and what happened in it: each
//! uncertain parameter's value and, per event, whether and in which month it fired. Joined to
//! `outcomes.csv` by `run`, it is the input of scenario discovery (which inputs lead to which
//! outcomes). Streamed block by block like `outcomes.csv` ([`crate::output::rows`]).

use std::io::Write;

use crate::engine::Block;
use crate::output::{OutputError, format_number};
use crate::scenario::Scenario;

/// Whether a run of `scenario` has anything to record: an uncertain parameter or an event.
pub fn recorded(scenario: &Scenario) -> bool {
    !scenario.uncertain.is_empty() || !scenario.events.is_empty()
}

/// The header: `run`, each uncertain parameter by name (the scenario's `uncertain` order), then
/// `<event>_fired` and `<event>_month` per event.
pub fn header(scenario: &Scenario) -> Vec<String> {
    let mut header = Vec::with_capacity(1 + scenario.uncertain.len() + 2 * scenario.events.len());
    header.push("run".to_owned());
    header.extend(scenario.uncertain.iter().map(|param| param.name.clone()));
    for event in &scenario.events {
        header.push(format!("{}_fired", event.name));
        header.push(format!("{}_month", event.name));
    }
    header
}

/// Reads `parameters.csv` back, row by row: the run index, then every other column's value
/// (NaN where the field is empty, as `<event>_month` is when the event did not fire).
pub struct ParametersReader {
    csv: csv::Reader<std::fs::File>,
    names: Vec<String>,
    record: csv::StringRecord,
    values: Vec<f64>,
}

impl ParametersReader {
    /// Opens `path` and reads its header.
    pub fn open(path: &std::path::Path) -> Result<Self, OutputError> {
        let mut csv = csv::Reader::from_path(path)?;
        let names: Vec<String> = csv.headers()?.iter().skip(1).map(str::to_owned).collect();
        let values = vec![f64::NAN; names.len()];
        Ok(ParametersReader {
            csv,
            names,
            record: csv::StringRecord::new(),
            values,
        })
    }

    /// The columns' names after `run`, in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The next row's run index (None if it is not a whole number) and values, or None at the
    /// end.
    #[allow(clippy::type_complexity)] // a pair read once by the caller; a struct adds nothing
    pub fn next_row(&mut self) -> Result<Option<(Option<u64>, &[f64])>, OutputError> {
        if !self.csv.read_record(&mut self.record)? {
            return Ok(None);
        }
        for (index, value) in self.values.iter_mut().enumerate() {
            *value = self
                .record
                .get(index + 1)
                .and_then(|field| field.parse::<f64>().ok())
                .unwrap_or(f64::NAN);
        }
        let run = self.record.get(0).and_then(|field| field.parse().ok());
        Ok(Some((run, &self.values)))
    }
}

pub(crate) fn write_header<W: Write>(
    scenario: &Scenario,
    csv: &mut csv::Writer<W>,
) -> Result<(), OutputError> {
    csv.write_record(header(scenario))?;
    Ok(())
}

/// One block's rows: values as `outcomes.csv` writes numbers; `<event>_fired` 0 or 1,
/// `<event>_month` the month it fired in (0 = the first month), empty when it did not.
pub(crate) fn write_block<W: Write>(
    block: &Block,
    csv: &mut csv::Writer<W>,
) -> Result<(), OutputError> {
    let mut record = csv::StringRecord::new();
    for (run, values, event_months) in block.parameter_rows() {
        record.clear();
        record.push_field(&run.to_string());
        for &value in values {
            record.push_field(&format_number(Some(value)));
        }
        for month in event_months {
            match month {
                Some(month) => {
                    record.push_field("1");
                    record.push_field(&month.to_string());
                }
                None => {
                    record.push_field("0");
                    record.push_field("");
                }
            }
        }
        csv.write_record(&record)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reader gives each row's run and values by column, an empty month as NaN, and a run
    /// that is not a whole number as None.
    #[test]
    fn the_reader_reads_runs_values_and_empty_months() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("parameters.csv");
        let mut csv = csv::Writer::from_path(&path).unwrap();
        csv.write_record(["run", "rate", "coup_fired", "coup_month"])
            .unwrap();
        csv.write_record(["0", "0.25", "1", "7"]).unwrap();
        csv.write_record(["x", "3", "0", ""]).unwrap();
        csv.flush().unwrap();
        let mut reader = ParametersReader::open(&path).unwrap();
        assert_eq!(reader.names(), ["rate", "coup_fired", "coup_month"]);
        let (run, values) = reader.next_row().unwrap().unwrap();
        assert_eq!((run, values.to_vec()), (Some(0), vec![0.25, 1.0, 7.0]));
        let (run, values) = reader.next_row().unwrap().unwrap();
        assert_eq!(run, None);
        assert_eq!(&values[..2], &[3.0, 0.0]);
        assert!(values[2].is_nan());
        assert!(reader.next_row().unwrap().is_none());
    }
}
