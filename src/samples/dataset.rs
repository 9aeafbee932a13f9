//! Dataset-scale mutual information: the all-pairs matrix of `d` discrete columns and the MI of
//! every column with one target.
//!
//! # Exactness
//! Entry `(i, j)`, `i < j`, of [`mutual_information_matrix`] is the bits of
//! [`crate::mutual_information`] of columns `i` and `j` (and the matrix is exactly symmetric);
//! the diagonal is [`crate::entropy`] of each column; entry `j` of [`mutual_information_with`] is
//! [`crate::mutual_information`] of column `j` with the target. Both paths compute the plug-in sum
//! with one shared kernel (`estimate::two_way_information`) over the non-empty cells of the pair
//! table in ascending order of values, and the estimators' corrections from the same counts.
//!
//! # Algorithm
//! 1. **Encode** every column once to dense codes `0..card` in ascending order of value (the rank
//!    of the value among the column's observed values), column-major: `u8` when a column has at
//!    most 256 observed values ("narrow"), `u32` otherwise ("wide"). A row-major input is
//!    transposed in row blocks that stay in cache. The histogram of each column comes out of the
//!    same pass.
//! 2. **Binary columns** (at most 2 values) are bit-packed, 64 rows per word; the 2 × 2 table of a
//!    pair follows from three counts, `n₁₁ = popcount(a & b)`, `n₁· = popcount(a)`,
//!    `n·₁ = popcount(b)`. Pairs are counted in tiles of 32 × 32 columns by blocks of 2048 words,
//!    so each word loaded is used 32 times.
//! 3. **Other narrow columns** are grouped into *parts* whose joint code fits a byte (the product
//!    of their cardinalities is at most 256, e.g. two 16-valued columns); every pair of parts is
//!    one *block*, counted by a single pass over the rows into a `u32` table of at most 2^16 cells
//!    (256 KiB, resident in L2). One increment feeds every pair across the two parts (4 pairs of
//!    16-valued columns), and the pairs within a part come from the table's margins. The pair
//!    tables are then marginalised out of the block table.
//! 4. Pairs with a **wide** column go through the general counting engine
//!    ([`crate::mutual_information`] on the codes), one pair at a time.
//!
//! [`mutual_information_with`] groups the narrow columns into parts whose joint code times the
//! target's cardinality fits 2^16 cells, one pass over the rows per part.
//!
//! # Parallelism, determinism and memory
//! Blocks (or tiles) run in parallel; when there are fewer blocks than twice the threads, each
//! block's rows are split too. Counts are exact integers, so the tables — and every result — are
//! identical for any number of threads. The codes take `n` bytes per narrow column; the memory
//! needed is estimated before anything is allocated and checked against the caller's limit
//! ([`Error::TooLarge`]).

mod count;
mod encode;

use crate::runtime::memory;
use crate::samples::agreement::Average;
use crate::samples::estimate::{entropy_of_counts, summarize, two_way_information_summarized};
use crate::{Error, Estimator, Labels, Result};
pub(crate) use count::target_pairs;
use count::Margins;
use count::{binary_pairs, narrow_pairs};
use encode::encode;
pub(crate) use encode::{encode_ranged, encoded_bytes, key_ranges, Encoded};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// Columns with at most this many observed values get one-byte codes and the block kernels.
pub(crate) const NARROW: usize = 256;
/// Rows per chunk of the parallel passes over one column.
const COLUMN_CHUNK: usize = 1 << 16;

// ---------------------------------------------------------------------------------------------
// Inputs and options

