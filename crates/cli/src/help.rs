//! `--help` text, laid out like argparse output (options left, help from
//! column 24, 78 columns wide) and grouped like Locust's.

use crate::custom::{CustomNargs, CustomOption};
use crate::spec::{Arity, Group, OptSpec, OPTIONS};

const WIDTH: usize = 78;
const HELP_COLUMN: usize = 24;

const GROUPS: &[(Group, &str, Option<&str>)] = &[
    (Group::Common, "Common options", None),
    (Group::WebUi, "Web UI options", None),
    (
        Group::Master,
        "Master options",
        Some("For the master node of a distributed test. The master runs no users itself; it waits for workers to connect and hands the users out to them."),
    ),
    (
        Group::Worker,
        "Worker options",
        Some("For a worker node of a distributed test. Workers usually need only these options and --locustfile: -u, -r, -t and the like are decided by the master."),
    ),
    (
        Group::Tags,
        "Tag options",
        Some("Tasks can be marked with the @tag decorator; these options pick which tagged tasks run."),
    ),
    (Group::Stats, "Request statistics options", None),
    (Group::Logging, "Logging options", None),
    (Group::Other, "Other options", None),
];

const EPILOG: &str = "\
Examples:

    rocust -f my_test.py -H https://www.example.com

    rocust --headless -u 100 -t 20m --processes 4 MyHttpUser AnotherUser

    rocust --headless -u 100 -r 10 -t 50 --print-stats --html \"report_{u}_{r}_{t}.html\"
    (writes the report to report_100_10_50.html)

Options can also come from ~/.locust.conf, ./locust.conf, the [tool.locust] table of ./pyproject.toml, a --config file, or LOCUST_* environment variables (e.g. LOCUST_USERS=10); the command line wins over the environment, which wins over the files.";

/// The complete `--help` text (no trailing newline).
pub fn help_text() -> String {
    help_text_with(&[])
}

