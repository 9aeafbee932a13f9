//! Mergeable counts: the exact joint counts of several variables, accumulated batch by batch and
//! merged across processes — what `fastinfo.JointCounts`, `PairwiseCounts`, `TargetCounts` and
//! `fastinfo.dask` are built on.
//!
//! # Why counts
//! Every count-based estimate (the plug-in and every bias-corrected estimator of
//! [`crate::samples::estimators`]) is a function of the contingency table alone, and the tables
//! of disjoint batches add up. Kept exactly (`u64`) and keyed by label *values* (not by the codes
//! of one batch), the counts of a stream of batches, or of the partitions of a cluster, are the
//! counts of the concatenated data, and so is every estimate.
//!
//! # Layouts
//! An [`Accumulator`] holds one or more tables over its variables ([`Layout`]):
//! - [`Layout::Joint`]: one table of all `k` variables (`fastinfo.JointCounts`);
//! - [`Layout::Pairs`]: one table per pair of `d` columns, or the histogram when `d = 1` (the
//!   mutual information matrix, `fastinfo.PairwiseCounts`);
//! - [`Layout::Target`]: one table per column with the target, variable `d`
//!   (`fastinfo.TargetCounts`).
//!
//! Each variable has a [`Kind`] and a dictionary of the values it has taken (`values.rs`); each
//! table counts its cells by the ids of those values (`cells.rs`: dense, hashed or wide, in
//! proportion to the occupied cells, never to the samples).
//!
//! # Update: count, check, commit
//! [`Accumulator::count`] counts a batch with the core engine
//! ([`crate::samples::counts::joint_counts`], so the counting kernels' speed is the update's) —
//! or, for the pair tables of small-alphabet integer columns, with the block kernels
//! of [`crate::samples::dataset`] (`blocks.rs`) — and does not touch the accumulator;
//! [`Accumulator::check`] checks the batch against it (the kinds of its variables, the memory
//! budget) and [`Accumulator::commit`] reserves everything it needs fallibly before it adds
//! anything. A batch that fails (at any of the three) is never half applied. A merge is the same path: [`Accumulator::as_batch`]
//! turns the other accumulator into a batch.
//!
//! # Determinism
//! Ids are assigned in order of arrival but never reach an estimate: [`Accumulator::table`]
//! re-codes every value by its rank among the variable's values (ascending) and returns the core
//! table of the non-empty cells in ascending order, whose estimates
//! ([`crate::samples::estimate`]) sum in that order. Counts are exact integers, so every result
//! depends only on the multiset of samples — bit for bit, whatever the batches, their order and
//! the merge tree — and equals the function of the concatenated labels, which builds the same
//! table and runs the same kernel.
//!
//! # Serialisation
//! `codec.rs`: a compact, canonical byte string (the same state gives the same bytes whatever its
//! history), about 2–5 bytes per occupied cell; what `pickle` (and so Dask) ships.
//!
//! # Files
//! This file counts and merges (layouts, batches, check and commit); `blocks.rs` counts the
//! tables of a batch's small-alphabet integer columns all at once; `query.rs` answers (the
//! canonical tables, estimates, contingency tables and matrices); `cells.rs` and `values.rs` store
//! the cells and the values; `codec.rs` serialises.

mod blocks;
mod cells;
mod codec;
mod query;
mod values;

pub use query::Contingency;

pub use values::{Domain, Kind, Values};

use crate::runtime::memory;
use crate::samples::counts::{joint_counts_near, Codebook};
use crate::samples::dataset::interrupted;
use crate::{Error, Labels, Result};
use cells::Cells;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use values::Dictionary;

/// How an accumulator's variables are grouped into tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One table of `k ≥ 1` variables.
    Joint(usize),
    /// One table per pair of `d ≥ 1` columns (the histogram of the column when `d = 1`).
    Pairs(usize),
    /// One table per column `j < d` with the target, variable `d` (`d ≥ 1`).
    Target(usize),
}

impl Layout {
    /// Number of variables.
    #[must_use]
    pub fn variables(self) -> usize {
        match self {
            Layout::Joint(k) => k,
            Layout::Pairs(d) => d,
            Layout::Target(d) => d + 1,
        }
    }

