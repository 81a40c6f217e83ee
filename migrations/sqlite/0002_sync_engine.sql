-- Sync engine (issue 4). The link's base is the field values both sides agreed on at the last
-- sync (JSON object, canonical names): a three-way comparison against it tells which side
-- changed a field, which is how echoes are suppressed and conflicts detected per field.
alter table entity_link add column base text not null default '{}';
-- When a link's base was last compared with a remote record (epoch ms of its modified date).
alter table entity_link add column remote_modified_ms integer;
-- The latest local change of one record (conflict timing, spec 3.4).
create index change_log_entity_idx on change_log (tenant_id, entity, entity_id, change_id);
