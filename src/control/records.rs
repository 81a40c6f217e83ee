//! `/api/v1/{tenant}/companies|contacts|deals|activities`: list (filters, cursor paging),
//! get, create, update (PATCH: absent = unchanged, null = cleared), delete (soft).
//! Writes are marked with the `api` origin, so the change log sends them out like any
//! local change.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody};
use crate::domain::company_key::CompanyKey;
use crate::store::Filter;
use crate::store::activity::{Activity, ActivityPatch};
use crate::store::company::{Company, CompanyPatch};
use crate::store::contact::{Contact, ContactPatch};
use crate::store::deal::{Deal, DealPatch};
use crate::store::{Arg, Entity, ListQuery, Origin, Timestamp};

/// One page of records.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// Records by ascending id.
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Paging parameters shared by every list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Cursor from the previous page's `next_cursor`.
    pub after: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// Include soft-deleted records.
    pub include_deleted: Option<bool>,
    /// Only records updated at or after this instant (RFC 3339).
    pub updated_since: Option<Timestamp>,
}

impl Paging {
    fn into_query(self, filters: Vec<Filter>) -> Result<ListQuery, ApiError> {
        let after = match self.after {
            None => None,
            Some(cursor) => Some(
                decode_cursor(&cursor)
                    .ok_or_else(|| ApiError::bad_request("after: not a cursor from this API"))?,
            ),
        };
        let mut filters = filters;
        if let Some(since) = self.updated_since {
            filters.push(Filter::AtLeast("updated_at", Arg::Time(Some(since))));
        }
        Ok(ListQuery {
            after,
            limit: self.limit.unwrap_or(100),
            include_deleted: self.include_deleted.unwrap_or(false),
            filters,
        })
    }
}

fn encode_cursor(id: i64) -> String {
    B64.encode(format!("id:{id}"))
}

fn decode_cursor(cursor: &str) -> Option<i64> {
    let bytes = B64.decode(cursor).ok()?;
    std::str::from_utf8(&bytes)
        .ok()?
        .strip_prefix("id:")?
        .parse()
        .ok()
}

/// Filters of `GET …/companies`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompanyFilters {
    /// Name or domain contains (case-insensitive).
    pub q: Option<String>,
    /// SIRET/SIREN/enterprise number in any notation.
    pub registration_key: Option<String>,
    /// Exact domain.
    pub domain: Option<String>,
    /// External customer id.
    pub external_id: Option<String>,
    /// `prospect` or `client`.
    pub status: Option<String>,
    /// HubSpot lifecycle stage.
    pub lifecycle_stage: Option<String>,
    /// Active flag.
    pub active: Option<bool>,
}

impl CompanyFilters {
    fn filters(self) -> Vec<Filter> {
        let mut f = Vec::new();
        if let Some(q) = self.q {
            f.push(Filter::Contains(&["name", "domain"], q));
        }
        if let Some(key) = self.registration_key {
            let normalized = CompanyKey::parse(&key, None).map_or_else(
                |_| key.chars().filter(char::is_ascii_alphanumeric).collect(),
                |k| k.normalized().to_owned(),
            );
            f.push(Filter::Eq("registration_key", Arg::Text(Some(normalized))));
        }
        if let Some(d) = self.domain {
            f.push(Filter::EqIgnoreCase("domain", d));
        }
        if let Some(v) = self.external_id {
            f.push(Filter::Eq("external_id", Arg::Text(Some(v))));
        }
        if let Some(v) = self.status {
            f.push(Filter::Eq("status", Arg::Text(Some(v))));
        }
        if let Some(v) = self.lifecycle_stage {
            f.push(Filter::Eq("lifecycle_stage", Arg::Text(Some(v))));
        }
        if let Some(v) = self.active {
            f.push(Filter::Eq("active", Arg::Bool(v)));
        }
        f
    }
}

/// Filters of `GET …/contacts`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactFilters {
    /// First name, last name or e-mail contains (case-insensitive).
    pub q: Option<String>,
    /// Exact e-mail (case-insensitive).
    pub email: Option<String>,
    /// Company id.
    pub company_id: Option<i64>,
    /// External contact id.
    pub external_id: Option<String>,
    /// `active`, `inactive` or `anonymized`.
    pub state: Option<String>,
}

