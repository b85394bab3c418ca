//! deploy/ (the image, plain Kubernetes manifests, values for the deliveryhero Helm chart, custom
//! resources for two Kubernetes operators) runs rocust with command lines and environments that
//! no CI machine here can run: none has a container engine or a cluster. So this test rebuilds
//! each of them as Kubernetes, the chart or the operator would compose it, and feeds it to
//! rocust's real option parser (`rocust_cli::parse`, then `Options::validate`, as the binary
//! does), then checks that it asks for what was meant: master or worker, the master's Service
//! and port, the number of workers a master waits for, the web UI on every interface where
//! probes and Services reach it, and a locustfile path that a mounted ConfigMap holds.
//!
//! Every file under deploy/ must be understood: a new manifest fails until `deploy/compose.rs`
//! knows how it runs rocust (that is where the chart's and the operators' ways of composing a
//! command line are written down) and [`WANTED`] says what each of its command lines must do.

mod deploy;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use deploy::{collect, deploy_dir, read_deploy, Deploy, Image, Run, MASTER_PORT, WEB_PORT};
use rocust_cli::Options;

/// How a run starts its test.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Start {
    /// From the web UI, by hand.
    WebUi,
    /// `--headless`: no web UI.
    Headless,
    /// `--autostart`, the web UI staying up `--autoquit` seconds after the test (`None`: until
    /// stopped).
    Autostart { autoquit: Option<u64> },
}

/// What a command line must ask for.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Want {
    /// Neither `--master` nor `--worker`: one process, web UI.
    Local,
    /// `--master`, starting as said, waiting for this many workers (`--expect-workers`).
    Master(Start, u64),
    /// `--worker`, connecting to this host on port 5557.
    Worker(&'static str),
}

/// Every command line deploy/ holds, by where it comes from, and what it must do.
const WANTED: &[(&str, Want)] = &[
    ("Dockerfile: docker run with no arguments", Want::Local),
    (
        "kubernetes/master.yaml: Deployment rocust-master, container rocust",
        Want::Master(Start::WebUi, 1),
    ),
    (
        "kubernetes/master-job.yaml: Job rocust-master, container rocust",
        Want::Master(Start::Headless, 2),
    ),
    (
        "kubernetes/worker.yaml: Deployment rocust-worker, container rocust",
        Want::Worker("rocust-master"),
    ),
    (
        "helm/values-deliveryhero.yaml: master",
        Want::Master(Start::WebUi, 1),
    ),
    (
        "helm/values-deliveryhero.yaml: worker",
        Want::Worker("rocust"),
    ),
    (
        "operator/locusttest-v1.yaml: master",
        Want::Master(Start::Autostart { autoquit: Some(30) }, 2),
    ),
    (
        "operator/locusttest-v1.yaml: worker",
        Want::Worker("rocust-demo-master"),
    ),
    (
        "operator/locusttest-v2.yaml: master",
        Want::Master(Start::Autostart { autoquit: Some(60) }, 2),
    ),
    (
        "operator/locusttest-v2.yaml: worker",
        Want::Worker("rocust-demo-master"),
    ),
];

// ---------------------------------------------------------------------------------------------
// The checks

/// rocust's parser on a run, as the binary calls it: no config file found (the working
/// directory and home are not on this machine), the run's environment only.
fn parse(args: &[String], env: &BTreeMap<String, String>) -> Result<Options, String> {
    let lookup = |name: &str| env.get(name).cloned();
    let options = rocust_cli::parse(args, &lookup, Path::new("/nonexistent"), None)
        .and_then(|options| options.validate().map(|()| options))
        .map_err(|e| e.message)?;
    Ok(options)
}

fn check_image(image: &Image, problems: &mut Vec<String>) {
    let mut expect = |ok: bool, what: &str| {
        if !ok {
            problems.push(format!("deploy/Dockerfile: {what}"));
        }
    };
    expect(
        image.from == "python:3.13-slim",
        "the image is based on python:3.13-slim",
    );
    expect(
        image.entrypoint == ["locust"],
        "ENTRYPOINT [\"locust\"], as in Locust's image",
    );
    expect(image.workdir == "/home/locust", "WORKDIR /home/locust");
    expect(image.user == "locust", "USER locust");
    expect(
        image.expose.iter().any(|p| p == "8089") && image.expose.iter().any(|p| p == "5557"),
        "EXPOSE 8089 5557",
    );
    expect(
        image
            .env
            .get("PATH")
            .is_some_and(|p| p.starts_with("/opt/venv/bin:")),
        "PATH starts with /opt/venv/bin",
    );
    expect(
        image.env.get("PYTHONUNBUFFERED").map(String::as_str) == Some("1"),
        "PYTHONUNBUFFERED=1",
    );
    expect(
        image.env.get("LOCUST_WEB_HOST").map(String::as_str) == Some("0.0.0.0"),
        "LOCUST_WEB_HOST=0.0.0.0, so probes and Services reach the web UI",
    );
    expect(
        image.text.contains("ln -s rocust /opt/venv/bin/locust"),
        "rocust also as /opt/venv/bin/locust (the deliveryhero chart's locustCmd)",
    );
}

