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

/// The cost of each pass of the dense path on one thread, at n = 10^7, in blocks of 512 samples
/// as the counting engine runs them: the range check alone, the joint code, counting codes into
/// 4 interleaved sub-tables, and merging two `u32` part tables into `u64`. The exact-range pass is
/// the difference between a histogram whose guessed range misses a value (count, fail, range,
/// count again) and two plain counts.
fn passes(c: &mut Criterion) {
    use fastinfo::runtime::simd::histogram::{count_offsets, inside, pair_codes, CodeBlock};
    use fastinfo::runtime::simd::level;
    const B: usize = 512;
    let mut group = c.benchmark_group("passes");
    group
        .throughput(Throughput::Elements(N as u64))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a pool");
    let lv = level();
    let mut rng = SplitMix(5);
    let labels: Vec<i32> = (0..N).map(|_| rng.below(256) as i32).collect();
    group.bench_function("entropy-256/check", |b| {
        b.iter(|| labels.chunks(B).all(|x| inside(lv, black_box(x), 0, 256)));
    });
    group.bench_function("entropy-256/check+count", |b| {
        let mut table = vec![0u32; 4 * 256];
        b.iter(|| {
            table.fill(0);
            labels
                .chunks(B)
                .all(|x| count_offsets::<i32, 4>(lv, black_box(x), 0, 256, &mut table))
        });
    });
    group.bench_function("entropy-256/whole-call-1-thread", |b| {
        b.iter(|| one.install(|| entropy(&[Labels::from(black_box(&labels))], Estimator::Plugin)));
    });
    let mut late = labels.clone();
    late[N - 100] = 300; // outside the guess (the guess samples the last 4096), inside the table
    late[N - 5000] = 255;
    group.bench_function("entropy-256/guess-missed-1-thread", |b| {
        b.iter(|| one.install(|| entropy(&[Labels::from(black_box(&late))], Estimator::Plugin)));
    });
    drop((labels, late));

    let (x, y) = dependent_pair(2, 64);
    let (x, y): (Vec<i32>, Vec<i32>) = (
        x.iter().map(|&v| v as i32).collect(),
        y.iter().map(|&v| v as i32).collect(),
    );
    group.bench_function("mi-64x64/codes", |b| {
        let mut codes = [0u32; B];
        b.iter(|| {
            x.chunks(B).zip(y.chunks(B)).all(|(a, c)| {
                pair_codes(
                    lv,
                    black_box(a),
                    black_box(c),
                    [0, 0],
                    [64, 64],
                    &mut codes[..a.len()],
                )
            })
        });
    });
    group.bench_function("mi-64x64/codes+count", |b| {
        let mut codes = [0u32; B];
        let mut table = vec![0u32; 4 * 4096];
        b.iter(|| {
            table.fill(0);
            x.chunks(B).zip(y.chunks(B)).all(|(a, c)| {
                let mut block = CodeBlock::new(&mut codes[..a.len()]);
                block.push_pair(lv, black_box(a), black_box(c), [0, 0], [64, 64]);
                block.count::<1>(&mut table)
            })
        });
    });
    group.bench_function("mi-64x64/whole-call-1-thread", |b| {
        b.iter(|| {
            one.install(|| {
                mutual_information(
                    &[Labels::from(black_box(&x))],
                    &[Labels::from(black_box(&y))],
                    Estimator::Plugin,
                )
            })
        });
    });
    drop((x, y));
    let parts: Vec<Vec<u32>> = (0..2).map(|p| vec![p + 1; 4096]).collect();
    group.throughput(Throughput::Elements(4096));
    group.bench_function("merge-2-parts-of-4096-cells", |b| {
        b.iter(|| {
            let mut total = vec![0u64; 4096];
            for part in black_box(&parts) {
                for (t, &c) in total.iter_mut().zip(part) {
                    *t += u64::from(c);
                }
            }
            total
        });
    });
    group.finish();
}

criterion_group!(benches, kernels, passes);
criterion_main!(benches);
