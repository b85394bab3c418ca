//! The users dispatcher: how many users of each class run on each worker,
//! iteration by iteration, exactly like Locust 2.47's `UsersDispatcher`, so
//! that rocust and Locust agree on every distribution.
//!
//! Vocabulary (Locust's): a *dispatch cycle* is one ramp from the current to
//! a target user count ([`UsersDispatcher::new_dispatch`]); it is made of
//! *dispatch iterations*, each adding or removing up to
//! `max(1, floor(spawn_rate))` users, spaced `users_per_iteration /
//! spawn_rate` seconds apart (no wait after the last one).
//!
//! The dispatcher never sleeps: [`UsersDispatcher::step`] says when to.

mod kl;
mod users_on_workers;

#[cfg(test)]
mod tests;

pub use kl::KlGenerator;
pub use users_on_workers::UsersOnWorkers;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the dispatcher needs to know of a user class.
#[derive(Debug, Clone, PartialEq)]
pub struct UserClassSpec {
    pub name: String,
    /// Locust's `weight` (any number; classes at or below 0 get no weighted
    /// users). Must be finite.
    pub weight: f64,
    /// Locust's `fixed_count`: when above 0, exactly this many users of the
    /// class run (placed before any weighted user) and `weight` is ignored.
    pub fixed_count: u64,
}

impl UserClassSpec {
    pub fn new(name: impl Into<String>, weight: f64) -> Self {
        UserClassSpec {
            name: name.into(),
            weight,
            fixed_count: 0,
        }
    }

    /// A class with a fixed user count (and Locust's default weight 1).
    pub fn fixed(name: impl Into<String>, fixed_count: u64) -> Self {
        UserClassSpec {
            name: name.into(),
            weight: 1.0,
            fixed_count,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum DispatchError {
    NoWorkers,
    NoUserClasses,
    DuplicateUserClass(String),
    UnknownUserClass(String),
    InvalidWeight { class: String, weight: f64 },
    SpawnRateNotPositive(f64),
    SpawnRateNotFinite(f64),
}

impl fmt::Display for DispatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DispatchError::NoWorkers => write!(f, "the users dispatcher needs at least one worker"),
            DispatchError::NoUserClasses => {
                write!(f, "the users dispatcher needs at least one user class")
            }
            DispatchError::DuplicateUserClass(name) => {
                write!(f, "user class {name:?} is listed more than once")
            }
            DispatchError::UnknownUserClass(name) => write!(f, "unknown user class {name:?}"),
            DispatchError::InvalidWeight { class, weight } => write!(
                f,
                "weight of user class {class:?} must be a finite number, got {}",
                python_float(*weight)
            ),
            DispatchError::SpawnRateNotPositive(rate) => {
                write!(f, "spawn_rate must be > 0, got {}", python_float(*rate))
            }
            DispatchError::SpawnRateNotFinite(rate) => write!(
                f,
                "spawn_rate must be a finite number, got {}",
                python_float(*rate)
            ),
        }
    }
}

impl std::error::Error for DispatchError {}

fn python_float(x: f64) -> String {
    if x.is_nan() {
        "nan".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        format!("{x:?}")
    }
}

/// What to do next, from [`UsersDispatcher::step`].
#[derive(Debug, Clone, PartialEq)]
pub enum DispatchStep {
    /// Make the workers run these absolute user counts (Locust sends a
    /// `spawn` message to every worker listed), then call `step` again.
    Dispatch(UsersOnWorkers),
    /// Wait this long (the pause between dispatch iterations), then call
    /// `step` again.
    Sleep(Duration),
    /// The dispatch cycle is over (or none was started).
    Done,
}

/// Where the dispatch cycle stands: the suspension points of Locust's
/// `_dispatcher` generator. `Option<Instant>` is the start of the current
/// iteration (unknown when driven by [`UsersDispatcher::next_iteration`]).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Pc {
    Idle,
    Start,
    AfterStartRebalance,
    CheckTarget,
    AfterInitial,
    RampUp,
    RampUpYielded(Option<Instant>),
    RampUpEnd(Option<Instant>),
    RampDown,
    RampDownYielded(Option<Instant>),
    RampDownEnd(Option<Instant>),
}