/// Everything wrong with deploy/, one line each; empty when all is well.
fn problems(deploy: &Deploy) -> Vec<String> {
    let mut problems = Vec::new();
    check_image(&deploy.image, &mut problems);
    let images: Vec<&str> = deploy
        .runs
        .iter()
        .filter(|r| !r.image.is_empty())
        .map(|r| r.image.as_str())
        .collect();
    if images.windows(2).any(|w| w[0] != w[1]) {
        problems.push(format!("the manifests name different images: {images:?}"));
    }
    let mut parsed = Vec::new();
    for run in &deploy.runs {
        match parse(&run.args, &run.env) {
            Ok(options) => parsed.push((run, options)),
            Err(message) => problems.push(format!(
                "{}: rocust refuses {:?} with {:?}: {message}",
                run.origin,
                run.args,
                locust_vars(&run.env)
            )),
        }
    }
    for (origin, _) in WANTED {
        if !deploy.runs.iter().any(|r| r.origin == *origin) {
            problems.push(format!(
                "{origin}: not found under deploy/ (WANTED names it)"
            ));
        }
    }
    for (run, options) in &parsed {
        let Some((_, want)) = WANTED.iter().find(|(origin, _)| *origin == run.origin) else {
            problems.push(format!("{}: add what it must do to WANTED", run.origin));
            continue;
        };
        let mut fail = |problem: String| problems.push(format!("{}: {problem}", run.origin));
        check_mode(run, options, *want, deploy, &parsed, &mut fail);
        if run.group != "Dockerfile" {
            check_locustfile(options, &run.mounts, deploy, &mut fail);
        }
        if run.web_probe && !options.web_ui_enabled() {
            fail("a probe calls the web UI, which this run does not start".into());
        }
    }
    problems
}

fn check_mode(
    run: &Run,
    options: &Options,
    want: Want,
    deploy: &Deploy,
    parsed: &[(&Run, Options)],
    fail: &mut dyn FnMut(String),
) {
    let role = |o: &Options| match (o.master, o.worker) {
        (true, _) => "master",
        (_, true) => "worker",
        _ => "local",
    };
    match want {
        Want::Local => {
            if role(options) != "local" {
                fail(format!("runs as a {}", role(options)));
            }
            check_web_ui(options, fail);
        }
        Want::Master(start, expect_workers) => {
            if role(options) != "master" {
                fail(format!("runs as a {}, not a master", role(options)));
                return;
            }
            if options.master_bind_port != MASTER_PORT {
                fail(format!(
                    "the master listens on {}",
                    options.master_bind_port
                ));
            }
            if options.expect_workers != expect_workers {
                fail(format!(
                    "waits for {} workers, not {expect_workers}",
                    options.expect_workers
                ));
            }
            let started = match (options.headless, options.autostart, options.autoquit) {
                (true, _, _) => Start::Headless,
                (false, true, autoquit) => Start::Autostart { autoquit },
                (false, _, _) => Start::WebUi,
            };
            if started != start {
                fail(format!("starts as {started:?}, not {start:?}"));
            }
            if start != Start::Headless {
                check_web_ui(options, fail);
            }
            // A master that starts by itself waits for every worker its deployment runs.
            if start != Start::WebUi {
                let workers: u64 = parsed
                    .iter()
                    .filter(|(r, o)| r.group == run.group && o.worker)
                    .map(|(r, _)| r.replicas)
                    .sum();
                if workers != options.expect_workers {
                    fail(format!(
                        "waits for {} workers, but its deployment runs {workers}",
                        options.expect_workers
                    ));
                }
            }
        }
        Want::Worker(master_host) => {
            if role(options) != "worker" {
                fail(format!("runs as a {}, not a worker", role(options)));
                return;
            }
            if options.master_host != master_host || options.master_port != MASTER_PORT {
                fail(format!(
                    "connects to {}:{}, not {master_host}:{MASTER_PORT}",
                    options.master_host, options.master_port
                ));
            }
            check_master_service(run, options, deploy, parsed, fail);
        }
    }
}

