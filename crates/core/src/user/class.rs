//! User classes: how to build a user, what it does, and how many of it to run.

use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::Arc;

use super::context::UserContext;
use super::run::{run_user, UserControl};
use super::task::{erase, IntoTask, LocalBoxFuture, Task, TaskFn, TaskSet};
use super::TaskResult;
use crate::wait_time::WaitTime;
use serde_json::Value;

/// Everything about a user class that does not depend on its Rust type: what
/// the runner, the dispatcher and the reports need.
#[derive(Clone, Debug, PartialEq)]
pub struct UserClassInfo {
    pub name: String,
    pub weight: u32,
    pub fixed_count: u32,
    pub host: Option<String>,
    pub is_abstract: bool,
    pub tasks: Vec<TaskInfo>,
}

/// A task as `--show-task-ratio` and `-l` see it.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskInfo {
    pub name: String,
    pub weight: u32,
    /// For a nested task set: its tasks.
    pub children: Option<Vec<TaskInfo>>,
}

/// What the web UI's class editor changes (Locust's `POST /user`); `None`
/// leaves a setting as it is. `tasks` keeps the class's declared tasks of
/// those names (each with its weight), as Locust filters its `tasks` list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserClassSettings {
    pub weight: Option<u32>,
    pub fixed_count: Option<u32>,
    /// `Some(None)`: no host of its own.
    pub host: Option<Option<String>>,
    pub tasks: Option<Vec<String>>,
}

impl UserClassSettings {
    /// The settings rocust itself reads (Locust's `POST /user` and
    /// `update_user_class` data), taken out of `fields` (the rest are
    /// other attributes, which Python classes get as they are).
    pub fn take_from_json(
        fields: &mut serde_json::Map<String, Value>,
    ) -> Result<UserClassSettings, String> {
        let count = |key: &str, value: Option<Value>| -> Result<Option<u32>, String> {
            match value {
                None => Ok(None),
                Some(v) => v
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .map(Some)
                    .ok_or_else(|| format!("{key} must be a whole number of 0 or more, not {v}")),
            }
        };
        let host = match fields.remove("host") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(h)) if h.is_empty() => Some(None),
            Some(Value::String(h)) => Some(Some(h)),
            Some(other) => return Err(format!("host must be text, not {other}")),
        };
        let tasks = match fields.remove("tasks") {
            None => None,
            Some(Value::Array(items)) => Some(
                items
                    .into_iter()
                    .map(|t| match t {
                        Value::String(s) => Ok(s),
                        other => Err(format!("tasks must be task names, not {other}")),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Some(other) => return Err(format!("tasks must be a list of task names, not {other}")),
        };
        Ok(UserClassSettings {
            weight: count("weight", fields.remove("weight"))?,
            fixed_count: count("fixed_count", fields.remove("fixed_count"))?,
            host,
            tasks,
        })
    }
}

impl UserClassInfo {
    /// This description with `settings` applied (`declared`: the class's
    /// tasks as declared, which `settings.tasks` chooses from).
    pub fn with_settings(&self, settings: &UserClassSettings, declared: &[TaskInfo]) -> Self {
        let mut info = self.clone();
        if let Some(weight) = settings.weight {
            info.weight = weight;
        }
        if let Some(fixed) = settings.fixed_count {
            info.fixed_count = fixed;
        }
        if let Some(host) = &settings.host {
            info.host = host.clone();
        }
        if let Some(names) = &settings.tasks {
            info.tasks = declared
                .iter()
                .filter(|t| names.contains(&t.name))
                .cloned()
                .collect();
        }
        info
    }
}

/// How tasks are selected at test start: `--tags`, `--exclude-tags`, `--equal-weights`.
#[derive(Clone, Debug, Default)]
pub struct TaskFilter {
    pub tags: Option<BTreeSet<String>>,
    pub exclude_tags: Option<BTreeSet<String>>,
    pub equal_weights: bool,
}

impl TaskFilter {
    pub fn is_empty(&self) -> bool {
        self.tags.is_none() && self.exclude_tags.is_none() && !self.equal_weights
    }
}

/// A user class whose Rust type is hidden, so classes of different user
/// structs can run in one test.
pub trait AnyUserClass: Send + Sync {
    fn info(&self) -> UserClassInfo;

    /// A copy with the filter applied (tags, equal weights).
    fn filtered(&self, filter: &TaskFilter) -> DynUserClass;

    /// A copy with the web UI's class editor's settings applied.
    fn with_settings(&self, settings: &UserClassSettings) -> DynUserClass;

    /// Builds one user and runs it until it stops; runs on an engine thread.
    #[doc(hidden)]
    fn run(
        self: Arc<Self>,
        ctx: UserContext,
        control: Rc<UserControl>,
    ) -> LocalBoxFuture<'static, ()>;
}

pub type DynUserClass = Arc<dyn AnyUserClass>;

type Factory<U> = Arc<dyn Fn(&UserContext) -> U + Send + Sync>;

/// A user class: Locust's `User` subclass, as a builder over the user struct `U`.
///
/// ```ignore
/// UserClass::new("WebsiteUser", |ctx| WebsiteUser { client: HttpSession::new(ctx) })
///     .wait_time(between(1.0, 5.0))
///     .on_start(WebsiteUser::login)
///     .weighted_task(2, WebsiteUser::index)
///     .task(WebsiteUser::about)
/// ```
pub struct UserClass<U> {
    pub(crate) name: String,
    pub(crate) factory: Factory<U>,
    pub(crate) tasks: TaskSet<U>,
    pub(crate) on_start: Option<TaskFn<U>>,
    pub(crate) on_stop: Option<TaskFn<U>>,
    pub(crate) wait_time: WaitTime,
    pub(crate) weight: u32,
    pub(crate) fixed_count: u32,
    pub(crate) host: Option<String>,
    pub(crate) is_abstract: bool,
    /// The tasks as declared, once settings chose some of them.
    pub(crate) declared: Option<Arc<TaskSet<U>>>,
}

impl<U> Clone for UserClass<U> {
    fn clone(&self) -> Self {
        Self {
            name: self.name.clone(),
            factory: self.factory.clone(),
            tasks: self.tasks.clone(),
            on_start: self.on_start.clone(),
            on_stop: self.on_stop.clone(),
            wait_time: self.wait_time.clone(),
            weight: self.weight,
            fixed_count: self.fixed_count,
            host: self.host.clone(),
            is_abstract: self.is_abstract,
            declared: self.declared.clone(),
        }
    }
}

impl<U: 'static> UserClass<U> {
    /// `factory` builds each new user; it gets the user's context, e.g. to open an HTTP session.
    pub fn new(
        name: impl Into<String>,
        factory: impl Fn(&UserContext) -> U + Send + Sync + 'static,
    ) -> Self {
        let name = name.into();
        Self {
            tasks: TaskSet::new(name.clone()),
            name,
            factory: Arc::new(factory),
            on_start: None,
            on_stop: None,
            wait_time: WaitTime::default(),
            weight: 1,
            fixed_count: 0,
            host: None,
            is_abstract: false,
            declared: None,
        }
    }

    pub fn task<M>(mut self, task: impl IntoTask<U, M>) -> Self {
        self.tasks = self.tasks.task(task);
        self
    }

    /// Adds a task with a weight (`@task(weight)`).
    pub fn weighted_task<M>(mut self, weight: u32, task: impl IntoTask<U, M>) -> Self {
        self.tasks = self.tasks.weighted_task(weight, task);
        self
    }

    /// Runs once when the user starts, before its first task.
    pub fn on_start<F>(mut self, f: F) -> Self
    where
        F: AsyncFn(&mut U) -> TaskResult + Send + Sync + 'static,
    {
        self.on_start = Some(erase(f));
        self
    }

    /// Runs once when the user stops, also when it is stopped from outside.
    pub fn on_stop<F>(mut self, f: F) -> Self
    where
        F: AsyncFn(&mut U) -> TaskResult + Send + Sync + 'static,
    {
        self.on_stop = Some(erase(f));
        self
    }

    pub fn wait_time(mut self, wait_time: WaitTime) -> Self {
        self.wait_time = wait_time;
        self
    }

    /// Relative share of users of this class (default 1).
    pub fn weight(mut self, weight: u32) -> Self {
        self.weight = weight;
        self
    }

    /// Exactly this many users of this class, spawned before the weighted ones.
    pub fn fixed_count(mut self, fixed_count: u32) -> Self {
        self.fixed_count = fixed_count;
        self
    }

    /// The default host of this class; `--host` overrides it.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// An abstract class is never run (Locust's `abstract = True`).
    pub fn abstract_class(mut self, is_abstract: bool) -> Self {
        self.is_abstract = is_abstract;
        self
    }

    /// Type-erases the class, to mix classes of different user structs.
    pub fn into_dyn(self) -> DynUserClass {
        Arc::new(self)
    }
}

