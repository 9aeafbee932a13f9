//! Throughput of the runtime-dispatched kernels, one thread, at every level this CPU has:
//! `cargo bench --bench simd`. Throughput is elements (logarithms) per second.
//!
//! - `ln_slice/4096`: 4096 logarithms of values in (0, 2), against `f64::ln` in a loop;
//! - `sum_xlogx_of_sum/256`, `sum_abs_diff/256`: one pair of 256-bin rows;
//! - `js_block/128x128x256`: every pair of two 128-row blocks of 256-bin rows, the inner loop of
//!   the pairwise Jensen–Shannon divergence (one logarithm per bin and pair).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fastinfo::runtime::simd::{ln_slice_with, sum_abs_diff_with, sum_xlogx_of_sum_with, Level};
use std::hint::black_box;
use std::time::Duration;

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

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `rows` normalised distributions of `k` bins, row-major.
fn distributions(rng: &mut SplitMix, rows: usize, k: usize) -> Vec<f64> {
    let mut w: Vec<f64> = (0..rows * k).map(|_| rng.unit()).collect();
    for row in w.chunks_exact_mut(k) {
        let total: f64 = row.iter().sum();
        for x in row.iter_mut() {
            *x /= total;
        }
    }
    w
}

/// The levels this CPU runs (the others would fall back to one of these).
fn levels() -> Vec<Level> {
    Level::ALL
        .into_iter()
        .filter(|l| l.is_available())
        .collect()
}

fn ln(c: &mut Criterion) {
    const N: usize = 4096;
    let mut rng = SplitMix(1);
    let x: Vec<f64> = (0..N).map(|_| 2.0 * rng.unit() + 1e-300).collect();
    let mut out = vec![0.0; N];
    let mut group = c.benchmark_group("ln_slice");
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function(BenchmarkId::new("std_f64_ln", N), |b| {
        b.iter(|| {
            for (o, &v) in out.iter_mut().zip(black_box(&x)) {
                *o = v.ln();
            }
            black_box(&out);
        });
    });
    for level in levels() {
        group.bench_function(BenchmarkId::new(level.name(), N), |b| {
            b.iter(|| ln_slice_with(level, black_box(&x), black_box(&mut out)));
        });
    }
    group.finish();
}

fn pair(c: &mut Criterion) {
    const K: usize = 256;
    let mut rng = SplitMix(2);
    let w = distributions(&mut rng, 2, K);
    let (p, q) = w.split_at(K);
    let mut group = c.benchmark_group("sum_xlogx_of_sum");
    group.throughput(Throughput::Elements(K as u64));
    for level in levels() {
        group.bench_function(BenchmarkId::new(level.name(), K), |b| {
            b.iter(|| sum_xlogx_of_sum_with(level, black_box(p), black_box(q)));
        });
    }
    group.finish();
    let mut group = c.benchmark_group("sum_abs_diff");
    group.throughput(Throughput::Elements(K as u64));
    for level in levels() {
        group.bench_function(BenchmarkId::new(level.name(), K), |b| {
            b.iter(|| sum_abs_diff_with(level, black_box(p), black_box(q)));
        });
    }
    group.finish();
}

fn js_block(c: &mut Criterion) {
    const ROWS: usize = 128;
    const K: usize = 256;
    let mut rng = SplitMix(3);
    let a = distributions(&mut rng, ROWS, K);
    let b = distributions(&mut rng, ROWS, K);
    let mut group = c.benchmark_group("js_block");
    group.throughput(Throughput::Elements((ROWS * ROWS * K) as u64));
    for level in levels() {
        group.bench_function(BenchmarkId::new(level.name(), "128x128x256"), |bench| {
            bench.iter(|| {
                let mut total = 0.0;
                for p in black_box(&a).chunks_exact(K) {
                    for q in black_box(&b).chunks_exact(K) {
                        total += sum_xlogx_of_sum_with(level, p, q);
                    }
                }
                total
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = ln, pair, js_block
}
criterion_main!(benches);
