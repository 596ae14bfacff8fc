// Benchmark peer (`make bench`): dynamics-web-api's retrieveAll reads every account of the sandbox named
// by SANDBOX_CONFIG, as an integration using that library would. Prints one JSON line: rows and seconds.
import { DynamicsWebApi } from "dynamics-web-api";

const config = JSON.parse(process.env.SANDBOX_CONFIG ?? "");
const tokenResponse = await fetch(`${config.authority}/oauth2/v2.0/token`, {
  method: "POST",
  body: new URLSearchParams({
    grant_type: "client_credentials",
    client_id: config.org_client_id,
    client_secret: config.org_client_secret,
    scope: `${config.instance_url}/.default`,
  }),
});
const { access_token: token } = await tokenResponse.json();
const api = new DynamicsWebApi({
  serverUrl: config.instance_url,
  dataApi: { version: "9.2" },
  onTokenRefresh: async () => token,
});
const started = performance.now();
const all = await api.retrieveAll({ collection: "accounts", maxPageSize: 5000, includeAnnotations: "*" });
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ strategy: "dynamics-web-api retrieveAll", rows: all.value.length, seconds }));
