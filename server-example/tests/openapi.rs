//! The OpenAPI document: served without a key, OpenAPI 3.1, and made from the routes the
//! server registers (`utoipa_axum::routes!` in `router()`: a route and its operation are
//! one registration). A live server answers every documented operation (never the
//! routing's 404 or 405) and answers 405 to every other method on a documented path;
//! the pages of `/docs` are served but are not operations; real answers match their
//! schemas.

mod common;

use std::collections::BTreeSet;

use common::{Server, TEST_KEY};
use milmed_server::Settings;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The methods axum can route, lower case as in the document.
const METHODS: [&str; 8] = [
    "get", "post", "put", "delete", "patch", "head", "options", "trace",
];

/// The document as JSON.
fn document() -> Value {
    serde_json::to_value(milmed_server::openapi()).unwrap()
}

/// Every (method, path) of the document.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            assert!(METHODS.contains(&method.as_str()), "{method} {path}");
            operations.insert((method.clone(), path.clone()));
        }
    }
    operations
}

/// `path` with its parameters filled in.
fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
}

#[tokio::test]
async fn the_document_is_served_without_a_key_and_is_openapi_3_1() {
    let server = Server::start(Settings::default()).await;
    for path in ["/api/v1/openapi.json", "/api/v1/openapi.json/"] {
        let (status, headers, body) = server.get_with(path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(headers["content-type"], "application/json");
        let served: Value = serde_json::from_slice(&body).unwrap();
        assert!(
            served["openapi"].as_str().unwrap().starts_with("3.1."),
            "{}",
            served["openapi"]
        );
        assert_eq!(served, document(), "the served document is openapi()");
    }
    let doc = document();
    assert_eq!(doc["info"]["title"], "milmed");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        doc["components"]["securitySchemes"]["api_key"],
        json!({"type": "apiKey", "name": "X-API-Key", "in": "header",
               "description": doc["components"]["securitySchemes"]["api_key"]["description"]})
    );
    let envelope = &doc["components"]["schemas"]["ErrorBody"];
    assert_eq!(
        envelope["required"],
        json!(["error", "status", "detail", "request_id", "timestamp"])
    );
    server.stop().await;
}

#[tokio::test]
async fn every_documented_operation_is_served_and_no_other_method_is() {
    let doc = document();
    let documented = documented(&doc);
    assert!(documented.len() >= 28, "{documented:?}");
    for (_, path) in &documented {
        assert!(
            path.starts_with("/api/v1/") || path == "/metrics",
            "{path}: outside the API"
        );
    }

    // Every documented operation is answered, not by the routing's 404 or 405 (without a
    // key: 401 exactly where the document asks for one, a status it documents); every
    // other method on a documented path is 405, so a method served but not documented
    // fails here too.
    let server = Server::start(Settings::default()).await;
    let client = reqwest::Client::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if ["head", "options"].contains(&method) {
                continue; // axum answers HEAD with GET; CORS answers OPTIONS.
            }
            let response = client
                .request(
                    Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    server.url(&concrete(path)),
                )
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            let what = format!("{method} {path}: {status} {body}");
            match item.get(method) {
                None => assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{what}"),
                Some(operation) => {
                    assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{what}");
                    assert!(
                        !body["detail"]
                            .as_str()
                            .is_some_and(|d| d.starts_with("no route")),
                        "{what}"
                    );
                    let keyed = operation["security"] == json!([{"api_key": []}]);
                    assert_eq!(status == StatusCode::UNAUTHORIZED, keyed, "{what}");
                    let documented = &operation["responses"];
                    assert!(
                        documented.get(status.as_str()).is_some(),
                        "{what}: status not documented"
                    );
                }
            }
        }
    }
    // The routing's own 404, which the loop above must never meet, says `no route`.
    let response = client
        .get(server.url("/api/v1/no-such-route"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("no route")),
        "{body}"
    );
    server.stop().await;
}

/// Resolves a local `$ref`.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("a local reference");
            resolve(doc, doc.pointer(pointer).expect(reference))
        }
        None => value,
    }
}

