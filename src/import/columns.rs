//! Mapping a file's header to import fields: every header is normalized (case, accents,
//! spaces and punctuation ignored) and looked up among the English and French synonyms of
//! each field of the kind (seed 000 column sets, plus SIRET and civility); `--map
//! "Header=field"` overrides. Unknown columns are warnings; a missing required column fails
//! the import before any row is read.
//!
//! Pure: no I/O.

use std::collections::HashMap;

use super::{ImportError, ImportKind};

/// A field an import row can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// Customer name.
    Name,
    /// Customer web domain.
    Domain,
    /// Customer ID (customers: merge key; contacts: the contact's customer).
    CustomerId,
    /// CSM pulse 1–5.
    CsmPulse,
    /// Owner's e-mail (a user).
    OwnerEmail,
    /// Team members' e-mails (users, comma list).
    TeamEmails,
    /// Tags (comma list).
    Tags,
    /// Customer stage code.
    Stage,
    /// Health-score profile code.
    HealthScoreProfile,
    /// Interaction goal code.
    InteractionGoal,
    /// `1`/`true` deletes.
    Deleted,
    /// SIRET (or another registration key).
    Siret,
    /// Contact ID.
    ContactId,
    /// Contact e-mail.
    Email,
    /// Other e-mails (comma list).
    AdditionalEmails,
    /// Domain of the contact's customer.
    CustomerDomain,
    /// Phone.
    Phone,
    /// First name.
    Firstname,
    /// Last name.
    Lastname,
    /// Job title.
    JobTitle,
    /// Language.
    Language,
    /// MALE or FEMALE.
    Gender,
    /// Role.
    Role,
    /// NPS score 1–5.
    NpsScore,
    /// Civility code.
    Civility,
}

use Field as F;

