#!/usr/bin/env python3
"""Drive the crmsync HubSpot simulator with HubSpot's official Python client.

Usage:
    crmsync simulate hubspot --port 8899 &        # default configuration, no --min-interval-ms
    python3 -m venv venv && venv/bin/pip install hubspot-api-client   # tested with 12.0.0
    HUBSPOT_SIM_URL=http://127.0.0.1:8899 venv/bin/python tests/fidelity/hubspot_official_client.py

The simulator must accept the static token and OAuth client below (its defaults; override
with HUBSPOT_SIM_TOKEN, HUBSPOT_SIM_CLIENT_ID, HUBSPOT_SIM_CLIENT_SECRET). The script resets
the portal through `/_sim/reset` first. Prints one PASS/FAIL line per check, then
"N passed, M failed", and exits 1 if any check fails.
"""
import json
import os
import sys
import time
import urllib.request

from hubspot import HubSpot
from hubspot.crm.associations.v4 import (
    AssociationSpec,
    BatchInputPublicAssociationMultiPost,
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicAssociationMultiPost,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.companies import ApiException as CompaniesApiException
from hubspot.crm.contacts import (
    ApiException as ContactsApiException,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchReadInputSimplePublicObjectId,
    Filter,
    FilterGroup,
    PublicMergeInput,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.properties import ApiException as PropertiesApiException, PropertyCreate

URL = os.environ.get("HUBSPOT_SIM_URL", "http://127.0.0.1:8899").rstrip("/")
TOKEN = os.environ.get("HUBSPOT_SIM_TOKEN", "pat-na1-00000000-0000-4000-8000-000000000000")
CLIENT_ID = os.environ.get("HUBSPOT_SIM_CLIENT_ID", "sim-client-id")
CLIENT_SECRET = os.environ.get("HUBSPOT_SIM_CLIENT_SECRET", "sim-client-secret")

results = []


def check(name):
    def wrap(fn):
        try:
            detail = fn()
            results.append((name, True, detail or ""))
        except Exception as e:  # noqa: BLE001 - report every failure
            results.append((name, False, f"{type(e).__name__}: {str(e)[:300]}"))
        time.sleep(0.25)  # stay under the 5/s search limit and any spacing
        return fn

    return wrap


def admin(path, body=None):
    req = urllib.request.Request(URL + "/_sim" + path, method="POST",
                                 data=json.dumps(body or {}).encode(), headers={"content-type": "application/json"})
    with urllib.request.urlopen(req) as r:
        raw = r.read()
        return json.loads(raw) if raw else None


admin("/reset")
client = HubSpot(access_token=TOKEN, host=URL)
state = {}


@check("companies.basic_api.get_page (all pages, properties, associations)")
def _():
    after, seen = None, 0
    while True:
        page = client.crm.companies.basic_api.get_page(limit=20, after=after, properties=["name", "siret", "lifecyclestage", "synchro_artis"],
                                                        associations=["contacts"])
        seen += len(page.results)
        for c in page.results:
            assert isinstance(c.properties["siret"], str)
            if c.associations:
                state.setdefault("company_with_contacts", c.id)
        state.setdefault("company", page.results[0].id)
        if not page.paging:
            break
        after = page.paging.next.after
    assert seen > 0
    return f"{seen} companies"


@check("contacts.basic_api.get_page + get_by_id")
def _():
    page = client.crm.contacts.basic_api.get_page(limit=100, properties=["email", "civilite", "firstname"])
    c = client.crm.contacts.basic_api.get_by_id(page.results[0].id, properties=["email"], associations=["companies"])
    state["contact"] = c.id
    return f"{len(page.results)} contacts, first {c.properties['email']}"


@check("deals/calls/meetings/emails basic_api.get_page")
def _():
    out = []
    for api in (client.crm.deals, client.crm.objects.calls, client.crm.objects.meetings, client.crm.objects.emails):
        out.append(len(api.basic_api.get_page(limit=10).results))
    return f"counts {out}"


@check("contacts.search_api.do_search (filters, sort, paging)")
def _():
    req = PublicObjectSearchRequest(
        filter_groups=[FilterGroup(filters=[Filter(property_name="lifecyclestage", operator="EQ", value="customer")])],
        sorts=[{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        properties=["email", "lifecyclestage"], limit=5, after="0")
    r = client.crm.contacts.search_api.do_search(public_object_search_request=req)
    assert r.total >= len(r.results)
    return f"total {r.total}, next {r.paging.next.after if r.paging else None}"


@check("companies.search_api.do_search (IN, BETWEEN, HAS_PROPERTY)")
def _():
    from hubspot.crm.companies import Filter as F, FilterGroup as G, PublicObjectSearchRequest as R
    r = client.crm.companies.search_api.do_search(public_object_search_request=R(
        filter_groups=[G(filters=[F(property_name="lifecyclestage", operator="IN", values=["customer", "lead"]),
                                  F(property_name="hs_lastmodifieddate", operator="BETWEEN", value="0", high_value=str(int(time.time() * 1000))),
                                  F(property_name="siret", operator="HAS_PROPERTY")])], limit=100))
    return f"total {r.total}"


@check("contacts.batch_api.create + read + upsert")
def _():
    from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInputForCreate, SimplePublicObjectBatchInputForCreate
    created = client.crm.contacts.batch_api.create(BatchInputSimplePublicObjectBatchInputForCreate(inputs=[
        SimplePublicObjectBatchInputForCreate(properties={"email": "py.one@exemple.fr", "firstname": "Py"}, associations=[])]))
    new_id = created.results[0].id
    read = client.crm.contacts.batch_api.read(BatchReadInputSimplePublicObjectId(
        properties=["email"], properties_with_history=[], inputs=[SimplePublicObjectId(id=new_id), SimplePublicObjectId(id=state["contact"])]))
    assert len(read.results) == 2
    up = client.crm.contacts.batch_api.upsert(BatchInputSimplePublicObjectBatchInputUpsert(inputs=[
        SimplePublicObjectBatchInputUpsert(id="py.one@exemple.fr", id_property="email", properties={"lastname": "Thon"}),
        SimplePublicObjectBatchInputUpsert(id="py.two@exemple.fr", id_property="email", properties={"lastname": "Deux"})]))
    flags = sorted(r.new for r in up.results)
    assert flags == [False, True], flags
    state["py_contact"] = new_id
    return f"upsert new flags {flags}"


@check("companies.batch_api.upsert by unique siret")
def _():
    from hubspot.crm.companies import BatchInputSimplePublicObjectBatchInputUpsert as B, SimplePublicObjectBatchInputUpsert as U
    up = client.crm.companies.batch_api.upsert(B(inputs=[U(id="73282932000074", id_property="siret", properties={"name": "Nouvelle SAS"})]))
    return f"new={up.results[0].new}"


@check("contacts.basic_api.create/update + 409 on duplicate e-mail")
def _():
    c = client.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(properties={"email": "py.dup@exemple.fr"}, associations=[]))
    client.crm.contacts.basic_api.update(c.id, SimplePublicObjectInput(properties={"firstname": "Dup"}))
    try:
        client.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(properties={"email": "py.dup@exemple.fr"}, associations=[]))
    except ContactsApiException as e:
        assert e.status == 409, e.status
        assert json.loads(e.body)["category"] == "CONFLICT"
        state["dup"] = c.id
        return "409 CONFLICT"
    raise AssertionError("no 409")


@check("contacts.basic_api.merge")
def _():
    other = client.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(properties={"email": "py.merge@exemple.fr"}, associations=[]))
    m = client.crm.contacts.basic_api.merge(PublicMergeInput(primary_object_id=state["dup"], object_id_to_merge=other.id))
    old = client.crm.contacts.basic_api.get_by_id(other.id, properties=["hs_merged_object_ids"])
    assert old.id == m.id
    return f"merged ids {old.properties['hs_merged_object_ids']}"


@check("associations.v4.batch_api.get_page")
def _():
    r = client.crm.associations.v4.batch_api.get_page("companies", "contacts", BatchInputPublicFetchAssociationsBatchRequest(
        inputs=[PublicFetchAssociationsBatchRequest(id=state["company_with_contacts"])]))
    types = {t.type_id for x in r.results for to in x.to for t in to.association_types}
    return f"{sum(len(x.to) for x in r.results)} contacts, type ids {sorted(types)}"


@check("associations.v4.batch_api.create + basic_api.get_page/create/archive")
def _():
    client.crm.associations.v4.batch_api.create("contacts", "companies", BatchInputPublicAssociationMultiPost(inputs=[
        PublicAssociationMultiPost(_from={"id": state["py_contact"]}, to={"id": state["company"]},
                                   types=[AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=279)])]))
    page = client.crm.associations.v4.basic_api.get_page("contacts", state["py_contact"], "companies", limit=500)
    assert str(page.results[0].to_object_id) == str(state["company"])
    client.crm.associations.v4.basic_api.create("contacts", state["py_contact"], "companies", state["company"],
                                                [AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=1)])
    client.crm.associations.v4.basic_api.archive("contacts", state["py_contact"], "companies", state["company"])
    return "ok"


