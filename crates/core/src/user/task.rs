//! Tasks and task sets: what a user does, with Locust's weights, tags and
//! control outcomes.

use std::any::TypeId;
use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::wait_time::WaitTime;

/// What a task returns. `Err` carries either one of Locust's control outcomes
/// or an error that is reported as a user error.
pub type TaskResult = Result<(), TaskError>;

/// Locust's control exceptions, plus any other error a task may end with.
pub enum TaskError {
    /// Skip the rest of this task, wait, then pick the next one.
    RescheduleTask,
    /// Skip the rest of this task and pick the next one without waiting.
    RescheduleTaskImmediately,
    /// Leave the current task set (running its on_stop) and hand control back
    /// to the parent; `true` reschedules at once, `false` waits first.
    InterruptTaskSet(bool),
    /// Stop this user (its on_stop methods run).
    StopUser,
    /// Stop the whole test run.
    StopTest(String),
    /// Anything else: reported through the `user_error` event and the
    /// exceptions table, then the user waits and goes on.
    Exception(Box<dyn std::error::Error + Send + Sync>),
}

impl TaskError {
    /// An error with just a message.
    pub fn msg(message: impl fmt::Display) -> Self {
        Self::Exception(message.to_string().into())
    }

    /// Locust's `TaskSet.interrupt(reschedule=True)`.
    pub fn interrupt() -> Self {
        Self::InterruptTaskSet(true)
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for TaskError {
    fn from(e: E) -> Self {
        Self::Exception(Box::new(e))
    }
}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RescheduleTask => f.write_str("RescheduleTask"),
            Self::RescheduleTaskImmediately => f.write_str("RescheduleTaskImmediately"),
            Self::InterruptTaskSet(r) => write!(f, "InterruptTaskSet({r})"),
            Self::StopUser => f.write_str("StopUser"),
            Self::StopTest(m) => write!(f, "StopTest({m:?})"),
            Self::Exception(e) => write!(f, "{e:?}"),
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exception(e) => write!(f, "{e}"),
            Self::StopTest(m) => f.write_str(m),
            other => write!(f, "{other:?}"),
        }
    }
}

pub(crate) type LocalBoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// An async method of the user struct `U`, callable without knowing its type.
pub(crate) trait CallTask<U>: Send + Sync {
    fn call<'a>(&'a self, user: &'a mut U) -> LocalBoxFuture<'a, TaskResult>;
}

impl<U, F> CallTask<U> for F
where
    F: AsyncFn(&mut U) -> TaskResult + Send + Sync,
{
    /// The task's own future, boxed once: no wrapper future around it and no
    /// reference count touched per call (this runs once per task).
    fn call<'a>(&'a self, user: &'a mut U) -> LocalBoxFuture<'a, TaskResult> {
        Box::pin(self(user))
    }
}

/// A type-erased async method of the user struct `U`.
pub(crate) type TaskFn<U> = Arc<dyn CallTask<U>>;

pub(crate) fn erase<U: 'static, F>(f: F) -> TaskFn<U>
where
    F: AsyncFn(&mut U) -> TaskResult + Send + Sync + 'static,
{
    Arc::new(f)
}

/// The last path segment of a function's type name: `website::WebsiteUser::index` gives `index`.
fn short_fn_name<F>() -> String {
    let full = std::any::type_name::<F>();
    let trimmed = full.trim_end_matches("::{{closure}}");
    if trimmed.len() != full.len() {
        return "<closure>".to_owned();
    }
    trimmed.rsplit("::").next().unwrap_or(full).to_owned()
}

pub(crate) enum TaskBody<U> {
    /// The function, and its type's id so the same function added twice is recognised.
    Fn(TaskFn<U>, TypeId),
    Set(TaskSet<U>),
}

impl<U> Clone for TaskBody<U> {
    fn clone(&self) -> Self {
        match self {
            Self::Fn(f, id) => Self::Fn(f.clone(), *id),
            Self::Set(s) => Self::Set(s.clone()),
        }
    }
}

