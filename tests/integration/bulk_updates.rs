//! `[old]`/`[new]` bulk updates (seed 004): templates exported for a segment (CSV or zip,
//! formulas neutralized), imported back with conflicts skipped unless forced, every boolean
//! form, unknown codes listed, and `reference list`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crmsync::import::bulk::BulkKind;
use crmsync::import::bulk::template::{TemplateOptions, export};
use crmsync::import::{
    ImportError, ImportKind, ImportOptions, ImportReport, NoProgress, PreparedImport, RejectedRow,
    VecSink,
};
use crmsync::store::contact::{Contact, ContactPatch};
use crmsync::store::{Origin, Store};
use serde_json::json;

use crate::both_backends;
use crate::contact_ops::{all_contacts, seeded};
use crate::support::{TestDb, load_config};

const TENANT: &str = "acme";

async fn template(store: &Store, kind: BulkKind, segment: Option<&str>, out: &Path) -> u64 {
    export(
        store,
        &TemplateOptions {
            kind,
            tenant: TENANT.to_owned(),
            segment: segment.map(str::to_owned),
            out: out.to_owned(),
        },
    )
    .await
    .expect("template written")
    .contacts
}

async fn bulk(
    store: &Store,
    kind: ImportKind,
    path: &Path,
    dry_run: bool,
    force: bool,
) -> Result<(ImportReport, Vec<RejectedRow>), ImportError> {
    let prepared = PreparedImport::open(
        path,
        ImportOptions {
            kind,
            tenant: TENANT.to_owned(),
            dry_run,
            mapping: Vec::new(),
            sheet: None,
            force,
        },
    )?;
    let mut sink = VecSink::default();
    let report = prepared.run(store, &mut sink, &mut NoProgress).await?;
    Ok((report, sink.0))
}

fn write(db: &TestDb, name: &str, text: &str) -> PathBuf {
    let path = db.dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    path
}

async fn contact(store: &Store, email: &str) -> Contact {
    all_contacts(store)
        .await
        .into_iter()
        .find(|c| c.fields.email.as_deref() == Some(email))
        .expect("contact")
}

async fn set(store: &Store, email: &str, patch: serde_json::Value) {
    let id = contact(store, email).await.contact_id;
    let patch: ContactPatch = serde_json::from_value(patch).expect("patch");
    store
        .update::<Contact>(TENANT, id, patch, &Origin::Api)
        .await
        .expect("update");
}

