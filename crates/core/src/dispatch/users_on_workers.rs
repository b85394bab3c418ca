//! The dispatcher's answer: how many users of each class run on each worker.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Absolute user counts per worker and user class, like Locust's
/// `dict[worker_id, dict[class_name, int]]`, keeping that dict's order:
/// workers in the order Locust inserted them (the order given to
/// [`UsersDispatcher::new`](super::UsersDispatcher::new) until the first
/// rebalance, dispatch order after it) and, for every worker, all user
/// classes sorted by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsersOnWorkers {
    class_names: Arc<[String]>,
    worker_ids: Arc<[String]>,
    /// Position of each worker id in `worker_ids`.
    positions: Arc<HashMap<String, usize>>,
    /// Worker-major: `counts[worker * class_names.len() + class]`.
    counts: Vec<u64>,
}

impl UsersOnWorkers {
    /// All counts zero. A repeated worker id keeps its first position, as a
    /// Python dict does.
    pub(super) fn zeroed(class_names: Arc<[String]>, workers: &[String]) -> Self {
        let mut ids: Vec<String> = Vec::with_capacity(workers.len());
        let mut positions = HashMap::with_capacity(workers.len());
        for id in workers {
            if !positions.contains_key(id) {
                positions.insert(id.clone(), ids.len());
                ids.push(id.clone());
            }
        }
        let counts = vec![0; ids.len() * class_names.len()];
        UsersOnWorkers {
            class_names,
            worker_ids: ids.into(),
            positions: Arc::new(positions),
            counts,
        }
    }

    pub(super) fn increment(&mut self, worker: usize, class: usize) {
        let i = worker * self.class_names.len() + class;
        self.counts[i] = self.counts[i].saturating_add(1);
    }

    pub(super) fn decrement(&mut self, worker: usize, class: usize) {
        let i = worker * self.class_names.len() + class;
        self.counts[i] = self.counts[i].saturating_sub(1);
    }

    /// Users of one class over all workers.
    pub(super) fn class_total(&self, class: usize) -> u64 {
        self.counts
            .iter()
            .skip(class)
            .step_by(self.class_names.len().max(1))
            .sum()
    }

    /// Position of a worker in [`worker_ids`](Self::worker_ids).
    pub fn position(&self, worker_id: &str) -> Option<usize> {
        self.positions.get(worker_id).copied()
    }

    /// User class names, sorted; every worker has a count for each.
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// Worker ids in Locust's dict order.
    pub fn worker_ids(&self) -> &[String] {
        &self.worker_ids
    }

    pub fn len(&self) -> usize {
        self.worker_ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.worker_ids.is_empty()
    }

    /// One worker's counts, aligned with [`class_names`](Self::class_names).
    pub fn counts(&self, worker_id: &str) -> Option<&[u64]> {
        let n = self.class_names.len();
        self.position(worker_id)
            .map(|w| &self.counts[w * n..(w + 1) * n])
    }

    /// Users of one class on one worker (0 for an unknown worker or class).
    pub fn count(&self, worker_id: &str, class_name: &str) -> u64 {
        match (
            self.counts(worker_id),
            self.class_names.iter().position(|c| c == class_name),
        ) {
            (Some(counts), Some(c)) => counts[c],
            _ => 0,
        }
    }

    /// `(worker_id, counts aligned with class_names)` in Locust's dict order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u64])> + '_ {
        let n = self.class_names.len();
        self.worker_ids
            .iter()
            .enumerate()
            .map(move |(w, id)| (id.as_str(), &self.counts[w * n..(w + 1) * n]))
    }

    /// One worker's `user_classes_count` (the map a `spawn` message carries).
    pub fn user_classes_count(&self, worker_id: &str) -> Option<BTreeMap<String, u64>> {
        self.counts(worker_id).map(|counts| {
            self.class_names
                .iter()
                .cloned()
                .zip(counts.iter().copied())
                .collect()
        })
    }

    /// Users per class summed over all workers.
    pub fn total_user_classes_count(&self) -> BTreeMap<String, u64> {
        (0..self.class_names.len())
            .map(|c| (self.class_names[c].clone(), self.class_total(c)))
            .collect()
    }

    /// Users on one worker (0 for an unknown worker).
    pub fn worker_user_count(&self, worker_id: &str) -> u64 {
        self.counts(worker_id).map_or(0, |c| c.iter().sum())
    }

    /// Users over all workers and classes.
    pub fn user_count(&self) -> u64 {
        self.counts.iter().sum()
    }

    pub fn to_btree_map(&self) -> BTreeMap<String, BTreeMap<String, u64>> {
        self.iter()
            .map(|(id, counts)| {
                let classes = self
                    .class_names
                    .iter()
                    .cloned()
                    .zip(counts.iter().copied())
                    .collect();
                (id.to_string(), classes)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn keeps_first_position_of_repeated_worker_and_sums() {
        let classes: Arc<[String]> = names(&["A", "B"]).into();
        let mut u = UsersOnWorkers::zeroed(classes, &names(&["w2", "w1", "w2"]));
        assert_eq!(u.worker_ids(), ["w2", "w1"]);
        u.increment(0, 1);
        u.increment(1, 0);
        u.increment(1, 1);
        u.decrement(0, 0);
        assert_eq!(u.counts("w2"), Some(&[0, 1][..]));
        assert_eq!(u.count("w1", "B"), 1);
        assert_eq!(u.count("w9", "B"), 0);
        assert_eq!(u.user_count(), 3);
        assert_eq!(u.worker_user_count("w1"), 2);
        assert_eq!(u.class_total(1), 2);
        let total = u.total_user_classes_count();
        assert_eq!(total["A"], 1);
        assert_eq!(total["B"], 2);
        assert_eq!(u.user_classes_count("w1").unwrap()["A"], 1);
        let map = u.to_btree_map();
        assert_eq!(map.keys().collect::<Vec<_>>(), ["w1", "w2"]);
        assert_eq!(u.iter().map(|(id, _)| id).collect::<Vec<_>>(), ["w2", "w1"]);
    }
}
