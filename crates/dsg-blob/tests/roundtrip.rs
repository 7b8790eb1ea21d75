//! The blob store against a real local directory.
#![allow(clippy::unwrap_used, reason = "test helpers may fail loudly")]

use bytes::Bytes;
use dsg_blob::{BlobError, BlobStore};
use dsg_crypto::{BlobContext, SecretKey, SystemRandom};
use futures::{stream, StreamExt, TryStreamExt};

fn ctx(version: u32) -> BlobContext {
    BlobContext {
        compartment: [1; 16],
        file: [2; 16],
        version,
    }
}

fn body(
    data: &[u8],
    piece: usize,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let pieces: Vec<Result<Bytes, std::io::Error>> = data
        .chunks(piece)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    stream::iter(pieces)
}

fn all_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn stores_ciphertext_and_streams_back_the_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::local(dir.path()).unwrap();
    let key = SecretKey::generate(&SystemRandom::new()).unwrap();
    let data: Vec<u8> = b"PROTECTED-DRAWING-"
        .iter()
        .copied()
        .cycle()
        .take(300_000)
        .collect();
    let name = BlobStore::new_key("c1");
    let stored = blobs
        .put_encrypted(&name, &key, ctx(1), body(&data, 7_777), u64::MAX)
        .await
        .unwrap();
    assert_eq!(stored.size_bytes, data.len() as u64);
    assert_eq!(stored.sha256, dsg_crypto::sha256(&data));

    let files = all_files(dir.path());
    assert_eq!(files.len(), 1, "{files:?}");
    let raw = std::fs::read(&files[0]).unwrap();
    assert!(
        !raw.windows(18).any(|w| w == b"PROTECTED-DRAWING-"),
        "plaintext on disk"
    );

    let back: Vec<Bytes> = blobs
        .get_decrypted(&name, &key, ctx(1), Some(stored.sha256))
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(back.concat(), data);

    // The wrong version context or the wrong digest fails cleanly.
    let wrong_ctx: Result<Vec<Bytes>, _> = blobs
        .get_decrypted(&name, &key, ctx(2), Some(stored.sha256))
        .await
        .unwrap()
        .try_collect()
        .await;
    assert!(matches!(wrong_ctx, Err(BlobError::Crypto(_))));
    let wrong_digest: Result<Vec<Bytes>, _> = blobs
        .get_decrypted(&name, &key, ctx(1), Some([0; 32]))
        .await
        .unwrap()
        .try_collect()
        .await;
    assert!(matches!(wrong_digest, Err(BlobError::DigestMismatch)));
}

/// Larger than several parts, ciphertext batches and early flushes of the
/// local store, fed in pieces that straddle chunk boundaries: the stored
/// blob is exactly the encrypted length and reads back intact, without and
/// with the digest check.
#[tokio::test]
async fn a_large_upload_streams_through_parts_and_flushes() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::local(dir.path()).unwrap();
    let key = SecretKey::generate(&SystemRandom::new()).unwrap();
    let data: Vec<u8> = (0..70 * 1024 * 1024 + 12_345)
        .map(|i: usize| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let name = BlobStore::new_key("c1");
    let stored = blobs
        .put_encrypted(&name, &key, ctx(1), body(&data, 100_003), u64::MAX)
        .await
        .unwrap();
    assert_eq!(stored.sha256, dsg_crypto::sha256(&data));
    let files = all_files(dir.path());
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(
        std::fs::metadata(&files[0]).unwrap().len(),
        dsg_crypto::encrypted_len(data.len() as u64)
    );
    for digest in [None, Some(stored.sha256)] {
        let back: Vec<Bytes> = blobs
            .get_decrypted(&name, &key, ctx(1), digest)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        assert!(back.concat() == data, "content differs ({digest:?})");
    }
}

