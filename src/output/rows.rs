//! The streamed result files (`outcomes.csv`, `parameters.csv`): one row per replication,
//! written block by block as the engine hands blocks on, so that memory does not grow with the
//! run count. [`RowWriter`] writes one file's rows to any writer; [`RowsFile`] is one file as a
//! per-block sink of a run, which may move, while the run goes on, from the staging folder into
//! a checkpoint folder and back; [`StreamedFiles`] is every streamed file of a run
//! ([`crate::output::files::streamed`]), handled alike.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::engine::Block;
use crate::output::files::{ResultFile, Rows, Written};
use crate::output::{OutputError, outcomes, parameters};
use crate::scenario::Scenario;

/// Streams one file's per-replication rows to CSV.
pub struct RowWriter<W: Write> {
    rows: Rows,
    csv: csv::Writer<W>,
}

impl<W: Write> RowWriter<W> {
    /// Starts the file with its header.
    pub fn new(rows: Rows, scenario: &Scenario, writer: W) -> Result<Self, OutputError> {
        let mut csv = csv::Writer::from_writer(writer);
        match rows {
            Rows::Outcomes => outcomes::write_header(scenario, &mut csv)?,
            Rows::Parameters => parameters::write_header(scenario, &mut csv)?,
        }
        Ok(RowWriter { rows, csv })
    }

    /// Continues a file whose header and earlier rows are already written (a resumed run).
    pub fn continuing(rows: Rows, writer: W) -> Self {
        RowWriter {
            rows,
            csv: csv::Writer::from_writer(writer),
        }
    }

    /// Appends one block's rows.
    pub fn write_block(&mut self, block: &Block) -> Result<(), OutputError> {
        match self.rows {
            Rows::Outcomes => outcomes::write_block(block, &mut self.csv),
            Rows::Parameters => parameters::write_block(block, &mut self.csv),
        }
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> Result<W, OutputError> {
        self.csv.flush().map_err(csv::Error::from)?;
        self.csv
            .into_inner()
            .map_err(|error| OutputError::Csv(csv::Error::from(error.into_error())))
    }
}

impl RowWriter<BufWriter<File>> {
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

/// The rows a streamed result file holds.
fn rows_of(file: &ResultFile) -> Rows {
    match file.written {
        Written::Streamed(rows) => rows,
        _ => unreachable!("{} is not a streamed file", file.name),
    }
}

/// One streamed file as a per-block sink of a run.
pub struct RowsFile {
    name: &'static str,
    writer: RowWriter<BufWriter<File>>,
    path: PathBuf,
}

impl RowsFile {
    /// A new `file` in `folder`, with its header.
    pub fn create(
        file: &ResultFile,
        scenario: &Scenario,
        folder: &Path,
    ) -> Result<Self, OutputError> {
        let path = folder.join(file.name);
        let handle = File::create(&path).map_err(OutputError::io(&path, "cannot create"))?;
        Ok(RowsFile {
            name: file.name,
            writer: RowWriter::new(rows_of(file), scenario, BufWriter::new(handle))?,
            path,
        })
    }

    /// `file` in `folder` continued after its last row (a resumed run; the checkpoint has
    /// already cut it back to its recorded length).
    pub fn append(file: &ResultFile, folder: &Path) -> Result<Self, OutputError> {
        let path = folder.join(file.name);
        let handle = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(OutputError::io(&path, "cannot open"))?;
        Ok(RowsFile {
            name: file.name,
            writer: RowWriter::continuing(rows_of(file), BufWriter::new(handle)),
            path,
        })
    }

    /// The file's name in a results folder.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Moves the file (open, so writing goes on) into `folder`, on the same file system.
    fn move_into(&mut self, folder: &Path) -> Result<(), OutputError> {
        let path = folder.join(self.name);
        if path != self.path {
            std::fs::rename(&self.path, &path).map_err(OutputError::io(&path, "cannot move"))?;
            self.path = path;
        }
        Ok(())
    }

    /// Flushes the file and moves it into `folder`.
    fn finish(self, folder: &Path) -> Result<(), OutputError> {
        self.writer.finish()?;
        let path = folder.join(self.name);
        if path != self.path {
            std::fs::rename(&self.path, &path)
                .map_err(OutputError::io(&path, "cannot move into place"))?;
        }
        Ok(())
    }
}

/// Every streamed file of a run, written, moved, synced and finished together.
pub struct StreamedFiles(pub Vec<RowsFile>);

impl StreamedFiles {
    /// New files, with their headers, in `folder`.
    pub fn create(
        files: &[ResultFile],
        scenario: &Scenario,
        folder: &Path,
    ) -> Result<Self, OutputError> {
        let created = files
            .iter()
            .map(|file| RowsFile::create(file, scenario, folder))
            .collect::<Result<_, _>>()?;
        Ok(StreamedFiles(created))
    }

    /// The files in `folder` continued after their last rows.
    pub fn append(files: &[ResultFile], folder: &Path) -> Result<Self, OutputError> {
        let opened = files
            .iter()
            .map(|file| RowsFile::append(file, folder))
            .collect::<Result<_, _>>()?;
        Ok(StreamedFiles(opened))
    }

    /// Appends one block's rows to every file.
    pub fn write_block(&mut self, block: &Block) -> Result<(), OutputError> {
        self.0
            .iter_mut()
            .try_for_each(|file| file.writer.write_block(block))
    }

    /// Moves every file (open) into `folder`.
    pub fn move_into(&mut self, folder: &Path) -> Result<(), OutputError> {
        self.0
            .iter_mut()
            .try_for_each(|file| file.move_into(folder))
    }

    /// Writes every row so far through to the disk; returns each file's name and length.
    pub fn sync(&mut self) -> Result<Vec<(String, u64)>, OutputError> {
        self.0
            .iter_mut()
            .map(|file| Ok((file.name.to_owned(), file.writer.sync()?)))
            .collect()
    }

    /// Flushes every file and moves it into `folder`.
    pub fn finish(self, folder: &Path) -> Result<(), OutputError> {
        self.0.into_iter().try_for_each(|file| file.finish(folder))
    }
}
