//! The finishing touches of the OpenAPI document that `app::api` builds from the handlers'
//! annotations, so that any client generator takes it as it is (issue 22 item 2): every error
//! answer with its problem+json body, unique operation ids named `<area>_<verb>`, binary
//! uploads as binary, and no empty license.

use std::collections::HashMap;

use utoipa::openapi::path::Operation;
use utoipa::openapi::{OpenApi, RefOr};

/// The document as served. utoipa 5 writes a Link object's fields in snake case
/// (`operation_id`); the specification's names are `operationId` and `requestBody`.
pub fn to_json(doc: &OpenApi) -> serde_json::Value {
    let mut v = serde_json::to_value(doc).unwrap_or_default();
    if let Some(paths) = v.get_mut("paths").and_then(|p| p.as_object_mut()) {
        for item in paths.values_mut() {
            for op in item
                .as_object_mut()
                .into_iter()
                .flat_map(|i| i.values_mut())
            {
                let responses = op.get_mut("responses").and_then(|r| r.as_object_mut());
                for r in responses.into_iter().flat_map(|r| r.values_mut()) {
                    // `get_mut`, not indexing: indexing a missing key would add a null.
                    let links = r.get_mut("links").and_then(|l| l.as_object_mut());
                    for link in links.into_iter().flat_map(|l| l.values_mut()) {
                        let Some(link) = link.as_object_mut() else {
                            continue;
                        };
                        for (from, to) in [
                            ("operation_id", "operationId"),
                            ("operation_ref", "operationRef"),
                            ("request_body", "requestBody"),
                        ] {
                            if let Some(x) = link.remove(from) {
                                link.insert(to.into(), x);
                            }
                        }
                    }
                }
            }
        }
    }
    v
}

/// Everything below, in order.
pub fn finish(doc: &mut OpenApi) {
    document_problems(doc);
    operation_ids(doc);
    links(doc);
    binary_bodies(doc);
    // zizhi declares no license (Cargo.toml has none): say nothing rather than an empty name.
    doc.info.license = None;
}

/// Each operation of the document with its path and method.
fn operations(doc: &mut OpenApi) -> Vec<(String, &'static str, &mut Operation)> {
    let mut out = Vec::new();
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in [
            ("get", &mut item.get),
            ("post", &mut item.post),
            ("put", &mut item.put),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
        ] {
            if let Some(op) = op.as_mut() {
                out.push((path.clone(), method, op));
            }
        }
    }
    out
}

/// `<area>_<verb>`: the operation's tag (its area) and its handler's name; where two areas'
/// handlers share a name that is unique already, and where one area has two handlers of one
/// name, the path's fixed segments follow (`daily_list_aid_plans`), then the method.
fn operation_ids(doc: &mut OpenApi) {
    let mut ops = operations(doc);
    let names: Vec<[String; 3]> = ops
        .iter()
        .map(|(path, method, op)| {
            let area = op
                .tags
                .as_ref()
                .and_then(|t| t.first())
                .cloned()
                .unwrap_or_else(|| "api".into());
            let verb = op.operation_id.clone().unwrap_or_else(|| (*method).into());
            let noun: Vec<String> = path
                .trim_start_matches("/api/v1/")
                .split('/')
                .filter(|s| !s.starts_with('{') && !s.is_empty())
                .map(|s| s.replace('-', "_"))
                .collect();
            let short = format!("{area}_{verb}");
            let long = format!("{short}_{}", noun.join("_"));
            let longest = format!("{long}_{method}");
            [short, long, longest]
        })
        .collect();
    let count = |level: usize| {
        let mut c: HashMap<&str, usize> = HashMap::new();
        for n in &names {
            *c.entry(n[level].as_str()).or_default() += 1;
        }
        c
    };
    let (c0, c1) = (count(0), count(1));
    for ((_, _, op), n) in ops.iter_mut().zip(&names) {
        let id = if c0[n[0].as_str()] == 1 {
            &n[0]
        } else if c1[n[1].as_str()] == 1 {
            &n[1]
        } else {
            &n[2]
        };
        op.operation_id = Some(id.clone());
    }
}

/// The parameters in a path template, in order: `/a/{id}/b/{task}` → `["id", "task"]`.
fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

