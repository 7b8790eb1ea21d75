//! Durability of an acknowledged upload: the gateway runs under `strace`,
//! and the trace of one upload must show the blob file fsynced and its
//! directory (and every directory created for it) fsynced after the rename
//! that completes the upload, all before the SQLite commit of the upload's
//! row and before the answer. Without `strace` (or where it cannot trace)
//! the test says it is skipped, unless `DSG_REQUIRE_STRACE=1` (CI), where
//! that is a failure.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;

use crate::harness::{data, files_under, world, Db, Gateway};

/// The system calls traced. `?` marks calls some architectures lack.
const TRACED: &str = "trace=openat,?mkdir,mkdirat,?rename,?renameat,renameat2,\
                      fsync,fdatasync,write,pwrite64,writev,sendto,sendmsg";

#[tokio::test]
async fn an_upload_is_on_disk_before_its_commit_and_its_answer() {
    if !strace_runs() {
        return;
    }
    let trace_dir = tempfile::tempdir().unwrap();
    let trace_file = trace_dir.path().join("gateway.trace");
    let trace_arg = trace_file.to_str().unwrap();
    // -yy names each descriptor's file or TCP connection; -s 65536 prints
    // whole SQLite pages, so the commit of the upload's row can be told by
    // the blob key in it.
    let tracer = [
        "strace",
        "-f",
        "--seccomp-bpf",
        "-yy",
        "-s",
        "65536",
        "-e",
        TRACED,
        "-o",
        trace_arg,
    ];
    let mut gw = Gateway::start_wrapped(Db::Sqlite, &[], &tracer)
        .await
        .unwrap();
    let gateway = KillOnDrop(child_of(gw.process_id().unwrap()));
    let w = world(&gw).await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let (s, body) = h
        .upload(&w.compartment_a, "durable.bin", data(200_000, 7))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    // The tracer ends (writing out the whole trace) when the gateway does.
    drop(gateway);
    gw.wait_for_exit(Duration::from_secs(30)).await;

    let blobs = files_under(&gw.data_dir().join("blobs"));
    assert_eq!(blobs.len(), 1, "{blobs:?}");
    let blob = std::fs::canonicalize(&blobs[0]).unwrap();
    let store_root = std::fs::canonicalize(gw.data_dir().join("blobs")).unwrap();
    let trace = std::fs::read_to_string(&trace_file).unwrap();
    if let Err(why) = check_durable_upload(&trace, &store_root, &blob) {
        panic!(
            "{why}; the trace about the blob:\n{}",
            excerpt(&trace, &blob)
        );
    }
    gw.stop().await;
}

/// The order the trace must show for the upload stored in `blob`, in the
/// store at `store_root`.
fn check_durable_upload(trace: &str, store_root: &Path, blob: &Path) -> Result<(), String> {
    let calls = parse(trace);
    let blob_path = blob.to_str().unwrap();
    let key = blob.file_name().unwrap().to_str().unwrap();
    let dir = blob.parent().unwrap().to_str().unwrap();
    let root = store_root.to_str().unwrap();
    let is_blob_file = |fd: &str| {
        fd == blob_path
            || fd.strip_prefix(blob_path).is_some_and(|rest| {
                rest.strip_prefix('#')
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            })
    };
    let rename = calls
        .iter()
        .find(|c| {
            c.name.starts_with("rename")
                && c.ok()
                && c.args.contains(&format!("\"{blob_path}#"))
                && c.args.contains(&format!("\"{blob_path}\""))
        })
        .ok_or("no rename of a staging file to the blob")?;
    let last_write = calls
        .iter()
        .filter(|c| c.writes() && c.fd().is_some_and(is_blob_file))
        .map(|c| c.end)
        .max()
        .ok_or("no write to the blob file")?;
    let file_sync = calls
        .iter()
        .find(|c| c.syncs() && c.start > last_write && c.fd().is_some_and(is_blob_file))
        .ok_or("the blob file is never fsynced after its last write")?;
    let dir_sync = calls
        .iter()
        .find(|c| c.syncs() && c.start > rename.end && c.fd() == Some(dir))
        .ok_or("the blob's directory is not fsynced after the rename")?;
    let mut syncs = vec![
        ("the blob file's fsync".to_owned(), file_sync),
        (
            "the directory's fsync after the rename".to_owned(),
            dir_sync,
        ),
    ];
    // The first upload into a compartment creates its folder; each new
    // directory's entry must be on disk too.
    let created: Vec<(&str, usize)> = calls
        .iter()
        .filter(|c| c.name.starts_with("mkdir") && c.ok())
        .filter_map(|c| Some((c.args.split('"').nth(1)?, c.end)))
        .filter(|(d, _)| {
            d.starts_with(&format!("{root}/")) && blob_path.starts_with(&format!("{d}/"))
        })
        .collect();
    if created.is_empty() {
        return Err("no directory was created for the blob (the test expects the first upload into a compartment)".into());
    }
    for (created_dir, made) in created {
        let parent = Path::new(created_dir).parent().unwrap().to_str().unwrap();
        let sync = calls
            .iter()
            .find(|c| c.syncs() && c.start > made && c.fd() == Some(parent))
            .ok_or(format!(
                "{parent} is not fsynced after {created_dir} was created in it"
            ))?;
        syncs.push((
            format!("the fsync of {parent} for its new {created_dir}"),
            sync,
        ));
    }
    let wal = |c: &&Call| c.fd().is_some_and(|fd| fd.ends_with("/dsg.db-wal"));
    let row_written = calls
        .iter()
        .filter(wal)
        .find(|c| c.writes() && c.args.contains(key))
        .ok_or("the upload's row never reaches the SQLite WAL")?;
    let commit = calls
        .iter()
        .filter(wal)
        .find(|c| c.syncs() && c.start > row_written.end)
        .ok_or("the WAL is not fsynced after the upload's row (no durable commit)")?;
    let answer = calls
        .iter()
        .find(|c| {
            c.writes() && c.start > rename.end && c.fd().is_some_and(|fd| fd.starts_with("TCP"))
        })
        .ok_or("no answer on a TCP socket after the rename")?;
    for (what, sync) in &syncs {
        if sync.end >= commit.start {
            return Err(format!(
                "{what} (trace line {}) does not end before the commit (line {})",
                sync.end + 1,
                commit.start + 1
            ));
        }
    }
    if commit.end >= answer.start {
        return Err(format!(
            "the answer (line {}) starts before the commit (line {}) ends",
            answer.start + 1,
            commit.end + 1
        ));
    }
    Ok(())
}