@check("properties.core_api.get_all/get_by_name/create (409)")
def _():
    allp = client.crm.properties.core_api.get_all("companies")
    siret = client.crm.properties.core_api.get_by_name("companies", "siret")
    assert siret.has_unique_value
    client.crm.properties.core_api.create("contacts", PropertyCreate(name="py_prop", label="Py", type="string", field_type="text", group_name="contactinformation"))
    try:
        client.crm.properties.core_api.create("companies", PropertyCreate(name="siret", label="SIRET", type="string", field_type="text", group_name="companyinformation", has_unique_value=True))
    except PropertiesApiException as e:
        assert e.status == 409
        return f"{len(allp.results)} company properties, duplicate → 409"
    raise AssertionError("no 409")


@check("pipelines.pipelines_api.get_all('deals')")
def _():
    r = client.crm.pipelines.pipelines_api.get_all("deals")
    return ", ".join(f"{s.label}={s.metadata['probability']}" for s in r.results[0].stages)


@check("owners.owners_api.get_page(email=…) + get_by_id")
def _():
    r = client.crm.owners.owners_api.get_page(limit=100)
    one = client.crm.owners.owners_api.get_page(email=r.results[0].email)
    assert len(one.results) == 1
    o = client.crm.owners.owners_api.get_by_id(int(r.results[0].id))
    return f"{len(r.results)} owners, {o.email}"


