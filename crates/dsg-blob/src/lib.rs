//! Encrypted blob storage on `object_store`: the local file system by
//! default, an S3-compatible service for scale.
//!
//! Plaintext exists only in memory, one chunk at a time: uploads are
//! encrypted chunk by chunk as they stream in and written as a multipart
//! upload under a server-generated key; downloads are decrypted and verified
//! chunk by chunk as they stream out. A blob becomes part of a file only when
//! the metadata store commits its version row; blobs no row refers to are
//! swept (see [`BlobStore::sweep_orphans`]).
#![deny(missing_docs)]

mod copy;
mod digest;
mod error;
mod read;
mod store;
mod sweep;
mod write;

pub use copy::{copy_file_hashed, CopiedBlob};
pub use error::BlobError;
pub use read::DecryptedStream;
pub use store::{free_bytes_at, BlobStore, S3Settings};
pub use write::StoredBlob;