/// Locust's `_user_gen`: fixed_count users first (whenever the shared
/// "try fixed" flag is up), then weighted users forever. Classes are
/// indices into the dispatcher's name-sorted class list, so comparing
/// indices compares names.
#[derive(Debug, Clone)]
struct UserGen {
    classes: Vec<usize>,
    /// Built on first use from the weights of that moment, as Locust's lazy
    /// generator does.
    weighted: Option<KlGenerator<usize>>,
    fixed: KlGenerator<usize>,
    fixed_remaining: u64,
}

impl UserGen {
    fn new(classes: &[usize]) -> Self {
        UserGen {
            classes: classes.to_vec(),
            weighted: None,
            fixed: KlGenerator::new([]),
            fixed_remaining: 0,
        }
    }

    /// The next user class to start; `None` when only weighted users could
    /// come and no class has a weight.
    fn next(
        &mut self,
        specs: &[UserClassSpec],
        try_dispatch_fixed: &mut bool,
        users_on_workers: &UsersOnWorkers,
    ) -> Option<usize> {
        loop {
            if self.fixed_remaining > 0 {
                self.fixed_remaining -= 1;
                return self.fixed.next();
            }
            if *try_dispatch_fixed {
                *try_dispatch_fixed = false;
                let missing: Vec<(usize, u64)> = self
                    .classes
                    .iter()
                    .filter(|&&c| specs[c].fixed_count > 0)
                    .filter_map(|&c| {
                        let running = users_on_workers.class_total(c);
                        let miss = specs[c].fixed_count.saturating_sub(running);
                        (miss > 0).then_some((c, miss))
                    })
                    .collect();
                self.fixed_remaining = missing.iter().map(|&(_, miss)| miss).sum();
                self.fixed = KlGenerator::new(missing.into_iter().map(|(c, m)| (c, m as f64)));
                continue;
            }
            let classes = &self.classes;
            return self
                .weighted
                .get_or_insert_with(|| {
                    KlGenerator::new(
                        classes
                            .iter()
                            .filter(|&&c| specs[c].fixed_count == 0)
                            .map(|&c| (c, specs[c].weight)),
                    )
                })
                .next();
        }
    }
}

/// Locust's `itertools.cycle` over the workers in dispatch order, as
/// positions in the [`UsersOnWorkers`] it fills.
#[derive(Debug, Clone)]
struct WorkerCycle {
    positions: Vec<usize>,
    next: usize,
}

impl WorkerCycle {
    fn new(workers: &[String], users_on_workers: &UsersOnWorkers) -> Self {
        let positions = workers
            .iter()
            .filter_map(|id| users_on_workers.position(id))
            .collect();
        WorkerCycle { positions, next: 0 }
    }

    fn next(&mut self) -> Option<usize> {
        let position = *self.positions.get(self.next)?;
        self.next = (self.next + 1) % self.positions.len();
        Some(position)
    }
}

/// Sorts workers like Locust: by id, then by (index of the worker among the
/// workers of its host, id), the host being the id up to its first `_`;
/// this interleaves hosts. Repeated ids are kept, each with its own index.
fn sort_workers(workers: &mut Vec<String>) {
    let mut by_id: Vec<usize> = (0..workers.len()).collect();
    by_id.sort_by(|&a, &b| workers[a].cmp(&workers[b]));
    let mut index_within_host = vec![0usize; workers.len()];
    let mut per_host: HashMap<&str, usize> = HashMap::new();
    for &i in &by_id {
        let host = workers[i]
            .split_once('_')
            .map_or(workers[i].as_str(), |(h, _)| h);
        let seen = per_host.entry(host).or_insert(0);
        index_within_host[i] = *seen;
        *seen += 1;
    }
    let mut order: Vec<usize> = (0..workers.len()).collect();
    order.sort_by(|&a, &b| {
        index_within_host[a]
            .cmp(&index_within_host[b])
            .then_with(|| workers[a].cmp(&workers[b]))
    });
    *workers = order.into_iter().map(|i| workers[i].clone()).collect();
}