@check("oauth.tokens_api.create (refresh_token) + call with access token")
def _():
    rt = admin("/oauth/refresh-tokens", {"clientId": CLIENT_ID})["refreshToken"]
    t = client.oauth.tokens_api.create(grant_type="refresh_token", client_id=CLIENT_ID, client_secret=CLIENT_SECRET, refresh_token=rt)
    oauth_client = HubSpot(access_token=t.access_token, host=URL)
    oauth_client.crm.contacts.basic_api.get_page(limit=1)
    admin("/oauth/expire")
    try:
        oauth_client.crm.contacts.basic_api.get_page(limit=1)
    except ContactsApiException as e:
        assert e.status == 401 and json.loads(e.body)["category"] == "EXPIRED_AUTHENTICATION"
    else:
        raise AssertionError("expired token accepted")
    t2 = client.oauth.tokens_api.create(grant_type="refresh_token", client_id=CLIENT_ID, client_secret=CLIENT_SECRET, refresh_token=rt)
    HubSpot(access_token=t2.access_token, host=URL).crm.contacts.basic_api.get_page(limit=1)
    try:
        client.oauth.tokens_api.create(grant_type="refresh_token", client_id=CLIENT_ID, client_secret=CLIENT_SECRET, refresh_token="bogus")
    except Exception as e:  # noqa: BLE001 - the oauth package has its own ApiException
        assert getattr(e, "status", None) == 400 and json.loads(e.body)["error"] == "invalid_grant"
    else:
        raise AssertionError("bad refresh token accepted")
    return f"expires_in {t.expires_in}, expiry → 401 EXPIRED_AUTHENTICATION, bad refresh → invalid_grant"


