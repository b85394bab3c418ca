//! The user model: user classes, task sets, tasks and what a task may return.

mod class;
mod context;
pub mod ratio;
mod run;
mod task;

pub use class::{
    AnyUserClass, DynUserClass, TaskFilter, TaskInfo, UserClass, UserClassInfo, UserClassSettings,
};
pub use context::{RequestRecord, UserContext};
pub use run::{UserControl, UserState};
pub use task::{task, IntoTask, Task, TaskError, TaskOrder, TaskResult, TaskSet};

#[cfg(test)]
mod tests;
