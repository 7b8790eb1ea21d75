//! The throwaway PostgreSQL cluster of the test kit, against SQLite.

use dsg_testkit::postgres::PgCluster;

/// The SQLite and PostgreSQL schemas that the shared migrations produce
/// have the same tables and columns.
#[tokio::test]
async fn migrations_give_the_same_schema_on_both_backends() {
    let Some(pg) = PgCluster::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let sqlite = dsg_store::Store::connect(&sqlite_url).await.unwrap();
    let postgres = dsg_store::Store::connect(&pg.url()).await.unwrap();
    let a = sqlite.schema_summary().await.unwrap();
    let b = postgres.schema_summary().await.unwrap();
    assert!(a.len() > 40, "{a:?}");
    assert_eq!(a, b);
    // Running the migrations again is a no-op on both.
    dsg_store::Store::connect(&sqlite_url).await.unwrap();
    dsg_store::Store::connect(&pg.url()).await.unwrap();
}
