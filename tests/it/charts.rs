//! What `secsim run` writes besides the tables: `charts/` (one PNG and one SVG per chart, 1200x800,
//! file names `[a-z0-9_-]` only) and `report.html` (one self-contained page), with no system
//! font configuration, for any names a scenario may contain, byte-identical on reruns.
//!
//! PNG files are checked by walking their chunks (signature, IHDR first with the size, CRC of
//! every chunk, IDAT present, IEND last); SVG files by a small well-formedness check (balanced
//! tags, quoted attributes, only known entities) and their root's width and height. No image or
//! XML crate is needed.

use crate::common::{assert_success, files_under, secsim, secsim_command};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use secsim::scenario::{self, OutcomeScale, Scenario, Source, Trigger};

const WIDTH: u32 = 1200;
const HEIGHT: u32 = 800;
/// Metrics recorded (and charted) for every state and every group, as named in file names and
/// titles.
const STATE_METRICS: [&str; 6] = [
    "attacks",
    "fatalities",
    "capacity",
    "control",
    "stability",
    "intelligence",
];
const GROUP_METRICS: [&str; 3] = ["strength", "attacks", "fatalities"];
/// The three result tables, whatever the chart options.
/// Every scenario these tests run has events, so parameters.csv is among the tables.
const TABLES: [&str; 4] = [
    "summary.json",
    "timeseries.csv",
    "outcomes.csv",
    "parameters.csv",
];

fn data(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

fn names_in(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// PNG

/// CRC-32 (ISO 3309, as PNG uses it), bit by bit: slow but short, and the files are small.
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for part in parts {
        for &byte in *part {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
    }
    !crc
}

fn be_u32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes(bytes[..4].try_into().unwrap())
}

/// Width and height of a structurally valid PNG: the signature, IHDR first (13 bytes), every
/// chunk's CRC right, at least one IDAT, IEND last and at the very end of the file.
fn png_size(bytes: &[u8]) -> Result<(u32, u32), String> {
    const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n'];
    if bytes.len() < 8 || bytes[..8] != SIGNATURE {
        return Err("no PNG signature".into());
    }
    let mut position = 8;
    let mut size = None;
    let mut idat = false;
    loop {
        if position + 12 > bytes.len() {
            return Err(format!("truncated chunk header at byte {position}"));
        }
        let length = be_u32(&bytes[position..]) as usize;
        let kind = &bytes[position + 4..position + 8];
        let data_end = position + 8 + length;
        if data_end + 4 > bytes.len() {
            return Err(format!("chunk at byte {position} runs past the end"));
        }
        let data = &bytes[position + 8..data_end];
        let stored_crc = be_u32(&bytes[data_end..]);
        if crc32(&[kind, data]) != stored_crc {
            return Err(format!(
                "bad CRC in chunk {:?} at byte {position}",
                String::from_utf8_lossy(kind)
            ));
        }
        if position == 8 {
            if kind != b"IHDR" || length != 13 {
                return Err("the first chunk is not a 13-byte IHDR".into());
            }
            size = Some((be_u32(data), be_u32(&data[4..])));
        }
        idat |= kind == b"IDAT";
        position = data_end + 4;
        if kind == b"IEND" {
            if position != bytes.len() {
                return Err("bytes after IEND".into());
            }
            break;
        }
    }
    if !idat {
        return Err("no IDAT chunk".into());
    }
    size.ok_or_else(|| "no IHDR".into())
}

// ---------------------------------------------------------------------------------------------
// SVG

/// What the tests need of an SVG document.
#[derive(Debug)]
struct Svg {
    root: String,
    attributes: BTreeMap<String, String>,
    /// The text of each `<text>` element, entities decoded, trimmed.
    texts: Vec<String>,
}

/// Decodes the five XML entities and numeric character references; a bare `&` is an error.
fn xml_unescape(text: &str) -> Result<String, String> {
    let mut decoded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        decoded.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let end = after
            .find(';')
            .ok_or_else(|| format!("bare & in {text:?}"))?;
        let entity = &after[..end];
        let character = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(decimal) = entity.strip_prefix('#') {
                    decimal.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| format!("unknown entity &{entity}; in {text:?}"))?
            }
        };
        decoded.push(character);
        rest = &after[end + 1..];
    }
    decoded.push_str(rest);
    Ok(decoded)
}

