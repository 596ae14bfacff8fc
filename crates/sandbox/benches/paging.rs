//! Paging speed, a benchmark rather than a test (`make bench`): a sandbox seeded with 100,000 accounts is
//! read in full with `odata.maxpagesize=5000`, following `@odata.nextLink`, over real HTTP on loopback.
//! Prints pages/s and rows/s. `D365DESK_BENCH_ACCOUNTS` changes the size.

use std::time::Instant;

use d365_sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let accounts: u32 =
        std::env::var("D365DESK_BENCH_ACCOUNTS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let seeding = Instant::now();
    let sandbox =
        Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: accounts, ..Default::default() }).await?;
    println!("seeded {accounts} accounts (+ related rows) in {:.1} s", seeding.elapsed().as_secs_f64());

    let info = sandbox.info();
    let client = reqwest::Client::new();
    let token: Value = client
        .post(format!("{}/oauth2/v2.0/token", info.authority))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", info.org_client_id.as_str()),
            ("client_secret", info.org_client_secret.as_str()),
            ("scope", &format!("{}/.default", info.instance_url)),
        ])
        .send()
        .await?
        .json()
        .await?;
    let token = token["access_token"].as_str().ok_or("no access token")?.to_owned();

    for round in 1..=3 {
        let started = Instant::now();
        let (mut pages, mut rows) = (0u64, 0u64);
        let mut next =
            Some(format!("{}accounts?$select=name,accountnumber,revenue,address1_city", info.web_api_url));
        while let Some(url) = next {
            let page: Value = client
                .get(&url)
                .bearer_auth(&token)
                .header("Prefer", "odata.maxpagesize=5000")
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            pages += 1;
            rows += page["value"].as_array().map_or(0, |v| v.len() as u64);
            next = page["@odata.nextLink"].as_str().map(str::to_owned);
        }
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(rows, u64::from(accounts), "every account read exactly once");
        println!(
            "round {round}: {rows} rows in {pages} pages, {seconds:.2} s: {:.1} pages/s, {:.0} rows/s",
            pages as f64 / seconds,
            rows as f64 / seconds
        );
    }
    sandbox.shutdown().await?;
    Ok(())
}
