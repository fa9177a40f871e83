//! Shards: a run split into contiguous ranges of blocks, computed anywhere, merged exactly.
//!
//! A single run folds block summaries into the total in block order. Sketch bins and event
//! counts are integers, so shards can sum them in any grouping; means and sums of squared
//! deviations are floating point, and Chan's merge is not associative in the last bits. A shard
//! therefore keeps each block's own moments, and [`merge_partials`] replays the single run's
//! fold block by block: the merged total is the same bits as the single run's.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::{Aggregate, BlockResult};
use crate::stats::Moments;

/// Shard `index` of `count` (1-based, as job arrays number their tasks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Shard `index` of `count`; None unless 1 <= index <= count.
    pub fn new(index: u64, count: u64) -> Option<Shard> {
        (1..=count)
            .contains(&index)
            .then_some(Shard { index, count })
    }

    /// This shard's part of `items` items (blocks of a run, or points of a batch): the `index`-th
    /// of `count` contiguous ranges whose sizes differ by at most one, larger ones last.
    pub fn range(&self, items: u64) -> Range<u64> {
        let bound = |k: u64| (u128::from(k) * u128::from(items) / u128::from(self.count)) as u64;
        bound(self.index - 1)..bound(self.index)
    }
}

/// A shard's summaries: what [`merge_partials`] needs to rebuild the single run's total.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Partial {
    /// The blocks summarised.
    pub blocks: Range<u64>,
    /// Per block in order, per distribution (series, then outcomes): the block's own moments.
    pub block_moments: Vec<Vec<Moments>>,
    /// The blocks' summaries summed: sketches, event counts and run count are exact whatever the
    /// grouping; its moments are not used.
    pub sums: Aggregate,
}

impl Partial {
    /// An empty partial for `blocks`, shaped like `empty`.
    pub fn new(blocks: Range<u64>, empty: Aggregate) -> Partial {
        Partial {
            block_moments: Vec::with_capacity((blocks.end - blocks.start) as usize),
            blocks,
            sums: empty,
        }
    }

    /// Adds the next block.
    pub fn add(&mut self, block: &BlockResult) {
        let moments = block.aggregate.distributions().map(|d| d.moments);
        self.block_moments.push(moments.collect());
        self.sums.merge(&block.aggregate);
    }
}

/// Why partials cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartialError {
    #[error("the parts cover blocks {found:?} where blocks {expected:?} were expected")]
    Gap {
        expected: Range<u64>,
        found: Range<u64>,
    },
    #[error("a part's summaries do not match the scenario's shape")]
    Shape,
}

/// Rebuilds the total of `n_blocks` blocks from `parts` (in block order, together covering
/// every block once), exactly as a single run folds them. `empty` is an empty aggregate of the
/// run's shape.
pub fn merge_partials(
    empty: Aggregate,
    n_blocks: u64,
    parts: &[Partial],
) -> Result<Aggregate, PartialError> {
    let mut total = empty;
    let mut next = 0;
    for part in parts {
        if part.blocks.start != next || part.block_moments.len() as u64 != part.blocks.end - next {
            return Err(PartialError::Gap {
                expected: next..n_blocks,
                found: part.blocks.clone(),
            });
        }
        let width = total.series.len() + total.outcomes.len();
        let shaped = |aggregate: &Aggregate| {
            aggregate.series.len() == total.series.len()
                && aggregate.outcomes.len() == total.outcomes.len()
                && aggregate.events.len() == total.events.len()
        };
        if !shaped(&part.sums) || part.block_moments.iter().any(|row| row.len() != width) {
            return Err(PartialError::Shape);
        }
        for moments in &part.block_moments {
            for (distribution, block) in total.distributions_mut().zip(moments) {
                distribution.moments.merge(block);
            }
        }
        total.runs += part.sums.runs;
        for (distribution, part_distribution) in
            total.distributions_mut().zip(part.sums.distributions())
        {
            distribution.merge_quantiles(part_distribution);
        }
        for (counts, part_counts) in total.events.iter_mut().zip(&part.sums.events) {
            counts.merge(part_counts);
        }
        next = part.blocks.end;
    }
    if next != n_blocks {
        return Err(PartialError::Gap {
            expected: next..n_blocks,
            found: n_blocks..n_blocks,
        });
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_item_once_in_order() {
        for items in [0, 1, 7, 10, 1000] {
            for count in 1..=12 {
                let mut next = 0;
                for index in 1..=count {
                    let range = Shard::new(index, count).unwrap().range(items);
                    assert_eq!(range.start, next);
                    assert!(range.end - range.start <= items.div_ceil(count));
                    next = range.end;
                }
                assert_eq!(next, items);
            }
        }
        assert_eq!(Shard::new(0, 4), None);
        assert_eq!(Shard::new(5, 4), None);
    }
}
