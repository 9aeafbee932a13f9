//! String labels to integer codes: one hash of each string's bytes, codes numbered in sorted order.
//!
//! Strings arrive in one of three layouts, all read in place:
//! - [`Strings::Offsets`]: Arrow's layout, string `i` being `data[offsets[i]..offsets[i + 1]]`, in
//!   one or more chunks (pyarrow arrays and chunked arrays, polars and pandas `string[pyarrow]`
//!   columns; the bindings copy lists and object arrays of `str` into this layout as UTF-8);
//! - [`Strings::Views`]: Arrow's `string_view`/`binary_view` layout, 16 bytes per string (its
//!   length, then the string itself if it has at most 12 bytes, else a 4-byte prefix, the index
//!   of a data buffer and the offset in it), in one or more chunks;
//! - [`Strings::Fixed`]: numpy's fixed-width `S` (bytes) and `U` (UCS-4) arrays, `width` bytes per
//!   string, padded with zeros.
//!
//! [`factorise`] gives every distinct string a code, numbered in the order `np.unique` sorts the
//! strings: UTF-8 bytes sort in code-point order (as Python's `str` does), `S` strings byte by byte
//! and `U` strings by UCS-4 code unit. Only the distinct strings are sorted; the codes are then
//! renumbered in one pass. Results never depend on the hash: the order comes from the sort.

use crate::runtime::memory;
use crate::{Error, Result};
use rayon::slice::ParallelSliceMut;
use std::borrow::Cow;
use std::cmp::Ordering as CmpOrdering;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

/// Strings in one of the layouts the Python layer hands over (see the module docs).
pub enum Strings<'a> {
    /// Chunks of Arrow-style `(offsets, data)`: `offsets` has one more entry than the chunk has
    /// strings, and must be non-decreasing and within `data`.
    Offsets(Vec<(OffsetSlice<'a>, &'a [u8])>),
    /// Chunks of Arrow views `(views, buffers)`: `views` holds 16 bytes per string (little-endian
    /// fields), each long string within one of the chunk's data `buffers`.
    Views(Vec<(&'a [u8], Vec<&'a [u8]>)>),
    /// `data.len() / width` strings of `width` bytes each; `wide` for UCS-4 (`U`) strings, which
    /// sort by native-endian 4-byte code units.
    Fixed {
        data: &'a [u8],
        width: usize,
        wide: bool,
    },
}

/// The offsets of one Arrow chunk: `string` has 32-bit offsets, `large_string` 64-bit.
#[derive(Clone, Copy)]
pub enum OffsetSlice<'a> {
    I32(&'a [i32]),
    I64(&'a [i64]),
}

impl OffsetSlice<'_> {
    fn len(self) -> usize {
        match self {
            OffsetSlice::I32(o) => o.len(),
            OffsetSlice::I64(o) => o.len(),
        }
    }

    /// Offset `i` as a position (`None` if negative).
    #[inline]
    fn at(self, i: usize) -> Option<usize> {
        match self {
            OffsetSlice::I32(o) => usize::try_from(o[i]).ok(),
            OffsetSlice::I64(o) => usize::try_from(o[i]).ok(),
        }
    }
}

/// Bytes per Arrow view.
const VIEW: usize = 16;

/// The string of one 16-byte Arrow view (`None` if it does not describe one within `buffers`): a
/// length `≤ 12` is followed by the string itself, a longer one by a 4-byte prefix, the index of
/// the data buffer and the offset in it (all little-endian `i32`).
#[inline]
fn view_bytes<'a>(view: &'a [u8], buffers: &[&'a [u8]]) -> Option<&'a [u8]> {
    let field = |at: usize| {
        let value = i32::from_le_bytes([view[at], view[at + 1], view[at + 2], view[at + 3]]);
        usize::try_from(value).ok()
    };
    let length = field(0)?;
    if length <= 12 {
        return Some(&view[4..4 + length]);
    }
    let (buffer, offset) = (field(8)?, field(12)?);
    buffers
        .get(buffer)?
        .get(offset..offset.checked_add(length)?)
}

/// Codes of the strings (`codes[i]` numbers string `i` among the distinct strings in sorted
/// order) and, for each code, the position of the first string that has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Factorised {
    pub codes: Vec<u32>,
    pub firsts: Vec<u64>,
}