/// A task with its weight and tags (Locust's `@task(weight)` and `@tag(...)`).
pub struct Task<U> {
    pub(crate) name: String,
    pub(crate) weight: u32,
    pub(crate) tags: BTreeSet<String>,
    pub(crate) body: TaskBody<U>,
}

impl<U> Clone for Task<U> {
    fn clone(&self) -> Self {
        Self {
            name: self.name.clone(),
            weight: self.weight,
            tags: self.tags.clone(),
            body: self.body.clone(),
        }
    }
}

impl<U: 'static> Task<U> {
    /// A task from an async method or closure over the user, named after the function.
    pub fn new<F>(f: F) -> Self
    where
        F: AsyncFn(&mut U) -> TaskResult + Send + Sync + 'static,
    {
        Self {
            name: short_fn_name::<F>(),
            weight: 1,
            tags: BTreeSet::new(),
            body: TaskBody::Fn(erase(f), TypeId::of::<F>()),
        }
    }

    /// How often this task is picked relative to its siblings (`@task(n)`).
    /// In a sequential task set, the task runs `n` times in a row.
    pub fn weight(mut self, weight: u32) -> Self {
        self.weight = weight;
        self
    }

    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.insert(tag.into());
        self
    }

    /// The name shown by `--show-task-ratio` and in user errors.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    pub fn get_name(&self) -> &str {
        &self.name
    }

    pub fn get_weight(&self) -> u32 {
        self.weight
    }

    /// The nested task set this task runs, if it is one.
    pub fn task_set(&self) -> Option<&TaskSet<U>> {
        match &self.body {
            TaskBody::Set(s) => Some(s),
            TaskBody::Fn(..) => None,
        }
    }
}

/// Shorthand for [`Task::new`].
pub fn task<U: 'static, F>(f: F) -> Task<U>
where
    F: AsyncFn(&mut U) -> TaskResult + Send + Sync + 'static,
{
    Task::new(f)
}

/// Anything that can be added as a task: an async fn over the user, a [`Task`] or a [`TaskSet`].
/// `M` only keeps the implementations apart.
pub trait IntoTask<U, M> {
    fn into_task(self) -> Task<U>;
}

#[doc(hidden)]
pub struct FnMarker;
#[doc(hidden)]
pub struct TaskMarker;
#[doc(hidden)]
pub struct SetMarker;

impl<U: 'static, F> IntoTask<U, FnMarker> for F
where
    F: AsyncFn(&mut U) -> TaskResult + Send + Sync + 'static,
{
    fn into_task(self) -> Task<U> {
        Task::new(self)
    }
}

impl<U> IntoTask<U, TaskMarker> for Task<U> {
    fn into_task(self) -> Task<U> {
        self
    }
}

impl<U> IntoTask<U, SetMarker> for TaskSet<U> {
    fn into_task(self) -> Task<U> {
        Task {
            name: self.name.clone(),
            weight: 1,
            tags: BTreeSet::new(),
            body: TaskBody::Set(self),
        }
    }
}

/// In which order a task set picks its tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskOrder {
    /// Weighted random choice (Locust's `TaskSet`).
    Random,
    /// Declaration order, cycling (Locust's `SequentialTaskSet`).
    Sequential,
}

/// A group of tasks over the same user (Locust's `TaskSet` / `SequentialTaskSet`).
///
/// A nested task set keeps running until one of its tasks interrupts it. Its
/// state lives in the user struct, which every task receives.
pub struct TaskSet<U> {
    pub(crate) name: String,
    pub(crate) order: TaskOrder,
    pub(crate) tasks: Vec<Task<U>>,
    pub(crate) tags: BTreeSet<String>,
    pub(crate) on_start: Option<TaskFn<U>>,
    pub(crate) on_stop: Option<TaskFn<U>>,
    /// `None`: use the user's wait time.
    pub(crate) wait_time: Option<WaitTime>,
}

