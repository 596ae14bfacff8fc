//! The service document (`GET /api/data/v9.2/`) and `$metadata` (CSDL XML, namespace
//! `Microsoft.Dynamics.CRM`), generated from the same metadata model as everything else.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::errors::odata_json;
use crate::data::schema::ColumnKind;
use crate::identity::pages::escape;
use crate::state::SandboxState;

pub fn service_document(state: &SandboxState) -> Response {
    let value: Vec<_> = state
        .store
        .tables()
        .iter()
        .map(|t| json!({ "name": t.entity_set, "kind": "EntitySet", "url": t.entity_set }))
        .collect();
    odata_json(json!({ "@odata.context": format!("{}$metadata", state.urls.web_api_url), "value": value }))
        .into_response()
}

pub fn metadata(state: &SandboxState) -> Response {
    let tables = state.store.tables();
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
<edmx:DataServices>
<Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">
"#,
    );
    for table in tables {
        xml.push_str(&format!(r#"<EntityType Name="{}">"#, escape(table.logical_name)));
        xml.push_str(&format!(r#"<Key><PropertyRef Name="{}" /></Key>"#, escape(table.primary_id)));
        for column in table.readable_columns() {
            let nullable = if column.logical_name == table.primary_id { r#" Nullable="false""# } else { "" };
            xml.push_str(&format!(
                r#"<Property Name="{}" Type="{}"{nullable} />"#,
                escape(&column.property_name()),
                column.kind.edm_type()
            ));
        }
        for column in &table.columns {
            if let ColumnKind::Lookup { targets } = column.kind {
                for target in targets {
                    let name = if targets.len() > 1 && column.logical_name != "ownerid" {
                        format!("{}_{target}", column.logical_name)
                    } else {
                        column.logical_name.to_owned()
                    };
                    xml.push_str(&format!(
                        r#"<NavigationProperty Name="{}" Type="mscrm.{target}" />"#,
                        escape(&name)
                    ));
                }
            }
        }
        xml.push_str("</EntityType>\n");
    }
    xml.push_str(
        r#"<ComplexType Name="WhoAmIResponse"><Property Name="BusinessUnitId" Type="Edm.Guid" Nullable="false" /><Property Name="UserId" Type="Edm.Guid" Nullable="false" /><Property Name="OrganizationId" Type="Edm.Guid" Nullable="false" /></ComplexType>
<ComplexType Name="RetrieveVersionResponse"><Property Name="Version" Type="Edm.String" Unicode="false" /></ComplexType>
<Function Name="WhoAmI"><ReturnType Type="mscrm.WhoAmIResponse" Nullable="false" /></Function>
<Function Name="RetrieveVersion"><ReturnType Type="mscrm.RetrieveVersionResponse" Nullable="false" /></Function>
<EntityContainer Name="System">
"#,
    );
    for table in tables {
        xml.push_str(&format!(
            r#"<EntitySet Name="{}" EntityType="Microsoft.Dynamics.CRM.{}" />"#,
            table.entity_set, table.logical_name
        ));
        xml.push('\n');
    }
    xml.push_str(
        r#"<FunctionImport Name="WhoAmI" Function="Microsoft.Dynamics.CRM.WhoAmI" IncludeInServiceDocument="false" />
<FunctionImport Name="RetrieveVersion" Function="Microsoft.Dynamics.CRM.RetrieveVersion" IncludeInServiceDocument="false" />
</EntityContainer>
</Schema>
</edmx:DataServices>
</edmx:Edmx>
"#,
    );
    let mut response = xml.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml"));
    response.headers_mut().insert("OData-Version", HeaderValue::from_static("4.0"));
    response
}
