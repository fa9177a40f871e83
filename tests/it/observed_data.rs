//! `data/observed/`: the ACLED series of every country in `data/acled_*.csv`, one file per
//! country in the tidy format `secsim score` reads (`metric,actor,date,value`). This test makes
//! them from the ACLED file and fails if the committed files differ, so the two cannot drift
//! apart. After a deliberate change to the ACLED file (or to the conversion), rewrite them:
//!
//! ```text
//! SECSIM_UPDATE_OBSERVED=1 cargo test --release --test it observed_data::
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

const SOURCE: &str = "data/acled_political_violence_monthly_2021_2023-07.csv";

/// ACLED column -> metric: events are `attacks` and deaths `fatalities`, as the model names
/// them; the per-type columns keep ACLED's names (`battles`, `battles_fatalities`, ...).
const METRICS: [(&str, &str); 8] = [
    ("events", "attacks"),
    ("fatalities", "fatalities"),
    ("battles_events", "battles"),
    ("battles_fatalities", "battles_fatalities"),
    ("remote_violence_events", "remote_violence"),
    ("remote_violence_fatalities", "remote_violence_fatalities"),
    (
        "violence_against_civilians_events",
        "violence_against_civilians",
    ),
    (
        "violence_against_civilians_fatalities",
        "violence_against_civilians_fatalities",
    ),
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The file name of a country's series: `Burkina Faso` -> `burkina_faso.csv`.
fn file_name(country: &str) -> String {
    format!("{}.csv", country.to_lowercase().replace(' ', "_"))
}

/// Every country's file, made from the ACLED file: rows by metric (in [`METRICS`] order), then
/// date.
fn made_from_acled() -> BTreeMap<String, String> {
    let mut reader = csv::Reader::from_path(repo().join(SOURCE)).unwrap();
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|field| field == name).unwrap();
    let (country_column, month_column) = (column("country"), column("month"));
    let mut rows: BTreeMap<String, Vec<csv::StringRecord>> = BTreeMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        rows.entry(record[country_column].to_owned())
            .or_default()
            .push(record);
    }
    rows.into_iter()
        .map(|(country, mut records)| {
            records.sort_by(|a, b| a[month_column].cmp(&b[month_column]));
            let mut text = String::from("metric,actor,date,value\n");
            for (acled, metric) in METRICS {
                let value_column = column(acled);
                for record in &records {
                    let value = &record[value_column];
                    assert!(value.parse::<u64>().is_ok(), "{country} {acled}: {value:?}");
                    text.push_str(&format!(
                        "{metric},{country},{},{value}\n",
                        &record[month_column]
                    ));
                }
            }
            (file_name(&country), text)
        })
        .collect()
}

#[test]
fn observed_files_are_made_from_the_acled_file() {
    let folder = repo().join("data/observed");
    let made = made_from_acled();
    assert_eq!(made.len(), 5, "five countries: {:?}", made.keys());
    if std::env::var_os("SECSIM_UPDATE_OBSERVED").is_some_and(|value| value == "1") {
        fs::create_dir_all(&folder).unwrap();
        for (name, text) in &made {
            fs::write(folder.join(name), text).unwrap();
        }
    }
    let mut committed: Vec<String> = fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".csv"))
        .collect();
    committed.sort();
    assert_eq!(
        committed,
        made.keys().cloned().collect::<Vec<_>>(),
        "data/observed/ must hold one file per country of {SOURCE}"
    );
    for (name, text) in &made {
        let on_disk = fs::read_to_string(folder.join(name)).unwrap();
        assert!(
            on_disk == *text,
            "data/observed/{name} differs from what {SOURCE} gives; if the change is \
             deliberate: SECSIM_UPDATE_OBSERVED=1 cargo test --release --test it observed_data::"
        );
    }
}
