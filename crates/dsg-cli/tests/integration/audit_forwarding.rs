//! Audit forwarding end to end: the real gateway publishes every signed
//! checkpoint into a directory and streams every sequenced entry (and
//! checkpoint) to a syslog collector this test runs, over UDP and over
//! TCP. Checked after a graceful stop, against `dsg admin audit-export`:
//! the files verify with the log's key, the largest is the final
//! checkpoint, every entry reached the collector as an RFC 5424 line, TCP
//! frames are octet-counted, a restart does not re-send, and what was
//! logged while the collector was down arrives once it is back.
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dsg_audit::{Checkpoint, SignedCheckpoint};
use serde_json::Value;
use tokio::io::AsyncReadExt;
use tokio::task::JoinHandle;

use crate::harness::{world, Db, Gateway};

const HOST: &str = "gw-test.example";

/// What a collector received, in order, and any framing errors.
#[derive(Clone, Default)]
struct Received {
    lines: Arc<Mutex<Vec<String>>>,
    errors: Arc<Mutex<Vec<String>>>,
}

impl Received {
    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    fn errors(&self) -> Vec<String> {
        self.errors.lock().unwrap().clone()
    }
}

/// A UDP collector: one message per datagram.
async fn udp_collector() -> (u16, Received, JoinHandle<()>) {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = socket.local_addr().unwrap().port();
    let received = Received::default();
    let sink = received.clone();
    let task = tokio::spawn(async move {
        let mut buffer = vec![0u8; 70_000];
        loop {
            let n = socket.recv(&mut buffer).await.unwrap();
            match String::from_utf8(buffer[..n].to_vec()) {
                Ok(line) => sink.lines.lock().unwrap().push(line),
                Err(e) => sink.errors.lock().unwrap().push(e.to_string()),
            }
        }
    });
    (port, received, task)
}

/// A TCP collector on `port` (0: any) that splits octet-counted frames
/// (RFC 6587 §3.4.1) strictly: digits, one space, exactly that many bytes,
/// and the next frame right after. Aborting the task closes the listener
/// and every connection.
async fn tcp_collector(port: u16, received: Received) -> (u16, JoinHandle<()>) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_reuseaddr(true).unwrap();
    socket
        .bind(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .unwrap();
    let listener = socket.listen(16).unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let sink = received.clone();
            connections.spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 8192];
                loop {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        if !buffer.is_empty() {
                            sink.errors
                                .lock()
                                .unwrap()
                                .push(format!("{} bytes after the last frame", buffer.len()));
                        }
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    while let Some(frame) = split_frame(&mut buffer, &sink) {
                        sink.lines.lock().unwrap().push(frame);
                    }
                }
            });
        }
    });
    (port, task)
}

/// Takes one complete frame off the front of `buffer`, if there is one.
fn split_frame(buffer: &mut Vec<u8>, sink: &Received) -> Option<String> {
    let space = buffer.iter().position(|b| *b == b' ')?;
    let digits = &buffer[..space];
    if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
        sink.errors.lock().unwrap().push(format!(
            "bad frame length {:?}",
            String::from_utf8_lossy(digits)
        ));
        buffer.clear();
        return None;
    }
    let len: usize = std::str::from_utf8(digits).unwrap().parse().unwrap();
    if buffer.len() < space + 1 + len {
        return None;
    }
    let frame = buffer[space + 1..space + 1 + len].to_vec();
    buffer.drain(..space + 1 + len);
    match String::from_utf8(frame) {
        Ok(line) => Some(line),
        Err(e) => {
            sink.errors.lock().unwrap().push(e.to_string());
            None
        }
    }
}

