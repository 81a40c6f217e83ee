-- crmsync schema v1 (sqlite). Same version numbers in migrations/sqlite and migrations/postgres.
-- Every table carries tenant_id; ids are never reused (links point at them).

-- One customer account of the platform; every other row belongs to one.
create table tenant (
    tenant_id text primary key,
    name text not null,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

-- Collaborators; matched to HubSpot owners by e-mail (spec 3.2).
create table app_user (
    user_id integer primary key autoincrement,
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    email text not null,
    name text,
    active integer not null default 1,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
create unique index app_user_email_uq on app_user (tenant_id, lower(email));

-- Label tables: civility ('Qualité personne', ordered: the first code is the default), commercial roles, structure types.
create table label (
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    kind text not null check (kind in ('civility','commercial_role','structure_type')),
    code text not null,
    label text not null,
    position integer not null default 0,
    primary key (tenant_id, kind, code)
);

-- Customer stages a company can be in.
create table customer_stage (
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    code text not null,
    label text not null,
    position integer not null default 0,
    primary key (tenant_id, code)
);

-- Health-score profiles a company can use.
create table health_score_profile (
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    code text not null,
    label text not null,
    position integer not null default 0,
    primary key (tenant_id, code)
);

-- Interaction goals a company can have.
create table interaction_goal (
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    code text not null,
    label text not null,
    position integer not null default 0,
    primary key (tenant_id, code)
);

-- Contact criteria (bulk-updatable through [old]/[new] templates).
create table criterion (
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    code text not null,
    label text not null,
    position integer not null default 0,
    primary key (tenant_id, code)
);

-- Internal value codes of each criterion.
create table criterion_value (
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    criterion_code text not null,
    code text not null,
    label text not null,
    position integer not null default 0,
    primary key (tenant_id, criterion_code, code),
    foreign key (tenant_id, criterion_code) references criterion (tenant_id, code) on delete cascade
);

-- Contact authorizations (true, false or unset per contact).
create table authorization_name (
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    name text not null,
    label text not null,
    position integer not null default 0,
    primary key (tenant_id, name)
);

-- Decision table: HubSpot deal stage name <-> local deal status and its progress (spec 3.5). hubspot_stage_id is looked up in the pipeline.
create table deal_stage_map (
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    stage_name text not null,
    status text not null,
    progress_pct integer not null check (progress_pct between 0 and 100),
    position integer not null default 0,
    hubspot_stage_id text,
    primary key (tenant_id, stage_name),
    unique (tenant_id, status)
);

-- Decision table TD_HubspotAction: (action domain, type, reason) <-> HubSpot engagement type. Inbound takes the first row of the type.
create table activity_type_map (
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    action_domain text not null,
    action_type text not null,
    action_reason text not null,
    engagement_type text not null check (engagement_type in ('CALL','MEETING','EMAIL')),
    position integer not null default 0,
    primary key (tenant_id, action_domain, action_type, action_reason)
);

-- Customers and prospects. registration_key is the normalized SIRET/SIREN or Belgian enterprise number (spec 2.1).
create table company (
    company_id integer primary key autoincrement,
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    registration_key text,
    registration_key_raw text,
    registration_kind text check (registration_kind in ('siret','siren','be_enterprise')),
    name text not null,
    domain text,
    external_id text,
    lifecycle_stage text,
    status text not null default 'prospect' check (status in ('prospect','client')),
    owner_user_id integer references app_user (user_id) on delete set null,
    team_user_ids text not null default '[]',
    tags text not null default '[]',
    customer_stage text,
    health_score_profile text,
    interaction_goal text,
    csm_pulse integer check (csm_pulse between 1 and 5),
    sales_engineer_user_id integer references app_user (user_id) on delete set null,
    address_line1 text,
    address_line2 text,
    postal_code text,
    city text,
    country text,
    phone text,
    vat_number text,
    legal_form text,
    language text,
    structure_type text,
    active integer not null default 1,
    deleted_at text,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
create unique index company_registration_key_uq on company (tenant_id, registration_key);
create unique index company_external_id_uq on company (tenant_id, external_id);
create index company_domain_idx on company (tenant_id, lower(domain));
create index company_updated_idx on company (tenant_id, updated_at);

-- Contacts; e-mail unique per tenant, case-insensitive.
create table contact (
    contact_id integer primary key autoincrement,
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    external_id text,
    email text,
    additional_emails text not null default '[]',
    company_id integer references company (company_id) on delete set null,
    phone text,
    first_name text,
    last_name text,
    civility text,
    tags text not null default '[]',
    job_title text,
    language text,
    gender text check (gender in ('MALE','FEMALE')),
    role text,
    nps_score integer check (nps_score between 1 and 5),
    criteria text not null default '{}',
    authorizations text not null default '{}',
    state text not null default 'active' check (state in ('active','inactive','anonymized')),
    deleted_at text,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
create unique index contact_email_uq on contact (tenant_id, lower(email));
create unique index contact_external_id_uq on contact (tenant_id, external_id);
create index contact_company_idx on contact (company_id);
create index contact_updated_idx on contact (tenant_id, updated_at);

-- Deals ('affaires'); status and progress come from deal_stage_map.
create table deal (
    deal_id integer primary key autoincrement,
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    name text not null,
    amount_cents integer,
    currency text,
    close_date text,
    status text,
    progress_pct integer check (progress_pct between 0 and 100),
    company_id integer references company (company_id) on delete set null,
    primary_user_id integer references app_user (user_id) on delete set null,
    secondary_user_id integer references app_user (user_id) on delete set null,
    secondary_role text,
    sales_engineer_user_id integer references app_user (user_id) on delete set null,
    active integer not null default 1,
    deleted_at text,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
create index deal_company_idx on deal (company_id);
create index deal_updated_idx on deal (tenant_id, updated_at);

-- Contacts of a deal.
create table deal_contact (
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    deal_id integer references deal (deal_id) on delete cascade not null,
    contact_id integer references contact (contact_id) on delete cascade not null,
    primary key (deal_id, contact_id)
);

-- Activities ('actions commerciales'): calls, meetings, e-mails.
create table activity (
    activity_id integer primary key autoincrement,
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    kind text not null check (kind in ('CALL','MEETING','EMAIL')),
    action_domain text,
    action_type text,
    action_reason text,
    occurred_at text not null,
    subject text,
    body text,
    owner_user_id integer references app_user (user_id) on delete set null,
    company_id integer references company (company_id) on delete set null,
    deal_id integer references deal (deal_id) on delete cascade,
    active integer not null default 1,
    deleted_at text,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
create index activity_company_idx on activity (company_id);
create index activity_updated_idx on activity (tenant_id, updated_at);

-- Contacts of an activity.
create table activity_contact (
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    activity_id integer references activity (activity_id) on delete cascade not null,
    contact_id integer references contact (contact_id) on delete cascade not null,
    primary key (activity_id, contact_id)
);

-- The link table (spec 2.1): (entity, local id) <-> (connection, remote id), with the matching key and the last synced content hash per side.
create table entity_link (
    link_id integer primary key autoincrement,
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    entity text not null check (entity in ('company','contact','deal','activity','user')),
    local_id integer not null,
    connection text not null,
    remote_id text not null,
    match_key text,
    local_hash text,
    remote_hash text,
    linked_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
create unique index entity_link_remote_uq on entity_link (tenant_id, entity, connection, remote_id);
create unique index entity_link_local_uq on entity_link (tenant_id, entity, connection, local_id);

-- Opaque per-connection cursors; advanced in the transaction of the writes they cover.
create table sync_cursor (
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    connection text not null,
    object_type text not null,
    cursor text not null,
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    primary key (tenant_id, connection, object_type)
);

-- State of each connection, shown in status.
create table connection_state (
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    connection text not null,
    state text not null default 'not_connected' check (state in ('not_connected','active','needs_reauth','paused','error')),
    reason text,
    paused_until text,
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    primary key (tenant_id, connection)
);

-- Tokens and API keys, encrypted (XChaCha20-Poly1305, bound to tenant/connection/name).
create table connection_credential (
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    connection text not null,
    name text not null,
    ciphertext blob not null,
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    primary key (tenant_id, connection, name)
);

-- One replica works a connection at a time (spec 8).
create table sync_lease (
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    connection text not null,
    holder text not null,
    expires_at text not null,
    primary key (tenant_id, connection)
);

-- Run history.
create table sync_run (
    run_id integer primary key autoincrement,
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    connection text not null,
    reason text not null,
    state text not null check (state in ('running','succeeded','failed','cancelled')),
    started_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    finished_at text,
    read_count integer not null default 0,
    created_count integer not null default 0,
    updated_count integer not null default 0,
    skipped_count integer not null default 0,
    failed_count integer not null default 0,
    calls_used integer not null default 0,
    error text
);
create index sync_run_connection_idx on sync_run (tenant_id, connection, started_at);

-- The failed-record journal: retried with growing delay until resolved or ignored.
create table failed_record (
    failure_id integer primary key autoincrement,
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    connection text not null,
    entity text not null,
    direction text not null check (direction in ('inbound','outbound')),
    local_id integer,
    remote_id text,
    reason text not null,
    payload text not null default '{}',
    attempts integer not null default 1,
    next_attempt_at text,
    state text not null default 'pending' check (state in ('pending','ignored','resolved')),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
create index failed_record_pending_idx on failed_record (tenant_id, connection, state, next_attempt_at);

-- Remote records that could not be matched safely (no valid key) wait here for an admin.
create table review_item (
    review_id integer primary key autoincrement,
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    connection text not null,
    entity text not null,
    remote_id text not null,
    raw_key text,
    reason text not null,
    payload text not null default '{}',
    state text not null default 'open' check (state in ('open','linked','dismissed')),
    local_id integer,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
create unique index review_item_remote_uq on review_item (tenant_id, connection, entity, remote_id);

-- Conflicts resolved per field: which side won and the value it overwrote (spec 3.4).
create table sync_journal (
    journal_id integer primary key autoincrement,
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    connection text not null,
    entity text not null,
    local_id integer,
    remote_id text,
    field text not null,
    winner text not null,
    kept_value text,
    overwritten_value text,
    recorded_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
create index sync_journal_entity_idx on sync_journal (tenant_id, entity, local_id);

-- Every insert/update/delete of companies, contacts, deals and activities, written by triggers (direct SQL included, spec 6.4). origin tells the daemon's own writes ('sync:<connection>', 'api', 'import') from others ('sql'). No foreign key: the log outlives the rows.
create table change_log (
    change_id integer primary key autoincrement,
    tenant_id text not null,
    entity text not null,
    entity_id integer not null,
    op text not null check (op in ('insert','update','delete')),
    origin text not null,
    changed_fields text,
    changed_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
create index change_log_tenant_idx on change_log (tenant_id, change_id);

-- File imports and their progress.
create table import_job (
    import_id text primary key,
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    kind text not null,
    file_name text not null,
    dry_run integer not null default 0,
    state text not null default 'queued' check (state in ('queued','running','succeeded','failed')),
    total_rows integer,
    processed_rows integer not null default 0,
    created_count integer not null default 0,
    updated_count integer not null default 0,
    deleted_count integer not null default 0,
    unchanged_count integer not null default 0,
    rejected_count integer not null default 0,
    error text,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    finished_at text
);

-- Rejected rows of an import, with the original cells.
create table import_error (
    import_error_id integer primary key autoincrement,
    tenant_id text not null references tenant (tenant_id) on delete cascade,
    import_id text references import_job (import_id) on delete cascade not null,
    line integer not null,
    column_name text,
    reason text not null,
    raw_row text not null default '[]'
);
create index import_error_import_idx on import_error (import_id, line);

-- The origin of the writes of the current transaction (spec 6.4). SQLite has no session
-- variables, so the daemon writes this one row inside its transaction and deletes it before
-- commit; SQLite's single writer means no other transaction can see or race it. Anything
-- else (direct SQL) finds no row and is logged as 'sql'.
create table write_context (
    context_id integer primary key check (context_id = 1),
    origin text not null
);

create trigger company_capture_insert after insert on company begin
    insert into change_log (tenant_id, entity, entity_id, op, origin)
    values (new.tenant_id, 'company', new.company_id, 'insert', coalesce((select origin from write_context where context_id = 1), 'sql'));
end;

create trigger company_capture_update after update on company begin
    insert into change_log (tenant_id, entity, entity_id, op, origin, changed_fields)
    select new.tenant_id, 'company', new.company_id, 'update', coalesce((select origin from write_context where context_id = 1), 'sql'), fields
    from (select (select json_group_array(value) from json_each(json_array(
        case when old.tenant_id is not new.tenant_id then 'tenant_id' end,
        case when old.registration_key is not new.registration_key then 'registration_key' end,
        case when old.registration_key_raw is not new.registration_key_raw then 'registration_key_raw' end,
        case when old.registration_kind is not new.registration_kind then 'registration_kind' end,
        case when old.name is not new.name then 'name' end,
        case when old.domain is not new.domain then 'domain' end,
        case when old.external_id is not new.external_id then 'external_id' end,
        case when old.lifecycle_stage is not new.lifecycle_stage then 'lifecycle_stage' end,
        case when old.status is not new.status then 'status' end,
        case when old.owner_user_id is not new.owner_user_id then 'owner_user_id' end,
        case when old.team_user_ids is not new.team_user_ids then 'team_user_ids' end,
        case when old.tags is not new.tags then 'tags' end,
        case when old.customer_stage is not new.customer_stage then 'customer_stage' end,
        case when old.health_score_profile is not new.health_score_profile then 'health_score_profile' end,
        case when old.interaction_goal is not new.interaction_goal then 'interaction_goal' end,
        case when old.csm_pulse is not new.csm_pulse then 'csm_pulse' end,
        case when old.sales_engineer_user_id is not new.sales_engineer_user_id then 'sales_engineer_user_id' end,
        case when old.address_line1 is not new.address_line1 then 'address_line1' end,
        case when old.address_line2 is not new.address_line2 then 'address_line2' end,
        case when old.postal_code is not new.postal_code then 'postal_code' end,
        case when old.city is not new.city then 'city' end,
        case when old.country is not new.country then 'country' end,
        case when old.phone is not new.phone then 'phone' end,
        case when old.vat_number is not new.vat_number then 'vat_number' end,
        case when old.legal_form is not new.legal_form then 'legal_form' end,
        case when old.language is not new.language then 'language' end,
        case when old.structure_type is not new.structure_type then 'structure_type' end,
        case when old.active is not new.active then 'active' end,
        case when old.deleted_at is not new.deleted_at then 'deleted_at' end
    )) where value is not null) as fields)
    where fields <> '[]';
end;

create trigger company_capture_delete after delete on company begin
    insert into change_log (tenant_id, entity, entity_id, op, origin)
    values (old.tenant_id, 'company', old.company_id, 'delete', coalesce((select origin from write_context where context_id = 1), 'sql'));
end;

create trigger contact_capture_insert after insert on contact begin
    insert into change_log (tenant_id, entity, entity_id, op, origin)
    values (new.tenant_id, 'contact', new.contact_id, 'insert', coalesce((select origin from write_context where context_id = 1), 'sql'));
end;

create trigger contact_capture_update after update on contact begin
    insert into change_log (tenant_id, entity, entity_id, op, origin, changed_fields)
    select new.tenant_id, 'contact', new.contact_id, 'update', coalesce((select origin from write_context where context_id = 1), 'sql'), fields
    from (select (select json_group_array(value) from json_each(json_array(
        case when old.tenant_id is not new.tenant_id then 'tenant_id' end,
        case when old.external_id is not new.external_id then 'external_id' end,
        case when old.email is not new.email then 'email' end,
        case when old.additional_emails is not new.additional_emails then 'additional_emails' end,
        case when old.company_id is not new.company_id then 'company_id' end,
        case when old.phone is not new.phone then 'phone' end,
        case when old.first_name is not new.first_name then 'first_name' end,
        case when old.last_name is not new.last_name then 'last_name' end,
        case when old.civility is not new.civility then 'civility' end,
        case when old.tags is not new.tags then 'tags' end,
        case when old.job_title is not new.job_title then 'job_title' end,
        case when old.language is not new.language then 'language' end,
        case when old.gender is not new.gender then 'gender' end,
        case when old.role is not new.role then 'role' end,
        case when old.nps_score is not new.nps_score then 'nps_score' end,
        case when old.criteria is not new.criteria then 'criteria' end,
        case when old.authorizations is not new.authorizations then 'authorizations' end,
        case when old.state is not new.state then 'state' end,
        case when old.deleted_at is not new.deleted_at then 'deleted_at' end
    )) where value is not null) as fields)
    where fields <> '[]';
end;

create trigger contact_capture_delete after delete on contact begin
    insert into change_log (tenant_id, entity, entity_id, op, origin)
    values (old.tenant_id, 'contact', old.contact_id, 'delete', coalesce((select origin from write_context where context_id = 1), 'sql'));
end;

create trigger deal_capture_insert after insert on deal begin
    insert into change_log (tenant_id, entity, entity_id, op, origin)
    values (new.tenant_id, 'deal', new.deal_id, 'insert', coalesce((select origin from write_context where context_id = 1), 'sql'));
end;

create trigger deal_capture_update after update on deal begin
    insert into change_log (tenant_id, entity, entity_id, op, origin, changed_fields)
    select new.tenant_id, 'deal', new.deal_id, 'update', coalesce((select origin from write_context where context_id = 1), 'sql'), fields
    from (select (select json_group_array(value) from json_each(json_array(
        case when old.tenant_id is not new.tenant_id then 'tenant_id' end,
        case when old.name is not new.name then 'name' end,
        case when old.amount_cents is not new.amount_cents then 'amount_cents' end,
        case when old.currency is not new.currency then 'currency' end,
        case when old.close_date is not new.close_date then 'close_date' end,
        case when old.status is not new.status then 'status' end,
        case when old.progress_pct is not new.progress_pct then 'progress_pct' end,
        case when old.company_id is not new.company_id then 'company_id' end,
        case when old.primary_user_id is not new.primary_user_id then 'primary_user_id' end,
        case when old.secondary_user_id is not new.secondary_user_id then 'secondary_user_id' end,
        case when old.secondary_role is not new.secondary_role then 'secondary_role' end,
        case when old.sales_engineer_user_id is not new.sales_engineer_user_id then 'sales_engineer_user_id' end,
        case when old.active is not new.active then 'active' end,
        case when old.deleted_at is not new.deleted_at then 'deleted_at' end
    )) where value is not null) as fields)
    where fields <> '[]';
end;

create trigger deal_capture_delete after delete on deal begin
    insert into change_log (tenant_id, entity, entity_id, op, origin)
    values (old.tenant_id, 'deal', old.deal_id, 'delete', coalesce((select origin from write_context where context_id = 1), 'sql'));
end;

create trigger activity_capture_insert after insert on activity begin
    insert into change_log (tenant_id, entity, entity_id, op, origin)
    values (new.tenant_id, 'activity', new.activity_id, 'insert', coalesce((select origin from write_context where context_id = 1), 'sql'));
end;

create trigger activity_capture_update after update on activity begin
    insert into change_log (tenant_id, entity, entity_id, op, origin, changed_fields)
    select new.tenant_id, 'activity', new.activity_id, 'update', coalesce((select origin from write_context where context_id = 1), 'sql'), fields
    from (select (select json_group_array(value) from json_each(json_array(
        case when old.tenant_id is not new.tenant_id then 'tenant_id' end,
        case when old.kind is not new.kind then 'kind' end,
        case when old.action_domain is not new.action_domain then 'action_domain' end,
        case when old.action_type is not new.action_type then 'action_type' end,
        case when old.action_reason is not new.action_reason then 'action_reason' end,
        case when old.occurred_at is not new.occurred_at then 'occurred_at' end,
        case when old.subject is not new.subject then 'subject' end,
        case when old.body is not new.body then 'body' end,
        case when old.owner_user_id is not new.owner_user_id then 'owner_user_id' end,
        case when old.company_id is not new.company_id then 'company_id' end,
        case when old.deal_id is not new.deal_id then 'deal_id' end,
        case when old.active is not new.active then 'active' end,
        case when old.deleted_at is not new.deleted_at then 'deleted_at' end
    )) where value is not null) as fields)
    where fields <> '[]';
end;

create trigger activity_capture_delete after delete on activity begin
    insert into change_log (tenant_id, entity, entity_id, op, origin)
    values (old.tenant_id, 'activity', old.activity_id, 'delete', coalesce((select origin from write_context where context_id = 1), 'sql'));
end;

insert into tenant (tenant_id, name) values ('default', 'Default tenant');