both_backends!(
    criteria_template_round_trip_with_conflicts_and_force,
    |backend| async move {
        let Some((db, store)) = seeded(backend).await else {
            return;
        };
        let out = db.dir.path().join("criteria.csv");
        assert_eq!(
            template(&store, BulkKind::Criteria, Some("tag = vip"), &out).await,
            2
        );
        let text = std::fs::read_to_string(&out).expect("read");
        assert_eq!(
            text,
            "\u{feff}Contact ID,Email,[old] SECTOR,[new] SECTOR,[old] SIZE,[new] SIZE\nP-1,a@example.com,IT,,,\nP-2,b@example.com,RETAIL,,,\n"
        );
        // Someone changes a@'s sector after the export.
        set(
            &store,
            "a@example.com",
            json!({"criteria": {"SECTOR": "=CMD"}}),
        )
        .await;
        let edited = write(
            &db,
            "edited.csv",
            "\u{feff}Contact ID,Email,[old] SECTOR,[new] SECTOR,[old] SIZE,[new] SIZE\n\
P-1,a@example.com,IT,RETAIL,,\n\
P-2,b@example.com,RETAIL,,,l\n\
,nobody@example.com,,IT,,\n\
,b@example.com,RETAIL,NOPE,,\n",
        );
        let (dry, rejected) = bulk(&store, ImportKind::Criteria, &edited, true, false)
            .await
            .expect("dry run");
        assert_eq!(
            (dry.rows, dry.updated, dry.conflicts, dry.rejected),
            (4, 1, 1, 2),
            "{rejected:?}"
        );
        assert_eq!(rejected[0].line, 2);
        assert_eq!(rejected[0].errors[0].column, "[old] SECTOR");
        assert!(rejected[0].errors[0].reason.contains("conflict"));
        assert_eq!(rejected[1].errors[0].reason, "no such contact");
        assert_eq!(rejected[2].errors[0].column, "[new] SECTOR");
        assert!(
            rejected[2].errors[0]
                .reason
                .contains("valid: =CMD, IT, RETAIL"),
            "{:?}",
            rejected[2].errors
        );
        assert!(
            contact(&store, "b@example.com")
                .await
                .fields
                .criteria
                .get("SIZE")
                .is_none()
        );

        let (run, _) = bulk(&store, ImportKind::Criteria, &edited, false, false)
            .await
            .expect("run");
        assert_eq!((run.updated, run.conflicts), (1, 1));
        let b = contact(&store, "b@example.com").await;
        assert_eq!(b.fields.criteria.get("SIZE").map(String::as_str), Some("L"));
        assert_eq!(
            b.fields.criteria.get("SECTOR").map(String::as_str),
            Some("RETAIL")
        );
        let a = contact(&store, "a@example.com").await;
        assert_eq!(
            a.fields.criteria.get("SECTOR").map(String::as_str),
            Some("=CMD")
        );
        // The bulk write is a local change like any other.
        let log = store.changes_after(TENANT, 0, 1000).await.expect("log");
        let last = log.last().expect("logged");
        assert_eq!(
            (last.origin.as_str(), last.op.as_str()),
            ("import", "update")
        );

        let (forced, _) = bulk(&store, ImportKind::Criteria, &edited, false, true)
            .await
            .expect("forced");
        // b@'s [old] SIZE is now stale too (the first run set it): forced, and unchanged.
        assert_eq!(
            (forced.updated, forced.conflicts, forced.unchanged),
            (1, 2, 1)
        );
        let a = contact(&store, "a@example.com").await;
        assert_eq!(
            a.fields.criteria.get("SECTOR").map(String::as_str),
            Some("RETAIL")
        );
    }
);

both_backends!(
    authorizations_read_every_boolean_form,
    |backend| async move {
        let Some((db, store)) = seeded(backend).await else {
            return;
        };
        let out = db.dir.path().join("auth.csv");
        assert_eq!(
            template(&store, BulkKind::Authorizations, None, &out).await,
            3
        );
        let text = std::fs::read_to_string(&out).expect("read");
        assert_eq!(
            text,
            "\u{feff}Contact ID,Email,[old] NEWSLETTER,[new] NEWSLETTER,[old] SMS,[new] SMS\nP-1,a@example.com,TRUE,,,\nP-2,b@example.com,FALSE,,,\n,c@example.com,,,,\n"
        );
        let forms = ["t", "T", "true", "TRUE", "f", "F", "false", "FALSE"];
        let expected = [true, true, true, true, false, false, false, false];
        for (new_sms, want) in forms.iter().zip(expected) {
            // SMS of a@ goes from its current value to the new one, checked through [old].
            let current = contact(&store, "a@example.com")
                .await
                .fields
                .authorizations
                .get("SMS")
                .copied();
            let old = match current {
                Some(true) => "TRUE",
                Some(false) => "FALSE",
                None => "",
            };
            let file = write(
                &db,
                "auth_in.csv",
                &format!("Email,[old] SMS,[new] SMS\na@example.com,{old},{new_sms}\n"),
            );
            let (report, rejected) = bulk(&store, ImportKind::Authorizations, &file, false, false)
                .await
                .expect("run");
            assert_eq!(
                report.rejected + report.conflicts,
                0,
                "{new_sms}: {rejected:?}"
            );
            let now = contact(&store, "a@example.com")
                .await
                .fields
                .authorizations
                .get("SMS")
                .copied();
            assert_eq!(now, Some(want), "{new_sms}");
        }
        // An empty [new] changes nothing; a bad boolean is rejected naming its column.
        let file = write(
            &db,
            "auth_bad.csv",
            "Email,[old] SMS,[new] SMS,[old] NEWSLETTER,[new] NEWSLETTER\na@example.com,FALSE,,TRUE,\nb@example.com,,oui,FALSE,\n",
        );
        let (report, rejected) = bulk(&store, ImportKind::Authorizations, &file, false, false)
            .await
            .expect("run");
        assert_eq!((report.unchanged, report.rejected), (1, 1));
        assert_eq!(rejected[0].errors[0].column, "[new] SMS");
        assert!(rejected[0].errors[0].reason.contains("TRUE, true, T, t"));
    }
);

