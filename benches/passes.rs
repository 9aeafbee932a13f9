//! The cost of every pass of dense counting, at 1 and 2 threads: `cargo bench --bench passes`
//! (`-- --n 1000000` for another size, `-- --repeats 21` for more calls per median).
//!
//! Each pass runs alone, exactly as the counting engine runs it, on a rayon pool of the given
//! size; the figure is the median wall time of `--repeats` runs, in microseconds. `whole call` is
//! the public function (`entropy` or `mutual_information`, plug-in), so the passes' sum against
//! it shows what is left (the estimate from the table, allocations, the join). The table is the
//! one in `docs/kernels.md`.

use fastinfo::samples::counts::passes;
use fastinfo::{entropy, mutual_information, Estimator, Label, Labels};
use std::hint::black_box;
use std::time::Instant;

/// Split-mix 64: reproducible inputs without a dependency.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `n` Zipf-like labels over 256 values (p ∝ 1/(v + 1)), as in `benches/bench_kernels.py`.
fn zipf(n: usize, rng: &mut SplitMix) -> Vec<u32> {
    let weights: Vec<f64> = (1..=256).map(|k| 1.0 / f64::from(k)).collect();
    let total: f64 = weights.iter().sum();
    let mut cdf = Vec::with_capacity(256);
    let mut acc = 0.0;
    for w in &weights {
        acc += w / total;
        cdf.push(acc);
    }
    (0..n)
        .map(|_| {
            let u = rng.unit();
            cdf.partition_point(|&c| c < u).min(255) as u32
        })
        .collect()
}

fn median(repeats: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..repeats)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[repeats / 2]
}

/// The rows of one case: (pass, µs at 1 thread, µs at 2 threads).
type Rows = Vec<(String, [f64; 2])>;

fn row(rows: &mut Rows, name: &str, t: usize, us: f64) {
    if let Some(r) = rows.iter_mut().find(|r| r.0 == name) {
        r.1[t] = us;
    } else {
        let mut v = [0.0; 2];
        v[t] = us;
        rows.push((name.to_string(), v));
    }
}

fn entropy_case<T: Label + fastinfo::runtime::simd::histogram::Lane>(
    x: &[T],
    repeats: usize,
) -> Rows
where
    for<'a> Labels<'a>: From<&'a [T]>,
{
    let mut rows = Rows::new();
    for (t, threads) in [1usize, 2].into_iter().enumerate() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool");
        pool.install(|| {
            let (lo, hi) = passes::guess_range(x);
            let card = (hi - lo + 1) as usize;
            let us = median(repeats, || {
                black_box(passes::guess_range(black_box(x)));
            });
            row(&mut rows, "range guess (sample, serial)", t, us);
            let us = median(repeats, || {
                black_box(passes::exact_range(black_box(x)));
            });
            row(&mut rows, "exact range (min/max, fallback only)", t, us);
            let us = median(repeats, || {
                black_box(passes::check(black_box(x), lo, card));
            });
            row(&mut rows, "range check alone", t, us);
            let us = median(repeats, || {
                black_box(passes::histogram_parts(black_box(x), lo, card));
            });
            row(&mut rows, "check + count into part tables", t, us);
            let parts = passes::histogram_parts(x, lo, card);
            let us = median(repeats, || {
                black_box(passes::merge(parts.clone(), card));
            });
            row(&mut rows, "merge part tables (incl. clone)", t, us);
            let us = median(repeats, || {
                black_box(entropy(&[Labels::from(black_box(x))], Estimator::Plugin).unwrap());
            });
            row(&mut rows, "whole call: entropy", t, us);
        });
    }
    rows
}

fn mi_case(x: &[i32], y: &[i32], repeats: usize) -> Rows {
    let mut rows = Rows::new();
    let columns = [Labels::from(x), Labels::from(y)];
    for (t, threads) in [1usize, 2].into_iter().enumerate() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool");
        pool.install(|| {
            let (a, b) = (passes::guess_range(x), passes::guess_range(y));
            let mins = [a.0, b.0];
            let cards = [a.1 - a.0 + 1, b.1 - b.0 + 1];
            let cells = (cards[0] * cards[1]) as usize;
            let us = median(repeats, || {
                black_box((passes::guess_range(x), passes::guess_range(y)));
            });
            row(&mut rows, "range guess, both columns", t, us);
            let us = median(repeats, || {
                black_box((passes::exact_range(x), passes::exact_range(y)));
            });
            row(&mut rows, "exact ranges (fallback only)", t, us);
            let us = median(repeats, || {
                black_box(passes::codes(black_box(&columns), &mins, &cards));
            });
            row(&mut rows, "code pass alone (checked)", t, us);
            let us = median(repeats, || {
                black_box(passes::joint_parts(black_box(&columns), &mins, &cards));
            });
            row(&mut rows, "code pass + count into part tables", t, us);
            let parts = passes::joint_parts(&columns, &mins, &cards);
            let us = median(repeats, || {
                black_box(passes::merge(parts.clone(), cells));
            });
            row(&mut rows, "merge part tables (incl. clone)", t, us);
            let us = median(repeats, || {
                black_box(
                    mutual_information(&columns[..1], &columns[1..], Estimator::Plugin).unwrap(),
                );
            });
            row(&mut rows, "whole call: mutual_information", t, us);
        });
    }
    rows
}

fn print(title: &str, rows: &Rows) {
    println!("\n{title}\n");
    println!("| pass | 1 thread (µs) | 2 threads (µs) |");
    println!("|---|---:|---:|");
    for (name, [a, b]) in rows {
        println!("| {name} | {a:.0} | {b:.0} |");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str, default: f64| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(default)
    };
    let n = value("--n", 1e7) as usize;
    let repeats = value("--repeats", 11.0) as usize;
    let mut rng = SplitMix(20_261_204);
    println!("n = {n}, median of {repeats}");
    let z = zipf(n, &mut rng);
    let z32: Vec<i32> = z.iter().map(|&v| v as i32).collect();
    let z8: Vec<u8> = z.iter().map(|&v| v as u8).collect();
    print(
        "entropy, 256 values (Zipf), int32",
        &entropy_case(&z32, repeats),
    );
    print(
        "entropy, 256 values (Zipf), uint8",
        &entropy_case(&z8, repeats),
    );
    let x: Vec<i32> = (0..n).map(|_| (rng.next() % 64) as i32).collect();
    let y: Vec<i32> = x
        .iter()
        .map(|&v| (v + (rng.next() % 16) as i32) % 64)
        .collect();
    print(
        "mutual_information, 64 x 64, int32",
        &mi_case(&x, &y, repeats),
    );
}