    /// The variables of each table.
    fn tables(self) -> Vec<Vec<usize>> {
        match self {
            Layout::Joint(k) => vec![(0..k).collect()],
            Layout::Pairs(1) => vec![vec![0]],
            Layout::Pairs(d) => (0..d)
                .flat_map(|i| (i + 1..d).map(move |j| vec![i, j]))
                .collect(),
            Layout::Target(d) => (0..d).map(|j| vec![j, d]).collect(),
        }
    }

    /// The Python class of this layout, for messages.
    #[must_use]
    pub fn class(self) -> &'static str {
        match self {
            Layout::Joint(_) => "JointCounts",
            Layout::Pairs(_) => "PairwiseCounts",
            Layout::Target(_) => "TargetCounts",
        }
    }

    /// The layout named `name` (`"joint"`, `"pairs"`, `"target"`) of `size` (`k` or `d`, ≥ 1).
    pub fn new(name: &str, size: usize) -> Result<Layout> {
        let layout = match name {
            "joint" => Layout::Joint(size),
            "pairs" => Layout::Pairs(size),
            "target" => Layout::Target(size),
            other => {
                return Err(Error::InvalidArgument {
                    argument: "layout".into(),
                    message: format!("unknown layout {other:?}"),
                })
            }
        };
        if size == 0 {
            return Err(Error::InvalidArgument {
                argument: "n_variables".into(),
                message: format!("{} needs at least one variable, got 0", layout.class()),
            });
        }
        // Each variable's kind, dictionary and range, and each table's header (a few hundred
        // bytes each) before any sample: an absurd size is a MemoryError, not an abort.
        let tables = match layout {
            Layout::Joint(_) => 1,
            Layout::Pairs(d) => (d as u128) * (d as u128 - 1) / 2,
            Layout::Target(d) => d as u128,
        };
        memory::check(
            || format!("the counts of a {} of {size} variables", layout.class()),
            (size as u128 + 1) * 256 + tables * 128,
            "count fewer variables together",
        )?;
        // A table per pair: d (d - 1) / 2 of them must be countable.
        if let Layout::Pairs(d) = layout {
            memory::check(
                || {
                    format!(
                        "the tables of the {} column pairs of {d} columns",
                        d * (d - 1) / 2
                    )
                },
                (d as u128) * (d as u128) * 64,
                "count fewer columns together",
            )?;
        }
        Ok(layout)
    }
}

/// One column of a batch: its labels, what they stand for, its kind, and its name in messages.
#[derive(Debug, Clone)]
pub struct Column<'a> {
    /// The labels (the values themselves when `values` is `None`, else codes into `values`).
    pub labels: Labels<'a>,
    /// `Some(v)`: label `c` stands for `v[c]` (a factorised column: strings, categories).
    pub values: Option<&'a Values>,
    pub kind: &'a Kind,
    pub name: Cow<'static, str>,
}

/// The cells of one table of a batch: `k` batch-local value indices per cell, and its count.
#[derive(Debug, Clone, Default)]
struct LocalCells {
    indices: Vec<u32>,
    counts: Vec<u64>,
}

/// A batch counted and ready to merge: per variable its kind and the distinct values observed
/// (a cell refers to value `i` of a variable by index `i`), per table of the layout its cells.
#[derive(Debug, Clone)]
pub struct Batch {
    layout: Layout,
    rows: u64,
    names: Vec<Cow<'static, str>>,
    kinds: Vec<Kind>,
    values: Vec<Values>,
    tables: Vec<LocalCells>,
    ranges: Ranges,
}

impl Batch {
    /// Number of samples.
    #[must_use]
    pub fn rows(&self) -> u64 {
        self.rows
    }
}

/// A variable's values observed in one batch, in order of first sight, and their local indices.
struct Local<'c, 'a> {
    column: &'c Column<'a>,
    by_key: HashMap<u64, u32, foldhash::fast::RandomState>,
    values: Values,
}

/// The integer a label key stands for (see [`crate::Label::key`]).
fn integer_of_key(labels: &Labels<'_>, key: u64) -> i128 {
    match labels {
        Labels::U8(_) | Labels::U16(_) | Labels::U32(_) | Labels::U64(_) => i128::from(key),
        Labels::I8(_) | Labels::I16(_) | Labels::I32(_) | Labels::I64(_) => {
            i128::from((key ^ (1u64 << 63)) as i64)
        }
    }
}

