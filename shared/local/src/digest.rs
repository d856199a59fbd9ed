//! Content digests of local files: a local file's stand-in for an S3 etag,
//! so a file delivered twice is recognised.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

/// `sha256:<hex>` of the files' bytes, in order (the ledger, then the
/// customers file when there is one).
pub fn sha256_files(paths: &[&Path]) -> io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    for path in paths {
        let mut file = File::open(path)?;
        // Separates files so that moving bytes from one to the next changes
        // the digest.
        hasher.update(file.metadata()?.len().to_le_bytes());
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
    }
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(format!("sha256:{hex}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_the_sha256_of_the_content() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        std::fs::write(&a, "abc").unwrap();
        let d1 = sha256_files(&[&a]).unwrap();
        assert!(d1.starts_with("sha256:") && d1.len() == 7 + 64, "{d1}");
        assert_eq!(d1, sha256_files(&[&a]).unwrap());
        std::fs::write(&a, "abd").unwrap();
        assert_ne!(d1, sha256_files(&[&a]).unwrap());
    }

    #[test]
    fn moving_bytes_between_files_changes_the_digest() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, "ab").unwrap();
        std::fs::write(&b, "c").unwrap();
        let first = sha256_files(&[&a, &b]).unwrap();
        std::fs::write(&a, "a").unwrap();
        std::fs::write(&b, "bc").unwrap();
        assert_ne!(first, sha256_files(&[&a, &b]).unwrap());
    }
}
