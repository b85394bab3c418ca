//! A run from start to shutdown, in the order Locust's `main` does it: the
//! web UI (unless `--headless`), start, periodic tables and CSV, run-time
//! limit, keyboard control, signals, then shutdown with the final tables and
//! every report written whatever ended the run.
//!
//! Headless, the run ends when the test does. With the web UI it ends when
//! the UI stops (`--autoquit`) or on a signal; tests come and go in between.

use std::sync::Arc;
use std::time::Duration;

use rocust_cli::Options;
use rocust_core::env::Environment;
use rocust_core::runner::Runner;

use rocust_web::{RunTimeEnd, WebUi};

use crate::distributed;
use crate::keyboard::KeyboardControl;
use crate::reports::Reports;
use crate::web::WebStart;

/// How often `-n/--num-request` compares the merged request count with its
/// limit: a check on the control thread, nothing per request. Requests that
/// complete in between (or are in flight) take the total past the limit.
const REQUEST_LIMIT_CHECK: Duration = Duration::from_millis(100);

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
    runner: Arc<dyn Runner>,
    reports: Reports,
    web: Option<WebStart>,
) -> i32 {
    let web = match web {
        Some(start) => match start.start(&runner).await {
            Ok(web) => Some(web),
            Err(e) => {
                log::error!("{e}");
                return 1;
            }
        },
        None => None,
    };
    let reports = Arc::new(reports);
    let mut background = spawn_periodic_work(options, &env, &runner, &reports);

    let mut keyboard = None;
    let starts_at_once = web.is_none() || options.autostart;
    if options.master && starts_at_once && env.stop_test_reason().is_none() {
        let waited = tokio::select! {
            waited = distributed::wait_for_workers(options, &runner) => waited,
            _ = tokio::signal::ctrl_c() => Err(1),
            _ = sigterm() => Err(1),
        };
        if let Err(code) = waited {
            runner.quit().await;
            let _ = shutdown(options, &env, &runner, &reports, background).await;
            if let Some(web) = web {
                web.shutdown().await;
            }
            return code;
        }
    }
    // A test stopped before it starts (no host) never spawns users.
    if env.stop_test_reason().is_none() {
        match &web {
            None => start_automatic_run(options, &runner),
            Some(web) if options.autostart => start_automatic_run_with_ui(options, &runner, web),
            Some(_) => {}
        }
        // Locust listens to keys once its automatic start returns, which for
        // a shape is when the shape has ended: keys do nothing in shape runs.
        if !runner.has_shape() {
            keyboard = KeyboardControl::start(&runner, web.as_ref().map(WebUi::url));
        }
        if let Some(limit) = options.num_requests {
            background.push(spawn_request_limit(limit, &env, &runner));
        }
    }
    let end = match &web {
        None => wait_for_end(&env, &runner).await,
        Some(web) => wait_for_ui_end(&env, &runner, web).await,
    };
    if web.is_none() && runner.has_shape() && matches!(end, End::Quit) {
        // Locust's main greenlet, which waited for the shape, goes on here.
        log::info!("Shape test completed, shutting down");
        if let Some(run_time) = options.run_time.filter(|&t| t > 0) {
            log::info!("Run time limit set to {run_time} seconds");
        }
    }
    if let End::Terminated = end {
        log::info!("Got SIGTERM signal");
    }
    if let Some(keyboard) = keyboard {
        keyboard.stop();
    }
    let code = shutdown(options, &env, &runner, &reports, background).await;
    if let Some(web) = web {
        web.shutdown().await;
    }
    code
}

/// `--autostart` with the web UI: as headless, but the end of the run time
/// (or of the shape) stops the test and keeps the UI, unless `--autoquit`.
fn start_automatic_run_with_ui(options: &Options, runner: &Arc<dyn Runner>, web: &WebUi) {
    let end = RunTimeEnd::Autostart {
        autoquit: options.autoquit,
    };
    if runner.has_shape() {
        runner.start_shape();
        web.finish_run_when_stopped("Shape test completed", end);
        return;
    }
    runner.start(options.start_users(), options.start_spawn_rate(), None);
    match options.run_time_limit() {
        Some(limit) => {
            log::info!("Run time limit set to {} seconds", limit.as_secs());
            web.arm_run_time(limit.as_secs(), end);
        }
        None => log::info!("No run time limit set, use CTRL+C to interrupt"),
    }
}

