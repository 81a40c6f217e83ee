//! File imports (spec §5, issue 6): customers and contacts from CSV and XLSX, merged into
//! the store in one transaction, through the library, the CLI entry point and the API.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crmsync::import::cli::ImportArgs;
use crmsync::import::{
    ImportError, ImportKind, ImportOptions, ImportReport, NoProgress, PreparedImport, RejectedRow,
    VecSink,
};
use crmsync::store::company::Company;
use crmsync::store::contact::Contact;
use crmsync::store::{ListQuery, Store};

use crate::both_backends;
use crate::support::{Backend, TestDb, fresh_db, load_config, open_store};

const TENANT: &str = "acme";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/csv")
        .join(name)
}

/// A fresh store with the tenant, two users and the reference codes the fixtures use.
async fn setup(backend: Backend) -> Option<(TestDb, Store)> {
    let db = fresh_db(backend).await?;
    let store = open_store(&db).await;
    store.migrate().await.expect("migrate");
    store.ensure_tenant(TENANT, "Acme").await.expect("tenant");
    store
        .upsert_user(TENANT, "owner@example.com", Some("Owner"))
        .await
        .expect("user");
    store
        .upsert_user(TENANT, "team@example.com", None)
        .await
        .expect("user");
    for (table, code, label) in [
        ("customer_stage", "TRIAL", "Trial"),
        ("customer_stage", "RUN", "Run"),
        ("health_score_profile", "SMB", "Small business"),
        ("interaction_goal", "MONTHLY", "Monthly"),
    ] {
        store
            .add_reference(TENANT, table, code, label)
            .await
            .expect("reference");
    }
    Some((db, store))
}

fn options(kind: ImportKind, dry_run: bool) -> ImportOptions {
    ImportOptions {
        kind,
        tenant: TENANT.to_owned(),
        dry_run,
        mapping: Vec::new(),
        sheet: None,
        force: false,
    }
}

async fn import_with(
    store: &Store,
    path: &Path,
    options: ImportOptions,
) -> Result<(ImportReport, Vec<RejectedRow>), ImportError> {
    let prepared = PreparedImport::open(path, options)?;
    let mut sink = VecSink::default();
    let report = prepared.run(store, &mut sink, &mut NoProgress).await?;
    Ok((report, sink.0))
}

async fn import(store: &Store, path: &Path, kind: ImportKind) -> (ImportReport, Vec<RejectedRow>) {
    import_with(store, path, options(kind, false))
        .await
        .expect("import runs")
}

async fn companies(store: &Store) -> Vec<Company> {
    let q = ListQuery {
        limit: 1000,
        include_deleted: true,
        ..ListQuery::default()
    };
    store.list::<Company>(TENANT, &q).await.expect("list").items
}

async fn contacts(store: &Store) -> Vec<Contact> {
    let q = ListQuery {
        limit: 1000,
        include_deleted: true,
        ..ListQuery::default()
    };
    store.list::<Contact>(TENANT, &q).await.expect("list").items
}

fn by_ext<'a>(list: &'a [Company], ext: &str) -> &'a Company {
    list.iter()
        .find(|c| c.fields.external_id.as_deref() == Some(ext))
        .expect("company present")
}

fn write(db: &TestDb, name: &str, bytes: &[u8]) -> PathBuf {
    let path = db.dir.path().join(name);
    std::fs::write(&path, bytes).expect("write file");
    path
}

