//! `secsim discover --method cart`'s files and printout: `boxes.csv` (every leaf of the tree as
//! a box, one row per box and dimension, boxes by density then mass) and the table of the
//! leaves of interest with a sentence in plain words for the box reported.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use crate::experiment::cart::{CartBox, Tree};
use crate::experiment::prim::Limits;
use crate::output::discovery::{self, BOXES_FILE, BoxInWords, readable};
use crate::output::{OutputError, format_number};

/// `boxes.csv`'s header for CART: PRIM's (`discovery::BOXES_HEADER`) with `box` (the box's
/// rank by density, then mass, from 1) in place of `step`. One row per box and dimension.
pub const CART_BOXES_HEADER: [&str; 13] = [
    "box",
    "dimension",
    "restricted",
    "lower",
    "upper",
    "quasi_p_lower",
    "quasi_p_upper",
    "full_lower",
    "full_upper",
    "coverage",
    "density",
    "mass",
    "runs",
];

/// Most boxes the printout lists (a tree grown with a small `--min-mass` can have hundreds of
/// pure leaves); `boxes.csv` has them all.
pub const MAX_LISTED: usize = 10;

/// What CART found, as the writers need it.
pub struct CartResult<'a> {
    /// The dimensions' names, in column order.
    pub names: &'a [String],
    /// The tree and its boxes.
    pub tree: &'a Tree,
    /// Density a box needs to be listed among the leaves of interest (`--threshold`).
    pub threshold: f64,
    /// Rank of the box the sentence describes (1 = the densest).
    pub reported: usize,
    /// Whether `reported` was chosen with `--box` rather than being the densest.
    pub selected: bool,
    /// The cases of interest in words, such as `attacks_total above 8000`.
    pub case: &'a str,
}

/// Writes `boxes.csv` into `folder`.
pub fn write_files(folder: &Path, result: &CartResult) -> Result<(), OutputError> {
    let path = folder.join(BOXES_FILE);
    let file = std::fs::File::create(&path).map_err(OutputError::io(&path, "cannot create"))?;
    let mut csv = csv::Writer::from_writer(file);
    write_boxes(result, &mut csv)?;
    csv.flush().map_err(OutputError::io(&path, "cannot write"))
}

fn write_boxes<W: Write>(result: &CartResult, csv: &mut csv::Writer<W>) -> Result<(), OutputError> {
    csv.write_record(CART_BOXES_HEADER)?;
    for (rank, leaf) in result.tree.by_density().into_iter().enumerate() {
        for (dimension, (limits, full)) in
            leaf.limits.iter().zip(&result.tree.full_range).enumerate()
        {
            let quasi_p = leaf
                .quasi_p_values
                .iter()
                .find(|quasi_p| quasi_p.dimension == dimension);
            csv.write_record([
                (rank + 1).to_string(),
                result.names[dimension].clone(),
                u8::from(leaf.restricted.contains(&dimension)).to_string(),
                format_number(Some(limits.lower)),
                format_number(Some(limits.upper)),
                format_number(quasi_p.and_then(|quasi_p| quasi_p.lower)),
                format_number(quasi_p.and_then(|quasi_p| quasi_p.upper)),
                format_number(Some(full.lower)),
                format_number(Some(full.upper)),
                format_number(Some(leaf.coverage)),
                format_number(Some(leaf.density)),
                format_number(Some(leaf.mass)),
                leaf.n_rows.to_string(),
            ])?;
        }
    }
    Ok(())
}

fn in_words<'a>(
    names: &'a [String],
    leaf: &'a CartBox,
    full_range: &'a [Limits],
) -> BoxInWords<'a> {
    BoxInWords {
        names,
        restricted: &leaf.restricted,
        limits: &leaf.limits,
        full_range,
        coverage: leaf.coverage,
        density: leaf.density,
        mass: leaf.mass,
    }
}

/// A box's restricted limits in words, as PRIM's sentence words them
/// (`discovery::conditions`): `x is below 0.3`, `coup fired` for a 0/1 `<event>_fired` column.
pub fn conditions(names: &[String], leaf: &CartBox, full_range: &[Limits]) -> Vec<String> {
    discovery::conditions(&in_words(names, leaf, full_range), false)
}

/// The sentence in plain words for one box, in `discovery::sentence`'s wording.
pub fn sentence(names: &[String], leaf: &CartBox, full_range: &[Limits], case: &str) -> String {
    discovery::box_sentence(
        &in_words(names, leaf, full_range),
        case,
        false,
        "the tree does not split them",
    )
}

