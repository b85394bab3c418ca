//! The master's view of its workers (Locust's `WorkerNode`/`WorkerNodes`).

use indexmap::IndexMap;

use crate::messages::ClassCounts;
use crate::timing::HEARTBEAT_LIVENESS;

pub const READY: &str = "ready";
pub const SPAWNING: &str = "spawning";
pub const RUNNING: &str = "running";
pub const MISSING: &str = "missing";

/// One worker.
#[derive(Clone, Debug)]
pub struct WorkerNode {
    pub id: String,
    /// What its last heartbeat said (ready, spawning, running), or
    /// `missing`, which the master sets itself.
    pub state: String,
    /// Heartbeats it may still miss; below zero it goes missing.
    pub heartbeat: i32,
    pub cpu_usage: f64,
    pub cpu_warning_emitted: bool,
    pub memory_usage: u64,
    /// Users it reported running.
    pub user_classes_count: ClassCounts,
}

impl WorkerNode {
    pub fn new(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            state: READY.to_owned(),
            heartbeat: HEARTBEAT_LIVENESS,
            cpu_usage: 0.0,
            cpu_warning_emitted: false,
            memory_usage: 0,
            user_classes_count: ClassCounts::new(),
        }
    }

    pub fn user_count(&self) -> u64 {
        self.user_classes_count.values().sum()
    }

    /// Ready, spawning or running: counted as a worker, given users.
    pub fn is_active(&self) -> bool {
        matches!(self.state.as_str(), READY | SPAWNING | RUNNING)
    }
}

/// The workers by id, in the order they first connected.
#[derive(Default)]
pub struct WorkerNodes(IndexMap<String, WorkerNode>);

impl WorkerNodes {
    pub fn get(&self, id: &str) -> Option<&WorkerNode> {
        self.0.get(id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut WorkerNode> {
        self.0.get_mut(id)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.0.contains_key(id)
    }

    /// Adds or replaces (a worker that says client_ready again starts over,
    /// keeping its place, as assigning to a Python dict key does).
    pub fn insert(&mut self, node: WorkerNode) {
        self.0.insert(node.id.clone(), node);
    }

    pub fn remove(&mut self, id: &str) -> Option<WorkerNode> {
        self.0.shift_remove(id)
    }

    pub fn all(&self) -> impl Iterator<Item = &WorkerNode> + '_ {
        self.0.values()
    }

    pub fn all_mut(&mut self) -> impl Iterator<Item = &mut WorkerNode> + '_ {
        self.0.values_mut()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn with_state<'a>(&'a self, state: &'a str) -> impl Iterator<Item = &'a WorkerNode> + 'a {
        self.0.values().filter(move |n| n.state == state)
    }

    /// Ready, then running, then spawning workers: the order Locust hands
    /// them to its dispatcher.
    pub fn active_ids(&self) -> Vec<String> {
        [READY, RUNNING, SPAWNING]
            .iter()
            .flat_map(|s| self.with_state(s).map(|n| n.id.clone()))
            .collect()
    }

    /// Locust's `worker_count`: ready, spawning and running workers.
    pub fn worker_count(&self) -> usize {
        self.all().filter(|n| n.is_active()).count()
    }

    /// Users reported by all workers (missing ones have none).
    pub fn user_count(&self) -> u64 {
        self.all().map(WorkerNode::user_count).sum()
    }

    /// Locust's `reported_user_classes_count`: summed over active workers.
    pub fn reported_user_classes_count(&self) -> ClassCounts {
        let mut out = ClassCounts::new();
        for node in self.all().filter(|n| n.is_active()) {
            for (class, n) in &node.user_classes_count {
                *out.entry(class.clone()).or_default() += n;
            }
        }
        out
    }
}
