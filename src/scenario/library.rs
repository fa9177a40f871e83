//! The scenario library: every `.ron` file under `scenarios/`, compiled into the binary, so that
//! `secsim run niger_realignment` works from any folder after `cargo install`.
//!
//! A scenario's library name is its path under `scenarios/` without `.ron`
//! (`niger_realignment`, `backtest/types/mali_2022_08_loco`). [`SCENARIOS`] is the one list; a
//! test compares it with the files under `scenarios/`, so a new file cannot be left out.

use std::path::{Component, Path};

/// One scenario of the library.
#[derive(Debug, PartialEq, Eq)]
pub struct Builtin {
    /// The path under `scenarios/` without `.ron`.
    pub name: &'static str,
    /// The file's text, byte for byte.
    pub text: &'static str,
}

/// A library entry for `scenarios/<name>.ron`.
macro_rules! builtin {
    ($name:literal) => {
        Builtin {
            name: $name,
            text: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/scenarios/",
                $name,
                ".ron"
            )),
        }
    };
}

/// What `secsim run` runs when no scenario is named: the question secsim was written for.
pub const MAIN: &str = "niger_realignment";

/// Every scenario under `scenarios/`, in the order `secsim scenarios` lists them.
pub const SCENARIOS: &[Builtin] = &[
    builtin!("niger_realignment"),
    builtin!("niger_baseline"),
    builtin!("niger_realignment_no_return"),
    builtin!("niger_realignment_russia_only"),
    builtin!("niger_realignment_western_surge"),
    builtin!("niger_2021_2023"),
    builtin!("sahel_regional"),
    builtin!("backtest/mali_2022_08"),
    builtin!("backtest/burkina_faso_2022_10"),
    builtin!("backtest/mali_2021_2022"),
    builtin!("backtest/severity/mali_2022_08_severity"),
    builtin!("backtest/severity/mali_2022_08_loco"),
    builtin!("backtest/severity/burkina_faso_2022_10_severity"),
    builtin!("backtest/severity/burkina_faso_2022_10_loco"),
    builtin!("backtest/types/mali_2022_08_types"),
    builtin!("backtest/types/mali_2022_08_loco"),
    builtin!("backtest/types/burkina_faso_2022_10_types"),
    builtin!("backtest/types/burkina_faso_2022_10_loco"),
];

/// The main scenario ([`MAIN`]).
pub fn main() -> &'static Builtin {
    // A test checks that MAIN is in the list.
    find(MAIN).unwrap_or(&SCENARIOS[0])
}

/// The library scenario `name` names: its library name, with or without `.ron`.
pub fn find(name: &str) -> Option<&'static Builtin> {
    let name = name.strip_suffix(".ron").unwrap_or(name);
    SCENARIOS.iter().find(|builtin| builtin.name == name)
}

/// The library names, in listing order.
pub fn names() -> impl Iterator<Item = &'static str> {
    SCENARIOS.iter().map(|builtin| builtin.name)
}