both_backends!(customers_import_sets_every_column, |backend| async move {
    let Some((_db, store)) = setup(backend).await else {
        return;
    };
    let (report, rejected) =
        import(&store, &fixture("customers_en.csv"), ImportKind::Customers).await;
    assert!(rejected.is_empty(), "{rejected:?}");
    assert_eq!((report.rows, report.created, report.rejected), (3, 3, 0));
    let list = companies(&store).await;
    let acme = by_ext(&list, "C-1");
    let f = &acme.fields;
    assert_eq!(f.name, "Acme");
    assert_eq!(f.domain.as_deref(), Some("acme.fr"));
    assert_eq!(f.csm_pulse, Some(4));
    assert!(f.owner_user_id.is_some());
    assert_eq!(f.team_user_ids.len(), 2);
    assert_eq!(f.tags.0, ["vip", "key"]);
    assert_eq!(f.customer_stage.as_deref(), Some("TRIAL"));
    assert_eq!(f.health_score_profile.as_deref(), Some("SMB"));
    assert_eq!(f.interaction_goal.as_deref(), Some("MONTHLY"));
    assert_eq!(f.registration_key.as_deref(), Some("73282932000074"));
    assert_eq!(f.registration_kind.as_deref(), Some("siret"));
    assert_eq!(f.status, "client");
    let initech = list
        .iter()
        .find(|c| c.fields.name == "Initech")
        .expect("initech");
    assert_eq!(initech.fields.customer_stage.as_deref(), Some("RUN"));
    // The import's writes are local changes for the sync, marked as such.
    let changes = store.changes_after(TENANT, 0, 100).await.expect("changes");
    assert_eq!(changes.len(), 3);
    assert!(
        changes
            .iter()
            .all(|c| c.origin == "import" && c.op == "insert" && c.entity == "company")
    );
    let mut logged: Vec<i64> = changes.iter().map(|c| c.entity_id).collect();
    let mut created: Vec<i64> = list.iter().map(|c| c.company_id).collect();
    logged.sort_unstable();
    created.sort_unstable();
    assert_eq!(logged, created, "one insert logged per created record");
    // The import logs its own inserts; a later writer is captured row by row again.
    store
        .execute_raw(
            "insert into company (tenant_id, name, status) values ('acme', 'Direct', 'client')",
        )
        .await
        .expect("direct insert");
    let after = store
        .changes_after(TENANT, changes[2].change_id, 100)
        .await
        .expect("changes");
    assert_eq!(
        after
            .iter()
            .map(|c| (c.op.as_str(), c.origin.as_str()))
            .collect::<Vec<_>>(),
        [("insert", "sql")]
    );
});

both_backends!(reimport_updates_without_duplicates, |backend| async move {
    let Some((db, store)) = setup(backend).await else {
        return;
    };
    import(&store, &fixture("customers_en.csv"), ImportKind::Customers).await;
    let (again, _) = import(&store, &fixture("customers_en.csv"), ImportKind::Customers).await;
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3));
    // Matched by Customer ID, then by domain; empty cells keep the stored values.
    let changed = write(
        &db,
        "update.csv",
        b"Customer ID,Name,Domain,CSM Pulse,Tags\nC-1,Acme Renamed,acme.fr,,\n,Initech SA,initech.io,5,\nC-9,New Co,newco.fr,,\n",
    );
    let (report, rejected) = import(&store, &changed, ImportKind::Customers).await;
    assert!(rejected.is_empty(), "{rejected:?}");
    assert_eq!(
        (report.created, report.updated, report.unchanged),
        (1, 2, 0)
    );
    let list = companies(&store).await;
    assert_eq!(list.len(), 4);
    let acme = by_ext(&list, "C-1");
    assert_eq!(acme.fields.name, "Acme Renamed");
    assert_eq!(acme.fields.csm_pulse, Some(4));
    assert_eq!(acme.fields.tags.0, ["vip", "key"]);
    let initech = list
        .iter()
        .find(|c| c.fields.domain.as_deref() == Some("initech.io"))
        .expect("initech");
    assert_eq!(
        (initech.fields.name.as_str(), initech.fields.csm_pulse),
        ("Initech SA", Some(5))
    );
    // The same record twice in one file is one record.
    let twice = write(
        &db,
        "twice.csv",
        b"Name,Domain,Customer ID\nDup,dup.fr,D-1\nDup 2,dup.fr,D-1\n",
    );
    let (report, _) = import(&store, &twice, ImportKind::Customers).await;
    assert_eq!((report.created, report.updated), (1, 1));
    assert_eq!(by_ext(&companies(&store).await, "D-1").fields.name, "Dup 2");
});