/// [`help_text`] with a "Custom options" section for the options a
/// locustfile declared (Locust 2.47's own `--help` never shows them).
pub fn help_text_with(custom: &[CustomOption]) -> String {
    let mut out = String::from("Usage: rocust [options] [UserClass ...]\n");
    for (group, title, description) in GROUPS {
        out.push('\n');
        out.push_str(title);
        out.push_str(":\n");
        if let Some(description) = description {
            for line in wrap(description, WIDTH - 2) {
                out.push_str("  ");
                out.push_str(&line);
                out.push('\n');
            }
            out.push('\n');
        }
        if *group == Group::Common {
            entry(&mut out, "-h, --help", "Show this help and exit.");
        }
        for spec in OPTIONS.iter().filter(|s| s.group == *group) {
            let Some(help) = spec.help else { continue };
            entry(&mut out, &invocation(spec), help);
            if spec.long == "show-task-ratio-json" {
                entry(
                    &mut out,
                    "--version, -V",
                    "Show the program's version and exit.",
                );
            }
        }
    }
    let visible: Vec<&CustomOption> = custom.iter().filter(|c| !c.hidden()).collect();
    if !visible.is_empty() {
        out.push_str("\nCustom options:\n");
        for option in visible {
            let help = option.help.as_deref().unwrap_or_default();
            entry(&mut out, &custom_invocation(option), help);
        }
    }
    out.push_str("\nUser classes:\n");
    entry(
        &mut out,
        "<UserClass1 UserClass2>",
        "Names of the User classes to run, at the end of the command line (--list shows them). The LOCUST_USER_CLASSES environment variable can name them too. Default: all User classes.",
    );
    out.push('\n');
    for paragraph in EPILOG.split("\n\n") {
        if paragraph.starts_with("    ") || paragraph.ends_with(':') {
            out.push_str(paragraph);
        } else {
            out.push_str(&wrap(paragraph, WIDTH).join("\n"));
        }
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out
}

/// `-f <filename>, --locustfile <filename>`, in declaration order.
fn invocation(spec: &'static OptSpec) -> String {
    let suffix = match spec.arity() {
        Arity::Flag => String::new(),
        Arity::One | Arity::Many => format!(" {}", spec.metavar),
    };
    let long = format!("--{}{suffix}", spec.long);
    match spec.short {
        Some(c) if spec.short_first => format!("-{c}{suffix}, {long}"),
        Some(c) => format!("{long}, -{c}{suffix}"),
        None => long,
    }
}

/// argparse's `--my-arg MY_ARG, -m MY_ARG`.
fn custom_invocation(option: &CustomOption) -> String {
    let metavar = option
        .metavar
        .clone()
        .unwrap_or_else(|| option.dest().to_uppercase());
    let suffix = match (option.takes_value, option.nargs) {
        (false, _) => String::new(),
        (true, CustomNargs::One) => format!(" {metavar}"),
        (true, CustomNargs::Optional) => format!(" [{metavar}]"),
        (true, CustomNargs::Many) => format!(" [{metavar} ...]"),
    };
    option
        .option_strings
        .iter()
        .map(|s| format!("{s}{suffix}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn entry(out: &mut String, invocation: &str, help: &str) {
    let lines = wrap(help, WIDTH - HELP_COLUMN);
    let head = format!("  {invocation}");
    let no_help = lines.is_empty();
    let mut lines = lines.into_iter();
    if head.len() + 2 <= HELP_COLUMN && !no_help {
        out.push_str(&format!("{head:<HELP_COLUMN$}"));
        out.push_str(&lines.next().unwrap_or_default());
        out.push('\n');
    } else {
        out.push_str(&head);
        out.push('\n');
    }
    for line in lines {
        out.push_str(&" ".repeat(HELP_COLUMN));
        out.push_str(&line);
        out.push('\n');
    }
}

/// Greedy word wrap; words longer than `width` stay whole.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_visible_option_and_no_hidden_one() {
        let help = help_text();
        for spec in OPTIONS {
            let listed = help.contains(&format!("--{} ", spec.long))
                || help.contains(&format!("--{}\n", spec.long))
                || help.contains(&format!("--{},", spec.long));
            assert_eq!(listed, spec.help.is_some(), "--{}", spec.long);
        }
        assert!(help.contains("-h, --help"));
        assert!(help.contains("--version, -V"));
        assert!(help.contains("-f <filename>, --locustfile <filename>"));
        assert!(help.contains("--web-port <port number>, -P <port number>"));
        assert!(help.contains("-T [<tag> ...], --tags [<tag> ...]"));
    }

    #[test]
    fn groups_in_locust_order_and_lines_fit() {
        let help = help_text();
        let mut last = 0;
        for title in [
            "Common options:",
            "Web UI options:",
            "Master options:",
            "Worker options:",
            "Tag options:",
            "Request statistics options:",
            "Logging options:",
            "Other options:",
            "User classes:",
            "Examples:",
        ] {
            let at = help.find(title).unwrap_or_else(|| panic!("{title}"));
            assert!(at > last, "{title}");
            last = at;
        }
        for line in help.lines() {
            assert!(line.chars().count() <= 90, "too long: {line}");
        }
    }

    #[test]
    fn custom_options_section() {
        let custom = [
            CustomOption {
                help: Some("My custom arg".into()),
                ..CustomOption::new(&["--my-arg", "-m"], true)
            },
            CustomOption {
                help: Some("A flag".into()),
                ..CustomOption::new(&["--my-flag"], false)
            },
            CustomOption {
                help: Some("Some names".into()),
                metavar: Some("NAME".into()),
                nargs: CustomNargs::Many,
                ..CustomOption::new(&["--names"], true)
            },
            CustomOption {
                help: Some("==SUPPRESS==".into()),
                ..CustomOption::new(&["--secret"], true)
            },
            CustomOption::new(&["--undocumented"], true),
        ];
        let help = help_text_with(&custom);
        let section =
            &help[help.find("\nCustom options:\n").unwrap()..help.find("\nUser classes:").unwrap()];
        assert_eq!(
            section,
            "\nCustom options:\n  --my-arg MY_ARG, -m MY_ARG\n                        My custom arg\n  --my-flag             A flag\n  --names [NAME ...]    Some names\n  --undocumented UNDOCUMENTED\n"
        );
        assert!(!help_text().contains("Custom options"));
        assert!(!help_text_with(&custom[3..4]).contains("Custom options"));
    }

    #[test]
    fn short_invocations_share_the_line() {
        let help = help_text();
        assert!(help.contains("  --headless            Run without the web UI"));
        assert!(help.contains("  -u <int>, --users <int>\n                        Peak number"));
    }
}
