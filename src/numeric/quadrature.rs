//! Adaptive Gauss–Kronrod (G7–K15) quadrature of a two-component integrand, summed in a fixed
//! order so that the result does not depend on the refinement order.

use super::compensated_sum;

/// Gauss–Kronrod 7–15 nodes (positive half, centre last) and weights.
const KRONROD_NODES: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];
const KRONROD_WEIGHTS: [f64; 8] = [
    0.022_935_322_010_529_22,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_2,
    0.140_653_259_715_525_9,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_8,
];
/// Gauss weights of the 7-point rule, at Kronrod nodes 1, 3, 5 and the centre.
const GAUSS_WEIGHTS: [f64; 4] = [
    0.129_484_966_168_869_7,
    0.279_705_391_489_276_7,
    0.381_830_050_505_118_9,
    0.417_959_183_673_469_4,
];

/// One G7–K15 panel on `[a, b]` of a two-component integrand: (Kronrod estimates, error estimate).
fn kronrod_panel(f: &impl Fn(f64) -> [f64; 2], a: f64, b: f64) -> ([f64; 2], f64) {
    let centre = 0.5 * (a + b);
    let half = 0.5 * (b - a);
    let mut kronrod = [0.0f64; 2];
    let mut gauss = [0.0f64; 2];
    for (i, (&x, &wk)) in KRONROD_NODES.iter().zip(&KRONROD_WEIGHTS).enumerate() {
        let points: &[f64] = if x == 0.0 {
            &[centre]
        } else {
            &[centre - half * x, centre + half * x]
        };
        for &p in points {
            let v = f(p);
            for j in 0..2 {
                kronrod[j] += wk * v[j];
                if i % 2 == 1 {
                    gauss[j] += GAUSS_WEIGHTS[i / 2] * v[j];
                }
            }
        }
    }
    let scaled = [kronrod[0] * half, kronrod[1] * half];
    let error = ((kronrod[0] - gauss[0]) * half)
        .abs()
        .max(((kronrod[1] - gauss[1]) * half).abs());
    (scaled, error)
}

/// Global adaptive G7–K15 quadrature over consecutive `breakpoints`, to a relative error of about
/// 1e-12 of either component (at most 500 panels).
pub fn adaptive_gauss_kronrod(f: &impl Fn(f64) -> [f64; 2], breakpoints: &[f64]) -> [f64; 2] {
    let mut panels: Vec<(f64, f64, [f64; 2], f64)> = breakpoints
        .windows(2)
        .filter(|w| w[1] > w[0])
        .map(|w| {
            let (v, e) = kronrod_panel(f, w[0], w[1]);
            (w[0], w[1], v, e)
        })
        .collect();
    for _ in 0..500 {
        let total = panels.iter().fold([0.0f64; 2], |acc, p| {
            [acc[0] + p.2[0].abs(), acc[1] + p.2[1].abs()]
        });
        let error: f64 = panels.iter().map(|p| p.3).sum();
        let scale = total[0].min(total[1]).max(f64::MIN_POSITIVE);
        let Some((worst, _)) = panels
            .iter()
            .enumerate()
            .max_by(|x, y| x.1 .3.total_cmp(&y.1 .3))
        else {
            break;
        };
        if error <= 1e-13 * scale {
            break;
        }
        let (a, b, _, _) = panels.swap_remove(worst);
        let mid = 0.5 * (a + b);
        if mid <= a || mid >= b {
            break;
        }
        for (lo, hi) in [(a, mid), (mid, b)] {
            let (v, e) = kronrod_panel(f, lo, hi);
            panels.push((lo, hi, v, e));
        }
    }
    // Sum in order of position so the result does not depend on the refinement order.
    panels.sort_by(|x, y| x.0.total_cmp(&y.0));
    [
        compensated_sum(panels.iter().map(|p| p.2[0])),
        compensated_sum(panels.iter().map(|p| p.2[1])),
    ]
}
