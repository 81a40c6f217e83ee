//! HubSpot-defined and custom property definitions of the simulated portal, per type.

use super::properties::{PropOption, PropertyDef};
use super::types::ObjectType;

fn opts(values: &[(&str, &str)]) -> Vec<PropOption> {
    values
        .iter()
        .enumerate()
        .map(|(i, (v, l))| PropOption {
            label: (*l).into(),
            value: (*v).into(),
            hidden: false,
            display_order: Some(i as i64),
            description: None,
        })
        .collect()
}

pub const LIFECYCLE: &[(&str, &str)] = &[
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
];

const READ_ONLY: &[&str] = &[
    "hs_object_id",
    "createdate",
    "hs_createdate",
    "lastmodifieddate",
    "hs_lastmodifieddate",
    "hs_merged_object_ids",
    "hs_created_by_user_id",
];

fn def(
    name: &str,
    kind: &str,
    field: &str,
    group: &str,
    options: Vec<PropOption>,
    hubspot: bool,
) -> PropertyDef {
    PropertyDef {
        name: name.into(),
        label: name.replace("hs_", "").replace('_', " "),
        kind: kind.into(),
        field_type: field.into(),
        group_name: group.into(),
        description: String::new(),
        options,
        has_unique_value: false,
        hidden: false,
        form_field: !hubspot,
        display_order: -1,
        external_options: false,
        referenced_object_type: None,
        hubspot_defined: hubspot,
        read_only_value: READ_ONLY.contains(&name),
        archived: false,
        created_ms: 0,
        updated_ms: 0,
    }
}

pub fn bool_options() -> Vec<PropOption> {
    opts(&[("true", "Yes"), ("false", "No")])
}

/// HubSpot-defined and the portal's custom (crmsync-provisioned) properties of a type.
/// The unique key crmsync upserts deals and activities by; the seeded portal is provisioned.
fn crmsync_id(group: &str) -> PropertyDef {
    let mut d = def("crmsync_id", "string", "text", group, vec![], false);
    d.label = "crmsync id".into();
    d.has_unique_value = true;
    d
}