fn is_name_char(character: char) -> bool {
    character.is_alphanumeric() || matches!(character, '_' | '-' | ':' | '.')
}

/// A parsed start tag.
struct StartTag<'a> {
    name: String,
    attributes: BTreeMap<String, String>,
    /// `<name ... />`
    closed: bool,
    /// The text after the tag's `>`.
    rest: &'a str,
}

/// Parses a start tag after its `<`.
fn start_tag(text: &str) -> Result<StartTag<'_>, String> {
    let name_end = text.find(|c: char| !is_name_char(c)).unwrap_or(text.len());
    if name_end == 0 {
        return Err(format!(
            "tag without a name: {:?}",
            &text[..text.len().min(40)]
        ));
    }
    let name = text[..name_end].to_owned();
    let mut rest = &text[name_end..];
    let mut attributes = BTreeMap::new();
    loop {
        let trimmed = rest.trim_start();
        for (end, closed) in [("/>", true), (">", false)] {
            if let Some(rest) = trimmed.strip_prefix(end) {
                return Ok(StartTag {
                    name,
                    attributes,
                    closed,
                    rest,
                });
            }
        }
        if trimmed.len() == rest.len() {
            return Err(format!("<{name}>: no space before an attribute"));
        }
        let key_end = trimmed
            .find(|c: char| !is_name_char(c))
            .ok_or_else(|| format!("<{name}>: unterminated tag"))?;
        if key_end == 0 {
            return Err(format!(
                "<{name}>: bad attribute near {:?}",
                &trimmed[..trimmed.len().min(40)]
            ));
        }
        let key = &trimmed[..key_end];
        let after_key = trimmed[key_end..]
            .strip_prefix('=')
            .ok_or_else(|| format!("<{name}>: attribute {key} has no ="))?;
        let quote = after_key
            .chars()
            .next()
            .filter(|&c| c == '"' || c == '\'')
            .ok_or_else(|| format!("<{name}>: attribute {key} is not quoted"))?;
        let value_end = after_key[1..]
            .find(quote)
            .ok_or_else(|| format!("<{name}>: attribute {key} is not closed"))?;
        let raw_value = &after_key[1..1 + value_end];
        if raw_value.contains('<') {
            return Err(format!("<{name}>: attribute {key} contains <"));
        }
        if attributes
            .insert(key.to_owned(), xml_unescape(raw_value)?)
            .is_some()
        {
            return Err(format!("<{name}>: attribute {key} twice"));
        }
        rest = &after_key[1 + value_end + 1..];
    }
}

/// A small well-formedness check of an SVG file: optional XML declaration, one root element,
/// balanced tags, quoted attributes, known entities, nothing but space after the root.
fn parse_svg(text: &str) -> Result<Svg, String> {
    let mut rest = text.trim_start();
    if let Some(after) = rest.strip_prefix("<?xml") {
        rest = after
            .split_once("?>")
            .ok_or("unterminated XML declaration")?
            .1;
    }
    let mut stack: Vec<String> = Vec::new();
    let mut root: Option<(String, BTreeMap<String, String>)> = None;
    let mut texts = Vec::new();
    let mut text_content: Option<String> = None;
    let mut root_closed = false;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->").ok_or("unterminated comment")?.1;
        } else if let Some(after) = rest.strip_prefix("</") {
            let (name, after) = after.split_once('>').ok_or("unterminated end tag")?;
            let name = name.trim_end();
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            if name == "text"
                && let Some(content) = text_content.take()
            {
                texts.push(content.trim().to_owned());
            }
            root_closed = stack.is_empty();
            rest = after;
        } else if let Some(after) = rest.strip_prefix('<') {
            if root_closed {
                return Err("a second root element".into());
            }
            let StartTag {
                name,
                attributes,
                closed,
                rest: after,
            } = start_tag(after)?;
            if root.is_none() {
                root = Some((name.clone(), attributes));
            }
            if name == "text" && !closed {
                text_content = Some(String::new());
            }
            if closed {
                root_closed = stack.is_empty();
            } else {
                stack.push(name);
            }
            rest = after;
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let raw = &rest[..end];
            if stack.is_empty() && !raw.trim().is_empty() {
                return Err(format!("text outside the root element: {raw:?}"));
            }
            let decoded = xml_unescape(raw)?;
            if let Some(content) = text_content.as_mut() {
                content.push_str(&decoded);
            }
            rest = &rest[end..];
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed elements {stack:?}"));
    }
    let (root, attributes) = root.ok_or("no root element")?;
    Ok(Svg {
        root,
        attributes,
        texts,
    })
}

