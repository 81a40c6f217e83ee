//! Deal stages ⇄ local statuses (spec §3.5): HubSpot stage names are exact; their ids are
//! looked up in the pipeline.

/// One row of the deal-stage decision table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRow {
    /// HubSpot stage name (exact, e.g. `Négociation`).
    pub stage_name: String,
    /// Local status (e.g. `negociation`).
    pub status: String,
    /// Progress %.
    pub progress_pct: i64,
    /// HubSpot's id of the stage, once looked up.
    pub hubspot_stage_id: Option<String>,
}

/// The tenant's deal-stage table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageMap {
    rows: Vec<StageRow>,
}

impl StageMap {
    /// A table from its rows.
    #[must_use]
    pub fn new(rows: Vec<StageRow>) -> Self {
        Self { rows }
    }

    /// Fills HubSpot stage ids from the pipeline's `(id, label)` pairs, by exact name.
    pub fn resolve_ids<'a>(
        &mut self,
        stages: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
    ) {
        for row in &mut self.rows {
            row.hubspot_stage_id = stages
                .clone()
                .into_iter()
                .find(|(_, label)| *label == row.stage_name)
                .map(|(id, _)| id.to_owned());
        }
    }

    /// Local status and progress of a HubSpot `dealstage` id.
    #[must_use]
    pub fn inbound(&self, hubspot_stage_id: &str) -> Option<(&str, i64)> {
        self.rows
            .iter()
            .find(|r| r.hubspot_stage_id.as_deref() == Some(hubspot_stage_id))
            .map(|r| (r.status.as_str(), r.progress_pct))
    }

    /// HubSpot `dealstage` id of a local status.
    #[must_use]
    pub fn outbound(&self, status: &str) -> Option<&str> {
        self.rows
            .iter()
            .find(|r| r.status == status)
            .and_then(|r| r.hubspot_stage_id.as_deref())
    }

    /// Stage names with no HubSpot id: what provisioning must create.
    #[must_use]
    pub fn unresolved(&self) -> Vec<&str> {
        self.rows
            .iter()
            .filter(|r| r.hubspot_stage_id.is_none())
            .map(|r| r.stage_name.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> StageMap {
        StageMap::new(
            [
                ("Approche", "approche", 10),
                ("Négociation", "negociation", 40),
                ("Conclusion", "conclusion", 70),
                ("Gagnée", "gagnee", 100),
                ("Perdue", "perdue", 100),
                ("Annulée", "annulee", 100),
            ]
            .into_iter()
            .map(|(n, s, p)| StageRow {
                stage_name: n.to_owned(),
                status: s.to_owned(),
                progress_pct: p,
                hubspot_stage_id: None,
            })
            .collect(),
        )
    }

    #[test]
    fn every_stage_maps_both_ways_with_its_progress() {
        let mut map = defaults();
        let pipeline = [
            ("s1", "Approche"),
            ("s2", "Négociation"),
            ("s3", "Conclusion"),
            ("s4", "Gagnée"),
            ("s5", "Perdue"),
            ("s6", "Annulée"),
        ];
        map.resolve_ids(pipeline.iter().copied());
        let expected = [
            ("s1", "approche", 10),
            ("s2", "negociation", 40),
            ("s3", "conclusion", 70),
            ("s4", "gagnee", 100),
            ("s5", "perdue", 100),
            ("s6", "annulee", 100),
        ];
        for (id, status, pct) in expected {
            assert_eq!(map.inbound(id), Some((status, pct)));
            assert_eq!(map.outbound(status), Some(id));
        }
        assert!(map.unresolved().is_empty());
    }

    #[test]
    fn names_match_exactly_and_unknown_stages_map_to_nothing() {
        let mut map = defaults();
        map.resolve_ids([("x", "negociation"), ("y", "Approche")]);
        assert_eq!(map.inbound("y"), Some(("approche", 10)));
        assert_eq!(
            map.inbound("x"),
            None,
            "names are exact: accents and case count"
        );
        assert_eq!(map.outbound("negociation"), None);
        assert_eq!(map.unresolved().len(), 5);
    }
}
