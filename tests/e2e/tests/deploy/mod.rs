//! What deploy/ holds, for deploy_manifests.rs: every file read into the command lines it runs
//! (with their environments, mounts and image), the ConfigMaps and the Services. How each kind
//! of file becomes command lines is in `compose.rs`.

mod compose;
mod yaml;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The port the master listens on for workers, in every Service and command here.
pub const MASTER_PORT: u16 = 5557;
/// The web UI's port, which the Services, probes and operators use.
pub const WEB_PORT: u16 = 8089;

/// A file under deploy/: its path relative to deploy/ and its text.
pub struct Source {
    pub path: String,
    pub text: String,
}

pub fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy")
}

pub fn read_deploy() -> Vec<Source> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<Source>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                let text =
                    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push(Source { path: rel, text });
            }
        }
    }
    let root = deploy_dir();
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out
}

/// The image's final stage, as deploy/Dockerfile declares it.
#[derive(Default)]
pub struct Image {
    pub from: String,
    pub env: BTreeMap<String, String>,
    pub entrypoint: Vec<String>,
    pub workdir: String,
    pub user: String,
    pub expose: Vec<String>,
    /// The whole Dockerfile, for what the instructions above do not show.
    pub text: String,
}

/// One container's command line, with everything needed to judge it.
pub struct Run {
    pub origin: String,
    /// The runs that form one deployment (a file, or a chart's or operator's resource).
    pub group: String,
    /// The arguments after the program name.
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    /// Where ConfigMaps are mounted: (mount path, ConfigMap name).
    pub mounts: Vec<(String, String)>,
    pub labels: BTreeMap<String, String>,
    pub replicas: u64,
    /// The image reference; empty for the Dockerfile's own run.
    pub image: String,
    /// Whether a probe calls the web UI (then the run must serve it).
    pub web_probe: bool,
}

impl Run {
    /// A run with no mounts, labels, image or probe, one replica.
    pub fn new(origin: &str, group: &str, args: Vec<String>, env: BTreeMap<String, String>) -> Run {
        Run {
            origin: origin.to_string(),
            group: group.to_string(),
            args,
            env,
            mounts: Vec::new(),
            labels: BTreeMap::new(),
            replicas: 1,
            image: String::new(),
            web_probe: false,
        }
    }
}

/// A Service a worker may connect through. `selector: None`: it selects its group's master by
/// construction (a chart's or an operator's own Service).
pub struct Service {
    pub group: String,
    pub name: String,
    pub selector: Option<BTreeMap<String, String>>,
    pub ports: Vec<u64>,
}

#[derive(Default)]
pub struct Deploy {
    pub image: Image,
    pub runs: Vec<Run>,
    /// ConfigMap name → key → content.
    pub config_maps: BTreeMap<String, BTreeMap<String, String>>,
    pub services: Vec<Service>,
}

/// Reads every file under deploy/ into runs, ConfigMaps and Services. `Err` names the file.
pub fn collect(sources: &[Source]) -> Result<Deploy, String> {
    let mut deploy = Deploy::default();
    let dockerfile = sources
        .iter()
        .find(|s| s.path == "Dockerfile")
        .ok_or("deploy/Dockerfile is missing")?;
    deploy.image = parse_dockerfile(&dockerfile.text);
    deploy.runs.push(Run::new(
        "Dockerfile: docker run with no arguments",
        "Dockerfile",
        Vec::new(),
        deploy.image.env.clone(),
    ));
    for source in sources {
        let path = source.path.as_str();
        let result = if path == "Dockerfile" || path == "Dockerfile.dockerignore" {
            Ok(())
        } else if !(path.ends_with(".yaml") || path.ends_with(".yml")) {
            Err("not a file this test knows; teach it how the file runs rocust".to_string())
        } else {
            yaml::load(&source.text).and_then(|docs| match path.split('/').next() {
                Some("kubernetes") => compose::manifests(path, &docs, &mut deploy),
                Some("helm") => compose::deliveryhero_chart(path, &docs, &mut deploy),
                Some("operator") => compose::operator_resource(path, &docs, &mut deploy),
                _ => Err("a YAML file outside kubernetes/, helm/ and operator/".to_string()),
            })
        };
        result.map_err(|e| format!("deploy/{path}: {e}"))?;
    }
    Ok(deploy)
}

/// The final stage's ENV, ENTRYPOINT, WORKDIR, USER and EXPOSE (continuation lines joined,
/// comments dropped).
fn parse_dockerfile(text: &str) -> Image {
    let mut instructions = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                instructions.push(std::mem::take(&mut current));
            }
        }
    }
    let mut image = Image {
        text: text.to_string(),
        ..Image::default()
    };
    for instruction in instructions {
        let (keyword, rest) = instruction.split_once(' ').unwrap_or((&instruction, ""));
        let rest = rest.trim();
        match keyword.to_ascii_uppercase().as_str() {
            "FROM" => {
                image = Image {
                    from: rest.split_whitespace().next().unwrap_or("").to_string(),
                    text: text.to_string(),
                    ..Image::default()
                }
            }
            "ENV" => match rest.split_once(' ') {
                // `ENV KEY value with spaces`, the old form
                Some((key, value)) if !key.contains('=') => {
                    image.env.insert(key.into(), value.trim().into());
                }
                _ => {
                    for pair in rest.split_whitespace() {
                        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                        image.env.insert(key.into(), value.trim_matches('"').into());
                    }
                }
            },
            "ENTRYPOINT" => {
                image.entrypoint = serde_json::from_str(rest).unwrap_or_else(|_| vec![])
            }
            "WORKDIR" => image.workdir = rest.to_string(),
            "USER" => image.user = rest.to_string(),
            "EXPOSE" => image.expose = rest.split_whitespace().map(String::from).collect(),
            _ => {}
        }
    }
    image
}
