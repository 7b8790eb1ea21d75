//! The blob store against a real S3-compatible server (`rclone serve s3` on
//! loopback, see `dsg_testkit::s3_server`): multipart uploads, aborts, listing for the
//! sweep, deletes. Each test checks both what the S3 API shows and what the
//! server left in its directory.
#![allow(
    clippy::disallowed_methods,
    reason = "tests pace and time real servers with the machine's clocks"
)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers may fail loudly"
)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use dsg_blob::{BlobError, BlobStore, S3Settings};
use dsg_crypto::{encrypted_len, BlobContext, SecretKey, SystemRandom};
use dsg_testkit::s3_server::S3Server;
use futures::{stream, StreamExt, TryStreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};

const MIB: usize = 1024 * 1024;
/// The blob store's multipart part size.
const PART_SIZE: usize = 8 * MIB;
const MARKER: &[u8] = b"DSG-S3-PLAINTEXT-MARKER";

fn ctx(version: u32) -> BlobContext {
    BlobContext {
        compartment: [1; 16],
        file: [2; 16],
        version,
    }
}

/// Recognisable plaintext: numbered lines carrying [`MARKER`].
fn pattern(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 64);
    let mut i = 0u64;
    while out.len() < len {
        out.extend_from_slice(format!("{i:08}:").as_bytes());
        out.extend_from_slice(MARKER);
        out.push(b'\n');
        i += 1;
    }
    out.truncate(len);
    out
}

/// `data` as a request body in odd-sized pieces, none aligned to the
/// encryption chunk or the multipart part size.
fn body(data: &[u8]) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    const SIZES: [usize; 6] = [1, 4_099, 65_537, 777_777, 1_048_583, 13];
    let mut pieces = Vec::new();
    let mut rest = data;
    for size in SIZES.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (piece, tail) = rest.split_at((*size).min(rest.len()));
        pieces.push(Ok(Bytes::copy_from_slice(piece)));
        rest = tail;
    }
    stream::iter(pieces)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Asserts equality without printing megabytes on failure.
fn assert_same_bytes(got: &[u8], want: &[u8]) {
    if got != want {
        let at = got.iter().zip(want).position(|(a, b)| a != b);
        panic!(
            "bytes differ: got {} bytes, want {}, first difference at {at:?}",
            got.len(),
            want.len()
        );
    }
}

async fn listing(server: &S3Server) -> Vec<ObjectMeta> {
    server.raw_client().list(None).try_collect().await.unwrap()
}

/// What the server had staged for a multipart upload in progress.
#[derive(Default)]
struct StagedProbe(Mutex<Vec<(std::path::PathBuf, u64)>>);

impl StagedProbe {
    /// Waits (up to 10 s) until the server's directory holds at least one
    /// whole part, and records what it holds.
    async fn wait_for_a_part(&self, server: &S3Server) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let files = server.files_on_disk();
            let staged: u64 = files.iter().map(|(_, len)| len).sum();
            if staged >= PART_SIZE as u64 || Instant::now() > deadline {
                *self.0.lock().unwrap() = files;
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A whole part had reached the server, in its multipart staging file
    /// rather than under `key`.
    fn assert_saw_a_hidden_part(&self, server: &S3Server, key: &str) {
        let staged = self.0.lock().unwrap().clone();
        let in_staging: u64 = staged
            .iter()
            .filter(|(p, _)| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    // rclone's reserved, listing-hidden names (currently
                    // `.rclone_temp_multipart_*`).
                    .is_some_and(|n| n.starts_with(".rclone_"))
            })
            .map(|(_, len)| len)
            .sum();
        assert!(
            in_staging >= PART_SIZE as u64,
            "no uploaded part staged on the server: {staged:?}"
        );
        assert!(
            staged
                .iter()
                .all(|(p, _)| *p != server.bucket_dir().join(key)),
            "the partial upload was visible under its key: {staged:?}"
        );
    }

    /// After a failed upload to `key`: a part had reached the server, and
    /// nothing of the upload is left.
    async fn assert_aborted(&self, server: &S3Server, key: &str) {
        self.assert_saw_a_hidden_part(server, key);
        assert_eq!(server.files_on_disk(), Vec::new());
        assert_eq!(listing(server).await, Vec::new());
        let head = server.raw_client().head(&ObjectPath::from(key)).await;
        assert!(
            matches!(head, Err(object_store::Error::NotFound { .. })),
            "{head:?}"
        );
    }
}

