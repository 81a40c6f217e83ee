//! Import progress and the summary e-mail (spec §5): a local SMTP sink started by the test
//! receives the mail of a CLI import and of an API import; the API shows progress while the
//! import runs.

use std::process::ExitCode;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::support::{Backend, load_config, spawn_app_with};

/// A one-at-a-time SMTP server on loopback speaking just enough SMTP for a client that sends
/// one plain-text mail per connection; every DATA payload goes to the channel.
pub async fn smtp_sink() -> (u16, mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.ok()?;
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.get(..4).unwrap_or(&line).to_ascii_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
                        "DATA" => {
                            write.write_all(b"354 go ahead\r\n").await.ok()?;
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(&l);
                                data.push('\n');
                            }
                            tx.send(data).ok()?;
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok()?;
                            return Some(());
                        }
                        _ => b"502 not implemented\r\n",
                    };
                    write.write_all(answer).await.ok()?;
                }
                Some(())
            });
        }
    });
    (port, rx)
}

fn smtp_config(port: u16) -> String {
    format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nfrom = \"crmsync <crmsync@example.com>\"\nto = \"ops@example.com\"\nstarttls = false\ntimeout_s = 5\n"
    )
}

async fn next_mail(rx: &mut mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
        .await
        .expect("a mail within 10 s")
        .expect("sink running")
        // Long headers are folded onto continuation lines.
        .replace("\n ", " ")
}

#[tokio::test]
async fn a_cli_import_mails_its_counts_without_personal_data() {
    let (port, mut mails) = smtp_sink().await;
    let Some(db) = crate::support::fresh_db(Backend::Sqlite).await else {
        return;
    };
    let store = crate::support::open_store(&db).await;
    store.migrate().await.expect("migrate");
    store.ensure_tenant("acme", "Acme").await.expect("tenant");
    let customers = db.dir.path().join("customers.csv");
    std::fs::write(&customers, "Name,Domain,Customer ID\nAcme,acme.fr,C-1\n").expect("write");
    let contacts = db.dir.path().join("contacts_jeanne_dupre.csv");
    std::fs::write(
        &contacts,
        "Email,Firstname,Lastname,Phone,Customer ID\njeanne.dupre@example.com,Jeanne,Dupré,+33 6 11 22 33 44,C-1\nmarc@example.com,Marc,Martin,,C-1\nnot-an-email,Paul,Petit,,C-1\n",
    )
    .expect("write");
    let (_, config) = load_config(&db, "127.0.0.1:0", "", &smtp_config(port));
    for (kind, file) in [("customers", &customers), ("contacts", &contacts)] {
        use clap::Parser;
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            args: crmsync::import::cli::ImportArgs,
        }
        let file = file.display().to_string();
        let w = Wrapper::try_parse_from(["import", kind, &file, "--tenant", "acme"])
            .expect("arguments");
        let status = crmsync::import::cli::run(&config, w.args)
            .await
            .expect("runs");
        let expected = if kind == "contacts" { 1 } else { 0 };
        assert_eq!(status, ExitCode::from(expected));
    }
    let first = next_mail(&mut mails).await;
    assert!(
        first.contains("customers import finished for acme"),
        "{first}"
    );
    let mail = next_mail(&mut mails).await;
    assert!(mail.contains("To: ops@example.com"), "{mail}");
    assert!(
        mail.contains(
            "Subject: crmsync: contacts import finished for acme: 2 created, 0 updated, 1 rejected"
        ),
        "{mail}"
    );
    for line in ["rows read: 3", "created: 2", "rejected: 1", "--errors-out"] {
        assert!(mail.contains(line), "{line}: {mail}");
    }
    for personal in [
        "jeanne",
        "Jeanne",
        "Dupr",
        "marc@",
        "Martin",
        "Paul",
        "Petit",
        "+33",
        "not-an-email",
    ] {
        assert!(!mail.contains(personal), "{personal} leaked: {mail}");
    }
}

/// Polls the job until it is no longer running; returns every status seen.
async fn watch(app: &crate::support::TestApp, id: &str) -> Vec<serde_json::Value> {
    let mut seen = Vec::new();
    for _ in 0..3000 {
        let job: serde_json::Value = app
            .get(&format!("/api/v1/imports/{id}"))
            .await
            .json()
            .await
            .expect("json");
        let running = job["state"] == "running";
        seen.push(job);
        if !running {
            return seen;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("the import did not finish");
}

#[tokio::test]
async fn an_api_import_shows_progress_while_running_and_mails_the_summary() {
    let (port, mut mails) = smtp_sink().await;
    let Some(app) = spawn_app_with(Backend::Sqlite, None, "", &smtp_config(port)).await else {
        return;
    };
    let rows = 40_000;
    let mut file = String::from("Name,Domain,Customer ID\n");
    for i in 0..rows {
        file.push_str(&format!("Company {i},c{i}.example.com,ID-{i}\n"));
    }
    file.push_str("Broken,not a domain,B-1\n");
    let boundary = "crmsync-progress-boundary";
    let mut body = Vec::new();
    for (name, file_name, content) in [
        ("kind", None, b"customers".as_slice()),
        ("file", Some("big.csv"), file.as_bytes()),
    ] {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let disposition = match file_name {
            Some(f) => {
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\r\n")
            }
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        };
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let response = app
        .client
        .post(app.url("/api/v1/acme/imports"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), 202);
    let job: serde_json::Value = response.json().await.expect("json");
    assert_eq!(job["state"], "running");
    let id = job["id"].as_str().expect("id").to_owned();
    let seen = watch(&app, &id).await;
    let done = seen.last().expect("final status");
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["progress"]["processed_rows"], rows + 1);
    assert_eq!(done["progress"]["fraction"], 1.0);
    assert_eq!(done["counts"]["created"], rows);
    // Progress seen while running: part of the rows, part of the file, never going back.
    let partial: Vec<(i64, f64)> = seen
        .iter()
        .filter(|j| j["state"] == "running")
        .map(|j| {
            (
                j["progress"]["processed_rows"].as_i64().expect("rows"),
                j["progress"]["fraction"].as_f64().expect("fraction"),
            )
        })
        .collect();
    assert!(
        partial
            .iter()
            .any(|(r, f)| *r > 0 && *r < i64::from(rows) && *f > 0.0 && *f < 1.0),
        "no intermediate progress among {} polls: {partial:?}",
        seen.len()
    );
    assert!(
        partial
            .windows(2)
            .all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1)
    );
    let mail = next_mail(&mut mails).await;
    assert!(mail.contains(&format!("created: {rows}")), "{mail}");
    assert!(
        mail.contains(&format!("/api/v1/imports/{id}/errors.csv")),
        "{mail}"
    );
    assert!(!mail.contains("big.csv"), "{mail}");
    app.stop().await;
}