both_backends!(
    contacts_from_french_semicolon_windows_1252,
    |backend| async move {
        let Some((_db, store)) = setup(backend).await else {
            return;
        };
        import(&store, &fixture("customers_en.csv"), ImportKind::Customers).await;
        let (report, rejected) = import(
            &store,
            &fixture("contacts_fr_cp1252.csv"),
            ImportKind::Contacts,
        )
        .await;
        assert_eq!((report.created, report.rejected), (2, 1), "{rejected:?}");
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
        // The orphan contact is rejected, naming the customer column.
        assert_eq!(rejected[0].line, 4);
        assert_eq!(rejected[0].errors[0].column, "Identifiant client");
        assert!(rejected[0].errors[0].reason.contains("no such customer"));
        let list = contacts(&store).await;
        let jane = list
            .iter()
            .find(|c| c.fields.external_id.as_deref() == Some("P-1"))
            .expect("jane");
        let f = &jane.fields;
        assert_eq!(f.first_name.as_deref(), Some("Hélène"));
        assert_eq!(f.last_name.as_deref(), Some("Dupré"));
        assert_eq!(f.job_title.as_deref(), Some("Directrice générale"));
        assert_eq!(f.email.as_deref(), Some("jane@example.com"));
        assert_eq!(f.additional_emails.0, ["jd@example.org"]);
        assert_eq!(f.phone.as_deref(), Some("+33 6 45 87 45 63"));
        assert_eq!(f.tags.0, ["SPONSOR", "CHAMPION"]);
        assert_eq!(f.language.as_deref(), Some("FR"));
        assert_eq!(f.gender.as_deref(), Some("FEMALE"));
        assert_eq!(f.role.as_deref(), Some("admin"));
        assert_eq!(f.nps_score, Some(5));
        assert_eq!(f.civility.as_deref(), Some("MME"));
        let companies = companies(&store).await;
        assert_eq!(f.company_id, Some(by_ext(&companies, "C-1").company_id));
        let bob = list
            .iter()
            .find(|c| c.fields.external_id.as_deref() == Some("P-2"))
            .expect("bob");
        assert_eq!(
            bob.fields.company_id,
            Some(by_ext(&companies, "C-2").company_id)
        );
        assert_eq!(bob.fields.civility.as_deref(), Some("M"));
    }
);

both_backends!(
    utf8_bom_and_tab_delimiter_are_detected,
    |backend| async move {
        let Some((db, store)) = setup(backend).await else {
            return;
        };
        let path = write(
            &db,
            "bom.tsv",
            "\u{feff}Raison sociale\tNom de domaine\tÉtape\nCafé Crème\tcafe.fr\tTrial\n"
                .as_bytes(),
        );
        let (report, rejected) = import(&store, &path, ImportKind::Customers).await;
        assert!(rejected.is_empty(), "{rejected:?}");
        assert_eq!(report.created, 1);
        let list = companies(&store).await;
        assert_eq!(list[0].fields.name, "Café Crème");
        assert_eq!(list[0].fields.customer_stage.as_deref(), Some("TRIAL"));
    }
);

both_backends!(
    quoted_commas_and_line_breaks_keep_line_numbers,
    |backend| async move {
        let Some((_db, store)) = setup(backend).await else {
            return;
        };
        let (report, rejected) = import(
            &store,
            &fixture("quoted_multiline.csv"),
            ImportKind::Customers,
        )
        .await;
        assert_eq!((report.created, report.rejected), (2, 1));
        assert_eq!(rejected[0].line, 6);
        assert_eq!(rejected[0].errors[0].column, "Domain");
        let list = companies(&store).await;
        assert_eq!(by_ext(&list, "C-1").fields.name, "Acme, Inc.");
        assert_eq!(by_ext(&list, "C-1").fields.tags.0, ["a \"quoted\" tag"]);
        assert_eq!(by_ext(&list, "C-2").fields.name, "Multi\nline\nCorp");
    }
);

both_backends!(xlsx_first_sheet_imports, |backend| async move {
    let Some((_db, store)) = setup(backend).await else {
        return;
    };
    let (report, rejected) =
        import(&store, &fixture("customers.xlsx"), ImportKind::Customers).await;
    assert!(rejected.is_empty(), "{rejected:?}");
    assert_eq!(report.created, 2);
    let list = companies(&store).await;
    let a = by_ext(&list, "X-1");
    assert_eq!(a.fields.name, "Acme Excel");
    assert_eq!(a.fields.csm_pulse, Some(3));
    assert_eq!(a.fields.tags.0, ["excel", "import"]);
    let mut named = options(ImportKind::Customers, true);
    named.sheet = Some("Nope".to_owned());
    let err = import_with(&store, &fixture("customers.xlsx"), named)
        .await
        .expect_err("no such sheet");
    assert!(err.is_usage() && err.to_string().contains("Nope"), "{err}");
});

