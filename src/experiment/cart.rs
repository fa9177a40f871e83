//! Scenario discovery with a classification tree (CART; Breiman, Friedman, Olshen & Stone 1984),
//! the alternative to PRIM that the scenario discovery literature compares it with (Lempert,
//! Bryant & Bankes 2008), as EMA Workbench's `ema_workbench.analysis.cart.CART` builds it
//! (checked against version 2.5.3 with scikit-learn 1.9.1: `tests/cart/make_fixtures.py` makes
//! the fixtures the tests compare with).
//!
//! EMA's CART fits scikit-learn's `DecisionTreeClassifier(min_samples_leaf=int(mass_min * N))`
//! on the table PRIM reads ([`PrimData`]) and turns every leaf into a box: the data's full
//! range narrowed by each split on the way from the root. [`build_tree`] grows the same tree and
//! computes the same boxes and statistics.
//!
//! ```
//! use secsim::experiment::cart::build_tree;
//! use secsim::experiment::prim::PrimData;
//!
//! // 400 rows on a grid; the cases of interest are x > 0.7.
//! let x: Vec<f64> = (0..400).map(|row| f64::from(row) / 400.0).collect();
//! let y: Vec<bool> = x.iter().map(|&value| value > 0.7).collect();
//! let data = PrimData::new(vec!["x".into()], vec![x], y)?;
//! let tree = build_tree(&data, 0.05)?;
//! let densest = tree.by_density()[0];
//! assert_eq!(densest.density, 1.0);
//! assert!(densest.limits[0].lower > 0.7 && densest.limits[0].lower < 0.7025);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The tree (scikit-learn's `BestSplitter`, `Gini`, `DepthFirstTreeBuilder`)
//!
//! - **Inputs as 32-bit floats.** scikit-learn converts every input to `float32` before it
//!   fits, so the tree sorts, compares and cuts the values rounded to `f32`; so does this
//!   module, which is what makes the thresholds equal scikit-learn's to the last bit. Two
//!   sorted values count as one when the larger is at most the smaller plus 1e-7 (computed in
//!   `f32`: `FEATURE_THRESHOLD`); a column whose node values all do is not split.
//! - **Gini impurity** of a node with n rows of which k are cases of interest:
//!   1 - ((n - k)² + k²) / n². A node is a leaf when it is pure (impurity at most `f64`'s
//!   epsilon), when it has fewer than 2 · min_samples_leaf rows, or when no split leaves
//!   min_samples_leaf rows on each side.
//! - **Splits.** For each column, between each pair of consecutive distinct sorted values, a
//!   candidate sends the rows at or below the threshold (the midpoint, `a / 2 + b / 2` in
//!   `f64`) left and the rest right. Its score is scikit-learn's proxy,
//!   -n_right · gini_right - n_left · gini_left, in the same float operations; the highest
//!   wins, the first in value order within a column. A split is taken even when it improves
//!   nothing (scikit-learn's `min_impurity_decrease = 0`), so a node is split until it is pure
//!   or too small.
//! - **Ties between columns.** scikit-learn visits the columns in a random order (EMA sets no
//!   `random_state`) and keeps the first of equal scores, so a tie makes its tree depend on the
//!   seed. Here the first column wins, always. The fixtures avoid ties: the script fits each
//!   data set with 50 seeds and requires the same tree every time.
//! - **Node order.** Depth first, left child first (scikit-learn's node ids); [`Tree::boxes`]
//!   are in that order, as EMA's `CART.boxes` are.
//! - min_samples_leaf = ⌊min_mass · N⌋ (EMA's `int(mass_min * n)`), at least 1 (scikit-learn
//!   refuses 0, which EMA would pass for fewer than 1 / min_mass rows).
//!
//! # The boxes (EMA's `CART.boxes` and `CART.stats`)
//!
//! Each leaf's box starts as the data's full range (each column's minimum and maximum, in
//! `f64`, `_make_box`); each split on the path from the root sets the upper limit to the
//! threshold on the left and the lower limit on the right. A row is in a box when
//! lower <= x <= upper in every column (`_in_box`, on the `f64` values), so with n rows in the
//! box, k of them cases of interest, T cases in all and N rows in all: coverage = k / T,
//! density = k / n, mass = n / N, and a column is restricted when a limit differs from the full
//! range's. The box's rows are the leaf's rows unless a value sits within an `f32` rounding of a
//! threshold; [`CartBox`] keeps both counts. Each restricted limit also gets PRIM's
//! quasi-p-value (Bryant & Lempert 2010, `experiment::prim`'s function): drop that limit back to
//! the full range, p = the share of cases of interest in the widened box, and the value is
//! P(X >= k) for X ~ Binomial(n, p). EMA's CART computes none; they tell which cuts matter.
//!
//! # What is left out
//!
//! EMA's regression and multi-class modes and its categorical columns (dummy variables): the
//! outcome here is a yes/no case of interest and every column is numeric.
//!
//! Invariants: pure and single-threaded; the result depends only on the data and min_mass;
//! every float operation that decides the tree follows scikit-learn's order, so the tree,
//! limits and statistics match EMA's exactly on the fixtures.

