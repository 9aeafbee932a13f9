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

use std::collections::HashMap;

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
        const PER_VALUE: u128 = 64;
        match self {
            Values::Integers(v) => PER_VALUE * v.len() as u128,
            Values::Texts(v) => v.iter().map(|t| PER_VALUE + t.len() as u128).sum(),
        }
    }
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

    /// The id of each of `batch` (of this dictionary's domain), inserting the new ones.
    pub(super) fn ids_of(&mut self, batch: &Values) -> Vec<u32> {
        fn insert<K: std::hash::Hash + Eq + Clone>(
            ids: &mut Map<K>,
            values: &mut Vec<K>,
            batch: &[K],
        ) -> Vec<u32> {
            batch
                .iter()
                .map(|v| {
                    if let Some(&id) = ids.get(v) {
                        return id;
                    }
                    let id = values.len() as u32;
                    values.push(v.clone());
                    ids.insert(v.clone(), id);
                    id
                })
                .collect()
        }
        match (self, batch) {
            (Dictionary::Integers { ids, values }, Values::Integers(b)) => insert(ids, values, b),
            (Dictionary::Texts { ids, values }, Values::Texts(b)) => insert(ids, values, b),
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

    /// Bytes the dictionary takes (an estimate, for the memory budget).
    pub(super) fn footprint(&self) -> u128 {
        self.values().footprint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_ranks_follow_values() {
        let mut d = Dictionary::new(Domain::Integer);
        assert_eq!(d.ids_of(&Values::Integers(vec![5, -3, 5])), vec![0, 1, 0]);
        assert_eq!(d.ids_of(&Values::Integers(vec![1 << 70, -3])), vec![2, 1]);
        assert_eq!(d.ranks(), vec![1, 0, 2]);
        let mut t = Dictionary::new(Domain::Text);
        let text = |s: &[&str]| Values::Texts(s.iter().map(|s| s.as_bytes().into()).collect());
        assert_eq!(t.ids_of(&text(&["b", "a", "ab"])), vec![0, 1, 2]);
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
