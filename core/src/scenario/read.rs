//! Reading a scenario document: every shape problem at once, each with its path.
//!
//! The text is first parsed into a [`Node`] tree (syntax errors stop there: there is
//! nothing to continue from). The tree is then read field by field: the top-level object,
//! each front, each entry of the maps and the fields of the small records. Each field's
//! value is deserialised on its own, so an unknown field, a wrong type and an
//! out-of-range value in three places are three issues, not the first one only. When any
//! shape issue was found, the value rules ([`Scenario::validate`]) also run on what could
//! be read, and their issues join the list unless they concern a value that failed to be
//! read (or a whole that contains one, such as a sum over a map with an unreadable entry).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

use super::validate::{ScenarioError, ValidationIssue};
use super::{Front, InjuryMix, Scenario, TriageWeights};

/// The scenario's fields, in declaration order (the order issues are reported in).
pub(crate) const FIELDS: [&str; 16] = [
    "name",
    "description",
    "patients",
    "start",
    "days",
    "warfare_types",
    "intensity",
    "tempo",
    "special_events",
    "environmental_conditions",
    "injury_mix",
    "fronts",
    "triage_weights",
    "expectant_triage",
    "evacuation_policy",
    "medical_capacity",
];

const FRONT_FIELDS: [&str; 3] = ["name", "casualty_rate", "nationalities"];
const MIX_FIELDS: [&str; 3] = ["Battle Injury", "Non-Battle Injury", "Disease"];
const TRIAGE_FIELDS: [&str; 3] = ["T1", "T2", "T3"];

/// Why `facility_outcomes`, accepted by earlier versions of milmed, is now refused.
pub const FACILITY_OUTCOMES_REMOVED: &str = "no longer supported: deaths and returns to duty \
    follow from each patient's injuries and time to care (docs/scenario.md, \"Outcomes\"); \
    remove the field";

