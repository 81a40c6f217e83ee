-- Bulk change capture for file imports (issue 6). A per-row insert trigger costs as much as
-- the row itself; an import that sets write_context.bulk_inserts = 1 writes the change_log
-- rows of the records it creates itself, one statement per multi-row insert (see
-- store/import_support.rs). Every other writer, direct SQL included, finds no such flag and is
-- captured row by row as before.
alter table write_context add column bulk_inserts integer not null default 0;

drop trigger company_capture_insert;
create trigger company_capture_insert after insert on company
when coalesce((select bulk_inserts from write_context where context_id = 1), 0) = 0
begin
    insert into change_log (tenant_id, entity, entity_id, op, origin)
    values (new.tenant_id, 'company', new.company_id, 'insert', coalesce((select origin from write_context where context_id = 1), 'sql'));
end;

drop trigger contact_capture_insert;
create trigger contact_capture_insert after insert on contact
when coalesce((select bulk_inserts from write_context where context_id = 1), 0) = 0
begin
    insert into change_log (tenant_id, entity, entity_id, op, origin)
    values (new.tenant_id, 'contact', new.contact_id, 'insert', coalesce((select origin from write_context where context_id = 1), 'sql'));
end;

-- Bulk updates (criteria, authorizations) through the control API: rows whose [old] no
-- longer matches the store are counted apart from rejected ones.
alter table import_job add column conflict_count integer not null default 0;
