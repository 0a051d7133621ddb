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
