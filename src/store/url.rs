//! Database URL parsing: the scheme picks the backend; errors never repeat the URL (it may
//! hold a password).

/// The two supported databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A checked database URL.
#[derive(Debug, Clone, Copy)]
pub struct DatabaseUrl {
    backend: Backend,
}

impl DatabaseUrl {
    /// Checks the URL's shape without connecting.
    ///
    /// # Errors
    /// A reason that does not contain the URL.
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(
                    "sqlite URL needs a file path, e.g. sqlite://data/crmsync.db".to_owned(),
                );
            }
            return Ok(Self {
                backend: Backend::Sqlite,
            });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let parsed =
                ::url::Url::parse(url).map_err(|e| format!("malformed postgres URL ({e})"))?;
            if parsed.host_str().is_none_or(str::is_empty) {
                return Err("postgres URL needs a host".to_owned());
            }
            return Ok(Self {
                backend: Backend::Postgres,
            });
        }
        Err("unsupported scheme: expected sqlite:// or postgres://".to_owned())
    }

    /// The backend the scheme names.
    #[must_use]
    pub fn backend(self) -> Backend {
        self.backend
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_pick_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").map(DatabaseUrl::backend),
            Ok(Backend::Sqlite)
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://u:p@127.0.0.1:5432/db").map(DatabaseUrl::backend),
            Ok(Backend::Postgres)
        );
    }

    #[test]
    fn malformed_urls_are_rejected_without_echoing_them() {
        for url in [
            "mysql://h/db",
            "sqlite://",
            "postgres://u:secretpw@/db",
            "postgres://u:secretpw@[::1/db",
        ] {
            let err = DatabaseUrl::parse(url).expect_err(url);
            assert!(!err.contains("secretpw"), "{err}");
        }
    }
}