/// The library names, one an indented line, for messages that list them.
pub fn name_list() -> String {
    names()
        .map(|name| format!("  {name}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// How a user's `extends` that names no file next to it matched the library.
#[derive(Debug, PartialEq, Eq)]
pub enum BaseMatch {
    Found(&'static Builtin),
    /// Several library scenarios have that file name; their library names.
    Ambiguous(Vec<&'static str>),
    None,
}

/// The library scenario a user's `extends` names: by library name (`niger_realignment.ron`,
/// `backtest/mali_2022_08`), else by file name when only one library scenario has it, so that
/// a library variant saved elsewhere (`secsim show backtest/types/mali_2022_08_loco > x.ron`)
/// still finds the sibling (`mali_2022_08_types.ron`) or parent (`../mali_2022_08.ron`) it
/// extends.
pub fn find_base(extends: &str) -> BaseMatch {
    if let Some(builtin) = find(extends) {
        return BaseMatch::Found(builtin);
    }
    let Some(file_name) = Path::new(extends)
        .file_name()
        .and_then(|name| name.to_str())
    else {
        return BaseMatch::None;
    };
    let stem = file_name.strip_suffix(".ron").unwrap_or(file_name);
    let same_file_name: Vec<&'static Builtin> = SCENARIOS
        .iter()
        .filter(|builtin| builtin.name.rsplit('/').next() == Some(stem))
        .collect();
    match same_file_name.as_slice() {
        [] => BaseMatch::None,
        [only] => BaseMatch::Found(only),
        several => BaseMatch::Ambiguous(several.iter().map(|builtin| builtin.name).collect()),
    }
}

/// The library name `extends`, written in the library scenario `from`, names: the path relative
/// to `from`'s folder (`../mali_2022_08.ron` from `backtest/types/...`), `..` resolved lexically,
/// without `.ron`. None when it leaves the library or is not a relative path.
pub fn relative_name(from: &Builtin, extends: &str) -> Option<String> {
    let folder = Path::new(from.name).parent().unwrap_or(Path::new(""));
    let joined = folder.join(extends);
    let mut parts: Vec<&str> = Vec::new();
    for component in joined.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    let name = parts.join("/");
    Some(name.strip_suffix(".ron").unwrap_or(&name).to_owned())
}

/// The first line of `description`, cut after its first sentence: what `secsim scenarios`
/// prints beside the name.
pub fn first_sentence(description: &str) -> &str {
    let line = description.trim().lines().next().unwrap_or("");
    match line.find(". ") {
        Some(end) => &line[..=end],
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    /// Library names of the `.ron` files under `folder` (relative to `root`).
    fn files_under(root: &Path, folder: &Path, names: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files_under(root, &path, names);
            } else if path.extension().is_some_and(|extension| extension == "ron") {
                let relative = path.strip_prefix(root).unwrap().with_extension("");
                let parts: Vec<String> = relative
                    .components()
                    .map(|part| part.as_os_str().to_string_lossy().into_owned())
                    .collect();
                names.insert(parts.join("/"));
            }
        }
    }

    #[test]
    fn the_library_holds_every_file_under_scenarios_and_nothing_else() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut on_disk = BTreeSet::new();
        files_under(&root, &root, &mut on_disk);
        let listed: BTreeSet<String> = names().map(str::to_owned).collect();
        let missing: Vec<&String> = on_disk.difference(&listed).collect();
        let extra: Vec<&String> = listed.difference(&on_disk).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "add to scenario::library::SCENARIOS: {missing:?}; no such file under scenarios/: {extra:?}"
        );
        assert_eq!(listed.len(), SCENARIOS.len(), "a name is listed twice");
        assert!(find(MAIN).is_some());
    }

    #[test]
    fn names_are_found_with_or_without_ron() {
        assert_eq!(find("niger_baseline").unwrap().name, "niger_baseline");
        assert_eq!(find("niger_baseline.ron").unwrap().name, "niger_baseline");
        assert_eq!(
            find("backtest/types/mali_2022_08_loco").unwrap().name,
            "backtest/types/mali_2022_08_loco"
        );
        assert_eq!(find("mali_2022_08_loco"), None);
        assert_eq!(find("niger_baseline.ron.ron"), None);
        assert_eq!(find(""), None);
    }

    #[test]
    fn a_users_extends_matches_by_name_then_by_unique_file_name() {
        let name = |found: BaseMatch| match found {
            BaseMatch::Found(builtin) => builtin.name.to_owned(),
            other => format!("{other:?}"),
        };
        assert_eq!(
            name(find_base("niger_realignment.ron")),
            "niger_realignment"
        );
        assert_eq!(name(find_base("niger_realignment")), "niger_realignment");
        assert_eq!(
            name(find_base("mali_2022_08_types.ron")),
            "backtest/types/mali_2022_08_types"
        );
        assert_eq!(
            name(find_base("../mali_2022_08.ron")),
            "backtest/mali_2022_08"
        );
        assert_eq!(
            find_base("mali_2022_08_loco.ron"),
            BaseMatch::Ambiguous(vec![
                "backtest/severity/mali_2022_08_loco",
                "backtest/types/mali_2022_08_loco"
            ])
        );
        assert_eq!(find_base("no_such_scenario.ron"), BaseMatch::None);
        assert_eq!(find_base(".."), BaseMatch::None);
    }

    #[test]
    fn extends_inside_the_library_resolve_against_the_library_path() {
        let loco = find("backtest/types/mali_2022_08_loco").unwrap();
        assert_eq!(
            relative_name(loco, "mali_2022_08_types.ron").as_deref(),
            Some("backtest/types/mali_2022_08_types")
        );
        assert_eq!(
            relative_name(loco, "../mali_2022_08.ron").as_deref(),
            Some("backtest/mali_2022_08")
        );
        assert_eq!(
            relative_name(loco, "./../../niger_baseline").as_deref(),
            Some("niger_baseline")
        );
        assert_eq!(relative_name(loco, "../../../outside.ron"), None);
        assert_eq!(relative_name(loco, "/etc/passwd"), None);
        let main = find(MAIN).unwrap();
        assert_eq!(relative_name(main, "../x.ron"), None);
    }

    #[test]
    fn the_first_sentence_ends_at_a_full_stop_or_the_line() {
        assert_eq!(
            first_sentence("Niger ends it in May 2025. A return is uncertain."),
            "Niger ends it in May 2025."
        );
        assert_eq!(first_sentence("  One line\nand another"), "One line");
        assert_eq!(first_sentence("No stop at all"), "No stop at all");
        assert_eq!(first_sentence("Version 2.5 of it"), "Version 2.5 of it");
        assert_eq!(first_sentence(""), "");
    }
}