/// The `n × d` labels of a data set, column by column or as one row-major matrix.
#[derive(Debug, Clone)]
pub enum Columns<'a> {
    /// One slice of `n` labels per column (each may have its own integer type).
    Separate(Vec<Labels<'a>>),
    /// A row-major matrix of `n · columns` labels: sample `r`'s value in column `j` is
    /// `data[r * columns + j]`.
    RowMajor { data: Labels<'a>, columns: usize },
}

impl Columns<'_> {
    /// `(n, d)` after checking the shape: at least one row and one column, equal lengths.
    pub fn shape(&self) -> Result<(usize, usize)> {
        let (n, d) = match self {
            Columns::Separate(columns) => {
                let first = columns.first().ok_or(Error::EmptyInput {
                    argument: "X".into(),
                })?;
                let n = first.len();
                for c in columns {
                    if c.len() != n {
                        return Err(Error::LengthMismatch {
                            argument: "X".into(),
                            expected: n,
                            found: c.len(),
                        });
                    }
                }
                (n, columns.len())
            }
            Columns::RowMajor { data, columns } => {
                if *columns == 0 {
                    return Err(Error::EmptyInput {
                        argument: "X".into(),
                    });
                }
                if data.len() % columns != 0 {
                    return Err(Error::ShapeMismatch {
                        argument: "X".into(),
                        expected: vec![data.len() / columns, *columns],
                        found: vec![data.len()],
                    });
                }
                (data.len() / columns, *columns)
            }
        };
        if n == 0 {
            return Err(Error::EmptyInput {
                argument: "X".into(),
            });
        }
        Ok((n, d))
    }
}

