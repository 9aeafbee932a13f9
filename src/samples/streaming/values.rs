//! What the labels of one variable stand for: its kind, a batch's values, and the dictionary of
//! every value seen so far.
//!
//! A variable's labels are integers (any width, signed or not: all live in one `i128` domain, so
//! `5u8` and `5i64` are the same value) or byte strings (UTF-8 text, or raw bytes). Each has a
//! *kind*, the name the Python layer gives it (`"int"`, `"bool"`, `"str"`, `"bytes"`,
//! `"datetime64[ns]"`, ...): batches of one variable must agree on it, so that `1` and `True`,
//! or `1` and `"1"`, are never merged as one value.
//!
//! A [`Dictionary`] numbers the distinct values in order of first arrival (ids are stable: a new
//! value never renumbers the others). Nothing depends on that order: every result is computed
//! from the values sorted ascending ([`Dictionary::ranks`]), so it is the same whatever order
//! the batches arrived in.

use crate::runtime::memory;
use crate::{Error, Result};
use std::collections::HashMap;

/// What to do instead when the values of a variable do not fit.
const ADVICE: &str = "count fewer distinct values (labels with fewer distinct values)";

/// The id [`Dictionary::lookup`] leaves for a value not in the dictionary yet.
pub(super) const NEW: u32 = u32::MAX;

fn ids_what(len: usize) -> String {
    format!("the ids of {len} values")
}

/// `foldhash` for the dictionaries: a lookup per distinct value of a batch, never per sample.
type Map<K> = HashMap<K, u32, foldhash::fast::RandomState>;

/// Where the values of a kind live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// Integers (also bools, dates and times as their integer encodings).
    Integer,
    /// Byte strings (text as UTF-8, whose byte order is the order of code points).
    Text,
}

/// The kind of a variable's labels, as the Python layer names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kind {
    name: Box<str>,
}

impl Kind {
    /// The kind named `name`: `"str"` and `"bytes"` hold byte strings, every other kind integers.
    #[must_use]
    pub fn new(name: &str) -> Kind {
        Kind { name: name.into() }
    }

    /// The kind's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where its values live.
    #[must_use]
    pub fn domain(&self) -> Domain {
        match &*self.name {
            "str" | "bytes" => Domain::Text,
            _ => Domain::Integer,
        }
    }
}

/// The values one batch's codes stand for: code `c` is `values[c]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Values {
    Integers(Vec<i128>),
    Texts(Vec<Box<[u8]>>),
}

impl Values {
    /// Number of values.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Values::Integers(v) => v.len(),
            Values::Texts(v) => v.len(),
        }
    }

    /// Number of values there is room for.
    pub(super) fn capacity(&self) -> usize {
        match self {
            Values::Integers(v) => v.capacity(),
            Values::Texts(v) => v.capacity(),
        }
    }

    /// `true` if there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(super) fn domain(&self) -> Domain {
        match self {
            Values::Integers(_) => Domain::Integer,
            Values::Texts(_) => Domain::Text,
        }
    }

    /// An empty list of values of `domain`.
    pub(super) fn empty(domain: Domain) -> Values {
        match domain {
            Domain::Integer => Values::Integers(Vec::new()),
            Domain::Text => Values::Texts(Vec::new()),
        }
    }

    /// Makes room for `additional` more values, fallibly.
    pub(super) fn try_reserve(
        &mut self,
        additional: usize,
        what: impl FnOnce() -> String,
    ) -> Result<()> {
        match self {
            Values::Integers(v) => memory::try_reserve(v, additional, what, ADVICE),
            Values::Texts(v) => memory::try_reserve(v, additional, what, ADVICE),
        }
    }

    /// Appends value `i` of `other` (of the same domain).
    pub(super) fn push_from(&mut self, other: &Values, i: usize) {
        match (self, other) {
            (Values::Integers(a), Values::Integers(b)) => a.push(b[i]),
            (Values::Texts(a), Values::Texts(b)) => a.push(b[i].clone()),
            _ => unreachable!("values of one variable share a domain"),
        }
    }

    /// The values at `indices`, in that order.
    #[must_use]
    pub fn select(&self, indices: &[u32]) -> Values {
        match self {
            Values::Integers(v) => {
                Values::Integers(indices.iter().map(|&i| v[i as usize]).collect())
            }
            Values::Texts(v) => {
                Values::Texts(indices.iter().map(|&i| v[i as usize].clone()).collect())
            }
        }
    }

    /// Bytes these values take in a dictionary (an estimate, for the memory budget).
    pub(super) fn footprint(&self) -> u128 {
        match self {
            Values::Integers(v) => Self::PER_VALUE * v.len() as u128,
            Values::Texts(v) => v.iter().map(|t| Self::PER_VALUE + t.len() as u128).sum(),
        }
    }

    /// Bytes a value takes in a dictionary, besides its text (an estimate).
    const PER_VALUE: u128 = 64;
}

