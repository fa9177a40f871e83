//! The layers of ARCHITECTURE.md, checked on the source: dependencies point one way
//! (cli -> commands -> engine / experiment / scoring / calibration / output -> model / stats -> scenario), and no
//! writer under `output/` runs the engine.

use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `folder`.
fn rust_files(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The source of `file` without its `#[cfg(test)]` module (tests may reach across layers) and
/// without comments.
fn code_of(file: &Path) -> String {
    let text = fs::read_to_string(file).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(start) => &text[..start],
        None => &text[..],
    };
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The files of module `module` that mention any of `forbidden`, with what they mention.
fn offenders(module: &str, forbidden: &[&str]) -> Vec<String> {
    rust_files(&src().join(module))
        .into_iter()
        .flat_map(|file| {
            let code = code_of(&file);
            forbidden
                .iter()
                .filter(|needle| code.contains(*needle))
                .map(|needle| format!("{}: {needle}", file.display()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn no_writer_runs_the_engine() {
    let found = offenders(
        "output",
        &[
            "engine::run(",
            "engine::run_",
            "run_blocks(",
            "run_points(",
            "run_summarising(",
            "run_with_threads(",
            "simulate(",
        ],
    );
    assert!(found.is_empty(), "output/ runs the engine: {found:#?}");
}

#[test]
fn dependencies_point_one_way() {
    // Each module and the layers above it, which it must not import.
    let rules: [(&str, &[&str]); 8] = [
        ("output", &["crate::commands", "crate::cli"]),
        (
            "engine",
            &["crate::commands", "crate::cli", "crate::output"],
        ),
        (
            "experiment",
            &[
                "crate::commands",
                "crate::cli",
                "crate::output",
                "crate::engine",
            ],
        ),
        (
            "calibration",
            &[
                "crate::commands",
                "crate::cli",
                "crate::output",
                "crate::engine",
                "crate::experiment",
            ],
        ),
        (
            "scoring",
            &[
                "crate::commands",
                "crate::cli",
                "crate::output",
                "crate::engine",
                "crate::experiment",
            ],
        ),
        (
            "model",
            &[
                "crate::commands",
                "crate::cli",
                "crate::output",
                "crate::engine",
                "crate::experiment",
                "crate::scoring",
            ],
        ),
        (
            "stats",
            &[
                "crate::commands",
                "crate::cli",
                "crate::output",
                "crate::engine",
                "crate::experiment",
                "crate::scoring",
                "crate::model",
            ],
        ),
        (
            "scenario",
            &[
                "crate::commands",
                "crate::cli",
                "crate::output",
                "crate::engine",
                "crate::experiment",
                "crate::scoring",
                "crate::model",
                "crate::stats",
            ],
        ),
    ];
    let mut found = Vec::new();
    for (module, above) in rules {
        found.extend(offenders(module, above));
    }
    assert!(found.is_empty(), "imports against the layers: {found:#?}");
}

#[test]
fn the_model_does_no_io() {
    let found = offenders(
        "model",
        &["std::fs", "std::io", "println!", "eprintln!", "File::"],
    );
    assert!(found.is_empty(), "the model does I/O: {found:#?}");
}

#[test]
fn nothing_prints_to_stdout_with_a_macro_that_panics_on_a_closed_pipe() {
    // Commands write through `commands::Terminal`, whose errors are handled.
    let found: Vec<String> = rust_files(&src())
        .into_iter()
        .filter(|file| {
            let code = code_of(file)
                .replace("eprintln!(", "")
                .replace("eprint!(", "");
            code.contains("println!(") || code.contains("print!(")
        })
        .map(|file| file.display().to_string())
        .collect();
    assert!(found.is_empty(), "print!/println! on stdout: {found:#?}");
}

#[test]
fn the_results_path_calls_no_platform_libm() {
    // `f64::exp`, `ln`, `powf`... call the platform's libm, whose last bits differ between
    // machines; the results path uses `secsim::math` (the libm crate) instead. `sqrt`, `floor`,
    // `round` are exact in IEEE 754 and allowed; charts and printed tables may use std.
    let calls = [
        ".exp()",
        ".ln()",
        ".log(",
        ".log2()",
        ".log10()",
        ".powf(",
        ".exp2()",
        ".exp_m1()",
        ".ln_1p()",
        ".sin()",
        ".cos()",
        ".tan()",
        ".hypot(",
        ".cbrt()",
        ".mul_add(",
        "rand_distr",
    ];
    let mut found = Vec::new();
    for module in ["model", "engine", "stats", "scoring", "calibration"] {
        found.extend(offenders(module, &calls));
    }
    assert!(
        found.is_empty(),
        "platform libm on the results path: {found:#?}"
    );
}