both_backends!(
    formulas_are_neutralized_on_export_and_the_zip_reimports,
    |backend| async move {
        let Some((db, store)) = seeded(backend).await else {
            return;
        };
        set(
            &store,
            "a@example.com",
            json!({"external_id": "=1+2", "criteria": {"SECTOR": "=CMD"}}),
        )
        .await;
        set(&store, "b@example.com", json!({"external_id": "@SUM(A1)"})).await;
        let out = db.dir.path().join("template.zip");
        assert_eq!(
            template(&store, BulkKind::Criteria, Some("tag = VIP"), &out).await,
            2
        );
        let mut zip =
            zip::ZipArchive::new(std::fs::File::open(&out).expect("zip")).expect("archive");
        assert_eq!(zip.len(), 1);
        let mut entry = zip.by_index(0).expect("entry");
        assert_eq!(entry.name().expect("name"), "template.csv");
        assert_eq!(entry.compression(), zip::CompressionMethod::Deflated);
        let mut text = String::new();
        entry.read_to_string(&mut text).expect("csv");
        assert_eq!(
            text,
            "\u{feff}Contact ID,Email,[old] SECTOR,[new] SECTOR,[old] SIZE,[new] SIZE\n'=1+2,a@example.com,'=CMD,,,\n'@SUM(A1),b@example.com,RETAIL,,,\n"
        );
        // Filled in and imported: the neutralized key and [old] value match the store.
        let filled = text
            .replace("'=CMD,,", "'=CMD,IT,")
            .replace("RETAIL,,,", "RETAIL,,,S");
        // Imported as the zip it came in: the one CSV inside is read.
        let zip_of = |name: &str, entries: &[(&str, &str)]| {
            let path = db.dir.path().join(name);
            let mut w = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
            for (entry, body) in entries {
                w.start_file(*entry, zip::write::SimpleFileOptions::default())
                    .expect("entry");
                w.write_all(body.as_bytes()).expect("write");
            }
            w.finish().expect("zip");
            path
        };
        let two = zip_of("two.zip", &[("a.csv", &filled), ("b.csv", &filled)]);
        let err = bulk(&store, ImportKind::Criteria, &two, false, false)
            .await
            .expect_err("two CSV files");
        assert!(
            err.is_usage()
                && err
                    .to_string()
                    .contains("exactly one CSV file; this one holds 2"),
            "{err}"
        );
        let path = zip_of("filled.zip", &[("template.csv", &filled)]);
        let (report, rejected) = bulk(&store, ImportKind::Criteria, &path, false, false)
            .await
            .expect("run");
        assert_eq!(
            (report.updated, report.rejected, report.conflicts),
            (2, 0, 0),
            "{rejected:?}"
        );
        let a = contact(&store, "a@example.com").await;
        assert_eq!(
            a.fields.criteria.get("SECTOR").map(String::as_str),
            Some("IT")
        );
    }
);

async fn import_cli(db: &TestDb, args: &[&str]) -> ExitCode {
    use clap::Parser;
    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: crmsync::import::cli::ImportArgs,
    }
    let (_, config) = load_config(db, "127.0.0.1:0", "", "");
    let mut argv = vec!["import"];
    argv.extend_from_slice(args);
    argv.extend(["--tenant", TENANT]);
    let w = Wrapper::try_parse_from(argv).expect("valid arguments");
    crmsync::import::cli::run(&config, w.args)
        .await
        .expect("cli runs")
}