/// One completed system call of the trace; `start` and `end` are the lines
/// where it was entered and where it returned (the same unless another
/// thread's call came in between).
#[derive(Debug)]
struct Call {
    name: String,
    args: String,
    result: String,
    start: usize,
    end: usize,
}

impl Call {
    fn ok(&self) -> bool {
        self.result == "0"
    }

    fn syncs(&self) -> bool {
        matches!(self.name.as_str(), "fsync" | "fdatasync") && self.ok()
    }

    fn writes(&self) -> bool {
        matches!(
            self.name.as_str(),
            "write" | "pwrite64" | "writev" | "sendto" | "sendmsg"
        ) && !self.result.starts_with('-')
    }

    /// What `-yy` says the first argument, a descriptor, refers to.
    fn fd(&self) -> Option<&str> {
        let (number, rest) = self.args.split_once('<')?;
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        rest.split_once('>').map(|(target, _)| target)
    }
}

/// The completed calls of an `strace -f -o` trace, in the order they began.
fn parse(trace: &str) -> Vec<Call> {
    let mut unfinished: HashMap<&str, (&str, String, usize)> = HashMap::new();
    let mut calls = Vec::new();
    for (line_no, line) in trace.lines().enumerate() {
        let (pid, rest) = line.split_once(' ').unwrap_or(("", line));
        let rest = rest.trim_start();
        if let Some(resumed) = rest.strip_prefix("<... ") {
            let Some((_, tail)) = resumed.split_once(" resumed>") else {
                continue;
            };
            let Some((name, args, start)) = unfinished.remove(pid) else {
                continue;
            };
            let Some((more, result)) = split_result(tail) else {
                continue;
            };
            calls.push(Call {
                name: name.to_owned(),
                args: args + more,
                result,
                start,
                end: line_no,
            });
            continue;
        }
        let Some((name, tail)) = rest.split_once('(') else {
            continue;
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        if let Some(args) = tail.strip_suffix(" <unfinished ...>") {
            unfinished.insert(pid, (name, args.to_owned(), line_no));
            continue;
        }
        if let Some((args, result)) = split_result(tail) {
            calls.push(Call {
                name: name.to_owned(),
                args: args.to_owned(),
                result,
                start: line_no,
                end: line_no,
            });
        }
    }
    calls.sort_by_key(|c| c.start);
    calls
}

/// `args) = result` → (`args`, `result`); strace pads before the `=`.
fn split_result(tail: &str) -> Option<(&str, String)> {
    let (args, result) = tail.rsplit_once(" = ")?;
    let args = args.trim_end().strip_suffix(')')?;
    Some((args, result.trim().to_owned()))
}

/// The trace lines about the blob, its directory and the WAL, for a failure
/// message.
fn excerpt(trace: &str, blob: &Path) -> String {
    let dir = blob.parent().unwrap().to_str().unwrap().to_owned();
    trace
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            (l.contains(&dir) || l.contains("dsg.db-wal") || l.contains("<TCP"))
                && !l.contains("pwrite64")
                && !l.contains(" write(")
        })
        .map(|(n, l)| format!("{:>6}: {}", n + 1, l.chars().take(200).collect::<String>()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `strace` can trace here; a failure under `DSG_REQUIRE_STRACE=1`.
fn strace_runs() -> bool {
    let probe = Command::new("strace")
        .args(["-f", "-o", "/dev/null", "true"])
        .output();
    let why = match probe {
        Ok(out) if out.status.success() => return true,
        Ok(out) => format!(
            "strace cannot trace here: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) => format!("strace not found: {e}"),
    };
    assert!(
        std::env::var("DSG_REQUIRE_STRACE").as_deref() != Ok("1"),
        "DSG_REQUIRE_STRACE=1 but {why} (install strace)"
    );
    eprintln!("SKIPPED: {why}");
    false
}

/// The one child of process `parent` (the gateway under its tracer).
fn child_of(parent: u32) -> u32 {
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`; the command name may hold anything.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(parent) {
            return pid;
        }
    }
    panic!("process {parent} has no child");
}

/// Kills a process when dropped, so a failing test leaves no gateway
/// behind (a killed tracer would only detach from it).
struct KillOnDrop(u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", &self.0.to_string()])
            .status();
    }
}
