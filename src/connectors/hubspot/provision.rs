//! `crmsync hubspot provision` (spec §3.3): creates the properties and deal stages the sync
//! needs, idempotently — read first, create what is missing, align what differs, and report.

use serde_json::json;

use super::client::HubSpotClient;
use super::error::HubSpotError;
use super::models::{PipelineStage, PropertyDef, PropertyOption};

/// What provisioning did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ProvisionReport {
    /// Created now (`object.property`, `pipeline stage …`).
    pub created: Vec<String>,
    /// Already there as needed.
    pub existing: Vec<String>,
    /// Existed but was aligned (e.g. civility options).
    pub updated: Vec<String>,
}

/// Inputs of provisioning.
#[derive(Debug, Clone)]
pub struct ProvisionPlan {
    /// Name of the sync checkbox (`synchro_artis`).
    pub sync_property: String,
    /// The tenant's civility codes and labels, in order.
    pub civilities: Vec<(String, String)>,
    /// Deal stage names and progress %, in order (§3.5).
    pub deal_stages: Vec<(String, i64)>,
}

fn checkbox(name: &str, group: &str) -> PropertyDef {
    PropertyDef {
        name: name.to_owned(),
        label: "Synchro artis".to_owned(),
        kind: "bool".to_owned(),
        field_type: "booleancheckbox".to_owned(),
        group_name: group.to_owned(),
        options: vec![option("Yes", "true", 0), option("No", "false", 1)],
        ..PropertyDef::default()
    }
}

/// The unique key deals and activities are upserted by, so a create retried after a crash
/// finds the record it made instead of making another.
fn crmsync_id(group: &str) -> PropertyDef {
    PropertyDef {
        name: "crmsync_id".to_owned(),
        label: "crmsync id".to_owned(),
        kind: "string".to_owned(),
        field_type: "text".to_owned(),
        group_name: group.to_owned(),
        has_unique_value: true,
        ..PropertyDef::default()
    }
}

fn option(label: &str, value: &str, order: i64) -> PropertyOption {
    PropertyOption {
        label: label.to_owned(),
        value: value.to_owned(),
        hidden: false,
        display_order: order,
    }
}

fn wanted(plan: &ProvisionPlan) -> Vec<(&'static str, PropertyDef)> {
    let civilite = PropertyDef {
        name: "civilite".to_owned(),
        label: "Civilité".to_owned(),
        kind: "enumeration".to_owned(),
        field_type: "select".to_owned(),
        group_name: "contactinformation".to_owned(),
        options: plan
            .civilities
            .iter()
            .zip(0..)
            .map(|((code, label), i)| option(label, code, i))
            .collect(),
        ..PropertyDef::default()
    };
    vec![
        (
            "companies",
            PropertyDef {
                name: "siret".to_owned(),
                label: "SIRET".to_owned(),
                kind: "string".to_owned(),
                field_type: "text".to_owned(),
                group_name: "companyinformation".to_owned(),
                has_unique_value: true,
                ..PropertyDef::default()
            },
        ),
        (
            "companies",
            checkbox(&plan.sync_property, "companyinformation"),
        ),
        ("deals", checkbox(&plan.sync_property, "dealinformation")),
        (
            "contacts",
            checkbox(&plan.sync_property, "contactinformation"),
        ),
        ("contacts", civilite),
        ("deals", crmsync_id("dealinformation")),
        ("calls", crmsync_id("engagement")),
        ("meetings", crmsync_id("engagement")),
        ("emails", crmsync_id("engagement")),
        (
            "companies",
            PropertyDef {
                name: "ingenieur_commercial".to_owned(),
                label: "Ingénieur commercial".to_owned(),
                kind: "enumeration".to_owned(),
                field_type: "select".to_owned(),
                group_name: "companyinformation".to_owned(),
                external_options: true,
                referenced_object_type: Some("OWNER".to_owned()),
                ..PropertyDef::default()
            },
        ),
    ]
}

/// Provisions the portal.
///
/// # Errors
/// Any HubSpot failure; what was done before it stays done (a rerun continues).
pub async fn provision(
    client: &HubSpotClient,
    plan: &ProvisionPlan,
) -> Result<ProvisionReport, HubSpotError> {
    let mut report = ProvisionReport::default();
    for (object, def) in wanted(plan) {
        let label = format!("{object}.{}", def.name);
        match client.property(object, &def.name).await? {
            None => match client.create_property(object, &def).await {
                Ok(_) => report.created.push(label),
                // Created concurrently between our read and write.
                Err(HubSpotError::Conflict { .. }) => report.existing.push(label),
                Err(e) => return Err(e),
            },
            Some(current)
                if def.name == "civilite" && !same_options(&current.options, &def.options) =>
            {
                client
                    .update_property(object, &def.name, &json!({ "options": def.options }))
                    .await?;
                report.updated.push(label);
            }
            Some(_) => report.existing.push(label),
        }
    }
    provision_stages(client, plan, &mut report).await?;
    Ok(report)
}

fn same_options(a: &[PropertyOption], b: &[PropertyOption]) -> bool {
    let key = |o: &[PropertyOption]| {
        o.iter()
            .map(|x| (x.value.clone(), x.label.clone()))
            .collect::<Vec<_>>()
    };
    key(a) == key(b)
}

async fn provision_stages(
    client: &HubSpotClient,
    plan: &ProvisionPlan,
    report: &mut ProvisionReport,
) -> Result<(), HubSpotError> {
    let pipelines = client.deal_pipelines().await?;
    let Some(pipeline) = pipelines
        .iter()
        .find(|p| p.id == "default")
        .or_else(|| pipelines.first())
    else {
        return Err(HubSpotError::Rejected {
            status: 404,
            category: "NO_DEAL_PIPELINE".to_owned(),
            message: String::new(),
        });
    };
    let last_order = pipeline
        .stages
        .iter()
        .map(|s| s.display_order)
        .max()
        .unwrap_or(0);
    for (i, (name, pct)) in plan.deal_stages.iter().enumerate() {
        let label = format!("deal stage {name}");
        if pipeline.stages.iter().any(|s| &s.label == name) {
            report.existing.push(label);
            continue;
        }
        let closed = *pct >= 100;
        let stage = PipelineStage {
            id: String::new(),
            label: name.clone(),
            display_order: last_order + 1 + i64::try_from(i).unwrap_or(0),
            metadata: [
                (
                    "probability".to_owned(),
                    format!("{:.1}", *pct as f64 / 100.0),
                ),
                ("isClosed".to_owned(), closed.to_string()),
            ]
            .into_iter()
            .collect(),
        };
        client.create_deal_stage(&pipeline.id, &stage).await?;
        report.created.push(label);
    }
    Ok(())
}