@check("error: 404 on unknown company is an ApiException with HubSpot body")
def _():
    try:
        client.crm.companies.basic_api.get_by_id("1")
    except CompaniesApiException as e:
        body = json.loads(e.body)
        assert e.status == 404 and body["category"] == "OBJECT_NOT_FOUND"
        return "404 OBJECT_NOT_FOUND"
    raise AssertionError("no 404")


@check("contacts.batch_api.update + basic_api.archive + get_page(archived=True)")
def _():
    from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInput, SimplePublicObjectBatchInput
    r = client.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(inputs=[
        SimplePublicObjectBatchInput(id=state["py_contact"], properties={"jobtitle": "Testeur"})]))
    assert r.results[0].properties["jobtitle"] == "Testeur"
    victim = client.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(properties={"email": "py.archive@exemple.fr"}, associations=[]))
    client.crm.contacts.basic_api.archive(victim.id)
    archived = client.crm.contacts.basic_api.get_page(archived=True, limit=100)
    assert any(c.id == victim.id and c.archived for c in archived.results)
    return f"{len(archived.results)} archived"


@check("properties.core_api.update + pipeline_stages_api.create + owners by userId")
def _():
    from hubspot.crm.pipelines import PipelineStageInput
    from hubspot.crm.properties import OptionInput, PropertyUpdate
    client.crm.properties.core_api.update("contacts", "civilite", PropertyUpdate(options=[
        OptionInput(label="Monsieur", value="M", hidden=False, display_order=0),
        OptionInput(label="Madame", value="MME", hidden=False, display_order=1),
        OptionInput(label="Docteur", value="DR", hidden=False, display_order=2)]))
    st = client.crm.pipelines.pipeline_stages_api.create("deals", "default", PipelineStageInput(
        label="Relance", display_order=7, metadata={"probability": "0.3"}))
    owners = client.crm.owners.owners_api.get_page(limit=1)
    o = client.crm.owners.owners_api.get_by_id(owners.results[0].user_id, id_property="userId")
    return f"stage {st.id}, owner {o.id}"


@check("associations.v4.basic_api.create_default + batch_api.archive")
def _():
    from hubspot.crm.associations.v4 import BatchInputPublicAssociationMultiArchive, PublicAssociationMultiArchive
    client.crm.associations.v4.basic_api.create_default("contacts", state["py_contact"], "companies", state["company"])
    client.crm.associations.v4.batch_api.archive("contacts", "companies", BatchInputPublicAssociationMultiArchive(inputs=[
        PublicAssociationMultiArchive(_from={"id": state["py_contact"]}, to=[{"id": state["company"]}])]))
    page = client.crm.associations.v4.basic_api.get_page("contacts", state["py_contact"], "companies")
    assert not page.results
    return "ok"


@check("properties.batch_api.read")
def _():
    from hubspot.crm.properties import BatchReadInputPropertyName, PropertyName
    r = client.crm.properties.batch_api.read("companies", BatchReadInputPropertyName(
        archived=False, inputs=[PropertyName(name="siret"), PropertyName(name="synchro_artis")]))
    return ", ".join(sorted(p.name for p in r.results))


passed = sum(1 for _, ok, _ in results if ok)
for name, ok, detail in results:
    print(f"{'PASS' if ok else 'FAIL'}  {name}  {detail}")
print(f"{passed} passed, {len(results) - passed} failed")
sys.exit(0 if passed == len(results) else 1)
