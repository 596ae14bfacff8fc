// Peer fidelity: dynamics-web-api (v2, unmodified) against the D365 Desk sandbox. Reads the sandbox's
// configuration line from SANDBOX_CONFIG, runs a session a real integration would, and exits non-zero on
// the first difference from Dataverse's behaviour. A failure is a fidelity bug in the sandbox.
import assert from "node:assert/strict";
import { DynamicsWebApi } from "dynamics-web-api";

const config = JSON.parse(process.env.SANDBOX_CONFIG ?? "");
const step = (name) => console.log(`- ${name}`);

const tokenResponse = await fetch(`${config.authority}/oauth2/v2.0/token`, {
  method: "POST",
  body: new URLSearchParams({
    grant_type: "client_credentials",
    client_id: config.org_client_id,
    client_secret: config.org_client_secret,
    scope: `${config.instance_url}/.default`,
  }),
});
assert.equal(tokenResponse.status, 200);
const { access_token: token } = await tokenResponse.json();

const api = new DynamicsWebApi({
  serverUrl: config.instance_url,
  dataApi: { version: "9.2" },
  onTokenRefresh: async () => token,
});

step("WhoAmI");
const me = await api.callFunction("WhoAmI");
assert.match(me.UserId, /^[0-9a-f-]{36}$/);

step("retrieveMultiple with paging and annotations");
const page = await api.retrieveMultiple({
  collection: "accounts",
  select: ["name", "revenue", "industrycode"],
  orderBy: ["name"],
  maxPageSize: 10,
  includeAnnotations: "OData.Community.Display.V1.FormattedValue",
});
assert.equal(page.value.length, 10);
assert.ok(page.oDataNextLink, "a next link");
assert.match(page.value[0].revenue_Formatted, /^\$[\d,]+\.\d\d$/, "DWA maps the formatted value");
// The next page is asked for with the same preferences, as Dataverse requires.
const next = await api.retrieveMultiple({ collection: "accounts", select: ["name"], maxPageSize: 10 }, page.oDataNextLink);
assert.equal(next.value.length, 10);
assert.notEqual(next.value[0].accountid, page.value[0].accountid);
const everything = await api.retrieveAll({ collection: "contacts", select: ["fullname"], maxPageSize: 7 });
assert.equal(everything.value.length, 2 * Number(process.env.SANDBOX_SEED));

step("retrieve");
const first = await api.retrieve({ collection: "accounts", key: page.value[0].accountid, select: ["name"] });
assert.equal(first.name, page.value[0].name);

step("create with return=representation");
const created = await api.create({
  collection: "accounts",
  data: { name: "Peer Fidelity Ltd", accountnumber: "PEER-1" },
  returnRepresentation: true,
  select: ["name", "accountnumber"],
});
assert.equal(created.name, "Peer Fidelity Ltd");
const etag = created["@odata.etag"];
assert.match(etag, /^W\/"\d+"$/);

step("update with If-Match, then a stale ETag (412)");
assert.equal(await api.update({ collection: "accounts", key: created.accountid, data: { name: "Peer Fidelity 2" }, ifmatch: etag }), true);
assert.equal(await api.update({ collection: "accounts", key: created.accountid, data: { name: "Lost" }, ifmatch: etag }), false);
assert.equal((await api.retrieve({ collection: "accounts", key: created.accountid, select: ["name"] })).name, "Peer Fidelity 2");

step("upsert by alternate key");
await api.upsert({ collection: "accounts", key: "accountnumber='PEER-2'", data: { name: "Upserted Once" } });
await api.upsert({ collection: "accounts", key: "accountnumber='PEER-2'", data: { name: "Upserted Twice" } });
const upserted = await api.retrieve({ collection: "accounts", key: "accountnumber='PEER-2'", select: ["name"] });
assert.equal(upserted.name, "Upserted Twice");

step("change tracking: start");
const tracked = await api.retrieveMultiple({ collection: "accounts", select: ["name"], trackChanges: true });
assert.ok(tracked.oDataDeltaLink, "a delta link");

step("delete");
assert.equal(await api.deleteRecord({ collection: "accounts", key: created.accountid }), true);
await assert.rejects(api.retrieve({ collection: "accounts", key: created.accountid }), (error) => error.status === 404);

step("executeBatch with a change set");
api.startBatch();
api.create({ collection: "accounts", data: { name: "Batch Parent" }, contentId: "1" });
api.create({ collection: "contacts", data: { lastname: "Batch Child", "parentcustomerid_account@odata.bind": "$1" } });
const results = await api.executeBatch({ inChangeSet: true });
assert.equal(results.length, 2);
for (const result of results) assert.match(String(result), /^[0-9a-f-]{36}$/);
const child = await api.retrieve({ collection: "contacts", key: results[1], select: ["_parentcustomerid_value"] });
assert.equal(child._parentcustomerid_value, results[0]);

step("change tracking: the delta");
const delta = await api.retrieveMultiple({ collection: "accounts", select: ["name"] }, tracked.oDataDeltaLink);
const names = delta.value.map((row) => row.name).filter(Boolean);
assert.ok(names.includes("Upserted Twice") === false, "created before tracking started");
assert.ok(names.includes("Batch Parent"), `the batch's account is in the delta: ${JSON.stringify(names)}`);
assert.ok(delta.value.some((row) => row.id === created.accountid && row.reason === "deleted"), "the deletion is in the delta");
assert.ok(delta.oDataDeltaLink, "a link for the next round");

console.log("dynamics-web-api: every step behaved as against Dataverse");
