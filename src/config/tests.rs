use std::io::Write;

use super::*;

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    let mut f = std::fs::File::create(&path).expect("create");
    f.write_all(text.as_bytes()).expect("write");
    path
}

/// Loads `text` without the process environment, so tests do not race on env vars.
fn load_text(text: &str) -> Result<Loaded, ConfigError> {
    let config: Config = Figment::new()
        .merge(Toml::string(text))
        .extract()
        .map_err(|e| from_figment(&e))?;
    config.finish()
}

#[test]
fn defaults_give_sqlite_on_loopback_and_the_default_tenant() {
    let loaded = load_text("").expect("defaults are valid");
    assert_eq!(loaded.config.database_url(), "sqlite://data/crmsync.db");
    assert_eq!(loaded.config.control.listen, "127.0.0.1:7979");
    assert!(loaded.config.tenants.contains_key("default"));
}

#[test]
fn unknown_key_is_rejected_naming_it() {
    let err =
        load_text("[control]\nlisten = \"127.0.0.1:1\"\nlisen = 3\n").expect_err("unknown key");
    assert_eq!(err.key, "control.lisen", "{err}");
    let err = load_text("[tenants.default.hubspot]\nbase_urll = \"x\"\n")
        .expect_err("unknown nested key");
    assert_eq!(err.key, "tenants.default.hubspot.base_urll", "{err}");
}

#[test]
fn malformed_database_url_is_rejected_naming_the_key() {
    let err = load_text("[database]\nurl = \"mysql://x/y\"\n").expect_err("bad scheme");
    assert_eq!(err.key, "database.url");
}

#[test]
fn non_loopback_listen_needs_a_token() {
    let err = load_text("[control]\nlisten = \"0.0.0.0:7979\"\n").expect_err("no token");
    assert_eq!(err.key, "control.token");
    load_text("[control]\nlisten = \"0.0.0.0:7979\"\ntoken = \"t0k3n\"\n").expect("token given");
}

#[test]
fn secrets_come_from_files_and_are_redacted_when_printed() {
    let dir = tempfile::tempdir().expect("tmp");
    let token = write(&dir, "token", "s3cr3t-t0ken\n");
    let text = format!(
        "[control]\ntoken_file = {:?}\n[tenants.default.hubspot]\naccess_token = \"pat-abc\"\n",
        token.display().to_string()
    );
    let loaded = load_text(&text).expect("valid");
    assert_eq!(
        loaded.config.control.token.as_ref().map(Secret::expose),
        Some("s3cr3t-t0ken")
    );
    let printed = loaded.config.to_redacted_toml().expect("toml");
    assert!(
        !printed.contains("s3cr3t-t0ken") && !printed.contains("pat-abc"),
        "{printed}"
    );
    assert!(printed.contains("[redacted]"));
    assert!(!format!("{:?}", loaded.config).contains("pat-abc"));
}

#[test]
fn a_secret_and_its_file_together_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let token = write(&dir, "token", "x");
    let text = format!(
        "[control]\ntoken = \"y\"\ntoken_file = {:?}\n",
        token.display().to_string()
    );
    let err = load_text(&text).expect_err("both");
    assert_eq!(err.key, "control.token");
}

#[test]
fn hubspot_interval_below_500_ms_is_raised_with_a_warning_naming_the_key() {
    let loaded =
        load_text("[tenants.default.hubspot]\nmin_call_interval_ms = 200\n").expect("valid");
    let hubspot = loaded.config.tenants["default"]
        .hubspot
        .as_ref()
        .expect("hubspot");
    assert_eq!(hubspot.min_call_interval_ms, 500);
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.contains("tenants.default.hubspot.min_call_interval_ms"))
    );
}

#[test]
fn explicit_missing_file_is_an_error_naming_it() {
    let err = Config::load(Path::new("/nonexistent/crmsync.toml"), true).expect_err("missing");
    assert!(err.key.contains("/nonexistent/crmsync.toml"));
}