both_backends!(dry_run_reports_and_writes_nothing, |backend| async move {
    let Some((_db, store)) = setup(backend).await else {
        return;
    };
    let before = store
        .changes_after(TENANT, 0, 100)
        .await
        .expect("changes")
        .len();
    let (report, _) = import_with(
        &store,
        &fixture("customers_en.csv"),
        options(ImportKind::Customers, true),
    )
    .await
    .expect("dry run");
    assert!(report.dry_run);
    assert_eq!((report.created, report.rejected), (3, 0));
    assert!(companies(&store).await.is_empty());
    assert_eq!(
        store
            .changes_after(TENANT, 0, 100)
            .await
            .expect("changes")
            .len(),
        before
    );
});

both_backends!(
    deleted_rows_soft_delete_and_unknown_ones_are_rejected,
    |backend| async move {
        let Some((db, store)) = setup(backend).await else {
            return;
        };
        import(&store, &fixture("customers_en.csv"), ImportKind::Customers).await;
        let path = write(
            &db,
            "delete.csv",
            b"Name,Domain,Customer ID,Deleted\n,,C-2,true\n,,C-404,1\n,globex.com,,1\n",
        );
        let (report, rejected) = import(&store, &path, ImportKind::Customers).await;
        assert_eq!(
            (report.deleted, report.rejected, report.unchanged),
            (1, 1, 1)
        );
        assert_eq!(rejected[0].line, 3);
        assert_eq!(rejected[0].errors[0].reason, "no such customer");
        let list = companies(&store).await;
        assert!(by_ext(&list, "C-2").deleted_at.is_some());
    }
);

both_backends!(
    a_failure_mid_import_leaves_the_store_unchanged,
    |backend| async move {
        let Some((db, store)) = setup(backend).await else {
            return;
        };
        import(&store, &fixture("customers_en.csv"), ImportKind::Customers).await;
        let changes = store
            .changes_after(TENANT, 0, 100)
            .await
            .expect("changes")
            .len();
        // A database error on the third row, after two rows were written in the transaction.
        match backend {
            Backend::Sqlite => {
                store
                .execute_raw("create trigger boom before insert on company when new.name = 'Boom' begin select raise(abort, 'boom'); end")
                .await
                .expect("trigger");
            }
            Backend::Postgres => {
                store
                .execute_raw("create function boom() returns trigger language plpgsql as $$ begin if new.name = 'Boom' then raise exception 'boom'; end if; return new; end $$")
                .await
                .expect("function");
                store
                .execute_raw("create trigger boom before insert on company for each row execute function boom()")
                .await
                .expect("trigger");
            }
        }
        let path = write(
        &db,
        "boom.csv",
        b"Name,Domain,Customer ID\nAcme Changed,acme.fr,C-1\nFresh,fresh.fr,F-1\nBoom,boom.fr,B-1\n",
    );
        let err = import_with(&store, &path, options(ImportKind::Customers, false))
            .await
            .expect_err("the store fails");
        assert!(matches!(err, ImportError::Store(_)), "{err}");
        let list = companies(&store).await;
        assert_eq!(list.len(), 3);
        assert_eq!(by_ext(&list, "C-1").fields.name, "Acme");
        assert_eq!(
            store
                .changes_after(TENANT, 0, 100)
                .await
                .expect("changes")
                .len(),
            changes
        );
    }
);

both_backends!(
    contacts_merge_by_contact_id_then_email,
    |backend| async move {
        let Some((db, store)) = setup(backend).await else {
            return;
        };
        import(&store, &fixture("customers_en.csv"), ImportKind::Customers).await;
        import(
            &store,
            &fixture("contacts_fr_cp1252.csv"),
            ImportKind::Contacts,
        )
        .await;
        let path = write(
        &db,
        "contacts.csv",
        b"Contact ID,Email,Customer domain,Job title,Deleted\nP-1,jane.new@example.com,acme.fr,CEO,\n,bob@example.com,globex.com,,1\n,nobody@example.com,acme.fr,,1\nP-9,jane.new@example.com,acme.fr,,\n",
    );
        let (report, rejected) = import(&store, &path, ImportKind::Contacts).await;
        assert_eq!(
            (report.updated, report.deleted, report.rejected),
            (1, 1, 2),
            "{rejected:?}"
        );
        assert_eq!(rejected[0].errors[0].reason, "no such contact");
        assert_eq!(rejected[1].errors[0].column, "Email");
        assert!(rejected[1].errors[0].reason.contains("another contact"));
        let list = contacts(&store).await;
        let jane = list
            .iter()
            .find(|c| c.fields.external_id.as_deref() == Some("P-1"))
            .expect("jane");
        assert_eq!(jane.fields.email.as_deref(), Some("jane.new@example.com"));
        assert_eq!(jane.fields.job_title.as_deref(), Some("CEO"));
        assert_eq!(jane.fields.first_name.as_deref(), Some("Hélène"));
        assert_eq!(list.len(), 2);
    }
);

