//! The process-wide registry of multiplayer implementations (Godot's
//! `MultiplayerAPI.create_default_interface` / `get_default_interface` /
//! `set_default_interface`). "SceneMultiplayer" is registered and the default from the start.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use netscene_variant::StringName;

use crate::api::MultiplayerApi;
use crate::error::MultiplayerError;
use crate::scene_multiplayer::SceneMultiplayer;

/// Creates one instance of a registered implementation.
pub type InterfaceFactory = Arc<dyn Fn() -> Box<dyn MultiplayerApi> + Send + Sync>;

/// The name SceneMultiplayer is registered under.
pub const SCENE_MULTIPLAYER: &str = "SceneMultiplayer";

struct Registry {
    factories: HashMap<String, InterfaceFactory>,
    default: String,
}

fn registry() -> &'static RwLock<Registry> {
    static REGISTRY: OnceLock<RwLock<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut factories: HashMap<String, InterfaceFactory> = HashMap::new();
        factories.insert(
            SCENE_MULTIPLAYER.to_owned(),
            Arc::new(|| Box::new(SceneMultiplayer::new()) as Box<dyn MultiplayerApi>),
        );
        RwLock::new(Registry {
            factories,
            default: SCENE_MULTIPLAYER.to_owned(),
        })
    })
}

/// Registers (or replaces) an implementation under `name`.
///
/// ```
/// use netscene::{register_interface, create_interface, SceneMultiplayer, MultiplayerApi};
/// register_interface("MyMultiplayer", || Box::new(SceneMultiplayer::new()) as Box<dyn MultiplayerApi>);
/// assert!(create_interface("MyMultiplayer").is_ok());
/// ```
pub fn register_interface<F>(name: &str, factory: F)
where
    F: Fn() -> Box<dyn MultiplayerApi> + Send + Sync + 'static,
{
    let mut reg = registry().write().unwrap_or_else(|e| e.into_inner());
    reg.factories.insert(name.to_owned(), Arc::new(factory));
}

/// Removes a registered implementation (not the current default).
pub fn unregister_interface(name: &str) -> Result<(), MultiplayerError> {
    let mut reg = registry().write().unwrap_or_else(|e| e.into_inner());
    if reg.default == name {
        return Err(MultiplayerError::InvalidParameter(format!(
            "{name} is the default interface"
        )));
    }
    reg.factories
        .remove(name)
        .map(|_| ())
        .ok_or_else(|| MultiplayerError::UnknownInterface(name.to_owned()))
}

/// A new instance of the implementation registered under `name`.
pub fn create_interface(name: &str) -> Result<Box<dyn MultiplayerApi>, MultiplayerError> {
    let factory = {
        let reg = registry().read().unwrap_or_else(|e| e.into_inner());
        reg.factories
            .get(name)
            .cloned()
            .ok_or_else(|| MultiplayerError::UnknownInterface(name.to_owned()))?
    };
    // Called outside the lock so a factory may itself use the registry.
    Ok(factory())
}

/// `MultiplayerAPI.create_default_interface()`: a new instance of the default implementation.
pub fn create_default_interface() -> Box<dyn MultiplayerApi> {
    let name = get_default_interface();
    create_interface(&name).unwrap_or_else(|_| Box::new(SceneMultiplayer::new()))
}

/// `MultiplayerAPI.get_default_interface()`: normally `"SceneMultiplayer"`.
pub fn get_default_interface() -> StringName {
    let reg = registry().read().unwrap_or_else(|e| e.into_inner());
    StringName::new(&reg.default)
}

/// `MultiplayerAPI.set_default_interface(name)`: the name must be registered.
pub fn set_default_interface(name: &str) -> Result<(), MultiplayerError> {
    let mut reg = registry().write().unwrap_or_else(|e| e.into_inner());
    if !reg.factories.contains_key(name) {
        return Err(MultiplayerError::UnknownInterface(name.to_owned()));
    }
    reg.default = name.to_owned();
    Ok(())
}