#[test]
#[expect(
    clippy::result_large_err,
    reason = "figment::Jail's closure signature is fixed"
)]
fn environment_overrides_the_file() {
    figment::Jail::expect_with(|jail| {
        jail.create_file("c.toml", "[control]\nlisten = \"127.0.0.1:1000\"\n")?;
        jail.set_env("CRMSYNC__CONTROL__LISTEN", "127.0.0.1:2000");
        jail.set_env("CRMSYNC__TENANTS__ACME__HUBSPOT__POLL_INTERVAL_S", "30");
        let loaded = Config::load(Path::new("c.toml"), true).map_err(|e| e.to_string())?;
        assert_eq!(loaded.config.control.listen, "127.0.0.1:2000");
        assert_eq!(
            loaded.config.tenants["acme"]
                .hubspot
                .as_ref()
                .map(|h| h.poll_interval_s),
            Some(30)
        );
        Ok(())
    });
}

#[test]
fn smtp_takes_one_or_many_recipients_a_password_file_and_checks_addresses() {
    let dir = tempfile::tempdir().expect("dir");
    let password = write(&dir, "smtp.pw", "s3cret\n");
    let text = format!(
        "[smtp]\nhost = \"mail.example.com\"\nfrom = \"crmsync <c@example.com>\"\nto = \"a@example.com, b@example.com\"\nusername = \"c\"\npassword_file = {:?}\n",
        password.display().to_string()
    );
    let loaded = load_text(&text).expect("valid");
    let smtp = loaded.config.smtp.clone().expect("smtp");
    assert_eq!((smtp.port, smtp.starttls), (587, true));
    assert_eq!(smtp.to, ["a@example.com", "b@example.com"]);
    assert_eq!(smtp.password.as_ref().map(Secret::expose), Some("s3cret"));
    assert!(!format!("{:?}", loaded.config.to_redacted_toml()).contains("s3cret"));
    let list = load_text("[smtp]\nhost = \"h\"\nfrom = \"c@example.com\"\nto = [\"a@example.com\"]\nstarttls = false\n")
        .expect("valid");
    assert!(!list.config.smtp.expect("smtp").starttls);
    let err = load_text("[smtp]\nhost = \"h\"\nfrom = \"nope\"\nto = \"a@example.com\"\n")
        .expect_err("bad sender");
    assert_eq!(err.key, "smtp.from");
    let err = load_text("[smtp]\nhost = \"h\"\nfrom = \"c@example.com\"\nto = []\n")
        .expect_err("no recipient");
    assert_eq!(err.key, "smtp.to");
    let err = load_text(
        "[smtp]\nhost = \"h\"\nfrom = \"c@example.com\"\nto = \"a@example.com\"\ntls = true\n",
    )
    .expect_err("unknown key");
    assert_eq!(err.key, "smtp.tls");
}

#[test]
fn syneton_field_owners_name_known_fields_and_owners() {
    let loaded = load_text(
        "[tenants.default.syneton]\nfield_owners = { \"company.name\" = \"local\", \"contact.email\" = \"syneton\" }\n",
    )
    .expect("valid owners");
    let owners = &loaded.config.tenants["default"]
        .syneton
        .as_ref()
        .expect("section")
        .field_owners;
    assert_eq!(owners.len(), 2);
    let err =
        load_text("[tenants.default.syneton]\nfield_owners = { \"company.siret\" = \"local\" }\n")
            .expect_err("unknown field");
    assert_eq!(
        err.key, "tenants.default.syneton.field_owners.\"company.siret\"",
        "{err}"
    );
    assert!(err.to_string().contains("company.vat"), "{err}");
    load_text("[tenants.default.syneton]\nfield_owners = { \"company.name\" = \"hubspot\" }\n")
        .expect_err("hubspot is not an owner of a Syneton field");
}
