//! Staging folders that processes killed outright (SIGKILL, a node's power) left beside a
//! destination: the next [`StagedDir`](super::StagedDir) for the same destination removes them,
//! or puts previous results that were moved aside back in place.
//!
//! A staging folder is named `<prefix><host>.<pid>.<random>`, where `<host>` is a digest of the
//! machine's name, and holds [`LOCK_FILE`], locked (`flock`) by its owner for as long as it
//! lives. The fallback commit (no atomic exchange) moves the previous results aside to the same
//! name with `.old` added. A folder is another process's leftover only when all of these hold:
//! the name has exactly that form, it is a real folder (not a link), the host is this one (other
//! nodes of a cluster may share the file system, and their process ids mean nothing here), the
//! process is gone, and, for a staging folder, its lock can be taken, which a live owner in
//! another PID namespace (a container sharing the host name) still prevents.

use std::fs::{self, File};
use std::io;
use std::path::Path;

use sha2::{Digest, Sha256};

/// The file a staging folder's owner keeps locked; removed before the folder is committed.
pub(super) const LOCK_FILE: &str = ".secsim-lock";

/// Suffix of the previous results moved aside during a fallback commit.
pub(super) const RETIRED_SUFFIX: &str = ".old";

/// Characters of the random part `tempfile` adds to a staging folder's name.
const RANDOM_CHARS: usize = 6;

/// `<host>.<pid>.`: what follows the prefix in this process's staging folders.
pub(super) fn owner_tag() -> String {
    tag_of(std::process::id())
}

/// `<host>.<pid>.` for process `pid` of this host.
fn tag_of(pid: u32) -> String {
    format!("{}.{pid}.", host_id())
}

/// Creates the lock file in `folder` and locks it for as long as the returned file is open.
pub(super) fn lock(folder: &Path) -> io::Result<File> {
    let file = File::create(folder.join(LOCK_FILE))?;
    if try_lock(&file)? {
        Ok(file)
    } else {
        Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            "the staging folder's lock is held by another process",
        ))
    }
}