both_backends!(
    bad_value_columns_fail_before_any_row_and_reference_list_shows_codes,
    |backend| async move {
        let Some((db, store)) = seeded(backend).await else {
            return;
        };
        let unknown = write(
            &db,
            "unknown.csv",
            "Email,[old] COLOUR,[new] COLOUR\na@example.com,,x\n",
        );
        let err = bulk(&store, ImportKind::Criteria, &unknown, false, false)
            .await
            .expect_err("unknown criterion");
        assert!(err.is_usage(), "{err}");
        assert!(err.to_string().contains("valid: SECTOR, SIZE"), "{err}");
        let no_old = write(&db, "no_old.csv", "Email,[new] SECTOR\na@example.com,IT\n");
        let err = bulk(&store, ImportKind::Criteria, &no_old, false, false)
            .await
            .expect_err("no [old]");
        assert!(
            matches!(err, ImportError::MissingColumns(ref m) if m.starts_with("[old] SECTOR")),
            "{err}"
        );
        let no_key = write(&db, "no_key.csv", "Name,[old] SECTOR,[new] SECTOR\nx,,IT\n");
        let err = bulk(&store, ImportKind::Criteria, &no_key, false, false)
            .await
            .expect_err("no key");
        assert!(err.to_string().contains("Contact ID or Email"), "{err}");
        // Through the CLI: 2 for the bad file, 1 for a conflict, 0 once forced.
        let unknown_s = unknown.display().to_string();
        assert_eq!(
            import_cli(&db, &["criteria", &unknown_s]).await,
            ExitCode::from(2)
        );
        let conflict = write(
            &db,
            "conflict.csv",
            "Email,[old] SECTOR,[new] SECTOR\na@example.com,RETAIL,RETAIL\n",
        );
        let conflict_s = conflict.display().to_string();
        assert_eq!(
            import_cli(&db, &["criteria", &conflict_s]).await,
            ExitCode::from(1)
        );
        assert_eq!(
            import_cli(&db, &["criteria", &conflict_s, "--force"]).await,
            ExitCode::SUCCESS
        );
        let text = crmsync::import::bulk::cli::reference_text(&store, BulkKind::Criteria, TENANT)
            .await
            .expect("list");
        assert_eq!(
            text,
            "SECTOR\tSector\n  =CMD\t=CMD\n  IT\tIT\n  RETAIL\tRETAIL\nSIZE\tSize\n  L\tL\n  S\tS\n"
        );
        let text =
            crmsync::import::bulk::cli::reference_text(&store, BulkKind::Authorizations, TENANT)
                .await
                .expect("list");
        assert!(text.starts_with("NEWSLETTER\tNewsletter"), "{text}");
    }
);

both_backends!(
    bulk_updates_run_through_the_api_with_conflicts_and_force,
    |backend| async move {
        use crate::imports::{upload, wait_done};
        let Some(app) = crate::support::spawn_app(backend).await else {
            return;
        };
        crate::contact_ops::seed(&app.store).await;
        set(
            &app.store,
            "a@example.com",
            json!({"criteria": {"SECTOR": "=CMD"}}),
        )
        .await;
        let file = "Contact ID,Email,[old] SECTOR,[new] SECTOR\nP-1,a@example.com,IT,RETAIL\nP-2,b@example.com,RETAIL,IT\n";
        let run = |force: &'static [u8]| {
            let app = &app;
            async move {
                let response = upload(
                    app,
                    TENANT,
                    &[
                        ("kind", None, b"criteria"),
                        ("force", None, force),
                        ("file", Some("criteria.csv"), file.as_bytes()),
                    ],
                )
                .await;
                assert_eq!(response.status(), 202);
                let job: serde_json::Value = response.json().await.expect("json");
                assert_eq!(job["kind"], "criteria");
                wait_done(app, job["id"].as_str().expect("id")).await
            }
        };
        let done = run(b"false").await;
        assert_eq!(done["state"], "succeeded", "{done}");
        assert_eq!(
            (
                done["counts"]["updated"].clone(),
                done["counts"]["conflicts"].clone()
            ),
            (json!(1), json!(1))
        );
        let id = done["id"].as_str().expect("id");
        let csv = app
            .get(&format!("/api/v1/imports/{id}/errors.csv"))
            .await
            .text()
            .await
            .expect("body");
        assert!(csv.contains("P-1,a@example.com,IT,RETAIL,"), "{csv}");
        assert_eq!(
            contact(&app.store, "b@example.com")
                .await
                .fields
                .criteria
                .get("SECTOR")
                .map(String::as_str),
            Some("IT")
        );
        let forced = run(b"true").await;
        assert_eq!(forced["counts"]["updated"], 1, "{forced}");
        assert_eq!(
            contact(&app.store, "a@example.com")
                .await
                .fields
                .criteria
                .get("SECTOR")
                .map(String::as_str),
            Some("RETAIL")
        );
        app.stop().await;
    }
);