both_backends!(
    dry_run_and_apply_agree_when_a_file_names_records_again_chunks_apart,
    |backend| async move {
        let Some((db, store)) = setup(backend).await else {
            return;
        };
        import(&store, &fixture("customers_en.csv"), ImportKind::Customers).await;
        let stored = write(
            &db,
            "stored.csv",
            b"Contact ID,Email,Customer domain\nS-1,s1@example.com,acme.fr\nS-2,s2@example.com,acme.fr\nS-3,s3@example.com,acme.fr\n",
        );
        import(&store, &stored, ImportKind::Contacts).await;
        // Stored contacts are looked up chunk by chunk (500 rows) and only keys the file
        // names again are remembered: every later row below is chunks away from the one
        // it depends on.
        let mut text = String::from("Contact ID,Email,Customer domain,Job title,Deleted\n");
        text.push_str("S-1,s1.new@example.com,acme.fr,,\n");
        text.push_str("S-2,,,,1\n");
        for i in 0..1300 {
            text.push_str(&format!("N-{i},n{i}@example.com,acme.fr,,\n"));
        }
        text.push_str(",s1@example.com,acme.fr,,\n"); // S-1's old e-mail: a new contact
        text.push_str(",s2@example.com,acme.fr,Back,\n"); // S-2, deleted above: restored
        text.push_str("N-5,n5@example.com,acme.fr,CEO,\n"); // created above: updated
        text.push_str("X-1,n7@example.com,acme.fr,,\n"); // N-7's e-mail: rejected
        text.push_str("S-3,s3@example.com,acme.fr,,\n"); // unchanged
        // Keys are matched trimmed and in any case, stored or made by the file.
        text.push_str(", S3@Example.COM ,acme.fr,Upper,\n"); // S-3: updated
        text.push_str(",N9@EXAMPLE.com,acme.fr,Nine,\n"); // created above: updated
        let path = write(&db, "again.csv", text.as_bytes());
        let counts = |r: &ImportReport| (r.created, r.updated, r.deleted, r.unchanged, r.rejected);
        let (dry, _) = import_with(&store, &path, options(ImportKind::Contacts, true))
            .await
            .expect("dry run");
        let (real, rejected) = import(&store, &path, ImportKind::Contacts).await;
        assert_eq!(counts(&real), (1301, 5, 1, 1, 1), "{rejected:?}");
        assert_eq!(
            counts(&dry),
            counts(&real),
            "the dry run foresees the real run"
        );
        assert_eq!(rejected[0].line, 1307);
        assert!(rejected[0].errors[0].reason.contains("another contact"));
        let total = store
            .scalar_i64("select count(*) from contact where tenant_id = 'acme'")
            .await
            .expect("count");
        assert_eq!(total, 3 + 1301);
        if backend == Backend::Postgres {
            // An import of 1,000 records or more leaves PostgreSQL with current statistics,
            // so the next import's key lookups are planned on the unique indexes.
            let estimate = store
                .scalar_i64("select reltuples::bigint from pg_class where relname = 'contact'")
                .await
                .expect("statistics");
            assert!(estimate >= 1300, "contact statistics say {estimate} rows");
        }
        let by_email = |e: &str| {
            let q = ListQuery {
                filters: vec![crmsync::store::Filter::EqIgnoreCase("email", e.to_owned())],
                include_deleted: true,
                ..ListQuery::default()
            };
            let store = store.clone();
            async move { store.list::<Contact>(TENANT, &q).await.expect("list").items }
        };
        let s1 = by_email("s1@example.com").await;
        assert_eq!(s1.len(), 1);
        assert_eq!(s1[0].fields.external_id, None, "a new contact, not S-1");
        let s2 = by_email("s2@example.com").await;
        assert!(s2[0].deleted_at.is_none());
        assert_eq!(s2[0].fields.job_title.as_deref(), Some("Back"));
        let n5 = by_email("n5@example.com").await;
        assert_eq!(n5[0].fields.job_title.as_deref(), Some("CEO"));
        let n9 = by_email("n9@example.com").await;
        assert_eq!(n9.len(), 1);
        assert_eq!(n9[0].fields.job_title.as_deref(), Some("Nine"));
        let s3 = by_email("s3@example.com").await;
        assert_eq!(s3[0].fields.job_title.as_deref(), Some("Upper"));
        // Run again: everything is found, nothing created.
        let (again, _) = import(&store, &path, ImportKind::Contacts).await;
        assert_eq!(again.created, 0);
    }
);