/// Checks the RFC 5424 header `<PRI>1 TIMESTAMP HOST dsg - MSGID ` and
/// returns what follows (structured data and message).
fn rfc5424(line: &str) -> &str {
    let rest = line
        .strip_prefix('<')
        .unwrap_or_else(|| panic!("no PRI: {line}"));
    let (pri, rest) = rest.split_once('>').unwrap();
    let pri: u8 = pri.parse().unwrap_or_else(|_| panic!("PRI: {line}"));
    assert_eq!(pri / 8, 13, "facility log audit: {line}");
    let parts: Vec<&str> = rest.splitn(7, ' ').collect();
    let [version, timestamp, host, app, procid, msgid, rest] = parts.as_slice() else {
        panic!("too few header fields: {line}");
    };
    assert_eq!(*version, "1", "{line}");
    // 2026-11-18T11:06:40.123Z
    let t = timestamp.as_bytes();
    assert!(
        t.len() == 24
            && t[4] == b'-'
            && t[7] == b'-'
            && t[10] == b'T'
            && t[13] == b':'
            && t[16] == b':'
            && t[19] == b'.'
            && t[23] == b'Z'
            && t.iter()
                .enumerate()
                .all(|(i, c)| [4, 7, 10, 13, 16, 19, 23].contains(&i) || c.is_ascii_digit()),
        "timestamp: {line}"
    );
    assert_eq!(*host, HOST, "{line}");
    assert_eq!(*app, "dsg", "{line}");
    assert_eq!(*procid, "-", "{line}");
    assert!(!msgid.is_empty() && msgid.bytes().all(|b| b.is_ascii_graphic()));
    rest
}

/// A signed checkpoint sent as a syslog line, if `line` is one.
fn checkpoint_line(line: &str) -> Option<SignedCheckpoint> {
    let sd = rfc5424(line).strip_prefix("[dsgCheckpoint@32473 ")?;
    let (params, _) = sd.split_once(']').unwrap();
    let params: HashMap<&str, &str> = params
        .split(' ')
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k, v.trim_matches('"'))
        })
        .collect();
    let mut root = [0u8; 32];
    hex::decode_to_slice(params["root"], &mut root).unwrap();
    let checkpoint = Checkpoint::new(
        params["logId"],
        params["treeSize"].parse().unwrap(),
        root,
        params["timestamp"].parse().unwrap(),
    )
    .unwrap();
    let checkpoint = match params.get("retentionDays") {
        Some(days) => checkpoint.with_retention(days.parse().unwrap()),
        None => checkpoint,
    };
    Some(SignedCheckpoint {
        checkpoint,
        signature: hex::decode(params["signature"]).unwrap(),
    })
}

/// The log as exported: header, entries (seq order), checkpoints.
struct Export {
    log_id: String,
    public_key: Vec<u8>,
    ids: Vec<String>,
    checkpoint_sizes: Vec<u64>,
}

fn export(gw: &Gateway) -> Export {
    let path = gw.dir.path().join("export.jsonl");
    let out = gw.admin(&["audit-export", "--out", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let header = &lines[0];
    Export {
        log_id: header["log_id"].as_str().unwrap().to_owned(),
        public_key: hex::decode(header["public_key"].as_str().unwrap()).unwrap(),
        ids: lines
            .iter()
            .filter(|l| l["type"] == "entry")
            .map(|l| l["id"].as_str().unwrap().to_owned())
            .collect(),
        checkpoint_sizes: lines
            .iter()
            .filter(|l| l["type"] == "checkpoint")
            .map(|l| l["signed"]["checkpoint"]["tree_size"].as_u64().unwrap())
            .collect(),
    }
}

/// The entry id a received line carries (syslog or CEF), if any.
fn entry_id(line: &str) -> Option<String> {
    let rest = rfc5424(line);
    let start = rest
        .find(" id=\"")
        .map(|i| i + 5)
        .or_else(|| rest.find("externalId=").map(|i| i + 11))?;
    Some(rest[start..start + 36].to_owned())
}

/// How often each entry id was received.
fn received_ids(lines: &[String]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for line in lines {
        if let Some(id) = entry_id(line) {
            *counts.entry(id).or_insert(0) += 1;
        }
    }
    counts
}

/// Every published file: well named, verifying with the log's key, one
/// per checkpoint of the export.
fn check_publications(dir: &Path, log: &Export) {
    let mut sizes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let digits = name
            .strip_prefix("checkpoint-")
            .and_then(|n| n.strip_suffix(".json"))
            .unwrap_or_else(|| panic!("unexpected file {name} (a leftover temporary file?)"));
        assert!(
            digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit()),
            "{name}"
        );
        let text = std::fs::read_to_string(dir.join(&name)).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["format"], "dsg-checkpoint-publication/v1", "{text}");
        assert_eq!(doc["log_id"], log.log_id.as_str());
        assert_eq!(doc["public_key"], hex::encode(&log.public_key));
        let signed: SignedCheckpoint = serde_json::from_value(doc["signed"].clone()).unwrap();
        signed.verify(&log.public_key).unwrap();
        assert_eq!(signed.checkpoint.log_id, log.log_id);
        assert_eq!(signed.checkpoint.tree_size, digits.parse::<u64>().unwrap());
        sizes.push(signed.checkpoint.tree_size);
    }
    sizes.sort_unstable();
    assert_eq!(sizes, log.checkpoint_sizes, "one file per checkpoint");
    // The largest is the final checkpoint, written at shutdown over the
    // whole log.
    assert_eq!(sizes.last().copied(), Some(log.ids.len() as u64));
}