impl Local<'_, '_> {
    fn index_of_key(&mut self, key: u64) -> Result<u32> {
        if let Some(&i) = self.by_key.get(&key) {
            return Ok(i);
        }
        let integer = integer_of_key(&self.column.labels, key);
        self.reserve_one()?;
        match self.column.values {
            None => {
                let Values::Integers(v) = &mut self.values else {
                    unreachable!("integer labels have integer values")
                };
                v.push(integer);
            }
            Some(values) => {
                let code = usize::try_from(integer)
                    .ok()
                    .filter(|&c| c < values.len())
                    .ok_or_else(|| Error::InvalidArgument {
                        argument: self.column.name.clone(),
                        message: format!(
                            "holds the code {integer}, but only {} values are given",
                            values.len()
                        ),
                    })?;
                self.values.push_from(values, code);
            }
        }
        let i = self.by_key.len() as u32;
        self.by_key.insert(key, i);
        Ok(i)
    }

    /// Makes room for one more value, fallibly (doubling: amortised constant time).
    #[inline]
    fn reserve_one(&mut self) -> Result<()> {
        let len = self.by_key.len();
        if len < self.by_key.capacity() && len < self.values.capacity() {
            return Ok(());
        }
        self.grow()
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self) -> Result<()> {
        let len = self.by_key.len();
        let more = len.max(64);
        let what = || format!("the {} distinct values of {}", len + 1, self.column.name);
        memory::try_reserve_map(&mut self.by_key, more, what, TOO_LARGE)?;
        self.values.try_reserve(more, what)
    }
}

