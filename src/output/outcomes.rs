//! `outcomes.csv`: one row per replication, streamed block by block as the engine finishes them
//! ([`crate::output::rows`]), and read back.

use std::fs::File;
use std::io::Write;

use crate::engine::Block;
use crate::output::{OutputError, format_number};
use crate::scenario::Scenario;

/// The header: `run`, then one column per outcome.
pub(crate) fn write_header<W: Write>(
    scenario: &Scenario,
    csv: &mut csv::Writer<W>,
) -> Result<(), OutputError> {
    let header = std::iter::once("run").chain(
        scenario
            .outcomes
            .iter()
            .map(|outcome| outcome.name.as_str()),
    );
    csv.write_record(header)?;
    Ok(())
}

/// One block's rows; a missing value is an empty field.
pub(crate) fn write_block<W: Write>(
    block: &Block,
    csv: &mut csv::Writer<W>,
) -> Result<(), OutputError> {
    for (run, values) in block.rows() {
        let record = std::iter::once(run.to_string()).chain(
            values
                .iter()
                .map(|&value| format_number((!value.is_nan()).then_some(value))),
        );
        csv.write_record(record)?;
    }
    Ok(())
}

/// Reads `outcomes.csv` back, row by row, as its writer wrote it: the run index, then one value
/// per outcome in the scenario's order (NaN where a run has none). Callers look outcomes up by
/// name ([`OutcomesReader::column_of`]), never by column position.
pub struct OutcomesReader {
    csv: csv::Reader<File>,
    names: Vec<String>,
    record: csv::StringRecord,
    values: Vec<f64>,
}

impl OutcomesReader {
    /// Opens `path` and reads its header.
    pub fn open(path: &std::path::Path) -> Result<Self, OutputError> {
        let mut csv = csv::Reader::from_path(path)?;
        let names = csv
            .headers()?
            .iter()
            .skip(1)
            .map(str::to_owned)
            .collect::<Vec<_>>();
        let values = vec![f64::NAN; names.len()];
        Ok(OutcomesReader {
            csv,
            names,
            record: csv::StringRecord::new(),
            values,
        })
    }

    /// The index of outcome `name` in each row's values.
    pub fn column_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|known| known == name)
    }

    /// The outcomes' names, in column order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The run index of the row [`OutcomesReader::next_row`] read last, if it is a whole number.
    pub fn run(&self) -> Option<u64> {
        self.record.get(0).and_then(|field| field.parse().ok())
    }

    /// The next run's outcome values (NaN for a missing value), or None at the end.
    pub fn next_row(&mut self) -> Result<Option<&[f64]>, OutputError> {
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
        Ok(Some(&self.values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the writer writes, the reader reads: values by outcome name, missing as NaN.
    #[test]
    fn the_reader_reads_what_the_writer_wrote() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("outcomes.csv");
        let mut csv = csv::Writer::from_path(&path).unwrap();
        csv.write_record(["run", "attacks", "month"]).unwrap();
        csv.write_record(["0", "12", ""]).unwrap();
        csv.write_record(["1", "0.5", "3"]).unwrap();
        csv.flush().unwrap();
        let mut reader = OutcomesReader::open(&path).unwrap();
        assert_eq!(reader.column_of("month"), Some(1));
        assert_eq!(reader.column_of("run"), None);
        let first = reader.next_row().unwrap().unwrap().to_vec();
        assert_eq!(first[0], 12.0);
        assert!(first[1].is_nan());
        assert_eq!(reader.next_row().unwrap().unwrap(), &[0.5, 3.0]);
        assert!(reader.next_row().unwrap().is_none());
    }
}
