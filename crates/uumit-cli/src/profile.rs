//! Stored credentials: named profiles in `credentials.json` under the config directory,
//! readable by the owner only, and how a command picks its credentials.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::failure::{Failure, Outcome};

/// File name of the credentials store inside the config directory.
const FILE_NAME: &str = "credentials.json";

/// Credentials `uumit login` stores for one profile.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Profile {
    pub(crate) base_url: String,
    pub(crate) api_key: String,
    pub(crate) user_id: String,
}

/// Every stored profile, by name.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Store {
    profiles: BTreeMap<String, Profile>,
}

/// Returns the config directory: `UUMIT_CONFIG_DIR`, else `$XDG_CONFIG_HOME/uumit`, else
/// `~/.config/uumit`.
pub(crate) fn config_dir() -> Outcome<PathBuf> {
    let read = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = read("UUMIT_CONFIG_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = read("XDG_CONFIG_HOME") {
        return Ok(PathBuf::from(dir).join("uumit"));
    }
    match read("HOME") {
        Some(home) => Ok(PathBuf::from(home).join(".config").join("uumit")),
        None => Err(Failure::auth(
            "cannot find the config directory: none of UUMIT_CONFIG_DIR, XDG_CONFIG_HOME and HOME is set",
        )
        .hint("set UUMIT_CONFIG_DIR to a directory of yours")),
    }
}

/// Loads the stored profile `name`, if any.
pub(crate) fn load(name: &str) -> Outcome<Option<Profile>> {
    let store = read_store(&config_dir()?)?;
    Ok(store.profiles.get(name).cloned())
}

/// Stores `profile` under `name`, replacing any profile of that name.
pub(crate) fn save(name: &str, profile: Profile) -> Outcome<PathBuf> {
    let dir = config_dir()?;
    let mut store = read_store(&dir)?;
    store.profiles.insert(name.to_owned(), profile);
    write_store(&dir, &store)
}

/// Removes the profile `name`; returns whether it existed.
pub(crate) fn remove(name: &str) -> Outcome<bool> {
    let dir = config_dir()?;
    let mut store = read_store(&dir)?;
    let existed = store.profiles.remove(name).is_some();
    if existed {
        write_store(&dir, &store)?;
    }
    Ok(existed)
}

fn read_store(dir: &Path) -> Outcome<Store> {
    let path = dir.join(FILE_NAME);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Store::default()),
        Err(e) => return Err(file_failure("cannot read", &path, e)),
    };
    serde_json::from_str(&text).map_err(|e| {
        Failure::auth(format!(
            "{} is not a valid credentials file: {e}",
            path.display()
        ))
        .hint("delete it and run `uumit login` again")
    })
}

/// Writes the store to a temporary file readable by the owner only, then renames it
/// over the old one, so a reader never sees half a file.
fn write_store(dir: &Path, store: &Store) -> Outcome<PathBuf> {
    create_private_dir(dir)?;
    let path = dir.join(FILE_NAME);
    let temporary = dir.join(format!(".{FILE_NAME}.tmp"));
    let text = serde_json::to_string_pretty(store)
        .map_err(|e| Failure::auth(format!("cannot encode the credentials: {e}")))?;
    let mut file = private_file(&temporary)?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| file_failure("cannot write", &temporary, e))?;
    fs::rename(&temporary, &path).map_err(|e| file_failure("cannot replace", &path, e))?;
    Ok(path)
}

fn create_private_dir(dir: &Path) -> Outcome {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| file_failure("cannot create", dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| file_failure("cannot restrict", dir, e))?;
    }
    Ok(())
}

fn private_file(path: &Path) -> Outcome<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(path)
        .map_err(|e| file_failure("cannot create", path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(|e| file_failure("cannot restrict", path, e))?;
    }
    Ok(file)
}

fn file_failure(what: &str, path: &Path, error: std::io::Error) -> Failure {
    Failure::auth(format!("{what} {}: {error}", path.display()))
        .hint("check the permissions of the config directory, or set UUMIT_CONFIG_DIR")
}