/// Checks one chart's PNG and SVG; `title`, when given, must be the text of one of the SVG's
/// text elements.
fn check_chart_files(charts: &Path, stem: &str, title: Option<&str>) -> Svg {
    let png_path = charts.join(format!("{stem}.png"));
    let png = fs::read(&png_path).unwrap_or_else(|error| panic!("{stem}.png: {error}"));
    assert_eq!(
        png_size(&png).unwrap_or_else(|error| panic!("{stem}.png: {error}")),
        (WIDTH, HEIGHT),
        "{stem}.png size"
    );
    let svg_text = fs::read_to_string(charts.join(format!("{stem}.svg")))
        .unwrap_or_else(|error| panic!("{stem}.svg: {error}"));
    let svg = parse_svg(&svg_text).unwrap_or_else(|error| panic!("{stem}.svg: {error}"));
    assert_eq!(svg.root, "svg", "{stem}.svg root element");
    assert_eq!(
        svg.attributes.get("width").map(String::as_str),
        Some("1200"),
        "{stem}.svg width"
    );
    assert_eq!(
        svg.attributes.get("height").map(String::as_str),
        Some("800"),
        "{stem}.svg height"
    );
    assert_eq!(
        svg.attributes.get("xmlns").map(String::as_str),
        Some("http://www.w3.org/2000/svg"),
        "{stem}.svg namespace"
    );
    if let Some(title) = title {
        assert!(
            svg.texts.iter().any(|text| text == title),
            "{stem}.svg: no text element reads {title:?}; texts: {:?}",
            &svg.texts[..svg.texts.len().min(5)]
        );
    }
    svg
}

// ---------------------------------------------------------------------------------------------
// Expected charts

/// The title of each chart a run of `scenario` draws (as in `output/figures.rs`), in no
/// particular order: a fan chart per state and group metric, a distribution and an exceedance
/// chart per outcome, an event-timing chart per event except those scheduled at a literal month
/// inside the horizon, which fire then in every run (listed, not charted).
fn expected_titles(scenario: &Scenario) -> Vec<String> {
    let name = &scenario.name;
    let readable = |identifier: &str| identifier.replace('_', " ");
    let mut titles = Vec::new();
    for state in &scenario.states {
        for metric in STATE_METRICS {
            titles.push(format!("{name}: {} in {}", readable(metric), state.name));
        }
    }
    for group in &scenario.groups {
        for metric in GROUP_METRICS {
            titles.push(format!("{name}: {} by {}", readable(metric), group.name));
        }
    }
    let mut probabilities = false;
    for outcome in &scenario.outcomes {
        // Yes/no outcomes are drawn as probabilities, in one chart with the events.
        if outcome.kind.scale() == OutcomeScale::YesNo {
            probabilities = true;
            continue;
        }
        let label = readable(&outcome.name);
        titles.push(format!("{name}: distribution of {label}"));
        titles.push(format!("{name}: how likely is {label} to be at least x?"));
    }
    for event in &scenario.events {
        let scheduled = match event.trigger {
            Trigger::At { month } => matches!(
                scenario.slots.sources[month.0 as usize],
                Source::Literal(at) if (at as usize) < scenario.horizon_months
            ),
            _ => false,
        };
        if !scheduled {
            probabilities = true;
            titles.push(format!(
                "{name}: when does {} happen?",
                readable(&event.name)
            ));
        }
    }
    if probabilities {
        titles.push(format!(
            "{name}: how likely is each yes/no outcome and event?"
        ));
    }
    titles
}

