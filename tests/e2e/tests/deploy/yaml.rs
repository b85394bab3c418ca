//! YAML as Kubernetes reads it: where Kubernetes wants a string, `5557` or `true` unquoted is
//! refused by its API, so these helpers refuse it too.

use std::collections::BTreeMap;

use yaml_rust2::{Yaml, YamlLoader};

pub fn load(text: &str) -> Result<Vec<Yaml>, String> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| format!("not YAML: {e}"))?;
    Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
}

/// `y["a"]["b"]` for the path `a.b`.
pub fn at<'a>(y: &'a Yaml, path: &str) -> &'a Yaml {
    path.split('.').fold(y, |y, key| &y[key])
}

pub fn absent(y: &Yaml) -> bool {
    matches!(y, Yaml::BadValue | Yaml::Null)
}

/// A field Kubernetes types as a string: `5557` or `true` unquoted there is refused by the API.
pub fn string(y: &Yaml, what: &str) -> Result<String, String> {
    match y {
        Yaml::String(s) => Ok(s.clone()),
        other => Err(format!(
            "{what} must be a YAML string (quote it), not {other:?}"
        )),
    }
}

pub fn string_or(y: &Yaml, what: &str, default: &str) -> Result<String, String> {
    if absent(y) {
        Ok(default.to_string())
    } else {
        string(y, what)
    }
}

pub fn strings(y: &Yaml, what: &str) -> Result<Vec<String>, String> {
    match y {
        y if absent(y) => Ok(Vec::new()),
        Yaml::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| string(item, &format!("{what}[{i}]")))
            .collect(),
        other => Err(format!("{what} must be a list, not {other:?}")),
    }
}

pub fn int_or(y: &Yaml, what: &str, default: u64) -> Result<u64, String> {
    match y {
        y if absent(y) => Ok(default),
        Yaml::Integer(n) if *n >= 0 => Ok(*n as u64),
        other => Err(format!("{what} must be a whole number, not {other:?}")),
    }
}

pub fn bool_or(y: &Yaml, what: &str, default: bool) -> Result<bool, String> {
    match y {
        y if absent(y) => Ok(default),
        Yaml::Boolean(b) => Ok(*b),
        other => Err(format!("{what} must be true or false, not {other:?}")),
    }
}

/// A mapping of strings to strings (labels, ConfigMap data, selectors).
pub fn string_map(y: &Yaml, what: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    match y {
        y if absent(y) => {}
        Yaml::Hash(hash) => {
            for (key, value) in hash {
                let key = string(key, &format!("a key of {what}"))?;
                let value = string(value, &format!("{what}.{key}"))?;
                out.insert(key, value);
            }
        }
        other => return Err(format!("{what} must be a mapping, not {other:?}")),
    }
    Ok(out)
}

/// Any scalar as the text a Helm template prints for it (`{{ $value | quote }}`).
pub fn scalar_text(y: &Yaml, what: &str) -> Result<String, String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Ok(s.clone()),
        Yaml::Integer(n) => Ok(n.to_string()),
        Yaml::Boolean(b) => Ok(b.to_string()),
        other => Err(format!("{what} must be a scalar, not {other:?}")),
    }
}

/// A container's `env`: plain values; a LOCUST_* variable from a Secret or field cannot be
/// judged here, so it is refused.
pub fn container_env(
    env: &mut BTreeMap<String, String>,
    list: &Yaml,
    what: &str,
) -> Result<(), String> {
    let items = match list {
        y if absent(y) => return Ok(()),
        Yaml::Array(items) => items,
        other => return Err(format!("{what} must be a list, not {other:?}")),
    };
    for (i, item) in items.iter().enumerate() {
        let name = string(&item["name"], &format!("{what}[{i}].name"))?;
        if !absent(&item["valueFrom"]) {
            if name.starts_with("LOCUST_") {
                return Err(format!(
                    "{what}: {name} comes from valueFrom, which this test cannot see"
                ));
            }
            continue;
        }
        let value = string_or(&item["value"], &format!("{what}.{name}"), "")?;
        env.insert(name, value); // a later entry of the same name wins, as in Kubernetes
    }
    Ok(())
}