/// Why `value` does not match `schema`, if it does not: the subset of JSON Schema the
/// document uses (types, enums, required, properties, additional properties, items,
/// all/one/anyOf, minimum and maximum).
fn mismatch(doc: &Value, schema: &Value, value: &Value, at: &str) -> Option<String> {
    let schema = resolve(doc, schema);
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
            _ => panic!("type {types}"),
        };
        let fits = |t: &str| match t {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "string" => value.is_string(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => panic!("type {t}"),
        };
        if !types.iter().any(|t| fits(t)) {
            return Some(format!("{at}: {value} is not {types:?}"));
        }
    }
    if let Some(values) = schema.get("enum")
        && !values.as_array().unwrap().contains(value)
    {
        return Some(format!("{at}: {value} is not one of {values}"));
    }
    if let Some(n) = value.as_f64() {
        if schema
            .get("minimum")
            .is_some_and(|m| n < m.as_f64().unwrap())
        {
            return Some(format!("{at}: {n} is under the minimum"));
        }
        if schema
            .get("maximum")
            .is_some_and(|m| n > m.as_f64().unwrap())
        {
            return Some(format!("{at}: {n} is over the maximum"));
        }
    }
    if let Some(all) = schema.get("allOf") {
        for part in all.as_array().unwrap() {
            if let Some(why) = mismatch(doc, part, value, at) {
                return Some(why);
            }
        }
    }
    for (keyword, exactly_one) in [("oneOf", true), ("anyOf", false)] {
        if let Some(options) = schema.get(keyword) {
            let fits = options
                .as_array()
                .unwrap()
                .iter()
                .filter(|o| mismatch(doc, o, value, at).is_none())
                .count();
            if fits == 0 || (exactly_one && fits > 1) {
                return Some(format!("{at}: {value} matches {fits} of {keyword}"));
            }
        }
    }
    if let Some(object) = value.as_object() {
        for name in schema["required"].as_array().into_iter().flatten() {
            if !object.contains_key(name.as_str().unwrap()) {
                return Some(format!("{at}: `{name}` is missing"));
            }
        }
        let properties = schema["properties"].as_object();
        for (name, field) in object {
            match properties.and_then(|p| p.get(name)) {
                Some(property) => {
                    if let Some(why) = mismatch(doc, property, field, &format!("{at}.{name}")) {
                        return Some(why);
                    }
                }
                None if schema["additionalProperties"] == false => {
                    return Some(format!("{at}: `{name}` is not allowed"));
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            if let Some(why) = mismatch(doc, items, item, &format!("{at}[{i}]")) {
                return Some(why);
            }
        }
    }
    None
}

/// Checks that `body`, answered with `status` to `method` `path`, is documented and
/// matches its schema.
fn check(doc: &Value, method: &str, path: &str, status: StatusCode, body: &Value) {
    let operation = &doc["paths"][path][method];
    assert!(operation.is_object(), "{method} {path} is not documented");
    let response = operation["responses"]
        .get(status.as_str())
        .unwrap_or_else(|| panic!("{method} {path}: {status} is not documented"));
    let schema = &resolve(doc, response)["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{method} {path} {status}: no JSON schema"
    );
    if let Some(why) = mismatch(doc, schema, body, "body") {
        panic!("{method} {path} {status}: {why}\n{body}");
    }
}

/// A full page of the list at `path` (asked with `limit=1`) names its next page in a
/// `Link` header, and the document describes that header.
fn check_link(doc: &Value, path: &str, headers: &reqwest::header::HeaderMap) {
    let next = Server::next_link(headers).unwrap_or_else(|| panic!("{path}: no Link header"));
    assert!(next.starts_with(&format!("{path}?after=")), "{next}");
    let documented = &doc["paths"][path]["get"]["responses"]["200"]["headers"]["Link"];
    assert_eq!(
        documented["schema"]["type"], "string",
        "{path}: {documented}"
    );
}

#[test]
fn the_checker_finds_mismatches() {
    let doc = document();
    let schema = json!({"$ref": "#/components/schemas/JobView"});
    let job = json!({
        "job_id": "1", "status": "queued", "priority": "normal",
        "created_at": "2026-11-26T16:35:16Z", "started_at": null, "completed_at": null,
        "progress": 0, "patients_done": 0, "bytes_done": 0, "total_patients": 10,
        "seed": 7, "output_formats": ["json"], "attempt": 0, "error": null, "summary": null,
    });
    assert_eq!(mismatch(&doc, &schema, &job, "job"), None);
    for (field, value) in [
        ("status", json!("paused")),
        ("started_at", json!(3)),
        ("progress", json!(101)),
        ("created_at", Value::Null),
    ] {
        let mut wrong = job.clone();
        wrong[field] = value;
        assert!(
            mismatch(&doc, &schema, &wrong, "job").is_some(),
            "{field}: {wrong}"
        );
    }
    let mut missing = job.clone();
    missing.as_object_mut().unwrap().remove("error");
    assert!(mismatch(&doc, &schema, &missing, "job").is_some());
}

#[tokio::test]
async fn real_answers_match_their_schemas() {
    let doc = document();
    let server = Server::start(Settings::default()).await;
    let get = |path: &'static str, key: Option<&'static str>| {
        let server = &server;
        async move {
            let (status, _, body) = server.get_with(&concrete(path), key).await;
            (status, serde_json::from_slice::<Value>(&body).unwrap())
        }
    };
    for path in [
        "/api/v1/health",
        "/api/v1/health/live",
        "/api/v1/health/ready",
        "/api/v1/health/database",
        "/api/v1/configurations/reference/nationalities",
        "/api/v1/configurations/reference/condition-types",
        "/api/v1/configurations/reference/facility-types",
        "/api/v1/configurations/reference/static-fronts",
        "/api/v1/presets",
        "/api/v1/presets/{id}",
        "/api/v1/presets/categories/list",
        "/api/v1/jobs",
        "/api/v1/jobs/{id}",
        "/api/v1/jobs/{id}/results",
    ] {
        for key in [None, Some(TEST_KEY)] {
            let (status, body) = get(path, key).await;
            check(&doc, "get", path, status, &body);
        }
    }
    let (status, body) = server
        .call(Method::GET, "/api/v1/presets/peacekeeping", TEST_KEY, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    check(&doc, "get", "/api/v1/presets/{id}", status, &body);

    // A job, from its creation to its deletion.
    let (status, bad) = server
        .call(
            Method::POST,
            "/api/v1/generation",
            TEST_KEY,
            Some(json!({"preset": "peacekeeping", "count": 0})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    check(&doc, "post", "/api/v1/generation", status, &bad);
    let (status, created) = server
        .call(
            Method::POST,
            "/api/v1/generation",
            TEST_KEY,
            Some(json!({"preset": "peacekeeping", "count": 30, "seed": u64::MAX})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    check(&doc, "post", "/api/v1/generation", status, &created);
    let id = created["job_id"].as_str().unwrap();
    let done = server.wait_for_job(id, TEST_KEY).await;
    assert_eq!(done["status"], "completed", "{done}");
    check(&doc, "get", "/api/v1/jobs/{id}", StatusCode::OK, &done);
    let (status, headers, list) = server
        .call_with_headers(Method::GET, "/api/v1/jobs?limit=1", TEST_KEY, None)
        .await;
    check(&doc, "get", "/api/v1/jobs", status, &list);
    check_link(&doc, "/api/v1/jobs", &headers);
    let (status, page) = server
        .call(
            Method::GET,
            &format!("/api/v1/jobs/{id}/results?page=2&per_page=20"),
            TEST_KEY,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    check(&doc, "get", "/api/v1/jobs/{id}/results", status, &page);
    let (status, refused) = server
        .call(
            Method::POST,
            &format!("/api/v1/jobs/{id}/cancel"),
            TEST_KEY,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    check(&doc, "post", "/api/v1/jobs/{id}/cancel", status, &refused);
    let (status, deleted) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/jobs/{id}"),
            TEST_KEY,
            None,
        )
        .await;
    check(&doc, "delete", "/api/v1/jobs/{id}", status, &deleted);

    // A configuration, from its creation to its deletion.
    let body = json!({"name": "openapi", "preset": "peacekeeping"});
    let (status, stored) = server
        .call(
            Method::POST,
            "/api/v1/configurations",
            TEST_KEY,
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    check(&doc, "post", "/api/v1/configurations", status, &stored);
    let (status, twice) = server
        .call(Method::POST, "/api/v1/configurations", TEST_KEY, Some(body))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{twice}");
    check(&doc, "post", "/api/v1/configurations", status, &twice);
    let id = stored["id"].as_str().unwrap();
    let path = format!("/api/v1/configurations/{id}");
    let (status, version) = server
        .call(
            Method::PUT,
            &path,
            TEST_KEY,
            Some(json!({"preset": "urban_assault"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{version}");
    assert_eq!(version["parent_id"], stored["id"]);
    check(&doc, "put", "/api/v1/configurations/{id}", status, &version);
    let (status, one) = server.call(Method::GET, &path, TEST_KEY, None).await;
    check(&doc, "get", "/api/v1/configurations/{id}", status, &one);
    let (status, headers, list) = server
        .call_with_headers(
            Method::GET,
            "/api/v1/configurations?limit=1",
            TEST_KEY,
            None,
        )
        .await;
    check(&doc, "get", "/api/v1/configurations", status, &list);
    check_link(&doc, "/api/v1/configurations", &headers);
    for body in [json!({"scenario": {"patients": 0}}), json!([1])] {
        let (status, report) = server
            .call(
                Method::POST,
                "/api/v1/configurations/validate",
                TEST_KEY,
                Some(body),
            )
            .await;
        assert_eq!(report["valid"], false, "{report}");
        check(
            &doc,
            "post",
            "/api/v1/configurations/validate",
            status,
            &report,
        );
    }
    let (status, _) = server.call(Method::DELETE, &path, TEST_KEY, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(doc["paths"]["/api/v1/configurations/{id}"]["delete"]["responses"]["204"].is_object());
    let (status, gone) = server.call(Method::DELETE, &path, TEST_KEY, None).await;
    check(&doc, "delete", "/api/v1/configurations/{id}", status, &gone);

    // More patients than a key allows per request.
    server.add_limited_key("openapi_limited_key", 1000).await;
    let (status, refused) = server
        .call(
            Method::POST,
            "/api/v1/generation",
            "openapi_limited_key",
            Some(json!({"preset": "peacekeeping", "count": 1001})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    check(&doc, "post", "/api/v1/generation", status, &refused);

    // A stream as one JSON array.
    let (status, headers, body) = server
        .get("/api/v1/streaming/generate?preset=peacekeeping&count=3&format=json")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/json");
    let stream = &doc["paths"]["/api/v1/streaming/generate"]["get"]["responses"]["200"];
    let schema = &stream["content"]["application/json"]["schema"];
    let patients: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(mismatch(&doc, schema, &patients, "stream"), None);
    assert_eq!(patients.as_array().unwrap().len(), 3);
    server.stop().await;
}

/// The interactive documentation at `/docs` is Swagger UI, served from the binary, reading
/// this document; it loads with and without the trailing slash and needs no key.
#[tokio::test]
async fn swagger_ui_at_docs_reads_the_document_and_loads_from_the_server_alone() {
    let server = Server::start(Settings::default()).await;
    for path in ["/docs", "/docs/"] {
        let (status, headers, body) = server.get_with(path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{headers:?}"
        );
        let page = String::from_utf8(body.to_vec()).unwrap();
        assert!(page.contains("<base href=\"/docs/\">"), "{page}");
        assert!(page.contains("swagger-ui"), "{page}");
    }
    // Every script and stylesheet the page names is served, none from elsewhere.
    let (_, _, body) = server.get_with("/docs", None).await;
    let page = String::from_utf8(body.to_vec()).unwrap();
    let linked: Vec<&str> = page
        .split(['"', '\''])
        .filter(|s| s.starts_with("./") && (s.ends_with(".js") || s.ends_with(".css")))
        .collect();
    assert!(linked.len() >= 3, "{linked:?}");
    for file in linked {
        let path = format!("/docs/{}", &file[2..]);
        let (status, _, body) = server.get_with(&path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!body.is_empty(), "{path}");
    }
    let (status, _, body) = server.get_with("/docs/swagger-initializer.js", None).await;
    assert_eq!(status, StatusCode::OK);
    let initializer = String::from_utf8(body.to_vec()).unwrap();
    assert!(
        initializer.contains("/api/v1/openapi.json"),
        "{initializer}"
    );
    // The pages are for people: served, but not operations of the document.
    let doc = document();
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    assert!(paths.iter().all(|p| !p.starts_with("/docs")), "{paths:?}");
    let (status, headers, body) = server.get_with("/docs/no-such-file.js", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers["content-type"], "application/json");
    let envelope: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(envelope["status"], 404);
    server.stop().await;
}
