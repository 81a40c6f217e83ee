//! Benchmark: contacts import throughput and memory, on SQLite and (when TEST_POSTGRES_URL is
//! set, e.g. under `scripts/with-postgres.sh`) PostgreSQL.
//!
//! Generates contacts CSV files of 100,000 and 1,000,000 rows (Contact ID, Email, names,
//! phone, tags, language, customer among 1,000), then for each store and size runs, in a
//! fresh database, a dry run, a real run (all rows created) and a re-import of the same file
//! (every row found, nothing to change), and prints rows/s. Each (store, size) runs in its
//! own child process, which reports its peak RSS (`VmHWM` of `/proc/self/status`, read at
//! its end): that peak covers opening the store, the three runs and every buffer, and
//! nothing of the other sizes.
//!
//!     cargo bench --bench import                    # 100,000 and 1,000,000 rows
//!     cargo bench --bench import -- 20000 200000    # other sizes
//!     scripts/with-postgres.sh cargo bench --bench import

#[path = "common/mod.rs"]
mod common;
use common::peak_rss_mib;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crmsync::import::{
    ImportKind, ImportOptions, ImportReport, NoProgress, NoSink, PreparedImport,
};
use crmsync::store::{PoolOptions, Store};

const COMPANIES: usize = 1000;

fn write_customers(path: &Path) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    writeln!(out, "Name,Domain,Customer ID").expect("write");
    for i in 0..COMPANIES {
        writeln!(out, "Company {i},c{i}.example.com,C-{i}").expect("write");
    }
}

fn write_contacts(path: &Path, n: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    writeln!(
        out,
        "Contact ID,Email,Firstname,Lastname,Phone,Tags,Language,Customer ID"
    )
    .expect("write");
    for i in 0..n {
        writeln!(
            out,
            "P-{i},person{i}@example.com,First{i},Last{i},+33 6 {:02} {:02} {:02} {:02},\"a, b\",{},C-{}",
            i % 100,
            i / 100 % 100,
            i / 10_000 % 100,
            i / 1_000_000 % 100,
            if i % 2 == 0 { "FR" } else { "EN" },
            i % COMPANIES
        )
        .expect("write");
    }
}

async fn import(
    store: &Store,
    file: &Path,
    kind: ImportKind,
    dry_run: bool,
) -> (ImportReport, f64) {
    let options = ImportOptions {
        kind,
        tenant: "default".to_owned(),
        dry_run,
        mapping: Vec::new(),
        sheet: None,
        force: false,
    };
    let started = Instant::now();
    let report = PreparedImport::open(file, options)
        .expect("open")
        .run(store, &mut NoSink, &mut NoProgress)
        .await
        .expect("import");
    assert_eq!(report.rejected, 0, "{:?}", report.errors.first());
    (report, started.elapsed().as_secs_f64())
}

async fn fresh_url(backend: &str, dir: &Path, rows: usize) -> String {
    if backend == "sqlite" {
        return format!(
            "sqlite://{}",
            dir.join(format!("bench-{rows}.db")).display()
        );
    }
    let admin = std::env::var("TEST_POSTGRES_URL").expect("TEST_POSTGRES_URL");
    let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(&admin).await.expect("postgres");
    sqlx::query(&format!("create database {name}"))
        .execute(&pool)
        .await
        .expect("create database");
    pool.close().await;
    let mut url = url::Url::parse(&admin).expect("url");
    url.set_path(&name);
    url.to_string()
}

/// The child: one store, one size. Prints `RESULT dry_rps apply_rps reimport_rps rss_mib`;
/// the re-import applies the same file again, every row then matching a stored contact
/// with nothing to change.
async fn child(backend: &str, dir: &Path, customers: &Path, contacts: &Path, rows: usize) {
    let url = fresh_url(backend, dir, rows).await;
    let store = Store::connect(&url, PoolOptions::default())
        .await
        .expect("store");
    store.migrate().await.expect("migrate");
    import(&store, customers, ImportKind::Customers, false).await;
    let (report, dry) = import(&store, contacts, ImportKind::Contacts, true).await;
    assert_eq!(report.created as usize, rows);
    let (report, apply) = import(&store, contacts, ImportKind::Contacts, false).await;
    assert_eq!(report.created as usize, rows);
    let (report, again) = import(&store, contacts, ImportKind::Contacts, false).await;
    assert_eq!(report.unchanged as usize, rows);
    let count = store
        .scalar_i64("select count(*) from contact")
        .await
        .expect("count");
    assert_eq!(count as usize, rows);
    store.close().await;
    println!(
        "RESULT {:.0} {:.0} {:.0} {:.1}",
        rows as f64 / dry,
        rows as f64 / apply,
        rows as f64 / again,
        peak_rss_mib()
    );
}

fn run_child(
    backend: &str,
    dir: &Path,
    customers: &Path,
    contacts: &Path,
    rows: usize,
) -> [f64; 4] {
    let out = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args(["--child", backend])
        .arg(dir)
        .arg(customers)
        .arg(contacts)
        .arg(rows.to_string())
        .output()
        .expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| {
            panic!(
                "child {backend} {rows} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let v: Vec<f64> = line
        .split(' ')
        .map(|x| x.parse().expect("number"))
        .collect();
    [v[0], v[1], v[2], v[3]]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--child") {
        let a = &args[at + 1..];
        let (dir, customers, contacts) = (
            PathBuf::from(&a[1]),
            PathBuf::from(&a[2]),
            PathBuf::from(&a[3]),
        );
        child(
            &a[0],
            &dir,
            &customers,
            &contacts,
            a[4].parse().expect("rows"),
        )
        .await;
        return;
    }
    let mut sizes: Vec<usize> = args
        .iter()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .filter_map(|a| a.parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes = vec![100_000, 1_000_000];
    }
    let dir = tempfile::tempdir().expect("tmp");
    let customers = dir.path().join("customers.csv");
    write_customers(&customers);
    let mut backends = vec!["sqlite"];
    if std::env::var("TEST_POSTGRES_URL").is_ok() {
        backends.push("postgres");
    }
    println!("contacts import ({COMPANIES} customers; each size in its own process)");
    println!(
        "| store    |      rows | dry run rows/s | apply rows/s | re-import rows/s | peak RSS MiB |"
    );
    println!(
        "|----------|----------:|---------------:|-------------:|-----------------:|-------------:|"
    );
    for rows in sizes {
        let contacts = dir.path().join(format!("contacts-{rows}.csv"));
        write_contacts(&contacts, rows);
        for backend in &backends {
            let [dry, apply, again, rss] =
                run_child(backend, dir.path(), &customers, &contacts, rows);
            println!(
                "| {backend:<8} | {rows:>9} | {dry:>14.0} | {apply:>12.0} | {again:>16.0} | {rss:>12.1} |"
            );
        }
        let _ = std::fs::remove_file(&contacts);
    }
}
