//! Reads the synchronizers of a Godot text scene (`.tscn`) as the Godot editor saves them,
//! so the netscene server replicates exactly what the Godot client's scene says: each
//! `MultiplayerSynchronizer` node's settings and its `SceneReplicationConfig` sub-resource
//! (`properties/N/path = NodePath(".:position")`, `/spawn`, `/replication_mode`).

use std::collections::HashMap;
use std::path::Path;

use netscene::Variant;
use netscene::replication::{MultiplayerSynchronizer, ReplicationMode, SceneReplicationConfig};
use netscene::variant::str_to_var;

/// One `[...]` section: its header attributes and its `key = value` lines, in order.
#[derive(Debug)]
struct Section {
    kind: String,
    attributes: HashMap<String, String>,
    values: Vec<(String, Variant)>,
}

/// A parsed `.tscn`.
#[derive(Debug)]
pub struct SceneFile {
    sections: Vec<Section>,
}

impl SceneFile {
    /// Parses `path` (panics on what this reader does not understand: the suite's own files).
    pub fn load(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        Self::parse(&text)
    }

    /// Parses the text of a scene.
    pub fn parse(text: &str) -> Self {
        let mut sections: Vec<Section> = Vec::new();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with(';') {
                continue;
            }
            if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let (kind, rest) = header.split_once(' ').unwrap_or((header, ""));
                sections.push(Section {
                    kind: kind.to_owned(),
                    attributes: parse_attributes(rest),
                    values: Vec::new(),
                });
                continue;
            }
            let (key, value) = line
                .split_once(" = ")
                .unwrap_or_else(|| panic!("not a key = value line: {line}"));
            // Resource references are scene syntax, not Variants: kept as their text.
            let value = if value.starts_with("SubResource(") || value.starts_with("ExtResource(") {
                Variant::String(value.into())
            } else {
                str_to_var(value).unwrap_or_else(|e| panic!("{line}: {e}"))
            };
            sections
                .last_mut()
                .expect("a value inside a section")
                .values
                .push((key.to_owned(), value));
        }
        Self { sections }
    }

    fn sub_resource(&self, id: &str) -> &Section {
        self.sections
            .iter()
            .find(|s| {
                s.kind == "sub_resource" && s.attributes.get("id").map(String::as_str) == Some(id)
            })
            .unwrap_or_else(|| panic!("no sub_resource {id}"))
    }

    /// The replication config of sub-resource `id`, property by property as Godot's
    /// `SceneReplicationConfig::_set` reads it (spawn on and ALWAYS unless saved otherwise).
    pub fn replication_config(&self, id: &str) -> SceneReplicationConfig {
        let section = self.sub_resource(id);
        assert_eq!(
            section.attributes.get("type").map(String::as_str),
            Some("SceneReplicationConfig")
        );
        let mut config = SceneReplicationConfig::new();
        let mut paths: Vec<String> = Vec::new();
        for (key, value) in &section.values {
            let mut parts = key.split('/');
            assert_eq!(parts.next(), Some("properties"), "{key}");
            let index: usize = parts.next().and_then(|i| i.parse().ok()).expect(key);
            let what = parts.next().expect(key);
            match (what, value) {
                ("path", Variant::NodePath(path)) => {
                    assert_eq!(index, paths.len(), "properties in order");
                    paths.push(path.to_string());
                    config.add_property(path.to_string(), -1);
                }
                ("spawn", Variant::Bool(on)) => config.property_set_spawn(&paths[index], *on),
                ("replication_mode", Variant::Int(mode)) => {
                    let mode = match mode {
                        0 => ReplicationMode::Never,
                        1 => ReplicationMode::Always,
                        2 => ReplicationMode::OnChange,
                        _ => panic!("replication_mode {mode}"),
                    };
                    config.property_set_replication_mode(&paths[index], mode);
                }
                _ => panic!("unexpected {key} = {value:?}"),
            }
        }
        config
    }

    /// The `MultiplayerSynchronizer` node named `name` (the first one of that name), with its
    /// saved settings and replication config; Godot's defaults for what is not saved.
    pub fn synchronizer(&self, name: &str) -> MultiplayerSynchronizer {
        let node = self
            .sections
            .iter()
            .find(|s| {
                s.kind == "node"
                    && s.attributes.get("name").map(String::as_str) == Some(name)
                    && s.attributes.get("type").map(String::as_str)
                        == Some("MultiplayerSynchronizer")
            })
            .unwrap_or_else(|| panic!("no MultiplayerSynchronizer {name}"));
        let config = node
            .values
            .iter()
            .find_map(|(key, value)| match (key.as_str(), value) {
                ("replication_config", Variant::String(text)) => Some(text.to_string()),
                _ => None,
            })
            .map(|text| {
                let id = text
                    .strip_prefix("SubResource(\"")
                    .and_then(|t| t.strip_suffix("\")"))
                    .unwrap_or_else(|| panic!("replication_config = {text}"));
                self.replication_config(id)
            })
            .unwrap_or_default();
        let mut sync = MultiplayerSynchronizer::new(config);
        for (key, value) in &node.values {
            match (key.as_str(), value) {
                ("replication_config", _) => {}
                ("replication_interval", Variant::Float(s)) => {
                    sync.set_replication_interval(*s);
                }
                ("delta_interval", Variant::Float(s)) => {
                    sync.set_delta_interval(*s);
                }
                ("public_visibility", Variant::Bool(on)) => {
                    sync.set_visibility_public(*on);
                }
                ("root_path", Variant::NodePath(path)) => {
                    sync.set_root_path(&path.to_string());
                }
                _ => panic!("unexpected synchronizer setting {key} = {value:?}"),
            }
        }
        sync
    }
}

/// `name="Main" type="Node" parent="."` → a map.
fn parse_attributes(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut rest = text.trim();
    while let Some((key, after)) = rest.split_once('=') {
        let after = after.trim_start();
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"').expect("closing quote");
            (&quoted[..end], &quoted[end + 1..])
        } else {
            after.split_once(' ').unwrap_or((after, ""))
        };
        out.insert(key.trim().to_owned(), value.to_owned());
        rest = tail.trim();
    }
    out
}