/// Without the digest check, a blob swapped for another intact one is still
/// refused: another upload under its own data key (even of the same file
/// and version) and another version's blob under the same key both fail
/// the first chunk's tag.
#[tokio::test]
async fn a_swapped_blob_fails_without_the_digest() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::local(dir.path()).unwrap();
    let rng = SystemRandom::new();
    let key = SecretKey::generate(&rng).unwrap();
    let other_key = SecretKey::generate(&rng).unwrap();
    let data = vec![7u8; 200_000];
    let mine = BlobStore::new_key("c1");
    let same_version_other_key = BlobStore::new_key("c1");
    let other_version = BlobStore::new_key("c1");
    for (name, key, version) in [
        (&mine, &key, 1),
        (&same_version_other_key, &other_key, 1),
        (&other_version, &key, 2),
    ] {
        blobs
            .put_encrypted(name, key, ctx(version), body(&data, 4096), u64::MAX)
            .await
            .unwrap();
    }
    for swapped in [&same_version_other_key, &other_version] {
        let read: Result<Vec<Bytes>, _> = blobs
            .get_decrypted(swapped, &key, ctx(1), None)
            .await
            .unwrap()
            .try_collect()
            .await;
        assert!(matches!(read, Err(BlobError::Crypto(_))), "{swapped}");
    }
    let read: Vec<Bytes> = blobs
        .get_decrypted(&mine, &key, ctx(1), None)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(read.concat(), data);
}

#[tokio::test]
async fn an_oversized_or_interrupted_upload_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::local(dir.path()).unwrap();
    let key = SecretKey::generate(&SystemRandom::new()).unwrap();
    let data = vec![7u8; 200_000];
    let too_big = blobs
        .put_encrypted("blobs/c/a", &key, ctx(1), body(&data, 4096), 100_000)
        .await;
    assert!(matches!(too_big, Err(BlobError::TooLarge)));

    let broken = body(&data, 4096)
        .take(5)
        .chain(stream::iter(vec![Err(std::io::Error::other(
            "client went away",
        ))]));
    let interrupted = blobs
        .put_encrypted("blobs/c/b", &key, ctx(1), broken, u64::MAX)
        .await;
    assert!(matches!(interrupted, Err(BlobError::Interrupted(_))));
    assert!(
        all_files(dir.path()).is_empty(),
        "{:?}",
        all_files(dir.path())
    );
}

#[tokio::test]
async fn the_sweep_removes_only_unreferenced_old_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::local(dir.path()).unwrap();
    let key = SecretKey::generate(&SystemRandom::new()).unwrap();
    let keep = BlobStore::new_key("c");
    let orphan = BlobStore::new_key("c");
    for name in [&keep, &orphan] {
        blobs
            .put_encrypted(name, &key, ctx(1), body(b"x", 1), 10)
            .await
            .unwrap();
    }
    // A cutoff in the past protects everything (uploads in progress).
    let removed = blobs
        .sweep_orphans(0, |_| async { Ok(false) })
        .await
        .unwrap();
    assert_eq!(removed, 0);
    let keep2 = keep.clone();
    let removed = blobs
        .sweep_orphans(i64::MAX, move |k| {
            let used = k == keep2;
            async move { Ok(used) }
        })
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert_eq!(all_files(dir.path()).len(), 1);
    assert!(all_files(dir.path())[0].ends_with(keep.rsplit('/').next().unwrap()));
}

#[tokio::test]
async fn staging_files_are_removed_at_once_and_blobs_kept() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::local(dir.path()).unwrap();
    let key = SecretKey::generate(&SystemRandom::new()).unwrap();
    let blob = BlobStore::new_key("c");
    blobs
        .put_encrypted(&blob, &key, ctx(1), body(b"x", 1), 10)
        .await
        .unwrap();
    // What a crash in the middle of uploads leaves: fresh staging files
    // (the age rule of the sweep would keep them for an hour).
    let folder = dir.path().join("blobs/c");
    let other = dir.path().join("blobs/d");
    std::fs::create_dir_all(&other).unwrap();
    for staged in [
        folder.join(format!("{}#1", uuid::Uuid::new_v4())),
        folder.join(format!("{}#12", uuid::Uuid::new_v4())),
        other.join(format!("{}#1", uuid::Uuid::new_v4())),
    ] {
        std::fs::write(staged, b"part").unwrap();
    }
    // Not staging files: a blob without a row (left to the sweep) and a
    // name with a non-numeric suffix.
    let orphan = folder.join(uuid::Uuid::new_v4().to_string());
    let odd = folder.join("name#x1");
    std::fs::write(&orphan, b"orphan").unwrap();
    std::fs::write(&odd, b"odd").unwrap();
    assert_eq!(blobs.remove_staging_files().await.unwrap(), 3);
    let mut left = all_files(dir.path());
    left.sort();
    let mut expected = vec![dir.path().join(&blob), orphan.clone(), odd.clone()];
    expected.sort();
    assert_eq!(left, expected);
    assert_eq!(blobs.remove_staging_files().await.unwrap(), 0);
}