/// The web UI must start where the Services, probes and operators look for it.
fn check_web_ui(options: &Options, fail: &mut dyn FnMut(String)) {
    if !options.web_ui_enabled() {
        fail("the web UI does not start".into());
    }
    // Given, as the image's LOCUST_WEB_HOST gives it: rocust alone binds 127.0.0.1.
    if !(options.is_given("web-host") && options.web_host == "0.0.0.0") {
        fail(format!(
            "the web UI listens on {:?}, not 0.0.0.0",
            options.web_host
        ));
    }
    if options.web_port != WEB_PORT {
        fail(format!(
            "the web UI is on port {}, not {WEB_PORT}",
            options.web_port
        ));
    }
}

/// A worker's master host must be a Service of its deployment that has the master's port and
/// selects a master (and no worker).
fn check_master_service(
    run: &Run,
    options: &Options,
    deploy: &Deploy,
    parsed: &[(&Run, Options)],
    fail: &mut dyn FnMut(String),
) {
    let Some(service) = deploy
        .services
        .iter()
        .find(|s| s.group == run.group && s.name == options.master_host)
    else {
        fail(format!("no Service {} to connect to", options.master_host));
        return;
    };
    if !service.ports.contains(&u64::from(options.master_port)) {
        fail(format!(
            "Service {} has no port {}",
            service.name, options.master_port
        ));
    }
    if let Some(selector) = &service.selector {
        let selects = |labels: &BTreeMap<String, String>| {
            selector.iter().all(|(k, v)| labels.get(k) == Some(v))
        };
        let in_group = parsed.iter().filter(|(r, _)| r.group == run.group);
        if !in_group
            .clone()
            .any(|(r, o)| o.master && selects(&r.labels))
        {
            fail(format!("Service {} selects no master", service.name));
        }
        if in_group
            .clone()
            .any(|(r, o)| o.worker && selects(&r.labels))
        {
            fail(format!("Service {} also selects workers", service.name));
        }
    }
}

/// The locustfile the run loads must be a key of a ConfigMap mounted at its directory
/// (relative paths start at the image's WORKDIR).
fn check_locustfile(
    options: &Options,
    mounts: &[(String, String)],
    deploy: &Deploy,
    fail: &mut dyn FnMut(String),
) {
    for file in options.locustfiles() {
        let full = if file.starts_with('/') {
            file.clone()
        } else {
            format!("{}/{file}", deploy.image.workdir)
        };
        let found = mounts.iter().any(|(dir, config_map)| {
            full.strip_prefix(dir.trim_end_matches('/'))
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|key| {
                    deploy
                        .config_maps
                        .get(config_map)
                        .is_some_and(|data| data.contains_key(key))
                })
        });
        if !found {
            fail(format!(
                "loads {full}, which no mounted ConfigMap under deploy/ holds (mounts: {mounts:?})"
            ));
        }
    }
}