impl ContactFilters {
    fn filters(self) -> Vec<Filter> {
        let mut f = Vec::new();
        if let Some(q) = self.q {
            f.push(Filter::Contains(&["first_name", "last_name", "email"], q));
        }
        if let Some(v) = self.email {
            f.push(Filter::EqIgnoreCase("email", v));
        }
        if let Some(v) = self.company_id {
            f.push(Filter::Eq("company_id", Arg::Int(Some(v))));
        }
        if let Some(v) = self.external_id {
            f.push(Filter::Eq("external_id", Arg::Text(Some(v))));
        }
        if let Some(v) = self.state {
            f.push(Filter::Eq("state", Arg::Text(Some(v))));
        }
        f
    }
}

/// Filters of `GET …/deals`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DealFilters {
    /// Name contains (case-insensitive).
    pub q: Option<String>,
    /// Company id.
    pub company_id: Option<i64>,
    /// Local status.
    pub status: Option<String>,
}

impl DealFilters {
    fn filters(self) -> Vec<Filter> {
        let mut f = Vec::new();
        if let Some(q) = self.q {
            f.push(Filter::Contains(&["name"], q));
        }
        if let Some(v) = self.company_id {
            f.push(Filter::Eq("company_id", Arg::Int(Some(v))));
        }
        if let Some(v) = self.status {
            f.push(Filter::Eq("status", Arg::Text(Some(v))));
        }
        f
    }
}

/// Filters of `GET …/activities`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityFilters {
    /// Company id.
    pub company_id: Option<i64>,
    /// Deal id.
    pub deal_id: Option<i64>,
    /// `CALL`, `MEETING` or `EMAIL`.
    pub kind: Option<String>,
}

impl ActivityFilters {
    fn filters(self) -> Vec<Filter> {
        let mut f = Vec::new();
        if let Some(v) = self.company_id {
            f.push(Filter::Eq("company_id", Arg::Int(Some(v))));
        }
        if let Some(v) = self.deal_id {
            f.push(Filter::Eq("deal_id", Arg::Int(Some(v))));
        }
        if let Some(v) = self.kind {
            f.push(Filter::Eq("kind", Arg::Text(Some(v.to_ascii_uppercase()))));
        }
        f
    }
}

async fn list<E: Entity>(
    state: &AppState,
    tenant: &str,
    paging: Paging,
    filters: Vec<Filter>,
) -> Result<Json<Page<E>>, ApiError> {
    state.require_tenant(tenant)?;
    let page = state
        .store
        .list::<E>(tenant, &paging.into_query(filters)?)
        .await?;
    Ok(Json(Page {
        items: page.items,
        next_cursor: page.next_after.map(encode_cursor),
    }))
}

