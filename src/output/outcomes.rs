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