fn now_ms() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_multipart_upload_round_trips_and_stores_only_ciphertext() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let blobs = server.blob_store();
    let key = SecretKey::generate(&SystemRandom::new()).unwrap();
    // Three parts: 8 MiB, 8 MiB and the rest.
    let data = pattern(20 * MIB + 12_345);
    let name = BlobStore::new_key("c1");

    // Midway, look at the server: the parts so far are staged out of sight.
    let staged = StagedProbe::default();
    let (first, rest) = data.split_at(2 * PART_SIZE + MIB);
    let upload = body(first)
        .chain(stream::once(async {
            staged.wait_for_a_part(&server).await;
            Ok(Bytes::new())
        }))
        .chain(body(rest));

    let started = Instant::now();
    let stored = blobs
        .put_encrypted(&name, &key, ctx(1), upload, u64::MAX)
        .await
        .unwrap();
    eprintln!(
        "s3: uploaded {} bytes in {:?}",
        data.len(),
        started.elapsed()
    );
    staged.assert_saw_a_hidden_part(&server, &name);
    assert_eq!(stored.key, name);
    assert_eq!(stored.size_bytes, data.len() as u64);
    assert_eq!(stored.sha256, dsg_crypto::sha256(&data));

    // The server holds exactly one file, at the key, as long as the
    // ciphertext, without the plaintext in it.
    let ciphertext_len = encrypted_len(data.len() as u64);
    assert!(ciphertext_len > 2 * PART_SIZE as u64);
    let files = server.files_on_disk();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].0, server.bucket_dir().join(&name));
    assert_eq!(files[0].1, ciphertext_len);
    let raw = std::fs::read(&files[0].0).unwrap();
    assert!(!contains(&raw, MARKER), "plaintext on the server's disk");

    // Through the S3 API: one object, that size; the blob-store prefix
    // listing the sweep uses finds it too.
    let listed = listing(&server).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].location.as_ref(), name);
    assert_eq!(listed[0].size, ciphertext_len);

    let started = Instant::now();
    let back: Vec<Bytes> = blobs
        .get_decrypted(&name, &key, ctx(1), Some(stored.sha256))
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    eprintln!("s3: downloaded in {:?}", started.elapsed());
    assert_same_bytes(&back.concat(), &data);

    // A wrong digest or context fails on S3 as on disk.
    let wrong_digest: Result<Vec<Bytes>, _> = blobs
        .get_decrypted(&name, &key, ctx(1), Some([0; 32]))
        .await
        .unwrap()
        .try_collect()
        .await;
    assert!(matches!(wrong_digest, Err(BlobError::DigestMismatch)));
    let wrong_ctx: Result<Vec<Bytes>, _> = blobs
        .get_decrypted(&name, &key, ctx(2), Some(stored.sha256))
        .await
        .unwrap()
        .try_collect()
        .await;
    assert!(matches!(wrong_ctx, Err(BlobError::Crypto(_))));

    // A byte altered in the stored object, in the second part, is caught on
    // download, after the intact start has streamed out. (Altered through
    // the S3 API: rewriting the file in place under the running server can
    // race the abandoned read above, after which rclone serves the object
    // with a stale, shorter size.)
    let mut tampered = raw;
    tampered[PART_SIZE + 1_000] ^= 0x01;
    server
        .raw_client()
        .put(
            &ObjectPath::from(name.as_str()),
            Bytes::from(tampered.clone()).into(),
        )
        .await
        .unwrap();
    assert!(std::fs::read(&files[0].0).unwrap() == tampered);
    let mut stream = blobs
        .get_decrypted(&name, &key, ctx(1), Some(stored.sha256))
        .await
        .unwrap();
    let mut good = 0usize;
    let failure = loop {
        match stream.next().await {
            Some(Ok(chunk)) => good += chunk.len(),
            Some(Err(e)) => break e,
            None => panic!("a tampered blob decrypted in full"),
        }
    };
    assert!(matches!(failure, BlobError::Crypto(_)), "{failure:?}");
    assert!(good > 0 && good < PART_SIZE + 1_000, "{good}");

    // An object cut short on a chunk boundary (as a server that loses the
    // tail might serve it) fails at the end instead of passing as complete.
    // (Each encrypted chunk carries a 16-byte tag.)
    let whole_chunks = dsg_crypto::HEADER_LEN + 100 * (dsg_crypto::CHUNK_SIZE + 16);
    server
        .raw_client()
        .put(
            &ObjectPath::from(name.as_str()),
            Bytes::copy_from_slice(&tampered[..whole_chunks]).into(),
        )
        .await
        .unwrap();
    let truncated: Result<Vec<Bytes>, _> = blobs
        .get_decrypted(&name, &key, ctx(1), Some(stored.sha256))
        .await
        .unwrap()
        .try_collect()
        .await;
    assert!(
        matches!(truncated, Err(BlobError::Crypto(_))),
        "{:?}",
        truncated.map(|b| b.concat().len())
    );
}