impl Strings<'_> {
    /// Number of strings.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Strings::Offsets(chunks) => chunks.iter().map(|(o, _)| o.len().saturating_sub(1)).sum(),
            Strings::Views(chunks) => chunks.iter().map(|(v, _)| v.len() / VIEW).sum(),
            Strings::Fixed { data, width, .. } => data.len().checked_div(*width).unwrap_or(0),
        }
    }

    /// Whether there are no strings.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks the offsets of every chunk (non-decreasing, within the data), so that reading the
    /// strings afterwards cannot go out of bounds.
    fn validate(&self, argument: &str) -> Result<()> {
        let bad = |message: String| Error::InvalidArgument {
            argument: Cow::Owned(argument.to_string()),
            message,
        };
        match self {
            Strings::Offsets(chunks) => {
                for (c, (offsets, data)) in chunks.iter().enumerate() {
                    if offsets.len() == 0 {
                        return Err(bad(format!(
                            "chunk {c} of the string buffers has no offsets"
                        )));
                    }
                    let mut previous = offsets.at(0);
                    for i in 1..offsets.len() {
                        let here = offsets.at(i);
                        match (previous, here) {
                            (Some(a), Some(b)) if a <= b && b <= data.len() => {}
                            _ => {
                                return Err(bad(format!(
                                    "chunk {c} of the string buffers has invalid offsets at {i}"
                                )))
                            }
                        }
                        previous = here;
                    }
                }
            }
            Strings::Views(chunks) => {
                for (c, (views, buffers)) in chunks.iter().enumerate() {
                    if views.len() % VIEW != 0 {
                        return Err(bad(format!(
                            "chunk {c} of the string views has {} bytes, not 16 per string",
                            views.len()
                        )));
                    }
                    for (i, view) in views.chunks_exact(VIEW).enumerate() {
                        if view_bytes(view, buffers).is_none() {
                            return Err(bad(format!(
                                "chunk {c} of the string views has an invalid view at {i}"
                            )));
                        }
                    }
                }
            }
            Strings::Fixed { data, width, wide } => {
                if *width == 0 && !data.is_empty() {
                    return Err(bad("fixed-width strings of width 0".to_string()));
                }
                if (*width != 0 && data.len() % width != 0) || (*wide && width % 4 != 0) {
                    return Err(bad(format!(
                        "{} bytes do not hold whole strings of {width} bytes",
                        data.len()
                    )));
                }
            }
        }
        Ok(())
    }

    /// Calls `each(i, bytes)` for every string in order (after [`Strings::validate`]).
    fn for_each<'s>(&'s self, mut each: impl FnMut(usize, &'s [u8]) -> Result<()>) -> Result<()> {
        match self {
            Strings::Offsets(chunks) => {
                let mut i = 0;
                for (offsets, data) in chunks {
                    let mut start = offsets.at(0).unwrap_or(0);
                    for k in 1..offsets.len() {
                        let end = offsets.at(k).unwrap_or(start);
                        each(i, &data[start..end])?;
                        start = end;
                        i += 1;
                    }
                }
            }
            Strings::Views(chunks) => {
                let mut i = 0;
                for (views, buffers) in chunks {
                    for view in views.chunks_exact(VIEW) {
                        each(i, view_bytes(view, buffers).unwrap_or_default())?;
                        i += 1;
                    }
                }
            }
            Strings::Fixed { data, width, .. } => {
                if *width > 0 {
                    for (i, s) in data.chunks_exact(*width).enumerate() {
                        each(i, s)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The first 8 bytes of a string as an integer that orders as the strings do (zero-padded;
    /// for UCS-4, the first two code units), so that unequal prefixes decide a comparison.
    fn prefix(&self, s: &[u8]) -> u64 {
        if let Strings::Fixed { wide: true, .. } = self {
            let mut units = s
                .chunks_exact(4)
                .map(|u| u64::from(u32::from_ne_bytes([u[0], u[1], u[2], u[3]])));
            let first = units.next().unwrap_or(0);
            let second = units.next().unwrap_or(0);
            return (first << 32) | second;
        }
        let mut head = [0u8; 8];
        let n = s.len().min(8);
        head[..n].copy_from_slice(&s[..n]);
        u64::from_be_bytes(head)
    }

    /// How two strings of this layout sort (as `np.unique` sorts them).
    fn compare(&self, a: &[u8], b: &[u8]) -> CmpOrdering {
        match self {
            Strings::Fixed { wide: true, .. } => a
                .chunks_exact(4)
                .map(|u| u32::from_ne_bytes([u[0], u[1], u[2], u[3]]))
                .cmp(
                    b.chunks_exact(4)
                        .map(|u| u32::from_ne_bytes([u[0], u[1], u[2], u[3]])),
                ),
            _ => a.cmp(b),
        }
    }
}

/// How often (in strings) the factorisation looks at the interrupt flag.
const POLL: usize = 1 << 20;

/// Codes of `strings` numbered in sorted order, and the first position of each (see the module
/// docs). `argument` names the input in errors. Errors: offsets that do not describe strings
/// within the data, more than `u32::MAX` strings, the memory budget, or an interrupt.
pub fn factorise(
    strings: &Strings<'_>,
    argument: impl Into<Cow<'static, str>>,
    interrupt: &AtomicBool,
) -> Result<Factorised> {
    let argument = argument.into();
    strings.validate(&argument)?;
    let n = strings.len();
    if n == 0 {
        return Err(Error::EmptyInput { argument });
    }
    if u32::try_from(n).is_err() {
        return Err(Error::InvalidArgument {
            argument,
            message: format!("has {n} strings; at most {} are supported", u32::MAX),
        });
    }
    // The codes, and at worst one distinct string per string: its map entry (key, code, hash),
    // its key and first position (16 + 8 bytes, kept for the sort, where the order, ranks and
    // sorted first positions take 28 bytes in place of the map's 40).
    memory::check(
        || format!("the codes of the strings of {argument}"),
        (n as u128) * (4 + 40 + 24),
        "",
    )?;
    // Every allocation that grows with the input is fallible: a failed one is a MemoryError,
    // never an abort. The map and the distinct keys grow by doubling, reserved before an insert.
    let what = || format!("the codes of the strings of {argument}");
    let mut codes: Vec<u32> = Vec::new();
    memory::try_reserve(&mut codes, n, what, "")?;
    let mut keys: Vec<&[u8]> = Vec::new();
    let mut firsts: Vec<u64> = Vec::new();
    let mut map: HashMap<&[u8], u32, foldhash::fast::RandomState> = HashMap::default();
    strings.for_each(|i, s| {
        if i % POLL == POLL - 1 && interrupt.load(Ordering::Relaxed) {
            return Err(Error::Interrupted);
        }
        // Room for one more distinct string first (two compares; a doubling now and then), so
        // that the insert below never allocates.
        if map.len() == map.capacity() {
            let more = map.len().max(64);
            map.try_reserve(more).map_err(|_| Error::TooLarge {
                what: what(),
                bytes: (more as u128) * 32,
                budget: memory::budget().unwrap_or(0),
                advice: "the allocation failed".to_string(),
            })?;
        }
        if keys.len() == keys.capacity() {
            let more = keys.len().max(64);
            memory::try_reserve(&mut keys, more, what, "")?;
            memory::try_reserve(&mut firsts, more, what, "")?;
        }
        let code = *map.entry(s).or_insert_with(|| {
            keys.push(s);
            firsts.push(i as u64);
            (keys.len() - 1) as u32
        });
        codes.push(code);
        Ok(())
    })?;
    drop(map);
    // Sort the distinct strings only (by an 8-byte prefix that orders like the strings, the
    // strings themselves breaking ties: most comparisons are one integer compare), then renumber.
    // The distinct strings are all different, so the order is total and the parallel sort
    // deterministic.
    // The order (12 bytes per distinct string, 16 with padding), the ranks (4) and the firsts
    // (8) below, fallibly: each is within the check above (at most one per string).
    let distinct = keys.len();
    let mut order: Vec<(u64, u32)> = Vec::new();
    memory::try_reserve(&mut order, distinct, what, "")?;
    order.extend(
        keys.iter()
            .enumerate()
            .map(|(code, key)| (strings.prefix(key), code as u32)),
    );
    let by_string = |a: &(u64, u32), b: &(u64, u32)| {
        a.0.cmp(&b.0)
            .then_with(|| strings.compare(keys[a.1 as usize], keys[b.1 as usize]))
    };
    if order.len() > 1 << 14 {
        order.par_sort_unstable_by(by_string);
    } else {
        order.sort_unstable_by(by_string);
    }
    let mut rank = memory::try_filled(distinct, 0u32, what, "")?;
    for (position, &(_, code)) in order.iter().enumerate() {
        rank[code as usize] = position as u32;
    }
    for code in &mut codes {
        *code = rank[*code as usize];
    }
    drop(rank);
    let mut sorted_firsts: Vec<u64> = Vec::new();
    memory::try_reserve(&mut sorted_firsts, distinct, what, "")?;
    sorted_firsts.extend(order.iter().map(|&(_, c)| firsts[c as usize]));
    Ok(Factorised {
        codes,
        firsts: sorted_firsts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets_of(words: &[&str]) -> (Vec<i32>, Vec<u8>) {
        let mut offsets = vec![0i32];
        let mut data = Vec::new();
        for w in words {
            data.extend_from_slice(w.as_bytes());
            offsets.push(data.len() as i32);
        }
        (offsets, data)
    }

    fn naive(words: &[&str]) -> Factorised {
        let mut distinct: Vec<&str> = words.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        let codes = words
            .iter()
            .map(|w| distinct.binary_search(w).unwrap() as u32)
            .collect();
        let firsts = distinct
            .iter()
            .map(|d| words.iter().position(|w| w == d).unwrap() as u64)
            .collect();
        Factorised { codes, firsts }
    }

    /// Arrow views of `words`, the long ones in two data buffers (alternately).
    fn views_of(words: &[&str]) -> (Vec<u8>, Vec<Vec<u8>>) {
        let mut views = Vec::new();
        let mut buffers = vec![b"pad".to_vec(), Vec::new()];
        for (i, w) in words.iter().enumerate() {
            let bytes = w.as_bytes();
            views.extend_from_slice(&(bytes.len() as i32).to_le_bytes());
            if bytes.len() <= 12 {
                let mut inline = [0u8; 12];
                inline[..bytes.len()].copy_from_slice(bytes);
                views.extend_from_slice(&inline);
            } else {
                let buffer = i % 2;
                views.extend_from_slice(&bytes[..4]);
                views.extend_from_slice(&(buffer as i32).to_le_bytes());
                views.extend_from_slice(&(buffers[buffer].len() as i32).to_le_bytes());
                buffers[buffer].extend_from_slice(bytes);
            }
        }
        (views, buffers)
    }

    #[test]
    fn views_match_a_sort_and_bad_views_are_refused() {
        let words = [
            "b",
            "a long string of words",
            "",
            "twelve bytes",
            "thirteen byte",
            "b",
            "a long string of words",
            "a long string of word",
            "twelve bytes",
        ];
        let (views, buffers) = views_of(&words);
        let data: Vec<&[u8]> = buffers.iter().map(Vec::as_slice).collect();
        // Two chunks, split inside the words.
        let strings = Strings::Views(vec![
            (&views[..16 * 4], data.clone()),
            (&views[16 * 4..], data.clone()),
        ]);
        let got = factorise(&strings, "x", &AtomicBool::new(false)).unwrap();
        assert_eq!(got, naive(&words));
        let mut bad = views.clone();
        bad[16 + 8] = 7; // a buffer that does not exist
        let strings = Strings::Views(vec![(&bad, data.clone())]);
        assert!(factorise(&strings, "x", &AtomicBool::new(false)).is_err());
        let strings = Strings::Views(vec![(&views[..20], data)]);
        assert!(factorise(&strings, "x", &AtomicBool::new(false)).is_err());
    }

    #[test]
    fn offsets_match_a_sort() {
        let words = ["b", "a", "", "é", "b", "z", "", "ab", "a"];
        let (offsets, data) = offsets_of(&words);
        let strings = Strings::Offsets(vec![(OffsetSlice::I32(&offsets), &data)]);
        let got = factorise(&strings, "x", &AtomicBool::new(false)).unwrap();
        assert_eq!(got, naive(&words));
    }

    #[test]
    fn many_strings_with_shared_prefixes_match_a_sort() {
        // More distinct strings than the parallel-sort threshold, many sharing 8-byte prefixes.
        let owned: Vec<String> = (0..40_000u32)
            .map(|i| match i % 4 {
                0 => format!("prefix__{}", (i * 7919) % 30_011),
                1 => format!("{}", (i * 104_729) % 50_021),
                2 => format!("é{}", i % 997),
                _ => "prefix__".repeat((i % 3) as usize),
            })
            .collect();
        let words: Vec<&str> = owned.iter().map(String::as_str).collect();
        let (offsets, data) = offsets_of(&words);
        let strings = Strings::Offsets(vec![(OffsetSlice::I32(&offsets), &data)]);
        let got = factorise(&strings, "x", &AtomicBool::new(false)).unwrap();
        let mut distinct: Vec<&str> = words.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let want: Vec<u32> = words
            .iter()
            .map(|w| distinct.binary_search(w).unwrap() as u32)
            .collect();
        assert_eq!(got.codes, want);
        for (code, &first) in got.firsts.iter().enumerate() {
            assert_eq!(words[first as usize], distinct[code]);
        }
    }

    #[test]
    fn chunks_share_codes() {
        let (o1, d1) = offsets_of(&["b", "a"]);
        let (o2, d2) = offsets_of(&["a", "c", "b"]);
        let o2: Vec<i64> = o2.iter().map(|&o| i64::from(o)).collect();
        let strings = Strings::Offsets(vec![
            (OffsetSlice::I32(&o1), &d1),
            (OffsetSlice::I64(&o2), &d2),
        ]);
        let got = factorise(&strings, "x", &AtomicBool::new(false)).unwrap();
        assert_eq!(got, naive(&["b", "a", "a", "c", "b"]));
    }

    #[test]
    fn fixed_width_ucs4_sorts_by_code_unit() {
        // "b", "ab", "a" padded to 2 code units.
        let units: [u32; 6] = ['b' as u32, 0, 'a' as u32, 'b' as u32, 'a' as u32, 0];
        let data: Vec<u8> = units.iter().flat_map(|u| u.to_ne_bytes()).collect();
        let strings = Strings::Fixed {
            data: &data,
            width: 8,
            wide: true,
        };
        let got = factorise(&strings, "x", &AtomicBool::new(false)).unwrap();
        assert_eq!(got.codes, vec![2, 1, 0]);
        assert_eq!(got.firsts, vec![2, 1, 0]);
    }

    #[test]
    fn bad_offsets_are_refused() {
        let data = b"abc".to_vec();
        for offsets in [vec![0, 4], vec![2, 1], vec![-1, 1], vec![]] {
            let strings = Strings::Offsets(vec![(OffsetSlice::I32(&offsets), &data)]);
            let err = factorise(&strings, "x", &AtomicBool::new(false)).unwrap_err();
            assert!(matches!(
                err,
                Error::InvalidArgument { .. } | Error::EmptyInput { .. }
            ));
        }
    }
}