pub fn default_defs(t: ObjectType, civilities: &[(&str, &str)]) -> Vec<PropertyDef> {
    let group = match t {
        ObjectType::Contacts => "contactinformation",
        ObjectType::Companies => "companyinformation",
        ObjectType::Deals => "dealinformation",
        _ => "engagement",
    };
    let s = |n: &str| def(n, "string", "text", group, vec![], true);
    let dt = |n: &str| def(n, "datetime", "date", group, vec![], true);
    let num = |n: &str| def(n, "number", "number", group, vec![], true);
    let en = |n: &str, o: &[(&str, &str)]| def(n, "enumeration", "select", group, opts(o), true);
    let mut owner = def(
        "hubspot_owner_id",
        "enumeration",
        "select",
        group,
        vec![],
        true,
    );
    owner.external_options = true;
    owner.referenced_object_type = Some("OWNER".into());
    let mut out = vec![
        num("hs_object_id"),
        dt("hs_lastmodifieddate"),
        owner,
        s("hs_merged_object_ids"),
    ];
    let mut sync = def(
        "synchro_artis",
        "bool",
        "booleancheckbox",
        group,
        bool_options(),
        false,
    );
    sync.label = "Synchro".into();
    match t {
        ObjectType::Contacts | ObjectType::Companies => {
            out.push(dt("createdate"));
            out.push(en("lifecyclestage", LIFECYCLE));
            for n in ["phone", "address", "city", "zip", "country", "website"] {
                out.push(s(n));
            }
            out.push(sync);
            if t == ObjectType::Contacts {
                for n in [
                    "email",
                    "firstname",
                    "lastname",
                    "mobilephone",
                    "jobtitle",
                    "company",
                    "hs_additional_emails",
                    "hs_language",
                ] {
                    out.push(s(n));
                }
                out.push(dt("lastmodifieddate"));
                let mut civ = def(
                    "civilite",
                    "enumeration",
                    "select",
                    group,
                    opts(civilities),
                    false,
                );
                civ.label = "Civilité".into();
                out.push(civ);
            } else {
                for n in ["name", "domain", "industry", "description", "state"] {
                    out.push(s(n));
                }
                out.push(num("numberofemployees"));
                out.push(num("annualrevenue"));
                let mut siret = def("siret", "string", "text", group, vec![], false);
                siret.label = "SIRET".into();
                siret.has_unique_value = true;
                out.push(siret);
                let mut ing = def(
                    "ingenieur_commercial",
                    "enumeration",
                    "select",
                    group,
                    vec![],
                    false,
                );
                ing.label = "Ingénieur commercial".into();
                ing.external_options = true;
                ing.referenced_object_type = Some("OWNER".into());
                out.push(ing);
            }
        }
        ObjectType::Deals => {
            out.push(dt("createdate"));
            out.extend([
                s("dealname"),
                num("amount"),
                dt("closedate"),
                s("description"),
                s("deal_currency_code"),
            ]);
            out.push(def(
                "pipeline",
                "enumeration",
                "select",
                group,
                vec![],
                true,
            ));
            out.push(def(
                "dealstage",
                "enumeration",
                "radio",
                group,
                vec![],
                true,
            ));
            out.push(en(
                "dealtype",
                &[
                    ("newbusiness", "New Business"),
                    ("existingbusiness", "Existing Business"),
                ],
            ));
            out.push(num("hs_created_by_user_id"));
            out.push(sync);
            out.push(crmsync_id(group));
        }
        _ => {
            out.push(crmsync_id(group));
            out.extend([
                dt("hs_createdate"),
                dt("hs_timestamp"),
                s("hs_activity_type"),
                s("hs_attachment_ids"),
            ]);
            match t {
                ObjectType::Calls => {
                    out.extend(
                        [
                            "hs_call_title",
                            "hs_call_body",
                            "hs_call_from_number",
                            "hs_call_to_number",
                            "hs_call_recording_url",
                            "hs_call_disposition",
                            "hs_call_callee_object_id",
                            "hs_call_callee_object_type",
                        ]
                        .map(s),
                    );
                    out.push(num("hs_call_duration"));
                    out.push(en(
                        "hs_call_direction",
                        &[("INBOUND", "Inbound"), ("OUTBOUND", "Outbound")],
                    ));
                    let st = [
                        "BUSY",
                        "CALLING_CRM_USER",
                        "CANCELED",
                        "COMPLETED",
                        "CONNECTING",
                        "FAILED",
                        "IN_PROGRESS",
                        "NO_ANSWER",
                        "QUEUED",
                        "RINGING",
                    ];
                    let pairs: Vec<(&str, &str)> = st.iter().map(|v| (*v, *v)).collect();
                    out.push(en("hs_call_status", &pairs));
                }
                ObjectType::Meetings => {
                    out.extend(
                        [
                            "hs_meeting_title",
                            "hs_meeting_body",
                            "hs_internal_meeting_notes",
                            "hs_meeting_external_url",
                            "hs_meeting_location",
                            "hs_attendee_owner_ids",
                        ]
                        .map(s),
                    );
                    out.extend([dt("hs_meeting_start_time"), dt("hs_meeting_end_time")]);
                    let st = [
                        "SCHEDULED",
                        "COMPLETED",
                        "RESCHEDULED",
                        "NO_SHOW",
                        "CANCELED",
                    ];
                    let pairs: Vec<(&str, &str)> = st.iter().map(|v| (*v, *v)).collect();
                    out.push(en("hs_meeting_outcome", &pairs));
                }
                ObjectType::Emails => {
                    out.extend(
                        [
                            "hs_email_subject",
                            "hs_email_text",
                            "hs_email_html",
                            "hs_email_headers",
                        ]
                        .map(s),
                    );
                    out.push(en(
                        "hs_email_direction",
                        &[
                            ("EMAIL", "Email"),
                            ("INCOMING_EMAIL", "Incoming"),
                            ("FORWARDED_EMAIL", "Forwarded"),
                        ],
                    ));
                    let st = ["BOUNCED", "FAILED", "SCHEDULED", "SENDING", "SENT"];
                    let pairs: Vec<(&str, &str)> = st.iter().map(|v| (*v, *v)).collect();
                    out.push(en("hs_email_status", &pairs));
                }
                ObjectType::Notes => out.push(s("hs_note_body")),
                _ => out.extend(
                    [
                        "hs_task_subject",
                        "hs_task_body",
                        "hs_task_status",
                        "hs_task_priority",
                        "hs_task_type",
                    ]
                    .map(s),
                ),
            }
        }
    }
    out
}