/// OpenAPI links from each create to what can be done with what it made, so that a client
/// (and schemathesis's stateful phase) follows real objects: a POST at `P` answering 200 or
/// 201 with an `id` links to every operation at `P/{x}…` with `x` the new `id` and `P`'s own
/// parameters as the request had them.
fn links(doc: &mut OpenApi) {
    use utoipa::openapi::link::LinkBuilder;
    let schemas =
        serde_json::to_value(doc.components.as_ref().map(|c| &c.schemas)).unwrap_or_default();
    let has_id = |schema: &serde_json::Value| {
        let resolved = match schema["$ref"].as_str() {
            Some(r) => &schemas[r.trim_start_matches("#/components/schemas/")],
            None => schema,
        };
        resolved["properties"].get("id").is_some()
    };
    // (path, operation id) of every operation, to find the targets.
    let targets: Vec<(String, String)> = operations(doc)
        .into_iter()
        .filter_map(|(path, _, op)| op.operation_id.clone().map(|id| (path, id)))
        .collect();
    for (path, method, op) in operations(doc) {
        if method != "post" {
            continue;
        }
        for (status, response) in op.responses.responses.iter_mut() {
            let RefOr::T(response) = response else {
                continue;
            };
            let makes = (status == "200" || status == "201")
                && response
                    .content
                    .get("application/json")
                    .is_some_and(|c| has_id(&serde_json::to_value(&c.schema).unwrap_or_default()));
            if !makes {
                continue;
            }
            let own = path_params(&path);
            for (target, target_id) in &targets {
                let Some(rest) = target
                    .strip_prefix(path.as_str())
                    .and_then(|r| r.strip_prefix('/'))
                else {
                    continue;
                };
                let params = path_params(rest);
                let Some(new) = rest.strip_prefix('{').and_then(|r| r.split('}').next()) else {
                    continue;
                };
                if params.len() != 1 {
                    continue;
                }
                let mut link = LinkBuilder::new()
                    .operation_id(target_id.clone())
                    .parameter(new, "$response.body#/id");
                for p in &own {
                    link = link.parameter(*p, format!("$request.path.{p}"));
                }
                response
                    .links
                    .insert(target_id.clone(), RefOr::T(link.build()));
            }
        }
    }
}

/// A body taken as raw bytes (`Vec<u8>`, documented by utoipa as an array of integers) is
/// binary: in OpenAPI 3.1 a string of the body's own media type.
fn binary_bodies(doc: &mut OpenApi) {
    use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
    for (_, _, op) in operations(doc) {
        let Some(body) = op.request_body.as_mut() else {
            continue;
        };
        for (media, content) in body.content.iter_mut() {
            let shape = serde_json::to_value(&content.schema).unwrap_or_default();
            let bytes = shape["type"] == "array" && shape["items"]["type"] == "integer";
            if bytes {
                content.schema = Some(RefOr::T(Schema::Object(
                    ObjectBuilder::new()
                        .schema_type(SchemaType::Type(Type::String))
                        .content_media_type(media.clone())
                        .build(),
                )));
            }
        }
    }
}

/// An error answer (RFC 9457 problem details), as `platform::error` renders it for the API.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct Problem {
    r#type: String,
    /// The kind of problem, in the user's language.
    title: String,
    status: u16,
    /// What is wrong, in the user's language.
    detail: String,
    /// The message key, stable across languages, e.g. `error.query_field`.
    code: String,
    /// The field or parameter at fault, if one is.
    field: Option<String>,
}

/// Every operation may answer with these problems besides what it documents itself: a
/// malformed body or query, no or a dead credential, a refusal, a missing record, a conflict,
/// a body too large or of the wrong type, invalid fields, too many requests.
fn document_problems(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::PartialSchema;
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    const STATUSES: &[(&str, &str)] = &[
        ("400", "malformed request"),
        ("401", "not signed in, or the token is no longer valid"),
        ("403", "not allowed for this account or scope"),
        ("404", "no such record"),
        ("409", "conflicts with the record's state"),
        ("413", "body too large"),
        ("415", "body of the wrong content type"),
        ("422", "a field or parameter is missing or invalid"),
        ("429", "too many requests; see Retry-After"),
    ];
    doc.components
        .get_or_insert_with(Default::default)
        .schemas
        .insert("Problem".into(), Problem::schema());
    for (path, item) in doc.paths.paths.iter_mut() {
        // A notice past its publicity period is taken down (PIPL): its reads and objections
        // answer 410 Gone (`disclosure::notices`).
        let gone = path.starts_with("/api/v1/disclosures/{id}");
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let problem = || {
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build()
            };
            let extra: &[(&str, &str)] = if gone {
                &[(
                    "410",
                    "taken down: the notice's publicity period is over (personal information)",
                )]
            } else {
                &[]
            };
            for (status, what) in STATUSES.iter().chain(extra) {
                op.responses
                    .responses
                    .entry((*status).to_owned())
                    .or_insert_with(|| {
                        ResponseBuilder::new()
                            .description(*what)
                            .content("application/problem+json", problem())
                            .build()
                            .into()
                    });
            }
            // An error the handler documents itself (its own description) has the same body.
            for (status, response) in op.responses.responses.iter_mut() {
                if let RefOr::T(r) = response
                    && (status.starts_with('4') || status.starts_with('5'))
                    && r.content.is_empty()
                {
                    r.content
                        .insert("application/problem+json".into(), problem());
                }
            }
        }
    }
}