/// Every checkpoint line verifies; the sizes received, largest last.
fn check_checkpoint_lines(lines: &[String], log: &Export) -> Vec<u64> {
    let mut sizes = Vec::new();
    for line in lines {
        if let Some(signed) = checkpoint_line(line) {
            signed.verify(&log.public_key).unwrap();
            assert_eq!(signed.checkpoint.log_id, log.log_id);
            sizes.push(signed.checkpoint.tree_size);
        }
    }
    sizes
}

/// The gateway's environment: fast checkpoints, our syslog host name, and
/// `pairs`.
fn env(pairs: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let mut all = vec![
        ("DSG_AUDIT__CHECKPOINT_SECONDS", "1".to_owned()),
        ("DSG_AUDIT__SIEM__HOSTNAME", HOST.to_owned()),
    ];
    all.extend_from_slice(pairs);
    all
}

async fn start(env: &[(&'static str, String)]) -> Gateway {
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Gateway::start_with(Db::Sqlite, &pairs).await.unwrap()
}

/// Polls until every entry of the log was received.
async fn wait_for_all(gw: &Gateway, received: &Received) {
    for _ in 0..240 {
        let log = export(gw);
        let got = received_ids(&received.lines());
        if log.ids.iter().all(|id| got.contains_key(id)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the collector did not receive every entry in time");
}

#[tokio::test]
async fn checkpoints_and_entries_reach_a_file_drop_and_a_udp_siem() {
    let drop_dir = tempfile::tempdir().unwrap();
    let (port, received, collector) = udp_collector().await;
    let env = env(&[
        (
            "DSG_AUDIT__PUBLISH__CHECKPOINT_DIR",
            drop_dir.path().to_str().unwrap().to_owned(),
        ),
        ("DSG_AUDIT__SIEM__ADDRESS", format!("127.0.0.1:{port}")),
        ("DSG_AUDIT__SIEM__TRANSPORT", "udp".to_owned()),
    ]);
    let mut gw = start(&env).await;
    let _ = world(&gw).await;
    assert!(gw.terminate().await.success());
    tokio::time::sleep(Duration::from_millis(300)).await;

    let first = export(&gw);
    assert!(first.ids.len() > 10, "the world writes entries");
    check_publications(drop_dir.path(), &first);
    let lines = received.lines();
    assert!(received.errors().is_empty(), "{:?}", received.errors());
    let counts = received_ids(&lines);
    for id in &first.ids {
        assert!(counts.contains_key(id), "entry {id} never reached the SIEM");
    }
    assert_eq!(counts.len(), first.ids.len(), "only entries of the log");
    let sizes = check_checkpoint_lines(&lines, &first);
    assert_eq!(sizes, first.checkpoint_sizes, "every checkpoint, in order");

    // A restart resumes at the durable cursors: the new entries go out,
    // none of the old ones again, and the files already published stay.
    let published: Vec<(std::ffi::OsString, Vec<u8>)> = std::fs::read_dir(drop_dir.path())
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    let mark = lines.len();
    assert!(gw.restart().await.is_none(), "no second bootstrap");
    let _ = gw.operator().await;
    assert!(gw.terminate().await.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = export(&gw);
    let lines = received.lines();
    let later = received_ids(&lines[mark..]);
    for id in &first.ids {
        assert!(!later.contains_key(id), "entry {id} was sent again");
    }
    let new: Vec<&String> = second.ids.iter().skip(first.ids.len()).collect();
    assert!(new.len() >= 2, "gateway start and login were recorded");
    for id in new {
        assert!(
            later.contains_key(id),
            "new entry {id} never reached the SIEM"
        );
    }
    let old_max = first.checkpoint_sizes.last().copied().unwrap();
    let new_sizes: Vec<u64> = second
        .checkpoint_sizes
        .iter()
        .copied()
        .filter(|s| *s > old_max)
        .collect();
    assert!(!new_sizes.is_empty());
    let sizes = check_checkpoint_lines(&lines[mark..], &second);
    assert_eq!(sizes, new_sizes, "only the new checkpoints");
    check_publications(drop_dir.path(), &second);
    for (name, content) in published {
        assert_eq!(std::fs::read(drop_dir.path().join(name)).unwrap(), content);
    }
    collector.abort();
}

#[tokio::test]
async fn a_tcp_siem_gets_framed_cef_and_what_it_missed_while_down() {
    let received = Received::default();
    let (port, collector) = tcp_collector(0, received.clone()).await;
    let env = env(&[
        ("DSG_AUDIT__SIEM__ADDRESS", format!("127.0.0.1:{port}")),
        ("DSG_AUDIT__SIEM__TRANSPORT", "tcp".to_owned()),
        ("DSG_AUDIT__SIEM__FORMAT", "cef".to_owned()),
    ]);
    let mut gw = start(&env).await;
    let _ = world(&gw).await;
    wait_for_all(&gw, &received).await;

    // The collector goes away; the gateway keeps working and logging.
    collector.abort();
    let _ = collector.await;
    let before = export(&gw).ids.len();
    let _ = gw.operator().await;
    let (_, status, _) = gw.password_step("operator", "wrong password").await;
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let missed: Vec<String> = export(&gw).ids.into_iter().skip(before).collect();
    assert!(missed.len() >= 2, "the logins were recorded");
    let got = received_ids(&received.lines());
    assert!(
        missed.iter().all(|id| !got.contains_key(id)),
        "nobody was listening"
    );

    // Back on the same port: what it missed arrives.
    let (_, collector) = tcp_collector(port, received.clone()).await;
    wait_for_all(&gw, &received).await;
    assert!(gw.terminate().await.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    collector.abort();

    let log = export(&gw);
    let lines = received.lines();
    assert!(received.errors().is_empty(), "{:?}", received.errors());
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for (i, line) in lines.iter().enumerate() {
        let rest = rfc5424(line);
        if let Some(id) = entry_id(line) {
            assert!(
                rest.starts_with("- CEF:0|dsg|Defense Security Gateway|"),
                "{line}"
            );
            first_line.entry(id).or_insert(i);
        }
    }
    let ids: HashSet<&String> = log.ids.iter().collect();
    assert!(first_line.keys().all(|id| ids.contains(id)));
    assert_eq!(first_line.len(), log.ids.len(), "every entry arrived");
    // Each checkpoint follows the last entry it covers.
    let sizes = check_checkpoint_lines(&lines, &log);
    assert_eq!(sizes.last().copied(), Some(log.ids.len() as u64));
    for (i, line) in lines.iter().enumerate() {
        let Some(signed) = checkpoint_line(line) else {
            continue;
        };
        let size = usize::try_from(signed.checkpoint.tree_size).unwrap();
        assert!(
            first_line[&log.ids[size - 1]] < i,
            "checkpoint {size} too early"
        );
        if let Some(next) = log.ids.get(size) {
            assert!(first_line[next] > i, "checkpoint {size} too late");
        }
    }
}
