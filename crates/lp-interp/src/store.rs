//! The in-memory store: for each entity, its instances by key, and for an entity with a
//! lifecycle, each instance's machine state and variables.

use lp_ir::{EntityId, Spec, StateId};
use lp_props::Value;
use std::collections::BTreeMap;

/// The stored entities. Instances of one entity are ordered by key (the values of the key
/// fields in the key's order, compared as [`Value`]s), which is the order quantifiers,
/// `count` and rendering visit them in.
///
/// Two stores are equal when they hold the same instances: an entity without instances has
/// no table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Store {
    tables: BTreeMap<EntityId, BTreeMap<Vec<Value>, Instance>>,
}

/// One stored instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// The record, a value of the entity's record type.
    pub value: Value,
    /// The machine state, for an entity with `lifecycle`.
    pub lifecycle: Option<Lifecycle>,
}

/// An instance's place in its lifecycle machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    pub state: StateId,
    /// The machine's variables, by [`lp_ir::VarId`].
    pub vars: Vec<Value>,
}

impl Store {
    /// An empty store.
    pub fn new() -> Store {
        Store::default()
    }

    /// The instance of `entity` with this key.
    pub fn get(&self, entity: EntityId, key: &[Value]) -> Option<&Instance> {
        self.tables.get(&entity).and_then(|t| t.get(key))
    }

    /// Whether an instance of `entity` has this key.
    pub fn contains(&self, entity: EntityId, key: &[Value]) -> bool {
        self.get(entity, key).is_some()
    }

    /// The instances of `entity` with their keys, in key order.
    pub fn instances(&self, entity: EntityId) -> impl Iterator<Item = (&[Value], &Instance)> {
        self.tables.get(&entity).into_iter().flat_map(|t| t.iter().map(|(k, i)| (k.as_slice(), i)))
    }

    /// How many instances of `entity` are stored.
    pub fn count(&self, entity: EntityId) -> usize {
        self.tables.get(&entity).map_or(0, BTreeMap::len)
    }

    /// Whether no instance of any entity is stored.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Every key of every stored instance of every entity, entity by entity in id order.
    pub fn keys(&self) -> impl Iterator<Item = (EntityId, &[Value])> {
        self.tables.iter().flat_map(|(e, t)| t.keys().map(move |k| (*e, k.as_slice())))
    }

    /// Stores an instance under `key`, replacing the one there, without any check. The
    /// interpreter's `put` and `create` check refinements first; tests use this to build a
    /// store directly (a store that breaks an invariant, say).
    pub fn insert(&mut self, entity: EntityId, key: Vec<Value>, instance: Instance) -> Option<Instance> {
        self.tables.entry(entity).or_default().insert(key, instance)
    }

    /// Removes the instance of `entity` with this key, if there is one.
    pub fn remove(&mut self, entity: EntityId, key: &[Value]) -> Option<Instance> {
        let table = self.tables.get_mut(&entity)?;
        let removed = table.remove(key);
        if table.is_empty() {
            self.tables.remove(&entity);
        }
        removed
    }

    /// Stores a record of `entity` the way a `put` does, without checking refinements: the
    /// key is read from the record; an instance with that key keeps its lifecycle state, a
    /// new one of a lifecycle entity starts in the initial state with the variables at their
    /// initial values. Returns the key.
    pub fn put(&mut self, spec: &Spec, entity: EntityId, value: Value) -> Result<Vec<Value>, String> {
        let key = key_of(spec, entity, &value)?;
        let lifecycle = match self.get(entity, &key) {
            Some(old) => old.lifecycle.clone(),
            None => initial_lifecycle(spec, entity)?,
        };
        self.insert(entity, key.clone(), Instance { value, lifecycle });
        Ok(key)
    }
}

/// The key of a record of `entity`: the values of its key fields, in the key's order.
pub fn key_of(spec: &Spec, entity: EntityId, value: &Value) -> Result<Vec<Value>, String> {
    let def = spec.entities.get(entity.index()).ok_or("an unknown entity")?;
    let fields = value.fields().ok_or_else(|| format!("{value} is not a record of `{}`", def.name))?;
    def.key
        .iter()
        .map(|i| {
            fields
                .get(*i as usize)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| format!("{value} has no key field {i} of `{}`", def.name))
        })
        .collect()
}

/// The lifecycle a new instance of `entity` starts with: the machine's initial state and
/// its variables' initial values (constants), or `None` for an entity without a lifecycle.
pub(crate) fn initial_lifecycle(spec: &Spec, entity: EntityId) -> Result<Option<Lifecycle>, String> {
    let def = spec.entities.get(entity.index()).ok_or("an unknown entity")?;
    let Some(m) = def.lifecycle else { return Ok(None) };
    let machine = spec.machines.get(m.index()).ok_or("an unknown machine")?;
    let state = machine.initial.ok_or_else(|| format!("machine `{}` has no initial state", machine.name))?;
    let regexes = lp_props::eval::RegexCache::default();
    let ev = lp_props::eval::Evaluator::new(spec, &regexes);
    let mut vars = Vec::with_capacity(machine.vars.len());
    for v in &machine.vars {
        let value = ev
            .eval_scoped(&v.init, &mut lp_props::eval::Scope::default())
            .map_err(|e| format!("the initial value of `{}.{}`: {e}", machine.name, v.name))?;
        vars.push(value);
    }
    Ok(Some(Lifecycle { state, vars }))
}
