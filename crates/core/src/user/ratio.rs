//! Task ratios, as `--show-task-ratio`, `--show-task-ratio-json` and the web
//! UI's "Current ratio" tab show them.

use super::class::{TaskInfo, UserClassInfo};

/// A class or task with its share of the whole (0..=1) and, for classes and
/// nested task sets, its tasks' shares; kept in first-seen order.
#[derive(Clone, Debug, PartialEq)]
pub struct RatioNode {
    pub name: String,
    pub ratio: f64,
    pub tasks: Option<Vec<RatioNode>>,
}

/// Python's `round()`: halves go to the even neighbour.
fn round_half_even(x: f64) -> i64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        (r - x.signum()) as i64
    } else {
        r as i64
    }
}

/// How many users of each class `num_users` users would give (Locust's `_calc_distribution`).
pub fn class_distribution(classes: &[UserClassInfo], num_users: Option<u64>) -> Vec<(String, i64)> {
    let fixed: u64 = classes.iter().map(|c| c.fixed_count as u64).sum();
    let total_weight: u64 = classes
        .iter()
        .filter(|c| c.fixed_count == 0)
        .map(|c| c.weight as u64)
        .sum();
    let num_users =
        num_users
            .filter(|&n| n > 0)
            .unwrap_or(if fixed == 0 { total_weight } else { 1 });
    let weighted = num_users.saturating_sub(fixed) as f64;
    classes
        .iter()
        .map(|c| {
            let count = if c.fixed_count > 0 {
                c.fixed_count as f64
            } else {
                c.weight as f64 / total_weight as f64 * weighted
            };
            (c.name.clone(), round_half_even(count))
        })
        .collect()
}

fn task_ratios(tasks: &[TaskInfo], total: bool, parent_ratio: f64) -> Vec<RatioNode> {
    let parent_ratio = if total { parent_ratio } else { 1.0 };
    let len: u64 = tasks.iter().map(|t| t.weight as u64).sum();
    let mut out: Vec<(RatioNode, Option<&[TaskInfo]>)> = Vec::new();
    for t in tasks.iter().filter(|t| t.weight > 0) {
        let share = t.weight as f64 * parent_ratio / len as f64;
        match out.iter_mut().find(|(n, _)| n.name == t.name) {
            Some((node, _)) => node.ratio += share,
            None => out.push((
                RatioNode {
                    name: t.name.clone(),
                    ratio: share,
                    tasks: None,
                },
                t.children.as_deref(),
            )),
        }
    }
    out.into_iter()
        .map(|(mut node, children)| {
            node.tasks = children.map(|c| task_ratios(c, total, node.ratio));
            node
        })
        .collect()
}

/// Each class's share of users and its tasks' shares; with `total`, task
/// shares are of all tasks run, else within their class (Locust's `get_ratio`
/// over `_calc_distribution`: what `num_users` users would give).
pub fn task_ratio(
    classes: &[UserClassInfo],
    num_users: Option<u64>,
    total: bool,
) -> Vec<RatioNode> {
    let spawned: Vec<u64> = class_distribution(classes, num_users)
        .into_iter()
        .map(|(_, n)| n.max(0) as u64)
        .collect();
    ratio_of(classes, &spawned, total)
}

/// Like [`task_ratio`], from the users actually running per class (the web
/// UI's "Current ratio" and the HTML report's final ratio): a class with no
/// user running has ratio 0.
pub fn task_ratio_of_spawned(
    classes: &[UserClassInfo],
    spawned: &std::collections::BTreeMap<String, usize>,
    total: bool,
) -> Vec<RatioNode> {
    let counts: Vec<u64> = classes
        .iter()
        .map(|c| spawned.get(&c.name).copied().unwrap_or(0) as u64)
        .collect();
    ratio_of(classes, &counts, total)
}

fn ratio_of(classes: &[UserClassInfo], spawned: &[u64], total: bool) -> Vec<RatioNode> {
    let user_count = match spawned.iter().sum::<u64>() {
        0 => 1,
        n => n,
    };
    classes
        .iter()
        .zip(spawned)
        .map(|(c, n)| {
            let ratio = *n as f64 / user_count as f64;
            RatioNode {
                name: c.name.clone(),
                ratio,
                tasks: Some(task_ratios(&c.tasks, total, ratio)),
            }
        })
        .collect()
}

/// Ratios as Locust's JSON shows them (`--show-task-ratio-json`, `/tasks`):
/// `{name: {"ratio": r, "tasks": {...}}}` in first-seen order.
pub fn ratio_json(nodes: &[RatioNode]) -> serde_json::Value {
    let map: serde_json::Map<String, serde_json::Value> = nodes
        .iter()
        .map(|n| {
            let mut entry = serde_json::Map::new();
            entry.insert("ratio".into(), n.ratio.into());
            if let Some(tasks) = &n.tasks {
                entry.insert("tasks".into(), ratio_json(tasks));
            }
            (n.name.clone(), entry.into())
        })
        .collect();
    map.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, weight: u32, fixed: u32, tasks: Vec<TaskInfo>) -> UserClassInfo {
        UserClassInfo {
            name: name.into(),
            weight,
            fixed_count: fixed,
            host: None,
            is_abstract: false,
            tasks,
        }
    }

    fn t(name: &str, weight: u32) -> TaskInfo {
        TaskInfo {
            name: name.into(),
            weight,
            children: None,
        }
    }

    #[test]
    fn python_rounding() {
        assert_eq!(round_half_even(2.5), 2);
        assert_eq!(round_half_even(3.5), 4);
        assert_eq!(round_half_even(0.5), 0);
        assert_eq!(round_half_even(1.4999), 1);
        assert_eq!(round_half_even(2.6), 3);
    }

    #[test]
    fn distribution_like_locust() {
        let classes = vec![
            info("A", 3, 0, vec![]),
            info("B", 1, 0, vec![]),
            info("F", 1, 2, vec![]),
        ];
        // 10 users: F fixed 2, then 8 by weight 3:1.
        assert_eq!(
            class_distribution(&classes, Some(10)),
            vec![("A".into(), 6), ("B".into(), 2), ("F".into(), 2)]
        );
        // No user count and a fixed class: one user.
        assert_eq!(
            class_distribution(&classes, None),
            vec![("A".into(), 0), ("B".into(), 0), ("F".into(), 2)]
        );
    }

    #[test]
    fn ratios_per_class_and_total() {
        let forum = TaskInfo {
            name: "Forum".into(),
            weight: 1,
            children: Some(vec![t("read", 3), t("post", 1)]),
        };
        let classes = vec![
            info("Web", 3, 0, vec![t("index", 2), t("about", 1), forum]),
            info("Api", 1, 0, vec![t("ping", 1)]),
        ];
        let per_class = task_ratio(&classes, None, false);
        assert_eq!(per_class[0].ratio, 0.75);
        let web = per_class[0].tasks.as_ref().unwrap();
        assert_eq!(web[0].ratio, 0.5);
        assert_eq!(web[2].tasks.as_ref().unwrap()[0].ratio, 0.75);

        let total = task_ratio(&classes, None, true);
        let web = total[0].tasks.as_ref().unwrap();
        assert_eq!(web[0].ratio, 0.375);
        assert_eq!(web[2].ratio, 0.1875);
        assert_eq!(web[2].tasks.as_ref().unwrap()[1].ratio, 0.1875 / 4.0);
        assert_eq!(total[1].tasks.as_ref().unwrap()[0].ratio, 0.25);
    }
}
