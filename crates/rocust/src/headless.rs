//! A headless run from start to shutdown, in the order Locust's `main` does it:
//! start, periodic tables and CSV, run-time limit, signals, then shutdown with
//! the final tables and every report written whatever ended the run.

use std::sync::Arc;
use std::time::Duration;

use rocust_cli::Options;
use rocust_core::env::Environment;
use rocust_core::runner::LocalRunner;

use crate::reports::Reports;

/// Why the run is ending.
enum End {
    Quit,
    Interrupted,
    Terminated,
}

/// Runs the test until it ends and returns the process exit code.
pub async fn run(
    options: &Options,
    env: Arc<Environment>,
    runner: Arc<LocalRunner>,
    reports: Reports,
) -> i32 {
    let reports = Arc::new(reports);
    let background = spawn_periodic_work(options, &env, &runner, &reports);

    // A test stopped before it starts (no host) never spawns users.
    if env.stop_test_reason().is_none() {
        start_automatic_run(options, &runner);
    }
    let end = wait_for_end(&env, &runner).await;
    if let End::Terminated = end {
        log::info!("Got SIGTERM signal");
    }
    let code = shutdown(options, &env, &runner, &reports).await;
    for task in background {
        task.abort();
    }
    code
}

/// Locust's `start_automatic_run`: headless defaults, the shape or `-u`/`-r`, and the `-t` timer.
fn start_automatic_run(options: &Options, runner: &Arc<LocalRunner>) {
    if runner.has_shape() {
        runner.start_shape();
    } else {
        let users = options.users.unwrap_or(1);
        let spawn_rate = options.spawn_rate.unwrap_or(1.0);
        runner.start(users, spawn_rate, None);
    }
    if let Some(run_time) = options.run_time.filter(|&t| t > 0) {
        log::info!("Run time limit set to {run_time} seconds");
        let runner = runner.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(run_time)).await;
            log::info!("--run-time limit reached, shutting down");
            runner.quit().await;
        });
    } else if !runner.has_shape() {
        log::info!("No run time limit set, use CTRL+C to interrupt");
    }
}

async fn wait_for_end(env: &Arc<Environment>, runner: &Arc<LocalRunner>) -> End {
    let mut sigterm =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let terminated = async {
        match sigterm.as_mut() {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    let stop_test = async {
        let reason = env.stop_test_requested().await;
        log::error!("{reason}");
        log::warn!("Stopping Locust...");
        runner.quit().await;
    };
    tokio::select! {
        _ = runner.wait_quit() => End::Quit,
        _ = stop_test => End::Quit,
        _ = tokio::signal::ctrl_c() => End::Interrupted,
        _ = terminated => End::Terminated,
    }
}

/// Stats printer, stats ticker, history and CSV rows, as Locust's greenlets,
/// at the intervals of the run's report settings.
fn spawn_periodic_work(
    options: &Options,
    env: &Arc<Environment>,
    runner: &Arc<LocalRunner>,
    reports: &Arc<Reports>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let settings = reports.settings();
    let mut tasks = Vec::new();
    if !options.only_summary && (options.print_stats || options.headless) {
        let env = env.clone();
        let reports = reports.clone();
        tasks.push(every(settings.console_interval, move || {
            reports.print_current_stats(&env)
        }));
    }
    let stats_env = env.clone();
    tasks.push(every(Duration::from_secs(1), move || {
        stats_env.stats.tick()
    }));
    {
        let env = env.clone();
        let runner = runner.clone();
        tasks.push(every(settings.history_interval, move || {
            if runner.state() != rocust_core::runner::RunnerState::Stopped {
                env.stats.update_history(runner.user_count() as u64);
            }
        }));
    }
    {
        let env = env.clone();
        let runner = runner.clone();
        let reports = reports.clone();
        tasks.push(every(settings.csv_interval, move || {
            reports.write_csv(&env, runner.user_count())
        }));
    }
    tasks
}

/// Runs `work` now and then every `period` (later when it runs late, never in a burst).
fn every(period: Duration, mut work: impl FnMut() + Send + 'static) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            work();
        }
    })
}

/// Locust's `shutdown()`: quitting event, exit code, stop users, final tables
/// and reports, quit event.
async fn shutdown(
    options: &Options,
    env: &Arc<Environment>,
    runner: &Arc<LocalRunner>,
    reports: &Reports,
) -> i32 {
    env.events.quitting.fire(env);
    let code = env.process_exit_code().unwrap_or_else(|| {
        if env.stats.has_errors_or_exceptions() {
            options.exit_code_on_error
        } else {
            0
        }
    });
    log::info!("Shutting down (exit code {code})");
    // A second Ctrl-C while users finish their tasks stops waiting for them.
    tokio::select! {
        _ = runner.quit() => {}
        _ = tokio::signal::ctrl_c() => {
            log::info!("Stopping users without waiting");
            runner.kill_all();
            runner.quit().await;
        }
    }
    reports.write_final(options, env, runner.user_count());
    env.events
        .quit
        .fire(&rocust_core::events::QuitEvent { exit_code: code });
    code
}