both_backends!(
    contacts_with_accented_capitals_in_their_email_are_found_again,
    |backend| async move {
        let Some((db, store)) = setup(backend).await else {
            return;
        };
        import(&store, &fixture("customers_en.csv"), ImportKind::Customers).await;
        // The store's `lower()` may leave `É` as it is (SQLite always does): the import
        // must still match these e-mails the way it matched them before, in any case.
        let first = write(
            &db,
            "accents.csv",
            "Email,Customer domain,Job title\nJOSÉ@EXAMPLE.FR,acme.fr,\nÉLODIE@example.fr,acme.fr,\n"
                .as_bytes(),
        );
        let (report, _) = import(&store, &first, ImportKind::Contacts).await;
        assert_eq!(report.created, 2);
        let again = write(
            &db,
            "again.csv",
            "Email,Customer domain,Job title\nJOSÉ@EXAMPLE.FR,acme.fr,CEO\nélodie@example.fr,acme.fr,CFO\n"
                .as_bytes(),
        );
        let (report, rejected) = import(&store, &again, ImportKind::Contacts).await;
        assert_eq!(
            (report.created, report.updated, report.rejected),
            (0, 2, 0),
            "{rejected:?}"
        );
        let list = contacts(&store).await;
        assert_eq!(list.len(), 2);
        assert!(list.iter().all(|c| {
            c.fields
                .job_title
                .as_deref()
                .is_some_and(|t| t.starts_with('C'))
        }));
    }
);

both_backends!(
    every_validation_error_names_line_and_column,
    |backend| async move {
        let Some((db, store)) = setup(backend).await else {
            return;
        };
        let path = write(
        &db,
        "bad.csv",
        b"Name,Domain,CSM Pulse,Owner email,Team members emails,Stage,Health score profile,Interaction goal,Deleted,SIRET\n\
Ok,ok.fr,,,,,,,,\n\
,bad domain,7,ghost@example.com,nope,Unknown,Unknown,Unknown,,123\n\
Two,two.fr,x,,,,,,perhaps,\n",
    );
        let (report, rejected) = import(&store, &path, ImportKind::Customers).await;
        assert_eq!((report.created, report.rejected), (1, 2));
        let cols: Vec<(u64, &str)> = report
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_str()))
            .collect();
        assert_eq!(
            cols,
            [
                (3, "Domain"),
                (3, "Name"),
                (3, "SIRET"),
                (3, "CSM Pulse"),
                (3, "Owner email"),
                (3, "Team members emails"),
                (3, "Stage"),
                (3, "Health score profile"),
                (3, "Interaction goal"),
                (4, "Deleted"),
                (4, "CSM Pulse"),
            ]
        );
        assert_eq!(rejected.len(), 2);
    }
);

