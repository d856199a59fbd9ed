//! S3 as a blob store: objects streamed as `std::io::Read` (plain or gzip,
//! never loaded whole), small objects written whole (reports, rejects).

use std::io::{self, BufRead, BufReader, Read};

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;
use flate2::read::MultiGzDecoder;
use tokio::runtime::Handle;

/// An S3 call that failed.
#[derive(Debug, thiserror::Error)]
#[error("s3://{bucket}/{key}: {operation}: {detail}")]
pub struct BlobError {
    pub bucket: String,
    pub key: String,
    pub operation: &'static str,
    pub detail: String,
}

/// What S3 says about an object it returned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectMeta {
    pub etag: String,
    pub version_id: Option<String>,
    pub size: u64,
}

/// A bucket.
#[derive(Clone, Debug)]
pub struct Blobs {
    client: Client,
    bucket: String,
}

impl Blobs {
    pub fn new(client: Client, bucket: impl Into<String>) -> Blobs {
        Blobs {
            client,
            bucket: bucket.into(),
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    fn error(
        &self,
        key: &str,
        operation: &'static str,
        e: impl std::error::Error + 'static,
    ) -> BlobError {
        BlobError {
            bucket: self.bucket.clone(),
            key: key.to_string(),
            operation,
            detail: aws_smithy_types::error::display::DisplayErrorContext(e).to_string(),
        }
    }

    /// Opens an object for streaming. The reader blocks on `handle` for each
    /// chunk: read it from a `spawn_blocking` thread or outside the runtime.
    pub async fn open(
        &self,
        key: &str,
        handle: Handle,
    ) -> Result<(ObjectReader, ObjectMeta), BlobError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| self.error(key, "reading", e))?;
        let meta = ObjectMeta {
            etag: out
                .e_tag()
                .unwrap_or_default()
                .trim_matches('"')
                .to_string(),
            version_id: out.version_id().map(str::to_string),
            size: out.content_length().unwrap_or(0).max(0) as u64,
        };
        let reader = ObjectReader {
            body: out.body,
            handle,
            chunk: Bytes::new(),
            at: 0,
        };
        Ok((reader, meta))
    }

    /// Writes a whole (small) object.
    pub async fn put(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), BlobError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| self.error(key, "writing", e))?;
        Ok(())
    }

    /// Reads a whole (small) object.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| self.error(key, "reading", e))?;
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| self.error(key, "reading the body", e))?;
        Ok(bytes.into_bytes().to_vec())
    }
}

/// An object body as a blocking reader, one network chunk at a time.
pub struct ObjectReader {
    body: ByteStream,
    handle: Handle,
    chunk: Bytes,
    at: usize,
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.at < self.chunk.len() {
                let n = buf.len().min(self.chunk.len() - self.at);
                buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
                self.at += n;
                return Ok(n);
            }
            let next = tokio::task::block_in_place(|| self.handle.block_on(self.body.try_next()));
            match next.map_err(io::Error::other)? {
                Some(b) => {
                    self.chunk = b;
                    self.at = 0;
                }
                None => return Ok(0),
            }
        }
    }
}

/// Wraps `input` in a gzip decoder when it starts with the gzip magic.
pub fn maybe_gunzip<R: Read + Send + 'static>(input: R) -> io::Result<Box<dyn Read + Send>> {
    let mut buf = BufReader::with_capacity(1 << 16, input);
    let gz = buf.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    Ok(if gz {
        Box::new(BufReader::with_capacity(1 << 16, MultiGzDecoder::new(buf)))
    } else {
        Box::new(buf)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_is_recognised_by_its_magic_and_plain_text_passes_through() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"invoice_id\nA\n").unwrap();
        let mut out = String::new();
        maybe_gunzip(io::Cursor::new(gz.finish().unwrap()))
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "invoice_id\nA\n");
        let mut plain = String::new();
        maybe_gunzip(io::Cursor::new(b"a,b\n".to_vec()))
            .unwrap()
            .read_to_string(&mut plain)
            .unwrap();
        assert_eq!(plain, "a,b\n");
    }
}