/// Decides which worker runs how many users of which class, per dispatch
/// iteration, exactly like Locust 2.47.0's `UsersDispatcher` (including its
/// quirks), so that mixed rocust/Locust fleets agree.
#[derive(Debug, Clone)]
pub struct UsersDispatcher {
    /// All user classes given to `new`, sorted by name.
    specs: Vec<UserClassSpec>,
    class_names: Arc<[String]>,
    /// Classes of the current dispatch (indices into `specs`, sorted).
    user_classes: Vec<usize>,
    /// Workers in dispatch order.
    worker_nodes: Vec<String>,
    target_user_count: u64,
    spawn_rate: f64,
    user_count_per_dispatch_iteration: u64,
    wait_between_dispatch: f64,
    initial_users_on_workers: UsersOnWorkers,
    users_on_workers: UsersOnWorkers,
    /// Locust's running counter; not always the sum of `users_on_workers`
    /// (a rebalance leaves it alone).
    current_user_count: u64,
    user_generator: UserGen,
    worker_cycle: WorkerCycle,
    /// Dispatched users, oldest first: (worker position, class).
    active_users: Vec<(usize, usize)>,
    dispatch_iteration_durations: Vec<Duration>,
    pc: Pc,
    dispatch_in_progress: bool,
    rebalance: bool,
    try_dispatch_fixed: bool,
    no_user_to_spawn: bool,
}

impl UsersDispatcher {
    /// `worker_ids`: the workers, in any order (their order only shows in the
    /// order of [`UsersOnWorkers`] until the first rebalance, as in Locust).
    pub fn new(
        worker_ids: Vec<String>,
        user_classes: Vec<UserClassSpec>,
    ) -> Result<Self, DispatchError> {
        if worker_ids.is_empty() {
            return Err(DispatchError::NoWorkers);
        }
        if user_classes.is_empty() {
            return Err(DispatchError::NoUserClasses);
        }
        for spec in &user_classes {
            check_weight(spec)?;
        }
        let mut specs = user_classes;
        specs.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(pair) = specs.windows(2).find(|p| p[0].name == p[1].name) {
            return Err(DispatchError::DuplicateUserClass(pair[0].name.clone()));
        }
        let class_names: Arc<[String]> = specs.iter().map(|s| s.name.clone()).collect();
        let initial = UsersOnWorkers::zeroed(class_names.clone(), &worker_ids);
        let mut worker_nodes = worker_ids;
        sort_workers(&mut worker_nodes);
        let user_classes: Vec<usize> = (0..specs.len()).collect();
        Ok(UsersDispatcher {
            user_generator: UserGen::new(&user_classes),
            worker_cycle: WorkerCycle::new(&worker_nodes, &initial),
            specs,
            class_names,
            user_classes,
            worker_nodes,
            target_user_count: 0,
            spawn_rate: 0.0,
            user_count_per_dispatch_iteration: 0,
            wait_between_dispatch: 0.0,
            users_on_workers: initial.clone(),
            initial_users_on_workers: initial,
            current_user_count: 0,
            active_users: Vec::new(),
            dispatch_iteration_durations: Vec::new(),
            pc: Pc::Idle,
            dispatch_in_progress: false,
            rebalance: false,
            try_dispatch_fixed: true,
            no_user_to_spawn: false,
        })
    }