/// Runs the CLI entry point on `file`, returning its exit status.
async fn cli(db: &TestDb, args: &[&str]) -> ExitCode {
    use clap::Parser;
    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: ImportArgs,
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
    cli_errors_csv_reimports_cleanly_once_fixed,
    |backend| async move {
        let Some((db, store)) = setup(backend).await else {
            return;
        };
        let dir = db.dir.path().to_owned();
        let src = dir.join("in.csv");
        std::fs::write(
            &src,
            "Name;Domain;Customer ID;Note\nGood;good.fr;G-1;x\nBad;not a domain;B-1;keep me\n",
        )
        .expect("write");
        let errors = dir.join("errors.csv");
        let (src_s, errors_s) = (src.display().to_string(), errors.display().to_string());
        let status = cli(&db, &["customers", &src_s, "--errors-out", &errors_s]).await;
        assert_eq!(status, ExitCode::from(1));
        let text = std::fs::read_to_string(&errors).expect("errors file");
        assert_eq!(
            text,
            "\u{feff}Name;Domain;Customer ID;Note;Import error\nBad;not a domain;B-1;keep me;Domain: domain needs at least two labels\n"
        );
        // The user fixes the cell and imports the errors file as it is.
        std::fs::write(&errors, text.replace("not a domain", "bad.fr")).expect("fix");
        assert_eq!(cli(&db, &["customers", &errors_s]).await, ExitCode::SUCCESS);
        assert_eq!(companies(&store).await.len(), 2);
        // Unusable input exits with 2: missing columns, a missing file, a bad --map.
        let missing = dir.join("missing.csv");
        std::fs::write(&missing, "Name\nX\n").expect("write");
        let missing_s = missing.display().to_string();
        assert_eq!(
            cli(&db, &["customers", &missing_s]).await,
            ExitCode::from(2)
        );
        assert_eq!(
            cli(&db, &["customers", "/nonexistent/file.csv"]).await,
            ExitCode::from(2)
        );
        assert_eq!(
            cli(&db, &["customers", &src_s, "--map", "Note=shoe size"]).await,
            ExitCode::from(2)
        );
        // --map turns an unknown column into a field; --dry-run writes nothing.
        std::fs::write(&missing, "Name,Site\nMapped,mapped.fr\n").expect("write");
        assert_eq!(
            cli(
                &db,
                &["customers", &missing_s, "--map", "Site=Domain", "--dry-run"]
            )
            .await,
            ExitCode::SUCCESS
        );
        assert_eq!(companies(&store).await.len(), 2);
    }
);