impl<U: 'static> From<UserClass<U>> for DynUserClass {
    fn from(class: UserClass<U>) -> Self {
        class.into_dyn()
    }
}

fn task_infos<U: 'static>(set: &TaskSet<U>) -> Vec<TaskInfo> {
    set.tasks
        .iter()
        .map(|t| TaskInfo {
            name: t.name.clone(),
            weight: t.weight,
            children: t.task_set().map(task_infos),
        })
        .collect()
}

impl<U: 'static> AnyUserClass for UserClass<U> {
    fn info(&self) -> UserClassInfo {
        UserClassInfo {
            name: self.name.clone(),
            weight: self.weight,
            fixed_count: self.fixed_count,
            host: self.host.clone(),
            is_abstract: self.is_abstract,
            tasks: task_infos(&self.tasks),
        }
    }

    fn filtered(&self, filter: &TaskFilter) -> DynUserClass {
        let mut class = self.clone();
        if filter.tags.is_some() || filter.exclude_tags.is_some() {
            class.tasks = class.tasks.filter_by_tags(
                &BTreeSet::new(),
                filter.tags.as_ref(),
                filter.exclude_tags.as_ref(),
            );
        }
        if filter.equal_weights {
            class.weight = 1;
            let mut flat: Vec<Task<U>> = Vec::new();
            class.tasks.flatten_equal_weights(&mut flat);
            class.tasks.tasks = flat;
        }
        Arc::new(class)
    }

    fn with_settings(&self, settings: &UserClassSettings) -> DynUserClass {
        let mut class = self.clone();
        if let Some(weight) = settings.weight {
            class.weight = weight;
        }
        if let Some(fixed) = settings.fixed_count {
            class.fixed_count = fixed;
        }
        if let Some(host) = &settings.host {
            class.host = host.clone();
        }
        if let Some(names) = &settings.tasks {
            let declared = class
                .declared
                .get_or_insert_with(|| Arc::new(self.tasks.clone()))
                .clone();
            class.tasks.tasks = declared
                .tasks
                .iter()
                .filter(|t| names.iter().any(|n| n == t.get_name()))
                .cloned()
                .collect();
        }
        Arc::new(class)
    }

    fn run(
        self: Arc<Self>,
        ctx: UserContext,
        control: Rc<UserControl>,
    ) -> LocalBoxFuture<'static, ()> {
        Box::pin(run_user(self, ctx, control))
    }
}