#[tokio::test]
async fn an_interrupted_multipart_upload_leaves_nothing() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let blobs = server.blob_store();
    let key = SecretKey::generate(&SystemRandom::new()).unwrap();
    // Past two parts: the blob store starts the second only with the first
    // in flight, and takes the next piece only once one has been
    // acknowledged, so when the error comes at least one part is stored.
    let data = pattern(2 * PART_SIZE + MIB + 4_321);
    let name = BlobStore::new_key("c1");
    let staged = StagedProbe::default();
    let broken = body(&data).chain(stream::once(async {
        staged.wait_for_a_part(&server).await;
        Err(std::io::Error::other("client went away"))
    }));
    let result = blobs
        .put_encrypted(&name, &key, ctx(1), broken, u64::MAX)
        .await;
    assert!(
        matches!(result, Err(BlobError::Interrupted(ref m)) if m.contains("client went away")),
        "{result:?}"
    );

    // A part really was on the server, out of sight, before the
    // interruption, and the abort removed it: nothing on disk, nothing
    // listed, nothing under the key, nothing to download.
    staged.assert_aborted(&server, &name).await;
    let get = blobs
        .get_decrypted(&name, &key, ctx(1), Some([0; 32]))
        .await
        .map(|_| ());
    assert!(
        matches!(
            get,
            Err(BlobError::Store(object_store::Error::NotFound { .. }))
        ),
        "{get:?}"
    );
}

#[tokio::test]
async fn a_too_large_upload_is_refused_and_leaves_nothing() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let blobs = server.blob_store();
    let key = SecretKey::generate(&SystemRandom::new()).unwrap();

    // Over the limit only after a part is on the server.
    let limit = 2 * PART_SIZE + MIB;
    let data = pattern(limit + 4 * MIB);
    let name = BlobStore::new_key("c1");
    let staged = StagedProbe::default();
    let (within, beyond) = data.split_at(limit);
    let too_big = body(within)
        .chain(stream::once(async {
            staged.wait_for_a_part(&server).await;
            Ok(Bytes::new())
        }))
        .chain(body(beyond));
    let result = blobs
        .put_encrypted(&name, &key, ctx(1), too_big, limit as u64)
        .await;
    assert!(matches!(result, Err(BlobError::TooLarge)), "{result:?}");
    staged.assert_aborted(&server, &name).await;

    // The limit itself is allowed; one byte less is not.
    let small = pattern(100_000);
    let exact = BlobStore::new_key("c1");
    blobs
        .put_encrypted(&exact, &key, ctx(1), body(&small), 100_000)
        .await
        .unwrap();
    let over = BlobStore::new_key("c1");
    let result = blobs
        .put_encrypted(&over, &key, ctx(1), body(&small), 99_999)
        .await;
    assert!(matches!(result, Err(BlobError::TooLarge)), "{result:?}");
    let listed: Vec<String> = listing(&server)
        .await
        .into_iter()
        .map(|m| m.location.to_string())
        .collect();
    assert_eq!(listed, vec![exact.clone()]);
    let files = server.files_on_disk();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].0, server.bucket_dir().join(&exact));
}

