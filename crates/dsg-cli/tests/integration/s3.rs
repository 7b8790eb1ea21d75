//! The gateway with its blobs in an S3-compatible bucket (`rclone serve s3`
//! on loopback): the same journey, and nothing readable in the bucket.

use crate::harness::{data, world, Db, Gateway};
use dsg_testkit::s3_server::S3Server;

#[tokio::test]
async fn files_round_trip_through_an_s3_bucket() {
    let Some(s3) = S3Server::start() else { return };
    let settings = s3.settings();
    let gw = Gateway::start_with(
        Db::Sqlite,
        &[
            ("DSG_STORAGE__BLOB_BACKEND", "s3"),
            ("DSG_STORAGE__S3__ENDPOINT", &settings.endpoint),
            ("DSG_STORAGE__S3__BUCKET", &settings.bucket),
            ("DSG_STORAGE__S3__ACCESS_KEY_ID", &settings.access_key_id),
            (
                "DSG_STORAGE__S3__SECRET_ACCESS_KEY",
                &settings.secret_access_key,
            ),
            ("DSG_STORAGE__S3__ALLOW_HTTP", "true"),
        ],
    )
    .await
    .unwrap();
    let w = world(&gw).await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    // Larger than one multipart part (8 MiB).
    let original: Vec<u8> = b"S3-PROTECTED-DRAWING "
        .iter()
        .copied()
        .cycle()
        .take(9 * 1024 * 1024 + 123)
        .collect();
    let up = h
        .upload_file(&w.compartment_a, "図面.bin", original.clone())
        .await
        .unwrap();
    let file = up.file.id;
    let back = h
        .download_file(&w.compartment_a, &file, None)
        .await
        .unwrap();
    assert!(back == original, "bytes differ after the S3 round trip");
    let second = data(100_000, 3);
    h.add_version(&w.compartment_a, &file, second.clone())
        .await
        .unwrap();
    for (version, expected) in [(1, &original), (2, &second)] {
        let back = h
            .download_file(&w.compartment_a, &file, Some(version))
            .await
            .unwrap();
        assert!(back == *expected, "version {version} differs");
    }
    // Nothing in the bucket or on local disk holds the plaintext.
    let stored = s3.files_on_disk();
    assert_eq!(stored.len(), 2, "{stored:?}");
    for (path, _) in &stored {
        let bytes = std::fs::read(path).unwrap();
        assert!(
            !bytes.windows(21).any(|w| w == b"S3-PROTECTED-DRAWING "),
            "plaintext in {path:?}"
        );
    }
    assert!(crate::harness::files_under(&gw.data_dir().join("blobs")).is_empty());
    gw.stop().await;
}
