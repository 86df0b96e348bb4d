//! `SceneReplicationConfig` resources (a `[sub_resource]` of a scene or a `.tres` file), read
//! with Godot's rules: `properties/N/path` adds property N only when N is the next index and
//! the path names a property (`:name`); `spawn` and `replication_mode` set it; the older
//! `sync` / `watch` booleans map to ALWAYS / ON_CHANGE (and off to NEVER when that mode was
//! set). Entries Godot refuses are skipped with a warning, as Godot skips them with an error.

use netscene::replication::{ReplicationMode, SceneReplicationConfig};
use netscene_variant::Variant;

use crate::error::Result;
use crate::text::Assign;
use crate::value;

/// Reads the properties of a SceneReplicationConfig; `warnings` receives what Godot would
/// refuse.
pub fn read_config(
    file: &str,
    body: &[Assign],
    warnings: &mut Vec<String>,
) -> Result<SceneReplicationConfig> {
    let mut config = SceneReplicationConfig::new();
    let mut paths: Vec<String> = Vec::new();
    for assign in body {
        let Some(rest) = assign.key.strip_prefix("properties/") else {
            continue;
        };
        let mut parts = rest.splitn(2, '/');
        let index = parts.next().and_then(|i| i.parse::<usize>().ok());
        let what = parts.next().unwrap_or("");
        let at = format!("{file}:{}", assign.line);
        let Some(index) = index else {
            warnings.push(format!(
                "{at}: `{}` has no property index; Godot ignores it",
                assign.key
            ));
            continue;
        };
        let v = value::variant(file, &assign.key, &assign.value)?;
        if what == "path" && index == paths.len() {
            match &v {
                Variant::NodePath(p) if !p.subnames().is_empty() => {
                    let path = p.to_string();
                    config.add_property(path.clone(), -1);
                    paths.push(path);
                }
                _ => warnings.push(format!("{at}: `{}` must be a NodePath naming a property (`.:position`); Godot refuses it", assign.key)),
            }
            continue;
        }
        let Some(path) = paths.get(index) else {
            warnings.push(format!("{at}: `{}` refers to property {index}, which is not declared yet; Godot ignores it", assign.key));
            continue;
        };
        match (what, &v) {
            ("replication_mode", Variant::Int(mode @ 0..=2)) => {
                let mode = match mode {
                    0 => ReplicationMode::Never,
                    1 => ReplicationMode::Always,
                    _ => ReplicationMode::OnChange,
                };
                config.property_set_replication_mode(path, mode);
            }
            ("spawn", Variant::Bool(on)) => config.property_set_spawn(path, *on),
            ("sync", Variant::Bool(on)) => config.property_set_sync(path, *on),
            ("watch", Variant::Bool(on)) => config.property_set_watch(path, *on),
            _ => warnings.push(format!(
                "{at}: Godot refuses `{} = {}`",
                assign.key, assign.value.text
            )),
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text;

    fn config(body: &str) -> (SceneReplicationConfig, Vec<String>) {
        let file = text::parse("res://c.tres", &format!("[resource]\n{body}")).unwrap();
        let mut warnings = Vec::new();
        let config = read_config("res://c.tres", &file.sections[0].body, &mut warnings).unwrap();
        (config, warnings)
    }

    #[test]
    fn current_and_deprecated_keys() {
        let (c, w) = config(
            "properties/0/path = NodePath(\".:position\")\nproperties/0/spawn = false\nproperties/0/sync = true\n\
             properties/1/path = NodePath(\"Body:color\")\nproperties/1/watch = true\n\
             properties/2/path = NodePath(\".:hp\")\nproperties/2/replication_mode = 0\nproperties/2/sync = false\n",
        );
        assert!(w.is_empty(), "{w:?}");
        let modes: Vec<_> = c
            .get_properties()
            .iter()
            .map(|p| (p.path.to_string(), p.spawn, p.mode))
            .collect();
        assert_eq!(
            modes,
            vec![
                (".:position".into(), false, ReplicationMode::Always),
                ("Body:color".into(), true, ReplicationMode::OnChange),
                (".:hp".into(), true, ReplicationMode::Never),
            ]
        );
    }

    #[test]
    fn refused_entries_are_warnings() {
        let (c, w) = config(
            "properties/1/path = NodePath(\".:a\")\nproperties/0/path = NodePath(\"Body\")\nproperties/0/replication_mode = 7\n",
        );
        assert!(c.get_properties().is_empty());
        assert_eq!(w.len(), 3, "{w:?}");
    }
}
