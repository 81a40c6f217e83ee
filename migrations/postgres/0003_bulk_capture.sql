-- Bulk change capture for file imports (issue 6). A per-row insert trigger costs as much as
-- the row itself; an import that sets crmsync.bulk_inserts = 'on' for its transaction writes
-- the change_log rows of the records it creates itself, one statement per multi-row insert
-- (see store/import_support.rs). Every other writer, direct SQL included, is captured row by
-- row as before.
drop trigger company_capture on company;
create trigger company_capture_insert after insert on company
    for each row when (coalesce(current_setting('crmsync.bulk_inserts', true), '') <> 'on')
    execute function crmsync_capture_change('company_id');
create trigger company_capture after update or delete on company
    for each row execute function crmsync_capture_change('company_id');

drop trigger contact_capture on contact;
create trigger contact_capture_insert after insert on contact
    for each row when (coalesce(current_setting('crmsync.bulk_inserts', true), '') <> 'on')
    execute function crmsync_capture_change('contact_id');
create trigger contact_capture after update or delete on contact
    for each row execute function crmsync_capture_change('contact_id');

-- Bulk updates (criteria, authorizations) through the control API: rows whose [old] no
-- longer matches the store are counted apart from rejected ones.
alter table import_job add column conflict_count bigint not null default 0;
