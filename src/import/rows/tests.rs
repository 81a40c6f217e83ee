use super::*;
use crate::import::ImportKind;

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn refs() -> Refs {
    let code = |c: &str, l: &str| CodeLabel {
        code: c.to_owned(),
        label: l.to_owned(),
    };
    Refs {
        users: HashMap::from([
            ("owner@example.com".to_owned(), 7),
            ("team@example.com".to_owned(), 8),
        ]),
        stages: Codes::new(vec![code("TRIAL", "Trial"), code("RUN", "Run")]),
        profiles: Codes::new(vec![code("SMB", "Small business")]),
        goals: Codes::new(vec![code("MONTHLY", "Monthly")]),
        civilities: Codes::new(vec![code("M", "Monsieur"), code("MME", "Madame")]),
    }
}

const CUSTOMER_HEADER: &[&str] = &[
    "Name",
    "Domain",
    "Customer ID",
    "CSM Pulse",
    "Owner email",
    "Team members emails",
    "Tags",
    "Stage",
    "Health score profile",
    "Interaction goal",
    "Deleted",
    "SIRET",
];

fn customer(cells: &[&str]) -> Result<CompanyRow, Vec<RowError>> {
    let map =
        ColumnMap::build(ImportKind::Customers, &strings(CUSTOMER_HEADER), &[]).expect("maps");
    company_row(&map, &refs(), &strings(cells), 2)
}

fn columns_of(errors: &[RowError]) -> Vec<&str> {
    errors.iter().map(|e| e.column.as_str()).collect()
}

#[test]
fn a_full_customer_row_becomes_a_patch() {
    let row = customer(&[
        "Acme",
        "https://www.Acme.fr/",
        "C-1",
        "4",
        "Owner@example.com",
        "team@example.com, owner@example.com",
        "vip, key",
        "trial",
        "Small business",
        "MONTHLY",
        "",
        "732 829 320 00074",
    ])
    .expect("valid");
    assert!(!row.deleted);
    assert_eq!(row.domain.as_deref(), Some("acme.fr"));
    assert_eq!(row.registration_key.as_deref(), Some("73282932000074"));
    let p = row.patch;
    assert_eq!(p.name, Some(Some("Acme".into())));
    assert_eq!(p.csm_pulse, Some(Some(4)));
    assert_eq!(p.owner_user_id, Some(Some(7)));
    assert_eq!(p.team_user_ids, Some(Some(vec![8, 7])));
    assert_eq!(p.tags, Some(Some(vec!["vip".into(), "key".into()])));
    assert_eq!(p.customer_stage, Some(Some("TRIAL".into())));
    assert_eq!(p.health_score_profile, Some(Some("SMB".into())));
    assert_eq!(p.interaction_goal, Some(Some("MONTHLY".into())));
}

#[test]
fn empty_cells_leave_fields_absent() {
    let row =
        customer(&["Acme", "acme.fr", "", "", "", "", "", "", "", "", "", ""]).expect("valid");
    assert_eq!(row.patch.csm_pulse, None);
    assert_eq!(row.patch.tags, None);
    assert_eq!(row.patch.external_id, None);
    assert_eq!(row.patch.registration_key, None);
}

#[test]
fn every_customer_column_reports_its_own_error() {
    let errors = customer(&[
        "",
        "not a domain",
        "",
        "9",
        "nobody@example.com",
        "bad, nobody@example.com",
        "",
        "nope",
        "nope",
        "nope",
        "",
        "12345678901234",
    ])
    .expect_err("invalid");
    assert_eq!(
        columns_of(&errors),
        [
            "Domain",
            "Name",
            "SIRET",
            "CSM Pulse",
            "Owner email",
            "Team members emails",
            "Team members emails",
            "Stage",
            "Health score profile",
            "Interaction goal"
        ]
    );
    assert!(errors.iter().all(|e| e.line == 2));
    let errors = customer(&["Acme", "", "", "x", "bad", "", "", "", "", "", "maybe", ""])
        .expect_err("invalid");
    assert_eq!(
        columns_of(&errors),
        ["Deleted", "Domain", "CSM Pulse", "Owner email"]
    );
}

#[test]
fn a_deleted_row_needs_only_a_merge_key() {
    let row = customer(&["", "", "C-1", "", "", "", "", "", "", "", "true", ""]).expect("valid");
    assert!(row.deleted);
    let errors = customer(&["", "", "", "", "", "", "", "", "", "", "1", ""]).expect_err("no key");
    assert_eq!(columns_of(&errors), ["Customer ID"]);
}

const CONTACT_HEADER: &[&str] = &[
    "Contact ID",
    "Email",
    "Additional emails",
    "Customer ID",
    "Customer domain",
    "Phone",
    "Firstname",
    "Lastname",
    "Tags",
    "Job title",
    "Language",
    "Gender",
    "Role",
    "NPS Score",
    "Deleted",
    "Civilité",
];

fn contact(cells: &[&str]) -> Result<ContactRow, Vec<RowError>> {
    let map = ColumnMap::build(ImportKind::Contacts, &strings(CONTACT_HEADER), &[]).expect("maps");
    contact_row(&map, &refs(), &strings(cells), 5)
}

#[test]
fn a_full_contact_row_becomes_a_patch() {
    let row = contact(&[
        "P-1",
        "Jane@Example.com",
        "j@example.org; jd@example.net",
        "C-1",
        "",
        "+33 6 45 87 45 63",
        "Jane",
        "Doe",
        "SPONSOR, CHAMPION",
        "CMO",
        "FR",
        "female",
        "admin",
        "5",
        "0",
        "Madame",
    ])
    .expect("valid");
    assert_eq!(row.email.as_deref(), Some("jane@example.com"));
    assert_eq!(row.customer_id.as_deref(), Some("C-1"));
    let p = row.patch;
    assert_eq!(p.email, Some(Some("Jane@Example.com".into())));
    assert_eq!(
        p.additional_emails,
        Some(Some(vec!["j@example.org".into(), "jd@example.net".into()]))
    );
    assert_eq!(p.gender, Some(Some("FEMALE".into())));
    assert_eq!(p.nps_score, Some(Some(5)));
    assert_eq!(p.civility, Some(Some("MME".into())));
    assert_eq!(p.job_title, Some(Some("CMO".into())));
}

#[test]
fn every_contact_column_reports_its_own_error() {
    let errors = contact(&[
        "",
        "not-an-email",
        "a@b.c, nope",
        "",
        "bad domain",
        "",
        "",
        "",
        "",
        "",
        "",
        "robot",
        "",
        "0",
        "",
        "Sir",
    ])
    .expect_err("invalid");
    assert_eq!(
        columns_of(&errors),
        [
            "Email",
            "Customer domain",
            "Additional emails",
            "Gender",
            "NPS Score",
            "Civilité"
        ]
    );
    let errors = contact(&[
        "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
    ])
    .expect_err("invalid");
    assert_eq!(columns_of(&errors), ["Email", "Customer ID"]);
}