fn locust_vars(env: &BTreeMap<String, String>) -> BTreeMap<&str, &str> {
    env.iter()
        .filter(|(k, _)| k.starts_with("LOCUST_"))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The tests

#[test]
fn every_command_line_under_deploy_parses_and_runs_as_meant() {
    let deploy = collect(&read_deploy()).unwrap_or_else(|e| panic!("{e}"));
    let problems = problems(&deploy);
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    assert_eq!(deploy.runs.len(), WANTED.len());
    for run in &deploy.runs {
        eprintln!("ok {}: locust {}", run.origin, run.args.join(" "));
    }
}

#[test]
fn the_example_locustfile_is_the_classic_one() {
    let deploy = collect(&read_deploy()).unwrap_or_else(|e| panic!("{e}"));
    let classic = fs::read_to_string(deploy_dir().join("../examples/locustfile.py")).unwrap();
    let in_config_map = &deploy.config_maps["rocust-locustfile"]["locustfile.py"];
    assert_eq!(
        in_config_map, &classic,
        "deploy/kubernetes/locustfile.yaml must hold examples/locustfile.py unchanged (the file \
         scripts/check-python-versions.sh runs)"
    );
}

/// The check itself: each of these slips in deploy/ must be caught, for the right reason.
#[test]
fn a_slip_in_a_manifest_fails_the_check() {
    // (file, text, replaced by, a problem that must be reported)
    let slips: &[(&str, &str, &str, &str)] = &[
        // misspelt options and values
        (
            "kubernetes/worker.yaml",
            "\"--worker\"",
            "\"--wroker\"",
            "unrecognized arguments: --wroker",
        ),
        (
            "kubernetes/master-job.yaml",
            "--expect-workers=2",
            "--expect-wrokers=2",
            "unrecognized arguments: --expect-wrokers",
        ),
        (
            "operator/locusttest-v2.yaml",
            "--run-time 5m",
            "--runtime 5m",
            "unrecognized arguments: --runtime",
        ),
        (
            "operator/locusttest-v1.yaml",
            "--autoquit 30",
            "--autoquit thirty",
            "invalid int value: 'thirty'",
        ),
        // the variable older chart versions set, which Locust ignores
        (
            "kubernetes/worker.yaml",
            "LOCUST_MASTER_NODE_HOST",
            "LOCUST_MASTER_HOST",
            "connects to 127.0.0.1:5557, not rocust-master:5557",
        ),
        // more workers than the master waits for
        (
            "kubernetes/worker.yaml",
            "replicas: 2",
            "replicas: 3",
            "waits for 2 workers, but its deployment runs 3",
        ),
        (
            "operator/locusttest-v1.yaml",
            "workers: 2",
            "workers: 3",
            "waits for 2 workers, but its deployment runs 3",
        ),
        // a number where Kubernetes wants a string
        (
            "kubernetes/worker.yaml",
            "value: \"5557\"",
            "value: 5557",
            "must be a YAML string",
        ),
        // the locustfile mounted elsewhere, or named otherwise
        (
            "kubernetes/master.yaml",
            "mountPath: /mnt/locust",
            "mountPath: /mnt/tests",
            "no mounted ConfigMap",
        ),
        (
            "helm/values-deliveryhero.yaml",
            "locust_locustfile: locustfile.py",
            "locust_locustfile: main.py",
            "no mounted ConfigMap",
        ),
        // a headless master behind a probe on the web UI
        (
            "kubernetes/master.yaml",
            "\"--master\"]",
            "\"--master\", \"--headless\"]",
            "a probe calls the web UI",
        ),
        (
            "helm/values-deliveryhero.yaml",
            "headless: false",
            "headless: true",
            "a probe calls the web UI",
        ),
        // the image without its web UI on every interface
        (
            "Dockerfile",
            "ENV LOCUST_WEB_HOST=0.0.0.0",
            "ENV LOCUST_WEB_HOSTS=0.0.0.0",
            "not 0.0.0.0",
        ),
        // an image other than rocust's
        (
            "operator/locusttest-v1.yaml",
            "image: rocust:0.1.0",
            "image: locustio/locust:2.47.0",
            "different images",
        ),
    ];
    for (path, from, to, reason) in slips {
        let mut sources = read_deploy();
        let source = sources
            .iter_mut()
            .find(|s| s.path == *path)
            .unwrap_or_else(|| panic!("deploy/{path} is gone: update this test"));
        assert!(
            source.text.contains(from),
            "deploy/{path} no longer has {from:?}: update this test"
        );
        source.text = source.text.replacen(from, to, 1);
        let caught = match collect(&sources) {
            Err(e) => vec![e],
            Ok(deploy) => problems(&deploy),
        };
        assert!(
            caught.iter().any(|p| p.contains(reason)),
            "{path}: {from:?} -> {to:?} should be reported as {reason:?}; reported: {caught:#?}"
        );
    }
}

/// The options the chart and the operators add in branches deploy/ does not take: they must
/// parse too (whether rocust serves them is the binary's business, not the parser's).
#[test]
fn every_flag_the_chart_and_operators_may_add_parses() {
    let lines: &[&[&str]] = &[
        &[
            "--master",
            "--headless",
            "--web-port",
            "8090",
            "--web-login",
        ],
        &["--master", "--tags", "a", "b", "--exclude-tags", "c"],
        &[
            "--master",
            "--master-port=5557",
            "--expect-workers=3",
            "--autostart",
        ],
        &[
            "--master",
            "--autostart",
            "--autoquit",
            "0",
            "--enable-rebalancing",
            "--only-summary",
        ],
        &[
            "-f",
            "/lotest/src/t.py",
            "--otel",
            "--master",
            "-L",
            "DEBUG",
        ],
        &[
            "--otel",
            "--worker",
            "--master-port=5557",
            "--master-host=x-master",
        ],
        &["--worker", "--master-host", "x-master", "--processes", "4"],
    ];
    for line in lines {
        let args: Vec<String> = line.iter().map(|s| s.to_string()).collect();
        if let Err(e) = parse(&args, &BTreeMap::new()) {
            panic!("{line:?}: {e}");
        }
    }
    // The environment variables of Locust's distributed mode (LOCUST_MODE_* as the operators'
    // users set them).
    let env = BTreeMap::from([
        ("LOCUST_MODE_WORKER".to_string(), "true".to_string()),
        ("LOCUST_MASTER_NODE_HOST".to_string(), "m".to_string()),
        ("LOCUST_MASTER_NODE_PORT".to_string(), "6000".to_string()),
    ]);
    let o = parse(&[], &env).unwrap();
    assert!(o.worker && o.master_host == "m" && o.master_port == 6000);
    // --web-auth is gone in Locust 2.47 and in rocust: the chart's auth.enabled cannot work
    let web_auth = ["--master".to_string(), "--web-auth=u:p".to_string()];
    assert!(parse(&web_auth, &BTreeMap::new()).is_err());
}
