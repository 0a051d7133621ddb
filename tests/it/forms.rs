//! Page forms as a browser sends them: a post with the session's CSRF token, and the page a
//! successful form redirects to, with its confirmation.

use axum::http::StatusCode;

use crate::client::Res;
use crate::harness::{Browser, TestApp};

/// Posts a page form as `b`.
pub async fn post(app: &TestApp, b: &Browser, path: &str, fields: &[(&str, &str)]) -> Res {
    let mut all = vec![("_csrf", b.csrf.as_str())];
    all.extend_from_slice(fields);
    app.post(path).browser(b).form(&all).send().await
}

/// Posts a page form with a file input as `b` does: multipart, the CSRF token first and the
/// file (`file_field`, a JPEG by its name) last. An empty `file` is a file input left empty.
pub async fn post_multipart(
    app: &TestApp,
    b: &Browser,
    path: &str,
    fields: &[(&str, &str)],
    file_field: &str,
    file: &[u8],
) -> Res {
    let boundary = "zizhi-test-boundary";
    let part =
        |name: &str| format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"");
    let mut body = Vec::new();
    for (k, v) in [("_csrf", b.csrf.as_str())].iter().chain(fields) {
        body.extend(format!("{}\r\n\r\n{v}\r\n", part(k)).into_bytes());
    }
    body.extend(
        format!(
            "{}; filename=\"IMG_0001.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n",
            part(file_field)
        )
        .into_bytes(),
    );
    body.extend(file);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    app.post(path)
        .browser(b)
        .raw(&format!("multipart/form-data; boundary={boundary}"), body)
        .send()
        .await
}

/// The page a successful form redirects to (303), with its confirmation.
pub async fn follow(app: &TestApp, b: &mut Browser, res: &Res) -> Res {
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    b.absorb(res);
    let to = res.header("location").unwrap();
    let page = app.get(&to).browser(b).send().await;
    b.absorb(&page);
    page
}

/// The `value` of the first element `selector` picks.
pub fn value_of(res: &Res, selector: &str) -> Option<String> {
    let sel = scraper::Selector::parse(selector).unwrap();
    res.html()
        .select(&sel)
        .next()
        .and_then(|e| e.value().attr("value").map(str::to_owned))
}
