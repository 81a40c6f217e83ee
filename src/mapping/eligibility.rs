//! Which HubSpot records start syncing (spec §3.1, from the customer page's table).
//!
//! A company syncs when its lifecycle stage equals the tenant's trigger AND its sync
//! checkbox is on; a deal or contact when its own checkbox is on AND its company syncs;
//! a company's activities sync with it. Once a record syncs (it has a link), it keeps
//! syncing whatever later happens to the stage or the checkbox.

/// What is known about a HubSpot company.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompanyFacts<'a> {
    /// Its `lifecyclestage` internal value, if any.
    pub lifecycle_stage: Option<&'a str>,
    /// Its sync checkbox (`synchro_artis`).
    pub sync_box: bool,
    /// Already linked to a local company (synced before).
    pub linked: bool,
}

/// Whether a HubSpot company syncs, given the tenant's trigger stage.
#[must_use]
pub fn company_syncs(facts: CompanyFacts<'_>, trigger: &str) -> bool {
    facts.linked || (facts.sync_box && facts.lifecycle_stage == Some(trigger))
}

/// Whether a deal or contact syncs: its own checkbox (or an existing link) and a synced
/// company.
#[must_use]
pub fn child_syncs(own_box: bool, linked: bool, company_syncs: bool) -> bool {
    linked || (own_box && company_syncs)
}

/// Whether an activity (call, meeting, e-mail) syncs: with any synced company it belongs to.
#[must_use]
pub fn activity_syncs(linked: bool, any_company_syncs: bool) -> bool {
    linked || any_company_syncs
}

/// Parses HubSpot's checkbox value (`"true"`/`"false"`, absent = off).
#[must_use]
pub fn checkbox(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table of spec §3.1: (stage = trigger, company box, deal box, contact box) →
    /// (company, activities, deals, contacts) synced.
    #[test]
    fn the_trigger_table_of_the_spec_holds_row_by_row() {
        type Flags = (bool, bool, bool, bool);
        let rows: [(Flags, Flags); 10] = [
            ((false, false, false, false), (false, false, false, false)),
            ((false, true, true, true), (false, false, false, false)),
            ((true, false, false, false), (false, false, false, false)),
            ((true, false, true, true), (false, false, false, false)),
            ((true, true, false, false), (true, true, false, false)),
            ((true, true, true, false), (true, true, true, false)),
            ((true, true, false, true), (true, true, false, true)),
            ((true, true, true, true), (true, true, true, true)),
            ((false, true, false, false), (false, false, false, false)),
            ((false, false, true, false), (false, false, false, false)),
        ];
        for ((at_trigger, company_box, deal_box, contact_box), expected) in rows {
            let stage = if at_trigger { "customer" } else { "lead" };
            let company = company_syncs(
                CompanyFacts {
                    lifecycle_stage: Some(stage),
                    sync_box: company_box,
                    linked: false,
                },
                "customer",
            );
            let got = (
                company,
                activity_syncs(false, company),
                child_syncs(deal_box, false, company),
                child_syncs(contact_box, false, company),
            );
            assert_eq!(
                got,
                expected,
                "row {:?}",
                (at_trigger, company_box, deal_box, contact_box)
            );
        }
    }

    #[test]
    fn a_synced_record_stays_synced_when_stage_or_box_change() {
        let later = CompanyFacts {
            lifecycle_stage: Some("evangelist"),
            sync_box: false,
            linked: true,
        };
        assert!(company_syncs(later, "customer"));
        assert!(child_syncs(false, true, true));
        assert!(activity_syncs(true, false));
    }

    #[test]
    fn custom_trigger_stages_and_a_missing_stage_are_handled() {
        let custom = CompanyFacts {
            lifecycle_stage: Some("1234567"),
            sync_box: true,
            linked: false,
        };
        assert!(company_syncs(custom, "1234567"));
        assert!(!company_syncs(custom, "customer"));
        let none = CompanyFacts {
            lifecycle_stage: None,
            sync_box: true,
            linked: false,
        };
        assert!(!company_syncs(none, "customer"));
    }

    #[test]
    fn checkbox_values_follow_hubspot_strings() {
        assert!(checkbox(Some("true")));
        assert!(!checkbox(Some("false")));
        assert!(!checkbox(Some("")));
        assert!(!checkbox(None));
    }
}