    /// Starts a dispatch cycle towards `target_user_count` users at
    /// `spawn_rate` users per second, dropping any cycle in progress.
    /// `user_classes` restricts the classes new users are drawn from (by
    /// name; `None` keeps the current selection).
    pub fn new_dispatch(
        &mut self,
        target_user_count: u64,
        spawn_rate: f64,
        user_classes: Option<Vec<String>>,
    ) -> Result<(), DispatchError> {
        if spawn_rate <= 0.0 {
            return Err(DispatchError::SpawnRateNotPositive(spawn_rate));
        }
        if !spawn_rate.is_finite() {
            return Err(DispatchError::SpawnRateNotFinite(spawn_rate));
        }
        if let Some(names) = &user_classes {
            let mut selected = names
                .iter()
                .map(|name| {
                    self.class_names
                        .binary_search(name)
                        .map_err(|_| DispatchError::UnknownUserClass(name.clone()))
                })
                .collect::<Result<Vec<usize>, _>>()?;
            selected.sort_unstable();
            if let Some(pair) = selected.windows(2).find(|p| p[0] == p[1]) {
                return Err(DispatchError::DuplicateUserClass(
                    self.class_names[pair[0]].clone(),
                ));
            }
            if selected != self.user_classes {
                self.user_generator = UserGen::new(&selected);
                self.user_classes = selected;
            }
        }
        self.target_user_count = target_user_count;
        self.spawn_rate = spawn_rate;
        let per_iteration = spawn_rate.floor().max(1.0);
        // Saturates above u64::MAX, where it no longer matters.
        self.user_count_per_dispatch_iteration = per_iteration as u64;
        self.wait_between_dispatch = per_iteration / spawn_rate;
        self.initial_users_on_workers = self.users_on_workers.clone();
        self.current_user_count = self.users_on_workers.user_count();
        self.pc = Pc::Start;
        self.dispatch_iteration_durations.clear();
        Ok(())
    }

    /// Advances the dispatch cycle; `now` is the current monotonic time,
    /// used to space iterations. Keep calling until [`DispatchStep::Done`],
    /// sleeping when told to.
    pub fn step(&mut self, now: Instant) -> DispatchStep {
        self.advance(Some(now))
    }

    /// Like [`step`](Self::step) without waits: the next distribution, or
    /// `None` when the cycle is over.
    pub fn next_iteration(&mut self) -> Option<UsersOnWorkers> {
        loop {
            match self.advance(None) {
                DispatchStep::Dispatch(users) => return Some(users),
                DispatchStep::Done => return None,
                DispatchStep::Sleep(_) => {}
            }
        }
    }

    /// Adds a worker (Locust: a worker connected while a test runs); the
    /// next iteration rebalances all users over the new set of workers.
    pub fn add_worker(&mut self, worker_id: impl Into<String>) {
        self.worker_nodes.push(worker_id.into());
        sort_workers(&mut self.worker_nodes);
        self.prepare_rebalance();
    }

    /// Removes every worker with this id; the next iteration rebalances the
    /// users over the remaining workers. Like Locust, removing the last
    /// worker changes nothing else.
    pub fn remove_worker(&mut self, worker_id: &str) {
        self.worker_nodes.retain(|id| id != worker_id);
        if self.worker_nodes.is_empty() {
            return;
        }
        self.prepare_rebalance();
    }

    /// Changes a class's weight or fixed_count, like Locust's
    /// `update_user_class` changing class attributes: it affects fixed users
    /// placed from now on and weighted sequences built from now on.
    pub fn update_user_class(&mut self, spec: UserClassSpec) -> Result<(), DispatchError> {
        check_weight(&spec)?;
        let i = self
            .class_names
            .binary_search(&spec.name)
            .map_err(|_| DispatchError::UnknownUserClass(spec.name.clone()))?;
        self.specs[i] = spec;
        Ok(())
    }

    /// Users on all workers now (Locust's `get_current_user_count`).
    pub fn current_user_count(&self) -> u64 {
        self.users_on_workers.user_count()
    }

    /// The current distribution.
    pub fn users_on_workers(&self) -> &UsersOnWorkers {
        &self.users_on_workers
    }