/// Every distinct value a variable has taken, with ids `0, 1, …` in order of first arrival.
#[derive(Debug, Clone)]
pub(super) enum Dictionary {
    Integers {
        ids: Map<i128>,
        values: Vec<i128>,
    },
    Texts {
        ids: Map<Box<[u8]>>,
        values: Vec<Box<[u8]>>,
    },
}

impl Dictionary {
    pub(super) fn new(domain: Domain) -> Dictionary {
        match domain {
            Domain::Integer => Dictionary::Integers {
                ids: Map::default(),
                values: Vec::new(),
            },
            Domain::Text => Dictionary::Texts {
                ids: Map::default(),
                values: Vec::new(),
            },
        }
    }

    /// Number of distinct values.
    pub(super) fn len(&self) -> usize {
        match self {
            Dictionary::Integers { values, .. } => values.len(),
            Dictionary::Texts { values, .. } => values.len(),
        }
    }

    /// The id of each of `batch` (of this dictionary's domain), inserting the new ones (tests
    /// and the decoder, whose dictionaries are reserved first).
    pub(super) fn ids_of(&mut self, batch: &Values) -> Result<Vec<u32>> {
        let mut ids = memory::try_filled(batch.len(), NEW, || ids_what(batch.len()), ADVICE)?;
        let new = self.lookup(batch, &mut ids);
        self.try_reserve(new)?;
        self.insert_new(batch, &mut ids);
        Ok(ids)
    }

    /// Sets `ids[i]` to the id of `batch[i]` where it is known (leaving [`NEW`] elsewhere), and
    /// returns how many are not: an upper bound of the values [`Dictionary::insert_new`] adds.
    pub(super) fn lookup(&self, batch: &Values, ids: &mut [u32]) -> usize {
        fn find<K: std::hash::Hash + Eq>(map: &Map<K>, batch: &[K], ids: &mut [u32]) -> usize {
            let mut new = 0;
            for (id, v) in ids.iter_mut().zip(batch) {
                match map.get(v) {
                    Some(&known) => *id = known,
                    None => new += 1,
                }
            }
            new
        }
        match (self, batch) {
            (Dictionary::Integers { ids: map, .. }, Values::Integers(b)) => find(map, b, ids),
            (Dictionary::Texts { ids: map, .. }, Values::Texts(b)) => find(map, b, ids),
            _ => unreachable!("kinds were checked before the values are looked up"),
        }
    }

    /// Makes room for `additional` more values, fallibly: after it, [`Dictionary::insert_new`]
    /// of at most that many values allocates nothing but the values' own copies.
    pub(super) fn try_reserve(&mut self, additional: usize) -> Result<()> {
        fn reserve<K: std::hash::Hash + Eq>(
            map: &mut Map<K>,
            values: &mut Vec<K>,
            additional: usize,
        ) -> Result<()> {
            let total = values.len() + additional;
            let what = move || format!("a dictionary of {total} distinct values");
            if total > u32::MAX as usize {
                return Err(Error::TooLarge {
                    what: what(),
                    bytes: total as u128 * (std::mem::size_of::<K>() as u128 + 8),
                    budget: memory::budget().unwrap_or(0),
                    advice: "a variable holds at most 2**32 - 1 distinct values".into(),
                });
            }
            memory::try_reserve_map(map, additional, what, ADVICE)?;
            memory::try_reserve(values, additional, what, ADVICE)
        }
        match self {
            Dictionary::Integers { ids, values } => reserve(ids, values, additional),
            Dictionary::Texts { ids, values } => reserve(ids, values, additional),
        }
    }

