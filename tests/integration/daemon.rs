//! The binary as an operator runs it: `crmsync run` on both backends, SIGTERM, exit codes
//! for bad configuration, and logs free of tokens and e-mail addresses.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::both_backends;
use crate::support::{Backend, config_text, free_port, fresh_db};

fn crmsync(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crmsync"));
    cmd.args(args)
        .env_remove("RUST_LOG")
        .env_remove("CRMSYNC_SECRET_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// Waits for the child to exit, at most `limit`.
fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

fn stderr_of(child: &mut Child) -> String {
    let mut text = String::new();
    if let Some(mut err) = child.stderr.take() {
        err.read_to_string(&mut text).expect("read stderr");
    }
    text
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    let start = Instant::now();
    loop {
        if let Ok(resp) = client.get(format!("{base}/readyz")).send().await
            && resp.status() == 200
        {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "daemon not ready in 20 s"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

both_backends!(
    run_serves_probes_and_exits_zero_within_ten_seconds_of_sigterm,
    |backend| async move {
        let Some(db) = fresh_db(backend).await else {
            return;
        };
        let port = free_port();
        let config = db.dir.path().join("crmsync.toml");
        std::fs::write(
            &config,
            config_text(&db, &format!("127.0.0.1:{port}"), "", ""),
        )
        .expect("config");
        let mut child = crmsync(&["run", "--config", config.to_str().expect("utf-8")])
            .spawn()
            .expect("spawn");
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        wait_ready(&client, &base).await;
        assert_eq!(
            client
                .get(format!("{base}/healthz"))
                .send()
                .await
                .expect("healthz")
                .status(),
            200
        );
        let metrics = client
            .get(format!("{base}/metrics"))
            .send()
            .await
            .expect("metrics");
        assert_eq!(metrics.status(), 200);
        let text = metrics.text().await.expect("text");
        assert!(
            text.contains("# TYPE crmsync_uptime_seconds gauge"),
            "{text}"
        );

        let asked = Instant::now();
        sigterm(&child);
        let status =
            wait_exit(&mut child, Duration::from_secs(10)).expect("exited within 10 s of SIGTERM");
        assert!(
            status.success(),
            "exit status {status:?}; stderr: {}",
            stderr_of(&mut child)
        );
        assert!(asked.elapsed() < Duration::from_secs(10));
        if backend == Backend::Sqlite {
            assert!(
                db.dir.path().join("crmsync.db").exists(),
                "SQLite file created on first run"
            );
        }
    }
);

fn expect_config_error(toml: &str, key: &str) {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("c.toml");
    std::fs::write(&path, toml).expect("write");
    let out = crmsync(&["run", "--config", path.to_str().expect("utf-8")])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{toml}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(key), "stderr should name {key}: {stderr}");
}

#[test]
fn unknown_config_key_exits_2_naming_it() {
    expect_config_error(
        "[database]\nurl = \"sqlite://x.db\"\npool_size = 3\n",
        "database.pool_size",
    );
}

#[test]
fn malformed_database_url_exits_2_naming_the_key() {
    expect_config_error(
        "[database]\nurl = \"postgres://user:pw@/db\"\n",
        "database.url",
    );
    expect_config_error("[database]\nurl = \"oracle://db\"\n", "database.url");
}

#[test]
fn non_loopback_listen_without_token_exits_2_naming_the_key() {
    expect_config_error("[control]\nlisten = \"0.0.0.0:7979\"\n", "control.token");
}

#[test]
fn missing_explicit_config_file_exits_2() {
    let out = crmsync(&["config", "check", "--config", "/nonexistent/crmsync.toml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn config_check_prints_the_effective_config_with_secrets_redacted() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("c.toml");
    std::fs::write(&path, "[control]\ntoken = \"very-secret-token\"\n[tenants.default.hubspot]\naccess_token = \"pat-na1-secret\"\nmin_call_interval_ms = 100\n").expect("write");
    let out = crmsync(&["config", "check", "--config", path.to_str().expect("utf-8")])
        .env(
            "CRMSYNC__DATABASE__URL",
            "postgres://app:dbpassword@127.0.0.1/crm",
        )
        .output()
        .expect("run");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for secret in ["very-secret-token", "pat-na1-secret", "dbpassword"] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret} leaked"
        );
    }
    assert!(stdout.contains("min_call_interval_ms = 500"), "{stdout}");
    assert!(
        stderr.contains("tenants.default.hubspot.min_call_interval_ms"),
        "the raise is warned: {stderr}"
    );
}

/// Looks for anything shaped like an e-mail address: `local@domain.tld`.
fn find_email(text: &str) -> Option<String> {
    let is_local = |c: char| c.is_ascii_alphanumeric() || "._%+-".contains(c);
    let is_domain = |c: char| c.is_ascii_alphanumeric() || ".-".contains(c);
    for (i, _) in text.match_indices('@') {
        let local: String = text[..i]
            .chars()
            .rev()
            .take_while(|c| is_local(*c))
            .collect();
        let domain: String = text[i + 1..]
            .chars()
            .take_while(|c| is_domain(*c))
            .collect();
        let tld = domain.rsplit('.').next().unwrap_or_default();
        if !local.is_empty()
            && domain.contains('.')
            && tld.len() >= 2
            && tld.chars().all(|c| c.is_ascii_alphabetic())
        {
            return Some(format!(
                "{}@{domain}",
                local.chars().rev().collect::<String>()
            ));
        }
    }
    None
}

#[test]
fn the_email_detector_finds_addresses() {
    assert_eq!(
        find_email("x jeanne.martin@example.fr y").as_deref(),
        Some("jeanne.martin@example.fr")
    );
    assert_eq!(find_email("crmsync@0.1.0 and @scope"), None);
}

#[tokio::test]
async fn logs_of_a_run_that_handles_a_token_hold_neither_the_token_nor_any_email() {
    let Some(db) = fresh_db(Backend::Sqlite).await else {
        return;
    };
    let port = free_port();
    let token = "tok-7d1f0c2b9e8a4455";
    let config = db.dir.path().join("crmsync.toml");
    let control = format!("token = {token:?}");
    let extra =
        "[tenants.default.hubspot]\nenabled = false\naccess_token = \"pat-na1-hubspot-secret\"\n";
    std::fs::write(
        &config,
        config_text(&db, &format!("127.0.0.1:{port}"), &control, extra),
    )
    .expect("config");
    let mut child = crmsync(&["run", "--config", config.to_str().expect("utf-8")])
        .env("RUST_LOG", "trace")
        .env("CRMSYNC__LOG__FORMAT", "json")
        .spawn()
        .expect("spawn");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    wait_ready(&client, &base).await;
    let contact = serde_json::json!({"email": "jeanne.martin@example.fr", "first_name": "Jeanne", "last_name": "Martin"});
    let created = client
        .post(format!("{base}/api/v1/default/contacts"))
        .bearer_auth(token)
        .json(&contact)
        .send()
        .await
        .expect("post");
    assert_eq!(created.status(), 201);
    let dup = client
        .post(format!("{base}/api/v1/default/contacts"))
        .bearer_auth(token)
        .json(&contact)
        .send()
        .await
        .expect("post");
    assert_eq!(dup.status(), 409);
    let bad = client
        .post(format!("{base}/api/v1/default/contacts"))
        .bearer_auth(token)
        .json(&serde_json::json!({"email": "paul@@example.fr"}))
        .send()
        .await
        .expect("post");
    assert_eq!(bad.status(), 422);
    let search = client
        .get(format!(
            "{base}/api/v1/default/contacts?email=jeanne.martin%40example.fr"
        ))
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    assert_eq!(search.status(), 200);
    let wrong = client
        .get(format!("{base}/api/v1/status"))
        .bearer_auth("tok-wrong-guess")
        .send()
        .await
        .expect("get");
    assert_eq!(wrong.status(), 401);

    sigterm(&child);
    let status = wait_exit(&mut child, Duration::from_secs(10)).expect("exits");
    assert!(status.success());
    let logs = stderr_of(&mut child);
    assert!(
        logs.contains("crmsync is ready"),
        "the run was logged at all: {logs}"
    );
    assert!(logs.lines().count() > 5, "trace logging was on");
    for secret in [token, "tok-wrong-guess", "pat-na1-hubspot-secret"] {
        assert!(!logs.contains(secret), "{secret} found in logs");
    }
    assert_eq!(find_email(&logs), None, "an e-mail address is in the logs");
    assert!(!logs.contains("Martin"), "a name is in the logs");
}

#[tokio::test]
async fn under_systemd_it_notifies_ready_pings_the_watchdog_and_says_stopping() {
    use std::os::unix::net::UnixDatagram;
    let Some(db) = fresh_db(Backend::Sqlite).await else {
        return;
    };
    let socket_path = db.dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).expect("bind notify socket");
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let port = free_port();
    let config = db.dir.path().join("crmsync.toml");
    std::fs::write(
        &config,
        config_text(&db, &format!("127.0.0.1:{port}"), "", ""),
    )
    .expect("config");
    // systemd sets WATCHDOG_PID to the service's pid; `exec` keeps the shell's pid.
    let mut child = Command::new("sh")
        .args([
            "-c",
            "WATCHDOG_PID=$$ exec \"$0\" \"$@\"",
            env!("CARGO_BIN_EXE_crmsync"),
        ])
        .args(["run", "--config", config.to_str().expect("utf-8")])
        .env_remove("RUST_LOG")
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "200000")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");

    let mut seen: Vec<String> = Vec::new();
    let mut buf = [0u8; 512];
    let start = Instant::now();
    while seen.iter().filter(|m| m.contains("WATCHDOG=1")).count() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "notifications so far: {seen:?}"
        );
        if let Ok(n) = socket.recv(&mut buf) {
            seen.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    }
    assert!(seen.iter().any(|m| m.contains("READY=1")), "{seen:?}");
    let ready_at = seen.iter().position(|m| m.contains("READY=1"));
    let healthz = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .expect("healthz");
    assert_eq!(
        healthz.status(),
        200,
        "READY=1 is sent once the API answers"
    );
    assert!(ready_at.is_some());

    sigterm(&child);
    let status = wait_exit(&mut child, Duration::from_secs(10)).expect("exits");
    assert!(status.success());
    while let Ok(n) = socket.recv(&mut buf) {
        seen.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    assert!(seen.iter().any(|m| m.contains("STOPPING=1")), "{seen:?}");
}
