//! `outcomes.csv`: one row per replication, streamed block by block as the engine finishes them.

use std::fs::File;
use std::io::{BufWriter, Write};

use crate::engine::Block;
use crate::output::{OutputError, format_number};
use crate::scenario::Scenario;

/// Streams per-replication outcome rows to CSV; memory does not grow with the run count.
pub struct OutcomeWriter<W: Write> {
    csv: csv::Writer<W>,
}

impl<W: Write> OutcomeWriter<W> {
    /// Starts the file with its header: `run`, then one column per outcome.
    pub fn new(scenario: &Scenario, writer: W) -> Result<Self, OutputError> {
        let mut csv = csv::Writer::from_writer(writer);
        let header = std::iter::once("run").chain(
            scenario
                .outcomes
                .iter()
                .map(|outcome| outcome.name.as_str()),
        );
        csv.write_record(header)?;
        Ok(OutcomeWriter { csv })
    }

    /// Continues a file whose header and earlier rows are already written (a resumed run).
    pub fn continuing(writer: W) -> Self {
        OutcomeWriter {
            csv: csv::Writer::from_writer(writer),
        }
    }

    /// Appends one block's rows; a missing value is an empty field.
    pub fn write_block(&mut self, block: &Block) -> Result<(), OutputError> {
        for (run, values) in block.rows() {
            let record = std::iter::once(run.to_string()).chain(
                values
                    .iter()
                    .map(|&value| format_number((!value.is_nan()).then_some(value))),
            );
            self.csv.write_record(record)?;
        }
        Ok(())
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> Result<W, OutputError> {
        self.csv.flush().map_err(csv::Error::from)?;
        self.csv
            .into_inner()
            .map_err(|error| OutputError::Csv(csv::Error::from(error.into_error())))
    }
}

impl OutcomeWriter<BufWriter<File>> {
    /// Writes every row so far through to the disk and returns the file's length, for a
    /// checkpoint.
    pub fn sync(&mut self) -> Result<u64, OutputError> {
        self.csv.flush().map_err(csv::Error::from)?;
        let file = self.csv.get_ref().get_ref();
        let synced = file.sync_data().and_then(|()| file.metadata());
        let metadata = synced.map_err(|error| OutputError::Csv(csv::Error::from(error)))?;
        Ok(metadata.len())
    }
}

/// `outcomes.csv` as a per-block sink of a run: the rows go to a file that may move, while the
/// run goes on, from the staging folder into a checkpoint folder (and back at the end).
pub struct OutcomesFile {
    writer: OutcomeWriter<BufWriter<File>>,
    path: std::path::PathBuf,
}

impl OutcomesFile {
    /// A new `outcomes.csv` at `path`, with its header.
    pub fn create(scenario: &Scenario, path: std::path::PathBuf) -> Result<Self, OutputError> {
        let file = File::create(&path).map_err(OutputError::io(&path, "cannot create"))?;
        Ok(OutcomesFile {
            writer: OutcomeWriter::new(scenario, BufWriter::new(file))?,
            path,
        })
    }

    /// The file at `path` continued after its last row (a resumed run; the checkpoint has
    /// already cut it back to its recorded length).
    pub fn append(path: std::path::PathBuf) -> Result<Self, OutputError> {
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(OutputError::io(&path, "cannot open"))?;
        Ok(OutcomesFile {
            writer: OutcomeWriter::continuing(BufWriter::new(file)),
            path,
        })
    }

    /// Appends one block's rows.
    pub fn write_block(&mut self, block: &Block) -> Result<(), OutputError> {
        self.writer.write_block(block)
    }

    /// Where the file is now.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Moves the file (open, so writing goes on) to `path`, on the same file system.
    pub fn move_to(&mut self, path: std::path::PathBuf) -> Result<(), OutputError> {
        if path != self.path {
            std::fs::rename(&self.path, &path).map_err(OutputError::io(&path, "cannot move"))?;
            self.path = path;
        }
        Ok(())
    }

    /// Writes every row so far through to the disk; returns the file's length.
    pub fn sync(&mut self) -> Result<u64, OutputError> {
        self.writer.sync()
    }

    /// Flushes the file and moves it to `path`.
    pub fn finish(self, path: std::path::PathBuf) -> Result<(), OutputError> {
        self.writer.finish()?;
        if path != self.path {
            std::fs::rename(&self.path, &path)
                .map_err(OutputError::io(&path, "cannot move into place"))?;
        }
        Ok(())
    }
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
