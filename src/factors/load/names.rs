//! The names a mode answers to: its id, labels and aliases, unique across the set.

use crate::domain::mode::truncate_for_message;
use fnv::FnvHashMap as FastMap;

use super::super::file::ModeFile;
use super::super::name::normalize_name;
use super::Problem;

/// Longest mode alias, in characters.
pub const MAX_ALIAS_CHARS: usize = 32;

/// Whether one alias is written acceptably on its own (uniqueness is checked across the set).
pub(super) fn check_alias(alias: &str) -> Result<(), String> {
    let shown = truncate_for_message(alias);
    if alias.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if alias.trim() != alias {
        return Err(format!("`{shown}` must not start or end with spaces"));
    }
    if alias.chars().count() > MAX_ALIAS_CHARS {
        return Err(format!(
            "`{shown}` is longer than {MAX_ALIAS_CHARS} characters"
        ));
    }
    if alias.chars().any(char::is_control) {
        return Err(format!(
            "`{}` contains a control character",
            alias.escape_debug()
        ));
    }
    if normalize_name(alias).is_empty() {
        return Err(format!("`{shown}` has nothing but spaces and brackets"));
    }
    Ok(())
}

/// Every name of every mode (id, `label.en`, `label.zh`, aliases), normalized, → mode index.
///
/// An alias must name one mode only: it may not repeat another alias (of any mode, after
/// normalization) nor another mode's id or labels. Ids win over labels, and a label two modes
/// share finds the earlier one: labels were never checked for that, and a campaign snapshot
/// that loaded before must still load.
pub(super) fn index_mode_names(modes: &[ModeFile]) -> Result<FastMap<String, usize>, Problem> {
    let fixed_names: Vec<[(&str, String); 3]> = modes
        .iter()
        .map(|mode| {
            [
                ("id", normalize_name(&mode.mode)),
                ("label.en", normalize_name(&mode.label.en)),
                ("label.zh", normalize_name(&mode.label.zh)),
            ]
        })
        .collect();
    let mut names = FastMap::default();
    for (i, [(_, id), ..]) in fixed_names.iter().enumerate() {
        names.insert(id.clone(), i);
    }
    for (i, [_, (_, en), (_, zh)]) in fixed_names.iter().enumerate() {
        names.entry(en.clone()).or_insert(i);
        names.entry(zh.clone()).or_insert(i);
    }
    let mut alias_of: FastMap<String, (usize, usize)> = FastMap::default();
    for (i, mode) in modes.iter().enumerate() {
        for (j, alias) in mode.aliases.iter().enumerate() {
            let at = format!("modes[{i}] ({}).aliases[{j}]", mode.mode);
            let key = normalize_name(alias);
            for (k, other) in modes.iter().enumerate().filter(|&(k, _)| k != i) {
                if let Some((field, _)) = fixed_names[k].iter().find(|(_, name)| *name == key) {
                    return Err((
                        at,
                        format!(
                            "`{alias}` is the {field} of mode `{}`; an alias must name one mode only",
                            other.mode
                        ),
                    ));
                }
            }
            if let Some((k, first)) = alias_of.insert(key.clone(), (i, j)) {
                let message = if k == i {
                    format!(
                        "`{alias}` repeats aliases[{first}] `{}` (names are compared without case, spaces or brackets)",
                        modes[i].aliases[first]
                    )
                } else {
                    format!(
                        "`{alias}` is also an alias of mode `{}` (`{}`); an alias must name one mode only",
                        modes[k].mode, modes[k].aliases[first]
                    )
                };
                return Err((at, message));
            }
            names.entry(key).or_insert(i);
        }
    }
    Ok(names)
}