/// Generates the five handlers of one entity with their OpenAPI descriptions.
macro_rules! record_handlers {
    ($entity:ty, $patch:ty, $filters:ty, $tag:literal, $collection:literal, $item:literal,
     $list:ident, $create:ident, $get:ident, $update:ident, $delete:ident) => {
        #[doc = concat!("`GET ", $collection, "`")]
        #[utoipa::path(get, path = $collection, tag = $tag, security(("bearer" = [])),
            params(("tenant" = String, Path, description = "Tenant id"), Paging, $filters),
            responses((status = 200, body = Page<$entity>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
        pub async fn $list(
            State(state): State<AppState>,
            ApiPath(tenant): ApiPath<String>,
            ApiQuery(paging): ApiQuery<Paging>,
            ApiQuery(filters): ApiQuery<$filters>,
        ) -> Result<Json<Page<$entity>>, ApiError> {
            list::<$entity>(&state, &tenant, paging, filters.filters()).await
        }

        #[doc = concat!("`POST ", $collection, "`")]
        #[utoipa::path(post, path = $collection, tag = $tag, security(("bearer" = [])),
            params(("tenant" = String, Path, description = "Tenant id")), request_body = $patch,
            responses((status = 201, body = $entity), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
        pub async fn $create(
            State(state): State<AppState>,
            ApiPath(tenant): ApiPath<String>,
            ApiJson(patch): ApiJson<$patch>,
        ) -> Result<(StatusCode, Json<$entity>), ApiError> {
            state.require_tenant(&tenant)?;
            let record = state.store.create::<$entity>(&tenant, patch, &Origin::Api).await?;
            tracing::info!(tenant.id = %tenant, record.id = record.id(), entity = <$entity as Entity>::NAME, "record created");
            Ok((StatusCode::CREATED, Json(record)))
        }

        #[doc = concat!("`GET ", $item, "`")]
        #[utoipa::path(get, path = $item, tag = $tag, security(("bearer" = [])),
            params(("tenant" = String, Path, description = "Tenant id"), ("id" = i64, Path, description = "Local id")),
            responses((status = 200, body = $entity), (status = 404, body = ErrorBody)))]
        pub async fn $get(
            State(state): State<AppState>,
            ApiPath((tenant, id)): ApiPath<(String, i64)>,
        ) -> Result<Json<$entity>, ApiError> {
            state.require_tenant(&tenant)?;
            Ok(Json(state.store.get::<$entity>(&tenant, id).await?))
        }

        #[doc = concat!("`PATCH ", $item, "`")]
        #[utoipa::path(patch, path = $item, tag = $tag, security(("bearer" = [])),
            params(("tenant" = String, Path, description = "Tenant id"), ("id" = i64, Path, description = "Local id")),
            request_body = $patch,
            responses((status = 200, body = $entity), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
        pub async fn $update(
            State(state): State<AppState>,
            ApiPath((tenant, id)): ApiPath<(String, i64)>,
            ApiJson(patch): ApiJson<$patch>,
        ) -> Result<Json<$entity>, ApiError> {
            state.require_tenant(&tenant)?;
            Ok(Json(state.store.update::<$entity>(&tenant, id, patch, &Origin::Api).await?))
        }

        #[doc = concat!("`DELETE ", $item, "` (soft delete: the tombstone stays for the sync)")]
        #[utoipa::path(delete, path = $item, tag = $tag, security(("bearer" = [])),
            params(("tenant" = String, Path, description = "Tenant id"), ("id" = i64, Path, description = "Local id")),
            responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
        pub async fn $delete(
            State(state): State<AppState>,
            ApiPath((tenant, id)): ApiPath<(String, i64)>,
        ) -> Result<StatusCode, ApiError> {
            state.require_tenant(&tenant)?;
            state.store.delete::<$entity>(&tenant, id, &Origin::Api).await?;
            Ok(StatusCode::NO_CONTENT)
        }
    };
}

record_handlers!(
    Company,
    CompanyPatch,
    CompanyFilters,
    "companies",
    "/api/v1/{tenant}/companies",
    "/api/v1/{tenant}/companies/{id}",
    list_companies,
    create_company,
    get_company,
    update_company,
    delete_company
);
record_handlers!(
    Contact,
    ContactPatch,
    ContactFilters,
    "contacts",
    "/api/v1/{tenant}/contacts",
    "/api/v1/{tenant}/contacts/{id}",
    list_contacts,
    create_contact,
    get_contact,
    update_contact,
    delete_contact
);
record_handlers!(
    Deal,
    DealPatch,
    DealFilters,
    "deals",
    "/api/v1/{tenant}/deals",
    "/api/v1/{tenant}/deals/{id}",
    list_deals,
    create_deal,
    get_deal,
    update_deal,
    delete_deal
);
record_handlers!(
    Activity,
    ActivityPatch,
    ActivityFilters,
    "activities",
    "/api/v1/{tenant}/activities",
    "/api/v1/{tenant}/activities/{id}",
    list_activities,
    create_activity,
    get_activity,
    update_activity,
    delete_activity
);

#[cfg(test)]
mod tests {
    use super::{decode_cursor, encode_cursor};

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(decode_cursor(&encode_cursor(42)), Some(42));
        assert_eq!(decode_cursor("42"), None);
        assert_eq!(decode_cursor("!!"), None);
    }
}