/// Removes the leftovers of dead processes of this host among `parent`'s entries named
/// `prefix...`; when `destination` is missing and previous results were left moved aside, puts
/// them back first. Best effort: the leftovers are hidden and nothing reads them.
pub(super) fn clean(parent: &Path, prefix: &str, destination: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let host = host_id();
    let mut staging = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|name| name.strip_prefix(prefix)) else {
            continue;
        };
        let Some((their_host, pid, retired)) = parse(rest) else {
            continue;
        };
        let is_folder = entry.file_type().is_ok_and(|kind| kind.is_dir());
        if !is_folder || their_host != host || pid == std::process::id() || process_alive(pid) {
            continue;
        }
        let path = entry.path();
        if retired {
            // The process died between moving the previous results aside and moving the new
            // ones in: with no destination, the previous results are the ones to keep.
            if !destination.exists() && fs::rename(&path, destination).is_ok() {
                continue;
            }
            let _ = fs::remove_dir_all(&path);
        } else {
            staging.push(path);
        }
    }
    for path in staging {
        if lock_is_free(&path.join(LOCK_FILE)) {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// `<host>.<pid>.<random>` with an optional `.old`: the host, the process id and whether the
/// folder holds retired results. None for any other name.
fn parse(rest: &str) -> Option<(&str, u32, bool)> {
    let mut fields = rest.split('.');
    let host = fields.next()?;
    let pid = fields.next()?.parse().ok()?;
    let random = fields.next()?;
    let retired = match fields.next() {
        None => false,
        Some(old) if format!(".{old}") == RETIRED_SUFFIX => true,
        Some(_) => return None,
    };
    let random_ok =
        random.len() == RANDOM_CHARS && random.chars().all(|c| c.is_ascii_alphanumeric());
    (fields.next().is_none() && random_ok).then_some((host, pid, retired))
}

/// Whether the lock file exists and no process holds its lock. A missing file, or a file
/// system that cannot lock, counts as held: the folder is then left alone.
fn lock_is_free(path: &Path) -> bool {
    File::open(path).is_ok_and(|file| try_lock(&file).unwrap_or(false))
}

/// A digest of the machine's name (12 hex digits), so that any name fits between dots in a
/// file name and names that differ only in characters a file name cannot hold stay apart.
fn host_id() -> String {
    let digest = Sha256::digest(raw_host_name());
    crate::scenario::hex(&digest[..6])
}

/// The machine's name as `gethostname` gives it (the `nodename` of `uname`).
#[cfg(unix)]
fn raw_host_name() -> Vec<u8> {
    rustix::system::uname().nodename().to_bytes().to_vec()
}

#[cfg(not(unix))]
fn raw_host_name() -> Vec<u8> {
    Vec::new()
}

/// Takes an exclusive lock on `file` without waiting (`flock`): true when taken, false when
/// another process holds it.
#[cfg(unix)]
fn try_lock(file: &File) -> io::Result<bool> {
    use rustix::fs::{FlockOperation, flock};
    match flock(file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(rustix::io::Errno::WOULDBLOCK) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// Without `flock`, staging folders are never judged abandoned.
#[cfg(not(unix))]
fn try_lock(_file: &File) -> io::Result<bool> {
    Ok(true)
}

/// Whether process `pid` of this host exists (`kill(pid, 0)`, which sends nothing). Only a
/// definite "no such process" counts as gone: a process of another user (`EPERM`), or a pid
/// that is not one (0, or beyond `pid_t`), counts as alive, and its folders are left alone.
#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    use rustix::process::{Pid, RawPid, test_kill_process};
    let Some(pid) = RawPid::try_from(pid).ok().and_then(Pid::from_raw) else {
        return true;
    };
    test_kill_process(pid) != Err(rustix::io::Errno::SRCH)
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_staging_names_parse() {
        assert_eq!(
            parse("0a1b2c3d4e5f.42.AbC123"),
            Some(("0a1b2c3d4e5f", 42, false))
        );
        assert_eq!(
            parse("0a1b2c3d4e5f.42.AbC123.old"),
            Some(("0a1b2c3d4e5f", 42, true))
        );
        for name in [
            "0a1b2c3d4e5f.42.AbC123.backup",
            "0a1b2c3d4e5f.42.AbC12",
            "0a1b2c3d4e5f.42.AbC1234",
            "0a1b2c3d4e5f.x.AbC123",
            "0a1b2c3d4e5f.42",
            "0a1b2c3d4e5f.42.AbC-23",
            "0a1b2c3d4e5f.42.AbC123.old.old",
        ] {
            assert_eq!(parse(name), None, "{name}");
        }
    }

    /// The id of a process of this host that has ended.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    #[test]
    fn a_dead_process_leftovers_go_and_its_retired_results_come_back() {
        let root = tempfile::tempdir().unwrap();
        let destination = root.path().join("out");
        let dead = format!(".out.partial-{}", tag_of(dead_pid()));
        // A commit killed between its two renames: previous results aside, new ones staged.
        let retired = root.path().join(format!("{dead}AbC123{RETIRED_SUFFIX}"));
        fs::create_dir(&retired).unwrap();
        fs::write(retired.join("summary.json"), "previous").unwrap();
        let staged = root.path().join(format!("{dead}XyZ789"));
        fs::create_dir(&staged).unwrap();
        drop(lock(&staged).unwrap());
        // Left alone: a live owner's lock, another host's folder, a name of another form.
        let locked = root.path().join(format!("{dead}LoCk01"));
        fs::create_dir(&locked).unwrap();
        let _held = lock(&locked).unwrap();
        let elsewhere = root.path().join(".out.partial-000000000000.1.AbC123");
        fs::create_dir(&elsewhere).unwrap();
        let other_form = root.path().join(format!("{dead}AbC123.backup"));
        fs::create_dir(&other_form).unwrap();

        clean(root.path(), ".out.partial-", &destination);
        assert_eq!(
            fs::read_to_string(destination.join("summary.json")).unwrap(),
            "previous"
        );
        assert!(!retired.exists() && !staged.exists());
        assert!(locked.exists() && elsewhere.exists() && other_form.exists());
    }

    #[test]
    fn a_held_lock_is_not_free_and_a_released_one_is() {
        let dir = tempfile::tempdir().unwrap();
        let held = lock(dir.path()).unwrap();
        assert!(!lock_is_free(&dir.path().join(LOCK_FILE)));
        drop(held);
        assert!(lock_is_free(&dir.path().join(LOCK_FILE)));
        assert!(!lock_is_free(&dir.path().join("missing")));
    }
}
