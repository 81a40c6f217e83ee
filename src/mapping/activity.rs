//! `TD_HubspotAction` (spec §3.5): (action domain, type, reason) ⇄ HubSpot engagement type.
//! Inbound, an engagement type takes the first row of that type.

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRow {
    /// Action domain.
    pub domain: String,
    /// Action type.
    pub kind: String,
    /// Action reason (`appel`, `rendez-vous`, `mail`).
    pub reason: String,
    /// `CALL`, `MEETING` or `EMAIL`.
    pub engagement: String,
}

/// HubSpot object type of an engagement type.
#[must_use]
pub fn object_type(engagement: &str) -> Option<&'static str> {
    match engagement {
        "CALL" => Some("calls"),
        "MEETING" => Some("meetings"),
        "EMAIL" => Some("emails"),
        _ => None,
    }
}

/// The local (domain, type, reason) of a HubSpot engagement type.
#[must_use]
pub fn inbound<'a>(engagement: &str, table: &'a [ActionRow]) -> Option<&'a ActionRow> {
    table.iter().find(|r| r.engagement == engagement)
}

/// The HubSpot engagement type of a local action; falls back on the reason alone, then on
/// the activity's kind.
#[must_use]
pub fn outbound<'a>(
    domain: &str,
    kind: &str,
    reason: &str,
    activity_kind: &'a str,
    table: &'a [ActionRow],
) -> &'a str {
    table
        .iter()
        .find(|r| r.domain == domain && r.kind == kind && r.reason == reason)
        .or_else(|| table.iter().find(|r| r.reason == reason))
        .map_or(activity_kind, |r| r.engagement.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Vec<ActionRow> {
        [
            ("COMMERCIAL", "APPEL", "appel", "CALL"),
            ("COMMERCIAL", "RENDEZ_VOUS", "rendez-vous", "MEETING"),
            ("COMMERCIAL", "MAIL", "mail", "EMAIL"),
        ]
        .into_iter()
        .map(|(d, k, r, e)| ActionRow {
            domain: d.into(),
            kind: k.into(),
            reason: r.into(),
            engagement: e.into(),
        })
        .collect()
    }

    #[test]
    fn each_engagement_type_maps_both_ways() {
        let t = table();
        for (engagement, reason, object) in [
            ("CALL", "appel", "calls"),
            ("MEETING", "rendez-vous", "meetings"),
            ("EMAIL", "mail", "emails"),
        ] {
            let row = inbound(engagement, &t).expect("row");
            assert_eq!(row.reason, reason);
            assert_eq!(
                outbound(&row.domain, &row.kind, &row.reason, "CALL", &t),
                engagement
            );
            assert_eq!(object_type(engagement), Some(object));
        }
    }

    #[test]
    fn unknown_actions_fall_back_on_the_reason_then_the_kind() {
        let t = table();
        assert_eq!(outbound("AUTRE", "X", "mail", "CALL", &t), "EMAIL");
        assert_eq!(outbound("AUTRE", "X", "visite", "MEETING", &t), "MEETING");
        assert_eq!(inbound("NOTE", &t), None);
        assert_eq!(object_type("NOTE"), None);
    }
}