impl<U> Clone for TaskSet<U> {
    fn clone(&self) -> Self {
        Self {
            name: self.name.clone(),
            order: self.order,
            tasks: self.tasks.clone(),
            tags: self.tags.clone(),
            on_start: self.on_start.clone(),
            on_stop: self.on_stop.clone(),
            wait_time: self.wait_time.clone(),
        }
    }
}

impl<U: 'static> TaskSet<U> {
    /// A task set that picks its tasks at random, by weight.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            order: TaskOrder::Random,
            tasks: Vec::new(),
            tags: BTreeSet::new(),
            on_start: None,
            on_stop: None,
            wait_time: None,
        }
    }

    /// A task set that runs its tasks in order, cycling (weight n repeats a task n times).
    pub fn sequential(name: impl Into<String>) -> Self {
        Self {
            order: TaskOrder::Sequential,
            ..Self::new(name)
        }
    }

    pub fn task<M>(mut self, task: impl IntoTask<U, M>) -> Self {
        self.tasks.push(task.into_task());
        self
    }

    /// Adds a task with a weight (`@task(weight)`).
    pub fn weighted_task<M>(mut self, weight: u32, task: impl IntoTask<U, M>) -> Self {
        self.tasks.push(task.into_task().weight(weight));
        self
    }

    /// Tags every task of this set, nested ones included (`@tag` on a TaskSet).
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.insert(tag.into());
        self
    }

    pub fn on_start<F>(mut self, f: F) -> Self
    where
        F: AsyncFn(&mut U) -> TaskResult + Send + Sync + 'static,
    {
        self.on_start = Some(erase(f));
        self
    }

    pub fn on_stop<F>(mut self, f: F) -> Self
    where
        F: AsyncFn(&mut U) -> TaskResult + Send + Sync + 'static,
    {
        self.on_stop = Some(erase(f));
        self
    }

    /// This set's own wait time, instead of the user's.
    pub fn wait_time(mut self, wait_time: WaitTime) -> Self {
        self.wait_time = Some(wait_time);
        self
    }

    pub fn get_name(&self) -> &str {
        &self.name
    }

    pub fn order(&self) -> TaskOrder {
        self.order
    }

    pub fn tasks(&self) -> &[Task<U>] {
        &self.tasks
    }

    /// The task indices to choose from: each task repeated by its weight, in
    /// declaration order (Locust's expanded `tasks` list).
    pub(crate) fn schedule(&self) -> Vec<usize> {
        self.tasks
            .iter()
            .enumerate()
            .flat_map(|(i, t)| std::iter::repeat_n(i, t.weight as usize))
            .collect()
    }

    /// Keeps only the tasks that pass `--tags` / `--exclude-tags`, recursively;
    /// a nested set left without tasks is dropped. Tags of a set apply to all
    /// its tasks. Returns `None` when nothing is left.
    pub(crate) fn filter_by_tags(
        &self,
        inherited: &BTreeSet<String>,
        tags: Option<&BTreeSet<String>>,
        exclude: Option<&BTreeSet<String>>,
    ) -> Self {
        let own: BTreeSet<String> = inherited.union(&self.tags).cloned().collect();
        let tasks = self
            .tasks
            .iter()
            .filter_map(|t| {
                let task_tags: BTreeSet<String> = own.union(&t.tags).cloned().collect();
                match &t.body {
                    TaskBody::Set(set) => {
                        let filtered = set.filter_by_tags(&task_tags, tags, exclude);
                        (!filtered.tasks.is_empty()).then(|| Task {
                            body: TaskBody::Set(filtered),
                            ..t.clone()
                        })
                    }
                    TaskBody::Fn(..) => {
                        let included = tags.is_none_or(|want| !want.is_disjoint(&task_tags));
                        let excluded = exclude.is_some_and(|ex| !ex.is_disjoint(&task_tags));
                        (included && !excluded).then(|| t.clone())
                    }
                }
            })
            .collect();
        Self {
            tasks,
            ..self.clone()
        }
    }

    /// Every plain task of this set and its nested sets, each once with weight 1
    /// (Locust's `--equal-weights`).
    pub(crate) fn flatten_equal_weights(&self, out: &mut Vec<Task<U>>) {
        for t in &self.tasks {
            match &t.body {
                TaskBody::Set(s) => s.flatten_equal_weights(out),
                TaskBody::Fn(_, id) => {
                    let seen = out
                        .iter()
                        .any(|o| matches!(&o.body, TaskBody::Fn(_, other) if other == id));
                    if !seen {
                        out.push(Task {
                            weight: 1,
                            ..t.clone()
                        });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct U;
    impl U {
        async fn index(&mut self) -> TaskResult {
            Ok(())
        }
        async fn about(&mut self) -> TaskResult {
            Ok(())
        }
        async fn post(&mut self) -> TaskResult {
            Ok(())
        }
    }

    fn names(s: &TaskSet<U>) -> Vec<String> {
        s.tasks.iter().map(|t| t.name.clone()).collect()
    }

    fn set(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn task_names_come_from_the_function() {
        assert_eq!(Task::new(U::index).get_name(), "index");
        assert_eq!(
            Task::<U>::new(async |_u: &mut U| Ok(())).get_name(),
            "<closure>"
        );
        assert_eq!(Task::new(U::index).name("home").get_name(), "home");
    }

    #[test]
    fn weights_expand_in_declaration_order() {
        let s = TaskSet::new("s")
            .weighted_task(2, U::index)
            .task(U::about)
            .weighted_task(3, U::post);
        assert_eq!(s.schedule(), vec![0, 0, 1, 2, 2, 2]);
        let zero = TaskSet::new("z").weighted_task(0, U::index).task(U::about);
        assert_eq!(zero.schedule(), vec![1]);
    }

    #[test]
    fn tag_filtering_is_recursive() {
        let nested = TaskSet::new("Forum")
            .task(task(U::post).tag("post"))
            .task(U::about);
        let root = TaskSet::new("root")
            .task(task(U::index).tag("web"))
            .task(U::about)
            .task(nested.clone());
        let none = BTreeSet::new();

        let web = root.filter_by_tags(&none, Some(&set(&["web"])), None);
        assert_eq!(names(&web), vec!["index"]);

        let post = root.filter_by_tags(&none, Some(&set(&["post"])), None);
        assert_eq!(names(&post), vec!["Forum"]);
        assert_eq!(names(post.tasks[0].task_set().unwrap()), vec!["post"]);

        let not_post = root.filter_by_tags(&none, None, Some(&set(&["post", "web"])));
        assert_eq!(names(&not_post), vec!["about", "Forum"]);
        assert_eq!(names(not_post.tasks[1].task_set().unwrap()), vec!["about"]);

        // Tags on a set apply to its tasks.
        let tagged = TaskSet::new("root")
            .task(nested.tag("forum"))
            .task(U::index);
        let forum = tagged.filter_by_tags(&none, Some(&set(&["forum"])), None);
        assert_eq!(names(&forum), vec!["Forum"]);
        assert_eq!(
            names(forum.tasks[0].task_set().unwrap()),
            vec!["post", "about"]
        );

        // Both options: included by --tags, then removed by --exclude-tags.
        let both = root.filter_by_tags(&none, Some(&set(&["web", "post"])), Some(&set(&["post"])));
        assert_eq!(names(&both), vec!["index"]);
    }

    #[test]
    fn equal_weights_flatten_nested_tasks_once() {
        let nested = TaskSet::new("Forum")
            .weighted_task(5, U::post)
            .task(U::about);
        let root = TaskSet::new("root")
            .weighted_task(3, U::index)
            .task(U::about)
            .task(nested);
        let mut out = Vec::new();
        root.flatten_equal_weights(&mut out);
        let got: Vec<(String, u32)> = out.iter().map(|t| (t.name.clone(), t.weight)).collect();
        assert_eq!(
            got,
            vec![
                ("index".to_string(), 1),
                ("about".to_string(), 1),
                ("post".to_string(), 1),
            ]
        );
    }
}