use crate::experiment::prim::{Limits, PrimData, QuasiP, binomial_upper_tail};

/// scikit-learn's `FEATURE_THRESHOLD` (`_partitioner.pxd`): sorted `f32` values closer than
/// this are one value.
pub const FEATURE_THRESHOLD: f32 = 1e-7;

/// A problem with CART's data or settings.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CartError {
    /// `min_mass` outside [0, 1].
    #[error("min_mass is {0}, but must be in [0, 1]")]
    MinMass(f64),
    /// A value beyond the 32-bit float range scikit-learn's trees work in.
    #[error(
        "column `{column}` row {row} is {value}, beyond the 32-bit float range (about 3.4e38) CART works in"
    )]
    TooLarge {
        /// The column's name.
        column: String,
        /// The row, counted from 0.
        row: usize,
        /// The value.
        value: f64,
    },
}

/// A node of the tree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Node {
    /// Rows with `x[dimension] <= threshold` (as `f32`) go to `left`, the others to `right`.
    Split {
        /// The column split on.
        dimension: usize,
        /// The threshold: a midpoint between two `f32` values, in `f64`.
        threshold: f64,
        /// The left child's node id.
        left: usize,
        /// The right child's node id.
        right: usize,
    },
    /// A terminal node.
    Leaf {
        /// Rows the tree put in the leaf.
        rows: usize,
        /// Cases of interest among them.
        of_interest: usize,
    },
}

/// A leaf as a box, with EMA's statistics (`CART.boxes` and `CART.stats`).
#[derive(Debug, Clone, PartialEq)]
pub struct CartBox {
    /// The leaf's node id in the tree.
    pub node: usize,
    /// Share of all cases of interest inside the box: k / T.
    pub coverage: f64,
    /// Share of the box's rows that are cases of interest: k / n (0 for an empty box).
    pub density: f64,
    /// Share of all rows inside the box: n / N.
    pub mass: f64,
    /// Rows inside the box (n), counted on the `f64` values as EMA's `stats` counts them.
    pub n_rows: usize,
    /// Cases of interest inside the box (k).
    pub n_of_interest: usize,
    /// Rows the tree itself put in the leaf (on the `f32` values).
    pub leaf_rows: usize,
    /// Cases of interest among them.
    pub leaf_of_interest: usize,
    /// The box's limits, one per column.
    pub limits: Vec<Limits>,
    /// Restricted dimensions (column indices, ascending).
    pub restricted: Vec<usize>,
    /// Quasi-p-values of the restricted dimensions, in the order of `restricted`.
    pub quasi_p_values: Vec<QuasiP>,
}

/// The fitted tree and its leaves as boxes.
#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    /// Fewest rows a leaf may hold.
    pub min_samples_leaf: usize,
    /// The nodes by id: depth first, left child first; node 0 is the root.
    pub nodes: Vec<Node>,
    /// Each column's minimum and maximum: the box every leaf's box starts from.
    pub full_range: Vec<Limits>,
    /// One box per leaf, in node id order.
    pub boxes: Vec<CartBox>,
}

impl Tree {
    /// The boxes by density, then mass, both descending; equal ones in node order.
    pub fn by_density(&self) -> Vec<&CartBox> {
        let mut boxes: Vec<&CartBox> = self.boxes.iter().collect();
        boxes.sort_by(|a, b| {
            b.density
                .total_cmp(&a.density)
                .then(b.mass.total_cmp(&a.mass))
        });
        boxes
    }
}