    /// Gives ids to the values of `batch` marked [`NEW`] in `ids` (by [`Dictionary::lookup`], in
    /// a dictionary since reserved for them by [`Dictionary::try_reserve`]), inserting them.
    pub(super) fn insert_new(&mut self, batch: &Values, ids: &mut [u32]) {
        fn insert<K: std::hash::Hash + Eq + Clone>(
            map: &mut Map<K>,
            values: &mut Vec<K>,
            batch: &[K],
            ids: &mut [u32],
        ) {
            for (id, v) in ids.iter_mut().zip(batch) {
                if *id != NEW {
                    continue;
                }
                // A batch's values are distinct, but a repeat is still given its first id.
                *id = *map.entry(v.clone()).or_insert_with(|| {
                    values.push(v.clone());
                    (values.len() - 1) as u32
                });
            }
        }
        match (self, batch) {
            (Dictionary::Integers { ids: map, values }, Values::Integers(b)) => {
                insert(map, values, b, ids);
            }
            (Dictionary::Texts { ids: map, values }, Values::Texts(b)) => {
                insert(map, values, b, ids);
            }
            _ => unreachable!("kinds were checked before the values are inserted"),
        }
    }

    /// The values of `batch` that are not in the dictionary yet.
    #[cfg(test)]
    pub(super) fn new_values(&self, batch: &Values) -> Values {
        let mut fresh = Values::empty(batch.domain());
        for i in 0..batch.len() {
            let known = match (self, batch) {
                (Dictionary::Integers { ids, .. }, Values::Integers(b)) => ids.contains_key(&b[i]),
                (Dictionary::Texts { ids, .. }, Values::Texts(b)) => ids.contains_key(&b[i]),
                _ => false,
            };
            if !known {
                fresh.push_from(batch, i);
            }
        }
        fresh
    }

    /// The values, indexed by id.
    pub(super) fn values(&self) -> Values {
        match self {
            Dictionary::Integers { values, .. } => Values::Integers(values.clone()),
            Dictionary::Texts { values, .. } => Values::Texts(values.clone()),
        }
    }

    /// The ids in ascending order of their values.
    pub(super) fn sorted_ids(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        match self {
            Dictionary::Integers { values, .. } => {
                order.sort_unstable_by_key(|&i| values[i as usize]);
            }
            Dictionary::Texts { values, .. } => {
                order.sort_unstable_by(|&a, &b| values[a as usize].cmp(&values[b as usize]));
            }
        }
        order
    }

    /// The rank of every id's value among the values (ascending), indexed by id.
    pub(super) fn ranks(&self) -> Vec<u32> {
        let mut rank = vec![0u32; self.len()];
        for (r, &id) in self.sorted_ids().iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        rank
    }

    /// The values, indexed by id, copied fallibly.
    pub(super) fn try_values(&self) -> Result<Values> {
        fn copy<K: Clone>(values: &[K]) -> Result<Vec<K>> {
            let mut copy = Vec::new();
            let what = || format!("a copy of {} distinct values", values.len());
            memory::try_reserve(&mut copy, values.len(), what, ADVICE)?;
            copy.extend_from_slice(values);
            Ok(copy)
        }
        Ok(match self {
            Dictionary::Integers { values, .. } => Values::Integers(copy(values)?),
            Dictionary::Texts { values, .. } => Values::Texts(copy(values)?),
        })
    }

    /// Bytes the dictionary takes (an estimate, for the memory budget; as
    /// [`Values::footprint`] of its values, without copying them).
    pub(super) fn footprint(&self) -> u128 {
        match self {
            Dictionary::Integers { values, .. } => Values::PER_VALUE * values.len() as u128,
            Dictionary::Texts { values, .. } => values
                .iter()
                .map(|t| Values::PER_VALUE + t.len() as u128)
                .sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_ranks_follow_values() {
        let mut d = Dictionary::new(Domain::Integer);
        assert_eq!(
            d.ids_of(&Values::Integers(vec![5, -3, 5])).unwrap(),
            vec![0, 1, 0]
        );
        assert_eq!(
            d.ids_of(&Values::Integers(vec![1 << 70, -3])).unwrap(),
            vec![2, 1]
        );
        assert_eq!(d.ranks(), vec![1, 0, 2]);
        let mut t = Dictionary::new(Domain::Text);
        let text = |s: &[&str]| Values::Texts(s.iter().map(|s| s.as_bytes().into()).collect());
        assert_eq!(t.ids_of(&text(&["b", "a", "ab"])).unwrap(), vec![0, 1, 2]);
        assert_eq!(t.ranks(), vec![2, 0, 1]);
        assert_eq!(t.new_values(&text(&["a", "c"])), text(&["c"]));
    }

    #[test]
    fn kinds_name_their_domain() {
        assert_eq!(Kind::new("str").domain(), Domain::Text);
        assert_eq!(Kind::new("bytes").domain(), Domain::Text);
        assert_eq!(Kind::new("int").domain(), Domain::Integer);
        assert_eq!(Kind::new("datetime64[ns]").domain(), Domain::Integer);
    }
}
