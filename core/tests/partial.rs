//! `output::Partial`: what library users get when they write an output file.
#![cfg(unix)]

use std::fs;
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt, symlink};
use std::path::PathBuf;

use milmed_core::output::{Access, Partial, remove_partial};

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir =
            std::env::temp_dir().join(format!("milmed-partial-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }
    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_file_appears_whole_on_commit_and_never_when_dropped() {
    let dir = Dir::new("commit");
    let target = dir.0.join("a.txt");
    let (partial, mut file) = Partial::file(&target).unwrap();
    assert_eq!(
        partial.removable(),
        Some(dir.0.join("a.txt.partial").as_path())
    );
    file.write_all(b"whole").unwrap();
    assert!(!target.exists(), "nothing under the name before the commit");
    partial.commit().unwrap();
    assert_eq!(fs::read_to_string(&target).unwrap(), "whole");

    let (partial, mut file) = Partial::file(&target).unwrap();
    file.write_all(b"half").unwrap();
    drop(partial);
    assert_eq!(fs::read_to_string(&target).unwrap(), "whole", "untouched");
    assert_eq!(dir.files(), ["a.txt"]);
}

#[test]
fn a_device_is_written_in_place() {
    let (partial, mut file) = Partial::file("/dev/null".as_ref()).unwrap();
    assert_eq!(partial.removable(), None);
    assert_eq!(partial.path(), std::path::Path::new("/dev/null"));
    file.write_all(b"gone").unwrap();
    partial.commit().unwrap();
    assert!(
        fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

#[test]
fn a_foreign_partial_is_refused_and_untouched() {
    let dir = Dir::new("foreign");
    let target = dir.0.join("a.txt");
    fs::write(dir.0.join("a.txt.partial"), "theirs").unwrap();
    let err = Partial::file(&target).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    assert!(
        err.to_string().contains("a.txt.partial already exists"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(dir.0.join("a.txt.partial")).unwrap(),
        "theirs"
    );

    fs::create_dir(dir.0.join("tags.partial")).unwrap();
    let err = Partial::directory(&dir.0.join("tags"), "NDEF").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
}

#[test]
fn private_files_are_created_for_the_owner_only() {
    let dir = Dir::new("private");
    let target = dir.0.join("plain.txt");
    let (partial, _file) = Partial::file_with(&target, Access::Private).unwrap();
    let mode = fs::metadata(partial.path()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    partial.commit().unwrap();
    let mode = fs::metadata(&target).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "kept once committed");
}

#[test]
fn a_link_is_followed_and_remove_partial_cleans_up() {
    let dir = Dir::new("link");
    fs::write(dir.0.join("real.txt"), "old").unwrap();
    symlink("real.txt", dir.0.join("link.txt")).unwrap();
    let (partial, mut file) = Partial::file(&dir.0.join("link.txt")).unwrap();
    let removable = partial.removable().unwrap().to_owned();
    assert!(
        removable.ends_with("real.txt.partial"),
        "{}",
        removable.display()
    );
    file.write_all(b"new").unwrap();
    partial.commit().unwrap();
    assert_eq!(fs::read_to_string(dir.0.join("link.txt")).unwrap(), "new");
    assert!(
        fs::symlink_metadata(dir.0.join("link.txt"))
            .unwrap()
            .file_type()
            .is_symlink()
    );

    let partial = Partial::directory(&dir.0.join("tags"), "NDEF").unwrap();
    fs::write(partial.path().join("0.ndef"), "x").unwrap();
    let path = partial.path().to_owned();
    std::mem::forget(partial);
    remove_partial(&path);
    assert_eq!(dir.files(), ["link.txt", "real.txt"]);
}
