//! The byte string of an accumulator: compact, canonical, checked on the way back in.
//!
//! Every number is an unsigned LEB128 varint (7 bits a byte):
//!
//! ```text
//! "FIC" version(=1) layout(0 joint, 1 pairs, 2 target) size n
//! per variable:  0                                   (no kind yet: no samples)
//!             |  1 kind-name-length kind-name m values   (m ≥ 1 values, ascending)
//!                  integers: zigzag(first), then the gaps to the next (≥ 1)
//!                  texts:    length and bytes of each
//! per table:     c  cells (ascending)  counts (c of them, each ≥ 1)
//!                  cells: key of the first, then the gaps (≥ 1), where a key is the mixed-radix
//!                         number of the cell's value ranks; or, when the product of the
//!                         variables' numbers of values overflows 64 bits, every rank of every cell
//! ```
//!
//! Values are written sorted and cells by rank, so the bytes depend only on the counts, not on
//! the order in which batches arrived or were merged: equal accumulators have equal bytes. A
//! well-filled table costs about one byte per cell for its key plus the varint of its count.
//!
//! Decoding checks everything it reads (lengths against what is left, order, ranges, that every
//! table's counts add up to `n` and that every value of a variable occurs in each of its tables)
//! and reports a corrupt string as an error naming the argument, never a panic.

use super::cells::Cells;
use super::values::{Dictionary, Domain, Kind, Values};
use super::{Accumulator, Layout};
use crate::{Error, Result};

const MAGIC: &[u8; 3] = b"FIC";
const VERSION: u8 = 1;

fn put(out: &mut Vec<u8>, mut v: u128) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn zigzag(v: i128) -> u128 {
    ((v << 1) ^ (v >> 127)) as u128
}

fn unzigzag(v: u128) -> i128 {
    ((v >> 1) as i128) ^ -((v & 1) as i128)
}

/// The canonical bytes of `acc`.
pub(super) fn encode(acc: &Accumulator) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.push(VERSION);
    let (tag, size) = match acc.layout {
        Layout::Joint(k) => (0, k),
        Layout::Pairs(d) => (1, d),
        Layout::Target(d) => (2, d),
    };
    put(&mut out, tag);
    put(&mut out, size as u128);
    put(&mut out, u128::from(acc.n));
    for v in 0..acc.kinds.len() {
        let (Some(kind), Some(_)) = (&acc.kinds[v], &acc.dictionaries[v]) else {
            out.push(0);
            continue;
        };
        out.push(1);
        put(&mut out, kind.name().len() as u128);
        out.extend_from_slice(kind.name().as_bytes());
        let values = acc.sorted_values(v);
        put(&mut out, values.len() as u128);
        match values {
            Values::Integers(values) => {
                put(&mut out, zigzag(values[0]));
                for w in values.windows(2) {
                    put(&mut out, (w[1] - w[0]) as u128);
                }
            }
            Values::Texts(values) => {
                for t in &values {
                    put(&mut out, t.len() as u128);
                    out.extend_from_slice(t);
                }
            }
        }
    }
    for table in &acc.tables {
        if acc.n == 0 {
            put(&mut out, 0);
            continue;
        }
        let canonical = acc
            .table(&table.variables)
            .expect("every table of counted samples has a canonical form");
        let cards: Vec<u64> = canonical
            .codebooks()
            .iter()
            .map(crate::Codebook::card)
            .collect();
        let (ranks, counts) = canonical.nonzero_cells();
        put(&mut out, counts.len() as u128);
        let product = cards.iter().try_fold(1u64, |a, &c| a.checked_mul(c));
        if product.is_some() {
            let mut previous = 0u64;
            for i in 0..counts.len() {
                let key = ranks
                    .iter()
                    .zip(&cards)
                    .fold(0u64, |acc, (r, &card)| acc * card + r[i]);
                put(&mut out, u128::from(key - previous));
                previous = key;
            }
        } else {
            for i in 0..counts.len() {
                for r in &ranks {
                    put(&mut out, u128::from(r[i]));
                }
            }
        }
        for &c in &counts {
            put(&mut out, u128::from(c));
        }
    }
    out
}