/// Locust's `start_automatic_run`: a shape, or `-u`/`-r` with headless
/// defaults and the `-t` timer.
fn start_automatic_run(options: &Options, runner: &Arc<dyn Runner>) {
    if runner.has_shape() {
        // -u, -r and -t do not apply: the shape runs until tick() returns None
        // (Locust only arms the -t timer after the shape has ended).
        runner.start_shape();
        return;
    }
    // Locust spawns `runner.start`, then arms the timer before the start
    // runs: the time counts from here even while test_start listeners run,
    // and the timer's log line comes before theirs.
    let deadline = options
        .run_time_limit()
        .map(|limit| tokio::time::Instant::now() + limit);
    match (deadline, options.run_time) {
        (Some(deadline), Some(run_time)) => {
            log::info!("Run time limit set to {run_time} seconds");
            let runner = runner.clone();
            tokio::spawn(async move {
                tokio::time::sleep_until(deadline).await;
                log::info!("--run-time limit reached, shutting down");
                runner.quit().await;
            });
        }
        _ => log::info!("No run time limit set, use CTRL+C to interrupt"),
    }
    runner.start(options.start_users(), options.start_spawn_rate(), None);
}

/// `-n/--num-request` (older Locust versions): quits once the merged stats
/// count `limit` requests.
fn spawn_request_limit(
    limit: u64,
    env: &Arc<Environment>,
    runner: &Arc<dyn Runner>,
) -> tokio::task::JoinHandle<()> {
    let env = env.clone();
    let runner = runner.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(REQUEST_LIMIT_CHECK);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if env.stats.with_request_stats(|stats| stats.num_requests()) >= limit {
                log::info!("-n/--num-request limit of {limit} requests reached, shutting down");
                runner.quit().await;
                return;
            }
        }
    })
}

/// Resolves on SIGTERM (never, if it cannot be watched).
pub(crate) async fn sigterm() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut s) => {
            s.recv().await;
        }
        Err(_) => std::future::pending::<()>().await,
    }
}

async fn wait_for_end(env: &Arc<Environment>, runner: &Arc<dyn Runner>) -> End {
    let terminated = sigterm();
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

/// With the web UI, Locust's main greenlet is the UI's: the run ends when
/// the UI stops or on a signal. A test that asks to stop (StopTest, no host)
/// stops, and the UI stays for the next one.
async fn wait_for_ui_end(env: &Arc<Environment>, runner: &Arc<dyn Runner>, web: &WebUi) -> End {
    let stop_tests = async {
        let reason = env.stop_test_requested().await;
        log::error!("{reason}");
        runner.stop().await;
        std::future::pending::<()>().await
    };
    tokio::select! {
        _ = web.stopped() => End::Quit,
        _ = stop_tests => End::Quit,
        _ = tokio::signal::ctrl_c() => End::Interrupted,
        _ = sigterm() => End::Terminated,
    }
}

/// The work done on timers while the test runs, as Locust's greenlets.
struct Background {
    /// The periodic console tables; stopped first at shutdown, so none comes
    /// after (or inside) the final summary.
    printer: Option<tokio::task::JoinHandle<()>>,
    /// Stats ticker, history and CSV rows, `-n` limit.
    others: Vec<tokio::task::JoinHandle<()>>,
}

impl Background {
    fn push(&mut self, task: tokio::task::JoinHandle<()>) {
        self.others.push(task);
    }
}

/// Cancels `task` and waits until it is not running on another worker thread.
async fn stop(task: tokio::task::JoinHandle<()>) {
    task.abort();
    let _ = task.await;
}

/// Stats printer, stats ticker, history and CSV rows, at the intervals of the
/// run's report settings.
fn spawn_periodic_work(
    options: &Options,
    env: &Arc<Environment>,
    runner: &Arc<dyn Runner>,
    reports: &Arc<Reports>,
) -> Background {
    let settings = reports.settings();
    let printer = (!options.only_summary && (options.print_stats || options.headless)).then(|| {
        let env = env.clone();
        let reports = reports.clone();
        every(settings.console_interval, move || {
            reports.print_current_stats(&env)
        })
    });
    let mut tasks = Vec::new();
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
    Background {
        printer,
        others: tasks,
    }
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

/// Locust's `shutdown()`: quitting event, exit code, stop the stats printer
/// and users, final tables and reports, quit event.
async fn shutdown(
    options: &Options,
    env: &Arc<Environment>,
    runner: &Arc<dyn Runner>,
    reports: &Reports,
    background: Background,
) -> i32 {
    env.events.quitting.fire(env);
    if options.master {
        // Locust's master quits on `quitting`, before the exit code is
        // decided: the workers' final reports count.
        runner.quit().await;
    }
    let code = env.exit_code(options.exit_code_on_error);
    // Stopped before the log line: on another thread, a table under way could
    // otherwise come out after it (Locust's printer, a greenlet, cannot).
    if let Some(printer) = background.printer {
        stop(printer).await;
    }
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
    for task in background.others {
        stop(task).await;
    }
    reports.write_final(options, runner.as_ref());
    env.events
        .quit
        .fire(&rocust_core::events::QuitEvent { exit_code: code });
    code
}