/// (field, display name as in seed 000, normalized synonyms).
type FieldDef = (Field, &'static str, &'static [&'static str]);

#[rustfmt::skip]
const DELETED: &[&str] = &["deleted", "delete", "isdeleted", "supprime", "supprimer", "suppression", "asupprimer"];
#[rustfmt::skip]
const TAGS: &[&str] = &["tags", "tag", "keywords", "labels", "motscles", "motcle", "etiquettes", "etiquette"];

#[rustfmt::skip]
const CUSTOMER_FIELDS: &[FieldDef] = &[
    (F::Name, "Name", &["name", "customername", "companyname", "company", "accountname", "customer", "raisonsociale", "nom", "nomclient", "nomduclient", "client", "societe", "nomsociete", "nomdelasociete", "entreprise", "nomentreprise", "denomination"]),
    (F::Domain, "Domain", &["domain", "domainname", "customerdomain", "website", "web", "url", "domaine", "nomdedomaine", "nomdomaine", "siteweb", "siteinternet", "site"]),
    (F::CustomerId, "Customer ID", &["customerid", "customerexternalid", "externalid", "clientid", "customercode", "id", "idclient", "identifiantclient", "identifiant", "codeclient", "referenceclient", "refclient", "numeroclient"]),
    (F::CsmPulse, "CSM Pulse", &["csmpulse", "pulse", "pulsecsm", "meteocsm", "humeurcsm", "santecsm"]),
    (F::OwnerEmail, "Owner email", &["owneremail", "ownermail", "owner", "accountowner", "accountowneremail", "proprietaire", "emailproprietaire", "emailduproprietaire", "courrielproprietaire", "courrielduproprietaire", "responsable", "emailresponsable", "emailduresponsable"]),
    (F::TeamEmails, "Team members emails", &["teammembersemails", "teammemberemails", "teammembersemail", "teammembers", "team", "teamemails", "contributors", "equipe", "emailsequipe", "emailsdelequipe", "membresdelequipe", "emailsdesmembresdelequipe", "contributeurs"]),
    (F::Tags, "Tags", TAGS),
    (F::Stage, "Stage", &["stage", "customerstage", "etape", "etapeclient", "etapeducycledevie", "cycledevie", "phase"]),
    (F::HealthScoreProfile, "Health score profile", &["healthscoreprofile", "healthprofile", "scoreprofile", "profilhealthscore", "profildehealthscore", "profilscoredesante", "profildescoredesante", "profilsante"]),
    (F::InteractionGoal, "Interaction goal", &["interactiongoal", "interactiongoals", "objectifdinteraction", "objectifinteraction", "objectifdinteractions", "objectifinteractions", "objectifdechanges"]),
    (F::Deleted, "Deleted", DELETED),
    (F::Siret, "SIRET", &["siret", "siren", "numerosiret", "siretclient", "registrationkey", "registrationnumber", "companynumber", "enterprisenumber", "numerodentreprise", "numeroentreprise", "ondernemingsnummer", "bce", "kbo"]),
];

#[rustfmt::skip]
const CONTACT_FIELDS: &[FieldDef] = &[
    (F::ContactId, "Contact ID", &["contactid", "externalid", "contactexternalid", "id", "idcontact", "identifiantcontact", "identifiant", "codecontact", "referencecontact", "refcontact"]),
    (F::Email, "Email", &["email", "emailaddress", "mail", "courriel", "adressemail", "adresseemail", "adressecourriel", "adresseelectronique", "emailcontact", "emailducontact", "contactemail"]),
    (F::AdditionalEmails, "Additional emails", &["additionalemails", "additionalemail", "otheremails", "otheremail", "secondaryemails", "aliases", "alias", "emailssupplementaires", "emailsupplementaire", "emailsadditionnels", "autresemails", "autresemail", "autrescourriels", "courrielssupplementaires"]),
    (F::CustomerId, "Customer ID", &["customerid", "customerexternalid", "clientid", "companyid", "accountid", "customercode", "idclient", "identifiantclient", "codeclient", "referenceclient", "refclient", "numeroclient", "idsociete", "identifiantsociete"]),
    (F::CustomerDomain, "Customer domain", &["customerdomain", "companydomain", "accountdomain", "domain", "website", "domaineclient", "domaineduclient", "domainedelentreprise", "domainesociete", "domainedelasociete", "nomdedomaine", "domaine", "siteweb"]),
    (F::Phone, "Phone", &["phone", "phonenumber", "telephone", "tel", "mobile", "mobilephone", "portable", "gsm", "numerodetelephone", "numerotelephone"]),
    (F::Firstname, "Firstname", &["firstname", "first", "givenname", "forename", "prenom"]),
    (F::Lastname, "Lastname", &["lastname", "last", "surname", "familyname", "name", "nom", "nomdefamille", "nomfamille"]),
    (F::Tags, "Tags", TAGS),
    (F::JobTitle, "Job title", &["jobtitle", "title", "job", "position", "fonction", "poste", "titre", "intituledeposte", "intituleduposte", "metier"]),
    (F::Language, "Language", &["language", "lang", "locale", "langue", "languepreferee"]),
    (F::Gender, "Gender", &["gender", "sex", "sexe", "genre"]),
    (F::Role, "Role", &["role", "userrole", "platformrole", "roleplateforme", "roledansplateforme", "roledanslaplateforme"]),
    (F::NpsScore, "NPS Score", &["npsscore", "nps", "notenps", "scorenps", "npsnote"]),
    (F::Deleted, "Deleted", DELETED),
    (F::Civility, "Civility", &["civility", "salutation", "civilite", "qualite", "qualitepersonne"]),
];

fn fields_of(kind: ImportKind) -> &'static [FieldDef] {
    match kind {
        ImportKind::Customers => CUSTOMER_FIELDS,
        ImportKind::Contacts => CONTACT_FIELDS,
        // Bulk files: the contact keys; the `[old]`/`[new]` columns are read by `bulk`.
        ImportKind::Criteria | ImportKind::Authorizations => &CONTACT_FIELDS[..2],
    }
}

impl Field {
    /// The seed's column title, as used in messages.
    #[must_use]
    pub fn display(self, kind: ImportKind) -> &'static str {
        fields_of(kind)
            .iter()
            .find(|(f, _, _)| *f == self)
            .map_or("?", |(_, name, _)| name)
    }
}

/// Lower-case ASCII letters and digits only: accents folded, everything else dropped.
#[must_use]
pub fn normalize(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    for c in header.chars().flat_map(char::to_lowercase) {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            _ => {}
        }
    }
    out
}

/// The field a header or a `--map` target names, if any.
#[must_use]
pub fn lookup(kind: ImportKind, name: &str) -> Option<Field> {
    let key = normalize(name);
    fields_of(kind)
        .iter()
        .find(|(_, display, synonyms)| {
            normalize(display) == key || synonyms.contains(&key.as_str())
        })
        .map(|(f, _, _)| *f)
}

/// Which column holds which field.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    /// Column of each field, indexed by `Field as usize`: looked up for every cell of every
    /// row, so an array rather than a hash map.
    by_field: Vec<Option<usize>>,
    headers: Vec<String>,
    /// Columns that map to no field, or duplicate a mapped one.
    pub warnings: Vec<String>,
}

