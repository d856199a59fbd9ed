//! `/api/openapi.json`: the API's OpenAPI 3.1 document (openapi.json beside
//! this file), served as is. `tests/tests/web_openapi.rs` runs schemathesis
//! against it and a running server, so the two cannot drift apart.

use axum::http::header;
use axum::response::IntoResponse;

/// The document, as shipped.
pub const DOCUMENT: &str = include_str!("openapi.json");

pub async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}

#[cfg(test)]
mod tests {
    use super::DOCUMENT;

    #[test]
    fn the_document_is_openapi_3_1_with_bearer_auth_and_an_error_schema() {
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        assert_eq!(
            doc["components"]["schemas"]["Error"]["required"][0],
            "error"
        );
        let paths = doc["paths"].as_object().unwrap();
        for (path, ops) in paths {
            assert!(path.starts_with("/api/"), "{path}");
            for (method, op) in ops.as_object().unwrap() {
                let codes = op["responses"].as_object().unwrap();
                assert!(codes.contains_key("200"), "{method} {path}");
                if path != "/api/openapi.json" {
                    assert!(codes.contains_key("401"), "{method} {path} lacks 401");
                }
            }
        }
    }

    #[test]
    fn every_route_of_the_api_is_documented_and_nothing_else() {
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
        let mut documented: Vec<String> =
            doc["paths"].as_object().unwrap().keys().cloned().collect();
        let mut routed: Vec<String> = include_str!("mod.rs")
            .split(".route(")
            .skip(1)
            .filter_map(|r| r.split('"').nth(1))
            .map(|p| format!("/api{p}"))
            .collect();
        documented.sort();
        routed.sort();
        assert_eq!(routed, documented);
    }
}
