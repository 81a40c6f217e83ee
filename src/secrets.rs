//! Encryption of credentials at rest (tokens, API keys in the database).
//!
//! XChaCha20-Poly1305 (RustCrypto `chacha20poly1305`): an authenticated cipher with 192-bit
//! random nonces, so nonces never need a counter. Each ciphertext is bound to where it is
//! stored (tenant, connection, name) through the associated data, so a ciphertext copied to
//! another row does not decrypt. The key comes from `CRMSYNC_SECRET_KEY` (base64 of 32
//! bytes) or from a key file created with mode 0600 on first run. Nothing here logs.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

/// Name of the environment variable holding the key.
pub const KEY_ENV: &str = "CRMSYNC_SECRET_KEY";
const NONCE_LEN: usize = 24;
const VERSION: u8 = 1;

/// Why the key could not be loaded or a value not decrypted. Never carries the secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// The key in the environment or the file is not base64 of 32 bytes.
    #[error("{source_name}: the key must be base64 of 32 bytes")]
    BadKey {
        /// `CRMSYNC_SECRET_KEY` or the key file's path.
        source_name: String,
    },
    /// The key file could not be read or created.
    #[error("key file {path}")]
    KeyFile {
        /// The key file.
        path: String,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// The ciphertext was altered, belongs to another row, or another key made it.
    #[error("stored secret cannot be decrypted with this key")]
    Decrypt,
}

/// Encrypts and decrypts stored secrets with one key.
#[derive(Clone)]
pub struct Cipher {
    aead: XChaCha20Poly1305,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher([redacted])")
    }
}

impl Cipher {
    /// A cipher from raw key bytes.
    #[must_use]
    pub fn from_key(key: &[u8; 32]) -> Self {
        Self {
            aead: XChaCha20Poly1305::new(Key::from_slice(key)),
        }
    }

    /// Loads the key from `env_value` (the content of `CRMSYNC_SECRET_KEY`) when given,
    /// else from `key_file`, creating that file (mode 0600, parent directories too) with a
    /// fresh random key when it does not exist.
    ///
    /// # Errors
    /// [`SecretsError::BadKey`] for a malformed key, [`SecretsError::KeyFile`] for I/O.
    pub fn load(env_value: Option<&str>, key_file: &Path) -> Result<Self, SecretsError> {
        if let Some(value) = env_value {
            return decode_key(value, KEY_ENV).map(|k| Self::from_key(&k));
        }
        let io_err = |source| SecretsError::KeyFile {
            path: key_file.display().to_string(),
            source,
        };
        match std::fs::read_to_string(key_file) {
            Ok(text) => {
                decode_key(&text, &key_file.display().to_string()).map(|k| Self::from_key(&k))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key: [u8; 32] = rand::random();
                write_new_key_file(key_file, &B64.encode(key)).map_err(io_err)?;
                Ok(Self::from_key(&key))
            }
            Err(e) => Err(io_err(e)),
        }
    }

    /// Encrypts `plaintext`, bound to `context` (e.g. `tenant/connection/name`).
    /// Output: version byte, nonce, ciphertext with tag.
    #[must_use]
    pub fn encrypt(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .aead
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .expect("XChaCha20-Poly1305 encryption has no failure mode for in-memory buffers");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Decrypts what [`Cipher::encrypt`] produced for the same `context`.
    ///
    /// # Errors
    /// [`SecretsError::Decrypt`] when the data, the context or the key do not match.
    pub fn decrypt(&self, data: &[u8], context: &[u8]) -> Result<Vec<u8>, SecretsError> {
        if data.len() < 1 + NONCE_LEN || data[0] != VERSION {
            return Err(SecretsError::Decrypt);
        }
        let nonce = XNonce::from_slice(&data[1..=NONCE_LEN]);
        self.aead
            .decrypt(
                nonce,
                Payload {
                    msg: &data[1 + NONCE_LEN..],
                    aad: context,
                },
            )
            .map_err(|_| SecretsError::Decrypt)
    }
}

fn decode_key(text: &str, source_name: &str) -> Result<[u8; 32], SecretsError> {
    let bad = || SecretsError::BadKey {
        source_name: source_name.to_owned(),
    };
    let bytes = B64.decode(text.trim()).map_err(|_| bad())?;
    bytes.try_into().map_err(|_| bad())
}

fn write_new_key_file(path: &Path, content: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    // create_new: never overwrite a key another process just created.
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(content.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_restores_the_plaintext() {
        let cipher = Cipher::from_key(&[7; 32]);
        let sealed = cipher.encrypt(b"pat-na1-secret", b"default/hubspot/access_token");
        assert_eq!(
            cipher
                .decrypt(&sealed, b"default/hubspot/access_token")
                .ok(),
            Some(b"pat-na1-secret".to_vec())
        );
    }

    #[test]
    fn ciphertext_does_not_contain_the_plaintext() {
        let cipher = Cipher::from_key(&[7; 32]);
        let sealed = cipher.encrypt(b"pat-na1-secret", b"ctx");
        assert!(!sealed.windows(14).any(|w| w == b"pat-na1-secret"));
    }

    #[test]
    fn another_context_or_key_or_a_flipped_bit_fails() {
        let cipher = Cipher::from_key(&[7; 32]);
        let mut sealed = cipher.encrypt(b"value", b"a/b/c");
        assert!(cipher.decrypt(&sealed, b"a/b/d").is_err());
        assert!(
            Cipher::from_key(&[8; 32])
                .decrypt(&sealed, b"a/b/c")
                .is_err()
        );
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(cipher.decrypt(&sealed, b"a/b/c").is_err());
    }

    #[test]
    fn key_file_is_created_with_mode_0600_and_reused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("keys/secret.key");
        let first = Cipher::load(None, &path).expect("created");
        let sealed = first.encrypt(b"v", b"c");
        let second = Cipher::load(None, &path).expect("reloaded");
        assert_eq!(second.decrypt(&sealed, b"c").ok(), Some(b"v".to_vec()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn malformed_env_key_is_rejected_without_echoing_it() {
        let err = Cipher::load(Some("c2hvcnQ="), Path::new("/nonexistent")).expect_err("short key");
        let msg = err.to_string();
        assert!(msg.contains(KEY_ENV));
        assert!(!msg.contains("c2hvcnQ="));
    }
}
