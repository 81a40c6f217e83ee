//! Connection credentials (tokens, API keys), encrypted with [`Cipher`] and bound to their
//! row (tenant, connection, name), so a ciphertext moved to another row does not decrypt.

use secrecy::{ExposeSecret, SecretString};

use super::args::bind_args;
use super::tx::on_tx;
use super::{Arg, Origin, Store, StoreError, Timestamp, with_pool};
use crate::secrets::{Cipher, SecretsError};

/// Why a stored credential could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The ciphertext does not open with this key.
    #[error(transparent)]
    Secrets(#[from] SecretsError),
}

fn context(tenant: &str, connection: &str, name: &str) -> Vec<u8> {
    format!("{tenant}/{connection}/{name}").into_bytes()
}

impl Store {
    /// Stores (or replaces) a credential, encrypted.
    ///
    /// # Errors
    /// On database errors.
    pub async fn put_credential(
        &self,
        cipher: &Cipher,
        tenant: &str,
        connection: &str,
        name: &str,
        value: &SecretString,
    ) -> Result<(), StoreError> {
        let sealed = cipher.encrypt(
            value.expose_secret().as_bytes(),
            &context(tenant, connection, name),
        );
        let sql = "insert into connection_credential (tenant_id, connection, name, ciphertext, updated_at) \
                   values ($1, $2, $3, $4, $5) \
                   on conflict (tenant_id, connection, name) do update set ciphertext = excluded.ciphertext, updated_at = excluded.updated_at";
        let args = [Arg::text(tenant), Arg::text(connection), Arg::text(name)];
        let now = [Arg::Time(Some(Timestamp::now()))];
        let mut tx = self.begin(&Origin::Daemon).await?;
        on_tx!(tx, conn => {
            let q = bind_args!(sqlx::query(sql), &args).bind(sealed.clone());
            bind_args!(q, &now).execute(conn).await?.rows_affected()
        });
        tx.commit().await
    }

    /// Reads and decrypts a credential; `None` when absent.
    ///
    /// # Errors
    /// On database errors, or when it does not decrypt with this key.
    pub async fn get_credential(
        &self,
        cipher: &Cipher,
        tenant: &str,
        connection: &str,
        name: &str,
    ) -> Result<Option<SecretString>, CredentialError> {
        let sql = "select ciphertext from connection_credential where tenant_id = $1 and connection = $2 and name = $3";
        let sealed: Option<Vec<u8>> = with_pool!(self, pool => {
            sqlx::query_scalar(sql).bind(tenant).bind(connection).bind(name).fetch_optional(pool).await.map_err(StoreError::from)?
        });
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let plain = cipher.decrypt(&sealed, &context(tenant, connection, name))?;
        let text = String::from_utf8(plain).map_err(|_| SecretsError::Decrypt)?;
        Ok(Some(SecretString::from(text)))
    }
}
