//! The set of factor sets a running service offers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::load::{parse, LoadError};
use super::set::FactorSet;

/// The set used when a request or campaign names none: the campaigns are Chinese.
pub const DEFAULT_SET_ID: &str = "cn-2023";

/// Bundled factor-set files, embedded at build time.
const BUNDLED: [(&str, &str); 4] = [
    (
        "emission_factors/cn-2023.json",
        include_str!("../../emission_factors/cn-2023.json"),
    ),
    (
        "emission_factors/cn-2022.json",
        include_str!("../../emission_factors/cn-2022.json"),
    ),
    (
        "emission_factors/uk-desnz-2025.json",
        include_str!("../../emission_factors/uk-desnz-2025.json"),
    ),
    (
        "emission_factors/uk-desnz-2025-wtw.json",
        include_str!("../../emission_factors/uk-desnz-2025-wtw.json"),
    ),
];

/// Why the catalogue could not be built.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// A set failed validation.
    #[error(transparent)]
    Invalid(#[from] LoadError),
    /// A factors directory or file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// File name and set id disagree.
    #[error("{path}: the set id `{id}` must equal the file name")]
    IdMismatch {
        /// The file.
        path: PathBuf,
        /// The id inside it.
        id: String,
    },
}

/// Immutable factor sets, in a stable order (the default first, then by id).
#[derive(Debug, Clone)]
pub struct Catalogue {
    sets: Vec<Arc<FactorSet>>,
}

impl Catalogue {
    /// The sets compiled into the binary.
    pub fn bundled() -> Result<Self, CatalogueError> {
        let mut catalogue = Self { sets: Vec::new() };
        for (origin, json) in BUNDLED {
            catalogue.insert(parse(origin, json)?);
        }
        Ok(catalogue)
    }

    /// The bundled sets plus every `*.json` in `dir`, which override bundled sets of the same id.
    pub fn bundled_and_dir(dir: &Path) -> Result<Self, CatalogueError> {
        let mut catalogue = Self::bundled()?;
        let io = |source| CatalogueError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        paths.sort();
        for path in paths {
            let json = std::fs::read_to_string(&path).map_err(|source| CatalogueError::Io {
                path: path.clone(),
                source,
            })?;
            let set = parse(&path.display().to_string(), &json)?;
            if path.file_stem().and_then(|s| s.to_str()) != Some(set.id()) {
                return Err(CatalogueError::IdMismatch {
                    path,
                    id: set.id().to_owned(),
                });
            }
            catalogue.insert(set);
        }
        Ok(catalogue)
    }

    fn insert(&mut self, set: FactorSet) {
        self.sets.retain(|existing| existing.id() != set.id());
        self.sets.push(Arc::new(set));
        self.sets
            .sort_by_key(|s| (s.id() != DEFAULT_SET_ID, s.id().to_owned()));
    }

    /// Every set, the default first.
    pub fn sets(&self) -> &[Arc<FactorSet>] {
        &self.sets
    }

    /// The set with that id.
    pub fn get(&self, id: &str) -> Option<&Arc<FactorSet>> {
        self.sets.iter().find(|s| s.id() == id)
    }

    /// The set used when none is named.
    pub fn default_set(&self) -> &Arc<FactorSet> {
        self.get(DEFAULT_SET_ID).unwrap_or(&self.sets[0])
    }
}
