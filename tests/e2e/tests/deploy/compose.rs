//! Each kind of file under deploy/ turned into the command lines it runs, the way Kubernetes,
//! the chart or the operator composes them: plain manifests; deliveryhero `stable/locust` 0.35.0;
//! AbdelrhmanHamouda/locust-k8s-operator v2 at HEAD 623c518; locustio/k8s-operator at 6b50cad.
//! Where they compose it is named at each function.

use std::collections::BTreeMap;

use yaml_rust2::Yaml;

use super::yaml::{
    absent, at, bool_or, container_env, int_or, scalar_text, string, string_map, string_or, strings,
};
use super::{Deploy, Run, Service, MASTER_PORT};

// ---------------------------------------------------------------------------------------------
// Plain manifests: Kubernetes runs the image's ENTRYPOINT with `args`

pub fn manifests(path: &str, docs: &[Yaml], deploy: &mut Deploy) -> Result<(), String> {
    for doc in docs {
        let kind = string(&doc["kind"], "kind")?;
        let name = string(at(doc, "metadata.name"), "metadata.name")?;
        let (pod, replicas) = match kind.as_str() {
            "ConfigMap" => {
                let data = string_map(&doc["data"], &format!("ConfigMap {name} data"))?;
                deploy.config_maps.insert(name, data);
                continue;
            }
            "Service" => {
                let mut ports = Vec::new();
                for port in doc["spec"]["ports"].as_vec().into_iter().flatten() {
                    ports.push(int_or(&port["port"], "Service port", 0)?);
                }
                let selector = string_map(at(doc, "spec.selector"), "spec.selector")?;
                deploy.services.push(Service {
                    group: "kubernetes".into(),
                    name,
                    selector: Some(selector),
                    ports,
                });
                continue;
            }
            "Pod" => (&doc["spec"], 1),
            "Deployment" | "StatefulSet" | "ReplicaSet" => (
                at(doc, "spec.template.spec"),
                int_or(at(doc, "spec.replicas"), "spec.replicas", 1)?,
            ),
            "Job" => (
                at(doc, "spec.template.spec"),
                int_or(at(doc, "spec.parallelism"), "spec.parallelism", 1)?,
            ),
            other => return Err(format!("kind {other} is not one this test knows")),
        };
        let labels = if kind == "Pod" {
            string_map(at(doc, "metadata.labels"), "metadata.labels")?
        } else {
            string_map(at(doc, "spec.template.metadata.labels"), "pod labels")?
        };
        let mut volumes = BTreeMap::new();
        for volume in pod["volumes"].as_vec().into_iter().flatten() {
            if let Some(config_map) = at(volume, "configMap.name").as_str() {
                volumes.insert(
                    string(&volume["name"], "volume name")?,
                    config_map.to_string(),
                );
            }
        }
        for container in pod["containers"].as_vec().into_iter().flatten() {
            let container_name = string(&container["name"], "container name")?;
            let what = format!("{kind} {name}, container {container_name}");
            let command = strings(&container["command"], &format!("{what}: command"))?;
            if !command.is_empty() && command != ["locust"] && command != ["/opt/venv/bin/locust"] {
                return Err(format!(
                    "{what}: command {command:?}: leave it out (the image runs locust) or teach this test"
                ));
            }
            let args = strings(&container["args"], &format!("{what}: args"))?;
            if let Some(arg) = args.iter().find(|a| a.contains("$(")) {
                return Err(format!(
                    "{what}: {arg:?} refers to a variable; write the value, or teach this test"
                ));
            }
            let mut env = deploy.image.env.clone();
            container_env(&mut env, &container["env"], &format!("{what}: env"))?;
            let mut mounts = Vec::new();
            for mount in container["volumeMounts"].as_vec().into_iter().flatten() {
                let volume = string(&mount["name"], "volumeMount name")?;
                if let Some(config_map) = volumes.get(&volume) {
                    let path = string(&mount["mountPath"], "mountPath")?;
                    mounts.push((path, config_map.clone()));
                }
            }
            let web_probe = ["readinessProbe", "livenessProbe", "startupProbe"]
                .iter()
                .any(|probe| !absent(&container[*probe]["httpGet"]));
            deploy.runs.push(Run {
                mounts,
                labels: labels.clone(),
                replicas,
                image: string(&container["image"], &format!("{what}: image"))?,
                web_probe,
                ..Run::new(&format!("{path}: {what}"), "kubernetes", args, env)
            });
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// deliveryhero stable/locust 0.35.0 (templates/master-deployment.yaml, worker-deployment.yaml,
// configmap-config.yaml)

pub fn deliveryhero_chart(path: &str, docs: &[Yaml], deploy: &mut Deploy) -> Result<(), String> {
    let [values] = docs else {
        return Err("values must be one YAML document".into());
    };
    let v = |key: &str| at(values, key);
    // A value, or the chart's default (values.yaml of 0.35.0) when the file leaves it out.
    let text = |key: &str, default: &str| string_or(v(key), key, default);
    let fullname = string(
        v("fullnameOverride"),
        "fullnameOverride (names the master's Service)",
    )?;
    let image = format!(
        "{}:{}",
        text("image.repository", "locustio/locust")?,
        text("image.tag", "2.32.2")?
    );
    let locustfile_dir = text("loadtest.locust_locustfile_path", "/mnt/locust")?;
    let locustfile = text("loadtest.locust_locustfile", "main.py")?;
    let locustfile_cm = text("loadtest.locust_locustfile_configmap", "example-locustfile")?;
    let lib_cm = text("loadtest.locust_lib_configmap", "example-lib")?;
    let host = text("loadtest.locust_host", "https://www.google.com")?;
    let headless = bool_or(v("loadtest.headless"), "loadtest.headless", false)?;
    let tags = text("loadtest.tags", "")?;
    let exclude_tags = text("loadtest.excludeTags", "")?;
    let target_port = match v("service.targetPort") {
        y if absent(y) => "8089".to_string(),
        y => scalar_text(y, "service.targetPort")?,
    };
    let no_probe = matches!(v("master.readinessProbe"), Yaml::Hash(h) if h.is_empty());

    // Both containers run `sh /config/docker-entrypoint.sh <args>`, which ends in
    // `exec {{ loadtest.locustCmd }} $@`: the args split into words by the shell.
    let locust_cmd = text("loadtest.locustCmd", "/opt/venv/bin/locust")?;
    if locust_cmd != "/opt/venv/bin/locust" {
        return Err(format!(
            "loadtest.locustCmd {locust_cmd:?}: the image has rocust at /opt/venv/bin/locust"
        ));
    }
    for role in ["master", "worker"] {
        let command = strings(v(&format!("{role}.command")), &format!("{role}.command"))?;
        if !command.is_empty() && command != ["sh", "/config/docker-entrypoint.sh"] {
            return Err(format!(
                "{role}.command {command:?}: this test knows the chart's own script only"
            ));
        }
    }
    if bool_or(v("master.auth.enabled"), "master.auth.enabled", false)? {
        return Err("master.auth.enabled: the chart passes --web-auth for tags below 2.21.0, which rocust refuses; use --web-login in master.args".into());
    }

    let mut master_args = vec!["--master".to_string()];
    master_args.extend(strings(v("master.args"), "master.args")?);
    if headless {
        master_args.push("--headless".into());
    }
    if target_port != "8089" {
        master_args.push(format!("--web-port {target_port}"));
    }
    if !tags.is_empty() {
        master_args.push(format!("--tags {tags}"));
    }
    if !exclude_tags.is_empty() {
        master_args.push(format!("--exclude-tags {exclude_tags}"));
    }
    let mut worker_args = vec!["--worker".to_string()];
    worker_args.extend(strings(v("worker.args"), "worker.args")?);

    let mut mounts = Vec::new();
    if !locustfile_cm.is_empty() {
        mounts.push((locustfile_dir.clone(), locustfile_cm));
    }
    if !lib_cm.is_empty() {
        mounts.push((format!("{locustfile_dir}/lib"), lib_cm));
    }
    let extra_env = |key: &str, env: &mut BTreeMap<String, String>| -> Result<(), String> {
        if let Some(hash) = v(key).as_hash() {
            for (name, value) in hash {
                let name = string(name, key)?;
                let value = scalar_text(value, &format!("{key}.{name}"))?;
                env.insert(name, value);
            }
        }
        Ok(())
    };
    for (role, args) in [("master", master_args), ("worker", worker_args)] {
        let mut env = deploy.image.env.clone();
        if bool_or(
            v(&format!("{role}.envs_include_default")),
            "envs_include_default",
            true,
        )? {
            env.insert("LOCUST_HOST".into(), host.clone());
            if role == "worker" {
                env.insert("LOCUST_MASTER_NODE_HOST".into(), fullname.clone());
                env.insert("LOCUST_MASTER_NODE_PORT".into(), MASTER_PORT.to_string());
            }
            let level = text(&format!("{role}.logLevel"), "INFO")?;
            env.insert("LOCUST_LOGLEVEL".into(), level);
            env.insert(
                "LOCUST_LOCUSTFILE".into(),
                format!("{locustfile_dir}/{locustfile}"),
            );
        }
        // the order of the templates: the master's own variables last, the workers' first
        let order = if role == "master" {
            ["loadtest.environment", "master.environment"]
        } else {
            ["worker.environment", "loadtest.environment"]
        };
        for key in order.into_iter().chain(["loadtest.environment_secret"]) {
            extra_env(key, &mut env)?;
        }
        // `$@` unquoted: each argument split on whitespace, and expanded as a file pattern
        let mut words = Vec::new();
        for arg in &args {
            if arg.contains(['*', '?', '[']) {
                return Err(format!(
                    "{role} argument {arg:?}: the chart's script would expand it as a file pattern"
                ));
            }
            words.extend(arg.split_whitespace().map(String::from));
        }
        let replicas = if role == "master" {
            1
        } else {
            int_or(v("worker.replicas"), "worker.replicas", 1)?
        };
        deploy.runs.push(Run {
            mounts: mounts.clone(),
            replicas,
            image: image.clone(),
            web_probe: role == "master" && !no_probe,
            ..Run::new(&format!("{path}: {role}"), path, words, env)
        });
    }
    // templates/master-service.yaml: named after the fullname, 5557, 5558 and the web port
    deploy.services.push(Service {
        group: path.to_string(),
        name: fullname,
        selector: None,
        ports: vec![5557, 5558],
    });
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The operators

pub fn operator_resource(path: &str, docs: &[Yaml], deploy: &mut Deploy) -> Result<(), String> {
    for doc in docs {
        let api = string(&doc["apiVersion"], "apiVersion")?;
        let kind = string(&doc["kind"], "kind")?;
        let name = string(at(doc, "metadata.name"), "metadata.name")?;
        match (api.as_str(), kind.as_str()) {
            ("locust.io/v2", "LocustTest") => {
                abdelrhman_operator(path, &name, &doc["spec"], deploy)?
            }
            ("locust.io/v1", "LocustTest") => locustio_operator(path, &name, &doc["spec"], deploy)?,
            _ => return Err(format!("{api} {kind} is not a resource this test knows")),
        }
    }
    Ok(())
}

/// AbdelrhmanHamouda/locust-k8s-operator, API v2 (internal/resources/command.go, job.go,
/// api/v2/naming.go): Jobs with container args only, so the image's ENTRYPOINT runs.
fn abdelrhman_operator(
    path: &str,
    name: &str,
    spec: &Yaml,
    deploy: &mut Deploy,
) -> Result<(), String> {
    let master_host = format!("{}-master", name.replace('.', "-"));
    let replicas = int_or(at(spec, "worker.replicas"), "worker.replicas", 1)?;
    let otel = bool_or(
        at(spec, "observability.openTelemetry.enabled"),
        "openTelemetry.enabled",
        false,
    )?;
    // BuildMasterCommand: the command split on whitespace, [--otel], the operator's flags, extraArgs
    let mut master: Vec<String> = string(at(spec, "master.command"), "master.command")?
        .split_whitespace()
        .map(String::from)
        .collect();
    if otel {
        master.push("--otel".into());
    }
    master.extend([
        "--master".to_string(),
        format!("--master-port={MASTER_PORT}"),
        format!("--expect-workers={replicas}"),
    ]);
    if bool_or(at(spec, "master.autostart"), "master.autostart", true)? {
        master.push("--autostart".into());
    }
    let autoquit = at(spec, "master.autoquit");
    if absent(autoquit) || bool_or(&autoquit["enabled"], "master.autoquit.enabled", true)? {
        let timeout = int_or(&autoquit["timeout"], "master.autoquit.timeout", 60)?;
        master.extend(["--autoquit".to_string(), timeout.to_string()]);
    }
    master.extend([
        "--enable-rebalancing".to_string(),
        "--only-summary".to_string(),
    ]);
    master.extend(strings(at(spec, "master.extraArgs"), "master.extraArgs")?);
    // BuildWorkerCommand
    let mut worker: Vec<String> = string(at(spec, "worker.command"), "worker.command")?
        .split_whitespace()
        .map(String::from)
        .collect();
    if otel {
        worker.push("--otel".into());
    }
    worker.extend([
        "--worker".to_string(),
        format!("--master-port={MASTER_PORT}"),
        format!("--master-host={master_host}"),
    ]);
    worker.extend(strings(at(spec, "worker.extraArgs"), "worker.extraArgs")?);

    let mut env = deploy.image.env.clone();
    container_env(&mut env, at(spec, "env.variables"), "env.variables")?;
    let mut mounts = Vec::new();
    if let Some(config_map) = at(spec, "testFiles.configMapRef").as_str() {
        let dir = string_or(
            at(spec, "testFiles.srcMountPath"),
            "srcMountPath",
            "/lotest/src",
        )?;
        mounts.push((dir, config_map.to_string()));
    }
    if let Some(config_map) = at(spec, "testFiles.libConfigMapRef").as_str() {
        let dir = string_or(
            at(spec, "testFiles.libMountPath"),
            "libMountPath",
            "/opt/locust/lib",
        )?;
        mounts.push((dir, config_map.to_string()));
    }
    let image = string(&spec["image"], "image")?;
    for (role, args, count) in [("master", master, 1), ("worker", worker, replicas)] {
        deploy.runs.push(Run {
            mounts: mounts.clone(),
            replicas: count,
            image: image.clone(),
            ..Run::new(&format!("{path}: {role}"), path, args, env.clone())
        });
    }
    deploy.services.push(Service {
        group: path.to_string(),
        name: master_host,
        selector: None,
        ports: vec![5557, 5558],
    });
    Ok(())
}

/// locustio/k8s-operator, API v1 (locust_operator/objects.py, controller.py): Jobs whose args
/// are `--master` or `--worker --master-host <name>-master`, then `shlex.split(spec.args)`; the
/// locustfile ConfigMap mounted at /home/locust.
fn locustio_operator(
    path: &str,
    name: &str,
    spec: &Yaml,
    deploy: &mut Deploy,
) -> Result<(), String> {
    let master_svc = format!("{name}-master");
    let args = shlex_split(&string_or(&spec["args"], "args", "")?)?;
    let workers = int_or(&spec["workers"], "workers", 1)?;
    let mut env = deploy.image.env.clone();
    container_env(&mut env, &spec["env"], "env")?;
    let config_map = match at(spec, "locustfile.configMap.name").as_str() {
        Some(existing) => existing.to_string(),
        None => {
            let content = string(at(spec, "locustfile.content"), "locustfile.content")?;
            let created = format!("{name}-locustfile");
            let data = BTreeMap::from([("locustfile.py".to_string(), content)]);
            deploy.config_maps.insert(created.clone(), data);
            created
        }
    };
    let mounts = vec![("/home/locust".to_string(), config_map)];
    let image = string(&spec["image"], "image")?;
    let master: Vec<String> = ["--master".to_string()]
        .into_iter()
        .chain(args.clone())
        .collect();
    let worker: Vec<String> = [
        "--worker".to_string(),
        "--master-host".to_string(),
        master_svc.clone(),
    ]
    .into_iter()
    .chain(args)
    .collect();
    for (role, args, count) in [("master", master, 1), ("worker", worker, workers)] {
        deploy.runs.push(Run {
            mounts: mounts.clone(),
            replicas: count,
            image: image.clone(),
            ..Run::new(&format!("{path}: {role}"), path, args, env.clone())
        });
    }
    deploy.services.push(Service {
        group: path.to_string(),
        name: master_svc,
        selector: None,
        ports: vec![5557, 5558],
    });
    Ok(())
}

/// Python's `shlex.split` (POSIX mode, no comments): quotes and backslashes as a shell reads them.
fn shlex_split(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(format!("args {text:?}: no closing quotation")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => word.extend(['\\', c]),
                            None => return Err(format!("args {text:?}: no closing quotation")),
                        },
                        Some(c) => word.push(c),
                        None => return Err(format!("args {text:?}: no closing quotation")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.push(
                    chars
                        .next()
                        .ok_or(format!("args {text:?}: no escaped character"))?,
                );
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}