/// `Err(Interrupted)` once `interrupt` is raised.
pub(crate) fn interrupted(interrupt: &AtomicBool) -> Result<()> {
    if interrupt.load(Ordering::Relaxed) {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

/// `pair(i, j, table)` of every pair `i < j` of the narrow encoded columns (`table`: the
/// `card_i × card_j` counts of the pair, row-major, rows the codes of `i`): the binary ones by
/// popcounts, the others by blocks (see the module docs). `memory(bytes)` is asked before the
/// packed codes of groups of columns are allocated. Err(`Interrupted`) if `interrupt` is raised.
pub(crate) fn narrow_pair_tables<T: Send>(
    columns: &[Encoded],
    n: usize,
    memory: impl FnOnce(u128) -> Result<()>,
    interrupt: &AtomicBool,
    pair: &(impl Fn(usize, usize, &[u64]) -> T + Sync),
) -> Result<Vec<(usize, usize, T)>> {
    let d = columns.len();
    let narrow: Vec<usize> = (0..d).filter(|&j| columns[j].narrow().is_some()).collect();
    let binary: Vec<usize> = narrow
        .iter()
        .copied()
        .filter(|&j| columns[j].card() <= 2)
        .collect();
    let popcount = binary.len() >= 2;
    let by_popcount = |j: usize| popcount && columns[j].card() <= 2;
    let skip = |i: usize, j: usize| by_popcount(i) && by_popcount(j);
    let mut results = if popcount {
        binary_pairs(&binary, columns, n as u64, interrupt, pair)
    } else {
        Vec::new()
    };
    interrupted(interrupt)?;
    results.extend(narrow_pairs(
        &narrow, columns, n, &skip, memory, interrupt, pair,
    )?);
    interrupted(interrupt)?;
    Ok(results)
}

/// Informations `(i, j, I)` of every pair `i < j` of the encoded columns.
fn pair_informations(
    columns: &[Encoded],
    margins: &Margins<'_>,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<Vec<(usize, usize, f64)>> {
    let d = columns.len();
    let n = margins.n;
    let memory = |packed: u128| {
        memory::check_within(
            || format!("the joint codes of groups of columns ({n} samples)"),
            packed + encoded_bytes(columns),
            memory_limit,
            "use fewer rows or columns at a time",
        )
    };
    let information = |i: usize, j: usize, table: &[u64]| margins.information(i, j, table);
    let mut results = narrow_pair_tables(columns, n as usize, memory, interrupt, &information)?;
    // Pairs with a wide column: the general counting engine, one pair at a time.
    for i in 0..d {
        for j in i + 1..d {
            if columns[i].narrow().is_none() || columns[j].narrow().is_none() {
                interrupted(interrupt)?;
                let x = [columns[i].labels()];
                let y = [columns[j].labels()];
                results.push((i, j, crate::mutual_information(&x, &y, margins.estimator)?));
            }
        }
    }
    Ok(results)
}

/// Normalises the informations in place: `I_ij / average(H_i, H_j)` off the diagonal, 1 on it,
/// with scikit-learn's limit cases (two constant columns: 1; `I = 0`: 0).
///
/// A ratio within `EXACTLY` (256 ulps) of 1 or of 0 is that value: the information and the
/// entropies are summed from different tables, so a ratio that is exactly 1 in theory (two columns
/// equal up to a renaming, for every average; one column a function of the other, for `min`)
/// comes out within a few ulps of 1 on either side. With the plug-in estimator `I ≤ min(H_i, H_j) ≤ average`, so
/// every value is in `[0, 1]`; the bias-corrected estimators can leave that interval, and keep
/// their values.
pub(crate) fn normalize(out: &mut [f64], entropies: &[f64], cards: &[usize], average: Average) {
    // How far a normalised information may lie from 1 or 0 by rounding alone: `I` and `H` are
    // each a compensated sum of positive terms with a relative error of a few ulps each, so their
    // ratio is within a few ulps of the exact one. 256 ulps leaves a wide margin and is far below
    // any real departure from 1 (`H(Y | X) / H(Y)`, at least about `ln(n) / (n H(Y))`: above 1e-9
    // for `n` below 1e10).
    const EXACTLY: f64 = 256.0 * f64::EPSILON;
    // `ratio`, with values within `EXACTLY` of 1 or 0 made exactly 1 or 0.
    let snap = |ratio: f64| {
        if (ratio - 1.0).abs() <= EXACTLY {
            1.0
        } else if ratio.abs() <= EXACTLY {
            0.0
        } else {
            ratio
        }
    };
    let d = entropies.len();
    for i in 0..d {
        for j in 0..d {
            let v = &mut out[i * d + j];
            *v = if i == j || (cards[i] == 1 && cards[j] == 1) {
                1.0
            } else if *v == 0.0 {
                0.0
            } else {
                let scale = average.of(entropies[i], entropies[j]);
                if scale > 0.0 {
                    snap(*v / scale)
                } else {
                    0.0
                }
            };
        }
    }
}

/// The `d × d` matrix (row-major) of `I(X_i; X_j)` with `H(X_i)` on the diagonal, in nats, by
/// `estimator`; normalised by `average` of the two entropies if given (then 1 on the diagonal).
///
/// Entry `(i, j)`, `i < j`, has the bits of [`crate::mutual_information`] of columns `i` and `j`;
/// the matrix is exactly symmetric. `memory_limit` bounds the codes and the output (bytes).
pub fn mutual_information_matrix(
    x: &Columns<'_>,
    estimator: Estimator,
    normalized: Option<Average>,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<Vec<f64>> {
    let (n, d) = x.shape()?;
    let output = 8 * (d as u128) * (d as u128);
    memory::check_within(
        || format!("a {d} x {d} float64 matrix"),
        output,
        memory_limit,
        "use fastinfo.mutual_information_with to score columns against one target instead",
    )?;
    // The codes share the budget with the output; a refusal names both and the whole budget
    // (not the share left to the codes, which read "budget 0 bytes").
    let columns = match encode(x, n, memory_limit.saturating_sub(output as u64), interrupt) {
        Err(Error::TooLarge {
            what,
            bytes,
            advice,
            ..
        }) => {
            return Err(Error::TooLarge {
                what: format!("{what}, with the {d} x {d} float64 matrix,"),
                bytes: bytes + output,
                budget: memory_limit,
                advice,
            })
        }
        encoded => encoded?,
    };
    let margins = Margins {
        columns: &columns,
        summaries: columns
            .par_iter()
            .map(|c| summarize(&c.counts, estimator))
            .collect(),
        n: n as u64,
        estimator,
    };
    let entropies: Vec<f64> = columns
        .par_iter()
        .map(|c| entropy_of_counts(&c.counts, n as u64, estimator))
        .collect();
    let mut out = vec![0.0f64; d * d];
    for (i, &h) in entropies.iter().enumerate() {
        out[i * d + i] = h;
    }
    let memory_limit = memory_limit.saturating_sub(output as u64);
    for (i, j, value) in pair_informations(&columns, &margins, memory_limit, interrupt)? {
        out[i * d + j] = value;
        out[j * d + i] = value;
    }
    if let Some(average) = normalized {
        let cards: Vec<usize> = columns.iter().map(Encoded::card).collect();
        normalize(&mut out, &entropies, &cards, average);
    }
    Ok(out)
}

/// `I(X_j; y)` for every column `j`, in nats, by `estimator`: entry `j` has the bits of
/// [`crate::mutual_information`] of column `j` and `y`. `memory_limit` bounds the codes (bytes).
pub fn mutual_information_with(
    x: &Columns<'_>,
    y: Labels<'_>,
    estimator: Estimator,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<Vec<f64>> {
    let (n, d) = x.shape()?;
    if y.len() != n {
        return Err(Error::LengthMismatch {
            argument: "y".into(),
            expected: n,
            found: y.len(),
        });
    }
    let columns = encode(x, n, memory_limit, interrupt)?;
    let target = encode(&Columns::Separate(vec![y]), n, memory_limit, interrupt)?
        .pop()
        .expect("one target column");
    let margins = Margins {
        columns: &columns,
        summaries: columns
            .par_iter()
            .map(|c| summarize(&c.counts, estimator))
            .collect(),
        n: n as u64,
        estimator,
    };
    let mut out = vec![0.0f64; d];
    let mut general: Vec<usize> = Vec::new();
    if target.narrow().is_some() {
        let narrow: Vec<usize> = (0..d).filter(|&j| columns[j].narrow().is_some()).collect();
        general.extend((0..d).filter(|&j| columns[j].narrow().is_none()));
        let summary = summarize(&target.counts, estimator);
        let information = |j: usize, table: &[u64]| {
            two_way_information_summarized(
                table,
                &columns[j].counts,
                &target.counts,
                margins.summaries[j],
                summary,
                margins.n,
                estimator,
            )
        };
        for (j, value) in target_pairs(&narrow, &columns, &target, n, interrupt, &information) {
            out[j] = value;
        }
    } else {
        general.extend(0..d);
    }
    interrupted(interrupt)?;
    for j in general {
        interrupted(interrupt)?;
        out[j] = crate::mutual_information(&[columns[j].labels()], &[target.labels()], estimator)?;
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // bit-identical results are the point of these tests
mod tests {
    use super::*;
    use crate::testing::SplitMix;
    use crate::{entropy, mutual_information};

    /// Columns of every kind: binary, constant, 16-valued, 200-valued, wide, spread, signed.
    fn mixed_columns(n: usize, seed: u64) -> Vec<Vec<i64>> {
        let mut rng = SplitMix(seed);
        let mut column = |f: &dyn Fn(u64) -> i64| (0..n).map(|_| f(rng.next())).collect();
        vec![
            column(&|r| (r % 2) as i64),
            column(&|r| (r % 16) as i64),
            column(&|_| 7),
            column(&|r| (r % 200) as i64 - 100),
            column(&|r| ((r % 3) as i64) * 1000),
            column(&|r| (r % 700) as i64),
            column(&|r| (r % 2) as i64 + 5),
            column(&|r| ((r % 5) as i64) << 40),
            column(&|r| (r % 16) as i64),
            column(&|r| (r % 4) as i64 - 2),
            column(&|r| (r >> 20) as i64),
            column(&|r| (r % 2) as i64),
        ]
    }

    fn row_major(columns: &[Vec<i64>]) -> Vec<i64> {
        let n = columns[0].len();
        (0..n)
            .flat_map(|r| columns.iter().map(move |c| c[r]))
            .collect()
    }

    const ESTIMATORS: [Estimator; 4] = [
        Estimator::Plugin,
        Estimator::MillerMadow,
        Estimator::Grassberger,
        Estimator::Jackknife,
    ];

    #[test]
    fn matrix_entries_are_the_pairwise_calls_bit_for_bit() {
        let cols = mixed_columns(3000, 1);
        let labels: Vec<Labels<'_>> = cols.iter().map(Labels::from).collect();
        let flat = row_major(&cols);
        let d = cols.len();
        for estimator in ESTIMATORS {
            let separate = mutual_information_matrix(
                &Columns::Separate(labels.clone()),
                estimator,
                None,
                u64::MAX,
                &AtomicBool::new(false),
            )
            .unwrap();
            let rows = mutual_information_matrix(
                &Columns::RowMajor {
                    data: Labels::from(&flat),
                    columns: d,
                },
                estimator,
                None,
                u64::MAX,
                &AtomicBool::new(false),
            )
            .unwrap();
            assert_eq!(separate, rows);
            for i in 0..d {
                let h = entropy(&[labels[i]], estimator).unwrap();
                assert_eq!(separate[i * d + i], h, "H({i}) {estimator:?}");
                for j in i + 1..d {
                    let mi = mutual_information(&[labels[i]], &[labels[j]], estimator).unwrap();
                    assert_eq!(separate[i * d + j], mi, "I({i}; {j}) {estimator:?}");
                    assert_eq!(separate[j * d + i], mi);
                }
            }
        }
    }

    #[test]
    fn scores_against_a_target_are_the_pairwise_calls_bit_for_bit() {
        let cols = mixed_columns(2000, 2);
        let labels: Vec<Labels<'_>> = cols.iter().map(Labels::from).collect();
        for (t, estimator) in [
            (1usize, Estimator::Plugin),
            (0, Estimator::ChaoShen),
            (5, Estimator::Plugin),
        ] {
            let y = labels[t];
            let scores = mutual_information_with(
                &Columns::Separate(labels.clone()),
                y,
                estimator,
                u64::MAX,
                &AtomicBool::new(false),
            )
            .unwrap();
            for (j, &s) in scores.iter().enumerate() {
                assert_eq!(
                    s,
                    mutual_information(&[labels[j]], &[y], estimator).unwrap(),
                    "{j}"
                );
            }
        }
    }

    #[test]
    fn many_binary_and_narrow_columns_use_every_kernel() {
        // 70 binary columns (three popcount tiles), 40 four-valued ones (parts of four), one
        // constant: blocks of mixed parts, tiles, and the diagonal.
        let n = 5000;
        let mut rng = SplitMix(3);
        let mut cols: Vec<Vec<u8>> = Vec::new();
        for k in 0..111 {
            cols.push(
                (0..n)
                    .map(|_| match k {
                        0..=69 => (rng.next() % 2) as u8,
                        70..=109 => (rng.next() % 4) as u8,
                        _ => 3,
                    })
                    .collect(),
            );
        }
        let labels: Vec<Labels<'_>> = cols.iter().map(Labels::from).collect();
        let d = labels.len();
        let m = mutual_information_matrix(
            &Columns::Separate(labels.clone()),
            Estimator::Plugin,
            None,
            u64::MAX,
            &AtomicBool::new(false),
        )
        .unwrap();
        for i in 0..d {
            for j in i + 1..d {
                let mi = mutual_information(&[labels[i]], &[labels[j]], Estimator::Plugin).unwrap();
                assert_eq!(m[i * d + j], mi, "I({i}; {j})");
            }
        }
    }

    #[test]
    fn sixty_four_sixteen_valued_columns_use_the_affine_design() {
        // 336 blocks of four 16-valued columns (AG(3, 4)) instead of 496 pairs of pairs.
        let n = 3000;
        let mut rng = SplitMix(5);
        let cols: Vec<Vec<u8>> = (0..64)
            .map(|_| (0..n).map(|_| (rng.next() % 16) as u8).collect())
            .collect();
        let labels: Vec<Labels<'_>> = cols.iter().map(Labels::from).collect();
        let m = mutual_information_matrix(
            &Columns::Separate(labels.clone()),
            Estimator::MillerMadow,
            None,
            u64::MAX,
            &AtomicBool::new(false),
        )
        .unwrap();
        for i in 0..64 {
            for j in i + 1..64 {
                let mi =
                    mutual_information(&[labels[i]], &[labels[j]], Estimator::MillerMadow).unwrap();
                assert_eq!(m[i * 64 + j], mi, "I({i}; {j})");
            }
        }
    }

    #[test]
    fn thread_count_does_not_change_the_matrix() {
        let cols = mixed_columns(70_000, 4);
        let labels: Vec<Labels<'_>> = cols.iter().map(Labels::from).collect();
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    mutual_information_matrix(
                        &Columns::Separate(labels.clone()),
                        Estimator::Plugin,
                        Some(Average::Geometric),
                        u64::MAX,
                        &AtomicBool::new(false),
                    )
                    .unwrap()
                })
        };
        let one = run(1);
        assert_eq!(one, run(3));
        assert_eq!(one, run(8));
    }

    #[test]
    fn normalisation_follows_scikit_learn_limit_cases() {
        let constant = vec![4u8; 10];
        let other_constant = vec![9i32; 10];
        let x: Vec<u8> = (0..10).map(|i| i % 2).collect();
        let labels = vec![
            Labels::from(&constant),
            Labels::from(&other_constant),
            Labels::from(&x),
        ];
        let m = mutual_information_matrix(
            &Columns::Separate(labels),
            Estimator::Plugin,
            Some(Average::Arithmetic),
            u64::MAX,
            &AtomicBool::new(false),
        )
        .unwrap();
        // Two constants: 1. Constant and varying: I = 0, so 0. Diagonal: 1.
        assert_eq!(m, vec![1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn bad_shapes_and_memory() {
        let a = vec![1u8, 2, 3];
        let b = vec![1u8, 2];
        let stop = AtomicBool::new(false);
        let e = Estimator::Plugin;
        let columns = Columns::Separate(vec![Labels::from(&a), Labels::from(&b)]);
        assert!(matches!(
            mutual_information_matrix(&columns, e, None, u64::MAX, &stop),
            Err(Error::LengthMismatch { argument, .. }) if argument == "X"
        ));
        let empty: Vec<u8> = Vec::new();
        let columns = Columns::Separate(vec![Labels::from(&empty)]);
        assert!(matches!(
            mutual_information_matrix(&columns, e, None, u64::MAX, &stop),
            Err(Error::EmptyInput { argument }) if argument == "X"
        ));
        let columns = Columns::Separate(vec![Labels::from(&a)]);
        assert!(matches!(
            mutual_information_with(&columns, Labels::from(&b), e, u64::MAX, &stop),
            Err(Error::LengthMismatch { argument, .. }) if argument == "y"
        ));
        assert!(matches!(
            mutual_information_matrix(&columns, e, None, 4, &stop),
            Err(Error::TooLarge { .. })
        ));
        let rows = Columns::RowMajor {
            data: Labels::from(&a),
            columns: 2,
        };
        assert!(matches!(rows.shape(), Err(Error::ShapeMismatch { .. })));
        assert!(matches!(
            mutual_information_matrix(&columns, e, None, u64::MAX, &AtomicBool::new(true)),
            Err(Error::Interrupted)
        ));
        assert!("median".parse::<Average>().is_err());
    }
}