    /// True from the first step of a dispatch cycle until its end. Like
    /// Locust, a cycle that only rebalances leaves it set.
    pub fn dispatch_in_progress(&self) -> bool {
        self.dispatch_in_progress
    }

    /// Seconds between the starts of two dispatch iterations.
    pub fn wait_between_dispatch(&self) -> f64 {
        self.wait_between_dispatch
    }

    pub fn user_count_per_dispatch_iteration(&self) -> u64 {
        self.user_count_per_dispatch_iteration
    }

    pub fn target_user_count(&self) -> u64 {
        self.target_user_count
    }

    pub fn spawn_rate(&self) -> f64 {
        self.spawn_rate
    }

    /// Workers in dispatch order (round-robin order of new users).
    pub fn worker_ids(&self) -> &[String] {
        &self.worker_nodes
    }

    /// All user classes, sorted by name.
    pub fn user_classes(&self) -> &[UserClassSpec] {
        &self.specs
    }

    /// How long each iteration of the current cycle took, from its start to
    /// the next `step` call (only iterations driven by `step`).
    pub fn dispatch_iteration_durations(&self) -> &[Duration] {
        &self.dispatch_iteration_durations
    }

    fn advance(&mut self, now: Option<Instant>) -> DispatchStep {
        loop {
            match self.pc {
                Pc::Idle => return DispatchStep::Done,
                Pc::Start => {
                    self.dispatch_in_progress = true;
                    if self.rebalance {
                        self.rebalance = false;
                        self.pc = Pc::AfterStartRebalance;
                        return DispatchStep::Dispatch(self.users_on_workers.clone());
                    }
                    self.pc = Pc::CheckTarget;
                }
                Pc::AfterStartRebalance => {
                    if self.current_user_count == self.target_user_count {
                        self.pc = Pc::Idle;
                        return DispatchStep::Done;
                    }
                    self.pc = Pc::CheckTarget;
                }
                Pc::CheckTarget => {
                    if self.current_user_count == self.target_user_count {
                        self.pc = Pc::AfterInitial;
                        return DispatchStep::Dispatch(self.initial_users_on_workers.clone());
                    }
                    self.pc = Pc::RampUp;
                }
                Pc::AfterInitial => {
                    self.dispatch_in_progress = false;
                    self.pc = Pc::Idle;
                    return DispatchStep::Done;
                }
                Pc::RampUp => {
                    if self.current_user_count < self.target_user_count {
                        self.pc = Pc::RampUpYielded(now);
                        return DispatchStep::Dispatch(self.add_users_on_workers());
                    }
                    self.pc = Pc::RampDown;
                }
                Pc::RampUpYielded(start) => {
                    self.pc = Pc::RampUpEnd(start);
                    if self.rebalance {
                        self.rebalance = false;
                        return DispatchStep::Dispatch(self.users_on_workers.clone());
                    }
                }
                Pc::RampUpEnd(start) => {
                    let no_user_to_spawn = std::mem::take(&mut self.no_user_to_spawn);
                    self.pc = if no_user_to_spawn {
                        Pc::RampDown
                    } else {
                        Pc::RampUp
                    };
                    if let Some(pause) = self.end_iteration(start, now) {
                        return DispatchStep::Sleep(pause);
                    }
                }
                Pc::RampDown => {
                    if self.current_user_count > self.target_user_count {
                        self.pc = Pc::RampDownYielded(now);
                        return DispatchStep::Dispatch(self.remove_users_from_workers());
                    }
                    self.dispatch_in_progress = false;
                    self.pc = Pc::Idle;
                    return DispatchStep::Done;
                }
                Pc::RampDownYielded(start) => {
                    self.pc = Pc::RampDownEnd(start);
                    if self.rebalance {
                        self.rebalance = false;
                        return DispatchStep::Dispatch(self.users_on_workers.clone());
                    }
                }
                Pc::RampDownEnd(start) => {
                    self.pc = Pc::RampDown;
                    if let Some(pause) = self.end_iteration(start, now) {
                        return DispatchStep::Sleep(pause);
                    }
                }
            }
        }
    }