/// Reads the byte string back, checking it.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    argument: &'static str,
}

impl Reader<'_> {
    fn corrupt(&self, what: &str) -> Error {
        Error::InvalidArgument {
            argument: self.argument.into(),
            message: format!(
                "is not the saved state of fastinfo counts ({what}, at byte {}); it may be \
                 truncated or come from another version",
                self.at
            ),
        }
    }

    fn byte(&mut self) -> Result<u8> {
        let b = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| self.corrupt("unexpected end"))?;
        self.at += 1;
        Ok(b)
    }

    fn number(&mut self) -> Result<u128> {
        let mut v = 0u128;
        for shift in (0..128).step_by(7) {
            let b = self.byte()?;
            let part = u128::from(b & 0x7f);
            if shift == 126 && part > 3 {
                return Err(self.corrupt("a number overflows 128 bits"));
            }
            v |= part << shift;
            if b & 0x80 == 0 {
                // One encoding per number: no trailing zero groups (the bytes stay canonical).
                if b == 0 && shift > 0 {
                    return Err(self.corrupt("a number is not in its shortest form"));
                }
                return Ok(v);
            }
        }
        Err(self.corrupt("a number overflows 128 bits"))
    }

    fn u64(&mut self) -> Result<u64> {
        u64::try_from(self.number()?).map_err(|_| self.corrupt("a number overflows 64 bits"))
    }

    /// A length, which cannot exceed the bytes left (each item takes at least `min_bytes`).
    fn length(&mut self, min_bytes: usize) -> Result<usize> {
        let n = self.u64()?;
        let left = (self.bytes.len() - self.at) / min_bytes.max(1);
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= left)
            .ok_or_else(|| self.corrupt("a length exceeds the data"))
    }

    fn slice(&mut self, len: usize) -> Result<&[u8]> {
        let end = self
            .at
            .checked_add(len)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| self.corrupt("unexpected end"))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
}