/// The first text element of a chart is its title.
fn title_of(svg: &Svg) -> &str {
    svg.texts.first().map_or("", String::as_str)
}

fn is_safe_file_name(name: &str) -> bool {
    let stem = name
        .strip_suffix(".png")
        .or_else(|| name.strip_suffix(".svg"))
        .unwrap_or("");
    !stem.is_empty()
        && stem
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// HTML with its XML entities and numeric references decoded (others, such as `&ndash;`, kept
/// as they are), to look for names the page escapes.
fn html_text(html: &str) -> String {
    let mut decoded = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('&') {
        decoded.push_str(&rest[..at]);
        rest = &rest[at..];
        let entity_end = rest.find(';').filter(|&end| end <= 10);
        match entity_end.map(|end| (end, xml_unescape(&rest[..=end]))) {
            Some((end, Ok(character))) => {
                decoded.push_str(&character);
                rest = &rest[end + 1..];
            }
            _ => {
                decoded.push('&');
                rest = &rest[1..];
            }
        }
    }
    decoded.push_str(rest);
    decoded
}

/// The report is one file that needs nothing else: no scripts, no links, no remote images.
fn assert_self_contained(html: &str) {
    let lower = html.to_ascii_lowercase();
    for forbidden in [
        "<script",
        "<link",
        "<iframe",
        "<img",
        "src=\"http",
        "href=\"http",
        "src='http",
        "href='http",
        "@import",
        "url(",
    ] {
        assert!(
            !lower.contains(forbidden),
            "report.html contains {forbidden:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Tests

/// `tests/data/events.ron`: states Niger and Mali, groups G and H, six outcomes, four events.
#[test]
fn run_writes_a_png_and_an_svg_of_every_chart() {
    let dir = tempfile::tempdir().unwrap();
    let scenario_file = data("events.ron");
    let output = secsim(
        dir.path(),
        &[
            "run",
            path_arg(&scenario_file),
            "--runs",
            "200",
            "--out",
            "out",
        ],
    );
    assert_success(&output);
    let folder = dir.path().join("out");
    assert_eq!(
        names_in(&folder),
        BTreeSet::from(
            [
                "charts",
                "manifest.json",
                "outcomes.csv",
                "parameters.csv",
                "report.html",
                "summary.json",
                "timeseries.csv"
            ]
            .map(String::from)
        )
    );

    let scenario = scenario::load(&scenario_file).unwrap();
    // Stems and titles, written out: these names are plain, so the stem is the lowercase name.
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    for state in ["Niger", "Mali"] {
        for metric in STATE_METRICS {
            expected.insert(
                format!("fan_{metric}_{}", state.to_lowercase()),
                format!("events: {} in {state}", metric.replace('_', " ")),
            );
        }
    }
    for group in ["G", "H"] {
        for metric in GROUP_METRICS {
            expected.insert(
                format!("fan_{metric}_{}", group.to_lowercase()),
                format!("events: {} by {group}", metric.replace('_', " ")),
            );
        }
    }
    // `deployed` is yes/no: drawn as a probability, not as a histogram.
    for outcome in [
        "attacks_niger",
        "attacks_mali",
        "strength_h",
        "mali_over_15",
        "surge_month",
    ] {
        let label = outcome.replace('_', " ");
        expected.insert(
            format!("distribution_{outcome}"),
            format!("events: distribution of {label}"),
        );
        expected.insert(
            format!("exceedance_{outcome}"),
            format!("events: how likely is {label} to be at least x?"),
        );
    }
    // "coup" fires at month 5 in every run: listed in the tables, not charted.
    for event in ["arms_cut", "deploy", "surge"] {
        expected.insert(
            format!("event_{event}"),
            format!("events: when does {} happen?", event.replace('_', " ")),
        );
    }
    expected.insert(
        "probabilities".to_owned(),
        "events: how likely is each yes/no outcome and event?".to_owned(),
    );
    assert_eq!(expected.len(), 2 * 6 + 2 * 3 + 5 * 2 + 3 + 1);
    // The written-out list agrees with the one derived from the scenario.
    assert_eq!(
        expected.values().cloned().collect::<BTreeSet<_>>(),
        expected_titles(&scenario)
            .into_iter()
            .collect::<BTreeSet<_>>()
    );

    let charts = folder.join("charts");
    let expected_files: BTreeSet<String> = expected
        .keys()
        .flat_map(|stem| [format!("{stem}.png"), format!("{stem}.svg")])
        .collect();
    assert_eq!(names_in(&charts), expected_files);
    for (stem, title) in &expected {
        let svg = check_chart_files(&charts, stem, Some(title));
        assert_eq!(title_of(&svg), title, "{stem}.svg: the title comes first");
    }
}

#[test]
fn report_is_one_self_contained_page_with_every_chart_inline() {
    let dir = tempfile::tempdir().unwrap();
    let scenario_file = data("events.ron");
    assert_success(&secsim(
        dir.path(),
        &[
            "run",
            path_arg(&scenario_file),
            "--runs",
            "200",
            "--out",
            "out",
        ],
    ));
    let scenario = scenario::load(&scenario_file).unwrap();
    let html = fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..60]);
    assert!(html.trim_end().ends_with("</html>"));
    assert_self_contained(&html);
    let charts = names_in(&dir.path().join("out/charts")).len() / 2;
    assert_eq!(
        html.matches("<svg").count(),
        charts,
        "every chart inline, once"
    );
    assert!(!html.contains("<?xml"), "no XML declarations inside HTML");
    let text = html_text(&html);
    for title in expected_titles(&scenario) {
        assert!(text.contains(&title), "report lacks the chart {title:?}");
    }
    // events.ron has no description; a scenario with one is checked below.
    for outcome in &scenario.outcomes {
        assert!(
            text.contains(&outcome.name),
            "report lacks {}",
            outcome.name
        );
    }

    let small = data("small.ron");
    assert_success(&secsim(
        dir.path(),
        &["run", path_arg(&small), "--runs", "50", "--out", "small"],
    ));
    let scenario = scenario::load(&small).unwrap();
    let html = fs::read_to_string(dir.path().join("small/report.html")).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("<svg"));
    let text = html_text(&html);
    assert!(!scenario.description.is_empty());
    assert!(
        text.contains(&scenario.description),
        "report lacks the description {:?}",
        scenario.description
    );
    for outcome in &scenario.outcomes {
        assert!(
            text.contains(&outcome.name),
            "report lacks {}",
            outcome.name
        );
    }
}

/// Names with spaces, quotes, slashes, backslashes, `..`, markup and non-ASCII: chart files are
/// still `[a-z0-9_-]` and inside `charts/`; SVG titles and the report escape them.
#[test]
fn hostile_names_never_reach_a_path_and_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    // Deep enough that "../../etc/passwd" from charts/ would still land inside the temp dir,
    // where it would be seen.
    let work = dir.path().join("a/b/c");
    fs::create_dir_all(&work).unwrap();
    let scenario_file = data("compare/hostile_names.ron");
    let scenario = scenario::load(&scenario_file).unwrap();
    assert!(scenario.name.contains('<') && scenario.name.contains('"'));
    assert_success(&secsim(
        &work,
        &[
            "run",
            path_arg(&scenario_file),
            "--runs",
            "100",
            "--out",
            "out",
        ],
    ));

    let all_files = files_under(dir.path());
    for path in all_files.keys() {
        let Ok(inside) = path.strip_prefix("a/b/c/out") else {
            panic!(
                "file written outside the results folder: {}",
                path.display()
            );
        };
        let top = inside.to_str().unwrap();
        if TABLES.contains(&top) || top == "report.html" || top == "manifest.json" {
            continue;
        }
        let name = inside
            .strip_prefix("charts")
            .unwrap_or_else(|_| panic!("unexpected file {}", path.display()))
            .to_str()
            .unwrap();
        assert!(
            !name.contains('/') && is_safe_file_name(name),
            "chart file name {name:?} is not [a-z0-9_-] plus .png/.svg"
        );
    }

    let titles = expected_titles(&scenario);
    let charts = work.join("out/charts");
    let stems: BTreeSet<String> = names_in(&charts)
        .iter()
        .map(|name| name[..name.len() - 4].to_owned())
        .collect();
    assert_eq!(
        names_in(&charts).len(),
        2 * titles.len(),
        "a PNG and an SVG per chart"
    );
    let mut found_titles = BTreeSet::new();
    for stem in &stems {
        let svg = check_chart_files(&charts, stem, None);
        found_titles.insert(title_of(&svg).to_owned());
    }
    assert_eq!(
        found_titles,
        titles.iter().cloned().collect::<BTreeSet<_>>(),
        "each chart's title, with the names exactly as written"
    );

    let html = fs::read_to_string(work.join("out/report.html")).unwrap();
    assert_self_contained(&html);
    assert!(!html.contains("<names>"), "the scenario name is escaped");
    let text = html_text(&html);
    assert!(text.contains(&scenario.description));
    for outcome in &scenario.outcomes {
        assert!(
            text.contains(&outcome.name),
            "report lacks {:?}",
            outcome.name
        );
    }
}

