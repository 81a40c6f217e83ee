//! Benchmark: file import throughput on SQLite (and PostgreSQL when TEST_POSTGRES_URL is
//! set, e.g. under scripts/with-postgres.sh). Generates a customers CSV, then imports it as
//! a dry run, a first real run (all created) and a second real run (all unchanged). Prints
//! rows/s and this process's peak RSS.
//!
//!     cargo bench --bench import               # 100,000 rows
//!     cargo bench --bench import -- 1000000

use std::io::Write;
use std::time::Instant;

use crmsync::import::{ImportKind, ImportOptions, NoProgress, NoSink, PreparedImport};
use crmsync::store::{PoolOptions, Store};

fn rows_arg() -> usize {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000)
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn write_customers(path: &std::path::Path, n: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    writeln!(out, "Name,Domain,Customer ID,CSM Pulse,Tags").expect("write");
    for i in 0..n {
        writeln!(
            out,
            "Company {i},c{i}.example.com,ID-{i},{},\"a, b\"",
            i % 5 + 1
        )
        .expect("write");
    }
}

async fn bench(label: &str, url: &str, file: &std::path::Path, rows: usize) {
    let store = Store::connect(url, PoolOptions::default())
        .await
        .expect("store");
    store.migrate().await.expect("migrate");
    store
        .ensure_tenant("default", "Default")
        .await
        .expect("tenant");
    for (run, dry_run) in [
        ("dry run", true),
        ("apply (all new)", false),
        ("apply (all unchanged)", false),
    ] {
        let options = ImportOptions {
            kind: ImportKind::Customers,
            tenant: "default".to_owned(),
            dry_run,
            mapping: Vec::new(),
            sheet: None,
            force: false,
        };
        let started = Instant::now();
        let report = PreparedImport::open(file, options)
            .expect("open")
            .run(&store, &mut NoSink, &mut NoProgress)
            .await
            .expect("import");
        let secs = started.elapsed().as_secs_f64();
        assert_eq!(report.rows as usize, rows);
        println!(
            "| {label:<10} | {run:<22} | {:>10.0} | {:>8.2} s |",
            rows as f64 / secs,
            secs
        );
    }
    store.close().await;
}

#[tokio::main]
async fn main() {
    let rows = rows_arg();
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("customers.csv");
    write_customers(&file, rows);
    println!("customers import, {rows} rows");
    println!("| store      | run                    |     rows/s |     time |");
    println!("|------------|------------------------|-----------:|---------:|");
    let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
    bench("sqlite", &sqlite, &file, rows).await;
    if let Ok(admin) = std::env::var("TEST_POSTGRES_URL") {
        let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
        let pool = sqlx::PgPool::connect(&admin).await.expect("postgres");
        sqlx::query(&format!("create database {name}"))
            .execute(&pool)
            .await
            .expect("create database");
        pool.close().await;
        let mut url = url::Url::parse(&admin).expect("url");
        url.set_path(&name);
        bench("postgres", url.as_str(), &file, rows).await;
    }
    println!("peak RSS of this process: {:.1} MiB", peak_rss_mib());
}
