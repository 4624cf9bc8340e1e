//! Interactive API documentation: Swagger UI at `/docs`, reading `/api/v1/openapi.json`.
//!
//! The Swagger UI files are built into the binary (`utoipa-swagger-ui` with its `vendored`
//! feature), so neither the build nor the page fetches anything from the network: the page
//! works on an isolated exercise network as well as on a laptop.
//!
//! Every route of the server answers with and without a trailing slash (the router trims
//! it before routing), so `/docs` and `/docs/` cannot be told apart and a redirect from one
//! to the other would loop. The page instead names its own base (`<base href="/docs/">`),
//! so that its relative links to the stylesheets and scripts resolve under `/docs/` from
//! either address.

use std::sync::{Arc, LazyLock};

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa_swagger_ui::Config;

use crate::error::ApiError;

/// Where the page is served.
pub const PATH: &str = "/docs";

/// What the page shows: our document, with "Try it out" on and the key kept across reloads.
static CONFIG: LazyLock<Arc<Config<'static>>> = LazyLock::new(|| {
    Arc::new(
        Config::from("/api/v1/openapi.json")
            .try_it_out_enabled(true)
            .persist_authorization(true)
            .display_operation_id(true),
    )
});

/// `GET /docs`: the page.
pub async fn index() -> Response {
    file("index.html")
}

/// `GET /docs/{*file}`: the page's stylesheets, scripts and images.
pub async fn asset(Path(name): Path<String>) -> Response {
    file(&name)
}

fn file(name: &str) -> Response {
    let found = match utoipa_swagger_ui::serve(name, Arc::clone(&CONFIG)) {
        Ok(found) => found,
        Err(error) => {
            return ApiError::internal(format!("Swagger UI file {name}: {error}")).into_response();
        }
    };
    let Some(found) = found else {
        return ApiError::not_found(format!("no file {name} in the API documentation"))
            .into_response();
    };
    let mut bytes = found.bytes.into_owned();
    if name == "index.html" {
        bytes = with_base(&bytes);
    }
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&found.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if found.gzpipped {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

/// `index.html` with `<base href="/docs/">` as the first element of its head.
fn with_base(index: &[u8]) -> Vec<u8> {
    let page = String::from_utf8_lossy(index);
    let base = format!("<head>\n    <base href=\"{PATH}/\">");
    page.replacen("<head>", &base, 1).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_its_base_once_and_loads_its_files_relative_to_it() {
        let index = utoipa_swagger_ui::serve("index.html", Arc::clone(&CONFIG))
            .unwrap()
            .expect("the vendored Swagger UI has an index.html");
        let page = String::from_utf8(with_base(&index.bytes)).unwrap();
        assert_eq!(page.matches("<base href=\"/docs/\">").count(), 1, "{page}");
        assert!(page.contains("./swagger-ui-bundle.js"), "{page}");
        assert!(
            !page.contains("https://"),
            "the page must not load anything from the network: {page}"
        );
    }
}