/// The printout: the tree's size, the boxes whose density reaches the threshold (the densest
/// one when none does; at most [`MAX_LISTED`], and the box reported) with their conditions,
/// and the sentence for the box reported.
pub fn render(result: &CartResult) -> String {
    let boxes = result.tree.by_density();
    let mut text = String::new();
    let _ = writeln!(
        text,
        "CART: {} leaves of at least {} runs each; boxes by density, then mass",
        boxes.len(),
        result.tree.min_samples_leaf
    );
    let of_interest = |rank: usize| boxes[rank].density >= result.threshold;
    let mut listed: Vec<usize> = (0..boxes.len()).filter(|&rank| of_interest(rank)).collect();
    let n_of_interest = listed.len();
    if listed.is_empty() {
        let _ = writeln!(
            text,
            "no leaf reaches density {}; the densest:",
            readable(result.threshold)
        );
        listed.push(0);
    }
    listed.truncate(MAX_LISTED);
    if !listed.contains(&(result.reported - 1)) {
        listed.push(result.reported - 1);
    }
    let more = n_of_interest - listed.iter().filter(|&&rank| of_interest(rank)).count();
    let _ = writeln!(
        text,
        "\n{:>4}  {:>8}  {:>7}  {:>6}  {:>6}  where",
        "box", "coverage", "density", "mass", "runs"
    );
    for rank in listed {
        let leaf = boxes[rank];
        let conditions = conditions(result.names, leaf, &result.tree.full_range);
        let _ = writeln!(
            text,
            "{:>4}  {:>8}  {:>7}  {:>6}  {:>6}  {}",
            rank + 1,
            readable(leaf.coverage),
            readable(leaf.density),
            readable(leaf.mass),
            leaf.n_rows,
            if conditions.is_empty() {
                "all runs".to_owned()
            } else {
                conditions.join(", ")
            }
        );
    }
    if more > 0 {
        let _ = writeln!(text, "({more} more in boxes.csv)");
    }
    let how = if result.selected {
        "selected with --box"
    } else {
        "the densest"
    };
    let leaf = boxes[result.reported - 1];
    let _ = writeln!(
        text,
        "\nbox {} ({how}): {}",
        result.reported,
        sentence(result.names, leaf, &result.tree.full_range, result.case)
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::cart::build_tree;
    use crate::experiment::prim::PrimData;
    use crate::output::discovery::BOXES_HEADER;

    #[test]
    fn the_header_is_prims_with_box_for_step() {
        assert_eq!(CART_BOXES_HEADER[0], "box");
        assert_eq!(CART_BOXES_HEADER[1..], BOXES_HEADER[1..]);
    }

    /// x below 0.3 and the event not fired make the cases; the sentence names both, and
    /// boxes.csv has a row per box and dimension, ranked by density.
    #[test]
    fn the_sentence_and_the_rows_name_the_densest_box() {
        let x: Vec<f64> = (0..200).map(|row| f64::from(row % 100) / 100.0).collect();
        let fired: Vec<f64> = (0..200)
            .map(|row| f64::from(u8::from(row >= 100)))
            .collect();
        let y: Vec<bool> = x
            .iter()
            .zip(&fired)
            .map(|(&x, &fired)| x < 0.3 && fired == 0.0)
            .collect();
        let names = vec!["share".to_owned(), "coup_fired".to_owned()];
        let data = PrimData::new(names.clone(), vec![x, fired], y).unwrap();
        let tree = build_tree(&data, 0.05).unwrap();
        let result = CartResult {
            names: &names,
            tree: &tree,
            threshold: 0.8,
            reported: 1,
            selected: false,
            case: "attacks_total above 8000",
        };
        let densest = tree.by_density()[0];
        assert_eq!(
            sentence(&names, densest, &tree.full_range, result.case),
            "attacks_total above 8000 in 100% of the runs where share is below 0.295 and coup \
             did not fire: they hold 100% of all runs with attacks_total above 8000 (coverage) \
             and are 15% of all runs (mass)"
        );
        let mut csv = csv::Writer::from_writer(Vec::new());
        write_boxes(&result, &mut csv).unwrap();
        let text = String::from_utf8(csv.into_inner().unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1 + 2 * tree.boxes.len());
        assert!(lines[1].starts_with("1,share,1,0,0.29"), "{}", lines[1]);
        assert!(
            lines[2].starts_with("1,coup_fired,1,0,0.5,"),
            "{}",
            lines[2]
        );
        assert!(render(&result).contains("box 1 (the densest): attacks_total above 8000 in 100%"));
    }

    /// With a leaf per row, 100 leaves are pure cases: the printout lists the first
    /// [`MAX_LISTED`] and the box asked for, and counts the others.
    #[test]
    fn the_printout_lists_at_most_max_listed_boxes_and_the_one_reported() {
        let x: Vec<f64> = (0..200).map(f64::from).collect();
        let y: Vec<bool> = (0..200).map(|row| row % 2 == 0).collect();
        let names = vec!["x".to_owned()];
        let tree = build_tree(&PrimData::new(names.clone(), vec![x], y).unwrap(), 0.0).unwrap();
        assert_eq!(tree.boxes.len(), 200);
        let result = CartResult {
            names: &names,
            tree: &tree,
            threshold: 0.8,
            reported: 50,
            selected: true,
            case: "y",
        };
        let text = render(&result);
        let rows: Vec<&str> = text
            .lines()
            .filter(|line| line.contains(" 1  ") && line.contains("x is"))
            .collect();
        assert_eq!(rows.len(), MAX_LISTED + 1, "{text}");
        assert!(rows[MAX_LISTED].trim_start().starts_with("50 "), "{text}");
        assert!(text.contains(&format!("({} more in boxes.csv)", 100 - MAX_LISTED - 1)));
        assert!(text.contains("box 50 (selected with --box): y in 100% of the runs where x is"));
    }
}
