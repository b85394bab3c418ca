//! The table of exceptions raised in user code (Locust's `runner.exceptions`).

use std::collections::HashMap;

/// One distinct traceback.
#[derive(Clone, Debug, PartialEq)]
pub struct ExceptionEntry {
    pub count: u64,
    /// The message of the first occurrence.
    pub msg: String,
    pub traceback: String,
    /// Node ids that raised it ("local" when standalone), first-seen order.
    pub nodes: Vec<String>,
}

impl ExceptionEntry {
    /// The nodes as Locust shows them: `", ".join(nodes)`.
    pub fn nodes_joined(&self) -> String {
        self.nodes.join(", ")
    }
}

/// Exceptions keyed by traceback, in first-seen order.
#[derive(Clone, Debug, Default)]
pub struct Exceptions {
    rows: Vec<ExceptionEntry>,
    index: HashMap<String, usize>,
}

impl Exceptions {
    /// Locust's `log_exception(node_id, msg, formatted_tb)`.
    pub fn log(&mut self, node_id: &str, msg: &str, traceback: &str) {
        let i = match self.index.get(traceback) {
            Some(&i) => i,
            None => {
                self.rows.push(ExceptionEntry {
                    count: 0,
                    msg: msg.to_owned(),
                    traceback: traceback.to_owned(),
                    nodes: Vec::new(),
                });
                self.index.insert(traceback.to_owned(), self.rows.len() - 1);
                self.rows.len() - 1
            }
        };
        let row = &mut self.rows[i];
        row.count += 1;
        if !row.nodes.iter().any(|n| n == node_id) {
            row.nodes.push(node_id.to_owned());
        }
    }

    pub fn rows(&self) -> &[ExceptionEntry] {
        &self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn clear(&mut self) {
        self.rows.clear();
        self.index.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_traceback_and_collects_nodes() {
        let mut ex = Exceptions::default();
        ex.log("local", "bad value", "tb1");
        ex.log("w1", "other msg", "tb1");
        ex.log("local", "boom", "tb2");
        ex.log("local", "bad value", "tb1");
        assert_eq!(ex.len(), 2);
        let r = &ex.rows()[0];
        assert_eq!((r.count, r.msg.as_str()), (3, "bad value"));
        assert_eq!(r.nodes_joined(), "local, w1");
        ex.clear();
        assert!(ex.is_empty());
    }
}