/// Counts one table of a batch (`variables` of `columns`) into local cells, trying the key ranges
/// `near` first (per variable; see [`joint_counts_near`]) and noting in `ranges` the key range
/// each variable's codes were counted over.
fn count_table(
    columns: &[Column<'_>],
    variables: &[usize],
    locals: &mut [Local<'_, '_>],
    near: &[Option<(u64, u64)>],
    ranges: &mut [Option<(u64, u64)>],
) -> Result<LocalCells> {
    let labels: Vec<Labels<'_>> = variables.iter().map(|&v| columns[v].labels).collect();
    let near: Vec<Option<(u64, u64)>> = variables
        .iter()
        .map(|&v| near.get(v).copied().flatten())
        .collect();
    let table = joint_counts_near(&labels, &near)?;
    let books = table.codebooks();
    for (&v, book) in variables.iter().zip(books) {
        if let Codebook::Offset { min, card } = *book {
            ranges[v] = Some((min, min + (card - 1)));
        }
    }
    // Code → local index, filled as codes are met (a codebook may hold unobserved codes).
    let mut local_of_code: Vec<Vec<u32>> = Vec::with_capacity(books.len());
    for book in books {
        let card = book.card() as usize;
        let what = || format!("the local indices of {card} codes");
        local_of_code.push(memory::try_filled(card, u32::MAX, what, TOO_LARGE)?);
    }
    let k = variables.len();
    let mut cells = LocalCells::default();
    // At most one cell per stored cell and per sample.
    let most = table
        .stored_cells()
        .min(usize::try_from(table.total()).unwrap_or(usize::MAX));
    let what = || format!("the {most} cells of a batch");
    memory::try_reserve(&mut cells.indices, most * k, what, TOO_LARGE)?;
    memory::try_reserve(&mut cells.counts, most, what, TOO_LARGE)?;
    let mut failure = None;
    table.for_each_cell(0..table.stored_cells(), |codes, count| {
        if failure.is_some() {
            return;
        }
        for (j, &code) in codes.iter().enumerate() {
            let slot = &mut local_of_code[j][code as usize];
            if *slot == u32::MAX {
                match locals[variables[j]].index_of_key(books[j].key(code)) {
                    Ok(i) => *slot = i,
                    Err(e) => {
                        failure = Some(e);
                        return;
                    }
                }
            }
            cells.indices.push(*slot);
        }
        cells.counts.push(count);
    });
    if let Some(e) = failure {
        return Err(e);
    }
    debug_assert_eq!(cells.indices.len(), k * cells.counts.len());
    Ok(cells)
}

/// A table of the accumulator: its variables and their counted cells.
#[derive(Debug, Clone)]
struct Table {
    variables: Vec<usize>,
    cells: Cells,
}

/// Per variable, the key range its last batch was counted over: where [`Accumulator::count_near`]
/// looks first for the next batch (a stream's batches mostly share their ranges, and a range
/// guessed from a sample costs a pass over cold memory). Only a hint, never part of the counts.
type Ranges = Vec<Option<(u64, u64)>>;

/// Exact, mergeable joint counts of several variables (see the module documentation).
#[derive(Debug, Clone)]
pub struct Accumulator {
    layout: Layout,
    kinds: Vec<Option<Kind>>,
    dictionaries: Vec<Option<Dictionary>>,
    tables: Vec<Table>,
    n: u64,
    ranges: Ranges,
}

/// What to do when counts outgrow the memory budget.
const TOO_LARGE: &str = "bin or group variables with many values into fewer ones (e.g. \
    fastinfo.discretize with fixed edges), count fewer variables together, or raise \
    FASTINFO_MEMORY_LIMIT";

impl Accumulator {
    /// An empty accumulator.
    #[must_use]
    pub fn new(layout: Layout) -> Accumulator {
        let k = layout.variables();
        Accumulator {
            layout,
            kinds: vec![None; k],
            dictionaries: vec![None; k],
            tables: layout
                .tables()
                .into_iter()
                .map(|variables| Table {
                    cells: Cells::new(variables.len()),
                    variables,
                })
                .collect(),
            n: 0,
            ranges: vec![None; k],
        }
    }

    /// The layout.
    #[must_use]
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Number of samples counted.
    #[must_use]
    pub fn n(&self) -> u64 {
        self.n
    }

    /// The kind of each variable (`None` until it has a sample).
    #[must_use]
    pub fn kinds(&self) -> &[Option<Kind>] {
        &self.kinds
    }

    /// Number of distinct values of each variable.
    #[must_use]
    pub fn cardinalities(&self) -> Vec<usize> {
        self.dictionaries
            .iter()
            .map(|d| d.as_ref().map_or(0, Dictionary::len))
            .collect()
    }

    /// Occupied cells of each table.
    #[must_use]
    pub fn occupied(&self) -> Vec<usize> {
        self.tables.iter().map(|t| t.cells.occupied()).collect()
    }

    /// Counts the batch `columns` (one per variable, equal lengths; empty is fine) for `layout`,
    /// without touching any accumulator.
    pub fn count(layout: Layout, columns: &[Column<'_>]) -> Result<Batch> {
        let never = AtomicBool::new(false);
        Accumulator::count_with(layout, columns, &[], &never, blocks::BLOCK_MIN_ROWS)
    }

    /// [`Accumulator::count`] for this accumulator's layout, counting each variable over the key
    /// range of its previous batch if that range holds it (the same counts, found faster);
    /// `Err(Interrupted)` once `interrupt` is raised.
    pub fn count_near(&self, columns: &[Column<'_>], interrupt: &AtomicBool) -> Result<Batch> {
        Accumulator::count_with(
            self.layout,
            columns,
            &self.ranges,
            interrupt,
            blocks::BLOCK_MIN_ROWS,
        )
    }

    /// The batch: the tables of small-alphabet integer columns of a pairs layout by the
    /// data-set block kernels (`blocks.rs`) when it has at least `block_min_rows` rows, every
    /// other table by `count_table`.
    fn count_with(
        layout: Layout,
        columns: &[Column<'_>],
        near: &[Option<(u64, u64)>],
        interrupt: &AtomicBool,
        block_min_rows: usize,
    ) -> Result<Batch> {
        let k = layout.variables();
        if columns.len() != k {
            return Err(Error::InvalidArgument {
                argument: "variables".into(),
                message: format!(
                    "this {} counts {k} variable{}, but {} were given",
                    layout.class(),
                    if k == 1 { "" } else { "s" },
                    columns.len()
                ),
            });
        }
        let n = columns[0].labels.len();
        for c in columns {
            if c.labels.len() != n {
                return Err(Error::LengthMismatch {
                    argument: c.name.clone(),
                    expected: n,
                    found: c.labels.len(),
                });
            }
            let consistent = match c.values {
                None => c.kind.domain() == Domain::Integer,
                Some(v) => v.domain() == c.kind.domain(),
            };
            if !consistent {
                return Err(Error::InvalidArgument {
                    argument: c.name.clone(),
                    message: format!("its values do not match its kind {:?}", c.kind.name()),
                });
            }
        }
        let mut locals: Vec<Local<'_, '_>> = columns
            .iter()
            .map(|column| Local {
                column,
                by_key: HashMap::default(),
                values: Values::empty(column.kind.domain()),
            })
            .collect();
        let mut ranges: Ranges = vec![None; k];
        let tables = if n == 0 {
            vec![LocalCells::default(); layout.tables().len()]
        } else {
            let counted = if n >= block_min_rows {
                blocks::count_dense(layout, columns, &mut locals, &mut ranges, interrupt)?
            } else {
                vec![None; layout.tables().len()]
            };
            layout
                .tables()
                .iter()
                .zip(counted)
                .map(|(variables, counted)| {
                    if let Some(cells) = counted {
                        return Ok(cells);
                    }
                    interrupted(interrupt)?;
                    count_table(columns, variables, &mut locals, near, &mut ranges)
                })
                .collect::<Result<_>>()?
        };
        Ok(Batch {
            layout,
            rows: n as u64,
            names: columns.iter().map(|c| c.name.clone()).collect(),
            kinds: columns.iter().map(|c| c.kind.clone()).collect(),
            values: locals.into_iter().map(|l| l.values).collect(),
            tables,
            ranges,
        })
    }

    /// A batch of a table counted elsewhere (a contingency table the user already has): variable
    /// `v` takes `values[v]` (of kind `kinds[v]`), and cell `i` holds `counts[i]` samples whose
    /// values have indices `indices[k i .. k (i + 1)]`. Empty cells are skipped and values no
    /// cell holds are dropped (counts are keyed by value, as if the samples had been counted).
    pub fn table_batch(
        layout: Layout,
        kinds: &[Kind],
        values: &[Values],
        indices: &[u64],
        counts: &[u64],
    ) -> Result<Batch> {
        let k = layout.variables();
        if !matches!(layout, Layout::Joint(_)) || kinds.len() != k || values.len() != k {
            return Err(Error::InvalidArgument {
                argument: "table".into(),
                message: format!("a table of {k} variables needs {k} axes of values"),
            });
        }
        if indices.len() != k * counts.len() {
            return Err(Error::InvalidArgument {
                argument: "table".into(),
                message: "cells and counts differ in number".into(),
            });
        }
        for (v, (kind, vals)) in kinds.iter().zip(values).enumerate() {
            if kind.domain() != vals.domain() {
                return Err(Error::InvalidArgument {
                    argument: Cow::Owned(format!("values[{v}]")),
                    message: format!("its values do not match its kind {:?}", kind.name()),
                });
            }
        }
        // Local index of each used value, per variable, in order of first use.
        let mut local: Vec<HashMap<u64, u32, foldhash::fast::RandomState>> =
            (0..k).map(|_| HashMap::default()).collect();
        let mut chosen: Vec<Vec<u32>> = vec![Vec::new(); k];
        let mut cells = LocalCells::default();
        let mut rows = 0u64;
        for (cell, &count) in indices.chunks_exact(k.max(1)).zip(counts) {
            if count == 0 {
                continue;
            }
            rows = rows
                .checked_add(count)
                .ok_or_else(|| Error::InvalidArgument {
                    argument: "table".into(),
                    message: "its counts add up to more than 2**64 - 1 samples".into(),
                })?;
            for (v, &i) in cell.iter().enumerate() {
                if i >= values[v].len() as u64 {
                    return Err(Error::InvalidArgument {
                        argument: Cow::Owned(format!("values[{v}]")),
                        message: format!(
                            "has {} values, but the table has a cell at index {i} of axis {v}",
                            values[v].len()
                        ),
                    });
                }
                let next = local[v].len() as u32;
                let id = *local[v].entry(i).or_insert_with(|| {
                    chosen[v].push(i as u32);
                    next
                });
                cells.indices.push(id);
            }
            cells.counts.push(count);
        }
        Ok(Batch {
            layout,
            rows,
            names: (0..k).map(|v| Cow::Owned(format!("values[{v}]"))).collect(),
            kinds: kinds.to_vec(),
            values: values
                .iter()
                .zip(&chosen)
                .map(|(vals, at)| vals.select(at))
                .collect(),
            tables: vec![cells],
            ranges: vec![None; k],
        })
    }

    /// Checks that `batch` can be committed: the same layout, the kinds of its variables, and
    /// the memory budget for the counts after it.
    pub fn check(&self, batch: &Batch) -> Result<()> {
        if batch.layout != self.layout {
            return Err(Error::InvalidArgument {
                argument: "other".into(),
                message: format!(
                    "a {} of {} variables cannot be merged into a {} of {}",
                    batch.layout.class(),
                    batch.layout.variables(),
                    self.layout.class(),
                    self.layout.variables()
                ),
            });
        }
        if batch.rows == 0 {
            return Ok(());
        }
        // Every cell's count is at most the number of samples: this bounds them all.
        if self.n.checked_add(batch.rows).is_none() {
            return Err(Error::InvalidArgument {
                argument: batch
                    .names
                    .first()
                    .cloned()
                    .unwrap_or(Cow::Borrowed("other")),
                message: format!(
                    "{} more sample{} would take the counts past 2**64 - 1 samples (they hold {})",
                    batch.rows,
                    if batch.rows == 1 { "" } else { "s" },
                    self.n
                ),
            });
        }
        for (v, kind) in self.kinds.iter().enumerate() {
            if let Some(kind) = kind {
                if *kind != batch.kinds[v] {
                    return Err(Error::WrongKind {
                        argument: batch.names[v].clone(),
                        expected: kind.name().to_string(),
                        found: batch.kinds[v].name().to_string(),
                    });
                }
            }
        }
        let lens: Vec<usize> = self
            .cardinalities()
            .iter()
            .zip(&batch.values)
            .map(|(&len, new)| len + new.len())
            .collect();
        let mut bytes: u128 = self
            .dictionaries
            .iter()
            .zip(&batch.values)
            .map(|(d, new)| d.as_ref().map_or(0, Dictionary::footprint) + new.footprint())
            .sum();
        let mut cells = 0usize;
        for (table, local) in self.tables.iter().zip(&batch.tables) {
            let table_lens: Vec<usize> = table.variables.iter().map(|&v| lens[v]).collect();
            let occupied = table.cells.occupied() + local.counts.len();
            cells += occupied;
            bytes += Cells::footprint(&table_lens, occupied);
        }
        memory::check(
            || {
                format!(
                    "the counts of a {} ({} occupied cells, {} distinct values)",
                    self.layout.class(),
                    cells,
                    lens.iter().sum::<usize>()
                )
            },
            bytes,
            TOO_LARGE,
        )
    }

    /// Adds a batch that [`Accumulator::check`] accepted.
    ///
    /// Everything it needs is reserved first, fallibly (dictionaries, the ids of the batch's
    /// values, every table's store); only then are values and cells added, which allocates
    /// nothing large. So `Err` (an allocation the allocator refused, though within the budget)
    /// leaves the counts as they were: the same samples, values and kinds.
    pub fn commit(&mut self, batch: Batch) -> Result<()> {
        if batch.rows == 0 {
            return Ok(());
        }
        let k = self.kinds.len();
        // 1. The ids of the values already known; how many are new, per variable.
        let mut ids: Vec<Vec<u32>> = Vec::with_capacity(k);
        let mut fresh: Vec<Option<Dictionary>> = Vec::with_capacity(k);
        let mut lens = self.cardinalities();
        for (v, (values, len)) in batch.values.iter().zip(&mut lens).enumerate() {
            let what = || format!("the ids of {} values of {}", values.len(), batch.names[v]);
            let mut known = memory::try_filled(values.len(), values::NEW, what, TOO_LARGE)?;
            let new = match &self.dictionaries[v] {
                Some(d) => d.lookup(values, &mut known),
                None => values.len(),
            };
            ids.push(known);
            *len += new;
            // 2. Room for them (a variable's first dictionary is installed only at the end).
            if let Some(d) = &mut self.dictionaries[v] {
                d.try_reserve(new)?;
                fresh.push(None);
            } else {
                let mut d = Dictionary::new(batch.kinds[v].domain());
                d.try_reserve(new)?;
                fresh.push(Some(d));
            }
        }
        // 3. Room for the cells, in every table (re-keyed when ids grow wider).
        for (table, local) in self.tables.iter_mut().zip(&batch.tables) {
            let table_lens: Vec<usize> = table.variables.iter().map(|&v| lens[v]).collect();
            let occupied = table.cells.occupied() + local.counts.len();
            table.cells.try_reserve(&table_lens, occupied)?;
        }
        // 4. Nothing below allocates beyond what was reserved, or fails.
        for (v, d) in fresh.into_iter().enumerate() {
            if let Some(d) = d {
                self.dictionaries[v] = Some(d);
            }
            self.kinds[v].get_or_insert_with(|| batch.kinds[v].clone());
            self.dictionaries[v]
                .as_mut()
                .expect("installed above")
                .insert_new(&batch.values[v], &mut ids[v]);
        }
        for (table, local) in self.tables.iter_mut().zip(batch.tables) {
            let k = table.variables.len();
            let mut cell = vec![0u32; k];
            for (indices, &count) in local.indices.chunks_exact(k).zip(&local.counts) {
                for ((slot, &v), &i) in cell.iter_mut().zip(&table.variables).zip(indices) {
                    *slot = ids[v][i as usize];
                }
                table.cells.add(&cell, count);
            }
        }
        self.n += batch.rows;
        for (hint, range) in self.ranges.iter_mut().zip(batch.ranges) {
            if range.is_some() {
                *hint = range;
            }
        }
        Ok(())
    }

    /// This accumulator's counts as a batch, to merge into another one (check, then commit);
    /// copied fallibly.
    pub fn as_batch(&self) -> Result<Batch> {
        let mut values: Vec<Values> = Vec::with_capacity(self.kinds.len());
        for (d, kind) in self.dictionaries.iter().zip(&self.kinds) {
            values.push(match (d, kind) {
                (Some(d), _) => d.try_values()?,
                (None, Some(kind)) => Values::empty(kind.domain()),
                (None, None) => Values::empty(Domain::Integer),
            });
        }
        let mut tables = Vec::with_capacity(self.tables.len());
        for t in &self.tables {
            let occupied = t.cells.occupied();
            let k = t.variables.len();
            let what = || format!("a copy of {occupied} cells of {k} variables");
            let mut local = LocalCells::default();
            memory::try_reserve(&mut local.indices, occupied * k, what, TOO_LARGE)?;
            memory::try_reserve(&mut local.counts, occupied, what, TOO_LARGE)?;
            t.cells.for_each(|ids, count| {
                local.indices.extend_from_slice(ids);
                local.counts.push(count);
            });
            tables.push(local);
        }
        Ok(Batch {
            layout: self.layout,
            rows: self.n,
            names: (0..self.kinds.len())
                .map(|v| Cow::Owned(format!("variable {v} of other")))
                .collect(),
            kinds: self
                .kinds
                .iter()
                .map(|k| k.clone().unwrap_or_else(|| Kind::new("int")))
                .collect(),
            values,
            tables,
            ranges: vec![None; self.kinds.len()],
        })
    }

    /// Adds the counts of `other` (the same layout).
    pub fn merge(&mut self, other: &Accumulator) -> Result<()> {
        let batch = other.as_batch()?;
        self.check(&batch)?;
        self.commit(batch)
    }

    /// The canonical bytes of this accumulator (see `codec.rs`).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// The accumulator of [`Accumulator::to_bytes`]; `Err` naming `argument` if `bytes` are not
    /// such a string.
    pub fn from_bytes(bytes: &[u8], argument: &'static str) -> Result<Accumulator> {
        codec::decode(bytes, argument)
    }
}

#[cfg(test)]
mod tests;
