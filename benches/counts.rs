//! Kernel throughput at n = 10^7 samples: `cargo bench --bench counts`.
//!
//! Runs on rayon's global pool (all cores; `RAYON_NUM_THREADS` to choose). Throughput is samples
//! (one sample = one row of every column) per second.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fastinfo::{entropy, mutual_information, Estimator, Labels};
use std::hint::black_box;
use std::time::Duration;

const N: usize = 10_000_000;

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

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// `N` labels in `0..alphabet`, and `N` more that equal the first (mapped) two times in three.
fn dependent_pair(seed: u64, alphabet: u64) -> (Vec<u64>, Vec<u64>) {
    let mut rng = SplitMix(seed);
    let x: Vec<u64> = (0..N).map(|_| rng.below(alphabet)).collect();
    let y = x
        .iter()
        .map(|&v| {
            if rng.below(3) == 0 {
                rng.below(alphabet)
            } else {
                (v * 7 + 1) % alphabet
            }
        })
        .collect();
    (x, y)
}

fn kernels(c: &mut Criterion) {
    let mut group = c.benchmark_group("counts");
    group
        .throughput(Throughput::Elements(N as u64))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));

    let mut rng = SplitMix(1);
    let labels: Vec<i32> = (0..N).map(|_| rng.below(256) as i32).collect();
    group.bench_function("entropy/i32-256-values", |b| {
        b.iter(|| entropy(&[Labels::from(black_box(&labels))], Estimator::Plugin).unwrap());
    });
    drop(labels);

    let bytes: Vec<u8> = (0..N).map(|_| rng.next() as u8).collect();
    group.bench_function("entropy/u8-256-values", |b| {
        b.iter(|| entropy(&[Labels::from(black_box(&bytes))], Estimator::Plugin).unwrap());
    });
    drop(bytes);

    let (x, y) = dependent_pair(2, 64);
    let (x, y): (Vec<i32>, Vec<i32>) = (
        x.iter().map(|&v| v as i32).collect(),
        y.iter().map(|&v| v as i32).collect(),
    );
    group.bench_function("mutual_information/i32-64x64-values", |b| {
        b.iter(|| {
            mutual_information(
                &[Labels::from(black_box(&x))],
                &[Labels::from(black_box(&y))],
                Estimator::Plugin,
            )
            .unwrap()
        });
    });
    drop((x, y));

    // 1000 distinct values per column, spread at random over 0..2^40: factorised, not indexed.
    let (x, y) = dependent_pair(3, 1000);
    let mut rng = SplitMix(4);
    let spread: Vec<i64> = (0..1000).map(|_| rng.below(1 << 40) as i64).collect();
    let (x, y): (Vec<i64>, Vec<i64>) = (
        x.iter().map(|&v| spread[v as usize]).collect(),
        y.iter().map(|&v| spread[v as usize]).collect(),
    );
    group.bench_function("mutual_information/i64-1000x1000-values-over-2^40", |b| {
        b.iter(|| {
            mutual_information(
                &[Labels::from(black_box(&x))],
                &[Labels::from(black_box(&y))],
                Estimator::Plugin,
            )
            .unwrap()
        });
    });
    group.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
