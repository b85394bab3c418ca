//! The Kullback-Leibler smoothed sequence Locust uses to interleave user
//! classes by weight (Locust's `_kl_generator`).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// One heap entry, Locust's tuple `(key, x, weight, name)`: `x` is the
/// weight plus the number of times the name was yielded so far.
#[derive(Debug, Clone)]
struct Entry<T> {
    key: f64,
    x: f64,
    weight: f64,
    name: T,
}

impl<T: Ord> Entry<T> {
    /// Python tuple order: the first field that differs decides. Floats are
    /// compared like Python does (`-0.0 == 0.0`); keys are never NaN because
    /// only finite positive weights get in.
    fn python_cmp(&self, other: &Self) -> Ordering {
        let float = |a: f64, b: f64| a.partial_cmp(&b).unwrap_or(Ordering::Equal);
        float(self.key, other.key)
            .then_with(|| float(self.x, other.x))
            .then_with(|| float(self.weight, other.weight))
            .then_with(|| self.name.cmp(&other.name))
    }
}

impl<T: Ord> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.python_cmp(other) == Ordering::Equal
    }
}

impl<T: Ord> Eq for Entry<T> {}

impl<T: Ord> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Ord> Ord for Entry<T> {
    /// Reversed so that `BinaryHeap` (a max-heap) behaves like `heapq` (a min-heap).
    fn cmp(&self, other: &Self) -> Ordering {
        other.python_cmp(self)
    }
}

/// Yields names forever, each about as often as its weight asks, smoothly
/// interleaved; e.g. weights A=5, B=1 give `A A B A A A A A B A A A`.
///
/// Locust keeps a `heapq` min-heap of tuples; with unique names no two
/// tuples are equal, so the yielded sequence is the sequence of unique
/// minima and does not depend on the heap's internal layout. Any priority
/// queue with the same order therefore reproduces Locust exactly.
///
/// Names with a weight that is not a finite number above zero are left out.
/// The iterator ends at once when no name is left (Locust yields `None`
/// forever instead); otherwise it never ends.
#[derive(Debug, Clone)]
pub struct KlGenerator<T> {
    heap: BinaryHeap<Entry<T>>,
}

impl<T: Ord + Clone> KlGenerator<T> {
    pub fn new(weights: impl IntoIterator<Item = (T, f64)>) -> Self {
        let heap = weights
            .into_iter()
            .filter(|(_, w)| *w > 0.0 && w.is_finite())
            .map(|(name, w)| Entry {
                key: w * (w / (w + 1.0)).log2(),
                x: w + 1.0,
                weight: w,
                name,
            })
            .collect();
        KlGenerator { heap }
    }
}

impl<T: Ord + Clone> Iterator for KlGenerator<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let mut top = self.heap.peek_mut()?;
        let name = top.name.clone();
        // How much choosing this name for the (x + 1)th time lowers the divergence.
        top.key = top.weight * (top.x / (top.x + 1.0)).log2();
        top.x += 1.0;
        Some(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequence(weights: &[(&'static str, f64)], n: usize) -> String {
        KlGenerator::new(weights.iter().copied()).take(n).collect()
    }

    #[test]
    fn weights_five_to_one() {
        assert_eq!(sequence(&[("A", 5.0), ("B", 1.0)], 12), "AABAAAAABAAA");
    }

    #[test]
    fn weights_three_to_one() {
        assert_eq!(sequence(&[("A", 3.0), ("B", 1.0)], 12), "ABAAABAAABAA");
    }

    // Expected values printed by Locust 2.47.0's `_kl_generator`.
    #[test]
    fn matches_locust_for_mixed_weights() {
        let weights = [("A", 2.0), ("B", 3.0), ("C", 0.5), ("D", 1.0)];
        assert_eq!(sequence(&weights, 26), "BADBACBBADBABBADBABCBADBAB");
        let equal = [("C", 1.0), ("A", 1.0), ("B", 1.0)];
        assert_eq!(sequence(&equal, 7), "ABCABCA");
    }

    #[test]
    fn zero_negative_and_non_finite_weights_are_left_out() {
        let weights = [
            ("A", 0.0),
            ("B", -1.0),
            ("C", f64::NAN),
            ("D", f64::INFINITY),
            ("E", 2.0),
        ];
        assert_eq!(sequence(&weights, 3), "EEE");
        assert_eq!(KlGenerator::<&str>::new([("A", 0.0)]).next(), None);
    }
}
