//! Tables that cannot be dense: each thread's part counted with dictionary or offset codes into a
//! hashed (or small dense) table, parts merged into one table keyed by value; and, when the
//! product of the columns' ranges does not even fit 64 bits, sorted rows.

use super::dense::offset_codes;
use super::table::{
    checked_product, decode, encode, reserve_rows, rows_cells, Cells, Codebook, JointCounts,
    ROWS_ADVICE,
};
use super::{dense_limit, BLOCK};
use crate::runtime::memory;
use crate::samples::hashmap::{Dictionary, U64Map};
use crate::{with_labels, Label, Labels, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// How one column is coded inside a thread's part of the samples.
pub(super) enum PartCoder {
    /// `key − min`, fixed cardinality.
    Offset { min: u64, card: u64 },
    /// Codes in order of first appearance within the part.
    Factor(Dictionary),
}

impl PartCoder {
    /// Errors: a dictionary that cannot grow within the memory budget.
    fn codes(&mut self, column: Labels<'_>, start: usize, out: &mut [u64]) -> Result<()> {
        match self {
            PartCoder::Offset { min, card } => {
                let inside = offset_codes(column, *min, *card, start, out);
                debug_assert!(inside, "offset columns were given their exact range");
            }
            PartCoder::Factor(dictionary) => with_labels!(column, s => {
                let end = start + out.len();
                for (o, &v) in out.iter_mut().zip(&s[start..end]) {
                    *o = dictionary.code(v.key())?;
                }
            }),
        }
        Ok(())
    }

    /// The smallest radix (a power of two for factor codes) that holds every code seen so far.
    fn radix(&self, current: u64) -> u64 {
        match self {
            PartCoder::Offset { card, .. } => *card,
            PartCoder::Factor(d) => {
                let mut r = current.max(16);
                while (d.len() as u64) > r {
                    r *= 2;
                }
                r
            }
        }
    }
}

/// The cells of one part, over mixed-radix codes with the part's (growing) radices.
pub(super) enum PartCells {
    Dense(Vec<u32>),
    Hashed(U64Map),
}

impl PartCells {
    /// Empty cells for `radix` (dense up to `limit` cells, allocated fallibly); `None` if their
    /// product overflows `u64`.
    fn new(radix: &[u64], limit: u64) -> Result<Option<PartCells>> {
        let Some(cells) = checked_product(radix.iter().copied()) else {
            return Ok(None);
        };
        Ok(Some(if cells <= limit {
            let what = || format!("a dense table of {cells} cells");
            PartCells::Dense(memory::try_filled(cells as usize, 0, what, ROWS_ADVICE)?)
        } else {
            PartCells::Hashed(U64Map::try_with_capacity(1 << 12)?)
        }))
    }

    /// Calls `f(codes, count)` for every non-empty cell (`radix` gives the cells' layout).
    fn for_each(&self, radix: &[u64], mut f: impl FnMut(&[u64], u64)) {
        let mut codes = vec![0u64; radix.len()];
        match self {
            PartCells::Dense(t) => {
                for &c in t {
                    if c != 0 {
                        f(&codes, u64::from(c));
                    }
                    for (code, &r) in codes.iter_mut().zip(radix).rev() {
                        *code += 1;
                        if *code < r {
                            break;
                        }
                        *code = 0;
                    }
                }
            }
            PartCells::Hashed(map) => map.for_each(|key, count| {
                decode(key, radix.iter().copied(), &mut codes);
                f(&codes, count);
            }),
        }
    }

    /// The same cells re-coded for new radices; `None` if their product overflows `u64`.
    /// Errors: a hashed table that cannot grow within the memory budget.
    fn relayout(&self, old: &[u64], new: &[u64], limit: u64) -> Result<Option<PartCells>> {
        let Some(mut fresh) = PartCells::new(new, limit)? else {
            return Ok(None);
        };
        let mut result = Ok(());
        self.for_each(old, |codes, count| {
            if result.is_ok() {
                result = fresh.add(encode(codes, new.iter().copied()), count);
            }
        });
        result.map(|()| Some(fresh))
    }

    /// Number of non-empty cells.
    fn occupied(&self) -> usize {
        match self {
            PartCells::Dense(t) => t.iter().filter(|&&c| c != 0).count(),
            PartCells::Hashed(map) => map.len(),
        }
    }

    #[inline]
    fn add(&mut self, key: u64, count: u64) -> Result<()> {
        match self {
            PartCells::Dense(t) => t[key as usize] += count as u32,
            PartCells::Hashed(map) => map.add(key, count)?,
        }
        Ok(())
    }
}

/// One thread's counts: its coders (with their dictionaries), radices and cells.
pub(super) struct Part {
    coders: Vec<PartCoder>,
    radix: Vec<u64>,
    cells: PartCells,
}

/// Counts samples `begin..end` of `columns`, factorising wide columns on the fly.
/// `Ok(None)` if the product of the part's radices overflows `u64`. Stops early (with a partial
/// count, which the caller discards) once `interrupt` is raised. Errors: a dictionary or hashed
/// table that cannot grow within the memory budget.
pub(super) fn count_part(
    columns: &[Labels<'_>],
    offsets: &[Option<(u64, u64)>],
    begin: usize,
    end: usize,
    limit: u64,
    interrupt: &AtomicBool,
) -> Result<Option<Part>> {
    let mut coders: Vec<PartCoder> = offsets
        .iter()
        .map(|o| match *o {
            Some((min, card)) => PartCoder::Offset { min, card },
            None => PartCoder::Factor(Dictionary::new()),
        })
        .collect();
    let mut radix: Vec<u64> = coders.iter().map(|c| c.radix(0)).collect();
    let Some(mut cells) = PartCells::new(&radix, limit)? else {
        return Ok(None);
    };
    let mut codes = vec![vec![0u64; BLOCK]; columns.len()];
    let mut acc = vec![0u64; BLOCK];
    let mut start = begin;
    while start < end && !interrupt.load(Ordering::Relaxed) {
        let len = BLOCK.min(end - start);
        for ((coder, column), out) in coders.iter_mut().zip(columns).zip(codes.iter_mut()) {
            coder.codes(*column, start, &mut out[..len])?;
        }
        let grown: Vec<u64> = coders
            .iter()
            .zip(&radix)
            .map(|(c, &r)| c.radix(r))
            .collect();
        if grown != radix {
            let Some(fresh) = cells.relayout(&radix, &grown, limit)? else {
                return Ok(None);
            };
            cells = fresh;
            radix = grown;
        }
        let acc = &mut acc[..len];
        acc.fill(0);
        for (column_codes, &r) in codes.iter().zip(&radix) {
            for (a, &c) in acc.iter_mut().zip(column_codes) {
                *a = *a * r + c;
            }
        }
        match &mut cells {
            PartCells::Dense(t) => count_dense(t, acc),
            PartCells::Hashed(map) => {
                for &c in acc.iter() {
                    map.add(c, 1)?;
                }
            }
        }
        start += len;
    }
    Ok(Some(Part {
        coders,
        radix,
        cells,
    }))
}

/// Adds one to the cell of each code (a kernel of its own, so that the table's address and
/// length stay in registers rather than being reloaded from `count_part`'s frame every sample).
#[inline(never)]
fn count_dense(table: &mut [u32], codes: &[u64]) {
    for &c in codes {
        table[c as usize] += 1;
    }
}

/// Merges the parts' tables into one table over global codes (sorted keys for factorised columns).
/// Errors: a merged hashed table that cannot grow within the memory budget.
pub(super) fn merge_parts(
    parts: &[Part],
    offsets: &[Option<(u64, u64)>],
    n: usize,
) -> Result<JointCounts> {
    let k = offsets.len();
    let mut codebooks = Vec::with_capacity(k);
    // For each column, each part's map from its local codes to global codes.
    let mut local_to_global: Vec<Vec<Vec<u64>>> = Vec::with_capacity(k);
    for (j, offset) in offsets.iter().enumerate() {
        if let Some((min, card)) = *offset {
            codebooks.push(Codebook::Offset { min, card });
            local_to_global.push(Vec::new());
            continue;
        }
        let dictionaries: Vec<&[u64]> = parts
            .iter()
            .map(|p| match &p.coders[j] {
                PartCoder::Factor(d) => d.keys(),
                PartCoder::Offset { .. } => unreachable!("column {j} is factorised in every part"),
            })
            .collect();
        let (keys, maps) = union_of_keys(&dictionaries, j)?;
        local_to_global.push(maps);
        codebooks.push(Codebook::Keys(keys));
    }
    let cards: Vec<u64> = codebooks.iter().map(Codebook::card).collect();
    let mut global = vec![0u64; k];
    let to_global = |part_index: usize, local: &[u64], global: &mut [u64]| {
        for j in 0..k {
            global[j] = if offsets[j].is_some() {
                local[j]
            } else {
                local_to_global[j][part_index][local[j] as usize]
            };
        }
    };
    let cells = match checked_product(cards.iter().copied()) {
        Some(p) if p <= dense_limit(n) => {
            let mut table = vec![0u64; p as usize];
            gather_dense_parts(parts, offsets, &local_to_global, &cards, &mut table);
            for (i, part) in parts.iter().enumerate() {
                if let PartCells::Hashed(_) = part.cells {
                    part.cells.for_each(&part.radix, |local, count| {
                        to_global(i, local, &mut global);
                        table[encode(&global, cards.iter().copied()) as usize] += count;
                    });
                }
            }
            Cells::Dense(table)
        }
        Some(_) => {
            let stored: usize = parts.iter().map(|p| p.cells.occupied()).sum();
            let largest = parts.iter().map(|p| p.cells.occupied()).max().unwrap_or(0);
            if stored <= 2 * largest {
                // Parts that share few cells (many distinct labels, or two threads): their
                // cells sorted by global key and merged. Adding them to a hash table instead
                // missed the cache on every cell (~250 ns each at 10^6 cells), and its cells had
                // to be sorted after all.
                let what = || format!("the {stored} cells of a table of {k} columns");
                memory::check(what, 16 * stored as u128, ROWS_ADVICE)?;
                let mut cells: Vec<(u64, u64)> = Vec::new();
                memory::try_reserve(&mut cells, stored, what, ROWS_ADVICE)?;
                for (i, part) in parts.iter().enumerate() {
                    part.cells.for_each(&part.radix, |local, count| {
                        to_global(i, local, &mut global);
                        cells.push((encode(&global, cards.iter().copied()), count));
                    });
                }
                sorted_cells(cells, what)?
            } else {
                let mut map = U64Map::try_with_capacity(largest.max(1 << 12))?;
                let mut result = Ok(());
                for (i, part) in parts.iter().enumerate() {
                    part.cells.for_each(&part.radix, |local, count| {
                        if result.is_ok() {
                            to_global(i, local, &mut global);
                            result = map.add(encode(&global, cards.iter().copied()), count);
                        }
                    });
                    std::mem::replace(&mut result, Ok(()))?;
                }
                let (keys, counts) = map.into_sorted()?;
                Cells::Sparse { keys, counts }
            }
        }
        None => {
            let stored: usize = parts.iter().map(|p| p.cells.occupied()).sum();
            let what = || format!("the {stored} rows of a table of {k} columns");
            let mut rows = reserve_rows(stored, k, &what)?;
            for (i, part) in parts.iter().enumerate() {
                part.cells.for_each(&part.radix, |local, count| {
                    to_global(i, local, &mut global);
                    rows.push((global.clone(), count));
                });
            }
            rows_cells(rows)?
        }
    };
    Ok(JointCounts {
        codebooks,
        cells,
        total: n as u64,
    })
}

/// The union of the parts' keys of column `j` (`dictionaries`: each part's keys by local code),
/// sorted, and each part's map from its local codes to codes into that union.
fn union_of_keys(dictionaries: &[&[u64]], j: usize) -> Result<(Vec<u64>, Vec<Vec<u64>>)> {
    // The union of the parts' keys and each part's local-to-global codes, from one sort of
    // every (key, part, local code): no search per key (a binary search per key missed the
    // cache at every level: 0.8 s for 4 x 10^6 keys). 32 bytes per key of every part, within
    // the budget.
    let total: usize = dictionaries.iter().map(|d| d.len()).sum();
    let what = || format!("merging the {total} distinct values of column {j} of its parts");
    let advice = "use fewer samples at a time, or labels with fewer distinct values";
    memory::check(what, 32 * total as u128, advice)?;
    let mut tagged: Vec<(u64, u64)> = Vec::new();
    memory::try_reserve(&mut tagged, total, what, advice)?;
    for (p, d) in dictionaries.iter().enumerate() {
        let part = (p as u64) << 32;
        tagged.extend(d.iter().zip(0u64..).map(|(&key, i)| (key, part | i)));
    }
    tagged.par_sort_unstable_by_key(|&(key, _)| key);
    let mut keys: Vec<u64> = Vec::new();
    memory::try_reserve(&mut keys, total, what, advice)?;
    let mut maps = Vec::with_capacity(dictionaries.len());
    for d in dictionaries {
        maps.push(memory::try_filled(d.len(), 0u64, what, advice)?);
    }
    for &(key, tag) in &tagged {
        if keys.last() != Some(&key) {
            keys.push(key);
        }
        maps[(tag >> 32) as usize][(tag & u64::from(u32::MAX)) as usize] = keys.len() as u64 - 1;
    }
    drop(tagged);
    keys.shrink_to_fit();
    Ok((keys, maps))
}

/// The sparse cells of `(key, count)` pairs in any order (equal keys added up); `what` names them
/// in the error of a refused allocation.
fn sorted_cells(mut cells: Vec<(u64, u64)>, what: impl Fn() -> String) -> Result<Cells> {
    cells.par_sort_unstable_by_key(|&(key, _)| key);
    let distinct = cells.len() - cells.windows(2).filter(|w| w[0].0 == w[1].0).count();
    let mut keys: Vec<u64> = Vec::new();
    let mut counts: Vec<u64> = Vec::new();
    memory::try_reserve(&mut keys, distinct, &what, ROWS_ADVICE)?;
    memory::try_reserve(&mut counts, distinct, &what, ROWS_ADVICE)?;
    for (key, count) in cells {
        if keys.last() == Some(&key) {
            *counts.last_mut().expect("a count per key") += count;
        } else {
            keys.push(key);
            counts.push(count);
        }
    }
    Ok(Cells::Sparse { keys, counts })
}

/// Adds the dense parts into the dense global `table`, walking the global table in order and
/// gathering from each part's row (rows are contiguous in both layouts, so reads stay in cache where
/// scattering each part cell to its global place would miss on every cell).
pub(super) fn gather_dense_parts(
    parts: &[Part],
    offsets: &[Option<(u64, u64)>],
    local_to_global: &[Vec<Vec<u64>>],
    cards: &[u64],
    table: &mut [u64],
) {
    const ABSENT: u64 = u64::MAX;
    let k = cards.len();
    // For each factorised column and part: global code → local code (ABSENT if unseen there).
    let global_to_local: Vec<Vec<Vec<u64>>> = (0..k)
        .map(|j| {
            local_to_global[j]
                .iter()
                .map(|l2g| {
                    let mut g2l = vec![ABSENT; cards[j] as usize];
                    for (l, &g) in l2g.iter().enumerate() {
                        g2l[g as usize] = l as u64;
                    }
                    g2l
                })
                .collect()
        })
        .collect();
    let local = |j: usize, part: usize, g: u64| {
        if offsets[j].is_some() {
            g
        } else {
            global_to_local[j][part][g as usize]
        }
    };
    let last = cards[k - 1] as usize;
    let prefix_cards = &cards[..k - 1];
    table
        .par_chunks_mut(last)
        .enumerate()
        .for_each(|(row, out)| {
            let mut prefix = vec![0u64; k - 1];
            decode(row as u64, prefix_cards.iter().copied(), &mut prefix);
            for (i, part) in parts.iter().enumerate() {
                let PartCells::Dense(cells) = &part.cells else {
                    continue;
                };
                let mut base = 0u64;
                for (j, &g) in prefix.iter().enumerate() {
                    let l = local(j, i, g);
                    if l == ABSENT {
                        base = ABSENT;
                        break;
                    }
                    base = base * part.radix[j] + l;
                }
                if base == ABSENT {
                    continue;
                }
                let width = part.radix[k - 1] as usize;
                let start = base as usize * width;
                let part_row = &cells[start..start + width];
                for (g, o) in out.iter_mut().enumerate() {
                    let l = local(k - 1, i, g as u64);
                    if l != ABSENT {
                        *o += u64::from(part_row[l as usize]);
                    }
                }
            }
        });
}

/// Cells of a table whose part radices overflow `u64` (many wide columns): each sample's code tuple,
/// from one dictionary per column, sorted and merged. Errors: the codes, dictionaries or rows do
/// not fit the memory budget.
pub(super) fn sorted_rows(
    columns: &[Labels<'_>],
    offsets: &[Option<(u64, u64)>],
    n: usize,
) -> Result<JointCounts> {
    let k = columns.len();
    let what = || format!("the codes of {k} columns of {n} samples");
    memory::check(what, 8 * (k as u128) * (n as u128), ROWS_ADVICE)?;
    let mut codebooks = Vec::with_capacity(k);
    let mut codes: Vec<Vec<u64>> = Vec::with_capacity(k);
    for (column, offset) in columns.iter().zip(offsets) {
        let mut out = memory::try_filled(n, 0u64, what, ROWS_ADVICE)?;
        if let Some((min, card)) = *offset {
            offset_codes(*column, min, card, 0, &mut out);
            codebooks.push(Codebook::Offset { min, card });
        } else {
            let mut coder = PartCoder::Factor(Dictionary::new());
            coder.codes(*column, 0, &mut out)?;
            let PartCoder::Factor(dictionary) = coder else {
                unreachable!()
            };
            // Re-code by rank so codes follow the order of values.
            let distinct = dictionary.len();
            let what = || format!("the ranks of the {distinct} distinct values of a column");
            let mut order: Vec<u64> = Vec::new();
            memory::try_reserve(&mut order, distinct, what, ROWS_ADVICE)?;
            order.extend(0..distinct as u64);
            order.sort_unstable_by_key(|&c| dictionary.keys()[c as usize]);
            let mut rank = memory::try_filled(distinct, 0u64, what, ROWS_ADVICE)?;
            for (r, &c) in order.iter().enumerate() {
                rank[c as usize] = r as u64;
            }
            out.par_iter_mut().for_each(|c| *c = rank[*c as usize]);
            // The keys in order, in place of the order.
            for c in &mut order {
                *c = dictionary.keys()[*c as usize];
            }
            codebooks.push(Codebook::Keys(order));
        }
        codes.push(out);
    }
    let what = || format!("the {n} rows of a table of {k} columns");
    let mut rows = reserve_rows(n, k, &what)?;
    rows.extend((0..n).map(|i| (codes.iter().map(|c| c[i]).collect(), 1)));
    drop(codes);
    Ok(JointCounts {
        codebooks,
        cells: rows_cells(rows)?,
        total: n as u64,
    })
}