/// A parsed document: object keys in document order, duplicates kept so they can be
/// refused.
#[derive(Debug)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Number(Number),
    /// A TOML float JSON cannot hold: `nan`, `inf`, `-inf`.
    NonFinite(f64),
    String(String),
    /// A TOML date-time, as written; allowed for `start` only.
    Datetime(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl Node {
    /// What this is, for messages: "an array", "a number", ….
    fn kind(&self, syntax: Syntax) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Number(_) | Node::NonFinite(_) => "a number",
            Node::String(_) => "a string",
            Node::Datetime(_) => "a date-time",
            Node::Array(_) => "an array",
            Node::Object(_) => syntax.object(),
        }
    }

    /// The tree of a TOML table.
    pub(crate) fn from_toml(table: toml::Table) -> Node {
        Node::Object(
            table
                .into_iter()
                .map(|(k, v)| (k, Node::from_toml_value(v)))
                .collect(),
        )
    }

    fn from_toml_value(value: toml::Value) -> Node {
        match value {
            toml::Value::String(s) => Node::String(s),
            toml::Value::Integer(i) => Node::Number(i.into()),
            toml::Value::Float(f) => Number::from_f64(f).map_or(Node::NonFinite(f), Node::Number),
            toml::Value::Boolean(b) => Node::Bool(b),
            toml::Value::Datetime(d) => Node::Datetime(d.to_string()),
            toml::Value::Array(items) => {
                Node::Array(items.into_iter().map(Node::from_toml_value).collect())
            }
            toml::Value::Table(table) => Node::from_toml(table),
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Node, E> {
        Ok(Node::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Node, E> {
        Ok(Node::Number(i.into()))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Node, E> {
        Ok(Node::Number(u.into()))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Node, E> {
        Ok(Number::from_f64(f).map_or(Node::NonFinite(f), Node::Number))
    }
    fn visit_str<E>(self, s: &str) -> Result<Node, E> {
        Ok(Node::String(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Node, E> {
        Ok(Node::String(s))
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Node>()? {
            entries.push((key, value));
        }
        Ok(Node::Object(entries))
    }
}

/// Which language the document was written in, for the words of messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Syntax {
    Json,
    Toml,
}

impl Syntax {
    fn object(self) -> &'static str {
        match self {
            Syntax::Json => "an object",
            Syntax::Toml => "a table",
        }
    }
}

/// `path.key`, or `key` at the top (`.`).
fn child(path: &str, key: &str) -> String {
    if path == "." {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// `path` followed by the segments serde_path_to_error found inside it. An unknown
/// segment ends the path there: the issue is reported at the last known place.
fn join(path: &str, inner: &serde_path_to_error::Path) -> String {
    let mut out = path.to_owned();
    for segment in inner {
        match segment {
            serde_path_to_error::Segment::Seq { index } => out = format!("{out}[{index}]"),
            serde_path_to_error::Segment::Map { key } => out = child(&out, key),
            serde_path_to_error::Segment::Enum { variant } => out = child(&out, variant),
            serde_path_to_error::Segment::Unknown => break,
        }
    }
    out
}

/// Whether `path` is `ancestor` or inside it.
fn under(path: &str, ancestor: &str) -> bool {
    ancestor == "."
        || path == ancestor
        || path
            .strip_prefix(ancestor)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// Where an issue goes in the list: by top-level field in declaration order (unknown
/// fields and the document itself first), then by front (or other element) index.
fn order(path: &str) -> (usize, usize) {
    let end = path.find(['.', '[']).unwrap_or(path.len());
    let (top, rest) = path.split_at(end);
    let rank = FIELDS.iter().position(|f| *f == top).map_or(0, |i| i + 1);
    let index = rest
        .strip_prefix('[')
        .and_then(|r| r.split(']').next())
        .and_then(|i| i.parse().ok())
        .unwrap_or(usize::MAX);
    (rank, index)
}

/// Reads a document tree into a scenario, collecting every shape issue.
struct Reader {
    syntax: Syntax,
    issues: Vec<ValidationIssue>,
    /// Paths of the values that could not be read.
    failed: Vec<String>,
}

impl Reader {
    fn fail(&mut self, path: &str, message: impl Into<String>) {
        self.failed.push(path.to_owned());
        self.issues.push(ValidationIssue {
            path: path.to_owned(),
            message: message.into(),
        });
    }

    /// The entries of an object whose keys are `fields`, each given once. Unknown and
    /// repeated keys are issues (a repeated key's values are all left out); a node that
    /// is not an object is an issue saying it must be `what`.
    fn object<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        what: &str,
        fields: &[&str],
    ) -> Option<Vec<(&'n str, &'n Node)>> {
        let Node::Object(entries) = node else {
            let kind = node.kind(self.syntax);
            self.fail(path, format!("{what}; got {kind}"));
            return None;
        };
        let mut seen = BTreeSet::new();
        let mut twice = BTreeSet::new();
        for (key, _) in entries {
            if fields.contains(&key.as_str())
                && !seen.insert(key.as_str())
                && twice.insert(key.as_str())
            {
                self.fail(
                    &child(path, key),
                    format!("`{key}` is given more than once; give each field once"),
                );
            }
        }
        let mut known = Vec::new();
        let mut unknown = BTreeSet::new();
        for (key, value) in entries {
            if !fields.contains(&key.as_str()) {
                if !unknown.insert(key.as_str()) {
                    continue;
                }
                if path == "." && key == "facility_outcomes" {
                    self.fail(key, FACILITY_OUTCOMES_REMOVED);
                    continue;
                }
                self.fail(
                    &child(path, key),
                    format!(
                        "unknown field `{key}`; allowed fields: {}",
                        fields.join(", ")
                    ),
                );
            } else if !twice.contains(key.as_str()) {
                known.push((key.as_str(), value));
            }
        }
        Some(known)
    }

    /// The node as a JSON value, refusing repeated keys, non-finite numbers and
    /// date-times (each an issue at its path).
    fn json(&mut self, node: &Node, path: &str) -> Option<Value> {
        match node {
            Node::Null => Some(Value::Null),
            Node::Bool(b) => Some(Value::Bool(*b)),
            Node::Number(n) => Some(Value::Number(n.clone())),
            Node::NonFinite(f) => {
                let text = if f.is_nan() {
                    "nan"
                } else if *f > 0.0 {
                    "inf"
                } else {
                    "-inf"
                };
                self.fail(path, format!("{text} is not allowed; give a finite number"));
                None
            }
            Node::String(s) => Some(Value::String(s.clone())),
            Node::Datetime(d) => {
                self.fail(
                    path,
                    format!(
                        "a TOML date-time ({d}) is allowed for `start` only; give a value of \
                         the field's type"
                    ),
                );
                None
            }
            Node::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    match self.json(item, &format!("{path}[{i}]")) {
                        Some(v) => out.push(v),
                        None => ok = false,
                    }
                }
                ok.then_some(Value::Array(out))
            }
            Node::Object(entries) => {
                let mut out = serde_json::Map::new();
                let mut seen = BTreeSet::new();
                let mut ok = true;
                for (key, value) in entries {
                    let at = child(path, key);
                    if !self.first_time(&mut seen, key, &at) {
                        ok = false;
                    } else if let Some(v) = self.json(value, &at) {
                        out.insert(key.clone(), v);
                    } else {
                        ok = false;
                    }
                }
                ok.then_some(Value::Object(out))
            }
        }
    }

    /// Whether `key` is met for the first time in its object; a repeated key is an issue
    /// at `at` (the last value would otherwise silently win).
    fn first_time<'k>(&mut self, seen: &mut BTreeSet<&'k str>, key: &'k str, at: &str) -> bool {
        let first = seen.insert(key);
        if !first {
            self.fail(
                at,
                format!("`{key}` is given more than once; give each key once"),
            );
        }
        first
    }

    /// The node deserialised as a `T`; the first problem inside it is an issue at its
    /// path.
    fn leaf<T: DeserializeOwned>(&mut self, node: &Node, path: &str) -> Option<T> {
        let value = self.json(node, path)?;
        match serde_path_to_error::deserialize(value) {
            Ok(v) => Some(v),
            Err(e) => {
                let at = join(path, e.path());
                self.fail(&at, e.into_inner().to_string());
                None
            }
        }
    }

    /// A map read entry by entry: each key and each value that cannot be read is an
    /// issue, and the entries that can be read are kept. `None` when the node is not an
    /// object at all.
    fn map<K, V>(
        &mut self,
        node: &Node,
        path: &str,
        what: &str,
        mut read: impl FnMut(&mut Reader, &Node, &str) -> Option<V>,
    ) -> Option<BTreeMap<K, V>>
    where
        K: DeserializeOwned + Ord,
    {
        let Node::Object(entries) = node else {
            let (object, kind) = (self.syntax.object(), node.kind(self.syntax));
            self.fail(path, format!("must be {object} of {what}; got {kind}"));
            return None;
        };
        let mut out = BTreeMap::new();
        let mut seen = BTreeSet::new();
        for (key, value) in entries {
            let at = child(path, key);
            if !self.first_time(&mut seen, key, &at) {
                continue;
            }
            let parsed = match K::deserialize(Value::String(key.clone())) {
                Ok(k) => Some(k),
                Err(e) => {
                    self.fail(&at, e.to_string());
                    None
                }
            };
            if let (Some(k), Some(v)) = (parsed, read(self, value, &at)) {
                out.insert(k, v);
            }
        }
        Some(out)
    }

    /// A record of numbers, field by field: every missing, unknown or unreadable field
    /// is an issue.
    fn numbers<const N: usize>(
        &mut self,
        node: &Node,
        path: &str,
        what: &str,
        fields: [&str; N],
    ) -> Option<[f64; N]> {
        let list = fields.join(", ");
        let object = self.syntax.object();
        let entries = self.object(
            node,
            path,
            &format!("{what} must be {object} with the numbers {list}"),
            &fields,
        )?;
        let mut out = [0.0; N];
        let mut ok = true;
        for (slot, field) in out.iter_mut().zip(fields) {
            let at = child(path, field);
            match entries.iter().find(|(k, _)| *k == field) {
                Some((_, n)) => match self.leaf::<f64>(n, &at) {
                    Some(v) => *slot = v,
                    None => ok = false,
                },
                None => {
                    self.fail(&at, format!("missing; {what} needs {list}"));
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// The fronts, each read field by field. A front that cannot be read keeps its place
    /// (so later fronts keep their index) with placeholder values, whose own issues are
    /// dropped as issues under a failed path.
    fn fronts(&mut self, node: &Node) -> Option<Vec<Front>> {
        let Node::Array(items) = node else {
            let kind = node.kind(self.syntax);
            self.fail("fronts", format!("must be an array of fronts; got {kind}"));
            return None;
        };
        Some(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| self.front(item, &format!("fronts[{i}]")))
                .collect(),
        )
    }

    fn front(&mut self, node: &Node, path: &str) -> Front {
        let mut front = Front {
            name: String::new(),
            casualty_rate: 1.0,
            nationalities: BTreeMap::new(),
        };
        let object = self.syntax.object();
        let what = format!(
            "a front must be {object} with the fields {}",
            FRONT_FIELDS.join(", ")
        );
        let Some(entries) = self.object(node, path, &what, &FRONT_FIELDS) else {
            return front;
        };
        for field in FRONT_FIELDS {
            let at = child(path, field);
            let Some(&(_, value)) = entries.iter().find(|(k, _)| *k == field) else {
                self.fail(
                    &at,
                    format!("missing; a front needs {}", FRONT_FIELDS.join(", ")),
                );
                continue;
            };
            match field {
                "name" => set(&mut front.name, self.leaf(value, &at)),
                "casualty_rate" => set(&mut front.casualty_rate, self.leaf(value, &at)),
                _ => set(
                    &mut front.nationalities,
                    self.map(
                        value,
                        &at,
                        "ISO 3166 alpha-3 codes to weights",
                        Reader::leaf,
                    ),
                ),
            }
        }
        front
    }

    /// The scenario the document describes, or every issue found.
    fn scenario(mut self, root: &Node) -> Result<Scenario, ScenarioError> {
        let mut s = Scenario::default();
        let what = match self.syntax {
            Syntax::Json => {
                "a scenario must be a JSON object of its fields, such as {\"patients\": 500, \"days\": 3}"
            }
            Syntax::Toml => "a scenario must be a TOML table of its fields",
        };
        let Some(entries) = self.object(root, ".", what, &FIELDS) else {
            return Err(ScenarioError::Invalid(self.issues));
        };
        for (key, node) in entries {
            match key {
                "name" => set(&mut s.name, self.leaf(node, key)),
                "description" => set(&mut s.description, self.leaf(node, key)),
                "patients" => set(&mut s.patients, self.leaf(node, key)),
                "start" => match node {
                    Node::Datetime(text) => s.start = text.clone(),
                    _ => set(&mut s.start, self.leaf(node, key)),
                },
                "days" => set(&mut s.days, self.leaf(node, key)),
                "warfare_types" => {
                    let what =
                        "warfare types to true, false or {\"enabled\": bool, \"weight\": number}";
                    set(
                        &mut s.warfare_types,
                        self.map(node, key, what, Reader::leaf),
                    );
                }
                "intensity" => set(&mut s.intensity, self.leaf(node, key)),
                "expectant_triage" => set(&mut s.expectant_triage, self.leaf(node, key)),
                "evacuation_policy" => set(&mut s.evacuation_policy, self.leaf(node, key)),
                "medical_capacity" => set(&mut s.medical_capacity, self.leaf(node, key)),
                "tempo" => set(&mut s.tempo, self.leaf(node, key)),
                "special_events" => set(
                    &mut s.special_events,
                    self.map(node, key, "special events to true or false", Reader::leaf),
                ),
                "environmental_conditions" => set(
                    &mut s.environmental_conditions,
                    self.map(
                        node,
                        key,
                        "environmental conditions to true or false",
                        Reader::leaf,
                    ),
                ),
                "injury_mix" => {
                    if let Some([b, n, d]) = self.numbers(node, key, "the injury mix", MIX_FIELDS) {
                        s.injury_mix = InjuryMix {
                            battle_injury: b,
                            non_battle_injury: n,
                            disease: d,
                        };
                    }
                }
                "fronts" => set(&mut s.fronts, self.fronts(node)),
                "triage_weights" => set(
                    &mut s.triage_weights,
                    self.map(node, key, "injury types to triage weights", |r, n, p| {
                        r.numbers(n, p, "triage weights", TRIAGE_FIELDS)
                            .map(|[t1, t2, t3]| TriageWeights { t1, t2, t3 })
                    }),
                ),
                // `object` returns the fields listed only.
                _ => {}
            }
        }
        if self.issues.is_empty() {
            return Ok(s);
        }
        let mut issues = self.issues;
        if let Err(ScenarioError::Invalid(more)) = s.validate() {
            let failed = &self.failed;
            issues.extend(more.into_iter().filter(|issue| {
                !failed
                    .iter()
                    .any(|f| under(&issue.path, f) || under(f, &issue.path))
            }));
        }
        issues.sort_by_key(|issue| order(&issue.path));
        Err(ScenarioError::Invalid(issues))
    }
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

/// Reads the scenario a parsed document describes: `Ok` when its shape is right (the
/// values are checked by [`Scenario::validate`]), otherwise every shape problem and
/// every value problem that can be judged, as [`ScenarioError::Invalid`].
pub(crate) fn read(root: &Node, syntax: Syntax) -> Result<Scenario, ScenarioError> {
    Reader {
        syntax,
        issues: Vec::new(),
        failed: Vec::new(),
    }
    .scenario(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_the_scenario_fields_in_order() {
        let json = serde_json::to_string(&Scenario::default()).unwrap();
        let mut at = 0;
        for field in FIELDS {
            let found = json[at..]
                .find(&format!("\"{field}\":"))
                .unwrap_or_else(|| panic!("{field} after byte {at} in {json}"));
            at += found;
        }
        let value: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value.as_object().unwrap().len(), FIELDS.len());
    }

    #[test]
    fn paths_nest_and_order() {
        assert!(under("fronts[1].name", "fronts[1]"));
        assert!(under("fronts[1]", "fronts[1]"));
        assert!(!under("fronts[10]", "fronts[1]"));
        assert!(!under("days", "day"));
        assert!(under("days", "."));
        assert!(order("bogus") < order("name"));
        assert!(order("days") < order("fronts[0].name"));
        assert!(order("fronts[0].name") < order("fronts[1]"));
        assert!(order("fronts[1].name") < order("fronts"));
        assert!(order("fronts") < order("triage_weights"));
    }
}