    /// End of a dispatch iteration: records its duration and returns the
    /// pause before the next one (none after the last one).
    fn end_iteration(&mut self, start: Option<Instant>, now: Option<Instant>) -> Option<Duration> {
        let (Some(start), Some(now)) = (start, now) else {
            return None;
        };
        let took = now.saturating_duration_since(start);
        self.dispatch_iteration_durations.push(took);
        if self.current_user_count == self.target_user_count {
            return None;
        }
        let pause = self.wait_between_dispatch - took.as_secs_f64();
        (pause > 0.0).then(|| Duration::try_from_secs_f64(pause).unwrap_or(Duration::MAX))
    }

    fn add_users_on_workers(&mut self) -> UsersOnWorkers {
        let iteration_target = self
            .current_user_count
            .saturating_add(self.user_count_per_dispatch_iteration)
            .min(self.target_user_count);
        loop {
            let Some(class) = self.user_generator.next(
                &self.specs,
                &mut self.try_dispatch_fixed,
                &self.users_on_workers,
            ) else {
                self.no_user_to_spawn = true;
                break;
            };
            let Some(worker) = self.worker_cycle.next() else {
                self.no_user_to_spawn = true;
                break;
            };
            self.users_on_workers.increment(worker, class);
            self.current_user_count += 1;
            self.active_users.push((worker, class));
            if self.current_user_count >= iteration_target {
                break;
            }
        }
        self.users_on_workers.clone()
    }

    /// Stops the most recently started users first.
    fn remove_users_from_workers(&mut self) -> UsersOnWorkers {
        let iteration_target = self
            .current_user_count
            .saturating_sub(self.user_count_per_dispatch_iteration)
            .max(self.target_user_count);
        while let Some((worker, class)) = self.active_users.pop() {
            self.users_on_workers.decrement(worker, class);
            self.current_user_count = self.current_user_count.saturating_sub(1);
            self.try_dispatch_fixed = true;
            if self.current_user_count == 0 || self.current_user_count <= iteration_target {
                break;
            }
        }
        self.users_on_workers.clone()
    }

    /// Recomputes the distribution as a ramp from 0 to the current user
    /// count over the current workers; the next iteration yields it.
    fn prepare_rebalance(&mut self) {
        // Zeroed first: the fixed users still missing are counted from it.
        self.users_on_workers =
            UsersOnWorkers::zeroed(self.class_names.clone(), &self.worker_nodes);
        self.try_dispatch_fixed = true;
        let mut users = self.users_on_workers.clone();
        let mut user_gen = UserGen::new(&self.user_classes);
        let mut worker_cycle = WorkerCycle::new(&self.worker_nodes, &users);
        let mut active_users = Vec::new();
        while (active_users.len() as u64) < self.current_user_count {
            let Some(class) = user_gen.next(
                &self.specs,
                &mut self.try_dispatch_fixed,
                &self.users_on_workers,
            ) else {
                break;
            };
            let Some(worker) = worker_cycle.next() else {
                break;
            };
            users.increment(worker, class);
            active_users.push((worker, class));
        }
        self.users_on_workers = users;
        self.active_users = active_users;
        self.user_generator = user_gen;
        self.worker_cycle = worker_cycle;
        self.rebalance = true;
    }
}

fn check_weight(spec: &UserClassSpec) -> Result<(), DispatchError> {
    if spec.weight.is_finite() {
        Ok(())
    } else {
        Err(DispatchError::InvalidWeight {
            class: spec.name.clone(),
            weight: spec.weight,
        })
    }
}

impl Iterator for UsersDispatcher {
    type Item = UsersOnWorkers;

    /// Same as [`UsersDispatcher::next_iteration`].
    fn next(&mut self) -> Option<UsersOnWorkers> {
        self.next_iteration()
    }
}