/// Distinct names that sanitise alike ("attacks total", "Attacks_Total"; a state "Mali" and a
/// group "MALI") must not share a chart file: one chart would silently replace the other, and
/// both are written at the same time by different threads.
#[test]
fn every_chart_gets_its_own_file_when_names_sanitise_alike() {
    let dir = tempfile::tempdir().unwrap();
    let scenario_file = data("compare/colliding_names.ron");
    let scenario = scenario::load(&scenario_file).unwrap();
    assert_success(&secsim(
        dir.path(),
        &[
            "run",
            path_arg(&scenario_file),
            "--runs",
            "100",
            "--out",
            "out",
        ],
    ));
    let charts = dir.path().join("out/charts");
    let titles = expected_titles(&scenario);
    let names = names_in(&charts);
    assert!(
        names.iter().all(|name| is_safe_file_name(name)),
        "{names:?}"
    );
    let mut found_titles = BTreeSet::new();
    for name in names.iter().filter(|name| name.ends_with(".svg")) {
        let svg = check_chart_files(&charts, &name[..name.len() - 4], None);
        found_titles.insert(title_of(&svg).to_owned());
    }
    let missing: Vec<&String> = titles
        .iter()
        .filter(|title| !found_titles.contains(*title))
        .collect();
    assert!(
        missing.is_empty() && names.len() == 2 * titles.len(),
        "{} charts drawn but {} chart files (PNG and SVG) written; charts without a file of \
         their own: {missing:?}",
        titles.len(),
        names.len()
    );
}

