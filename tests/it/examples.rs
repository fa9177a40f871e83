//! The Slurm job-array scripts in `examples/slurm/` as users run them, driven with the
//! environment a Slurm array task sees (`SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_MAX`): they need
//! bash and coreutils only.
//!
//! The examples that need a program of their own run outside `cargo test`, from `.ci/run`:
//! `tests/parallel/run.sh` runs `examples/parallel/secsim-parallel.sh` with GNU parallel, and
//! `tests/slurm/run.sh` submits the job-array scripts to a real Slurm.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::{assert_success, files_under, secsim, stderr};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

/// Runs a script of examples/ with bash, `SECSIM` naming the binary under test.
fn script(dir: &Path, file: &str, args: &[&str], env: &[(&str, String)]) -> Output {
    Command::new("bash")
        .arg(manifest_dir().join(file))
        .args(args)
        .current_dir(dir)
        .env("SECSIM", env!("CARGO_BIN_EXE_secsim"))
        .envs(env.iter().map(|(key, value)| (*key, value)))
        .output()
        .expect("cannot start bash")
}

/// Runs Slurm array task `task` of an array whose highest id is `max`.
fn slurm_task(dir: &Path, file: &str, args: &[&str], task: u64, max: u64) -> Output {
    let env = [
        ("SLURM_ARRAY_TASK_ID", task.to_string()),
        ("SLURM_ARRAY_TASK_MAX", max.to_string()),
    ];
    script(dir, file, args, &env)
}

/// Asserts that two results folders hold the same files with the same bytes.
fn assert_same_results(single: &Path, merged: &Path) {
    let single = files_under(single);
    let merged = files_under(merged);
    assert_eq!(
        single.keys().collect::<Vec<_>>(),
        merged.keys().collect::<Vec<_>>()
    );
    for (file, bytes) in &single {
        assert!(merged[file] == *bytes, "{} differs", file.display());
    }
}

const SCENARIO: &str = "tests/data/small.ron";
const RUNS: &str = "4500";
const SEED: &str = "11";

fn single_run(dir: &Path) -> std::path::PathBuf {
    let scenario = manifest_dir().join(SCENARIO);
    let single = dir.join("single");
    let output = secsim(
        dir,
        &[
            "run",
            path_arg(&scenario),
            "--runs",
            RUNS,
            "--seed",
            SEED,
            "--no-charts",
            "--out",
            path_arg(&single),
        ],
    );
    assert_success(&output);
    single
}

/// Slurm array tasks 1..=4 each write their part; a lost part makes `merge` name the shard; the
/// task resubmitted alone (where SLURM_ARRAY_TASK_MAX is its own id) still runs shard K of 4,
/// read from OUTDIR/shards, and the merge gives the single run's bytes.
#[test]
fn slurm_array_script_shards_merge_and_resubmit() {
    let dir = tempfile::tempdir().unwrap();
    let single = single_run(dir.path());
    let scenario = manifest_dir().join(SCENARIO);
    let out = dir.path().join("array");
    let args = [path_arg(&scenario), RUNS, SEED, path_arg(&out)];
    for task in 1..=4 {
        let output = slurm_task(
            dir.path(),
            "examples/slurm/secsim-array.sbatch",
            &args,
            task,
            4,
        );
        assert_success(&output);
    }
    assert_eq!(std::fs::read_to_string(out.join("shards")).unwrap(), "4\n");
    std::fs::remove_dir_all(out.join("part-3")).unwrap();
    let parts: Vec<String> = [1, 2, 4]
        .iter()
        .map(|k| path_arg(&out.join(format!("part-{k}"))).to_owned())
        .collect();
    let merged = out.join("merged");
    let mut merge_args = vec!["merge"];
    merge_args.extend(parts.iter().map(String::as_str));
    merge_args.extend(["--no-charts", "--out", path_arg(&merged)]);
    let refused = secsim(dir.path(), &merge_args);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("missing shard 3 of 4"),
        "{}",
        stderr(&refused)
    );
    assert!(!merged.exists());

    let output = slurm_task(
        dir.path(),
        "examples/slurm/secsim-array.sbatch",
        &args,
        3,
        3,
    );
    assert_success(&output);
    let part_3 = out.join("part-3");
    let part_info = std::fs::read_to_string(part_3.join("part.json")).unwrap();
    assert!(part_info.contains("\"shards\": 4"), "{part_info}");
    let mut merge_args = vec!["merge", path_arg(&part_3)];
    merge_args.extend(parts.iter().map(String::as_str));
    merge_args.extend(["--no-charts", "--out", path_arg(&merged)]);
    assert_success(&secsim(dir.path(), &merge_args));
    assert_same_results(&single, &merged);
}

/// The script refuses to run outside a job array and with the wrong number of arguments.
#[test]
fn slurm_array_script_explains_its_usage() {
    let dir = tempfile::tempdir().unwrap();
    let output = script(
        dir.path(),
        "examples/slurm/secsim-array.sbatch",
        &["only-one"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("usage: sbatch --array=1-M"));
    let output = script(
        dir.path(),
        "examples/slurm/secsim-array.sbatch",
        &["a.ron", "10", "1", "out"],
        &[],
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("not a job array task"),
        "{}",
        stderr(&output)
    );
}

/// The batch array script shards an experiment's design points; the merge equals a single
/// `secsim batch --no-charts`.
#[test]
fn slurm_batch_array_script_merges_to_the_single_batch() {
    let dir = tempfile::tempdir().unwrap();
    let experiment = manifest_dir().join("tests/data/batch/grid.ron");
    let single = dir.path().join("single");
    let output = secsim(
        dir.path(),
        &[
            "batch",
            path_arg(&experiment),
            "--no-charts",
            "--quiet",
            "--out",
            path_arg(&single),
        ],
    );
    assert_success(&output);
    let out = dir.path().join("array");
    for task in 1..=3 {
        let output = slurm_task(
            dir.path(),
            "examples/slurm/secsim-batch-array.sbatch",
            &[path_arg(&experiment), path_arg(&out)],
            task,
            3,
        );
        assert_success(&output);
    }
    let merged = out.join("merged");
    let mut merge_args = vec!["merge"];
    let parts: Vec<String> = (1..=3)
        .map(|k| path_arg(&out.join(format!("part-{k}"))).to_owned())
        .collect();
    merge_args.extend(parts.iter().map(String::as_str));
    merge_args.extend(["--no-charts", "--out", path_arg(&merged)]);
    assert_success(&secsim(dir.path(), &merge_args));
    assert_same_results(&single, &merged);
}
