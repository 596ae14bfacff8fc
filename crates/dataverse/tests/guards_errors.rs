//! The network's diagnosis of a name that does not resolve, whatever words the resolver uses for it: the
//! chain of a failed lookup names a "dns error", and each platform's resolver words its own cause.

use d365_dataverse::DataverseError;
use d365_dataverse::reqwest::{self, dns};

/// A resolver that resolves nothing, saying why in its own words.
struct Failing(&'static str);

impl dns::Resolve for Failing {
    fn resolve(&self, _: dns::Name) -> dns::Resolving {
        let says = self.0;
        Box::pin(async move { Err::<dns::Addrs, _>(says.into()) })
    }
}

async fn failure(resolver_says: &'static str) -> DataverseError {
    let http = reqwest::Client::builder().dns_resolver(Failing(resolver_says)).build().expect("a client");
    let url = "https://contoso.crm.dynamics.com/api/data/v9.2/WhoAmI";
    let err = http.get(url).send().await.expect_err("no name resolves");
    DataverseError::from_transport(&err, url)
}

#[tokio::test]
async fn a_name_that_does_not_resolve_is_a_dns_failure_however_the_resolver_words_it() {
    for says in
        ["No such host is known.", "nodename nor servname provided, or not known", "failed to lookup address"]
    {
        let error = failure(says).await;
        assert_eq!(error.kind, "net.dns", "{says}: {error:?}");
        assert_eq!(error.message, "The name contoso.crm.dynamics.com could not be resolved.");
        assert!(error.hint.is_some_and(|h| h.contains("spelling of the instance URL")));
    }
}