impl ColumnMap {
    /// Maps `header`, applying `overrides` (`(header, field)`; an empty field ignores the
    /// column) before the automatic mapping.
    ///
    /// # Errors
    /// [`ImportError::Mapping`] for an override naming an unknown header or field;
    /// [`ImportError::MissingColumns`] when a required field has no column.
    pub fn build(
        kind: ImportKind,
        header: &[String],
        overrides: &[(String, String)],
    ) -> Result<Self, ImportError> {
        let mut assigned: Vec<Option<Option<Field>>> = vec![None; header.len()];
        for (name, target) in overrides {
            let key = normalize(name);
            let Some(col) = header
                .iter()
                .position(|h| h.trim() == name.trim())
                .or_else(|| header.iter().position(|h| normalize(h) == key))
            else {
                return Err(ImportError::Mapping(format!(
                    "--map: the file has no column {name:?}"
                )));
            };
            let field = if target.trim().is_empty() || normalize(target) == "ignore" {
                None
            } else {
                Some(lookup(kind, target).ok_or_else(|| {
                    ImportError::Mapping(format!(
                        "--map: {target:?} is not a {} field (one of: {})",
                        kind.as_str(),
                        fields_of(kind)
                            .iter()
                            .map(|(_, d, _)| *d)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?)
            };
            assigned[col] = Some(field);
        }
        let mut by_field = HashMap::new();
        let mut warnings = Vec::new();
        // Explicit mappings first, so that they win over an automatic match elsewhere.
        for (col, a) in assigned.iter().enumerate() {
            if let Some(Some(field)) = a {
                by_field.insert(*field, col);
            }
        }
        for (col, h) in header.iter().enumerate() {
            if assigned[col].is_some() {
                continue;
            }
            match lookup(kind, h) {
                Some(field) if by_field.contains_key(&field) => warnings.push(format!(
                    "column {h:?} ignored: {} is already read from another column",
                    field.display(kind)
                )),
                Some(field) => {
                    by_field.insert(field, col);
                }
                // Blank headers, the reason column of our own errors CSV coming back, and
                // the value columns of a bulk file.
                None if h.trim().is_empty()
                    || h.trim() == super::report::REASON_COLUMN
                    || (kind.bulk().is_some() && super::bulk::split_header(h).is_some()) => {}
                None => warnings.push(format!(
                    "column {h:?} ignored: not a {} field",
                    kind.as_str()
                )),
            }
        }
        let missing: Vec<&'static str> = match kind {
            ImportKind::Customers => [F::Name, F::Domain]
                .into_iter()
                .filter(|f| !by_field.contains_key(f))
                .map(|f| f.display(kind))
                .collect(),
            ImportKind::Contacts => {
                let mut m = Vec::new();
                if !by_field.contains_key(&F::Email) {
                    m.push(F::Email.display(kind));
                }
                if !by_field.contains_key(&F::CustomerId)
                    && !by_field.contains_key(&F::CustomerDomain)
                {
                    m.push("Customer ID or Customer domain");
                }
                m
            }
            ImportKind::Criteria | ImportKind::Authorizations => {
                if by_field.contains_key(&F::ContactId) || by_field.contains_key(&F::Email) {
                    Vec::new()
                } else {
                    vec!["Contact ID or Email"]
                }
            }
        };
        if !missing.is_empty() {
            return Err(ImportError::MissingColumns(missing.join(", ")));
        }
        let mut slots = Vec::new();
        for (field, col) in by_field {
            let at = field as usize;
            if slots.len() <= at {
                slots.resize(at + 1, None);
            }
            slots[at] = Some(col);
        }
        Ok(Self {
            by_field: slots,
            headers: header.to_vec(),
            warnings,
        })
    }

    /// The file's header.
    #[must_use]
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The column index of `field`.
    #[must_use]
    pub fn column(&self, field: Field) -> Option<usize> {
        self.by_field.get(field as usize).copied().flatten()
    }

    /// The trimmed, non-empty cell of `field` in `row`.
    #[must_use]
    pub fn cell<'r>(&self, row: &'r [String], field: Field) -> Option<&'r str> {
        let col = self.column(field)?;
        row.get(col).map(|c| c.trim()).filter(|c| !c.is_empty())
    }

    /// The file's header text of `field`'s column (for error reports).
    #[must_use]
    pub fn header_of(&self, field: Field) -> String {
        self.column(field)
            .and_then(|c| self.headers.get(c))
            .cloned()
            .unwrap_or_default()
    }
}

/// Parses `--map` values `Header=field`.
///
/// # Errors
/// [`ImportError::Mapping`] for a value without `=`.
pub fn parse_overrides(values: &[String]) -> Result<Vec<(String, String)>, ImportError> {
    values
        .iter()
        .map(|v| {
            v.rsplit_once('=')
                .map(|(h, f)| (h.trim().to_owned(), f.trim().to_owned()))
                .ok_or_else(|| ImportError::Mapping(format!("--map {v:?}: expected HEADER=FIELD")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn normalization_ignores_case_accents_spaces_and_punctuation() {
        assert_eq!(normalize("Nom de domaine"), "nomdedomaine");
        assert_eq!(normalize(" E-mail "), "email");
        assert_eq!(normalize("Prénom"), "prenom");
        assert_eq!(normalize("TÉLÉPHONE"), "telephone");
        assert_eq!(normalize("Civilité"), "civilite");
        assert_eq!(normalize("Objectif d'interaction"), "objectifdinteraction");
    }

    #[test]
    fn french_and_english_headers_map_to_the_same_fields() {
        let c = ImportKind::Customers;
        assert_eq!(lookup(c, "Raison sociale"), Some(F::Name));
        assert_eq!(lookup(c, "Nom de domaine"), Some(F::Domain));
        assert_eq!(lookup(c, "Customer ID"), Some(F::CustomerId));
        assert_eq!(lookup(c, "Team members e-mails"), Some(F::TeamEmails));
        assert_eq!(lookup(c, "Mots-clés"), Some(F::Tags));
        assert_eq!(lookup(c, "Étape"), Some(F::Stage));
        let k = ImportKind::Contacts;
        assert_eq!(lookup(k, "Courriel"), Some(F::Email));
        assert_eq!(lookup(k, "E-mail"), Some(F::Email));
        assert_eq!(lookup(k, "Prénom"), Some(F::Firstname));
        assert_eq!(lookup(k, "Nom"), Some(F::Lastname));
        assert_eq!(lookup(k, "Téléphone"), Some(F::Phone));
        assert_eq!(lookup(k, "Fonction"), Some(F::JobTitle));
        assert_eq!(lookup(k, "Langue"), Some(F::Language));
        assert_eq!(lookup(k, "Civilité"), Some(F::Civility));
        assert_eq!(lookup(k, "NPS Score"), Some(F::NpsScore));
        assert_eq!(lookup(k, "Shoe size"), None);
    }

    #[test]
    fn every_field_finds_itself_by_its_display_name() {
        for kind in [ImportKind::Customers, ImportKind::Contacts] {
            for (field, display, _) in fields_of(kind) {
                assert_eq!(lookup(kind, display), Some(*field), "{display}");
            }
        }
    }

    #[test]
    fn missing_required_columns_fail_and_unknown_ones_warn() {
        let err = ColumnMap::build(ImportKind::Customers, &strings(&["Name", "Color"]), &[]);
        assert!(matches!(err, Err(ImportError::MissingColumns(m)) if m == "Domain"));
        let map = ColumnMap::build(
            ImportKind::Customers,
            &strings(&["Name", "Domain", "Color"]),
            &[],
        )
        .expect("maps");
        assert_eq!(map.warnings.len(), 1);
        let err = ColumnMap::build(ImportKind::Contacts, &strings(&["Email"]), &[]);
        assert!(
            matches!(err, Err(ImportError::MissingColumns(m)) if m.contains("Customer ID or Customer domain"))
        );
    }

    #[test]
    fn overrides_win_and_can_ignore_a_column() {
        let header = strings(&["Société", "Web", "Mail perso", "Email"]);
        let overrides = parse_overrides(&strings(&[
            "Mail perso=Email",
            "Email=",
            "Web=Customer domain",
        ]))
        .expect("valid");
        let map = ColumnMap::build(ImportKind::Contacts, &header, &overrides).expect("maps");
        assert_eq!(map.column(F::Email), Some(2));
        assert_eq!(map.column(F::CustomerDomain), Some(1));
        let bad = parse_overrides(&strings(&["Email=shoe"])).expect("syntax ok");
        assert!(matches!(
            ColumnMap::build(ImportKind::Contacts, &header, &bad),
            Err(ImportError::Mapping(_))
        ));
    }
}