#[tokio::test]
async fn the_sweep_removes_only_unreferenced_blobs_older_than_the_cutoff() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let blobs = server.blob_store();
    let key = SecretKey::generate(&SystemRandom::new()).unwrap();
    let put = |name: String| {
        let blobs = &blobs;
        let key = &key;
        async move {
            blobs
                .put_encrypted(&name, key, ctx(1), body(b"some content"), 100)
                .await
                .unwrap();
        }
    };
    let old_kept = BlobStore::new_key("c1");
    let old_orphan = BlobStore::new_key("c1");
    let old_orphan_elsewhere = BlobStore::new_key("c2");
    for name in [&old_kept, &old_orphan, &old_orphan_elsewhere] {
        put(name.clone()).await;
    }
    // Listings may report whole seconds: leave two between old and new.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let cutoff = now_ms() - 1_000;
    let new_orphan = BlobStore::new_key("c1");
    put(new_orphan.clone()).await;
    // Something outside the blob prefix is never the sweep's business.
    server
        .raw_client()
        .put(&ObjectPath::from("elsewhere/old"), Bytes::from("x").into())
        .await
        .unwrap();

    // A cutoff before everything removes nothing and asks about nothing.
    let asked: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = Arc::clone(&asked);
    let removed = blobs
        .sweep_orphans(0, move |k| {
            log.lock().unwrap().push(k);
            async { Ok(false) }
        })
        .await
        .unwrap();
    assert_eq!(removed, 0);
    assert!(asked.lock().unwrap().is_empty());

    let log = Arc::clone(&asked);
    let kept = old_kept.clone();
    let removed = blobs
        .sweep_orphans(cutoff, move |k| {
            let used = k == kept;
            log.lock().unwrap().push(k);
            async move { Ok(used) }
        })
        .await
        .unwrap();
    assert_eq!(removed, 2);
    let mut asked = asked.lock().unwrap().clone();
    asked.sort();
    let mut want = vec![
        old_kept.clone(),
        old_orphan.clone(),
        old_orphan_elsewhere.clone(),
    ];
    want.sort();
    assert_eq!(asked, want, "only old blobs are candidates");

    let mut listed: Vec<String> = listing(&server)
        .await
        .into_iter()
        .map(|m| m.location.to_string())
        .collect();
    listed.sort();
    let mut want = vec![
        old_kept.clone(),
        new_orphan.clone(),
        "elsewhere/old".to_owned(),
    ];
    want.sort();
    assert_eq!(listed, want);
    let mut on_disk: Vec<_> = server.files_on_disk().into_iter().map(|f| f.0).collect();
    on_disk.sort();
    let mut want: Vec<_> = want.iter().map(|k| server.bucket_dir().join(k)).collect();
    want.sort();
    assert_eq!(on_disk, want);

    // A failing `in_use` stops the sweep with its error and removes nothing.
    let result = blobs
        .sweep_orphans(i64::MAX, |_| async {
            Err(BlobError::Config("metadata store down".into()))
        })
        .await;
    assert!(matches!(result, Err(BlobError::Config(_))), "{result:?}");
    assert_eq!(listing(&server).await.len(), 3);
}

#[tokio::test]
async fn deleting_is_idempotent_and_a_missing_key_is_fine() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let blobs = server.blob_store();
    let key = SecretKey::generate(&SystemRandom::new()).unwrap();

    // Never existed: in an empty bucket, and beside an existing blob.
    blobs.delete(&BlobStore::new_key("c1")).await.unwrap();
    let name = BlobStore::new_key("c1");
    blobs
        .put_encrypted(&name, &key, ctx(1), body(b"content"), 100)
        .await
        .unwrap();
    blobs.delete(&BlobStore::new_key("c1")).await.unwrap();
    assert_eq!(listing(&server).await.len(), 1);

    blobs.delete(&name).await.unwrap();
    assert_eq!(listing(&server).await, Vec::new());
    assert_eq!(server.files_on_disk(), Vec::new());
    // Deleting again is fine too.
    blobs.delete(&name).await.unwrap();
}

#[tokio::test]
async fn wrong_credentials_are_refused() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let blobs = BlobStore::s3(&S3Settings {
        secret_access_key: "not-the-secret".into(),
        ..server.settings()
    })
    .unwrap();
    let key = SecretKey::generate(&SystemRandom::new()).unwrap();
    let result = blobs
        .put_encrypted(
            &BlobStore::new_key("c1"),
            &key,
            ctx(1),
            body(b"content"),
            100,
        )
        .await;
    assert!(matches!(result, Err(BlobError::Store(_))), "{result:?}");
    assert_eq!(server.files_on_disk(), Vec::new());
}