/// The font is bundled: with no fontconfig, no data folders and an empty home, the charts are
/// written and are the same bytes as with the usual environment.
#[test]
fn charts_render_without_any_font_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    fs::create_dir(&home).unwrap();
    let scenario_file = data("small.ron");
    let args = ["run", path_arg(&scenario_file), "--runs", "50"];
    let output = secsim_command(dir.path(), &args)
        .args(["--out", "bare"])
        .env_clear()
        .env("FONTCONFIG_FILE", "/nonexistent")
        .env("FONTCONFIG_PATH", "/nonexistent")
        .env("XDG_DATA_DIRS", "/nonexistent")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("HOME", &home)
        .output()
        .expect("cannot start secsim");
    assert_success(&output);
    assert_eq!(
        fs::read_dir(&home).unwrap().count(),
        0,
        "nothing written to the home folder (no font cache)"
    );
    let bare = dir.path().join("bare");
    let bare_charts = names_in(&bare.join("charts"));
    // small.ron: one state, one group, six outcomes (one yes/no, drawn with the events as
    // probabilities), two events, of which one (arms_cut, at month 6) is certain and so
    // listed, not charted.
    assert_eq!(bare_charts.len(), 2 * (6 + 3 + 5 * 2 + 1 + 1));
    for name in bare_charts.iter().filter(|name| name.ends_with(".svg")) {
        check_chart_files(&bare.join("charts"), &name[..name.len() - 4], None);
    }
    assert!(bare.join("report.html").is_file());

    assert_success(&secsim(
        dir.path(),
        &[&args[..], &["--out", "usual"]].concat(),
    ));
    assert!(
        files_under(&bare) == files_under(&dir.path().join("usual")),
        "charts or report differ with and without a font configuration"
    );
}