/// EMA's `int(mass_min * n)`, at least 1.
pub fn min_samples_leaf(min_mass: f64, n_rows: usize) -> usize {
    // `as` truncates toward zero, as Python's int() does.
    ((min_mass * n_rows as f64) as usize).max(1)
}

/// Grows the tree on all rows and turns its leaves into boxes.
pub fn build_tree(data: &PrimData, min_mass: f64) -> Result<Tree, CartError> {
    if !(0.0..=1.0).contains(&min_mass) {
        return Err(CartError::MinMass(min_mass));
    }
    let mut values = Vec::with_capacity(data.columns().len());
    for (name, column) in data.names().iter().zip(data.columns()) {
        let mut rounded = Vec::with_capacity(column.len());
        for (row, &value) in column.iter().enumerate() {
            // Rounds to nearest, ties to even, as numpy's astype(float32).
            let single = value as f32;
            if !single.is_finite() {
                return Err(CartError::TooLarge {
                    column: name.clone(),
                    row,
                    value,
                });
            }
            rounded.push(single);
        }
        values.push(rounded);
    }
    let grower = Grower {
        values,
        of_interest: data.of_interest(),
        min_samples_leaf: min_samples_leaf(min_mass, data.n_rows()),
        n_all: data.n_rows() as f64,
    };
    let (nodes, parents) = grower.grow();
    let full_range: Vec<Limits> = data
        .columns()
        .iter()
        .map(|column| Limits {
            lower: column.iter().copied().fold(f64::INFINITY, f64::min),
            upper: column.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
        .collect();
    let boxes = nodes
        .iter()
        .enumerate()
        .filter_map(|(id, node)| match *node {
            Node::Leaf { rows, of_interest } => Some((id, rows, of_interest)),
            Node::Split { .. } => None,
        })
        .map(|(id, rows, of_interest)| {
            let limits = leaf_limits(&nodes, &parents, id, &full_range);
            leaf_box(data, &full_range, id, rows, of_interest, limits)
        })
        .collect();
    Ok(Tree {
        min_samples_leaf: grower.min_samples_leaf,
        nodes,
        full_range,
        boxes,
    })
}

/// The full range narrowed by every split from the root to `leaf` (EMA's `boxes`: the
/// lineage reversed, so deeper splits overwrite shallower ones).
fn leaf_limits(
    nodes: &[Node],
    parents: &[Option<(usize, bool)>],
    leaf: usize,
    full_range: &[Limits],
) -> Vec<Limits> {
    let mut path = Vec::new();
    let mut node = leaf;
    while let Some((parent, is_left)) = parents[node] {
        path.push((parent, is_left));
        node = parent;
    }
    let mut limits = full_range.to_vec();
    for &(parent, is_left) in path.iter().rev() {
        if let Node::Split {
            dimension,
            threshold,
            ..
        } = nodes[parent]
        {
            if is_left {
                limits[dimension].upper = threshold;
            } else {
                limits[dimension].lower = threshold;
            }
        }
    }
    limits
}

/// Rows whose `f64` values lie within `limits` in every column, both ends included.
fn rows_in(data: &PrimData, limits: &[Limits]) -> Vec<usize> {
    (0..data.n_rows())
        .filter(|&row| {
            data.columns()
                .iter()
                .zip(limits)
                .all(|(column, limits)| limits.lower <= column[row] && column[row] <= limits.upper)
        })
        .collect()
}

fn count_of_interest(data: &PrimData, rows: &[usize]) -> usize {
    rows.iter().filter(|&&row| data.of_interest()[row]).count()
}

fn leaf_box(
    data: &PrimData,
    full_range: &[Limits],
    node: usize,
    leaf_rows: usize,
    leaf_of_interest: usize,
    limits: Vec<Limits>,
) -> CartBox {
    let inside = rows_in(data, &limits);
    let (n_rows, n_of_interest) = (inside.len(), count_of_interest(data, &inside));
    let restricted: Vec<usize> = (0..limits.len())
        .filter(|&dimension| limits[dimension] != full_range[dimension])
        .collect();
    let quasi_p_values = restricted
        .iter()
        .map(|&dimension| {
            let widened = |lower_side: bool| {
                let mut widened = limits.clone();
                if lower_side {
                    widened[dimension].lower = full_range[dimension].lower;
                } else {
                    widened[dimension].upper = full_range[dimension].upper;
                }
                let rows = rows_in(data, &widened);
                let share = count_of_interest(data, &rows) as f64 / rows.len() as f64;
                binomial_upper_tail(n_of_interest, n_rows, share)
            };
            QuasiP {
                dimension,
                lower: (limits[dimension].lower != full_range[dimension].lower)
                    .then(|| widened(true)),
                upper: (limits[dimension].upper != full_range[dimension].upper)
                    .then(|| widened(false)),
            }
        })
        .collect();
    let total_of_interest = data.of_interest().iter().filter(|&&case| case).count();
    CartBox {
        node,
        coverage: n_of_interest as f64 / total_of_interest as f64,
        density: if n_rows == 0 {
            0.0
        } else {
            n_of_interest as f64 / n_rows as f64
        },
        mass: n_rows as f64 / data.n_rows() as f64,
        n_rows,
        n_of_interest,
        leaf_rows,
        leaf_of_interest,
        limits,
        restricted,
        quasi_p_values,
    }
}

/// scikit-learn's Gini impurity of a node with `rows` rows, `of_interest` of them cases of
/// interest (`Gini.node_impurity`). The squared counts are exact in `f64` below 2^26 rows.
fn gini(rows: usize, of_interest: usize) -> f64 {
    let (negatives, positives) = ((rows - of_interest) as f64, of_interest as f64);
    let rows = rows as f64;
    1.0 - (negatives * negatives + positives * positives) / (rows * rows)
}

/// The best split of a node.
struct Split {
    dimension: usize,
    threshold: f64,
    left: Vec<usize>,
    right: Vec<usize>,
    impurity_left: f64,
    impurity_right: f64,
}

/// A node waiting on the builder's stack.
struct Pending {
    rows: Vec<usize>,
    impurity: f64,
    /// The parent's id and whether this is its left child.
    parent: Option<(usize, bool)>,
}

struct Grower<'a> {
    values: Vec<Vec<f32>>,
    of_interest: &'a [bool],
    min_samples_leaf: usize,
    n_all: f64,
}

impl Grower<'_> {
    /// scikit-learn's `DepthFirstTreeBuilder`: a stack, the right child pushed before the left,
    /// so ids are depth first, left first. Returns the nodes and each node's parent.
    fn grow(&self) -> (Vec<Node>, Vec<Option<(usize, bool)>>) {
        let all: Vec<usize> = (0..self.of_interest.len()).collect();
        let root_impurity = gini(all.len(), self.count_of_interest(&all));
        let mut stack = vec![Pending {
            rows: all,
            impurity: root_impurity,
            parent: None,
        }];
        let mut nodes = Vec::new();
        let mut parents = Vec::new();
        while let Some(pending) = stack.pop() {
            let id = nodes.len();
            if let Some((parent, is_left)) = pending.parent
                && let Node::Split { left, right, .. } = &mut nodes[parent]
            {
                *(if is_left { left } else { right }) = id;
            }
            parents.push(pending.parent);
            let n_rows = pending.rows.len();
            let splittable = n_rows >= 2 * self.min_samples_leaf && pending.impurity > f64::EPSILON;
            match splittable
                .then(|| self.best_split(&pending.rows, pending.impurity))
                .flatten()
            {
                Some(split) => {
                    nodes.push(Node::Split {
                        dimension: split.dimension,
                        threshold: split.threshold,
                        left: usize::MAX,
                        right: usize::MAX,
                    });
                    stack.push(Pending {
                        rows: split.right,
                        impurity: split.impurity_right,
                        parent: Some((id, false)),
                    });
                    stack.push(Pending {
                        rows: split.left,
                        impurity: split.impurity_left,
                        parent: Some((id, true)),
                    });
                }
                None => nodes.push(Node::Leaf {
                    rows: n_rows,
                    of_interest: self.count_of_interest(&pending.rows),
                }),
            }
        }
        (nodes, parents)
    }

    fn count_of_interest(&self, rows: &[usize]) -> usize {
        rows.iter().filter(|&&row| self.of_interest[row]).count()
    }

    /// `node_split_best` with every column in column order; `None` when no split keeps
    /// min_samples_leaf rows on both sides, or when the improvement is below zero by more than
    /// rounding (`DepthFirstTreeBuilder`'s `improvement + EPSILON < min_impurity_decrease`).
    fn best_split(&self, rows: &[usize], impurity: f64) -> Option<Split> {
        let n_rows = rows.len();
        let total_of_interest = self.count_of_interest(rows);
        let minimum = self.min_samples_leaf;
        // (proxy, dimension, rows on the left, threshold)
        let mut best: Option<(f64, usize, usize, f64)> = None;
        let mut sorted: Vec<(f32, bool)> = Vec::with_capacity(n_rows);
        for (dimension, column) in self.values.iter().enumerate() {
            sorted.clear();
            sorted.extend(rows.iter().map(|&row| (column[row], self.of_interest[row])));
            sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
            if sorted[n_rows - 1].0 <= sorted[0].0 + FEATURE_THRESHOLD {
                continue;
            }
            let (mut counted, mut left_of_interest) = (0, 0);
            let mut position = 0;
            loop {
                position += 1;
                while position < n_rows
                    && sorted[position].0 <= sorted[position - 1].0 + FEATURE_THRESHOLD
                {
                    position += 1;
                }
                if position >= n_rows {
                    break;
                }
                let (n_left, n_right) = (position, n_rows - position);
                if n_left < minimum || n_right < minimum {
                    continue;
                }
                while counted < position {
                    left_of_interest += usize::from(sorted[counted].1);
                    counted += 1;
                }
                let gini_left = gini(n_left, left_of_interest);
                let gini_right = gini(n_right, total_of_interest - left_of_interest);
                let proxy = -(n_right as f64) * gini_right - n_left as f64 * gini_left;
                if best.is_none_or(|(best_proxy, ..)| proxy > best_proxy) {
                    let threshold = f64::from(sorted[position - 1].0) / 2.0
                        + f64::from(sorted[position].0) / 2.0;
                    best = Some((proxy, dimension, position, threshold));
                }
            }
        }
        let (_, dimension, _, threshold) = best?;
        let column = &self.values[dimension];
        let (left, right): (Vec<usize>, Vec<usize>) = rows
            .iter()
            .partition(|&&row| f64::from(column[row]) <= threshold);
        let impurity_left = gini(left.len(), self.count_of_interest(&left));
        let impurity_right = gini(right.len(), self.count_of_interest(&right));
        let (n, n_left, n_right) = (n_rows as f64, left.len() as f64, right.len() as f64);
        // scikit-learn's `impurity_improvement`, operation for operation.
        let improvement = (n / self.n_all)
            * (impurity - (n_right / n * impurity_right) - (n_left / n * impurity_left));
        (improvement + f64::EPSILON >= 0.0).then_some(Split {
            dimension,
            threshold,
            left,
            right,
            impurity_left,
            impurity_right,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(names: &[&str], columns: Vec<Vec<f64>>, of_interest: Vec<bool>) -> PrimData {
        PrimData::new(
            names.iter().map(|&name| name.to_owned()).collect(),
            columns,
            of_interest,
        )
        .unwrap()
    }

    /// A fixture of `tests/cart/`: the data of `tests/prim/NAME.csv` and EMA's JSON.
    fn fixture(name: &str) -> (PrimData, serde_json::Value) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
        let mut reader = csv::Reader::from_path(root.join(format!("prim/{name}.csv"))).unwrap();
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let n_inputs = header.len() - 1;
        let mut columns = vec![Vec::new(); n_inputs];
        let mut of_interest = Vec::new();
        for record in reader.records() {
            let record = record.unwrap();
            for (column, field) in columns.iter_mut().zip(record.iter()) {
                column.push(field.parse::<f64>().unwrap());
            }
            of_interest.push(&record[n_inputs] == "1");
        }
        let text = std::fs::read_to_string(root.join(format!("cart/{name}.json"))).unwrap();
        let names = header[..n_inputs].to_vec();
        (
            PrimData::new(names, columns, of_interest).unwrap(),
            serde_json::from_str(&text).unwrap(),
        )
    }

    /// Grows the tree on a fixture's data and compares every box with EMA's, in EMA's order
    /// (node ids): node ids, row counts (in the box and in the leaf) and restricted dimensions
    /// exactly; limits, coverage, density and mass to 1e-12 relative, though they come out equal
    /// to the last bit (the same float operations, and JSON numbers that round-trip). Returns
    /// the number of boxes.
    fn matches_ema(name: &str) -> usize {
        let (data, expected) = fixture(name);
        let min_mass = expected["mass_min"].as_f64().unwrap();
        let tree = build_tree(&data, min_mass).unwrap();
        assert_eq!(
            tree.min_samples_leaf as u64,
            expected["min_samples_leaf"].as_u64().unwrap()
        );
        let columns: Vec<&str> = expected["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|column| column.as_str().unwrap())
            .collect();
        assert_eq!(columns, data.names());
        let expected_boxes = expected["boxes"].as_array().unwrap();
        assert_eq!(tree.boxes.len(), expected_boxes.len(), "{name}: leaves");
        let close = |ours: f64, theirs: &serde_json::Value, what: &str| {
            let theirs = theirs.as_f64().unwrap();
            assert!(
                (ours - theirs).abs() <= 1e-12 * theirs.abs().max(1.0),
                "{name} {what}: ours {ours}, EMA's {theirs}"
            );
        };
        let mut exact = true;
        for (ours, theirs) in tree.boxes.iter().zip(expected_boxes) {
            let node = ours.node;
            assert_eq!(
                node as u64,
                theirs["node"].as_u64().unwrap(),
                "{name}: node"
            );
            for (key, value) in [
                ("n", ours.n_rows),
                ("k", ours.n_of_interest),
                ("leaf_n", ours.leaf_rows),
                ("leaf_k", ours.leaf_of_interest),
                ("res_dim", ours.restricted.len()),
            ] {
                assert_eq!(
                    value as u64,
                    theirs[key].as_u64().unwrap(),
                    "{name} node {node}: {key}"
                );
            }
            for (key, value) in [
                ("coverage", ours.coverage),
                ("density", ours.density),
                ("mass", ours.mass),
            ] {
                close(value, &theirs[key], &format!("node {node} {key}"));
                exact &= value == theirs[key].as_f64().unwrap();
            }
            for (dimension, column) in columns.iter().enumerate() {
                let limits = &theirs["limits"][column];
                let ours_limits = ours.limits[dimension];
                close(
                    ours_limits.lower,
                    &limits[0],
                    &format!("node {node} {column} lower"),
                );
                close(
                    ours_limits.upper,
                    &limits[1],
                    &format!("node {node} {column} upper"),
                );
                exact &= ours_limits.lower == limits[0].as_f64().unwrap()
                    && ours_limits.upper == limits[1].as_f64().unwrap();
            }
        }
        assert!(exact, "{name}: within tolerance but not bit for bit");
        tree.boxes.len()
    }

    #[test]
    fn synthetic_matches_ema() {
        assert_eq!(matches_ema("synthetic"), 15);
    }

    #[test]
    fn shifted_matches_ema() {
        assert_eq!(matches_ema("shifted"), 11);
    }

    #[test]
    fn mixed_matches_ema() {
        assert_eq!(matches_ema("mixed"), 16);
    }

    /// The densest box of the synthetic data set is its planted box (x1 > 0.6, x2 < 0.4 with
    /// 5% of labels flipped), cut where the tree found it.
    #[test]
    fn the_densest_synthetic_box_is_the_planted_one() {
        let (data, _) = fixture("synthetic");
        let tree = build_tree(&data, 0.05).unwrap();
        let densest = tree.by_density()[0];
        assert!((densest.limits[0].lower - 0.6).abs() < 0.01);
        assert!(densest.limits[1].upper < 0.4);
        assert_eq!(densest.restricted, vec![0, 1]);
        assert!(densest.density > 0.95);
    }

    /// One cut at the midpoint of the `f32` values either side of it, two pure leaves, left
    /// first; the boxes' statistics from counts.
    #[test]
    fn a_step_is_one_split_into_two_pure_leaves() {
        let x: Vec<f64> = (0..100).map(|row| f64::from(row) / 100.0).collect();
        let y: Vec<bool> = x.iter().map(|&value| value >= 0.7).collect();
        let tree = build_tree(&data(&["x"], vec![x], y), 0.05).unwrap();
        let threshold = f64::from(0.69_f32) / 2.0 + f64::from(0.7_f32) / 2.0;
        assert_eq!(
            tree.nodes,
            vec![
                Node::Split {
                    dimension: 0,
                    threshold,
                    left: 1,
                    right: 2
                },
                Node::Leaf {
                    rows: 70,
                    of_interest: 0
                },
                Node::Leaf {
                    rows: 30,
                    of_interest: 30
                },
            ]
        );
        let (left, right) = (&tree.boxes[0], &tree.boxes[1]);
        assert_eq!(
            (left.limits[0].lower, left.limits[0].upper),
            (0.0, threshold)
        );
        assert_eq!(
            (right.limits[0].lower, right.limits[0].upper),
            (threshold, 0.99)
        );
        assert_eq!((right.coverage, right.density, right.mass), (1.0, 1.0, 0.3));
        assert_eq!((left.coverage, left.density, left.mass), (0.0, 0.0, 0.7));
        assert_eq!(tree.by_density()[0].node, 2);
        // Widening the right box's lower limit gives all rows, 30% cases: P(X >= 30) for
        // X ~ Binomial(30, 0.3) = 0.3^30.
        let quasi_p = right.quasi_p_values[0].lower.unwrap();
        assert!((quasi_p / 0.3_f64.powi(30) - 1.0).abs() < 1e-9, "{quasi_p}");
        assert_eq!(right.quasi_p_values[0].upper, None);
    }

    /// Two identical columns score alike everywhere: the first is split on (scikit-learn would
    /// pick either, by its random column order).
    #[test]
    fn a_tie_between_columns_goes_to_the_first() {
        let x: Vec<f64> = (0..60).map(|row| f64::from((row * 37) % 60)).collect();
        let y: Vec<bool> = x.iter().map(|&value| value < 20.0).collect();
        let tree = build_tree(&data(&["a", "b"], vec![x.clone(), x], y), 0.05).unwrap();
        assert!(matches!(tree.nodes[0], Node::Split { dimension: 0, .. }));
        assert!(tree.boxes.iter().all(|leaf| leaf.restricted == vec![0]));
    }

    /// Every leaf keeps min_samples_leaf rows, and a node is split even when no split lowers
    /// its impurity (scikit-learn's min_impurity_decrease = 0), until pure or too small.
    #[test]
    fn leaves_keep_min_samples_and_split_until_pure_or_small() {
        // Labels alternate, so no cut of x separates them better than another.
        let x: Vec<f64> = (0..200).map(f64::from).collect();
        let y: Vec<bool> = (0..200).map(|row| row % 2 == 0).collect();
        let tree = build_tree(&data(&["x"], vec![x], y), 0.1).unwrap();
        assert_eq!(tree.min_samples_leaf, 20);
        assert!(tree.boxes.len() > 1);
        for leaf in &tree.boxes {
            assert!(leaf.leaf_rows >= 20, "{leaf:?}");
            assert!(leaf.leaf_rows < 40 || leaf.density == 0.0 || leaf.density == 1.0);
        }
        let rows: usize = tree.boxes.iter().map(|leaf| leaf.leaf_rows).sum();
        assert_eq!(rows, 200);
    }

    /// Values that differ only beyond `f32` precision are one value to the tree, as to
    /// scikit-learn: the column is constant and the root stays a leaf.
    #[test]
    fn values_equal_as_f32_are_not_split() {
        let x: Vec<f64> = (0..50).map(|row| 1.0 + f64::from(row) * 1e-12).collect();
        let y: Vec<bool> = (0..50).map(|row| row >= 25).collect();
        let tree = build_tree(&data(&["x"], vec![x], y), 0.05).unwrap();
        assert_eq!(tree.nodes.len(), 1);
        assert_eq!(tree.boxes[0].restricted, Vec::<usize>::new());
        assert_eq!((tree.boxes[0].density, tree.boxes[0].mass), (0.5, 1.0));
    }

    #[test]
    fn bad_settings_and_values_are_refused() {
        let ok = data(&["x"], vec![vec![0.0, 1.0]], vec![true, false]);
        assert_eq!(build_tree(&ok, 1.5), Err(CartError::MinMass(1.5)));
        assert!(matches!(
            build_tree(&ok, f64::NAN),
            Err(CartError::MinMass(_))
        ));
        let huge = data(&["x"], vec![vec![0.0, 1e39]], vec![true, false]);
        assert_eq!(
            build_tree(&huge, 0.05),
            Err(CartError::TooLarge {
                column: "x".into(),
                row: 1,
                value: 1e39
            })
        );
    }

    #[test]
    fn min_samples_leaf_truncates_as_ema_and_is_at_least_one() {
        assert_eq!(min_samples_leaf(0.05, 1000), 50);
        assert_eq!(min_samples_leaf(0.05, 600), 30);
        assert_eq!(min_samples_leaf(0.05, 39), 1);
        assert_eq!(min_samples_leaf(0.0, 1000), 1);
    }
}