/// A multipart body by hand (the test client has no multipart support).
pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "crmsync-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, file_name, content) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file_name {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn upload(
    app: &crate::support::TestApp,
    tenant: &str,
    parts: &[(&str, Option<&str>, &[u8])],
) -> reqwest::Response {
    let (content_type, body) = multipart(parts);
    app.client
        .post(app.url(&format!("/api/v1/{tenant}/imports")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request")
}

pub async fn wait_done(app: &crate::support::TestApp, id: &str) -> serde_json::Value {
    for _ in 0..200 {
        let job: serde_json::Value = app
            .get(&format!("/api/v1/imports/{id}"))
            .await
            .json()
            .await
            .expect("json");
        if job["state"] != "running" {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import did not finish");
}

both_backends!(
    api_imports_with_progress_counts_and_errors_csv,
    |backend| async move {
        let Some(app) = crate::support::spawn_app(backend).await else {
            return;
        };
        let file = b"Raison sociale;Nom de domaine;Identifiant client;Couleur\nAcme;acme.fr;C-1;bleu\nBad;nope;C-2;rouge\nGlobex;globex.com;C-3;vert\n";
        let response = upload(
            &app,
            TENANT,
            &[
                ("kind", None, b"customers"),
                ("file", Some("clients.csv"), file),
            ],
        )
        .await;
        assert_eq!(response.status(), 202);
        let job: serde_json::Value = response.json().await.expect("json");
        assert_eq!(job["kind"], "customers");
        assert_eq!(job["file_name"], "clients.csv");
        assert_eq!(job["warnings"].as_array().map(Vec::len), Some(1));
        let id = job["id"].as_str().expect("id").to_owned();
        let done = wait_done(&app, &id).await;
        assert_eq!(done["state"], "succeeded", "{done}");
        assert_eq!(done["progress"]["processed_rows"], 3);
        assert_eq!(done["progress"]["fraction"], 1.0);
        assert_eq!(done["counts"]["created"], 2);
        assert_eq!(done["counts"]["rejected"], 1);
        let csv = app.get(&format!("/api/v1/imports/{id}/errors.csv")).await;
        assert_eq!(csv.status(), 200);
        assert!(
            csv.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("text/csv")
        );
        assert_eq!(
            csv.text().await.expect("body"),
            "\u{feff}Raison sociale,Nom de domaine,Identifiant client,Couleur,Import error\nBad,nope,C-2,rouge,Nom de domaine: domain needs at least two labels\n"
        );
        let page: serde_json::Value = app
            .get(&format!("/api/v1/{TENANT}/companies"))
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(page["items"].as_array().map(Vec::len), Some(2));

        // A dry run with a mapping: the same report, nothing written.
        let file = b"Nom,Site\nDry,dry.fr\n";
        let response = upload(
            &app,
            TENANT,
            &[
                ("kind", None, b"customers"),
                ("dry_run", None, b"true"),
                ("mapping", None, b"Site=Domain"),
                ("file", Some("dry.csv"), file),
            ],
        )
        .await;
        assert_eq!(response.status(), 202);
        let id = response.json::<serde_json::Value>().await.expect("json")["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let done = wait_done(&app, &id).await;
        assert_eq!(
            (done["dry_run"].clone(), done["counts"]["created"].clone()),
            (serde_json::json!(true), serde_json::json!(1))
        );
        let page: serde_json::Value = app
            .get(&format!("/api/v1/{TENANT}/companies"))
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(page["items"].as_array().map(Vec::len), Some(2));

        // Refusals: a missing column, a bad kind, an unknown tenant, an unknown job.
        let r = upload(
            &app,
            TENANT,
            &[
                ("kind", None, b"customers"),
                ("file", Some("x.csv"), b"Name\nX\n"),
            ],
        )
        .await;
        assert_eq!(r.status(), 422);
        let body: serde_json::Value = r.json().await.expect("json");
        assert!(
            body["error"]["message"]
                .as_str()
                .expect("message")
                .contains("Domain"),
            "{body}"
        );
        let r = upload(
            &app,
            TENANT,
            &[
                ("kind", None, b"deals"),
                ("file", Some("x.csv"), b"Name\nX\n"),
            ],
        )
        .await;
        assert_eq!(r.status(), 422);
        let r = upload(
            &app,
            "nope",
            &[
                ("kind", None, b"customers"),
                ("file", Some("x.csv"), b"Name\nX\n"),
            ],
        )
        .await;
        assert_eq!(r.status(), 404);
        assert_eq!(app.get("/api/v1/imports/nope").await.status(), 404);
        assert_eq!(
            app.get("/api/v1/imports/nope/errors.csv").await.status(),
            404
        );
        app.stop().await;
    }
);

fn many_customers(n: usize) -> Vec<u8> {
    let mut out = String::from("Name,Domain,Customer ID,CSM Pulse,Tags\n");
    for i in 0..n {
        out.push_str(&format!(
            "Company {i},c{i}.example.com,ID-{i},{},\"a, b\"\n",
            i % 5 + 1
        ));
    }
    out.into_bytes()
}

both_backends!(
    batched_creates_keep_later_rows_pointing_at_them,
    |backend| async move {
        let Some((db, store)) = setup(backend).await else {
            return;
        };
        // More rows than one chunk (500) and one insert batch (200); ID-10 comes back twice
        // at the end, in the same chunk.
        let mut file = many_customers(1050);
        file.extend_from_slice(b"Renamed 10,c10.example.com,ID-10,,\nRenamed again 10,c10.example.com,ID-10,,\nCompany 1049,c1049.example.com,,,\n");
        let path = write(&db, "many.csv", &file);
        let (report, rejected) = import(&store, &path, ImportKind::Customers).await;
        assert!(rejected.is_empty(), "{rejected:?}");
        assert_eq!(
            (report.created, report.updated, report.unchanged),
            (1050, 2, 1)
        );
        let list = companies(&store).await;
        assert_eq!(list.len(), 1000, "one page");
        let total = store
            .scalar_i64("select count(*) from company")
            .await
            .expect("count");
        assert_eq!(total, 1050);
        assert_eq!(by_ext(&list, "ID-10").fields.name, "Renamed again 10");
        // Ids follow the file's order, so each key points at its own record.
        for c in &list {
            let n = &c.fields.external_id.as_deref().expect("id")[3..];
            assert_eq!(
                c.fields.domain.as_deref(),
                Some(format!("c{n}.example.com").as_str())
            );
        }
        // Again: only ID-10 changes (three times), nothing is created.
        let (again, _) = import(&store, &path, ImportKind::Customers).await;
        assert_eq!(
            (again.created, again.updated, again.unchanged),
            (0, 3, 1050)
        );
    }
);