#[test]
fn no_charts_writes_neither_charts_nor_report() {
    let dir = tempfile::tempdir().unwrap();
    let scenario_file = data("events.ron");
    assert_success(&secsim(
        dir.path(),
        &[
            "run",
            path_arg(&scenario_file),
            "--runs",
            "100",
            "--out",
            "out",
            "--no-charts",
        ],
    ));
    assert_eq!(
        names_in(&dir.path().join("out")),
        BTreeSet::from(TABLES.map(String::from))
            .into_iter()
            .chain(["manifest.json".to_owned()])
            .collect::<BTreeSet<_>>()
    );
    assert_eq!(names_in(dir.path()), BTreeSet::from(["out".to_owned()]));
}

/// With charts on, every file (tables, PNG, SVG, report) is the same bytes for one thread and
/// for two, and the tables are the ones a `--no-charts` run writes.
#[test]
fn reruns_with_charts_are_byte_identical_whatever_the_threads() {
    let dir = tempfile::tempdir().unwrap();
    let scenario_file = data("events.ron");
    let run = |out: &str, extra: &[&str]| {
        let args = [
            &[
                "run",
                path_arg(&scenario_file),
                "--runs",
                "300",
                "--out",
                out,
            ][..],
            extra,
        ]
        .concat();
        secsim_command(dir.path(), &args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start secsim")
    };
    let children = [
        run("one", &["--threads", "1"]),
        run("two", &["--threads", "2"]),
        run("tables", &["--threads", "2", "--no-charts"]),
    ];
    for child in children {
        assert_success(&child.wait_with_output().unwrap());
    }
    let one = files_under(&dir.path().join("one"));
    let two = files_under(&dir.path().join("two"));
    let tables = files_under(&dir.path().join("tables"));
    assert_eq!(
        one.keys().collect::<Vec<_>>(),
        two.keys().collect::<Vec<_>>()
    );
    let differing: Vec<&PathBuf> = one
        .iter()
        .filter(|(path, bytes)| two.get(*path) != Some(bytes))
        .map(|(path, _)| path)
        .collect();
    let (svg, other): (Vec<&PathBuf>, Vec<&PathBuf>) = differing
        .into_iter()
        .partition(|path| path.extension().is_some_and(|ext| ext == "svg"));
    assert!(svg.is_empty(), "SVG files differ between reruns: {svg:?}");
    assert!(other.is_empty(), "files differ between reruns: {other:?}");
    assert!(one.keys().any(|path| path.starts_with("charts")));
    for table in TABLES {
        let path = PathBuf::from(table);
        assert!(one[&path] == tables[&path], "{table}: charts changed it");
    }
}

/// The checkers above reject what they should, so the tests that use them mean something.
#[test]
fn png_and_svg_checks_reject_broken_files() {
    // The CRC of an empty IEND chunk, as every PNG ends with it.
    assert_eq!(crc32(&[b"IEND", b""]), 0xAE42_6082);
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut bytes = (data.len() as u32).to_be_bytes().to_vec();
        bytes.extend_from_slice(kind);
        bytes.extend_from_slice(data);
        bytes.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
        bytes
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&WIDTH.to_be_bytes());
    ihdr.extend_from_slice(&HEIGHT.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = vec![0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n'];
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(b"IDAT", b"not inflated here"));
    png.extend(chunk(b"IEND", b""));
    assert_eq!(png_size(&png), Ok((WIDTH, HEIGHT)));
    let mut flipped = png.clone();
    flipped[40] ^= 1;
    assert!(png_size(&flipped).is_err(), "a changed byte breaks a CRC");
    assert!(png_size(&png[..png.len() - 1]).is_err(), "truncated");
    assert!(png_size(&png[1..]).is_err(), "no signature");

    let good = "<?xml version=\"1.0\"?>\n<svg width=\"1200\" height='800'><g><text x=\"1\">\n\
                a &amp; b &lt;c&gt; &#233;&#x41;\n</text><rect/></g></svg>\n";
    let svg = parse_svg(good).unwrap();
    assert_eq!(svg.root, "svg");
    assert_eq!(svg.attributes["height"], "800");
    assert_eq!(svg.texts, ["a & b <c> éA"]);
    for bad in [
        "<svg><text>a & b</text></svg>",
        "<svg><text>a</svg></text>",
        "<svg><g></svg>",
        "<svg width=1200></svg>",
        "<svg width=\"1\" width=\"2\"></svg>",
        "<svg></svg><svg></svg>",
        "<svg></svg>text",
        "<svg><text>&nbsp;</text></svg>",
    ] {
        assert!(parse_svg(bad).is_err(), "accepted {bad:?}");
    }
    assert_eq!(
        html_text("a &amp; &ndash; &#39;b&#39; & c"),
        "a & &ndash; 'b' & c"
    );
}

/// Labels and units a scenario gives outcomes, events and metrics are what charts and the
/// report show; identifiers without one read as words. A label that is not plain text is
/// refused at its path.
#[test]
fn labels_and_units_given_by_the_scenario_name_the_charts_and_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(data("small.ron"))
        .unwrap()
        .replace(
            r#"Sum(name: "attacks_total", metric: attacks, actor: "Niger"),"#,
            r#"Sum(name: "attacks_total", metric: attacks, actor: "Niger", label: "Attacks in Niger over the horizon", unit: "ACLED events"),"#,
        )
        .replace(
            r#"Event(name: "maybe_shock","#,
            r#"Event(name: "maybe_shock", label: "A sudden loss of control","#,
        )
        .replace(
            "    outcomes: [",
            r#"    metrics: [MetricLabel(metric: attacks, label: "violent events", unit: "ACLED events a month")],
    outcomes: ["#,
        );
    let file = dir.path().join("labelled.ron");
    fs::write(&file, &text).unwrap();
    assert_success(&secsim(
        dir.path(),
        &["run", path_arg(&file), "--runs", "50", "--out", "out"],
    ));
    let charts = dir.path().join("out/charts");
    let distribution = check_chart_files(&charts, "distribution_attacks_total", None);
    assert_eq!(
        title_of(&distribution),
        "small: distribution of Attacks in Niger over the horizon"
    );
    assert!(
        distribution
            .texts
            .iter()
            .any(|text| text == "Attacks in Niger over the horizon (ACLED events)"),
        "{:?}",
        distribution.texts
    );
    let fan = check_chart_files(&charts, "fan_attacks_niger", None);
    assert_eq!(title_of(&fan), "small: violent events in Niger");
    assert!(
        fan.texts
            .iter()
            .any(|text| text == "violent events (ACLED events a month)")
    );
    let event = check_chart_files(&charts, "event_maybe_shock", None);
    assert_eq!(
        title_of(&event),
        "small: when does A sudden loss of control happen?"
    );
    let report = html_text(&fs::read_to_string(dir.path().join("out/report.html")).unwrap());
    // The findings name each outcome and event in bold, by its label.
    assert!(
        report.contains("<b>Attacks in Niger over the horizon</b>: "),
        "{report}"
    );
    assert!(
        report.contains("<b>A sudden loss of control</b> happens in"),
        "{report}"
    );
    // Without a label, the identifier reads as words.
    assert!(report.contains("<b>control final</b>: "), "{report}");

    let bad = text.replace(
        r#"label: "A sudden loss of control""#,
        "label: \"two\\nlines\"",
    );
    fs::write(&file, bad).unwrap();
    let output = secsim(
        dir.path(),
        &["run", path_arg(&file), "--runs", "50", "--out", "bad"],
    );
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains(r#"events["maybe_shock"].label"#)
            && message.contains("control characters"),
        "{message}"
    );
    assert!(!dir.path().join("bad").exists(), "no partial output");
}