/// The accumulator whose bytes are `bytes`.
// One linear pass of checks in the order of the format above; split, the checks would scatter.
#[allow(clippy::too_many_lines)]
pub(super) fn decode(bytes: &[u8], argument: &'static str) -> Result<Accumulator> {
    let mut r = Reader {
        bytes,
        at: 0,
        argument,
    };
    if r.slice(3)? != MAGIC || r.byte()? != VERSION {
        r.at = 0;
        return Err(r.corrupt("no fastinfo counts header"));
    }
    let tag = r.number()?;
    let size = usize::try_from(r.u64()?).map_err(|_| r.corrupt("bad size"))?;
    let name = match tag {
        0 => "joint",
        1 => "pairs",
        2 => "target",
        _ => return Err(r.corrupt("unknown layout")),
    };
    if size > bytes.len().max(1 << 16) {
        return Err(r.corrupt("too many variables"));
    }
    let layout = Layout::new(name, size).map_err(|_| r.corrupt("bad number of variables"))?;
    let mut acc = Accumulator::new(layout);
    let n = r.u64()?;
    for v in 0..layout.variables() {
        match r.byte()? {
            0 => continue,
            1 => {}
            _ => return Err(r.corrupt("bad variable marker")),
        }
        let len = r.length(1)?;
        let name = std::str::from_utf8(r.slice(len)?).map(str::to_string);
        let name = name.map_err(|_| r.corrupt("a kind name is not text"))?;
        let kind = Kind::new(&name);
        let m = r.length(1)?;
        if m == 0 {
            return Err(r.corrupt("a variable without values"));
        }
        let values = match kind.domain() {
            Domain::Integer => {
                let mut values = Vec::with_capacity(m);
                let mut value = unzigzag(r.number()?);
                values.push(value);
                for _ in 1..m {
                    let gap = i128::try_from(r.number()?).ok().filter(|&g| g >= 1);
                    value = gap
                        .and_then(|g| value.checked_add(g))
                        .ok_or_else(|| r.corrupt("values not in ascending order"))?;
                    values.push(value);
                }
                Values::Integers(values)
            }
            Domain::Text => {
                let mut values: Vec<Box<[u8]>> = Vec::with_capacity(m);
                for _ in 0..m {
                    let len = r.length(1)?;
                    let text: Box<[u8]> = r.slice(len)?.into();
                    if name == "str" && std::str::from_utf8(&text).is_err() {
                        return Err(r.corrupt("a str value is not UTF-8"));
                    }
                    if values.last().is_some_and(|last| *last >= text) {
                        return Err(r.corrupt("values not in ascending order"));
                    }
                    values.push(text);
                }
                Values::Texts(values)
            }
        };
        let mut dictionary = Dictionary::new(kind.domain());
        dictionary.ids_of(&values)?;
        acc.kinds[v] = Some(kind);
        acc.dictionaries[v] = Some(dictionary);
    }
    let all_kinds = acc.kinds.iter().all(Option::is_some);
    let no_kinds = acc.kinds.iter().all(Option::is_none);
    if (n > 0 && !all_kinds) || (n == 0 && !no_kinds) {
        return Err(r.corrupt("kinds do not match the number of samples"));
    }
    let lens = acc.cardinalities();
    for t in 0..acc.tables.len() {
        let variables = acc.tables[t].variables.clone();
        let cards: Vec<u64> = variables.iter().map(|&v| lens[v] as u64).collect();
        let c = r.length(2)?;
        if (n == 0) != (c == 0) {
            return Err(r.corrupt("cells do not match the number of samples"));
        }
        let product = cards.iter().try_fold(1u64, |a, &c| a.checked_mul(c));
        let k = variables.len();
        let mut ranks = vec![0u32; c * k];
        match product {
            Some(product) => {
                let mut key = 0u64;
                for i in 0..c {
                    let gap = r.u64()?;
                    key = match (i, key.checked_add(gap)) {
                        (0, Some(key)) => key,
                        (_, Some(next)) if gap >= 1 => next,
                        _ => return Err(r.corrupt("cells not in ascending order")),
                    };
                    if key >= product {
                        return Err(r.corrupt("a cell outside the table"));
                    }
                    let mut rest = key;
                    for j in (0..k).rev() {
                        ranks[i * k + j] = (rest % cards[j]) as u32;
                        rest /= cards[j];
                    }
                }
            }
            None => {
                for i in 0..c {
                    for j in 0..k {
                        let rank = r.u64()?;
                        if rank >= cards[j] {
                            return Err(r.corrupt("a cell outside the table"));
                        }
                        ranks[i * k + j] = rank as u32;
                    }
                    if i > 0 && ranks[(i - 1) * k..i * k] >= ranks[i * k..(i + 1) * k] {
                        return Err(r.corrupt("cells not in ascending order"));
                    }
                }
            }
        }
        let mut counts = Vec::with_capacity(c);
        let mut total = 0u64;
        for _ in 0..c {
            let count = r.u64()?;
            total = total
                .checked_add(count)
                .filter(|_| count >= 1)
                .ok_or_else(|| r.corrupt("a bad count"))?;
            counts.push(count);
        }
        if total != n {
            return Err(r.corrupt("a table's counts do not add up to the number of samples"));
        }
        let mut seen: Vec<Vec<bool>> = cards.iter().map(|&c| vec![false; c as usize]).collect();
        for (j, seen) in seen.iter_mut().enumerate() {
            for i in 0..c {
                seen[ranks[i * k + j] as usize] = true;
            }
        }
        if seen.iter().any(|s| s.contains(&false)) {
            return Err(r.corrupt("a value that no cell holds"));
        }
        let table_lens: Vec<usize> = variables.iter().map(|&v| lens[v]).collect();
        let cells: &mut Cells = &mut acc.tables[t].cells;
        cells.try_reserve(&table_lens, c)?;
        for (cell, &count) in ranks.chunks_exact(k).zip(&counts) {
            cells.add(cell, count);
        }
    }
    if r.at != bytes.len() {
        return Err(r.corrupt("trailing bytes"));
    }
    acc.n = n;
    Ok(acc)
}
