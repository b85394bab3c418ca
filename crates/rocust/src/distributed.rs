//! `--master` and `--worker`: the runners of a distributed run, built from
//! the command line, and a worker's run from connect to quit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rocust_cli::Options;
use rocust_core::dispatch::UserClassSpec;
use rocust_core::env::Environment;
use rocust_core::exec::UserBackend;
use rocust_core::runner::Runner;
use rocust_core::shape::LoadTestShape;
use rocust_core::user::{TaskFilter, UserClassInfo};
use rocust_dist::master::{report_wait_from_env, MasterConfig, MasterRunner};
use rocust_dist::transport::LinkEvent;
use rocust_dist::worker::{node_id, WorkerConfig, WorkerRunner};
use tokio::sync::mpsc;

use crate::logging;

/// Binds the master's port. `Err` is the exit code, with the reason logged.
pub async fn bind_master(
    options: &Options,
    env: &Arc<Environment>,
    classes: &[UserClassInfo],
    shape: Option<Box<dyn LoadTestShape>>,
) -> Result<Arc<MasterRunner>, i32> {
    let report_wait = report_wait_from_env(
        std::env::var("LOCUST_WAIT_FOR_WORKERS_REPORT_AFTER_RAMP_UP")
            .ok()
            .as_deref(),
    )
    .map_err(|e| {
        log::error!("{e}");
        1
    })?;
    let parsed_options = serde_json::Value::Object(
        options
            .namespace()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    );
    let config = MasterConfig {
        bind_host: options.master_bind_host.clone(),
        bind_port: options.master_bind_port,
        enable_rebalancing: options.enable_rebalancing,
        headless: options.headless,
        reset_stats: options.reset_stats,
        stop_timeout: Some(options.stop_timeout_duration().as_secs_f64()),
        user_classes: classes
            .iter()
            .map(|c| UserClassSpec {
                name: c.name.clone(),
                weight: c.weight as f64,
                fixed_count: c.fixed_count as u64,
            })
            .collect(),
        parsed_options: rocust_dist::codec::json_to_value(&parsed_options),
        locustfiles: options.locustfiles(),
        report_wait,
    };
    MasterRunner::bind(env.clone(), config, shape)
        .await
        .map_err(|e| {
            let port = match options.master_bind_host.as_str() {
                "*" => options.master_bind_port.to_string(),
                host => format!("{host}:{}", options.master_bind_port),
            };
            if e.kind() == std::io::ErrorKind::AddrInUse {
                log::error!("The Locust master port ({port}) was busy. Close any applications using that port - perhaps an old instance of Locust master is still running? ({e})");
            } else {
                log::error!("The Locust master could not listen on {port}: {e}");
            }
            1
        })
}

/// Starts a worker's connection (inside the runtime).
pub fn start_worker(
    options: &Options,
    env: &Arc<Environment>,
    backend: Arc<dyn UserBackend>,
    task_filter: TaskFilter,
    set_host: Option<Arc<dyn Fn(Option<String>) + Send + Sync>>,
) -> (Arc<WorkerRunner>, mpsc::Receiver<LinkEvent>) {
    let config = WorkerConfig {
        master_host: options.master_host.clone(),
        master_port: options.master_port,
        node_id: node_id(),
        task_filter,
        web_base_path: options.web_base_path.clone(),
        log_lines: Some(Arc::new(logging::recent_lines)),
        set_host,
    };
    WorkerRunner::new(env.clone(), backend, config)
}

/// A worker's whole run: connect, follow the master until it says quit or
/// a signal ends the run, tell the master goodbye. Returns the exit code.
pub async fn run_worker(
    options: &Options,
    env: Arc<Environment>,
    runner: Arc<WorkerRunner>,
    events: mpsc::Receiver<LinkEvent>,
) -> i32 {
    if options.run_time.is_some() {
        log::debug!("--run-time specified for a worker node will be ignored.");
    }
    let terminated = crate::run::sigterm();
    let outcome = tokio::select! {
        code = runner.run(events) => code,
        _ = tokio::signal::ctrl_c() => None,
        _ = terminated => {
            log::info!("Got SIGTERM signal");
            None
        }
    };
    if let Some(code) = outcome {
        return code;
    }
    env.events.quitting.fire(&env);
    runner.say_goodbye().await;
    let code = env.exit_code(options.exit_code_on_error);
    log::info!("Shutting down (exit code {code})");
    tokio::select! {
        _ = runner.quit() => {}
        _ = tokio::signal::ctrl_c() => runner.kill_all(),
    }
    env.events
        .quit
        .fire(&rocust_core::events::QuitEvent { exit_code: code });
    code
}

/// Locust's wait for `--expect-workers` ready workers before an automatic
/// start. `Err` (exit code 1) when `--expect-workers-max-wait` runs out.
pub async fn wait_for_workers(options: &Options, runner: &Arc<dyn Runner>) -> Result<(), i32> {
    let started = Instant::now();
    let max_wait = (options.expect_workers_max_wait > 0)
        .then(|| Duration::from_secs(options.expect_workers_max_wait));
    loop {
        let ready = runner
            .workers()
            .map(|w| w.iter().filter(|w| w.state == "ready").count())
            .unwrap_or(0) as u64;
        if ready >= options.expect_workers {
            return Ok(());
        }
        if max_wait.is_some_and(|max| started.elapsed() > max) {
            log::error!("Gave up waiting for workers to connect");
            runner.quit().await;
            return Err(1);
        }
        let message = format!(
            "Waiting for workers to be ready, {ready} of {} connected",
            options.expect_workers
        );
        if started.elapsed() > Duration::from_secs(5) {
            log::info!("{message}");
        } else {
            log::debug!("{message}");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
